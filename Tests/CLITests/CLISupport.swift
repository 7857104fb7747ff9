import Foundation

/// What a run of the built `leverage` binary printed and returned.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The repository root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `leverage` binary: beside the test bundle (SwiftPM builds the executable the tests depend on).
let leverageBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["LEVERAGE_BINARY"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = []
    if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for folder in candidates {
        let binary = folder.appendingPathComponent("leverage")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return repositoryRoot.appendingPathComponent(".build/release/leverage")
}()

/// The environment of the tests' `leverage` runs: this process's, without `COLUMNS`, so that
/// tables fit the default 80 columns whatever the shell running the tests exports.
var leverageEnvironment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["COLUMNS"] = nil
    return environment
}

/// Runs `leverage` with `arguments` in `directory` (the repository root by default), stdin closed.
func leverage(_ arguments: String..., in directory: URL = repositoryRoot) throws -> CommandResult {
    try runProcess(leverageBinary, arguments, in: directory, environment: leverageEnvironment)
}

/// Runs `leverage` with an array of arguments.
func leverage(_ arguments: [String]) throws -> CommandResult {
    try runProcess(leverageBinary, arguments, environment: leverageEnvironment)
}

/// Runs `executable` with `arguments` in `directory`, stdin closed; stdout and stderr are read to
/// the end concurrently, so that neither pipe can fill up and block the child. It waits at most
/// `timeLimit` seconds: a run still going then is
/// killed (SIGKILL) and reported with status 137 and a note on stderr, so that a command that
/// should have been refused but starts a long run fails its test instead of stalling the suite.
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL = repositoryRoot,
                environment: [String: String]? = nil, timeLimit: TimeInterval = 900) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let timedOut = DrainedData()
    let watchdog = DispatchWorkItem { [process] in
        if process.isRunning { timedOut.set(Data([1])); kill(process.processIdentifier, SIGKILL) }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: watchdog)
    defer { watchdog.cancel() }
    let errData = DrainedData()
    let drained = DispatchSemaphore(value: 0)
    Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()); drained.signal() }.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    let killed = !timedOut.value.isEmpty
    var stderr = String(decoding: errData.value, as: UTF8.self)
    if killed { stderr += "\n[test harness: killed after \(Int(timeLimit)) s: \(arguments.joined(separator: " "))]\n" }
    return CommandResult(status: killed ? 137 : process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: stderr)
}

/// Data handed over from the thread that drains stderr.
final class DrainedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// A fresh empty folder under the temporary directory.
func scratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The `rows` of table `name` in a JSON document printed by `leverage … --format json`.
func jsonTable(_ text: String, _ name: String) throws -> (columns: [String], rows: [[Any]])? {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
          let tables = object["tables"] as? [[String: Any]],
          let table = tables.first(where: { $0["name"] as? String == name }),
          let columns = table["columns"] as? [[String: String]],
          let rows = table["rows"] as? [[Any]] else { return nil }
    return (columns.map { $0["name"] ?? "" }, rows)
}

/// The value of multiplier `name` in `scope` from the `multipliers` table.
func multiplier(_ text: String, scope: String, _ name: String) throws -> Double? {
    guard let table = try jsonTable(text, "multipliers") else { return nil }
    let row = table.rows.first { $0[0] as? String == scope && $0[1] as? String == name }
    return row?[2] as? Double
}
