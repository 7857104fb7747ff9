import Foundation

// Run to accuracy: simulate until one named estimate reaches a relative standard error, or a
// path cap is hit — deterministically.
//
// Why the stopping point does not depend on the thread count: every batch b of B paths draws only
// from its own Philox counters (·, b, purpose, item) (see ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``
// and ``simulateImportance(portfolio:structure:settings:target:exceedance:progress:)``), so a run of
// n = m·B paths is exactly the first m batches of any longer run with the same seed and batch size,
// and its report is bit-identical for any thread count. The loop below decides each next path count
// from the previous report's numbers only (never from timing), so the sequence of path counts, the
// stopping point and the final report are functions of (model, settings except threads, target).
//
// The schedule: a pilot of n₀ = `settings.paths` rounded up to whole batches; after a run of n paths
// with relative SE r (SE / |estimate|) above the target τ, the next run has
//     n' = min(cap, roundUp_B(max(2n, ⌈1.1·n·(r/τ)²⌉)))
// paths — the SE of a Monte Carlo mean falls as 1/√n, so n·(r/τ)² paths are projected to meet τ; the
// 10 % margin absorbs the noise of r, and at least doubling bounds the number of steps (log₂(cap/n₀)).
// An estimate that is still 0 (no hit yet) has r = ∞: the next run has 8n paths.
//
// A step adds batches: it simulates only the batches the previous steps have not. Plain runs append
// their summary to the previous one (``extendBatches(_:portfolio:structure:settings:retaining:exceedance:progress:)``);
// importance-sampled runs keep the previous paths' (loss, weight) and the mean-shift optima (which
// depend on the model, target and thresholds only), so the search runs once. The total work is the
// final run's, and the final report is bit for bit the one-run report of its path count.

/// The estimate a run to accuracy drives to a relative standard error: one of the numbers the
/// tables report.
///
/// Written on the command line (`--for`) and in models (`simulation.for`) as
/// `portfolio` (expected portfolio loss), `exceedance:X` (P(L/V > X), X a loss fraction),
/// `tranche:NAME` (a tranche's expected gross loss), `hit:NAME` (P(tranche NAME is hit)),
/// `holder:NAME` (a holder's expected loss), `guarantee:NAME` (a guarantee's expected calls), or
/// a bare NAME: the tranche of that name, else the guarantee, else the holder.
public enum AccuracyQuantity: Sendable, Hashable, Codable, CustomStringConvertible {
    case portfolio
    case exceedance(Double)
    case tranche(String)
    case trancheHit(String)
    case holder(String)
    case guarantee(String)

    /// Parses `text` (see the type's documentation) against the names in `structure`.
    /// - Throws: ``RiskModelError/invalidInput(item:reason:)`` with item `for` naming what exists.
    public init(parsing text: String, structure: RiskSharingStructure) throws(RiskModelError) {
        let tranches = structure.tranches.map(\.name)
        let guarantees = structure.guarantees.map(\.name)
        var holders: [String] = []
        for h in structure.tranches.map(\.holder) + structure.guarantees.map(\.guarantor) where !holders.contains(h) { holders.append(h) }
        func list(_ xs: [String]) -> String { xs.isEmpty ? "none" : xs.map { "'\($0)'" }.joined(separator: ", ") }
        let choices = "portfolio, exceedance:X, tranche:NAME (tranches \(list(tranches))), hit:NAME, holder:NAME (holders \(list(holders))), guarantee:NAME (guarantees \(list(guarantees)))"
        func fail(_ reason: String) -> RiskModelError { .invalidInput(item: "for", reason: "'\(text)': \(reason); choose one of \(choices)") }
        if text == "portfolio" { self = .portfolio; return }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            let (kind, name) = (parts[0], parts[1])
            switch kind {
            case "exceedance":
                guard let x = Double(name), x.isFinite, x >= 0, x < 1 else { throw fail("the exceedance threshold must be a loss fraction in [0, 1)") }
                self = .exceedance(x)
            case "tranche", "hit":
                guard tranches.contains(name) else { throw fail("no tranche is called '\(name)'") }
                self = kind == "tranche" ? .tranche(name) : .trancheHit(name)
            case "holder":
                guard holders.contains(name) else { throw fail("no holder is called '\(name)'") }
                self = .holder(name)
            case "guarantee":
                guard guarantees.contains(name) else { throw fail("no guarantee is called '\(name)'") }
                self = .guarantee(name)
            default:
                throw fail("unknown kind '\(kind)'")
            }
            return
        }
        // A bare name: a tranche first, then a guarantee, then a holder (holders are often named
        // after the tranche they hold; write holder:NAME for the holder).
        if tranches.contains(text) { self = .tranche(text) }
        else if guarantees.contains(text) { self = .guarantee(text) }
        else if holders.contains(text) { self = .holder(text) }
        else { throw fail("no tranche, holder or guarantee is called so") }
    }

    /// The text form, which ``init(parsing:structure:)`` reads back.
    public var description: String {
        switch self {
        case .portfolio: return "portfolio"
        case let .exceedance(x): return "exceedance:\(x)"
        case let .tranche(n): return "tranche:\(n)"
        case let .trancheHit(n): return "hit:\(n)"
        case let .holder(n): return "holder:\(n)"
        case let .guarantee(n): return "guarantee:\(n)"
        }
    }

    /// What the estimate is, in words for table notes.
    public var meaning: String {
        switch self {
        case .portfolio: return "the expected portfolio loss"
        case let .exceedance(x): return "P(L/V > \(x))"
        case let .tranche(n): return "tranche \(n)'s expected loss"
        case let .trancheHit(n): return "P(tranche \(n) is hit)"
        case let .holder(n): return "holder \(n)'s expected loss"
        case let .guarantee(n): return "guarantee \(n)'s expected calls"
        }
    }

    /// The exceedance threshold the estimate needs reported, if any.
    public var exceedanceThreshold: Double? {
        if case let .exceedance(x) = self { return x }
        return nil
    }

    /// (estimate, standard error) from a plain run's report.
    public func estimate(in report: SimulationReport) -> (value: Double, standardError: Double) {
        switch self {
        case .portfolio:
            return (report.portfolio.expectedLoss.mean, report.portfolio.expectedLoss.standardError)
        case let .exceedance(x):
            let n = report.paths
            let hits = n - report.lossDistribution.countAtMost(x * report.volume, fraction: x)
            let p = Double(hits) / Double(n)
            return (p, (p * (1 - p) / Double(n)).squareRoot())
        case let .tranche(name):
            let e = report.tranche(named: name)!.grossLoss.expectedLoss
            return (e.mean, e.standardError)
        case let .trancheHit(name):
            let p = report.tranche(named: name)!.hitProbability
            return (p.probability, p.standardError)
        case let .holder(name):
            let e = report.holder(named: name)!.loss.expectedLoss
            return (e.mean, e.standardError)
        case let .guarantee(name):
            let e = report.guarantee(named: name)!.calls.expectedLoss
            return (e.mean, e.standardError)
        }
    }

    /// (estimate, standard error) from an importance-sampled run's report.
    public func estimate(in report: ImportanceReport) -> (value: Double, standardError: Double) {
        let e: WeightedEstimate
        switch self {
        case .portfolio: e = report.expectedLoss
        case let .exceedance(x): e = report.exceedance.first { $0.threshold == x }!.probability
        case let .tranche(name): e = report.tranches.first { $0.tranche.name == name }!.expectedLoss
        case let .trancheHit(name): e = report.tranches.first { $0.tranche.name == name }!.hitProbability
        case let .holder(name): e = report.holders.first { $0.holder == name }!.expectedLoss
        case let .guarantee(name): e = report.guarantees.first { $0.guarantee.name == name }!.expectedCalls
        }
        return (e.value, e.standardError)
    }
}

/// A run-to-accuracy request: drive ``quantity``'s relative standard error to at most
/// ``relativeError``, with at most ``maximumPaths`` paths.
public struct AccuracyTarget: Sendable, Hashable, Codable {
    /// The target relative standard error SE/|estimate|, in (0, 1).
    public var relativeError: Double
    /// The estimate it applies to.
    public var quantity: AccuracyQuantity
    /// The path cap (≥ 1): the run stops there even when the target is not met.
    public var maximumPaths: Int

    /// The default cap when none is given: 10⁸ paths (0.8 GB of losses for a plain run).
    public static let defaultMaximumPaths = 100_000_000

    /// A request; checked by ``validate()``.
    public init(relativeError: Double, quantity: AccuracyQuantity, maximumPaths: Int = AccuracyTarget.defaultMaximumPaths) {
        self.relativeError = relativeError
        self.quantity = quantity
        self.maximumPaths = maximumPaths
    }

    /// Throws unless the target is in (0, 1) and the cap ≥ 1 (items `target_relative_error`, `max_paths`).
    public func validate() throws(RiskModelError) {
        guard relativeError.isFinite, relativeError > 0, relativeError < 1 else {
            throw .invalidInput(item: "target_relative_error", reason: "\(relativeError) must be a relative standard error in (0, 1), e.g. 0.1 for 10 %")
        }
        guard maximumPaths >= 1 else { throw .invalidInput(item: "max_paths", reason: "\(maximumPaths) must be ≥ 1") }
        if case let .exceedance(x) = quantity, !(x.isFinite && x >= 0 && x < 1) {
            throw .invalidInput(item: "for", reason: "exceedance threshold \(x) must be a loss fraction in [0, 1)")
        }
    }
}

/// How a run to accuracy ended.
public struct AccuracyOutcome: Sendable, Hashable, Codable {
    /// The request.
    public var target: AccuracyTarget
    /// The estimate and its standard error at the stopping point.
    public var value: Double
    public var standardError: Double
    /// SE/|estimate| at the stopping point (∞ when the estimate is 0).
    public var achievedRelativeError: Double
    /// The path counts run, pilot first; the last is the report's.
    public var steps: [Int]
    /// True when the cap stopped the run before the target was met.
    public var capped: Bool

    /// Paths of the final run.
    public var paths: Int { steps.last ?? 0 }
    /// True when the target was met.
    public var met: Bool { achievedRelativeError <= target.relativeError }
}

/// Where a run to accuracy is, for progress displays: step `step` (1 = the pilot) of at most
/// `maximumSteps` runs `paths` paths and has finished `completedBatches` of its `totalBatches`.
public struct AccuracyProgress: Sendable, Hashable {
    public var step: Int
    public var maximumSteps: Int
    public var paths: Int
    public var completedBatches: Int
    public var totalBatches: Int
    /// The previous step's relative SE (nil during the pilot).
    public var previousRelativeError: Double?
}

/// The path-count schedule of a run to accuracy (see the notes at the top of this file).
enum AccuracySchedule {
    /// The pilot: `paths` rounded up to whole batches, at most the cap.
    static func pilot(paths: Int, batchSize: Int, cap: Int) -> Int {
        min(cap, roundUp(paths, batchSize))
    }

    /// The next path count after a run of `n` paths with relative error `r`.
    static func next(after n: Int, relativeError r: Double, target: Double, batchSize: Int, cap: Int) -> Int {
        let factor = r.isFinite ? max(2, 1.1 * (r / target) * (r / target)) : 8
        let projected = Double(n) * factor
        guard projected < Double(cap) else { return cap }
        return min(cap, roundUp(Int(projected.rounded(.up)), batchSize))
    }

    /// An upper bound of the number of steps from the pilot to the cap (each at least doubles).
    static func maximumSteps(pilot: Int, cap: Int) -> Int {
        var n = pilot, steps = 1
        while n < cap { n = n > cap / 2 ? cap : 2 * n; steps += 1 }
        return steps
    }

    static func roundUp(_ n: Int, _ b: Int) -> Int { ((max(n, 1) + b - 1) / b) * b }

    static func relativeError(_ e: (value: Double, standardError: Double)) -> Double {
        if e.standardError == 0 && e.value != 0 { return 0 }
        return e.value != 0 ? e.standardError / abs(e.value) : .infinity
    }
}

/// The loop shared by the plain and importance-sampled runs: `run(settings, progress)` simulates
/// with `settings.paths` paths and `estimate` reads the target estimate from its report.
func runToAccuracy<Report>(settings: SimulationSettings, target: AccuracyTarget,
                           progress: (@Sendable (AccuracyProgress) -> Void)?,
                           run: (SimulationSettings, (@Sendable (Int, Int) -> Void)?) throws(RiskModelError) -> Report,
                           estimate: (Report) -> (value: Double, standardError: Double)) throws(RiskModelError) -> (Report, AccuracyOutcome) {
    try settings.validate()
    try target.validate()
    let cap = target.maximumPaths, b = settings.batchSize
    var n = AccuracySchedule.pilot(paths: settings.paths, batchSize: b, cap: cap)
    let maximumSteps = AccuracySchedule.maximumSteps(pilot: n, cap: cap)
    var steps: [Int] = []
    var previous: Double? = nil
    while true {
        steps.append(n)
        var s = settings
        s.paths = n
        let step = steps.count, paths = n, last = previous
        let onBatch: (@Sendable (Int, Int) -> Void)? = progress.map { callback in
            { @Sendable done, total in
                callback(AccuracyProgress(step: step, maximumSteps: maximumSteps, paths: paths, completedBatches: done,
                                          totalBatches: total, previousRelativeError: last))
            }
        }
        let report = try run(s, onBatch)
        let e = estimate(report)
        let r = AccuracySchedule.relativeError(e)
        if r <= target.relativeError || n >= cap {
            return (report, AccuracyOutcome(target: target, value: e.value, standardError: e.standardError,
                                            achievedRelativeError: r, steps: steps, capped: r > target.relativeError))
        }
        previous = r
        n = AccuracySchedule.next(after: n, relativeError: r, target: target.relativeError, batchSize: b, cap: cap)
    }
}

/// Plain Monte Carlo until `target.quantity`'s relative standard error is at most
/// `target.relativeError`, or `target.maximumPaths` paths.
///
/// Starts with `settings.paths` (rounded up to whole batches) as a pilot and grows the path count
/// by the projection n·(r/τ)²·1.1, at least doubling, rounded up to whole batches and capped (see
/// `AccuracySchedule`). Each step adds batches to the previous step's
/// (``extendBatches(_:portfolio:structure:settings:retaining:exceedance:progress:)``): the work is
/// the final run's. The schedule depends only on the reports' numbers, and every report is
/// bit-identical for any thread count, so the stopping point and the returned report are too.
///
/// `retaining` and `exceedance` are passed to every run (``LossRetention/tail`` keeps memory
/// O(tail)); an `exceedance:X` quantity adds X to the counted thresholds.
///
/// - Returns: the final run's report (as ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)`` with
///   its path count would give it) and the outcome: the paths of every step, the achieved relative
///   error, whether the cap stopped the run.
/// - Throws: ``RiskModelError`` for invalid settings, target or model.
public func simulateToAccuracy(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                               target: AccuracyTarget, retaining: LossRetention = .all, exceedance: [Double] = [],
                               progress: (@Sendable (AccuracyProgress) -> Void)? = nil) throws(RiskModelError) -> (SimulationReport, AccuracyOutcome) {
    _ = try AccuracyQuantity(parsing: target.quantity.description, structure: structure)
    var thresholds = exceedance
    if let x = target.quantity.exceedanceThreshold, !thresholds.contains(x) { thresholds.append(x) }
    // The batches simulated so far (the previous step's run), extended by each step.
    var done: BatchRangeSummary? = nil
    return try runToAccuracy(settings: settings, target: target, progress: progress,
                             run: { (s, p) throws(RiskModelError) in
                                 let summary = try extendBatches(done, portfolio: portfolio, structure: structure, settings: s,
                                                                 retaining: retaining, exceedance: thresholds, progress: p)
                                 done = summary
                                 return try simulationReport(portfolio: portfolio, structure: structure, settings: s, summary: summary)
                             },
                             estimate: { target.quantity.estimate(in: $0) })
}

/// Importance sampling until `target.quantity`'s relative standard error is at most
/// `target.relativeError`, or `target.maximumPaths` paths — the loop of
/// ``simulateToAccuracy(portfolio:structure:settings:target:retaining:exceedance:progress:)`` around
/// ``simulateImportance(portfolio:structure:settings:target:exceedance:progress:)``. An
/// `exceedance:X` quantity adds X to `exceedance` (so it is estimated, and twisted towards).
public func simulateImportanceToAccuracy(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                                         target: AccuracyTarget, loss: Double? = nil, exceedance: [Double] = [],
                                         progress: (@Sendable (AccuracyProgress) -> Void)? = nil) throws(RiskModelError) -> (ImportanceReport, AccuracyOutcome) {
    _ = try AccuracyQuantity(parsing: target.quantity.description, structure: structure)
    var thresholds = exceedance
    if let x = target.quantity.exceedanceThreshold, !thresholds.contains(x) { thresholds.append(x) }
    // What the previous step drew (the mean-shift optima and its paths), continued by each step.
    var done: ImportanceRunState? = nil
    return try runToAccuracy(settings: settings, target: target, progress: progress,
                             run: { (s, p) throws(RiskModelError) in
                                 let (report, state) = try importanceRun(portfolio: portfolio, structure: structure, settings: s, target: loss,
                                                                         exceedance: thresholds, previous: done, progress: p)
                                 done = state
                                 return report
                             },
                             estimate: { target.quantity.estimate(in: $0) })
}

/// The summary of the whole run `settings` (batches 0..<`settings.batchCount`) from `previous`,
/// the summary of its first batches made with the same model, seed, batch size, retention and
/// `exceedance` but fewer paths: only the batches after `previous`'s are simulated, and their
/// summary is appended (``BatchRangeSummary/append(_:tailSize:)``). The result equals
/// `simulateBatches(0..<settings.batchCount, …)` (each batch draws from its own counter-based
/// streams, so the first batches of a longer run are the shorter run's).
///
/// The one thing `previous` may lack is tail: it kept its own run's K₁ largest losses, and the
/// longer run needs its K₂ ≥ K₁ (``SimulationSettings/tailSize``). The appended tail is exact when
/// the merged K₂-th largest loss is at least the smallest loss `previous` kept (every loss it
/// dropped is then at or below the merged tail's floor, and equal values are interchangeable);
/// otherwise (rare: the earlier batches hold more of the longer run's tail than their share) the
/// whole run is simulated again, so the result is always the whole run's.
///
/// `previous` nil, or not a prefix of whole batches of this run, gives the whole run simulated.
///
/// - Throws: ``RiskModelError`` as ``simulateBatches(_:portfolio:structure:settings:retaining:exceedance:tailSize:statistics:progress:)``.
public func extendBatches(_ previous: BatchRangeSummary?, portfolio: Portfolio, structure: RiskSharingStructure,
                          settings: SimulationSettings, retaining: LossRetention = .all, exceedance: [Double] = [],
                          progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> BatchRangeSummary {
    try settings.validate()
    let all = 0..<settings.batchCount
    func whole() throws(RiskModelError) -> BatchRangeSummary {
        try simulateBatches(all, portfolio: portfolio, structure: structure, settings: settings, retaining: retaining,
                            exceedance: exceedance, progress: progress)
    }
    guard let previous, previous.batches.lowerBound == 0, previous.batches.upperBound < settings.batchCount,
          previous.paths == previous.batches.count * settings.batchSize,
          previous.retainsAllLosses == (retaining == .all), previous.exceedanceThresholds == exceedance else { return try whole() }
    let next = try simulateBatches(previous.batches.upperBound..<settings.batchCount, portfolio: portfolio, structure: structure,
                                   settings: settings, retaining: retaining, exceedance: exceedance, progress: progress)
    let keep = min(settings.tailSize, settings.paths)
    var merged = previous
    merged.append(next, tailSize: keep)
    if !previous.retainsAllLosses && previous.largestLosses.count < previous.paths {
        guard merged.largestLosses.count >= keep, let floor = previous.largestLosses.first,
              let mergedFloor = merged.largestLosses.first, mergedFloor >= floor else { return try whole() }
    }
    return merged
}
