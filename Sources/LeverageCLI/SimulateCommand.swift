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

    func validate() throws {
        try sharding.validate(output: output)
        if let target, !(target > 0 && target < 1) { throw ValidationError("--target must be a loss fraction in (0, 1), e.g. 0.15") }
        if let x = exceedance.first(where: { !($0 >= 0 && $0 < 1) }) { throw ValidationError("--exceedance \(x): thresholds are loss fractions in [0, 1)") }
    }

    func run() throws { try execute(.local) }

    /// The command's arguments for `merge` to rebuild its tables (sharding, output and threads left out).
    func replayArguments(_ settings: SimulationSettings) -> [String] {
        ["simulate", model] + simulation.replayArguments(settings)
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
        let thresholds = exceedance.isEmpty ? risk.exceedance : exceedance
        if (method ?? risk.method) == .importance {
            let weighted: ImportanceReport
            do {
                weighted = try simulateImportance(portfolio: risk.portfolio, structure: risk.structure, settings: settings,
                                                  target: target ?? risk.target, exceedance: thresholds, progress: onBatch)
            } catch {
                progress.finish()
                Console.error("\(file.path): \(error)")
                throw ExitCode(1)
            }
            progress.finish()
            let parameters = simulation.parameters(settings) + [("method", .string("importance")), ("target", .number(weighted.target))]
            let manifest = Manifest(command: "simulate", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, parameters: parameters)
            try output.emit(ImportanceTables.tables(for: weighted, unit: file.model.unit), manifest: manifest)
            return
        }
        do {
            // Only the tail of the losses is kept: memory O(tail), not O(paths) (README, "Memory").
            report = try source.report("baseline", file: file, portfolio: risk.portfolio, structure: risk.structure, settings: settings,
                                       retaining: .tail, exceedance: thresholds, progress: onBatch)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        var tables = SimulationTables.tables(for: report, model: risk, unit: file.model.unit)
        if !thresholds.isEmpty { tables.insert(ImportanceTables.exceedance(report, thresholds: thresholds), at: 1) }
        var parameters = simulation.parameters(settings) + [("obligor_draws", .integer(report.obligorDraws))]
        if case let .nearestCorrelation(iterations, distance, _) = report.dependence.factorization {
            parameters.append(("correlation_repair", .object([("matrix", .string(report.dependence.matrixName)),
                                                               ("iterations", .integer(iterations)), ("frobenius_distance", .number(distance))])))
            if !output.quiet {
                Console.status("warning: \(report.dependence.matrixName) is not positive definite; repaired to the nearest correlation matrix (Frobenius distance \(distance), \(iterations) iterations) as the model asks")
            }
        }
        let manifest = Manifest(command: "simulate", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, parameters: parameters,
                                arguments: [model] + simulation.arguments(settings))
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

    @OptionGroup var resources: ResourceOptions

    /// The worker count the engine will use.
    var workers: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The engine settings: command line first, then the model's `simulation` section.
    func settings(_ risk: RiskModel) -> SimulationSettings {
        SimulationSettings(paths: paths ?? risk.paths, seed: seed ?? risk.seed, batchSize: risk.batchSize, threads: threads)
    }

    /// The options that fix these settings, for `merge` to replay a sharded run's command.
    func replayArguments(_ settings: SimulationSettings) -> [String] { arguments(settings) }

    /// The options that repeat a run with these settings: paths and seed always explicit (threads do not change results).
    func arguments(_ settings: SimulationSettings) -> [String] {
        ["--paths", "\(settings.paths)", "--seed", "\(settings.seed)"]
    }

    /// Manifest parameters of a run with these settings.
    func parameters(_ settings: SimulationSettings) -> [(String, JSONValue)] {
        [("paths", .integer(settings.paths)), ("seed", .integer(Int(truncatingIfNeeded: settings.seed))), ("batch_size", .integer(settings.batchSize))]
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
    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let percent = total > 0 ? 100 * done / total : 100
        let now = Date()
        guard percent != lastPercent || now.timeIntervalSince(lastShown) >= 1 else { return }
        lastPercent = percent
        lastShown = now
        let elapsed = now.timeIntervalSince(start)
        var line = "\r\u{1B}[K\(label): \(percent) % (\(done)/\(total) \(unit))"
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
