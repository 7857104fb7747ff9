import Foundation
import Reports
import RiskSharing
import Testing

/// The partial-result file format and the checks that parts belong together.
@Suite("Partial results: file format and merge checks")
struct PartialResultTests {
    static let settings = SimulationSettings(paths: 10_000, seed: 7, batchSize: 1000)

    /// Shard `i` (1-based) of `n` with a made-up summary (the format does not care how it was simulated):
    /// per-batch moments of one quantity, counts, and every loss (`retainsAll`) or the run's K largest of the shard.
    static func part(_ i: Int, of n: Int, settings: SimulationSettings = settings, sha: String = "ab", version: String = "0.1.0",
                     retainsAll: Bool = true, tail: Int? = nil) -> PartialResult {
        let batches = settings.batchRange(shard: i - 1, of: n)
        let paths = settings.pathRange(batches: batches)
        let losses = paths.map { Double($0) * 0.1 + 1e-300 }
        let moments = batches.map { b in
            Moments(paths: settings.pathRange(batches: b..<(b + 1)).count, means: [Double(b) * 0.3], squaredDeviations: [Double(b) * 0.7 + 0.1])
        }
        let kept = retainsAll ? losses : Array(losses.suffix(min(tail ?? settings.tailSize, losses.count)))
        let summary = BatchRangeSummary(batches: batches, paths: paths.count, moments: moments, hits: [i], wipeouts: [1], provisionShortfalls: [2],
                                        exceedanceThresholds: [0.5], lossesAtMost: [paths.count / 2], histogram: Array(repeating: 1, count: i),
                                        maximumAllocationError: Double(i) * 1e-12, exactEvaluations: i, largestLosses: kept, retainsAllLosses: retainsAll,
                                        statisticCounts: [i, 10 * i])
        let header = PartialResult.Header(toolVersion: version, command: "simulate", arguments: ["simulate", "m.yaml"], modelPath: "m.yaml",
                                          modelName: "m", modelSHA256: sha, settings: settings, shard: i, shards: n, batches: batches,
                                          scenarios: [PartialResult.Scenario(name: "baseline", volume: 100, summary: summary)], tailSize: tail)
        return PartialResult(header: header, summaries: [summary])
    }

    static func parts(_ n: Int, retainsAll: Bool = true) -> [(file: String, part: PartialResult)] {
        (1...n).map { ("p\($0)", part($0, of: n, retainsAll: retainsAll)) }
    }

    /// The payload's byte count: everything after the third newline.
    static func payloadBytes(_ data: Data) -> Int {
        var newlines = 0
        for (i, byte) in data.enumerated() where byte == 0x0A {
            newlines += 1
            if newlines == 3 { return data.count - i - 1 }
        }
        return -1
    }

    @Test("Encoding round-trips every bit; the layout is magic line, header line, checksum line, payload")
    func roundTrip() throws {
        var p = Self.part(2, of: 3)
        p.summaries[0].largestLosses[0] = .leastNonzeroMagnitude
        p.summaries[0].largestLosses[1] = 0.1 + 0.2
        p.summaries[0].moments[0].means[0] = -0.0
        let data = p.encoded()
        let back = try PartialResult.decode(data, file: "x.part")
        #expect(back == p)
        #expect(back.summaries[0].largestLosses.map(\.bitPattern) == p.summaries[0].largestLosses.map(\.bitPattern))
        #expect(back.summaries[0].moments[0].means[0].bitPattern == (-0.0).bitPattern)
        let text = String(decoding: data.prefix(40), as: UTF8.self)
        #expect(text.hasPrefix("leverage-partial-result 3\n{"))
        // Payload: 8-byte words; the retained losses, little-endian binary64, at the end of the file.
        let s = p.header.scenarios[0]
        #expect(s.statisticCounts == 2 && back.summaries[0].statisticCounts == [2, 20])
        #expect(back.header.tailSize == Self.settings.tailSize)
        #expect(Self.payloadBytes(data) == 8 * (1 + 2 * 1 + s.momentEntries * 3 + 2 + 1 + s.histogramCounts + s.statisticCounts + s.retainedLosses))
        let last = data.suffix(8)
        #expect(last.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } == p.summaries[0].largestLosses.last!.bitPattern)
        #expect(PartialResult.fileName(shard: 3, of: 8) == "shard-003-of-008.part")
        #expect(PartialResult.fileName(shard: 12, of: 1500) == "shard-0012-of-1500.part")
    }

    @Test("Truncated, corrupted, foreign, version-1, version-2 and future-version files are refused, naming the file")
    func badFiles() {
        let data = Self.part(1, of: 2).encoded()
        let payload = Self.payloadBytes(data)
        #expect(throws: PartialResultError.truncated(file: "a.part", reason: "the payload has \(payload - 1) bytes; the header lists \(payload)")) {
            try PartialResult.decode(data.dropLast(), file: "a.part")
        }
        var flipped = data
        flipped[flipped.count - 1] ^= 0x80
        #expect(throws: PartialResultError.corrupted(file: "a.part", reason: "the SHA-256 checksum does not match the contents")) {
            try PartialResult.decode(flipped, file: "a.part")
        }
        #expect(throws: PartialResultError.notAPart(file: "a.part")) { try PartialResult.decode(Data("a,b\n1,2\n3,4\n".utf8), file: "a.part") }
        for version in [1, 2, 4] {
            var other = Data("leverage-partial-result \(version)\n".utf8)
            other.append(data.drop(while: { $0 != 0x0A }).dropFirst())
            #expect(throws: PartialResultError.unsupportedFormat(file: "a.part", version: version)) { try PartialResult.decode(other, file: "a.part") }
        }
        let old = PartialResultError.unsupportedFormat(file: "a.part", version: 1).description
        #expect(old.contains("version 1") && old.contains("re-run the shards"))
        let two = PartialResultError.unsupportedFormat(file: "a.part", version: 2).description
        #expect(two.contains("version 2 parts have no per-cover accumulators") && two.contains("re-run the shards"))
    }

    @Test("A complete set merges in batch order, whatever order the parts come in")
    func merges() throws {
        let run = try MergedRun.merge(Self.parts(3).reversed())
        #expect(run.files == ["p1", "p2", "p3"])
        let merged = run.scenarios[0].summary
        #expect(merged.largestLosses == (0..<10_000).map { Double($0) * 0.1 + 1e-300 })
        #expect(merged.exactEvaluations == 1 + 2 + 3)
        #expect(merged.hits == [6] && merged.wipeouts == [3] && merged.provisionShortfalls == [6])
        #expect(merged.histogram == [3, 2, 1])
        #expect(merged.statisticCounts == [6, 60])
        #expect(merged.maximumAllocationError == 3e-12)
        #expect(run.header.batches == 0..<10)
        // The moments are folded sequentially in batch order: one entry, the same bits as folding batch by batch.
        var sequential = Moments(paths: 0, means: [], squaredDeviations: [])
        for p in Self.parts(3) { for m in p.part.summaries[0].moments { sequential.append(m) } }
        #expect(merged.moments == [sequential])
        #expect(sequential.paths == 10_000)
    }

    @Test("Parts of a simulate run hold only the K largest losses; the merge keeps the run's K largest")
    func tails() throws {
        let k = Self.settings.tailSize
        // K covers the lowest interval bound of the 95 % quantile of 10,000 paths, far below 10,000.
        #expect(k > 500 && k < 700)
        let parts = Self.parts(4, retainsAll: false)
        for (_, p) in parts { #expect(p.summaries[0].largestLosses.count == min(k, p.header.scenarios[0].paths)) }
        let back = try PartialResult.decode(parts[1].part.encoded(), file: "x")
        #expect(back == parts[1].part)
        let merged = try MergedRun.merge(parts.reversed()).scenarios[0].summary
        let all: [Double] = (0..<10_000).map { (i: Int) -> Double in Double(i) * 0.1 + 1e-300 }
        let expected = Array(all.suffix(k))
        #expect(merged.largestLosses == expected)
        #expect(!merged.retainsAllLosses)
        // A longer tail (a sweep's, for its covers' quantiles) is recorded in the header and kept by the merge.
        let longer = (1...4).map { ("p\($0)", Self.part($0, of: 4, retainsAll: false, tail: k + 300)) }
        #expect(longer[0].1.header.tailSize == k + 300)
        let mergedLonger = try MergedRun.merge(longer).scenarios[0].summary
        #expect(mergedLonger.largestLosses == Array(all.suffix(k + 300)))
        #expect(throws: PartialResultError.mismatch(file: "p4", field: "the tail size", found: String(k), expected: String(k + 300), reference: "p1")) {
            try MergedRun.merge(Array(longer.prefix(3)) + [("p4", Self.part(4, of: 4, retainsAll: false))])
        }
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
