// Rare events on the Glasserman–Li (2005, §5) portfolio: 1000 obligors, one factor with
// loading a, PDᵢ = 0.01(1 + sin(16πi/1000)), exposure ⌈5i/1000⌉², LGD 1 (volume 11,000).
//
// For each (a, x, exact P(L > x)) given on the command line, the time to a 10 % relative error on
// P(L > x), by the library's run to accuracy (pilot, then path counts projected from the SE, at
// least doubling; the time is the whole loop's, pilot included):
// - importance sampling (`simulateImportanceToAccuracy`, target loss x, pilot 1,000 paths);
// - plain Monte Carlo of the same engine (`simulateToAccuracy`, pilot 100,000 paths) when the
//   paths it needs, (1 − P)/(0.01·P), fit under `--plain-cap`; otherwise projected: the engine's
//   plain paths/s on this portfolio (measured at `--plain-cap` paths once per loading) × those paths.
//
// Usage: rare-events [--threads T] [--plain-cap N] a:x:P [a:x:P …]   -> one JSON object per case.
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

var threads: Int? = nil, plainCap = 2_000_000
var cases: [(a: Double, x: Double, exact: Double)] = []
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--threads": threads = Int(args.next()!)!
    case "--plain-cap", "--plain-paths": plainCap = Int(args.next()!)!
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

var plainRate: [Double: Double] = [:]   // plain paths per second, by loading
do {
    for c in cases {
        let volume = 11_000.0, level = c.x / volume
        let p = portfolio(c.a)
        // Importance sampling to 10 %.
        var weighted: (ImportanceReport, AccuracyOutcome)! = nil
        let isTime = try seconds {
            weighted = try simulateImportanceToAccuracy(
                portfolio: p, structure: .wholePortfolio(), settings: SimulationSettings(paths: 1_000, seed: 2005, batchSize: 1_000, threads: threads),
                target: AccuracyTarget(relativeError: 0.1, quantity: .exceedance(level), maximumPaths: 10_000_000), loss: level)
        }
        let e = weighted.0.exceedance.first { $0.threshold == level }!.probability
        // Plain Monte Carlo: run to 10 % when feasible under the cap, else project.
        let plainNeeded = (1 - c.exact) / (0.01 * c.exact)
        var plain: [String: Any] = ["paths_needed": plainNeeded]
        if plainNeeded <= Double(plainCap) {
            var run: (SimulationReport, AccuracyOutcome)! = nil
            let t = try seconds {
                run = try simulateToAccuracy(portfolio: p, structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 7, threads: threads),
                                             target: AccuracyTarget(relativeError: 0.1, quantity: .exceedance(level), maximumPaths: plainCap))
            }
            plain["measured"] = true
            plain["seconds"] = t
            plain["paths"] = run.1.paths
            plain["steps"] = run.1.steps
            plain["met"] = run.1.met
            plain["estimate"] = run.1.value
            plain["standard_error"] = run.1.standardError
            plainRate[c.a] = plainRate[c.a] ?? Double(run.1.steps.reduce(0, +)) / t
        } else {
            if plainRate[c.a] == nil {
                let t = try seconds {
                    _ = try simulate(portfolio: p, structure: .wholePortfolio(), settings: SimulationSettings(paths: plainCap, seed: 1, threads: threads))
                }
                plainRate[c.a] = Double(plainCap) / t
            }
            plain["measured"] = false
            plain["seconds"] = plainNeeded / plainRate[c.a]!
        }
        plain["paths_per_second"] = plainRate[c.a]!
        let out: [String: Any] = [
            "loading": c.a, "threshold": c.x, "exact": c.exact,
            "estimate": e.value, "standard_error": e.standardError, "relative_error": e.standardError / e.value,
            "z": (e.value - c.exact) / e.standardError,
            "paths": weighted.1.paths, "steps": weighted.1.steps, "met": weighted.1.met, "seconds": isTime,
            "variance_reduction": e.varianceReduction, "effective_sample_size": weighted.0.effectiveSampleSize,
            "factor_shift": weighted.0.factorShift[0], "plain": plain,
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
} catch {
    FileHandle.standardError.write("rare-events: \(error)\n".data(using: .utf8)!)
    exit(1)
}
