import Foundation
import Testing

/// `leverage simulate --method importance`, `--target` and `--exceedance` end to end.
@Suite("leverage simulate: importance sampling and exceedance")
struct ImportanceCLITests {
    @Test("The Glasserman–Li model runs importance sampling from its file: P(L > 2007.5) within 4 SE of quadrature (1.484e-7)")
    func bundledModel() throws {
        let result = try leverage("simulate", "glasserman-li", "--paths", "4000", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try jsonTable(result.stdout, "exceedance")).rows
        #expect(rows.count == 3)
        let rare = try #require(rows.first { ($0[0] as? Double) == 0.1825 })
        let p = try #require(rare[1] as? Double), se = try #require(rare[2] as? Double)
        #expect(abs(p - 1.4841857541602706e-07) <= 4 * se, "\(p) ± \(se)")
    }

    @Test("--method plain --exceedance: zero hits get an upper bound instead of 0 ± 0")
    func plainExceedance() throws {
        let result = try leverage("simulate", "glasserman-li", "--method", "plain", "--paths", "2000", "--exceedance", "0.01", "0.5", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try jsonTable(result.stdout, "exceedance")).rows
        let zero = try #require(rows.first { ($0[0] as? Double) == 0.5 })
        #expect(zero[3] as? Int == 0)
        let bound = try #require(zero[4] as? Double)
        #expect(abs(bound - (1 - pow(0.05, 1 / 2000.0))) < 1e-12)
    }

    @Test("Bad flags exit 64; a target the portfolio cannot reach is a model error")
    func badInput() throws {
        #expect(try leverage("simulate", "glasserman-li", "--target", "1.5").status == 64)
        #expect(try leverage("simulate", "glasserman-li", "--exceedance", "-0.1").status == 64)
        #expect(try leverage("simulate", "glasserman-li", "--method", "fancy").status == 64)
    }

    @Test("Run to accuracy: the notes give target, achieved error, paths and the cap; bad values name the option")
    func runToAccuracy() throws {
        let result = try leverage("simulate", "glasserman-li", "--method", "plain", "--paths", "2048", "--target-relative-error", "0.1",
                                  "--for", "hit:mezzanine", "--max-paths", "8192", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let m = try #require(object["manifest"] as? [String: Any])
        let record = try #require((m["parameters"] as? [String: Any])?["run_to_accuracy"] as? [String: Any])
        #expect(record["capped"] as? Bool == true && record["paths"] as? Int == 8192)
        #expect(record["steps"] as? [Int] == [4096, 8192], "the pilot is rounded up to whole batches of 4096")
        let arguments = try #require(m["arguments"] as? [String])
        #expect(arguments.contains("--target-relative-error") && arguments.contains("hit:mezzanine") && arguments.contains("8192"))
        #expect(result.stdout.contains("STOPPED BY THE CAP"))

        let weighted = try leverage("simulate", "glasserman-li", "--paths", "1024", "--target-relative-error", "0.1", "--for", "exceedance:0.2",
                                    "--format", "json", "--quiet")
        #expect(weighted.status == 0, "\(weighted.stderr)")
        #expect(weighted.stdout.contains("target met"))

        let zero = try leverage("simulate", "glasserman-li", "--target-relative-error", "0", "--for", "senior")
        #expect(zero.status == 64 && zero.stderr.contains("--target-relative-error") && zero.stdout.isEmpty)
        let unknown = try leverage("simulate", "glasserman-li", "--target-relative-error", "0.1", "--for", "nosuchtranche")
        #expect(unknown.status == 64 && unknown.stderr.contains("--for 'nosuchtranche'") && unknown.stderr.contains("senior") && unknown.stdout.isEmpty)
        let missing = try leverage("simulate", "glasserman-li", "--target-relative-error", "0.1")
        #expect(missing.status == 64 && missing.stderr.contains("--for"))
        #expect(try leverage("simulate", "glasserman-li", "--max-paths", "0").status == 64)
    }

    @Test("--quantile-levels, --confidence and --histogram-edges reach the tables and the manifest; bad lists exit 64")
    func estimatorOptions() throws {
        let result = try leverage("simulate", "glasserman-li", "--method", "plain", "--paths", "3000", "--quantile-levels", "0.99,0.9997",
                                  "--confidence", "0.9", "--histogram-edges", "0,0.01,0.05,1", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let portfolio = try #require(try jsonTable(result.stdout, "portfolio_loss")).rows
        let levels = Set(portfolio.compactMap { $0[1] as? Double })
        #expect(levels == [0.99, 0.9997], "\(levels)")
        let buckets = try #require(try jsonTable(result.stdout, "loss_distribution")).rows
        #expect(buckets.map { $0[0] as? Double } == [0, 0.01, 0.05])
        #expect(result.stdout.contains("90 % order-statistic"))
        for bad in [["--quantile-levels", "0.999,0.99"], ["--quantile-levels", "1"], ["--quantile-levels", "0.9,0.9"], ["--confidence", "1"],
                    ["--histogram-edges", "0.1"], ["--histogram-edges", "0,1.5"]] {
            let r = try leverage(["simulate", "glasserman-li", "--paths", "100"] + bad)
            #expect(r.status == 64 && r.stderr.contains(bad[0]) && r.stdout.isEmpty, "\(bad): \(r.stderr)")
        }
    }

    @Test("The model's simulation section: run to accuracy and estimator options are read; bad values are reported at their line and field")
    func modelFields() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let models = repositoryRoot.appendingPathComponent("Models")
        try FileManager.default.copyItem(at: models.appendingPathComponent("glasserman-li.csv"), to: folder.appendingPathComponent("glasserman-li.csv"))
        let base = try String(contentsOf: models.appendingPathComponent("glasserman-li.yaml"), encoding: .utf8)
        func model(_ name: String, _ extra: String) throws -> String {
            let text = base.replacingOccurrences(of: "  exceedance: [0.0915, 0.1825, 0.2735]\n", with: "  exceedance: [0.0915, 0.1825, 0.2735]\n" + extra)
            #expect(text != base)
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return folder.appendingPathComponent(name).path
        }
        let good = try model("good.yaml", "  target_relative_error: 0.1\n  for: exceedance:0.2\n  max_paths: 20000\n  quantile_levels: [0.99, 0.9997]\n")
        let run = try leverage("simulate", good, "--paths", "1000", "--format", "json", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Run to accuracy for P(L/V > 0.2)"))
        let levels = Set(try #require(try jsonTable(run.stdout, "portfolio_loss")).rows.compactMap { $0[1] as? Double })
        #expect(levels == [0.99, 0.9997])

        let bad = try model("bad.yaml", "  target_relative_error: 0\n  for: senior\n  quantile_levels: [0.999, 0.99]\n  confidence: 1.5\n  histogram_edges: [0.5]\n")
        let r = try leverage("simulate", bad, "--paths", "100")
        #expect(r.status == 1 && r.stdout.isEmpty)
        for field in ["simulation.target_relative_error", "simulation.quantile_levels[1]", "simulation.confidence", "simulation.histogram_edges"] {
            #expect(r.stderr.contains("bad.yaml:") && r.stderr.contains(field), "\(field) in \(r.stderr)")
        }
        let unknown = try model("unknown.yaml", "  target_relative_error: 0.1\n  for: nosuch\n")
        let u = try leverage("simulate", unknown, "--paths", "100")
        #expect(u.status == 1 && u.stderr.contains("simulation.for: 'nosuch'") && u.stderr.contains("'senior'"), "\(u.stderr)")
    }
}
