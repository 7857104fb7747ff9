import RiskSharing
import Stochastics

/// The per-batch accumulators of a fixed list of covers (a sweep's grid), so that a sweep needs
/// neither every path's loss nor a second pass: each batch of the simulation, once its losses
/// are sorted, is allocated through every cover's waterfall and contributes, per cover,
///
/// - the moments (mean, Σ(x − x̄)²) of the public loss, the private loss and the guarantee calls:
///   3 quantities, appended to the batch's `Moments` and folded in batch order with the
///   engine's own (Chan, Golub & LeVeque 1979), so a single run and any sharded merge do the
///   same arithmetic bit for bit;
/// - two integer counts: paths with a private loss > 0, and paths whose calls exceed the
///   statutory provision r·M (``CoverTerms/provisioningRate`` × maximum liability; counted only
///   when M > 0).
///
/// The quantile-based figures (public loss at 99 % and 99.9 %, the provisioning rate at
/// ``CoverTerms/confidence``) are read afterwards from the run's largest portfolio losses: every
/// holder loss and the calls are nondecreasing in the portfolio loss (`Waterfall`), so their
/// order statistics are the allocations of the loss's (see ``RiskCoverAnalysis/coverTailSize(settings:terms:)``).
///
/// Memory: per worker 3 × batch doubles of scratch; in a run's summary 3 × covers more moment
/// quantities per entry and 2 × covers counts — nothing per path.
public struct CoverAccumulators: BatchStatistics {
    /// The covers, in grid order.
    public let covers: [Cover]
    let evaluators: [CoverPaths]

    /// One moment quantity per cover and figure: public loss, private loss, calls.
    public var quantities: Int { 3 * covers.count }
    /// Two counts per cover: private loss > 0, calls > provision.
    public var counts: Int { 2 * covers.count }

    /// Accumulators of `covers` under `terms` on a portfolio of volume `volume`.
    /// - Parameters:
    ///   - covers: the covers (a sweep's grid, in its order).
    ///   - terms: the holders, cap convention and provisioning rate.
    ///   - volume: the portfolio volume V (EUR).
    /// - Throws: `RiskModelError` when a cover's structure is invalid.
    public init(covers: [Cover], terms: CoverTerms, volume: Double) throws(RiskModelError) {
        self.covers = covers
        var evaluators: [CoverPaths] = []
        for cover in covers { evaluators.append(try CoverPaths(cover: cover, terms: terms, volume: volume)) }
        self.evaluators = evaluators
    }

    /// Appends each cover's three moments over the batch and adds its two counts.
    /// - Parameters:
    ///   - losses: the batch's portfolio losses (EUR), ascending.
    ///   - moments: the batch's moments, to append to.
    ///   - counts: the counts so far (2 per cover), to add to.
    public func add(batch losses: UnsafeBufferPointer<Double>, moments: inout Moments, counts: inout [Int]) {
        let n = losses.count
        guard n > 0 else { return }
        var columns = [Double](repeating: 0, count: 3 * n)
        moments.means.reserveCapacity(moments.means.count + quantities)
        moments.squaredDeviations.reserveCapacity(moments.squaredDeviations.count + quantities)
        for (c, e) in evaluators.enumerated() {
            var positive = 0, short = 0
            var allocation = e.waterfall.allocate(portfolioLoss: 0)
            columns.withUnsafeMutableBufferPointer { x in
                for p in 0..<n {
                    let v = e.values(losses[p], &allocation)
                    x[p] = v.publicLoss
                    x[n + p] = v.privateLoss
                    x[2 * n + p] = v.call
                    if v.privateLoss > 0 { positive += 1 }
                    if e.countsShortfall && v.call > e.provision { short += 1 }
                }
            }
            counts[2 * c] += positive
            counts[2 * c + 1] += short
            // Two passes per column, as the engine's batch moments (`BatchAccumulator`).
            columns.withUnsafeBufferPointer { x in
                for q in 0..<3 {
                    let (mean, ss) = Moments.twoPass(x.baseAddress! + q * n, count: n)
                    moments.means.append(mean)
                    moments.squaredDeviations.append(ss)
                }
            }
        }
    }
}

/// One cover's allocation of a path's portfolio loss: (public loss, private loss, calls),
/// through the specialised `CoverAllocator` when the waterfall has its shape, else through the
/// `Waterfall` (the same values: the allocator does the waterfall's operations in its order).
struct CoverPaths: Sendable {
    let waterfall: Waterfall
    let allocator: CoverAllocator?
    let publicIndex: Int?
    let privateIndex: Int?
    /// r·M, and whether calls above it are counted (M > 0).
    let provision: Double
    let countsShortfall: Bool

    init(cover: Cover, terms: CoverTerms, volume: Double) throws(RiskModelError) {
        let structure = cover.structure(publicHolder: terms.publicHolder, privateHolder: terms.privateHolder, capBasis: terms.capBasis)
        waterfall = try Waterfall(structure: structure, volume: volume)
        allocator = CoverAllocator(waterfall: waterfall, terms: terms)
        publicIndex = waterfall.holders.firstIndex(of: terms.publicHolder)
        privateIndex = waterfall.holders.firstIndex(of: terms.privateHolder)
        let liability = waterfall.guarantees.isEmpty ? 0 : waterfall.maximumLiability(0)
        provision = terms.provisioningRate * liability
        countsShortfall = liability > 0
    }

    @inline(__always) func values(_ loss: Double, _ a: inout Allocation) -> (publicLoss: Double, privateLoss: Double, call: Double) {
        if let x = allocator { return (x.publicLoss(loss), x.privateLoss(loss), x.call(loss)) }
        waterfall.allocate(portfolioLoss: loss, into: &a)
        return (publicIndex.map { a.holderLoss[$0] } ?? 0, privateIndex.map { a.holderLoss[$0] } ?? 0,
                a.guaranteeCalls.isEmpty ? 0 : a.guaranteeCalls[0])
    }
}

/// What a run's ``CoverAccumulators`` gathered: per cover, the folded moments of its public
/// loss, private loss and calls, and its two counts (see ``CoverAccumulators``).
public struct AccumulatedCovers: Sendable {
    /// The covers, in grid order.
    public let covers: [Cover]
    let index: [Cover: Int]
    /// The run's moments folded in batch order: the engine's quantities, then 3 per cover.
    let moments: Moments
    /// Index of the first cover quantity in ``moments``.
    let offset: Int
    /// 2 per cover: paths with a private loss > 0, paths with calls > provision.
    let counts: [Int]

    /// The accumulated figures of `covers` from a whole run's summary (one range, or the shards'
    /// appended in batch order) simulated with `CoverAccumulators(covers:…)`.
    /// - Parameters:
    ///   - covers: the covers accumulated, in the accumulators' order.
    ///   - summary: the run's summary.
    /// - Throws: `RiskModelError.invalidInput(item:reason:)` when the summary's statistics do not
    ///   have the size those covers imply.
    public init(covers: [Cover], summary: BatchRangeSummary) throws(RiskModelError) {
        let moments = summary.folded
        let q = 3 * covers.count
        guard moments.paths > 0, moments.means.count >= q, summary.statisticCounts.count == 2 * covers.count else {
            throw .invalidInput(item: "sweep", reason: "the run accumulated \(summary.statisticCounts.count / 2) covers' figures, not the grid's \(covers.count)")
        }
        self.covers = covers
        var index: [Cover: Int] = [:]
        for (i, c) in covers.enumerated() where index[c] == nil { index[c] = i }
        self.index = index
        self.moments = moments
        offset = moments.means.count - q
        counts = summary.statisticCounts
    }

    /// The accumulated figures of `covers` whose 3 quantities each start at `offset` of the
    /// folded `moments`, with their 2 counts each (a bounded solve's curve, see `SolveStatistics`).
    init(covers: [Cover], moments: Moments, offset: Int, counts: [Int]) {
        self.covers = covers
        var index: [Cover: Int] = [:]
        for (i, c) in covers.enumerated() where index[c] == nil { index[c] = i }
        self.index = index
        self.moments = moments
        self.offset = offset
        self.counts = counts
    }
}

extension RiskCoverAnalysis {
    /// K, the largest portfolio losses the cover figures read: the order statistics (point and
    /// interval) of the public loss at 99 % and 99.9 % (at the settings' confidence) and of the
    /// calls at ``CoverTerms/confidence`` (interval at 95 %), besides the settings' own
    /// (`SimulationSettings.tailSize(adding:)`); about (1 − lowest level)·n + z·√(n·α(1 − α)).
    /// Requires valid settings and a confidence in (0, 1).
    /// - Parameters:
    ///   - settings: the run's settings.
    ///   - terms: the cover terms (their confidence).
    public static func coverTailSize(settings: SimulationSettings, terms: CoverTerms) -> Int {
        let c = settings.quantileLevels.isEmpty ? 0.95 : settings.confidence
        return min(settings.tailSize(adding: [(0.99, c), (0.999, c), (terms.confidence, 0.95)]), settings.paths)
    }

    /// `cover` from the accumulated figures (``AccumulatedCovers``) and the retained largest
    /// losses: means and probabilities from the accumulators, quantiles from the tail.
    func accumulatedEvaluation(_ cover: Cover, _ i: Int, _ acc: AccumulatedCovers) throws(RiskModelError) -> CoverEvaluation {
        let paths = try CoverPaths(cover: cover, terms: terms, volume: volume)
        let waterfall = paths.waterfall
        let n = base.paths
        let tail = losses
        let offset = n - tail.count
        let confidence = base.portfolio.quantiles.first?.confidence ?? 0.95
        // The order statistics read must be in the tail.
        for (level, c) in [(0.99, confidence), (0.999, confidence), (terms.confidence, 0.95)] {
            let point = min(max(Int((Double(n) * level).rounded(.up)), 1), n)
            let (j, _) = SampleStatistics.orderStatisticInterval(count: n, level: level, confidence: c)
            guard min(j, point) - 1 >= offset else {
                throw .invalidInput(item: "sweep", reason: "\(tail.count) retained losses of \(n) do not reach the \(level) quantile's order statistics")
            }
        }
        var allocation = waterfall.allocate(portfolioLoss: 0)
        var publicTail = [Double](repeating: 0, count: tail.count), callTail = publicTail
        for (p, loss) in tail.enumerated() {
            let v = paths.values(loss, &allocation)
            publicTail[p] = v.publicLoss
            callTail[p] = v.call
        }
        // Nondecreasing already; sorted anyway if rounding broke the order (as the engine's tails).
        publicTail.sortIfNeeded()
        callTail.sortIfNeeded()
        let f = min(max(cover.firstLoss, 0), 1)
        let liability = waterfall.guarantees.isEmpty ? 0 : waterfall.maximumLiability(0)
        let hasCalls = !waterfall.guarantees.isEmpty
        let q = acc.offset + 3 * i
        var evaluation = CoverEvaluation(
            cover: cover, volume: volume, privateNotional: (1 - f) * volume, guaranteeLiability: liability,
            publicCommitment: f * volume + terms.provisioningRate * liability,
            publicLoss: acc.moments.estimate(q),
            publicLoss99: SampleStatistics.quantile(count: n, level: 0.99, confidence: confidence) { publicTail[$0 - offset] },
            publicLoss999: SampleStatistics.quantile(count: n, level: 0.999, confidence: confidence) { publicTail[$0 - offset] },
            privateLoss: acc.moments.estimate(q + 1),
            privateLossProbability: ProbabilityEstimate(successes: acc.counts[2 * i], trials: n),
            guaranteeCalls: hasCalls ? acc.moments.estimate(q + 2) : nil,
            provisioningRateAtConfidence: !hasCalls || liability <= 0 ? nil
                : SampleStatistics.quantile(count: n, level: terms.confidence) { callTail[$0 - offset] }.scaled(by: 1 / liability),
            checks: [])
        evaluation.checks = checks(evaluation)
        return evaluation
    }
}
