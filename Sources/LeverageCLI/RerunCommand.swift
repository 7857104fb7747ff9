import ArgumentParser
import Foundation
import Leverage

/// `leverage rerun RESULT_DIR`: repeats the run a result folder's `manifest.json` records.
struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repeat the run recorded in a result folder's manifest.json: same command, model, options and seed.",
        discussion: """
            The manifest's `arguments` hold the model and every option that affects results (paths and seed \
            explicit). The model is read from its recorded path (relative paths from the folder the run was \
            started in when they are not found here) and must have the SHA-256 the manifest records; a changed \
            model is an error, not a silent different result. Same model, options and seed give identical tables \
            for any --threads.
            """)

    @Argument(help: ArgumentHelp("A result folder written with --output, or its manifest.json.", valueName: "RESULT_DIR"))
    var result: String

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let recorded: RecordedRun
        switch RecordedRun.read(result) {
        case .success(let run): recorded = run
        case .failure(let problem):
            Console.error(problem.description)
            throw ExitCode(1)
        }
        var argv = [recorded.command, recorded.modelArgument] + recorded.options
        if let threads, recorded.acceptsThreads { argv += ["--threads", "\(threads)"] }
        argv += ["--format", output.format.rawValue]
        if let path = output.output { argv += ["--output", path] }
        if output.quiet { argv.append("--quiet") }
        var command: ParsableCommand
        do { command = try LeverageCommand.parseAsRoot(argv) } catch {
            Console.error("\(recorded.manifestPath): the recorded arguments no longer parse: \(LeverageCommand.message(for: error))")
            throw ExitCode(1)
        }
        if !output.quiet { Console.status("rerun: leverage \(argv.map(shellQuoted).joined(separator: " "))") }
        try command.run()
    }
}

/// A run read back from a manifest, with its model located and checked against the recorded SHA-256.
struct RecordedRun {
    struct Problem: Error, CustomStringConvertible { var description: String }

    /// Commands whose manifests record a model and the arguments that repeat them.
    static let rerunnable: Set<String> = ["run", "simulate", "sweep", "solve", "sensitivity", "stress"]

    var manifestPath: String
    var command: String
    /// The model as the rerun passes it: a path that exists now, or a bundled model's name.
    var modelArgument: String
    var options: [String]
    var acceptsThreads: Bool { command != "run" }

    /// The run recorded at `result` (a folder or its manifest.json), or what is wrong with it.
    static func read(_ result: String) -> Result<RecordedRun, Problem> {
        do { return .success(try RecordedRun(at: result)) } catch let problem as Problem {
            return .failure(problem)
        } catch {
            return .failure(Problem(description: "\(result): \(error)"))
        }
    }

    init(at result: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: result, isDirectory: &isDirectory) else {
            throw Problem(description: "\(result): no such result folder")
        }
        manifestPath = isDirectory.boolValue ? (result as NSString).appendingPathComponent("manifest.json") : result
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw Problem(description: "\(manifestPath): cannot read the manifest (is \(result) a folder written with --output?)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(description: "\(manifestPath): not a JSON object")
        }
        guard let command = object["command"] as? String, RecordedRun.rerunnable.contains(command) else {
            throw Problem(description: "\(manifestPath): `command` is missing or not one of \(RecordedRun.rerunnable.sorted().joined(separator: ", "))")
        }
        guard let arguments = object["arguments"] as? [String], let given = arguments.first else {
            throw Problem(description: "\(manifestPath): no `arguments` (written by a leverage older than rerun); repeat the run by hand from `parameters`")
        }
        guard let model = object["model"] as? [String: Any], let sha256 = model["sha256"] as? String else {
            throw Problem(description: "\(manifestPath): `model.sha256` is missing")
        }
        self.command = command
        self.options = Array(arguments.dropFirst())
        // The model: as given, else relative to the recorded working directory, else a bundled name.
        var candidates = [given]
        if !given.hasPrefix("/"), let folder = object["working_directory"] as? String {
            candidates.append((folder as NSString).appendingPathComponent(given))
        }
        let located = candidates.first { FileManager.default.fileExists(atPath: $0) } ?? given
        let file: ScenarioFile
        do { file = try ScenarioLoader.load(located) } catch {
            throw Problem(description: "\(manifestPath): the run's model \(given) cannot be read:\n\(error.description)")
        }
        let now = Manifest.sha256Hex(file.bytes)
        guard now == sha256 else {
            throw Problem(description: "\(manifestPath): the model \(file.path) has changed since the run (SHA-256 \(now), the manifest records \(sha256)); restore that file to repeat the run")
        }
        modelArgument = located
    }
}

/// `arg` quoted for a POSIX shell when it needs it (for the status line only).
func shellQuoted(_ arg: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%@")
    if !arg.isEmpty && arg.allSatisfy(safe.contains) { return arg }
    return "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
