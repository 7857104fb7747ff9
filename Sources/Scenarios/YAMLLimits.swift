import CYaml
import Yams

/// Bounds on what a model file may ask the reader to do, checked while the document is composed
/// from libyaml's event stream (by ``compose(_:)``, in one pass — Yams' composer hashes every
/// mapping key with tag resolution, which an alias bomb used as a key turns into a hang):
///
/// - the file holds at most ``maximumBytes`` bytes (a data file: ``maximumDataBytes``);
/// - collections nest at most ``maximumDepth`` deep (the schema needs 6);
/// - aliases (`*name`) expand to at most ``maximumAliasExpansion`` nodes in all (the "billion
///   laughs" of nine nested aliases expands to 10⁹ — refused);
/// - an alias is never a field name nor part of one;
/// - a field appears once per mapping: a duplicate is reported at the duplicate, with the line
///   of the first.
///
/// On a syntax error (or an undefined alias, or a second document) the caller lets Yams'
/// composer report it, located.
enum YAMLLimits {
    static let maximumBytes = 64 << 20
    static let maximumDataBytes = 256 << 20
    static let maximumDepth = 64
    static let maximumAliasExpansion = 100_000

    /// One problem found by the pre-pass, at a 1-based line and column.
    struct Problem {
        var line: Int
        var column: Int
        var message: String
    }

    /// The first control character YAML does not allow (C0 except tab, LF and CR; DEL; C1 except
    /// NEL), with its 1-based line and column: libyaml refuses these without saying where.
    static func firstControlCharacter(in text: String) -> Problem? {
        var line = 1, column = 1
        var previousCR = false
        for u in text.unicodeScalars {
            if u == "\n" {
                if !previousCR { line += 1 }
                column = 1
                previousCR = false
                continue
            }
            if u == "\r" { line += 1; column = 1; previousCR = true; continue }
            previousCR = false
            if (u.value < 0x20 && u != "\t") || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0 && u.value != 0x85) || u.value == 0xFFFE || u.value == 0xFFFF {
                let name = u.value == 0 ? "a NUL byte (is this a binary file?)" : "the control character U+\(String(u.value, radix: 16, uppercase: true).leftPadded(to: 4))"
                return Problem(line: line, column: column, message: "\(name) is not allowed in a YAML file")
            }
            column += 1
        }
        return nil
    }

    /// What composing a document gave.
    enum Outcome {
        /// The document's root node (nil: no document, e.g. only comments).
        case document(Node?)
        /// Problems with the limits or with duplicate fields, located.
        case refused([Problem])
        /// A syntax error, an undefined alias or several documents: Yams' composer says which, and where.
        case syntaxError
    }

    /// Composes `text` into nodes from libyaml's event stream, checking the limits on the way.
    /// (Yams' own composer compares every mapping's keys by hashing them with tag resolution —
    /// a third of the time of a 700,000-exposure file — and walks aliased keys whole.)
    static func compose(_ text: String) -> Outcome {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return .syntaxError }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return .document(nil) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> Outcome in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            /// An open collection.
            struct Frame {
                var isMapping: Bool
                var anchor: String?
                var mark: Mark
                var tag: String?
                var flow: Bool
                var size = 1
                var isKey: Bool
                var items: [Node] = []
                var pairs: [(Node, Node)] = []
                var pendingKey: Node?
                var keys: [String: Int] = [:]
                var expectKey: Bool { isMapping && pendingKey == nil }
            }
            var problems: [Problem] = []
            var stack: [Frame] = []
            var anchors: [String: (node: Node, size: Int)] = [:]
            var expanded = 0
            var keysOpen = 0
            var root: Node?
            var documents = 0
            func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            func tag(_ name: String?) -> Tag { name.map { Tag(Tag.Name(rawValue: $0)) } ?? implicitTag }
            /// Whether the node starting now is a mapping key (or lies inside one).
            func startingKey() -> Bool { keysOpen > 0 || (stack.last?.expectKey ?? false) }
            /// A finished node of `size` nodes; a scalar key's text for the duplicate check.
            func finish(_ node: Node, size: Int, anchor: String?, keyText: String?, mark: Mark) {
                if let anchor { anchors[anchor] = (node, size) }
                guard !stack.isEmpty else { root = node; return }
                let top = stack.count - 1
                stack[top].size = min(stack[top].size + size, Int.max / 4)
                if !stack[top].isMapping { stack[top].items.append(node); return }
                if let key = stack[top].pendingKey {
                    stack[top].pairs.append((key, node))
                    stack[top].pendingKey = nil
                    return
                }
                if let keyText {
                    if let first = stack[top].keys[keyText] {
                        problems.append(Problem(line: mark.line, column: mark.column,
                                                message: "the field '\(Diagnostic.quote(keyText, limit: 40))' appears twice in one mapping (first at line \(first))"))
                    } else {
                        stack[top].keys[keyText] = mark.line
                    }
                }
                stack[top].pendingKey = node
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .syntaxError }
                defer { yaml_event_delete(&event) }
                let mark = makeMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return problems.isEmpty ? .document(root) : .refused(problems)
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 { return problems.isEmpty ? .syntaxError : .refused(problems) }
                case YAML_SCALAR_EVENT:
                    let value = event.data.scalar.value.map { p in
                        String(decoding: UnsafeBufferPointer(start: p, count: event.data.scalar.length), as: UTF8.self)
                    } ?? ""
                    let style = Node.Scalar.Style(rawValue: numericCast(event.data.scalar.style.rawValue)) ?? .any
                    let tagName = event.data.scalar.quoted_implicit == 1 ? Tag.Name.str.rawValue : string(event.data.scalar.tag)
                    let node = Node.scalar(.init(value, tag(tagName), style, mark))
                    finish(node, size: 1, anchor: string(event.data.scalar.anchor), keyText: value, mark: mark)
                case YAML_ALIAS_EVENT:
                    let name = string(event.data.alias.anchor) ?? ""
                    if startingKey() {
                        problems.append(Problem(line: mark.line, column: mark.column, message: "an alias (*\(Diagnostic.quote(name, limit: 40))) cannot be a field name"))
                        return .refused(problems)
                    }
                    guard let (node, size) = anchors[name] else { return .syntaxError }   // undefined: the composer says so
                    expanded += size
                    if expanded > maximumAliasExpansion {
                        problems.append(Problem(line: mark.line, column: mark.column,
                                                message: "aliases expand to more than \(maximumAliasExpansion) values (an alias bomb?); write the values out"))
                        return .refused(problems)
                    }
                    finish(node, size: size, anchor: nil, keyText: nil, mark: mark)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = isMapping ? string(event.data.mapping_start.anchor) : string(event.data.sequence_start.anchor)
                    let tagName = isMapping ? string(event.data.mapping_start.tag) : string(event.data.sequence_start.tag)
                    let flow = isMapping ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                    let isKey = startingKey()
                    if isKey { keysOpen += 1 }
                    stack.append(Frame(isMapping: isMapping, anchor: anchor, mark: mark, tag: tagName, flow: flow, isKey: isKey))
                    if stack.count > maximumDepth {
                        problems.append(Problem(line: mark.line, column: mark.column, message: "lists and mappings nest more than \(maximumDepth) deep"))
                        return .refused(problems)
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { return .syntaxError }
                    if frame.isKey { keysOpen -= 1 }
                    let node: Node = frame.isMapping
                        ? .mapping(.init(frame.pairs, tag(frame.tag), frame.flow ? .flow : .block, frame.mark))
                        : .sequence(.init(frame.items, tag(frame.tag), frame.flow ? .flow : .block, frame.mark))
                    finish(node, size: frame.size, anchor: frame.anchor, keyText: nil, mark: frame.mark)
                default:
                    continue
                }
            }
        }
    }

    /// A Yams `Mark` (its initializer is internal to Yams): a struct of two `Int`s, line then
    /// column, built from the same layout. Checked by ``markLayoutIsTwoInts``.
    static func makeMark(line: Int, column: Int) -> Mark {
        struct Layout { let line: Int; let column: Int }
        precondition(markLayoutIsTwoInts)
        return unsafeBitCast(Layout(line: line, column: column), to: Mark.self)
    }

    static let markLayoutIsTwoInts = MemoryLayout<Mark>.size == 2 * MemoryLayout<Int>.size
        && MemoryLayout<Mark>.offset(of: \Mark.column) == MemoryLayout<Int>.size

    /// One implicit tag shared by every untagged node (the readers never resolve tags).
    nonisolated(unsafe) static let implicitTag = Tag(.implicit)
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(width - count, 0)) + self }
}
