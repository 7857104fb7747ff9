import CapitalStacks
import Foundation
import Testing
import TestSupport

/// Issue 11: the Financial Regulation's leverage and multiplier effects beside the tool's own ratios.
@Suite("EU effects: leverage and multiplier effects as the Financial Regulation defines them")
struct EUEffectsTests {
    func effect(_ list: [EUEffect], _ measure: EUEffect.Measure, _ timing: EUEffect.Timing, _ k: Int = 0) -> EUEffect? {
        list.filter { $0.measure == measure && $0.timing == timing }.dropFirst(k).first
    }

    let efsi1 = LeverageChain(id: "efsi1", label: "EFSI 1", base: [
        .init(id: "g", label: "EU guarantee", source: .euBudget, kind: .guarantee, size: .amount(16)),
        .init(id: "eib", label: "EIB", source: .eibGroup, kind: .capital, size: .amount(5)),
    ], stages: [.init(label: "EIB Group higher-risk financing", multiplier: 3, finalRecipientFinancing: true),
                .init(label: "total investment", multiplier: 5)], provision: .rate(0.5))

    @Test("EFSI 1: the Union contribution is the 16 bn guarantee only; leverage effect 63/16, multiplier effect 315/16 — not the tool's ×15 on 21")
    func efsi() throws {
        let account = try efsi1.evaluate()
        #expect(account.unionContribution == 16)
        let effects = account.euEffects
        #expect(effect(effects, .leverageEffect, .exAnte)?.value == 63.0 / 16)
        #expect(effect(effects, .multiplierEffect, .exAnte)?.value == 315.0 / 16)
        #expect(account.multipliers.first?.value == 15)   // the tool's own I/F, on the base with the EIB
    }

    @Test("A programme stating only an investment target has no leverage effect; ex post uses the audited investment and the additionality range")
    func expostAndAdditionality() throws {
        let range = UncertainShare(low: 0.5, base: 0.667, high: 0.85)
        let chain = LeverageChain(id: "efsi2", label: "EFSI 2.0", base: [
            .init(id: "g", label: "EU guarantee", source: .euBudget, kind: .guarantee, size: .amount(26)),
            .init(id: "eib", label: "EIB", source: .eibGroup, kind: .capital, size: .amount(7.5)),
        ], investment: 500, expost: .init(reported: 503, deductions: [.init(label: "ECA", amount: 131)], additionalityRange: range))
        let effects = try chain.evaluate().euEffects
        let leverage = try #require(effect(effects, .leverageEffect, .exAnte))
        #expect(leverage.value == nil && leverage.note != nil)
        #expect(effect(effects, .multiplierEffect, .exAnte)?.value == 500.0 / 26)
        #expect(effect(effects, .multiplierEffect, .exPost)?.value == 372.0 / 26)
        let additional = try #require(effect(effects, .multiplierEffect, .exPost, 1))
        #expect(abs(additional.value! - 0.667 * 372 / 26) < 1e-12)
        let r = try #require(additional.range)
        #expect(abs(r.mean - range.mean * 372 / 26) < 1e-12)
        #expect(abs(r.p05 - range.quantile(0.05) * 372 / 26) < 1e-12 && abs(r.p95 - range.quantile(0.95) * 372 / 26) < 1e-12)
        #expect(0.5 * 372 / 26 < r.p05 && r.p05 < additional.value! && additional.value! < r.p95 && r.p95 < 0.85 * 372 / 26)
    }

    @Test("InvestAI: ×4.0 counts a 150 bn pre-existing pledge at face value; with its realisation the multiplier effect is a range, and 1.0 without it")
    func investAIPledge() throws {
        let pledge = UncertainShare(low: 0.2, base: 0.5, high: 0.9)
        let stack = CapitalStack(id: "investai", label: "InvestAI", contributors: [
            Contributor(id: "eu", label: "EU", source: .euBudget, instrument: .mixed, rule: .amount(50)),
            Contributor(id: "private", label: "pledge", source: .privateInvestor, instrument: .mixed, rule: .amount(150), pledge: pledge),
        ])
        let account = try stack.evaluate()
        #expect(account.pledged == 150)
        let effects = account.euEffects
        let leverage = try #require(effect(effects, .leverageEffect, .exAnte))
        #expect(leverage.value == nil, "a mixed EU contribution is not a financial instrument")
        let face = try #require(effect(effects, .multiplierEffect, .exAnte))
        #expect(face.value == 4)
        let r = try #require(face.range)
        // PERT mean (0.2 + 4·0.5 + 0.9)/6 = 0.51667: (50 + 150·0.51667)/50 = 2.55.
        #expect(abs(r.mean - 2.55) < 1e-12)
        #expect(1 + 3 * 0.2 < r.p05 && r.p05 < r.mean && r.mean < r.p95 && r.p95 < 1 + 3 * 0.9)
        #expect(effect(effects, .multiplierEffect, .exAnte, 1)?.value == 1)
    }
}

@Suite("Uncertain shares (PERT)")
struct UncertainShareTests {
    /// Bisection on an exact CDF, the reference the PERT quantile is compared with.
    func invert(_ cdf: (Double) -> Double, _ p: Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 { let mid = 0.5 * (lo + hi); if cdf(mid) < p { lo = mid } else { hi = mid } }
        return 0.5 * (lo + hi)
    }

    @Test("Symmetric PERT(0, ½, 1) is Beta(3, 3): CDF 10x³ − 15x⁴ + 6x⁵", arguments: [0.05, 0.25, 0.5, 0.95])
    func symmetric(_ p: Double) {
        let s = UncertainShare(low: 0, base: 0.5, high: 1)
        #expect(s.shape.alpha == 3 && s.shape.beta == 3)
        let exact = invert({ x in 10 * pow(x, 3) - 15 * pow(x, 4) + 6 * pow(x, 5) }, p)
        #expect(abs(s.quantile(p) - exact) < 1e-9)
    }

    @Test("PERT(0, 0, 1) is Beta(1, 5): quantile 1 − (1 − p)^(1/5); rescaled to [0.2, 0.6]", arguments: [0.05, 0.5, 0.95])
    func skewed(_ p: Double) {
        let s = UncertainShare(low: 0, base: 0, high: 1)
        #expect(abs(s.quantile(p) - (1 - pow(1 - p, 0.2))) < 1e-9)
        let t = UncertainShare(low: 0.2, base: 0.2, high: 0.6)
        #expect(abs(t.quantile(p) - (0.2 + 0.4 * (1 - pow(1 - p, 0.2)))) < 1e-9)
        #expect(abs(t.mean - (0.2 + 0.2 * 4 + 0.6) / 6) < 1e-15)
    }

    @Test("A known share has no spread")
    func known() {
        let s = UncertainShare(exactly: 0.667)
        #expect(!s.isUncertain && s.quantile(0.05) == 0.667 && s.quantile(0.95) == 0.667 && s.mean == 0.667)
    }
}
