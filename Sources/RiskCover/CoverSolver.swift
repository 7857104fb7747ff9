import Foundation
import RiskSharing
import Stochastics

/// A solved quantity with its Monte Carlo uncertainty: the value solves the constraint at the
/// estimate; `lower` and `upper` solve it at estimate ∓ z·SE (``CoverTerms/z``), so the band
/// shows how far the answer could move with the simulation noise.
public struct SolvedValue: Sendable, Hashable {
    public var value: Double
    public var lower: Double
    public var upper: Double
}

/// The minimum cover on one axis (first loss, guarantee rate or guarantee cap, the others held
/// fixed) that meets the investors' constraints, hence the maximum leverage.
public struct CoverSolution: Sendable, Hashable {
    /// The axis solved for.
    public var axis: CoverGrid.Axis
    /// The minimum level x* on that axis (a fraction) with its band.
    public var level: SolvedValue
    /// The constraint that sets x* (the largest of the per-constraint minima).
    public var binding: ConstraintCheck.Kind?
    /// Per constraint: its own minimum level.
    public var perConstraint: [(kind: ConstraintCheck.Kind, level: SolvedValue)]
    /// The cover evaluated at x*.
    public var evaluation: CoverEvaluation
    /// Maximum leverage V / public commitment at x*, and at the band's ends (more cover ⇒ lower leverage).
    public var leverage: SolvedValue
    /// The public commitment at x* and at the band's ends.
    public var publicCommitment: SolvedValue
    /// False when even the full axis (level 1) cannot meet a constraint.
    public var feasible: Bool

    /// The minimum first loss, when the axis is the first loss.
    public var firstLoss: SolvedValue { level }

    public static func == (a: CoverSolution, b: CoverSolution) -> Bool {
        a.axis == b.axis && a.level == b.level && a.binding == b.binding && a.evaluation == b.evaluation && a.feasible == b.feasible
    }
    public func hash(into h: inout Hasher) { h.combine(level.value) }
}

extension Cover {
    /// This cover with `axis` set to `level`.
    public func with(_ axis: CoverGrid.Axis, _ level: Double) -> Cover {
        var c = self
        switch axis {
        case .firstLoss: c.firstLoss = level
        case .guaranteeRate: c.guaranteeRate = level
        case .guaranteeCap: c.guaranteeCap = level
        }
        return c
    }
}

extension RiskCoverAnalysis {
    /// The smallest first loss f ∈ [0, 1] meeting every declared investor constraint, with a
    /// guarantee (g, c) on the private tranche held fixed (0, 0 for none). See ``minimumCover(_:from:tolerance:progress:)``.
    public func minimumFirstLoss(guaranteeRate: Double = 0, guaranteeCap: Double = 0, tolerance: Double = 1e-6,
                                 progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> CoverSolution {
        try minimumCover(.firstLoss, from: Cover(guaranteeRate: guaranteeRate, guaranteeCap: guaranteeCap), tolerance: tolerance, progress: progress)
    }

    /// The smallest level x ∈ [0, 1] on `axis` (the rest of `base` held fixed) meeting every
    /// declared investor constraint.
    ///
    /// Each constraint's estimate is monotone in every axis on the common simulated losses — the
    /// private tranche's loss (L − f)⁺ and its rate (L − f)⁺/(1 − f) fall path by path as f grows,
    /// and the loss kept after the guarantee, max((1 − g)·T, T − c·V), falls as g or c grows — so
    /// the minimum is found by bisection to `tolerance`; the band solves the same constraint at
    /// estimate ± z·SE (``CoverTerms/z``).
    ///
    /// - Parameters:
    ///   - axis: the cover axis to solve for (first loss, guarantee rate or guarantee cap).
    ///   - base: the cover whose other axes are held fixed (its value on `axis` is ignored).
    ///   - tolerance: the bisection's width on the axis, in (0, 1).
    ///   - progress: called after each evaluation of a cover with (evaluations done, the most the
    ///     solve can take): three bisections (estimate, band's ends) per declared constraint.
    /// - Throws: `RiskModelError.invalidInput` when no constraint is declared (every cover, even
    ///   none, would be "accepted": there is nothing to solve), or the tolerance is not in (0, 1).
    public func minimumCover(_ axis: CoverGrid.Axis, from base: Cover, tolerance: Double = 1e-6,
                             progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> CoverSolution {
        guard !activeConstraints.isEmpty else {
            throw .invalidInput(item: "investor constraints", reason: "none declared: give a maximum expected loss, a maximum loss probability, or a coupon with a hurdle (risk_cover.investors in a model file); without one every cover, even none, is accepted and there is no minimum to solve for")
        }
        guard tolerance > 0, tolerance < 1 else {
            throw .invalidInput(item: "solver", reason: "tolerance \(tolerance) must be in (0, 1)")
        }
        var perConstraint: [(ConstraintCheck.Kind, SolvedValue)] = []
        var feasible = true
        var steps = 0, width = 1.0
        while width > tolerance { width *= 0.5; steps += 1 }
        let most = activeConstraints.count * 3 * (2 + steps) + 3
        var done = 0
        func step() { done += 1; progress?(min(done, most), most) }
        for (k, kind) in activeConstraints.enumerated() {
            func holds(_ x: Double, _ shift: Double) throws(RiskModelError) -> Bool {
                defer { step() }
                var cover = base.with(axis, x)
                // A bounded solve (`retained`) cannot check a first loss below its threshold t; the
                // constraint is monotone in the first loss, so if it fails at t it fails at x < t,
                // and the bisection goes on as on every loss. If it holds at t the answer lies
                // below t: the caller must re-simulate with a lower threshold.
                let below = retained.map { cover.firstLoss < $0.threshold } ?? false
                if below, let r = retained { cover = cover.with(.firstLoss, r.threshold) }
                let check = try check(kind, at: cover)!
                // shift −1: the optimistic end (estimate − z·SE for a maximum), +1: the pessimistic end.
                let adjusted = check.estimate + shift * terms.z * check.standardError * (kind == .netReturn ? -1 : 1)
                let ok = kind == .netReturn ? adjusted >= check.limit : adjusted <= check.limit
                if below {
                    if ok {
                        throw .invalidInput(item: Self.retainedLossesItem, reason: "the \(kind) constraint holds at first loss \(cover.firstLoss), at and below which the run only counted the losses: the answer lies below it")
                    }
                    return false
                }
                return ok
            }
            func solve(_ shift: Double) throws(RiskModelError) -> Double? {
                if try holds(0, shift) { return 0 }
                if !(try holds(1, shift)) { return nil }
                var lo = 0.0, hi = 1.0
                while hi - lo > tolerance {
                    let mid = 0.5 * (lo + hi)
                    if try holds(mid, shift) { hi = mid } else { lo = mid }
                }
                return hi
            }
            let value = try solve(0)
            done = max(done, (3 * k + 1) * (2 + steps))
            let lower = try solve(-1)
            done = max(done, (3 * k + 2) * (2 + steps))
            let upper = try solve(1)
            done = max(done, (3 * k + 3) * (2 + steps))
            if value == nil { feasible = false }
            perConstraint.append((kind, SolvedValue(value: value ?? 1, lower: lower ?? 1, upper: upper ?? 1)))
        }
        let best = perConstraint.max { $0.1.value < $1.1.value }
        let x = SolvedValue(value: best?.1.value ?? 0,
                            lower: perConstraint.map(\.1.lower).max() ?? 0,
                            upper: perConstraint.map(\.1.upper).max() ?? 0)
        let evaluation = try evaluate(base.with(axis, x.value))
        step()
        let atLower = try evaluate(base.with(axis, x.lower))
        step()
        let atUpper = try evaluate(base.with(axis, x.upper))
        step()
        return CoverSolution(axis: axis, level: x, binding: best?.0, perConstraint: perConstraint.map { (kind: $0.0, level: $0.1) },
                             evaluation: evaluation,
                             leverage: SolvedValue(value: evaluation.leverage, lower: atUpper.leverage, upper: atLower.leverage),
                             publicCommitment: SolvedValue(value: evaluation.publicCommitment, lower: atLower.publicCommitment, upper: atUpper.publicCommitment),
                             feasible: feasible)
    }

    /// The declared constraints, in a fixed order.
    var activeConstraints: [ConstraintCheck.Kind] {
        var kinds: [ConstraintCheck.Kind] = []
        if constraints.maxExpectedLoss != nil { kinds.append(.expectedLoss) }
        if constraints.maxLossProbability != nil { kinds.append(.lossProbability) }
        if constraints.coupon != nil && constraints.hurdle != nil { kinds.append(.netReturn) }
        return kinds
    }

    /// The provisioning rate that covers guarantee calls at confidence α (InvestEU-style), and
    /// the budget multiplier it implies: investment / provision = V / (r_α · maximum liability).
    public func provisioning(for cover: Cover) throws(RiskModelError) -> (rate: QuantileEstimate, budgetMultiplier: SolvedValue)? {
        let e = try evaluate(cover)
        guard let rate = e.provisioningRateAtConfidence, e.guaranteeLiability > 0 else { return nil }
        func multiplier(_ r: Double) -> Double { r > 0 ? volume / (r * e.guaranteeLiability) : .infinity }
        return (rate, SolvedValue(value: multiplier(rate.value), lower: multiplier(rate.upper), upper: multiplier(rate.lower)))
    }

    /// The largest portfolio a public budget B supports at the solved cover: the public
    /// commitment per euro of portfolio is s = (f·V + r·liability)/V, so V_max = B / s.
    /// Assumes the portfolio scales by adding more of the same exposures (loss fractions unchanged).
    public func largestPortfolio(budget: Double, solution: CoverSolution) -> SolvedValue {
        func v(_ commitment: Double) -> Double { commitment > 0 ? budget / (commitment / volume) : .infinity }
        let c = solution.publicCommitment
        return SolvedValue(value: v(c.value), lower: v(c.upper), upper: v(c.lower))
    }
}
