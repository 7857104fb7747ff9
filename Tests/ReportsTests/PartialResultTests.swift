import Foundation
import Reports
import RiskSharing
import Testing

/// The partial-result file format and the checks that parts belong together.
@Suite("Partial results: file format and merge checks")
struct PartialResultTests {
    static let settings = SimulationSettings(paths: 10_000, seed: 7, batchSize: 1000)

    /// Shard `i` (1-based) of `n` with made-up sorted losses (the format does not care how they were simulated).
    static func part(_ i: Int, of n: Int, settings: SimulationSettings = settings, sha: String = "ab", version: String = "0.1.0") -> PartialResult {
        let batches = settings.batchRange(shard: i - 1, of: n)
        let paths = settings.pathRange(batches: batches)
        let losses = paths.map { Double($0) * 0.1 + 1e-300 }
        let header = PartialResult.Header(toolVersion: version, command: "simulate", arguments: ["simulate", "m.yaml"], modelPath: "m.yaml",
                                          modelName: "m", modelSHA256: sha, settings: settings, shard: i, shards: n, batches: batches,
                                          scenarios: [PartialResult.Scenario(name: "baseline", paths: paths.count, exactEvaluations: i, volume: 100)])
        return PartialResult(header: header, losses: [losses])
    }

    static func parts(_ n: Int) -> [(file: String, part: PartialResult)] { (1...n).map { ("p\($0)", part($0, of: n)) } }

    @Test("Encoding round-trips every bit; the layout is magic line, header line, checksum line, payload")
    func roundTrip() throws {
        var p = Self.part(2, of: 3)
        p.losses[0][0] = .leastNonzeroMagnitude
        p.losses[0][1] = 0.1 + 0.2
        let data = p.encoded()
        let back = try PartialResult.decode(data, file: "x.part")
        #expect(back == p)
        #expect(back.losses[0].map(\.bitPattern) == p.losses[0].map(\.bitPattern))
        let text = String(decoding: data.prefix(40), as: UTF8.self)
        #expect(text.hasPrefix("leverage-partial-result 1\n{"))
        // Payload: 8 bytes per loss, little-endian binary64, at the end of the file.
        let last = data.suffix(8)
        #expect(last.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } == p.losses[0].last!.bitPattern)
        #expect(PartialResult.fileName(shard: 3, of: 8) == "shard-003-of-008.part")
        #expect(PartialResult.fileName(shard: 12, of: 1500) == "shard-0012-of-1500.part")
    }

    @Test("Truncated, corrupted, foreign and future-version files are refused, naming the file")
    func badFiles() {
        let data = Self.part(1, of: 2).encoded()
        #expect(throws: PartialResultError.truncated(file: "a.part", reason: "the payload has \(8 * 5000 - 1) bytes; the header lists \(8 * 5000)")) {
            try PartialResult.decode(data.dropLast(), file: "a.part")
        }
        var flipped = data
        flipped[flipped.count - 1] ^= 0x80
        #expect(throws: PartialResultError.corrupted(file: "a.part", reason: "the SHA-256 checksum does not match the contents")) {
            try PartialResult.decode(flipped, file: "a.part")
        }
        #expect(throws: PartialResultError.notAPart(file: "a.part")) { try PartialResult.decode(Data("a,b\n1,2\n3,4\n".utf8), file: "a.part") }
        var future = Data("leverage-partial-result 2\n".utf8)
        future.append(data.drop(while: { $0 != 0x0A }).dropFirst())
        #expect(throws: PartialResultError.unsupportedFormat(file: "a.part", version: 2)) { try PartialResult.decode(future, file: "a.part") }
    }

    @Test("A complete set merges in batch order, whatever order the parts come in")
    func merges() throws {
        let run = try MergedRun.merge(Self.parts(3).reversed())
        #expect(run.files == ["p1", "p2", "p3"])
        let losses = run.scenarios[0].losses
        #expect(losses.sortedLosses == (0..<10_000).map { Double($0) * 0.1 + 1e-300 })
        #expect(losses.exactEvaluations == 1 + 2 + 3)
        #expect(run.header.batches == 0..<10)
    }

    @Test("Missing, duplicated, foreign and misplaced parts are named errors")
    func refusals() {
        var set = Self.parts(3)
        set.remove(at: 1)
        #expect(throws: PartialResultError.missing(shards: [2], of: 3)) { try MergedRun.merge(set) }
        #expect(throws: PartialResultError.duplicate(shard: 1, files: ["p1", "again"])) {
            try MergedRun.merge(Self.parts(3) + [("again", Self.part(1, of: 3))])
        }
        var seed = Self.settings
        seed.seed = 8
        #expect(throws: PartialResultError.mismatch(file: "other", field: "the seed", found: "8", expected: "7", reference: "p1")) {
            try MergedRun.merge(Array(Self.parts(3).prefix(2)) + [("other", Self.part(3, of: 3, settings: seed))])
        }
        #expect(throws: PartialResultError.mismatch(file: "other", field: "the model's SHA-256", found: "cd", expected: "ab", reference: "p1")) {
            try MergedRun.merge(Array(Self.parts(3).prefix(2)) + [("other", Self.part(3, of: 3, sha: "cd"))])
        }
        #expect(throws: PartialResultError.mismatch(file: "other", field: "the tool version", found: "9.9", expected: "0.1.0", reference: "p1")) {
            try MergedRun.merge(Array(Self.parts(3).prefix(2)) + [("other", Self.part(3, of: 3, version: "9.9"))])
        }
        #expect(throws: PartialResultError.mismatch(file: "other", field: "the shard count", found: "4", expected: "3", reference: "p1")) {
            try MergedRun.merge(Array(Self.parts(3).prefix(2)) + [("other", Self.part(4, of: 4))])
        }
        // A part whose header claims batches that overlap another shard's.
        var overlapping = Self.part(2, of: 3)
        overlapping.header.batchStart = 0
        #expect(throws: PartialResultError.wrongBatches(file: "bad", found: 0..<6, expected: 3..<6)) {
            try MergedRun.merge([Self.parts(3)[0], ("bad", overlapping), Self.parts(3)[2]])
        }
    }
}
