import Foundation
import Testing

/// `simulate` and `solve` of a model with a `lifetime` section, end to end through the binary.
@Suite("leverage simulate/solve with a lifetime section")
struct LifetimeCLITests {
    @Test("simulate investeu-sme-guarantee: yearly table 2027–2034 and the net present budgetary cost, money columns in eur_m; thread-invariant")
    func simulateTables() throws {
        let runs = try [1, 2].map { threads in
            try leverage("simulate", "investeu-sme-guarantee", "--paths", "4000", "--threads", "\(threads)", "--format", "json", "--quiet")
        }
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        let flows = try #require(try jsonTable(runs[0].stdout, "lifetime_flows"))
        #expect(flows.columns.contains("expected_calls_eur_m") && flows.columns.contains("net_cost_q99_eur_m"))
        let years = Set(flows.rows.compactMap { $0[1] as? Int })
        #expect(years == Set(2027...2034), "\(years)")
        let cost = try #require(try jsonTable(runs[0].stdout, "lifetime_budgetary_cost"))
        let npbc = try #require(cost.rows.first { ($0[0] as? String) == "EU" && ($0[1] as? String)?.hasPrefix("net present budgetary cost") == true })
        #expect((npbc[2] as? Double).map { $0.isFinite } == true)
        let portfolio = try #require(try jsonTable(runs[0].stdout, "lifetime_portfolio"))
        // The tranche covers [0, 1] of the volume, so its gross lifetime loss is L_T path by path:
        // its mean is the portfolio's cumulative loss at the horizon; net + the guarantee's calls = gross.
        let tranches = try #require(try jsonTable(runs[0].stdout, "lifetime_tranches"))
        let column = { (name: String) in try #require(tranches.columns.firstIndex(of: name)) }
        let expected = try column("expected_loss_eur_m"), net = try column("expected_net_loss_eur_m")
        let tranche = try #require(tranches.rows.first { ($0[0] as? String) == "tranche" && ($0[1] as? String) == "portfolio" })
        let calls = try #require(tranches.rows.first { ($0[0] as? String) == "guarantee calls" && ($0[1] as? String) == "eu_guarantee" })
        let cumulative = try #require(portfolio.columns.firstIndex(of: "cumulative_loss_eur_m"))
        let atHorizon = try #require(portfolio.rows.last?[cumulative] as? Double)
        let gross = try #require(tranche[expected] as? Double), netLoss = try #require(tranche[net] as? Double)
        let guaranteeCalls = try #require(calls[expected] as? Double)
        #expect(gross > 0 && guaranteeCalls > 0 && netLoss < gross)
        #expect(abs(gross - atHorizon) <= 1e-9 * gross, "tranche \(gross) vs cumulative loss \(atHorizon)")
        #expect(abs(netLoss + guaranteeCalls - gross) <= 1e-9 * gross, "net \(netLoss) + calls \(guaranteeCalls) vs gross \(gross)")
        #expect(try jsonTable(runs[1].stdout, "lifetime_flows")!.rows.description == flows.rows.description, "thread count changed the lifetime table")
    }

    @Test("solve project-bond-enhancement reports the lifetime first loss and provisioning")
    func solveLifetime() throws {
        let result = try leverage("solve", "project-bond-enhancement", "--paths", "4000", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let table = try #require(try jsonTable(result.stdout, "lifetime_solution"))
        let x = try #require(table.rows.first { ($0[0] as? String)?.hasPrefix("lifetime first loss") == true }?[1] as? Double)
        #expect(x >= 0 && x <= 1)
        #expect(table.rows.contains { ($0[0] as? String)?.contains("lifetime provisioning rate") == true })
    }

    @Test("A non-monotone cumulative PD curve: exit 1, file:line and field path, nothing on stdout")
    func badCurve() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifetime-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/project-bond-enhancement.yaml"), encoding: .utf8)
        let bad = source.replacingOccurrences(of: "[0.0075, 0.017, 0.027,", with: "[0.0075, 0.017, 0.012,")
        #expect(bad != source)
        let file = folder.appendingPathComponent("bad.yaml")
        try bad.write(to: file, atomically: true, encoding: .utf8)
        let result = try leverage("simulate", file.path, "--paths", "1000", "--quiet")
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.yaml:") && result.stderr.contains("lifetime.items.ai_datacentre.cumulative_pd[2]") && result.stderr.contains("nondecreasing"), "\(result.stderr)")
    }
}
