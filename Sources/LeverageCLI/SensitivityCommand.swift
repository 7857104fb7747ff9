import ArgumentParser
import Foundation
import Leverage

/// `leverage sensitivity MODEL`: a one-at-a-time tornado of the minimum public first loss over
/// the inputs the model marks as estimates, with common random numbers.
struct Sensitivity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How far the minimum public first loss moves over the estimated inputs' ranges (a tornado, common random numbers).",
        discussion: """
            Re-solves the headline of `leverage solve` (the minimum first loss meeting the investors' constraints, with \
            risk_cover.guarantee held fixed) with one input at a time at the low and high end of its range: the PD \
            multiplier, the asset-correlation shift, the LGD shift, the t copula's degrees of freedom (Student-t models) \
            and the investors' limits (max expected loss, max loss probability). Ranges come from risk_cover.sensitivity, \
            else defaults (see the table's notes). Every re-solve uses the same seed and paths; rows are sorted by swing.
            """)

    @Argument(help: "A model file with `portfolio` and `risk_cover` sections, or a bundled model name.")
    var model: String

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        let risk = try requirePortfolio(file, to: "run a sensitivity analysis of")
        guard let spec = file.model.riskCover else {
            Console.error("\(file.path): no risk_cover section: `leverage sensitivity` re-solves the minimum first loss of `leverage solve` and needs risk_cover with investor constraints (see `leverage models` for the risk-sharing models)")
            throw ExitCode(1)
        }
        if spec.constraints.isEmpty {
            Console.error("\(file.path): risk_cover declares no investor constraints (risk_cover.investors): there is no minimum first loss to vary")
            throw ExitCode(1)
        }
        let settings = simulation.settings(risk)
        let cover = Cover(firstLoss: 0, guaranteeRate: spec.guarantee?.rate ?? 0, guaranteeCap: spec.guarantee?.cap ?? 0)
        try simulation.resources.admit(RiskCoverAnalysis.resourceEstimate(portfolio: risk.portfolio, settings: settings, scenarios: 1,
                                                                          covers: RiskCoverAnalysis.solveEvaluations, threads: simulation.workers),
                                       what: "sensitivity with \(settings.paths) paths per re-solve", quiet: output.quiet)
        let progress = Progress(label: "sensitivity", unit: "re-solves", enabled: !output.quiet)
        defer { progress.finish() }
        let result: SensitivityResult
        do {
            result = try coverSensitivity(portfolio: risk.portfolio, settings: settings, terms: spec.terms, constraints: spec.constraints,
                                          cover: cover, ranges: spec.sensitivity) { done, total, what in progress.update(done, total, prefix: what) }
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        let table = SensitivityTables.sensitivity(result, axis: .firstLoss, paths: settings.paths, seed: settings.seed)
        var ranges: [(String, JSONValue)] = []
        for row in result.rows {
            ranges.append((row.input.rawValue, .object([("base", .number(row.base)), ("low", .number(row.low)), ("high", .number(row.high))])))
        }
        let manifest = Manifest(command: "sensitivity", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name,
                                parameters: simulation.parameters(settings) + [("ranges", .object(ranges))],
                                arguments: [model] + simulation.arguments(settings))
        try output.emit([table], manifest: manifest)
    }
}
