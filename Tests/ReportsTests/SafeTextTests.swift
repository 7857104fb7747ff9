import Foundation
import Reports
import Testing

/// Names written by someone else, as a hostile model file would carry them.
let hostileNames = [
    "=cmd|' /C calc'!A0", "+HYPERLINK(\"http://example.invalid\",\"x\")", "-2+3", "@SUM(1+1)", "\tleading tab",
    "\r=1+1", "<script>alert(1)</script>", "a | b", "two\nlines", "\u{1B}]0;owned\u{07}\u{1B}[31mred", "[x](javascript:alert(1))",
    "back\\", "ok name",
]

let hostileTable = Table(
    name: "hostile", title: "Contributions of \u{1B}[2J<b>bold</b>",
    columns: [Column("name", .text), Column("amount_eur_bn", .eurBillion)],
    rows: hostileNames.map { [.text($0), .number(-1.5)] },
    notes: ["note with\nnewline and \u{1B}[31mESC"])

@Suite("Safe outputs: CSV formulas, Markdown and terminal escaping")
struct SafeTextTests {
    @Test("CSV: a text cell starting with =, +, -, @, tab or CR gets a leading ' (OWASP); others are unchanged",
          arguments: ["=1+2", "+1", "-1", "@A1", "\t=1", "\r=1"])
    func formulaTriggers(_ text: String) {
        #expect(SafeText.isFormulaLike(text))
        #expect(SafeText.csvText(text) == "'" + text)
    }

    @Test("CSV: ordinary text, empty text and text with a trigger inside are not prefixed",
          arguments: ["EU budget", "", "a=b", "1-2", " =1", "€50", "'quoted"])
    func ordinaryText(_ text: String) {
        #expect(!SafeText.isFormulaLike(text))
        #expect(SafeText.csvText(text) == text)
    }

    @Test("CSV: numbers stay numbers (a negative number is not prefixed); text is prefixed, then quoted per RFC 4180")
    func csvRenderer() {
        let table = Table(name: "t", title: "t", columns: [Column("name", .text), Column("x", .fraction), Column("n", .count)],
                          rows: [["=1+2,3", -0.25, .integer(-3)], ["-5 %", 0.5, 2], ["plain", -1e-300, 0]])
        #expect(Renderer.csv(table) == """
            name,x,n
            "'=1+2,3",-0.25,-3
            '-5 %,0.5,2
            plain,-1e-300,0

            """)
    }

    @Test("CSV: every hostile name that a spreadsheet would run is written with a leading ', then quoted as RFC 4180 asks")
    func csvHostile() {
        let csv = Renderer.csv(hostileTable)
        for name in hostileNames {
            let text = SafeText.isFormulaLike(name) ? "'" + name : name
            let field = text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            #expect(csv.contains("\n" + field + ",-1.5\n"), "row of \(name.debugDescription)")
        }
    }

    @Test("Markdown: no raw HTML, no link, a pipe or a newline cannot break a row")
    func markdown() {
        #expect(SafeText.markdownCell("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(SafeText.markdownCell("a | b") == "a \\| b")
        #expect(SafeText.markdownCell("two\nlines\r\nthree") == "two lines three")
        #expect(SafeText.markdownCell("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))")
        #expect(SafeText.markdownCell("back\\") == "back\\\\")
        #expect(SafeText.markdownCell("R&D") == "R&amp;D")
        let md = Renderer.markdown(hostileTable)
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        let rows = lines.filter { $0.hasPrefix("|") }
        #expect(rows.count == 2 + hostileNames.count, "header, rule and one line per row")
        for row in rows.dropFirst(2) {
            // Every row has exactly the two cells: three unescaped pipes.
            let unescaped = row.indices.filter { row[$0] == "|" && (($0 == row.startIndex) || row[row.index(before: $0)] != "\\") }
            #expect(unescaped.count == 3, "row \(row)")
        }
        #expect(!md.contains("<"), "no raw HTML")
        #expect(!md.contains("\u{1B}"), "no ESC")
        #expect(md.contains("### Contributions of \\e[2J&lt;b&gt;bold&lt;/b&gt;"))
    }

    @Test("Terminal: ESC, CR, tab, newline, C1 and bidirectional controls are shown escaped; letters are untouched")
    func terminal() {
        #expect(SafeText.terminal("\u{1B}[31mred") == "\\e[31mred")
        #expect(SafeText.terminal("a\rb\tc\nd") == "a\\rb\\tc\\nd")
        #expect(SafeText.terminal("\u{9B}31m") == "\\u{9B}31m")
        #expect(SafeText.terminal("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(SafeText.terminal("Zürich — 5 € ×4.0") == "Zürich — 5 € ×4.0")
        #expect(SafeText.terminalLines("line one\nline \u{1B}two") == "line one\nline \\etwo")
        let huge = String(repeating: "x", count: 5000)
        #expect(SafeText.terminalLines("short\n" + huge, maximumLineLength: 100) == "short\n" + String(repeating: "x", count: 100) + "… (4900 more characters)")
        let text = Renderer.terminal(hostileTable)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "no control character but the line breaks")
        #expect(text.split(separator: "\n").count == 4 + hostileNames.count + 1, "title, rule, header, rule, rows, one note")
    }
}
