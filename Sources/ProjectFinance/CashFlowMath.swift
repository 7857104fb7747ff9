import RealModule

/// Present values, internal rates of return and level payments of cash-flow vectors.
///
/// Convention: `flows[k]` is paid at the end of period k + 1 of length 1/`periodsPerYear`
/// years, i.e. at time (k + 1)/m years; a flow at time 0 is given with ``npv(rate:flows:periodsPerYear:firstAt:)``
/// and `firstAt: 0`. Rates are **effective annual** fractions.
public enum CashFlowMath {
    /// NPV = Σₖ flows[k] · (1 + r)^(−tₖ), tₖ = (k + firstAt)/m years.
    ///
    /// - Parameters:
    ///   - rate: effective annual discount rate r > −1.
    ///   - flows: the cash flows, one per period.
    ///   - periodsPerYear: m ≥ 1.
    ///   - firstAt: the period index of `flows[0]` (1: end of the first period, 0: now).
    public static func npv(rate: Double, flows: [Double], periodsPerYear: Int = 1, firstAt: Int = 1) -> Double {
        precondition(periodsPerYear >= 1 && rate > -1, "npv needs m ≥ 1 and r > −1")
        let perPeriod = Double.pow(1 + rate, 1 / Double(periodsPerYear))
        var sum = 0.0
        var discount = Double.pow(perPeriod, -Double(firstAt))
        for f in flows {
            sum += f * discount
            discount /= perPeriod
        }
        return sum
    }

    /// NPV at a **per-period** rate ρ: Σₖ flows[k] · (1 + ρ)^(−k) (flows[0] undiscounted).
    static func npvPerPeriod(_ rho: Double, _ flows: [Double]) -> Double {
        var sum = 0.0
        var discount = 1.0
        let v = 1 / (1 + rho)
        for f in flows {
            sum += f * discount
            discount *= v
        }
        return sum
    }

    /// The internal rate of return: the effective annual r with NPV(r) = 0, r = (1 + ρ)^m − 1
    /// where ρ is the per-period root of Σₖ flows[k]·(1 + ρ)^(−k) = 0 (the timing origin does
    /// not matter for the root).
    ///
    /// Root finding: the per-period rate is scanned on a geometric grid of growth factors
    /// 1 + ρ ∈ [10⁻⁴, 10⁴] for the **first sign change from the top** (for conventional flows —
    /// outflows first, then inflows — NPV is decreasing in ρ and the root is unique), then
    /// refined with Brent's method (Brent 1973, *Algorithms for Minimization without
    /// Derivatives*, ch. 4) to |Δρ| ≤ 10⁻¹⁴ (1 + |ρ|).
    ///
    /// Edge cases: no inflow at all (every flow ≤ 0, some < 0) gives −1 (−100 %, everything lost);
    /// no outflow gives nil; flows whose NPV has no sign change on the grid give nil.
    public static func irr(flows: [Double], periodsPerYear: Int = 1) -> Double? {
        guard flows.contains(where: { $0 < 0 }) else { return nil }
        guard flows.contains(where: { $0 > 0 }) else { return -1 }
        // Growth factors g = 1 + ρ from 10⁴ down to 10⁻⁴, 25 points per decade.
        let f = { (g: Double) in npvPerPeriod(g - 1, flows) }
        var upper = 1e4
        var fUpper = f(upper)
        let steps = 8 * 25
        for k in 1...steps {
            let lower = Double.pow(10, 4 - 8 * Double(k) / Double(steps))
            let fLower = f(lower)
            if fLower == 0 { return Double.pow(lower, Double(periodsPerYear)) - 1 }
            if (fLower < 0) != (fUpper < 0) {
                guard let root = try? RootFinder.brent(in: lower...upper, tolerance: 1e-14 * upper, f) else { return nil }
                return Double.pow(root.value, Double(periodsPerYear)) - 1
            }
            upper = lower
            fUpper = fLower
        }
        return nil
    }

    /// NPV of flows dated in years: Σₖ flows[k] · (1 + r)^(−times[k]) (the project model dates
    /// each period's flow at its middle — the mid-period convention).
    public static func npv(rate: Double, flows: [Double], times: [Double]) -> Double {
        precondition(flows.count == times.count && rate > -1, "npv needs one time per flow and r > −1")
        let logGrowth = Double.log(1 + rate)
        var sum = 0.0
        for (f, t) in zip(flows, times) where f != 0 { sum += f * Double.exp(-t * logGrowth) }
        return sum
    }

    /// The effective annual IRR of flows dated in years: the r with Σₖ flows[k](1 + r)^(−times[k]) = 0.
    ///
    /// Root finding as ``irr(flows:periodsPerYear:)``, on annual growth factors 1 + r ∈ [10⁻², 10²]
    /// (−99 % to +9 900 % a year; 25 points per decade), first sign change from the top, then
    /// Brent to |Δ(1 + r)| ≤ 10⁻¹⁴ (1 + r). No inflow gives −1, no outflow nil.
    public static func irr(flows: [Double], times: [Double]) -> Double? {
        precondition(flows.count == times.count, "irr needs one time per flow")
        guard flows.contains(where: { $0 < 0 }) else { return nil }
        guard flows.contains(where: { $0 > 0 }) else { return -1 }
        let f = { (g: Double) -> Double in
            let logG = Double.log(g)
            var sum = 0.0
            for (x, t) in zip(flows, times) where x != 0 { sum += x * Double.exp(-t * logG) }
            return sum
        }
        var upper = 100.0
        var fUpper = f(upper)
        let steps = 4 * 25
        for k in 1...steps {
            let lower = Double.pow(10, 2 - 4 * Double(k) / Double(steps))
            let fLower = f(lower)
            if fLower == 0 { return lower - 1 }
            if (fLower < 0) != (fUpper < 0) {
                guard let root = try? RootFinder.brent(in: lower...upper, tolerance: 1e-14 * upper, f) else { return nil }
                return root.value - 1
            }
            upper = lower
            fUpper = fLower
        }
        return nil
    }

    /// The level payment A that repays a principal P over n periods at a per-period rate i:
    /// A = P · i / (1 − (1 + i)^(−n)), and A = P/n when i = 0 (the annuity formula).
    public static func annuityPayment(principal p: Double, ratePerPeriod i: Double, periods n: Int) -> Double {
        precondition(n >= 1, "an annuity needs at least one period")
        if i == 0 { return p / Double(n) }
        return p * i / (1 - Double.pow(1 + i, -Double(n)))
    }
}

/// Errors of the one-dimensional root finders.
public enum RootFindingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// f(a) and f(b) have the same sign: the interval does not bracket a root.
    case notBracketed(lower: Double, upper: Double)
    /// The iteration limit was reached before the bracket shrank below the tolerance.
    case notConverged(lower: Double, upper: Double, iterations: Int)

    /// A one-line account of the failure.
    public var description: String {
        switch self {
        case let .notBracketed(a, b): return "the interval [\(a), \(b)] does not bracket a root"
        case let .notConverged(a, b, n): return "no convergence after \(n) iterations (bracket [\(a), \(b)])"
        }
    }
}

/// A root with the final bracket that contains it.
public struct Root: Sendable, Equatable {
    /// The estimate (the end of the final bracket on the "found" side for ``RootFinder/bisect(in:tolerance:maxIterations:_:)``).
    public var value: Double
    /// The final bracket [lower, upper] (upper − lower ≤ tolerance on success).
    public var lower: Double
    /// The upper end of the final bracket.
    public var upper: Double
    /// Iterations (function evaluations after the bracket's two ends).
    public var iterations: Int
}

/// Bracketing root finders.
public enum RootFinder {
    /// Brent's method (van Wijngaarden–Dekker–Brent: inverse quadratic interpolation, secant and
    /// bisection; Brent 1973, ch. 4; the `zeroin` algorithm) for a continuous f with
    /// f(a)·f(b) ≤ 0. Stops when the bracket is below 2·(4ε|b| + tolerance/2) or f(b) = 0.
    public static func brent(in interval: ClosedRange<Double>, tolerance: Double, maxIterations: Int = 200,
                             _ f: (Double) -> Double) throws(RootFindingError) -> Root {
        var a = interval.lowerBound, b = interval.upperBound
        var fa = f(a), fb = f(b)
        if fa == 0 { return Root(value: a, lower: a, upper: a, iterations: 0) }
        if fb == 0 { return Root(value: b, lower: b, upper: b, iterations: 0) }
        guard (fa < 0) != (fb < 0) else { throw .notBracketed(lower: a, upper: b) }
        var c = a, fc = fa
        var d = b - a, e = d
        for iteration in 1...maxIterations {
            if (fb < 0) == (fc < 0) { c = a; fc = fa; d = b - a; e = d }
            if abs(fc) < abs(fb) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa }
            let tol = 2 * Double.ulpOfOne * abs(b) + 0.5 * tolerance
            let m = 0.5 * (c - b)
            if abs(m) <= tol || fb == 0 {
                return Root(value: b, lower: min(b, c), upper: max(b, c), iterations: iteration)
            }
            if abs(e) >= tol && abs(fa) > abs(fb) {
                var p: Double, q: Double
                let s = fb / fa
                if a == c {
                    p = 2 * m * s
                    q = 1 - s
                } else {
                    let qa = fa / fc, r = fb / fc
                    p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1))
                    q = (qa - 1) * (r - 1) * (s - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)) {
                    e = d
                    d = p / q
                } else {
                    d = m
                    e = m
                }
            } else {
                d = m
                e = m
            }
            a = b
            fa = fb
            b += abs(d) > tol ? d : (m > 0 ? tol : -tol)
            fb = f(b)
        }
        throw .notConverged(lower: min(b, c), upper: max(b, c), iterations: maxIterations)
    }

    /// The smallest x in [lower, upper] at which a **monotone** predicate turns true, by
    /// bisection: requires `predicate(upper)` and not `predicate(lower)`; halves the bracket
    /// until upper − lower ≤ tolerance. Returns the final bracket; `value` = its upper end
    /// (the smallest point known to satisfy the predicate). Works for step functions (an indicator), where Brent's interpolation has nothing to interpolate.
    public static func bisect(in interval: ClosedRange<Double>, tolerance: Double, maxIterations: Int = 200,
                              _ predicate: (Double) -> Bool) throws(RootFindingError) -> Root {
        var lo = interval.lowerBound, hi = interval.upperBound
        guard !predicate(lo), predicate(hi) else { throw .notBracketed(lower: lo, upper: hi) }
        var iterations = 0
        while hi - lo > tolerance {
            if iterations == maxIterations { throw .notConverged(lower: lo, upper: hi, iterations: iterations) }
            let mid = lo + 0.5 * (hi - lo)
            if mid <= lo || mid >= hi { break }
            if predicate(mid) { hi = mid } else { lo = mid }
            iterations += 1
        }
        return Root(value: hi, lower: lo, upper: hi, iterations: iterations)
    }
}
