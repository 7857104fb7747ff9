import RiskSharing
import Stochastics

/// A cover evaluated on the simulated portfolio losses: leverage, public cost and risk, private
/// risk, and the investor constraints.
public struct CoverEvaluation: Sendable, Hashable {
    public var cover: Cover
    /// Portfolio volume V: the total mobilised.
    public var volume: Double
    /// Private notional (1 − f)·V.
    public var privateNotional: Double
    /// Maximum guarantee liability min(g·(1 − f)·V, cap amount) (0 without a guarantee); the cap
    /// amount is c·g·(1 − f)·V (EIF convention) or c·V, per ``CoverTerms/capBasis``.
    public var guaranteeLiability: Double
    /// Public budget commitment f·V + r·(maximum guarantee liability) (``CoverTerms/provisioningRate``).
    public var publicCommitment: Double
    /// Leverage = total mobilised / public budget commitment = V / (f·V + r·liability) (∞ with no cover).
    public var leverage: Double { publicCommitment > 0 ? volume / publicCommitment : .infinity }
    /// Public loss (first loss plus guarantee calls): mean and quantiles at 99 % and 99.9 %.
    public var publicLoss: MeanEstimate
    public var publicLoss99: QuantileEstimate
    public var publicLoss999: QuantileEstimate
    /// Private loss kept after the guarantee: mean, rate of notional, probability of any loss.
    public var privateLoss: MeanEstimate
    public var privateLossProbability: ProbabilityEstimate
    /// Guarantee calls (mean) and the provisioning rate covering them at ``CoverTerms/confidence``
    /// (quantile of calls / maximum liability), when there is a guarantee.
    public var guaranteeCalls: MeanEstimate?
    public var provisioningRateAtConfidence: QuantileEstimate?
    /// Investor constraints at this cover.
    public var checks: [ConstraintCheck]

    /// Private EL / private notional (0 for an empty private tranche).
    public var privateExpectedLossRate: MeanEstimate {
        privateNotional > 0 ? privateLoss.scaled(by: 1 / privateNotional) : MeanEstimate(mean: 0, standardError: 0, count: privateLoss.count)
    }
    /// Public expected loss per euro mobilised: E[public loss] / V.
    public var publicCostPerEuroMobilised: MeanEstimate { publicLoss.scaled(by: 1 / volume) }
    /// Every declared constraint holds at the estimate.
    public var meetsConstraints: Bool { checks.allSatisfy(\.holds) }
}

/// Risk-cover analyses on **one** simulation of a portfolio (common random numbers): the
/// portfolio loss of every path is simulated once; every cover is then an allocation of those
/// same losses through its waterfall. Differences between covers are therefore free of Monte
/// Carlo noise from re-simulation, and every monotonicity that holds path by path (more cover
/// never makes the private tranche riskier) holds exactly in the estimates.
public struct RiskCoverAnalysis: Sendable {
    /// The simulation of the whole portfolio (one tranche), whose sorted losses every cover reuses.
    public let base: SimulationReport
    public let terms: CoverTerms
    public let constraints: InvestorConstraints
    /// The figures of a sweep's covers accumulated during the simulation (nil: every cover is
    /// evaluated on ``base``'s retained losses, which must then be all of them).
    public let accumulated: AccumulatedCovers?
    /// A bounded solve's retained losses (nil: ``base`` keeps every loss, or a sweep's tail):
    /// the losses above a threshold and the count of the rest (see ``SolveThreshold``).
    public let retained: RetainedLosses?

    /// Simulates `portfolio` once.
    public init(portfolio: Portfolio, settings: SimulationSettings, terms: CoverTerms = CoverTerms(),
                constraints: InvestorConstraints = InvestorConstraints(),
                progress: (@Sendable (Int, Int) -> Void)? = nil) throws(RiskModelError) {
        let base = try simulate(portfolio: portfolio, structure: .wholePortfolio(holder: terms.privateHolder), settings: settings, progress: progress)
        self.init(base: base, terms: terms, constraints: constraints)
    }

    /// Reuses an existing simulation.
    /// - Parameters:
    ///   - base: the simulation: every loss retained, or (with `accumulated`) its largest
    ///     ``coverTailSize(settings:terms:)`` losses.
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    ///   - accumulated: the accumulated figures of the covers to evaluate (a sweep's grid), or nil.
    ///   - retained: a bounded solve's retained losses, or nil.
    public init(base: SimulationReport, terms: CoverTerms = CoverTerms(), constraints: InvestorConstraints = InvestorConstraints(),
                accumulated: AccumulatedCovers? = nil, retained: RetainedLosses? = nil) {
        self.base = base
        self.terms = terms
        self.constraints = constraints
        self.accumulated = accumulated
        self.retained = retained
    }

    /// The simulation of the sweep of `covers` with bounded memory (see ``CoverAccumulators``):
    /// the run keeps its ``coverTailSize(settings:terms:)`` largest losses and the covers'
    /// accumulators, nothing per path. Equal bit for bit to the same sweep merged from shards.
    /// - Parameters:
    ///   - portfolio: the portfolio, simulated as one tranche held by the private investors.
    ///   - settings: the run's settings.
    ///   - covers: the covers the analysis will evaluate.
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    ///   - progress: called with (batches done, batches in all).
    public init(portfolio: Portfolio, settings: SimulationSettings, covers: [Cover], terms: CoverTerms = CoverTerms(),
                constraints: InvestorConstraints = InvestorConstraints(),
                progress: (@Sendable (Int, Int) -> Void)? = nil) throws(RiskModelError) {
        let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
        try settings.validate()
        let summary = try simulateBatches(0..<settings.batchCount, portfolio: portfolio, structure: structure, settings: settings,
                                          retaining: .tail, tailSize: Self.coverTailSize(settings: settings, terms: terms),
                                          statistics: try CoverAccumulators(covers: covers, terms: terms, volume: portfolio.volume),
                                          progress: progress)
        try self.init(portfolio: portfolio, settings: settings, covers: covers, summary: summary, terms: terms, constraints: constraints)
    }

    /// The sweep analysis from a whole run's summary simulated with ``CoverAccumulators`` of
    /// `covers` and a tail of ``coverTailSize(settings:terms:)`` (one range, or shards appended in batch order).
    /// - Parameters:
    ///   - portfolio: the portfolio simulated.
    ///   - settings: the run's settings.
    ///   - covers: the covers accumulated.
    ///   - summary: the run's summary.
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    public init(portfolio: Portfolio, settings: SimulationSettings, covers: [Cover], summary: BatchRangeSummary,
                terms: CoverTerms = CoverTerms(), constraints: InvestorConstraints = InvestorConstraints()) throws(RiskModelError) {
        let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
        let base = try simulationReport(portfolio: portfolio, structure: structure, settings: settings, summary: summary)
        self.init(base: base, terms: terms, constraints: constraints, accumulated: try AccumulatedCovers(covers: covers, summary: summary))
    }

    /// Throws unless every loss is retained (covers outside ``accumulated`` need them all).
    func requireAllLosses(_ cover: Cover) throws(RiskModelError) {
        guard base.lossDistribution.isComplete else {
            throw .invalidInput(item: "cover", reason: "first loss \(cover.firstLoss), guarantee rate \(cover.guaranteeRate), cap \(cover.guaranteeCap) was not accumulated and the run kept only its largest losses")
        }
    }

    var losses: [Double] { base.lossDistribution.sortedLosses }
    var volume: Double { base.volume }

    /// Evaluates `cover` by allocating every path's loss through the cover's `Waterfall` and
    /// materialising each holder's sample: the reference implementation of ``evaluate(_:)``
    /// (which gives bit-identical results without any per-path allocation).
    public func evaluatePathByPath(_ cover: Cover) throws(RiskModelError) -> CoverEvaluation {
        try requireAllLosses(cover)
        let structure = cover.structure(publicHolder: terms.publicHolder, privateHolder: terms.privateHolder, capBasis: terms.capBasis)
        let waterfall = try Waterfall(structure: structure, volume: volume)
        let publicIndex = waterfall.holders.firstIndex(of: terms.publicHolder)
        let privateIndex = waterfall.holders.firstIndex(of: terms.privateHolder)
        let n = losses.count
        var publicLoss = [Double](repeating: 0, count: n)
        var privateLoss = [Double](repeating: 0, count: n)
        var calls = [Double](repeating: 0, count: waterfall.guarantees.isEmpty ? 0 : n)
        var a = waterfall.allocate(portfolioLoss: 0)
        for (p, loss) in losses.enumerated() {
            waterfall.allocate(portfolioLoss: loss, into: &a)
            if let publicIndex { publicLoss[p] = a.holderLoss[publicIndex] }
            if let privateIndex { privateLoss[p] = a.holderLoss[privateIndex] }
            if !calls.isEmpty { calls[p] = a.guaranteeCalls[0] }
        }
        // Every allocation is nondecreasing in the portfolio loss, so these are sorted already;
        // sort anyway if rounding broke the order (quantiles need sorted samples).
        publicLoss.sortIfNeeded()
        privateLoss.sortIfNeeded()
        calls.sortIfNeeded()
        let f = min(max(cover.firstLoss, 0), 1)
        let liability = waterfall.guarantees.isEmpty ? 0 : waterfall.maximumLiability(0)
        let privateNotional = (1 - f) * volume
        let privateMean = SampleStatistics.mean(privateLoss)
        let lossProbability = SampleStatistics.probability(privateLoss) { $0 > 0 }
        var evaluation = CoverEvaluation(
            cover: cover, volume: volume, privateNotional: privateNotional, guaranteeLiability: liability,
            publicCommitment: f * volume + terms.provisioningRate * liability,
            publicLoss: SampleStatistics.mean(publicLoss),
            publicLoss99: SampleStatistics.quantile(sorted: publicLoss, level: 0.99, confidence: base.portfolio.quantiles.first?.confidence ?? 0.95),
            publicLoss999: SampleStatistics.quantile(sorted: publicLoss, level: 0.999, confidence: base.portfolio.quantiles.first?.confidence ?? 0.95),
            privateLoss: privateMean, privateLossProbability: lossProbability,
            guaranteeCalls: calls.isEmpty ? nil : SampleStatistics.mean(calls),
            provisioningRateAtConfidence: calls.isEmpty || liability <= 0 ? nil
                : SampleStatistics.quantile(sorted: calls, level: terms.confidence).scaled(by: 1 / liability),
            checks: [])
        evaluation.checks = checks(evaluation)
        return evaluation
    }

    /// The declared constraints at an evaluation.
    func checks(_ e: CoverEvaluation) -> [ConstraintCheck] {
        var list: [ConstraintCheck] = []
        let rate = e.privateExpectedLossRate
        if let limit = constraints.maxExpectedLoss {
            list.append(ConstraintCheck(kind: .expectedLoss, limit: limit, estimate: rate.mean, standardError: rate.standardError))
        }
        if let limit = constraints.maxLossProbability {
            list.append(ConstraintCheck(kind: .lossProbability, limit: limit, estimate: e.privateLossProbability.probability,
                                        standardError: e.privateLossProbability.standardError))
        }
        if let coupon = constraints.coupon, let hurdle = constraints.hurdle {
            list.append(ConstraintCheck(kind: .netReturn, limit: hurdle, estimate: coupon - rate.mean, standardError: rate.standardError))
        }
        return list
    }

    /// Evaluates every cover of a grid on the same simulated losses.
    ///
    /// - Parameters:
    ///   - covers: the covers to evaluate.
    ///   - progress: called after each cover with (covers done, covers in all).
    public func sweep(_ covers: [Cover], progress: ((Int, Int) -> Void)? = nil) throws(RiskModelError) -> [CoverEvaluation] {
        var result: [CoverEvaluation] = []
        result.reserveCapacity(covers.count)
        for cover in covers {
            result.append(try evaluate(cover))
            progress?(result.count, covers.count)
        }
        return result
    }
}

extension Array where Element == Double {
    /// Sorts ascending unless already sorted (the common case here: allocations are monotone).
    mutating func sortIfNeeded() {
        if !zip(self, dropFirst()).allSatisfy({ $0 <= $1 }) { sort() }
    }
}
