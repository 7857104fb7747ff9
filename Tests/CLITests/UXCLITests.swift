import Foundation
import Testing

/// The CSV tables of a result folder, by file name (manifest, report and workbook hold the run's time).
private func csvTables(_ folder: URL) throws -> [String: Data] {
    var tables: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".csv") {
        tables[name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return tables
}

private func manifest(_ folder: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("Manifests that reproduce: leverage rerun")
struct RerunCLITests {
    /// Runs `arguments` into a folder, reruns it into another (with a different thread count), and
    /// compares every table byte for byte and the manifests' arguments and parameters.
    func reproduces(_ arguments: [String]) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("first"), again = folder.appendingPathComponent("again")
        let run = try leverage(arguments + ["--format", "csv", "--output", first.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let rerun = try leverage(["rerun", first.path, "--threads", "1", "--format", "csv", "--output", again.path, "--quiet"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let a = try csvTables(first), b = try csvTables(again)
        #expect(!a.isEmpty)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, data) in a { #expect(b[name] == data, "\(name) differs after rerun") }
        let m1 = try manifest(first), m2 = try manifest(again)
        #expect(m1["command"] as? String == arguments[0] && m2["command"] as? String == arguments[0])
        #expect(m1["arguments"] as? [String] == m2["arguments"] as? [String])
        #expect(NSDictionary(dictionary: try #require(m1["parameters"] as? [String: Any]))
                == NSDictionary(dictionary: try #require(m2["parameters"] as? [String: Any])))
    }

    @Test("solve with a guarantee axis, investor limit, budget and stress is repeated exactly")
    func solve() throws {
        try reproduces(["solve", "sme-guarantee", "--solve-for", "guarantee-cap", "--guarantee-rate", "0.5",
                        "--max-expected-loss-bp", "100", "--budget", "1000", "--stress", "pd=1.5", "--paths", "3000", "--seed", "9"])
    }

    @Test("simulate to accuracy with importance sampling and chosen quantile levels is repeated exactly")
    func simulateToAccuracy() throws {
        try reproduces(["simulate", "glasserman-li", "--paths", "1024", "--target-relative-error", "0.1", "--for", "exceedance:0.2",
                        "--quantile-levels", "0.99,0.9999", "--confidence", "0.9"])
        try reproduces(["simulate", "glasserman-li", "--method", "plain", "--paths", "2048", "--target-relative-error", "0.2", "--for", "hit:mezzanine",
                        "--max-paths", "10000", "--histogram-edges", "0,0.05,1"])
    }

    @Test("sweep over a two-axis grid is repeated exactly")
    func sweep() throws {
        try reproduces(["sweep", "investai-risk-sharing", "--cover", "first-loss=0:0.3:0.05", "--cover", "guarantee-rate=0,0.5",
                        "--cover", "guarantee-cap=0.1", "--paths", "3000"])
    }

    @Test("The manifest records arguments with paths and seed resolved, the commit, platform, BLAS and LAPACK")
    func manifestContents() throws {
        let result = try leverage("sweep", "investai-risk-sharing", "--cover", "first-loss=0.1,0.2", "--paths", "2000", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let m = try #require(object["manifest"] as? [String: Any])
        let arguments = try #require(m["arguments"] as? [String])
        #expect(arguments.first == "investai-risk-sharing")
        #expect(arguments.contains("--cover") && arguments.contains("first-loss=0.1,0.2"))
        let seedIndex = try #require(arguments.firstIndex(of: "--seed"))
        #expect(Int(arguments[seedIndex + 1]) != nil, "the model's seed is made explicit")
        let grid = try #require((m["parameters"] as? [String: Any])?["grid"] as? [String: [Double]])
        #expect(grid["first-loss"] == [0.1, 0.2])
        let commit = try #require(m["commit"] as? String)
        #expect(commit == "unknown" || commit.prefix(40).allSatisfy(\.isHexDigit) && commit.count >= 40)
        let platform = try #require(m["platform"] as? [String: Any])
        #expect((platform["os"] as? String)?.isEmpty == false && (platform["processors"] as? Int ?? 0) >= 1)
        let blas = try #require(m["blas"] as? [String: Any])
        #expect((blas["configuration"] as? String)?.contains("OpenBLAS") == true)
        let lapack = try #require((m["lapack"] as? [String: Any])?["version"] as? String)
        #expect(lapack.split(separator: ".").count == 3 && lapack.split(separator: ".").allSatisfy { Int($0) != nil })
    }

    @Test("A model changed since the run is refused, not silently rerun")
    func changedModel() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.yaml")
        try Data(contentsOf: repositoryRoot.appendingPathComponent("Models/efsi.yaml")).write(to: model)
        let out = folder.appendingPathComponent("out")
        #expect(try leverage("run", model.path, "--format", "csv", "--output", out.path, "--quiet").status == 0)
        let handle = try FileHandle(forWritingTo: model)
        handle.seekToEndOfFile()
        handle.write(Data("# edited\n".utf8))
        try handle.close()
        let rerun = try leverage("rerun", out.path, "--quiet")
        #expect(rerun.status == 1 && rerun.stdout == "")
        #expect(rerun.stderr.contains("has changed since the run"), "\(rerun.stderr)")
        let missing = try leverage("rerun", folder.appendingPathComponent("nothing").path)
        #expect(missing.status == 1 && missing.stderr.contains("no such result folder"))
    }
}

@Suite("CLI slips: typos, models without a portfolio, show")
struct CLISlipTests {
    @Test("A mistyped command suggests the command instead of printing run's usage")
    func typo() throws {
        let result = try leverage("simulte", "investai-risk-sharing")
        #expect(result.status == 64 && result.stdout == "")
        #expect(result.stderr.contains("'simulte' is neither a command nor a bundled model") && result.stderr.contains("did you mean 'simulate'?"), "\(result.stderr)")
        #expect(try leverage("slove", "efsi").stderr.contains("did you mean 'solve'?"))
        // A bundled model or an existing file in the command's place is still `run MODEL`.
        #expect(try leverage("efsi").status == 0)
    }

    @Test("solve and sweep on an accounting model say it has no portfolio")
    func noPortfolio() throws {
        let solve = try leverage("solve", "efsi")
        #expect(solve.status == 1 && solve.stdout == "")
        #expect(solve.stderr == "error: embedded:efsi: the model has no `portfolio` section to solve a risk cover for (it is an accounting model: try `leverage run efsi`)\n")
        let sweep = try leverage("sweep", "efsi")
        #expect(sweep.status == 1 && sweep.stderr.contains("no `portfolio` section"))
    }

    @Test("show prints a bundled model's YAML byte for byte; an unknown name lists the bundled ones")
    func show() throws {
        let shown = try leverage("show", "sme-guarantee")
        #expect(shown.status == 0)
        #expect(shown.stdout == (try String(contentsOf: repositoryRoot.appendingPathComponent("Models/sme-guarantee.yaml"), encoding: .utf8)))
        let unknown = try leverage("show", "nope")
        #expect(unknown.status == 64 && unknown.stderr.contains("bundled models: ") && unknown.stderr.contains("investai"))
    }
}
