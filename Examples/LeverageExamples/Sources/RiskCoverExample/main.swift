// Leverage as a library, without YAML: a correlated AI-loan portfolio built in Swift with factor
// loadings by name, simulated, the minimum public first loss that private investors accept
// solved with its Monte Carlo band, a small sweep, and the same tables `leverage simulate`,
// `sweep` and `solve` print. The credit parameters are illustrative (EST), in the spirit of
// Models/investai-risk-sharing.yaml.
import Foundation
import Leverage

do {
    // Two systematic factors, named as in a model file's `portfolio.factors`.
    let factors = try SystematicFactors(names: ["ai_demand", "energy"], correlation: [[1, 0.3], [0.3, 1]])

    // Four gigafactory loans (EUR m) and a pool of 20,000 AI-adoption SME loans; loadings by factor name.
    var loans: [Exposure] = []
    for site in 1...4 {
        loans.append(try Exposure(name: "gf\(site)", exposureAtDefault: 1500, probabilityOfDefault: 0.04,
                                  lossGivenDefault: .beta(mean: 0.45, standardDeviation: 0.2),
                                  loadings: ["ai_demand": 0.55, "energy": 0.25], on: factors))
    }
    let smes = try HomogeneousPool(name: "sme", count: 20_000, exposureAtDefault: 0.2, probabilityOfDefault: 0.025,
                                   lossGivenDefault: .fixed(0.6), loadings: ["ai_demand": 0.3], on: factors)
    let portfolio = Portfolio(exposures: loans, pools: [smes], dependence: factors.dependence, copula: .studentT(degreesOfFreedom: 6))

    // Who bears what: an EU first loss of 8 %, private investors above it.
    let structure = RiskSharingStructure(tranches: [
        Tranche(name: "first_loss", attachment: 0, detachment: 0.08, holder: "EU"),
        Tranche(name: "senior", attachment: 0.08, detachment: 1, holder: "private investors"),
    ])
    let model = RiskModel(portfolio: portfolio, structure: structure, factors: factors, paths: 20_000, seed: 2025)

    // 1. Simulate, and print the tables `leverage simulate` prints (CSV: rates as fractions).
    let report = try simulate(portfolio: portfolio, structure: structure, settings: model.settings())
    let simulationTables = SimulationTables.tables(for: report, model: model, unit: .eurMillion)
    let exact = portfolio.expectedLoss, estimate = report.portfolio.expectedLoss
    print(String(format: "expected loss: %.4f EUR m (SE %.4f), exact %.4f", estimate.mean, estimate.standardError, exact))

    // 2. The minimum first loss for investors who accept at most 20 bp expected loss (the files' unit).
    let terms = CoverTerms(publicHolder: "EU", privateHolder: "private investors", provisioningRate: 0.4)
    let constraints = InvestorConstraints(maxExpectedLossBasisPoints: 20)
    //    As `leverage solve` runs it, with bounded memory: a pilot of the first batches sets a
    //    threshold first loss, the run keeps only the losses above it (and the count of the rest),
    //    and every constraint check equals the check on every loss bit for bit.
    let solved = try RiskCoverAnalysis.solve(.firstLoss, from: Cover(), portfolio: portfolio, settings: model.settings(),
                                             terms: terms, constraints: constraints)
    let analysis = solved.analysis, solution = solved.solution
    print(String(format: "minimum first loss: %.6f (band %.6f to %.6f), leverage %.4f, ",
                 solution.level.value, solution.level.lower, solution.level.upper, solution.leverage.value)
          + "binding \(solution.binding?.rawValue ?? "none")")

    // 3. A sweep over three first losses on the same simulated losses (common random numbers), as
    //    `leverage sweep` runs it: the batches accumulate each cover's figures while they are
    //    simulated, so the sweep keeps no per-path losses (its memory does not grow with the paths).
    let grid = CoverGrid(firstLoss: [0.05, 0.10, 0.20])
    let swept = try RiskCoverAnalysis(portfolio: portfolio, settings: model.settings(), covers: grid.covers, terms: terms, constraints: constraints)
    let evaluations = try swept.sweep(grid.covers)
    let funding = try evaluations.map { try swept.funding(for: $0.cover, evaluation: $0) }
    let sweep = evaluations.map { (scenario: "baseline", evaluation: $0) }
    let coverTables = [RiskCoverTables.sweep(sweep, unit: .eurMillion, funding: funding, terms: swept.terms)]
        + (try RiskCoverTables.solveWithCurve([(scenario: "baseline", analysis: analysis, solution: solution, budget: 1000)],
                                              axis: .firstLoss, base: Cover(), unit: .eurMillion, levels: solved.curveLevels))

    // 4. Without constraints there is nothing to solve: the library says so instead of answering 0.
    let unconstrained = RiskCoverAnalysis(base: analysis.base, terms: terms)
    do { _ = try unconstrained.minimumFirstLoss() } catch { print("without constraints: \(error)") }

    for table in simulationTables + coverTables {
        print("# \(table.name)")
        print(Renderer.csv(table), terminator: "")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
