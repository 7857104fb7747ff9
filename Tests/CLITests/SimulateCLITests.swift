import Foundation
import Testing

/// `leverage simulate` end to end through the built binary.
@Suite("leverage simulate")
struct SimulateCLITests {
    /// The tables of a JSON document, without the manifest (which carries the time).
    func tables(_ json: String) throws -> String {
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let data = try JSONSerialization.data(withJSONObject: object["tables"]!, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("Same model and seed: bit-identical tables for 1, 2 and 8 threads; another seed differs")
    func reproducible() throws {
        let runs = try [1, 2, 8].map { threads in
            try leverage("simulate", "benchmark-b1000", "--paths", "20000", "--seed", "11", "--threads", "\(threads)", "--format", "json", "--quiet")
        }
        #expect(runs.allSatisfy { $0.status == 0 })
        let first = try tables(runs[0].stdout)
        #expect(try tables(runs[1].stdout) == first)
        #expect(try tables(runs[2].stdout) == first)
        let other = try leverage("simulate", "benchmark-b1000", "--paths", "20000", "--seed", "12", "--format", "json", "--quiet")
        #expect(try tables(other.stdout) != first)
    }

    @Test("B1000: the estimated expected loss is within 4 standard errors of the exact Σ EAD·PD·LGD")
    func expectedLossAgainstExact() throws {
        let result = try leverage("simulate", "benchmark-b1000", "--paths", "50000", "--format", "json", "--quiet")
        #expect(result.status == 0)
        let table = try #require(try jsonTable(result.stdout, "portfolio_loss"))
        let exact = try #require(table.rows.first { $0[0] as? String == "expected loss (exact)" }?[2] as? Double)
        let row = try #require(table.rows.first { $0[0] as? String == "expected loss" })
        let estimate = try #require(row[2] as? Double), se = try #require(row[4] as? Double)
        // Exact: Σᵢ EADᵢ·PDᵢ·0.45 from the benchmark's formulas, computed here independently.
        var reference = 0.0
        for i in 0..<1000 {
            reference += (1 + 9 * Double((37 * i) % 100) / 99) * (0.005 + 0.045 * Double(i % 100) / 99) * 0.45
        }
        #expect(abs(exact - reference) < 1e-9 * reference)
        #expect(se > 0 && abs(estimate - reference) <= 4 * se, "estimate \(estimate), exact \(reference), SE \(se)")
        let holders = try #require(try jsonTable(result.stdout, "holders"))
        let holderEL = holders.rows.filter { $0[1] as? String == "expected loss" }.compactMap { $0[3] as? Double }
        #expect(holderEL.count == 3 && abs(holderEL.reduce(0, +) - estimate) < 1e-9 * estimate, "holders' losses add up to the portfolio loss")
    }

    @Test("--output writes every table, the manifest (paths and seed), report.html and tables.xlsx")
    func output() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run")
        let result = try leverage("simulate", "benchmark-b1000", "--paths", "5000", "--seed", "3", "--format", "csv", "--output", out.path, "--quiet")
        #expect(result.status == 0 && result.stdout == "" && result.stderr == "")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == ["holders.csv", "holders.json", "loss_distribution.csv", "loss_distribution.json", "manifest.json", "portfolio_loss.csv",
                    "portfolio_loss.json", "report.html", "tables.xlsx", "tranches.csv", "tranches.json"])
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        let parameters = try #require(manifest["parameters"] as? [String: Any])
        #expect(parameters["paths"] as? Int == 5000 && parameters["seed"] as? Int == 3)
        #expect(parameters["obligor_draws"] as? Int == 5_000_000)
    }

    @Test("A model without a portfolio, a bad portfolio, and bad arguments fail cleanly with nothing written")
    func failures() throws {
        let noPortfolio = try leverage("simulate", "investai")
        #expect(noPortfolio.status == 1 && noPortfolio.stdout == "")
        #expect(noPortfolio.stderr == "error: embedded:investai: the model has no `portfolio` section to simulate (it is an accounting model: try `leverage run investai`)\n")

        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/benchmark-b1000.yaml"), encoding: .utf8)
        try model.replacingOccurrences(of: "attachment: 0.05, detachment: 0.15", with: "attachment: 0.05, detachment: 1.15")
            .write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        try String(contentsOf: repositoryRoot.appendingPathComponent("Models/benchmark-b1000.csv"), encoding: .utf8)
            .write(to: folder.appendingPathComponent("benchmark-b1000.csv"), atomically: true, encoding: .utf8)
        let bad = try leverage("simulate", "bad.yaml", "--output", "out", in: folder)
        #expect(bad.status == 1 && bad.stdout == "")
        #expect(bad.stderr.contains("bad.yaml:"))
        #expect(bad.stderr.contains(": error: risk_sharing.tranches[1].detachment: 1.15 is above 1\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))

        #expect(try leverage("simulate", "benchmark-b1000", "--paths", "0").status == 64)
    }
}
