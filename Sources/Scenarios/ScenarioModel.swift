import CapitalStacks
import Foundation
import ProjectFinance
import RiskSharing
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
    ///
    /// Data files the model names (`exposures_csv`) must lie in the model file's folder or below
    /// it (symbolic links resolved), unless `dataFilesAnywhere` is set (the CLI's
    /// `--allow-data-outside-model-folder`): a model from elsewhere cannot make the tool read
    /// `/etc/shadow` and print its first line.
    public static func load(_ path: String, dataFilesAnywhere: Bool = false) throws(ScenarioError) -> ScenarioFile {
        func fail(_ message: String, line: Int = 0, column: Int = 0) -> ScenarioError {
            ScenarioError([Diagnostic(file: path, line: line, column: column, path: "", message: message)])
        }
        switch FileReader.read(path, limit: YAMLLimits.maximumBytes) {
        case .data(let data):
            let text: String
            switch FileReader.utf8Text(data) {
            case .success(let t): text = t
            case .failure(let place):
                throw fail("the file is not UTF-8 text (byte 0x\(String(place.byte, radix: 16, uppercase: true)) here); save it as UTF-8", line: place.line, column: place.column)
            }
            let folder = (path as NSString).deletingLastPathComponent
            let model = try parse(text, file: path, dataFile: { name in
                FileReader.dataFile(name, modelFolder: folder.isEmpty ? "." : folder, anywhere: dataFilesAnywhere)
            })
            return ScenarioFile(path: path, bytes: Array(data), model: model)
        case .missing:
            if let bundled = BundledModels.named(path) { return try bundled.load() }
            throw fail("no such file (and no bundled model of that name; see `leverage models`)")
        case .folder:
            throw fail("is a folder, not a model file")
        case .tooLarge:
            throw fail("the file is larger than \(YAMLLimits.maximumBytes >> 20) MiB, the limit for a model file (put exposures in a CSV file: exposures_csv)", line: 1, column: 1)
        case .unreadable(let reason):
            throw fail("cannot read the file: \(reason)")
        }
    }

    /// Parses and validates model text; `file` names it in diagnostics. `readDataFile` reads a
    /// data file the model names (`exposures_csv`), relative to the model; by default only the
    /// bundled data files are found.
    public static func parse(_ text: String, file: String,
                             readDataFile: @escaping (String) -> (path: String, text: String)? = BundledModels.dataFile) throws(ScenarioError) -> ScenarioModel {
        try parse(text, file: file, dataFile: { name in
            readDataFile(name).map { DataFile.text(path: $0.path, text: $0.text) }
                ?? .problem("cannot read '\(Diagnostic.quote(name))' (paths are relative to the model file)")
        })
    }

    static func parse(_ text: String, file: String, dataFile: @escaping (String) -> DataFile) throws(ScenarioError) -> ScenarioModel {
        let sink = DiagnosticSink(file: file, text: text)
        guard let root = YAMLDocument.compose(text, sink: sink) else { throw ScenarioError(sink.diagnostics) }
        let model = ModelReader(sink: sink, root: root, readDataFile: dataFile).read()
        if sink.hasErrors || model == nil {
            // The model file's problems first, then those of the data files it names; each in file order.
            var files: [String: Int] = [:]
            for d in sink.diagnostics where files[d.file] == nil { files[d.file] = files.count }
            throw ScenarioError(sink.diagnostics.enumerated().sorted {
                (files[$0.element.file]!, $0.element.line, $0.element.column, $0.offset) < (files[$1.element.file]!, $1.element.line, $1.element.column, $1.offset)
            }.map(\.element))
        }
        return model!
    }
}

/// A data file named by a model: its text, or why it cannot be used.
enum DataFile {
    case text(path: String, text: String)
    case problem(String)
}

/// Reads files with a size limit (a model named `/dev/zero` must not fill the memory) and says
/// precisely what is wrong: missing, a folder, too large, not UTF-8 (and where).
enum FileReader {
    enum Outcome {
        case data(Data)
        case missing
        case folder
        case tooLarge
        case unreadable(String)
    }

    static func read(_ path: String, limit: Int) -> Outcome {
        var isDirectory: ObjCBool = false
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        if isDirectory.boolValue { return .folder }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unreadable("permission denied") }
        defer { try? handle.close() }
        var data = Data()
        do {
            while data.count <= limit {
                guard let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
                data.append(chunk)
            }
        } catch {
            return .unreadable("\(error.localizedDescription)")
        }
        return data.count > limit ? .tooLarge : .data(data)
    }

    /// The first byte that is not valid UTF-8, with its 1-based line and column.
    struct Invalid: Error {
        var byte: UInt8
        var line: Int
        var column: Int
    }

    static func utf8Text(_ data: Data) -> Result<String, Invalid> {
        if let text = String(data: data, encoding: .utf8) { return .success(text) }
        // Locate the first byte that does not start or continue a well-formed sequence.
        let bytes = [UInt8](data)
        var i = 0, line = 1, column = 1
        while i < bytes.count {
            let b = bytes[i]
            let n = b < 0x80 ? 1 : (b >= 0xC2 && b < 0xE0 ? 2 : (b >= 0xE0 && b < 0xF0 ? 3 : (b >= 0xF0 && b < 0xF5 ? 4 : 0)))
            guard n > 0, i + n <= bytes.count, bytes[(i + 1)..<(i + n)].allSatisfy({ $0 & 0xC0 == 0x80 }) else {
                return .failure(Invalid(byte: b, line: line, column: column))
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += n
        }
        return .failure(Invalid(byte: bytes.last ?? 0, line: line, column: column))
    }

    /// A data file named in a model: relative to the model's folder and, unless `anywhere`,
    /// inside it (after resolving `..` and symbolic links).
    static func dataFile(_ name: String, modelFolder: String, anywhere: Bool) -> DataFile {
        let shown = Diagnostic.quote(name)
        let full = name.hasPrefix("/") ? name : modelFolder + "/" + name
        if !anywhere {
            let folder = URL(fileURLWithPath: modelFolder).standardizedFileURL.resolvingSymlinksInPath().path
            let target = URL(fileURLWithPath: full).standardizedFileURL.resolvingSymlinksInPath().path
            guard target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
                return .problem("'\(shown)' is outside the model file's folder; data files must be in that folder or below it (or pass --allow-data-outside-model-folder)")
            }
        }
        switch read(full, limit: YAMLLimits.maximumDataBytes) {
        case .data(let data):
            switch utf8Text(data) {
            case .success(let text): return .text(path: full, text: text)
            case .failure(let place):
                return .problem("'\(shown)' is not UTF-8 text (byte 0x\(String(place.byte, radix: 16, uppercase: true)) at line \(place.line), column \(place.column)); save it as UTF-8 CSV")
            }
        case .missing: return .problem("cannot read '\(shown)': no such file (paths are relative to the model file)")
        case .folder: return .problem("'\(shown)' is a folder, not a CSV file")
        case .tooLarge: return .problem("'\(shown)' is larger than \(YAMLLimits.maximumDataBytes >> 20) MiB, the limit for a data file")
        case .unreadable(let reason): return .problem("cannot read '\(shown)': \(reason)")
        }
    }
}

/// Reads the document root and its sections.
struct ModelReader {
    let sink: DiagnosticSink
    let root: Node
    let readDataFile: (String) -> DataFile

    static let rootFields = ["name", "description", "unit", "stacks", "chains", "portfolio", "risk_sharing", "simulation", "risk_cover", "lifetime"]
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
            for key in ["risk_sharing", "simulation", "risk_cover", "lifetime"] where m.has(key) { m[key]!.error("`\(key)` needs a `portfolio` section") }
        }
        if let section = m["lifetime"], m.has("portfolio") {
            let spec = LifetimeReader(sink: sink).read(section, portfolio: risk?.portfolio, structure: risk?.structure)
            if let spec, let r = risk {
                do { try spec.validate(portfolio: r.portfolio, structure: r.structure) } catch { section.error("\(error)") }
            }
            risk?.lifetime = spec
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
