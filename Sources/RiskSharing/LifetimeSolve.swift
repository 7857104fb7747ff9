import Foundation
import Stochastics

/// The first loss that meets an investor's expected-loss limit over the lifetime, not one year.
///
/// A first-loss piece x (fraction of the initial volume V) leaves the senior tranche [x, 1] the
/// cumulative loss S(x) = min((L_T − xV)⁺, (1 − x)V), L_T the portfolio's lifetime loss (the
/// waterfall acts on cumulative losses, see `Lifetime.swift`). Its lifetime expected-loss rate
/// E[S(x)]/((1 − x)V) is nonincreasing in x. A one-year limit ℓ (e.g. 20 bp a year) is
/// applied to the **annualised** rate: lifetime rate / WAL ≤ ℓ, WAL = Σₜ Ō(t)/Ō(1) the
/// weighted average life in years (Ō the expected performing balance) — the tool's
/// convention, stated in the table. A loss-probability limit p a year becomes
/// P(L_T > xV) ≤ 1 − (1 − p)^T over the horizon.
public struct LifetimeFirstLoss: Sendable, Hashable, Codable {
    /// The smallest first loss meeting every limit (fraction of the volume).
    public var firstLoss: Double
    /// The same with the estimated EL rate ∓ 2 standard errors: the bracket the Monte Carlo
    /// error allows (lower: EL − 2 SE, upper: EL + 2 SE).
    public var lower: Double
    public var upper: Double
    /// WAL in years.
    public var weightedAverageLife: Double
    /// The annualised senior EL rate at ``firstLoss``.
    public var annualExpectedLossRate: MeanEstimate
    /// P(L_T > first loss) at ``firstLoss``.
    public var lifetimeLossProbability: ProbabilityEstimate
}

extension LifetimeReport {
    /// The weighted average life Σₜ Ō(t)/Ō(1) in years.
    public var weightedAverageLife: Double {
        let b = portfolioYears.map(\.performingBalance.mean)
        guard let first = b.first, first > 0 else { return 0 }
        return b.reduce(0) { $0 + $1 / first }
    }

    /// Solves for the lifetime first loss (see ``LifetimeFirstLoss``); nil limits are not checked.
    public func lifetimeFirstLoss(maxExpectedLossPerYear: Double?, maxLossProbabilityPerYear: Double?) -> LifetimeFirstLoss {
        let losses = sortedLifetimeLoss
        let n = losses.count, v = volume, wal = max(weightedAverageLife, 1e-12)
        func senior(_ x: Double) -> MeanEstimate {
            let notional = (1 - x) * v
            guard notional > 0 else { return MeanEstimate(mean: 0, standardError: 0, count: n) }
            return SampleStatistics.mean(count: n) { min(max(losses[$0] - x * v, 0), notional) / notional / wal }
        }
        func probability(_ x: Double) -> ProbabilityEstimate {
            var k = 0
            for l in losses where l > x * v { k += 1 }
            return ProbabilityEstimate(successes: k, trials: n)
        }
        let probabilityLimit = maxLossProbabilityPerYear.map { 1 - pow(1 - $0, Double(spec.horizon)) }
        func meets(_ x: Double, shift: Double) -> Bool {
            if let limit = maxExpectedLossPerYear {
                let e = senior(x)
                if e.mean + shift * e.standardError > limit { return false }
            }
            if let limit = probabilityLimit, probability(x).probability > limit { return false }
            return true
        }
        func solve(shift: Double) -> Double {
            if meets(0, shift: shift) { return 0 }
            var lo = 0.0, hi = 1.0
            for _ in 0..<50 {
                let mid = 0.5 * (lo + hi)
                if meets(mid, shift: shift) { hi = mid } else { lo = mid }
            }
            return hi
        }
        let x = solve(shift: 0)
        return LifetimeFirstLoss(firstLoss: x, lower: solve(shift: -2), upper: solve(shift: 2), weightedAverageLife: wal,
                                 annualExpectedLossRate: senior(x), lifetimeLossProbability: probability(x))
    }
}
