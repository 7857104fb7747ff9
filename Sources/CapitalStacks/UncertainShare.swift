import Stochastics

/// An uncertain share in [0, 1] — a pledge's realisation rate, an additionality share — stated as
/// low / base / high and read as a PERT distribution: a Beta on [low, high] with mode `base`,
///
///     α = 1 + 4·(base − low)/(high − low),  β = 1 + 4·(high − base)/(high − low),
///     mean = (low + 4·base + high)/6,
///
/// (Malcolm et al. 1959; Vose, *Risk Analysis*, 3rd ed., §10.3). The tables report the value at
/// the base, the mean and the 5th–95th percentiles, with the assumption named. low = high is a
/// known share (no uncertainty).
public struct UncertainShare: Sendable, Equatable {
    public var low: Double
    public var base: Double
    public var high: Double

    /// A share known exactly.
    public init(exactly x: Double) { self.init(low: x, base: x, high: x) }

    /// low ≤ base ≤ high, all in [0, 1] (the readers check it and say where).
    public init(low: Double, base: Double, high: Double) {
        self.low = low
        self.base = base
        self.high = high
    }

    /// True when low < high.
    public var isUncertain: Bool { high > low }

    /// PERT shape parameters (α, β) of the Beta on [low, high].
    public var shape: (alpha: Double, beta: Double) {
        guard isUncertain else { return (1, 1) }
        let w = high - low
        return (1 + 4 * (base - low) / w, 1 + 4 * (high - base) / w)
    }

    /// The PERT mean (low + 4·base + high)/6.
    public var mean: Double { isUncertain ? (low + 4 * base + high) / 6 : base }

    /// P(share ≤ x) = I_{(x − low)/(high − low)}(α, β).
    public func cdf(_ x: Double) -> Double {
        guard isUncertain else { return x >= base ? 1 : 0 }
        let u = (x - low) / (high - low)
        if u <= 0 { return 0 }
        if u >= 1 { return 1 }
        let (a, b) = shape
        return SpecialFunctions.regularizedIncompleteBeta(a: a, b: b, x: u)
    }

    /// The p-quantile, p ∈ (0, 1), by bisection on the CDF to 1e-12 of the range.
    public func quantile(_ p: Double) -> Double {
        guard isUncertain else { return base }
        var lo = low, hi = high
        while hi - lo > 1e-12 * (high - low) {
            let mid = 0.5 * (lo + hi)
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// A reader's description: "PERT(low 20 %, base 50 %, high 90 %)" or "100 % (known)".
    public var text: String {
        func pc(_ x: Double) -> String { readableNumber(x * 100) + " %" }
        return isUncertain ? "PERT(low \(pc(low)), base \(pc(base)), high \(pc(high)))" : "\(pc(base)) (known)"
    }
}
