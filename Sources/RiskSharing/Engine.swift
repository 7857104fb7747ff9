import Dispatch
import Foundation
import LinearAlgebra
import Stochastics
import Synchronization

/// How each obligor's default decision is drawn. `.table` and `.exact` give identical results
/// (see ``DefaultTable``; `.exact` exists to measure the table's speed-up). `.skip` draws the
/// same distribution with different random numbers, at a cost per default rather than per
/// obligor (see `SparseDefaults`); `.automatic` uses it when the portfolio's shape makes it
/// cheaper (exposures sharing loading vectors in classes of similar PD) and the table otherwise.
/// The choice between the table and skipping is part of the result's identity.
public enum DefaultTest: Sendable, Hashable, Codable {
    /// The monotone Φ table with exact fallback in ambiguous cells, one uniform per obligor.
    case table
    /// Φ(t) for every obligor and path.
    case exact
    /// Geometric skipping with thinning within PD classes of a loading group, wherever the
    /// portfolio allows it (every exposure on factors), whatever it costs.
    case skip
    /// `.skip` when its estimated cost is below the table's, else `.table` (the default).
    case automatic
}

/// Simulation controls. Everything except `threads` and `defaultTest` is part of the result's
/// identity: same settings, same seed ⇒ bit-identical report.
public struct SimulationSettings: Sendable, Hashable, Codable {
    /// Number of Monte Carlo paths (≥ 1).
    public var paths: Int
    /// Seed: the Philox key. Batch b draws from counters (·, b, purpose, item).
    public var seed: UInt64
    /// Paths per batch (fixed-size work unit; the last batch may be shorter). Default 4096.
    public var batchSize: Int
    /// Worker count; nil = all active processors. Does not affect results.
    public var threads: Int?
    /// Quantile / expected-shortfall levels. Default 95, 99, 99.5, 99.9 %.
    public var quantileLevels: [Double]
    /// Coverage of the quantiles' order-statistic intervals. Default 0.95.
    public var confidence: Double
    /// Confidence at which guarantee provisioning rates are computed. Default 0.99.
    public var provisioningConfidence: Double
    /// Histogram edges as fractions of the volume (ascending); nil = `histogramBuckets` equal
    /// buckets from 0 to the largest simulated loss.
    public var histogramEdges: [Double]?
    /// Number of equal buckets when `histogramEdges` is nil. Default 20.
    public var histogramBuckets: Int
    /// How default decisions are drawn (default `.automatic`); see ``DefaultTest``.
    public var defaultTest: DefaultTest

    /// Settings with the defaults documented on each property.
    public init(paths: Int, seed: UInt64, batchSize: Int = 4096, threads: Int? = nil,
                quantileLevels: [Double] = [0.95, 0.99, 0.995, 0.999], confidence: Double = 0.95,
                provisioningConfidence: Double = 0.99, histogramEdges: [Double]? = nil, histogramBuckets: Int = 20,
                defaultTest: DefaultTest = .automatic) {
        self.paths = paths
        self.seed = seed
        self.batchSize = batchSize
        self.threads = threads
        self.quantileLevels = quantileLevels
        self.confidence = confidence
        self.provisioningConfidence = provisioningConfidence
        self.histogramEdges = histogramEdges
        self.histogramBuckets = histogramBuckets
        self.defaultTest = defaultTest
    }

    /// The largest batch (paths per work unit): each worker holds batch × factors doubles.
    public static let maximumBatchSize = 1 << 20

    /// Throws unless every setting is in range (``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``
    /// and the scenario reader call this one check).
    public func validate() throws(RiskModelError) {
        func bad(_ reason: String) -> RiskModelError { .invalidInput(item: "settings", reason: reason) }
        guard paths >= 1 else { throw bad("paths \(paths) must be ≥ 1") }
        guard batchSize >= 1 && batchSize <= SimulationSettings.maximumBatchSize else { throw bad("batch size \(batchSize) must be in 1…\(SimulationSettings.maximumBatchSize)") }
        if let t = threads, t < 1 { throw bad("threads \(t) must be ≥ 1") }
        guard quantileLevels.allSatisfy({ $0 > 0 && $0 < 1 }) else { throw bad("quantile levels must be in (0, 1)") }
        guard confidence > 0 && confidence < 1 else { throw bad("confidence \(confidence) must be in (0, 1)") }
        guard provisioningConfidence > 0 && provisioningConfidence < 1 else { throw bad("provisioning confidence must be in (0, 1)") }
        if let e = histogramEdges {
            guard e.count >= 2, zip(e, e.dropFirst()).allSatisfy({ $0 < $1 }) else { throw bad("histogram edges must be ≥ 2 ascending values") }
        } else {
            guard histogramBuckets >= 1 else { throw bad("histogram buckets must be ≥ 1") }
        }
    }
}

/// Runs every check ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)`` runs before its first
/// path — settings, exposures and pools, copula, correlation matrix (after its repair, if
/// `repair: nearest`) and loadings against it, tranches and guarantees — without simulating.
/// The scenario reader calls it, so a model `validate` accepts is a model `simulate` accepts.
public func validateSimulation(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings) throws(RiskModelError) {
    try settings.validate()
    let model = try PreparedModel(portfolio: portfolio)
    _ = try Waterfall(structure: structure, volume: model.volume)
}

/// Counter words of the random-number layout: counter = (block, batch, purpose, item).
enum Purpose: UInt64 {
    case factors = 0, mixing = 1, idiosyncratic = 2, exposureLGD = 3, poolDefaults = 4, poolLGD = 5, refinement = 6, sparse = 7, importanceFactors = 8, importanceDefaults = 9
}

/// Runs the Monte Carlo simulation of `portfolio` under `structure`.
///
/// Algorithm, per batch b of `batchSize` paths (batches run concurrently on
/// `settings.threads` workers — DispatchQueue.concurrentPerform — with OpenBLAS on one thread;
/// each batch writes only its own slice of the loss array, so the outcome does not depend on
/// scheduling or thread count):
/// 1. Z (batch × K) iid N(0, 1) by inversion from stream (b, factors); for the t copula
///    W ~ χ²_ν per path from stream (b, mixing) and w = √(W/ν).
/// 2. Systematic parts S = Z·Aᵀ by one dgemm per chunk of obligors, A = B·L (B the loadings,
///    Σ = L·Lᵀ; precomputed once), so S has covariance BΣBᵀ.
/// 3. Exposure i defaults on path p iff εᵢₚ < tᵢₚ = (cᵢ·wₚ − Sₚᵢ)/σᵢ, decided as u < Φ(t) with
///    u from streams (b, idiosyncratic, i) and (b, refinement, i) through the exact
///    ``DefaultTable`` (16 bits of a Philox word per draw, 37 more only when ambiguous); loss
///    EADᵢ·LGDᵢ (Beta LGD from stream (b, exposureLGD, i)).
/// 4. Pool j: D ~ Binomial(count, Φ(tⱼₚ)) from stream (b, poolDefaults, j), Beta LGDs from
///    (b, poolLGD, j).
/// Then each batch's losses are sorted and every tranche, guarantee and holder quantity is
/// computed through the ``Waterfall`` once per path: means and squared deviations per batch,
/// folded in batch order; counts (hits, wipe-outs, shortfalls, exceedances, histogram); and the
/// ``SimulationSettings/tailSize`` largest portfolio losses, from which every quantile, its
/// interval and the expected shortfalls are read (all waterfall outputs are nondecreasing in the
/// portfolio loss). This is ``simulateBatches(_:portfolio:structure:settings:retaining:exceedance:tailSize:statistics:progress:)``
/// over all batches followed by ``simulationReport(portfolio:structure:settings:summary:)`` — the
/// path a sharded run takes too. Memory with `retaining: .tail`: O(K) doubles for the tail
/// (K ≈ (1 − lowest level)·paths), per-worker scratch of batch × (K factors + quantities) + 128 K
/// doubles and nothing per path; with `.all` (the default, for ``SimulationReport/lossDistribution``
/// at any point) one Double per path plus the final sort's merge buffer.
///
/// OpenBLAS's thread count is process-wide: it is 1 from the first concurrent `simulate` call
/// until the last one returns, then restored.
///
/// - Parameters:
///   - portfolio: exposures, pools, dependence and copula.
///   - structure: tranches (partitioning [0, 1]) and guarantees.
///   - settings: paths, seed, batch size, threads, levels; see ``SimulationSettings``.
///   - retaining: which losses ``SimulationReport/lossDistribution`` keeps (every figure of the
///     report is the same either way); see ``LossRetention``.
///   - exceedance: loss fractions x at which P(L/V ≤ x) is counted exactly whatever is retained.
///   - progress: called after each batch with (batches done, total batches), from worker
///     threads but never concurrently.
/// - Returns: the ``SimulationReport``, bit-identical for any `settings.threads`.
/// - Throws: ``RiskModelError`` for invalid inputs or a correlation matrix that is not positive
///   definite (unless `repair: .nearest`).
public func simulate(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                     retaining: LossRetention = .all, exceedance: [Double] = [],
                     progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> SimulationReport {
    try settings.validate()
    let summary = try simulateBatches(0..<settings.batchCount, portfolio: portfolio, structure: structure, settings: settings,
                                      retaining: retaining, exceedance: exceedance, progress: progress)
    return try simulationReport(portfolio: portfolio, structure: structure, settings: settings, summary: summary)
}

/// The portfolio reduced to what the inner loops need.
struct PreparedModel: Sendable {
    /// Individual exposures N; pools P; factors K. Obligor rows: exposures then pools.
    let exposureCount: Int
    let poolCount: Int
    let factorCount: Int
    /// A = B·L, (N + P) × K column-major (row r = obligor r).
    let a: [Double]
    /// Thresholds cᵣ = Φ⁻¹(PD) or t_ν⁻¹(PD).
    let threshold: [Double]
    /// 1/σᵣ (0 when σᵣ = 0: the exposure-correlation case, decided as S < c·w).
    let inverseSigma: [Double]
    /// EAD·LGD for a fixed LGD; EAD for Beta.
    let lossAmount: [Double]
    /// Beta(a, b) for a Beta LGD.
    let betaLGD: [(a: Double, b: Double)?]
    let poolCounts: [Int]
    let poolLGDMean: [Double]
    let poolLGDStandardDeviation: [Double]
    /// ν for the t copula.
    let degreesOfFreedom: Double?
    let volume: Double
    let expectedLoss: Double
    let dependence: DependenceReport

    init(portfolio: Portfolio) throws(RiskModelError) {
        let exposures = portfolio.exposures, pools = portfolio.pools
        let n = exposures.count, p = pools.count
        guard n + p > 0 else { throw .invalidInput(item: "portfolio", reason: "has no exposures and no pools") }
        guard portfolio.volume.isFinite else {
            throw .invalidInput(item: "portfolio", reason: "the exposures add up to more than \(Double.greatestFiniteMagnitude): the volume overflows")
        }
        var nu: Double? = nil
        if case let .studentT(v) = portfolio.copula {
            guard v.isFinite, v > 0 else { throw .invalidInput(item: "copula", reason: "Student-t degrees of freedom \(v) must be positive") }
            nu = v
        }
        degreesOfFreedom = nu
        func threshold(_ pd: Double) -> Double {
            if let nu { return StudentT(degreesOfFreedom: nu).quantile(pd) }
            return Normal.quantile(pd)
        }
        func check(_ item: String, ead: Double, pd: Double, lgd: LossGivenDefault) throws(RiskModelError) {
            guard ead.isFinite, ead >= 0 else { throw .invalidInput(item: item, reason: "exposure at default \(ead) must be ≥ 0") }
            guard pd.isFinite, pd >= 0, pd <= 1 else { throw .invalidInput(item: item, reason: "probability of default \(pd) is not in [0, 1]") }
            try lgd.validate(owner: item)
        }
        for e in exposures { try check("exposure \(e.name)", ead: e.exposureAtDefault, pd: e.probabilityOfDefault, lgd: e.lossGivenDefault) }
        for q in pools {
            try check("pool \(q.name)", ead: q.exposureAtDefault, pd: q.probabilityOfDefault, lgd: q.lossGivenDefault)
            guard q.count >= 1 else { throw .invalidInput(item: "pool \(q.name)", reason: "count \(q.count) must be ≥ 1") }
        }

        // Loadings B ((N + P) × K) and the correlation factor L.
        let rows = n + p
        var sigma = [Double](repeating: 1, count: rows)
        var aMatrix: [Double]
        let k: Int
        switch portfolio.dependence {
        case let .factors(correlation, repair):
            k = correlation.rows
            let name = "factor_correlation"
            let (lower, corr, factorization) = try factor(correlation, name: name, repair: repair)
            dependence = DependenceReport(matrixName: name, dimension: k, factorization: factorization)
            aMatrix = [Double](repeating: 0, count: rows * k)
            let loadings = exposures.map { ($0.name, "exposure", $0.loadings) } + pools.map { ($0.name, "pool", $0.loadings) }
            for (r, (itemName, kind, beta)) in loadings.enumerated() {
                guard beta.count == k else {
                    throw .invalidInput(item: "\(kind) \(itemName)", reason: "has \(beta.count) factor loadings but \(name) is \(k)×\(k)")
                }
                guard beta.allSatisfy(\.isFinite) else { throw .invalidInput(item: "\(kind) \(itemName)", reason: "factor loadings must be finite") }
                var q = 0.0
                for i in 0..<k { for j in 0..<k { q += beta[i] * corr[i, j] * beta[j] } }
                guard q < 1 else {
                    throw .invalidInput(item: "\(kind) \(itemName)", reason: "systematic variance βᵀΣβ = \(q) must be < 1 (idiosyncratic weight √(1 − βᵀΣβ))")
                }
                sigma[r] = (1 - q).squareRoot()
                for j in 0..<k {
                    var s = 0.0
                    for i in 0..<k { s += beta[i] * lower[i, j] }
                    aMatrix[r + j * rows] = s
                }
            }
        case let .exposureCorrelation(correlation, repair):
            let name = "exposure_correlation"
            guard p == 0 else { throw .invalidInput(item: "pool \(pools[0].name)", reason: "pools need factor loadings; they cannot be used with an exposure correlation matrix") }
            if let e = exposures.first(where: { !$0.loadings.isEmpty }) {
                throw .invalidInput(item: "exposure \(e.name)", reason: "has factor loadings, but the portfolio uses an exposure correlation matrix")
            }
            guard correlation.rows == n else {
                throw .invalidInput(item: name, reason: "is \(correlation.rows)×\(correlation.columns) but the portfolio has \(n) exposures")
            }
            k = n
            let (lower, _, factorization) = try factor(correlation, name: name, repair: repair)
            dependence = DependenceReport(matrixName: name, dimension: n, factorization: factorization)
            aMatrix = lower.storage
            sigma = [Double](repeating: 0, count: rows)
        }
        exposureCount = n
        poolCount = p
        factorCount = k
        a = aMatrix
        self.threshold = exposures.map { threshold($0.probabilityOfDefault) } + pools.map { threshold($0.probabilityOfDefault) }
        inverseSigma = sigma.map { $0 > 0 ? 1 / $0 : 0 }
        lossAmount = exposures.map { e in
            if case let .fixed(x) = e.lossGivenDefault { return e.exposureAtDefault * x }
            return e.exposureAtDefault
        } + pools.map { q in
            if case let .fixed(x) = q.lossGivenDefault { return q.exposureAtDefault * x }
            return q.exposureAtDefault
        }
        betaLGD = exposures.map { $0.lossGivenDefault.betaParameters } + pools.map { $0.lossGivenDefault.betaParameters }
        poolCounts = pools.map(\.count)
        poolLGDMean = pools.map { $0.lossGivenDefault.mean }
        poolLGDStandardDeviation = pools.map { q in
            if case let .beta(_, s) = q.lossGivenDefault { return s }
            return 0
        }
        volume = portfolio.volume
        expectedLoss = portfolio.expectedLoss
        guard volume > 0 else { throw .invalidInput(item: "portfolio", reason: "volume (total exposure at default) must be positive") }
    }
}

/// Σ = L·Lᵀ by Cholesky; with `repair: .nearest`, a matrix that is not positive definite is
/// first replaced by its nearest correlation matrix (never silently: the outcome is reported).
/// Returns (F with F·Fᵀ = the matrix simulated, the matrix simulated, how).
/// The correlation matrix the engine simulates with: `m` itself, or with `repair: .nearest` and
/// `m` not positive definite, its nearest correlation matrix (Higham 2002). The scenario reader
/// checks loadings (βᵀΣβ < 1) against this matrix, as the engine does.
public func simulatedCorrelation(_ m: Matrix, name: String, repair: CorrelationRepair) throws(RiskModelError) -> Matrix {
    try factor(m, name: name, repair: repair).1
}

func factor(_ m: Matrix, name: String, repair: CorrelationRepair) throws(RiskModelError) -> (Matrix, Matrix, Factorization) {
    guard m.rows == m.columns else { throw .correlation(.notSquare(matrix: name, rows: m.rows, columns: m.columns)) }
    for i in 0..<m.rows where abs(m[i, i] - 1) > 1e-12 {
        throw .invalidInput(item: name, reason: "diagonal element (\(i), \(i)) is \(m[i, i]), not 1: not a correlation matrix")
    }
    do {
        return (try Cholesky(m, name: name).lower, m, .cholesky)
    } catch let error {
        guard case .notPositiveDefinite = error, repair == .nearest else { throw .correlation(error) }
    }
    do {
        let near = try NearestCorrelation(nearestTo: m, name: name)
        if let l = try? Cholesky(near.matrix, name: name).lower {
            return (l, near.matrix, .nearestCorrelation(iterations: near.iterations, frobeniusDistance: near.frobeniusDistance, eigenFactor: false))
        }
        // Semidefinite: F = V·diag(√max(λ, 0)) also satisfies F·Fᵀ = Σ̃.
        let eigen = try SymmetricEigen(near.matrix, name: name)
        var f = eigen.vectors
        for j in 0..<f.columns {
            let s = max(eigen.values[j], 0).squareRoot()
            for i in 0..<f.rows { f[i, j] *= s }
        }
        return (f, near.matrix, .nearestCorrelation(iterations: near.iterations, frobeniusDistance: near.frobeniusDistance, eigenFactor: true))
    } catch let error {
        throw .correlation(error)
    }
}

/// Reference-counted "OpenBLAS on one thread": the first of any number of concurrent
/// `simulate` calls saves OpenBLAS's thread count and sets 1, the last restores it, so one run
/// never switches BLAS back to many threads under another (the thread count is process-wide).
enum SingleThreadedBLAS {
    static let state = Mutex<(active: Int, saved: Int)>((0, 1))

    static func enter() {
        state.withLock { s in
            if s.active == 0 {
                s.saved = BLAS.threadCount
                BLAS.setThreadCount(1)
            }
            s.active += 1
        }
    }

    static func leave() {
        state.withLock { s in
            s.active -= 1
            if s.active == 0 { BLAS.setThreadCount(s.saved) }
        }
    }
}
