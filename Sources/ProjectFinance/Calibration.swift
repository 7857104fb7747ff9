import Stochastics

/// An estimated (EST) input of the project that carries a calibration range.
public enum CalibratedInput: String, Sendable, CaseIterable {
    /// All-in cost per GPU of the chips with their servers and network, USD (the facility apart).
    case chipUnitCostUSD = "chip_unit_cost_usd"
    /// Facility and power infrastructure, EUR m.
    case facilityEURm = "facility_eur_m"
    /// GPU-hour price of new chips, USD.
    case priceUSDPerGPUHour = "price_usd_per_gpu_hour"
    /// Annual price decline with the chips' age.
    case priceDecline = "price_decline"
    /// Share of GPU-hours sold.
    case utilisation
    /// Months to full utilisation.
    case rampUpMonths = "ramp_up_months"
    /// Electricity price, EUR/kWh (by site).
    case electricityEURPerKWh = "electricity_eur_per_kwh"
    /// Power usage effectiveness.
    case pue
    /// Staff, EUR m a year.
    case staffEURmPerYear = "staff_eur_m_per_year"
    /// Maintenance, share of base capex a year.
    case maintenanceShare = "maintenance_share"
    /// Cost of a chip refresh as a multiple of the first chips.
    case refreshCostFactor = "refresh_cost_factor"
    /// Credit margin over the base rate.
    case margin
    /// Share of the capacity for sale under the take-or-pay contract (its price and tenor as the model's).
    case contractShare = "contract_share"

    /// Where the input lives in ``ProjectParameters`` (its meaning and unit are that field's): the
    /// one table ``value(in:)`` and ``set(_:in:)`` read and write through.
    public var keyPath: WritableKeyPath<ProjectParameters, Double> {
        switch self {
        case .chipUnitCostUSD: return \.capex.chipUnitCostUSD
        case .facilityEURm: return \.capex.facilityEURm
        case .priceUSDPerGPUHour: return \.revenue.priceUSDPerGPUHour
        case .priceDecline: return \.revenue.priceDecline
        case .utilisation: return \.revenue.utilisation
        case .rampUpMonths: return \.revenue.rampUpMonths
        case .electricityEURPerKWh: return \.opex.electricityEURPerKWh
        case .pue: return \.opex.pue
        case .staffEURmPerYear: return \.opex.staffEURmPerYear
        case .maintenanceShare: return \.opex.maintenanceShare
        case .refreshCostFactor: return \.revenue.refreshCostFactor
        case .margin: return \.funding.debt.margin
        case .contractShare: return \.revenue.contract.share
        }
    }

    /// The values the input may take, as the model reader accepts them for the field itself: a
    /// range end outside it is refused (a utilisation of 1.5 is not an estimate's high end).
    public var domain: (lower: Double, upper: Double, upperIncluded: Bool) {
        switch self {
        case .utilisation, .maintenanceShare, .contractShare: return (0, 1, true)
        case .priceDecline: return (0, 1, false)
        case .pue: return (1, .infinity, false)
        case .margin: return (0, 1, true)
        case .chipUnitCostUSD, .facilityEURm, .priceUSDPerGPUHour, .rampUpMonths, .electricityEURPerKWh,
             .staffEURmPerYear, .refreshCostFactor:
            return (0, .infinity, false)
        }
    }

    /// Whether `v` lies in ``domain``.
    /// - Parameter v: a value of the input, in the field's unit.
    public func accepts(_ v: Double) -> Bool {
        let d = domain
        return v.isFinite && v >= d.lower && (d.upperIncluded ? v <= d.upper : v < d.upper)
    }

    /// The input's value in `p`.
    /// - Parameter p: the project.
    public func value(in p: ProjectParameters) -> Double { p[keyPath: keyPath] }

    /// `p` with the input set to `v`.
    /// - Parameters:
    ///   - v: the new value, in the field's unit.
    ///   - p: the project.
    public func set(_ v: Double, in p: ProjectParameters) -> ProjectParameters {
        var q = p
        q[keyPath: keyPath] = v
        return q
    }
}

/// The low and high ends of an EST input (the base is the model's own value), for every site or one.
public struct CalibrationRange: Sendable, Equatable {
    /// The input.
    public var input: CalibratedInput
    /// The site it applies to (nil: every site without a range of its own for the input).
    public var site: String?
    /// Low end, in the input's unit.
    public var low: Double
    /// High end.
    public var high: Double

    /// A range.
    public init(input: CalibratedInput, site: String? = nil, low: Double, high: Double) {
        self.input = input
        self.site = site
        self.low = low
        self.high = high
    }
}

/// Which end of the ranges a run uses.
public enum RangeLevel: String, Sendable, CaseIterable {
    /// The low end of the range (for adverse/favourable corners: the adverse one).
    case low
    /// The model's own value.
    case base
    /// The high end of the range (for the corners: the favourable one).
    case high
}

/// The results of the baseline with some inputs moved to an end of their ranges.
public struct RangeResult: Sendable, Equatable {
    /// `base`, an input's id (one at a time), or `adverse` / `favourable` (every input at once).
    public var label: String
    /// The input moved (nil for base, adverse and favourable).
    public var input: CalibratedInput?
    /// The end it was moved to.
    public var level: RangeLevel
    /// The input's values per site (one-at-a-time runs), e.g. "0.094 … 0.256".
    public var values: [Double]
    /// P(default) of a site, with its SE over paths.
    public var defaultProbability: MeanEstimate
    /// Median private equity IRR, pooled over sites and paths.
    public var equityIRRMedian: Double?
    /// Median minimum DSCR, pooled over sites and paths; nil when the sized gearing is below
    /// ``CalibrationStudy/negligibleGearing`` or the median is not finite: a cover ratio of (almost)
    /// no debt service says nothing about the debt (a DSCR of 3 on 0.2 % gearing, or −∞ on none).
    public var minimumDSCRMedian: Double?
    /// The sized gearing: committed debt of all sites / their base capex.
    public var gearing: Double
    /// Expected lenders' loss, all sites.
    public var lenderLoss: MeanEstimate
}

/// One-at-a-time sensitivity over the EST inputs' ranges, with common random numbers.
///
/// For each input with a range, the baseline is rerun with that input at its low and at its high
/// end (every site at its own range), the debt **resized** at financial close (gearing is an
/// output), with the same seed as the base run (common random numbers: the differences are the
/// inputs', not sampling noise). The **adverse** and **favourable** corners then move every input
/// at once to the end that lowered / raised the median equity IRR one at a time (ties: the end
/// with the higher / lower P(default)). P(default) is not used for the direction: the debt is
/// resized, so an adverse input can shrink the debt and with it the defaults.
public enum CalibrationStudy {
    /// Below this sized gearing (committed debt of all sites / their base capex) a range run's
    /// median minimum DSCR is not reported (``RangeResult/minimumDSCRMedian`` is nil): the tool's
    /// own threshold, 1 % of capex.
    public static let negligibleGearing = 0.01

    /// The median minimum DSCR to report for a run with `gearing`: nil when the debt is
    /// negligible (below ``negligibleGearing``) or the median is not finite.
    /// - Parameters:
    ///   - median: the median minimum DSCR pooled over sites and paths.
    ///   - gearing: the sized gearing of all sites.
    public static func reportedDSCR(_ median: Double, gearing: Double) -> Double? {
        gearing >= negligibleGearing && median.isFinite ? median : nil
    }

    /// The model with `input` at `level` for every site with a range for it.
    public static func moved(_ model: StressModel, _ ranges: [CalibrationRange], input: CalibratedInput, level: RangeLevel) -> StressModel {
        guard level != .base else { return model }
        var m = model
        for k in m.sites.indices {
            let id = m.sites[k].id
            guard let r = ranges.first(where: { $0.input == input && $0.site == id }) ?? ranges.first(where: { $0.input == input && $0.site == nil })
            else { continue }
            m.sites[k].parameters = input.set(level == .low ? r.low : r.high, in: m.sites[k].parameters)
        }
        return m
    }

    /// The inputs with a range, in their declaration order.
    public static func inputs(_ ranges: [CalibrationRange]) -> [CalibratedInput] {
        var seen: [CalibratedInput] = []
        for r in ranges where !seen.contains(r.input) { seen.append(r.input) }
        return seen
    }

    /// Runs the base, every input at its low and high end, and the adverse and favourable corners.
    /// `sizingPaths` paths size the debt of each variant (``StressModel/sizedOnSimulation(paths:seed:threads:)``).
    public static func run(_ model: StressModel, ranges: [CalibrationRange], paths: Int, seed: UInt64, threads: Int? = nil,
                           sizingPaths: Int = StressTest.sizingPaths,
                           progress: ((Int, Int) -> Void)? = nil) throws(SimulationError) -> [RangeResult] {
        let inputs = inputs(ranges)
        let total = 2 * inputs.count + 3
        var step = 0
        func evaluate(_ m: StressModel, label: String, input: CalibratedInput?, level: RangeLevel) throws(SimulationError) -> RangeResult {
            progress?(step, total)
            step += 1
            let (sized, _) = try m.sizedOnSimulation(paths: min(paths, sizingPaths), seed: seed, threads: threads)
            let (_, s) = try sized.simulate(.none, paths: paths, seed: seed, threads: threads)
            let fixed = sized.stressedSites(.none)
            let debt = fixed.reduce(0) { $0 + $1.funding.debt.gearing * $1.capex.baseEURm }
            let capex = fixed.reduce(0) { $0 + $1.capex.baseEURm }
            let values = input.map { i in m.sites.map { i.value(in: $0.parameters) } } ?? []
            let gearing = capex > 0 ? debt / capex : 0
            return RangeResult(label: label, input: input, level: level, values: values, defaultProbability: s.defaultProbability,
                               equityIRRMedian: s.equityIRR.count > 1 ? s.equityIRR[1].value : nil,
                               minimumDSCRMedian: reportedDSCR(s.dscr[1].value, gearing: gearing),
                               gearing: gearing, lenderLoss: s.lenderLoss)
        }
        var results = [try evaluate(model, label: "base", input: nil, level: .base)]
        var adverse = model, favourable = model
        for input in inputs {
            let low = try evaluate(moved(model, ranges, input: input, level: .low), label: input.rawValue, input: input, level: .low)
            let high = try evaluate(moved(model, ranges, input: input, level: .high), label: input.rawValue, input: input, level: .high)
            results += [low, high]
            // The adverse end lowers the equity IRR (P(default) is not a clean direction: the debt
            // is resized, so a worse input can mean less debt and fewer defaults).
            let irrLow = low.equityIRRMedian ?? -1, irrHigh = high.equityIRRMedian ?? -1
            let lowWorse = irrLow != irrHigh ? irrLow < irrHigh : low.defaultProbability.mean > high.defaultProbability.mean
            adverse = moved(adverse, ranges, input: input, level: lowWorse ? .low : .high)
            favourable = moved(favourable, ranges, input: input, level: lowWorse ? .high : .low)
        }
        results.append(try evaluate(adverse, label: "adverse", input: nil, level: .low))
        results.append(try evaluate(favourable, label: "favourable", input: nil, level: .high))
        return results
    }
}
