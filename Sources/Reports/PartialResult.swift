import Foundation
import RiskSharing

/// One shard's partial result: what a contiguous range of batches of a run contributes to its
/// report (a `BatchRangeSummary` per scenario), with everything needed to check, at the
/// merge, that the parts belong together.
///
/// File format, version 3 (`shard-III-of-NNN.part`, written by `leverage … --shard I/N`):
///
///     leverage-partial-result 2\n          ← magic and format version
///     {header JSON, one line}\n              ← ``PartialResult/Header``, keys sorted
///     sha256 <64 hex digits>\n               ← SHA-256 of the header line's bytes (without its \n) followed by the payload
///     payload                                ← 8-byte little-endian words, for each scenario in header order:
///        1 word                                  maximum allocation error (binary64)
///        X words                                 the exceedance thresholds counted (binary64)
///        E × (1 + 2Q) words                      moments: per entry paths (integer), Q means, Q squared deviations (binary64)
///        T + T + G + X + H words                 counts (integers): hits and wipe-outs per tranche, budget
///                                                shortfalls per guarantee, paths with L ≤ x·V per threshold, histogram
///        S words                                 the counts of the run's `BatchStatistics` (integers)
///        R words                                 the retained portfolio losses (binary64, ascending)
///
/// with Q, E, T, G, X, H, S and R per scenario in the header (``PartialResult/Scenario``). E is one
/// entry per batch (shard 1: its batches already folded into one, see `BatchRangeSummary`). Q
/// includes the quantities of the run's `BatchStatistics` (`sweep`: 3 per cover of the grid, S = 2
/// per cover; `solve`: the threshold, the public loss at or below it and 3 per curve cover below
/// it, S = 1 + 2 per such cover). R is the K largest losses of the shard (all of them if it has
/// fewer), K the header's ``PartialResult/Header/tailSize`` (`solve`: every loss above its pilot's
/// threshold, with a margin). A file of any other length is
/// truncated or has trailing bytes. Amounts are in EUR-denominated model money units, exactly as
/// simulated. Versions 1 (every loss, no accumulators) and 2 (no statistics counts; `sweep` parts
/// with every loss) are refused with a clear error: re-run their shards.
public struct PartialResult: Sendable, Equatable {
    /// The first line's magic word.
    public static let magic = "leverage-partial-result"
    /// The format version this build reads and writes.
    public static let formatVersion = 3

    /// The part's identity and contents list (the header line).
    public struct Header: Codable, Sendable, Equatable {
        /// The tool version that simulated the part (parts merge only with the same version).
        public var toolVersion: String
        /// `simulate`, `sweep` or `solve`.
        public var command: String
        /// The command's arguments without the sharding, output and thread options: enough to
        /// run the merge's tables exactly as the single-process command would.
        public var arguments: [String]
        /// The model as given (path or `embedded:NAME`), its name and the SHA-256 of its bytes.
        public var modelPath: String
        public var modelName: String
        public var modelSHA256: String
        /// The run's settings (`SimulationSettings` without `threads`).
        public var settings: SimulationSettings
        /// Shard index, 1-based, and the number of shards N.
        public var shard: Int
        public var shards: Int
        /// The batches simulated, [batchStart, batchEnd), and their paths [pathStart, pathEnd).
        public var batchStart: Int
        public var batchEnd: Int
        public var pathStart: Int
        public var pathEnd: Int
        /// The simulated portfolios in payload order (`baseline`, then `stressed` if any).
        public var scenarios: [Scenario]
        /// K, the number of largest losses a tail-retaining run keeps (≥ `SimulationSettings.tailSize`;
        /// the merge keeps as many). The initialiser's `tailSize` defaults to the settings' `tailSize`.
        public var tailSize: Int

        public init(toolVersion: String, command: String, arguments: [String], modelPath: String, modelName: String,
                    modelSHA256: String, settings: SimulationSettings, shard: Int, shards: Int, batches: Range<Int>,
                    scenarios: [Scenario], tailSize: Int? = nil) {
            self.toolVersion = toolVersion
            self.command = command
            self.arguments = arguments
            self.modelPath = modelPath
            self.modelName = modelName
            self.modelSHA256 = modelSHA256
            var settings = settings
            settings.threads = nil
            self.settings = settings
            self.shard = shard
            self.shards = shards
            batchStart = batches.lowerBound
            batchEnd = batches.upperBound
            let paths = settings.pathRange(batches: batches)
            pathStart = paths.lowerBound
            pathEnd = paths.upperBound
            self.scenarios = scenarios
            self.tailSize = tailSize ?? ((try? settings.validate()).map { settings.tailSize } ?? 0)
        }

        /// [batchStart, batchEnd).
        public var batches: Range<Int> { batchStart..<max(batchStart, batchEnd) }
    }

    /// One simulated portfolio of the part and the sizes of its payload sections.
    public struct Scenario: Codable, Sendable, Equatable {
        /// `baseline` or `stressed`.
        public var name: String
        /// The part's paths.
        public var paths: Int
        /// Exact Φ evaluations of the part's default tests.
        public var exactEvaluations: Int
        /// The portfolio volume V (EUR): a check that the parts simulated the same portfolio.
        public var volume: Double
        /// Q, the summarised quantities (1 + 2·tranches + holders + guarantees).
        public var quantities: Int
        /// E, the moment entries.
        public var momentEntries: Int
        /// T and G, the tranches and guarantees.
        public var tranches: Int
        public var guarantees: Int
        /// X, the exceedance thresholds counted.
        public var exceedanceThresholds: Int
        /// H, the histogram counts.
        public var histogramCounts: Int
        /// S, the counts of the run's `BatchStatistics`.
        public var statisticCounts: Int
        /// R, the retained losses.
        public var retainedLosses: Int
        /// True when every loss of the part is retained (`sweep`, `solve`).
        public var retainsAllLosses: Bool

        /// The record of `summary` under `name`.
        public init(name: String, volume: Double, summary s: BatchRangeSummary) {
            self.name = name
            paths = s.paths
            exactEvaluations = s.exactEvaluations
            self.volume = volume
            quantities = s.moments.first?.means.count ?? 0
            momentEntries = s.moments.count
            tranches = s.hits.count
            guarantees = s.provisionShortfalls.count
            exceedanceThresholds = s.exceedanceThresholds.count
            histogramCounts = s.histogram.count
            statisticCounts = s.statisticCounts.count
            retainedLosses = s.largestLosses.count
            retainsAllLosses = s.retainsAllLosses
        }

        /// The payload words of this scenario.
        var words: Int {
            1 + 2 * exceedanceThresholds + momentEntries * (1 + 2 * quantities) + 2 * tranches + guarantees + histogramCounts + statisticCounts + retainedLosses
        }
    }

    public var header: Header
    /// Per scenario (header order), what the part's batches contribute.
    public var summaries: [BatchRangeSummary]

    public init(header: Header, summaries: [BatchRangeSummary]) {
        self.header = header
        self.summaries = summaries
    }

    /// The file name of shard `index` of `count`: `shard-003-of-008.part` (zero-padded, so that
    /// names sort in shard order).
    public static func fileName(shard index: Int, of count: Int) -> String {
        let width = max(3, String(count).count)
        func padded(_ n: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "shard-\(padded(index))-of-\(padded(count)).part"
    }

    /// The file's bytes (see the type's documentation).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerLine = Array((try? encoder.encode(header)) ?? Data())
        var payload = [UInt8]()
        payload.reserveCapacity(8 * header.scenarios.reduce(0) { $0 + $1.words })
        func word(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { payload.append(contentsOf: $0) } }
        func real(_ x: Double) { word(x.bitPattern) }
        func integer(_ x: Int) { word(UInt64(bitPattern: Int64(x))) }
        for s in summaries {
            real(s.maximumAllocationError)
            s.exceedanceThresholds.forEach(real)
            for m in s.moments {
                integer(m.paths)
                m.means.forEach(real)
                m.squaredDeviations.forEach(real)
            }
            (s.hits + s.wipeouts + s.provisionShortfalls + s.lossesAtMost + s.histogram + s.statisticCounts).forEach(integer)
            s.largestLosses.forEach(real)
        }
        var data = Data("\(PartialResult.magic) \(PartialResult.formatVersion)\n".utf8)
        data.append(contentsOf: headerLine)
        data.append(contentsOf: Array("\nsha256 \(SHA256.hex(headerLine + payload))\n".utf8))
        data.append(contentsOf: payload)
        return data
    }

    /// Reads a part file's bytes; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(PartialResultError) -> PartialResult {
        let bytes = [UInt8](data)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        while lines.count < 3, let end = bytes[start...].firstIndex(of: 0x0A) {
            lines.append(bytes[start..<end])
            start = end + 1
        }
        // A version line alone is enough to refuse another version.
        if let first = lines.first.map({ String(decoding: $0, as: UTF8.self) }), first.hasPrefix(magic + " "),
           let version = Int(first.dropFirst(magic.count + 1)), version != formatVersion {
            throw .unsupportedFormat(file: file, version: version)
        }
        guard lines.count == 3 else {
            if bytes.starts(with: Array(magic.utf8)) { throw .truncated(file: file, reason: "the header is incomplete") }
            throw .notAPart(file: file)
        }
        let first = String(decoding: lines[0], as: UTF8.self)
        guard first.hasPrefix(magic + " ") else { throw .notAPart(file: file) }
        guard let version = Int(first.dropFirst(magic.count + 1)) else { throw .notAPart(file: file) }
        guard version == formatVersion else { throw .unsupportedFormat(file: file, version: version) }
        let checksumLine = String(decoding: lines[2], as: UTF8.self)
        guard checksumLine.hasPrefix("sha256 "), checksumLine.count == 7 + 64 else {
            throw .corrupted(file: file, reason: "the checksum line is malformed")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(lines[1])) } catch {
            throw .corrupted(file: file, reason: "the header is not a valid part header")
        }
        let payload = bytes[start...]
        guard header.scenarios.allSatisfy({ s in
            [s.paths, s.quantities, s.momentEntries, s.tranches, s.guarantees, s.exceedanceThresholds, s.histogramCounts, s.statisticCounts, s.retainedLosses]
                .allSatisfy { $0 >= 0 && $0 < 1 << 40 }
        }) else { throw .corrupted(file: file, reason: "the header lists impossible section sizes") }
        let expected = 8 * header.scenarios.reduce(0) { $0 + $1.words }
        if payload.count < expected {
            throw .truncated(file: file, reason: "the payload has \(payload.count) bytes; the header lists \(expected)")
        }
        if payload.count > expected {
            throw .corrupted(file: file, reason: "\(payload.count - expected) bytes after the payload")
        }
        guard SHA256.hex(Array(lines[1]) + Array(payload)) == checksumLine.dropFirst(7) else {
            throw .corrupted(file: file, reason: "the SHA-256 checksum does not match the contents")
        }
        var offset = payload.startIndex
        func words(_ n: Int) -> [UInt64] {
            var xs = [UInt64](repeating: 0, count: n)
            xs.withUnsafeMutableBytes { out in
                _ = bytes[offset..<(offset + 8 * n)].withUnsafeBytes { out.copyMemory(from: $0) }
            }
            offset += 8 * n
            return xs.map { UInt64(littleEndian: $0) }
        }
        func reals(_ n: Int) -> [Double] { words(n).map { Double(bitPattern: $0) } }
        func integers(_ n: Int) -> [Int] { words(n).map { Int(Int64(bitPattern: $0)) } }
        var summaries: [BatchRangeSummary] = []
        for s in header.scenarios {
            let error = reals(1)[0]
            let thresholds = reals(s.exceedanceThresholds)
            var moments: [Moments] = []
            for _ in 0..<s.momentEntries {
                let paths = integers(1)[0]
                moments.append(Moments(paths: paths, means: reals(s.quantities), squaredDeviations: reals(s.quantities)))
            }
            let hits = integers(s.tranches), wipeouts = integers(s.tranches), shortfalls = integers(s.guarantees)
            let atMost = integers(s.exceedanceThresholds), histogram = integers(s.histogramCounts)
            let statisticCounts = integers(s.statisticCounts)
            let losses = reals(s.retainedLosses)
            summaries.append(BatchRangeSummary(
                batches: header.batches, paths: s.paths, moments: moments, hits: hits, wipeouts: wipeouts, provisionShortfalls: shortfalls,
                exceedanceThresholds: thresholds, lossesAtMost: atMost, histogram: histogram, maximumAllocationError: error,
                exactEvaluations: s.exactEvaluations, largestLosses: losses, retainsAllLosses: s.retainsAllLosses,
                statisticCounts: statisticCounts))
        }
        return PartialResult(header: header, summaries: summaries)
    }
}

/// A problem with a part file or a set of parts; every case names the part(s).
public enum PartialResultError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case notAPart(file: String)
    case unsupportedFormat(file: String, version: Int)
    case truncated(file: String, reason: String)
    case corrupted(file: String, reason: String)
    /// A header field differs from the first part's.
    case mismatch(file: String, field: String, found: String, expected: String, reference: String)
    case duplicate(shard: Int, files: [String])
    case missing(shards: [Int], of: Int)
    case wrongBatches(file: String, found: Range<Int>, expected: Range<Int>)
    case noParts(folders: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .notAPart(file): return "\(file): not a leverage partial result (no `\(PartialResult.magic)` first line)"
        case let .unsupportedFormat(file, version):
            return "\(file): partial-result format version \(version); this leverage reads version \(PartialResult.formatVersion) only"
                + (version < PartialResult.formatVersion
                    ? " (" + (version == 1 ? "version 1 parts hold every path's loss and no accumulators"
                              : "version \(version) parts have no per-cover accumulators: their sweeps hold every path's loss") + "): re-run the shards with this leverage"
                    : ": merge with the leverage that wrote it")
        case let .truncated(file, reason): return "\(file): truncated part: \(reason)"
        case let .corrupted(file, reason): return "\(file): corrupted part: \(reason)"
        case let .mismatch(file, field, found, expected, reference):
            return "\(file): \(field) is \(found), but \(reference) has \(expected): the parts are not from the same run"
        case let .duplicate(shard, files): return "shard \(shard) appears more than once: \(files.joined(separator: ", "))"
        case let .missing(shards, count):
            return "missing shard\(shards.count == 1 ? "" : "s") \(shards.map(String.init).joined(separator: ", ")) of \(count): every batch must be merged exactly once"
        case let .wrongBatches(file, found, expected):
            return "\(file): batches \(found.lowerBound)..<\(found.upperBound), but its shard covers \(expected.lowerBound)..<\(expected.upperBound) (overlap or gap)"
        case let .noParts(folders): return "no .part files in \(folders.joined(separator: ", "))"
        }
    }
}

/// The parts of one run, checked and merged: for each scenario, the run's `BatchRangeSummary`.
public struct MergedRun: Sendable {
    /// The shared header (of shard 1, with the whole run's batch range).
    public var header: PartialResult.Header
    /// Per scenario: name and the whole run's summary (parts appended in shard order).
    public var scenarios: [(name: String, summary: BatchRangeSummary)]
    /// The part files used, in shard order.
    public var files: [String]

    /// The `.part` files named by `paths`: each path is a part file, or a folder whose `*.part`
    /// files are all taken (in name order).
    public static func partFiles(_ paths: [String]) throws(PartialResultError) -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .unreadable(file: path, reason: "no such file or folder") }
            if isDirectory.boolValue {
                let names: [String]
                do { names = try fm.contentsOfDirectory(atPath: path) } catch { throw .unreadable(file: path, reason: "\(error.localizedDescription)") }
                files += names.filter { $0.hasSuffix(".part") && !$0.hasPrefix(".") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        guard !files.isEmpty else { throw .noParts(folders: paths) }
        return files
    }

    /// Reads and decodes one part file.
    public static func load(_ file: String) throws(PartialResultError) -> PartialResult {
        guard let data = FileManager.default.contents(atPath: file) else { throw .unreadable(file: file, reason: "cannot open") }
        return try PartialResult.decode(data, file: file)
    }

    /// Reads every part of `paths` (see ``partFiles(_:)``).
    public static func read(_ paths: [String]) throws(PartialResultError) -> [(file: String, part: PartialResult)] {
        var parts: [(String, PartialResult)] = []
        for file in try partFiles(paths) { parts.append((file, try load(file))) }
        return parts
    }

    /// Reads the parts of `paths` one at a time, checks them and merges them (see ``merge(_:)``).
    /// Parts are appended in shard order as soon as their predecessors are in: with the files in
    /// name (= shard) order, only one part is held besides the merged summary, whose retained
    /// losses are the K largest (`simulate`, `sweep`) or all (`solve`).
    public static func merge(reading paths: [String]) throws(PartialResultError) -> MergedRun {
        let files = try partFiles(paths)
        return try merge(files: files) { i throws(PartialResultError) in try load(files[i]) }
    }

    /// Checks that `parts` are all the shards of one run — same tool version, command, arguments,
    /// model, settings and shard count; each shard exactly once, with the batches its index
    /// implies (so no overlaps and no gaps) — and appends their summaries in shard order
    /// (`BatchRangeSummary.append(_:tailSize:)`: moments folded in batch order,
    /// counts added, the K largest losses kept).
    public static func merge(_ parts: [(file: String, part: PartialResult)]) throws(PartialResultError) -> MergedRun {
        try merge(files: parts.map(\.file)) { i throws(PartialResultError) in parts[i].part }
    }

    static func merge(files: [String], load: (Int) throws(PartialResultError) -> PartialResult) throws(PartialResultError) -> MergedRun {
        guard !files.isEmpty else { throw .noParts(folders: []) }
        func text<T: Encodable>(_ value: T) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        }
        let firstFile = files[0]
        var headers: [(file: String, header: PartialResult.Header)] = []
        var merged: [BatchRangeSummary] = []
        var pending: [Int: [BatchRangeSummary]] = [:]
        var nextShard = 1
        var tailSize = 0
        var layoutReference: (file: String, layout: String)? = nil
        for (i, file) in files.enumerated() {
            let part = try load(i)
            let o = part.header
            guard part.summaries.count == o.scenarios.count else {
                throw .corrupted(file: file, reason: "\(part.summaries.count) summaries for \(o.scenarios.count) scenarios")
            }
            if let h = headers.first?.header {
                let fields: [(String, String, String)] = [
                    ("the tool version", o.toolVersion, h.toolVersion),
                    ("the model's SHA-256", o.modelSHA256, h.modelSHA256),
                    ("the command", o.command, h.command),
                    ("the seed", String(o.settings.seed), String(h.settings.seed)),
                    ("the paths", String(o.settings.paths), String(h.settings.paths)),
                    ("the batch size", String(o.settings.batchSize), String(h.settings.batchSize)),
                    ("the settings", text(o.settings), text(h.settings)),
                    ("the arguments", o.arguments.joined(separator: " "), h.arguments.joined(separator: " ")),
                    ("the tail size", String(o.tailSize), String(h.tailSize)),
                    ("the shard count", String(o.shards), String(h.shards)),
                    ("the scenarios", o.scenarios.map(\.name).joined(separator: ", "), h.scenarios.map(\.name).joined(separator: ", ")),
                    ("the portfolio volume", o.scenarios.map { String($0.volume) }.joined(separator: ", "), h.scenarios.map { String($0.volume) }.joined(separator: ", ")),
                ]
                for (field, found, expected) in fields where found != expected {
                    throw .mismatch(file: file, field: field, found: found, expected: expected, reference: firstFile)
                }
            } else {
                do { try o.settings.validate() } catch {
                    throw .corrupted(file: file, reason: "invalid settings: \(error)")
                }
                tailSize = min(max(o.tailSize, o.settings.tailSize), o.settings.paths)
            }
            // The summary layout of a part with no batches (more shards than batches) is empty:
            // compare the layouts of the parts that simulated something.
            if !o.batches.isEmpty {
                let layout = o.scenarios.map { "\($0.quantities)/\($0.tranches)/\($0.guarantees)/\($0.exceedanceThresholds)/\($0.statisticCounts)/\($0.retainsAllLosses)" }.joined(separator: ", ")
                if let (reference, expected) = layoutReference {
                    guard layout == expected else {
                        throw .mismatch(file: file, field: "the summary layout", found: layout, expected: expected, reference: reference)
                    }
                } else {
                    layoutReference = (file, layout)
                }
            }
            headers.append((file, o))
            // Append in shard order as soon as possible; anything out of place is reported below.
            let h = headers[0].header
            if h.shards >= 1, (1...h.shards).contains(o.shard), o.shard >= nextShard, pending[o.shard] == nil,
               o.batches == h.settings.batchRange(shard: o.shard - 1, of: h.shards),
               zip(part.summaries, o.scenarios).allSatisfy({ $0.paths == h.settings.pathRange(batches: o.batches).count && $0.paths == $1.paths }) {
                pending[o.shard] = part.summaries
                while let ready = pending.removeValue(forKey: nextShard) {
                    if merged.isEmpty { merged = ready } else { for s in merged.indices { merged[s].append(ready[s], tailSize: tailSize) } }
                    nextShard += 1
                }
            }
        }
        let h = headers[0].header
        guard h.shards >= 1 else {
            throw .mismatch(file: firstFile, field: "the shard count", found: String(h.shards), expected: "at least 1", reference: "the format")
        }
        var byShard = [Int: [String]]()
        for (file, header) in headers { byShard[header.shard, default: []].append(file) }
        if let (shard, files) = byShard.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count > 1 }) {
            throw .duplicate(shard: shard, files: files)
        }
        if let (file, header) = headers.first(where: { !(1...h.shards).contains($0.header.shard) }) {
            throw .mismatch(file: file, field: "the shard index", found: String(header.shard), expected: "1…\(h.shards)", reference: firstFile)
        }
        let missing = (1...h.shards).filter { byShard[$0] == nil }
        guard missing.isEmpty else { throw .missing(shards: missing, of: h.shards) }
        let ordered = headers.sorted { $0.header.shard < $1.header.shard }
        for (file, header) in ordered {
            let expected = h.settings.batchRange(shard: header.shard - 1, of: h.shards)
            let paths = h.settings.pathRange(batches: expected)
            guard header.batches == expected, header.pathStart == paths.lowerBound, header.pathEnd == paths.upperBound,
                  header.scenarios.allSatisfy({ $0.paths == paths.count }) else {
                throw .wrongBatches(file: file, found: header.batches, expected: expected)
            }
        }
        guard nextShard == h.shards + 1, merged.count == h.scenarios.count else {
            throw .corrupted(file: firstFile, reason: "the parts could not be put in shard order")
        }
        let scenarios = zip(h.scenarios, merged).map { ($0.name, $1) }
        var header = h
        header.shard = 1
        header.batchStart = 0
        header.batchEnd = h.settings.batchCount
        header.pathStart = 0
        header.pathEnd = h.settings.paths
        return MergedRun(header: header, scenarios: scenarios, files: ordered.map(\.file))
    }
}
