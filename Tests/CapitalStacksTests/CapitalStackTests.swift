import CapitalStacks
import Testing
import TestSupport

/// Capital stacks: every amount is computed from the rules, never typed in.
@Suite("Capital stacks")
struct CapitalStackTests {
    func contributor(_ id: String, _ source: Source, _ rule: AmountRule, cap: Double? = nil) -> Contributor {
        Contributor(id: id, label: id, source: source, instrument: .grant, rule: rule, cap: cap)
    }

    @Test("InvestAI: 50 EU + 150 private = 200, total / EU budget ×4, private / public ×3")
    func investAI() throws {
        let stack = CapitalStack(id: "investai", label: "InvestAI", contributors: [
            contributor("eu", .euBudget, .amount(50)), contributor("private", .privateInvestor, .amount(150)),
        ])
        let account = try stack.evaluate()
        #expect(account.total == 200)
        #expect(account.euBudget == 50 && account.publicMoney == 50 && account.privateMoney == 150)
        let m = Dictionary(uniqueKeysWithValues: account.multipliers.map { ($0.name, $0.value) })
        #expect(m["total / EU budget"] == 4)
        #expect(m["total / public"] == 4)
        #expect(m["private / public"] == 3)
    }

    @Test("Member States match the EU 1:1; a claimed ×10 private is a match of ratio 10 on public money")
    func matching() throws {
        let stack = CapitalStack(id: "claim", label: "claim", contributors: [
            contributor("private", .privateInvestor, .matching(of: ["eu", "ms"], ratio: 10)),
            contributor("ms", .memberState, .matching(of: ["eu"], ratio: 1)),
            contributor("eu", .euBudget, .amount(5)),
        ])
        let account = try stack.evaluate()
        #expect(account.contributions.map(\.amount) == [100, 5, 5])
        #expect(account.multipliers.first { $0.name == "private / public" }?.value == 10)
    }

    @Test("Gigafactory: 17 % of 5 bn capex capped at 0.82, host state matches, private takes the remainder")
    func shareCapRemainder() throws {
        let stack = CapitalStack(id: "gf", label: "gf", total: 5, contributors: [
            contributor("eu", .euBudget, .shareOfTotal(0.17), cap: 0.82),
            contributor("host", .memberState, .matching(of: ["eu"], ratio: 1)),
            contributor("private", .privateInvestor, .remainder),
        ])
        let account = try stack.evaluate()
        let eu = account.contributions[0]
        #expect(eu.amount == 0.82 && eu.capBinds)
        #expect(abs(eu.uncapped - 0.85) < 1e-15)
        #expect(account.contributions[1].amount == 0.82)
        #expect(abs(account.contributions[2].amount - 3.36) < 1e-12)
        #expect(abs(account.total - 5) < 1e-12)
        // Without the cap: Models/SOURCES.md §3, M_EU = 1/0.17 = ×5.9 and M_public = 1/0.34 = ×2.9.
        var uncapped = stack
        uncapped.contributors[0].cap = nil
        let m = try uncapped.evaluate().multipliers
        #expect(abs(m[0].value! - 1 / 0.17) < 1e-12)
        #expect(abs(m[1].value! - 1 / 0.34) < 1e-12)
    }

    @Test("Allocations split into units: 20 bn for 4 gigafactories is 5 bn a site")
    func allocations() throws {
        let stack = CapitalStack(id: "s", label: "s", contributors: [contributor("eu", .euBudget, .amount(200))],
                                 allocations: [Earmark(id: "gf", label: "gf", size: .amount(20), units: 4),
                                               Earmark(id: "half", label: "half", size: .shareOfTotal(0.5))])
        let account = try stack.evaluate()
        #expect(account.allocations[0].perUnit == 5)
        #expect(account.allocations[1].amount == 100)
        #expect(account.allocations[1].perUnit == nil)
    }

    @Test("A cap that does not bind leaves the amount as the rule gave it")
    func capNotBinding() throws {
        let account = try CapitalStack(id: "s", label: "s", contributors: [contributor("eu", .euBudget, .amount(1), cap: 2)]).evaluate()
        #expect(account.contributions[0].amount == 1 && !account.contributions[0].capBinds)
    }

    static let errorCases: [(String, CapitalStack, AccountingError)] = {
        func c(_ id: String, _ rule: AmountRule) -> Contributor { Contributor(id: id, label: id, source: .euBudget, instrument: .grant, rule: rule) }
        return [
            ("unknown name in a match", CapitalStack(id: "s", label: "s", contributors: [c("a", .amount(1)), c("b", .matching(of: ["a", "zz"], ratio: 1))]),
             AccountingError(path: "contributors[1].match.of[1]", "no contributor is called 'zz'")),
            ("circular matching", CapitalStack(id: "s", label: "s", contributors: [c("a", .matching(of: ["b"], ratio: 1)), c("b", .matching(of: ["a"], ratio: 1))]),
             AccountingError(path: "contributors[0].match", "circular matching: 'a' depends on itself through other contributors")),
            ("self match", CapitalStack(id: "s", label: "s", contributors: [c("a", .matching(of: ["a"], ratio: 1))]),
             AccountingError(path: "contributors[0].match.of[0]", "'a' cannot match itself")),
            ("shares over 100 %", CapitalStack(id: "s", label: "s", total: 10, contributors: [c("a", .shareOfTotal(0.6)), c("b", .shareOfTotal(0.5))]),
             AccountingError(path: "contributors", "shares of the total add up to 110 %, over 100 %")),
            ("share without total", CapitalStack(id: "s", label: "s", contributors: [c("a", .shareOfTotal(0.6))]),
             AccountingError(path: "contributors[0].share", "a share of the total needs the stack's `total`")),
            ("two remainders", CapitalStack(id: "s", label: "s", total: 1, contributors: [c("a", .remainder), c("b", .remainder)]),
             AccountingError(path: "contributors[1].remainder", "only one contributor can take the remainder (contributors[0] already does)")),
            ("contributions above the total", CapitalStack(id: "s", label: "s", total: 1, contributors: [c("a", .amount(2)), c("b", .remainder)]),
             AccountingError(path: "total", "contributions other than the remainder add up to 2, above the total 1")),
            ("duplicate id", CapitalStack(id: "s", label: "s", contributors: [c("a", .amount(2)), c("a", .amount(1))]),
             AccountingError(path: "contributors[1].id", "'a' is used by two contributors")),
        ]
    }()

    @Test("Inconsistent rules are errors that name the field", arguments: errorCases.indices)
    func errors(_ k: Int) {
        let (_, stack, expected) = CapitalStackTests.errorCases[k]
        #expect(throws: expected) { try stack.evaluate() }
    }
}

/// Leverage chains reproduce the published multipliers from their inputs alone (Models/SOURCES.md).
@Suite("Leverage chains")
struct LeverageChainTests {
    let efsi1 = LeverageChain(
        id: "efsi1", label: "EFSI 1",
        base: [.init(id: "g", label: "EU guarantee", source: .euBudget, kind: .guarantee, size: .amount(16)),
               .init(id: "eib", label: "EIB", source: .eibGroup, kind: .capital, size: .amount(5))],
        stages: [.init(label: "EIB", multiplier: 3), .init(label: "third party", multiplier: 5)],
        provision: .rate(0.5))

    @Test("EFSI 1: (16 + 5) × 3 × 5 = 315, ×15 ex ante; provision 8 = 50 % of 16, ×39.4 on budget cash")
    func efsi1Multipliers() throws {
        let account = try efsi1.evaluate()
        #expect(account.base == 21 && account.guarantee == 16)
        #expect(account.stages.map(\.amount) == [21, 63, 315])
        #expect(account.investment == 315)
        #expect(account.provision == 8 && account.provisioningRate == 0.5)
        let m = Dictionary(uniqueKeysWithValues: account.multipliers.map { ($0.name, $0.value!) })
        #expect(m["investment / base"] == 15)
        #expect(m["investment / budget provision"] == 315.0 / 8)
    }

    @Test("EFSI 2.0 after the auditors: (503 − 131) / 33.5 = ×11.1; additionality 2/3 leaves ×7.4")
    func efsi2ExPost() throws {
        let chain = LeverageChain(
            id: "efsi2", label: "EFSI 2.0",
            base: [.init(id: "g", label: "g", source: .euBudget, kind: .guarantee, size: .amount(26)),
                   .init(id: "eib", label: "eib", source: .eibGroup, kind: .capital, size: .amount(7.5))],
            investment: 500, provision: .rate(0.35),
            expost: .init(reported: 503, deductions: [.init(label: "ECA", amount: 131)], additionality: 2.0 / 3))
        let account = try chain.evaluate()
        #expect(account.adjustedInvestment == 372)
        let m = Dictionary(uniqueKeysWithValues: account.multipliers.map { ($0.name, $0.value!) })
        #expect(abs(m["adjusted investment / base"]! - 11.104477611940299) < 1e-12)
        #expect(abs(m["additional investment / base"]! - 372.0 * 2 / 3 / 33.5) < 1e-12)
        #expect(abs(account.provision! - 9.1) < 1e-12)
    }

    @Test("InvestEU: 372 / 26.2 = ×14.2 on the guarantee, 372 / 10.5 = ×35.4 on the provision; partners 25 % = 6.55")
    func investEU() throws {
        let chain = LeverageChain(
            id: "investeu", label: "InvestEU",
            base: [.init(id: "g", label: "g", source: .euBudget, kind: .guarantee, size: .amount(26.2)),
                   .init(id: "p", label: "p", source: .eibGroup, kind: .capital, size: .shareOf("g", 0.25))],
            investment: 372, provision: .amount(10.5))
        let account = try chain.evaluate()
        #expect(abs(account.baseAmounts[1].amount - 6.55) < 1e-12)
        let m = Dictionary(uniqueKeysWithValues: account.multipliers.map { ($0.name, $0.value!) })
        #expect((m["investment / guarantee"]! * 10).rounded() / 10 == 14.2)
        #expect((m["investment / budget provision"]! * 10).rounded() / 10 == 35.4)
        #expect(abs(account.provisioningRate! - 10.5 / 26.2) < 1e-15)
    }

    @Test("Chain errors name the field")
    func chainErrors() {
        var both = efsi1
        both.investment = 1
        #expect(throws: AccountingError(path: "investment", "give either stages or a stated investment, not both")) { try both.evaluate() }
        var neither = efsi1
        neither.stages = []
        #expect(throws: AccountingError(path: "stages", "a chain needs stages (multipliers) or a stated investment")) { try neither.evaluate() }
        var noGuarantee = efsi1
        noGuarantee.base = [efsi1.base[1]]
        #expect(throws: AccountingError(path: "provision", "a provisioning rate needs a base component of kind guarantee")) { try noGuarantee.evaluate() }
        var overDeducted = efsi1
        overDeducted.expost = .init(reported: 10, deductions: [.init(label: "x", amount: 11)])
        #expect(throws: AccountingError(path: "expost.deductions", "deductions add up to 11, above the reported investment 10")) { try overDeducted.evaluate() }
        var badShare = efsi1
        badShare.base.append(.init(id: "x", label: "x", source: .eibGroup, kind: .capital, size: .shareOf("nope", 0.1)))
        #expect(throws: AccountingError(path: "base[2].share_of", "no base component is called 'nope'")) { try badShare.evaluate() }
    }
}
