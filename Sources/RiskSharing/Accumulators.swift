import Stochastics

/// Which portfolio losses a run keeps beyond its accumulators.
///
/// Every figure of the report — means, standard errors, probabilities, histogram, and the
/// quantiles and expected shortfalls with their intervals — is the same bit for bit whatever
/// is retained: means and counts come from per-batch accumulators folded in batch order, and
/// quantiles from the ``SimulationSettings/tailSize`` largest losses, which both retentions
/// hold. Retention only decides what ``SimulationReport/lossDistribution`` holds.
public enum LossRetention: Sendable, Hashable, Codable {
    /// Every path's loss (8 bytes per path, plus the merge buffer of the final sort): for
    /// analyses that need the whole distribution (`sweep`, `solve`, CDF queries at any point).
    case all
    /// Only the ``SimulationSettings/tailSize`` largest losses: memory O(tail), not O(paths).
    case tail
}

/// Mean and sum of squared deviations from the mean of each summarised quantity over some
/// paths (the portfolio loss, then each tranche's gross loss, each tranche's net loss, each
/// holder's loss, each guarantee's calls).
///
/// A batch computes its own by two passes over its paths (in their sorted order); a run folds
/// the batches' in batch order 0, 1, 2, … with the pairwise update of Chan, Golub & LeVeque
/// (1979, *Updating formulae and a pairwise algorithm for computing sample variances*):
/// n = nₐ + n_b, δ = x̄_b − x̄ₐ, x̄ = x̄ₐ + δ·n_b/n, M₂ = M₂ₐ + M₂_b + δ²·nₐn_b/n. Floating-point
/// addition is not associative, so the fixed batch order is what makes a single run and any
/// sharded merge do the same arithmetic, bit for bit.
public struct Moments: Sendable, Hashable {
    /// Number of paths.
    public var paths: Int
    /// Per quantity, the mean x̄ (EUR).
    public var means: [Double]
    /// Per quantity, M₂ = Σ (x − x̄)² (EUR²).
    public var squaredDeviations: [Double]

    /// Moments from their parts.
    public init(paths: Int, means: [Double], squaredDeviations: [Double]) {
        self.paths = paths
        self.means = means
        self.squaredDeviations = squaredDeviations
    }

    /// One quantity's moments over `column[0..<n]` in two passes, each summed in index order:
    /// x̄ = Σ x / n, then M₂ = Σ (x − x̄)². The batch moments of the engine and of every
    /// statistic added to it are computed this one way, so shards and one process agree bit for bit.
    /// - Parameters:
    ///   - column: the batch's values of the quantity, one per path.
    ///   - n: the number of paths (≥ 1).
    @inlinable
    public static func twoPass(_ column: UnsafePointer<Double>, count n: Int) -> (mean: Double, squaredDeviations: Double) {
        var total = 0.0
        for p in 0..<n { total += column[p] }
        let mean = total / Double(n)
        var ss = 0.0
        for p in 0..<n { let d = column[p] - mean; ss += d * d }
        return (mean, ss)
    }

    /// Appends the paths of `next` (which come after this one's in batch order).
    public mutating func append(_ next: Moments) {
        if next.paths == 0 { return }
        if paths == 0 { self = next; return }
        let na = Double(paths), nb = Double(next.paths), n = na + nb
        let weight = nb / n, cross = na * nb / n
        for q in means.indices {
            let delta = next.means[q] - means[q]
            means[q] += delta * weight
            squaredDeviations[q] += next.squaredDeviations[q] + delta * delta * cross
        }
        paths += next.paths
    }

    /// Quantity q's mean with its standard error √(M₂/(n − 1)/n).
    public func estimate(_ q: Int) -> MeanEstimate {
        let se = paths > 1 ? (squaredDeviations[q] / Double(paths - 1) / Double(paths)).squareRoot() : 0
        return MeanEstimate(mean: means[q], standardError: se, count: paths)
    }
}

extension SimulationSettings {
    /// The number of histogram grid cells per unit of loss fraction when the edges are chosen
    /// after the run (`histogramEdges` nil): 2²⁰. A path's cell is ⌊(L/V)·2²⁰⌋.
    public static let histogramGridCells = 1 << 20

    /// K, the number of largest portfolio losses the report's quantiles need: every quantile
    /// of ``quantileLevels`` and of ``provisioningConfidence`` reads its point order statistic
    /// ⌈nα⌉, the lower and upper bounds (j, k) of its interval (`SampleStatistics.orderStatisticInterval(count:level:confidence:)`),
    /// and its expected shortfall every order statistic from ⌈nα⌉ up; so K = n − minⱼ + 1
    /// with minⱼ the smallest of these 1-based indices over the levels (n = ``paths``, the
    /// whole run's paths, also in a shard: the union of the shards' K largest contains the
    /// run's K largest). About (1 − min level)·n + z·√(n·α(1 − α)).
    /// Requires valid settings.
    public var tailSize: Int {
        let n = paths
        var lowest = n
        for level in quantileLevels + [provisioningConfidence] {
            let point = min(max(Int((Double(n) * level).rounded(.up)), 1), n)
            let (j, _) = SampleStatistics.orderStatisticInterval(count: n, level: level, confidence: confidence)
            lowest = min(lowest, j, point)
        }
        return n - lowest + 1
    }

    /// K for ``tailSize``'s levels and, besides, quantiles at `levels` (each with the
    /// confidence of its order-statistic interval): n − minⱼ + 1 over all of them, so the K
    /// largest losses hold every order statistic those quantiles read (of the loss, or of any
    /// nondecreasing function of it). Requires valid settings and levels in (0, 1).
    /// - Parameter levels: further (level, confidence) pairs.
    public func tailSize(adding levels: [(level: Double, confidence: Double)]) -> Int {
        let n = paths
        var lowest = n - tailSize + 1
        for (level, confidence) in levels {
            let point = min(max(Int((Double(n) * level).rounded(.up)), 1), n)
            let (j, _) = SampleStatistics.orderStatisticInterval(count: n, level: level, confidence: confidence)
            lowest = min(lowest, j, point)
        }
        return n - lowest + 1
    }
}

/// Further per-batch statistics of the portfolio loss that a caller computes beside the
/// engine's (e.g. `sweep`'s per-cover sums): for each batch, from its losses sorted ascending,
/// ``quantities`` means and sums of squared deviations (appended to the batch's ``Moments``,
/// so they are folded in batch order exactly like the engine's own) and ``counts`` integer
/// counts (added over batches in any order). Memory: per worker what ``add(batch:moments:counts:)``
/// allocates; in the summary, ``quantities`` more moments per entry and ``counts`` integers.
public protocol BatchStatistics: Sendable {
    /// The number of moment quantities appended per batch.
    var quantities: Int { get }
    /// The number of integer counts.
    var counts: Int { get }
    /// Appends the batch's ``quantities`` means and squared deviations to `moments` (whose
    /// `paths` is the batch's) and adds the batch's counts to `counts` (``counts`` entries).
    /// - Parameters:
    ///   - losses: the batch's portfolio losses (EUR), ascending.
    ///   - moments: the batch's moments, to append to.
    ///   - counts: the counts so far, to add to.
    func add(batch losses: UnsafeBufferPointer<Double>, moments: inout Moments, counts: inout [Int])
}

/// The largest `capacity` values seen (as a multiset: equal values are interchangeable), in
/// a buffer of at most 2·capacity: values are appended and, when the buffer is full, sorted
/// and cut back to the `capacity` largest; after that, values not above the smallest kept one
/// are skipped.
struct TopLosses: Sendable {
    let capacity: Int
    private(set) var values: [Double] = []
    private var floor = -Double.infinity

    init(capacity: Int) { self.capacity = capacity }

    /// Adds the values of an ascending buffer (only its `capacity` largest can matter).
    mutating func add(ascending xs: UnsafeBufferPointer<Double>) {
        guard capacity > 0 else { return }
        var i = xs.count - 1, taken = 0
        while i >= 0 && taken < capacity && xs[i] > floor {
            values.append(xs[i])
            i -= 1
            taken += 1
        }
        if values.count >= 2 * capacity { compact() }
    }

    mutating func add(ascending xs: [Double]) {
        xs.withUnsafeBufferPointer { add(ascending: $0) }
    }

    private mutating func compact() {
        values.sort()
        if values.count > capacity { values.removeFirst(values.count - capacity) }
        if values.count == capacity, let first = values.first { floor = first }
    }

    /// The `capacity` largest values (fewer if fewer were added), ascending.
    mutating func sorted() -> [Double] {
        compact()
        return values
    }
}

/// The two ascending arrays merged, keeping only the `keep` largest values (linear).
func mergeLargest(_ a: [Double], _ b: [Double], keep: Int) -> [Double] {
    let count = min(keep, a.count + b.count)
    var out = [Double](repeating: 0, count: count)
    var i = a.count - 1, j = b.count - 1, o = count - 1
    while o >= 0 {
        if j < 0 || (i >= 0 && a[i] >= b[j]) { out[o] = a[i]; i -= 1 } else { out[o] = b[j]; j -= 1 }
        o -= 1
    }
    return out
}

/// What a contiguous range of batches of a run contributes to its report: everything the
/// report needs, in memory independent of the range's paths except for the retained losses.
///
/// - ``moments``: per batch in batch order (one entry per batch), except that a range starting
///   at batch 0 holds its prefix already folded (one entry): folding is sequential in batch
///   order, so a folded prefix followed by the next batches folds to the same bits.
/// - counts (hits, wipe-outs, budget shortfalls, exceedance counts, histogram): integers, summed
///   in any order.
/// - ``largestLosses``: the ``SimulationSettings/tailSize`` largest portfolio losses of the range
///   (all of them if it has fewer), or every loss with ``LossRetention/all``; ascending.
public struct BatchRangeSummary: Sendable, Hashable {
    /// The batches, [first, end).
    public var batches: Range<Int>
    /// Their paths.
    public var paths: Int
    /// See the type's documentation; quantities as in ``Moments``.
    public var moments: [Moments]
    /// Per tranche, paths with L/V > attachment.
    public var hits: [Int]
    /// Per tranche, paths with L/V ≥ detachment.
    public var wipeouts: [Int]
    /// Per guarantee, paths whose calls exceed its budget provision (0 without one).
    public var provisionShortfalls: [Int]
    /// The exceedance thresholds counted (fractions of V), and per threshold x the paths with L ≤ x·V.
    public var exceedanceThresholds: [Double]
    /// See ``exceedanceThresholds``.
    public var lossesAtMost: [Int]
    /// With histogram edges e: per bucket i, the paths with eᵢ·V ≤ L < eᵢ₊₁·V (the last bucket
    /// includes its upper edge); without: per grid cell c (``SimulationSettings/histogramGridCells``),
    /// the paths with ⌊(L/V)·2²⁰⌋ = c, up to the highest cell hit.
    public var histogram: [Int]
    /// max over paths of |Σ holders' losses − L| (EUR).
    public var maximumAllocationError: Double
    /// Default tests that needed an exact Φ evaluation.
    public var exactEvaluations: Int
    /// The retained portfolio losses (EUR), ascending.
    public var largestLosses: [Double]
    /// True when ``largestLosses`` holds every path's loss (``LossRetention/all``).
    public var retainsAllLosses: Bool
    /// The counts of the run's ``BatchStatistics`` (empty without), summed over the batches.
    public var statisticCounts: [Int]

    /// A summary from its parts (for decoding partial results).
    public init(batches: Range<Int>, paths: Int, moments: [Moments], hits: [Int], wipeouts: [Int], provisionShortfalls: [Int],
                exceedanceThresholds: [Double], lossesAtMost: [Int], histogram: [Int], maximumAllocationError: Double,
                exactEvaluations: Int, largestLosses: [Double], retainsAllLosses: Bool, statisticCounts: [Int] = []) {
        self.batches = batches
        self.paths = paths
        self.moments = moments
        self.hits = hits
        self.wipeouts = wipeouts
        self.provisionShortfalls = provisionShortfalls
        self.exceedanceThresholds = exceedanceThresholds
        self.lossesAtMost = lossesAtMost
        self.histogram = histogram
        self.maximumAllocationError = maximumAllocationError
        self.exactEvaluations = exactEvaluations
        self.largestLosses = largestLosses
        self.retainsAllLosses = retainsAllLosses
        self.statisticCounts = statisticCounts
    }

    /// Appends the next range (`next.batches` must start where these end; same run, same
    /// retention): counts add, moments fold or concatenate (see the type), and the retained
    /// losses merge, keeping `tailSize` of them unless every loss is retained.
    public mutating func append(_ next: BatchRangeSummary, tailSize: Int) {
        precondition(next.batches.lowerBound == batches.upperBound, "ranges must be appended in batch order")
        if batches.lowerBound == 0 {
            // A prefix of the run: fold now (sequentially, in batch order), one entry.
            var m = folded
            for x in next.moments { m.append(x) }
            moments = m.paths > 0 ? [m] : []
        } else {
            moments += next.moments
        }
        batches = batches.lowerBound..<next.batches.upperBound
        paths += next.paths
        func add(_ a: inout [Int], _ b: [Int]) {
            if a.count < b.count { a += [Int](repeating: 0, count: b.count - a.count) }
            for i in b.indices { a[i] += b[i] }
        }
        add(&hits, next.hits)
        add(&wipeouts, next.wipeouts)
        add(&provisionShortfalls, next.provisionShortfalls)
        add(&lossesAtMost, next.lossesAtMost)
        add(&histogram, next.histogram)
        add(&statisticCounts, next.statisticCounts)
        maximumAllocationError = max(maximumAllocationError, next.maximumAllocationError)
        exactEvaluations += next.exactEvaluations
        largestLosses = mergeLargest(largestLosses, next.largestLosses, keep: retainsAllLosses ? Int.max : tailSize)
    }

    /// All moments folded in batch order.
    public var folded: Moments {
        var m = Moments(paths: 0, means: [], squaredDeviations: [])
        for x in moments { m.append(x) }
        return m
    }
}

/// Per-worker accumulation of batches: the waterfall applied to every path once.
struct BatchAccumulator {
    let waterfall: Waterfall
    let volume: Double
    let quantities: Int
    let edgeAmounts: [Double]?
    let exceedanceAmounts: [Double]
    let budgets: [Double?]
    var allocation = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
    var scratch: [Double]
    var hits: [Int], wipeouts: [Int], shortfalls: [Int], atMost: [Int], histogram: [Int]
    var maximumError = 0.0
    var exactEvaluations = 0
    let statistics: (any BatchStatistics)?
    var statisticCounts: [Int]

    init(waterfall: Waterfall, volume: Double, settings: SimulationSettings, exceedance: [Double],
         statistics: (any BatchStatistics)? = nil) {
        self.statistics = statistics
        statisticCounts = [Int](repeating: 0, count: statistics?.counts ?? 0)
        self.waterfall = waterfall
        self.volume = volume
        let t = waterfall.tranches.count
        quantities = 1 + 2 * t + waterfall.holders.count + waterfall.guarantees.count
        edgeAmounts = settings.histogramEdges.map { $0.map { $0 * volume } }
        exceedanceAmounts = exceedance.map { $0 * volume }
        budgets = waterfall.guarantees.map(\.budgetProvision)
        scratch = [Double](repeating: 0, count: quantities * settings.batchSize)
        hits = [Int](repeating: 0, count: t)
        wipeouts = hits
        shortfalls = [Int](repeating: 0, count: waterfall.guarantees.count)
        atMost = [Int](repeating: 0, count: exceedance.count)
        histogram = [Int](repeating: 0, count: settings.histogramEdges.map { $0.count - 1 } ?? 0)
    }

    /// Accumulates one batch's losses (ascending) and returns the batch's moments.
    mutating func add(batch losses: UnsafeBufferPointer<Double>) -> Moments {
        let n = losses.count
        let t = waterfall.tranches.count, h = waterfall.holders.count, g = waterfall.guarantees.count
        let volume = self.volume
        let grid = Double(SimulationSettings.histogramGridCells)
        for p in 0..<n {
            let loss = losses[p]
            waterfall.allocate(portfolioLoss: loss, into: &allocation)
            scratch[p] = loss
            for j in 0..<t {
                scratch[(1 + j) * n + p] = allocation.trancheGross[j]
                scratch[(1 + t + j) * n + p] = allocation.trancheNet[j]
            }
            for i in 0..<h { scratch[(1 + 2 * t + i) * n + p] = allocation.holderLoss[i] }
            for k in 0..<g {
                let calls = allocation.guaranteeCalls[k]
                scratch[(1 + 2 * t + h + k) * n + p] = calls
                if let b = budgets[k], calls > b { shortfalls[k] += 1 }
            }
            let fraction = loss / volume
            for j in 0..<t {
                if fraction > waterfall.tranches[j].attachment { hits[j] += 1 }
                if fraction >= waterfall.tranches[j].detachment { wipeouts[j] += 1 }
            }
            for (i, x) in exceedanceAmounts.enumerated() where loss <= x { atMost[i] += 1 }
            if let e = edgeAmounts {
                // Bucket i: eᵢ ≤ L < eᵢ₊₁, the last one including its upper edge.
                let m = e.count - 1
                if loss >= e[0] && loss <= e[m] {
                    if loss == e[m] {
                        histogram[m - 1] += 1
                    } else {
                        var lo = 0, hi = m  // e[lo] ≤ loss < e[hi]
                        while hi - lo > 1 {
                            let mid = (lo + hi) / 2
                            if e[mid] <= loss { lo = mid } else { hi = mid }
                        }
                        histogram[lo] += 1
                    }
                }
            } else {
                let cell = min(max(Int(fraction * grid), 0), SimulationSettings.histogramGridCells)
                if cell >= histogram.count { histogram += [Int](repeating: 0, count: cell + 1 - histogram.count) }
                histogram[cell] += 1
            }
            var sum = 0.0
            for x in allocation.holderLoss { sum += x }
            maximumError = max(maximumError, abs(sum - loss))
        }
        var means = [Double](repeating: 0, count: quantities), deviations = means
        scratch.withUnsafeBufferPointer { s in
            for q in 0..<quantities {
                (means[q], deviations[q]) = Moments.twoPass(s.baseAddress! + q * n, count: n)
            }
        }
        var moments = Moments(paths: n, means: means, squaredDeviations: deviations)
        statistics?.add(batch: losses, moments: &moments, counts: &statisticCounts)
        return moments
    }
}

/// Folds batch moments in batch order as batches complete in any order: a batch that arrives
/// early waits until every earlier batch of the range has been folded (only a few wait: batches
/// are handed out in order). A range starting at batch 0 folds into one entry; any other keeps
/// one entry per batch (the merge folds them after the earlier shards').
struct MomentCollector: Sendable {
    var next: Int
    let fold: Bool
    var entries: [Moments] = []
    var waiting: [Int: Moments] = [:]

    init(start: Int) {
        next = start
        fold = start == 0
    }

    mutating func add(batch b: Int, _ m: Moments) {
        waiting[b] = m
        while let ready = waiting.removeValue(forKey: next) {
            if fold && !entries.isEmpty { entries[0].append(ready) } else { entries.append(ready) }
            next += 1
        }
    }
}
