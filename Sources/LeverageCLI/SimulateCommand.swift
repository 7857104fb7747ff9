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
        let manifest = Manifest(command: "simulate", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, parameters: parameters)
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

    /// Manifest parameters of a run with these settings.
    func parameters(_ settings: SimulationSettings) -> [(String, JSONValue)] {
        [("paths", .integer(settings.paths)), ("seed", .integer(Int(truncatingIfNeeded: settings.seed))), ("batch_size", .integer(settings.batchSize))]
    }
}

/// The model's portfolio, or exit code 1 with a message.
func requirePortfolio(_ file: ScenarioFile) throws -> RiskModel {
    guard let risk = file.model.risk else {
        Console.error("\(file.path): the model has no `portfolio` section to simulate (try `leverage run`)")
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
