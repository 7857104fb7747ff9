import Foundation
import Testing

/// Bad model files through the built binary (input side of issue 14): exit code 1, a located
/// message on stderr, nothing on stdout, nothing written; no crash, no hang.
@Suite("CLI: bad model files are refused with exit code 1 and a located error")
struct BadInputFileCLITests {
    static let stack = """
        name: a
        description: b
        unit: eur_bn
        stacks:
          - id: s
            label: S
            contributors:
              - {id: a, label: A, source: eu_budget, instrument: grant, amount: AMOUNT}
              - {id: b, label: B, source: private, instrument: grant, amount: 1e308}
        """

    /// (name, file text, command, expected stderr fragment)
    static let cases: [(name: String, text: String, command: String, expected: String)] = {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for k in 1...9 { bomb += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]\n" }
        return [
            ("amounts that overflow", stack.replacingOccurrences(of: "AMOUNT", with: "1e308"), "run",
             "m.yaml:8:7: error: stacks[0].contributors: the contributions add up to more than 1.7976931348623157e+308: the total overflows"),
            ("an empty contributor id", stack.replacingOccurrences(of: "{id: a,", with: "{id: \"\","), "run",
             "m.yaml:8:14: error: stacks[0].contributors[0].id: expected text, got an empty value"),
            ("an alias bomb", bomb + "? *a9\n: 1\n", "validate", "error: aliases expand to more than 100000 values"),
            ("a duplicate field", "name: a\ndescription: b\nunit: eur_m\nname: c\n", "validate",
             "m.yaml:4:1: error: the field 'name' appears twice in one mapping (first at line 1)"),
            ("a NUL byte", "name: a\u{0}\n", "validate", "m.yaml:1:8: error: a NUL byte (is this a binary file?) is not allowed in a YAML file"),
            ("an empty file", "", "run", "m.yaml:1:1: error: the file is empty"),
            ("a comment-only file", "# nothing\n", "validate", "m.yaml:1:1: error: the file holds no YAML document"),
        ]
    }()

    @Test("Each bad file: exit 1, the located message, nothing on stdout", arguments: 0..<cases.count)
    func refused(_ k: Int) throws {
        let c = BadInputFileCLITests.cases[k]
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try c.text.write(to: dir.appendingPathComponent("m.yaml"), atomically: true, encoding: .utf8)
        let result = try leverage(c.command, "m.yaml", in: dir)
        #expect(result.status == 1, "\(c.name): exit \(result.status), stderr \(result.stderr.prefix(300))")
        #expect(result.stderr.contains(c.expected), "\(c.name): \(result.stderr.prefix(500))")
        if c.command == "run" { #expect(result.stdout.isEmpty, "\(c.name): stdout \(result.stdout.prefix(200))") }
    }

    @Test("validate /dev/null says the file is empty, not that it does not exist")
    func devNull() throws {
        let result = try leverage("validate", "/dev/null")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("/dev/null:1:1: error: the file is empty"), "\(result.stderr)")
    }

    @Test("exposures_csv outside the model's folder needs --allow-data-outside-model-folder")
    func outsideData() throws {
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
        try "name,ead,pd,lgd\na,1,0.1,0.4\nb,2,0.05,0.4\n".write(to: dir.appendingPathComponent("loans.csv"), atomically: true, encoding: .utf8)
        let model = "name: c\ndescription: d\nunit: eur_m\nportfolio:\n  exposures_csv: ../loans.csv\nsimulation: {paths: 1000, seed: 1}\n"
        try model.write(to: dir.appendingPathComponent("model/m.yaml"), atomically: true, encoding: .utf8)
        let refused = try leverage("validate", "model/m.yaml", in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("model/m.yaml:5:18: error: portfolio.exposures_csv: '../loans.csv' is outside the model file's folder"), "\(refused.stderr)")
        let allowed = try leverage("validate", "--allow-data-outside-model-folder", "model/m.yaml", in: dir)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let simulated = try leverage("simulate", "model/m.yaml", "--allow-data-outside-model-folder", "--quiet", in: dir)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let notAllowed = try leverage("simulate", "model/m.yaml", "--quiet", in: dir)
        #expect(notAllowed.status == 1 && notAllowed.stdout.isEmpty)
    }
}
