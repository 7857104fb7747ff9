import LinearAlgebra
import RiskSharing
import Stochastics

/// A shock to the project parameters. Each field is a move of one driver in its natural unit;
/// zero everywhere is no shock. ``applied(to:)`` gives the stressed parameters.
public struct Shock: Sendable, Equatable {
    /// Relative change of the GPU-hour price (−0.4 = −40 %); the price is floored at 0.
    public var gpuPrice: Double
    /// Added to the annual price decline (kept below 1).
    public var priceDecline: Double
    /// Added to the utilisation (−0.2 = 20 points lower); kept in [0, 1].
    public var utilisation: Double
    /// Relative change of the electricity price (+0.5 = +50 %); floored at 0.
    public var electricityPrice: Double
    /// Added to the base interest rate (0.02 = +200 bp).
    public var rate: Double
    /// Added to the capex overrun share (0.3 = +30 % of base capex).
    public var capexOverrun: Double
    /// Added to the construction delay, years (any fraction); the delay is floored at 0 and
    /// capped at ``ProjectParameters/Limits/maximumDelayYears`` (the reader refuses more).
    public var delayYears: Double

    /// A shock; unnamed components are 0.
    public init(gpuPrice: Double = 0, priceDecline: Double = 0, utilisation: Double = 0, electricityPrice: Double = 0,
                rate: Double = 0, capexOverrun: Double = 0, delayYears: Double = 0) {
        self.gpuPrice = gpuPrice
        self.priceDecline = priceDecline
        self.utilisation = utilisation
        self.electricityPrice = electricityPrice
        self.rate = rate
        self.capexOverrun = capexOverrun
        self.delayYears = delayYears
    }

    /// No shock.
    public static let none = Shock()

    /// Every component times λ (a point along the shock's direction).
    public func scaled(by lambda: Double) -> Shock {
        Shock(gpuPrice: lambda * gpuPrice, priceDecline: lambda * priceDecline, utilisation: lambda * utilisation,
              electricityPrice: lambda * electricityPrice, rate: lambda * rate, capexOverrun: lambda * capexOverrun,
              delayYears: lambda * delayYears)
    }

    /// The stressed parameters: p₀(1 + gpu_price)⁺, d + price_decline (≤ 0.999), u + utilisation
    /// (in [0, 1]), e(1 + electricity_price)⁺, base rate + rate, overrun + capex_overrun (≥ −0.99),
    /// (delay + delay_years)⁺.
    public func applied(to p: ProjectParameters) -> ProjectParameters {
        var q = p
        q.revenue.priceUSDPerGPUHour = p.revenue.priceUSDPerGPUHour * max(0, 1 + gpuPrice)
        q.revenue.priceDecline = min(p.revenue.priceDecline + priceDecline, 0.999)
        q.revenue.utilisation = min(max(p.revenue.utilisation + utilisation, 0), 1)
        q.opex.electricityEURPerKWh = p.opex.electricityEURPerKWh * max(0, 1 + electricityPrice)
        q.funding.debt.baseRate = p.funding.debt.baseRate + rate
        q.capex.overrun = max(p.capex.overrun + capexOverrun, -0.99)
        q.capex.delayYears = max(p.capex.delayYears + delayYears, 0)
        return q
    }
}

/// A named stress scenario: a shock applied to every site, run deterministically and as Monte
/// Carlo around the stressed parameters.
public struct StressScenario: Sendable, Equatable {
    /// Identifier.
    public var id: String
    /// Reader's name.
    public var label: String
    /// The shock to every site.
    public var shock: Shock

    /// A named scenario.
    public init(id: String, label: String, shock: Shock) {
        self.id = id
        self.label = label
        self.shock = shock
    }

    /// The unstressed baseline.
    public static let baseline = StressScenario(id: "baseline", label: "Baseline (no stress)", shock: .none)
}

/// Everything the stress test needs: sites, drivers, the lenders' waterfall and the scenarios.
public struct StressModel: Sendable, Equatable {
    /// The sites simulated jointly.
    public var sites: [Site]
    /// The stochastic drivers.
    public var drivers: DriverModel
    /// The lenders' waterfall.
    public var lenders: LenderStructure
    /// Named scenarios (the baseline is added in front by ``allScenarios``).
    public var scenarios: [StressScenario]
    /// The calibration ranges of the EST inputs (``CalibrationStudy``); empty: no range study.
    public var ranges: [CalibrationRange]

    /// A stress model.
    public init(sites: [Site], drivers: DriverModel, lenders: LenderStructure, scenarios: [StressScenario], ranges: [CalibrationRange] = []) {
        self.sites = sites
        self.drivers = drivers
        self.lenders = lenders
        self.scenarios = scenarios
        self.ranges = ranges
    }

    /// The baseline followed by the named scenarios.
    public var allScenarios: [StressScenario] { [.baseline] + scenarios.filter { $0.id != "baseline" } }

    /// The sites' parameters under `shock`. The debt is sized (``DebtSizer``) and sculpted debt
    /// keeps the base case's planned CFADS: both are fixed at financial close; the stress comes after.
    public func stressedSites(_ shock: Shock) -> [ProjectParameters] {
        sites.map { site in
            var base = DebtSizer.fixed(site.parameters)
            if base.funding.debt.amortisation == .sculpted && base.funding.debt.plannedCFADS == nil {
                base.funding.debt.plannedCFADS = ProjectModel.plannedCFADS(base)
            }
            return shock.applied(to: base)
        }
    }

    /// The deterministic runs of every site under `shock`.
    public func deterministic(_ shock: Shock) -> [ProjectRun] {
        stressedSites(shock).map { ProjectModel.run($0) }
    }

    /// The Monte Carlo statistics under `shock` (common random numbers: the same seed for every
    /// scenario gives the same draws, so scenarios differ only by their shock).
    public func simulate(_ shock: Shock, paths: Int, seed: UInt64, threads: Int? = nil) throws(SimulationError) -> (SimulationOutcomes, StressStatistics) {
        let outcomes = try ProjectSimulation.run(sites: stressedSites(shock), drivers: drivers, paths: paths, seed: seed, threads: threads)
        return (outcomes, try StressStatistics(outcomes, lenders: lenders))
    }

    /// The committed senior debt of all sites, V.
    public var volume: Double { stressedSites(.none).reduce(0) { $0 + $1.funding.debt.gearing * $1.capex.baseEURm } }
}

/// What a reverse stress test looks for.
public enum ReverseCriterion: String, Sendable, CaseIterable {
    /// Some site's deterministic DSCR falls below its covenant.
    case covenantBreach = "covenant_breach"
    /// Some site's cash and reserve cannot pay its debt service.
    case paymentDefault = "payment_default"
    /// The lenders' portfolio loss reaches the public first-loss tranche f·V: it is wiped out
    /// and the private lenders start losing.
    case firstLossWipedOut = "first_loss_wiped_out"
}

/// A direction in shock space: the unit shock and the largest multiple λ tried.
public struct ShockDirection: Sendable, Equatable {
    /// `gpu_price`, …, or a scenario's id.
    public var id: String
    /// The shock at λ = 1.
    public var unit: Shock
    /// The multiple λ is searched in [0, maximum].
    public var maximum: Double
    /// Unit of λ for readers ("fraction of the price", "years", "× scenario").
    public var unitName: String

    /// A direction.
    public init(id: String, unit: Shock, maximum: Double, unitName: String) {
        self.id = id
        self.unit = unit
        self.maximum = maximum
        self.unitName = unitName
    }

    /// The adverse single-driver directions: price −100 %, decline +, utilisation −,
    /// electricity +, rate +, overrun +, delay +; λ in the driver's own unit.
    public static let drivers: [ShockDirection] = [
        ShockDirection(id: "gpu_price", unit: Shock(gpuPrice: -1), maximum: 1, unitName: "fall of the GPU-hour price (fraction)"),
        ShockDirection(id: "price_decline", unit: Shock(priceDecline: 1), maximum: 0.99, unitName: "added annual price decline"),
        ShockDirection(id: "utilisation", unit: Shock(utilisation: -1), maximum: 1, unitName: "fall of utilisation (points as a fraction)"),
        ShockDirection(id: "electricity_price", unit: Shock(electricityPrice: 1), maximum: 50, unitName: "rise of the electricity price (fraction)"),
        ShockDirection(id: "rate", unit: Shock(rate: 1), maximum: 1, unitName: "rise of the interest rate (fraction)"),
        ShockDirection(id: "capex_overrun", unit: Shock(capexOverrun: 1), maximum: 10, unitName: "added capex overrun (share of base capex)"),
        ShockDirection(id: "delay_years", unit: Shock(delayYears: 1), maximum: 30, unitName: "added delay (years)"),
    ]

    /// The direction of a named scenario: λ times its shock.
    public static func scenario(_ s: StressScenario, maximum: Double = 20) -> ShockDirection {
        ShockDirection(id: s.id, unit: s.shock, maximum: maximum, unitName: "multiple of the scenario's shock")
    }
}

/// The smallest shock along a direction that meets a criterion.
public struct ReverseStressResult: Sendable, Equatable {
    /// How the search ended.
    public enum Outcome: Sendable, Equatable {
        /// Found in the final bracket (lower, upper], upper − lower ≤ tolerance.
        case found(Root)
        /// Already met without any shock (λ = 0).
        case atZero
        /// Not met anywhere up to the direction's maximum.
        case notReached
    }
    /// The direction searched.
    public var direction: ShockDirection
    /// The criterion searched for.
    public var criterion: ReverseCriterion
    /// Found (with its bracket), met at zero, or not reached.
    public var outcome: Outcome
    /// Absolute tolerance on λ.
    public var tolerance: Double
    /// Evaluations of the model (bracketing + bisection).
    public var evaluations: Int

    /// The smallest λ found (its bracket's upper end), or 0 / nil.
    public var multiple: Double? {
        switch outcome {
        case .found(let r): return r.value
        case .atZero: return 0
        case .notReached: return nil
        }
    }
}

/// Reverse stress testing: the smallest multiple λ* of a shock direction at which a criterion is
/// met, on the deterministic model of all sites.
///
/// Method: **bracketing** — λ = maximum/2¹⁰, doubled until the criterion holds (or the maximum
/// fails) — then **bisection** of the bracket (λ_lo, λ_hi] to `tolerance`. Bisection rather than
/// Brent because the criteria are indicator functions; for a monotone criterion the result is the threshold to within the tolerance.
public enum ReverseStress {
    /// Whether `criterion` holds for the model under `shock`.
    public static func holds(_ criterion: ReverseCriterion, model: StressModel, shock: Shock) -> Bool {
        let runs = model.deterministic(shock)
        switch criterion {
        case .covenantBreach: return runs.contains { $0.covenantBreachPeriod != nil }
        case .paymentDefault: return runs.contains { $0.defaulted }
        case .firstLossWipedOut:
            let loss = runs.reduce(0) { $0 + $1.lenderLoss }
            let firstLoss = model.lenders.firstLoss * runs.reduce(0) { $0 + $1.debtCommitted }
            return loss > 0 && loss >= firstLoss
        }
    }

    /// λ* along `direction` for `criterion`, with absolute tolerance `tolerance` on λ.
    public static func search(_ direction: ShockDirection, criterion: ReverseCriterion, model: StressModel,
                              tolerance: Double = 1e-6) -> ReverseStressResult {
        var evaluations = 0
        func test(_ lambda: Double) -> Bool {
            evaluations += 1
            return holds(criterion, model: model, shock: direction.unit.scaled(by: lambda))
        }
        func result(_ outcome: ReverseStressResult.Outcome) -> ReverseStressResult {
            ReverseStressResult(direction: direction, criterion: criterion, outcome: outcome, tolerance: tolerance, evaluations: evaluations)
        }
        if test(0) { return result(.atZero) }
        var lo = 0.0
        var hi = direction.maximum / 1024
        while !test(hi) {
            if hi >= direction.maximum { return result(.notReached) }
            lo = hi
            hi = min(2 * hi, direction.maximum)
        }
        do {
            let root = try RootFinder.bisect(in: lo...hi, tolerance: tolerance) { test($0) }
            return result(.found(root))
        } catch {
            return result(.notReached)
        }
    }
}

/// One scenario's results: the deterministic runs of each site and the Monte Carlo statistics.
public struct ScenarioResult: Sendable {
    /// The scenario run.
    public var scenario: StressScenario
    /// Deterministic run of each site under the stressed parameters (rows recorded).
    public var deterministic: [ProjectRun]
    /// Monte Carlo around the stressed parameters.
    public var statistics: StressStatistics
    /// The per-path outcomes (for reconciliation and further analysis).
    public var outcomes: SimulationOutcomes
}

/// The whole stress test: named scenarios, then the reverse stress searches.
public struct StressReport: Sendable {
    /// The model stressed.
    public var model: StressModel
    /// Monte Carlo paths per scenario.
    public var paths: Int
    /// The seed (Philox key) of every scenario.
    public var seed: UInt64
    /// The baseline first, then the chosen scenarios.
    public var scenarios: [ScenarioResult]
    /// Reverse stress results by criterion, then direction.
    public var reverse: [ReverseStressResult]
    /// The funding structures compared on the baseline (``StructureComparison``).
    public var structures: [StructureResult]
    /// The funding-gap check of each site.
    public var fundingGaps: [FundingGap]
    /// The probabilistic reverse stress: the most likely driver moves that break the covenant.
    public var designPoint: DesignPoint
    /// The design point as a shock.
    public var designShock: Shock
    /// Each site's simulated P50/P90 CFADS cases (the debt sizing's alternatives).
    public var sizingCases: [SizingCases] = []
    /// The range study over the EST inputs (empty without ranges).
    public var ranges: [RangeResult] = []
    /// Paths of each range-study run.
    public var rangePaths: Int = 0
}

/// Runs a stress test: the baseline and the chosen scenarios, each deterministically and as
/// Monte Carlo with the **same seed** (common random numbers), then the reverse stress test along
/// every single-driver direction and every chosen scenario's direction, for each criterion.
public enum StressTest {
    /// At most this many paths make the P50/P90 sizing cases (a per-row percentile is stable to
    /// well under 1 % of the CFADS with 2 000 paths).
    public static let sizingPaths = 2_000

    /// - Parameters:
    ///   - model: the project, its drivers, sites, lenders and named stresses.
    ///   - scenarioIDs: the named scenarios to run (all when empty); the baseline is always run.
    ///   - paths: Monte Carlo paths per scenario.
    ///   - seed: the seed of the random streams (the same for every scenario: common random numbers).
    ///   - threads: worker threads (nil: all cores); results do not depend on it.
    ///   - reverseTolerance: the reverse stress search's tolerance on the shock size.
    ///   - rangePaths: paths of each run of the range study (``CalibrationStudy``; nil: `paths`; 0: no study).
    ///   - progress: called before each scenario with (index, count, id).
    public static func run(_ model: StressModel, scenarioIDs: [String] = [], paths: Int, seed: UInt64, threads: Int? = nil,
                           reverseTolerance: Double = 1e-6, rangePaths: Int? = nil,
                           progress: ((Int, Int, String) -> Void)? = nil) throws(SimulationError) -> StressReport {
        // The debt is sized once, at financial close: P50/P90 bases on their own simulated paths.
        let unsized = model
        let (model, cases) = try model.sizedOnSimulation(paths: min(paths, sizingPaths), seed: seed, threads: threads)
        let chosen = scenarioIDs.isEmpty ? model.allScenarios : [.baseline] + model.scenarios.filter { scenarioIDs.contains($0.id) }
        if let unknown = scenarioIDs.first(where: { id in !model.scenarios.contains { $0.id == id } && id != "baseline" }) {
            throw .settings("no stress scenario '\(unknown)' in the model; it has: \(model.scenarios.map(\.id).joined(separator: ", "))")
        }
        var results: [ScenarioResult] = []
        for (k, scenario) in chosen.enumerated() {
            progress?(k, chosen.count + 1, scenario.id)
            let (outcomes, statistics) = try model.simulate(scenario.shock, paths: paths, seed: seed, threads: threads)
            results.append(ScenarioResult(scenario: scenario, deterministic: model.deterministic(scenario.shock),
                                          statistics: statistics, outcomes: outcomes))
        }
        progress?(chosen.count, chosen.count + 1, "funding structures and reverse stress")
        let structures = try StructureComparison.run(model, paths: paths, seed: seed, threads: threads)
        let directions = ShockDirection.drivers + chosen.dropFirst().map { ShockDirection.scenario($0) }
        var reverse: [ReverseStressResult] = []
        for criterion in ReverseCriterion.allCases {
            if criterion == .firstLossWipedOut && model.lenders.firstLoss == 0 { continue }
            for direction in directions {
                reverse.append(ReverseStress.search(direction, criterion: criterion, model: model, tolerance: reverseTolerance))
            }
        }
        let design: (DesignPoint, Shock)
        do { design = try ReverseStress.designPoint(model) } catch { throw .correlation(error) }
        var ranges: [RangeResult] = []
        let studyPaths = rangePaths ?? paths
        if !model.ranges.isEmpty && studyPaths > 0 {
            // The study starts from the unsized model: each variant is sized on its own CFADS.
            ranges = try CalibrationStudy.run(unsized, ranges: model.ranges, paths: studyPaths, seed: seed, threads: threads) { k, n in
                progress?(chosen.count, chosen.count + 1, "EST ranges \(k + 1)/\(n)")
            }
        }
        return StressReport(model: model, paths: paths, seed: seed, scenarios: results, reverse: reverse,
                            structures: structures, fundingGaps: StructureComparison.fundingGaps(model),
                            designPoint: design.0, designShock: design.1, sizingCases: cases, ranges: ranges, rangePaths: studyPaths)
    }
}
