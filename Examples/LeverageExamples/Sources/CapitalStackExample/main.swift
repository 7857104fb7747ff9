// Leverage as a library: an InvestAI-like capital stack, an AI gigafactory's stack and a leverage
// chain built in Swift, evaluated, and printed through the same tables and renderer as the
// `leverage` command. The InvestAI and gigafactory figures are those of Models/investai.yaml and
// Models/gigafactory.yaml (sources cited there); the guarantee chain is illustrative.
import Foundation
import Leverage

// InvestAI: 50 bn from the EU budget, 150 bn pledged by private partners; 20 bn of it for 4 gigafactories.
let investAI = CapitalStack(
    id: "investai", label: "InvestAI",
    contributors: [
        Contributor(id: "eu", label: "EU budget", source: .euBudget, instrument: .mixed,
                    programme: "Digital Europe, Horizon Europe, InvestEU", rule: .amount(50)),
        Contributor(id: "private", label: "Private partners", source: .privateInvestor, instrument: .mixed, rule: .amount(150)),
    ],
    allocations: [Earmark(id: "gigafactories", label: "AI gigafactories fund", size: .amount(20), units: 4)])

// One gigafactory of 5 bn capex: the EU pays 17 % up to 0.82 bn, the host state matches it, private money closes the stack.
let gigafactory = CapitalStack(
    id: "gigafactory", label: "One AI gigafactory", total: 5,
    contributors: [
        Contributor(id: "eu", label: "EU", source: .euBudget, instrument: .grant, rule: .shareOfTotal(0.17), cap: 0.82),
        Contributor(id: "host", label: "Host state", source: .memberState, instrument: .grant, rule: .matching(of: ["eu"], ratio: 1)),
        Contributor(id: "private", label: "Private", source: .privateInvestor, instrument: .mixed, rule: .remainder),
    ])

// A guarantee chain: a 10 bn EU guarantee plus EIB capital of 25 % of it, provisioned at 40 %,
// levered ×3 by the EIB and ×5 by co-investors (illustrative numbers).
let chain = LeverageChain(
    id: "ai-guarantee", label: "EU guarantee for AI",
    base: [
        .init(id: "g", label: "EU guarantee", source: .euBudget, kind: .guarantee, size: .amount(10)),
        .init(id: "eib", label: "EIB capital", source: .eibGroup, kind: .capital, size: .shareOf("g", 0.25)),
    ],
    stages: [.init(label: "EIB financing", multiplier: 3), .init(label: "co-investment", multiplier: 5)],
    provision: .rate(0.4))

do {
    let model = ScenarioModel(name: "AI financing in Swift", description: "Built in code", unit: .eurBillion,
                              stacks: [investAI, gigafactory], chains: [chain])
    let tables = try AccountingTables.tables(for: model)
    for name in ["by_source", "chain_stages", "multipliers"] {
        if let table = tables.first(where: { $0.name == name }) { print(Renderer.terminal(table)) }
    }
    // The accounts themselves, without tables.
    let site = try gigafactory.evaluate()
    let eu = site.contributions[0]
    func bn(_ x: Double) -> String { HumanFormat.number(x, unit: .eurBillion) + " bn" }
    print("gigafactory: the EU's 17 % (\(bn(eu.uncapped))) is capped at \(bn(eu.amount)); private money \(bn(site.privateMoney)) of \(bn(site.total))")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
