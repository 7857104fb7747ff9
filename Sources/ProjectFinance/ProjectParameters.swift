/// The deterministic description of one AI gigafactory project: timeline, capex, revenue, opex
/// and the financing. Money in **EUR m** unless a name says otherwise (`…USD`); rates and shares
/// are fractions; durations in years. Field groups mirror the `project:` section of a model file.
public struct ProjectParameters: Sendable, Equatable {
    /// Periods and horizon.
    public struct Timeline: Sendable, Equatable {
        /// m: 1 (yearly), 2, 4 (quarterly) or 12 periods a year.
        public var periodsPerYear: Int
        /// Planned construction, years (a whole number of periods).
        public var constructionYears: Double
        /// Operation after the commercial operation date (COD), years (whole periods).
        public var operatingYears: Double
        /// Effective annual discount rate of the project NPV.
        public var discountRate: Double

        /// A timeline (see the properties for units).
        public init(periodsPerYear: Int, constructionYears: Double, operatingYears: Double, discountRate: Double) {
            self.periodsPerYear = periodsPerYear
            self.constructionYears = constructionYears
            self.operatingYears = operatingYears
            self.discountRate = discountRate
        }
    }

    /// Capital expenditure.
    public struct Capex: Sendable, Equatable {
        /// Number of GPUs (accelerators).
        public var gpus: Double
        /// All-in cost per GPU in USD (card, server share, networking).
        public var chipUnitCostUSD: Double
        /// The EUR/USD rate: USD per 1 EUR (GPU prices are quoted in USD).
        public var usdPerEUR: Double
        /// Facility and power infrastructure, EUR m.
        public var facilityEURm: Double
        /// Cost overrun as a share of the base capex (0.2 = +20 %).
        public var overrun: Double
        /// Construction delay, years (any fraction: the commercial operation date moves by exactly
        /// this much; at most ``ProjectParameters/Limits/maximumDelayYears``).
        public var delayYears: Double

        /// Capex terms; overrun and delay default to none.
        public init(gpus: Double, chipUnitCostUSD: Double, usdPerEUR: Double, facilityEURm: Double, overrun: Double = 0, delayYears: Double = 0) {
            self.gpus = gpus
            self.chipUnitCostUSD = chipUnitCostUSD
            self.usdPerEUR = usdPerEUR
            self.facilityEURm = facilityEURm
            self.overrun = overrun
            self.delayYears = delayYears
        }

        /// Chips: gpus · unit cost / (USD per EUR) / 10⁶, EUR m.
        public var chipsEURm: Double { gpus * chipUnitCostUSD / usdPerEUR / 1e6 }
        /// Base capex (chips + facility), EUR m, before overrun.
        public var baseEURm: Double { chipsEURm + facilityEURm }
        /// The computing infrastructure's capex (GPUs with their servers and network), EUR m: the
        /// base of the Union's share under Reg. (EU) 2026/150, Art. 12b(5).
        public var computingInfrastructureEURm: Double { chipsEURm }
    }

    /// Revenue.
    public struct Revenue: Sendable, Equatable {
        /// Price per GPU-hour of new chips, USD.
        public var priceUSDPerGPUHour: Double
        /// Annual decline of the price with the chips' age: p(a) = p₀ (1 − d)^a.
        public var priceDecline: Double
        /// Share of GPU-hours sold.
        public var utilisation: Double
        /// Depreciation life of the chips, years; they are replaced at its end (whole periods).
        public var chipLifeYears: Double
        /// Cost of a refresh as a multiple of the initial chip capex.
        public var refreshCostFactor: Double
        /// Months from COD to full utilisation: the merchant utilisation ramps linearly from 0 at
        /// COD to u after this many months (0: full from COD). The ramp factor of a row is its exact
        /// mean over the row, so a year's revenue does not depend on the period length.
        public var rampUpMonths: Double
        /// The capacity sold under a take-or-pay offtake contract (``Contract/none``: all merchant).
        public var contract: Contract

        /// Revenue terms; no ramp-up and no contract unless given.
        public init(priceUSDPerGPUHour: Double, priceDecline: Double, utilisation: Double, chipLifeYears: Double, refreshCostFactor: Double,
                    rampUpMonths: Double = 0, contract: Contract = .none) {
            self.priceUSDPerGPUHour = priceUSDPerGPUHour
            self.priceDecline = priceDecline
            self.utilisation = utilisation
            self.chipLifeYears = chipLifeYears
            self.refreshCostFactor = refreshCostFactor
            self.rampUpMonths = rampUpMonths
            self.contract = contract
        }
    }

    /// Contracted revenue: a share of the capacity for sale (after any public access time) is sold
    /// to a private offtaker under a **take-or-pay** contract at a fixed price from COD for the
    /// contract's tenor; it is paid whatever the market price and the utilisation (no ramp-up, no
    /// age decline). After the tenor that capacity is merchant again. The contracted share of a row
    /// that straddles the tenor's end is pro rata (exact, so results do not depend on the period length).
    public struct Contract: Sendable, Equatable {
        /// Share of the capacity for sale that is contracted, in [0, 1].
        public var share: Double
        /// The contract price, USD per GPU-hour.
        public var priceUSDPerGPUHour: Double
        /// Years from COD the contract runs.
        public var tenorYears: Double

        /// A contract.
        public init(share: Double, priceUSDPerGPUHour: Double, tenorYears: Double) {
            self.share = share
            self.priceUSDPerGPUHour = priceUSDPerGPUHour
            self.tenorYears = tenorYears
        }

        /// No contract: everything merchant.
        public static let none = Contract(share: 0, priceUSDPerGPUHour: 0, tenorYears: 0)
    }

    /// Corporate income tax: taxable income = CFADS before tax − interest paid − depreciation;
    /// losses are carried forward without limit of time and set against later profits; tax =
    /// rate · max(0, taxable income − losses carried forward), paid in the row it arises. Capex is
    /// depreciated straight-line: the chips (and each refresh) over the chip life, the facility
    /// over ``facilityLifeYears``; both from COD (the refresh from its start). Capitalised
    /// construction interest is neither depreciated nor deducted, and grants do not reduce the
    /// depreciable base (the tool's simplifications, conservative on the first and generous on
    /// the second). The lenders' CFADS is after tax.
    public struct Tax: Sendable, Equatable {
        /// The statutory rate of the site's country, a fraction (0: no tax).
        public var rate: Double
        /// Depreciation life of the facility (building, power, cooling), years.
        public var facilityLifeYears: Double

        /// Tax terms.
        public init(rate: Double, facilityLifeYears: Double) {
            self.rate = rate
            self.facilityLifeYears = facilityLifeYears
        }

        /// No tax (the model before tax was added).
        public static let none = Tax(rate: 0, facilityLifeYears: 20)
    }

    /// Completion risk: who pays a capex overrun. Equity pays overruns up to the **contingency**
    /// (a share of the base capex); above it the lenders' **standby facility** funds up to its own
    /// share of the base capex (drawn pro rata with the spending, added to the senior debt and
    /// repaid with it); what is left unfunded is a **completion default**: the lenders take the
    /// project over at COD, pay the rest of the capex themselves (added to their claim) and recover
    /// the CFADS of the first chip life like after any default. (Yescombe 2014, §9.5 and §14.4:
    /// contingency and standby finance; the split is the model's input, stated in the tables.)
    public struct Completion: Sendable, Equatable {
        /// Overruns equity pays, as a share of the base capex (`.infinity`: all of them).
        public var contingencyShare: Double
        /// The lenders' standby facility, as a share of the base capex.
        public var standbyShare: Double

        /// Completion terms.
        public init(contingencyShare: Double, standbyShare: Double) {
            self.contingencyShare = contingencyShare
            self.standbyShare = standbyShare
        }

        /// Equity pays every overrun (the model before completion risk was added).
        public static let equityPaysAll = Completion(contingencyShare: .infinity, standbyShare: 0)
    }

    /// Operating costs.
    public struct Opex: Sendable, Equatable {
        /// IT power per GPU including its server and network share, kW.
        public var powerPerGPUkW: Double
        /// Power usage effectiveness (facility power / IT power), ≥ 1.
        public var pue: Double
        /// Electricity price, EUR per kWh.
        public var electricityEURPerKWh: Double
        /// Staff, EUR m a year.
        public var staffEURmPerYear: Double
        /// Maintenance as a share of base capex a year.
        public var maintenanceShare: Double

        /// Opex terms.
        public init(powerPerGPUkW: Double, pue: Double, electricityEURPerKWh: Double, staffEURmPerYear: Double, maintenanceShare: Double) {
            self.powerPerGPUkW = powerPerGPUkW
            self.pue = pue
            self.electricityEURPerKWh = electricityEURPerKWh
            self.staffEURmPerYear = staffEURmPerYear
            self.maintenanceShare = maintenanceShare
        }
    }

    /// How the debt is repaid.
    public enum Amortisation: String, Sendable, CaseIterable {
        /// Level debt service A = B·i/(1 − (1 + i)^(−n)).
        case annuity
        /// Equal principal B/n each period, interest on the outstanding balance.
        case linear
        /// Debt service proportional to the planned CFADS (no shocks), DS_j = κ·CFADS_j with
        /// κ = B / Σ CFADS_j (1 + i)^(−j): a constant planned DSCR of 1/κ.
        case sculpted
    }

    /// Senior debt.
    public struct Debt: Sendable, Equatable {
        /// Debt as a share of the base capex, drawn pro rata with the spending; with a ``sizing``
        /// rule, the **maximum** gearing (the debt is the smaller of it and the DSCR-sized debt).
        public var gearing: Double
        /// Size the debt to a target DSCR on a haircut base case (nil: the gearing is the input).
        public var sizing: DebtSizing?
        /// Tenor from COD, years (whole periods); repayment starts at the actual COD.
        public var tenorYears: Double
        /// Base interest rate (annual, nominal).
        public var baseRate: Double
        /// Credit margin over the base rate.
        public var margin: Double
        /// Repayment profile.
        public var amortisation: Amortisation
        /// The debt-service reserve account (DSRA) holds the scheduled debt service of the next
        /// this many **months** (6 is the usual target; Yescombe 2014, §12.4.2), whatever the
        /// period length: with m periods a year it is the next (months · m / 12) periods, the last
        /// one pro rata.
        public var reserveMonths: Double
        /// DSCR covenant: a period with CFADS/debt service below it is a covenant breach.
        public var covenantDSCR: Double
        /// For ``Amortisation/sculpted``: the planned CFADS of operating periods 1…n the debt is
        /// sculpted to; nil = these parameters' own unshocked profile (``ProjectModel/plannedCFADS(_:)``).
        /// A stress test fixes it at the **base case**, because a stress hits after financial close.
        public var plannedCFADS: [Double]?
        /// Distribution lock-up: when the trailing twelve months' DSCR (Σ CFADS / Σ debt service over
        /// the last 12 months of operation, or since COD if shorter) is below this, nothing is
        /// distributed to equity in the row (nil: no lock-up). Yescombe 2014, §14.4.3.
        public var lockUpDSCR: Double?
        /// Cash sweep: in a locked-up row, this share of the cash left after debt service and the
        /// reserve prepays the senior debt (the remaining scheduled principal falls pro rata); the
        /// rest stays in a lock-up account, counts towards the next debt service, and is released to
        /// equity in the first row that passes the test again (or when the debt is repaid).
        public var sweepShare: Double
        /// The CFADS case the ``sizing`` rule uses when its basis is simulated (P50/P90 of the
        /// simulated CFADS of operating rows 1…n); set by ``StressModel/sizedOnSimulation(paths:seed:threads:)``.
        /// nil: the planned case stands in for it.
        public var sizingCFADS: [Double]?

        /// Debt terms.
        public init(gearing: Double, tenorYears: Double, baseRate: Double, margin: Double, amortisation: Amortisation,
                    reserveMonths: Double, covenantDSCR: Double, sizing: DebtSizing? = nil, lockUpDSCR: Double? = nil, sweepShare: Double = 0) {
            self.sizing = sizing
            self.lockUpDSCR = lockUpDSCR
            self.sweepShare = sweepShare
            self.gearing = gearing
            self.tenorYears = tenorYears
            self.baseRate = baseRate
            self.margin = margin
            self.amortisation = amortisation
            self.reserveMonths = reserveMonths
            self.covenantDSCR = covenantDSCR
        }

        /// All-in annual rate: base + margin.
        public var rate: Double { baseRate + margin }
    }

    /// What the public money is.
    public enum PublicInstrument: String, Sendable, CaseIterable {
        /// A grant: not repaid, bears no loss beyond its own cost.
        case grant
        /// Equity alongside the private sponsors, sharing every equity cash flow pro rata.
        case equity
    }

    /// The capex the public shares apply to.
    public enum ShareBase: String, Sendable, CaseIterable {
        /// The computing infrastructure only (GPUs, servers, network): Reg. (EU) 2026/150,
        /// Art. 12b(5) sets the Union's share (up to 17 %) on this base.
        case computingInfrastructure = "computing_infrastructure"
        /// The whole base capex, facility included (the tool's own convention before the fix).
        case totalCapex = "total_capex"
    }

    /// What the public funders receive for their contribution (Reg. (EU) 2026/150, Art. 12b).
    public enum AccessMode: String, Sendable, CaseIterable {
        /// No access time (the project sells all its capacity; not the regulation's terms).
        case none
        /// Art. 12b(12), (13), (15)(b): the Union and the Member State get access time in
        /// proportion to their capex contributions, free to public users and SMEs; the consortium
        /// pays the opex of that capacity (Art. 12b(5)) and sells only the rest.
        case free
        /// Art. 12b(5)'s alternative: the Union contribution is paid as a pre-agreed guaranteed
        /// purchase of its access time (an offtake contract: level payments from COD over
        /// ``PublicAccess/years`` adding up to the contribution) instead of a capex grant; the
        /// Member State's access stays free.
        case offtake
    }

    /// The public funders' entitlement to the gigafactory's capacity.
    public struct PublicAccess: Sendable, Equatable {
        /// None, free access time, or the Union's offtake.
        public var mode: AccessMode
        /// Years from COD during which the public share of the capacity is reserved (Art. 12b(12):
        /// the Joint Undertaking owns its share for at least 5 years); the offtake payments run over
        /// the same years.
        public var years: Double

        /// An entitlement.
        public init(mode: AccessMode, years: Double) {
            self.mode = mode
            self.years = years
        }

        /// No access time: every GPU-hour is sold.
        public static let none = PublicAccess(mode: .none, years: 0)
    }

    /// Sources of funds.
    public struct Funding: Sendable, Equatable {
        /// EU share of the ``shareBase`` capex.
        public var euShare: Double
        /// Member State (host) share of the ``shareBase`` capex.
        public var memberStateShare: Double
        /// The capex the shares apply to.
        public var shareBase: ShareBase
        /// Grant or equity.
        public var publicInstrument: PublicInstrument
        /// The public funders' access time.
        public var access: PublicAccess
        /// Senior debt.
        public var debt: Debt

        /// Funding terms.
        public init(euShare: Double, memberStateShare: Double, shareBase: ShareBase, publicInstrument: PublicInstrument,
                    access: PublicAccess, debt: Debt) {
            self.euShare = euShare
            self.memberStateShare = memberStateShare
            self.shareBase = shareBase
            self.publicInstrument = publicInstrument
            self.access = access
            self.debt = debt
        }

        /// Public share of the share base, s_EU + s_MS.
        public var publicShare: Double { euShare + memberStateShare }
    }

    /// The base the public shares apply to, EUR m.
    public var shareBaseEURm: Double {
        switch funding.shareBase {
        case .computingInfrastructure: return capex.computingInfrastructureEURm
        case .totalCapex: return capex.baseEURm
        }
    }
    /// The Union's contribution s_EU · share base, EUR m (a grant at close, or the offtake's total).
    public var unionContributionEURm: Double { funding.euShare * shareBaseEURm }
    /// The Member State's contribution s_MS · share base, EUR m.
    public var memberStateContributionEURm: Double { funding.memberStateShare * shareBaseEURm }
    /// The Union's share of the capacity: its contribution / base capex (Art. 12b(13)); 0 without access.
    public var unionAccessShare: Double {
        funding.access.mode == .none || capex.baseEURm <= 0 ? 0 : unionContributionEURm / capex.baseEURm
    }
    /// The Member State's share of the capacity: its contribution / base capex; 0 without access.
    public var memberStateAccessShare: Double {
        funding.access.mode == .none || capex.baseEURm <= 0 ? 0 : memberStateContributionEURm / capex.baseEURm
    }

    /// Sane bounds on durations (they fix the number of periods, hence memory and time).
    public enum Limits {
        /// Construction, years.
        public static let maximumConstructionYears = 20.0
        /// Operation, years.
        public static let maximumOperatingYears = 50.0
        /// A construction delay (given, shocked or drawn), years; a drawn delay is capped here.
        public static let maximumDelayYears = 30.0
        /// The debt-service reserve, months.
        public static let maximumReserveMonths = 60.0
    }

    /// Periods, horizon, discount rate.
    public var timeline: Timeline
    /// Chips, facility, overrun, delay.
    public var capex: Capex
    /// Price, decline, utilisation, chip life.
    public var revenue: Revenue
    /// Energy, staff, maintenance.
    public var opex: Opex
    /// Public shares and senior debt.
    public var funding: Funding
    /// Corporate tax (``Tax/none`` unless given).
    public var tax: Tax
    /// Who pays capex overruns (``Completion/equityPaysAll`` unless given).
    public var completion: Completion

    /// A project from its groups of terms.
    public init(timeline: Timeline, capex: Capex, revenue: Revenue, opex: Opex, funding: Funding,
                tax: Tax = .none, completion: Completion = .equityPaysAll) {
        self.timeline = timeline
        self.capex = capex
        self.revenue = revenue
        self.opex = opex
        self.funding = funding
        self.tax = tax
        self.completion = completion
    }

    /// Hours in one period: 8 760 / m.
    public var hoursPerPeriod: Double { 8760 / Double(timeline.periodsPerYear) }

    /// A problem with parameter values, with the field path under `project` that causes it.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// E.g. `funding.debt.tenor_years`.
        public var path: String
        /// What is wrong.
        public var message: String
        /// `path: message`.
        public var description: String { "\(path): \(message)" }
    }

    /// Consistency checks beyond each field's own range (those are the reader's job):
    /// durations in whole periods, the tenor within the operation, shares of capex ≤ 100 %.
    public func issues() -> [Issue] {
        var out: [Issue] = []
        let m = Double(timeline.periodsPerYear)
        func whole(_ years: Double, _ path: String) {
            let p = years * m
            if abs(p - p.rounded()) > 1e-9 {
                out.append(Issue(path: path, message: "\(years) years is not a whole number of periods (\(timeline.periodsPerYear) a year)"))
            }
        }
        if ![1, 2, 4, 12].contains(timeline.periodsPerYear) {
            out.append(Issue(path: "periods_per_year", message: "\(timeline.periodsPerYear) is not one of 1, 2, 4, 12"))
        }
        whole(timeline.constructionYears, "construction_years")
        whole(timeline.operatingYears, "operating_years")
        whole(revenue.chipLifeYears, "revenue.chip_life_years")
        whole(funding.debt.tenorYears, "funding.debt.tenor_years")
        if funding.access.mode != .none { whole(funding.access.years, "funding.access.years") }
        if timeline.constructionYears * m < 1 - 1e-9 { out.append(Issue(path: "construction_years", message: "construction needs at least one period")) }
        if timeline.operatingYears * m < 1 - 1e-9 { out.append(Issue(path: "operating_years", message: "operation needs at least one period")) }
        if revenue.chipLifeYears * m < 1 - 1e-9 { out.append(Issue(path: "revenue.chip_life_years", message: "the chip life needs at least one period")) }
        if funding.debt.tenorYears * m < 1 - 1e-9 { out.append(Issue(path: "funding.debt.tenor_years", message: "the tenor needs at least one period")) }
        if funding.debt.tenorYears > timeline.operatingYears + 1e-9 {
            out.append(Issue(path: "funding.debt.tenor_years", message: "a tenor of \(funding.debt.tenorYears) years runs past the \(timeline.operatingYears) years of operation"))
        }
        if !(timeline.constructionYears <= Limits.maximumConstructionYears) {
            out.append(Issue(path: "construction_years", message: "\(timeline.constructionYears) years is above the limit of \(Int(Limits.maximumConstructionYears))"))
        }
        if !(timeline.operatingYears <= Limits.maximumOperatingYears) {
            out.append(Issue(path: "operating_years", message: "\(timeline.operatingYears) years is above the limit of \(Int(Limits.maximumOperatingYears))"))
        }
        if !(capex.delayYears >= 0 && capex.delayYears <= Limits.maximumDelayYears) {
            out.append(Issue(path: "capex.delay_years", message: "\(capex.delayYears) years is outside [0, \(Int(Limits.maximumDelayYears))]"))
        }
        if !(funding.debt.reserveMonths >= 0 && funding.debt.reserveMonths <= Limits.maximumReserveMonths) {
            out.append(Issue(path: "funding.debt.reserve_months", message: "\(funding.debt.reserveMonths) months is outside [0, \(Int(Limits.maximumReserveMonths))]"))
        }
        if funding.access.mode != .none && !(funding.access.years > 0 && funding.access.years <= timeline.operatingYears + 1e-9) {
            out.append(Issue(path: "funding.access.years", message: "\(funding.access.years) years of access must be positive and within the \(timeline.operatingYears) years of operation"))
        }
        let publicAtClose = (funding.access.mode == .offtake ? funding.memberStateShare : funding.publicShare) * shareBaseEURm
        let sum = (publicAtClose + funding.debt.gearing * capex.baseEURm) / max(capex.baseEURm, .leastNormalMagnitude)
        if sum > 1 + 1e-12 {
            out.append(Issue(path: "funding.debt.gearing", message: "public money at close + debt = \(sum) of the base capex is above 1: nothing would be left for equity"))
        }
        if unionAccessShare + memberStateAccessShare > 1 + 1e-12 {
            out.append(Issue(path: "funding.access", message: "the public access shares add up to more than the whole capacity"))
        }
        if opex.pue < 1 { out.append(Issue(path: "opex.pue", message: "a PUE of \(opex.pue) is below 1 (facility power ≥ IT power)")) }
        let c = revenue.contract
        if !(c.share >= 0 && c.share <= 1) { out.append(Issue(path: "revenue.contract.share", message: "\(c.share) is outside [0, 1]")) }
        if c.share > 0 && !(c.tenorYears > 0 && c.tenorYears <= timeline.operatingYears + 1e-9) {
            out.append(Issue(path: "revenue.contract.tenor_years", message: "a contract of \(c.tenorYears) years must be positive and within the \(timeline.operatingYears) years of operation"))
        }
        if !(revenue.rampUpMonths >= 0 && revenue.rampUpMonths <= 12 * timeline.operatingYears) {
            out.append(Issue(path: "revenue.ramp_up_months", message: "\(revenue.rampUpMonths) months is outside [0, the operation]"))
        }
        if !(tax.rate >= 0 && tax.rate < 1) { out.append(Issue(path: "tax.rate", message: "\(tax.rate) is outside [0, 1)")) }
        if !(tax.facilityLifeYears > 0) { out.append(Issue(path: "tax.facility_life_years", message: "the facility's depreciation life must be positive")) }
        if !(completion.contingencyShare >= 0) { out.append(Issue(path: "completion.contingency_share", message: "the contingency cannot be negative")) }
        if !(completion.standbyShare >= 0) { out.append(Issue(path: "completion.standby_share", message: "the standby facility cannot be negative")) }
        if !(funding.debt.sweepShare >= 0 && funding.debt.sweepShare <= 1) {
            out.append(Issue(path: "funding.debt.sweep_share", message: "\(funding.debt.sweepShare) is outside [0, 1]"))
        }
        if let l = funding.debt.lockUpDSCR, !(l > 0) { out.append(Issue(path: "funding.debt.lock_up_dscr", message: "the lock-up DSCR must be positive")) }
        return out
    }
}
