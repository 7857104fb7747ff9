import Foundation

/// What produced a set of tables: the tool, the command, the model file and its SHA-256,
/// the run's parameters (seed, paths, …) and the time. Written as `manifest.json` beside
/// result files and as the `manifest` member of every JSON document.
public struct Manifest: Sendable, Equatable {
    public static let toolName = "leverage"
    /// The tool's version, reported in every manifest.
    public static let toolVersion = "0.1.0"

    public var command: String
    /// Path of the model file as given, or `embedded:NAME` for a bundled scenario.
    public var modelPath: String
    /// SHA-256 of the model file's bytes, lowercase hex.
    public var modelSHA256: String
    public var modelName: String
    /// Run parameters in a stable order (seed, paths, threads, …), as JSON values.
    public var parameters: [(String, JSONValue)]
    /// ISO 8601 UTC time of the run; nil leaves it out (tests that compare exact output).
    public var created: Date?

    public init(command: String, modelPath: String, modelBytes: [UInt8], modelName: String,
                parameters: [(String, JSONValue)] = [], created: Date? = Date()) {
        self.command = command
        self.modelPath = modelPath
        self.modelSHA256 = Manifest.sha256Hex(modelBytes)
        self.modelName = modelName
        self.parameters = parameters
        self.created = created
    }

    public static func == (a: Manifest, b: Manifest) -> Bool { a.json == b.json }

    /// SHA-256 (FIPS 180-4) of `bytes` as lowercase hex (see `SHA256`).
    public static func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hex(bytes) }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("tool", .string(Manifest.toolName)),
            ("version", .string(Manifest.toolVersion)),
            ("command", .string(command)),
            ("model", .object([
                ("name", .string(modelName)),
                ("path", .string(modelPath)),
                ("sha256", .string(modelSHA256)),
            ])),
            ("parameters", .object(parameters)),
        ]
        if let created {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            members.append(("created", .string(formatter.string(from: created))))
        }
        return .object(members)
    }
}
