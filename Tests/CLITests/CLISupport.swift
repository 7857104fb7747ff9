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

/// Runs `leverage` with `arguments` in the repository root, stdin closed.
func leverage(_ arguments: String..., in directory: URL = repositoryRoot) throws -> CommandResult {
    let process = Process()
    process.executableURL = leverageBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes to the end before waiting, so a large output cannot block the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
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
