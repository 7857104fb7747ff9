import Foundation
import Testing

/// Sharded runs (`--shard I/N`) and `leverage merge`: the merge of any N equals the single-process
/// run bit for bit, and parts that do not belong together are refused with an error naming the part.
@Suite("leverage --shard and merge")
struct ShardCLITests {
    /// The tables of a JSON document, without the manifest (which carries the time), as canonical text.
    func tables(_ json: String) throws -> String {
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let data = try JSONSerialization.data(withJSONObject: object["tables"]!, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The manifest's parameters (paths, seed, batch size, …).
    func parameters(_ json: String) throws -> String {
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let manifest = try #require(object["manifest"] as? [String: Any])
        let data = try JSONSerialization.data(withJSONObject: manifest["parameters"]!, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-shard-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs every shard of `arguments` into `folder`.
    func shard(_ arguments: [String], count: Int, into folder: URL) throws {
        for i in 1...count {
            let result = try leverage(arguments + ["--shard", "\(i)/\(count)", "--output", folder.path, "--quiet"])
            #expect(result.status == 0, "shard \(i)/\(count): \(result.stderr)")
        }
    }

    /// Single-process JSON vs the merge of N shards, for N in {1, 2, 3, 8}.
    func expectMergeEqualsSingle(_ arguments: [String]) throws {
        let single = try leverage(arguments + ["--format", "json", "--quiet"])
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try tables(single.stdout)
        for n in [1, 2, 3, 8] {
            let folder = try scratch("n\(n)")
            defer { try? FileManager.default.removeItem(at: folder) }
            try shard(arguments, count: n, into: folder)
            let parts = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".part") }
            #expect(parts.count == n)
            let merged = try leverage(["merge", folder.path, "--format", "json"])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(try tables(merged.stdout) == reference, "N = \(n): merged tables differ from the single-process run")
            #expect(try parameters(merged.stdout) == parameters(single.stdout))
            // It says which parts it used.
            #expect(merged.stderr.contains("merging \(n) part"))
            #expect(merged.stderr.contains(PartName.of(n, n)))
        }
    }

    @Test("simulate on B1000: the merge of 1, 2, 3 or 8 shards equals one run bit for bit")
    func simulateB1000() throws {
        try expectMergeEqualsSingle(["simulate", "benchmark-b1000", "--paths", "40000", "--seed", "11"])
    }

    @Test("sweep on the InvestAI risk-sharing model, with a stressed scenario: the merge equals one run bit for bit")
    func sweepRiskSharing() throws {
        try expectMergeEqualsSingle(["sweep", "investai-risk-sharing", "--paths", "30000", "--cover", "first-loss=0:0.2:0.02",
                                     "--stress", "pd=1.5,correlation=0.05"])
    }

    @Test("a sweep's parts hold the covers' accumulators and the largest losses, not every loss")
    func sweepPartsHoldTheTail() throws {
        let folder = try scratch("sweep-size")
        defer { try? FileManager.default.removeItem(at: folder) }
        try shard(["sweep", "investai-risk-sharing", "--paths", "200000", "--cover", "first-loss=0:0.2:0.02"], count: 2, into: folder)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".part") {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            let lines = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
            #expect(String(decoding: lines[0], as: UTF8.self) == "leverage-partial-result 3")
            let header = try #require(JSONSerialization.jsonObject(with: Data(lines[1])) as? [String: Any])
            let tail = try #require(header["tailSize"] as? Int)
            let scenario = try #require((header["scenarios"] as? [[String: Any]])?.first)
            // 100,000 paths per shard: every loss would be 100,000 words; the tail is ≈ 1 % of the run's
            // 200,000 (the 99 % levels of the public loss and the calls, with their intervals' lower bounds).
            #expect(scenario["retainsAllLosses"] as? Bool == false)
            #expect(scenario["retainedLosses"] as? Int == tail)
            #expect(tail > 2_000 && tail < 2_500)
            // One histogram bucket: the sweep's tables do not use the loss histogram.
            #expect(scenario["histogramCounts"] as? Int == 1)
            // 11 covers: 3 moment quantities each beside the engine's 4, and 2 counts each.
            #expect(scenario["quantities"] as? Int == 4 + 3 * 11)
            #expect(scenario["statisticCounts"] as? Int == 2 * 11)
        }
    }

    @Test("solve on the SME guarantee: the merge equals one run bit for bit")
    func solveSMEGuarantee() throws {
        try expectMergeEqualsSingle(["solve", "sme-guarantee", "--paths", "20000"])
    }

    @Test("solve on InvestAI (first loss, baseline and stressed): the merge equals one run bit for bit")
    func solveInvestAI() throws {
        try expectMergeEqualsSingle(["solve", "investai-risk-sharing", "--paths", "60000"])
    }

    @Test("solve on the SME guarantee for the cap, with --stress: the merge equals one run bit for bit")
    func solveSMEGuaranteeCapStressed() throws {
        try expectMergeEqualsSingle(["solve", "sme-guarantee", "--solve-for", "guarantee-cap", "--guarantee-rate", "0.5",
                                     "--stress", "pd=1.5", "--paths", "20000"])
    }

    @Test("a solve part keeps the losses above the pilot's threshold, under 10 % of the paths on InvestAI, not every loss")
    func solvePartIsBounded() throws {
        let folder = try scratch("solve-part")
        defer { try? FileManager.default.removeItem(at: folder) }
        try shard(["solve", "investai-risk-sharing", "--paths", "200000"], count: 1, into: folder)
        let data = try Data(contentsOf: folder.appendingPathComponent(PartName.of(1, 1)))
        let lines = data.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[1])) as? [String: Any])
        let scenarios = try #require(header["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["name"] as? String } == ["baseline", "stressed"])
        for scenario in scenarios {
            #expect(scenario["retainsAllLosses"] as? Bool == false)
            let kept = try #require(scenario["retainedLosses"] as? Int)
            #expect(kept > 2_000 && kept < 20_000, "kept \(kept) of 200000")
            // The threshold and the below-threshold public loss beside the engine's 4 quantities;
            // the count of the paths at or below the threshold and the curve's counts.
            #expect((scenario["quantities"] as? Int).map { $0 >= 6 } == true)
        }
    }

    @Test("solve: an answer below the kept threshold re-simulates in one process (same answer as keeping every positive loss); a merge refuses it")
    func solveBelowThreshold() throws {
        let below = try leverage(["solve", "investai-risk-sharing", "--paths", "20000", "--retain-above", "0.6", "--format", "json"])
        #expect(below.status == 0, "\(below.stderr)")
        #expect(below.stderr.contains("pass 2"), "\(below.stderr)")
        let zero = try leverage(["solve", "investai-risk-sharing", "--paths", "20000", "--retain-above", "0", "--format", "json", "--quiet"])
        #expect(zero.status == 0, "\(zero.stderr)")
        func solution(_ json: String) throws -> String {
            let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let tables = try #require(object["tables"] as? [[String: Any]])
            let kept = tables.filter { ["solution", "constraints"].contains($0["name"] as? String) }
            #expect(kept.count == 2)
            return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try solution(below.stdout) == solution(zero.stdout))
        let root = try scratch("solve-below")
        defer { try? FileManager.default.removeItem(at: root) }
        let parts = root.appendingPathComponent("parts")
        try shard(["solve", "investai-risk-sharing", "--paths", "20000", "--retain-above", "0.6"], count: 2, into: parts)
        try expectRefused([parts], in: root, PartName.of(1, 2), "lies below it", "re-run the shards with a lower --retain-above")
    }

    @Test("solve parts kept above different thresholds do not merge")
    func solveDifferentThresholds() throws {
        let root = try scratch("solve-threshold")
        defer { try? FileManager.default.removeItem(at: root) }
        let parts = root.appendingPathComponent("parts")
        let one = try leverage(["solve", "investai-risk-sharing", "--paths", "20000", "--shard", "1/2", "--output", parts.path, "--quiet"])
        let two = try leverage(["solve", "investai-risk-sharing", "--paths", "20000", "--retain-above", "0.05", "--shard", "2/2", "--output", parts.path, "--quiet"])
        #expect(one.status == 0 && two.status == 0)
        try expectRefused([parts], in: root, PartName.of(2, 2), "--retain-above 0.05")
    }

    @Test("merge --output writes the usual result folder (tables, manifest, report, workbook)")
    func mergeWritesResultFolder() throws {
        let folder = try scratch("folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let parts = folder.appendingPathComponent("parts"), result = folder.appendingPathComponent("result")
        try shard(["simulate", "benchmark-b1000", "--paths", "9000"], count: 2, into: parts)
        let merged = try leverage(["merge", parts.path, "--output", result.path, "--format", "csv"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: result.path))
        #expect(files.isSuperset(of: ["manifest.json", "report.html", "tables.xlsx", "portfolio_loss.csv"]))
    }

    // MARK: - Parts that do not belong together

    /// A valid 3-shard set of B1000 parts in a fresh folder.
    func threeParts() throws -> URL {
        let folder = try scratch("bad")
        try shard(["simulate", "benchmark-b1000", "--paths", "9000"], count: 3, into: folder.appendingPathComponent("parts"))
        return folder
    }

    /// `merge` fails with exit 1, an error containing `fragments`, and writes nothing.
    func expectRefused(_ folders: [URL], in root: URL, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = root.appendingPathComponent("result")
        let merged = try leverage(["merge"] + folders.map(\.path) + ["--output", result.path])
        #expect(merged.status == 1, "exit \(merged.status): \(merged.stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(merged.stderr.contains(fragment), "expected “\(fragment)” in: \(merged.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: result.path), "nothing may be written", sourceLocation: sourceLocation)
    }

    func part(_ root: URL, _ i: Int, _ n: Int = 3) -> URL { root.appendingPathComponent("parts").appendingPathComponent(PartName.of(i, n)) }

    @Test("a missing shard is named")
    func missingShard() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: part(root, 2))
        try expectRefused([root.appendingPathComponent("parts")], in: root, "missing shard 2 of 3")
    }

    @Test("a duplicated shard names both files")
    func duplicatedShard() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        let copy = root.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: part(root, 1), to: copy.appendingPathComponent(PartName.of(1, 3)))
        try expectRefused([root.appendingPathComponent("parts"), copy], in: root, "shard 1 appears more than once", PartName.of(1, 3))
    }

    @Test("shards of different N")
    func differentShardCounts() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        try shard(["simulate", "benchmark-b1000", "--paths", "9000"], count: 2, into: root.appendingPathComponent("two"))
        try FileManager.default.removeItem(at: part(root, 3))
        try FileManager.default.copyItem(at: root.appendingPathComponent("two").appendingPathComponent(PartName.of(2, 2)),
                                         to: root.appendingPathComponent("parts").appendingPathComponent(PartName.of(2, 2)))
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(2, 2), "the shard count is 2", "has 3")
    }

    @Test("a part of another seed")
    func anotherSeed() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        let other = root.appendingPathComponent("other")
        let run = try leverage("simulate", "benchmark-b1000", "--paths", "9000", "--seed", "99", "--shard", "2/3", "--output", other.path, "--quiet")
        #expect(run.status == 0)
        try FileManager.default.removeItem(at: part(root, 2))
        try FileManager.default.copyItem(at: other.appendingPathComponent(PartName.of(2, 3)), to: part(root, 2))
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(2, 3), "the seed is 99")
    }

    @Test("a part of another model")
    func anotherModel() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        let other = root.appendingPathComponent("other")
        let run = try leverage("simulate", "sme-guarantee", "--paths", "9000", "--shard", "3/3", "--output", other.path, "--quiet")
        #expect(run.status == 0)
        try FileManager.default.removeItem(at: part(root, 3))
        try FileManager.default.copyItem(at: other.appendingPathComponent(PartName.of(3, 3)), to: part(root, 3))
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(3, 3), "the model's SHA-256")
    }

    @Test("a truncated part")
    func truncatedPart() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try Data(contentsOf: part(root, 2))
        try data.prefix(data.count - 100).write(to: part(root, 2))
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(2, 3), "truncated part")
    }

    @Test("a corrupted part (one flipped bit in a loss)")
    func corruptedPart() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        var data = try Data(contentsOf: part(root, 1))
        data[data.count - 3] ^= 0x01
        try data.write(to: part(root, 1))
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(1, 3), "checksum does not match")
    }

    @Test("a file that is not a part")
    func notAPart() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("tranche,loss\n".utf8).write(to: root.appendingPathComponent("parts").appendingPathComponent("notes.part"))
        try expectRefused([root.appendingPathComponent("parts")], in: root, "notes.part", "not a leverage partial result")
    }

    @Test("an empty folder")
    func emptyFolder() throws {
        let root = try scratch("empty")
        defer { try? FileManager.default.removeItem(at: root) }
        try expectRefused([root], in: root, "no .part files")
    }

    /// Rewrites a part's header with `edit` and a correct checksum (as a part of that content would have).
    func rewriteHeader(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var lines: [Int] = []
        for (i, b) in bytes.enumerated() where b == 0x0A { lines.append(i); if lines.count == 3 { break } }
        var header = try #require(JSONSerialization.jsonObject(with: Data(bytes[(lines[0] + 1)..<lines[1]])) as? [String: Any])
        edit(&header)
        let headerLine = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        let payload = Array(bytes[(lines[2] + 1)...])
        let hash = try sha256(headerLine + payload)
        var out = Array(bytes[...lines[0]]) + headerLine
        out += Array("\nsha256 \(hash)\n".utf8) + payload
        try Data(out).write(to: url)
    }

    /// SHA-256 by coreutils' sha256sum (an independent implementation).
    func sha256(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [file.path])
        return String(result.stdout.prefix(64))
    }

    @Test("a part from another tool version")
    func anotherVersion() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        for i in 1...3 { try rewriteHeader(part(root, i)) { $0["toolVersion"] = "0.0.9" } }
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(1, 3), "leverage 0.0.9")
        // Mixed versions: named as a mismatch.
        let mixed = try threeParts()
        defer { try? FileManager.default.removeItem(at: mixed) }
        try rewriteHeader(part(mixed, 2)) { $0["toolVersion"] = "0.0.9" }
        try expectRefused([mixed.appendingPathComponent("parts")], in: mixed, PartName.of(2, 3), "the tool version is 0.0.9")
    }

    @Test("overlapping batch ranges: a part claiming batches another shard holds")
    func overlappingBatches() throws {
        let root = try threeParts()
        defer { try? FileManager.default.removeItem(at: root) }
        try rewriteHeader(part(root, 2)) { $0["batchStart"] = 0 }
        try expectRefused([root.appendingPathComponent("parts")], in: root, PartName.of(2, 3), "overlap or gap")
    }

    @Test("a model file changed since the shards ran")
    func changedModel() throws {
        let root = try scratch("model")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("sme.yaml")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Models/sme-guarantee.yaml"), to: model)
        try shard(["simulate", model.path, "--paths", "5000"], count: 2, into: root.appendingPathComponent("parts"))
        var text = try String(contentsOf: model, encoding: .utf8)
        text += "\n# edited\n"
        try text.write(to: model, atomically: true, encoding: .utf8)
        try expectRefused([root.appendingPathComponent("parts")], in: root, "sme.yaml", "differs from the model the parts simulated")
    }

    @Test("command-line mistakes in --shard exit 64")
    func shardOptionMistakes() throws {
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            let result = try leverage("simulate", "benchmark-b1000", "--paths", "100", "--shard", bad, "--output", "/tmp/never")
            #expect(result.status == 64, "--shard \(bad): \(result.stderr)")
        }
        let noOutput = try leverage("simulate", "benchmark-b1000", "--paths", "100", "--shard", "1/2")
        #expect(noOutput.status == 64 && noOutput.stderr.contains("--shard needs --output"))
    }
}

/// Part file names, as `leverage` writes them: `shard-002-of-003.part`.
enum PartName {
    static func of(_ i: Int, _ n: Int) -> String {
        let width = max(3, String(n).count)
        func padded(_ k: Int) -> String { String(repeating: "0", count: max(0, width - String(k).count)) + String(k) }
        return "shard-\(padded(i))-of-\(padded(n)).part"
    }
}
