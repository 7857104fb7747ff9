import Dispatch
import Foundation
import Synchronization

extension SimulationSettings {
    /// ⌈paths / batchSize⌉: the number of batches of the run.
    public var batchCount: Int { (paths + batchSize - 1) / max(batchSize, 1) }

    /// The paths of a range of batches: [first·B, min(end·B, P)).
    public func pathRange(batches: Range<Int>) -> Range<Int> {
        min(batches.lowerBound * batchSize, paths)..<min(batches.upperBound * batchSize, paths)
    }

    /// Shard `index` (0-based) of `count`: the contiguous batches [⌊index·M/count⌋, ⌊(index+1)·M/count⌋)
    /// of the M = ``batchCount`` batches. The shards partition 0..<M in order; their sizes differ by at
    /// most one batch; a shard is empty when count > M.
    public func batchRange(shard index: Int, of count: Int) -> Range<Int> {
        let m = batchCount
        return (index * m / count)..<((index + 1) * m / count)
    }
}

/// Simulates only the batches `batches` of the run `settings` describes (same seed, same stream
/// layout as ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``) and
/// returns what they contribute to the report (see ``BatchRangeSummary``): per-batch moments
/// of every summarised quantity, counts, and the retained losses.
///
/// This is the one simulation path: `simulate` runs it over all batches. Per batch b (any
/// worker, any order): the `BatchWorker` simulates its paths, the slice is sorted, the
/// waterfall is applied to every path once (moments, counts, histogram), and the slice's
/// largest losses go into a bounded `TopLosses` buffer shared by the workers (2·K at most) — or, with
/// ``LossRetention/all``, the slice stays in the array of all losses. Moments are folded in
/// batch order (`MomentCollector`), counts added, the workers' tails merged; so the result is
/// the same for any thread count.
///
/// Memory: with ``LossRetention/tail``, ≤ 2·K tail losses (K = ``SimulationSettings/tailSize``)
/// and the sort buffer of their compaction, and per worker one batch of losses, a batch ×
/// quantities scratch, the histogram grid's cells up to the largest loss (≤ 2²⁰ + 1 counts) and
/// the `BatchWorker` scratch — nothing per path; with `.all`, 8 bytes per path of the range and
/// the final sort's merge buffer. Besides, the moments: one entry of 1 + 2Q words (Q quantities,
/// the ``BatchStatistics``' included) for a range starting at batch 0, one per batch otherwise.
/// Merging ranges that partition 0..<``SimulationSettings/batchCount``
/// with ``BatchRangeSummary/append(_:tailSize:)`` in batch order and passing the result to
/// ``simulationReport(portfolio:structure:settings:summary:)`` gives `simulate`'s report bit for bit.
///
/// - Parameters:
///   - batches: the batches to simulate, a sub-range of 0..<``SimulationSettings/batchCount``.
///   - portfolio: the portfolio.
///   - structure: its tranches, guarantees and holders.
///   - settings: the whole run's settings (paths, seed, batch size, threads, levels).
///   - retaining: every loss (``LossRetention/all``) or only the K largest (``LossRetention/tail``).
///   - exceedance: loss fractions x at which P(L/V ≤ x) is counted (``LossDistribution`` answers them exactly).
///   - tailSize: with ``LossRetention/tail``, the number of largest losses to keep when it is more
///     than ``SimulationSettings/tailSize`` (e.g. ``SimulationSettings/tailSize(adding:)`` for
///     further quantiles); the same value must be passed for every range of a run.
///   - statistics: further per-batch statistics (see ``BatchStatistics``), folded and counted
///     with the engine's: their moments follow the engine's quantities in ``BatchRangeSummary/moments``
///     and their counts are ``BatchRangeSummary/statisticCounts``.
///   - progress: called with (batches done, batches in the range).
/// - Throws: ``RiskModelError`` for invalid settings, a range outside the run, or an invalid portfolio or structure.
public func simulateBatches(_ batches: Range<Int>, portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                            retaining: LossRetention = .all, exceedance: [Double] = [], tailSize: Int? = nil,
                            statistics: (any BatchStatistics)? = nil,
                            progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> BatchRangeSummary {
    try settings.validate()
    guard batches.lowerBound >= 0 && batches.upperBound <= settings.batchCount else {
        throw .invalidInput(item: "settings", reason: "batches \(batches.lowerBound)..<\(batches.upperBound) are outside the run's 0..<\(settings.batchCount)")
    }
    SingleThreadedBLAS.enter()
    defer { SingleThreadedBLAS.leave() }
    let model = try PreparedModel(portfolio: portfolio)
    let waterfall = try Waterfall(structure: structure, volume: model.volume)
    let batchSize = settings.batchSize
    let paths = settings.pathRange(batches: batches)
    let threads = max(1, min(settings.threads ?? ProcessInfo.processInfo.activeProcessorCount, max(batches.count, 1)))
    let table = DefaultTable()
    let plan = BatchWorker.Plan(model: model, batchSize: batchSize, defaultTest: settings.defaultTest,
                                probabilitiesOfDefault: portfolio.exposures.map(\.probabilityOfDefault))
    let retainAll = retaining == .all
    let tailSize = min(max(settings.tailSize, tailSize ?? 0), settings.paths)

    var losses = [Double](repeating: 0, count: retainAll ? paths.count : 0)
    let collector = Mutex(MomentCollector(start: batches.lowerBound))
    // One buffer of the largest losses for all workers (≤ 2·K; a batch only adds what exceeds
    // its floor), so the tail's memory does not grow with the thread count.
    let top = Mutex(TopLosses(capacity: retainAll ? 0 : tailSize))
    let finished = Mutex([BatchAccumulator]())
    let next = Mutex(batches.lowerBound)
    let done = Mutex(0)
    losses.withUnsafeMutableBufferPointer { lossBuffer in
        let all = UncheckedSendable(lossBuffer)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var worker = BatchWorker(model: model, table: table, seed: settings.seed, batchSize: batchSize,
                                     exact: settings.defaultTest == .exact, plan: plan)
            var accumulator = BatchAccumulator(waterfall: waterfall, volume: model.volume, settings: settings,
                                               exceedance: exceedance, statistics: statistics)
            var sorter = RadixSorter()
            let own = UnsafeMutablePointer<Double>.allocate(capacity: retainAll ? 1 : batchSize)
            defer { own.deallocate() }
            while true {
                let b = next.withLock { v in defer { v += 1 }; return v }
                if b >= batches.upperBound { break }
                let start = b * batchSize
                let count = min(batchSize, settings.paths - start)
                let slice = retainAll ? all.value.baseAddress! + (start - paths.lowerBound) : own
                accumulator.exactEvaluations += worker.run(batch: b, count: count, into: slice)
                let sliceBuffer = UnsafeMutableBufferPointer(start: slice, count: count)
                sorter.sort(sliceBuffer)
                let moments = accumulator.add(batch: UnsafeBufferPointer(sliceBuffer))
                if !retainAll { top.withLock { $0.add(ascending: UnsafeBufferPointer(sliceBuffer)) } }
                collector.withLock { $0.add(batch: b, moments) }
                if let progress {
                    done.withLock { d in
                        d += 1
                        progress(d, batches.count)
                    }
                }
            }
            let result = accumulator
            finished.withLock { $0.append(result) }
        }
    }
    let accumulators = finished.withLock { $0 }
    var summary = BatchRangeSummary(
        batches: batches, paths: paths.count, moments: collector.withLock { $0.entries },
        hits: [Int](repeating: 0, count: waterfall.tranches.count), wipeouts: [Int](repeating: 0, count: waterfall.tranches.count),
        provisionShortfalls: [Int](repeating: 0, count: waterfall.guarantees.count),
        exceedanceThresholds: exceedance, lossesAtMost: [Int](repeating: 0, count: exceedance.count), histogram: [],
        maximumAllocationError: 0, exactEvaluations: 0, largestLosses: [], retainsAllLosses: retainAll,
        statisticCounts: [Int](repeating: 0, count: statistics?.counts ?? 0))
    for a in accumulators {
        for j in a.hits.indices { summary.hits[j] += a.hits[j]; summary.wipeouts[j] += a.wipeouts[j] }
        for k in a.shortfalls.indices { summary.provisionShortfalls[k] += a.shortfalls[k] }
        for i in a.atMost.indices { summary.lossesAtMost[i] += a.atMost[i] }
        if summary.histogram.count < a.histogram.count {
            summary.histogram += [Int](repeating: 0, count: a.histogram.count - summary.histogram.count)
        }
        for i in a.histogram.indices { summary.histogram[i] += a.histogram[i] }
        summary.maximumAllocationError = max(summary.maximumAllocationError, a.maximumError)
        summary.exactEvaluations += a.exactEvaluations
        for i in a.statisticCounts.indices { summary.statisticCounts[i] += a.statisticCounts[i] }
    }
    if retainAll {
        // Each batch sorted its own slice, so this sort only merges runs (stable merge sort finds them).
        losses.sort()
        summary.largestLosses = losses
    } else {
        summary.largestLosses = top.withLock { $0.sorted() }
    }
    return summary
}

/// The report of a whole run from the ``BatchRangeSummary`` of all its batches (one range, or
/// the shards' appended in batch order), through the same `Summariser` that
/// ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)`` uses.
///
/// - Throws: ``RiskModelError`` for invalid inputs, or when the summary does not cover the whole
///   run or retains fewer than ``SimulationSettings/tailSize`` losses (more are allowed: a run
///   may keep a longer tail for its own quantiles, see `simulateBatches`'s `tailSize`).
public func simulationReport(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                             summary: BatchRangeSummary) throws(RiskModelError) -> SimulationReport {
    try settings.validate()
    guard summary.batches == 0..<settings.batchCount, summary.paths == settings.paths else {
        throw .invalidInput(item: "settings", reason: "a summary of batches \(summary.batches.lowerBound)..<\(summary.batches.upperBound) (\(summary.paths) paths) for a run of \(settings.batchCount) batches (\(settings.paths) paths)")
    }
    let needed = summary.retainsAllLosses ? settings.paths : min(settings.tailSize, settings.paths)
    guard summary.retainsAllLosses ? summary.largestLosses.count == needed
            : (needed...settings.paths).contains(summary.largestLosses.count) else {
        throw .invalidInput(item: "settings", reason: "\(summary.largestLosses.count) retained losses; the run's quantiles need \(needed)")
    }
    let model = try PreparedModel(portfolio: portfolio)
    let waterfall = try Waterfall(structure: structure, volume: model.volume)
    return Summariser(settings: settings, model: model, waterfall: waterfall, collected: summary).report()
}

/// Checks that `structure` is valid for `portfolio` (the checks `simulate` makes before
/// simulating), so that a shard fails before its simulation rather than at the merge.
public func validateStructure(_ structure: RiskSharingStructure, portfolio: Portfolio) throws(RiskModelError) {
    _ = try Waterfall(structure: structure, volume: portfolio.volume)
}
