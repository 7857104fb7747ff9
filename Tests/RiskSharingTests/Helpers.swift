import Foundation
import LinearAlgebra
import Testing
import RiskSharing
import Stochastics
import TestSupport

/// n identical exposures of EAD 1 in a one-factor model with loading √ρ (so that the
/// portfolio loss in EUR equals LGD × the number of defaults).
func homogeneousExposures(_ n: Int, pd: Double, rho: Double, lgd: LossGivenDefault = .fixed(1)) -> [Exposure] {
    (0..<n).map { Exposure(name: "loan\($0)", exposureAtDefault: 1, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: [rho.squareRoot()]) }
}

/// A one-factor dependence (Σ = [1]).
let oneFactor = Dependence.factors(correlation: Matrix.identity(1), repair: .none)

/// Asserts |estimate − exact| ≤ 4 SE (+ slack) and reports the distance in SEs.
func expectClose(_ name: String, _ estimate: Double, _ exact: Double, se: Double, slack: Double = 0,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    if ProcessInfo.processInfo.environment["VERBOSE_MC"] != nil {
        print(Tolerance.describe(name, estimate: estimate, exact: exact, standardError: se))
    }
    #expect(Tolerance.withinStandardErrors(estimate, exact: exact, standardError: se, slack: slack),
            Comment(rawValue: Tolerance.describe(name, estimate: estimate, exact: exact, standardError: se)),
            sourceLocation: sourceLocation)
}

/// Asserts the estimate is **not** within 4 SE of a wrong model's value: the test has power.
func expectDistinguishes(_ name: String, _ estimate: Double, wrong: Double, se: Double,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    if ProcessInfo.processInfo.environment["VERBOSE_MC"] != nil {
        print("wrong model: " + Tolerance.describe(name, estimate: estimate, exact: wrong, standardError: se))
    }
    #expect(!Tolerance.withinStandardErrors(estimate, exact: wrong, standardError: se),
            Comment(rawValue: "would not detect a wrong model: " + Tolerance.describe(name, estimate: estimate, exact: wrong, standardError: se)),
            sourceLocation: sourceLocation)
}

/// Checks reported standard errors against the spread of estimates over independent seeds:
/// the sample SD of the estimates over the reported RMS SE lies in (0.6, 1.5) — with 20 seeds
/// the sample SD is within ±35 % of the truth with probability > 99 % — and the mean of the
/// estimates is within 4 of its own SEs (spread/√n) of the exact value.
func expectStandardErrorsMatchSpread(_ name: String, estimates: [Double], standardErrors: [Double], exact: Double,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
    let n = Double(estimates.count)
    let mean = estimates.reduce(0, +) / n
    let spread = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    let rms = (standardErrors.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
    #expect(spread / rms > 0.6 && spread / rms < 1.5, "\(name): spread \(spread), reported SE \(rms)", sourceLocation: sourceLocation)
    expectClose("\(name): mean of \(estimates.count) estimates", mean, exact, se: spread / n.squareRoot(), sourceLocation: sourceLocation)
}
