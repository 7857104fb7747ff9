import Foundation
import Testing

/// The built `leverage` binary, end to end: exact output and exit codes.
@Suite("leverage run, validate, models")
struct RunCLITests {
    @Test("No arguments: the embedded InvestAI baseline — EU 50, private 150, total 200 bn, total / EU ×4.0")
    func defaultRun() throws {
        let result = try leverage()
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/CLITests/Golden/investai.txt"), encoding: .utf8)
        #expect(result.stdout == golden)
        // Every column, however wide (not a terminal: 80 columns by default).
        let lines = try leverage("--wide").stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("investai  EU budget (existing programmes)") && $0.contains(" 50.00 ") })
        #expect(lines.contains { $0.hasPrefix("investai  Private partners") && $0.contains(" 150.00 ") })
        #expect(lines.contains { $0.hasPrefix("investai  total ") && $0.contains(" 200.00 ") })
        #expect(lines.contains { $0.hasPrefix("investai  total / EU budget   ×4.0") })
    }

    @Test("`run investai` and `run Models/investai.yaml` give the same tables as no arguments")
    func sameAsDefault() throws {
        let bare = try leverage()
        #expect(try leverage("run", "investai").stdout == bare.stdout)
        #expect(try leverage("run", "Models/investai.yaml").stdout == bare.stdout)
    }

    @Test("run investai|efsi|investeu: the EU's leverage and multiplier effects, InvestAI's pledge as a range, EFSI's stages as they are")
    func euEffects() throws {
        func effects(_ model: String) throws -> [[Any]] {
            let result = try leverage("run", model, "--format", "json")
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try jsonTable(result.stdout, "eu_effects")).rows
        }
        // columns: scope, measure, timing, counted, value, numerator, union_contribution, p05, mean, p95, assumption, note
        let investai = try effects("investai")
        let face = try #require(investai.first { $0[1] as? String == "multiplier effect" && ($0[3] as? String)?.contains("face value") == true })
        #expect(face[4] as? Double == 4 && abs((face[8] as! Double) - 2.55) < 1e-12)
        #expect((face[10] as? String)?.contains("pledge realisation PERT(low 20 %, base 50 %, high 90 %)") == true)
        #expect(investai.contains { ($0[3] as? String)?.contains("pledges excluded") == true && $0[4] as? Double == 1 })
        let efsi = try effects("efsi")
        #expect(efsi.contains { $0[0] as? String == "efsi1" && $0[1] as? String == "leverage effect" && $0[4] as? Double == 63.0 / 16 })
        #expect(efsi.contains { $0[0] as? String == "efsi1" && $0[1] as? String == "multiplier effect" && $0[4] as? Double == 315.0 / 16 })
        #expect(efsi.contains { $0[0] as? String == "efsi2" && $0[2] as? String == "ex post" && abs(($0[4] as? Double ?? 0) - 372.0 / 26) < 1e-12 })
        let investeu = try effects("investeu")
        #expect(investeu.contains { $0[0] as? String == "investeu" && $0[1] as? String == "multiplier effect" && abs(($0[4] as? Double ?? 0) - 372.0 / 26.2) < 1e-12 })
        #expect(investeu.contains { $0[1] as? String == "leverage effect" && $0[4] is NSNull })
        let stages = try #require(try jsonTable(try leverage("run", "efsi", "--format", "json").stdout, "chain_stages"))
        let labels = stages.rows.compactMap { $0[1] as? String }
        #expect(labels.contains("EIB Group higher-risk financing") && labels.contains("total investment (includes the EIB Group financing)"))
        #expect(!labels.contains { $0.contains("subordinated") || $0.contains("senior") })
        let text = try leverage("run", "investai").stdout
        #expect(text.contains("not leverage: that money was pledged before"))
    }

    @Test("EFSI: ×15 ex ante, ×11.1 after the Court of Auditors — computed from the inputs")
    func efsi() throws {
        let result = try leverage("run", "Models/efsi.yaml", "--format", "json")
        #expect(result.status == 0)
        let exAnte = try #require(try multiplier(result.stdout, scope: "efsi1", "investment / base"))
        #expect(exAnte == 15)
        let adjusted = try #require(try multiplier(result.stdout, scope: "efsi2", "adjusted investment / base"))
        #expect(abs(adjusted - 372.0 / 33.5) < 1e-12)
        #expect((adjusted * 10).rounded() / 10 == 11.1)
    }

    @Test("InvestEU: ×14.2 on the guarantee, ×35.4 on the provision")
    func investEU() throws {
        let result = try leverage("run", "Models/investeu.yaml", "--format", "json")
        #expect(result.status == 0)
        let onGuarantee = try #require(try multiplier(result.stdout, scope: "investeu", "investment / guarantee"))
        let onProvision = try #require(try multiplier(result.stdout, scope: "investeu", "investment / budget provision"))
        #expect((onGuarantee * 10).rounded() / 10 == 14.2)
        #expect((onProvision * 10).rounded() / 10 == 35.4)
    }

    @Test("JSON output has the manifest with the model's SHA-256 and numbers as numbers")
    func jsonManifest() throws {
        let result = try leverage("run", "Models/gigafactory.yaml", "--format", "json")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let manifest = try #require(object["manifest"] as? [String: Any])
        let model = try #require(manifest["model"] as? [String: String])
        let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent("Models/gigafactory.yaml"))
        #expect(model["path"] == "Models/gigafactory.yaml")
        #expect(model["sha256"]?.count == 64)
        #expect(bytes.count > 0)
        #expect(manifest["version"] as? String != nil && manifest["created"] as? String != nil)
        let contributions = try #require(try jsonTable(result.stdout, "contributions"))
        #expect(contributions.columns.contains("amount_eur_bn"))
        #expect(contributions.rows.allSatisfy { $0[6] is Double })
    }

    @Test("Every format renders; --output writes CSV and JSON per table plus manifest.json, report.html and tables.xlsx", arguments: ["table", "csv", "markdown", "json"])
    func formats(_ format: String) throws {
        #expect(try leverage("run", "efsi", "--format", format, "--table", "multipliers").status == 0)
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try leverage("run", "efsi", "--format", format, "--output", out.path, "--quiet")
        #expect(result.status == 0 && result.stdout == "" && result.stderr == "")
        // CSV and JSON per table whatever the format, plus text or Markdown when asked for.
        let extensions = ["csv", "json"] + (["table": ["txt"], "markdown": ["md"]][format] ?? [])
        let expected = ["chain_base", "chain_stages", "eu_effects", "multipliers"].flatMap { t in extensions.map { "\(t).\($0)" } } + ["manifest.json", "report.html", "tables.xlsx"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == expected.sorted())
    }

    @Test("Bad input: file:line:column: error: field.path: message, exit code 1, and nothing written")
    func badInput() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try String(contentsOf: repositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        let bad = model.replacingOccurrences(of: "        share: 0.126        # Art. 12b(5)",
                                             with: "        share: 1.7          # Art. 12b(5)")
        #expect(bad != model)
        try bad.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try leverage("run", "bad.yaml", "--output", out.path, in: folder)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let line = try #require(bad.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("share: 1.7") }) + 1
        #expect(result.stderr.hasPrefix("bad.yaml:\(line):16: error: stacks[1].contributors[0].share: 1.7 is above 1\n"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bad.yaml"])

        let validate = try leverage("validate", "bad.yaml", "Models/efsi.yaml", in: folder)
        #expect(validate.status == 1)
    }

    @Test("validate reports every file: ok lines on stdout, located errors on stderr")
    func validate() throws {
        let result = try leverage("validate", "Models/efsi.yaml", "Models/investeu.yaml")
        #expect(result.status == 0)
        #expect(result.stdout == "Models/efsi.yaml: ok (EFSI leverage)\nModels/investeu.yaml: ok (InvestEU guarantee)\n")
        let missing = try leverage("validate", "Models/nope.yaml")
        #expect(missing.status == 1)
        #expect(missing.stderr == "Models/nope.yaml: error: no such file (and no bundled model of that name; see `leverage models`)\n")
    }

    @Test("models lists the bundled models with a one-line description each")
    func models() throws {
        let result = try leverage("models", "--format", "csv")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "model,name,description", "one table: plain CSV")
        let names = lines.dropFirst(1).map { $0.split(separator: ",").first.map(String.init) ?? "" }
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Models").path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == files)
        #expect(names.contains("investai") && names.contains("efsi") && names.contains("investeu"))
    }

    @Test("A command-line mistake exits with 64 and says what is wrong")
    func usageError() throws {
        let result = try leverage("run", "efsi", "--format", "pdf")
        #expect(result.status == 64)
        #expect(result.stderr.contains("--format"))
    }
}
