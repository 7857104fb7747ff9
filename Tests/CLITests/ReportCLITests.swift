import Foundation
import Testing

/// Every bundled command's default output, at the widths the README promises.
let bundledCommands: [(name: String, arguments: [String])] = [
    ("leverage", []),
    ("models", ["models"]),
    ("run-ai-factories", ["run", "ai-factories"]),
    ("simulate", ["simulate", "investai-risk-sharing", "--paths", "4000"]),
    ("simulate-sme-guarantee", ["simulate", "sme-guarantee", "--paths", "4000"]),
    ("sweep", ["sweep", "investai-risk-sharing", "--paths", "4000"]),
    ("solve", ["solve", "investai-risk-sharing", "--paths", "4000"]),
    ("stress", ["stress", "gigafactory", "--paths", "400"]),
    ("sensitivity", ["sensitivity", "investai-risk-sharing", "--paths", "4000"]),
]

/// Every bundled command that writes a report, as scripts/check-deliverables.sh lists them: `run`
/// of every bundled model (from `leverage models`), `simulate` and `sweep` of every model with a
/// portfolio, `solve` of every model with investor constraints and the guarantee-cap solve,
/// `stress` of every model with a project, `compare` of the accounting models; `merge` is checked
/// by `chartsOfMergedShards`.
func reportCommands() throws -> [(name: String, arguments: [String])] {
    let models = try runProcess(leverageBinary, ["models", "--format", "csv"]).stdout
        .split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
    #expect(models.count >= 12)
    var commands: [(String, [String])] = []
    var accounting: [String] = []
    for model in models {
        let yaml = try runProcess(leverageBinary, ["show", model]).stdout
        let sections = Set(yaml.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("#") }.map { String($0.prefix { $0 != ":" }) })
        commands.append(("run-\(model)", ["run", model]))
        if sections.contains("portfolio") {
            commands.append(("simulate-\(model)", ["simulate", model, "--paths", "2000"]))
            commands.append(("sweep-\(model)", ["sweep", model, "--paths", "1000"]))
            if yaml.contains("\n  investors:") {
                commands.append(("solve-\(model)", ["solve", model, "--paths", "1000"]))
                commands.append(("sensitivity-\(model)", ["sensitivity", model, "--paths", "1000"]))
            }
        } else if sections.contains("project") {
            commands.append(("stress-\(model)", ["stress", model, "--paths", "200"]))
        } else {
            accounting.append(model)
        }
    }
    commands.append(("solve-guarantee-cap", ["solve", "sme-guarantee", "--solve-for", "guarantee-cap", "--paths", "1000"]))
    commands.append(("compare", ["compare"] + accounting))
    return commands
}

/// The columns each table's chart is meant to plot (`data-column`; a fan's bands name theirs in
/// `data-columns`, and its median is `dscr_p50`) — never a limit, a budget or an iteration count.
let intendedChartColumns: [String: Set<String>] = [
    "contributions": ["amount_eur_bn", "amount_eur_m"], "by_source": ["amount_eur_bn", "amount_eur_m"], "multipliers": ["value"], "eu_effects": ["value"],
    "allocations": ["amount_eur_bn", "amount_eur_m"], "chain_base": ["amount_eur_bn", "amount_eur_m"], "chain_stages": ["amount_eur_bn", "amount_eur_m"],
    "constraints": ["cover"], "largest_portfolio": ["volume_eur_m"], "solution": ["leverage"],
    "provisioning": ["provisioning_rate"], "loss_distribution": ["probability"], "exceedance": ["probability"],
    "sweep": ["leverage", "private_expected_loss_rate", "private_loss_probability", "public_cost_per_euro_mobilised"],
    "cover_curve": ["leverage", "private_expected_loss_rate", "private_loss_probability", "public_cost_per_euro_mobilised"],
    "cash_flows": ["cfads_eur_m", "debt_service_eur_m"], "dscr_fan": ["dscr_p50"], "structure_dscr_fan": ["dscr_p50"], "stress_monte_carlo": ["p_default"],
    "stress_deterministic": ["min_dscr"], "stress_sites": ["p_default"], "stress_holders": ["expected_loss_eur_m"],
    "tranches": ["expected_loss_eur_bn", "expected_loss_eur_m", "net_expected_loss_eur_m"],
    "holders": ["amount_eur_bn", "amount_eur_m", "expected_eur_m"], "portfolio_loss": ["amount_eur_bn", "amount_eur_m"],
    "guarantees": ["expected_calls_eur_m"], "est_ranges": ["p_default"],
    "sensitivity": ["first_loss", "guarantee_rate", "guarantee_cap"],
]

/// Checks every chart of the report in `out` against its table's JSON: declared columns only,
/// the table's own values. Returns the names of the tables charted.
func checkReportCharts(_ name: String, _ out: URL) throws -> Set<String> {
    let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    let charts = reportCharts(html)
    #expect(charts["reverse_stress"] == nil, "the reverse stress test has no single unit to chart")
    for (table, values) in charts {
        // `compare` names a table's second set of columns (another money unit) NAME_2.
        let kind = table.replacingOccurrences(of: #"_[0-9]+$"#, with: "", options: .regularExpression)
        guard let declared = intendedChartColumns[kind] else { Issue.record("\(name): unexpected chart of \(table)"); continue }
        let data = try #require(try jsonTable(String(contentsOf: out.appendingPathComponent("\(table).json"), encoding: .utf8), table))
        #expect(!values.isEmpty, "\(name) \(table)")
        for v in values {
            #expect(declared.contains(v.column), "\(name) \(table) plots \(v.column)")
            let j = try #require(data.columns.firstIndex(of: v.column))
            // Foundation's JSON reader on Linux may round the last bit of a decimal: compare to 1e-14 relative.
            let cell = (data.rows[v.row][j] as? Double) ?? (data.rows[v.row][j] as? Int).map(Double.init)
            #expect(cell.map { abs($0 - v.value) <= 1e-14 * max(abs($0), abs(v.value)) } == true,
                    "\(name) \(table) row \(v.row) \(v.column): \(String(describing: cell)) vs \(v.value)")
        }
    }
    return Set(charts.keys.map { $0.replacingOccurrences(of: #"_[0-9]+$"#, with: "", options: .regularExpression) })
}

/// Runs `leverage` with `COLUMNS` set (nil: unset), stdout not a terminal.
func leverage(_ arguments: [String], columns: Int?) throws -> CommandResult {
    var environment = ProcessInfo.processInfo.environment
    environment["COLUMNS"] = columns.map(String.init)
    return try runProcess(leverageBinary, arguments, environment: environment)
}

/// The chart values in a report: per table name, its plotted (row, column, value).
func reportCharts(_ html: String) -> [String: [(row: Int, column: String, value: Double)]] {
    var out: [String: [(Int, String, Double)]] = [:]
    for section in html.components(separatedBy: "<section id=\"").dropFirst() {
        guard let name = section.range(of: "<small><code>").map({ String(section[$0.upperBound...].prefix { $0 != "<" }) }) else { continue }
        guard section.contains("<svg") else { continue }
        let pattern = try! NSRegularExpression(pattern: #"data-row="(\d+)" data-column="([^"]+)" data-value="([^"]+)""#)
        out[name] = pattern.matches(in: section, range: NSRange(section.startIndex..., in: section)).map { m in
            func group(_ k: Int) -> String { String(section[Range(m.range(at: k), in: section)!]) }
            return (Int(group(1))!, group(2), Double(group(3))!)
        }
    }
    return out
}

@Suite("leverage: tables that fit, charts by intent")
struct ReportCLITests {
    /// `Golden/width-80/NAME.txt` and `Golden/width-120/NAME.txt`; regenerate with
    /// `scripts/update-width-goldens.sh` after an intended change (and read the diff).
    @Test("Every bundled command's default output at 80 and 120 columns: exactly the golden file, no line wider",
          arguments: [80, 120])
    func golden(width: Int) throws {
        for (name, arguments) in bundledCommands {
            let result = try leverage(arguments + ["--quiet"], columns: width)
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let wide: [String] = result.stdout.components(separatedBy: "\n").filter { $0.count > width }
            #expect(wide.isEmpty, "\(name) at \(width): \(wide.first ?? "")")
            let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/CLITests/Golden/width-\(width)/\(name).txt"), encoding: .utf8)
            #expect(result.stdout == golden, "\(name) at \(width) columns differs from its golden file")
        }
    }

    @Test("Not a terminal and no COLUMNS: 80 columns; --wide: every column, however wide")
    func defaultWidth() throws {
        let plain = try leverage(["sweep", "investai-risk-sharing", "--paths", "2000", "-q"], columns: nil)
        #expect(plain.stdout == (try leverage(["sweep", "investai-risk-sharing", "--paths", "2000", "-q"], columns: 80)).stdout)
        let wide = try leverage(["sweep", "investai-risk-sharing", "--paths", "2000", "-q", "--wide"], columns: 80)
        #expect(wide.stdout.contains("public_loss_q999") || wide.stdout.contains("public loss q999"))
        #expect(!wide.stdout.contains("Not shown"))
        #expect(plain.stdout.contains("Not shown: "))
    }

    @Test("--format csv with several tables asks for --table (exit 64); with --table it is one CSV pandas reads")
    func csvOnStdout() throws {
        let refused = try leverage(["run", "investai", "--format", "csv"], columns: nil)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--table NAME") && refused.stderr.contains("contributions"))
        let one = try leverage(["run", "investai", "--format", "csv", "--table", "multipliers"], columns: nil)
        #expect(one.status == 0)
        #expect(one.stdout.hasPrefix("scope,multiplier,value,numerator_eur_bn,denominator_eur_bn,definition\n"))
        let unknown = try leverage(["run", "investai", "--table", "nope"], columns: nil)
        #expect(unknown.status == 64 && unknown.stderr.contains("multipliers"))
    }

    @Test("Booleans are booleans in CSV and JSON; floats are shortest round-trip")
    func booleans() throws {
        let csv = try leverage(["solve", "investai-risk-sharing", "--paths", "2000", "--format", "csv", "--table", "solution", "-q"], columns: nil)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",true,") }, "feasible = true")
        let json = try leverage(["sweep", "investai-risk-sharing", "--paths", "2000", "--format", "json", "-q"], columns: nil)
        let table = try #require(try jsonTable(json.stdout, "sweep"))
        let hold = try #require(table.columns.firstIndex(of: "all_constraints_hold"))
        #expect(table.rows.allSatisfy { $0[hold] is Bool })
    }

    @Test("--output writes CSV and JSON per table beside the report and workbook, whatever the format")
    func outputFiles() throws {
        let out = try scratchFolder().appendingPathComponent("r")
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        let result = try leverage(["run", "investai", "--output", out.path, "-q"], columns: nil)
        #expect(result.status == 0)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for table in ["contributions", "by_source", "allocations", "multipliers"] {
            #expect(files.isSuperset(of: ["\(table).csv", "\(table).json", "\(table).txt"]), "\(table)")
        }
        #expect(files.isSuperset(of: ["manifest.json", "report.html", "tables.xlsx"]))
    }

    /// The report of every bundled command: each chart plots its table's own values, in the
    /// columns it declares (never a limit, a budget or an iteration count).
    @Test("Every chart of every bundled command plots its table's declared columns with the table's values", .timeLimit(.minutes(15)))
    func chartsMatchTables() throws {
        var seen = Set<String>()
        let commands = try reportCommands()
        #expect(commands.count >= 30)
        for (name, arguments) in commands {
            let out = try scratchFolder().appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
            let result = try leverage(arguments + ["--output", out.path, "-q"], columns: nil)
            try #require(result.status == 0, "\(name): \(result.stderr)")
            seen.formUnion(try checkReportCharts(name, out))
        }
        // Every intended chart is drawn by some bundled command (the list above holds no dead entry).
        #expect(seen == Set(intendedChartColumns.keys), "not drawn: \(Set(intendedChartColumns.keys).subtracting(seen).sorted())")
    }

    @Test("The report merged from shards has the single run's charts", arguments: ["simulate", "sweep"])
    func chartsOfMergedShards(command: String) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parts = folder.appendingPathComponent("parts"), merged = folder.appendingPathComponent("merged"), single = folder.appendingPathComponent("single")
        let run = [command, "investai-risk-sharing", "--paths", "2000", "-q"]
        for shard in ["1/2", "2/2"] {
            let r = try leverage(run + ["--shard", shard, "--output", parts.path], columns: nil)
            try #require(r.status == 0, "\(r.stderr)")
        }
        let m = try leverage(["merge", parts.path, "--output", merged.path, "-q"], columns: nil)
        try #require(m.status == 0, "\(m.stderr)")
        let s = try leverage(run + ["--output", single.path], columns: nil)
        try #require(s.status == 0, "\(s.stderr)")
        let charted = try checkReportCharts("merge \(command)", merged)
        #expect(!charted.isEmpty)
        #expect(charted == (try checkReportCharts(command, single)))
    }
}
