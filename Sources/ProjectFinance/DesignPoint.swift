import LinearAlgebra
import RealModule
import Stochastics

/// The most likely combination of driver shocks that meets a failure criterion: the point of the
/// failure surface g = 0 closest to the origin in the drivers' correlated (Mahalanobis) metric,
/// the **design point** of structural reliability (Hasofer & Lind 1974; the first-order
/// reliability method, FORM).
///
/// The drivers x ~ N(0, C) are written x = L z with L the Cholesky factor of C and z ~ N(0, I);
/// the design point z* minimises ½‖z‖² subject to g(L z) = 0, found by the Hasofer–Lind–
/// Rackwitz–Fiessler iteration
///
///     z_{k+1} = ((∇g(z_k) · z_k − g(z_k)) / ‖∇g(z_k)‖²) ∇g(z_k)
///
/// with central-difference gradients. β = ‖z*‖ is the reliability index (the distance in standard
/// deviations) and Φ(−β) the first-order probability of failure — exact when g is linear in x
/// (then z* = −β ∇g/‖∇g‖, and x* = C b · a / (bᵀ C b) for g = a − bᵀx).
public struct DesignPoint: Sendable, Equatable {
    /// z*: the design point in independent standard normals.
    public var z: [Double]
    /// x* = L z*: the design point in the correlated standard drivers.
    public var x: [Double]
    /// β = ‖z*‖.
    public var beta: Double
    /// Φ(−β).
    public var probability: Double
    /// HLRF iterations run.
    public var iterations: Int
    /// Whether the iteration converged (‖z_{k+1} − z_k‖ ≤ tolerance and |g| small).
    public var converged: Bool
    /// g at the design point.
    public var residual: Double
}

/// The HLRF search for a ``DesignPoint``.
public enum DesignPointSearch {
    /// Solves for the design point of `g` (failure where g ≤ 0) with drivers of correlation `correlation`.
    /// - Parameters:
    ///   - correlation: the drivers' correlation matrix.
    ///   - tolerance: the convergence tolerance on ‖z_{k+1} − z_k‖.
    ///   - maxIterations: the most HLRF iterations.
    ///   - g: the limit-state function of the correlated standard drivers x.
    ///   - step: the central-difference step in z.
    /// - Throws: `LinearAlgebraError` when the correlation is not positive definite.
    public static func solve(correlation: Matrix, tolerance: Double = 1e-8, maxIterations: Int = 200, step: Double = 1e-5,
                             _ g: ([Double]) -> Double) throws(LinearAlgebraError) -> DesignPoint {
        let l = try Cholesky(correlation, name: "driver correlation").lower
        let n = correlation.rows
        func x(_ z: [Double]) -> [Double] {
            (0..<n).map { i in (0...i).reduce(0.0) { $0 + l[i, $1] * z[$1] } }
        }
        func gz(_ z: [Double]) -> Double { g(x(z)) }
        var z = [Double](repeating: 0, count: n)
        let g0 = gz(z)
        var value = g0
        var iterations = 0
        var converged = false
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        while iterations < maxIterations {
            iterations += 1
            var grad = [Double](repeating: 0, count: n)
            for k in 0..<n {
                var up = z, down = z
                up[k] += step
                down[k] -= step
                grad[k] = (gz(up) - gz(down)) / (2 * step)
            }
            let norm2 = grad.reduce(0) { $0 + $1 * $1 }
            guard norm2 > 0, norm2.isFinite else { break }
            let dot = zip(grad, z).reduce(0) { $0 + $1.0 * $1.1 }
            let factor = (dot - value) / norm2
            let target = grad.map { factor * $0 }
            // Converged: on the surface and z parallel to the gradient (the optimality condition).
            let parallel = norm(zip(z, grad).map { $0 - dot / norm2 * $1 })
            if abs(value) <= 1e-7 * max(1, abs(g0)) && parallel <= 1e-5 * max(1, norm(z)) {
                converged = true
                break
            }
            // iHLRF (Zhang & Der Kiureghian 1995): the HLRF step with a line search on the merit
            // m(z) = ½‖z‖² + c|g(z)|, c > ‖z‖/‖∇g‖, so that kinks of g (a minimum over sites and
            // periods) cannot make the iteration cycle.
            let c = 2 * max(norm(z), norm(target)) / norm2.squareRoot() + 1
            func merit(_ v: [Double], _ gv: Double) -> Double { 0.5 * v.reduce(0) { $0 + $1 * $1 } + c * abs(gv) }
            let current = merit(z, value)
            var lambda = 1.0
            var accepted = false
            for _ in 0..<30 {
                let trial = zip(z, target).map { $0 + lambda * ($1 - $0) }
                let gt = gz(trial)
                if merit(trial, gt) < current || lambda < 1e-6 {
                    let move = norm(zip(trial, z).map { $0 - $1 })
                    z = trial
                    value = gt
                    accepted = true
                    if move <= tolerance * max(1, norm(z)) && abs(value) <= 1e-7 * max(1, abs(g0)) { converged = true }
                    break
                }
                lambda *= 0.5
            }
            if !accepted || converged { break }
        }
        let beta = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let signedBeta = gz([Double](repeating: 0, count: n)) > 0 ? beta : -beta
        return DesignPoint(z: z, x: x(z), beta: signedBeta, probability: Normal.cdf(-signedBeta), iterations: iterations,
                           converged: converged, residual: value)
    }
}

extension ReverseStress {
    /// The shock of correlated standard drivers x (``Driver`` order), scaled by the drivers'
    /// one-year volatilities and applied as permanent level shocks (the tool's own convention for
    /// the probabilistic reverse stress): price σ_p x, electricity σ_e x, rate σ_r x (absolute),
    /// utilisation u₀(1 − u₀) σ_u x points (the logit shift's first-order effect), capex overrun
    /// σ_o x, delay σ_d x years.
    public static func shock(_ x: [Double], drivers d: DriverModel, utilisation u0: Double) -> Shock {
        Shock(gpuPrice: d.priceVolatility * x[0], utilisation: u0 * (1 - u0) * d.utilisationVolatility * x[3],
              electricityPrice: d.electricityVolatility * x[1], rate: d.rateVolatility * x[2],
              capexOverrun: d.overrunVolatility * x[4], delayYears: d.delayVolatilityYears * x[5])
    }

    /// The limit state of the covenant: the lowest deterministic minimum DSCR over the sites, less
    /// the covenant (failure ≤ 0).
    public static func covenantMargin(_ model: StressModel, shock: Shock) -> Double {
        let runs = model.deterministic(shock)
        var margin = Double.infinity
        for (run, site) in zip(runs, model.sites) {
            margin = min(margin, (run.minimumDSCR ?? .infinity) - site.parameters.funding.debt.covenantDSCR)
        }
        return margin.isFinite ? margin : 0
    }

    /// The most likely combination of one-year driver moves that breaks the DSCR covenant of
    /// some site (FORM design point in the drivers' correlation), with β and Φ(−β).
    public static func designPoint(_ model: StressModel) throws(LinearAlgebraError) -> (DesignPoint, Shock) {
        let u0 = model.sites.first?.parameters.revenue.utilisation ?? 0.5
        let point = try DesignPointSearch.solve(correlation: model.drivers.correlation) { x in
            covenantMargin(model, shock: shock(x, drivers: model.drivers, utilisation: u0))
        }
        return (point, shock(point.x, drivers: model.drivers, utilisation: u0))
    }
}
