import ArgumentParser
import Foundation
import Leverage

/// `leverage`: argument parsing and wiring only; the modelling lives in the library.
///
/// Exit codes: 0 success; 1 a model or data problem (located diagnostics on stderr), or a failed
/// write; 64 a command-line problem (ArgumentParser's usage error, an unknown command, a value
/// the model does not have, a run refused as too large). A failed run prints nothing on stdout.
@main
struct LeverageCommand: ParsableCommand {
    /// Checks the command name first (see ``CommandCheck``), then lets ArgumentParser parse and run.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let commands = configuration.subcommands.map { $0._commandName }
        if let problem = CommandCheck.problem(arguments, commands: commands) {
            Console.error(problem)
            Foundation.exit(64)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help, version and completion scripts (exit 0) as ArgumentParser prints them; errors
            // through Console, so that a control character in an echoed value stays escaped.
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            Console.status(fullMessage(for: error))
            Foundation.exit(code.rawValue)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "leverage",
        abstract: "Public–private co-investment and leverage for Europe's AI financing.",
        discussion: """
            With no arguments, runs the embedded InvestAI baseline and prints its tables. \
            Models are YAML files (see Models/); bundled models can be named without a path (`leverage run efsi`).
            """,
        version: Manifest.toolVersion,
        subcommands: [Run.self, Simulate.self, Sweep.self, Solve.self, Sensitivity.self, Stress.self, Compare.self, Merge.self, Slurm.self, Validate.self, Models.self, Show.self, Rerun.self],
        defaultSubcommand: Run.self
    )

}

/// Options shared by every command that produces tables.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: ArgumentHelp("Write every table as CSV and JSON (and as text or Markdown with that --format), manifest.json, report.html (tables and charts) and tables.xlsx into this folder, atomically.", valueName: "DIR"))
    var output: String?

    @Flag(help: ArgumentHelp("With --output: if the folder exists and is not a result folder leverage wrote (it holds other files), move it aside to DIR.replaced-<time> instead of refusing. Nothing is ever deleted."))
    var force = false

    @Option(help: ArgumentHelp("Only this table (its name as in the CSV file names). Required for --format csv on stdout when a command has several tables.", valueName: "NAME"))
    var table: String?

    @Flag(help: "Show every column in terminal tables, however wide (by default tables fit $COLUMNS, else the terminal's width, else 80 characters, and secondary columns are left out).")
    var wide = false

    @Flag(name: .shortAndLong, help: "No progress or status messages on stderr.")
    var quiet = false

    @Flag(name: .customLong("allow-data-outside-model-folder"),
          help: "Let the model read data files (exposures_csv) outside its own folder.")
    var allowDataOutsideModelFolder = false

    func validate() throws {
        if let output, output.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--output needs a folder name (it was empty)")
        }
    }

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
                let written = try ResultFolder.write(tables, manifest: manifest, format: format, to: output,
                                                     policy: force ? .moveAside : .refuse)
                if let aside = written.movedAside { Console.status("moved the existing folder aside to \(aside)") }
                if !quiet { Console.status("wrote \(written.files.count) files to \(output)") }
            } catch {
                Console.error("\(error)")
                throw ExitCode(1)
            }
        } else {
            if format == .csv && tables.count > 1 {
                throw ValidationError("--format csv writes one table; choose one with --table NAME (\(tables.map(\.name).joined(separator: ", "))), or write them all with --output DIR")
            }
            try Console.out(Renderer.render(tables, manifest: manifest, format: format, width: wide ? nil : Self.terminalWidth, wide: wide))
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// The only place the CLI writes. Everything written to stderr may quote a model file (names,
/// source lines) or the command line, so its control characters are shown escaped
/// (``SafeText/terminalLines(_:)``): no ESC sequence from a file reaches the terminal.
enum Console {
    /// Writes the result to stdout; a failed write (a full disk, a closed pipe) is exit code 1.
    static func out(_ text: String) throws {
        do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch {
            Console.error("cannot write to standard output: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
    /// The longest line printed on stderr: a message quoting a huge value is cut.
    static let maximumLineLength = 2000
    /// The most diagnostics printed for one file; the rest are counted.
    static let maximumDiagnostics = 100

    static func error(_ text: String) {
        writeError("error: " + SafeText.terminalLines(text, maximumLineLength: maximumLineLength) + "\n")
    }
    static func status(_ text: String) {
        writeError(SafeText.terminalLines(text, maximumLineLength: maximumLineLength) + "\n")
    }
    /// Prints a scenario's diagnostics (each with its source line and caret; the first
    /// ``maximumDiagnostics``, then how many more) and fails with exit code 1.
    static func fail(_ error: ScenarioError) -> ExitCode {
        let shown = error.diagnostics.count > maximumDiagnostics ? ScenarioError(Array(error.diagnostics.prefix(maximumDiagnostics))) : error
        var text = shown.description
        if error.diagnostics.count > maximumDiagnostics {
            text += "\n… and \(error.diagnostics.count - maximumDiagnostics) more problems (the first \(maximumDiagnostics) are shown)"
        }
        writeError(SafeText.terminalLines(text, maximumLineLength: maximumLineLength) + "\n")
        return ExitCode(1)
    }
    /// stderr is best effort: a closed stderr must not turn into a crash.
    private static func writeError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}

/// Loads a model file (or bundled model), turning diagnostics into exit code 1.
func loadModel(_ path: String, dataFilesAnywhere: Bool = false) throws -> ScenarioFile {
    do { return try ScenarioLoader.load(path, dataFilesAnywhere: dataFilesAnywhere) } catch { throw Console.fail(error) }
}
