import Foundation
import Testing
import TestSupport

/// One mistaken or hostile command line: what `leverage` must answer.
struct MistakeCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    /// 64 a command-line mistake, 1 a model problem or a failed write.
    var status: Int32
    /// A fragment the message on stderr must contain.
    var fragment: String
    var testDescription: String { "leverage " + arguments.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") + " → \(status)" }
    init(_ arguments: [String], _ status: Int32, _ fragment: String) {
        self.arguments = arguments
        self.status = status
        self.fragment = fragment
    }
}

/// The command-line side of the bad-input corpus (issue #14): each case runs the built binary in
/// an empty folder and must exit with its code, say what is wrong, print nothing on stdout and
/// leave the folder empty (no result folder, no staging folder). A crash (a signal, exit ≥ 128)
/// fails every case.
let commandLineCorpus: [MistakeCase] = {
    var cases: [MistakeCase] = []
    func add(_ arguments: [String], _ status: Int32, _ fragment: String) { cases.append(MistakeCase(arguments, status, fragment)) }

    // Mistyped or unknown commands: 64, with the nearest command or model suggested.
    add(["simulte", "investai-risk-sharing"], 64, "did you mean 'simulate'")
    add(["simulat"], 64, "did you mean 'simulate'")
    add(["sweeep", "investai-risk-sharing"], 64, "did you mean 'sweep'")
    add(["valdate", "efsi"], 64, "did you mean 'validate'")
    add(["stres", "gigafactory"], 64, "did you mean 'stress'")
    add(["slove", "sme-guarantee"], 64, "did you mean 'solve'")
    add(["modles"], 64, "did you mean 'models'")
    add(["gigafactroy"], 64, "did you mean 'gigafactory'")
    add(["efsii"], 64, "did you mean 'efsi'")
    add(["Run", "efsi"], 64, "did you mean 'run'")
    add(["frobnicate"], 64, "neither a command nor a bundled model")
    add([""], 64, "empty command or model name")
    add(["run", "efsi", "extra"], 64, "Unexpected argument")
    add(["models", "extra"], 64, "Unexpected argument")
    add(["run", "--nope"], 64, "Unknown option")
    add(["simulate"], 64, "Missing expected argument")
    add(["validate"], 64, "Missing expected argument")

    // Output options.
    add(["run", "efsi", "--output", ""], 64, "--output needs a folder name")
    add(["run", "efsi", "--output", "  "], 64, "--output needs a folder name")
    add(["run", "efsi", "-o", ""], 64, "--output needs a folder name")
    add(["run", "--format", "xml"], 64, "--format")
    add(["run", "--format", ""], 64, "--format")
    add(["run", "efsi", "--format"], 64, "Missing value")
    add(["run", "efsi", "--output", "/dev/null/results"], 1, "error")
    add(["run", "efsi", "--output", "/proc/leverage-results"], 1, "error")

    // Counts: negative numbers are values (not "Missing value"), refused with the reason.
    for command in [["simulate", "benchmark-b1000"], ["sweep", "investai-risk-sharing"], ["solve", "investai-risk-sharing"]] {
        add(command + ["--paths", "-1"], 64, "must be at least 1")
        add(command + ["--paths", "0"], 64, "must be at least 1")
        add(command + ["--paths", "nan"], 64, "not a finite number")
        add(command + ["--paths", "1e15"], 64, "must be at most 10000000000")
        add(command + ["--seed", "-1"], 64, "not negative")
        add(command + ["--threads", "-3"], 64, "must be at least 1")
    }
    add(["simulate", "benchmark-b1000", "--paths", "-5"], 64, "must be at least 1")
    add(["simulate", "benchmark-b1000", "--paths", "1.5"], 64, "whole number")
    add(["simulate", "benchmark-b1000", "--paths", "abc"], 64, "not a number")
    add(["simulate", "benchmark-b1000", "--paths", "inf"], 64, "not a finite number")
    add(["simulate", "benchmark-b1000", "--paths", "-inf"], 64, "not a finite number")
    add(["simulate", "benchmark-b1000", "--paths", "1e400"], 64, "not a finite number")
    add(["simulate", "benchmark-b1000", "--paths", "9223372036854775807"], 64, "must be at most")
    add(["simulate", "benchmark-b1000", "--paths", "99999999999999999999"], 64, "must be at most")
    add(["simulate", "benchmark-b1000", "--paths", "0x10"], 64, "not a decimal number")
    add(["simulate", "benchmark-b1000", "--paths", ""], 64, "expected a number")
    add(["simulate", "benchmark-b1000", "--paths"], 64, "Missing value")
    add(["simulate", "benchmark-b1000", "--seed", "1.5"], 64, "a seed is a whole number")
    add(["simulate", "benchmark-b1000", "--seed", "nan"], 64, "a seed is a whole number")
    add(["simulate", "benchmark-b1000", "--seed", "1e3"], 64, "write the seed in digits (1000)")
    add(["simulate", "benchmark-b1000", "--seed", "18446744073709551616"], 64, "a seed is a whole number")
    add(["simulate", "benchmark-b1000", "--threads", "0"], 64, "must be at least 1")
    add(["simulate", "benchmark-b1000", "--threads", "100000"], 64, "must be at most 1024")
    add(["simulate", "benchmark-b1000", "--threads", "inf"], 64, "not a finite number")
    add(["stress", "gigafactory", "--paths", "-1"], 64, "must be at least 1")
    add(["stress", "gigafactory", "--paths", "1e12"], 64, "must be at most")
    add(["stress", "gigafactory", "--paths", "nan"], 64, "not a finite number")
    add(["stress", "gigafactory", "--seed", "-7"], 64, "not negative")
    add(["stress", "gigafactory", "--threads", "-3"], 64, "must be at least 1")

    // Runs too large for the machine: refused up front, naming the override.
    // simulate keeps only the tail its quantile levels read (K = 0.5 · paths here, 120 GB for
    // 10¹⁰ paths); with the default levels 10¹⁰ paths fit (12 GB) and run, announced, for hours.
    add(["simulate", "benchmark-b1000", "--paths", "1e10", "--quantile-levels", "0.5"], 64, "--allow-large")
    // sweep accumulates per cover (K ≈ 1 % of the paths, 4.8 GB for 10¹⁰ paths: it fits and runs for
    // hours); a shard of 10,000 covers holds one entry of 60,009 words per batch of its 1.2 · 10⁶ (1.8 TB).
    add(["sweep", "investai-risk-sharing", "--paths", "1e10", "--cover", "first-loss=0:0.9999:0.0001", "--shard", "2/2", "--output", "parts"],
        64, "--allow-large")
    add(["solve", "investai-risk-sharing", "--paths", "1e10"], 64, "--allow-large")
    add(["stress", "gigafactory", "--paths", "1e9"], 64, "--allow-large")

    // Money, probabilities and basis points: finite, in range; % where it is unambiguous.
    let solve = ["solve", "investai-risk-sharing"]
    add(solve + ["--budget", "nan"], 64, "not a finite number")
    add(solve + ["--budget", "inf"], 64, "not a finite number")
    add(solve + ["--budget", "-5"], 64, "must be above 0")
    add(solve + ["--budget", "0"], 64, "must be above 0")
    add(solve + ["--budget", "5%"], 64, "not a percentage")
    add(solve + ["--max-expected-loss-bp", "nan"], 64, "not a finite number")
    add(solve + ["--max-expected-loss-bp", "inf"], 64, "not a finite number")
    add(solve + ["--max-expected-loss-bp", "-1"], 64, "outside [0, 10000]")
    add(solve + ["--max-expected-loss-bp", "10001"], 64, "outside [0, 10000]")
    add(solve + ["--max-expected-loss-bp", "1%"], 64, "basis points")
    add(solve + ["--max-loss-probability", "1.5"], 64, "outside [0, 1]")
    add(solve + ["--max-loss-probability", "-0.1"], 64, "outside [0, 1]")
    add(solve + ["--max-loss-probability", "nan"], 64, "not a finite number")
    add(solve + ["--max-loss-probability", "150%"], 64, "outside [0, 1]")
    add(solve + ["--retain-above", "1.5"], 64, "outside [0, 1]")
    add(solve + ["--retain-above", "-0.1"], 64, "outside [0, 1]")
    add(solve + ["--retain-above", "nan"], 64, "not a finite number")
    add(solve + ["--guarantee-rate", "inf", "--guarantee-cap", "0.1"], 64, "not a finite number")
    add(solve + ["--guarantee-rate", "2", "--guarantee-cap", "0.1"], 64, "outside [0, 1]")
    add(solve + ["--guarantee-rate", "-0.5", "--guarantee-cap", "0.1"], 64, "outside [0, 1]")
    add(solve + ["--guarantee-rate", "0.5", "--guarantee-cap", "nan"], 64, "not a finite number")
    add(solve + ["--guarantee-rate", "0.5"], 64, "go together")
    add(solve + ["--first-loss", "0.1"], 64, "--first-loss is what --solve-for first-loss solves")
    add(solve + ["--solve-for", "guarantee-rate", "--first-loss", "nan"], 64, "not a finite number")
    add(solve + ["--solve-for", "leverage"], 64, "--solve-for")
    add(solve + ["--budget"], 64, "Missing value")

    // Sweep axes: finite values in [0, 1], bounded axes, bounded grids.
    let sweep = ["sweep", "investai-risk-sharing"]
    add(sweep + ["--cover", "first-loss=0:inf:0.1"], 64, "not a finite number")
    add(sweep + ["--cover", "first-loss=0:0.3:5e-324"], 64, "more than 10000 values")
    add(sweep + ["--cover", "first-loss=0:1:1e-6"], 64, "more than 10000 values")
    add(sweep + ["--cover", "first-loss=nan"], 64, "not a finite number")
    add(sweep + ["--cover", "first-loss=0,inf"], 64, "not a finite number")
    add(sweep + ["--cover", "first-loss=2"], 64, "outside [0, 1]")
    add(sweep + ["--cover", "first-loss=-0.1"], 64, "outside [0, 1]")
    add(sweep + ["--cover", "first-loss=0:0.3"], 64, "expected from:to:step")
    add(sweep + ["--cover", "first-loss=0:0.3:0"], 64, "the step must be above 0")
    add(sweep + ["--cover", "first-loss=0.3:0:0.1"], 64, "to is below from")
    add(sweep + ["--cover", "first-loss="], 64, "expected numbers")
    add(sweep + ["--cover", "first-loss"], 64, "expected AXIS=VALUES")
    add(sweep + ["--cover", "leverage=0.1"], 64, "expected AXIS=VALUES")
    add(sweep + ["--cover", "first-loss=0x1p-3"], 64, "not a decimal number")
    add(sweep + ["--cover", "first-loss=0:1:0.001", "--cover", "guarantee-rate=0:1:0.001"], 64, "the grid has 1002001 covers")
    add(sweep + ["--cover", "first-loss=0:0.99:0.01", "--cover", "guarantee-rate=0:0.99:0.01", "--cover", "guarantee-cap=0.1,0.2"],
        64, "the grid has 20000 covers")
    add(sweep + ["--cover", "first-loss=0:1:0.01", "--cover", "guarantee-rate=0:1:0.01", "--cover", "guarantee-cap=0:1:0.01"],
        64, "a sweep evaluates at most 10000")
    add(sweep + ["--stress", "pd=nan"], 64, "--stress")
    add(sweep + ["--stress", "pd=-1"], 64, "--stress")
    add(sweep + ["--stress", "volatility=1"], 64, "--stress")
    add(sweep + ["--stress", "pd"], 64, "--stress")
    add(sweep + ["--stress", "pd=inf"], 64, "--stress")

    // Stress scenarios: an empty or unknown name is a command-line mistake.
    add(["stress", "gigafactory", "--scenario", ""], 64, "--scenario needs a scenario name")
    add(["stress", "gigafactory", "--scenario", "no_such_scenario"], 64, "no such stress scenario")
    add(["stress", "gigafactory", "--scenario", "ai_winter", "--scenario", "typo"], 64, "'typo'")

    // Model problems: exit 1, located, nothing on stdout.
    add(["run", "no-such-file.yaml"], 1, "no-such-file.yaml")
    add(["simulate", "efsi"], 1, "no `portfolio` section")
    add(["solve", "efsi"], 1, "no `portfolio` section")
    add(["sweep", "investeu"], 1, "no `portfolio` section")
    add(["stress", "efsi"], 1, "no `project` section")
    add(["validate", "efsi", "no-such-file.yaml"], 1, "no-such-file.yaml")
    add(["validate", "no-such-file.yaml", "efsi", "investeu"], 1, "efsi: ok")
    return cases
}()

@Suite("Command-line corpus: mistaken and hostile command lines")
struct CommandLineCorpusTests {
    @Test("The corpus has at least 100 command-line cases")
    func size() {
        #expect(commandLineCorpus.count >= 100)
    }

    @Test("Each mistake: its exit code, a message naming the problem, nothing on stdout, nothing written", arguments: commandLineCorpus)
    func mistake(_ c: MistakeCase) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProcess(leverageBinary, c.arguments, in: folder, timeLimit: 120)
        #expect(result.status < 128, "crashed: \(result.stderr.suffix(400))")
        #expect(result.status == c.status, "stderr: \(result.stderr.prefix(600))")
        #expect(result.stdout == "", "a failed run prints nothing on stdout")
        #expect(result.stderr.contains(c.fragment), "stderr: \(result.stderr.prefix(600))")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no file may be written")
        #expect(!FileManager.default.fileExists(atPath: "/proc/leverage-results"))
    }

    @Test("Accepted where unambiguous: percentages for covers and probabilities, scientific whole numbers for paths")
    func accepted() throws {
        let percent = try leverage("sweep", "investai-risk-sharing", "--cover", "first-loss=0%:30%:10%", "--paths", "2e3", "--format", "csv", "--quiet")
        let fraction = try leverage("sweep", "investai-risk-sharing", "--cover", "first-loss=0:0.30:0.10", "--paths", "2000", "--format", "csv", "--quiet")
        #expect(percent.status == 0 && percent.stderr == "")
        #expect(percent.stdout == fraction.stdout, "0%:30%:10% is 0:0.30:0.10")
        let solve = try leverage("solve", "investai-risk-sharing", "--paths", "2000", "--max-loss-probability", "20%", "--format", "json", "--quiet")
        #expect(solve.status == 0, "\(solve.stderr)")
        #expect(try leverage("simulate", "benchmark-b1000", "--paths", "1_000", "--seed", "0", "--threads", "1", "--quiet").status == 0)
    }

    @Test("--estimate prints the estimated memory and time as JSON and runs nothing")
    func estimate() throws {
        let result = try leverage("simulate", "benchmark-b1000", "--paths", "1e9", "--estimate")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let bytes = try #require(object["bytes"] as? Double)
        // `simulate` keeps the tail of the K ≈ 5 % largest losses (≈ 3·8·K bytes), never every loss.
        #expect(bytes > 3 * 8 * 0.05e9 && bytes < 8e9, "the tail of 10⁹ paths, not every loss: \(bytes)")
        #expect((object["seconds"] as? Double ?? 0) > 0)
    }

    @Test("A result that cannot be written to stdout (a full device) exits 1 with a message, not a crash")
    func fullStdout() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let process = Process()
        process.executableURL = leverageBinary
        process.arguments = ["run", "efsi"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("cannot write to standard output"))
    }

    @Test("validate: all good files print their verdicts on stdout; one bad file and stdout stays empty")
    func validateMix() throws {
        let good = try leverage("validate", "efsi", "investeu")
        let verdicts = good.stdout.split(separator: "\n")
        #expect(good.status == 0 && verdicts.count == 2)
        #expect(verdicts.first?.hasPrefix("efsi: ok (") == true && verdicts.last?.hasPrefix("investeu: ok (") == true)
        let mixed = try leverage("validate", "efsi", "no-such-file.yaml", "investeu")
        #expect(mixed.status == 1 && mixed.stdout == "")
        let lines = mixed.stderr.split(separator: "\n")
        #expect(lines.first.map { String($0) } == verdicts.first.map { String($0) })
        #expect(lines.last?.hasPrefix("investeu: ok") == true)
    }
}

/// Option values built from a grammar of hostile pieces (signs, exponents, percentages,
/// `inf`, `nan`, hexadecimal, the limits of Int and UInt64, denormals, ESC), on a fixed seed:
/// every command line must end in 0 (a value that is fine; `--estimate` runs nothing) or 64
/// (refused, with nothing on stdout) — never a crash, never 1.
let randomOptionValues: [MistakeCase] = {
    var random = SplitMix64(seed: 14)
    let pieces = ["-", "+", "", "0", "1", "7", ".", "5", "e", "E", "%", "inf", "nan", "0x1p", "_", " ", "1e308", "5e-324",
                  "9223372036854775807", "18446744073709551616", "\u{1B}[2J", "1e", "-0", "00", "1,5", "∞"]
    func value() -> String {
        (0..<(1 + Int(random.next() % 4))).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }
    var cases: [MistakeCase] = []
    for k in 0..<96 {
        let v = value()
        switch k % 8 {
        case 0: cases.append(MistakeCase(["simulate", "benchmark-b1000", "--estimate", "--paths", v], 0, ""))
        case 1: cases.append(MistakeCase(["simulate", "benchmark-b1000", "--estimate", "--seed", v], 0, ""))
        case 2: cases.append(MistakeCase(["simulate", "benchmark-b1000", "--estimate", "--threads", v], 0, ""))
        case 3: cases.append(MistakeCase(["sweep", "investai-risk-sharing", "--estimate", "--cover", "first-loss=\(v)"], 0, ""))
        case 4: cases.append(MistakeCase(["sweep", "investai-risk-sharing", "--estimate", "--cover", "guarantee-rate=\(value()):\(v):\(value())"], 0, ""))
        case 5: cases.append(MistakeCase(["solve", "investai-risk-sharing", "--estimate", "--budget", v], 0, ""))
        case 6: cases.append(MistakeCase(["solve", "investai-risk-sharing", "--estimate", "--max-expected-loss-bp", v], 0, ""))
        default: cases.append(MistakeCase(["stress", "gigafactory", "--estimate", "--paths", v], 0, ""))
        }
    }
    return cases
}()

@Suite("Command-line values from a hostile grammar")
struct RandomOptionValueTests {
    @Test("Never a crash: exit 0 (accepted) or 64 (refused, nothing on stdout)", arguments: randomOptionValues)
    func value(_ c: MistakeCase) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProcess(leverageBinary, c.arguments, in: folder, timeLimit: 120)
        #expect(result.status == 0 || result.status == 64, "stderr: \(result.stderr.prefix(400))")
        if result.status == 64 {
            #expect(result.stdout == "" && result.stderr.contains("rror"))
            #expect(!result.stderr.contains("\u{1B}"), "the echoed value is escaped")
        } else {
            #expect(result.stdout.contains("\"bytes\""), "accepted values only estimate: \(result.stdout.prefix(200))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
