import CapitalStacks
import Yams

/// A YAML node with its field path, read with located errors. Every accessor returns nil and
/// records a diagnostic when the value is not what the schema asks for, so that one pass over
/// a document reports every problem in it.
struct YAMLValue {
    let node: Node
    let path: FieldPath
    let sink: DiagnosticSink

    var mark: Mark? { node.mark }

    func error(_ message: String) { sink.error(mark, path, message) }

    private var kindName: String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "an empty value" : "'\(Diagnostic.quote(s.string))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A mapping whose keys must all be in `allowed` (others are reported as unknown fields).
    func mapping(allowed: [String]) -> YAMLMapping? {
        guard case .mapping(let m) = node else {
            error("expected a mapping with fields \(allowed.joined(separator: ", ")), got \(kindName)")
            return nil
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in m {
            guard case .scalar(let key) = keyNode else {
                sink.error(keyNode.mark, path, "field names must be plain text")
                continue
            }
            if !allowed.contains(key.string) {
                let hint = YAMLValue.closest(key.string, in: allowed).map { " (did you mean '\($0)'?)" } ?? " (expected one of: \(allowed.joined(separator: ", ")))"
                sink.error(keyNode.mark, path.key(Diagnostic.quote(key.string, limit: 40)), "unknown field\(hint)")
                continue
            }
            entries.append((key.string, keyNode, value))
        }
        return YAMLMapping(node: node, path: path, sink: sink, entries: entries)
    }

    /// The mapping's allowed fields, reporting nothing (for a second look at a mapping that was
    /// read, and reported on, already).
    func mapping(silentlyAllowing allowed: [String]) -> YAMLMapping? {
        guard case .mapping(let m) = node else { return nil }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in m {
            if case .scalar(let key) = keyNode, allowed.contains(key.string) { entries.append((key.string, keyNode, value)) }
        }
        return YAMLMapping(node: node, path: path, sink: sink, entries: entries)
    }

    /// A list of values.
    func sequence() -> [YAMLValue]? {
        guard case .sequence(let s) = node else {
            error("expected a list, got \(kindName)")
            return nil
        }
        return s.enumerated().map { YAMLValue(node: $1, path: path.index($0), sink: sink) }
    }

    /// A non-empty text value (`""` and `''` are empty too), without control characters.
    func string() -> String? {
        guard case .scalar(let s) = node else {
            error("expected text, got \(kindName)")
            return nil
        }
        if s.string.allSatisfy(\.isWhitespace) { error("expected text, got an empty value"); return nil }
        if s.string.unicodeScalars.contains(where: { Diagnostic.isControl($0) && $0 != "\n" }) {
            error("'\(Diagnostic.quote(s.string))' contains a control character"); return nil
        }
        return s.string
    }

    /// An identifier: letters, digits, `_` and `-`, starting with a letter.
    func identifier() -> String? {
        guard let s = string() else { return nil }
        let ok = (s.first?.isLetter ?? false) && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        if !ok { error("'\(Diagnostic.quote(s))' is not a valid name (letters, digits, _ and -, starting with a letter)"); return nil }
        return s
    }

    /// A finite number. Percent signs and quoted numbers are refused with a hint.
    func number() -> Double? {
        guard case .scalar(let s) = node else {
            error("expected a number, got \(kindName)")
            return nil
        }
        let raw = s.string
        let text = raw.first?.isWhitespace == true || raw.last?.isWhitespace == true ? raw.trimmingCharacters(in: .whitespaces) : raw
        if s.style != .plain {
            error("expected a number, got the quoted text \"\(Diagnostic.quote(text))\" (remove the quotes)")
            return nil
        }
        if text.hasSuffix("%") {
            error("'\(Diagnostic.quote(text))': write rates and shares as fractions (17 % is 0.17), not percentages")
            return nil
        }
        guard let x = Double(text.contains("_") ? text.replacingOccurrences(of: "_", with: "") : text) else {
            error("expected a number, got \(kindName)")
            return nil
        }
        guard x.isFinite else { error("\(Diagnostic.quote(text)) is not a finite number"); return nil }
        return x
    }

    /// A number ≥ 0 (amounts, exposures): negative amounts are refused.
    func nonNegative() -> Double? {
        guard let x = number() else { return nil }
        if x < 0 { error("\(YAMLValue.show(x)) is negative; amounts must be ≥ 0"); return nil }
        return x
    }

    /// A number > 0.
    func positive() -> Double? {
        guard let x = number() else { return nil }
        if x <= 0 { error("\(YAMLValue.show(x)) must be above 0"); return nil }
        return x
    }

    /// A fraction in [0, 1] (shares, rates, probabilities).
    func fraction() -> Double? {
        guard let x = number() else { return nil }
        if x < 0 { error("\(YAMLValue.show(x)) is below 0"); return nil }
        if x > 1 { error("\(YAMLValue.show(x)) is above 1" + (x <= 100 && x >= 2 ? " (write 17 % as 0.17)" : "")); return nil }
        return x
    }

    /// A whole number in `minimum…maximum`; the conversion to `Int` is checked (a value of
    /// 1e19 is reported as too large, never trapped on).
    func integer(minimum: Int = 0, maximum: Int = YAMLValue.largestWholeNumber, what: String = "") -> Int? {
        guard let x = number() else { return nil }
        guard x == x.rounded() else { error("\(YAMLValue.show(x)) is not a whole number"); return nil }
        guard x >= Double(minimum) else { error("\(YAMLValue.show(x)) is below \(minimum)"); return nil }
        guard x <= Double(maximum) else {
            error("\(YAMLValue.show(x)) is too large: at most \(maximum)\(what.isEmpty ? "" : " " + what)"); return nil
        }
        return Int(x)
    }

    /// 2⁵³: every whole number up to it is exact in a Double (and fits an Int).
    static let largestWholeNumber = 1 << 53

    /// true / false.
    func bool() -> Bool? {
        guard case .scalar(let s) = node, s.style == .plain else { error("expected true or false, got \(kindName)"); return nil }
        switch s.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: error("expected true or false, got \(kindName)"); return nil
        }
    }

    /// One of an enumeration's raw values.
    func choice<E: RawRepresentable & CaseIterable>(_: E.Type) -> E? where E.RawValue == String {
        guard let s = string() else { return nil }
        if let e = E(rawValue: s) { return e }
        error("'\(s)' is not one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    /// A number as a reader would write it: no `.0` on whole numbers, no floating-point
    /// noise (`110 %`, not `110.00000000000001 %`).
    static func show(_ x: Double) -> String { readableNumber(x) }

    /// The allowed name nearest to a misspelt one (edit distance ≤ 2), for "did you mean".
    static func closest(_ word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var current = [i + 1]
                for (j, cb) in b.enumerated() {
                    current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
        let w = Array(word)
        let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
        return best.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }
}

/// A mapping's fields, looked up by name; missing required fields are reported at the mapping.
struct YAMLMapping {
    let node: Node
    let path: FieldPath
    let sink: DiagnosticSink
    let entries: [(key: String, keyNode: Node, value: Node)]

    /// An optional field.
    subscript(_ key: String) -> YAMLValue? {
        entries.first { $0.key == key }.map { YAMLValue(node: $0.value, path: path.key(key), sink: sink) }
    }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// A required field: reported as missing when absent.
    func required(_ key: String) -> YAMLValue? {
        if let value = self[key] { return value }
        sink.error(node.mark, path.key(key), "missing field (required)")
        return nil
    }

    /// Exactly one of `keys` must be present; returns which.
    func exactlyOne(of keys: [String]) -> String? {
        let present = entries.map(\.key).filter(keys.contains)   // in file order
        if present.count == 1 { return present[0] }
        if present.isEmpty {
            sink.error(node.mark, path, "needs one of: \(keys.joined(separator: ", "))")
        } else {
            let second = entries.first { $0.key == present[1] }!
            sink.error(second.keyNode.mark, path.key(present[1]), "give only one of: \(present.joined(separator: ", "))")
        }
        return nil
    }

    /// Reports a field that refers to something elsewhere in the document and is wrong there.
    func error(_ key: String, _ message: String) {
        if let value = self[key] { value.error(message) } else { sink.error(node.mark, path.key(key), message) }
    }
}

import Foundation

/// Parses YAML text into a node, turning Yams' syntax errors into located diagnostics.
enum YAMLDocument {
    /// Composes `text` after the checks of ``YAMLLimits`` (size, control characters, nesting,
    /// aliases, duplicate fields); every problem is located (an empty file at 1:1).
    static func compose(_ text: String, sink: DiagnosticSink) -> Node? {
        if text.utf8.count > YAMLLimits.maximumBytes {
            sink.error(line: 1, column: 1, .root, "the file is \(text.utf8.count) bytes, above the limit of \(YAMLLimits.maximumBytes >> 20) MiB for a model file (put exposures in a CSV file: exposures_csv)")
            return nil
        }
        if text.allSatisfy(\.isWhitespace) {
            sink.error(line: 1, column: 1, .root, "the file is empty (a model needs name, description, unit and a section)")
            return nil
        }
        if let problem = YAMLLimits.firstControlCharacter(in: text) {
            sink.error(line: problem.line, column: problem.column, .root, problem.message)
            return nil
        }
        switch YAMLLimits.compose(text) {
        case .document(let node?): return node
        case .document(nil):
            sink.error(line: 1, column: 1, .root, "the file holds no YAML document (only comments?)")
            return nil
        case .refused(let problems):
            for p in problems { sink.error(line: p.line, column: p.column, .root, p.message) }
            return nil
        case .syntaxError: break   // Yams' composer reports it, located
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                sink.error(line: 1, column: 1, .root, "the file holds no YAML document (only comments?)")
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
                let extra = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
                sink.error(mark, .root, "YAML syntax: \(problem)\(extra)")
            case let .duplicatedKeysInMapping(duplicates, context):
                sink.error(context.mark, .root, "duplicated field\(duplicates.count > 1 ? "s" : "") \(duplicates.joined(separator: ", ")) in one mapping")
            case let .reader(problem, _, _, _):
                sink.error(line: 1, column: 1, .root, "cannot read the file as text: \(problem)")
            default:
                sink.error(line: 1, column: 1, .root, "YAML: \(Diagnostic.quote("\(error)", limit: 200))")
            }
            return nil
        } catch {
            sink.error(line: 1, column: 1, .root, "YAML: \(Diagnostic.quote("\(error)", limit: 200))")
            return nil
        }
    }
}
