import ArgumentParser
import Foundation
import Leverage

/// Options shared by `sweep` and `solve`: a stressed comparison.
struct StressOption: ParsableArguments {
    @Option(help: ArgumentHelp("Also run a stressed portfolio: PD × k, asset correlation + Δ, LGD + Δ (any subset).",
                               valueName: "pd=K,correlation=Δ,lgd=Δ"))
    var stress: String?

    func validate() throws {
        if let stress, case .failure(let message) = PortfolioStress.parse(stress) { throw ValidationError("--stress: \(message.text)") }
    }

    /// `--stress SPEC` as given, for the manifest's arguments (the model's own stress needs no option).
    var arguments: [String] { stress.map { ["--stress", $0] } ?? [] }

    /// The stress from the command line, else the model's `risk_cover.stress`, else none.
    func stress(_ spec: RiskCoverSpec?) -> PortfolioStress? {
        if let stress, case .success(let s) = PortfolioStress.parse(stress) { return s }
        return spec?.stress
    }
}

/// The settings a sweep simulates with: the command's, with the portfolio-loss quantile levels
/// the cover figures read (99 % and 99.9 %, at the command's confidence) and one histogram bucket
/// [0, 1]. The sweep's tables show neither the portfolio's own quantiles nor its histogram: the
/// default 95 % level would make the retained tail K five times longer (≈ 5 % of the paths
/// instead of ≈ 1 %), and the histogram's 2²⁰-cell grid (8 bytes a cell up to the largest loss,
/// per worker and in every part file) would be the largest item of a sweep shard's memory and
/// part. Shards and the merge use the same settings (the merge checks them).
func sweepSettings(_ simulation: SimulationOptions, _ risk: RiskModel) -> SimulationSettings {
    var settings = simulation.settings(risk)
    settings.quantileLevels = [0.99, 0.999]
    settings.histogramEdges = [0, 1]
    return settings
}

/// The scenarios of a sweep of `covers` with bounded memory: each simulated (or merged from
/// shards) with the covers' per-batch accumulators and the largest `RiskCoverAnalysis.coverTailSize`
/// losses, no per-path losses (see `CoverAccumulators`).
func sweepAnalyses(_ file: ScenarioFile, simulation: SimulationOptions, stress: PortfolioStress?, covers: [Cover], quiet: Bool,
                   source: SimulationSource = .local) throws -> [(String, RiskCoverAnalysis)] {
    let risk = try requirePortfolio(file, to: "sweep risk covers over")
    let spec = file.model.riskCover
    let terms = spec?.terms ?? CoverTerms()
    let settings = sweepSettings(simulation, risk)
    return try coverScenarios(file, stress: stress).map { name, portfolio, structure in
        let progress = Progress(label: name, enabled: !quiet)
        var onBatch: (@Sendable (Int, Int) -> Void)?
        if progress.enabled { onBatch = { @Sendable done, total in progress.update(done, total) } }
        defer { progress.finish() }
        do {
            try settings.validate()
            let statistics = try CoverAccumulators(covers: covers, terms: terms, volume: portfolio.volume)
            let summary = try source.summary(name, file: file, portfolio: portfolio, structure: structure, settings: settings,
                                             tailSize: RiskCoverAnalysis.coverTailSize(settings: settings, terms: terms),
                                             statistics: statistics, progress: onBatch)
            return (name, try RiskCoverAnalysis(portfolio: portfolio, settings: settings, covers: covers, summary: summary, terms: terms,
                                                constraints: spec?.constraints ?? InvestorConstraints()))
        } catch let error as RiskModelError {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
    }
}

/// The portfolios a cover analysis simulates — the baseline and, with a stress, the stressed
/// portfolio — each as one tranche held by the private investors (as ``RiskCoverAnalysis`` simulates it).
func coverScenarios(_ file: ScenarioFile, stress: PortfolioStress?) throws -> [(name: String, portfolio: Portfolio, structure: RiskSharingStructure)] {
    let risk = try requirePortfolio(file)
    let terms = file.model.riskCover?.terms ?? CoverTerms()
    let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
    var scenarios: [(String, Portfolio, RiskSharingStructure)] = [("baseline", risk.portfolio, structure)]
    if let stress, !stress.isNone {
        do { scenarios.append(("stressed", try risk.portfolio.stressed(stress), structure)) } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
    }
    return scenarios
}

/// Simulates shard `shard` of a sweep's scenarios and writes its part (see ``writeShard``): the
/// accumulators of `covers` (the grid) and the largest `RiskCoverAnalysis.coverTailSize` losses.
/// (`solve` writes its own: the losses above its pilot's threshold, see `Solve.execute`.)
func writeCoverShard(_ shard: ShardSpec, command: String, arguments: [String], file: ScenarioFile, simulation: SimulationOptions,
                     stress: PortfolioStress?, output: OutputOptions, covers: [Cover]) throws {
    let risk = try requirePortfolio(file)
    let settings = sweepSettings(simulation, risk)
    let scenarios = try coverScenarios(file, stress: stress)
    let terms = file.model.riskCover?.terms ?? CoverTerms()
    var statistics: [any BatchStatistics] = []
    do {
        try settings.validate()
        for scenario in scenarios {
            statistics.append(try CoverAccumulators(covers: covers, terms: terms, volume: scenario.portfolio.volume))
        }
    } catch {
        Console.error("\(file.path): \(error)")
        throw ExitCode(1)
    }
    try writeShard(shard, command: command, arguments: arguments, file: file, settings: settings,
                   scenarios: scenarios, folder: output.output ?? ".", quiet: output.quiet, retaining: .tail,
                   tailSize: RiskCoverAnalysis.coverTailSize(settings: settings, terms: terms), statistics: statistics)
}

func stressParameters(_ stress: PortfolioStress?) -> [(String, JSONValue)] {
    guard let stress, !stress.isNone else { return [] }
    return [("stress", .object([("pd_multiplier", .number(stress.pdMultiplier)), ("correlation_shift", .number(stress.correlationShift)),
                                 ("lgd_shift", .number(stress.lgdShift))]))]
}

/// `leverage sweep MODEL --cover first-loss=0:0.30:0.01 …`
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Leverage, public cost and risk, and investor constraints over a grid of risk cover.",
        discussion: """
            Covers: a public first loss [0, f) and a guarantee (rate g, cap c as a fraction of the portfolio) on the \
            private tranche. Axes: first-loss, guarantee-rate, guarantee-cap, each as from:to:step, x,y,z or x; the grid \
            is their product (default: the model's risk_cover.sweep, else first-loss=0:0.30:0.01). One simulation of the \
            portfolio serves the whole grid (common random numbers).
            """)

    @Argument(help: "A model file with `portfolio` (and optionally `risk_cover`) sections, or a bundled model name.")
    var model: String

    @Option(name: .customLong("cover"), help: ArgumentHelp("A grid axis, e.g. first-loss=0:0.30:0.01 (repeatable).", valueName: "AXIS=VALUES"))
    var axes: [String] = []

    @OptionGroup var stressOption: StressOption
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var sharding: ShardOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        var grid = CoverGrid()
        for axis in axes { if let problem = grid.set(axis) { throw ValidationError("--cover \(problem)") } }
        if let problem = grid.sizeProblem { throw ValidationError("--cover: \(problem)") }
        try sharding.validate(output: output)
    }

    func run() throws { try execute(.local) }

    /// The command's arguments for `merge` (sharding, output and threads left out).
    func replayArguments(_ settings: SimulationSettings) -> [String] {
        ["sweep", model] + axes.flatMap { ["--cover", $0] } + (stressOption.stress.map { ["--stress", $0] } ?? [])
            + simulation.replayArguments(settings)
    }

    /// Runs the command with its simulations from `source` (here, or merged parts).
    func execute(_ source: SimulationSource) throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        try source.verify(file)
        let risk = try requirePortfolio(file)
        var grid = file.model.riskCover?.grid ?? CoverGrid(firstLoss: Array(stride(from: 0.0, through: 0.3 + 1e-12, by: 0.01)))
        for axis in axes { _ = grid.set(axis) }
        if let problem = grid.sizeProblem {
            // The model's risk_cover.sweep axes combined with the command line's.
            if axes.isEmpty {
                Console.error("\(file.path): risk_cover.sweep: \(problem)")
                throw ExitCode(1)
            }
            throw usageError("--cover: \(problem)")
        }
        let stress = stressOption.stress(file.model.riskCover)
        let scenarios = stress.map { $0.isNone ? 1 : 2 } ?? 1
        try simulation.resources.admit(RiskCoverAnalysis.sweepResourceEstimate(portfolio: risk.portfolio, settings: sweepSettings(simulation, risk),
                                                                               terms: file.model.riskCover?.terms ?? CoverTerms(), scenarios: scenarios,
                                                                               covers: grid.count, threads: simulation.workers,
                                                                               shards: source.shards ?? sharding.shard?.count ?? 1),
                                       what: "sweep of \(grid.count) covers with \(simulation.settings(risk).paths) paths", quiet: output.quiet)
        if let shard = sharding.shard {
            let settings = simulation.settings(risk)
            try writeCoverShard(shard, command: "sweep", arguments: replayArguments(settings), file: file, simulation: simulation,
                                stress: stress, output: output, covers: grid.covers)
            return
        }
        let analyses = try sweepAnalyses(file, simulation: simulation, stress: stress, covers: grid.covers, quiet: output.quiet, source: source)
        var rows: [(scenario: String, evaluation: CoverEvaluation)] = []
        var funding: [FundingCheck] = []
        for (name, analysis) in analyses {
            let progress = Progress(label: "sweep \(name)", unit: "covers", enabled: !output.quiet)
            defer { progress.finish() }
            let onCover: ((Int, Int) -> Void)? = progress.enabled ? { done, total in progress.update(done, total) } : nil
            do {
                let evaluations = try analysis.sweep(grid.covers, progress: onCover)
                rows += evaluations.map { (name, $0) }
                for e in evaluations { funding.append(try analysis.funding(for: e.cover, evaluation: e)) }
            } catch {
                Console.error("\(file.path): \(error)")
                throw ExitCode(1)
            }
        }
        let table = RiskCoverTables.sweep(rows, unit: file.model.unit, funding: funding, terms: analyses.first?.1.terms)
        let settings = simulation.settings(risk)
        // The grid as explicit lists (shortest round-trip decimals): the rerun sees the same doubles.
        let axes: [(CoverGrid.Axis, [Double])] = [(.firstLoss, grid.firstLoss), (.guaranteeRate, grid.guaranteeRate), (.guaranteeCap, grid.guaranteeCap)]
        let gridParameters: [(String, JSONValue)] = [("covers", .integer(grid.covers.count)),
                                                     ("grid", .object(axes.map { ($0.0.rawValue, .array($0.1.map(JSONValue.number))) }))]
        let manifest = Manifest(command: "sweep", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name,
                                parameters: simulation.parameters(settings) + gridParameters + stressParameters(stress),
                                arguments: [model] + axes.flatMap { ["--cover", "\($0.0.rawValue)=" + $0.1.map { "\($0)" }.joined(separator: ",")] }
                                    + stressOption.arguments + simulation.arguments(settings))
        try output.emit([table], manifest: manifest)
    }
}

/// `leverage solve MODEL`: the minimum cover investors accept, hence the maximum leverage.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The minimum public cover that meets the investors' constraints, the maximum leverage, provisioning and capacity.",
        discussion: """
            Solves for one cover axis (--solve-for: first-loss by default, guarantee-rate — uncapped unless \
            --guarantee-cap is given — or guarantee-cap), the others held fixed. \
            Constraints come from the model's risk_cover.investors (or the options below). With a guarantee \
            (risk_cover.guarantee or --guarantee-rate/--guarantee-cap) held fixed, also reports the provisioning rate \
            covering its calls at risk_cover.confidence and the budget multiplier; with a budget, the largest portfolio it \
            supports. Every answer comes with its Monte Carlo band.
            """)

    @Argument(help: "A model file with `portfolio` and `risk_cover` sections, or a bundled model name.")
    var model: String

    @Option(help: "The cover axis to solve for: first-loss, guarantee-rate or guarantee-cap (the others held fixed).")
    var solveFor: CoverGrid.Axis = .firstLoss
    @Option(parsing: .unconditional, help: "First loss held fixed while solving for a guarantee axis (default 0); a fraction or a percentage.",
            transform: ArgumentValue.fraction) var firstLoss: Double?
    @Option(parsing: .unconditional, help: "Guarantee rate on the private tranche, held fixed; a fraction or a percentage.",
            transform: ArgumentValue.fraction) var guaranteeRate: Double?
    @Option(parsing: .unconditional, help: "Guarantee cap (fraction of the portfolio, or a percentage), held fixed.",
            transform: ArgumentValue.fraction) var guaranteeCap: Double?
    @Option(parsing: .unconditional, help: "Public budget (model money unit) for the largest-portfolio answer.",
            transform: ArgumentValue.positiveAmount) var budget: Double?
    @Option(parsing: .unconditional, help: "Investors' maximum expected loss on the private tranche, in basis points.",
            transform: ArgumentValue.basisPoints) var maxExpectedLossBp: Double?
    @Option(parsing: .unconditional, help: "Investors' maximum probability of any loss on the private tranche; a fraction or a percentage.",
            transform: ArgumentValue.fraction) var maxLossProbability: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Keep only the portfolio losses above this first loss (a fraction or a percentage; 0 keeps every positive loss) and count the rest; default: 3/4 of the smallest band lower end of a pilot of the run's first 8 batches (first-loss solves) or the first loss held fixed.",
                                                         valueName: "FIRST-LOSS"),
            transform: ArgumentValue.fraction) var retainAbove: Double?

    @OptionGroup var stressOption: StressOption
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var sharding: ShardOption
    @OptionGroup var output: OutputOptions

    /// The command's arguments for `merge` (sharding, output and threads left out).
    func replayArguments(_ settings: SimulationSettings) -> [String] {
        var arguments = ["solve", model, "--solve-for", solveFor.rawValue]
        for (name, value) in [("--first-loss", firstLoss), ("--guarantee-rate", guaranteeRate), ("--guarantee-cap", guaranteeCap),
                              ("--budget", budget), ("--max-expected-loss-bp", maxExpectedLossBp), ("--max-loss-probability", maxLossProbability),
                              ("--retain-above", retainAbove)] {
            if let value { arguments += [name, "\(value)"] }
        }
        return arguments + (stressOption.stress.map { ["--stress", $0] } ?? []) + simulation.replayArguments(settings)
    }

    func validate() throws {
        try sharding.validate(output: output)
        for (name, value) in [("--first-loss", firstLoss), ("--guarantee-rate", guaranteeRate), ("--guarantee-cap", guaranteeCap),
                              ("--max-loss-probability", maxLossProbability), ("--retain-above", retainAbove)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) \(value) is outside [0, 1]") }
        }
        if (guaranteeRate == nil) != (guaranteeCap == nil) && solveFor == .firstLoss {
            throw ValidationError("--guarantee-rate and --guarantee-cap go together")
        }
        if solveFor == .firstLoss && firstLoss != nil { throw ValidationError("--first-loss is what --solve-for first-loss solves; give it only with a guarantee axis") }
    }

    func run() throws { try execute(.local) }

    /// Runs the command with its simulations from `source` (here, or merged parts).
    func execute(_ source: SimulationSource) throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        try source.verify(file)
        let risk = try requirePortfolio(file, to: "solve a risk cover for")
        let spec = file.model.riskCover
        let plan = try self.plan(file, risk)
        let (constraints, base, terms, settings, scenarioList, pilots, levels, tailSize, stress)
            = (plan.constraints, plan.base, plan.terms, plan.settings, plan.scenarios, plan.pilots, plan.levels, plan.tailSize, plan.stress)
        try simulation.resources.admit(plan.estimate(threads: simulation.workers, shards: source.shards ?? sharding.shard?.count ?? 1),
                                       what: "solve with \(settings.paths) paths", quiet: output.quiet)
        func curve(below threshold: Double) -> [Cover] {
            (levels ?? []).filter { $0 < threshold }.map { base.with(.firstLoss, $0) }
        }
        func statistics(_ threshold: Double, _ portfolio: Portfolio) throws -> SolveStatistics {
            do {
                return SolveStatistics(threshold: threshold, volume: portfolio.volume,
                                       curve: try CoverAccumulators(covers: curve(below: threshold), terms: terms, volume: portfolio.volume))
            } catch {
                Console.error("\(file.path): \(error)")
                throw ExitCode(1)
            }
        }
        if let shard = sharding.shard {
            var perScenario: [any BatchStatistics] = []
            for (s, scenario) in scenarioList.enumerated() { perScenario.append(try statistics(pilots[s].threshold.firstLoss, scenario.portfolio)) }
            try writeShard(shard, command: "solve", arguments: replayArguments(simulation.settings(risk)), file: file, settings: settings,
                           scenarios: scenarioList, folder: output.output ?? ".", quiet: output.quiet, retaining: .tail,
                           tailSize: tailSize, statistics: perScenario)
            return
        }
        var rows: [(scenario: String, analysis: RiskCoverAnalysis, solution: CoverSolution, budget: Double?)] = []
        var tables: [Table]
        for (s, (name, portfolio, structure)) in scenarioList.enumerated() {
            // The losses kept: the pilot's threshold; if the answer lies below it (or more losses lie
            // above it than the pilot foresaw), one process re-simulates keeping every positive loss.
            var attempts = [SolveThreshold(firstLoss: pilots[s].threshold.firstLoss, tailSize: tailSize)]
            if case .local = source {
                do {
                    let zero = try RiskCoverAnalysis.solvePilot(portfolio: portfolio, settings: settings, axis: solveFor, base: base, terms: terms,
                                                                constraints: constraints, retainAbove: 0).threshold
                    if zero != attempts[0] { attempts.append(zero) }
                    attempts.append(SolveThreshold(firstLoss: 0, tailSize: settings.paths))
                } catch {
                    Console.error("\(file.path): \(error)")
                    throw ExitCode(1)
                }
            }
            var solved: (RiskCoverAnalysis, CoverSolution)?
            for (attempt, threshold) in attempts.enumerated() where solved == nil {
                let progress = Progress(label: attempt == 0 ? name : "\(name) (pass \(attempt + 1): losses above first loss \(threshold.firstLoss))",
                                        enabled: !output.quiet)
                var onBatch: (@Sendable (Int, Int) -> Void)?
                if progress.enabled { onBatch = { @Sendable done, total in progress.update(done, total) } }
                let summary = try source.summary(name, file: file, portfolio: portfolio, structure: structure, settings: settings,
                                                 tailSize: threshold.tailSize, statistics: try statistics(threshold.firstLoss, portfolio),
                                                 progress: onBatch)
                progress.finish()
                let result = solveBounded(name: name, portfolio: portfolio, settings: settings, threshold: threshold, curve: curve(below: threshold.firstLoss),
                                          summary: summary, terms: terms, constraints: constraints, base: base)
                switch result {
                case let .success(value): solved = value
                case let .failure(error):
                    if RiskCoverAnalysis.needsMoreLosses(error) && attempt + 1 < attempts.count {
                        if !output.quiet {
                            let next = attempts[attempt + 1]
                            Console.status("\(name): \(error.description); pass \(attempt + 2): re-simulating, keeping the \(next.tailSize) largest losses (those above first loss \(next.firstLoss))")
                        }
                        continue
                    }
                    if case let .merged(run) = source {
                        let hint = RiskCoverAnalysis.needsMoreLosses(error)
                            ? ": re-run the shards with a lower --retain-above (0 keeps every positive loss)" : ""
                        Console.error("\(run.files.first ?? file.path): \(name): \(error)\(hint)")
                    } else {
                        Console.error("\(file.path): \(error)")
                    }
                    throw ExitCode(1)
                }
            }
            guard let (analysis, solution) = solved else { throw ExitCode(1) }
            rows.append((name, analysis, solution, budget ?? spec?.budget))
        }
        do {
            tables = try RiskCoverTables.solveWithCurve(rows, axis: solveFor, base: base, unit: file.model.unit, levels: levels)
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        if let lifetimeSpec = risk.lifetime {
            // Lifetime first loss and provisioning (baseline portfolio, the same settings).
            let report = try runLifetime(file, risk: risk, spec: lifetimeSpec, settings: simulation.settings(risk), quiet: output.quiet)
            let solution = report.lifetimeFirstLoss(maxExpectedLossPerYear: constraints.maxExpectedLoss, maxLossProbabilityPerYear: constraints.maxLossProbability)
            let oneYear = solveFor == .firstLoss ? rows[0].solution.level.value : base.firstLoss
            let publicHolder = spec?.terms.publicHolder
            tables.append(LifetimeTables.firstLoss(solution, report: report, maxExpectedLossBp: constraints.maxExpectedLoss.map { $0 * 10_000 },
                                                   oneYearFirstLoss: oneYear,
                                                   provisioning: publicHolder.map { ($0, lifetimeSpec.statutoryProvisioningRate ?? spec?.terms.provisioningRate) }))
            tables += LifetimeTables.tables(for: report, unit: file.model.unit)
        }
        if rows.count == 2 {
            let base = rows[0].solution.leverage.value, stressed = rows[1].solution.leverage.value
            var effect = Table(name: "stress_effect", title: "How far leverage falls under stress",
                               columns: [Column("baseline_leverage", .multiple), Column("stressed_leverage", .multiple), Column("change", .fraction),
                                         Column("solved_for", .text), Column("baseline_cover", .fraction), Column("stressed_cover", .fraction)])
            effect.append([.number(base.isFinite ? base : nil), .number(stressed.isFinite ? stressed : nil),
                           .number(base.isFinite && stressed.isFinite ? stressed / base - 1 : nil),
                           .text(solveFor.rawValue), .number(rows[0].solution.level.value), .number(rows[1].solution.level.value)])
            tables.append(effect)
        }
        let runSettings = simulation.settings(risk)
        var resolved: [(String, JSONValue)] = [("solve_for", .string(solveFor.rawValue))]
        for axis in CoverGrid.Axis.allCases where axis != solveFor {
            let value = axis == .firstLoss ? base.firstLoss : axis == .guaranteeRate ? base.guaranteeRate : base.guaranteeCap
            resolved.append((axis.rawValue.replacingOccurrences(of: "-", with: "_"), .number(value)))
        }
        var limits: [(String, JSONValue)] = []
        if let x = constraints.maxExpectedLoss { limits.append(("max_expected_loss_bp", .number(x * 10_000))) }
        if let x = constraints.maxLossProbability { limits.append(("max_loss_probability", .number(x))) }
        if let x = constraints.coupon { limits.append(("coupon", .number(x))) }
        if let x = constraints.hurdle { limits.append(("hurdle", .number(x))) }
        resolved.append(("investors", .object(limits)))
        if let b = budget ?? spec?.budget { resolved.append(("budget", .number(b))) }
        // The options given, normalised; what they leave out comes from the model, pinned by its SHA-256.
        var given: [String] = ["--solve-for", solveFor.rawValue]
        for (name, value) in [("--first-loss", firstLoss), ("--guarantee-rate", guaranteeRate), ("--guarantee-cap", guaranteeCap),
                              ("--budget", budget), ("--max-expected-loss-bp", maxExpectedLossBp), ("--max-loss-probability", maxLossProbability),
                              ("--retain-above", retainAbove)] {
            if let value { given += [name, "\(value)"] }
        }
        let manifest = Manifest(command: "solve", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name,
                                parameters: simulation.parameters(runSettings) + resolved + stressParameters(stress),
                                arguments: [model] + given + stressOption.arguments + simulation.arguments(runSettings))
        try output.emit(tables, manifest: manifest)
    }
}

/// What a `solve` run needs before its simulation: the constraints and the cover held fixed (the
/// command line over the model), the settings, the scenarios and their pilots (thresholds, the
/// losses kept, the cover curve's grid). Every shard, the merge and `leverage slurm` compute the
/// same plan (the pilot is deterministic).
struct SolvePlan {
    var constraints: InvestorConstraints
    var base: Cover
    var terms: CoverTerms
    var settings: SimulationSettings
    var stress: PortfolioStress?
    var scenarios: [(name: String, portfolio: Portfolio, structure: RiskSharingStructure)]
    var pilots: [(threshold: SolveThreshold, upper: Double?)]
    /// The cover curve's levels, fixed by the pilot (first-loss axis), else nil.
    var levels: [Double]?
    /// One K for every scenario (a part has one tail size).
    var tailSize: Int

    /// The run's resources (`RiskCoverAnalysis.solveResourceEstimate`).
    func estimate(threads: Int, shards: Int) -> ResourceEstimate {
        let curve = zip(scenarios, pilots).map { _, p in (levels ?? []).filter { $0 < p.threshold.firstLoss }.count }.max() ?? 0
        return RiskCoverAnalysis.solveResourceEstimate(portfolio: scenarios[0].portfolio,
                                                       settings: settings, terms: terms, scenarios: scenarios.count, tailSize: tailSize,
                                                       curveCovers: curve, threads: threads, shards: shards)
    }
}

extension Solve {
    /// The run's plan (see ``SolvePlan``); exit 1 naming the model file for a bad request.
    func plan(_ file: ScenarioFile, _ risk: RiskModel) throws -> SolvePlan {
        let spec = file.model.riskCover
        var constraints = spec?.constraints ?? InvestorConstraints()
        if let bp = maxExpectedLossBp { constraints.maxExpectedLoss = bp / 10_000 }
        if let p = maxLossProbability { constraints.maxLossProbability = p }
        if constraints.isEmpty {
            Console.error("\(file.path): no investor constraints: declare risk_cover.investors or give --max-expected-loss-bp / --max-loss-probability")
            throw ExitCode(1)
        }
        // The cover held fixed: the command line first, then the model's risk_cover.guarantee.
        var base = Cover(firstLoss: firstLoss ?? 0, guaranteeRate: guaranteeRate ?? spec?.guarantee?.rate ?? 0,
                         guaranteeCap: guaranteeCap ?? spec?.guarantee?.cap ?? 0)
        switch solveFor {
        case .firstLoss: break
        case .guaranteeRate:
            if base.guaranteeCap == 0 { base.guaranteeCap = 1 }   // an uncapped guarantee unless a cap is given
        case .guaranteeCap:
            if base.guaranteeRate == 0 {
                Console.error("\(file.path): solving for the guarantee cap needs a guarantee rate (--guarantee-rate or risk_cover.guarantee)")
                throw ExitCode(1)
            }
        }
        let stress = stressOption.stress(spec)
        let terms = spec?.terms ?? CoverTerms()
        let settings = RiskCoverAnalysis.solveSettings(simulation.settings(risk))
        let scenarios = try coverScenarios(file, stress: stress)
        // The pilot of each scenario: its threshold, the losses kept and (first loss) the curve's grid.
        var pilots: [(threshold: SolveThreshold, upper: Double?)] = []
        do {
            try settings.validate()
            for scenario in scenarios {
                pilots.append(try RiskCoverAnalysis.solvePilot(portfolio: scenario.portfolio, settings: settings, axis: solveFor, base: base,
                                                               terms: terms, constraints: constraints, retainAbove: retainAbove))
            }
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        let levels: [Double]? = solveFor == .firstLoss ? RiskCoverTables.curveLevels(upper: pilots.compactMap(\.upper).max() ?? 0) : nil
        return SolvePlan(constraints: constraints, base: base, terms: terms, settings: settings, stress: stress, scenarios: scenarios,
                         pilots: pilots, levels: levels, tailSize: pilots.map(\.threshold.tailSize).max() ?? settings.paths)
    }

    /// One bounded solve of a scenario on its run's summary (see `SolveThreshold`).
    func solveBounded(name: String, portfolio: Portfolio, settings: SimulationSettings, threshold: SolveThreshold, curve: [Cover],
                      summary: BatchRangeSummary, terms: CoverTerms, constraints: InvestorConstraints,
                      base: Cover) -> Result<(RiskCoverAnalysis, CoverSolution), RiskModelError> {
        let analysis: RiskCoverAnalysis
        do {
            analysis = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, threshold: threshold, curve: curve, summary: summary,
                                             terms: terms, constraints: constraints)
        } catch { return .failure(error) }
        let solving = Progress(label: "\(name): solving for \(solveFor.rawValue)", unit: "cover evaluations", enabled: !output.quiet)
        var onStep: (@Sendable (Int, Int) -> Void)?
        if solving.enabled { onStep = { @Sendable done, total in solving.update(done, total) } }
        defer { solving.finish() }
        do { return .success((analysis, try analysis.minimumCover(solveFor, from: base, progress: onStep))) } catch { return .failure(error) }
    }
}

extension CoverGrid.Axis: ExpressibleByArgument {}
