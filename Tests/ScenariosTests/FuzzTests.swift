import Foundation
import RiskSharing
import Scenarios
import Testing
import TestSupport

/// Mutations of a model file: the kinds of damage an editor, a script or a hostile user does.
/// Deterministic: the same generator state gives the same mutant.
enum Mutator {
    /// Values that have broken readers before (or could): huge, tiny, non-finite, empty, wrong type,
    /// aliases, control characters, very long.
    static let hostile = [
        "1e308", "-1e308", "1e19", "9223372036854775807", "-9223372036854775808", "4.9e-324", "-0", "0", "-1",
        ".nan", ".inf", "-.inf", "nan", "inf", "1e999", "1e-300", "\"0:inf:0.1\"", "\"0:1:1e-300\"", "0.30000000000000004", "1e-14",
        "\"\"", "''", "' '", "~", "null", "[]", "{}", "[[]]", "{a: {b: {c: 1}}}", "*undefined", "&a x", "!!binary AAAA",
        "\"\\u0000\"", "\"\\e[31m\"", "=cmd|' /C calc'!A0", "<script>", String(repeating: "9", count: 400),
        String(repeating: "a", count: 5_000), "true", "yes", "17%", "1_000", "0x10", "@", "`", "|", ">", "- x", ": x",
    ]

    static func pick<T>(_ list: [T], _ rng: inout SplitMix64) -> T { list[Int(rng.next() % UInt64(list.count))] }

    /// One random mutation of `text`.
    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return pick(hostile, &rng) }
        let k = Int(rng.next() % UInt64(lines.count))
        switch rng.next() % 9 {
        case 0, 1, 2:
            // Replace a value (after a `key:` on the line) by a hostile one.
            let line = lines[k]
            let colons = line.indices.filter { line[$0] == ":" }
            if let c = colons.isEmpty ? nil : pick(colons, &rng) {
                var end = line.index(after: c)
                while end < line.endIndex, ![",", "}", "]"].contains(line[end]) { end = line.index(after: end) }
                lines[k] = String(line[...c]) + " " + pick(hostile, &rng) + String(line[end...])
            } else {
                lines[k] += " " + pick(hostile, &rng)
            }
        case 3:
            // Replace a number anywhere on the line.
            let line = lines[k]
            if let r = line.range(of: #"-?[0-9]+(\.[0-9]+)?"#, options: .regularExpression) {
                lines[k] = line.replacingCharacters(in: r, with: pick(hostile, &rng))
            }
        case 4: lines.remove(at: k)
        case 5: lines.insert(lines[k], at: k)                                   // a duplicate line (duplicate key)
        case 6: lines.swapAt(k, Int(rng.next() % UInt64(lines.count)))
        case 7:
            // Change indentation.
            lines[k] = rng.next() % 2 == 0 ? "  " + lines[k] : String(lines[k].drop { $0 == " " })
        default:
            // Truncate the file, or insert a random byte.
            if rng.next() % 2 == 0 {
                lines = Array(lines.prefix(k))
            } else {
                var scalars = Array(lines[k].unicodeScalars)
                let at = scalars.isEmpty ? 0 : Int(rng.next() % UInt64(scalars.count))
                scalars.insert(Unicode.Scalar(UInt8(rng.next() % 128)), at: at)
                lines[k] = String(String.UnicodeScalarView(scalars))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Outcome of one fuzz case (counted, and reported when it is wrong).
struct FuzzTally {
    var accepted = 0
    var refused = 0
    var unlocated: [String] = []
    var slow: [String] = []
    var engineRefusedAccepted: [String] = []
}

/// Parses one mutant: it must be accepted (and then simulate) or refused with located diagnostics, fast.
func fuzzOne(_ text: String, label: String, tally: inout FuzzTally, simulatePaths: Int) {
    let start = Date()
    do {
        let model = try ScenarioLoader.parse(text, file: "fuzz.yaml", readDataFile: BundledModels.dataFile)
        tally.accepted += 1
        if let risk = model.risk, simulatePaths > 0 {
            // What the reader accepts, the engine accepts (one validator).
            do {
                _ = try simulate(portfolio: risk.portfolio, structure: risk.structure,
                                 settings: SimulationSettings(paths: simulatePaths, seed: risk.seed, batchSize: min(risk.batchSize, simulatePaths), threads: 1))
            } catch {
                tally.engineRefusedAccepted.append("\(label): \(error)")
            }
            // A `lifetime` section the reader accepts, the lifetime engine accepts too.
            if let spec = risk.lifetime {
                do {
                    _ = try simulateLifetime(portfolio: risk.portfolio, structure: risk.structure, lifetime: spec,
                                             settings: SimulationSettings(paths: simulatePaths, seed: risk.seed, batchSize: simulatePaths, threads: 1))
                } catch {
                    tally.engineRefusedAccepted.append("\(label) (lifetime): \(error)")
                }
            }
        }
    } catch {
        tally.refused += 1
        for d in error.diagnostics where d.line < 1 || d.column < 1 {
            tally.unlocated.append("\(label): \(d.summary)")
        }
    }
    let seconds = Date().timeIntervalSince(start)
    if seconds > 10 { tally.slow.append("\(label): \(seconds) s") }
}

@Suite("Fuzz: mutations of every bundled model are read without a crash or a hang")
struct FuzzTests {
    /// Mutants per bundled model in the suite (scripts/fuzz.sh runs many more, through the binary).
    static let perModel = Int(ProcessInfo.processInfo.environment["LEVERAGE_FUZZ_CASES"] ?? "") ?? 120

    @Test("Mutants of every bundled model: accepted (and simulated) or refused with located errors")
    func mutants() {
        var rng = SplitMix64(seed: 0x1e7e_2a9e)
        var tally = FuzzTally()
        for model in BundledModels.all {
            for k in 0..<FuzzTests.perModel {
                var text = model.text
                // One to three mutations on top of each other.
                for _ in 0...(rng.next() % 3) { text = Mutator.mutate(text, &rng) }
                fuzzOne(text, label: "\(model.name) #\(k)", tally: &tally, simulatePaths: 64)
            }
        }
        #expect(tally.accepted + tally.refused == FuzzTests.perModel * BundledModels.all.count)
        #expect(tally.refused > tally.accepted / 4, "most mutants should break something: \(tally.refused) refused, \(tally.accepted) accepted")
        #expect(tally.unlocated.isEmpty, "unlocated: \(tally.unlocated.prefix(10))")
        #expect(tally.slow.isEmpty, "slow: \(tally.slow.prefix(10))")
        #expect(tally.engineRefusedAccepted.isEmpty, "the reader accepted what the engine refused: \(tally.engineRefusedAccepted.prefix(10))")
    }

    /// The lines of the section that `header` opens (the header and the lines indented below it).
    static func section(_ lines: [String], header: String) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(header) }) else { return nil }
        let indent = header.prefix { $0 == " " }.count
        var end = start + 1
        while end < lines.count {
            let line = lines[end]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") && line.prefix(while: { $0 == " " }).count <= indent { break }
            end += 1
        }
        return start..<end
    }

    @Test("The fuzz inputs include bundled models with a lifetime section, calibration ranges and risk_cover.sensitivity; every hostile value in every line of those sections is accepted (and simulated, lifetime included) or refused with located errors")
    func sectionsCovered() {
        // The inputs of hostileEverywhere (and of mutants, which takes every bundled model).
        let inputs = BundledModels.all.filter { $0.text.utf8.count < 40_000 }
        var tally = FuzzTally()
        var mutated: [String: Int] = [:]
        for header in ["lifetime:", "ranges:", "  sensitivity:"] {
            let models = inputs.filter { $0.text.split(separator: "\n").contains { $0.hasPrefix(header) } }
            #expect(!models.isEmpty, "no bundled model with a '\(header)' section among the fuzz inputs")
            for model in models {
                let lines = model.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                guard let range = FuzzTests.section(lines, header: header) else { continue }
                for k in range where lines[k].contains(": ") && !lines[k].trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                    for value in Mutator.hostile {
                        var copy = lines
                        copy[k] = String(lines[k][...lines[k].range(of: ": ")!.lowerBound]) + " " + value
                        fuzzOne(copy.joined(separator: "\n"), label: "\(model.name):\(k + 1) = \(value.prefix(20))", tally: &tally, simulatePaths: 64)
                        mutated[header, default: 0] += 1
                    }
                }
            }
        }
        #expect(mutated.count == 3 && mutated.values.allSatisfy { $0 >= 5 * Mutator.hostile.count }, "\(mutated)")
        #expect(tally.refused > tally.accepted, "\(tally.refused) refused, \(tally.accepted) accepted")
        #expect(tally.unlocated.isEmpty, "unlocated: \(tally.unlocated.prefix(10))")
        #expect(tally.slow.isEmpty, "slow: \(tally.slow.prefix(10))")
        #expect(tally.engineRefusedAccepted.isEmpty, "the reader accepted what the engine refused: \(tally.engineRefusedAccepted.prefix(10))")
    }

    @Test("Hostile values in every value position of every bundled model")
    func hostileEverywhere() {
        var tally = FuzzTally()
        var rng = SplitMix64(seed: 14)
        for model in BundledModels.all where model.text.utf8.count < 40_000 {
            let lines = model.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (k, line) in lines.enumerated() where line.contains(": ") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                var copy = lines
                let value = Mutator.pick(Mutator.hostile, &rng)
                copy[k] = String(line[...line.range(of: ": ")!.lowerBound]) + " " + value
                fuzzOne(copy.joined(separator: "\n"), label: "\(model.name):\(k + 1) = \(value.prefix(20))", tally: &tally, simulatePaths: 0)
            }
        }
        #expect(tally.accepted + tally.refused > 300)
        #expect(tally.unlocated.isEmpty, "unlocated: \(tally.unlocated.prefix(10))")
        #expect(tally.slow.isEmpty, "slow: \(tally.slow.prefix(10))")
    }
}
