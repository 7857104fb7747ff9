import CapitalStacks
import Foundation
import ProjectFinance
import Yams

/// The money unit a model states its amounts in; table headers carry it (`amount_eur_bn`).
public enum MoneyUnit: String, Sendable, CaseIterable {
    case eur
    case eurThousand = "eur_k"
    case eurMillion = "eur_m"
    case eurBillion = "eur_bn"
}

/// A validated scenario: what a YAML model file describes. Sections are optional; each command
/// says which it needs (`run`: stacks or chains; `simulate`: portfolio).
public struct ScenarioModel: Sendable {
    public var name: String
    public var description: String
    public var unit: MoneyUnit
    public var stacks: [CapitalStack]
    public var chains: [LeverageChain]
    /// The portfolio, its risk sharing and simulation defaults (`portfolio`, `risk_sharing`, `simulation`).
    public var risk: RiskModel?
    /// Risk-cover analysis settings (`risk_cover`), for `sweep` and `solve`.
    public var riskCover: RiskCoverSpec?
    /// The gigafactory stress test (`project`, `drivers`, `sites`, `lenders`, `stresses`), if the file has one.
    public var stress: StressModel?

    public init(name: String, description: String, unit: MoneyUnit, stacks: [CapitalStack] = [], chains: [LeverageChain] = [],
                risk: RiskModel? = nil, riskCover: RiskCoverSpec? = nil, stress: StressModel? = nil) {
        self.name = name
        self.description = description
        self.unit = unit
        self.stacks = stacks
        self.chains = chains
        self.risk = risk
        self.riskCover = riskCover
        self.stress = stress
    }
}

/// A scenario file as loaded: where it came from, its exact bytes (hashed into the manifest) and the model.
public struct ScenarioFile: Sendable {
    /// The path given, or `embedded:NAME` for a bundled model.
    public var path: String
    public var bytes: [UInt8]
    public var model: ScenarioModel
}

/// Reads scenario files: YAML syntax, schema (unknown, missing and mistyped fields, ranges) and
/// the accounting's own consistency, every problem reported with file, line, column and field path.
public enum ScenarioLoader {
    /// Loads a file from disk, or a bundled model by name (`investai`, `efsi` …) when no such file exists.
    public static func load(_ path: String) throws(ScenarioError) -> ScenarioFile {
        if let data = FileManager.default.contents(atPath: path) {
            guard let text = String(data: data, encoding: .utf8) else {
                throw ScenarioError([Diagnostic(file: path, line: 0, column: 0, path: "", message: "the file is not UTF-8 text")])
            }
            let folder = (path as NSString).deletingLastPathComponent
            return ScenarioFile(path: path, bytes: Array(data), model: try parse(text, file: path, readDataFile: { name in
                let full = name.hasPrefix("/") ? name : (folder.isEmpty ? name : folder + "/" + name)
                guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else { return nil }
                return (full, text)
            }))
        }
        if let bundled = BundledModels.named(path) {
            return try bundled.load()
        }
        var isDirectory: ObjCBool = false
        let message = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? "is a folder, not a model file" : "no such file (and no bundled model of that name; see `leverage models`)"
        throw ScenarioError([Diagnostic(file: path, line: 0, column: 0, path: "", message: message)])
    }

    /// Parses and validates model text; `file` names it in diagnostics. `readDataFile` reads a
    /// data file the model names (`exposures_csv`), relative to the model; by default only the
    /// bundled data files are found.
    public static func parse(_ text: String, file: String,
                             readDataFile: @escaping (String) -> (path: String, text: String)? = BundledModels.dataFile) throws(ScenarioError) -> ScenarioModel {
        let sink = DiagnosticSink(file: file, text: text)
        guard let root = YAMLDocument.compose(text, sink: sink) else { throw ScenarioError(sink.diagnostics) }
        let model = ModelReader(sink: sink, root: root, readDataFile: readDataFile).read()
        if sink.hasErrors || model == nil {
            // The model file's problems first, then those of the data files it names; each in file order.
            let files = sink.diagnostics.reduce(into: [String]()) { if !$0.contains($1.file) { $0.append($1.file) } }
            throw ScenarioError(sink.diagnostics.sorted {
                (files.firstIndex(of: $0.file)!, $0.line, $0.column) < (files.firstIndex(of: $1.file)!, $1.line, $1.column)
            })
        }
        return model!
    }
}

/// Reads the document root and its sections.
struct ModelReader {
    let sink: DiagnosticSink
    let root: Node
    let readDataFile: (String) -> (path: String, text: String)?

    static let rootFields = ["name", "description", "unit", "stacks", "chains", "portfolio", "risk_sharing", "simulation", "risk_cover"]
        + ProjectReader.rootFields

    func read() -> ScenarioModel? {
        let top = YAMLValue(node: root, path: .root, sink: sink)
        guard let m = top.mapping(allowed: ModelReader.rootFields) else { return nil }
        let name = m.required("name")?.string()
        let description = m.required("description")?.string()
        let unit = m.required("unit")?.choice(MoneyUnit.self)
        var stacks: [CapitalStack] = []
        var chains: [LeverageChain] = []
        if let list = m["stacks"]?.sequence() {
            stacks = list.compactMap { StackReader(sink: sink).read($0) }
            checkUnique(list, ids: stacks.map(\.id), what: "stack")
        }
        if let list = m["chains"]?.sequence() {
            chains = list.compactMap { ChainReader(sink: sink).read($0) }
            checkUnique(list, ids: chains.map(\.id), what: "chain")
        }
        var risk: RiskModel?
        if let portfolio = m["portfolio"] {
            risk = PortfolioReader(sink: sink, readDataFile: readDataFile).read(portfolio: portfolio, riskSharing: m["risk_sharing"], simulation: m["simulation"])
        } else {
            for key in ["risk_sharing", "simulation", "risk_cover"] where m.has(key) { m[key]!.error("`\(key)` needs a `portfolio` section") }
        }
        var riskCover: RiskCoverSpec?
        if let section = m["risk_cover"], m.has("portfolio") {
            riskCover = RiskCoverReader(sink: sink).read(section)
        }
        let stress = ProjectReader(sink: sink, root: root).read(m)
        if !m.has("stacks") && !m.has("chains") && !m.has("portfolio") && !m.has("project") {
            sink.error(root.mark, .root, "a model needs at least one section: stacks, chains, portfolio or project")
        }
        guard !sink.hasErrors, let name, let description, let unit else { return nil }
        // The accounting's own consistency, located at the field it names.
        for (k, stack) in stacks.enumerated() {
            do { _ = try stack.evaluate() } catch { locate(error, under: "stacks[\(k)]") }
        }
        for (k, chain) in chains.enumerated() {
            do { _ = try chain.evaluate() } catch { locate(error, under: "chains[\(k)]") }
        }
        return ScenarioModel(name: name, description: description, unit: unit, stacks: stacks, chains: chains, risk: risk, riskCover: riskCover,
                             stress: stress)
    }

    private func checkUnique(_ list: [YAMLValue], ids: [String], what: String) {
        var seen = Set<String>()
        for (k, id) in ids.enumerated() where !seen.insert(id).inserted {
            if k < list.count { list[k].error("two \(what)s are called '\(id)'") }
        }
    }

    /// Turns an accounting error's field path into a located diagnostic.
    private func locate(_ error: AccountingError, under prefix: String) {
        let full = error.path.isEmpty ? prefix : prefix + "." + error.path
        sink.error(ModelReader.mark(of: full, in: root), FieldPath(description: full), error.message)
    }

    /// The mark of the deepest node on `path` (`stacks[0].contributors[2].match.of[1]`).
    static func mark(of path: String, in root: Node) -> Mark? {
        var node = root
        var mark = root.mark
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let k = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indices.insert(k, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                guard case .mapping(let m) = node, let child = m[String(name)] else { return mark }
                node = child
                mark = child.mark
            }
            for k in indices {
                guard case .sequence(let s) = node, k < s.count else { return mark }
                node = s[k]
                mark = node.mark
            }
        }
        return mark
    }
}
