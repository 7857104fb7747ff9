import Foundation
import Testing

/// The built `leverage` binary: $LEVERAGE_BINARY, beside the test bundle, or .build/release.
private let stressBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["LEVERAGE_BINARY"] { return URL(fileURLWithPath: path) }
    var folders: [URL] = []
    if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
    folders.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for folder in folders {
        let binary = folder.appendingPathComponent("leverage")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return stressRepositoryRoot.appendingPathComponent(".build/release/leverage")
}()

private let stressRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `leverage` with stdin closed; returns (status, stdout, stderr).
private func runLeverage(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = stressBinary
    process.arguments = arguments
    process.currentDirectoryURL = stressRepositoryRoot
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-stress-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Rows of table `name` from `--format json` output.
private func rows(_ json: String, _ name: String) throws -> (columns: [String], rows: [[Any]]) {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let tables = try #require(object["tables"] as? [[String: Any]])
    let table = try #require(tables.first { $0["name"] as? String == name })
    let columns = try #require(table["columns"] as? [[String: String]]).map { $0["name"] ?? "" }
    return (columns, try #require(table["rows"] as? [[Any]]))
}

@Suite("leverage stress", .serialized)
struct StressCLITests {
    @Test("same seed: identical CSV on 1 and 2 threads; no progress on a non-terminal stderr")
    func reproducible() throws {
        let one = try runLeverage(["stress", "gigafactory", "--paths", "300", "--seed", "9", "--threads", "1", "--format", "csv"])
        let two = try runLeverage(["stress", "gigafactory", "--paths", "300", "--seed", "9", "--threads", "2", "--format", "csv"])
        #expect(one.status == 0 && two.status == 0, "\(one.err)")
        #expect(one.out == two.out && !one.out.isEmpty)
        #expect(one.err.isEmpty && two.err.isEmpty)
        for table in ["cash_flows", "stress_deterministic", "stress_monte_carlo", "stress_sites", "stress_holders", "reverse_stress"] {
            #expect(one.out.contains("# \(table)\n"))
        }
    }

    @Test("--scenario picks scenarios; the baseline always runs; holders add up to the reported losses")
    func scenarioSelection() throws {
        let r = try runLeverage(["stress", "gigafactory", "--scenario", "energy_shock", "--scenario", "ai_winter", "--paths", "200", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let mc = try rows(r.out, "stress_monte_carlo")
        #expect(mc.rows.map { $0[0] as? String } == ["baseline", "energy_shock", "ai_winter"])
        let pd = try #require(mc.columns.firstIndex(of: "p_default"))
        let probabilities = mc.rows.map { ($0[pd] as? Double) ?? -1 }
        #expect(probabilities[0] <= probabilities[1] && probabilities[0] <= probabilities[2])
        // public_loss = first-loss tranche + public equity; private_loss = senior + private equity.
        let holders = try rows(r.out, "stress_holders")
        let pub = try #require(mc.columns.firstIndex(of: "public_loss_eur_m")), priv = try #require(mc.columns.firstIndex(of: "private_loss_eur_m"))
        for row in mc.rows {
            let scenario = row[0] as? String
            let mine = holders.rows.filter { $0[0] as? String == scenario }
            let loss = { (h: String) in (mine.first { $0[1] as? String == h }?[3] as? Double) ?? 0 }
            #expect(abs(loss("EU (InvestAI)") + loss("public equity") - ((row[pub] as? Double) ?? .nan)) < 1e-6)
            #expect(abs(loss("private lenders") + loss("private equity") - ((row[priv] as? Double) ?? .nan)) < 1e-6)
        }
        let reverse = try rows(r.out, "reverse_stress")
        #expect(reverse.rows.contains { $0[0] as? String == "first_loss_wiped_out" && $0[1] as? String == "ai_winter" })
    }

    @Test("a bad project field: located error, exit 1, no output at all")
    func badField() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: stressRepositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        let bad = text.replacingOccurrences(of: "      tenor_years: 5  ", with: "      tenor_years: 12 ")
        #expect(bad != text)
        let path = folder.appendingPathComponent("bad.yaml").path
        try bad.write(toFile: path, atomically: true, encoding: .utf8)
        let line = bad.components(separatedBy: "\n").firstIndex { $0.contains("tenor_years: 12") }! + 1
        let target = folder.appendingPathComponent("out").path
        let r = try runLeverage(["stress", path, "--paths", "10", "--output", target])
        #expect(r.status == 1)
        #expect(r.out.isEmpty)
        #expect(r.err.hasPrefix("\(path):\(line):20: error: project.funding.debt.tenor_years: a tenor of 12.0 years runs past the 10.0 years of operation"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a non-positive-definite driver correlation fails end to end with the leading minor")
    func badCorrelation() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: stressRepositoryRoot.appendingPathComponent("Models/gigafactory.yaml"), encoding: .utf8)
        let bad = text.replacingOccurrences(of: "    - {between: [capex_overrun, delay], value: 0.6}", with: """
                - {between: [gpu_price, electricity_price], value: 0.9}
                - {between: [gpu_price, rate], value: 0.9}
            """)   // with electricity_price–rate 0.3 already in the model: det of the leading 3 × 3 = −0.224
        let path = folder.appendingPathComponent("corr.yaml").path
        try bad.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try runLeverage(["stress", path, "--paths", "10"])
        #expect(r.status == 1 && r.out.isEmpty)
        #expect(r.err.contains("error: drivers.correlations: the driver correlation matrix") && r.err.contains("leading minor 3"), "\(r.err)")
    }

    @Test("unknown scenario, a model without a project, bad --paths: clean failures")
    func failures() throws {
        let unknown = try runLeverage(["stress", "gigafactory", "--scenario", "zombie_apocalypse", "--paths", "10"])
        #expect(unknown.status == 1 && unknown.out.isEmpty && unknown.err.contains("no stress scenario 'zombie_apocalypse'"))
        let noProject = try runLeverage(["stress", "efsi", "--paths", "10"])
        #expect(noProject.status == 1 && noProject.out.isEmpty && noProject.err.contains("has no `project` section"))
        let badPaths = try runLeverage(["stress", "gigafactory", "--paths", "0"])
        #expect(badPaths.status == 64 && badPaths.out.isEmpty)
    }

    @Test("--output writes one file per table and the manifest; `run gigafactory` still gives the capital stack")
    func outputFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("result").path
        let r = try runLeverage(["stress", "gigafactory", "--paths", "50", "--output", target, "--quiet"])
        #expect(r.status == 0 && r.out.isEmpty && r.err.isEmpty, "\(r.err)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: target))
        #expect(files == ["cash_flows.txt", "stress_deterministic.txt", "stress_monte_carlo.txt", "stress_sites.txt", "stress_holders.txt", "reverse_stress.txt", "manifest.json"])
        let manifest = try String(contentsOfFile: target + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"command\": \"stress\"") && manifest.contains("\"paths\": 50"))
        let run = try runLeverage(["run", "gigafactory", "--format", "csv"])
        #expect(run.status == 0 && run.out.contains("# contributions"))
    }
}
