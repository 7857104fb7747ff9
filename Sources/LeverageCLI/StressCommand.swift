import ArgumentParser
import Foundation
import Leverage

/// `leverage stress MODEL`: the gigafactory project-finance stress test.
struct Stress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stress a gigafactory's project cash flows: scenarios, Monte Carlo under correlated shocks, reverse stress.",
        discussion: """
            Needs a model with a `project` section (e.g. the bundled `gigafactory`). Every scenario runs \
            deterministically and as Monte Carlo with the same seed (common random numbers); the same \
            model and seed give bit-identical results for any --threads.
            """)

    @Argument(help: "A model file with a `project` section, or the name of a bundled model.")
    var model: String

    @Option(name: .customLong("scenario"), help: ArgumentHelp("A stress scenario to run (repeatable; default: all). The baseline always runs.", valueName: "NAME"))
    var scenarios: [String] = []

    @Option(parsing: .unconditional, help: "Monte Carlo paths per scenario.", transform: ArgumentValue.paths)
    var paths: Int = 10_000

    @Option(name: .customLong("range-paths"), parsing: .unconditional,
            help: ArgumentHelp("Monte Carlo paths of each run over the EST inputs' ranges (the model's `ranges`; 0 skips the study).", valueName: "N"),
            transform: { try ArgumentValue.whole($0, 0...ArgumentValue.maximumPaths, what: "the number of range paths") })
    var rangePaths: Int = 2_000

    @Option(parsing: .unconditional, help: "Seed of the random streams.", transform: ArgumentValue.seed)
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.",
            transform: ArgumentValue.threads)
    var threads: Int?

    @OptionGroup var resources: ResourceOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let empty = scenarios.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--scenario needs a scenario name (it was '\(empty)')")
        }
    }

    func run() throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        guard let stress = file.model.stress else {
            Console.error("\(file.path): the model has no `project` section to stress (try `leverage run`)")
            throw ExitCode(1)
        }
        let known = stress.allScenarios.map(\.id)
        if let unknown = scenarios.first(where: { !known.contains($0) }) {
            throw usageError("--scenario '\(unknown)': \(file.path) has no such stress scenario; it has: \(known.joined(separator: ", "))")
        }
        let chosen = scenarios.isEmpty ? stress.allScenarios : stress.allScenarios.filter { $0.id == "baseline" || scenarios.contains($0.id) }
        let studyPaths = min(rangePaths, paths), rangeRuns = stress.rangeRuns(rangePaths: studyPaths)
        try resources.admit(stress.resourceEstimate(scenarios: chosen, paths: paths, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                    rangePaths: studyPaths),
                            what: "stress with \(chosen.count) scenarios × \(paths) paths" + (rangeRuns > 0 ? " and \(rangeRuns) range runs × \(studyPaths) paths" : ""),
                            quiet: output.quiet)
        let showProgress = !output.quiet && Progress.stderrIsTerminal
        let start = Date()
        let report: StressReport
        do {
            report = try StressTest.run(stress, scenarioIDs: scenarios, paths: paths, seed: seed, threads: threads,
                                        rangePaths: min(rangePaths, paths)) { k, n, id in
                if showProgress { Console.status("[\(k + 1)/\(n)] \(id)") }
            }
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        let seconds = Date().timeIntervalSince(start)
        let manifest = Manifest(command: "stress", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name,
                                parameters: [("paths", .integer(paths)), ("seed", .integer(Int(truncatingIfNeeded: seed))),
                                             ("range_paths", .integer(min(rangePaths, paths))),
                                             ("scenarios", .array(report.scenarios.map { .string($0.scenario.id) })),
                                             ("reverse_tolerance", .number(1e-6))],
                                arguments: [model] + scenarios.flatMap { ["--scenario", $0] } + ["--paths", "\(paths)", "--range-paths", "\(rangePaths)", "--seed", "\(seed)"])
        try output.emit(StressTables.tables(for: report), manifest: manifest)
        if showProgress { Console.status(String(format: "%d scenarios × %d paths in %.2f s", report.scenarios.count, paths, seconds)) }
    }
}
