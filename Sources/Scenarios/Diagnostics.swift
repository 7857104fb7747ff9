import Yams

/// One problem in a scenario file, located like a compiler error (the shape of Yams' `YamlError`):
///
///     Models/gigafactory.yaml:14:13: error: stacks[0].contributors[1].share: 1.7 is above 1
///       share: 1.7
///              ^
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based line and column; 0 when the problem has no place in the text (an empty file).
    public var line: Int
    public var column: Int
    /// The field path from the document root, e.g. `tranches[2].detachment`.
    public var path: String
    public var message: String
    /// The offending line of the file, for the snippet under the message.
    public var sourceLine: String?

    public init(file: String, line: Int, column: Int, path: String, message: String, sourceLine: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: error: path: message` — the first line of ``description``.
    public var summary: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(place): error: \(message)" : "\(place): error: \(path): \(message)"
    }

    /// The summary, then the source line (a window of at most ``snippetWidth`` characters
    /// around the column, so that a 10 MB line is not echoed) with a caret under the column.
    public var description: String {
        guard let sourceLine, line > 0 else { return summary }
        let characters = Array(sourceLine)
        var start = 0, end = characters.count
        if characters.count > Diagnostic.snippetWidth {
            start = min(max(column - 1 - Diagnostic.snippetWidth / 2, 0), characters.count - Diagnostic.snippetWidth)
            end = start + Diagnostic.snippetWidth
        }
        let lead = start > 0 ? "…" : ""
        let snippet = lead + Diagnostic.printable(String(characters[start..<end])) + (end < characters.count ? "…" : "")
        let caret = String(repeating: " ", count: max(column - 1 - start + lead.count, 0)) + "^"
        return summary + "\n" + snippet + "\n" + caret
    }

    /// The widest source snippet shown under a message.
    public static let snippetWidth = 120

    /// A value quoted in a message: control characters shown as `\u{1B}`, and at most `limit`
    /// characters (then `…` and the full length), so a hostile or mistaken 10 MB value is not echoed.
    public static func quote(_ text: String, limit: Int = 60) -> String {
        let count = text.count
        guard count > limit else { return printable(text) }
        return printable(String(text.prefix(limit))) + "… (\(count) characters)"
    }

    /// Control characters (C0, DEL, C1) written as `\u{…}`; everything else as is.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if isControl(u) { out += "\\u{\(String(u.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u != "\t") || (u.value >= 0x7F && u.value < 0xA0)
    }
}

/// Every problem found in a scenario file (a file is checked as a whole, not up to the first error).
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    /// Every diagnostic, up to ``printLimit``; then how many more there are.
    public var description: String {
        let shown = diagnostics.prefix(ScenarioError.printLimit).map(\.description)
        let rest = diagnostics.count - shown.count
        return (shown + (rest > 0 ? ["… and \(rest) more error\(rest == 1 ? "" : "s") not shown (fix these first)"] : [])).joined(separator: "\n")
    }

    /// The most diagnostics printed at once (a file whose 200,000 rows are all wrong says so in 50).
    public static let printLimit = 100
}

/// A field path from the document root: `stacks[0].contributors[2].amount`.
struct FieldPath: CustomStringConvertible {
    var description: String
    static let root = FieldPath(description: "")
    func key(_ name: String) -> FieldPath { FieldPath(description: description.isEmpty ? name : description + "." + name) }
    func index(_ i: Int) -> FieldPath { FieldPath(description: description + "[\(i)]") }
}

/// Collects diagnostics while a document is read. Adding one is O(1) (a set remembers what
/// was reported), so a file with 200,000 bad rows is checked in linear time.
final class DiagnosticSink {
    let file: String
    let lines: [Substring]
    private(set) var diagnostics: [Diagnostic] = []
    private var reported = Set<Diagnostic>()

    init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func error(_ mark: Mark?, _ path: FieldPath, _ message: String) {
        error(line: mark?.line ?? 0, column: mark?.column ?? 0, path, message)
    }

    /// Records an error at an explicit place (a CSV field has no YAML mark).
    func error(line: Int, column: Int, _ path: FieldPath, _ message: String) {
        let source = (line >= 1 && line <= lines.count) ? String(lines[line - 1]).replacingOccurrences(of: "\r", with: "") : nil
        add(Diagnostic(file: file, line: line, column: column, path: path.description, message: message, sourceLine: source))
    }

    private func add(_ diagnostic: Diagnostic) {
        if reported.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    /// Takes over the diagnostics of another file's sink (a CSV file named by the model), from
    /// its `from`-th on (those before were taken over already).
    func absorb(_ other: DiagnosticSink, from start: Int = 0) {
        for d in other.diagnostics[min(start, other.diagnostics.count)...] { add(d) }
    }

    var hasErrors: Bool { !diagnostics.isEmpty }
}
