import Foundation
import RiskSharing
import Scenarios
import Testing

let validPortfolio = """
    name: p
    description: a portfolio
    unit: eur_m
    portfolio:
      copula: gaussian
      factors:
        names: [energy, demand]
        correlation: [[1, 0.3], [0.3, 1]]
      exposures:
        - {name: gf1, ead: 1500, pd: 0.03, lgd: 0.45, loadings: {energy: 0.4}}
        - {name: gf2, ead: 1500, pd: 0.03, lgd: {mean: 0.45, sd: 0.2}, loadings: [0.4, 0.3]}
      pools:
        - {name: sme, count: 50000, ead: 0.2, pd: 0.02, lgd: 0.6, loadings: {demand: 0.4}}
    risk_sharing:
      tranches:
        - {name: first_loss, attachment: 0, detachment: 0.05, holder: EU}
        - {name: mezzanine, attachment: 0.05, detachment: 0.15, holder: EIB}
        - {name: senior, attachment: 0.15, detachment: 1, holder: private}
      guarantees:
        - {name: ms, rate: 0.5, cap: 0.1, covers: mezzanine, guarantor: Member State, provision: 20}
    simulation: {paths: 5000, seed: 7}
    """

/// CSV data files for tests, by name.
func dataFiles(_ files: [String: String]) -> (String) -> (path: String, text: String)? {
    { name in files[name].map { (name, $0) } }
}

@Suite("Scenario files: portfolio, risk sharing, simulation")
struct PortfolioScenarioTests {
    @Test("A valid portfolio reads into the engine's types")
    func valid() throws {
        let model = try ScenarioLoader.parse(validPortfolio, file: "p.yaml")
        let risk = try #require(model.risk)
        #expect(risk.factorNames == ["energy", "demand"])
        #expect(risk.portfolio.exposures.map(\.loadings) == [[0.4, 0], [0.4, 0.3]])
        #expect(risk.portfolio.exposures[1].lossGivenDefault == .beta(mean: 0.45, standardDeviation: 0.2))
        #expect(risk.portfolio.pools[0].count == 50000 && risk.portfolio.pools[0].loadings == [0, 0.4])
        #expect(risk.structure.tranches.map(\.detachment) == [0.05, 0.15, 1])
        #expect(risk.structure.guarantees[0].covers == .tranche("mezzanine") && risk.structure.guarantees[0].budgetProvision == 20)
        #expect(risk.paths == 5000 && risk.seed == 7)
    }

    static let badInputs: [(name: String, from: String, to: String, expected: String)] = [
        ("detachment above 1", "attachment: 0.15, detachment: 1,", "attachment: 0.15, detachment: 1.2,",
         "p.yaml:18:52: error: risk_sharing.tranches[2].detachment: 1.2 is above 1"),
        ("a gap between tranches", "attachment: 0.05, detachment: 0.15,", "attachment: 0.06, detachment: 0.15,",
         "p.yaml:17:37: error: risk_sharing.tranches[1].attachment: 0.06: must equal the previous tranche's detachment 0.05 (tranches run from the most junior up and cover [0, 1])"),
        ("senior tranche short of 1", "attachment: 0.15, detachment: 1,", "attachment: 0.15, detachment: 0.9,",
         "p.yaml:18:52: error: risk_sharing.tranches[2].detachment: 0.9: the most senior tranche must detach at 1 so that every loss is borne by someone"),
        ("detachment below attachment", "attachment: 0.05, detachment: 0.15,", "attachment: 0.05, detachment: 0.04,",
         "p.yaml:17:55: error: risk_sharing.tranches[1].detachment: 0.04 is not above the attachment 0.05"),
        ("guarantee on an unknown tranche", "covers: mezzanine", "covers: junior",
         "p.yaml:20:47: error: risk_sharing.guarantees[0].covers: no tranche is called 'junior' (name a tranche, or portfolio)"),
        ("factor correlation not positive definite", "correlation: [[1, 0.3], [0.3, 1]]", "correlation: [[1, 1.0], [1.0, 1]]",
         "p.yaml:8:18: error: portfolio.factors.correlation: not positive definite: leading minor 2 of factor_correlation (add `repair: nearest` to use the nearest correlation matrix instead; the distance moved is reported)"),
        ("asymmetric correlation", "correlation: [[1, 0.3], [0.3, 1]]", "correlation: [[1, 0.3], [0.2, 1]]",
         "p.yaml:8:30: error: portfolio.factors.correlation[1][0]: not symmetric: entry (1, 0) is 0.2 but (0, 1) is 0.3"),
        ("loadings that explain more than all the variance", "loadings: [0.4, 0.3]", "loadings: [0.9, 0.6]",
         "p.yaml:11:78: error: portfolio.exposures[1].loadings: βᵀΣβ = 1.494 ≥ 1: the factors would explain more than all of the variance"),
        ("loading on an unknown factor", "loadings: {energy: 0.4}", "loadings: {enrgy: 0.4}",
         "p.yaml:10:62: error: portfolio.exposures[0].loadings.enrgy: unknown field (did you mean 'energy'?)"),
        ("infeasible Beta LGD", "lgd: {mean: 0.45, sd: 0.2}", "lgd: {mean: 0.45, sd: 0.6}",
         "p.yaml:11:62: error: portfolio.exposures[1].lgd.sd: sd 0.6 is too large for mean 0.45: a Beta distribution needs sd < √(m(1 − m)) = 0.497493719"),
        ("PD above 1", "{name: gf1, ead: 1500, pd: 0.03", "{name: gf1, ead: 1500, pd: 1.03",
         "p.yaml:10:34: error: portfolio.exposures[0].pd: 1.03 is above 1"),
        ("negative exposure", "{name: gf1, ead: 1500,", "{name: gf1, ead: -1500,",
         "p.yaml:10:24: error: portfolio.exposures[0].ead: -1500 is negative; amounts must be ≥ 0"),
        ("empty pool", "count: 50000", "count: 0",
         "p.yaml:13:26: error: portfolio.pools[0].count: 0 is below 1"),
        ("Student-t without degrees of freedom", "copula: gaussian", "copula: student_t",
         "p.yaml:5:3: error: portfolio.degrees_of_freedom: missing field (required)"),
        ("zero paths", "paths: 5000", "paths: 0",
         "p.yaml:21:21: error: simulation.paths: 0 is below 1"),
    ]

    @Test("Bad input gives a located error naming the field", arguments: badInputs.indices)
    func badInput(_ k: Int) {
        let c = PortfolioScenarioTests.badInputs[k]
        #expect(validPortfolio.contains(c.from), "test case \(c.name) does not apply")
        let yaml = validPortfolio.replacingOccurrences(of: c.from, with: c.to)
        #expect(diagnostics(yaml, file: "p.yaml") == [c.expected], "\(c.name)")
    }

    @Test("A non-positive-definite matrix is accepted with repair: nearest (the engine reports the distance moved)")
    func repairIsExplicit() throws {
        let yaml = validPortfolio.replacingOccurrences(of: "correlation: [[1, 0.3], [0.3, 1]]", with: "correlation: [[1, 1.0], [1.0, 1]]\n    repair: nearest")
        let model = try ScenarioLoader.parse(yaml, file: "p.yaml")
        guard case .factors(_, let repair)? = model.risk?.portfolio.dependence else { Issue.record("no factors"); return }
        #expect(repair == .nearest)
    }

    static let csvModel = """
        name: c
        description: from a file
        unit: eur_m
        portfolio:
          factors: {names: [a, b], uniform_correlation: 0.25}
          exposures_csv: loans.csv
        """

    @Test("Exposures load from a CSV file named in the model")
    func csv() throws {
        let csv = "# a comment line\nname,ead,pd,lgd,lgd_sd,a\nx,10,0.01,0.4,0,0.3\n\"y, z\",5,0.02,0.5,0.1,0.2\n"
        let model = try ScenarioLoader.parse(PortfolioScenarioTests.csvModel, file: "c.yaml", readDataFile: dataFiles(["loans.csv": csv]))
        let exposures = try #require(model.risk?.portfolio.exposures)
        #expect(exposures.map(\.name) == ["x", "y, z"])
        #expect(exposures[0].loadings == [0.3, 0] && exposures[0].lossGivenDefault == .fixed(0.4))
        #expect(exposures[1].lossGivenDefault == .beta(mean: 0.5, standardDeviation: 0.1))
    }

    @Test("Bad CSV rows are located in the CSV file", arguments: [
        ("name,ead,pd,lgd,a\nx,10,1.2,0.4,0.3\n", "loans.csv:2:6: error: portfolio.exposures_csv[0].pd: 1.2 is above 1"),
        ("name,ead,pd,lgd,a\nx,10,0.1,0.4,0.3\ny,ten,0.1,0.4,0\n", "loans.csv:3:3: error: portfolio.exposures_csv[1].ead: expected a number, got 'ten'"),
        ("name,ead,pd,lgd,c\nx,10,0.1,0.4,0.3\n", "loans.csv:1:17: error: portfolio.exposures_csv: unknown column 'c' (did you mean 'a'?)"),
        ("name,ead,lgd\nx,10,0.4\n", "loans.csv:1:1: error: portfolio.exposures_csv: missing column 'pd' (required)"),
        ("name,ead,pd,lgd\nx,10,0.1\n", "loans.csv:2:6: error: portfolio.exposures_csv[0]: expected 4 fields, got 3"),
        ("name,ead,pd,lgd\n\"x,10,0.1,0.4\n", "loans.csv:2:1: error: portfolio.exposures_csv: a quoted field is not closed"),
    ])
    func badCSV(_ csv: String, _ expected: String) {
        do {
            _ = try ScenarioLoader.parse(PortfolioScenarioTests.csvModel, file: "c.yaml", readDataFile: dataFiles(["loans.csv": csv]))
            Issue.record("no error for \(csv)")
        } catch {
            #expect(error.diagnostics.map(\.summary) == [expected])
        }
    }

    @Test("A missing CSV file is an error at the field that names it")
    func missingCSV() {
        #expect(diagnostics(PortfolioScenarioTests.csvModel, file: "c.yaml")
                == ["c.yaml:6:18: error: portfolio.exposures_csv: cannot read 'loans.csv' (paths are relative to the model file)"])
    }

    @Test("risk_sharing and simulation need a portfolio")
    func sectionsNeedPortfolio() {
        let yaml = validStack + "\nsimulation: {paths: 10}\n"
        #expect(diagnostics(yaml) == ["m.yaml:24:13: error: simulation: `simulation` needs a `portfolio` section"])
    }
}

@Suite("Scenario files: risk_cover")
struct RiskCoverScenarioTests {
    static let model = validPortfolio + """

        risk_cover:
          public_holder: EU
          private_holder: private
          provisioning_rate: 0.4
          investors: {max_expected_loss_bp: 25, max_loss_probability: 0.005, coupon: 0.045, hurdle: 0.04}
          guarantee: {rate: 0.5, cap: 0.2}
          sweep: {first_loss: "0:0.2:0.05", guarantee_cap: "0.1,0.2"}
          stress: {pd: 1.5}
        """

    @Test("A valid risk_cover section reads into terms, constraints, grid and stress")
    func valid() throws {
        let spec = try #require(try ScenarioLoader.parse(RiskCoverScenarioTests.model, file: "p.yaml").riskCover)
        #expect(spec.terms.publicHolder == "EU" && spec.terms.provisioningRate == 0.4)
        #expect(spec.constraints.maxExpectedLoss == 0.0025 && spec.constraints.maxLossProbability == 0.005)
        #expect(spec.grid.firstLoss.count == 5 && spec.grid.guaranteeCap == [0.1, 0.2] && spec.grid.guaranteeRate == [0])
        #expect(spec.guarantee?.rate == 0.5 && spec.stress?.pdMultiplier == 1.5)
    }

    @Test("Bad risk_cover input is located", arguments: [
        ("coupon: 0.045, hurdle: 0.04}", "coupon: 0.045}", "p.yaml:26:14: error: risk_cover.investors.hurdle: coupon and hurdle go together (coupon − expected loss rate ≥ hurdle)"),
        ("first_loss: \"0:0.2:0.05\"", "first_loss: \"0:2:0.5\"", "p.yaml:28:23: error: risk_cover.sweep.first_loss: 1.5 is outside [0, 1] (covers are fractions: 5 % is 0.05)"),
        ("provisioning_rate: 0.4", "provisioning_rate: 40%", "p.yaml:25:22: error: risk_cover.provisioning_rate: '40%': write rates and shares as fractions (17 % is 0.17), not percentages"),
        ("private_holder: private", "private_holder: EU", "p.yaml:24:19: error: risk_cover.private_holder: the private holder must differ from the public holder 'EU'"),
        ("stress: {pd: 1.5}", "stress: {pd: 1.5}\n  budget: -5", "p.yaml:30:11: error: risk_cover.budget: -5 must be above 0"),
        ("stress: {pd: 1.5}", "stress: {pd: 1.5}\n  confidence: 1", "p.yaml:30:15: error: risk_cover.confidence: 1 must be strictly between 0 and 1"),
        ("max_loss_probability: 0.005", "max_loss_prob: 0.005", "p.yaml:26:41: error: risk_cover.investors.max_loss_prob: unknown field (expected one of: max_expected_loss_bp, max_loss_probability, coupon, hurdle)"),
        ("max_expected_loss_bp: 25", "max_expected_loss_bp: 20000", "p.yaml:26:37: error: risk_cover.investors.max_expected_loss_bp: 20000 bp is above 10000 bp (100 %)"),
        ("guarantee: {rate: 0.5, cap: 0.2}", "guarantee: {rate: 0.5}", "p.yaml:27:14: error: risk_cover.guarantee.cap: missing field (required)"),
        ("stress: {pd: 1.5}", "stress: {pd: -1}", "p.yaml:29:16: error: risk_cover.stress.pd: -1 must be above 0"),
    ])
    func bad(_ from: String, _ to: String, _ expected: String) {
        #expect(RiskCoverScenarioTests.model.contains(from))
        #expect(diagnostics(RiskCoverScenarioTests.model.replacingOccurrences(of: from, with: to), file: "p.yaml") == [expected])
    }
}
