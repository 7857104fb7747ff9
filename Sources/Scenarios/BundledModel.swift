/// A scenario compiled into the binary: a file of `Models/`, embedded at build time by the
/// EmbedModels plugin (Plugins/EmbedModels), so the binary needs no file at hand.
public struct BundledModel: Sendable {
    /// The file name without `.yaml` (`investai`, `efsi` …).
    public let name: String
    /// The file's exact text.
    public let text: String

    /// Parses the embedded text (path `embedded:NAME`).
    public func load() throws(ScenarioError) -> ScenarioFile {
        ScenarioFile(path: "embedded:\(name)", bytes: Array(text.utf8), model: try ScenarioLoader.parse(text, file: "embedded:\(name)"))
    }
}

/// The models in `Models/`, compiled in at build time (``all``; the data files they name through
/// ``dataFile(_:)``). Editing a file of `Models/` and building again is all it takes to change them.
public enum BundledModels {
    /// The scenario `leverage` runs when called with no arguments.
    public static let defaultName = "investai"

    /// The bundled model with that name (the file name without `.yaml`), if any.
    public static func named(_ name: String) -> BundledModel? { all.first { $0.name == name } }

    /// A data file a bundled model names (`exposures_csv: benchmark-b1000.csv`), as (path, text).
    public static func dataFile(_ name: String) -> (path: String, text: String)? {
        dataFiles.first { $0.name == name }.map { ("embedded:" + $0.name, $0.text) }
    }
}
