import ArgumentParser
import Foundation
import Leverage

/// `leverage`: argument parsing and wiring only; the modelling lives in the library.
///
/// Exit codes: 0 success; 1 a model or data problem (located diagnostics on stderr), or a failed
/// write; 64 a command-line problem (ArgumentParser's usage error).
@main
struct LeverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leverage",
        abstract: "Public–private co-investment and leverage for Europe's AI financing.",
        discussion: """
            With no arguments, runs the embedded InvestAI baseline and prints its tables. \
            Models are YAML files (see Models/); bundled models can be named without a path (`leverage run efsi`).
            """,
        version: Manifest.toolVersion,
        subcommands: [Run.self, Simulate.self, Sweep.self, Solve.self, Stress.self, Merge.self, Slurm.self, Validate.self, Models.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by every command that produces tables.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: ArgumentHelp("Write one file per table, manifest.json, report.html (tables and charts) and tables.xlsx into this folder, atomically.", valueName: "DIR"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress or status messages on stderr.")
    var quiet = false

    /// Renders to stdout, or writes the result folder (tables in the format, manifest.json,
    /// report.html, tables.xlsx); reports on stderr unless quiet.
    func emit(_ tables: [Table], manifest: Manifest) throws {
        if let output {
            do {
                let files = try ResultFolder.write(tables, manifest: manifest, format: format, to: output)
                if !quiet { Console.status("wrote \(files.count) files to \(output)") }
            } catch {
                Console.error("\(error)")
                throw ExitCode(1)
            }
        } else {
            Console.out(Renderer.render(tables, manifest: manifest, format: format))
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("error: " + text + "\n").utf8))
    }
    static func status(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
    /// Prints a scenario's diagnostics (each with its source line and caret) and fails with exit code 1.
    static func fail(_ error: ScenarioError) -> ExitCode {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        return ExitCode(1)
    }
}

/// Loads a model file (or bundled model), turning diagnostics into exit code 1.
func loadModel(_ path: String) throws -> ScenarioFile {
    do { return try ScenarioLoader.load(path) } catch { throw Console.fail(error) }
}
