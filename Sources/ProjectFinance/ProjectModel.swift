import RealModule

/// One realisation of the stochastic drivers for one site, indexed by calendar period from
/// financial close (index t − 1 for period t). A nil array means "no shock" (factor 1, shift 0);
/// the deterministic run uses ``neutral``. Every shock enters multiplicatively by a factor or
/// additively by a shift, so a zero-volatility path (all factors exactly 1.0, shifts exactly 0)
/// reproduces the deterministic run bit for bit.
public struct DriverPath: Sendable, Equatable {
    /// Multiplier on the GPU-hour price of each period.
    public var priceFactor: [Double]?
    /// Multiplier on the electricity price of each period.
    public var electricityFactor: [Double]?
    /// Shift X of the utilisation in logit space: u = u₀eˣ / (1 − u₀ + u₀eˣ) (u₀ when X = 0).
    public var utilisationShift: [Double]?
    /// Added to the base rate (annual).
    public var rateShift: Double
    /// Multiplier on (1 + overrun) · base capex.
    public var capexFactor: Double
    /// Added to the construction delay (years); the total is floored at 0.
    public var delayShiftYears: Double

    /// A driver path; the defaults are "no shock".
    public init(priceFactor: [Double]? = nil, electricityFactor: [Double]? = nil, utilisationShift: [Double]? = nil,
                rateShift: Double = 0, capexFactor: Double = 1, delayShiftYears: Double = 0) {
        self.priceFactor = priceFactor
        self.electricityFactor = electricityFactor
        self.utilisationShift = utilisationShift
        self.rateShift = rateShift
        self.capexFactor = capexFactor
        self.delayShiftYears = delayShiftYears
    }

    /// No shock at all: the deterministic run.
    public static let neutral = DriverPath()

    /// The utilisation after a logit-space shift X: u₀eˣ / (1 − u₀ + u₀eˣ) = logistic(logit u₀ + X);
    /// exactly u₀ when X = 0 (so a zero shock does not perturb the last bit).
    @inlinable
    public static func utilisation(_ u0: Double, shift x: Double) -> Double {
        if x == 0 { return u0 }
        let ex = Double.exp(x)
        return u0 * ex / (1 - u0 + u0 * ex)
    }
}

/// The phase of a period.
public enum Phase: String, Sendable {
    case construction, operation
}

/// One period of the cash-flow waterfall (EUR m; flows in the period, balances at its end).
public struct PeriodRow: Sendable, Equatable {
    /// Row number, 1-based (construction rows, then operating rows from the actual COD).
    public var period: Int
    /// Start of the row, years from financial close.
    public var start: Double = 0
    /// End of the row, years from financial close (construction rows end on the calendar grid
    /// k/m or at COD; operating rows at COD + j/m).
    public var end: Double = 0
    /// Construction or operation.
    public var phase: Phase
    /// Construction spending, or the chip refresh in operation.
    public var capex: Double = 0
    /// Public grants received (construction).
    public var grants: Double = 0
    /// The Union's offtake payment for its access time (operation, ``ProjectParameters/AccessMode/offtake``).
    public var offtake: Double = 0
    /// Share of the capacity reserved for public access (not sold) in the period.
    public var publicAccessShare: Double = 0
    /// Senior debt drawn (construction), the standby facility included.
    public var debtDrawn: Double = 0
    /// The lenders' standby facility drawn for overruns above the contingency (construction; part of ``debtDrawn``).
    public var standbyDrawn: Double = 0
    /// Revenue of the take-or-pay contract (operation; part of ``revenue``).
    public var contractRevenue: Double = 0
    /// Corporate tax paid (operation; ``cfads`` is after it).
    public var tax: Double = 0
    /// Senior debt prepaid by the cash sweep.
    public var sweep: Double = 0
    /// Cash held in the lock-up account at the end of the period.
    public var lockedUp: Double = 0
    /// Revenue = GPUs · hours · (1 − public access share) · utilisation · mean price(USD) / (USD per EUR) + offtake.
    public var revenue: Double = 0
    /// Energy = GPUs · kW · PUE · hours · EUR/kWh.
    public var energy: Double = 0
    /// Staff + maintenance.
    public var staffAndMaintenance: Double = 0
    /// Cash flow available for debt service = revenue − energy − staff and maintenance − tax.
    public var cfads: Double = 0
    /// Interest: capitalised during construction, paid in operation.
    public var interest: Double = 0
    /// Scheduled principal repaid.
    public var principal: Double = 0
    /// Interest + principal due in operation.
    public var debtService: Double = 0
    /// CFADS / debt service (nil when no debt service is due).
    public var dscr: Double?
    /// Debt-service reserve balance at the end of the period.
    public var reserve: Double = 0
    /// Cash to (+) or from (−) the equity holders (all of them).
    public var equity: Double = 0
    /// Senior debt outstanding at the end of the period.
    public var debtBalance: Double = 0
    /// Cash taken by the lenders after a default (nominal).
    public var lenderRecovery: Double = 0
    /// The project's unlevered free cash flow: −capex in construction; CFADS − refresh in operation.
    public var projectCashFlow: Double = 0
}

/// The outcome of one run of the cash-flow model.
public struct ProjectRun: Sendable, Equatable {
    /// The waterfall, one row per period (empty when rows were not recorded).
    public var rows: [PeriodRow]
    /// Periods per year.
    public var periodsPerYear: Int
    /// Construction rows including the delay (the last one may be a stub).
    public var constructionPeriods: Int
    /// The actual commercial operation date, years from financial close (planned + delay).
    public var commercialOperationYear: Double
    /// Capex actually spent in construction (base · (1 + overrun) · shock), EUR m.
    public var capexSpent: Double
    /// Public money at close (grants or public equity), EUR m; the Union's offtake is in ``offtakePaid``.
    public var publicMoney: Double
    /// Committed senior debt principal D = gearing · base capex, EUR m.
    public var debtCommitted: Double
    /// Debt at COD including capitalised interest, EUR m.
    public var debtAtCOD: Double
    /// The public holders' share of every equity cash flow (0 for grants).
    public var publicEquityShare: Double
    /// The period of the payment default (cash + reserve below the debt service), if any.
    public var defaultPeriod: Int?
    /// The first period whose DSCR fell below the covenant, if any.
    public var covenantBreachPeriod: Int?
    /// The end of the default row, years from financial close.
    public var defaultYear: Double?
    /// The end of the first breaching row, years from financial close.
    public var covenantBreachYear: Double?
    /// The Union's offtake payments, nominal, EUR m (0 unless ``ProjectParameters/AccessMode/offtake``).
    public var offtakePaid: Double
    /// The smallest DSCR over the debt-service periods run (nil without debt service).
    public var minimumDSCR: Double?
    /// The DSCR by **calendar period** of financial close (index k − 1 for the period ending at
    /// k/m years; NaN where no debt is serviced), recorded even without `rows`. An operating row is
    /// filed under the calendar period that contains its end.
    public var dscrPath: [Double]
    /// Equity IRR (effective annual) of all equity cash flows; −1 when nothing comes back.
    public var equityIRR: Double?
    /// Project NPV at the timeline's discount rate of the unlevered free cash flows, EUR m.
    public var projectNPV: Double
    /// The lenders' loss: min(D, max(0, claim − recoveries)), claim = balance + interest due at
    /// default, recoveries = cash at default + PV at the loan rate of the positive CFADS to the
    /// end of the chips' current life. 0 without default. EUR m, nominal at the default date.
    public var lenderLoss: Double
    /// Equity paid in (construction, reserve, refresh, shortfalls), EUR m, nominal.
    public var equityInvested: Double
    /// Equity received (distributions), EUR m, nominal.
    public var equityReceived: Double
    /// The lenders' standby facility drawn for overruns (EUR m; 0 unless the overrun exceeds the contingency).
    public var standbyDrawn: Double = 0
    /// Overrun left unfunded above the contingency and the standby facility, paid by the lenders
    /// when they take over (a completion default), EUR m.
    public var unfundedOverrun: Double = 0
    /// Corporate tax paid, EUR m, nominal.
    public var taxPaid: Double = 0
    /// Senior debt prepaid by the cash sweep, EUR m, nominal.
    public var prepaid: Double = 0
    /// Operating rows in which distributions were locked up.
    public var lockUpPeriods: Int = 0

    /// Whether the project defaulted at completion (overrun beyond contingency and standby).
    public var completionDefault: Bool { unfundedOverrun > 0 && defaultPeriod != nil && defaultPeriod == constructionPeriods }

    /// Equity loss max(0, invested − received), all equity holders, EUR m nominal.
    public var equityLoss: Double { max(0, equityInvested - equityReceived) }
    /// Whether the project defaulted on its debt.
    public var defaulted: Bool { defaultPeriod != nil }
}

extension ProjectModel {
    /// The planned CFADS of operating periods 1…n (n = tenor · m): the unshocked revenue − energy −
    /// staff and maintenance − tax; what sculpted debt is shaped to and the sponsor case of the
    /// sizing. The chips age from the actual COD, so the plan does not depend on the delay. With a
    /// tax, the tax is the **unlevered** one (no interest deducted: the debt is not known yet).
    public static func plannedCFADS(_ p: ProjectParameters) -> [Double] {
        unleveredCFADS(p, drivers: .neutral)
    }

    /// The unlevered CFADS of operating rows 1…n (n = tenor · m) under `drivers`: revenue − opex −
    /// tax without the interest shield. The sizing case of the P50/P90 bases is its percentile over paths.
    public static func unleveredCFADS(_ p: ProjectParameters, drivers: DriverPath) -> [Double] {
        let md = Double(p.timeline.periodsPerYear)
        let n = max(Int((min(p.funding.debt.tenorYears, ProjectParameters.Limits.maximumOperatingYears) * md).rounded()), 1)
        if p.tax.rate == 0 && drivers == .neutral {
            let profile = OperatingProfile(p)
            return (1...n).map { j in profile.cfads(j, priceFactor: 1, utilisation: p.revenue.utilisation, electricityFactor: 1) }
        }
        var q = p
        q.funding.debt.gearing = 0
        q.funding.debt.sizing = nil
        q.funding.debt.amortisation = .linear
        q.funding.debt.plannedCFADS = nil
        q.funding.debt.lockUpDSCR = nil
        q.completion = .equityPaysAll
        let rows = run(q, drivers: drivers).rows.filter { $0.phase == .operation }.map(\.cfads)
        return (0..<n).map { $0 < rows.count ? rows[$0] : 0 }
    }
}

/// The unshocked economics of operating row j (COD-aligned, length Δ = 1/m).
struct OperatingProfile {
    let p: ProjectParameters
    let md: Double
    let life: Int
    let hours: Double
    let staffMaintenance: Double
    let energyBase: Double
    let merchantAfterAccess: Double
    let accessRows: Int
    let offtakePerRow: Double

    init(_ p: ProjectParameters) {
        self.p = p
        md = Double(p.timeline.periodsPerYear)
        life = max(1, Int((min(p.revenue.chipLifeYears, ProjectParameters.Limits.maximumOperatingYears) * md).rounded()))
        hours = p.hoursPerPeriod
        staffMaintenance = p.opex.staffEURmPerYear / md + p.opex.maintenanceShare * p.capex.baseEURm / md
        energyBase = p.capex.gpus * p.opex.powerPerGPUkW * p.opex.pue * hours * p.opex.electricityEURPerKWh / 1e6
        merchantAfterAccess = max(0, 1 - p.unionAccessShare - p.memberStateAccessShare)
        accessRows = p.funding.access.mode == .none ? 0 : Int((min(p.funding.access.years, ProjectParameters.Limits.maximumOperatingYears) * md).rounded())
        offtakePerRow = p.funding.access.mode == .offtake && accessRows > 0 ? p.unionContributionEURm / Double(accessRows) : 0
    }

    /// The share of the capacity reserved for public users in row j.
    func accessShare(_ j: Int) -> Double { j <= accessRows ? 1 - merchantAfterAccess : 0 }

    /// The mean over row j of the price's age factor (1 − d)^a, exactly: the chips of the current
    /// generation age from their start a₀ = ((j − 1) mod L)/m to a₁ = a₀ + 1/m, and
    /// (1/Δ)∫ k^a da = (k^{a₁} − k^{a₀}) / (Δ ln k) (1 when d = 0).
    func meanAgeFactor(_ j: Int) -> Double {
        let a0 = Double((j - 1) % life) / md, a1 = a0 + 1 / md
        let k = 1 - p.revenue.priceDecline
        if k == 1 { return 1 }
        let logK = Double.log(k)
        return (Double.exp(a1 * logK) - Double.exp(a0 * logK)) / (logK / md)
    }

    /// The contracted share of the capacity for sale in row j: contract share × the part of the
    /// row inside the contract's tenor (exact, pro rata in the row where it ends).
    func contractedShare(_ j: Int) -> Double {
        let c = p.revenue.contract
        guard c.share > 0 else { return 0 }
        let a = Double(j - 1) / md, b = Double(j) / md
        return c.share * max(0, min(b, c.tenorYears) - a) * md
    }

    /// The capacity for sale in row j (after the public access time).
    func forSale(_ j: Int) -> Double { j <= accessRows ? merchantAfterAccess : 1 }

    /// The mean over row j of (1 − d)^age(t) · ramp(t), exactly (the product of the two means is
    /// not the mean of the product while the ramp runs). With k = 1 − d, age(t) = a₀ + t − t₀ and
    /// c = k^(a₀ − t₀): ∫ c kᵗ (t/R) dt = (c/R) kᵗ (t/ln k − 1/ln²k) on the ramp, ∫ c kᵗ dt = c kᵗ/ln k after it.
    func meanPriceRampFactor(_ j: Int) -> Double {
        let r = p.revenue.rampUpMonths / 12
        let t0 = Double(j - 1) / md, t1 = Double(j) / md
        if r <= t0 { return meanAgeFactor(j) }
        let a0 = Double((j - 1) % life) / md
        let k = 1 - p.revenue.priceDecline
        let mid = min(t1, r)
        var integral: Double
        if k == 1 {
            integral = (mid * mid - t0 * t0) / (2 * r) + (t1 - mid)
        } else {
            let lk = Double.log(k)
            let c = Double.exp((a0 - t0) * lk)
            func ramped(_ t: Double) -> Double { Double.exp(t * lk) * (t / lk - 1 / (lk * lk)) }
            func flat(_ t: Double) -> Double { Double.exp(t * lk) / lk }
            integral = c / r * (ramped(mid) - ramped(t0)) + c * (flat(t1) - flat(mid))
        }
        return integral * md
    }

    /// Merchant revenue of row j, EUR m: the uncontracted capacity for sale × utilisation × the
    /// mean of ramp-up × market price over the row.
    func merchantRevenue(_ j: Int, priceFactor: Double, utilisation u: Double) -> Double {
        let price = p.revenue.priceUSDPerGPUHour * meanPriceRampFactor(j) * priceFactor
        return p.capex.gpus * hours * forSale(j) * (1 - contractedShare(j)) * u * price / p.capex.usdPerEUR / 1e6
    }

    /// Take-or-pay contract revenue of row j, EUR m: contracted capacity × hours × contract price.
    func contractRevenue(_ j: Int) -> Double {
        let share = contractedShare(j)
        guard share > 0 else { return 0 }
        return p.capex.gpus * hours * forSale(j) * share * p.revenue.contract.priceUSDPerGPUHour / p.capex.usdPerEUR / 1e6
    }

    /// The Union's offtake payment of row j, EUR m.
    func offtake(_ j: Int) -> Double { j <= accessRows ? offtakePerRow : 0 }

    /// CFADS of row j before tax.
    func cfads(_ j: Int, priceFactor: Double, utilisation: Double, electricityFactor: Double) -> Double {
        merchantRevenue(j, priceFactor: priceFactor, utilisation: utilisation) + contractRevenue(j) + offtake(j)
            - energyBase * electricityFactor - staffMaintenance
    }
}

/// The cash-flow model of one gigafactory.
///
/// **Time.** Δ = 1/m years. Construction runs over [0, COD], COD = planned construction + delay
/// (any fraction of a year, never rounded): its rows are the calendar periods [(k − 1)Δ, kΔ] cut at
/// COD (the last may be a stub). Operation runs N_o = operating years · m rows [COD + (j − 1)Δ,
/// COD + jΔ] from the **actual** COD, so the chips age from their actual start. Interest per
/// period is the effective rate i = (1 + r)^Δ − 1 (r = base + margin, annual), so a year's
/// interest does not depend on m.
///
/// **Construction.** Spending base · (1 + overrun) · shock, the public money at close and the debt
/// D = gearing · base are spread in proportion to each row's length and dated at its middle:
/// B_k = B_{k−1}(1 + i)^{ℓ} + draw_k (1 + i)^{ℓ/2}, ℓ = row length / Δ (capitalised interest).
/// Equity pays the rest (so equity carries every overrun), and funds the debt-service reserve at
/// COD.
///
/// **Operation**, row j, with the public access share s_pub = (C_EU + C_MS)/base capex during the
/// access years (Reg. (EU) 2026/150, Art. 12b(12), (13), (15)(b); 0 without access):
///
///     price     = p₀ · mean over the row of (1 − d)^age · shock     (exact integral, USD per GPU-hour)
///     revenue   = GPUs · (8760/m) · (1 − s_pub) · [(1 − c_j) · u · ramp_j · price + c_j · contract price] / (USD per EUR) / 10⁶ + offtake
///     energy    = GPUs · kW · PUE · (8760/m) · EUR/kWh / 10⁶           (all GPUs: the opex is the consortium's, Art. 12b(5))
///     CFADS     = revenue − energy − staff/m − maintenance share · base / m − tax
///
/// with c_j the contracted share (``ProjectParameters/Contract``), ramp_j the mean ramp-up factor of
/// the row, and the tax of ``ProjectParameters/Tax`` (losses carried forward).
///
/// The offtake (``ProjectParameters/AccessMode/offtake``) pays the Union contribution C_EU in level
/// instalments over the access years instead of a grant at close.
///
/// Debt service from COD over n = tenor · m rows: annuity, equal principal, or sculpted to the
/// planned CFADS (constant planned DSCR; Yescombe 2014, §12.6); interest on the opening balance.
/// **Waterfall** each row: available = CFADS + reserve (+ locked-up cash); if available < debt service > 0
/// the project **defaults** (payment default after reserves; a shortfall in a row with nothing due is
/// funded by equity); else pay, refill the reserve to its target (the
/// scheduled debt service of the next `reserve_months`), distribute the rest to equity (refresh
/// capex, at the end of each chip life, is paid by equity). DSCR = CFADS / debt service; a DSCR
/// below the covenant is a breach. With a lock-up DSCR, a row whose trailing-twelve-month DSCR is
/// below it distributes nothing: the sweep share of the cash left prepays the debt (the remaining
/// schedule falls pro rata), the rest is held in a lock-up account (available for the next debt
/// service, released when the test passes again or at maturity). After the debt, equity takes
/// CFADS + the reserve + any locked cash.
///
/// **Completion** (``ProjectParameters/Completion``): equity pays overruns up to the contingency,
/// the lenders' standby facility the next part (added to the debt); an overrun beyond both is a
/// completion default at COD (the lenders pay it, add it to their claim and take the CFADS).
///
/// **Dating for NPV and IRR (mid-period convention).** Each row's flow is dated at the middle of
/// the row (flows spread over a period are, on average, received at its middle); the reserve
/// funded at COD and each refresh (at the start of its generation) are dated when they happen.
/// NPV and IRR then converge as the periods shorten instead of drifting with m.
///
/// Not modelled: working capital, refinancing, tax on grants, VAT.
public enum ProjectModel {
    /// Runs the project under `drivers` (``DriverPath/neutral`` for the deterministic case).
    public static func run(_ parameters: ProjectParameters, drivers: DriverPath = .neutral, recordRows: Bool = true) -> ProjectRun {
        let p = DebtSizer.fixed(parameters)
        let m = p.timeline.periodsPerYear
        let md = Double(m)
        let delta = 1 / md
        let limits = ProjectParameters.Limits.self
        let constructionYears = min(p.timeline.constructionYears, limits.maximumConstructionYears)
        let delayYears = min(max(0, p.capex.delayYears + drivers.delayShiftYears), limits.maximumDelayYears)
        let cod = constructionYears + delayYears
        let nc = max(1, Int((cod * md - 1e-9).rounded(.up)))
        let no = max(1, Int((min(p.timeline.operatingYears, limits.maximumOperatingYears) * md).rounded()))
        let n = min(no, max(1, Int((min(p.funding.debt.tenorYears, limits.maximumOperatingYears) * md).rounded())))
        let calendar = ProjectModel.calendarPeriods(p, delayShiftYears: drivers.delayShiftYears)
        let profile = OperatingProfile(p)
        let life = profile.life
        let total = nc + no
        let annualRate = p.funding.debt.rate + drivers.rateShift
        let growth = Double.pow(1 + max(annualRate, -0.99), delta)
        let i = growth - 1

        let base = p.capex.baseEURm
        let chips = p.capex.chipsEURm
        let spent = base * (1 + p.capex.overrun) * drivers.capexFactor
        let isGrant = p.funding.publicInstrument == .grant
        let publicMoney = (p.funding.access.mode == .offtake ? p.memberStateContributionEURm
                                                             : p.unionContributionEURm + p.memberStateContributionEURm)
        let debtCommitted = p.funding.debt.gearing * base
        let privateEquityAtClose = base - publicMoney - debtCommitted
        let publicEquityShare = isGrant ? 0 : (publicMoney + privateEquityAtClose > 0 ? publicMoney / (publicMoney + privateEquityAtClose) : 0)
        // Completion risk: equity pays overruns up to the contingency, the standby facility the
        // next part, the rest is unfunded (a completion default, when there are lenders to take over).
        let contingency = p.completion.contingencyShare
        let excess = contingency.isFinite ? max(0, spent - base * (1 + contingency)) : 0
        let standby = min(excess, max(0, p.completion.standbyShare) * base)
        let unfunded = debtCommitted + standby > 0 ? excess - standby : 0

        var rows: [PeriodRow] = []
        if recordRows { rows.reserveCapacity(total) }
        var equityFlows = [Double](repeating: 0, count: total)
        var projectFlows = [Double](repeating: 0, count: total)
        var times = [Double](repeating: 0, count: total)
        var dscrPath = [Double](repeating: .nan, count: calendar)
        // Flows at a point in time rather than spread over a row: the reserve funded at COD, each
        // refresh paid at the start of its chip generation.
        var pointEquity: [Double] = [], pointProject: [Double] = [], pointTimes: [Double] = []

        // Construction.
        var balance = 0.0
        for k in 1...nc {
            let start = Double(k - 1) * delta, end = k == nc ? cod : Double(k) * delta
            let share = cod > 0 ? (end - start) / cod : 1
            let length = (end - start) / delta
            let spend = spent * share, standbyDraw = standby * share, draw = debtCommitted * share + standbyDraw
            let grant = isGrant ? publicMoney * share : 0
            let interest = balance * (Double.pow(growth, length) - 1) + draw * (Double.pow(growth, length / 2) - 1)
            balance += interest + draw
            let equityIn = spend - unfunded * share - draw - grant
            equityFlows[k - 1] = -equityIn
            projectFlows[k - 1] = -spend
            times[k - 1] = 0.5 * (start + end)
            if recordRows {
                var row = PeriodRow(period: k, phase: .construction)
                row.start = start
                row.end = end
                row.capex = spend
                row.grants = grant
                row.debtDrawn = draw
                row.standbyDrawn = standbyDraw
                row.interest = interest
                row.equity = -equityIn
                row.debtBalance = balance
                row.projectCashFlow = -spend
                rows.append(row)
            }
        }
        let debtAtCOD = balance

        // The scheduled debt service from COD.
        var schedule = [Double](repeating: 0, count: n + 2)   // schedule[j] = debt service of operating row j (1-based)
        var scheduledPrincipal = [Double](repeating: 0, count: n + 1)
        do {
            var b = debtAtCOD
            let annuity = CashFlowMath.annuityPayment(principal: debtAtCOD, ratePerPeriod: i, periods: n)
            // Sculpting: DS_j = κ · max(planned CFADS_j, 0), κ = B / Σ max(planned CFADS_j, 0)(1 + i)^(−j), so that
            // the planned DSCR is 1/κ in every period; "planned" = these parameters with no driver shock (the case
            // at financial close). Without any positive planned CFADS it falls back to equal principal.
            var sculpt: [Double] = []
            if p.funding.debt.amortisation == .sculpted {
                var planned = p.funding.debt.plannedCFADS ?? []
                if planned.count != n { planned = plannedCFADS(p) }
                sculpt = [0] + planned.prefix(n).map { max($0, 0) }
                while sculpt.count < n + 1 { sculpt.append(0) }
                var pv = 0.0
                for j in 1...n { pv += sculpt[j] * Double.pow(1 + i, -Double(j)) }
                sculpt = pv > 0 ? sculpt.map { $0 * debtAtCOD / pv } : []
            }
            for j in 1...n {
                let interest = b * i
                var principal: Double
                switch p.funding.debt.amortisation {
                case .annuity: principal = annuity - interest
                case .linear: principal = debtAtCOD / Double(n)
                case .sculpted: principal = sculpt.isEmpty ? debtAtCOD / Double(n) : sculpt[j] - interest
                }
                if j == n { principal = b }
                scheduledPrincipal[j] = principal
                schedule[j] = interest + principal
                b -= principal
            }
        }
        // The reserve target after row j: the scheduled debt service of the next h = months·m/12
        // rows, the last one pro rata.
        let horizon = min(max(p.funding.debt.reserveMonths, 0), limits.maximumReserveMonths) * md / 12
        func reserveTarget(after j: Int) -> Double {
            var s = 0.0, left = horizon, q = j + 1
            while left > 1e-12 && q <= n {
                s += schedule[q] * min(1, left)
                left -= 1
                q += 1
            }
            return s
        }

        // Operation.
        var defaultPeriod: Int?, defaultYear: Double?
        var breach: Int?, breachYear: Double?
        var minDSCR: Double?
        var claim = 0.0, recovered = 0.0, offtakePaid = 0.0
        var defaultGenerationEnd = 0, defaultJ = 0
        var reserve = 0.0
        if unfunded > 0 {
            // Completion default: the lenders pay the unfunded overrun, take the project at COD and
            // recover the CFADS of the first chip life; no reserve is funded.
            defaultPeriod = nc
            defaultYear = cod
            defaultGenerationEnd = min(no, life)
            claim = debtAtCOD + unfunded
        } else {
            reserve = reserveTarget(after: 0)
            pointEquity.append(-reserve)
            pointProject.append(0)
            pointTimes.append(cod)
            if recordRows {
                rows[nc - 1].reserve = reserve
                rows[nc - 1].equity -= reserve
            }
        }
        // Tax: straight-line depreciation of the chips over their life (each refresh over its own)
        // and of the facility over its life; losses carried forward.
        let taxRate = p.tax.rate
        let chipsSpent = base > 0 ? spent * chips / base : 0
        let facilitySpent = spent - chipsSpent
        let facilityLife = max(p.tax.facilityLifeYears, 1e-9)
        var lossCarried = 0.0, taxPaid = 0.0
        // The lock-up test: trailing twelve months' CFADS and debt service.
        var cfadsHistory: [Double] = [], serviceHistory: [Double] = []
        var locked = 0.0, prepaid = 0.0, lockUpRows = 0
        var repaidEarly = false
        for j in 1...no {
            let t = nc + j
            let start = cod + Double(j - 1) * delta, end = cod + Double(j) * delta
            // The calendar period of financial close that contains the row's end (the drivers' clock).
            let c = min(max(Int((end * md - 1e-9).rounded(.up)), 1), calendar) - 1
            let generation = (j - 1) / life
            let refresh = generation >= 1 && (j - 1) % life == 0 ? chips * p.revenue.refreshCostFactor : 0
            let u = DriverPath.utilisation(p.revenue.utilisation, shift: drivers.utilisationShift?[c] ?? 0)
            let merchant = profile.merchantRevenue(j, priceFactor: drivers.priceFactor?[c] ?? 1, utilisation: u)
            let contract = profile.contractRevenue(j)
            let offtake = profile.offtake(j)
            offtakePaid += offtake
            let revenue = merchant + contract + offtake
            let energy = profile.energyBase * (drivers.electricityFactor?[c] ?? 1)
            let preTax = revenue - energy - profile.staffMaintenance
            let servicing = defaultPeriod == nil && j <= n && !repaidEarly
            var tax = 0.0
            if taxRate > 0 {
                let generationCost = generation == 0 ? chipsSpent : chips * p.revenue.refreshCostFactor
                let a = Double(j - 1) * delta, b = Double(j) * delta
                let depreciation = generationCost / Double(life) + facilitySpent * max(0, min(b, facilityLife) - a) / facilityLife
                let taxable = preTax - (servicing ? balance * i : 0) - depreciation
                if taxable < 0 {
                    lossCarried -= taxable
                } else {
                    let used = min(lossCarried, taxable)
                    lossCarried -= used
                    tax = taxRate * (taxable - used)
                }
                taxPaid += tax
            }
            let cfads = preTax - tax
            projectFlows[t - 1] = cfads
            times[t - 1] = 0.5 * (start + end)
            var refreshByEquity = 0.0

            var row = PeriodRow(period: t, phase: .operation)
            row.start = start
            row.end = end
            row.capex = refresh
            row.offtake = offtake
            row.contractRevenue = contract
            row.publicAccessShare = profile.accessShare(j)
            row.revenue = revenue
            row.energy = energy
            row.staffAndMaintenance = profile.staffMaintenance
            row.tax = tax
            row.cfads = cfads
            row.projectCashFlow = cfads - refresh

            if defaultPeriod != nil {
                // Lenders in control: the positive CFADS until the current chips' end of life.
                if j <= defaultGenerationEnd {
                    let cash = max(cfads, 0)
                    recovered += cash * Double.pow(1 + i, -Double(j - defaultJ))
                    row.lenderRecovery = cash
                }
            } else if servicing {
                let interest = balance * i
                let principal = j == n ? balance : scheduledPrincipal[j]
                let service = interest + principal
                let available = cfads + reserve + locked
                let dscr = cfads / service
                row.interest = interest
                row.principal = principal
                row.debtService = service
                row.dscr = dscr
                dscrPath[c] = dscr
                minDSCR = min(minDSCR ?? dscr, dscr)
                if breach == nil && dscr < p.funding.debt.covenantDSCR { breach = t; breachYear = end }
                if available < service && service > 0 {
                    defaultPeriod = t
                    defaultYear = end
                    defaultJ = j
                    defaultGenerationEnd = min(no, (generation + 1) * life)
                    claim = balance + interest
                    recovered = max(available, 0)
                    row.lenderRecovery = recovered
                    row.principal = 0
                    row.reserve = 0
                    row.debtBalance = balance
                    reserve = 0
                    locked = 0
                } else {
                    balance -= principal
                    // A shortfall in a row with nothing due (a sculpted row planned at zero CFADS)
                    // is not a payment default: equity funds it (a negative distribution).
                    let rest = available - service
                    reserve = max(0, min(reserveTarget(after: j), rest))
                    var free = rest - reserve
                    locked = 0
                    cfadsHistory.append(cfads)
                    serviceHistory.append(service)
                    if let lockUp = p.funding.debt.lockUpDSCR, j < n {
                        let k = min(m, cfadsHistory.count)
                        let trailing = cfadsHistory.suffix(k).reduce(0, +) / serviceHistory.suffix(k).reduce(0, +)
                        if trailing < lockUp {
                            lockUpRows += 1
                            let sweep = min(balance, max(0, p.funding.debt.sweepShare * free))
                            if sweep > 0 && balance > 0 {
                                let ratio = (balance - sweep) / balance
                                for q in (j + 1)...n {
                                    scheduledPrincipal[q] *= ratio
                                    schedule[q] *= ratio
                                }
                                balance -= sweep
                                prepaid += sweep
                                free -= sweep
                                row.sweep = sweep
                                if balance <= 1e-9 * max(1, debtAtCOD) { repaidEarly = true; balance = 0 }
                            }
                            if repaidEarly {
                                free += reserve
                                reserve = 0
                            } else {
                                locked = max(free, 0)
                                free -= locked
                            }
                        }
                    }
                    equityFlows[t - 1] = free
                    refreshByEquity = refresh
                    row.reserve = reserve
                    row.lockedUp = locked
                    row.debtBalance = balance
                }
            } else {
                equityFlows[t - 1] = cfads + reserve + locked
                refreshByEquity = refresh
                reserve = 0
                locked = 0
            }
            if refresh > 0 {
                pointEquity.append(-refreshByEquity)
                pointProject.append(-refresh)
                pointTimes.append(start)
            }
            row.equity = equityFlows[t - 1] - refreshByEquity
            if recordRows { rows.append(row) }
        }

        let lenderLoss = defaultPeriod == nil ? 0 : min(debtCommitted + standby + unfunded, max(0, claim - recovered))
        var invested = 0.0, received = 0.0
        for f in equityFlows + pointEquity { if f < 0 { invested -= f } else { received += f } }
        let allTimes = times + pointTimes
        var result = ProjectRun(
            rows: rows, periodsPerYear: m, constructionPeriods: nc, commercialOperationYear: cod, capexSpent: spent,
            publicMoney: publicMoney, debtCommitted: debtCommitted, debtAtCOD: debtAtCOD, publicEquityShare: publicEquityShare,
            defaultPeriod: defaultPeriod, covenantBreachPeriod: breach, defaultYear: defaultYear, covenantBreachYear: breachYear,
            offtakePaid: offtakePaid, minimumDSCR: minDSCR, dscrPath: dscrPath,
            equityIRR: CashFlowMath.irr(flows: equityFlows + pointEquity, times: allTimes),
            projectNPV: CashFlowMath.npv(rate: p.timeline.discountRate, flows: projectFlows + pointProject, times: allTimes),
            lenderLoss: lenderLoss, equityInvested: invested, equityReceived: received)
        result.standbyDrawn = standby
        result.unfundedOverrun = unfunded
        result.taxPaid = taxPaid
        result.prepaid = prepaid
        result.lockUpPeriods = lockUpRows
        return result
    }

    /// The number of calendar periods (of financial close) a run spans: ⌈(COD + operation)·m⌉,
    /// COD = construction + the delay with `delayShiftYears` added (floored at 0, capped at
    /// ``ProjectParameters/Limits/maximumDelayYears``). The driver paths have this length.
    public static func calendarPeriods(_ p: ProjectParameters, delayShiftYears: Double = 0) -> Int {
        let limits = ProjectParameters.Limits.self
        let md = Double(p.timeline.periodsPerYear)
        let delay = min(max(0, p.capex.delayYears + delayShiftYears), limits.maximumDelayYears)
        let cod = min(p.timeline.constructionYears, limits.maximumConstructionYears) + delay
        let no = max(1, Int((min(p.timeline.operatingYears, limits.maximumOperatingYears) * md).rounded()))
        return max(1, Int((cod * md - 1e-9).rounded(.up))) + no
    }
}
