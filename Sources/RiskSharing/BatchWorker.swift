import LinearAlgebra
import Stochastics

/// One worker's scratch space and the simulation of one batch of paths (see ``simulate``).
/// Per-worker memory: Z (batch × K), w (batch), S (batch × chunk ≤ 128 K doubles); nothing grows with paths
/// or with the number of exposures beyond one chunk.
struct BatchWorker {
    let model: PreparedModel
    let table: DefaultTable
    let generator: Philox4x64
    let seed: UInt64
    let exact: Bool
    let chunk: Int
    var z: [Double]
    var w: [Double]
    var s: [Double]
    let plan: Plan

    /// What is shared between workers: the loading groups (S once per distinct loading vector)
    /// and the skip scheme's classes, when they apply.
    struct Plan: Sendable {
        let groups: LoadingGroups?
        let sparse: SparseDefaults?

        init(model: PreparedModel, batchSize: Int, defaultTest: DefaultTest, probabilitiesOfDefault: [Double]) {
            let rows = model.exposureCount + model.poolCount
            let limit = max(1, (1 << 20) / max(batchSize, 1))
            groups = LoadingGroups(a: model.a, rows: rows, factors: model.factorCount, inverseSigma: model.inverseSigma, limit: limit)
            switch (defaultTest, groups) {
            case (.skip, let g?), (.automatic, let g?):
                sparse = SparseDefaults(model: model, groups: g, pds: probabilitiesOfDefault, force: defaultTest == .skip)
            default:
                sparse = nil
            }
        }
    }

    init(model: PreparedModel, table: DefaultTable, seed: UInt64, batchSize: Int, exact: Bool, plan: Plan) {
        self.plan = plan
        self.model = model
        self.table = table
        self.seed = seed
        self.generator = Philox4x64(key0: seed, key1: 0)
        self.exact = exact
        // Obligors per dgemm: S stays ≤ 128 K doubles (1 MB) per worker; measured on B1000,
        // 32 K–512 K doubles are within 3 % (larger chunks repack Z less often, smaller stay in L2).
        let rows = model.exposureCount + model.poolCount
        chunk = max(1, min(rows, (1 << 17) / max(batchSize, 1)))
        z = [Double](repeating: 0, count: batchSize * max(model.factorCount, 1))
        w = [Double](repeating: 1, count: batchSize)
        s = [Double](repeating: 0, count: batchSize * max(chunk, plan.groups?.count ?? 0))
    }

    /// Where the systematic parts of a block of obligor rows lie in `s` after
    /// ``systematicPart(batch:count:_:)``: with loading groups, column groupOf[r]·len (every
    /// row in one block); otherwise (r − first row of the chunk)·len.
    struct SystematicBlock {
        /// The obligor rows (exposures then pools) whose systematic parts are in `s`.
        let rows: Range<Int>
        let len: Int
        let groupOf: [Int]?

        /// The offset in `s` of row r's systematic parts (len consecutive paths).
        @inline(__always) func column(_ r: Int) -> Int { groupOf.map { $0[r] * len } ?? (r - rows.lowerBound) * len }
    }

    /// Steps 1–2 of a batch, shared by the one-year and the lifetime engines (same streams,
    /// same dgemm calls, hence the same bits):
    /// 1. Factors Z (len × K, column-major, ld = len) from stream (b, factors) and, for the t
    ///    copula, the scale w = √(W/ν), W ~ χ²_ν from stream (b, mixing).
    /// 2. The systematic parts: with loading groups, S = Z·Gᵀ (len × G, one column per distinct
    ///    loading vector) once; otherwise S[:, 0..<(r1 − r0)] = Z·A[r0..<r1, :]ᵀ per chunk of
    ///    obligor rows. K = 0 (no factors) gives S = 0.
    /// `body` is called once per block of rows whose systematic parts are in `s` (once with
    /// groups, once per chunk without), in row order.
    mutating func systematicPart(batch b: Int, count len: Int, _ body: (inout BatchWorker, SystematicBlock) -> Void) {
        let k = model.factorCount
        let rows = model.exposureCount + model.poolCount
        let batch = UInt64(b)
        var factorStream = RandomStream(seed: seed, stream: (batch, Purpose.factors.rawValue, 0))
        z.withUnsafeMutableBufferPointer { zp in
            for i in 0..<(len * k) { zp[i] = factorStream.nextNormal() }
        }
        if let nu = model.degreesOfFreedom {
            var mixing = RandomStream(seed: seed, stream: (batch, Purpose.mixing.rawValue, 0))
            for p in 0..<len { w[p] = (mixing.nextChiSquare(degreesOfFreedom: nu) / nu).squareRoot() }
        }
        if let groups = plan.groups {
            z.withUnsafeBufferPointer { zp in
                groups.vectors.withUnsafeBufferPointer { gp in
                    s.withUnsafeMutableBufferPointer { sp in
                        if k == 0 {
                            for i in 0..<(len * groups.count) { sp[i] = 0 }
                            return
                        }
                        BLAS.gemm(.none, .transpose, m: len, n: groups.count, k: k, alpha: 1,
                                  a: zp.baseAddress!, lda: len, b: gp.baseAddress!, ldb: groups.count,
                                  beta: 0, c: sp.baseAddress!, ldc: len)
                    }
                }
            }
            body(&self, SystematicBlock(rows: 0..<rows, len: len, groupOf: groups.groupOf))
            return
        }
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + chunk)
            z.withUnsafeBufferPointer { zp in
                model.a.withUnsafeBufferPointer { ap in
                    s.withUnsafeMutableBufferPointer { sp in
                        if k == 0 {
                            for i in 0..<(len * (r1 - r0)) { sp[i] = 0 }
                        } else {
                            BLAS.gemm(.none, .transpose, m: len, n: r1 - r0, k: k, alpha: 1,
                                      a: zp.baseAddress!, lda: len, b: ap.baseAddress! + r0, ldb: rows,
                                      beta: 0, c: sp.baseAddress!, ldc: len)
                        }
                    }
                }
            }
            body(&self, SystematicBlock(rows: r0..<r1, len: len, groupOf: nil))
            r0 = r1
        }
    }

    /// Simulates paths [b·batchSize, b·batchSize + count) and writes their portfolio losses
    /// (EUR) to `loss[0..<count]`. Returns the number of exact Φ evaluations.
    /// Steps 1–2 by ``systematicPart(batch:count:_:)``; then 3 (exposures, or the skip scheme's
    /// classes when the plan has them) and 4 (pools) per block of rows.
    mutating func run(batch b: Int, count len: Int, into loss: UnsafeMutablePointer<Double>) -> Int {
        let batch = UInt64(b)
        for p in 0..<len { loss[p] = 0 }
        let studentT = model.degreesOfFreedom != nil
        var evaluated = 0
        systematicPart(batch: b, count: len) { worker, block in
            let exposures = worker.model.exposureCount
            if let sparse = worker.plan.sparse, let groups = worker.plan.groups {
                evaluated += worker.sparseExposures(sparse, groups: groups, batch: batch, len: len, loss: loss)
                for r in max(exposures, block.rows.lowerBound)..<block.rows.upperBound {
                    worker.pool(r, batch: batch, len: len, column: block.column(r), loss: loss)
                }
                return
            }
            for r in block.rows {
                if r < exposures {
                    evaluated += worker.exposure(r, batch: batch, len: len, column: block.column(r), studentT: studentT, loss: loss)
                } else {
                    worker.pool(r, batch: batch, len: len, column: block.column(r), loss: loss)
                }
            }
        }
        return evaluated
    }

    /// 3. Exposure r on every path of the batch: default iff u < Φ(t), t = (c·w − S)/σ.
    ///
    /// Uniforms: path p = 16q + m takes as its top 16 bits v the 16-bit field ⌊m/4⌋ (from the
    /// top) of word (m mod 4) of block (q, batch, idiosyncratic, r) and, only when needed, 37
    /// more bits from word 0 of block (p, batch, refinement, r):
    /// u = uniformOpen(v·2⁴⁸ + r₃₇·2¹¹), a 53-bit uniform (see ``DefaultTable``).
    mutating func exposure(_ r: Int, batch: UInt64, len: Int, column: Int, studentT: Bool,
                           loss: UnsafeMutablePointer<Double>) -> Int {
        let c = model.threshold[r]
        let invSigma = model.inverseSigma[r]
        let amount = model.lossAmount[r]
        var evaluated = 0
        let beta = model.betaLGD[r]
        let exact = self.exact
        let generator = self.generator
        let table = self.table
        var lgdStream = RandomStream(seed: seed, stream: (batch, Purpose.exposureLGD.rawValue, UInt64(r)))
        @inline(__always) func addLoss(_ p: Int) {
            if let beta { loss[p] += amount * lgdStream.nextBeta(beta.a, beta.b) } else { loss[p] += amount }
        }
        /// The full 53-bit uniform of path p whose top 16 bits are v.
        @inline(__always) func fullUniform(_ v: UInt64, _ p: Int) -> Double {
            let refine = generator.block(SIMD4(UInt64(p), batch, Purpose.refinement.rawValue, UInt64(r)))
            return uniformOpen((v << 48) | ((refine.x >> 27) << 11))
        }
        s.withUnsafeBufferPointer { sp in
            w.withUnsafeBufferPointer { wp in
                let sCol = sp.baseAddress! + column
                let wCol = wp.baseAddress!
                if invSigma == 0 {
                    // σ = 0 (exposure correlation matrix): default iff S < c·w, no idiosyncratic draw.
                    for p in 0..<len where sCol[p] < (studentT ? c * wCol[p] : c) { addLoss(p) }
                    return
                }
                table.bounds.withUnsafeBufferPointer { bp in
                    let bounds = bp.baseAddress!
                    // Grid coordinate x = (t − g₀)·256 = a₀·w − b₀·S − g₀·256.
                    let scale = DefaultTable.cellsPerUnit
                    let a0 = c * invSigma * scale, b0 = invSigma * scale, g0 = DefaultTable.gridStart * scale
                    let a0g = a0 - g0
                    /// Decides path p from the top 16 bits v of its uniform.
                    @inline(__always) func step<T: Flag, E: Flag>(_ v: UInt64, _ p: Int, _: T.Type, _: E.Type) {
                        let s = sCol[p]
                        let isDefault: Bool
                        if E.value {
                            evaluated &+= 1
                            isDefault = fullUniform(v, p) < Normal.cdf(((T.value ? c * wCol[p] : c) - s) * invSigma)
                        } else {
                            let x = T.value ? a0 * wCol[p] - b0 * s - g0 : a0g - b0 * s
                            let pair = bounds[DefaultTable.entry(x)]
                            if v >= pair >> 32 {
                                return  // the common case: certainly no default
                            } else if v < pair & 0xFFFF_FFFF {
                                isDefault = true
                            } else {
                                evaluated &+= 1
                                isDefault = fullUniform(v, p) < Normal.cdf(((T.value ? c * wCol[p] : c) - s) * invSigma)
                            }
                        }
                        if isDefault { addLoss(p) }
                    }
                    @inline(__always) func sweep<T: Flag, E: Flag>(_ studentT: T.Type, _ exact: E.Type) {
                        var counter = SIMD4<UInt64>(0, batch, Purpose.idiosyncratic.rawValue, UInt64(r))
                        var q = 0
                        // Full blocks: 16 paths from the 16 16-bit fields, in path order.
                        while 16 &* q &+ 16 <= len {
                            counter.x = UInt64(q)
                            let bits = generator.block(counter)
                            let p = 16 &* q
                            step(bits.x >> 48, p, studentT, exact)
                            step(bits.y >> 48, p &+ 1, studentT, exact)
                            step(bits.z >> 48, p &+ 2, studentT, exact)
                            step(bits.w >> 48, p &+ 3, studentT, exact)
                            step((bits.x >> 32) & 0xFFFF, p &+ 4, studentT, exact)
                            step((bits.y >> 32) & 0xFFFF, p &+ 5, studentT, exact)
                            step((bits.z >> 32) & 0xFFFF, p &+ 6, studentT, exact)
                            step((bits.w >> 32) & 0xFFFF, p &+ 7, studentT, exact)
                            step((bits.x >> 16) & 0xFFFF, p &+ 8, studentT, exact)
                            step((bits.y >> 16) & 0xFFFF, p &+ 9, studentT, exact)
                            step((bits.z >> 16) & 0xFFFF, p &+ 10, studentT, exact)
                            step((bits.w >> 16) & 0xFFFF, p &+ 11, studentT, exact)
                            step(bits.x & 0xFFFF, p &+ 12, studentT, exact)
                            step(bits.y & 0xFFFF, p &+ 13, studentT, exact)
                            step(bits.z & 0xFFFF, p &+ 14, studentT, exact)
                            step(bits.w & 0xFFFF, p &+ 15, studentT, exact)
                            q &+= 1
                        }
                        if 16 * q < len {
                            counter.x = UInt64(q)
                            let bits = generator.block(counter)
                            for i in 0..<(len - 16 * q) {
                                let shift = UInt64(48 - 16 * (i / 4))
                                step((bits[i & 3] >> shift) & 0xFFFF, 16 * q + i, studentT, exact)
                            }
                        }
                    }
                    // Four specialisations, so that neither flag is tested per draw.
                    switch (studentT, exact) {
                    case (false, false): sweep(No.self, No.self)
                    case (true, false): sweep(Yes.self, No.self)
                    case (false, true): sweep(No.self, Yes.self)
                    case (true, true): sweep(Yes.self, Yes.self)
                    }
                }
            }
        }
        return evaluated
    }

    /// 4. Pool r: D ~ Binomial(count, Φ((c·w − S)/σ)) per path.
    mutating func pool(_ r: Int, batch: UInt64, len: Int, column: Int, loss: UnsafeMutablePointer<Double>) {
        let j = r - model.exposureCount
        let c = model.threshold[r], invSigma = model.inverseSigma[r], amount = model.lossAmount[r]
        let n = model.poolCounts[j]
        let beta = model.betaLGD[r]
        let lgdMean = model.poolLGDMean[j], lgdSD = model.poolLGDStandardDeviation[j]
        var defaults = RandomStream(seed: seed, stream: (batch, Purpose.poolDefaults.rawValue, UInt64(j)))
        var lgdStream = RandomStream(seed: seed, stream: (batch, Purpose.poolLGD.rawValue, UInt64(j)))
        let studentT = model.degreesOfFreedom != nil
        for p in 0..<len {
            let cw = studentT ? c * w[p] : c
            let prob = Normal.cdf((cw - s[column + p]) * invSigma)
            let d = defaults.nextBinomial(count: n, probability: prob)
            guard d > 0 else { continue }
            if let beta {
                var total = 0.0
                if d <= 1_000 {
                    for _ in 0..<d { total += lgdStream.nextBeta(beta.a, beta.b) }
                } else {
                    let dd = Double(d)
                    total = min(max(dd * lgdMean + dd.squareRoot() * lgdSD * lgdStream.nextNormal(), 0), dd)
                }
                loss[p] += amount * total
            } else {
                loss[p] += amount * Double(d)
            }
        }
    }
}

/// Compile-time flags for specialising the draw loop (no per-draw tests of run-time Bools).
protocol Flag { static var value: Bool { get } }
enum Yes: Flag { static var value: Bool { true } }
enum No: Flag { static var value: Bool { false } }
