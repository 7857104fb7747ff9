import Foundation
import LinearAlgebra

/// What produced a set of tables, complete enough to repeat the run: the tool, its version and
/// the git commit it was built from, the command and the arguments that repeat it (every option
/// that affects results, defaults resolved), the model file and its SHA-256, the run's
/// parameters, the platform, the BLAS/LAPACK libraries the process ran with, and the time.
/// Written as `manifest.json` beside result files and as the `manifest` member of every JSON
/// document; `leverage rerun DIR` reads it back.
public struct Manifest: Sendable, Equatable {
    public static let toolName = "leverage"
    /// The tool's version, reported in every manifest.
    public static let toolVersion = "0.1.0"
    /// The git commit the tool was built from (recorded at build time by the BuildInfo plugin),
    /// `unknown` outside a git clone; it ends in `-dirty` when tracked files had uncommitted changes.
    public static let commit = BuildInfo.commit

    public var command: String
    /// Path of the model file as given, or `embedded:NAME` for a bundled scenario.
    public var modelPath: String
    /// SHA-256 of the model file's bytes, lowercase hex.
    public var modelSHA256: String
    public var modelName: String
    /// Run parameters in a stable order (seed, paths, threads, …) with defaults resolved, as JSON values.
    public var parameters: [(String, JSONValue)]
    /// The command's arguments after `leverage COMMAND` that repeat the run: the model, then every
    /// option that affects results, with the Monte Carlo paths and seed always explicit. Output
    /// options (`--format`, `--output`, `--quiet`) and `--threads` (results do not depend on it) are left out.
    public var arguments: [String]
    /// The folder relative model paths were read from, for `leverage rerun`.
    public var workingDirectory: String?
    /// Platform and numerical libraries; nil leaves them out (tests that compare exact output).
    public var environment: RunEnvironment?
    /// ISO 8601 UTC time of the run; nil leaves it out (tests that compare exact output).
    public var created: Date?

    public init(command: String, modelPath: String, modelBytes: [UInt8], modelName: String,
                parameters: [(String, JSONValue)] = [], arguments: [String] = [],
                environment: RunEnvironment? = .current, created: Date? = Date()) {
        self.command = command
        self.modelPath = modelPath
        self.modelSHA256 = Manifest.sha256Hex(modelBytes)
        self.modelName = modelName
        self.parameters = parameters
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = environment == nil ? nil : FileManager.default.currentDirectoryPath
        self.created = created
    }

    public static func == (a: Manifest, b: Manifest) -> Bool { a.json == b.json }

    /// SHA-256 (FIPS 180-4) of `bytes` as lowercase hex (see `SHA256`).
    public static func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hex(bytes) }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("tool", .string(Manifest.toolName)),
            ("version", .string(Manifest.toolVersion)),
            ("commit", .string(Manifest.commit)),
            ("command", .string(command)),
            ("model", .object([
                ("name", .string(modelName)),
                ("path", .string(modelPath)),
                ("sha256", .string(modelSHA256)),
            ])),
            ("parameters", .object(parameters)),
            ("arguments", .array(arguments.map(JSONValue.string))),
        ]
        if let workingDirectory { members.append(("working_directory", .string(workingDirectory))) }
        if let environment { members.append(contentsOf: environment.json) }
        if let created {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            members.append(("created", .string(formatter.string(from: created))))
        }
        return .object(members)
    }
}

/// Where a run ran: the operating system, the processor architecture, the processor count and
/// the BLAS/LAPACK libraries (see `LinearAlgebraLibraries`). Results are bit-identical for any
/// thread count, but a different BLAS may change the last bits of a Cholesky factor.
public struct RunEnvironment: Sendable, Equatable {
    public var operatingSystem: String
    public var architecture: String
    public var processorCount: Int
    public var libraries: LinearAlgebraLibraries

    public init(operatingSystem: String, architecture: String, processorCount: Int, libraries: LinearAlgebraLibraries) {
        self.operatingSystem = operatingSystem
        self.architecture = architecture
        self.processorCount = processorCount
        self.libraries = libraries
    }

    /// This process's environment.
    public static var current: RunEnvironment {
        #if os(Linux)
        let os = "Linux"
        #elseif os(macOS)
        let os = "macOS"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "unknown"
        #endif
        let info = ProcessInfo.processInfo
        return RunEnvironment(operatingSystem: "\(os) \(info.operatingSystemVersionString)", architecture: arch,
                              processorCount: info.activeProcessorCount, libraries: .current)
    }

    var json: [(String, JSONValue)] {
        var blas: [(String, JSONValue)] = [("configuration", .string(libraries.blasConfiguration)), ("core", .string(libraries.blasCore))]
        if let path = libraries.blasLibraryPath { blas.append(("library", .string(path))) }
        var lapack: [(String, JSONValue)] = [("version", .string(libraries.lapackVersion))]
        if let path = libraries.lapackLibraryPath { lapack.append(("library", .string(path))) }
        return [
            ("platform", .object([("os", .string(operatingSystem)), ("architecture", .string(architecture)),
                                  ("processors", .integer(processorCount))])),
            ("blas", .object(blas)),
            ("lapack", .object(lapack)),
        ]
    }
}
