import Foundation
import Testing

/// `leverage sensitivity` end to end through the built binary.
@Suite("leverage sensitivity")
struct SensitivityCLITests {
    @Test("The base row is `solve`'s first loss bit for bit (same seed and paths); rows sorted by swing with the binding constraint at each end")
    func matchesSolve() throws {
        let sensitivity = try leverage("sensitivity", "ai-factories", "--paths", "20000", "--seed", "7", "--format", "json", "--quiet")
        #expect(sensitivity.status == 0, "\(sensitivity.stderr)")
        #expect(sensitivity.stderr.isEmpty, "--quiet: \(sensitivity.stderr)")
        let table = try #require(try jsonTable(sensitivity.stdout, "sensitivity"))
        let c = { (name: String) in table.columns.firstIndex(of: name)! }
        let solve = try leverage("solve", "ai-factories", "--paths", "20000", "--seed", "7", "--format", "json", "--quiet")
        #expect(solve.status == 0, "\(solve.stderr)")
        let solution = try #require(try jsonTable(solve.stdout, "solution"))
        let solved = try #require(solution.rows[0][solution.columns.firstIndex(of: "cover")!] as? Double)
        #expect(table.rows[0][c("case")] as? String == "base")
        #expect(table.rows[0][c("first_loss")] as? Double == solved)
        // Gaussian model: pd, correlation, lgd and the two investor limits, a low and a high row each.
        #expect(table.rows.count == 1 + 2 * 5)
        let swings = stride(from: 1, to: table.rows.count, by: 2).map { table.rows[$0][c("swing")] as! Double }
        #expect(swings == swings.sorted(by: >), "\(swings)")
        let pdLow = try #require(table.rows.first { $0[c("case")] as? String == "pd low" })
        let pdHigh = try #require(table.rows.first { $0[c("case")] as? String == "pd high" })
        #expect((pdLow[c("first_loss")] as! Double) <= solved && solved <= (pdHigh[c("first_loss")] as! Double))
        #expect(pdHigh[c("input_value")] as? Double == 1.5)
        for row in table.rows {
            #expect(["expected_loss", "loss_probability"].contains(row[c("binding")] as? String), "\(row)")
        }
        // EL limit as a fraction in JSON (50 bp = 0.005).
        let el = try #require(table.rows.first { $0[c("case")] as? String == "max_expected_loss low" })
        #expect(el[c("input_value")] as? Double == 0.005)
    }

    @Test("Terminal output: the table with its notes, exit 0; a model without risk_cover is a clear error")
    func terminalAndErrors() throws {
        let result = try leverage("sensitivity", "ai-factories", "--paths", "4000", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Minimum first loss over the EST inputs' ranges"), "\(result.stdout.prefix(400))")
        #expect(result.stdout.contains("pd high") && result.stdout.contains("Common random numbers"))
        let none = try leverage("sensitivity", "glasserman-li", "--paths", "1000", "--quiet")
        #expect(none.status == 1)
        #expect(none.stderr.contains("no risk_cover section"), "\(none.stderr)")
        #expect(none.stdout.isEmpty)
    }

    @Test("A bad risk_cover.sensitivity is refused with file:line and the field path, nothing on stdout", arguments: [
        ("pd: [1.5, 0.7]", "m.yaml:14:9: error: risk_cover.sensitivity.pd: low 1.5 is above high 0.7"),
        ("lgd: [-2, 0.1]", "risk_cover.sensitivity.lgd[0]: -2: a lgd shift must be in [-1, 1]"),
        ("correlation: [0.1]", "m.yaml:14:18: error: risk_cover.sensitivity.correlation: expected [low, high], two numbers"),
        ("max_expected_loss_bp: [10, 20000]", "risk_cover.sensitivity.max_expected_loss_bp[1]: 20000: basis points must be in [0, 10000]"),
        ("beta: [0, 1]", "risk_cover.sensitivity"),
    ])
    func badInput(_ entry: String, _ expected: String) throws {
        let dir = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = """
            name: s
            description: t
            unit: eur_m
            portfolio:
              factors: {names: [f], correlation: [[1]]}
              pools:
                - {name: p, count: 1000, ead: 1, pd: 0.02, lgd: 0.5, loadings: {f: 0.4}}
            simulation: {paths: 2000, seed: 1}
            risk_cover:
              public_holder: EU
              private_holder: private
              investors: {max_expected_loss_bp: 30}
              sensitivity:
                \(entry)

            """
        try model.write(to: dir.appendingPathComponent("m.yaml"), atomically: true, encoding: .utf8)
        let result = try leverage("sensitivity", "m.yaml", "--quiet", in: dir)
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
