import Foundation
import Testing

/// Rows of table `name` from `--format json` output (see CLISupport's `jsonTable`).
private func rows(_ json: String, _ name: String) throws -> (columns: [String], rows: [[Any]]) {
    try #require(try jsonTable(json, name))
}

@Suite("leverage stress", .serialized)
struct StressCLITests {
    @Test("same seed: identical CSV on 1 and 2 threads; no progress on a non-terminal stderr")
    func reproducible() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var csv: [[String]] = []
        for threads in ["1", "2"] {
            let out = folder.appendingPathComponent("t\(threads)")
            let r = try leverage(["stress", "gigafactory", "--paths", "300", "--seed", "9", "--threads", threads, "--output", out.path])
            #expect(r.status == 0 && r.stderr.hasPrefix("wrote "), "\(r.stderr)")
            csv.append(try ["cash_flows", "stress_deterministic", "stress_monte_carlo", "dscr_fan", "stress_sites", "stress_holders", "reverse_stress"].map {
                try String(contentsOf: out.appendingPathComponent("\($0).csv"), encoding: .utf8)
            })
        }
        #expect(csv[0] == csv[1] && !csv[0][0].isEmpty)
    }

    @Test("--scenario picks scenarios; the baseline always runs; holders add up to the reported losses")
    func scenarioSelection() throws {
        let r = try leverage(["stress", "gigafactory", "--scenario", "energy_shock", "--scenario", "ai_winter", "--paths", "200", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let mc = try rows(r.stdout, "stress_monte_carlo")
        #expect(mc.rows.map { $0[0] as? String } == ["baseline", "energy_shock", "ai_winter"])
        let pd = try #require(mc.columns.firstIndex(of: "p_default"))
        let probabilities = mc.rows.map { ($0[pd] as? Double) ?? -1 }
        #expect(probabilities[0] <= probabilities[1] && probabilities[0] <= probabilities[2])
        // public_loss = first-loss tranche + public equity; private_loss = senior + private equity.
        let holders = try rows(r.stdout, "stress_holders")
        let pub = try #require(mc.columns.firstIndex(of: "public_loss_eur_m")), priv = try #require(mc.columns.firstIndex(of: "private_loss_eur_m"))
        for row in mc.rows {
            let scenario = row[0] as? String
            let mine = holders.rows.filter { $0[0] as? String == scenario }
            let loss = { (h: String) in (mine.first { $0[1] as? String == h }?[3] as? Double) ?? 0 }
            #expect(abs(loss("EU (InvestAI)") + loss("public equity") - ((row[pub] as? Double) ?? .nan)) < 1e-6)
            #expect(abs(loss("private lenders") + loss("private equity") - ((row[priv] as? Double) ?? .nan)) < 1e-6)
        }
        let reverse = try rows(r.stdout, "reverse_stress")
        #expect(reverse.rows.contains { $0[0] as? String == "first_loss_wiped_out" && $0[1] as? String == "ai_winter" })
    }

    @Test("a bad project field: located error, exit 1, no output at all")
    func badField() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        let bad = text.replacingOccurrences(of: "      tenor_years: 5  ", with: "      tenor_years: 12 ")
        #expect(bad != text)
        let path = folder.appendingPathComponent("bad.yaml").path
        try bad.write(toFile: path, atomically: true, encoding: .utf8)
        let line = bad.components(separatedBy: "\n").firstIndex { $0.contains("tenor_years: 12") }! + 1
        let target = folder.appendingPathComponent("out").path
        let r = try leverage(["stress", path, "--paths", "10", "--output", target])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("\(path):\(line):20: error: project.funding.debt.tenor_years: a tenor of 12.0 years runs past the 10.0 years of operation"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a non-positive-definite driver correlation fails end to end with the leading minor")
    func badCorrelation() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        let bad = text.replacingOccurrences(of: "    - {between: [capex_overrun, delay], value: 0.6}", with: """
                - {between: [gpu_price, electricity_price], value: 0.9}
                - {between: [gpu_price, rate], value: 0.9}
            """)   // with electricity_price–rate 0.3 already in the model: det of the leading 3 × 3 = −0.224
        let path = folder.appendingPathComponent("corr.yaml").path
        try bad.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try leverage(["stress", path, "--paths", "10"])
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr.contains("error: drivers.correlations: the driver correlation matrix") && r.stderr.contains("leading minor 3"), "\(r.stderr)")
    }

    @Test("unknown scenario, a model without a project, bad --paths, too many paths: clean failures")
    func failures() throws {
        let unknown = try leverage(["stress", "gigafactory", "--scenario", "zombie_apocalypse", "--paths", "10"])
        // A scenario the model does not have is a command-line mistake (exit 64), named with the ones it has.
        #expect(unknown.status == 64 && unknown.stdout.isEmpty && unknown.stderr.contains("--scenario 'zombie_apocalypse'")
                && unknown.stderr.contains("no such stress scenario; it has: baseline, energy_shock"))
        let noProject = try leverage(["stress", "efsi", "--paths", "10"])
        #expect(noProject.status == 1 && noProject.stdout.isEmpty && noProject.stderr.contains("has no `project` section"))
        let badPaths = try leverage(["stress", "gigafactory", "--paths", "0"])
        #expect(badPaths.status == 64 && badPaths.stdout.isEmpty)
        // Issue #14: a run whose path outcomes would not fit in memory is refused before it starts.
        let huge = try leverage(["stress", "gigafactory", "--paths", "100000000"])
        #expect(huge.status == 64 && huge.stdout.isEmpty && huge.stderr.contains("--allow-large"), "\(huge.stderr)")
    }

    @Test("--output writes one file per table and the manifest; `run gigafactory` still gives the capital stack")
    func outputFolder() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("result").path
        let r = try leverage(["stress", "gigafactory", "--paths", "50", "--output", target, "--quiet"])
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: target))
        let tables = ["cash_flows", "stress_deterministic", "stress_monte_carlo", "dscr_fan", "stress_sites", "stress_holders", "debt_sizing", "funding_structures", "structure_dscr_fan", "funding_gap", "reverse_stress", "reverse_stress_design_point", "est_ranges"]
        #expect(files == Set(tables.flatMap { ["\($0).txt", "\($0).csv", "\($0).json"] } + ["manifest.json", "report.html", "tables.xlsx"]))
        let manifest = try String(contentsOfFile: target + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"command\": \"stress\"") && manifest.contains("\"paths\": 50"))
        let run = try leverage(["run", "gigafactory", "--format", "csv", "--table", "contributions"])
        #expect(run.status == 0 && run.stdout.hasPrefix("stack,contributor,"))
    }

    @Test("EST ranges: base, every input at its low and high end, adverse and favourable; the base row is the baseline itself (CRN)")
    func ranges() throws {
        let r = try leverage(["stress", "gigafactory", "--scenario", "energy_shock", "--paths", "60", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let table = try rows(r.stdout, "est_ranges")
        let names = table.rows.map { ($0[0] as? String) ?? "" }
        #expect(names.first == "base" && names.suffix(2) == ["adverse", "favourable"])
        #expect(names.contains("chip_unit_cost_usd low") && names.contains("chip_unit_cost_usd high") && names.contains("electricity_eur_per_kwh high"))
        #expect(names.count == 3 + 2 * 13)
        let pd = try #require(table.columns.firstIndex(of: "p_default")), gearing = try #require(table.columns.firstIndex(of: "sized_gearing"))
        let mc = try rows(r.stdout, "stress_monte_carlo")
        let mcPD = try #require(mc.columns.firstIndex(of: "p_default"))
        #expect((table.rows[0][pd] as? Double) == (mc.rows[0][mcPD] as? Double))
        // Dearer GPUs: more capex per unit of CFADS, so the sized gearing falls.
        let row = { (n: String) in table.rows.first { $0[0] as? String == n }! }
        #expect(((row("chip_unit_cost_usd high")[gearing] as? Double) ?? 1) < ((row("chip_unit_cost_usd low")[gearing] as? Double) ?? 0))
    }

    @Test("EST ranges: min_dscr_p50 is null where the sized debt is negligible (below 1 % of capex), a number where the debt is material; a note says why")
    func negligibleDebtDSCR() throws {
        let r = try leverage(["stress", "gigafactory", "--scenario", "energy_shock", "--paths", "200", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let table = try rows(r.stdout, "est_ranges")
        let dscr = try #require(table.columns.firstIndex(of: "min_dscr_p50")), gearing = try #require(table.columns.firstIndex(of: "sized_gearing"))
        var empty: [String] = []
        for row in table.rows {
            let name = (row[0] as? String) ?? "", g = try #require(row[gearing] as? Double)
            if g < 0.01 {
                #expect(row[dscr] is NSNull, "\(name): gearing \(g), min DSCR \(row[dscr])")
            } else {
                // Material debt: a finite median (null only for a non-finite one, which is not a number to print).
                #expect(row[dscr] is NSNull || (row[dscr] as? Double)?.isFinite == true, "\(name)")
            }
            if row[dscr] is NSNull { empty.append(name) }
        }
        // A GPU-hour at $2 leaves almost no debt to size (gearing ≈ 0.2 %); the base keeps its DSCR.
        #expect(empty.contains("price_usd_per_gpu_hour low"), "\(empty)")
        #expect((table.rows[0][dscr] as? Double)?.isFinite == true, "the base keeps its DSCR")
        #expect(r.stdout.contains("min_dscr_p50 is empty (null in JSON) where the sized gearing is below 1 % of capex"))
        #expect(r.stdout.contains("(\(empty.count) of \(table.rows.count) rows)"))
    }

    @Test("a range that does not contain the model's value, an unknown input, a sweep without lock-up: located errors")
    func badRanges() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        for (from, to, message) in [("{input: utilisation, low: 0.6, high: 0.9}", "{input: utilisation, low: 0.85, high: 0.9}", "utilisation of 0.8 is outside [0.85, 0.9]"),
                                    ("{input: pue, low: 1.1", "{input: pue_typo, low: 1.1", "pue_typo"),
                                    ("      lock_up_dscr: 1.3 ", "      lock_up_dscr_off: 1.3 ", "lock_up_dscr_off")] {
            let bad = text.replacingOccurrences(of: from, with: to)
            #expect(bad != text, "\(from)")
            let path = folder.appendingPathComponent("bad.yaml").path
            try bad.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try leverage(["stress", path, "--paths", "10"])
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderr.contains(message), "\(r.stderr)")
        }
    }
}
