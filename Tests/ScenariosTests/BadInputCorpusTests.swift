import CapitalStacks
import Foundation
import RiskSharing
import Scenarios
import Testing

// The corpus of hostile and mistaken model files (issue 14, input side). Every case must be
// refused with located diagnostics (file:line:column, line ≥ 1) naming the field at fault, or —
// for the few inputs that are right after all — accepted. A trap anywhere fails the whole suite.

/// The diagnostics of `yaml`, or nil if it parses.
func refusal(_ yaml: String, file: String = "m.yaml",
             data: [String: String] = [:]) -> [Diagnostic]? {
    do {
        _ = try ScenarioLoader.parse(yaml, file: file, readDataFile: { name in data[name].map { (name, $0) } })
        return nil
    } catch {
        return error.diagnostics
    }
}

/// A model with every accounting section in flow style: each `key: number` is a mutation site.
let corpusAccounting = """
    name: corpus
    description: every accounting section
    unit: eur_bn
    stacks:
      - id: s
        label: S
        total: 10
        contributors:
          - {id: eu, label: EU, source: eu_budget, instrument: grant, share: 0.2, cap: 5}
          - {id: ms, label: MS, source: member_state, instrument: grant, match: {of: [eu], ratio: 1}}
          - {id: fixed, label: F, source: eib_group, instrument: debt, amount: 1}
          - {id: rest, label: P, source: private, instrument: mixed, remainder: true}
        allocations:
          - {id: a1, label: A, amount: 2, units: 4}
          - {id: a2, label: B, share: 0.1}
    chains:
      - id: c
        label: C
        base:
          - {id: g, label: G, source: eu_budget, kind: guarantee, amount: 16}
          - {id: k, label: K, source: eib_group, kind: capital, amount: 5}
          - {id: p, label: P, source: other_public, kind: capital, share_of: g, share: 0.25}
        provision: {rate: 0.5}
        stages:
          - {label: first, multiplier: 3}
          - {label: second, multiplier: 5}
        expost: {reported: 300, deductions: [{label: d, amount: 30}], additionality: 0.6}
    """

/// A portfolio model in flow style (factors, exposures, a pool, tranches, guarantees, simulation).
let corpusPortfolio = """
    name: corpus
    description: a portfolio
    unit: eur_m
    portfolio:
      copula: student_t
      degrees_of_freedom: 5
      factors: {names: [energy, demand], correlation: [[1, 0.3], [0.3, 1]]}
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
    simulation: {paths: 5000, seed: 7, batch_size: 1024}
    risk_cover:
      provisioning_rate: 0.4
      confidence: 0.99
      budget: 2000
      investors: {max_expected_loss_bp: 25, max_loss_probability: 0.003}
      guarantee: {rate: 0.5, cap: 0.2}
      stress: {pd: 1.5, correlation: 0.05, lgd: 0.1}
    """

/// The portfolio model with a `lifetime` section (lines 29–38) and a `risk_cover.sensitivity`
/// section (line 25) in flow style: each `key: number` is a mutation site.
let corpusLifetime = corpusPortfolio.replacingOccurrences(of: "budget: 2000", with: "budget: 2000\n  sensitivity: {pd: [0.7, 1.5], correlation: [-0.05, 0.05], max_expected_loss_bp: [15, 40]}") + """

    lifetime:
      start_year: 2027
      horizon: 3
      recovery_lag: 1
      discount_rate: 0.03
      fees: {ms: 0.005}
      default: {amortisation: linear, maturity: 5}
      items:
        sme: {cumulative_pd: [0.02, 0.04, 0.06]}
        gf1: {hazard: 0.03, amortisation: annuity, maturity: 6, rate: 0.05}
    """

/// The project stress model with a calibration `ranges` section (the gigafactory's `ranges:`,
/// lines 55–57).
let corpusRanges = validProject + """
    ranges:
      - {input: utilisation, low: 0.4, high: 0.7}
      - {input: electricity_eur_per_kwh, site: b, low: 0.15, high: 0.25}
    """

/// Values no number field accepts, whatever its range.
let hostileNumbers = [".nan", ".inf", "-.inf", "nan", "inf", "1e999", "\"0.5\"", "''", "[1]", "{a: 1}", "50%", "0x", "1e308e", "~"]

/// Values no name field accepts.
let hostileNames = ["''", "\"\"", "' '", "[a]", "{a: b}", "\"a\\u001Bb\""]

/// One mutation site: the `key: value` occurrence to change.
struct Site {
    var key: String
    var range: Range<String.Index>
}

/// Every `key: value` in flow mappings of `text` whose value is a plain number (or, with `names`,
/// a plain identifier).
func sites(in text: String, names: Bool) -> [Site] {
    let pattern = names ? #"\b(id|name|label|holder|guarantor|covers|share_of): ([A-Za-z][A-Za-z0-9_ ]*?)(?=[,}\n])"#
                        : #"\b([a-z_]+): (-?[0-9][0-9.e+-]*)(?=[,}\n])"#
    let regex = try! NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { m in
        guard let key = Range(m.range(at: 1), in: text), let value = Range(m.range(at: 2), in: text) else { return nil }
        return Site(key: String(text[key]), range: value)
    }
}

/// The generated corpus: each site of each base model with each hostile value.
func generatedCases() -> [(name: String, yaml: String, key: String)] {
    var cases: [(String, String, String)] = []
    // The lifetime and ranges bases add only the sites of their own sections (from `marker` on).
    let bases = [(corpusAccounting, "accounting", ""), (corpusPortfolio, "portfolio", ""),
                 (corpusLifetime, "lifetime", "\nlifetime:"), (corpusRanges, "ranges", "\nranges:")]
    for (base, label, marker) in bases {
        let from = marker.isEmpty ? base.startIndex : base.range(of: marker)!.lowerBound
        for (names, values) in [(false, hostileNumbers), (true, hostileNames)] {
            for site in sites(in: base, names: names) where site.range.lowerBound >= from {
                for value in values {
                    var text = base
                    text.replaceSubrange(site.range, with: value)
                    cases.append(("\(label) \(site.key): \(value)", text, site.key))
                }
            }
        }
    }
    return cases
}

/// Asserts that every diagnostic is located in a file (line and column ≥ 1).
func expectLocated(_ diagnostics: [Diagnostic], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for d in diagnostics {
        #expect(d.line >= 1 && d.column >= 1, "\(name): unlocated diagnostic \(d.summary)", sourceLocation: sourceLocation)
    }
}

@Suite("Bad input corpus: hostile and mistaken model files are refused with located errors")
struct BadInputCorpusTests {
    @Test("The base models of the corpus are valid (so each mutation is what breaks them)")
    func basesAreValid() throws {
        _ = try ScenarioLoader.parse(corpusAccounting, file: "m.yaml")
        _ = try ScenarioLoader.parse(corpusPortfolio, file: "m.yaml")
        let lifetime = try ScenarioLoader.parse(corpusLifetime, file: "m.yaml")
        #expect(lifetime.risk?.lifetime?.horizon == 3 && lifetime.risk?.lifetime?.items.count == 2)
        #expect(lifetime.riskCover?.sensitivity.ranges.count == 3)
        #expect(try ScenarioLoader.parse(corpusRanges, file: "m.yaml").stress?.ranges.count == 2)
        #expect(sites(in: corpusAccounting, names: false).count >= 15)
        #expect(sites(in: corpusPortfolio, names: false).count >= 30)
    }

    @Test("Generated corpus: every hostile value in every field is refused at that field")
    func generated() {
        let cases = generatedCases()
        #expect(cases.count >= 600)
        var refusedAtField = 0
        for c in cases {
            guard let found = refusal(c.yaml) else {
                Issue.record("\(c.name): accepted")
                continue
            }
            expectLocated(found, c.name)
            if found.contains(where: { $0.path.hasSuffix(c.key) || $0.path.contains("." + c.key + "[") || $0.path.contains("." + c.key + ".") }) {
                refusedAtField += 1
            } else {
                Issue.record("\(c.name): no diagnostic at the field; got \(found.map(\.summary))")
            }
        }
        #expect(refusedAtField == cases.count)
    }

    /// Hand-written cases: a model text (and data files), and a fragment of the expected summary.
    static let cases: [(name: String, yaml: String, data: [String: String], expected: String)] = {
        func accounting(_ from: String, _ to: String) -> String {
            precondition(corpusAccounting.contains(from), from)
            return corpusAccounting.replacingOccurrences(of: from, with: to)
        }
        func portfolio(_ from: String, _ to: String) -> String {
            precondition(corpusPortfolio.contains(from), from)
            return corpusPortfolio.replacingOccurrences(of: from, with: to)
        }
        func lifetime(_ from: String, _ to: String) -> String {
            precondition(corpusLifetime.contains(from), from)
            return corpusLifetime.replacingOccurrences(of: from, with: to)
        }
        func ranges(_ from: String, _ to: String) -> String {
            precondition(corpusRanges.contains(from), from)
            return corpusRanges.replacingOccurrences(of: from, with: to)
        }
        let csvModel = """
            name: c
            description: csv
            unit: eur_m
            portfolio:
              factors: {names: [energy], uniform_correlation: 0.2}
              exposures_csv: loans.csv
            """
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for k in 1...9 { bomb += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let long = String(repeating: "x", count: 100_000)
        return [
            // Reading the text itself.
            ("empty file", "", [:], "m.yaml:1:1: error: the file is empty"),
            ("blank lines only", "\n\n   \n", [:], "m.yaml:1:1: error: the file is empty"),
            ("comments only", "# a comment\n# another\n", [:], "m.yaml:1:1: error: the file holds no YAML document"),
            ("NUL byte", "name: a\ndescription: b\u{0}c\n", [:], "m.yaml:2:15: error: a NUL byte"),
            ("escape character", "name: a\u{1B}[31m\n", [:], "m.yaml:1:8: error: the control character U+001B"),
            ("DEL character", "name: a\u{7F}\n", [:], "m.yaml:1:8: error: the control character U+007F"),
            ("C1 control character", "name: a\u{9B}b\n", [:], "m.yaml:1:8: error: the control character U+009B"),
            ("an alias as a mapping key", "a: &a [x, y]\n? *a\n: 1\n", [:], "m.yaml:2:3: error: an alias (*a) cannot be a field name"),
            ("an alias inside a mapping key", "a: &a [x, y]\n? [*a, *a]\n: 1\n", [:], "m.yaml:2:4: error: an alias (*a) cannot be a field name"),
            ("alias bomb", bomb, [:], "aliases expand to more than 100000 values"),
            ("alias bomb as values", bomb + "name: *a9\n", [:], "aliases expand to more than 100000 values"),
            ("deep nesting", "name: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n", [:],
             "m.yaml:1:"),
            ("deep nesting says so", "x: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n", [:],
             "nest more than 64 deep"),
            ("duplicate field, reported at the duplicate", "name: a\ndescription: b\nunit: eur_m\nname: c\n", [:],
             "m.yaml:4:1: error: the field 'name' appears twice in one mapping (first at line 1)"),
            ("duplicate field in a flow mapping", accounting("{label: first, multiplier: 3}", "{label: first, multiplier: 3, multiplier: 4}"), [:],
             "m.yaml:25:39: error: the field 'multiplier' appears twice in one mapping (first at line 25)"),
            ("undefined alias", "name: *nowhere\n", [:], "m.yaml:1:7: error: YAML"),
            ("two documents", "name: a\n---\nname: b\n", [:], "m.yaml:"),
            ("a list at the root", "- a\n- b\n", [:], "m.yaml:1:1: error: expected a mapping"),
            ("a scalar at the root", "hello\n", [:], "m.yaml:1:1: error: expected a mapping"),
            ("a 100 kB value is not echoed whole", "name: [" + long + "\n", [:], "m.yaml:"),
            ("unknown 100 kB field name", "name: a\ndescription: b\nunit: eur_m\n" + long + ": 1\n", [:], "m.yaml:4:100001: error: YAML syntax"),
            ("unknown 1 kB field name", "name: a\ndescription: b\nunit: eur_m\n" + String(repeating: "k", count: 1000) + ": 1\n", [:], "m.yaml:4:1: error: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk… (1000 characters): unknown field"),
            // Empty and duplicate identifiers (each a trap before).
            ("empty contributor id", accounting("{id: eu,", "{id: \"\","), [:], "stacks[0].contributors[0].id: expected text, got an empty value"),
            ("empty stack id", accounting("  - id: s\n", "  - id: ''\n"), [:], "stacks[0].id: expected text, got an empty value"),
            ("empty match.of entry", accounting("of: [eu]", "of: [\"\"]"), [:], "stacks[0].contributors[1].match.of[0]: expected text, got an empty value"),
            ("empty allocation id", accounting("{id: a1,", "{id: '',"), [:], "stacks[0].allocations[0].id: expected text"),
            ("empty base component id", accounting("{id: g,", "{id: \"\","), [:], "chains[0].base[0].id: expected text"),
            ("empty share_of", accounting("share_of: g", "share_of: \"\""), [:], "chains[0].base[2].share_of: expected text"),
            ("empty chain id", accounting("  - id: c\n", "  - id: \"\"\n"), [:], "chains[0].id: expected text"),
            ("empty factor name", portfolio("names: [energy, demand]", "names: [energy, \"\"]"), [:], "portfolio.factors.names[1]: expected text"),
            ("empty tranche name", portfolio("{name: first_loss,", "{name: \"\","), [:], "risk_sharing.tranches[0].name: expected text"),
            ("empty guarantee name", portfolio("{name: ms,", "{name: \"\","), [:], "risk_sharing.guarantees[0].name: expected text"),
            ("empty exposure name", portfolio("{name: gf1,", "{name: '',"), [:], "portfolio.exposures[0].name: expected text"),
            ("empty pool name", portfolio("{name: sme,", "{name: '',"), [:], "portfolio.pools[0].name: expected text"),
            ("empty holder", portfolio("holder: EIB", "holder: \"\""), [:], "risk_sharing.tranches[1].holder: expected text"),
            ("empty guarantor", portfolio("guarantor: Member State", "guarantor: ''"), [:], "risk_sharing.guarantees[0].guarantor: expected text"),
            ("empty label", accounting("label: EU,", "label: '',"), [:], "stacks[0].contributors[0].label: expected text"),
            ("empty model name", accounting("name: corpus", "name: \"\""), [:], "m.yaml:1:7: error: name: expected text"),
            ("duplicate allocation ids", accounting("{id: a2,", "{id: a1,"), [:], "stacks[0].allocations[1].id: 'a1' is used by two allocations"),
            ("duplicate contributor ids", accounting("{id: fixed,", "{id: eu,"), [:], "stacks[0].contributors[2].id: 'eu' is used by two contributors"),
            ("duplicate base ids", accounting("{id: k,", "{id: g,"), [:], "'g' is used by two base components"),
            ("duplicate guarantee names", portfolio("provision: 20}", "provision: 20}\n    - {name: ms, rate: 0.1, cap: 0.1, covers: senior, guarantor: EU}"), [:],
             "risk_sharing.guarantees[1].name: two guarantees are called 'ms'"),
            ("duplicate exposure names", portfolio("{name: gf2,", "{name: gf1,"), [:], "portfolio.exposures[1].name: two exposures or pools are called 'gf1'"),
            ("exposure and pool with one name", portfolio("{name: sme,", "{name: gf1,"), [:], "portfolio.pools[0].name: two exposures or pools are called 'gf1'"),
            ("duplicate tranche names", portfolio("{name: mezzanine, attachment: 0.05", "{name: first_loss, attachment: 0.05"), [:], "two tranches are called 'first_loss'"),
            ("duplicate factor names", portfolio("names: [energy, demand]", "names: [energy, energy]"), [:], "factor 'energy' is named twice"),
            ("a name with an escape sequence", accounting("{id: eu,", "{id: \"e\\eu\","), [:], "stacks[0].contributors[0].id: 'e\\u{1B}u' contains a control character"),
            // Whole numbers: checked conversions.
            ("batch size 1e9", portfolio("batch_size: 1024", "batch_size: 1e9"), [:], "simulation.batch_size: 1000000000 is too large: at most 1048576"),
            ("paths 1e19", portfolio("paths: 5000", "paths: 1e19"), [:], "simulation.paths: 1e+19 is too large: at most 1000000000"),
            ("paths 9223372036854775807", portfolio("paths: 5000", "paths: 9223372036854775807"), [:], "simulation.paths: 9.223372036854776e+18 is too large"),
            ("paths 1.5", portfolio("paths: 5000", "paths: 1.5"), [:], "simulation.paths: 1.5 is not a whole number"),
            ("paths 0", portfolio("paths: 5000", "paths: 0"), [:], "simulation.paths: 0 is below 1"),
            ("seed -1", portfolio("seed: 7", "seed: -1"), [:], "simulation.seed: -1 is below 0"),
            ("seed 1e20", portfolio("seed: 7", "seed: 1e20"), [:], "simulation.seed: 1e+20 is too large"),
            ("pool count 1e19", portfolio("count: 50000", "count: 1e19"), [:], "portfolio.pools[0].count: 1e+19 is too large"),
            ("units 1e300", accounting("units: 4", "units: 1e300"), [:], "stacks[0].allocations[0].units: 1e+300 is too large"),
            ("units -1", accounting("units: 4", "units: -1"), [:], "stacks[0].allocations[0].units: -1 is below 1"),
            // Overflow and degenerate amounts.
            ("stack amounts that overflow", """
                name: a
                description: b
                unit: eur_bn
                stacks:
                  - id: s
                    label: S
                    contributors:
                      - {id: a, label: A, source: eu_budget, instrument: grant, amount: 1e308}
                      - {id: b, label: B, source: private, instrument: grant, amount: 1e308}
                """, [:], "m.yaml:8:7: error: stacks[0].contributors: the contributions add up to more than 1.7976931348623157e+308: the total overflows"),
            ("matching ratio that overflows", accounting("ratio: 1}", "ratio: 1e308}"), [:], "stacks[0].contributors[1]: the amounts this contributor matches add up to more than"),
            ("exposures that overflow", portfolio("ead: 1500, pd: 0.03, lgd: 0.45", "ead: 1e308, pd: 0.03, lgd: 0.45").replacingOccurrences(of: "ead: 1500, pd: 0.03, lgd: {", with: "ead: 1e308, pd: 0.03, lgd: {"), [:],
             "portfolio: the exposures add up to more than"),
            ("a pool whose volume overflows", portfolio("count: 50000, ead: 0.2", "count: 1e15, ead: 1e300"), [:], "the total overflows"),
            ("chain stage of 1e308", accounting("multiplier: 5}", "multiplier: 1e308}"), [:], "chains[0].stages[1].multiplier: the investment after this stage add up to more than"),
            ("base components that overflow", accounting("amount: 16}", "amount: 1e308}").replacingOccurrences(of: "amount: 5}", with: "amount: 1e308}"), [:], "chains[0].base: the base components add up to more than"),
            ("provision rate 0", accounting("provision: {rate: 0.5}", "provision: {rate: 0}"), [:], "chains[0].provision.rate: a provisioning rate of 0 sets nothing aside"),
            ("provision amount 0", accounting("provision: {rate: 0.5}", "provision: {amount: 0}"), [:], "chains[0].provision.amount: a provision of 0 sets nothing aside"),
            ("negative zero is not negative, but a zero provision is refused", accounting("provision: {rate: 0.5}", "provision: {amount: -0}"), [:], "chains[0].provision.amount: a provision of 0"),
            // One validator: what the engine refuses, the reader refuses, located.
            ("guarantee rates above 1 on one tranche", portfolio("provision: 20}", "provision: 20}\n    - {name: eu, rate: 0.6, cap: 0.1, covers: portfolio, guarantor: EU}"), [:],
             "risk_sharing.guarantees[1].rate: guarantee rates covering tranche 'mezzanine' add up to 1.1, above 1"),
            ("guarantees on one tranche above 1", portfolio("provision: 20}", "provision: 20}\n    - {name: eu, rate: 0.7, cap: 0.1, covers: mezzanine, guarantor: EU}"), [:],
             "risk_sharing.guarantees[1].rate: guarantee rates covering tranche 'mezzanine' add up to 1.2"),
            ("a tranche 1e-6 above the one below", portfolio("attachment: 0.05, detachment: 0.15", "attachment: 0.050001, detachment: 0.15"), [:],
             "risk_sharing.tranches[1].attachment: 0.050001: must equal the previous tranche's detachment 0.05"),
            ("loadings too large for the repaired matrix",
             portfolio("factors: {names: [energy, demand], correlation: [[1, 0.3], [0.3, 1]]}",
                       "factors: {names: [energy, demand, ai], correlation: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]], repair: nearest}")
                .replacingOccurrences(of: "loadings: [0.4, 0.3]", with: "loadings: [0.9, 0.9, 0]"), [:],
             "portfolio.exposures[1].loadings: βᵀΣβ = "),
            ("loadings above 1 in total", portfolio("loadings: [0.4, 0.3]", "loadings: [0.9, 0.9]"), [:], "portfolio.exposures[1].loadings: βᵀΣβ"),
            ("uniform correlation 1", portfolio("correlation: [[1, 0.3], [0.3, 1]]", "uniform_correlation: 1"), [:], "must be strictly between -1 and 1"),
            ("a Beta LGD sd too large", portfolio("sd: 0.2", "sd: 0.6"), [:], "portfolio.exposures[1].lgd.sd: sd 0.6 is too large"),
            ("degrees of freedom 0", portfolio("degrees_of_freedom: 5", "degrees_of_freedom: 0"), [:], "portfolio.degrees_of_freedom: 0 must be above 0"),
            ("zero volume", portfolio("ead: 1500, pd: 0.03, lgd: 0.45", "ead: 0, pd: 0.03, lgd: 0.45")
                .replacingOccurrences(of: "ead: 1500, pd: 0.03, lgd: {", with: "ead: 0, pd: 0.03, lgd: {")
                .replacingOccurrences(of: "ead: 0.2", with: "ead: 0"), [:], "the portfolio's volume is 0"),
            // Sweep axes in risk_cover: non-finite values and grids too fine (each a trap before).
            ("sweep to infinity", portfolio("budget: 2000", "budget: 2000\n  sweep: {first_loss: \"0:inf:0.1\"}"), [:],
             "risk_cover.sweep.first_loss: 'inf' is not a finite number"),
            ("sweep with a denormal step", portfolio("budget: 2000", "budget: 2000\n  sweep: {guarantee_rate: \"0:1:4.9e-324\"}"), [:],
             "risk_cover.sweep.guarantee_rate: '0:1:4.9e-324': more than 10000 values"),
            ("sweep with a tiny step", portfolio("budget: 2000", "budget: 2000\n  sweep: {guarantee_cap: \"0:1:1e-300\"}"), [:],
             "risk_cover.sweep.guarantee_cap: '0:1:1e-300': more than 10000 values"),
            ("sweep of nan", portfolio("budget: 2000", "budget: 2000\n  sweep: {first_loss: \"nan\"}"), [:],
             "risk_cover.sweep.first_loss: 'nan' is not a finite number"),
            ("sweep list with nan", portfolio("budget: 2000", "budget: 2000\n  sweep: {first_loss: \"0.1,nan\"}"), [:],
             "risk_cover.sweep.first_loss: 'nan' is not a finite number"),
            // Stress shifts beyond ±1 (a correlation or LGD cannot move further).
            ("stress correlation shift of 5", portfolio("correlation: 0.05, lgd: 0.1}", "correlation: 5, lgd: 0.1}"), [:],
             "risk_cover.stress.correlation: a correlation shift of 5 is outside [-1, 1]"),
            ("stress LGD shift of 1e308", portfolio("correlation: 0.05, lgd: 0.1}", "correlation: 0.05, lgd: 1e308}"), [:],
             "risk_cover.stress.lgd: a lgd shift of 1e+308 is outside [-1, 1]"),
            // risk_cover.sensitivity (line 25): the tornado's ranges.
            ("sensitivity range reversed", lifetime("pd: [0.7, 1.5]", "pd: [1.5, 0.7]"), [:],
             "m.yaml:25:21: error: risk_cover.sensitivity.pd: low 1.5 is above high 0.7; give [low, high]"),
            ("sensitivity PD multiplier 0", lifetime("pd: [0.7, 1.5]", "pd: [0, 1.5]"), [:],
             "m.yaml:25:22: error: risk_cover.sensitivity.pd[0]: 0: a PD multiplier must be > 0"),
            ("sensitivity correlation shift 2", lifetime("correlation: [-0.05, 0.05]", "correlation: [-0.05, 2]"), [:],
             "m.yaml:25:54: error: risk_cover.sensitivity.correlation[1]: 2: a correlation shift must be in [-1, 1]"),
            ("sensitivity with three values", lifetime("pd: [0.7, 1.5]", "pd: [0.7, 1, 1.5]"), [:],
             "m.yaml:25:21: error: risk_cover.sensitivity.pd: expected [low, high], two numbers; got 3 values"),
            ("sensitivity basis points above 10000", lifetime("max_expected_loss_bp: [15, 40]", "max_expected_loss_bp: [15, 20000]"), [:],
             "risk_cover.sensitivity.max_expected_loss_bp[1]: 20000: basis points must be in [0, 10000]"),
            ("sensitivity of an unknown input", lifetime("pd: [0.7, 1.5]", "beta: [0.7, 1.5]"), [:],
             "m.yaml:25:17: error: risk_cover.sensitivity.beta: unknown field"),
            ("sensitivity as a number", lifetime("{pd: [0.7, 1.5], correlation: [-0.05, 0.05], max_expected_loss_bp: [15, 40]}", "0.5"), [:],
             "m.yaml:25:16: error: risk_cover.sensitivity:"),
            // lifetime (lines 29–38): the multi-year credit model.
            ("lifetime: a cumulative PD that falls", lifetime("[0.02, 0.04, 0.06]", "[0.02, 0.01, 0.06]"), [:],
             "m.yaml:37:33: error: lifetime.items.sme.cumulative_pd[1]: cumulative PD falls from 0.02 in year 1 to 0.01 in year 2: a cumulative PD curve is nondecreasing"),
            ("lifetime: a cumulative PD above 1", lifetime("[0.02, 0.04, 0.06]", "[0.02, 0.04, 1.2]"), [:],
             "m.yaml:37:39: error: lifetime.items.sme.cumulative_pd[2]: cumulative PD 1.2 in year 3 is not in [0, 1]"),
            ("lifetime: a curve shorter than the horizon", lifetime("[0.02, 0.04, 0.06]", "[0.02, 0.04]"), [:],
             "m.yaml:37:26: error: lifetime.items.sme.cumulative_pd: has 2 values for a horizon of 3 years"),
            ("lifetime: an item that is not in the portfolio", lifetime("    sme: {", "    smee: {"), [:],
             "m.yaml:37:5: error: lifetime.items.smee: unknown field"),
            ("lifetime: a fee payer that is not a guarantee or tranche", lifetime("fees: {ms: 0.005}", "fees: {nobody: 0.005}"), [:],
             "m.yaml:34:10: error: lifetime.fees.nobody: unknown field"),
            ("lifetime: both a curve and a hazard", lifetime("gf1: {hazard: 0.03,", "gf1: {cumulative_pd: [0.1, 0.2, 0.3], hazard: 0.03,"), [:],
             "lifetime.items.gf1.hazard: give either cumulative_pd or hazard, not both"),
            ("lifetime: a hazard of 50 a year", lifetime("hazard: 0.03", "hazard: 50"), [:],
             "m.yaml:38:19: error: lifetime.items.gf1.hazard: hazard rate 50 a year is implausibly large"),
            ("lifetime: a discount rate of 150 %", lifetime("discount_rate: 0.03", "discount_rate: 1.5"), [:],
             "m.yaml:33:18: error: lifetime.discount_rate: discount rate 1.5 must be in (−1, 1)"),
            ("lifetime: horizon 0", lifetime("horizon: 3", "horizon: 0"), [:], "m.yaml:31:12: error: lifetime.horizon: 0 is below 1"),
            ("lifetime: a negative recovery lag", lifetime("recovery_lag: 1", "recovery_lag: -1"), [:],
             "m.yaml:32:17: error: lifetime.recovery_lag: -1 is below 0"),
            ("lifetime: a rate without an annuity", lifetime("maturity: 5}", "maturity: 5, rate: 0.05}"), [:],
             "m.yaml:35:54: error: lifetime.default.rate: rate goes with amortisation: annuity"),
            ("lifetime: an annuity without its rate", lifetime(", rate: 0.05}", "}"), [:],
             "m.yaml:38:10: error: lifetime.items.gf1.rate: missing field (required)"),
            ("lifetime: a default curve", lifetime("default: {amortisation", "default: {cumulative_pd: [0.1, 0.2, 0.3], amortisation"), [:],
             "m.yaml:35:13: error: lifetime.default.cumulative_pd: unknown field"),
            ("lifetime: no start year", lifetime("  start_year: 2027\n", ""), [:], "m.yaml:30:3: error: lifetime.start_year: missing field (required)"),
            // The calibration ranges of a project stress model (the gigafactory's `ranges:`, lines 55–57).
            ("ranges: low above high", ranges("low: 0.4, high: 0.7", "low: 0.7, high: 0.4"), [:],
             "m.yaml:56:31: error: ranges[0].low: low 0.7 is above high 0.4"),
            ("ranges: an unknown site", ranges("site: b,", "site: c,"), [:],
             "m.yaml:57:44: error: ranges[1].site: no site 'c'; the sites are: a, b"),
            ("ranges: an unknown input", ranges("input: utilisation", "input: gpu_count"), [:],
             "m.yaml:56:13: error: ranges[0].input: 'gpu_count' is not one of:"),
            ("ranges: a base value outside the range", ranges("low: 0.4, high: 0.7", "low: 0.6, high: 0.7"), [:],
             "m.yaml:56:31: error: ranges[0].low: site a's utilisation of 0.5 is outside [0.6, 0.7]; give that site a range of its own (site: a)"),
            ("ranges: an end outside the field's own values", ranges("low: 0.4, high: 0.7", "low: 0.4, high: 1.5"), [:],
             "m.yaml:56:42: error: ranges[0].high: utilisation of 1.5 is outside [0, 1], the values the field itself may take"),
            ("ranges: no high", ranges("low: 0.4, high: 0.7}", "low: 0.4}"), [:], "m.yaml:56:5: error: ranges[0].high: missing field (required)"),
            ("ranges: an unknown field", ranges("high: 0.25}", "high: 0.25, mode: 0.2}"), [:], "m.yaml:57:70: error: ranges[1].mode: unknown field"),
            // CSV data files.
            ("CSV with a 10 kB unknown column", csvModel, ["loans.csv": String(repeating: "y", count: 10_000) + ",name,ead,pd,lgd\n1,a,1,0.1,0.4\n"],
             "loans.csv:1:1: error: portfolio.exposures_csv: unknown column 'yyyyyyyyyy"),
            ("CSV row of the wrong width", csvModel, ["loans.csv": "name,ead,pd,lgd\na,1,0.1\n"], "loans.csv:2:5: error: portfolio.exposures_csv[0]: expected 4 fields, got 3"),
            ("CSV bad number", csvModel, ["loans.csv": "name,ead,pd,lgd\na,1,nan,0.4\n"], "loans.csv:2:5: error: portfolio.exposures_csv[0].pd: expected a number, got 'nan'"),
            ("CSV infinite EAD", csvModel, ["loans.csv": "name,ead,pd,lgd\na,inf,0.1,0.4\n"], "portfolio.exposures_csv[0].ead: expected a number, got 'inf'"),
            ("CSV empty name", csvModel, ["loans.csv": "name,ead,pd,lgd\n,1,0.1,0.4\n"], "loans.csv:2:1: error: portfolio.exposures_csv[0].name: expected a name, got an empty value"),
            ("CSV duplicate names", csvModel, ["loans.csv": "name,ead,pd,lgd\na,1,0.1,0.4\na,2,0.1,0.4\n"], "loans.csv:3:1: error: portfolio.exposures_csv[1].name: two exposures or pools are called 'a'"),
            ("CSV amounts that overflow", csvModel, ["loans.csv": "name,ead,pd,lgd\na,1e308,0.1,0.4\nb,1e308,0.1,0.4\n"], "the total overflows"),
            ("CSV loadings too large", csvModel, ["loans.csv": "name,ead,pd,lgd,energy\na,1,0.1,0.4,1.5\n"], "loans.csv:2:13: error: portfolio.exposures_csv[0]: βᵀΣβ = 2.25 ≥ 1"),
            ("CSV unclosed quote", csvModel, ["loans.csv": "name,ead,pd,lgd\n\"a,1,0.1,0.4\n"], "loans.csv:2:1: error: portfolio.exposures_csv: a quoted field is not closed"),
            ("CSV header only", csvModel, ["loans.csv": "name,ead,pd,lgd\n"], "loans.csv:1:1: error: portfolio.exposures_csv: the file has a header but no exposures"),
            ("CSV empty", csvModel, ["loans.csv": ""], "loans.csv:1:1: error: portfolio.exposures_csv: the file has no header row"),
            ("CSV comments only", csvModel, ["loans.csv": "# nothing\n"], "loans.csv:1:1: error: portfolio.exposures_csv: the file has no header row"),
            ("CSV missing column", csvModel, ["loans.csv": "name,ead,pd\na,1,0.1\n"], "missing column 'lgd' (required)"),
            ("CSV column twice", csvModel, ["loans.csv": "name,ead,pd,lgd,pd\na,1,0.1,0.4,0.1\n"], "column 'pd' appears twice"),
            ("CSV not named", csvModel, [:], "portfolio.exposures_csv: cannot read 'loans.csv'"),
        ]
    }()

    @Test("Hand-written corpus: each refused with the expected located message", arguments: 0..<cases.count)
    func handWritten(_ k: Int) {
        let c = BadInputCorpusTests.cases[k]
        guard let found = refusal(c.yaml, data: c.data) else {
            Issue.record("\(c.name): accepted")
            return
        }
        expectLocated(found, c.name)
        #expect(found.contains { $0.summary.contains(c.expected) }, "\(c.name): expected '\(c.expected)', got \(found.map(\.summary))")
        // No message echoes a long value whole: each is short, whatever the input.
        for d in found { #expect(d.description.count < 1_000, "\(c.name): a \(d.description.count)-character message") }
    }

    @Test("The corpus holds at least 150 bad inputs")
    func size() {
        #expect(BadInputCorpusTests.cases.count + generatedCases().count >= 150)
    }

    @Test("-0 is accepted as an amount (it is zero, not negative)")
    func negativeZero() throws {
        let model = try ScenarioLoader.parse(corpusAccounting.replacingOccurrences(of: "amount: 1}", with: "amount: -0}"), file: "m.yaml")
        let account = try model.stacks[0].evaluate()
        #expect(account.contributions[2].amount == 0)
    }

    @Test("Tranche boundaries within 1e-9 are snapped, not refused; the engine accepts the result")
    func snapped() throws {
        let text = corpusPortfolio
            .replacingOccurrences(of: "detachment: 0.05, holder: EU", with: "detachment: 0.30000000000000004, holder: EU")
            .replacingOccurrences(of: "attachment: 0.05, detachment: 0.15", with: "attachment: 0.3, detachment: 0.4")
            .replacingOccurrences(of: "attachment: 0.15, detachment: 1,", with: "attachment: 0.40000000000001, detachment: 0.9999999999999999,")
        let risk = try #require(try ScenarioLoader.parse(text, file: "m.yaml").risk)
        let t = risk.structure.tranches
        #expect(t[1].attachment == t[0].detachment && t[2].attachment == t[1].detachment && t[2].detachment == 1)
        _ = try Waterfall(structure: risk.structure, volume: 100)
        #expect(RiskSharingStructure.boundaryTolerance == 1e-9)
        // The engine snaps alone too (a structure built in code).
        let loose = RiskSharingStructure(tranches: [Tranche(name: "a", attachment: 0, detachment: 0.1 + 0.2, holder: "x"),
                                                    Tranche(name: "b", attachment: 0.3, detachment: 1, holder: "y")])
        let waterfall = try Waterfall(structure: loose, volume: 100)
        #expect(waterfall.tranches[1].attachment == waterfall.tranches[0].detachment)
    }

    @Test("With repair: nearest, loadings are checked against the repaired matrix, as the engine does")
    func repairedLoadings() throws {
        // Not positive definite; repaired, loadings (0.6, 0.6, 0) give βᵀΣ̃β < 1 — accepted, and the engine agrees.
        let text = corpusPortfolio
            .replacingOccurrences(of: "factors: {names: [energy, demand], correlation: [[1, 0.3], [0.3, 1]]}",
                                  with: "factors: {names: [energy, demand, ai], correlation: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]], repair: nearest}")
            .replacingOccurrences(of: "loadings: [0.4, 0.3]", with: "loadings: [0.5, 0.3, 0]")
        let model = try ScenarioLoader.parse(text, file: "m.yaml")
        let risk = try #require(model.risk)
        try validateSimulation(portfolio: risk.portfolio, structure: risk.structure,
                               settings: SimulationSettings(paths: risk.paths, seed: risk.seed, batchSize: risk.batchSize))
    }

    @Test("Diagnostics are collected in linear time and printed with a cap")
    func manyBadRows() throws {
        let model = """
            name: c
            description: csv
            unit: eur_m
            portfolio:
              exposures_csv: loans.csv
            """
        var csv = "name,ead,pd,lgd\n"
        for k in 0..<100_000 { csv += "e\(k),1,x,0.4\n" }
        let start = Date()
        let found = try #require(refusal(model, data: ["loans.csv": csv]))
        let seconds = Date().timeIntervalSince(start)
        #expect(found.count == 100_000)
        #expect(seconds < 20, "100,000 bad rows took \(seconds) s")
        let printed = ScenarioError(found).description
        #expect(printed.contains("… and 99900 more errors not shown"))
        #expect(printed.split(separator: "\n").count < 400)
    }

    @Test("A long line is shown as a window around the column, with the caret under it")
    func window() throws {
        let text = "name: a\ndescription: b\nunit: eur_m\nstacks: [{id: s, label: \(String(repeating: "z", count: 5000)), total: -1, contributors: []}]\n"
        let found = try #require(refusal(text))
        let d = try #require(found.first { $0.path == "stacks[0].total" })
        let lines = d.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[1].count <= Diagnostic.snippetWidth + 2)
        let caret = try #require(lines[2].firstIndex(of: "^"))
        let column = lines[2].distance(from: lines[2].startIndex, to: caret)
        #expect(Array(lines[1])[column] == "-")
    }
}

// MARK: - Files on disk: what the loader reads, and what it refuses to read

@Suite("Bad input corpus: files on disk")
struct BadInputFileTests {
    /// A fresh folder for one test.
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-bad-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func loadError(_ path: String, anywhere: Bool = false) -> [Diagnostic]? {
        do { _ = try ScenarioLoader.load(path, dataFilesAnywhere: anywhere); return nil } catch { return error.diagnostics }
    }

    static let csvModel = """
        name: c
        description: csv
        unit: eur_m
        portfolio:
          exposures_csv: %@
        """

    func model(in dir: URL, csv: String) throws -> String {
        let path = dir.appendingPathComponent("m.yaml").path
        try BadInputFileTests.csvModel.replacingOccurrences(of: "%@", with: csv).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("exposures_csv outside the model's folder is refused, and nothing of it is echoed")
    func outside() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.deletingLastPathComponent().appendingPathComponent("leverage-secret-\(UUID().uuidString).csv")
        try "root:x:0:0:secret\n".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        for name in ["/etc/passwd", "../" + secret.lastPathComponent, secret.path, "sub/../../" + secret.lastPathComponent] {
            let found = try #require(loadError(try model(in: dir, csv: name)), "\(name)")
            #expect(found.count == 1 && found[0].message.contains("is outside the model file's folder"), "\(found.map(\.summary))")
            #expect(found[0].line == 5 && !found[0].description.contains("root:"))
        }
        // A symbolic link inside the folder that points outside is outside too.
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.csv").path, withDestinationPath: secret.path)
        let linked = try #require(loadError(try model(in: dir, csv: "link.csv")))
        #expect(linked[0].message.contains("is outside the model file's folder"))
        // With the explicit option, the file is read (and its bad header reported, truncated).
        let allowed = try #require(loadError(try model(in: dir, csv: "../" + secret.lastPathComponent), anywhere: true))
        #expect(allowed.contains { $0.message.contains("unknown column") })
    }

    @Test("Data files in the model's folder or below are read")
    func inside() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try "name,ead,pd,lgd\na,1,0.1,0.4\n".write(to: dir.appendingPathComponent("data/loans.csv"), atomically: true, encoding: .utf8)
        let file = try ScenarioLoader.load(try model(in: dir, csv: "data/loans.csv"))
        #expect(file.model.risk?.portfolio.exposures.count == 1)
        _ = try ScenarioLoader.load(try model(in: dir, csv: "./data/../data/loans.csv"))
    }

    @Test("A non-UTF-8 CSV says so, with the place of the first bad byte")
    func latin1CSV() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("name,ead,pd,lgd\nM\u{FC}nchen,1,0.1,0.4\n".data(using: .isoLatin1)!).write(to: dir.appendingPathComponent("loans.csv"))
        let found = try #require(loadError(try model(in: dir, csv: "loans.csv")))
        #expect(found[0].message.contains("'loans.csv' is not UTF-8 text (byte 0xFC at line 2, column 2)"), "\(found.map(\.summary))")
    }

    @Test("A non-UTF-8 model, an empty file, /dev/null and a folder get precise messages")
    func modelFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let latin1 = dir.appendingPathComponent("latin1.yaml")
        try Data("name: a\ndescription: caf\u{E9}\n".data(using: .isoLatin1)!).write(to: latin1)
        let bad = try #require(loadError(latin1.path))
        #expect(bad[0].summary.hasSuffix("latin1.yaml:2:17: error: the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8"), "\(bad[0].summary)")
        let empty = dir.appendingPathComponent("empty.yaml")
        try Data().write(to: empty)
        #expect(loadError(empty.path)?.first?.summary.hasSuffix("empty.yaml:1:1: error: the file is empty (a model needs name, description, unit and a section)") == true)
        #expect(loadError("/dev/null")?.first?.summary == "/dev/null:1:1: error: the file is empty (a model needs name, description, unit and a section)")
        #expect(loadError(dir.path)?.first?.message == "is a folder, not a model file")
        #expect(loadError(dir.appendingPathComponent("missing.yaml").path)?.first?.message.hasPrefix("no such file") == true)
        let nul = dir.appendingPathComponent("nul.yaml")
        try Data([0x6E, 0x3A, 0x20, 0x00, 0x0A]).write(to: nul)
        #expect(loadError(nul.path)?.first?.summary.hasSuffix("nul.yaml:1:4: error: a NUL byte (is this a binary file?) is not allowed in a YAML file") == true)
    }

    @Test("A model file larger than the limit is refused without reading it all")
    func tooLarge() throws {
        let found = try #require(loadError("/dev/zero"))
        #expect(found[0].message.contains("larger than 64 MiB"), "\(found.map(\.summary))")
    }
}
