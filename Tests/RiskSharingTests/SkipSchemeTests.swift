import Foundation
import LinearAlgebra
import RiskSharing
import Stochastics
import Testing

/// The skip scheme (geometric skipping with thinning within PD classes of a loading group)
/// draws different random numbers from the per-draw Φ-table test, so it cannot be compared bit
/// for bit: it must give the same *distribution* (two-sample tests), be exact against
/// quadrature, and be bit-identical across thread counts.
@Suite("Engine: skip scheme — same distribution as the per-draw test, thread-invariant")
struct SkipSchemeTests {
    /// Sector portfolio: 600 exposures in 3 sectors, 12 PD levels, Beta LGD on a third.
    static func sectors(pdScale: Double = 1, copula: Copula = .gaussian) -> Portfolio {
        var sigma = Matrix(rows: 3, columns: 3, repeating: 0.5)
        for i in 0..<3 { sigma[i, i] = 1 }
        let exposures = (0..<600).map { i -> Exposure in
            var loadings = [Double](repeating: 0, count: 3)
            loadings[i % 3] = 0.5
            let pd = pdScale * (0.004 + 0.004 * Double(i % 12))
            let lgd: LossGivenDefault = i % 3 == 1 ? .beta(mean: 0.45, standardDeviation: 0.2) : .fixed(0.45)
            return Exposure(name: "e\(i)", exposureAtDefault: 1 + Double((37 * i) % 10), probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: loadings)
        }
        let pools = [HomogeneousPool(name: "sme", count: 5_000, exposureAtDefault: 0.01, probabilityOfDefault: 0.02, lossGivenDefault: .fixed(0.6), loadings: [0.3, 0, 0])]
        return Portfolio(exposures: exposures, pools: pools, dependence: .factors(correlation: sigma, repair: .none), copula: copula)
    }

    static let structure = RiskSharingStructure(tranches: [
        Tranche(name: "junior", attachment: 0, detachment: 0.03, holder: "public"),
        Tranche(name: "senior", attachment: 0.03, detachment: 1, holder: "private")])

    /// Two-sample Kolmogorov–Smirnov statistic of two sorted samples.
    static func ks(_ a: [Double], _ b: [Double]) -> Double {
        var i = 0, j = 0, d = 0.0
        while i < a.count && j < b.count {
            let x = min(a[i], b[j])
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            d = max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return d
    }

    /// The KS critical value at level α for samples of n and m: c(α)·√((n + m)/(n·m)),
    /// c(α) = √(−½ log(α/2)) (asymptotic; α = 10⁻⁴ keeps false alarms negligible).
    static func ksCritical(_ n: Int, _ m: Int, alpha: Double = 1e-4) -> Double {
        (-0.5 * Foundation.log(alpha / 2)).squareRoot() * (Double(n + m) / Double(n * m)).squareRoot()
    }

    @Test("Same distribution as the per-draw test (KS on the whole loss distribution, tranche ELs); PD × 1.1 is detected", arguments: [Copula.gaussian, .studentT(degreesOfFreedom: 5)])
    func sameDistribution(copula: Copula) throws {
        let n = 60_000
        let skip = try simulate(portfolio: Self.sectors(copula: copula), structure: Self.structure,
                                settings: SimulationSettings(paths: n, seed: 21, defaultTest: .skip))
        let table = try simulate(portfolio: Self.sectors(copula: copula), structure: Self.structure,
                                 settings: SimulationSettings(paths: n, seed: 22, defaultTest: .table))
        let d = Self.ks(skip.lossDistribution.sortedLosses, table.lossDistribution.sortedLosses)
        #expect(d < Self.ksCritical(n, n), "KS distance \(d) ≥ \(Self.ksCritical(n, n))")
        for (a, b) in zip(skip.tranches, table.tranches) {
            let ea = a.grossLoss.expectedLoss, eb = b.grossLoss.expectedLoss
            expectClose("\(a.tranche.name) EL skip − table", ea.mean - eb.mean, 0, se: (ea.standardError * ea.standardError + eb.standardError * eb.standardError).squareRoot())
        }
        expectClose("EL (skip) vs exact", skip.portfolio.expectedLoss.mean, skip.exactExpectedLoss, se: skip.portfolio.expectedLoss.standardError)
        // Power: a 10 % higher PD is detected by the same test.
        let wrong = try simulate(portfolio: Self.sectors(pdScale: 1.1, copula: copula), structure: Self.structure,
                                 settings: SimulationSettings(paths: n, seed: 23, defaultTest: .table))
        let dWrong = Self.ks(skip.lossDistribution.sortedLosses, wrong.lossDistribution.sortedLosses)
        #expect(dWrong > Self.ksCritical(n, n), "KS would not detect PD × 1.1: \(dWrong)")
    }

    @Test("P(D = k) of 100 exchangeable loans by skipping vs conditional-binomial quadrature")
    func quadrature() throws {
        let n = 100, pd = 0.05, rho = 0.2
        let report = try simulate(portfolio: Portfolio(exposures: homogeneousExposures(n, pd: pd, rho: rho), dependence: oneFactor),
                                  structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 70, defaultTest: .skip))
        for k in [0, 2, 5, 12, 25] {
            let est = try report.lossDistribution.probability(lossFractionAbove: (Double(k) - 0.5) / 100, atMost: (Double(k) + 0.5) / 100)
            expectClose("P(D = \(k))", est.probability, Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: rho), se: est.standardError)
            if k == 0 || k >= 25 {
                expectDistinguishes("P(D = \(k)) under ρ = 0.1", est.probability, wrong: Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: 0.1), se: est.standardError)
            }
        }
    }

    @Test("Bit-identical on 1, 2 and 8 threads (t copula, Beta LGDs, pools)")
    func threads() throws {
        let reports = try [1, 2, 8].map { t in
            try simulate(portfolio: Self.sectors(copula: .studentT(degreesOfFreedom: 4)), structure: Self.structure,
                         settings: SimulationSettings(paths: 9_000, seed: 3, batchSize: 700, threads: t, defaultTest: .skip))
        }
        #expect(reports[0] == reports[1] && reports[0] == reports[2])
    }

    @Test("Automatic choice: skipping for the sector portfolio, the table when every loading vector is distinct")
    func automatic() throws {
        let settings = SimulationSettings(paths: 4_000, seed: 9)
        var forced = settings
        forced.defaultTest = .skip
        let auto = try simulate(portfolio: Self.sectors(), structure: Self.structure, settings: settings)
        #expect(auto == (try simulate(portfolio: Self.sectors(), structure: Self.structure, settings: forced)))
        // Distinct loadings: no groups, so automatic is the table.
        var distinct = Self.sectors()
        for i in distinct.exposures.indices { distinct.exposures[i].loadings[0] += 1e-3 * Double(i) / 600 }
        var table = settings
        table.defaultTest = .table
        #expect(try simulate(portfolio: distinct, structure: Self.structure, settings: settings)
                == (try simulate(portfolio: distinct, structure: Self.structure, settings: table)))
    }
}
