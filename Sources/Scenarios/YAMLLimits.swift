import CYaml

/// Bounds on what a model file may ask the reader to do, checked on libyaml's event stream
/// before the document is composed into nodes (composing is where an alias bomb or a
/// 100,000-deep nesting would hang or overflow the stack):
///
/// - the file holds at most ``maximumBytes`` bytes (a data file: ``maximumDataBytes``);
/// - collections nest at most ``maximumDepth`` deep (the schema needs 6);
/// - aliases (`*name`) expand to at most ``maximumAliasExpansion`` nodes in all (the "billion
///   laughs" of nine nested aliases expands to 10⁹ — refused);
/// - an alias is never a field name nor part of one (comparing such keys for duplicates walks
///   the whole expansion);
/// - a field appears once per mapping: a duplicate is reported at the duplicate, with the line
///   of the first.
///
/// The pre-pass stops at the first syntax error and leaves it to the composer, which reports it.
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

    /// Runs the event pre-pass over `text`; returns the problems found (empty if none).
    static func check(_ text: String) -> [Problem] {
        var problems: [Problem] = []
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return [] }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return [] }
        return bytes.withUnsafeMutableBufferPointer { buffer -> [Problem] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            /// An open collection.
            struct Frame {
                var isMapping: Bool
                var anchor: String?
                var size = 1
                var expectKey = true
                var isKey: Bool
                var keys: [String: Int] = [:]
            }
            var stack: [Frame] = []
            var anchorSizes: [String: Int] = [:]
            var expanded = 0
            var keysOpen = 0
            func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            /// Whether the node starting now is a mapping key (or lies inside one).
            func startingKey() -> Bool { keysOpen > 0 || (stack.last.map { $0.isMapping && $0.expectKey } ?? false) }
            /// A finished node of `size` nodes; a scalar key's text for the duplicate check.
            func finish(size: Int, anchor: String?, keyText: String?, line: Int, column: Int) {
                if let anchor { anchorSizes[anchor] = size }
                guard !stack.isEmpty else { return }
                stack[stack.count - 1].size = min(stack[stack.count - 1].size + size, Int.max / 4)
                if stack[stack.count - 1].isMapping {
                    if stack[stack.count - 1].expectKey, let keyText {
                        if let first = stack[stack.count - 1].keys[keyText] {
                            problems.append(Problem(line: line, column: column,
                                                    message: "the field '\(Diagnostic.quote(keyText, limit: 40))' appears twice in one mapping (first at line \(first))"))
                        } else {
                            stack[stack.count - 1].keys[keyText] = line
                        }
                    }
                    stack[stack.count - 1].expectKey.toggle()
                }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return problems }   // the composer reports syntax errors
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return problems
                case YAML_SCALAR_EVENT:
                    let value = event.data.scalar.value.map { p in
                        String(decoding: UnsafeBufferPointer(start: p, count: event.data.scalar.length), as: UTF8.self)
                    } ?? ""
                    finish(size: 1, anchor: string(event.data.scalar.anchor), keyText: value, line: line, column: column)
                case YAML_ALIAS_EVENT:
                    let name = string(event.data.alias.anchor) ?? ""
                    if startingKey() {
                        problems.append(Problem(line: line, column: column, message: "an alias (*\(Diagnostic.quote(name, limit: 40))) cannot be a field name"))
                        return problems
                    }
                    guard let size = anchorSizes[name] else { return problems }   // undefined: the composer says so
                    expanded += size
                    if expanded > maximumAliasExpansion {
                        problems.append(Problem(line: line, column: column,
                                                message: "aliases expand to more than \(maximumAliasExpansion) values (an alias bomb?); write the values out"))
                        return problems
                    }
                    finish(size: size, anchor: nil, keyText: nil, line: line, column: column)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = isMapping ? string(event.data.mapping_start.anchor) : string(event.data.sequence_start.anchor)
                    let isKey = startingKey()
                    if isKey { keysOpen += 1 }
                    stack.append(Frame(isMapping: isMapping, anchor: anchor, isKey: isKey))
                    if stack.count > maximumDepth {
                        problems.append(Problem(line: line, column: column, message: "lists and mappings nest more than \(maximumDepth) deep"))
                        return problems
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { return problems }
                    if frame.isKey { keysOpen -= 1 }
                    finish(size: frame.size, anchor: frame.anchor, keyText: nil, line: line, column: column)
                default:
                    continue
                }
            }
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(width - count, 0)) + self }
}
