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
    @OptionGroup var output: OutputOptions

    func run() throws {
        let file = try loadModel(model)
        let risk = try requirePortfolio(file)
        let settings = simulation.settings(risk)
        let progress = Progress(label: "simulate", enabled: !output.quiet)
        let start = Date()
        let report: SimulationReport
        var onBatch: (@Sendable (Int, Int) -> Void)?
        if progress.enabled {
            onBatch = { @Sendable done, total in progress.update(done, total) }
        }
        do {
            report = try simulate(portfolio: risk.portfolio, structure: risk.structure, settings: settings, progress: onBatch)
        } catch {
            progress.finish()
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let tables = SimulationTables.tables(for: report, model: risk, unit: file.model.unit)
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

/// Monte Carlo controls shared by `simulate`, `sweep` and `solve`.
struct SimulationOptions: ParsableArguments {
    @Option(help: "Monte Carlo paths (default: the model's `simulation.paths`, else 100000).")
    var paths: Int?

    @Option(help: "Seed of the random streams (default: the model's `simulation.seed`, else 1).")
    var seed: UInt64?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let paths, paths < 1 { throw ValidationError("--paths must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The engine settings: command line first, then the model's `simulation` section.
    func settings(_ risk: RiskModel) -> SimulationSettings {
        SimulationSettings(paths: paths ?? risk.paths, seed: seed ?? risk.seed, batchSize: risk.batchSize, threads: threads)
    }

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

/// A one-line progress indicator on stderr, shown only when stderr is a terminal.
final class Progress: @unchecked Sendable {
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    let label: String
    let unit: String
    let enabled: Bool
    private var lastPercent = -1

    init(label: String, unit: String = "batches", enabled: Bool) {
        self.label = label
        self.unit = unit
        self.enabled = enabled && Progress.stderrIsTerminal
    }

    /// Called by the engine, never concurrently.
    func update(_ done: Int, _ total: Int) {
        let percent = total > 0 ? 100 * done / total : 100
        guard percent != lastPercent else { return }
        lastPercent = percent
        FileHandle.standardError.write(Data("\r\(label): \(percent) % (\(done)/\(total) \(unit))".utf8))
    }

    func finish() {
        if enabled && lastPercent >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
