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
        subcommands: [Run.self, Simulate.self, Sweep.self, Solve.self, Stress.self, Validate.self, Models.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by every command that produces tables.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: ArgumentHelp("Write every table as CSV and JSON (and as text or Markdown with that --format), manifest.json, report.html (tables and charts) and tables.xlsx into this folder, atomically.", valueName: "DIR"))
    var output: String?

    @Option(help: ArgumentHelp("Only this table (its name as in the CSV file names). Required for --format csv on stdout when a command has several tables.", valueName: "NAME"))
    var table: String?

    @Flag(help: "Show every column in terminal tables, however wide (by default tables fit $COLUMNS, else the terminal's width, else 80 characters, and secondary columns are left out).")
    var wide = false

    @Flag(name: .shortAndLong, help: "No progress or status messages on stderr.")
    var quiet = false

    /// The width terminal tables fit: `COLUMNS` when it is a positive number, else the width of
    /// the terminal stdout writes to, else 80 (a file or a pipe).
    static var terminalWidth: Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(text), n > 0 { return n }
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// Renders to stdout, or writes the result folder (tables as CSV and JSON, manifest.json,
    /// report.html, tables.xlsx); reports on stderr unless quiet.
    func emit(_ tables: [Table], manifest: Manifest) throws {
        var tables = tables
        if let table {
            guard let chosen = tables.first(where: { $0.name == table }) else {
                throw ValidationError("--table \(table): no such table; this command writes \(tables.map(\.name).joined(separator: ", "))")
            }
            tables = [chosen]
        }
        if let output {
            do {
                let files = try ResultFolder.write(tables, manifest: manifest, format: format, to: output)
                if !quiet { Console.status("wrote \(files.count) files to \(output)") }
            } catch {
                Console.error("\(error)")
                throw ExitCode(1)
            }
        } else {
            if format == .csv && tables.count > 1 {
                throw ValidationError("--format csv writes one table; choose one with --table NAME (\(tables.map(\.name).joined(separator: ", "))), or write them all with --output DIR")
            }
            Console.out(Renderer.render(tables, manifest: manifest, format: format, width: wide ? nil : Self.terminalWidth, wide: wide))
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
