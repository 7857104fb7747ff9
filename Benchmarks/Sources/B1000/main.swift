// B1000: 1000 exposures in 10 sectors, one factor per sector (pairwise factor correlation 0.5),
// loading 0.5 on the own sector; PDᵢ = 0.005 + 0.045·(i mod 100)/99;
// EADᵢ = 1 + 9·((37·i) mod 100)/99 (EUR m); LGD 0.45; Gaussian copula;
// tranches [0, 5 %), [5 %, 15 %), [15 %, 100 %].
//
// Usage: b1000 [--paths N] [--seed S] [--threads T] [--batch B] [--exact | --default-test table|skip|automatic]
//              [--target-se X]   (time-to-accuracy: paths and time for the senior EL SE ≤ X)
// Prints one JSON object.
import Foundation
import Leverage

func b1000() -> Portfolio {
    let n = 1000, k = 10
    var sigma = Matrix(rows: k, columns: k, repeating: 0.5)
    for i in 0..<k { sigma[i, i] = 1 }
    let exposures = (0..<n).map { i -> Exposure in
        var loadings = [Double](repeating: 0, count: k)
        loadings[i % 10] = 0.5
        let pd = 0.005 + 0.045 * Double(i % 100) / 99
        let ead = 1 + 9 * Double((37 * i) % 100) / 99
        return Exposure(name: "b\(i)", exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: .fixed(0.45), loadings: loadings)
    }
    return Portfolio(exposures: exposures, dependence: .factors(correlation: sigma, repair: .none), copula: .gaussian)
}

let structure = RiskSharingStructure(tranches: [
    Tranche(name: "junior", attachment: 0, detachment: 0.05, holder: "first-loss investor"),
    Tranche(name: "mezzanine", attachment: 0.05, detachment: 0.15, holder: "EIB"),
    Tranche(name: "senior", attachment: 0.15, detachment: 1, holder: "private investors"),
])

var paths = 200_000, seed: UInt64 = 20261122, threads: Int? = nil, batch = 4096, exact = false
var defaultTest = DefaultTest.automatic
var targetSE: Double? = nil
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--paths": paths = Int(args.next()!)!
    case "--seed": seed = UInt64(args.next()!)!
    case "--threads": threads = Int(args.next()!)!
    case "--batch": batch = Int(args.next()!)!
    case "--exact": exact = true; defaultTest = .exact
    case "--default-test":
        switch args.next()! {
        case "table": defaultTest = .table
        case "skip": defaultTest = .skip
        case "automatic": defaultTest = .automatic
        case let other: FileHandle.standardError.write("unknown default test \(other)\n".data(using: .utf8)!); exit(2)
        }
    case "--target-se": targetSE = Double(args.next()!)!
    default:
        FileHandle.standardError.write("unknown argument \(a)\n".data(using: .utf8)!)
        exit(2)
    }
}

let portfolio = b1000()
@MainActor func run(_ paths: Int) throws -> (SimulationReport, Double) {
    let settings = SimulationSettings(paths: paths, seed: seed, batchSize: batch, threads: threads, defaultTest: defaultTest)
    let start = DispatchTime.now().uptimeNanoseconds
    let report = try simulate(portfolio: portfolio, structure: structure, settings: settings)
    return (report, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

@MainActor func json(_ report: SimulationReport, seconds: Double) -> [String: Any] {
    let draws = Double(report.paths) * Double(portfolio.exposures.count)
    return [
        "implementation": "swift",
        "paths": report.paths,
        "exposures": portfolio.exposures.count,
        "threads": threads ?? ProcessInfo.processInfo.activeProcessorCount,
        "default_test": "\(defaultTest)",
        "seconds": seconds,
        "draws_per_second": draws / seconds,
        "exact_phi_fraction": Double(report.exactEvaluations) / Double(max(report.obligorDraws, 1)),
        "volume": report.volume,
        "portfolio_el": report.portfolio.expectedLoss.mean,
        "portfolio_el_se": report.portfolio.expectedLoss.standardError,
        "tranches": report.tranches.map { t -> [String: Any] in
            ["name": t.tranche.name, "el": t.grossLoss.expectedLoss.mean, "se": t.grossLoss.expectedLoss.standardError]
        },
    ]
}

do {
    var (report, seconds) = try run(paths)
    var out = json(report, seconds: seconds)
    if let target = targetSE {
        // Time to accuracy: the pilot's senior SE gives the paths needed (SE ∝ 1/√paths); run
        // that many (+5 %), and if the SE reached is still above the target (the pilot's SE of a
        // rare-event estimate is itself noisy), re-estimate from that run and go again (≤ 4 runs).
        // Reported: the last run's paths, time and SE.
        var se = report.tranches[2].grossLoss.expectedLoss.standardError
        var n = paths
        var attempts = 0
        repeat {
            n = max(1, Int((1.05 * Double(n) * (se / target) * (se / target)).rounded(.up)))
            (report, seconds) = try run(n)
            se = report.tranches[2].grossLoss.expectedLoss.standardError
            attempts += 1
        } while se > target && attempts < 4
        out["time_to_accuracy"] = [
            "target_senior_se": target,
            "paths": n,
            "seconds": seconds,
            "senior_se": se,
            "runs": attempts,
        ] as [String: Any]
    }
    let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write("b1000: \(error)\n".data(using: .utf8)!)
    exit(1)
}
