import Foundation
import Stochastics

/// Obligors that share a loading vector (rows of A = B·L that are equal, as in sector models
/// and pools): their systematic part Sₚ = Zₚ·a is computed once per group and path
/// (one small dgemm with one column per distinct vector) instead of once per obligor.
struct LoadingGroups: Sendable {
    /// Distinct rows of A, G × K column-major (row g = group g's vector).
    let vectors: [Double]
    /// G.
    let count: Int
    /// For every obligor row r (exposures then pools), its group.
    let groupOf: [Int]

    /// Groups the rows of `a` ((rows) × K column-major) with equal values and equal σ; nil when
    /// fewer than half of the rows share (then the per-obligor dgemm is as cheap) or there
    /// are more than `limit` distinct vectors.
    init?(a: [Double], rows: Int, factors k: Int, inverseSigma: [Double], limit: Int) {
        guard rows > 0 else { return nil }
        var index: [[Double]: Int] = [:]
        var groupOf = [Int](repeating: 0, count: rows)
        var vectors: [[Double]] = []
        for r in 0..<rows {
            let key = (0..<k).map { a[r + $0 * rows] } + [inverseSigma[r]]
            if let g = index[key] { groupOf[r] = g } else {
                index[key] = vectors.count
                groupOf[r] = vectors.count
                vectors.append(key)
            }
        }
        let g = vectors.count
        guard g * 2 <= rows, g <= limit else { return nil }
        var flat = [Double](repeating: 0, count: g * k)
        for (i, v) in vectors.enumerated() { for j in 0..<k { flat[i + j * g] = v[j] } }
        self.vectors = flat
        self.count = g
        self.groupOf = groupOf
    }
}

/// The skip scheme for individual exposures: conditional on the factors, defaults cost per
/// default (candidate) rather than per obligor.
///
/// Within a loading group every exposure has the same systematic part S and weight σ, so its
/// conditional PD pᵢ = Φ((cᵢ·w − S)/σ) is increasing in its threshold cᵢ. The exposures of a
/// group are sorted by cᵢ (descending) and cut into *classes* whose unconditional PDs lie
/// within a factor ``ratio`` of the class's largest. On each path, for each class with largest
/// threshold c̄:
///
/// 1. p̄ = an upper bound of Φ((c̄·w − S)/σ) read from the ``DefaultTable`` cell of that point
///    (Φ at the cell's upper neighbour, widened by the table's margin), so p̄ ≥ pᵢ for every
///    member; λ = −log(1 − p̄) and 1/λ are tabulated alongside.
/// 2. *Candidates* are a Bernoulli(p̄) sample of the members, drawn by sequential skipping with
///    an exponential clock: with R ~ Exp(1) (R = −log U), the next candidate is ⌊R/λ⌋ members
///    on, since P(gap ≥ k) = P(R ≥ k·λ) = (1 − p̄)ᵏ (Devroye, *Non-Uniform Random Variate
///    Generation*, 1986, §X.2 "sequential sampling"); after a candidate a new clock is drawn.
///    When the clock outlasts the class (R ≥ r·λ with r members left), the class has no further
///    candidate and the *residual* R − r·λ, again Exp(1) by the memoryless property, carries on
///    into the next class (and the next loading group): a class costs one table read, not a
///    uniform and a log. Cost: one uniform and one log per candidate plus one per path.
/// 3. *Thinning*: candidate i defaults iff fl(U·p̄) < pᵢ (U a 53-bit uniform), decided through
///    the same table bounds as the per-draw test (exact Φ only in the ambiguous band). U's top
///    16 bits are drawn first (four per 64-bit word) and decide unless fl(U·p̄) could fall on
///    either side of the bounds (probability ≈ 2⁻¹⁶); only then are its other 37 bits drawn.
///    Then P(default) = p̄ · pᵢ/p̄ = pᵢ, independently across members — exactly the conditional
///    Bernoulli(pᵢ) law (Lewis & Shedler 1979 thinning).
/// When p̄ > ``denseAbove`` (deep in the tail), the class is tested member by member (U < pᵢ)
/// and the clock is left as it is.
///
/// Random numbers: path p of batch b draws, in class order, from its own stream
/// (b, sparse, p) — so the result does not depend on the thread count. The scheme gives the
/// same distribution as the per-draw test but different draws: it is part of the result's
/// identity (``SimulationSettings/defaultTest``).
struct SparseDefaults: Sendable {
    /// PD ratio within a class: finer classes waste fewer candidates (p̄ closer to each pᵢ)
    /// and cost one table read each; 1.5 was the fastest of 4, 2, 1.5 and 1.25 on B1000.
    static let ratio = 1.5
    /// Above this bound the class is tested member by member.
    static let denseAbove = 0.3

    /// Class boundaries into `members` (classStart[j]..<classStart[j + 1]).
    let classStart: [Int]
    /// The loading group of each class.
    let classGroup: [Int]
    /// c̄·256/σ for each class (its largest threshold, in table units).
    let classA0: [Double]
    /// Exposure rows, grouped by class.
    let members: [Int]
    /// Per member, what a candidate reads (together, one cache line at most): cᵢ·256/σ (table
    /// units), 256/σ (table units per unit of S) and the loss amount.
    let memberCells: [MemberCell]
    /// Per member, cᵢ, 1/σ and Beta LGD.
    let memberThreshold: [Double]
    let memberInverseSigma: [Double]
    let memberBeta: [(a: Double, b: Double)?]
    /// Whether any member has a Beta LGD.
    let hasBeta: Bool

    /// Builds the classes for the exposures of `model` (all must have σ > 0), or nil when the
    /// per-draw test is expected to be faster: cost per path ≈ 1 per exposure for the table test
    /// against ≈ 2 per class + 7 per expected candidate (m·PD̄ per class) for skipping — unit
    /// costs measured on B1000.
    init?(model: PreparedModel, groups: LoadingGroups, pds: [Double], force: Bool) {
        let n = model.exposureCount
        guard n > 0, (0..<n).allSatisfy({ model.inverseSigma[$0] > 0 }) else { return nil }
        var byGroup = [[Int]](repeating: [], count: groups.count)
        for r in 0..<n { byGroup[groups.groupOf[r]].append(r) }
        var classStart: [Int] = [], classGroup: [Int] = [], classA0: [Double] = [], members: [Int] = []
        var cost = 0.0
        let scale = DefaultTable.cellsPerUnit
        for (g, rows) in byGroup.enumerated() where !rows.isEmpty {
            let sorted = rows.sorted { (model.threshold[$0], $1) > (model.threshold[$1], $0) }
            var i = 0
            while i < sorted.count {
                let top = sorted[i]
                let pdTop = pds[top]
                var j = i + 1
                while j < sorted.count && pds[sorted[j]] * Self.ratio >= pdTop { j += 1 }
                classStart.append(members.count)
                classGroup.append(g)
                classA0.append(model.threshold[top] * model.inverseSigma[top] * scale)
                members += sorted[i..<j]
                cost += 2 + 7 * Double(j - i) * pdTop
                i = j
            }
        }
        guard force || cost < Double(n) else { return nil }
        classStart.append(members.count)
        self.classStart = classStart
        self.classGroup = classGroup
        self.classA0 = classA0
        self.members = members
        memberCells = members.map {
            MemberCell(a0: model.threshold[$0] * model.inverseSigma[$0] * scale, b0: model.inverseSigma[$0] * scale,
                       amount: model.lossAmount[$0])
        }
        memberThreshold = members.map { model.threshold[$0] }
        memberInverseSigma = members.map { model.inverseSigma[$0] }
        memberBeta = members.map { model.betaLGD[$0] }
        hasBeta = memberBeta.contains { $0 != nil }
    }
}

/// What a candidate of the skip scheme reads about its member (see ``SparseDefaults/memberCells``).
struct MemberCell: Sendable {
    let a0: Double
    let b0: Double
    let amount: Double
}

/// The skip scheme's inner loop over raw pointers (no closures capturing the path's mutable
/// state, so no dynamic exclusivity checks in the loop): one path's exposures, class by class.
///
/// The steps of every class and candidate (the class's bound, the skip, the thinning's first
/// 16 bits, the clock's ziggurat layer) are inlined into one loop per path (or pair of paths);
/// the rare ones (an undecided thinning, a dense class, Beta LGDs, the ziggurat beyond its
/// layer's edge, a new Philox block) are calls out of line, so that the loop stays small and its
/// state stays in registers. Which code runs where does not change what is drawn.
struct SparseKernel {
    let cell: UnsafePointer<SkipCell>
    let start: UnsafePointer<Int>, group: UnsafePointer<Int>
    let classA0: UnsafePointer<Double>, member: UnsafePointer<MemberCell>
    let threshold: UnsafePointer<Double>, inverseSigma: UnsafePointer<Double>
    let zWidth: UnsafePointer<Double>, zEdge: UnsafePointer<Double>, zHeight: UnsafePointer<Double>
    let sparse: SparseDefaults
    let classes: Int
    static let g0 = DefaultTable.gridStart * DefaultTable.cellsPerUnit

    /// The path's random numbers and what it has drawn so far.
    struct PathState {
        var stream: RandomStream
        /// Thinning uniforms come 16 bits at a time from `chunks` (four per 64-bit word).
        var chunks: UInt64 = 0
        var chunksLeft = 0
        var total = 0.0
        var evaluated = 0
    }

    /// The table cell of t = (c·w − S)/σ for a₀ = c·256/σ and b₀ = 256/σ.
    @inline(__always)
    func cellIndex(a0: Double, b0: Double, _ sValue: Double, _ w: Double) -> Int {
        DefaultTable.entry(a0 * w - b0 * sValue - Self.g0)
    }

    /// Member m against bound v (a uniform, or the thinning's U·p̄): default iff v < pₘ,
    /// pₘ = Φ((cₘ·w − S)/σₘ), decided by the table's bounds (exact Φ only in their band).
    @inline(__always)
    func decide(_ m: Int, _ v: Double, _ sValue: Double, _ w: Double, _ evaluated: inout Int) -> Bool {
        let e = cellIndex(a0: member[m].a0, b0: member[m].b0, sValue, w)
        if v < cell[e].lower { return true }
        if v >= cell[e].upper { return false }
        evaluated &+= 1
        return v < Normal.cdf((threshold[m] * w - sValue) * inverseSigma[m])
    }

    /// Candidate m thins against its class's bound p̄: default iff fl(U·p̄) < pₘ for the 53-bit
    /// uniform U = uniformOpen(v·2⁴⁸ + r·2¹¹) whose top 16 bits v are drawn first and r (37
    /// bits) only when v alone cannot decide (U ∈ [v, v + 1)·2⁻¹⁶ and rounding is monotone).
    @inline(__always)
    func thin(_ m: Int, _ pBar: Double, _ sValue: Double, _ w: Double, _ state: inout PathState) -> Bool {
        if state.chunksLeft == 0 { state.chunks = state.stream.nextWord(); state.chunksLeft = 4 }
        let v = state.chunks >> 48
        state.chunks <<= 16
        state.chunksLeft &-= 1
        let e = cellIndex(a0: member[m].a0, b0: member[m].b0, sValue, w)
        if Double(v &+ 1) * 0x1.0p-16 * pBar < cell[e].lower { return true }
        if Double(v) * 0x1.0p-16 * pBar >= cell[e].upper { return false }
        return thinUndecided(m, v, pBar, sValue, w, &state)
    }

    /// The thinning when U's top 16 bits `v` cannot decide: U's other 37 bits, then the
    /// per-draw decision on fl(U·p̄).
    @inline(never)
    func thinUndecided(_ m: Int, _ v: UInt64, _ pBar: Double, _ sValue: Double, _ w: Double,
                       _ state: inout PathState) -> Bool {
        let u = uniformOpen((v << 48) | ((state.stream.next() >> 27) << 11))
        return decide(m, u * pBar, sValue, w, &state.evaluated)
    }

    /// An Exp(1) clock (ziggurat).
    @inline(__always)
    func nextClock(_ state: inout PathState) -> Double {
        state.stream.nextExponential(width: zWidth, edge: zEdge, height: zHeight)
    }

    /// Member m defaults: its loss amount (times a Beta LGD draw when it has one) is added.
    @inline(__always)
    func add(_ m: Int, _ state: inout PathState) {
        if sparse.hasBeta { addWithBeta(m, &state) } else { state.total += member[m].amount }
    }

    /// ``add(_:_:)`` in a portfolio with Beta LGDs.
    @inline(never)
    func addWithBeta(_ m: Int, _ state: inout PathState) {
        if let beta = sparse.memberBeta[m] {
            state.total += member[m].amount * state.stream.nextBeta(beta.a, beta.b)
        } else {
            state.total += member[m].amount
        }
    }

    /// Path p's loss from the exposures: classes in order, one exponential clock carried across them.
    @inline(never)
    func path(_ p: Int, len: Int, s: UnsafePointer<Double>, w: Double, _ state: inout PathState) {
        // The exponential clock R ~ Exp(1) of the next candidate, carried across classes.
        var clock = nextClock(&state)
        for j in 0..<classes { classStep(j, p, len: len, s: s, w: w, &clock, &state) }
    }

    /// One class on one path: its bound p̄ from the table, the skipping's λ and 1/λ, and the
    /// last member visited (first − 1 before the first candidate).
    struct Skipping {
        var member: Int
        let end: Int
        let pBar: Double, rate: Double, inverse: Double
        let sValue: Double, w: Double
    }

    /// Class j on path p before its first candidate: p̄ = the table's upper bound at the class's
    /// largest threshold, λ = −log(1 − p̄) ≥ 0 per member.
    @inline(__always)
    func skipping(_ j: Int, _ p: Int, len: Int, s: UnsafePointer<Double>, w: Double) -> Skipping {
        let first = start[j]
        let sValue = s[group[j] &* len &+ p]
        let e = cellIndex(a0: classA0[j], b0: member[first].b0, sValue, w)
        return Skipping(member: first &- 1, end: start[j &+ 1], pBar: cell[e].upper, rate: cell[e].rate, inverse: cell[e].inverseRate,
                        sValue: sValue, w: w)
    }

    /// The class's next candidate, ⌊R/λ⌋ members on, thinned and added, and a new clock; or,
    /// when the clock outlasts the class, the residual R − r·λ carried on and false.
    @inline(__always)
    func nextCandidate(_ k: inout Skipping, _ clock: inout Double, _ state: inout PathState) -> Bool {
        let remaining = k.end &- k.member &- 1
        let skip = clock * k.inverse
        if !(skip < Double(remaining)) {
            clock -= Double(remaining) * k.rate
            return false
        }
        k.member &+= Int(skip) &+ 1
        if thin(k.member, k.pBar, k.sValue, k.w, &state) { add(k.member, &state) }
        clock = nextClock(&state)
        return true
    }

    /// Class j on path p: its candidates and their thinning, advancing `clock`; member by member
    /// (the clock left as it is) when p̄ > ``SparseDefaults/denseAbove``.
    @inline(__always)
    func classStep(_ j: Int, _ p: Int, len: Int, s: UnsafePointer<Double>, w: Double, _ clock: inout Double, _ state: inout PathState) {
        var k = skipping(j, p, len: len, s: s, w: w)
        if k.pBar > SparseDefaults.denseAbove {
            denseClass(k, start[j], &state)
            return
        }
        while nextCandidate(&k, &clock, &state) {}
    }

    /// A class with p̄ > ``SparseDefaults/denseAbove``, tested member by member from `first`.
    @inline(never)
    func denseClass(_ k: Skipping, _ first: Int, _ state: inout PathState) {
        for m in first..<k.end where decide(m, state.stream.nextUniform(), k.sValue, k.w, &state.evaluated) { add(m, &state) }
    }

    /// Paths p and q together, class by class, their candidate loops interleaved so that the
    /// two paths' independent chains of work overlap in the processor. Each path draws exactly
    /// what ``path(_:len:s:w:_:)`` draws, in the same order: the losses are the same bits.
    @inline(never)
    func pathPair(_ p: Int, _ q: Int, len: Int, s: UnsafePointer<Double>, wP: Double, wQ: Double,
                  _ a: inout PathState, _ b: inout PathState) {
        var clockA = nextClock(&a)
        var clockB = nextClock(&b)
        for j in 0..<classes {
            var kA = skipping(j, p, len: len, s: s, w: wP)
            var kB = skipping(j, q, len: len, s: s, w: wQ)
            if kA.pBar > SparseDefaults.denseAbove || kB.pBar > SparseDefaults.denseAbove {
                classStep(j, p, len: len, s: s, w: wP, &clockA, &a)
                classStep(j, q, len: len, s: s, w: wQ, &clockB, &b)
                continue
            }
            var activeA = true, activeB = true
            while activeA || activeB {
                if activeA { activeA = nextCandidate(&kA, &clockA, &a) }
                if activeB { activeB = nextCandidate(&kB, &clockB, &b) }
            }
        }
    }
}

extension BatchWorker {
    /// All exposures of the batch by the skip scheme (see ``SparseDefaults``); S holds one
    /// column per loading group. Returns the number of exact Φ evaluations.
    mutating func sparseExposures(_ sparse: SparseDefaults, groups: LoadingGroups, batch: UInt64, len: Int,
                                  loss: UnsafeMutablePointer<Double>) -> Int {
        var evaluated = 0
        let generator = self.generator
        let table = self.table
        s.withUnsafeBufferPointer { sp in
        w.withUnsafeBufferPointer { wp in
        table.skipCells.withUnsafeBufferPointer { cell in
        sparse.classStart.withUnsafeBufferPointer { start in
        sparse.classGroup.withUnsafeBufferPointer { group in
        sparse.classA0.withUnsafeBufferPointer { classA0 in
        sparse.memberCells.withUnsafeBufferPointer { member in
        sparse.memberThreshold.withUnsafeBufferPointer { threshold in
        sparse.memberInverseSigma.withUnsafeBufferPointer { inverseSigma in
        table.ziggurat.width.withUnsafeBufferPointer { zWidth in
        table.ziggurat.edge.withUnsafeBufferPointer { zEdge in
        table.ziggurat.height.withUnsafeBufferPointer { zHeight in
            let kernel = SparseKernel(
                cell: cell.baseAddress!,
                start: start.baseAddress!, group: group.baseAddress!, classA0: classA0.baseAddress!,
                member: member.baseAddress!, threshold: threshold.baseAddress!, inverseSigma: inverseSigma.baseAddress!,
                zWidth: zWidth.baseAddress!, zEdge: zEdge.baseAddress!, zHeight: zHeight.baseAddress!, sparse: sparse,
                classes: sparse.classGroup.count)
            let s = sp.baseAddress!
            func state(_ p: Int) -> SparseKernel.PathState {
                SparseKernel.PathState(stream: RandomStream(generator: generator, counter: SIMD4(0, batch, Purpose.sparse.rawValue, UInt64(p))))
            }
            var p = 0
            while p + 1 < len {
                var a = state(p), b = state(p + 1)
                kernel.pathPair(p, p + 1, len: len, s: s, wP: wp[p], wQ: wp[p + 1], &a, &b)
                loss[p] += a.total
                loss[p + 1] += b.total
                evaluated &+= a.evaluated &+ b.evaluated
                p += 2
            }
            if p < len {
                var a = state(p)
                kernel.path(p, len: len, s: s, w: wp[p], &a)
                loss[p] += a.total
                evaluated &+= a.evaluated
            }
        }}}}}}}}}}}}
        return evaluated
    }
}
