import Foundation
import Stochastics
import Testing
import ProjectFinance
import TestSupport

/// The lenders' terms added for issue #12 ("debt sizing as lenders do it"): ramp-up, contracted
/// revenue, tax with depreciation and losses carried forward, lock-up and cash sweep, completion
/// risk, and debt sized on the P50/P90 of the simulated CFADS. Each test fails on the model
/// without the term (which sold everything at market from day one, untaxed, distributed every
/// surplus and let equity pay every overrun).
@Suite("Lenders' terms: ramp-up, contracts, tax, lock-up and sweep, completion, P50/P90 sizing")
struct LenderTermsTests {
    static func operating(_ run: ProjectRun) -> [PeriodRow] { run.rows.filter { $0.phase == .operation } }

    @Test("ramp-up: the first year's merchant revenue is ∫₀¹ 0.9ᵗ·t dt of the full year's (closed form), for any period length")
    func rampUp() {
        var p = smallProject()
        p.revenue.rampUpMonths = 12
        let yearly = LenderTermsTests.operating(ProjectModel.run(p))
        // ∫₀¹ kᵗ t dt = k/ln k − (k − 1)/ln²k, k = 0.9.
        let k = 0.9, lk = log(0.9)
        let rampedMean = k / lk - (k - 1) / (lk * lk)
        #expect(close(yearly[0].revenue, fullPriceRevenue * rampedMean, 1e-12))
        #expect(close(yearly[1].revenue, fullPriceRevenue * 0.9 * yearMean, 1e-12))   // full after the ramp
        p.timeline.periodsPerYear = 12
        let monthly = LenderTermsTests.operating(ProjectModel.run(p))
        #expect(close(monthly.prefix(12).map(\.revenue).reduce(0, +), yearly[0].revenue, 1e-12))
        #expect(monthly[0].revenue < monthly[11].revenue)
    }

    @Test("contract: a take-or-pay share at a fixed price for its tenor, pro rata in the row it ends, deaf to the market price")
    func contract() {
        var p = smallProject()
        p.revenue.contract = .init(share: 0.5, priceUSDPerGPUHour: 1.5, tenorYears: 1.5)
        let run = ProjectModel.run(p)
        let rows = LenderTermsTests.operating(run)
        let fullContract = 1000 * 8760 * 1.5 / 1.25 / 1e6   // 10.512: every GPU-hour at the contract price
        #expect(close(rows[0].contractRevenue, 0.5 * fullContract, 1e-12))
        #expect(close(rows[1].contractRevenue, 0.25 * fullContract, 1e-12))
        #expect(rows[2].contractRevenue == 0)
        #expect(close(rows[0].revenue - rows[0].contractRevenue, 0.5 * fullPriceRevenue * yearMean, 1e-12))
        #expect(close(rows[2].revenue, fullPriceRevenue * 0.81 * yearMean, 1e-12))   // merchant after the tenor
        let shocked = LenderTermsTests.operating(ProjectModel.run(Shock(gpuPrice: -0.5).applied(to: p)))
        #expect(shocked[0].contractRevenue == rows[0].contractRevenue)
        #expect(close(shocked[0].revenue - shocked[0].contractRevenue, 0.5 * (rows[0].revenue - rows[0].contractRevenue), 1e-12))
        var q = p
        q.timeline.periodsPerYear = 4
        let quarters = LenderTermsTests.operating(ProjectModel.run(q))
        #expect(close(quarters[4..<8].map(\.contractRevenue).reduce(0, +), rows[1].contractRevenue, 1e-12))
    }

    @Test("tax: rate × (CFADS before tax − interest − straight-line depreciation − losses carried forward), by hand")
    func tax() throws {
        var p = smallProject()
        p.revenue.priceUSDPerGPUHour = 4
        p.revenue.rampUpMonths = 12          // a first-year loss, carried forward
        p.tax = .init(rate: 0.25, facilityLifeYears: 4)
        let rows = LenderTermsTests.operating(ProjectModel.run(p))
        let depreciation = 16.0 / 3 + 4.0 / 4   // chips over their 3-year life, facility over 4 years
        var carried = 0.0, used = 0.0
        for row in rows {
            let preTax = row.revenue - row.energy - row.staffAndMaintenance
            let taxable = preTax - row.interest - depreciation
            var expected = 0.0
            if taxable < 0 { carried -= taxable } else {
                let u = min(carried, taxable)
                used += u
                carried -= u
                expected = 0.25 * (taxable - u)
            }
            #expect(close(row.tax, expected, 1e-12))
            #expect(close(row.cfads, preTax - row.tax, 1e-12))
        }
        #expect(used > 0 && rows.contains { $0.tax > 0 }, "the test must exercise a loss carried forward and a taxed year")
        let untaxed = ProjectModel.run(smallProject())
        #expect(untaxed.taxPaid == 0)
    }

    @Test("lock-up without sweep holds the surplus until maturity: same nominal distributions, later, lower IRR")
    func lockUp() throws {
        var p = smallProject()
        p.revenue.priceUSDPerGPUHour = 4     // a positive IRR, so that waiting lowers it
        let free = ProjectModel.run(p)
        p.funding.debt.lockUpDSCR = 100   // always locked up
        let locked = ProjectModel.run(p)
        let rows = LenderTermsTests.operating(locked)
        #expect(rows[0].equity == 0 && rows[1].equity == 0 && rows[1].lockedUp > rows[0].lockedUp && rows[0].lockedUp > 0)
        #expect(close(locked.equityReceived, free.equityReceived, 1e-12))
        let irrFree = try #require(free.equityIRR), irrLocked = try #require(locked.equityIRR)
        #expect(irrFree > 0 && irrLocked < irrFree)
        #expect(locked.lockUpPeriods == 2 && !locked.defaulted)
        // A lock-up DSCR below every trailing DSCR changes nothing.
        p.funding.debt.lockUpDSCR = 1.0
        let unlocked = ProjectModel.run(p)
        #expect(unlocked.rows == free.rows && unlocked.lockUpPeriods == 0)
    }

    @Test("cash sweep: the locked surplus prepays the debt, the schedule falls pro rata, principal + prepayments = debt")
    func sweep() throws {
        var p = smallProject()
        p.funding.debt.lockUpDSCR = 100
        p.funding.debt.sweepShare = 1
        let run = ProjectModel.run(p)
        let rows = LenderTermsTests.operating(run)
        let plain = LenderTermsTests.operating(ProjectModel.run(smallProject()))
        #expect(run.prepaid > 0 && rows[0].sweep > 0)
        #expect(close(rows.map(\.principal).reduce(0, +) + run.prepaid, debtAtCOD, 1e-12))
        #expect(rows.map(\.interest).reduce(0, +) < plain.map(\.interest).reduce(0, +))
        #expect(rows[1].debtService < plain[1].debtService)
        #expect(!run.defaulted && rows.last!.debtBalance == 0)
    }

    @Test("completion: equity pays up to the contingency, the standby facility next, beyond both a completion default")
    func completion() throws {
        var p = smallProject()
        p.capex.overrun = 0.3                 // spent 26 on a base of 20
        let old = ProjectModel.run(p)         // equity pays all 6 of the overrun
        #expect(!old.defaulted && close(old.equityInvested, 26 - 10 - 4 + old.rows[0].reserve, 1e-12))
        p.completion = .init(contingencyShare: 0.1, standbyShare: 0.1)
        let short = ProjectModel.run(p)       // 2 by equity, 2 by the standby, 2 unfunded
        #expect(close(short.standbyDrawn, 2, 1e-12) && close(short.unfundedOverrun, 2, 1e-12))
        #expect(short.completionDefault && short.defaultYear == 1 && short.lenderLoss > 0)
        #expect(close(short.equityInvested, 26 - 2 - 12 - 4, 1e-12))   // no reserve funded
        #expect(close(short.debtAtCOD, 12 * pow(1.05, 0.5), 1e-12))
        p.completion = .init(contingencyShare: 0.1, standbyShare: 0.2)
        let covered = ProjectModel.run(p)     // 2 by equity, 4 by the standby
        #expect(!covered.defaulted && close(covered.standbyDrawn, 4, 1e-12))
        #expect(close(covered.debtAtCOD, 14 * pow(1.05, 0.5), 1e-12))
        #expect(close(covered.equityInvested - covered.rows[0].reserve, 26 - 14 - 4, 1e-12))
    }

    /// One construction year, one operating year, price volatility σ only: the operating row's
    /// CFADS is R·M − costs with M = exp(σW₂ − σ²), W₂ ~ N(0, 2) (see MonteCarloTests).
    static func oneYear() -> ProjectParameters {
        var p = smallProject(amortisation: .sculpted)
        p.timeline.operatingYears = 1
        p.revenue.chipLifeYears = 1
        p.funding.debt.tenorYears = 1
        p.funding.debt.reserveMonths = 0
        p.funding.debt.gearing = 0.75          // + 20 % grants: within the capex
        p.funding.debt.sizing = DebtSizing(targetDSCR: 1.3, cfadsHaircut: 0.1, basis: .p90)
        return p
    }

    @Test("P50/P90 sizing cases: the per-period percentiles of the simulated CFADS match the lognormal quantiles (4 SE)")
    func simulatedCases() throws {
        let sigma = 0.5, paths = 20_000
        let p = LenderTermsTests.oneYear()
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: p)], drivers: DriverModel(priceVolatility: sigma),
                                lenders: LenderStructure(firstLoss: 0), scenarios: [])
        let cases = try model.sizingCases(paths: paths, seed: 11)[0]
        let row = LenderTermsTests.operating(ProjectModel.run(p))[0]
        let revenue = row.revenue, costs = row.energy + row.staffAndMaintenance
        let s = sigma * 2.0.squareRoot()
        for (level, estimate) in [(0.5, cases.p50[0]), (0.1, cases.p90[0])] {
            let z = Normal.quantile(level)
            let m = exp(s * z - sigma * sigma)
            let exact = revenue * m - costs
            // Asymptotic SE of a sample quantile: √(α(1 − α)/n) / f(q), f the density of R·M at q.
            let density = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() / (m * s) / revenue
            let se = (level * (1 - level) / Double(paths)).squareRoot() / density
            #expect(Tolerance.withinStandardErrors(estimate, exact: exact, standardError: se),
                    "\(Tolerance.describe("CFADS P\(Int(100 - 100 * level))", estimate: estimate, exact: exact, standardError: se))")
        }
        #expect(cases.p90[0] < cases.p50[0] && cases.p50[0] < cases.planned[0])   // the median of R·M is below its mean R

        // The P90 basis sizes less debt than the P50 basis; gearing is the output.
        let (sized, _) = try model.sizedOnSimulation(paths: paths, seed: 11)
        let used = try #require(DebtSizer.size(sized.sites[0].parameters))
        #expect(sized.sites[0].parameters.funding.debt.sizingCFADS == cases.p90)
        let i = 0.05
        #expect(close(used.dscrSizedDebtAtCOD, cases.p90[0] / 1.3 / (1 + i), 1e-12))
        let p50 = try #require(DebtSizer.size(p, rule: DebtSizing(targetDSCR: 1.3, cfadsHaircut: 0, basis: .p50), sizingCase: cases.p50))
        #expect(used.gearing < p50.gearing)
    }

    @Test("with zero volatility the P50 and P90 cases are the planned CFADS exactly")
    func zeroVolatilityCases() throws {
        var p = LenderTermsTests.oneYear()
        p.tax = .init(rate: 0.2, facilityLifeYears: 10)
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: p)], drivers: .zero, lenders: LenderStructure(firstLoss: 0), scenarios: [])
        let cases = try model.sizingCases(paths: 7, seed: 3)[0]
        #expect(cases.p50 == cases.planned && cases.p90 == cases.planned)
    }

    @Test("period independence with every term on: yearly, quarterly and monthly within the stated tolerance")
    func periodIndependence() throws {
        func project(_ m: Int) -> ProjectParameters {
            var p = GigafactoryConventionTests.gigafactoryLike(periodsPerYear: m)
            p.revenue.rampUpMonths = 6
            p.revenue.contract = .init(share: 0.3, priceUSDPerGPUHour: 2.5, tenorYears: 3)
            p.tax = .init(rate: 0.25, facilityLifeYears: 20)
            p.funding.debt.lockUpDSCR = 1.05
            p.funding.debt.sweepShare = 0.5
            p.completion = .init(contingencyShare: 0.1, standbyShare: 0.1)
            p.capex.overrun = 0.15                 // 10 % by equity, 5 % by the standby facility
            return p
        }
        let runs = [1, 4, 12].map { ProjectModel.run(project($0)) }
        let capex = project(1).capex.baseEURm
        let irr = try runs.map { try #require($0.equityIRR) }
        let npv = runs.map(\.projectNPV)
        let dscr = try runs.map { try #require($0.minimumDSCR) }
        let tax = runs.map(\.taxPaid)
        #expect(runs.allSatisfy { $0.standbyDrawn > 0 && $0.taxPaid > 0 && !$0.defaulted })
        for k in 1..<3 {
            #expect(abs(irr[k] - irr[0]) < 0.01, "IRR \(irr)")
            #expect(abs(npv[k] - npv[0]) < 0.005 * capex, "NPV \(npv)")
            #expect(abs(dscr[k] / dscr[0] - 1) < 0.03, "DSCR \(dscr)")
            #expect(abs(tax[k] - tax[0]) < 0.005 * capex, "tax \(tax)")
        }
    }
}
