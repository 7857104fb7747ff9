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
    /// Calendar period from financial close, 1-based; it ends at period/m years.
    public var period: Int
    /// Construction or operation.
    public var phase: Phase
    /// Construction spending, or the chip refresh in operation.
    public var capex: Double = 0
    /// Public grants received (construction).
    public var grants: Double = 0
    /// Senior debt drawn (construction).
    public var debtDrawn: Double = 0
    /// Revenue = GPUs · hours · utilisation · price(USD) / (USD per EUR).
    public var revenue: Double = 0
    /// Energy = GPUs · kW · PUE · hours · EUR/kWh.
    public var energy: Double = 0
    /// Staff + maintenance.
    public var staffAndMaintenance: Double = 0
    /// Cash flow available for debt service = revenue − energy − staff and maintenance.
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
    /// Construction periods including the delay.
    public var constructionPeriods: Int
    /// Capex actually spent in construction (base · (1 + overrun) · shock), EUR m.
    public var capexSpent: Double
    /// Public money (grants or public equity at close), EUR m.
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
    /// The smallest DSCR over the debt-service periods run (nil without debt service).
    public var minimumDSCR: Double?
    /// The DSCR of every period (NaN where no debt is serviced), recorded even without `rows`.
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

    /// Equity loss max(0, invested − received), all equity holders, EUR m nominal.
    public var equityLoss: Double { max(0, equityInvested - equityReceived) }
    /// Whether the project defaulted on its debt.
    public var defaulted: Bool { defaultPeriod != nil }
}

extension ProjectModel {
    /// The planned CFADS of operating periods 1…n (n = tenor · m): the unshocked revenue − energy −
    /// staff and maintenance, with the parameters' own delay; what sculpted debt is shaped to.
    public static func plannedCFADS(_ p: ProjectParameters) -> [Double] {
        let md = Double(p.timeline.periodsPerYear)
        let n = Int((p.funding.debt.tenorYears * md).rounded())
        let life = Int((p.revenue.chipLifeYears * md).rounded())
        let delay = p.capex.delayYears > 0 ? Int((p.capex.delayYears * md - 1e-9).rounded(.up)) : 0
        let hours = p.hoursPerPeriod
        let staffMaintenance = p.opex.staffEURmPerYear / md + p.opex.maintenanceShare * p.capex.baseEURm / md
        let energy = p.capex.gpus * p.opex.powerPerGPUkW * p.opex.pue * hours * p.opex.electricityEURPerKWh / 1e6
        return (1...max(n, 1)).map { j in
            let generation = (j - 1) / life
            let age = generation == 0 ? Double(delay + j - 1) / md : Double(j - 1 - generation * life) / md
            let price = p.revenue.priceUSDPerGPUHour * Double.pow(1 - p.revenue.priceDecline, age)
            let revenue = p.capex.gpus * hours * p.revenue.utilisation * price / p.capex.usdPerEUR / 1e6
            return revenue - energy - staffMaintenance
        }
    }
}

/// The cash-flow model of one gigafactory.
///
/// **Construction** (periods 1…N_c + delay): spending of base · (1 + overrun) spread evenly;
/// the debt D = gearing · base and the public money s_pub · base are drawn evenly; equity pays
/// the rest (so equity carries every overrun). Interest accrues on the opening balance and is
/// capitalised: B_t = B_{t−1}(1 + i) + D/N, i = (base rate + margin)/m. Equity also funds the
/// debt-service reserve at COD (the scheduled debt service of the next k periods).
///
/// **Operation** (N_o periods after the actual COD): with a = age of the installed chips in years
/// (the first chips age from the *planned* COD, so a delay costs price; each refresh resets a),
///
///     price     = p₀ (1 − d)^a · shock                      (USD per GPU-hour)
///     revenue   = GPUs · (8760/m) · u · price / (USD per EUR) / 10⁶
///     energy    = GPUs · kW · PUE · (8760/m) · EUR/kWh / 10⁶
///     CFADS     = revenue − energy − staff/m − maintenance share · base / m
///
/// Debt service from COD over n = tenor · m periods: annuity A = B·i/(1 − (1 + i)^(−n)), equal
/// principal B/n, or sculpted to the planned CFADS (constant planned DSCR; Yescombe 2014, §12.6);
/// interest on the opening balance. **Waterfall** each period: available =
/// CFADS + reserve; if available < debt service the project **defaults** (payment default after
/// reserves); else pay, refill the reserve to its target, distribute the rest to equity (refresh
/// capex, at the end of each chip life, is paid by equity). DSCR = CFADS / debt service; a DSCR
/// below the covenant is recorded as a breach (no cash trap: with a lock-up, default would no
/// longer be monotone in costs path by path). After the debt, equity takes CFADS + the released reserve.
///
/// Not modelled: taxes, working capital, ramp-up, a cash sweep or lock-up, refinancing.
public enum ProjectModel {
    /// Runs the project under `drivers` (``DriverPath/neutral`` for the deterministic case).
    public static func run(_ p: ProjectParameters, drivers: DriverPath = .neutral, recordRows: Bool = true) -> ProjectRun {
        let m = p.timeline.periodsPerYear
        let md = Double(m)
        let hours = p.hoursPerPeriod
        let nc = Int((p.timeline.constructionYears * md).rounded())
        let delayYears = max(0, p.capex.delayYears + drivers.delayShiftYears)
        let delayPeriods = delayYears > 0 ? Int((delayYears * md - 1e-9).rounded(.up)) : 0
        let ncp = nc + delayPeriods
        let no = Int((p.timeline.operatingYears * md).rounded())
        let n = Int((p.funding.debt.tenorYears * md).rounded())
        let life = Int((p.revenue.chipLifeYears * md).rounded())
        let k = p.funding.debt.reservePeriods
        let total = ncp + no
        let i = (p.funding.debt.rate + drivers.rateShift) / md

        let base = p.capex.baseEURm
        let chips = p.capex.chipsEURm
        let spent = base * (1 + p.capex.overrun) * drivers.capexFactor
        let publicMoney = p.funding.publicShare * base
        let isGrant = p.funding.publicInstrument == .grant
        let debtCommitted = p.funding.debt.gearing * base
        let privateEquityAtClose = base - publicMoney - debtCommitted
        let publicEquityShare = isGrant ? 0 : (publicMoney + privateEquityAtClose > 0 ? publicMoney / (publicMoney + privateEquityAtClose) : 0)

        var rows: [PeriodRow] = []
        if recordRows { rows.reserveCapacity(total) }
        var equityFlows = [Double](repeating: 0, count: total)
        var projectFlows = [Double](repeating: 0, count: total)
        var dscrPath = [Double](repeating: .nan, count: total)

        // Construction.
        var balance = 0.0
        let spendPerPeriod = spent / Double(ncp)
        let drawPerPeriod = debtCommitted / Double(ncp)
        let grantPerPeriod = isGrant ? publicMoney / Double(ncp) : 0
        for t in 1...ncp {
            let interest = balance * i
            balance = balance + interest + drawPerPeriod
            let equityIn = spendPerPeriod - drawPerPeriod - grantPerPeriod
            equityFlows[t - 1] = -equityIn
            projectFlows[t - 1] = -spendPerPeriod
            if recordRows {
                var row = PeriodRow(period: t, phase: .construction)
                row.capex = spendPerPeriod
                row.grants = grantPerPeriod
                row.debtDrawn = drawPerPeriod
                row.interest = interest
                row.equity = -equityIn
                row.debtBalance = balance
                row.projectCashFlow = -spendPerPeriod
                rows.append(row)
            }
        }
        let debtAtCOD = balance

        let u0 = p.revenue.utilisation
        let priceBase = p.revenue.priceUSDPerGPUHour
        let keep = 1 - p.revenue.priceDecline
        let staffMaintenance = p.opex.staffEURmPerYear / md + p.opex.maintenanceShare * base / md
        let energyBase = p.capex.gpus * p.opex.powerPerGPUkW * p.opex.pue * hours * p.opex.electricityEURPerKWh / 1e6

        // The scheduled debt service from COD.
        var schedule = [Double](repeating: 0, count: n + k + 1)   // schedule[j] = debt service of operating period j (1-based)
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
                sculpt = [0] + planned.map { max($0, 0) }
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
        func reserveTarget(after j: Int) -> Double {
            var s = 0.0
            if k > 0 { for q in (j + 1)...(j + k) where q <= n { s += schedule[q] } }
            return s
        }
        var reserve = reserveTarget(after: 0)
        equityFlows[ncp - 1] -= reserve
        if recordRows {
            rows[ncp - 1].reserve = reserve
            rows[ncp - 1].equity -= reserve
        }

        // Operation.
        var defaultPeriod: Int?
        var breach: Int?
        var minDSCR: Double?
        var claim = 0.0, recovered = 0.0
        var defaultGenerationEnd = 0, defaultJ = 0
        for j in 1...no {
            let t = ncp + j
            let generation = (j - 1) / life
            let age = generation == 0 ? Double(delayPeriods + j - 1) / md : Double(j - 1 - generation * life) / md
            let refresh = generation >= 1 && (j - 1) % life == 0 ? chips * p.revenue.refreshCostFactor : 0
            let price = priceBase * Double.pow(keep, age) * (drivers.priceFactor?[t - 1] ?? 1)
            let u = DriverPath.utilisation(u0, shift: drivers.utilisationShift?[t - 1] ?? 0)
            let revenue = p.capex.gpus * hours * u * price / p.capex.usdPerEUR / 1e6
            let energy = energyBase * (drivers.electricityFactor?[t - 1] ?? 1)
            let cfads = revenue - energy - staffMaintenance
            projectFlows[t - 1] = cfads - refresh

            var row = PeriodRow(period: t, phase: .operation)
            row.capex = refresh
            row.revenue = revenue
            row.energy = energy
            row.staffAndMaintenance = staffMaintenance
            row.cfads = cfads
            row.projectCashFlow = cfads - refresh

            if defaultPeriod != nil {
                // Lenders in control: the positive CFADS until the current chips' end of life.
                if j <= defaultGenerationEnd {
                    let cash = max(cfads, 0)
                    recovered += cash * Double.pow(1 + i, -Double(j - defaultJ))
                    row.lenderRecovery = cash
                }
            } else if j <= n {
                let interest = balance * i
                let principal = scheduledPrincipal[j]
                let service = interest + principal
                let available = cfads + reserve
                let dscr = cfads / service
                row.interest = interest
                row.principal = principal
                row.debtService = service
                row.dscr = dscr
                dscrPath[t - 1] = dscr
                minDSCR = min(minDSCR ?? dscr, dscr)
                if breach == nil && dscr < p.funding.debt.covenantDSCR { breach = t }
                if available < service {
                    defaultPeriod = t
                    defaultJ = j
                    defaultGenerationEnd = min(no, (generation + 1) * life)
                    claim = balance + interest
                    recovered = max(available, 0)
                    row.lenderRecovery = recovered
                    row.principal = 0
                    row.reserve = 0
                    row.debtBalance = balance
                    reserve = 0
                } else {
                    balance -= principal
                    let rest = available - service
                    reserve = min(reserveTarget(after: j), rest)
                    equityFlows[t - 1] = rest - reserve - refresh
                    row.reserve = reserve
                    row.debtBalance = balance
                }
            } else {
                equityFlows[t - 1] = cfads + reserve - refresh
                reserve = 0
            }
            row.equity = equityFlows[t - 1]
            if recordRows { rows.append(row) }
        }

        let lenderLoss = defaultPeriod == nil ? 0 : min(debtCommitted, max(0, claim - recovered))
        var invested = 0.0, received = 0.0
        for f in equityFlows { if f < 0 { invested -= f } else { received += f } }
        return ProjectRun(
            rows: rows, periodsPerYear: m, constructionPeriods: ncp, capexSpent: spent, publicMoney: publicMoney,
            debtCommitted: debtCommitted, debtAtCOD: debtAtCOD, publicEquityShare: publicEquityShare,
            defaultPeriod: defaultPeriod, covenantBreachPeriod: breach, minimumDSCR: minDSCR, dscrPath: dscrPath,
            equityIRR: CashFlowMath.irr(flows: equityFlows, periodsPerYear: m),
            projectNPV: CashFlowMath.npv(rate: p.timeline.discountRate, flows: projectFlows, periodsPerYear: m),
            lenderLoss: lenderLoss, equityInvested: invested, equityReceived: received)
    }
}
