import Foundation
import ProjectFinance
import Scenarios
import Testing

/// Diagnostics' summaries for `yaml` ([] when it parses).
private func projectDiagnostics(_ yaml: String) -> [String] {
    do {
        _ = try ScenarioLoader.parse(yaml, file: "p.yaml")
        return []
    } catch {
        return error.diagnostics.map(\.summary)
    }
}

/// A small valid stress model: one project, two sites, drivers, lenders and two stresses.
let validProject = """
    name: p
    description: a project stress test
    unit: eur_m
    project:
      periods_per_year: 1
      construction_years: 1
      operating_years: 3
      discount_rate: 0.08
      capex:
        gpus: 1000
        chip_unit_cost_usd: 20000
        usd_per_eur: 1.25
        facility_eur_m: 4
      revenue:
        price_usd_per_gpu_hour: 2
        price_decline: 0.1
        utilisation: 0.5
        chip_life_years: 3
      opex:
        power_per_gpu_kw: 1
        pue: 1.25
        electricity_eur_per_kwh: 0.1
        staff_eur_m_per_year: 0.5
        maintenance_share: 0.02
      funding:
        eu_share: 0.1
        member_state_share: 0.1
        public_instrument: grant
        share_base: total_capex
        access: {mode: none}
        debt:
          gearing: 0.5
          tenor_years: 3
          base_rate: 0.03
          margin: 0.02
          amortisation: annuity
          reserve_months: 12
          covenant_dscr: 1.2
    drivers:
      gpu_price: {volatility: 0.2}
      electricity_price: {volatility: 0.3, mean_reversion: 0.5}
      correlations:
        - {between: [gpu_price, utilisation], value: 0.5}
    sites:
      - {id: a, label: Site A}
      - {id: b, label: Site B, electricity_eur_per_kwh: 0.2}
    lenders: {first_loss: 0.1, first_loss_holder: EU}
    stresses:
      - id: energy
        label: Energy shock
        shocks: {electricity_price: 1.0}
      - id: winter
        label: AI winter
        shocks: {gpu_price: -0.3, utilisation: -0.2, rate: 0.01}

    """

@Suite("Scenario files: the project stress-test sections")
struct ProjectScenarioTests {
    @Test("a valid project reads into the stress model it describes")
    func valid() throws {
        let model = try ScenarioLoader.parse(validProject, file: "p.yaml")
        let stress = try #require(model.stress)
        #expect(stress.sites.map(\.id) == ["a", "b"])
        #expect(stress.sites[1].parameters.opex.electricityEURPerKWh == 0.2)
        #expect(stress.sites[0].parameters.capex.chipsEURm == 16)
        #expect(stress.sites[0].parameters.funding.debt.amortisation == .annuity)
        #expect(stress.sites[0].parameters.revenue.refreshCostFactor == 1)       // default
        #expect(stress.drivers.priceVolatility == 0.2 && stress.drivers.electricityMeanReversion == 0.5)
        #expect(stress.drivers.correlation[0, 3] == 0.5 && stress.drivers.correlation[3, 0] == 0.5)
        #expect(stress.lenders == LenderStructure(firstLoss: 0.1, publicHolder: "EU", privateHolder: "private lenders"))
        #expect(stress.scenarios.map(\.id) == ["energy", "winter"])
        #expect(stress.scenarios[1].shock == Shock(gpuPrice: -0.3, utilisation: -0.2, rate: 0.01))
        #expect(stress.allScenarios.first == .baseline)
    }

    @Test("the bundled gigafactory model has both its capital stack and the stress test")
    func bundled() throws {
        let file = try ScenarioLoader.load("gigafactory")
        #expect(!file.model.stacks.isEmpty)
        let stress = try #require(file.model.stress)
        #expect(stress.sites.count == 5 && stress.scenarios.count == 6)
        #expect(stress.sites[0].parameters.issues().isEmpty)
        // 100,000 GPUs at $53,000 / 1.08 + 1,300 facility: ≈ 6.2 bn a site (≈ $67k all-in per GPU, the range's midpoint).
        #expect(abs(stress.sites[0].parameters.capex.baseEURm - (100_000 * 53_000 / 1.08 / 1e6 + 1300)) < 1e-9)
        #expect(stress.ranges.count == 17 && stress.sites[1].parameters.tax.rate == 0.15 && stress.sites[0].parameters.funding.debt.sizing?.basis == .p90)
    }

    /// Each bad input: the text replaced, its replacement and the exact located diagnostic.
    static let badInputs: [(name: String, from: String, to: String, expected: String)] = [
        ("tenor past the operation", "      tenor_years: 3\n", "      tenor_years: 5\n",
         "p.yaml:33:20: error: project.funding.debt.tenor_years: a tenor of 5.0 years runs past the 3.0 years of operation"),
        ("tenor not a number", "      tenor_years: 3\n", "      tenor_years: three\n",
         "p.yaml:33:20: error: project.funding.debt.tenor_years: expected a number, got 'three'"),
        ("negative tenor", "      tenor_years: 3\n", "      tenor_years: -3\n",
         "p.yaml:33:20: error: project.funding.debt.tenor_years: -3 must be above 0"),
        ("gearing as a percentage", "      gearing: 0.5\n", "      gearing: 50%\n",
         "p.yaml:32:16: error: project.funding.debt.gearing: '50%': write rates and shares as fractions (17 % is 0.17), not percentages"),
        ("shares above 100 %", "      gearing: 0.5\n", "      gearing: 0.9\n",
         "p.yaml:32:16: error: project.funding.debt.gearing: public money at close + debt = 1.1 of the base capex is above 1: nothing would be left for equity"),
        ("unknown amortisation", "      amortisation: annuity\n", "      amortisation: bullet\n",
         "p.yaml:36:21: error: project.funding.debt.amortisation: 'bullet' is not one of: annuity, linear, sculpted"),
        ("missing debt field", "      covenant_dscr: 1.2\n", "",
         "p.yaml:32:7: error: project.funding.debt.covenant_dscr: missing field (required)"),
        ("misspelt field", "    pue: 1.25\n", "    peu: 1.25\n",
         "p.yaml:21:5: error: project.opex.peu: unknown field (did you mean 'pue'?)"),
        ("PUE below 1", "    pue: 1.25\n", "    pue: 0.9\n",
         "p.yaml:21:10: error: project.opex.pue: a PUE of 0.9 is below 1 (facility power ≥ IT power)"),
        ("utilisation above 1", "    utilisation: 0.5\n", "    utilisation: 50\n",
         "p.yaml:17:18: error: project.revenue.utilisation: 50 is above 1 (write 17 % as 0.17)"),
        ("price decline of 100 %", "    price_decline: 0.1\n", "    price_decline: 1\n",
         "p.yaml:16:20: error: project.revenue.price_decline: a decline of 100 % a year leaves no price; use a value below 1"),
        ("GPU count not whole", "    gpus: 1000\n", "    gpus: 1000.5\n",
         "p.yaml:10:11: error: project.capex.gpus: 1000.5 is not a whole number"),
        ("quoted exchange rate", "    usd_per_eur: 1.25\n", "    usd_per_eur: \"1.25\"\n",
         "p.yaml:12:18: error: project.capex.usd_per_eur: expected a number, got the quoted text \"1.25\" (remove the quotes)"),
        ("construction not whole periods", "  construction_years: 1\n", "  construction_years: 1.5\n",
         "p.yaml:6:23: error: project.construction_years: 1.5 years is not a whole number of periods (1 a year)"),
        ("bad period count", "  periods_per_year: 1\n", "  periods_per_year: 3\n",
         "p.yaml:5:21: error: project.periods_per_year: 3 is not one of 1, 2, 4, 12"),
        ("unknown driver", "  gpu_price: {volatility: 0.2}\n", "  gpu_prices: {volatility: 0.2}\n",
         "p.yaml:40:3: error: drivers.gpu_prices: unknown field (did you mean 'gpu_price'?)"),
        ("negative volatility", "  gpu_price: {volatility: 0.2}\n", "  gpu_price: {volatility: -0.2}\n",
         "p.yaml:40:27: error: drivers.gpu_price.volatility: -0.2 is negative; amounts must be ≥ 0"),
        ("correlation of 1.5", "value: 0.5}", "value: 1.5}",
         "p.yaml:43:50: error: drivers.correlations[0].value: a correlation must lie strictly between −1 and 1, got 1.5"),
        ("unknown driver in a correlation", "[gpu_price, utilisation]", "[gpu_price, demand]",
         "p.yaml:43:29: error: drivers.correlations[0].between[1]: 'demand' is not one of: gpu_price, electricity_price, rate, utilisation, capex_overrun, delay"),
        ("duplicate site", "  - {id: b, label: Site B,", "  - {id: a, label: Site B,",
         "p.yaml:46:5: error: sites[1]: two sites are called 'a'"),
        ("first loss above 1", "first_loss: 0.1,", "first_loss: 1.1,",
         "p.yaml:47:23: error: lenders.first_loss: 1.1 is above 1"),
        ("unknown shock", "shocks: {electricity_price: 1.0}", "shocks: {energy: 1.0}",
         "p.yaml:51:14: error: stresses[0].shocks.energy: unknown field (expected one of: gpu_price, price_decline, utilisation, electricity_price, rate, capex_overrun, delay_years)"),
        ("price fall beyond 100 %", "gpu_price: -0.3,", "gpu_price: -1.3,",
         "p.yaml:54:25: error: stresses[1].shocks.gpu_price: a fall of more than 100 % (-1.3); −0.4 is −40 %"),
        ("a scenario called baseline", "  - id: energy\n", "  - id: baseline\n",
         "p.yaml:49:5: error: stresses[0]: 'baseline' is the unstressed run and is always reported; choose another id"),
        // Resource bounds (issue #14): each a located error, never a trap, hang or huge allocation.
        ("construction of 1e19 years", "  construction_years: 1\n", "  construction_years: 1e19\n",
         "p.yaml:6:23: error: project.construction_years: 1e+19 years is above the limit of 20 years"),
        ("operation of 1e300 years", "  operating_years: 3\n", "  operating_years: 1e300\n",
         "p.yaml:7:20: error: project.operating_years: 1e+300 years is above the limit of 50 years"),
        ("operation of 1e7 years", "  operating_years: 3\n", "  operating_years: 1e7\n",
         "p.yaml:7:20: error: project.operating_years: 10000000 years is above the limit of 50 years"),
        ("a delay of 1e300 years", "    facility_eur_m: 4\n", "    facility_eur_m: 4\n    delay_years: 1e300\n",
         "p.yaml:14:18: error: project.capex.delay_years: a delay of 1e+300 years is above the limit of 30 years"),
        ("a delay shock of 1e300 years", "shocks: {electricity_price: 1.0}", "shocks: {delay_years: 1e300}",
         "p.yaml:51:27: error: stresses[0].shocks.delay_years: a delay of 1e+300 years is above the limit of 30 years"),
        ("a delay shock of 1e6 years", "shocks: {electricity_price: 1.0}", "shocks: {delay_years: 1e6}",
         "p.yaml:51:27: error: stresses[0].shocks.delay_years: a delay of 1000000 years is above the limit of 30 years"),
        ("reserve in periods (renamed)", "      reserve_months: 12\n", "      reserve_periods: 1e12\n",
         "p.yaml:37:24: error: project.funding.debt.reserve_periods: reserves are now given in months of debt service, whatever the period length: write reserve_months (6 = the next six months)"),
        ("a reserve of 1e12 months", "      reserve_months: 12\n", "      reserve_months: 1e12\n",
         "p.yaml:37:23: error: project.funding.debt.reserve_months: 1000000000000 months is above the limit of 60 months"),
        ("an unknown share base", "    share_base: total_capex\n", "    share_base: facility\n",
         "p.yaml:29:17: error: project.funding.share_base: 'facility' is not one of: computing_infrastructure, total_capex"),
        ("an access mode without years", "    access: {mode: none}\n", "    access: {mode: free}\n",
         "p.yaml:30:13: error: project.funding.access.years: missing field (required)"),
        ("access beyond the operation", "    access: {mode: none}\n", "    access: {mode: offtake, years: 4}\n",
         "p.yaml:30:36: error: project.funding.access.years: 4.0 years of access must be positive and within the 3.0 years of operation"),
        ("a misspelt project section", "project:\n", "projects:\n",
         "p.yaml:4:1: error: projects: unknown field (did you mean 'project'?)"),
    ]

    @Test("every bad input gives its located diagnostic", arguments: badInputs.indices)
    func badInput(_ k: Int) {
        let bad = ProjectScenarioTests.badInputs[k]
        #expect(validProject.contains(bad.from), "\(bad.name): the replaced text is not in the valid model")
        let found = projectDiagnostics(validProject.replacingOccurrences(of: bad.from, with: bad.to))
        #expect(found.contains(bad.expected), "\(bad.name): got \(found)")
    }

    @Test("every scalar field of the project sections, given a list instead, is reported at its own line")
    func everyField() throws {
        let lines = validProject.components(separatedBy: "\n")
        var checked = 0
        for (k, line) in lines.enumerated() {
            guard let colon = line.firstIndex(of: ":"), !line.hasSuffix(":"), !line.contains("{"), !line.contains("["),
                  !line.hasPrefix("name:"), !line.hasPrefix("description:"), !line.hasPrefix("unit:") else { continue }
            var bad = lines
            bad[k] = String(line[...colon]) + " []"
            let text = bad.joined(separator: "\n")
            let errors: [Diagnostic]
            do {
                _ = try ScenarioLoader.parse(text, file: "p.yaml")
                errors = []
            } catch { errors = error.diagnostics }
            #expect(errors.contains { $0.line == k + 1 && $0.message.hasPrefix("expected") }, "line \(k + 1) '\(line)': \(errors.map(\.summary))")
            checked += 1
        }
        #expect(checked == 32)   // every block-style scalar field of validProject
    }

    @Test("a driver correlation that is not positive definite names the matrix and the leading minor")
    func notPositiveDefinite() {
        let text = validProject.replacingOccurrences(of: "    - {between: [gpu_price, utilisation], value: 0.5}\n", with: """
                - {between: [gpu_price, electricity_price], value: 0.9}
                - {between: [gpu_price, rate], value: 0.9}
                - {between: [electricity_price, rate], value: -0.9}

            """)
        let found = projectDiagnostics(text)
        #expect(found == ["p.yaml:43:5: error: drivers.correlations: the driver correlation matrix (order: gpu_price, electricity_price, rate, utilisation, capex_overrun, delay) is not positive definite: leading minor 3 (the first 3 drivers' correlations are inconsistent)"], "\(found)")
    }

    @Test("drivers and stresses without a project are refused")
    func sectionsNeedProject() {
        let text = """
            name: p
            description: d
            unit: eur_m
            stacks: [{id: s, label: S, total: 1, contributors: [{id: p, label: P, source: private, instrument: mixed, remainder: true}]}]
            stresses: []

            """
        #expect(projectDiagnostics(text) == ["p.yaml:5:11: error: stresses: `stresses` needs a `project` section to apply to"])
    }
}
