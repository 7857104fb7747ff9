import RiskSharing
import Stochastics

/// Whether a cover's public commitment funds what the simulation says the cover costs.
///
/// The public commitment counts a funded first loss in full and a guarantee at a provisioning
/// rate r of its maximum liability M: C(r) = f·V + r·M (``CoverTerms/provisioningRate`` is the
/// statutory rate, e.g. InvestEU's 40 %). The simulation gives the calls' distribution, hence
///
/// - r_α = q_α(calls) / M, the provisioning rate that covers calls at the confidence α;
/// - p_short = P(calls > r·M), the probability that calls exhaust the statutory provision.
///
/// A cover is **unfunded** when its expected public loss exceeds its commitment C(r), or when
/// p_short exceeds the tolerance (``CoverTerms/effectiveShortfallTolerance``, default 1 − α).
/// Such a result must not be presented as capacity: the tables flag it and report leverage and
/// capacity at r_α beside those at r.
public struct FundingCheck: Sendable, Hashable {
    /// The statutory provisioning rate r and the provision r·M it implies (EUR).
    public var statutoryRate: Double
    public var statutoryProvision: Double
    /// Public commitment at the statutory rate, f·V + r·M.
    public var commitment: Double
    /// E[public loss] (first-loss tranche losses plus calls).
    public var publicExpectedLoss: MeanEstimate
    /// P(calls > r·M) with its standard error (nil without a guarantee).
    public var shortfallProbability: ProbabilityEstimate?
    /// The tolerance p_short is compared with.
    public var tolerance: Double
    /// r_α = q_α(calls)/M with its order-statistic interval (nil without a guarantee).
    public var rateAtConfidence: QuantileEstimate?
    /// Public commitment at r_α: f·V + r_α·M (the statutory commitment without a guarantee).
    public var commitmentAtConfidence: Double
    /// The portfolio volume V.
    public var volume: Double

    /// E[public loss] > f·V + r·M.
    public var expectedLossExceedsCommitment: Bool { publicExpectedLoss.mean > commitment }
    /// P(calls > r·M) > tolerance.
    public var shortfallAboveTolerance: Bool { (shortfallProbability?.probability ?? 0) > tolerance }
    /// Neither flag is raised: the statutory commitment funds the cover.
    public var funded: Bool { !expectedLossExceedsCommitment && !shortfallAboveTolerance }
    /// Leverage at the statutory rate, V / (f·V + r·M) (the tool's own risk-cover leverage).
    public var leverage: Double { commitment > 0 ? volume / commitment : .infinity }
    /// Leverage at the rate covering calls at the confidence, V / (f·V + r_α·M).
    public var leverageAtConfidence: Double { commitmentAtConfidence > 0 ? volume / commitmentAtConfidence : .infinity }

    /// Why the cover is unfunded, one phrase per raised flag (empty when funded).
    public var reasons: [String] {
        var list: [String] = []
        if expectedLossExceedsCommitment { list.append("expected public loss above the commitment") }
        if shortfallAboveTolerance { list.append("calls exceed the statutory provision with probability above the tolerance") }
        return list
    }
}

extension RiskCoverAnalysis {
    /// The funding check of `cover` on the simulated losses (see ``FundingCheck``).
    public func funding(for cover: Cover) throws(RiskModelError) -> FundingCheck {
        let e = try evaluate(cover)
        return try funding(for: cover, evaluation: e)
    }

    /// As ``funding(for:)`` reusing an evaluation of the same cover.
    public func funding(for cover: Cover, evaluation e: CoverEvaluation) throws(RiskModelError) -> FundingCheck {
        let f = min(max(cover.firstLoss, 0), 1)
        let provision = terms.provisioningRate * e.guaranteeLiability
        var shortfall: ProbabilityEstimate?
        if e.guaranteeLiability > 0, let acc = accumulated, let i = acc.index[cover] {
            // Counted during the simulation with the same provision r·M (`CoverAccumulators`).
            shortfall = ProbabilityEstimate(successes: acc.counts[2 * i + 1], trials: base.paths)
        } else if e.guaranteeLiability > 0, let r = retained {
            shortfall = try boundedShortfall(cover, provision: provision, r)
        } else if e.guaranteeLiability > 0 {
            try requireAllLosses(cover)
            let structure = cover.structure(publicHolder: terms.publicHolder, privateHolder: terms.privateHolder, capBasis: terms.capBasis)
            let waterfall = try Waterfall(structure: structure, volume: volume)
            var a = waterfall.allocate(portfolioLoss: 0)
            var calls = [Double](repeating: 0, count: losses.count)
            for (p, loss) in losses.enumerated() {
                waterfall.allocate(portfolioLoss: loss, into: &a)
                calls[p] = a.guaranteeCalls[0]
            }
            shortfall = SampleStatistics.probability(calls) { $0 > provision }
        }
        let rate = e.provisioningRateAtConfidence
        return FundingCheck(
            statutoryRate: terms.provisioningRate, statutoryProvision: provision, commitment: e.publicCommitment,
            publicExpectedLoss: e.publicLoss, shortfallProbability: shortfall, tolerance: terms.effectiveShortfallTolerance,
            rateAtConfidence: rate, commitmentAtConfidence: f * volume + (rate?.value ?? terms.provisioningRate) * e.guaranteeLiability,
            volume: volume)
    }

    /// The largest portfolio a budget B supports at the solved cover with the guarantee provisioned
    /// at r_α (the rate covering calls at the confidence): V_max = B·V / (f·V + r_α·M), the band
    /// from r_α's order-statistic interval. Nil without a guarantee (then it equals
    /// ``largestPortfolio(budget:solution:)``).
    public func largestPortfolioAtConfidence(budget: Double, solution: CoverSolution) throws(RiskModelError) -> SolvedValue? {
        let e = solution.evaluation
        guard let rate = e.provisioningRateAtConfidence, e.guaranteeLiability > 0 else { return nil }
        let f = min(max(e.cover.firstLoss, 0), 1)
        func v(_ r: Double) -> Double {
            let c = f * volume + r * e.guaranteeLiability
            return c > 0 ? budget * volume / c : .infinity
        }
        return SolvedValue(value: v(rate.value), lower: v(rate.upper), upper: v(rate.lower))
    }
}
