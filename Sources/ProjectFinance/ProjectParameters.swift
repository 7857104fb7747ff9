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
        /// The EUR/USD rate: USD per 1 EUR (FACTS prices GPUs in USD).
        public var usdPerEUR: Double
        /// Facility and power infrastructure, EUR m.
        public var facilityEURm: Double
        /// Cost overrun as a share of the base capex (0.2 = +20 %).
        public var overrun: Double
        /// Construction delay, years (rounded up to whole periods).
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

        /// Revenue terms.
        public init(priceUSDPerGPUHour: Double, priceDecline: Double, utilisation: Double, chipLifeYears: Double, refreshCostFactor: Double) {
            self.priceUSDPerGPUHour = priceUSDPerGPUHour
            self.priceDecline = priceDecline
            self.utilisation = utilisation
            self.chipLifeYears = chipLifeYears
            self.refreshCostFactor = refreshCostFactor
        }
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
        /// Debt as a share of the base capex, drawn pro rata with the spending.
        public var gearing: Double
        /// Tenor from COD, years (whole periods); repayment starts at the actual COD.
        public var tenorYears: Double
        /// Base interest rate (annual, nominal).
        public var baseRate: Double
        /// Credit margin over the base rate.
        public var margin: Double
        /// Repayment profile.
        public var amortisation: Amortisation
        /// The debt-service reserve holds the scheduled debt service of this many next periods.
        public var reservePeriods: Int
        /// DSCR covenant: a period with CFADS/debt service below it is a covenant breach.
        public var covenantDSCR: Double
        /// For ``Amortisation/sculpted``: the planned CFADS of operating periods 1…n the debt is
        /// sculpted to; nil = these parameters' own unshocked profile (``ProjectModel/plannedCFADS(_:)``).
        /// A stress test fixes it at the **base case**, because a stress hits after financial close.
        public var plannedCFADS: [Double]?

        /// Debt terms.
        public init(gearing: Double, tenorYears: Double, baseRate: Double, margin: Double, amortisation: Amortisation,
                    reservePeriods: Int, covenantDSCR: Double) {
            self.gearing = gearing
            self.tenorYears = tenorYears
            self.baseRate = baseRate
            self.margin = margin
            self.amortisation = amortisation
            self.reservePeriods = reservePeriods
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

    /// Sources of funds.
    public struct Funding: Sendable, Equatable {
        /// EU share of the base capex.
        public var euShare: Double
        /// Member State (host) share of the base capex.
        public var memberStateShare: Double
        /// Grant or equity.
        public var publicInstrument: PublicInstrument
        /// Senior debt.
        public var debt: Debt

        /// Funding terms.
        public init(euShare: Double, memberStateShare: Double, publicInstrument: PublicInstrument, debt: Debt) {
            self.euShare = euShare
            self.memberStateShare = memberStateShare
            self.publicInstrument = publicInstrument
            self.debt = debt
        }

        /// Public share of the base capex, s_EU + s_MS.
        public var publicShare: Double { euShare + memberStateShare }
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

    /// A project from its five groups of terms.
    public init(timeline: Timeline, capex: Capex, revenue: Revenue, opex: Opex, funding: Funding) {
        self.timeline = timeline
        self.capex = capex
        self.revenue = revenue
        self.opex = opex
        self.funding = funding
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
        if timeline.constructionYears * m < 1 - 1e-9 { out.append(Issue(path: "construction_years", message: "construction needs at least one period")) }
        if timeline.operatingYears * m < 1 - 1e-9 { out.append(Issue(path: "operating_years", message: "operation needs at least one period")) }
        if revenue.chipLifeYears * m < 1 - 1e-9 { out.append(Issue(path: "revenue.chip_life_years", message: "the chip life needs at least one period")) }
        if funding.debt.tenorYears * m < 1 - 1e-9 { out.append(Issue(path: "funding.debt.tenor_years", message: "the tenor needs at least one period")) }
        if funding.debt.tenorYears > timeline.operatingYears + 1e-9 {
            out.append(Issue(path: "funding.debt.tenor_years", message: "a tenor of \(funding.debt.tenorYears) years runs past the \(timeline.operatingYears) years of operation"))
        }
        let sum = funding.publicShare + funding.debt.gearing
        if sum > 1 + 1e-12 {
            out.append(Issue(path: "funding.debt.gearing", message: "EU share + Member State share + gearing = \(sum) is above 1: nothing would be left for equity"))
        }
        if opex.pue < 1 { out.append(Issue(path: "opex.pue", message: "a PUE of \(opex.pue) is below 1 (facility power ≥ IT power)")) }
        return out
    }
}
