import ArgumentParser
import Foundation
import Leverage

/// `leverage simulate MODEL`: the Monte Carlo risk-sharing engine on a model's portfolio.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a portfolio's correlated losses and who bears them: tranches, guarantees, holders.",
        discussion: """
            Every figure carries its standard error or confidence interval. The same model and seed give \
            bit-identical results for any --threads.
            """)

    @Argument(help: "A model file with a `portfolio` section, or the name of a bundled model.")
    var model: String

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var sharding: ShardOption
    @OptionGroup var output: OutputOptions

    @Option(help: "plain or importance (Glasserman–Li importance sampling for the far tail; default: the model's `simulation.method`, else plain).")
    var method: SimulationMethod?

    @Option(help: "Importance sampling's target loss, a fraction of the volume (default: the model's `simulation.target`, else the most senior attachment).")
    var target: Double?

    @Option(parsing: .upToNextOption, help: "Losses (fractions of the volume) at which to report P(L/V > x) (default: the model's `simulation.exceedance`).")
    var exceedance: [Double] = []

    @Option(name: .customLong("target-relative-error"), parsing: .unconditional,
            help: "Run to accuracy: add paths until the relative standard error of --for is at most this, in (0, 1), e.g. 0.1 (default: the model's `simulation.target_relative_error`). --paths is the pilot.",
            transform: ArgumentValue.relativeError)
    var targetRelativeError: Double?

    @Option(name: .customLong("for"),
            help: "The estimate to run to accuracy: portfolio, exceedance:X, a tranche, holder or guarantee name, or tranche:NAME, hit:NAME, holder:NAME, guarantee:NAME (default: the model's `simulation.for`).")
    var accuracyFor: String?

    @Option(parsing: .unconditional, help: "The most paths a run to accuracy may use (default: the model's `simulation.max_paths`, else 100000000).",
            transform: ArgumentValue.paths)
    var maxPaths: Int?

    func validate() throws {
        try sharding.validate(output: output)
        if sharding.shard != nil && (targetRelativeError != nil || accuracyFor != nil || maxPaths != nil) {
            throw ValidationError("--target-relative-error cannot be sharded: the path count is decided as the run goes (run it on one node)")
        }
        if let target, !(target > 0 && target < 1) { throw ValidationError("--target must be a loss fraction in (0, 1), e.g. 0.15") }
        if let x = exceedance.first(where: { !($0 >= 0 && $0 < 1) }) { throw ValidationError("--exceedance \(x): thresholds are loss fractions in [0, 1)") }
    }

    func run() throws { try execute(.local) }

    /// The command's arguments for `merge` to rebuild its tables (sharding, output and threads left out).
    func replayArguments(_ settings: SimulationSettings) -> [String] {
        ["simulate", model] + simulation.replayArguments(settings)
    }

    /// The run-to-accuracy request: the command line over the model's `simulation` section;
    /// nil when neither asks for one. Exit 64 naming the option for a bad `--for`.
    func accuracyTarget(_ risk: RiskModel) throws -> AccuracyTarget? {
        let relative = targetRelativeError ?? risk.accuracy?.relativeError
        guard let relative else {
            if accuracyFor != nil || maxPaths != nil {
                throw usageError("--for and --max-paths go with --target-relative-error (or the model's simulation.target_relative_error)")
            }
            return nil
        }
        let quantity: AccuracyQuantity
        if let accuracyFor {
            do { quantity = try AccuracyQuantity(parsing: accuracyFor, structure: risk.structure) } catch {
                if case let .invalidInput(_, reason) = error { throw usageError("--for \(reason)") }
                throw usageError("--for: \(error)")
            }
        } else if let q = risk.accuracy?.quantity {
            quantity = q
        } else {
            throw usageError("--target-relative-error needs --for (the estimate: portfolio, exceedance:X, or a tranche, holder or guarantee name)")
        }
        return AccuracyTarget(relativeError: relative, quantity: quantity,
                              maximumPaths: maxPaths ?? risk.accuracy?.maximumPaths ?? AccuracyTarget.defaultMaximumPaths)
    }

    /// The options that repeat a run to accuracy (the pilot's paths are in the simulation options).
    static func accuracyArguments(_ target: AccuracyTarget?) -> [String] {
        guard let target else { return [] }
        return ["--target-relative-error", "\(target.relativeError)", "--for", target.quantity.description, "--max-paths", "\(target.maximumPaths)"]
    }

    /// Manifest parameters and a table note for a run to accuracy.
    static func accuracyRecord(_ outcome: AccuracyOutcome) -> (parameters: [(String, JSONValue)], note: String) {
        let t = outcome.target
        let parameters: [(String, JSONValue)] = [("run_to_accuracy", .object([
            ("target_relative_error", .number(t.relativeError)), ("for", .string(t.quantity.description)),
            ("max_paths", .integer(t.maximumPaths)), ("achieved_relative_error", outcome.achievedRelativeError.isFinite ? .number(outcome.achievedRelativeError) : .null),
            ("estimate", .number(outcome.value)), ("standard_error", .number(outcome.standardError)),
            ("paths", .integer(outcome.paths)), ("steps", .array(outcome.steps.map(JSONValue.integer))), ("capped", .bool(outcome.capped)),
        ]))]
        let achieved = outcome.achievedRelativeError.isFinite ? String(format: "%.2f %%", 100 * outcome.achievedRelativeError) : "∞ (estimate 0: no hit)"
        let ending = outcome.capped
            ? "STOPPED BY THE CAP of \(t.maximumPaths) paths before the target was met"
            : "target met"
        let note = "Run to accuracy for \(t.quantity.meaning) (--for \(t.quantity.description)): target relative standard error \(String(format: "%g %%", 100 * t.relativeError)), achieved \(achieved) (estimate \(String(format: "%.6g", outcome.value)) ± \(String(format: "%.3g", outcome.standardError))) with \(outcome.paths) paths; \(ending). Path counts run: \(outcome.steps.map(String.init).joined(separator: ", ")) (pilot first; each next count projected from the standard error, at least doubling, in whole batches; the same model and seed stop at the same count for any thread count)."
        return (parameters, note)
    }

    /// Runs the command with its simulation from `source` (here, or merged parts).
    func execute(_ source: SimulationSource) throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        try source.verify(file)
        let risk = try requirePortfolio(file)
        let settings = simulation.settings(risk)
        try simulation.resources.admit(risk.portfolio.resourceEstimate(structure: risk.structure, settings: settings, threads: simulation.workers, retaining: .tail),
                                       what: "simulate with \(settings.paths) paths", quiet: output.quiet)
        if let shard = sharding.shard, let folder = output.output {
            try writeShard(shard, command: "simulate", arguments: replayArguments(settings), file: file, settings: settings,
                           scenarios: [("baseline", risk.portfolio, risk.structure)], folder: folder, quiet: output.quiet,
                           retaining: .tail, exceedance: exceedance.isEmpty ? risk.exceedance : exceedance)
            return
        }
        let progress = Progress(label: "simulate", enabled: !output.quiet)
        let start = Date()
        let report: SimulationReport
        var onBatch: (@Sendable (Int, Int) -> Void)?
        if progress.enabled {
            onBatch = { @Sendable done, total in progress.update(done, total) }
        }
        var thresholds = exceedance.isEmpty ? risk.exceedance : exceedance
        let accuracy = try accuracyTarget(risk)
        if let x = accuracy?.quantity.exceedanceThreshold, !thresholds.contains(x) { thresholds.append(x) }
        var onStep: (@Sendable (AccuracyProgress) -> Void)?
        if progress.enabled {
            onStep = { @Sendable p in progress.update(p.completedBatches, p.totalBatches, prefix: "step \(p.step) of ≤ \(p.maximumSteps), \(p.paths) paths\(p.previousRelativeError.map { String(format: " (relative SE so far %.3g)", $0) } ?? "")") }
        }
        let accuracyArguments = Simulate.accuracyArguments(accuracy)
        if (method ?? risk.method) == .importance {
            let weighted: ImportanceReport
            var outcome: AccuracyOutcome? = nil
            do {
                if let accuracy {
                    (weighted, outcome) = try simulateImportanceToAccuracy(portfolio: risk.portfolio, structure: risk.structure, settings: settings, target: accuracy,
                                                                           loss: target ?? risk.target, exceedance: thresholds, progress: onStep)
                } else {
                    weighted = try simulateImportance(portfolio: risk.portfolio, structure: risk.structure, settings: settings,
                                                      target: target ?? risk.target, exceedance: thresholds, progress: onBatch)
                }
            } catch {
                progress.finish()
                Console.error("\(file.path): \(error)")
                throw ExitCode(1)
            }
            progress.finish()
            var parameters = simulation.parameters(settings) + [("method", .string("importance")), ("target", .number(weighted.target))]
            var tables = ImportanceTables.tables(for: weighted, unit: file.model.unit)
            if let outcome {
                let record = Simulate.accuracyRecord(outcome)
                parameters += record.parameters
                tables[0].notes.insert(record.note, at: 0)
            }
            var arguments = [model] + simulation.arguments(settings) + ["--method", "importance", "--target", "\(weighted.target)"]
            if !thresholds.isEmpty { arguments += ["--exceedance"] + thresholds.map { "\($0)" } }
            let manifest = Manifest(command: "simulate", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, parameters: parameters,
                                    arguments: arguments + accuracyArguments)
            try output.emit(tables, manifest: manifest)
            return
        }
        var outcome: AccuracyOutcome? = nil
        do {
            // Only the tail of the losses is kept: memory O(tail), not O(paths) (README, "Memory").
            if let accuracy {
                (report, outcome) = try simulateToAccuracy(portfolio: risk.portfolio, structure: risk.structure, settings: settings, target: accuracy,
                                                           retaining: .tail, exceedance: thresholds, progress: onStep)
            } else {
                report = try source.report("baseline", file: file, portfolio: risk.portfolio, structure: risk.structure, settings: settings,
                                           retaining: .tail, exceedance: thresholds, progress: onBatch)
            }
        } catch let error as RiskModelError {
            progress.finish()
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        var tables = SimulationTables.tables(for: report, model: risk, unit: file.model.unit)
        if !thresholds.isEmpty { tables.insert(ImportanceTables.exceedance(report, thresholds: thresholds), at: 1) }
        if let spec = risk.lifetime {
            tables += LifetimeTables.tables(for: try runLifetime(file, risk: risk, spec: spec, settings: settings, quiet: output.quiet), unit: file.model.unit)
        }
        var parameters = simulation.parameters(settings) + [("obligor_draws", .integer(report.obligorDraws))]
        if let outcome {
            let record = Simulate.accuracyRecord(outcome)
            parameters += record.parameters
            tables[0].notes.insert(record.note, at: 0)
        }
        if case let .nearestCorrelation(iterations, distance, _) = report.dependence.factorization {
            parameters.append(("correlation_repair", .object([("matrix", .string(report.dependence.matrixName)),
                                                               ("iterations", .integer(iterations)), ("frobenius_distance", .number(distance))])))
            if !output.quiet {
                Console.status("warning: \(report.dependence.matrixName) is not positive definite; repaired to the nearest correlation matrix (Frobenius distance \(distance), \(iterations) iterations) as the model asks")
            }
        }
        let manifest = Manifest(command: "simulate", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, parameters: parameters,
                                arguments: [model] + simulation.arguments(settings) + (risk.method == .plain ? [] : ["--method", "plain"])
                                    + (exceedance.isEmpty ? [] : ["--exceedance"] + exceedance.map { "\($0)" }) + accuracyArguments)
        try output.emit(tables, manifest: manifest)
        if !output.quiet && Progress.stderrIsTerminal {
            Console.status(String(format: "%d paths in %.2f s (%.3g obligor-draws/s)", report.paths, seconds, Double(report.obligorDraws) / max(seconds, 1e-9)))
        }
    }
}

extension SimulationMethod: ExpressibleByArgument {}

/// Monte Carlo controls shared by `simulate`, `sweep` and `solve`.
struct SimulationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Monte Carlo paths (default: the model's `simulation.paths`, else 100000).",
            transform: ArgumentValue.paths)
    var paths: Int?

    @Option(parsing: .unconditional, help: "Seed of the random streams (default: the model's `simulation.seed`, else 1).",
            transform: ArgumentValue.seed)
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.",
            transform: ArgumentValue.threads)
    var threads: Int?

    @Option(parsing: .unconditional, help: "VaR/expected-shortfall levels, comma-separated, ascending, each in (0, 1), e.g. 0.99,0.999,0.9999 (default: the model's `simulation.quantile_levels`, else 0.95,0.99,0.995,0.999).",
            transform: ArgumentValue.levels)
    var quantileLevels: [Double]?

    @Option(parsing: .unconditional, help: "Coverage of the confidence intervals, in (0, 1) (default: the model's `simulation.confidence`, else 0.95).",
            transform: ArgumentValue.confidence)
    var confidence: Double?

    @Option(parsing: .unconditional, help: "Edges of the loss-distribution buckets, fractions of the volume, comma-separated, ascending, at least two, e.g. 0,0.05,0.1,1 (default: the model's `simulation.histogram_edges`, else 20 equal buckets up to the largest loss).",
            transform: ArgumentValue.edges)
    var histogramEdges: [Double]?

    @OptionGroup var resources: ResourceOptions

    /// The worker count the engine will use.
    var workers: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The engine settings: command line first, then the model's `simulation` section.
    func settings(_ risk: RiskModel) -> SimulationSettings {
        var s = risk.settings(paths: paths, seed: seed, threads: threads)
        if let quantileLevels { s.quantileLevels = quantileLevels }
        if let confidence { s.confidence = confidence }
        if let histogramEdges { s.histogramEdges = histogramEdges }
        return s
    }

    /// The options that fix these settings, for `merge` to replay a sharded run's command.
    func replayArguments(_ settings: SimulationSettings) -> [String] { arguments(settings) }

    /// The options that repeat a run with these settings: paths and seed always explicit (threads do
    /// not change results); quantile levels, confidence and histogram edges when not the engine's defaults.
    func arguments(_ settings: SimulationSettings) -> [String] {
        var a = ["--paths", "\(settings.paths)", "--seed", "\(settings.seed)"]
        let defaults = SimulationSettings(paths: 1, seed: 0)
        if settings.quantileLevels != defaults.quantileLevels { a += ["--quantile-levels", settings.quantileLevels.map { "\($0)" }.joined(separator: ",")] }
        if settings.confidence != defaults.confidence { a += ["--confidence", "\(settings.confidence)"] }
        if let e = settings.histogramEdges { a += ["--histogram-edges", e.map { "\($0)" }.joined(separator: ",")] }
        return a
    }

    /// Manifest parameters of a run with these settings.
    func parameters(_ settings: SimulationSettings) -> [(String, JSONValue)] {
        var p: [(String, JSONValue)] = [("paths", .integer(settings.paths)), ("seed", .integer(Int(truncatingIfNeeded: settings.seed))), ("batch_size", .integer(settings.batchSize))]
        let defaults = SimulationSettings(paths: 1, seed: 0)
        if settings.quantileLevels != defaults.quantileLevels { p.append(("quantile_levels", .array(settings.quantileLevels.map(JSONValue.number)))) }
        if settings.confidence != defaults.confidence { p.append(("confidence", .number(settings.confidence))) }
        if let e = settings.histogramEdges { p.append(("histogram_edges", .array(e.map(JSONValue.number)))) }
        return p
    }
}

extension ArgumentValue {
    /// A comma-separated list of numbers (fractions, or percentages with `%`), ascending and distinct.
    static func ascendingList(_ text: String, what: String, minimumCount: Int, check: (Double) -> String?) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var xs: [Double] = []
        for part in parts {
            var t = part, scale = 1.0
            if t.hasSuffix("%") { t = String(t.dropLast()).trimmingCharacters(in: .whitespaces); scale = 0.01 }
            let x: Double
            do { x = try finite(t) * scale } catch let problem as ArgumentProblem { throw ArgumentProblem("'\(part)': \(problem.description); give \(what) separated by commas") }
            if let problem = check(x) { throw ArgumentProblem("'\(part)': \(problem)") }
            if let last = xs.last, x <= last { throw ArgumentProblem("\(what) must be ascending and distinct ('\(part)' follows \(last))") }
            xs.append(x)
        }
        guard xs.count >= minimumCount else { throw ArgumentProblem("give at least \(minimumCount) \(what), separated by commas") }
        return xs
    }

    /// Quantile levels: `0.99,0.999` or `99%,99.9%`, each in (0, 1).
    static func levels(_ text: String) throws -> [Double] {
        try ascendingList(text, what: "quantile levels", minimumCount: 1) { $0 > 0 && $0 < 1 ? nil : "a quantile level must be in (0, 1), e.g. 0.999" }
    }

    /// Histogram edges: fractions of the volume in [0, 1], at least two.
    static func edges(_ text: String) throws -> [Double] {
        try ascendingList(text, what: "histogram edges", minimumCount: 2) { $0 >= 0 && $0 <= 1 ? nil : "a histogram edge is a loss fraction in [0, 1]" }
    }

    /// A confidence level in (0, 1).
    static func confidence(_ text: String) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces), scale = 1.0
        if t.hasSuffix("%") { t = String(t.dropLast()).trimmingCharacters(in: .whitespaces); scale = 0.01 }
        let x = try finite(t) * scale
        guard x > 0 && x < 1 else { throw ArgumentProblem("\(text) is not in (0, 1): a confidence level, e.g. 0.95 or 95%") }
        return x
    }

    /// A target relative standard error in (0, 1).
    static func relativeError(_ text: String) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces), scale = 1.0
        if t.hasSuffix("%") { t = String(t.dropLast()).trimmingCharacters(in: .whitespaces); scale = 0.01 }
        let x = try finite(t) * scale
        guard x > 0 && x < 1 else { throw ArgumentProblem("\(text) is not in (0, 1): a relative standard error, e.g. 0.1 (10 %)") }
        return x
    }
}

/// The model's portfolio, or exit code 1 with a message.
func requirePortfolio(_ file: ScenarioFile, to verb: String = "simulate") throws -> RiskModel {
    guard let risk = file.model.risk else {
        Console.error("\(file.path): the model has no `portfolio` section to \(verb) (it is an accounting model: try `leverage run \(file.path.hasPrefix("embedded:") ? String(file.path.dropFirst(9)) : file.path)`)")
        throw ExitCode(1)
    }
    return risk
}

/// A one-line progress indicator on stderr with an estimate of the time left, shown only when
/// stderr is a terminal (and not with --quiet).
final class Progress: @unchecked Sendable {
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    let label: String
    let unit: String
    let enabled: Bool
    private let start = Date()
    private var lastPercent = -1
    private var lastShown = Date.distantPast

    init(label: String, unit: String = "batches", enabled: Bool) {
        self.label = label
        self.unit = unit
        self.enabled = enabled && Progress.stderrIsTerminal
    }

    /// Called by the engine or the solver, never concurrently.
    func update(_ done: Int, _ total: Int, prefix: String? = nil) {
        guard enabled else { return }
        let percent = total > 0 ? 100 * done / total : 100
        let now = Date()
        guard percent != lastPercent || now.timeIntervalSince(lastShown) >= 1 else { return }
        lastPercent = percent
        lastShown = now
        let elapsed = now.timeIntervalSince(start)
        var line = "\r\u{1B}[K\(label): \(prefix.map { "\($0): " } ?? "")\(percent) % (\(done)/\(total) \(unit))"
        if done > 0, done < total, elapsed >= 0.5 {
            line += ", about \(Progress.duration(elapsed / Double(done) * Double(total - done))) left"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `8 s`, `2 min 05 s`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s < 60 ? "\(s) s" : String(format: "%d min %02d s", s / 60, s % 60)
    }

    func finish() {
        if enabled && lastPercent >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
