import Foundation
import Testing
import ProjectFinance
import TestSupport

/// A 1 + 3-year project small enough to check by hand: 1 000 GPUs at $20 000 (1.25 USD/EUR →
/// 16 EUR m of chips) + 4 EUR m of facility; $2/GPU-hour falling 10 % a year, 50 % utilisation;
/// 1 kW per GPU, PUE 1.25, 0.10 EUR/kWh; staff 0.5 EUR m/year, maintenance 2 % of capex; 10 % EU +
/// 10 % Member State grants of the total capex, no access time (the hand checks of the cash-flow
/// mechanics; the regulation's terms are tested separately), 50 % gearing at 3 % + 2 %, 3-year
/// annuity, a 12-month reserve.
func smallProject(electricity: Double = 0.10, periodsPerYear: Int = 1, instrument: ProjectParameters.PublicInstrument = .grant,
                  amortisation: ProjectParameters.Amortisation = .annuity, shareBase: ProjectParameters.ShareBase = .totalCapex,
                  access: ProjectParameters.PublicAccess = .none) -> ProjectParameters {
    ProjectParameters(
        timeline: .init(periodsPerYear: periodsPerYear, constructionYears: 1, operatingYears: 3, discountRate: 0.08),
        capex: .init(gpus: 1000, chipUnitCostUSD: 20_000, usdPerEUR: 1.25, facilityEURm: 4),
        revenue: .init(priceUSDPerGPUHour: 2, priceDecline: 0.1, utilisation: 0.5, chipLifeYears: 3, refreshCostFactor: 1),
        opex: .init(powerPerGPUkW: 1, pue: 1.25, electricityEURPerKWh: electricity, staffEURmPerYear: 0.5, maintenanceShare: 0.02),
        funding: .init(euShare: 0.1, memberStateShare: 0.1, shareBase: shareBase, publicInstrument: instrument, access: access,
                       debt: .init(gearing: 0.5, tenorYears: 3, baseRate: 0.03, margin: 0.02, amortisation: amortisation,
                                   reserveMonths: 12, covenantDSCR: 1.2)))
}

func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tol * max(1, abs(b))
}

/// The mean of 0.9^a over one year of age: ∫₀¹ 0.9^a da = (0.9 − 1)/ln 0.9 = 0.94912…
let yearMean = (0.9 - 1) / log(0.9)
/// Revenue of a year of new chips at the start-of-year price: 1000 · 8760 · 0.5 · $2 / 1.25 / 10⁶.
let fullPriceRevenue = 7.008
/// The debt at COD: 10 drawn at mid-construction, 6 months of interest capitalised at 5 % effective.
let debtAtCOD = 10 * pow(1.05, 0.5)

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
        // One construction period; the draw is dated at its middle: interest 10 · (1.05^½ − 1).
        let i = 0.05
        let annuity = debtAtCOD * i / (1 - pow(1.05, -3))
        let reserve0 = annuity                            // 12 months = the next yearly debt service
        let c = run.rows[0]
        #expect(c.phase == .construction && close(c.capex, base) && close(c.grants, grants) && close(c.debtDrawn, debt))
        #expect(close(c.interest, debtAtCOD - debt) && close(c.debtBalance, debtAtCOD) && close(c.reserve, reserve0))
        #expect(close(c.equity, -(base - debt - grants + reserve0)))
        #expect(c.start == 0 && c.end == 1)
        // Operation: revenue = 7.008 · mean over the year of 0.9^age, energy = 1000 · 1 · 1.25 · 8760 · 0.1 / 10⁶.
        let energy = 1000 * 1 * 1.25 * 8760 * 0.1 / 1e6   // 1.095
        let staff = 0.5 + 0.02 * base                     // 0.9
        var balance = debtAtCOD
        var reserve = reserve0
        var cfs: [Double] = []
        for (j, row) in run.rows.dropFirst().enumerated() {
            let revenue = fullPriceRevenue * yearMean * pow(0.9, Double(j))
            let cfads = revenue - energy - staff
            cfs.append(cfads)
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
            #expect(close(row.start, 1 + Double(j)) && close(row.end, 2 + Double(j)))
        }
        // The numbers themselves (rounded): CFADS 4.65645, 3.99130, 3.39267 EUR m; annuity 3.76277.
        #expect(abs(cfs[0] - 4.65645) < 1e-5 && abs(cfs[1] - 3.99130) < 1e-5 && abs(cfs[2] - 3.39267) < 1e-5)
        #expect(abs(annuity - 3.76277) < 1e-5)
        #expect(run.defaultPeriod == nil)
        #expect(run.covenantBreachPeriod == 3 && run.covenantBreachYear == 3)   // DSCR 3.98 / 3.76 = 1.058 < 1.2
        #expect(close(run.minimumDSCR, cfs[2] / annuity, 1e-12))
        // Project NPV at 8 %, mid-period dating: −20 at t = ½, CFADS at t = 1½, 2½, 3½.
        let npv = -base / pow(1.08, 0.5) + cfs[0] / pow(1.08, 1.5) + cfs[1] / pow(1.08, 2.5) + cfs[2] / pow(1.08, 3.5)
        #expect(close(run.projectNPV, npv, 1e-12))
        // Equity IRR: the construction equity at t = ½, the reserve at COD (t = 1), distributions at mid-year.
        let irr = try #require(run.equityIRR)
        let flows = [-(base - debt - grants), -reserve0] + run.rows.dropFirst().map(\.equity)
        #expect(abs(CashFlowMath.npv(rate: irr, flows: flows, times: [0.5, 1, 1.5, 2.5, 3.5])) < 1e-10)
        #expect(run.lenderLoss == 0)
        #expect(close(run.equityInvested, base - debt - grants + reserve0))
    }

    @Test("an energy price of 0.50 EUR/kWh defaults in year 2; the lenders' loss is claim − recoveries")
    func handCheckedDefault() {
        let run = ProjectModel.run(smallProject(electricity: 0.5))
        let base = 20.0, i = 0.05
        let annuity = debtAtCOD * i / (1 - pow(1.05, -3))
        let energy = 1000 * 1.25 * 8760 * 0.5 / 1e6     // 5.475
        let staff = 0.9
        let cf1 = fullPriceRevenue * yearMean - energy - staff          // 0.2765
        let cf2 = fullPriceRevenue * yearMean * 0.9 - energy - staff    // −0.3887
        // Year 1: pays the annuity from cf1 + the reserve; the rest cf1 goes back to the reserve.
        #expect(close(run.rows[1].reserve, cf1, 1e-12) && close(run.rows[1].equity, 0))
        // Year 2: cf1 + cf2 < annuity: payment default at period 3, nothing left to recover.
        #expect(cf1 + cf2 < 0)
        #expect(run.defaultPeriod == 3 && run.defaultYear == 3)
        let balance1 = debtAtCOD - (annuity - debtAtCOD * i)
        let claim = balance1 * (1 + i)
        #expect(close(run.lenderLoss, claim, 1e-12))
        #expect(run.rows[2].lenderRecovery == 0 && run.rows[3].lenderRecovery == 0)
        #expect(close(run.equityInvested, base - 10 - 4 + annuity))
        #expect(run.equityReceived == 0 && run.equityIRR == -1)
    }

    @Test("linear amortisation pays equal principal B/n")
    func linear() {
        let run = ProjectModel.run(smallProject(amortisation: .linear))
        for row in run.rows.dropFirst() { #expect(close(row.principal, debtAtCOD / 3, 1e-12)) }
        #expect(close(run.rows[1].interest, 0.05 * debtAtCOD) && close(run.rows[2].interest, 0.05 * debtAtCOD * 2 / 3, 1e-12))
    }

    @Test("sculpted debt service is proportional to the planned CFADS: a constant DSCR, fully repaid")
    func sculpted() {
        let run = ProjectModel.run(smallProject(amortisation: .sculpted))
        let cf = (0..<3).map { fullPriceRevenue * yearMean * pow(0.9, Double($0)) - 1.095 - 0.9 }
        let kappa = debtAtCOD / (cf[0] / 1.05 + cf[1] / pow(1.05, 2) + cf[2] / pow(1.05, 3))
        for (j, row) in run.rows.dropFirst().enumerated() {
            #expect(close(row.debtService, kappa * cf[j], 1e-12))
            #expect(close(row.dscr, 1 / kappa, 1e-12))
        }
        #expect(abs(run.rows[3].debtBalance) < 1e-12)
        #expect(1 / kappa < 1.2)
        #expect(run.covenantBreachPeriod == 2)            // 1/κ < 1.2 from the first year on
    }

    @Test("a stress does not re-sculpt the debt: the schedule stays the base case's")
    func sculptedUnderStress() {
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: smallProject(amortisation: .sculpted))],
                                drivers: .zero, lenders: LenderStructure(firstLoss: 0.1), scenarios: [])
        let base = model.deterministic(.none)[0], stressed = model.deterministic(Shock(gpuPrice: -0.1))[0]
        for (b, s) in zip(base.rows, stressed.rows).dropFirst() { #expect(b.debtService == s.debtService) }
        #expect(stressed.minimumDSCR! < base.minimumDSCR!)
        let cf = (0..<3).map { fullPriceRevenue * yearMean * pow(0.9, Double($0)) - 1.095 - 0.9 }
        #expect(ProjectModel.plannedCFADS(smallProject()).enumerated().allSatisfy { close($1, cf[$0], 1e-12) })
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

    @Test("refresh at the end of the chip life is paid by equity and resets the price")
    func refresh() {
        var p = smallProject()
        p.timeline.operatingYears = 4
        p.revenue.chipLifeYears = 2
        let run = ProjectModel.run(p)
        #expect(run.rows[3].capex == 16)                   // operating year 3: new chips at 16 EUR m
        #expect(close(run.rows[3].revenue, fullPriceRevenue * yearMean, 1e-12))  // age 0 again
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
        // Durations beyond their bounds (issue #14) are issues, and the simulation refuses them.
        var huge = smallProject()
        huge.timeline.operatingYears = 1e7
        huge.capex.delayYears = 1e300
        huge.funding.debt.reserveMonths = 1e12
        let hugePaths = huge.issues().map(\.path)
        #expect(hugePaths.contains("operating_years") && hugePaths.contains("capex.delay_years") && hugePaths.contains("funding.debt.reserve_months"))
        #expect(throws: SimulationError.self) { try ProjectSimulation.run(sites: [huge], drivers: .zero, paths: 1, seed: 1) }
    }
}

/// The five fixes of issue #12, each a test that the old model (whole-period delays, start-of-period
/// pricing, reserves in periods, no access time, the EU share on the total capex) fails.
@Suite("Gigafactory terms and time conventions")
struct GigafactoryConventionTests {
    /// A gigafactory-shaped project: 2 years of construction, 10 of operation, 5-year chips with a
    /// 15 % yearly price decline, sculpted 5-year debt, a 6-month reserve, the regulation's terms.
    static func gigafactoryLike(periodsPerYear m: Int) -> ProjectParameters {
        var p = smallProject(periodsPerYear: m, amortisation: .sculpted, shareBase: .computingInfrastructure,
                             access: .init(mode: .free, years: 5))
        p.timeline.constructionYears = 2
        p.timeline.operatingYears = 10
        p.revenue.chipLifeYears = 5
        p.revenue.priceDecline = 0.15
        p.revenue.priceUSDPerGPUHour = 3.2
        p.revenue.utilisation = 0.8
        p.funding.euShare = 0.17
        p.funding.memberStateShare = 0.17
        p.funding.debt.gearing = 0.35
        p.funding.debt.tenorYears = 5
        p.funding.debt.reserveMonths = 6
        p.funding.debt.covenantDSCR = 1.2
        return p
    }

    @Test("1. access time: the public share of the capacity (contributions / capex) is not sold during the access years")
    func accessTime() {
        let none = ProjectModel.run(smallProject(shareBase: .computingInfrastructure))
        let free = ProjectModel.run(smallProject(shareBase: .computingInfrastructure, access: .init(mode: .free, years: 2)))
        // C_EU + C_MS = 0.2 · 16 = 3.2 of a 20 capex: 16 % of the GPU-hours are the public users'.
        let share = 3.2 / 20
        #expect(close(free.rows[1].publicAccessShare, share) && close(free.rows[3].publicAccessShare, 0))
        #expect(close(free.rows[1].revenue, none.rows[1].revenue * (1 - share), 1e-12))
        #expect(close(free.rows[2].revenue, none.rows[2].revenue * (1 - share), 1e-12))
        #expect(close(free.rows[3].revenue, none.rows[3].revenue, 1e-12))          // after the access years
        #expect(free.rows.dropFirst().allSatisfy { $0.offtake == 0 })
        for (a, b) in zip(free.rows, none.rows) { #expect(a.energy == b.energy) }   // the opex stays the consortium's
        #expect(free.minimumDSCR! < none.minimumDSCR! && free.projectNPV < none.projectNPV)
    }

    @Test("1. offtake: the Union's contribution is paid as level purchases of its access time, not a grant at close")
    func offtake() {
        let free = ProjectModel.run(smallProject(shareBase: .computingInfrastructure, access: .init(mode: .free, years: 2)))
        let offtake = ProjectModel.run(smallProject(shareBase: .computingInfrastructure, access: .init(mode: .offtake, years: 2)))
        // Grants at close: the Member State's 1.6 only; the Union's 1.6 comes as 0.8 a year for 2 years.
        #expect(close(offtake.publicMoney, 1.6) && close(free.publicMoney, 3.2))
        #expect(close(offtake.rows[0].grants, 1.6))
        #expect(close(offtake.rows[1].offtake, 0.8) && close(offtake.rows[2].offtake, 0.8) && offtake.rows[3].offtake == 0)
        #expect(close(offtake.offtakePaid, 1.6))
        // The same capacity is reserved; the revenue adds the contracted payment.
        #expect(close(offtake.rows[1].revenue, free.rows[1].revenue + 0.8, 1e-12))
        #expect(close(offtake.rows[0].equity, free.rows[0].equity - 1.6 - (offtake.rows[0].reserve - free.rows[0].reserve), 1e-12))
    }

    @Test("2. the public shares apply to the computing infrastructure's capex (Art. 12b(5)), not the facility")
    func shareBase() {
        let p = smallProject(shareBase: .computingInfrastructure)
        #expect(close(p.shareBaseEURm, 16) && close(p.unionContributionEURm, 1.6))
        #expect(close(ProjectModel.run(p).publicMoney, 3.2))                       // 0.2 · 16, not 0.2 · 20
        #expect(close(ProjectModel.run(smallProject(shareBase: .totalCapex)).publicMoney, 4))
    }

    @Test("3. a fractional delay moves the COD by exactly its length; the chips age from the actual start")
    func fractionalDelay() {
        var p = smallProject()
        p.capex.delayYears = 0.5
        let run = ProjectModel.run(p)
        #expect(run.constructionPeriods == 2 && run.rows.count == 5 && run.commercialOperationYear == 1.5)
        // Rows [0, 1] and the stub [1, 1.5]: draws of 2/3 and 1/3 of 10 at their middles.
        #expect(close(run.debtAtCOD, 10 * (2.0 / 3) * 1.05 + 10 * (1.0 / 3) * pow(1.05, 0.25), 1e-12))
        #expect(close(run.rows[1].end, 1.5) && close(run.rows[2].start, 1.5) && close(run.rows[2].end, 2.5))
        // The first operating year earns the new chips' price: no year of price decline lost.
        #expect(close(run.rows[2].revenue, fullPriceRevenue * yearMean, 1e-12))
        // Results move continuously with the delay: a 0.001-year delay costs about 0.001 years.
        let on = ProjectModel.run(smallProject())
        var tiny = smallProject()
        tiny.capex.delayYears = 0.001
        let late = ProjectModel.run(tiny)
        #expect(abs(late.projectNPV - on.projectNPV) < 0.01 && abs(late.equityIRR! - on.equityIRR!) < 1e-3)
        #expect(late.projectNPV < on.projectNPV)
    }

    @Test("4. yearly, quarterly and monthly periods agree: equity IRR within 1 pp, NPV within 0.5 % of capex, minimum DSCR within 3 %")
    func periodLength() throws {
        let runs = [1, 4, 12].map { ProjectModel.run(GigafactoryConventionTests.gigafactoryLike(periodsPerYear: $0)) }
        let capex = GigafactoryConventionTests.gigafactoryLike(periodsPerYear: 1).capex.baseEURm
        let irr = try runs.map { try #require($0.equityIRR) }
        let npv = runs.map(\.projectNPV)
        let dscr = try runs.map { try #require($0.minimumDSCR) }
        for k in 1..<3 {
            #expect(abs(irr[k] - irr[0]) < 0.01, "IRR \(irr)")
            #expect(abs(npv[k] - npv[0]) < 0.005 * capex, "NPV \(npv)")
            // The DSCR's residual difference is real: yearly debt service carries a year's interest
            // on the opening balance, monthly debt service a month's.
            #expect(abs(dscr[k] / dscr[0] - 1) < 0.03, "DSCR \(dscr)")
        }
        // Exact within-period pricing: the revenue of a year is the same whatever the period length.
        let yearly = runs[0].rows.filter { $0.phase == .operation }.prefix(1).map(\.revenue).reduce(0, +)
        let monthly = runs[2].rows.filter { $0.phase == .operation }.prefix(12).map(\.revenue).reduce(0, +)
        #expect(close(monthly, yearly, 1e-12))
    }

    @Test("5. the reserve holds the next reserve_months of debt service, whatever the period length")
    func reserveMonths() {
        for m in [1, 4, 12] {
            var p = smallProject(periodsPerYear: m)
            p.funding.debt.reserveMonths = 6
            let run = ProjectModel.run(p)
            let services = run.rows.filter { $0.phase == .operation }.map(\.debtService)
            // Six months: half a yearly payment, two quarterly or six monthly ones.
            let expected = m == 1 ? 0.5 * services[0] : services.prefix(6 * m / 12).reduce(0, +)
            #expect(close(run.rows[run.constructionPeriods - 1].reserve, expected, 1e-12), "m = \(m)")
        }
        // And about the same money for every m (the payments differ only by their interest).
        let reserves = [1, 4, 12].map { m -> Double in
            var p = smallProject(periodsPerYear: m)
            p.funding.debt.reserveMonths = 6
            let run = ProjectModel.run(p)
            return run.rows[run.constructionPeriods - 1].reserve
        }
        #expect(abs(reserves[1] / reserves[0] - 1) < 0.03 && abs(reserves[2] / reserves[0] - 1) < 0.03, "\(reserves)")
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
