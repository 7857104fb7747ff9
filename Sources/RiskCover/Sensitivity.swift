import RiskSharing

/// An input of the risk-cover solve that the models mark as an estimate (EST), varied one at a
/// time by ``SensitivityRanges`` (a tornado).
public enum SensitivityInput: String, Sendable, CaseIterable {
    /// PD multiplier k: PDᵢ ↦ min(k·PDᵢ, 1) (``PortfolioStress/pdMultiplier``); base 1.
    case pd
    /// Asset-correlation shift Δρ on every obligor's R²ᵢ = βᵢᵀΣβᵢ (``PortfolioStress/correlationShift``); base 0.
    case correlation
    /// LGD shift Δ (``PortfolioStress/lgdShift``); base 0.
    case lgd
    /// The Student-t copula's degrees of freedom ν (only for a Student-t model); base the model's ν.
    case degreesOfFreedom = "degrees_of_freedom"
    /// Investors' maximum expected-loss rate on the private tranche, in basis points of its notional.
    case maxExpectedLossBp = "max_expected_loss_bp"
    /// Investors' maximum probability of any private loss, a fraction.
    case maxLossProbability = "max_loss_probability"

    /// What the input's values mean, for tables.
    public var meaning: String {
        switch self {
        case .pd: return "PD multiplier (×)"
        case .correlation: return "asset correlation shift (+Δ)"
        case .lgd: return "LGD shift (+Δ)"
        case .degreesOfFreedom: return "t copula ν"
        case .maxExpectedLossBp: return "max private EL (bp)"
        case .maxLossProbability: return "max P(private loss)"
        }
    }
}

/// The low and high end of each input's range (``SensitivityInput``); an input left out takes
/// its default (``SensitivityRanges/defaultRange(_:base:)``).
///
/// The defaults are the tool's own convention, not a source's: PD × [0.7, 1.5] (the upper end is
/// the models' "AI winter" stress), correlation and LGD ± 0.05 and ± 0.10, ν ∈ [4, 12] around a
/// fat-tailed t copula, and each investor limit at half and twice its declared value.
public struct SensitivityRanges: Sendable, Hashable {
    public var ranges: [SensitivityInput: ClosedRange<Double>]

    public init(_ ranges: [SensitivityInput: ClosedRange<Double>] = [:]) { self.ranges = ranges }

    /// Whether `input`'s range was given (else it is the default).
    public func isGiven(_ input: SensitivityInput) -> Bool { ranges[input] != nil }

    /// The default range of `input` whose base value is `base`.
    public static func defaultRange(_ input: SensitivityInput, base: Double) -> ClosedRange<Double> {
        switch input {
        case .pd: return 0.7...1.5
        case .correlation: return -0.05...0.05
        case .lgd: return -0.1...0.1
        case .degreesOfFreedom: return 4...12
        case .maxExpectedLossBp, .maxLossProbability: return (0.5 * base)...(2 * base)
        }
    }

    /// The range of `input` with base value `base`: given, else the default.
    public func range(_ input: SensitivityInput, base: Double) -> ClosedRange<Double> {
        ranges[input] ?? SensitivityRanges.defaultRange(input, base: base)
    }
}

/// One input of the tornado: its base, low and high values and the headline solve at each end.
public struct SensitivityRow: Sendable {
    public var input: SensitivityInput
    public var base: Double
    public var low: Double
    public var high: Double
    /// Whether the range came from the model (false: the default).
    public var given: Bool
    public var atLow: CoverSolution
    public var atHigh: CoverSolution
    /// |solution at high − solution at low| on the solved axis.
    public var swing: Double { abs(atHigh.level.value - atLow.level.value) }
}

/// The headline solve (the minimum cover on one axis, as `leverage solve` computes it) and the
/// tornado of one-at-a-time re-solves, rows sorted by swing (largest first).
public struct SensitivityResult: Sendable {
    public var base: CoverSolution
    public var rows: [SensitivityRow]
    /// Inputs not varied and why (e.g. ν for a Gaussian copula).
    public var skipped: [(input: SensitivityInput, reason: String)]
}

/// One-at-a-time sensitivity of the minimum cover with **common random numbers**: every
/// re-simulation uses the same `settings` (seed, paths, batches), so each path draws the same
/// factors, idiosyncratic shocks and (for the t copula) mixing variable; an input left at its
/// base reproduces the base simulation bit for bit and its swing is exactly 0. The investor limits
/// need no re-simulation: they re-solve on the base simulation's losses.
///
/// - Parameters:
///   - portfolio: the model's portfolio.
///   - settings: the simulation settings, shared by every re-solve.
///   - terms: the model's risk-cover terms.
///   - constraints: the investors' constraints.
///   - axis: the axis solved for.
///   - cover: the cover whose other axes are held fixed.
///   - ranges: the inputs' ranges (defaults for those left out).
///   - progress: called before each re-solve with (re-solves done, re-solves in all, what).
public func coverSensitivity(portfolio: Portfolio, settings: SimulationSettings, terms: CoverTerms, constraints: InvestorConstraints,
                             axis: CoverGrid.Axis = .firstLoss, cover: Cover, ranges: SensitivityRanges,
                             progress: ((Int, Int, String) -> Void)? = nil) throws(RiskModelError) -> SensitivityResult {
    var plan: [(SensitivityInput, Double)] = []
    var skipped: [(SensitivityInput, String)] = []
    var nu: Double?
    if case .studentT(let v) = portfolio.copula { nu = v }
    var factorModel = true
    if case .exposureCorrelation = portfolio.dependence { factorModel = false }
    for input in SensitivityInput.allCases {
        switch input {
        case .pd: plan.append((input, 1))
        case .correlation:
            if factorModel { plan.append((input, 0)) } else { skipped.append((input, "the portfolio gives an exposure correlation matrix, not factor loadings")) }
        case .lgd: plan.append((input, 0))
        case .degreesOfFreedom:
            if let nu { plan.append((input, nu)) } else { skipped.append((input, "the copula is Gaussian")) }
        case .maxExpectedLossBp:
            if let x = constraints.maxExpectedLoss { plan.append((input, x * 10_000)) } else { skipped.append((input, "no max_expected_loss_bp declared")) }
        case .maxLossProbability:
            if let x = constraints.maxLossProbability { plan.append((input, x)) } else { skipped.append((input, "no max_loss_probability declared")) }
        }
    }
    let total = 1 + 2 * plan.count
    var done = 0
    let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
    func solve(_ p: Portfolio, _ c: InvestorConstraints, reuse: SimulationReport?, _ what: String) throws(RiskModelError) -> (CoverSolution, SimulationReport) {
        progress?(done, total, what)
        let report: SimulationReport
        if let reuse { report = reuse } else { report = try simulate(portfolio: p, structure: structure, settings: settings) }
        let solution = try RiskCoverAnalysis(base: report, terms: terms, constraints: c).minimumCover(axis, from: cover)
        done += 1
        return (solution, report)
    }
    let (base, baseReport) = try solve(portfolio, constraints, reuse: nil, "base")
    var rows: [SensitivityRow] = []
    for (input, value) in plan {
        let range = ranges.range(input, base: value)
        var ends: [CoverSolution] = []
        for (end, x) in [("low", range.lowerBound), ("high", range.upperBound)] {
            let what = "\(input.rawValue) \(end) = \(x)"
            var p = portfolio, c = constraints
            var reuse: SimulationReport?
            switch input {
            case .pd: p = try portfolio.stressed(PortfolioStress(pdMultiplier: x))
            case .correlation: p = try portfolio.stressed(PortfolioStress(correlationShift: x))
            case .lgd: p = try portfolio.stressed(PortfolioStress(lgdShift: x))
            case .degreesOfFreedom: p.copula = .studentT(degreesOfFreedom: x)
            case .maxExpectedLossBp: c.maxExpectedLoss = x / 10_000; reuse = baseReport
            case .maxLossProbability: c.maxLossProbability = x; reuse = baseReport
            }
            ends.append(try solve(p, c, reuse: reuse, what).0)
        }
        rows.append(SensitivityRow(input: input, base: value, low: range.lowerBound, high: range.upperBound, given: ranges.isGiven(input),
                                   atLow: ends[0], atHigh: ends[1]))
    }
    progress?(done, total, "done")
    // Largest swing first; ties keep the inputs' declared order (a stable sort).
    let order = rows.enumerated().sorted { a, b in a.element.swing != b.element.swing ? a.element.swing > b.element.swing : a.offset < b.offset }
    return SensitivityResult(base: base, rows: order.map(\.element), skipped: skipped.map { (input: $0.0, reason: $0.1) })
}
