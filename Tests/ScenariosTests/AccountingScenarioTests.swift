import CapitalStacks
import Foundation
import Scenarios
import Testing

/// Summaries (`file:line:column: error: path: message`) of every diagnostic for `yaml`, or [] if it parses.
func diagnostics(_ yaml: String, file: String = "m.yaml") -> [String] {
    do {
        _ = try ScenarioLoader.parse(yaml, file: file)
        return []
    } catch {
        return error.diagnostics.map(\.summary)
    }
}

/// The repository root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let validStack = """
    name: t
    description: a test model
    unit: eur_bn
    stacks:
      - id: s
        label: S
        total: 10
        contributors:
          - id: eu
            label: EU
            source: eu_budget
            instrument: grant
            share: 0.2
          - id: ms
            label: MS
            source: member_state
            instrument: grant
            match: {of: [eu], ratio: 1}
          - id: private
            label: P
            source: private
            instrument: mixed
            remainder: true
    """

@Suite("Scenario files: accounting sections")
struct AccountingScenarioTests {
    @Test("A valid stack reads into the model it describes")
    func validStackReads() throws {
        let model = try ScenarioLoader.parse(validStack, file: "m.yaml")
        #expect(model.name == "t" && model.unit == .eurBillion)
        #expect(model.stacks.count == 1 && model.stacks[0].contributors.count == 3)
        #expect(model.stacks[0].contributors[1].rule == .matching(of: ["eu"], ratio: 1))
        let account = try model.stacks[0].evaluate()
        #expect(account.contributions.map(\.amount) == [2, 2, 6])
    }

    /// Each bad input, the one line that changes it, and the exact diagnostic.
    static let badInputs: [(name: String, from: String, to: String, expected: String)] = [
        ("YAML syntax error", "    label: S\n", "    label: [S\n",
         "m.yaml:7:10: error: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at line 6)"),
        ("unknown field with a suggestion", "    total: 10\n", "    total: 10\n    allocatons: []\n",
         "m.yaml:8:5: error: stacks[0].allocatons: unknown field (did you mean 'allocations'?)"),
        ("missing field", "        label: EU\n", "        # no label\n",
         "m.yaml:9:9: error: stacks[0].contributors[0].label: missing field (required)"),
        ("wrong type", "    total: 10\n", "    total: [10]\n",
         "m.yaml:7:12: error: stacks[0].total: expected a number, got a list"),
        ("quoted number", "    total: 10\n", "    total: \"10\"\n",
         "m.yaml:7:12: error: stacks[0].total: expected a number, got the quoted text \"10\" (remove the quotes)"),
        ("negative amount", "        share: 0.2\n", "        amount: -3\n",
         "m.yaml:13:17: error: stacks[0].contributors[0].amount: -3 is negative; amounts must be ≥ 0"),
        ("share above 1", "        share: 0.2\n", "        share: 1.2\n",
         "m.yaml:13:16: error: stacks[0].contributors[0].share: 1.2 is above 1"),
        ("share as a percentage", "        share: 0.2\n", "        share: 20%\n",
         "m.yaml:13:16: error: stacks[0].contributors[0].share: '20%': write rates and shares as fractions (17 % is 0.17), not percentages"),
        ("rule naming an unknown contributor", "match: {of: [eu], ratio: 1}", "match: {of: [eu, nobody], ratio: 1}",
         "m.yaml:18:26: error: stacks[0].contributors[1].match.of[1]: no contributor is called 'nobody'"),
        ("unknown enumeration value", "        source: member_state\n", "        source: regions\n",
         "m.yaml:16:17: error: stacks[0].contributors[1].source: 'regions' is not one of: eu_budget, member_state, eib_group, other_public, private"),
        ("two amount rules", "        share: 0.2\n", "        share: 0.2\n        amount: 3\n",
         "m.yaml:14:9: error: stacks[0].contributors[0].amount: give only one of: share, amount"),
        ("no amount rule", "        share: 0.2\n", "        # no rule\n",
         "m.yaml:9:9: error: stacks[0].contributors[0]: needs one of: amount, share, match, remainder"),
        ("duplicated field", "    total: 10\n", "    total: 10\n    total: 11\n",
         "m.yaml:8:5: error: the field 'total' appears twice in one mapping (first at line 7)"),
        ("unknown unit", "unit: eur_bn", "unit: usd_bn",
         "m.yaml:3:7: error: unit: 'usd_bn' is not one of: eur, eur_k, eur_m, eur_bn"),
        ("contributions above the total", "        share: 0.2\n", "        amount: 6\n",
         "m.yaml:7:12: error: stacks[0].total: contributions other than the remainder add up to 12, above the total 10"),
    ]

    @Test("Bad input gives a located error naming the field", arguments: badInputs.indices)
    func badInput(_ k: Int) {
        let c = AccountingScenarioTests.badInputs[k]
        #expect(validStack.contains(c.from), "test case \(c.name) does not apply")
        let yaml = validStack.replacingOccurrences(of: c.from, with: c.to)
        #expect(diagnostics(yaml) == [c.expected], "\(c.name)")
    }

    @Test("A pledge's realisation and an additionality range read as low ≤ base ≤ high, with a located error otherwise")
    func uncertainShares() throws {
        let ok = validStack + "\n        pledge_realisation: {low: 0.2, base: 0.5, high: 0.9}"
        #expect(diagnostics(ok) == [])
        let model = try ScenarioLoader.parse(ok, file: "m.yaml")
        #expect(model.stacks[0].contributors[2].pledge == UncertainShare(low: 0.2, base: 0.5, high: 0.9))
        let bad = validStack + "\n        pledge_realisation: {low: 0.6, base: 0.5, high: 0.9}"
        let found = diagnostics(bad)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("m.yaml:24:") == true)
        #expect(found.first?.contains("stacks[0].contributors[2].pledge_realisation.low: 0.6 is above the base 0.5") == true, "\(found)")
    }

    @Test("Shares summing over 100 % are reported at the share that crosses it")
    func sharesOver100() {
        let yaml = validStack.replacingOccurrences(of: "match: {of: [eu], ratio: 1}", with: "share: 0.9")
        #expect(diagnostics(yaml) == ["m.yaml:18:16: error: stacks[0].contributors[1].share: shares of the total add up to 110 %, over 100 %"])
    }

    @Test("Every problem in a file is reported, in file order")
    func everyProblem() {
        let yaml = validStack
            .replacingOccurrences(of: "    total: 10\n", with: "    total: -10\n")
            .replacingOccurrences(of: "        source: eu_budget\n", with: "        source: eu\n")
            .replacingOccurrences(of: "        instrument: mixed\n", with: "        instrumnt: mixed\n")
        #expect(diagnostics(yaml) == [
            "m.yaml:7:12: error: stacks[0].total: -10 must be above 0",
            "m.yaml:11:17: error: stacks[0].contributors[0].source: 'eu' is not one of: eu_budget, member_state, eib_group, other_public, private",
            "m.yaml:19:9: error: stacks[0].contributors[2].instrument: missing field (required)",
            "m.yaml:22:9: error: stacks[0].contributors[2].instrumnt: unknown field (did you mean 'instrument'?)",
        ])
    }

    @Test("A diagnostic shows the offending line and a caret under the column")
    func snippet() throws {
        let yaml = validStack.replacingOccurrences(of: "share: 0.2", with: "share: 1.5")
        let error = try #require(throws: ScenarioError.self) { try ScenarioLoader.parse(yaml, file: "m.yaml") }
        #expect(error.description == """
            m.yaml:13:16: error: stacks[0].contributors[0].share: 1.5 is above 1
                    share: 1.5
                           ^
            """)
    }

    @Test("An empty file and a file that is not a mapping are errors")
    func emptyAndScalar() {
        #expect(diagnostics("") == ["m.yaml:1:1: error: the file is empty (a model needs name, description, unit and a section)"])
        #expect(diagnostics("42\n") == ["m.yaml:1:1: error: expected a mapping with fields name, description, unit, stacks, chains, portfolio, risk_sharing, simulation, risk_cover, lifetime, project, drivers, sites, lenders, stresses, ranges, got '42'"])
        #expect(diagnostics("name: x\ndescription: y\nunit: eur_bn\n") == ["m.yaml:1:1: error: a model needs at least one section: stacks, chains, portfolio or project"])
    }

    @Test("A missing file names itself; a bundled model loads by name")
    func loading() throws {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load("/nonexistent/model.yaml") }
        let file = try ScenarioLoader.load("investai")
        #expect(file.path == "embedded:investai" && file.model.name == "InvestAI baseline")
    }

    @Test("Every file in Models/ is embedded by the EmbedModels plugin, byte for byte, and parses")
    func bundledModelsMatchFiles() throws {
        let folder = repositoryRoot.appendingPathComponent("Models")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let yaml = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(!yaml.isEmpty)
        #expect(BundledModels.all.map(\.name) == yaml, "every Models/*.yaml embedded, in the order of their names, nothing else")
        for name in yaml {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name + ".yaml"))
            let embedded = try #require(BundledModels.named(name), "\(name).yaml is not embedded")
            #expect(Data(embedded.text.utf8) == bytes, "\(name).yaml: the embedded text differs from the file")
            _ = try ScenarioLoader.parse(embedded.text, file: name + ".yaml")
        }
        let csv = files.filter { $0.hasSuffix(".csv") }.sorted()
        #expect(!csv.isEmpty)
        for name in csv {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            let embedded = try #require(BundledModels.dataFile(name), "\(name) is not embedded")
            #expect(embedded.path == "embedded:" + name && Data(embedded.text.utf8) == bytes, "\(name): the embedded text differs from the file")
        }
        #expect(BundledModels.named("SOURCES") == nil && BundledModels.dataFile("SOURCES.md") == nil)
    }
}
