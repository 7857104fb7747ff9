import Foundation
import Testing

/// A valid model whose names are what a hostile author would write: spreadsheet formulas, HTML,
/// Markdown links and pipes (no control characters: those are in `escapeModel`).
let hostileModel = #"""
name: "=HYPERLINK(""http://example.invalid"",""click"")"
description: "<script>alert(1)</script>"
unit: eur_bn
stacks:
  - id: s1
    label: Hostile stack
    contributors:
      - id: a
        label: "+HYPERLINK(\"http://example.invalid\",\"x\")"
        source: eu_budget
        instrument: grant
        programme: "@SUM(1+1)"
        amount: 50
      - id: b
        label: "-2+3 <img src=x onerror=alert(1)> | [x](javascript:alert(1))"
        source: private
        instrument: equity
        programme: "=cmd|' /C calc'!A0"
        amount: 150
      - id: c
        label: "plain"
        source: member_state
        instrument: debt
        amount: 10
"""#.replacingOccurrences(of: "\"\"", with: "\\\"")

/// The same model with terminal escape sequences in a label (YAML's `\e` is ESC) and a raw ESC
/// byte in a comment-free value, for the terminal and the diagnostics.
let escapeModel = hostileModel.replacingOccurrences(of: "label: \"plain\"",
                                                    with: "label: \"\\e]0;owned\\a\\e[2J\\e[31mred\\rover\\u202Eevil\"")

@Suite("Safe outputs end to end: what leverage writes from a hostile model")
struct SafeOutputCLITests {
    func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("CSV on stdout and in --output: every text cell that a spreadsheet would run starts with '")
    func csv() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try write(hostileModel, "hostile.yaml", in: folder)
        let result = try leverage(["run", model, "--format", "csv", "--table", "contributions"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("'=cmd|' /C calc'!A0"))
        #expect(result.stdout.contains("\"'+HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\""))
        #expect(result.stdout.contains("'@SUM(1+1)"))
        #expect(result.stdout.contains("'-2+3 <img"))
        let out = folder.appendingPathComponent("out")
        #expect(try leverage(["run", model, "--format", "csv", "--output", out.path, "--quiet"]).status == 0)
        for file in try FileManager.default.contentsOfDirectory(atPath: out.path) where file.hasSuffix(".csv") {
            let text = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                    let bare = cell.hasPrefix("\"") ? cell.dropFirst() : cell
                    if let first = bare.first, "=+@".contains(first) {
                        Issue.record("\(file): a cell starts with \(first): \(line)")
                    }
                    if bare.hasPrefix("-"), Double(bare) == nil, bare != "-inf" {
                        Issue.record("\(file): a text cell starts with -: \(line)")
                    }
                }
            }
        }
    }

    @Test("Markdown: no raw HTML, no link, one line per row")
    func markdown() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try write(hostileModel, "hostile.yaml", in: folder)
        let result = try leverage(["run", model, "--format", "markdown"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("<script") && !result.stdout.contains("<img"))
        #expect(result.stdout.contains("&lt;img src=x onerror=alert(1)&gt; \\| \\[x\\](javascript:alert(1))"))
    }

    @Test("Terminal tables and diagnostics: no control character from the model reaches the terminal")
    func terminal() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try write(escapeModel, "escape.yaml", in: folder)
        let result = try leverage(["run", model])
        // Either the reader accepts the label (and the table shows it escaped) or refuses it (and
        // the diagnostic quotes it escaped): no ESC, CR or bidi override either way.
        #expect(result.status == 0 || result.status == 1)
        for (name, text) in [("stdout", result.stdout), ("stderr", result.stderr)] {
            #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x202E || (0x80...0x9F).contains($0.value) },
                    "\(name): \(text.debugDescription.prefix(300))")
        }
        if result.status == 0 { #expect(result.stdout.contains("\\e]0;owned")) }
        // A raw ESC byte and a NUL in the file: the diagnostic quotes the line, escaped.
        let raw = try write("name: \"x\u{1B}[31m\"\nunit: eur_bn\nstacks: 5\u{1B}[2J\n", "raw.yaml", in: folder)
        let bad = try leverage(["validate", raw])
        #expect(bad.status == 1 && bad.stdout == "")
        #expect(!bad.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(bad.stderr.debugDescription)")
        #expect(bad.stderr.contains("raw.yaml"))
    }

    @Test("A file with 150 problems: the first 100 diagnostics are printed, then how many more; nothing on stdout")
    func diagnosticsCap() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines = ["name: many", "description: many bad amounts", "unit: eur_bn", "stacks:", "  - id: s", "    label: S", "    contributors:"]
        for i in 0..<150 {
            lines += ["      - id: c\(i)", "        label: C\(i)", "        source: private", "        instrument: equity", "        amount: -1"]
        }
        let model = try write(lines.joined(separator: "\n") + "\n", "many.yaml", in: folder)
        let result = try leverage(["validate", model])
        #expect(result.status == 1 && result.stdout == "")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error:") }
        #expect(errors.count == 100)
        #expect(result.stderr.hasSuffix("… and 50 more problems (the first 100 are shown)\n"), "\(result.stderr.suffix(200))")
    }

    @Test("An ESC in a command-line argument is not echoed raw either")
    func escapeInArguments() throws {
        let result = try leverage(["simulate", "no-such\u{1B}[2J.yaml"])
        #expect(result.status == 1 && result.stdout == "")
        #expect(!result.stderr.contains("\u{1B}"))
        let unknown = try leverage(["\u{1B}[2Jnope"])
        #expect(unknown.status == 64 && !unknown.stderr.contains("\u{1B}"))
    }
}
