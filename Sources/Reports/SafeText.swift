/// Text from a model file made safe for the place it is written to.
///
/// Names, labels and descriptions come from model files, which may be written by someone else
/// (a shared drive, a mailed YAML). What the tool writes is opened in a spreadsheet, rendered as
/// Markdown or printed on a terminal, and each of those interprets some text as commands:
///
/// - **Spreadsheets** run a CSV cell as a formula when it starts with `=`, `+`, `-` or `@` (and
///   some also after a leading tab or carriage return): `=HYPERLINK(…)`, `=cmd|' /C calc'!A0`.
///   The rule is OWASP's "CSV Injection" guidance: a *text* cell starting with one of `=`, `+`,
///   `-`, `@`, tab or carriage return is written with a leading apostrophe `'`, which every
///   spreadsheet shows as text; numbers are written as numbers and never prefixed.
/// - **Markdown** renders raw HTML (`<script>`, `<img onerror=…>`), links and images, and a pipe
///   or a newline inside a cell breaks the table row.
/// - **Terminals** obey control characters: ESC starts a sequence that can recolour, move the
///   cursor, retitle the window or hide text; a carriage return overwrites the line; Unicode
///   bidirectional controls reorder what is shown ("Trojan Source", CVE-2021-42574).
///
/// The HTML report and the xlsx workbook escape for their own formats (`HTML.escape`, XML
/// escaping of inline strings) and need nothing from here.
public enum SafeText {
    /// The characters that make a spreadsheet treat a cell as a formula (OWASP CSV Injection).
    public static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A text cell for CSV: prefixed with `'` when its first character is a formula trigger
    /// (``formulaTriggers``), otherwise unchanged. Quoting for RFC 4180 is the caller's job.
    ///
    ///     SafeText.csvText("=1+2")      // "'=1+2"
    ///     SafeText.csvText("-5 %")      // "'-5 %"   (text, not a number)
    ///     SafeText.csvText("EU budget") // "EU budget"
    public static func csvText(_ s: String) -> String {
        isFormulaLike(s) ? "'" + s : s
    }

    /// Whether `s` would be read as a formula by a spreadsheet if written unprefixed.
    public static func isFormulaLike(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        return formulaTriggers.contains(first)
    }

    /// A text cell for a GitHub-flavoured Markdown table: HTML's `&`, `<`, `>` as entities (no raw
    /// HTML, no autolinks), `\`, `|`, `[`, `]` and the backtick backslash-escaped (no broken row, no link,
    /// image or code span), line breaks folded to one space (one row stays one row), other control
    /// characters made visible as in ``terminal(_:)``.
    public static func markdownCell(_ s: String) -> String {
        markdown(s, escaping: ["\\", "|", "[", "]", "`"])
    }

    /// Markdown prose (a title or a note written by the tool, possibly quoting a model name):
    /// like ``markdownCell(_:)`` but code spans and links the tool writes itself keep working —
    /// only HTML, line breaks and control characters are neutralised.
    public static func markdownText(_ s: String) -> String {
        markdown(s, escaping: [])
    }

    /// The loop shared by ``markdownCell(_:)`` and ``markdownText(_:)``: each run of line breaks
    /// (LF, CR, NEL, U+2028, U+2029) becomes one space, `&`, `<`, `>` become entities, a scalar in
    /// `escaping` gets a backslash before it, and other control characters are made visible.
    static func markdown(_ s: String, escaping: Set<Unicode.Scalar>) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var previousWasBreak = false
        for scalar in s.unicodeScalars {
            let isBreak = scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{85}"
            if isBreak {
                if !previousWasBreak { out.append(" ") }
                previousWasBreak = true
                continue
            }
            previousWasBreak = false
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case _ where escaping.contains(scalar): out += "\\" + String(scalar)
            default: out += visible(scalar)
            }
        }
        return out
    }

    /// One line of terminal text: every control character (C0 including tab, CR and LF; DEL;
    /// C1) and every Unicode bidirectional or invisible formatting control written as a visible
    /// escape (`\e` for ESC, `\t`, `\r`, `\n`, otherwise `\u{…}`), so that nothing from a model
    /// file can drive the terminal or hide text. Printable text, including non-ASCII letters, is
    /// unchanged.
    public static func terminal(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        for scalar in s.unicodeScalars { out += visible(scalar) }
        return out
    }

    /// Multi-line terminal text (a diagnostic with its source line and caret): each line as
    /// ``terminal(_:)``, the line breaks kept; with `maximumLineLength`, a longer line is cut
    /// there and ends with `… (N more characters)` (a 10 MB value echoed in a message).
    public static func terminalLines(_ s: String, maximumLineLength: Int? = nil) -> String {
        let needsCut = maximumLineLength.map { limit in s.split(separator: "\n").contains { $0.count > limit } } ?? false
        guard needsCut || s.unicodeScalars.contains(where: { $0 != "\n" && needsEscape($0) }) else { return s }
        return s.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if let limit = maximumLineLength, line.count > limit {
                return terminal(String(line.prefix(limit))) + "… (\(line.count - limit) more characters)"
            }
            return terminal(String(line))
        }.joined(separator: "\n")
    }

    /// Whether a scalar is shown escaped on a terminal.
    static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return true }
        // Bidirectional embeddings, overrides and isolates; zero-width and BOM; the LRM/RLM/ALM marks.
        return (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F
            || v == 0x061C || v == 0x200B || v == 0xFEFF || v == 0x2028 || v == 0x2029
    }

    static func visible(_ c: Unicode.Scalar) -> String {
        guard needsEscape(c) else { return String(c) }
        switch c {
        case "\u{1B}": return "\\e"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "\n": return "\\n"
        default: return "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
        }
    }
}
