import CapitalStacks
import Scenarios

extension Unit {
    /// The table unit of a model's money unit.
    public init(_ money: MoneyUnit) {
        switch money {
        case .eur: self = .eur
        case .eurThousand: self = .eurThousand
        case .eurMillion: self = .eurMillion
        case .eurBillion: self = .eurBillion
        }
    }
}

/// The tables of `leverage run`: contributions by source and instrument, allocations, the stages
/// of each leverage chain and the multipliers with their definitions.
public enum AccountingTables {
    /// All tables for a model. Sections the model does not have produce no table.
    public static func tables(for model: ScenarioModel) throws -> [Table] {
        let stacks = try model.stacks.map { stack throws(AccountingError) in try stack.evaluate() }
        let chains = try model.chains.map { chain throws(AccountingError) in try chain.evaluate() }
        let unit = Unit(model.unit)
        var tables: [Table] = []
        if !stacks.isEmpty {
            tables.append(contributions(stacks, unit: unit))
            tables.append(bySource(stacks, unit: unit))
            if stacks.contains(where: { !$0.allocations.isEmpty }) { tables.append(allocations(stacks, unit: unit)) }
        }
        if !chains.isEmpty {
            tables.append(chainBase(chains, unit: unit))
            tables.append(chainStages(chains, unit: unit))
        }
        tables.append(multipliers(stacks: stacks, chains: chains, unit: unit))
        let effects = euEffects(stacks: stacks, chains: chains, unit: unit)
        if !effects.rows.isEmpty { tables.append(effects) }
        return tables
    }

    /// The Financial Regulation's leverage and multiplier effects (``EUEffect``), with the range
    /// under a named assumption (a pledge's realisation, an additionality share).
    static func euEffects(stacks: [StackAccount], chains: [ChainAccount], unit: Unit) -> Table {
        var table = Table(name: "eu_effects", title: "Leverage and multiplier effects as the EU Financial Regulation defines them",
                          columns: [Column("scope", .text), Column("measure", .text), Column("timing", .text), Column("counted", .text),
                                    Column("value", .multiple), money(unit, "numerator"), money(unit, "union_contribution"),
                                    Column("value_p05", .multiple), Column("value_mean", .multiple), Column("value_p95", .multiple),
                                    Column("assumption", .text), Column("note", .text)])
        let all = stacks.map { ($0.stack.id, $0.euEffects) } + chains.map { ($0.chain.id, $0.euEffects) }
        for (scope, effects) in all {
            for e in effects {
                table.append([.text(scope), .text(e.measure.rawValue), .text(e.timing.rawValue), .text(e.counted),
                              .number(e.value), .number(e.numerator), .number(e.unionContribution),
                              .number(e.range?.p05), .number(e.range?.mean), .number(e.range?.p95),
                              .text(e.range?.assumption ?? ""), .text(e.note ?? "")])
            }
        }
        table.notes.append("leverage effect = reimbursable financing provided to eligible final recipients / Union contribution; multiplier effect = investment by eligible final recipients / Union contribution (Regulation (EU, Euratom) 2018/1046, Art. 2 and Art. 209(2)(d); recast as Regulation (EU, Euratom) 2024/2509, Art. 2; see Models/SOURCES.md).")
        table.notes.append("Union contribution = EU budget money only (an EU guarantee counts at its amount); the EIB Group's own resources and Member States' money are not Union contributions. The multipliers table's ratios are the tool's own.")
        table.notes.append("Ranges: value_p05 / value_mean / value_p95 under the named assumption, a PERT distribution on [low, high] with mode base; value is at face value (pledges) or at the base (additionality).")
        table.setDetail(["counted", money(unit, "numerator").name, money(unit, "union_contribution").name, "value_mean", "note"])
        table.chart = Chart(.bars(.init([.init("value", label: "effect", lower: "value_p05", upper: "value_p95")], label: ["scope", "measure", "timing"], colourBy: "scope")),
                            title: "How much does each euro of the Union contribution bring, as the EU measures it?",
                            caption: "The Financial Regulation's leverage and multiplier effects per programme; whiskers: the 5th–95th percentile range under the named assumption (a pledge's realisation, additionality), where there is one.")
        return table
    }

    static func money(_ unit: Unit, _ name: String = "amount") -> Column { Column("\(name)_\(unit.rawValue)", unit) }

    static func ruleText(_ c: StackAccount.Contribution, stack: CapitalStack) -> String {
        var text: String
        switch c.contributor.rule {
        case .amount: text = "stated amount"
        case .shareOfTotal(let s): text = "\(percent(s)) of the total"
        case .matching(let names, let ratio): text = "matches \(names.joined(separator: " + ")) ×\(number(ratio))"
        case .remainder: text = "remainder of the total"
        }
        if c.capBinds { text += ", capped at \(number(c.contributor.cap!)) (rule gave \(number(c.uncapped)))" }
        return text
    }

    static func percent(_ x: Double) -> String { number(100 * x) + " %" }

    static func number(_ x: Double) -> String {
        let rounded = (x * 1e6).rounded() / 1e6
        return rounded == rounded.rounded() ? String(Int64(rounded)) : "\(rounded)"
    }

    static func contributions(_ stacks: [StackAccount], unit: Unit) -> Table {
        var table = Table(name: "contributions", title: "Contributions by source and instrument",
                          columns: [Column("stack", .text), Column("contributor", .text), Column("source", .text),
                                    Column("instrument", .text), Column("programme", .text), Column("rule", .text),
                                    money(unit), Column("share_of_total", .fraction)])
        for account in stacks {
            for c in account.contributions {
                table.append([.text(account.stack.id), .text(c.contributor.label), .text(c.contributor.source.rawValue),
                              .text(c.contributor.instrument.rawValue), .text(c.contributor.programme ?? ""),
                              .text(ruleText(c, stack: account.stack)), .number(c.amount),
                              .number(account.total > 0 ? c.amount / account.total : nil)])
            }
            table.append([.text(account.stack.id), "total", "", "", "", "", .number(account.total), .number(account.total > 0 ? 1 : nil)])
            if let stated = account.stack.total, abs(stated - account.total) > 1e-9 * max(stated, 1) {
                table.notes.append("\(account.stack.id): contributions add up to \(number(account.total)) of a stated total of \(number(stated)); funding gap \(number(stated - account.total)).")
            }
        }
        table.notes.append("source: eu_budget = EU programmes; member_state; eib_group; other_public; private. Public = all but private.")
        table.setDetail(["programme"])
        table.chart = Chart(.stacked(.init(category: "stack", segment: "contributor", value: money(unit).name, colourBy: "source", omit: [.init("contributor", ["total"])])),
                            title: "Who funds each capital stack, and how much of it is public?",
                            caption: "One bar per capital stack; a segment per contributor, coloured by source of money and labelled with its amount; the figure after each bar is the stack's total.")
        return table
    }

    static func bySource(_ stacks: [StackAccount], unit: Unit) -> Table {
        var table = Table(name: "by_source", title: "Money by source",
                          columns: [Column("stack", .text), Column("source", .text), money(unit), Column("share_of_total", .fraction)])
        for account in stacks {
            for source in Source.allCases {
                let amount = account.amount(from: source)
                if account.contributions.contains(where: { $0.contributor.source == source }) {
                    table.append([.text(account.stack.id), .text(source.rawValue), .number(amount), .number(account.total > 0 ? amount / account.total : nil)])
                }
            }
            table.append([.text(account.stack.id), "public", .number(account.publicMoney), .number(account.total > 0 ? account.publicMoney / account.total : nil)])
        }
        table.chart = Chart(.stacked(.init(category: "stack", segment: "source", value: money(unit).name, colourBy: "source", omit: [.init("source", ["public"])])),
                            title: "How is each stack split between sources of money?",
                            caption: "One bar per capital stack, a segment per source of money; the figure after each bar is the stack's total.")
        return table
    }

    static func allocations(_ stacks: [StackAccount], unit: Unit) -> Table {
        var table = Table(name: "allocations", title: "Allocations of the total",
                          columns: [Column("stack", .text), Column("allocation", .text), money(unit), Column("units", .count),
                                    money(unit, "per_unit")])
        for account in stacks {
            for a in account.allocations {
                table.append([.text(account.stack.id), .text(a.allocation.label), .number(a.amount),
                              a.allocation.units.map(Cell.integer) ?? .empty, .number(a.perUnit)])
            }
        }
        table.chart = Chart(.bars(.init([.init(money(unit).name)], label: ["stack", "allocation"], colourBy: "stack")),
                            title: "Where does each stack's money go?",
                            caption: "Amount allocated to each use, in \(unit.axisSuffix ?? unit.rawValue).")
        return table
    }

    static func chainBase(_ chains: [ChainAccount], unit: Unit) -> Table {
        var table = Table(name: "chain_base", title: "Leverage chains: the public base and the budget provision",
                          columns: [Column("chain", .text), Column("component", .text), Column("source", .text), Column("kind", .text),
                                    money(unit), Column("rate", .fraction)])
        for account in chains {
            for (component, amount) in zip(account.chain.base, account.baseAmounts) {
                var rate: Double?
                if case .shareOf(_, let s) = component.size { rate = s }
                table.append([.text(account.chain.id), .text(component.label), .text(component.source.rawValue),
                              .text(component.kind.rawValue), .number(amount.amount), .number(rate)])
            }
            table.append([.text(account.chain.id), "base fund (F)", "", "", .number(account.base), .empty])
            if let provision = account.provision {
                table.append([.text(account.chain.id), "budget provision (P = r·G)", "eu_budget", "provision",
                              .number(provision), .number(account.provisioningRate)])
            }
        }
        table.notes.append("rate: a component's share of the component it refers to; for the provision, the provisioning rate r = P/G.")
        table.chart = Chart(.bars(.init([.init(money(unit).name)], label: ["chain", "component"], colourBy: "chain", omit: [.init("component", ["base fund (F)"])])),
                            title: "What is each leverage chain's public base made of?",
                            caption: "The components of each chain's base fund and its budget provision, in \(unit.axisSuffix ?? unit.rawValue); the base fund (their sum) is not drawn.")
        return table
    }

    static func chainStages(_ chains: [ChainAccount], unit: Unit) -> Table {
        var table = Table(name: "chain_stages", title: "Leverage chains: stages from the base to investment",
                          columns: [Column("chain", .text), Column("stage", .text), Column("stage_multiplier", .multiple),
                                    money(unit), Column("multiple_of_base", .multiple)])
        for account in chains {
            for row in account.stages {
                table.append([.text(account.chain.id), .text(row.label), .number(row.stageMultiplier), .number(row.amount),
                              .number(row.cumulativeMultiplier)])
            }
        }
        table.notes.append("Stages are cumulative, not additive: each stage's amount includes the previous one (EFSI: total investment includes the EIB Group financing).")
        table.chart = Chart(.bars(.init([.init(money(unit).name)], label: ["chain", "stage"], colourBy: "chain")),
                            title: "How does each chain grow from its public base to investment?",
                            caption: "The amount at each stage of each leverage chain, in \(unit.axisSuffix ?? unit.rawValue).")
        return table
    }

    static func multipliers(stacks: [StackAccount], chains: [ChainAccount], unit: Unit) -> Table {
        var table = Table(name: "multipliers", title: "Multipliers",
                          columns: [Column("scope", .text), Column("multiplier", .text), Column("value", .multiple),
                                    money(unit, "numerator"), money(unit, "denominator"), Column("definition", .text)])
        for (scope, list) in stacks.map({ ($0.stack.id, $0.multipliers) }) + chains.map({ ($0.chain.id, $0.multipliers) }) {
            for m in list {
                table.append([.text(scope), .text(m.name), .number(m.value), .number(m.numerator), .number(m.denominator), .text(m.definition)])
            }
        }
        table.notes.append("A multiplier with no value has a zero denominator (e.g. no EU money in the stack). These ratios are the tool's own; the EU's leverage and multiplier effects are in the eu_effects table.")
        for account in stacks where account.pledged > 0 {
            table.notes.append("\(account.stack.id): total / EU budget counts \(number(account.pledged)) of pre-existing pledges at face value — not leverage: that money was pledged before, not mobilised by the EU's \(number(account.euBudget)); see eu_effects for the range under the pledge's realisation.")
        }
        table.setDetail([money(unit, "numerator").name, money(unit, "denominator").name])
        table.chart = Chart(.bars(.init([.init("value", label: "multiplier")], label: ["scope", "multiplier"], colourBy: "scope")),
                            title: "How many euros of investment does each euro of public money bring?",
                            caption: "Each multiplier of each stack and chain (definitions in the table).")
        return table
    }
}
