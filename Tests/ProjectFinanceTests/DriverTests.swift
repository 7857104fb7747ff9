import Foundation
import LinearAlgebra
import Stochastics
import Testing
import ProjectFinance
import TestSupport

@Suite("Driver processes: means, correlations, shared market")
struct DriverTests {
    static let correlation = DriverModel.correlation([(.gpuPrice, .utilisation, 0.5), (.electricityPrice, .rate, 0.3), (.capexOverrun, .delay, 0.6)])
    static let model = DriverModel(priceVolatility: 0.3, electricityVolatility: 0.4, electricityMeanReversion: 0.7,
                                   utilisationVolatility: 0.5, utilisationMeanReversion: 1, rateVolatility: 0.01,
                                   overrunVolatility: 0.2, delayVolatilityYears: 0.5, correlation: correlation)

    /// Two identical sites over `n` paths.
    static func sample(_ n: Int) throws -> [[DriverPath]] {
        let sampler = try DriverSampler(model: model)
        let sites = [smallProject(), smallProject()]
        return (0..<n).map { sampler.sample(seed: 99, path: $0, sites: sites) }
    }

    @Test("price and electricity factors have mean 1 (martingale / mean-corrected OU); capex factor too")
    func means() throws {
        let paths = try DriverTests.sample(20_000)
        for t in [0, 3] {
            let price = SampleStatistics.mean(paths.map { $0[0].priceFactor![t] })
            let electricity = SampleStatistics.mean(paths.map { $0[0].electricityFactor![t] })
            #expect(Tolerance.withinStandardErrors(price.mean, exact: 1, standardError: price.standardError), "\(price)")
            #expect(Tolerance.withinStandardErrors(electricity.mean, exact: 1, standardError: electricity.standardError), "\(electricity)")
        }
        let capex = SampleStatistics.mean(paths.map { $0[0].capexFactor })
        #expect(Tolerance.withinStandardErrors(capex.mean, exact: 1, standardError: capex.standardError), "\(capex)")
        // Var of log electricity at t = 4 periods (yearly): σ²(1 − e^(−2κt))/(2κ).
        let logs = paths.map { log($0[0].electricityFactor![3]) }
        let v = SampleStatistics.mean(logs.map { $0 * $0 }).mean - pow(SampleStatistics.mean(logs).mean, 2)
        let exact = 0.16 * (1 - exp(-2 * 0.7 * 4)) / 1.4
        #expect(abs(v - exact) < 0.05 * exact, "variance \(v) vs \(exact)")
    }

    @Test("market drivers are shared by the sites; site drivers correlate through the market only")
    func sharedMarket() throws {
        let paths = try DriverTests.sample(20_000)
        for p in paths.prefix(100) {
            // The sites' delays differ (a site driver), so their horizons do; the common periods agree bit for bit.
            let n = min(p[0].priceFactor!.count, p[1].priceFactor!.count)
            #expect(p[0].priceFactor!.prefix(n) == p[1].priceFactor!.prefix(n) && p[0].rateShift == p[1].rateShift)
            #expect(p[0].electricityFactor!.prefix(n) == p[1].electricityFactor!.prefix(n))
            #expect(p[0].utilisationShift != p[1].utilisationShift)
        }
        func corr(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
            return sab / (saa * sbb).squareRoot()
        }
        // First period: log price factor is linear in η_p, the utilisation shift in η_u.
        let logPrice = paths.map { log($0[0].priceFactor![0]) }
        let u0 = paths.map { $0[0].utilisationShift![0] }, u1 = paths.map { $0[1].utilisationShift![0] }
        let n = Double(paths.count)
        // SE of a sample correlation ≈ (1 − ρ²)/√n.
        #expect(abs(corr(logPrice, u0) - 0.5) < 4 * 0.75 / n.squareRoot())
        #expect(abs(corr(u0, u1) - 0.25) < 4 * (1 - 0.0625) / n.squareRoot())   // L_sm L_smᵀ = 0.5²
        let rate = paths.map { $0[0].rateShift }
        #expect(abs(corr(rate, paths.map { log($0[0].electricityFactor![0]) }) - 0.3) < 4 * 0.91 / n.squareRoot())
        // One-off drivers: the rate at close with the first year's electricity move (above); overrun with delay.
        let overrun = paths.map { log($0[0].capexFactor) }, delay = paths.map { $0[0].delayShiftYears }
        #expect(abs(corr(overrun, delay) - 0.6) < 4 * 0.64 / n.squareRoot())
        #expect(abs(corr(overrun, logPrice)) < 4 / n.squareRoot())
    }
}
