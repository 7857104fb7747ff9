import Foundation
import Testing
import ProjectFinance
import TestSupport

/// A 1 + 3-year project small enough to check by hand: 1 000 GPUs at $20 000 (1.25 USD/EUR →
/// 16 EUR m of chips) + 4 EUR m of facility; $2/GPU-hour falling 10 % a year, 50 % utilisation;
/// 1 kW per GPU, PUE 1.25, 0.10 EUR/kWh; staff 0.5 EUR m/year, maintenance 2 % of capex; 10 % EU +
/// 10 % Member State grants, 50 % gearing at 3 % + 2 %, 3-year annuity, one period of reserve.
func smallProject(electricity: Double = 0.10, periodsPerYear: Int = 1, instrument: ProjectParameters.PublicInstrument = .grant,
                  amortisation: ProjectParameters.Amortisation = .annuity) -> ProjectParameters {
    ProjectParameters(
        timeline: .init(periodsPerYear: periodsPerYear, constructionYears: 1, operatingYears: 3, discountRate: 0.08),
        capex: .init(gpus: 1000, chipUnitCostUSD: 20_000, usdPerEUR: 1.25, facilityEURm: 4),
        revenue: .init(priceUSDPerGPUHour: 2, priceDecline: 0.1, utilisation: 0.5, chipLifeYears: 3, refreshCostFactor: 1),
        opex: .init(powerPerGPUkW: 1, pue: 1.25, electricityEURPerKWh: electricity, staffEURmPerYear: 0.5, maintenanceShare: 0.02),
        funding: .init(euShare: 0.1, memberStateShare: 0.1, publicInstrument: instrument,
                       debt: .init(gearing: 0.5, tenorYears: 3, baseRate: 0.03, margin: 0.02, amortisation: amortisation,
                                   reservePeriods: 1, covenantDSCR: 1.2)))
}

func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tol * max(1, abs(b))
}

@Suite("Deterministic cash-flow waterfall")
struct DeterministicProjectTests {
    @Test("the 4-period project reproduces the hand-computed waterfall")
    func handCheckedTable() throws {
        let run = ProjectModel.run(smallProject())
        #expect(run.rows.count == 4)
        // Capex and sources.
        let chips = 1000 * 20_000 / 1.25 / 1e6           // 16
        let base = chips + 4                              // 20
        let grants = 0.2 * base                           // 4
        let debt = 0.5 * base                             // 10
        // One construction period: no interest yet (opening balance 0).
        let i = 0.05
        let annuity = debt * i / (1 - pow(1.05, -3))      // 3.67208564631…
        let reserve0 = annuity
        let c = run.rows[0]
        #expect(c.phase == .construction && close(c.capex, base) && close(c.grants, grants) && close(c.debtDrawn, debt))
        #expect(close(c.interest, 0) && close(c.debtBalance, debt) && close(c.reserve, reserve0))
        #expect(close(c.equity, -(base - debt - grants + reserve0)))
        // Operation: revenue = 1000 · 8760 · 0.5 · 2 · 0.9^a / 1.25 / 10⁶, energy = 1000 · 1 · 1.25 · 8760 · 0.1 / 10⁶.
        let energy = 1000 * 1 * 1.25 * 8760 * 0.1 / 1e6   // 1.095
        let staff = 0.5 + 0.02 * base                     // 0.9
        var balance = debt
        var reserve = reserve0
        for (j, row) in run.rows.dropFirst().enumerated() {
            let revenue = 1000 * 8760 * 0.5 * 2 * pow(0.9, Double(j)) / 1.25 / 1e6
            let cfads = revenue - energy - staff
            let interest = balance * i
            let principal = j == 2 ? balance : annuity - interest
            let service = interest + principal
            #expect(close(row.revenue, revenue) && close(row.energy, energy) && close(row.staffAndMaintenance, staff))
            #expect(close(row.cfads, cfads) && close(row.interest, interest) && close(row.principal, principal))
            #expect(close(row.debtService, annuity, 1e-12) && close(row.dscr, cfads / annuity, 1e-12))
            let available = cfads + reserve
            balance -= principal
            let target = j < 2 ? annuity : 0
            reserve = min(target, available - service)
            #expect(close(row.reserve, reserve) && close(row.debtBalance, balance, 1e-12))
            #expect(close(row.equity, available - service - reserve, 1e-12))
        }
        // The numbers themselves (rounded), as printed in the doc comment of the test project.
        #expect(abs(run.rows[1].cfads - 5.013) < 1e-12)
        #expect(abs(run.rows[2].cfads - 4.3122) < 1e-12)
        #expect(abs(run.rows[3].cfads - 3.68148) < 1e-12)
        #expect(abs(annuity - 3.672085646312) < 1e-11)
        #expect(run.defaultPeriod == nil)
        #expect(run.covenantBreachPeriod == 3)          // DSCR 4.3122 / 3.672 = 1.174 < 1.2
        #expect(close(run.minimumDSCR, 3.68148 / annuity, 1e-12))
        // Project NPV at 8 %: −20 at t = 1, CFADS at t = 2, 3, 4.
        let npv = -base / 1.08 + 5.013 / pow(1.08, 2) + 4.3122 / pow(1.08, 3) + 3.68148 / pow(1.08, 4)
        #expect(close(run.projectNPV, npv, 1e-12))
        // Equity IRR: the NPV of the equity flows at the IRR is zero.
        let flows = run.rows.map(\.equity)
        let irr = try #require(run.equityIRR)
        #expect(abs(CashFlowMath.npv(rate: irr, flows: flows)) < 1e-10)
        #expect(run.lenderLoss == 0)
        #expect(close(run.equityInvested, base - debt - grants + reserve0))
    }

    @Test("an energy price of 0.50 EUR/kWh defaults in year 2; the lenders' loss is claim − recoveries")
    func handCheckedDefault() {
        let run = ProjectModel.run(smallProject(electricity: 0.5))
        let base = 20.0, debt = 10.0, i = 0.05
        let annuity = debt * i / (1 - pow(1.05, -3))
        let energy = 1000 * 1.25 * 8760 * 0.5 / 1e6     // 5.475
        let staff = 0.9
        let cf1 = 7.008 - energy - staff                 // 0.633
        let cf2 = 6.3072 - energy - staff                // −0.0678
        // Year 1: pays 3.672 from 0.633 + reserve 3.672; the rest 0.633 goes back to the reserve.
        #expect(close(run.rows[1].reserve, cf1, 1e-12) && close(run.rows[1].equity, 0))
        // Year 2: 0.633 − 0.0678 < 3.672: payment default at period 3.
        #expect(run.defaultPeriod == 3)
        let balance1 = debt - (annuity - debt * i)
        let claim = balance1 * (1 + i)
        let recovered = cf1 + cf2                        // cash at default; year 3 CFADS is negative → nothing more
        #expect(close(run.lenderLoss, claim - recovered, 1e-12))
        #expect(run.rows[3].lenderRecovery == 0)
        #expect(close(run.equityInvested, base - debt - 4 + annuity))
        #expect(run.equityReceived == 0 && run.equityIRR == -1)
    }

    @Test("linear amortisation pays equal principal B/n")
    func linear() {
        let run = ProjectModel.run(smallProject(amortisation: .linear))
        for row in run.rows.dropFirst() { #expect(close(row.principal, 10.0 / 3, 1e-12)) }
        #expect(close(run.rows[1].interest, 0.5) && close(run.rows[2].interest, 0.05 * 20 / 3, 1e-12))
    }

    @Test("sculpted debt service is proportional to the planned CFADS: a constant DSCR, fully repaid")
    func sculpted() {
        let run = ProjectModel.run(smallProject(amortisation: .sculpted))
        let cf = [5.013, 4.3122, 3.68148]
        let kappa = 10 / (cf[0] / 1.05 + cf[1] / pow(1.05, 2) + cf[2] / pow(1.05, 3))
        for (j, row) in run.rows.dropFirst().enumerated() {
            #expect(close(row.debtService, kappa * cf[j], 1e-12))
            #expect(close(row.dscr, 1 / kappa, 1e-12))
        }
        #expect(abs(run.rows[3].debtBalance) < 1e-12)
        #expect(abs(1 / kappa - 1.186578) < 1e-6)
        #expect(run.covenantBreachPeriod == 2)            // 1/κ ≈ 1.187 < 1.2 from the first year on
    }

    @Test("a stress does not re-sculpt the debt: the schedule stays the base case's")
    func sculptedUnderStress() {
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: smallProject(amortisation: .sculpted))],
                                drivers: .zero, lenders: LenderStructure(firstLoss: 0.1), scenarios: [])
        let base = model.deterministic(.none)[0], stressed = model.deterministic(Shock(gpuPrice: -0.1))[0]
        for (b, s) in zip(base.rows, stressed.rows).dropFirst() { #expect(b.debtService == s.debtService) }
        #expect(stressed.minimumDSCR! < base.minimumDSCR!)
        #expect(ProjectModel.plannedCFADS(smallProject()).enumerated().allSatisfy { close($1, [5.013, 4.3122, 3.68148][$0], 1e-12) })
    }

    @Test("public equity shares the equity cash flows; grants do not")
    func publicEquity() {
        let grant = ProjectModel.run(smallProject())
        let equity = ProjectModel.run(smallProject(instrument: .equity))
        #expect(grant.publicEquityShare == 0)
        #expect(close(equity.publicEquityShare, 4.0 / 10.0))   // 4 public of 4 + 6 equity at close
        #expect(close(equity.equityInvested, grant.equityInvested + 4))
        #expect(close(equity.projectNPV, grant.projectNPV))
    }

    @Test("quarterly periods with no price decline add up to the yearly revenue and energy")
    func quarterly() {
        var yearly = smallProject()
        yearly.revenue.priceDecline = 0
        var quarterly = yearly
        quarterly.timeline.periodsPerYear = 4
        let y = ProjectModel.run(yearly), q = ProjectModel.run(quarterly)
        #expect(q.rows.count == 16 && q.constructionPeriods == 4)
        let qRevenue = q.rows.reduce(0) { $0 + $1.revenue }, yRevenue = y.rows.reduce(0) { $0 + $1.revenue }
        let qEnergy = q.rows.reduce(0) { $0 + $1.energy }, yEnergy = y.rows.reduce(0) { $0 + $1.energy }
        #expect(close(qRevenue, yRevenue, 1e-12) && close(qEnergy, yEnergy, 1e-12))
    }

    @Test("a delay pushes the COD, ages the chips and capitalises more interest")
    func delay() {
        var p = smallProject()
        p.capex.delayYears = 0.5                            // rounds up to one yearly period
        let run = ProjectModel.run(p)
        #expect(run.constructionPeriods == 2 && run.rows.count == 5)
        // Spending and draws spread over two periods; interest on the first draw in period 2.
        #expect(close(run.debtAtCOD, 5 * 1.05 + 5))
        // First operating revenue is one year older: 7.008 · 0.9.
        #expect(close(run.rows[2].revenue, 7.008 * 0.9, 1e-12))
    }

    @Test("refresh at the end of the chip life is paid by equity and resets the price")
    func refresh() {
        var p = smallProject()
        p.timeline.operatingYears = 4
        p.revenue.chipLifeYears = 2
        let run = ProjectModel.run(p)
        #expect(run.rows[3].capex == 16)                   // operating year 3: new chips at 16 EUR m
        #expect(close(run.rows[3].revenue, 7.008, 1e-12))  // age 0 again
        #expect(close(run.rows[3].projectCashFlow, run.rows[3].cfads - 16, 1e-12))
    }

    @Test("parameter issues name their field")
    func issues() {
        var p = smallProject()
        p.funding.debt.tenorYears = 5
        p.funding.debt.gearing = 0.9
        p.timeline.constructionYears = 1.5
        let paths = p.issues().map(\.path)
        #expect(paths.contains("funding.debt.tenor_years") && paths.contains("funding.debt.gearing") && paths.contains("construction_years"))
        #expect(smallProject().issues().isEmpty)
    }
}

@Suite("NPV, IRR and root finding against closed forms")
struct CashFlowMathTests {
    @Test("annuity: IRR of −P then n payments A solves P = A(1 − (1 + r)^−n)/r", arguments: [0.0001, 0.03, 0.07, 0.25, 1.5])
    func annuityIRR(rate: Double) throws {
        for n in [1, 5, 30] {
            let payment = 1.0
            let price = payment * (1 - pow(1 + rate, -Double(n))) / rate
            let irr = try #require(CashFlowMath.irr(flows: [-price] + Array(repeating: payment, count: n)))
            #expect(abs(irr - rate) <= 1e-12 * max(1, rate), "n = \(n): \(irr) vs \(rate)")
            #expect(abs(CashFlowMath.npv(rate: rate, flows: Array(repeating: payment, count: n)) - price) < 1e-12 * price)
        }
    }

    @Test("level perpetuity-like flows: IRR → A/P, NPV → A/r")
    func perpetuity() throws {
        let irr = try #require(CashFlowMath.irr(flows: [-20] + Array(repeating: 1, count: 2000)))
        #expect(abs(irr - 0.05) < 1e-13)
        #expect(abs(CashFlowMath.npv(rate: 0.04, flows: Array(repeating: 1, count: 3000)) - 25) < 1e-9)
    }

    @Test("quarterly IRR is annualised: (1 + ρ)^4 − 1")
    func quarterlyIRR() throws {
        let rho = 0.02
        let price = (1 - pow(1 + rho, -12)) / rho
        let irr = try #require(CashFlowMath.irr(flows: [-price] + Array(repeating: 1, count: 12), periodsPerYear: 4))
        #expect(abs(irr - (pow(1.02, 4) - 1)) < 1e-12)
    }

    @Test("edge cases: no inflow is −100 %, no outflow has no IRR")
    func edges() {
        #expect(CashFlowMath.irr(flows: [-1, 0, 0]) == -1)
        #expect(CashFlowMath.irr(flows: [1, 2]) == nil)
        #expect(CashFlowMath.annuityPayment(principal: 12, ratePerPeriod: 0, periods: 4) == 3)
    }

    @Test("Brent and bisection bracket the root within the tolerance")
    func roots() throws {
        let r = try RootFinder.brent(in: 0...2, tolerance: 1e-14) { $0 * $0 - 2 }
        #expect(abs(r.value - 2.0.squareRoot()) < 1e-14)
        let b = try RootFinder.bisect(in: 0...10, tolerance: 1e-9) { $0 >= 3.25 }
        #expect(b.lower < 3.25 && b.upper >= 3.25 && b.upper - b.lower <= 1e-9)
        #expect(throws: RootFindingError.notBracketed(lower: 0, upper: 1)) { try RootFinder.bisect(in: 0...1, tolerance: 1e-3) { $0 > 5 } }
    }
}
