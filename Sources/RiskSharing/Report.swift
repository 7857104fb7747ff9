import Stochastics

/// Loss statistics of one quantity (the portfolio, a tranche, a holder, a guarantee's calls),
/// all in EUR, estimated from the simulated paths.
public struct LossSummary: Sendable, Hashable, Codable {
    /// E[loss] with its Monte Carlo standard error.
    public var expectedLoss: MeanEstimate
    /// Loss quantiles (VaR) at ``SimulationSettings/quantileLevels`` with order-statistic
    /// confidence intervals at ``SimulationSettings/confidence``.
    public var quantiles: [QuantileEstimate]
    /// Expected shortfall at the same levels, with standard errors.
    public var expectedShortfall: [ShortfallEstimate]

    /// A summary from its parts.
    public init(expectedLoss: MeanEstimate, quantiles: [QuantileEstimate], expectedShortfall: [ShortfallEstimate]) {
        self.expectedLoss = expectedLoss
        self.quantiles = quantiles
        self.expectedShortfall = expectedShortfall
    }

    /// The quantile estimate at `level`, if it was requested.
    public func quantile(_ level: Double) -> QuantileEstimate? { quantiles.first { $0.level == level } }
    /// The expected shortfall at `level`, if it was requested.
    public func shortfall(_ level: Double) -> ShortfallEstimate? { expectedShortfall.first { $0.level == level } }
}

/// Results for one tranche.
public struct TrancheReport: Sendable, Hashable, Codable {
    /// The tranche as given.
    public var tranche: Tranche
    /// (d − a)·V (EUR).
    public var notional: Double
    /// Tranche loss before guarantees, min(max(L − a, 0), d − a)·V.
    public var grossLoss: LossSummary
    /// Tranche loss kept by its holder after guarantee payouts.
    public var netLoss: LossSummary
    /// P(L > a): the tranche takes a loss.
    public var hitProbability: ProbabilityEstimate
    /// P(L ≥ d): the tranche is wiped out.
    public var wipeoutProbability: ProbabilityEstimate
}

/// Results for one holder (tranche holder and/or guarantor): the sum of its kept tranche
/// losses and the guarantee payouts it makes.
public struct HolderReport: Sendable, Hashable, Codable {
    /// The holder's name.
    public var holder: String
    /// Its loss (EUR).
    public var loss: LossSummary
}

/// Results for one guarantee.
public struct GuaranteeReport: Sendable, Hashable, Codable {
    /// The guarantee as given.
    public var guarantee: Guarantee
    /// min(g · covered notional, cap amount) (EUR, ``Waterfall/capAmount(_:)``): the most it can pay, the base of the rate below.
    public var maximumLiability: Double
    /// Calls (payouts) on the guarantee (EUR).
    public var calls: LossSummary
    /// The provisioning rate covering calls at ``SimulationSettings/provisioningConfidence``:
    /// the calls' quantile at that level divided by ``maximumLiability`` (with its interval).
    public var provisioningRate: QuantileEstimate
    /// P(calls > budget provision), when a provision was given.
    public var provisionShortfallProbability: ProbabilityEstimate?
}

/// One bar of the portfolio loss histogram: P(lower ≤ L/V < upper) (the last bucket includes
/// its upper edge).
public struct HistogramBucket: Sendable, Hashable, Codable {
    /// Lower edge (fraction of the volume).
    public var lower: Double
    /// Upper edge (fraction of the volume).
    public var upper: Double
    /// Estimated probability with binomial SE.
    public var probability: ProbabilityEstimate
}

/// The simulated portfolio losses, sorted: the empirical distribution, for CDF queries —
/// every path's loss (``LossRetention/all``) or only the largest ones (``LossRetention/tail``),
/// with exact counts at the exceedance thresholds given to the run.
public struct LossDistribution: Sendable, Hashable, Codable {
    /// Portfolio losses (EUR), ascending: every path's, or the ``paths`` paths' largest.
    public var sortedLosses: [Double]
    /// The portfolio volume V (EUR).
    public var volume: Double
    /// The number of paths of the run.
    public var paths: Int
    /// Loss fractions x counted during the run, and per x the paths with L ≤ x·V.
    public var countedThresholds: [Double]
    /// See ``countedThresholds``.
    public var countsAtMost: [Int]

    /// A distribution from its parts; `paths` defaults to every loss being retained.
    public init(sortedLosses: [Double], volume: Double, paths: Int? = nil, countedThresholds: [Double] = [], countsAtMost: [Int] = []) {
        self.sortedLosses = sortedLosses
        self.volume = volume
        self.paths = paths ?? sortedLosses.count
        self.countedThresholds = countedThresholds
        self.countsAtMost = countsAtMost
    }

    /// True when ``sortedLosses`` holds every path's loss.
    public var isComplete: Bool { sortedLosses.count == paths }

    /// Whether P(L/V ≤ x) can be answered exactly: every loss is retained, x was counted, or
    /// x·V is at least the smallest retained loss (all paths below it have L ≤ x·V).
    public func canAnswer(lossFractionAtMost x: Double) -> Bool {
        isComplete || countedThresholds.contains(x) || (sortedLosses.first.map { x * volume >= $0 } ?? false)
    }

    /// A CDF query that a tail-only distribution cannot answer: x lies below the smallest
    /// retained loss and was not counted during the run.
    public struct BelowRetainedTail: Error, Sendable, Equatable, CustomStringConvertible {
        /// The loss fraction asked for.
        public var lossFraction: Double
        /// The error for a query at `lossFraction`.
        /// - Parameter lossFraction: the loss fraction asked for.
        public init(lossFraction: Double) { self.lossFraction = lossFraction }
        public var description: String {
            "P(L/V ≤ \(lossFraction)) lies below the retained tail of the losses: simulate with retaining: .all, "
                + "or count \(lossFraction) as an exceedance threshold of the run"
        }
    }

    /// P(L/V ≤ x), the empirical CDF at a loss fraction x, with binomial SE.
    /// - Parameter x: the loss as a fraction of the volume.
    /// - Throws: ``BelowRetainedTail`` when ``canAnswer(lossFractionAtMost:)`` is false.
    public func probability(lossFractionAtMost x: Double) throws(BelowRetainedTail) -> ProbabilityEstimate {
        guard canAnswer(lossFractionAtMost: x) else { throw BelowRetainedTail(lossFraction: x) }
        return ProbabilityEstimate(successes: countAtMost(x * volume, fraction: x), trials: paths)
    }

    /// P(lower < L/V ≤ upper), with binomial SE.
    /// - Parameters:
    ///   - lower: the lower end, a loss fraction (excluded).
    ///   - upper: the upper end, a loss fraction (included).
    /// - Throws: ``BelowRetainedTail`` when either end cannot be answered.
    public func probability(lossFractionAbove lower: Double, atMost upper: Double) throws(BelowRetainedTail) -> ProbabilityEstimate {
        guard canAnswer(lossFractionAtMost: lower) else { throw BelowRetainedTail(lossFraction: lower) }
        guard canAnswer(lossFractionAtMost: upper) else { throw BelowRetainedTail(lossFraction: upper) }
        return ProbabilityEstimate(successes: max(0, countAtMost(upper * volume, fraction: upper) - countAtMost(lower * volume, fraction: lower)), trials: paths)
    }

    /// Number of paths with loss ≤ x (EUR): a counted threshold, else by binary search in the
    /// retained losses (all paths not retained lie below the smallest retained one). Internal:
    /// its callers ask only what the run counted or retained (the public queries check first).
    func countAtMost(_ x: Double, fraction: Double? = nil) -> Int {
        if !isComplete, let f = fraction, let i = countedThresholds.firstIndex(of: f) { return countsAtMost[i] }
        precondition(isComplete || (sortedLosses.first.map { x >= $0 } ?? false),
                     "P(L ≤ x) below the retained tail: run with retaining: .all or count x as an exceedance threshold")
        var lo = 0, hi = sortedLosses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedLosses[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return paths - sortedLosses.count + lo
    }
}

/// How the correlation matrix was factored for simulation.
public enum Factorization: Sendable, Hashable, Codable {
    /// Σ = L·Lᵀ by Cholesky (the matrix was positive definite).
    case cholesky
    /// Σ was not positive definite and `repair: .nearest` was requested: it was replaced by
    /// the nearest correlation matrix (Higham 2002), `frobeniusDistance` = ‖Σ̃ − Σ‖_F away,
    /// after `iterations` projections, then factored by Cholesky, or — when Σ̃ is only
    /// semidefinite — as V·diag(√λ⁺) from its eigen-decomposition (`eigenFactor`).
    case nearestCorrelation(iterations: Int, frobeniusDistance: Double, eigenFactor: Bool)
}

/// The dependence structure actually simulated.
public struct DependenceReport: Sendable, Hashable, Codable {
    /// "factor_correlation" or "exposure_correlation".
    public var matrixName: String
    /// K (factors) or N (exposures).
    public var dimension: Int
    /// Cholesky, or the repair that was needed.
    public var factorization: Factorization
}

/// Everything `simulate` computes. Amounts in EUR, tranche points as fractions of the volume.
/// The report is a deterministic function of (portfolio, structure, settings except
/// `threads`): the same inputs give a bit-identical report on any number of threads.
public struct SimulationReport: Sendable, Hashable, Codable {
    /// Number of simulated paths.
    public var paths: Int
    /// The seed (Philox key).
    public var seed: UInt64
    /// Paths per batch (part of the random-number layout: changing it changes the draws).
    public var batchSize: Int
    /// Portfolio volume V (EUR).
    public var volume: Double
    /// The exact expected loss Σ EAD·PD·E[LGD] (EUR), for comparison with the estimate.
    public var exactExpectedLoss: Double
    /// The factor model as simulated.
    public var dependence: DependenceReport
    /// Portfolio loss statistics.
    public var portfolio: LossSummary
    /// One entry per tranche, most junior first.
    public var tranches: [TrancheReport]
    /// One entry per holder, in order of first appearance (tranche holders, then guarantors).
    public var holders: [HolderReport]
    /// One entry per guarantee, in input order.
    public var guarantees: [GuaranteeReport]
    /// The portfolio loss histogram (edges as fractions of V).
    public var histogram: [HistogramBucket]
    /// The sorted portfolio losses (one Double per path with ``LossRetention/all``, the largest
    /// ``SimulationSettings/tailSize`` with `.tail`) — for CDF queries and further analysis;
    /// leave it out of rendered output.
    public var lossDistribution: LossDistribution
    /// max over paths of |Σ holders' losses − portfolio loss| (EUR): rounding only.
    public var maximumAllocationError: Double
    /// Diagnostics of the Φ-table default test: obligor-path draws, and how many of them fell
    /// in an ambiguous cell and needed Φ(t) (all of them with ``DefaultTest/exact``).
    public var obligorDraws: Int
    /// See ``obligorDraws``.
    public var exactEvaluations: Int

    /// The report of the tranche called `name`.
    public func tranche(named name: String) -> TrancheReport? { tranches.first { $0.tranche.name == name } }
    /// The report of the holder called `name`.
    public func holder(named name: String) -> HolderReport? { holders.first { $0.holder == name } }
    /// The report of the guarantee called `name`.
    public func guarantee(named name: String) -> GuaranteeReport? { guarantees.first { $0.guarantee.name == name } }
}
