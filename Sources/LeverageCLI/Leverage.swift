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
        subcommands: [Run.self, Simulate.self, Sweep.self, Solve.self, Stress.self, Validate.self, Models.self, Show.self, Rerun.self],
        defaultSubcommand: Run.self
    )

    /// Catches a mistyped command before `run` (the default command) would take it for a model:
    /// `leverage simulte …` answers "did you mean 'simulate'?" with exit code 64.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let message = unknownCommandMessage(first) {
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(arguments)
    }

    /// The command names (`simulate`, `sweep`, …, `help`).
    static var commandNames: [String] { configuration.subcommands.map { $0._commandName } + ["help"] }

    /// A message when `word`, in the command's place, is neither a command, a model file nor a
    /// bundled model but is within two edits of a command; nil otherwise (run then reports it).
    static func unknownCommandMessage(_ word: String) -> String? {
        guard !word.hasPrefix("-"), !commandNames.contains(word), BundledModels.named(word) == nil,
              !FileManager.default.fileExists(atPath: word) else { return nil }
        let ranked = commandNames.map { ($0, editDistance(word.lowercased(), $0)) }.sorted { $0.1 < $1.1 }
        guard let best = ranked.first, best.1 <= 2, best.1 < word.count else { return nil }
        return "unknown command '\(word)'. Did you mean '\(best.0)'?\n(commands: \(commandNames.joined(separator: ", ")); see `leverage --help`)"
    }
}

/// Levenshtein distance (insertions, deletions, substitutions; a transposition counts 2).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
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
