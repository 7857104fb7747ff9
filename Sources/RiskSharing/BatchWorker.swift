import LinearAlgebra
import Stochastics

/// One worker's scratch space and the simulation of one batch of paths (see ``simulate``).
/// Per-worker memory: Z (batch × K), w (batch), S (batch × chunk); nothing grows with paths
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

    init(model: PreparedModel, table: DefaultTable, seed: UInt64, batchSize: Int, exact: Bool) {
        self.model = model
        self.table = table
        self.seed = seed
        self.generator = Philox4x64(key0: seed, key1: 0)
        self.exact = exact
        // Obligors per dgemm: S stays ≤ 256 K doubles (2 MB) per worker.
        let rows = model.exposureCount + model.poolCount
        chunk = max(1, min(rows, (1 << 18) / max(batchSize, 1)))
        z = [Double](repeating: 0, count: batchSize * max(model.factorCount, 1))
        w = [Double](repeating: 1, count: batchSize)
        s = [Double](repeating: 0, count: batchSize * chunk)
    }

    /// Simulates paths [b·batchSize, b·batchSize + count) and writes their portfolio losses
    /// (EUR) to `loss[0..<count]`. Returns the number of exact Φ evaluations.
    mutating func run(batch b: Int, count len: Int, into loss: UnsafeMutablePointer<Double>) -> Int {
        let k = model.factorCount
        let rows = model.exposureCount + model.poolCount
        let batch = UInt64(b)
        for p in 0..<len { loss[p] = 0 }

        // 1. Factors Z (len × K, column-major, ld = len) and the t-copula scale w = √(W/ν).
        var factorStream = RandomStream(seed: seed, stream: (batch, Purpose.factors.rawValue, 0))
        z.withUnsafeMutableBufferPointer { zp in
            for i in 0..<(len * k) { zp[i] = factorStream.nextNormal() }
        }
        if let nu = model.degreesOfFreedom {
            var mixing = RandomStream(seed: seed, stream: (batch, Purpose.mixing.rawValue, 0))
            for p in 0..<len { w[p] = (mixing.nextChiSquare(degreesOfFreedom: nu) / nu).squareRoot() }
        }
        let studentT = model.degreesOfFreedom != nil

        var evaluated = 0
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + chunk)
            // 2. S[:, 0..<(r1 − r0)] = Z · A[r0..<r1, :]ᵀ.
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
            for r in r0..<r1 {
                let column = (r - r0) * len
                if r < model.exposureCount {
                    evaluated += exposure(r, batch: batch, len: len, column: column, studentT: studentT, loss: loss)
                } else {
                    pool(r, batch: batch, len: len, column: column, loss: loss)
                }
            }
            r0 = r1
        }
        return evaluated
    }

    /// 3. Exposure r on every path of the batch: default iff u < Φ((c·w − S)/σ).
    @inline(__always)
    mutating func exposure(_ r: Int, batch: UInt64, len: Int, column: Int, studentT: Bool,
                           loss: UnsafeMutablePointer<Double>) -> Int {
        let c = model.threshold[r]
        let invSigma = model.inverseSigma[r]
        let amount = model.lossAmount[r]
        var evaluated = 0
        let beta = model.betaLGD[r]
        var lgdStream = RandomStream(seed: seed, stream: (batch, Purpose.exposureLGD.rawValue, UInt64(r)))
        @inline(__always) func addLoss(_ p: Int) {
            if let beta { loss[p] += amount * lgdStream.nextBeta(beta.a, beta.b) } else { loss[p] += amount }
        }
        s.withUnsafeBufferPointer { sp in
            w.withUnsafeBufferPointer { wp in
                let sCol = sp.baseAddress! + column
                if invSigma == 0 {
                    // σ = 0 (exposure correlation matrix): default iff S < c·w, no idiosyncratic draw.
                    for p in 0..<len where sCol[p] < (studentT ? c * wp[p] : c) { addLoss(p) }
                    return
                }
                let counterBase = SIMD4<UInt64>(0, batch, Purpose.idiosyncratic.rawValue, UInt64(r))
                var p = 0
                while p < len {
                    var counter = counterBase
                    counter.x = UInt64(p >> 2)
                    let bits = generator.block(counter)
                    let m = min(4, len - p)
                    for j in 0..<m {
                        let u = uniformOpen(bits[j])
                        let cw = studentT ? c * wp[p + j] : c
                        let t = (cw - sCol[p + j]) * invSigma
                        let isDefault: Bool
                        if exact {
                            evaluated += 1
                            isDefault = u < Normal.cdf(t)
                        } else {
                            isDefault = table.decide(u: u, t: t, evaluated: &evaluated)
                        }
                        if isDefault { addLoss(p + j) }
                    }
                    p += 4
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
