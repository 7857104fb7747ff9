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
