import Foundation
import RealModule
import Stochastics

/// Exact references for the validation tests, computed independently of the engine.
enum Reference {
    /// Adaptive Simpson quadrature of f on [a, b] to absolute tolerance `tol`
    /// (Lyness 1969); refines around kinks (tranche attachment points) automatically.
    static func integrate(_ f: (Double) -> Double, _ a: Double, _ b: Double, tol: Double = 1e-12) -> Double {
        func simpson(_ a: Double, _ fa: Double, _ b: Double, _ fb: Double) -> (Double, Double, Double) {
            let m = 0.5 * (a + b), fm = f(m)
            return (m, fm, (b - a) / 6 * (fa + 4 * fm + fb))
        }
        func recurse(_ a: Double, _ fa: Double, _ b: Double, _ fb: Double, _ whole: Double, _ m: Double, _ fm: Double, _ tol: Double, _ depth: Int) -> Double {
            let (lm, flm, left) = simpson(a, fa, m, fm)
            let (rm, frm, right) = simpson(m, fm, b, fb)
            let delta = left + right - whole
            if depth <= 0 || abs(delta) <= 15 * tol { return left + right + delta / 15 }
            return recurse(a, fa, m, fm, left, lm, flm, tol / 2, depth - 1) + recurse(m, fm, b, fb, right, rm, frm, tol / 2, depth - 1)
        }
        // Start from 64 panels so that narrow features are not missed.
        let panels = 64
        var total = 0.0
        for i in 0..<panels {
            let x0 = a + (b - a) * Double(i) / Double(panels), x1 = a + (b - a) * Double(i + 1) / Double(panels)
            let f0 = f(x0), f1 = f(x1)
            let (m, fm, whole) = simpson(x0, f0, x1, f1)
            total += recurse(x0, f0, x1, f1, whole, m, fm, tol / Double(panels), 40)
        }
        return total
    }

    /// E[g(Z)], Z ~ N(0, 1), over [−10, 10].
    static func expectationOverNormal(_ g: (Double) -> Double, tol: Double = 1e-13) -> Double {
        integrate({ z in g(z) * Normal.density(z) }, -10, 10, tol: tol)
    }

    /// Binomial pmf C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ in logs.
    static func binomialPMF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        return Double.exp(Double.logGamma(Double(n + 1)) - Double.logGamma(Double(k + 1)) - Double.logGamma(Double(n - k + 1))
            + Double(k) * Double.log(p) + Double(n - k) * Double.log(onePlus: -p))
    }

    /// Vasicek (1987/2002) large-portfolio limit: P(L ≤ x) = Φ((√(1−ρ)Φ⁻¹(x) − Φ⁻¹(p))/√ρ).
    static func vasicekCDF(_ x: Double, pd: Double, rho: Double) -> Double {
        Normal.cdf(((1 - rho).squareRoot() * Normal.quantile(x) - Normal.quantile(pd)) / rho.squareRoot())
    }

    /// One-factor Gaussian conditional default probability p(z) = Φ((Φ⁻¹(PD) − √ρ z)/√(1 − ρ)).
    static func conditionalPD(_ z: Double, pd: Double, rho: Double) -> Double {
        Normal.cdf((Normal.quantile(pd) - rho.squareRoot() * z) / (1 - rho).squareRoot())
    }

    /// P(D = k) for n exchangeable obligors in the one-factor Gaussian copula:
    /// ∫ C(n,k) p(z)ᵏ(1 − p(z))ⁿ⁻ᵏ φ(z) dz.
    static func gaussianDefaultPMF(_ k: Int, n: Int, pd: Double, rho: Double) -> Double {
        expectationOverNormal({ z in binomialPMF(k, n, conditionalPD(z, pd: pd, rho: rho)) }, tol: 1e-14)
    }

    /// P(D = k) in the one-factor Student-t copula: the default threshold is c·√(W/ν) with
    /// c = t_ν⁻¹(PD), W ~ χ²_ν: ∫∫ C(n,k) p(z,w)ᵏ(1 − p)ⁿ⁻ᵏ φ(z) f_χ²(w) dz dw,
    /// p(z, w) = Φ((c√(w/ν) − √ρ z)/√(1 − ρ)).
    static func studentDefaultPMF(_ k: Int, n: Int, pd: Double, rho: Double, nu: Double) -> Double {
        let c = StudentT(degreesOfFreedom: nu).quantile(pd)
        let logNorm = -(nu / 2) * Double.log(2) - Double.logGamma(nu / 2)
        func chi2Density(_ w: Double) -> Double {
            w <= 0 ? 0 : Double.exp(logNorm + (nu / 2 - 1) * Double.log(w) - w / 2)
        }
        let upper = nu + 40 * (2 * nu).squareRoot() + 40
        return integrate({ w in
            let scale = (w / nu).squareRoot()
            let inner = expectationOverNormal({ z in
                binomialPMF(k, n, Normal.cdf((c * scale - rho.squareRoot() * z) / (1 - rho).squareRoot()))
            }, tol: 1e-11)
            return inner * chi2Density(w)
        }, 0, upper, tol: 1e-10)
    }
}
