import RealModule

/// Special functions behind the Student-t distribution.
public enum SpecialFunctions {
    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b) (swift-numerics `logGamma`).
    /// Relative accuracy degrades like ε·|log Γ(a + b)|, i.e. for a + b ≳ 10⁶.
    @inlinable
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        Double.logGamma(a) + Double.logGamma(b) - Double.logGamma(a + b)
    }

    /// The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), a, b > 0.
    ///
    /// Continued fraction (Abramowitz & Stegun 26.5.8), evaluated by the modified Lentz method
    /// (Press et al., *Numerical Recipes*, 3rd ed., §6.4), on the side where it converges
    /// fast: I_x(a, b) directly when x < (a + 1)/(a + b + 2), otherwise 1 − I_{1−x}(b, a).
    /// `complement` = 1 − x may be passed exactly (e.g. t²/(ν + t²) for Student-t) to avoid
    /// cancellation when x is close to 1. Relative accuracy ≈ 10⁻¹⁴ for a, b ≲ 10⁴.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, complement: Double? = nil) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta needs a, b > 0")
        let y = complement ?? (1 - x)
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        if x < (a + 1) / (a + b + 2) {
            return prefactor(a, b, x, y) * continuedFraction(a, b, x) / a
        } else {
            return 1 - prefactor(b, a, y, x) * continuedFraction(b, a, y) / b
        }
    }

    /// xᵃ yᵇ / B(a, b), in logs.
    static func prefactor(_ a: Double, _ b: Double, _ x: Double, _ y: Double) -> Double {
        Double.exp(a * Double.log(x) + b * Double.log(y) - logBeta(a, b))
    }

    /// The continued fraction 1/(1 + d₁/(1 + d₂/(1 + …))) of A&S 26.5.8 by modified Lentz.
    static func continuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}

/// Student's t distribution with ν > 0 degrees of freedom.
public struct StudentT: Sendable, Hashable {
    /// Degrees of freedom ν.
    public let degreesOfFreedom: Double

    /// The t distribution with ν = `degreesOfFreedom` (> 0).
    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "Student-t needs ν > 0")
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// Density f(t) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2).
    public func density(_ t: Double) -> Double {
        let nu = degreesOfFreedom
        let logC = Double.logGamma((nu + 1) / 2) - Double.logGamma(nu / 2) - 0.5 * Double.log(nu * .pi)
        return Double.exp(logC - (nu + 1) / 2 * Double.log(onePlus: t * t / nu))
    }

    /// F(t) = ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≤ 0 and 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t > 0
    /// (Abramowitz & Stegun 26.7.1 with 26.5.27); 1 − x = t²/(ν + t²) is passed exactly.
    public func cdf(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        if t == -.infinity { return 0 }
        if t == .infinity { return 1 }
        let tail = lowerTail(-abs(t))
        return t <= 0 ? tail : 1 - tail
    }

    /// F(t) for t ≤ 0: ½ I_x(ν/2, ½), x = ν/(ν + t²).
    func lowerTail(_ t: Double) -> Double {
        let nu = degreesOfFreedom, t2 = t * t
        return 0.5 * SpecialFunctions.regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: nu / (nu + t2), complement: t2 / (nu + t2))
    }

    /// t_ν⁻¹(p): the root of F(t) = min(p, 1 − p) on t ≤ 0, by Newton's method safeguarded by
    /// bisection on a bracket (each step keeps F(lo) < p < F(hi)), mirrored for p > ½.
    /// Starts from the normal quantile (Cornish–Fisher first term); converges to a few ulps.
    /// Closed forms are used for ν = 1 (tan(π(p − ½)) = −1/tan(πp), no cancellation) and ν = 2 ((2p−1)/√(2p(1−p))).
    public func quantile(_ p: Double) -> Double {
        if !(p > 0 && p < 1) {
            if p == 0 { return -.infinity }
            if p == 1 { return .infinity }
            return .nan
        }
        if p == 0.5 { return 0 }
        let nu = degreesOfFreedom
        if nu == 1 { return p < 0.5 ? -1 / Double.tan(.pi * p) : 1 / Double.tan(.pi * (1 - p)) }
        if nu == 2 { return (2 * p - 1) / (2 * p * (1 - p)).squareRoot() }
        let target = min(p, 1 - p)
        // Bracket [lo, hi] on t ≤ 0 with F(lo) < target ≤ F(hi).
        var hi = 0.0
        let z = Normal.quantile(target)
        var t = z * (1 + (z * z + 1) / (4 * nu))
        var lo = min(t, -1)
        while lowerTail(lo) >= target { hi = lo; lo *= 2 }
        if !(t > lo && t < hi) { t = 0.5 * (lo + hi) }
        for _ in 0..<200 {
            let f = lowerTail(t) - target
            if f < 0 { lo = t } else { hi = t }
            let step = f / density(t)
            var next = t - step
            if !(next > lo && next < hi) || !next.isFinite { next = 0.5 * (lo + hi) }
            if abs(next - t) <= 2 * Double.ulpOfOne * abs(t) { t = next; break }
            t = next
            if hi - lo <= 2 * Double.ulpOfOne * abs(lo) { break }
        }
        return p < 0.5 ? t : -t
    }
}
