import Foundation
import LinearAlgebra
import RiskSharing
import Stochastics
import Testing
import ProjectFinance
import TestSupport

/// Four small sites that differ in their electricity price, with every driver uncertain.
func smallStressModel(firstLoss: Double = 0.1, drivers: DriverModel? = nil) -> StressModel {
    let sites = [0.08, 0.10, 0.12, 0.14].enumerated().map { k, e in
        Site(id: "s\(k)", label: "site \(k)", parameters: smallProject(electricity: e))
    }
    let correlation = DriverModel.correlation([(.gpuPrice, .utilisation, 0.5), (.gpuPrice, .electricityPrice, -0.2),
                                               (.capexOverrun, .delay, 0.6), (.rate, .electricityPrice, 0.3)])
    let d = drivers ?? DriverModel(priceVolatility: 0.25, electricityVolatility: 0.3, electricityMeanReversion: 0.5,
                                   utilisationVolatility: 0.4, utilisationMeanReversion: 1, rateVolatility: 0.01,
                                   overrunVolatility: 0.15, delayVolatilityYears: 0.3, correlation: correlation)
    return StressModel(sites: sites, drivers: d, lenders: LenderStructure(firstLoss: firstLoss), scenarios: [])
}

@Suite("Monte Carlo, stresses and reverse stress")
struct MonteCarloTests {
    @Test("zero volatility reproduces the deterministic run exactly, for every site and path")
    func zeroVolatility() throws {
        var model = smallStressModel()
        model.drivers = DriverModel(correlation: model.drivers.correlation)   // all σ = 0, correlation kept
        for shock in [Shock.none, Shock(electricityPrice: 2, delayYears: 1)] {
            let exact = model.deterministic(shock).map(SiteOutcome.init)
            let (outcomes, _) = try model.simulate(shock, paths: 50, seed: 7)
            for p in 0..<50 { for k in 0..<4 { #expect(outcomes[p, k] == exact[k]) } }
        }
        // Quarterly periods too.
        var quarterly = smallProject()
        quarterly.timeline.periodsPerYear = 4
        let q = try ProjectSimulation.run(sites: [quarterly], drivers: .zero, paths: 3, seed: 1)
        #expect(q[2, 0] == SiteOutcome(ProjectModel.run(quarterly)))
    }

    @Test("the same seed gives bit-identical results on 1, 2 and 5 threads; another seed differs")
    func reproducible() throws {
        let model = smallStressModel()
        let one = try ProjectSimulation.run(sites: model.stressedSites(.none), drivers: model.drivers, paths: 300, seed: 42, threads: 1)
        for threads in [2, 5] {
            let other = try ProjectSimulation.run(sites: model.stressedSites(.none), drivers: model.drivers, paths: 300, seed: 42, threads: threads)
            #expect(other == one, "threads = \(threads)")
        }
        let seed43 = try ProjectSimulation.run(sites: model.stressedSites(.none), drivers: model.drivers, paths: 300, seed: 43, threads: 1)
        #expect(seed43 != one)
    }

    @Test("one operating period, price volatility only: P(default) matches the lognormal formula")
    func exactDefaultProbability() throws {
        // Construction 1 year, operation 1 year, tenor 1: default iff revenue · M − costs + reserve < debt service,
        // M = exp(σW₂ − σ²·2/2), W₂ ~ N(0, 2) at the end of period 2.
        var p = smallProject()
        p.timeline.operatingYears = 1
        p.revenue.chipLifeYears = 1
        p.funding.debt.tenorYears = 1
        p.funding.debt.reserveMonths = 0
        let sigma = 0.5
        let det = ProjectModel.run(p)
        let row = det.rows[1]
        let threshold = (row.debtService + row.energy + row.staffAndMaintenance) / row.revenue   // default iff M < threshold
        let exact = Normal.cdf((log(threshold) + sigma * sigma) / (sigma * 2.0.squareRoot()))
        let o = try ProjectSimulation.run(sites: [p], drivers: DriverModel(priceVolatility: sigma), paths: 20_000, seed: 2026)
        let estimate = ProbabilityEstimate(successes: o.outcomes.filter(\.defaulted).count, trials: o.paths)
        #expect(exact > 0.05 && exact < 0.95)
        #expect(Tolerance.withinStandardErrors(estimate.probability, exact: exact, standardError: estimate.standardError),
                "\(Tolerance.describe("P(default)", estimate: estimate.probability, exact: exact, standardError: estimate.standardError))")
    }

    @Test("a bigger energy shock never lowers P(default) (common random numbers)")
    func monotoneEnergy() throws {
        let model = smallStressModel()
        var previous: [Bool]?
        var lastP = -1.0
        for x in [0.0, 0.25, 0.5, 1.0, 2.0, 4.0] {
            let (o, stats) = try model.simulate(Shock(electricityPrice: x), paths: 400, seed: 11)
            let flags = o.outcomes.map(\.defaulted)
            if let previous { #expect(zip(previous, flags).allSatisfy { !$0 || $1 }, "a path that defaulted stopped defaulting at +\(x)") }
            #expect(stats.defaultProbability.mean >= lastP)
            lastP = stats.defaultProbability.mean
            previous = flags
        }
        #expect(lastP > 0.5)   // +400 % energy: most site-paths default
    }

    @Test("lower prices, lower utilisation, faster decline: no path that defaulted stops defaulting (CRN)",
          arguments: [Shock(gpuPrice: -0.15), Shock(utilisation: -0.1), Shock(priceDecline: 0.05)])
    func monotoneRevenue(step: Shock) throws {
        let model = smallStressModel()
        var previous: [Bool]?
        var lastLoss = -1.0
        for k in 0...4 {
            let (o, stats) = try model.simulate(step.scaled(by: Double(k)), paths: 300, seed: 12)
            let flags = o.outcomes.map(\.defaulted)
            if let previous { #expect(zip(previous, flags).allSatisfy { !$0 || $1 }, "step \(k) of \(step)") }
            #expect(stats.lenderLoss.mean >= lastLoss - 1e-9)
            lastLoss = stats.lenderLoss.mean
            previous = flags
        }
    }

    @Test("holders' losses reconcile with RiskSharing's waterfall on the same per-path losses")
    func reconcileWaterfall() throws {
        let model = smallStressModel(firstLoss: 0.05)
        let (o, stats) = try model.simulate(Shock(electricityPrice: 1), paths: 500, seed: 5)
        let volume = model.volume
        #expect(abs(stats.volume - volume) < 1e-12)
        let waterfall = try Waterfall(structure: RiskSharingStructure(tranches: [
            Tranche(name: "fl", attachment: 0, detachment: 0.05, holder: "EU"),
            Tranche(name: "sr", attachment: 0.05, detachment: 1, holder: "banks")]), volume: volume)
        var eu = 0.0, banks = 0.0, total = 0.0
        for p in 0..<o.paths {
            // The per-path defaults and losses, summed over the sites by hand.
            let loss = (0..<o.sites).reduce(0.0) { $0 + (o[p, $1].defaulted ? o[p, $1].lenderLoss : 0) }
            let a = waterfall.allocate(portfolioLoss: loss)
            eu += a.holderLoss[0]
            banks += a.holderLoss[1]
            total += loss
            // And by the tranche formula min(max(L − a, 0), d − a)·V.
            #expect(abs(a.holderLoss[0] - min(loss, 0.05 * volume)) < 1e-9)
        }
        let n = Double(o.paths)
        #expect(stats.holderLosses.map(\.holder) == ["public first loss", "private lenders"])
        #expect(abs(stats.holderLosses[0].loss.mean - eu / n) < 1e-9)
        #expect(abs(stats.holderLosses[1].loss.mean - banks / n) < 1e-9)
        #expect(abs(stats.lenderLoss.mean - total / n) < 1e-9)
        #expect(stats.holderLosses[0].loss.mean > 0 && stats.holderLosses[1].loss.mean > 0)
    }

    @Test("the public multiplier counts grants, the Union's offtake and the funded first-loss tranche (issue #11, item 3)")
    func publicMultiplier() throws {
        var model = smallStressModel(firstLoss: 0.2, drivers: .zero)
        let (_, stats) = try model.simulate(.none, paths: 10, seed: 1)
        // 4 sites: grants 4 · 4 = 16, first loss 0.2 · 4 · 10 = 8, capex 80: ×80/24, not ×80/16.
        #expect(close(stats.publicCommitment, 24, 1e-12) && close(stats.publicMultiplier, 80.0 / 24, 1e-12))
        model.sites = model.sites.map { site in
            var s = site
            s.parameters.funding.access = .init(mode: .offtake, years: 2)
            return s
        }
        let (_, withOfftake) = try model.simulate(.none, paths: 10, seed: 1)
        // The Union's 2 a site moves from the grant to the offtake: the commitment stays 24.
        #expect(close(withOfftake.publicMoney, 8, 1e-12) && close(withOfftake.offtake, 8, 1e-12))
        #expect(close(withOfftake.publicMultiplier, 80.0 / 24, 1e-12))
    }

    @Test("a correlation that is not positive definite names the matrix and the leading minor")
    func badCorrelation() {
        var model = smallStressModel()
        model.drivers.correlation = DriverModel.correlation([(.gpuPrice, .electricityPrice, 0.9), (.gpuPrice, .rate, 0.9),
                                                             (.electricityPrice, .rate, -0.9)])
        #expect(throws: SimulationError.correlation(.notPositiveDefinite(matrix: "driver correlation", leadingMinor: 3))) {
            try model.simulate(.none, paths: 10, seed: 1)
        }
        let message = SimulationError.correlation(.notPositiveDefinite(matrix: "driver correlation", leadingMinor: 3)).description
        #expect(message.contains("driver correlation") && message.contains("leading minor 3"))
    }

    @Test("reverse stress: covenant thresholds match the hand-solved shocks")
    func reverseStressAnalytic() throws {
        var p = smallProject()
        p.funding.debt.covenantDSCR = 0.8   // the base case's last DSCR is 0.90
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: p)], drivers: .zero,
                                lenders: LenderStructure(firstLoss: 0.1), scenarios: [])
        let annuity = debtAtCOD * 0.05 / (1 - pow(1.05, -3))
        let revenue3 = fullPriceRevenue * yearMean * 0.81
        // The last year binds: CFADS₃ = revenue₃ − 1.095·(1 + λ) − 0.9 = 0.8·A.
        let energyStar = (revenue3 - 0.9 - 0.8 * annuity) / 1.095 - 1
        let e = ReverseStress.search(ShockDirection.drivers[3], criterion: .covenantBreach, model: model, tolerance: 1e-9)
        guard case .found(let root) = e.outcome else { Issue.record("not found: \(e.outcome)"); return }
        #expect(root.lower <= energyStar + 1e-12 && root.upper >= energyStar - 1e-12 && root.upper - root.lower <= 1e-9)
        // Price: revenue₃·(1 − λ) − 1.995 = 0.8·A.
        let priceStar = 1 - (0.8 * annuity + 1.995) / revenue3
        let g = ReverseStress.search(ShockDirection.drivers[0], criterion: .covenantBreach, model: model, tolerance: 1e-9)
        #expect(abs((g.multiple ?? -1) - priceStar) <= 1e-9)
        // Payment default needs a bigger shock than a covenant breach; the first loss a bigger one still.
        let d = ReverseStress.search(ShockDirection.drivers[3], criterion: .paymentDefault, model: model)
        let w = ReverseStress.search(ShockDirection.drivers[3], criterion: .firstLossWipedOut, model: model)
        #expect((d.multiple ?? 0) > energyStar && (w.multiple ?? 0) >= (d.multiple ?? .infinity))
        // Either side of the found bracket.
        if case .found(let r) = w.outcome {
            #expect(!ReverseStress.holds(.firstLossWipedOut, model: model, shock: Shock(electricityPrice: r.lower)))
            #expect(ReverseStress.holds(.firstLossWipedOut, model: model, shock: Shock(electricityPrice: r.upper)))
        }
        // A baseline that already breaches is reported as such.
        var tight = model
        tight.sites[0].parameters.funding.debt.covenantDSCR = 1.2
        #expect(ReverseStress.search(ShockDirection.drivers[3], criterion: .covenantBreach, model: tight).outcome == .atZero)
    }
}

@Suite("DSCR fan")
struct DSCRFanTests {
    @Test("With zero volatility every percentile of the fan is the deterministic DSCR of the period")
    func zeroVolatilityFan() throws {
        var model = smallStressModel()
        model.drivers = DriverModel(correlation: model.drivers.correlation)
        let site = model.sites[0]
        let one = StressModel(sites: [site], drivers: model.drivers, lenders: model.lenders, scenarios: model.scenarios)
        let exact = one.deterministic(.none)[0]
        let (outcomes, _) = try one.simulate(.none, paths: 40, seed: 3)
        let statistics = try StressStatistics(outcomes, lenders: one.lenders)
        let serviced = exact.rows.filter { $0.dscr != nil }
        #expect(statistics.dscrFan.map(\.period) == serviced.map(\.period))
        for (point, row) in zip(statistics.dscrFan, serviced) {
            #expect(point.percentiles.allSatisfy { $0.value == row.dscr! }, "period \(point.period)")
            #expect(point.serviced.probability == 1)
        }
    }
}
