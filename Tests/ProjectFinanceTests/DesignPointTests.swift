import Foundation
import LinearAlgebra
import Testing
import ProjectFinance
import Stochastics

@Suite("Probabilistic reverse stress (design point)")
struct DesignPointTests {
    @Test("a limit state linear in correlated Gaussian drivers: x* = C b · a / (bᵀCb), β = a / √(bᵀCb), P = Φ(−β)")
    func linearGaussian() throws {
        let c = DriverModel.correlation([(.gpuPrice, .utilisation, 0.5), (.electricityPrice, .rate, 0.3), (.capexOverrun, .delay, 0.6),
                                         (.gpuPrice, .electricityPrice, -0.2)])
        let a = 2.5
        let b = [0.8, -0.5, 0.3, 0.6, 0.2, 0.1]
        let point = try DesignPointSearch.solve(correlation: c) { x in a - zip(b, x).reduce(0) { $0 + $1.0 * $1.1 } }
        var cb = [Double](repeating: 0, count: 6)
        for i in 0..<6 { for j in 0..<6 { cb[i] += c[i, j] * b[j] } }
        let btcb = zip(b, cb).reduce(0) { $0 + $1.0 * $1.1 }
        let beta = a / btcb.squareRoot()
        #expect(point.converged)
        #expect(abs(point.beta - beta) < 1e-7, "β \(point.beta) vs \(beta)")
        for k in 0..<6 { #expect(abs(point.x[k] - cb[k] * a / btcb) < 1e-6, "x*[\(k)]") }
        #expect(abs(point.probability - Normal.cdf(-beta)) < 1e-9)
        // And the probability is the Monte Carlo frequency of g ≤ 0 (independent reference, ±4 SE).
        let l = try Cholesky(c, name: "c").lower
        var stream = RandomStream(seed: 5, stream: (0, 0, 0))
        var hits = 0
        let n = 200_000
        for _ in 0..<n {
            let z = (0..<6).map { _ in stream.nextNormal() }
            let x = (0..<6).map { i in (0...i).reduce(0.0) { $0 + l[i, $1] * z[$1] } }
            if a - zip(b, x).reduce(0, { $0 + $1.0 * $1.1 }) <= 0 { hits += 1 }
        }
        let estimate = ProbabilityEstimate(successes: hits, trials: n)
        #expect(abs(estimate.probability - point.probability) < 4 * estimate.standardError)
    }

    @Test("the project's design point lies on the covenant surface and is the nearest along its own direction")
    func projectDesignPoint() throws {
        var model = smallStressModel()
        model.sites = model.sites.map { site in
            var s = site
            s.parameters.funding.debt.covenantDSCR = 0.7   // the last year's DSCRs are 0.79–0.93
            return s
        }
        let (point, shock) = try ReverseStress.designPoint(model)
        #expect(point.converged && point.beta > 0)
        #expect(abs(ReverseStress.covenantMargin(model, shock: shock)) < 1e-6)
        // Scaling the design point's direction: the covenant holds just inside, breaks just outside.
        let u0 = model.sites[0].parameters.revenue.utilisation
        let inside = ReverseStress.shock(point.x.map { 0.99 * $0 }, drivers: model.drivers, utilisation: u0)
        let outside = ReverseStress.shock(point.x.map { 1.01 * $0 }, drivers: model.drivers, utilisation: u0)
        #expect(ReverseStress.covenantMargin(model, shock: inside) > 0 && ReverseStress.covenantMargin(model, shock: outside) < 0)
    }
}
