// Rare events on the Glasserman–Li (2005, §5) portfolio: 1000 obligors, one factor with
// loading a, PDᵢ = 0.01(1 + sin(16πi/1000)), exposure ⌈5i/1000⌉², LGD 1 (volume 11,000).
//
// For each (a, x, exact P(L > x)) given on the command line: importance sampling is run with
// more paths until the relative error SE/P ≤ 10 % (paths re-estimated from the last run,
// ≤ 5 runs) and the last run's time is reported; plain Monte Carlo of the same engine is
// measured at `--plain-paths` on the same portfolio and its time to 10 % projected from the
// binomial variance, paths = (1 − P)/(0.01·P).
//
// Usage: rare-events [--threads T] [--plain-paths N] a:x:P [a:x:P …]   -> one JSON object per case.
import Foundation
import Leverage

func portfolio(_ a: Double) -> Portfolio {
    let exposures = (1...1000).map { i in
        Exposure(name: "gl\(i)", exposureAtDefault: pow((5 * Double(i) / 1000).rounded(.up), 2),
                 probabilityOfDefault: 0.01 * (1 + sin(16 * Double.pi * Double(i) / 1000)),
                 lossGivenDefault: .fixed(1), loadings: [a])
    }
    return Portfolio(exposures: exposures, dependence: .factors(correlation: Matrix.identity(1), repair: .none))
}

var threads: Int? = nil, plainPaths = 400_000
var cases: [(a: Double, x: Double, exact: Double)] = []
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--threads": threads = Int(args.next()!)!
    case "--plain-paths": plainPaths = Int(args.next()!)!
    default:
        let parts = arg.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 3 else { FileHandle.standardError.write("expected a:x:P, got \(arg)\n".data(using: .utf8)!); exit(2) }
        cases.append((parts[0], parts[1], parts[2]))
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

var plainRate: [Double: Double] = [:]   // paths per second of plain Monte Carlo, by loading
do {
    for c in cases {
        let volume = 11_000.0
        let p = portfolio(c.a)
        if plainRate[c.a] == nil {
            let t = try seconds {
                _ = try simulate(portfolio: p, structure: .wholePortfolio(), settings: SimulationSettings(paths: plainPaths, seed: 1, threads: threads))
            }
            plainRate[c.a] = Double(plainPaths) / t
        }
        var n = 1_000, runs = 0
        var report: ImportanceReport
        var time = 0.0
        repeat {
            var r: ImportanceReport? = nil
            time = try seconds {
                r = try simulateImportance(portfolio: p, structure: .wholePortfolio(),
                                           settings: SimulationSettings(paths: n, seed: 2005 + UInt64(runs), threads: threads), target: c.x / volume)
            }
            report = r!
            runs += 1
            let e = report.exceedance[0].probability
            let re = e.value > 0 ? e.standardError / e.value : .infinity
            if re <= 0.1 { break }
            n = re.isFinite ? Int((Double(n) * (re / 0.1) * (re / 0.1) * 1.1).rounded(.up)) : 4 * n
        } while runs < 5
        let e = report.exceedance[0].probability
        let plainNeeded = (1 - c.exact) / (0.01 * c.exact)
        let out: [String: Any] = [
            "loading": c.a, "threshold": c.x, "exact": c.exact,
            "estimate": e.value, "standard_error": e.standardError, "relative_error": e.standardError / e.value,
            "z": (e.value - c.exact) / e.standardError,
            "paths": n, "runs": runs, "seconds": time, "variance_reduction": e.varianceReduction,
            "effective_sample_size": report.effectiveSampleSize, "factor_shift": report.factorShift[0],
            "plain_paths_per_second": plainRate[c.a]!, "plain_paths_needed": plainNeeded,
            "plain_seconds_projected": plainNeeded / plainRate[c.a]!,
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
} catch {
    FileHandle.standardError.write("rare-events: \(error)\n".data(using: .utf8)!)
    exit(1)
}
