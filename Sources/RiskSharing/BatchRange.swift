import Dispatch
import Foundation
import Synchronization

/// The portfolio losses of a contiguous range of batches of a run: what one shard of a
/// sharded run contributes (see ``simulateBatches(_:portfolio:settings:progress:)``).
///
/// A run of P paths in batches of B has ⌈P/B⌉ batches; batch b covers paths
/// [b·B, min((b+1)·B, P)) and draws only from Philox counters (·, b, purpose, item), so any
/// range of batches can be simulated on its own and gives exactly the paths the whole run
/// would give there.
public struct BatchRangeLosses: Sendable, Hashable {
    /// The batches simulated, [first, end).
    public var batches: Range<Int>
    /// Their portfolio losses (EUR), ascending, one per path.
    public var sortedLosses: [Double]
    /// Default tests that needed an exact Φ evaluation (see ``SimulationReport/exactEvaluations``).
    public var exactEvaluations: Int

    /// A range's losses from their parts.
    public init(batches: Range<Int>, sortedLosses: [Double], exactEvaluations: Int) {
        self.batches = batches
        self.sortedLosses = sortedLosses
        self.exactEvaluations = exactEvaluations
    }
}

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
/// layout as ``simulate(portfolio:structure:settings:progress:)``) and returns their sorted
/// portfolio losses. Memory: one Double per path of the range plus the workers' scratch.
///
/// Merging ranges that partition 0..<``SimulationSettings/batchCount`` and passing their losses,
/// sorted together, to ``simulationReport(portfolio:structure:settings:sortedLosses:exactEvaluations:)``
/// gives the report `simulate` gives, bit for bit: every path's loss is the same number, the
/// sorted array of all losses is therefore the same array, and the report is a function of that
/// array alone (the summaries run over it in sorted order, not in batch order).
///
/// - Throws: ``RiskModelError`` for invalid settings, a range outside the run, or an invalid portfolio.
public func simulateBatches(_ batches: Range<Int>, portfolio: Portfolio, settings: SimulationSettings,
                            progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> BatchRangeLosses {
    try settings.validate()
    guard batches.lowerBound >= 0 && batches.upperBound <= settings.batchCount else {
        throw .invalidInput(item: "settings", reason: "batches \(batches.lowerBound)..<\(batches.upperBound) are outside the run's 0..<\(settings.batchCount)")
    }
    SingleThreadedBLAS.enter()
    defer { SingleThreadedBLAS.leave() }
    let model = try PreparedModel(portfolio: portfolio)
    let batchSize = settings.batchSize
    let paths = settings.pathRange(batches: batches)
    let threads = max(1, min(settings.threads ?? ProcessInfo.processInfo.activeProcessorCount, max(batches.count, 1)))
    let table = DefaultTable()
    // The same plan as `simulate` builds, so that every path's loss is the same number.
    let plan = BatchWorker.Plan(model: model, batchSize: batchSize, defaultTest: settings.defaultTest,
                                probabilitiesOfDefault: portfolio.exposures.map(\.probabilityOfDefault))

    var losses = [Double](repeating: 0, count: paths.count)
    var evaluations = [Int](repeating: 0, count: batches.count)
    let next = Mutex(batches.lowerBound)
    let done = Mutex(0)
    losses.withUnsafeMutableBufferPointer { lossBuffer in
        evaluations.withUnsafeMutableBufferPointer { evalBuffer in
            let out = SharedOutput(losses: lossBuffer, evaluations: evalBuffer)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var worker = BatchWorker(model: model, table: table, seed: settings.seed, batchSize: batchSize,
                                         exact: settings.defaultTest == .exact, plan: plan)
                while true {
                    let b = next.withLock { v in defer { v += 1 }; return v }
                    if b >= batches.upperBound { break }
                    let start = b * batchSize
                    let count = min(batchSize, settings.paths - start)
                    let slice = out.losses.baseAddress! + (start - paths.lowerBound)
                    let evaluated = worker.run(batch: b, count: count, into: slice)
                    var sliceBuffer = UnsafeMutableBufferPointer(start: slice, count: count)
                    sliceBuffer.sort()
                    out.evaluations[b - batches.lowerBound] = evaluated
                    if let progress {
                        done.withLock { d in
                            d += 1
                            progress(d, batches.count)
                        }
                    }
                }
            }
        }
    }
    losses.sort()
    return BatchRangeLosses(batches: batches, sortedLosses: losses, exactEvaluations: evaluations.reduce(0, +))
}

/// The report of a whole run from all its paths' losses, sorted ascending (e.g. the merged
/// ``BatchRangeLosses`` of every shard), through the same `Summariser` that
/// ``simulate(portfolio:structure:settings:progress:)`` uses.
///
/// - Parameters:
///   - portfolio: the simulated portfolio.
///   - structure: the tranches and guarantees the losses go through.
///   - settings: the whole run's settings (paths, seed, batch size).
///   - sortedLosses: the losses of all `settings.paths` paths, ascending.
///   - exactEvaluations: the sum of the ranges' ``BatchRangeLosses/exactEvaluations``.
/// - Throws: ``RiskModelError`` for invalid inputs, or when the loss count is not `settings.paths`.
public func simulationReport(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                             sortedLosses: [Double], exactEvaluations: Int) throws(RiskModelError) -> SimulationReport {
    try settings.validate()
    guard sortedLosses.count == settings.paths else {
        throw .invalidInput(item: "settings", reason: "\(sortedLosses.count) losses for a run of \(settings.paths) paths")
    }
    let model = try PreparedModel(portfolio: portfolio)
    let waterfall = try Waterfall(structure: structure, volume: model.volume)
    let threads = settings.threads ?? ProcessInfo.processInfo.activeProcessorCount
    return Summariser(settings: settings, model: model, waterfall: waterfall, sortedLosses: sortedLosses,
                      obligorDraws: model.exposureCount * settings.paths, exactEvaluations: exactEvaluations).report(threads: threads)
}

/// Checks that `structure` is valid for `portfolio` (the checks `simulate` makes before
/// simulating), so that a shard fails before its simulation rather than at the merge.
public func validateStructure(_ structure: RiskSharingStructure, portfolio: Portfolio) throws(RiskModelError) {
    _ = try Waterfall(structure: structure, volume: portfolio.volume)
}
