import RiskSharing
import Stochastics

/// The allocation of one portfolio loss under a ``Cover``, specialised from
/// ``Waterfall/allocate(portfolioLoss:into:)`` for the cover's two tranches and one guarantee:
/// the same floating-point operations in the same order, without arrays.
///
/// With l = loss/V, first-loss tranche [0, f) (when f > 0), private tranche [f, 1] (when
/// f < 1) and a guarantee (g, c) on the private tranche:
///
///     first loss  F = min(max(l, 0), f)·V                (public)
///     private     T = min(max(l − f, 0), 1 − f)·V
///     call        G = min(g·T, c·V)                      (public, the guarantor)
///     public loss = (0 + F) + G,   private loss = 0 + (T − G)
///
/// (the holder sums start at 0 and add the tranches' net losses, then the calls, as the
/// waterfall does). All three are nondecreasing in the loss.
struct CoverAllocator {
    let volume: Double
    let firstLoss: Tranche?
    let privateTranche: Tranche?
    /// (rate, cap amount) of the guarantee on the private tranche (the cap amount per the
    /// guarantee's ``CapBasis``, from the waterfall).
    let guarantee: (rate: Double, capAmount: Double)?
    let hasPublicHolder: Bool
    let hasPrivateHolder: Bool

    /// nil when the waterfall is not the two-tranche, one-guarantee shape this specialises
    /// (e.g. the same holder name for both sides); then the path-by-path evaluation is used.
    init?(waterfall w: Waterfall, terms: CoverTerms) {
        guard terms.publicHolder != terms.privateHolder else { return nil }
        volume = w.volume
        var fl: Tranche? = nil, pr: Tranche? = nil
        for t in w.tranches {
            if t.name == "first_loss" && t.holder == terms.publicHolder && fl == nil && pr == nil { fl = t }
            else if t.name == "private" && t.holder == terms.privateHolder && pr == nil { pr = t }
            else { return nil }
        }
        firstLoss = fl
        privateTranche = pr
        switch w.guarantees.count {
        case 0: guarantee = nil
        case 1:
            let g = w.guarantees[0]
            guard pr != nil, g.covers == .tranche("private"), g.guarantor == terms.publicHolder else { return nil }
            guarantee = (g.rate, w.capAmount(0))
        default: return nil
        }
        hasPublicHolder = w.holders.contains(terms.publicHolder)
        hasPrivateHolder = w.holders.contains(terms.privateHolder)
    }

    @inline(__always) func privateGross(_ l: Double) -> Double {
        guard let t = privateTranche else { return 0 }
        return t.lossFraction(portfolioLossFraction: l) * volume
    }

    @inline(__always) func call(_ loss: Double) -> Double {
        guard let g = guarantee else { return 0 }
        return min(g.rate * privateGross(loss / volume), g.capAmount)
    }

    @inline(__always) func publicLoss(_ loss: Double) -> Double {
        guard hasPublicHolder else { return 0 }
        let l = loss / volume
        var x = 0.0
        if let t = firstLoss { x += t.lossFraction(portfolioLossFraction: l) * volume }
        if let g = guarantee { x += min(g.rate * privateGross(l), g.capAmount) }
        return x
    }

    @inline(__always) func privateLoss(_ loss: Double) -> Double {
        guard hasPrivateHolder else { return 0 }
        let l = loss / volume
        let gross = privateGross(l)
        var net = gross
        if let g = guarantee { net -= min(g.rate * gross, g.capAmount) }
        return 0 + net
    }
}

extension RiskCoverAnalysis {
    /// Evaluates `cover` on the simulated losses: every path's loss goes through the cover's
    /// `Waterfall`.
    ///
    /// Cost O(paths) with no per-path storage: the holders' losses are nondecreasing functions
    /// of the portfolio loss (`CoverAllocator`), so on the sorted losses their means are two
    /// passes of the specialised allocation and their quantiles are the allocations of the
    /// portfolio loss's order statistics. Bit-identical to ``evaluatePathByPath(_:)`` (the tests
    /// compare them): the same arithmetic per path, the same summation order; if rounding ever
    /// broke the monotonicity of a holder's loss the path-by-path evaluation is used instead.
    ///
    /// A cover of ``accumulated`` (a sweep's grid) is evaluated from its accumulated figures and
    /// the retained largest losses instead (`accumulatedEvaluation`).
    public func evaluate(_ cover: Cover) throws(RiskModelError) -> CoverEvaluation {
        if let acc = accumulated, let i = acc.index[cover] { return try accumulatedEvaluation(cover, i, acc) }
        if let r = retained { return try boundedEvaluation(cover, r) }
        try requireAllLosses(cover)
        let (waterfall, allocator) = try allocator(cover)
        guard let a = allocator, let e = fastEvaluation(cover, waterfall, a) else { return try evaluatePathByPath(cover) }
        return e
    }

    /// One investor constraint at `cover`, computing only what it needs (the private loss's
    /// mean, or its probability of being positive); equal to the check in ``evaluate(_:)``.
    /// nil when that constraint is not declared.
    public func check(_ kind: ConstraintCheck.Kind, at cover: Cover) throws(RiskModelError) -> ConstraintCheck? {
        guard activeConstraints.contains(kind) else { return nil }
        if let r = retained { return try boundedCheck(kind, at: cover, r) }
        if let acc = accumulated, acc.index[cover] != nil { return try evaluate(cover).checks.first { $0.kind == kind } }
        try requireAllLosses(cover)
        let (waterfall, allocator) = try allocator(cover)
        let losses = base.lossDistribution.sortedLosses
        let fast: ConstraintCheck? = allocator.flatMap { a in
            losses.withUnsafeBufferPointer { b in constraintCheck(kind, at: cover, b, a) }
        }
        _ = waterfall
        if let fast { return fast }
        return try evaluatePathByPath(cover).checks.first { $0.kind == kind }
    }

    /// One investor constraint at `cover` on the sorted losses b, after `prefix` more paths whose
    /// private loss is 0 (a bounded solve's paths at or below its threshold; none otherwise): the
    /// private loss's probability of being positive, or its mean as a rate of the private
    /// notional. nil when rounding broke the monotonicity of the private loss.
    func constraintCheck(_ kind: ConstraintCheck.Kind, at cover: Cover, _ b: UnsafeBufferPointer<Double>, _ a: CoverAllocator,
                         prefix: Int = 0) -> ConstraintCheck? {
        guard Self.monotone(b, a.privateLoss, from: Self.zeroPrefix(b, a)) else { return nil }
        let n = prefix + b.count
        switch kind {
        case .lossProbability:
            let p = ProbabilityEstimate(successes: n - (prefix + Self.firstPositive(b, a.privateLoss)), trials: n)
            return ConstraintCheck(kind: kind, limit: constraints.maxLossProbability!, estimate: p.probability, standardError: p.standardError)
        case .expectedLoss, .netReturn:
            let privateNotional = (1 - min(max(cover.firstLoss, 0), 1)) * volume
            let m = Self.privateMean(b, a, prefix: prefix)
            let rate = privateNotional > 0 ? m.scaled(by: 1 / privateNotional) : MeanEstimate(mean: 0, standardError: 0, count: m.count)
            if kind == .expectedLoss {
                return ConstraintCheck(kind: kind, limit: constraints.maxExpectedLoss!, estimate: rate.mean, standardError: rate.standardError)
            }
            return ConstraintCheck(kind: kind, limit: constraints.hurdle!, estimate: constraints.coupon! - rate.mean, standardError: rate.standardError)
        }
    }

    func allocator(_ cover: Cover) throws(RiskModelError) -> (Waterfall, CoverAllocator?) {
        let structure = cover.structure(publicHolder: terms.publicHolder, privateHolder: terms.privateHolder, capBasis: terms.capBasis)
        let waterfall = try Waterfall(structure: structure, volume: volume)
        return (waterfall, CoverAllocator(waterfall: waterfall, terms: terms))
    }

    /// The number of sorted losses whose fraction l = loss/V is ≤ the private tranche's
    /// attachment f: on them the private loss is exactly 0 (max(l − f, 0) = 0, so the tranche
    /// loss, the call and the net loss are 0), and it is ≥ 0 everywhere (the call
    /// min(g·T, c·V) ≤ T for g ≤ 1).
    static func zeroPrefix(_ b: UnsafeBufferPointer<Double>, _ a: CoverAllocator) -> Int {
        guard let t = a.privateTranche, a.hasPrivateHolder else { return b.count }
        var lo = 0, hi = b.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if b[mid] / a.volume <= t.attachment { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// ``SampleStatistics/mean(count:_:)`` of the private losses, visiting only the paths
    /// above the zero prefix: the first pass adds nothing for them (s + 0 = s), and the second
    /// adds (0 − m)² = m·m once per such path, in the same order — bit-identical. `prefix`
    /// more paths before b count as zeros (a bounded solve's paths at or below its threshold).
    static func privateMean(_ b: UnsafeBufferPointer<Double>, _ a: CoverAllocator, prefix: Int = 0) -> MeanEstimate {
        let z = zeroPrefix(b, a)
        return meanWithZeroPrefix(UnsafeBufferPointer(rebasing: b[z...]), prefix + z, a.privateLoss)
    }

    /// `SampleStatistics.mean(count:_:)` of x over `prefix` zeros followed by b: bit-identical
    /// (s + 0 = s in the first pass; (0 − m)² once per zero, first, in the second).
    static func meanWithZeroPrefix(_ b: UnsafeBufferPointer<Double>, _ prefix: Int, _ x: (Double) -> Double) -> MeanEstimate {
        let n = prefix + b.count
        let (mean, ss) = twoPassWithZeroPrefix(b, prefix, x)
        let se = n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0
        return MeanEstimate(mean: mean, standardError: se, count: n)
    }

    /// The two passes of ``meanWithZeroPrefix(_:_:_:)``: the mean of x over `prefix` zeros
    /// followed by b, and the sum of squared deviations from it.
    static func twoPassWithZeroPrefix(_ b: UnsafeBufferPointer<Double>, _ prefix: Int, _ x: (Double) -> Double)
        -> (mean: Double, squaredDeviations: Double) {
        var sum = 0.0
        for i in 0..<b.count { sum += x(b[i]) }
        let mean = sum / Double(prefix + b.count)
        var ss = 0.0
        let d0 = 0 - mean, square = d0 * d0
        for _ in 0..<prefix { ss += square }
        for i in 0..<b.count { let d = x(b[i]) - mean; ss += d * d }
        return (mean, ss)
    }

    /// f is nondecreasing on b[start…] (and, with f = 0 before `start`, on all of b when f ≥ 0).
    static func monotone(_ b: UnsafeBufferPointer<Double>, _ f: (Double) -> Double, from start: Int = 0) -> Bool {
        guard start < b.count else { return true }
        var previous = f(b[start])
        for i in (start + 1)..<b.count {
            let x = f(b[i])
            if x < previous { return false }
            previous = x
        }
        return true
    }

    /// The first index whose f is > 0 (f nondecreasing and ≥ 0), by bisection.
    static func firstPositive(_ b: UnsafeBufferPointer<Double>, _ f: (Double) -> Double) -> Int {
        var lo = 0, hi = b.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if f(b[mid]) > 0 { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    func fastEvaluation(_ cover: Cover, _ waterfall: Waterfall, _ a: CoverAllocator) -> CoverEvaluation? {
        let losses = base.lossDistribution.sortedLosses
        let n = losses.count
        return losses.withUnsafeBufferPointer { b -> CoverEvaluation? in
            guard Self.monotone(b, a.publicLoss), Self.monotone(b, a.privateLoss, from: Self.zeroPrefix(b, a)), a.guarantee == nil || Self.monotone(b, a.call) else {
                return nil
            }
            let f = min(max(cover.firstLoss, 0), 1)
            let liability = waterfall.guarantees.isEmpty ? 0 : waterfall.maximumLiability(0)
            let privateNotional = (1 - f) * volume
            let confidence = base.portfolio.quantiles.first?.confidence ?? 0.95
            let hasCalls = !waterfall.guarantees.isEmpty
            var evaluation = CoverEvaluation(
                cover: cover, volume: volume, privateNotional: privateNotional, guaranteeLiability: liability,
                publicCommitment: f * volume + terms.provisioningRate * liability,
                publicLoss: SampleStatistics.mean(count: n) { a.publicLoss(b[$0]) },
                publicLoss99: SampleStatistics.quantile(count: n, level: 0.99, confidence: confidence) { a.publicLoss(b[$0]) },
                publicLoss999: SampleStatistics.quantile(count: n, level: 0.999, confidence: confidence) { a.publicLoss(b[$0]) },
                privateLoss: Self.privateMean(b, a),
                // Private losses are zero on a prefix of the sorted losses and positive after it.
                privateLossProbability: ProbabilityEstimate(successes: n - Self.firstPositive(b, a.privateLoss), trials: n),
                guaranteeCalls: hasCalls ? SampleStatistics.mean(count: n) { a.call(b[$0]) } : nil,
                provisioningRateAtConfidence: !hasCalls || liability <= 0 ? nil
                    : SampleStatistics.quantile(count: n, level: terms.confidence) { a.call(b[$0]) }.scaled(by: 1 / liability),
                checks: [])
            evaluation.checks = checks(evaluation)
            return evaluation
        }
    }
}
