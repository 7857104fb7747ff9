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

/// The minimum first loss that meets the investors' constraints, hence the maximum leverage.
public struct CoverSolution: Sendable, Hashable {
    /// Minimum first-loss size f* (fraction of the portfolio) with its band.
    public var firstLoss: SolvedValue
    /// The constraint that sets f* (the largest of the per-constraint minima).
    public var binding: ConstraintCheck.Kind?
    /// Per constraint: its own minimum first loss.
    public var perConstraint: [(kind: ConstraintCheck.Kind, firstLoss: SolvedValue)]
    /// The cover evaluated at f*.
    public var evaluation: CoverEvaluation
    /// Maximum leverage V / public commitment at f*, and at the band's ends (upper f ⇒ lower leverage).
    public var leverage: SolvedValue
    /// False when even f = 1 (full public cover) cannot meet a constraint.
    public var feasible: Bool

    public static func == (a: CoverSolution, b: CoverSolution) -> Bool {
        a.firstLoss == b.firstLoss && a.binding == b.binding && a.evaluation == b.evaluation && a.feasible == b.feasible
    }
    public func hash(into h: inout Hasher) { h.combine(firstLoss.value) }
}

extension RiskCoverAnalysis {
    /// The smallest first loss f ∈ [0, 1] meeting every declared investor constraint, with a
    /// guarantee (g, c) on the private tranche held fixed (0, 0 for none).
    ///
    /// Each constraint's estimate is monotone in f on the common simulated losses (the private
    /// tranche's loss (L − f)⁺ and its rate (L − f)⁺/(1 − f) fall path by path as f grows), so
    /// the minimum is found by bisection to `tolerance`; the band solves the same constraint at
    /// estimate ± z·SE.
    public func minimumFirstLoss(guaranteeRate: Double = 0, guaranteeCap: Double = 0, tolerance: Double = 1e-6) throws(RiskModelError) -> CoverSolution {
        var perConstraint: [(ConstraintCheck.Kind, SolvedValue)] = []
        var feasible = true
        for kind in activeConstraints {
            func gap(_ f: Double, _ shift: Double) throws(RiskModelError) -> Bool {
                let e = try evaluate(Cover(firstLoss: f, guaranteeRate: guaranteeRate, guaranteeCap: guaranteeCap))
                let check = e.checks.first { $0.kind == kind }!
                // shift −1: the optimistic end (estimate − z·SE for a maximum), +1: the pessimistic end.
                let adjusted = check.estimate + shift * terms.z * check.standardError * (kind == .netReturn ? -1 : 1)
                return kind == .netReturn ? adjusted >= check.limit : adjusted <= check.limit
            }
            func solve(_ shift: Double) throws(RiskModelError) -> Double? {
                if try gap(0, shift) { return 0 }
                if !(try gap(1, shift)) { return nil }
                var lo = 0.0, hi = 1.0
                while hi - lo > tolerance {
                    let mid = 0.5 * (lo + hi)
                    if try gap(mid, shift) { hi = mid } else { lo = mid }
                }
                return hi
            }
            let value = try solve(0), lower = try solve(-1), upper = try solve(1)
            if value == nil { feasible = false }
            perConstraint.append((kind, SolvedValue(value: value ?? 1, lower: lower ?? 1, upper: upper ?? 1)))
        }
        let best = perConstraint.max { $0.1.value < $1.1.value }
        let f = SolvedValue(value: best?.1.value ?? 0,
                            lower: perConstraint.map(\.1.lower).max() ?? 0,
                            upper: perConstraint.map(\.1.upper).max() ?? 0)
        let evaluation = try evaluate(Cover(firstLoss: f.value, guaranteeRate: guaranteeRate, guaranteeCap: guaranteeCap))
        func leverage(_ f: Double) throws(RiskModelError) -> Double {
            try evaluate(Cover(firstLoss: f, guaranteeRate: guaranteeRate, guaranteeCap: guaranteeCap)).leverage
        }
        return CoverSolution(firstLoss: f, binding: best?.0, perConstraint: perConstraint.map { (kind: $0.0, firstLoss: $0.1) },
                             evaluation: evaluation,
                             leverage: SolvedValue(value: evaluation.leverage, lower: try leverage(f.upper), upper: try leverage(f.lower)),
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
    /// commitment per euro of portfolio is f* + r·liability/V, so V_max = B / (f* + r·liability/V).
    /// Assumes the portfolio scales by adding more of the same exposures (loss fractions unchanged).
    public func largestPortfolio(budget: Double, solution: CoverSolution) -> SolvedValue {
        let guaranteeShare = terms.provisioningRate * solution.evaluation.guaranteeLiability / volume
        func v(_ f: Double) -> Double { let share = f + guaranteeShare; return share > 0 ? budget / share : .infinity }
        return SolvedValue(value: v(solution.firstLoss.value), lower: v(solution.firstLoss.upper), upper: v(solution.firstLoss.lower))
    }
}
