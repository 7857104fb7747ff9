import Foundation

/// Shared assertions for the test suites.
///
/// Monte Carlo checks compare an estimate against an independent exact reference with a
/// tolerance derived from the estimate's own standard error: |estimate − exact| ≤ z · SE,
/// with z = 4 by default (a false alarm has probability ≈ 6·10⁻⁵ per check under normality),
/// so a model that is wrong by more than a few standard errors fails.
public enum Tolerance {
    /// Relative error |a − b| / max(|b|, floor).
    public static func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-300) -> Double {
        abs(a - b) / max(abs(b), floor)
    }

    /// True when |estimate − exact| ≤ z · standardError (+ an absolute slack for
    /// discretisation or floating-point error that the standard error does not capture).
    public static func withinStandardErrors(_ estimate: Double, exact: Double, standardError: Double,
                                            z: Double = 4, slack: Double = 0) -> Bool {
        abs(estimate - exact) <= z * standardError + slack
    }

    /// Human-readable account of an MC comparison for test failure messages.
    public static func describe(_ name: String, estimate: Double, exact: Double, standardError: Double, z: Double = 4) -> String {
        let k = standardError > 0 ? abs(estimate - exact) / standardError : .infinity
        return "\(name): estimate \(estimate) vs exact \(exact), SE \(standardError), |Δ| = \(String(format: "%.2f", k)) SE (allowed \(z))"
    }
}
