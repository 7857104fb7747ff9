import Yams

/// One problem in a scenario file, located like a compiler error (the shape of Yams' `YamlError`):
///
///     Models/gigafactory.yaml:14:13: error: stacks[0].contributors[1].share: 1.7 is above 1
///       share: 1.7
///              ^
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
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

    public var description: String {
        guard let sourceLine, line > 0 else { return summary }
        let caret = String(repeating: " ", count: max(column - 1, 0)) + "^"
        return summary + "\n" + sourceLine + "\n" + caret
    }
}

/// Every problem found in a scenario file (a file is checked as a whole, not up to the first error).
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A field path from the document root: `stacks[0].contributors[2].amount`.
struct FieldPath: CustomStringConvertible {
    var description: String
    static let root = FieldPath(description: "")
    func key(_ name: String) -> FieldPath { FieldPath(description: description.isEmpty ? name : description + "." + name) }
    func index(_ i: Int) -> FieldPath { FieldPath(description: description + "[\(i)]") }
}

/// Collects diagnostics while a document is read.
final class DiagnosticSink {
    let file: String
    let lines: [Substring]
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func error(_ mark: Mark?, _ path: FieldPath, _ message: String) {
        let line = mark?.line ?? 0
        let column = mark?.column ?? 0
        let source = (line >= 1 && line <= lines.count) ? String(lines[line - 1]).replacingOccurrences(of: "\r", with: "") : nil
        let diagnostic = Diagnostic(file: file, line: line, column: column, path: path.description, message: message, sourceLine: source)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// Records an error at an explicit place (a CSV field has no YAML mark).
    func error(line: Int, column: Int, _ path: FieldPath, _ message: String) {
        let source = (line >= 1 && line <= lines.count) ? String(lines[line - 1]).replacingOccurrences(of: "\r", with: "") : nil
        let diagnostic = Diagnostic(file: file, line: line, column: column, path: path.description, message: message, sourceLine: source)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// Takes over the diagnostics of another file's sink (a CSV file named by the model).
    func absorb(_ other: DiagnosticSink) {
        for d in other.diagnostics where !diagnostics.contains(d) { diagnostics.append(d) }
    }

    var hasErrors: Bool { !diagnostics.isEmpty }
}
