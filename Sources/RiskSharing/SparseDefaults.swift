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
///    member; log(1 − p̄) is tabulated alongside.
/// 2. *Candidates* are a Bernoulli(p̄) sample of the members, drawn by geometric skipping:
///    the gap to the next candidate is ⌊log U / log(1 − p̄)⌋, P(gap ≥ k) = (1 − p̄)ᵏ (Devroye,
///    *Non-Uniform Random Variate Generation*, 1986, §X.2 "sequential sampling"), so the cost is
///    one uniform and one log per candidate, not per member.
/// 3. *Thinning*: candidate i defaults iff V·p̄ < pᵢ (V uniform), decided through the same
///    table bounds as the per-draw test (exact Φ only in the ambiguous band). Then
///    P(default) = p̄ · pᵢ/p̄ = pᵢ, independently across members — exactly the conditional
///    Bernoulli(pᵢ) law (Lewis & Shedler 1979 thinning).
/// When p̄ > ``denseAbove`` (deep in the tail), the class is tested member by member (V < pᵢ).
///
/// Random numbers: path p of batch b draws, in class order, from its own stream
/// (b, sparse, p) — so the result does not depend on the thread count. The scheme gives the
/// same distribution as the per-draw test but different draws: it is part of the result's
/// identity (``SimulationSettings/defaultTest``).
struct SparseDefaults: Sendable {
    /// PD ratio within a class.
    static let ratio = 4.0
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
    /// cᵢ·256/σ per member (table units), cᵢ, 1/σ, loss amount and Beta LGD.
    let memberA0: [Double]
    let memberThreshold: [Double]
    let memberInverseSigma: [Double]
    let memberAmount: [Double]
    let memberBeta: [(a: Double, b: Double)?]

    /// Builds the classes for the exposures of `model` (all must have σ > 0), or nil when the
    /// per-draw test is expected to be faster: cost per path ≈ 1 per exposure for the table test
    /// against ≈ 8 per class + 8 per expected candidate (m·PD̄ per class) for skipping — unit
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
                cost += 8 + 8 * Double(j - i) * pdTop
                i = j
            }
        }
        guard force || cost < Double(n) else { return nil }
        classStart.append(members.count)
        self.classStart = classStart
        self.classGroup = classGroup
        self.classA0 = classA0
        self.members = members
        memberA0 = members.map { model.threshold[$0] * model.inverseSigma[$0] * scale }
        memberThreshold = members.map { model.threshold[$0] }
        memberInverseSigma = members.map { model.inverseSigma[$0] }
        memberAmount = members.map { model.lossAmount[$0] }
        memberBeta = members.map { model.betaLGD[$0] }
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
        let g0 = DefaultTable.gridStart * DefaultTable.cellsPerUnit
        let classes = sparse.classGroup.count
        let denseAbove = SparseDefaults.denseAbove
        s.withUnsafeBufferPointer { sp in
        w.withUnsafeBufferPointer { wp in
        table.lowerProbability.withUnsafeBufferPointer { lowP in
        table.upperProbability.withUnsafeBufferPointer { highP in
        table.logComplementUpper.withUnsafeBufferPointer { logP in
        sparse.classStart.withUnsafeBufferPointer { start in
        sparse.classGroup.withUnsafeBufferPointer { group in
        sparse.classA0.withUnsafeBufferPointer { classA0 in
        sparse.memberA0.withUnsafeBufferPointer { memberA0 in
        sparse.memberAmount.withUnsafeBufferPointer { amount in
            let scaleOf = sparse.memberInverseSigma
            for p in 0..<len {
                var stream = RandomStream(generator: generator, counter: SIMD4(0, batch, Purpose.sparse.rawValue, UInt64(p)))
                let wp_ = wp[p]
                var total = 0.0
                /// Candidate m of the class decides against bound pBar: default iff v < pₘ.
                @inline(__always) func decide(_ m: Int, _ v: Double, _ sValue: Double) -> Bool {
                    let b0 = scaleOf[m] * DefaultTable.cellsPerUnit
                    let e = DefaultTable.entry(memberA0[m] * wp_ - b0 * sValue - g0)
                    if v < lowP[e] { return true }
                    if v >= highP[e] { return false }
                    evaluated &+= 1
                    return v < Normal.cdf((sparse.memberThreshold[m] * wp_ - sValue) * scaleOf[m])
                }
                @inline(__always) func add(_ m: Int) {
                    if let beta = sparse.memberBeta[m] { total += amount[m] * stream.nextBeta(beta.a, beta.b) } else { total += amount[m] }
                }
                for j in 0..<classes {
                    let first = start[j], end = start[j + 1]
                    let sValue = sp[group[j] * len + p]
                    let b0 = scaleOf[first] * DefaultTable.cellsPerUnit
                    let e = DefaultTable.entry(classA0[j] * wp_ - b0 * sValue - g0)
                    let pBar = highP[e]
                    if pBar > denseAbove {
                        for m in first..<end where decide(m, stream.nextUniform(), sValue) { add(m) }
                        continue
                    }
                    let logQ = logP[e]
                    var m = first - 1
                    while true {
                        let skip = Foundation.log(stream.nextUniform()) / logQ
                        if !(skip < Double(end - m - 1)) { break }
                        m += Int(skip) + 1
                        if decide(m, stream.nextUniform() * pBar, sValue) { add(m) }
                    }
                }
                loss[p] += total
            }
        }}}}}}}}}}
        return evaluated
    }
}
