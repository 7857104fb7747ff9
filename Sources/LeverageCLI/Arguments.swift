import ArgumentParser
import Foundation
import Leverage

/// A command-line value that cannot be used; ArgumentParser shows it as
/// `The value 'X' is invalid for '--option <value>': <description>` and exits 64.
struct ArgumentProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Parsers of option values: each refuses what would be a mistake (a negative count, `nan`,
/// `inf`, a number too large to be meant) with a message naming the problem. Options that take
/// numbers use `parsing: .unconditional`, so that `--paths -1` reaches these parsers (and is
/// refused as negative) instead of `-1` being taken for an option ("Missing value").
enum ArgumentValue {
    /// The most Monte Carlo paths one run may ask for (10¹⁰: 80 GB for the losses alone).
    static let maximumPaths = 10_000_000_000
    /// The most worker threads.
    static let maximumThreads = 1024

    /// A finite number: decimal notation only (no `nan`, `inf`, hexadecimal floats).
    static func finite(_ text: String) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw ArgumentProblem("expected a number") }
        guard let x = Double(t) else { throw ArgumentProblem("not a number") }
        guard x.isFinite else { throw ArgumentProblem("not a finite number") }
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { throw ArgumentProblem("not a decimal number") }
        return x
    }

    /// A whole number in `range`, written as digits (`100000`, `1_000_000`) or in scientific
    /// notation when whole (`1e6`); checked before any conversion to an integer.
    static func whole(_ text: String, _ range: ClosedRange<Int>, what: String) throws -> Int {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        let x: Double
        if let i = Int(t) {
            guard range.contains(i) else { throw ArgumentProblem(outside(Double(i), range, what)) }
            return i
        }
        do { x = try finite(t) } catch let problem as ArgumentProblem {
            throw ArgumentProblem("\(problem.description); \(what) is a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard x == x.rounded() else { throw ArgumentProblem("\(what) is a whole number, not \(t)") }
        guard x >= Double(range.lowerBound) && x <= Double(range.upperBound) else { throw ArgumentProblem(outside(x, range, what)) }
        return Int(x)
    }

    private static func outside(_ x: Double, _ range: ClosedRange<Int>, _ what: String) -> String {
        x < Double(range.lowerBound) ? "\(what) must be at least \(range.lowerBound)"
            : "\(what) must be at most \(range.upperBound) (\(String(format: "%.0e", Double(range.upperBound))))"
    }

    static func paths(_ text: String) throws -> Int { try whole(text, 1...maximumPaths, what: "the number of paths") }
    static func threads(_ text: String) throws -> Int { try whole(text, 1...maximumThreads, what: "the number of threads") }

    /// A seed: a whole number from 0 to 2⁶⁴ − 1.
    static func seed(_ text: String) throws -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let s = UInt64(t) { return s }
        if t.hasPrefix("-") { throw ArgumentProblem("a seed is a whole number from 0 to \(UInt64.max), not negative") }
        if let x = Double(t), x.isFinite, x == x.rounded(), x >= 0, x < 0x1p64 {
            throw ArgumentProblem("write the seed in digits (\(UInt64(x)))")
        }
        throw ArgumentProblem("a seed is a whole number from 0 to \(UInt64.max)")
    }

    /// A fraction in [0, 1], or a percentage (`15%`, `15 %`).
    static func fraction(_ text: String) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces)
        var scale = 1.0
        if t.hasSuffix("%") {
            t = String(t.dropLast()).trimmingCharacters(in: .whitespaces)
            scale = 0.01
        }
        let x = try finite(t) * scale
        guard (0...1).contains(x) else {
            throw ArgumentProblem("\(text) is outside [0, 1] (a fraction: 5 % is 0.05 or 5%)")
        }
        return x
    }

    /// A money amount above 0, finite.
    static func positiveAmount(_ text: String) throws -> Double {
        if text.trimmingCharacters(in: .whitespaces).hasSuffix("%") { throw ArgumentProblem("an amount in the model's money unit, not a percentage") }
        let x = try finite(text)
        guard x > 0 else { throw ArgumentProblem("must be above 0") }
        return x
    }

    /// Basis points in [0, 10000] (`100`, or `100bp`).
    static func basisPoints(_ text: String) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") { throw ArgumentProblem("give basis points (1 % is 100 bp)") }
        if t.lowercased().hasSuffix("bp") { t = String(t.dropLast(2)).trimmingCharacters(in: .whitespaces) }
        let x = try finite(t)
        guard (0...10_000).contains(x) else { throw ArgumentProblem("\(text) is outside [0, 10000] basis points") }
        return x
    }
}

/// A command-line mistake found after parsing (e.g. a `--scenario` the model does not have):
/// the message on stderr, exit code 64, nothing on stdout.
func usageError(_ message: String) -> ExitCode {
    Console.error(message)
    return ExitCode(64)
}

/// Checks the first argument before ArgumentParser sees it: with `run` as the default command,
/// a mistyped command (`leverage simulte efsi`) would otherwise be read as a model file name
/// and reported as a missing file (exit 1). A first argument that is neither a command, an
/// option, an existing file, nor a bundled model, and does not look like a file name (no `/`,
/// no `.`), is a command-line mistake: exit 64 with the nearest command or model suggested.
enum CommandCheck {
    static func problem(_ arguments: [String], commands: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first), first != "help" else { return nil }
        if FileManager.default.fileExists(atPath: first) { return nil }
        let bundled = BundledModels.all.map(\.name)
        if bundled.contains(first) { return nil }
        if first.isEmpty { return "an empty command or model name" }
        if first.contains("/") || first.contains(".") { return nil }   // a file name: the loader reports it, located
        let shown = SafeText.terminal(first)
        let nearest = (commands + bundled).map { ($0, editDistance(first.lowercased(), $0)) }.min { $0.1 < $1.1 }
        var message = "'\(shown)' is neither a command nor a bundled model (commands: \(commands.joined(separator: ", ")); `leverage models` lists the models)"
        if let (name, distance) = nearest, distance <= max(2, name.count / 3) {
            message += "; did you mean '\(name)'?"
        }
        return message
    }

    /// Levenshtein distance (insertions, deletions, substitutions), on characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.prefix(64)), y = Array(b)
        if x.isEmpty { return y.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i]
            for j in 1..<(y.count + 1) {
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)))
            }
            previous = current
        }
        return previous[y.count]
    }
}

/// The resource check before a long run: refuse what does not fit the machine's memory
/// (exit 64, naming `--allow-large`), announce on stderr what will take more than a few minutes.
struct ResourceOptions: ParsableArguments {
    @Flag(help: "Run even when the estimated memory exceeds what this machine has available.")
    var allowLarge = false

    @Flag(help: "Print the run's estimated peak memory (bytes) and time (seconds) as JSON on stdout, and stop.")
    var estimate = false

    /// Judges `estimate`; throws exit 64 when it is too large (unless --allow-large), prints a
    /// warning for a slow run unless `quiet`. With `--estimate`, prints the estimate and exits 0.
    func admit(_ estimate: ResourceEstimate, what: String, quiet: Bool) throws {
        let machine = MachineResources.current()
        if self.estimate {
            let fields: [(String, JSONValue)] = [("run", .string(what)), ("bytes", .number(estimate.bytes.rounded())),
                                                 ("seconds", .number(estimate.seconds)),
                                                 ("available_bytes", machine.usableBytes.map { .number($0) } ?? .null)]
            try Console.out(JSONValue.object(fields).serialized() + "\n")
            throw ExitCode.success
        }
        switch RunAdmission.judge(estimate, on: machine, what: what) {
        case .proceed: break
        case .slow(let message):
            if !quiet { Console.status("note: \(message)") }
        case .tooLarge(let message):
            if allowLarge {
                if !quiet { Console.status("warning: \(message); running anyway (--allow-large)") }
            } else {
                throw usageError("\(message): refused (fewer --paths, or --allow-large to run anyway)")
            }
        }
    }
}
