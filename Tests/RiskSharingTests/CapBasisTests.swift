import RiskSharing
import Testing

/// Issue 11, item 1: the EIF's capped guarantees define the cap on the guaranteed amount.
@Suite("Guarantee cap convention (EIF: cap on the guaranteed amount)")
struct CapBasisTests {
    /// COSME-style: V = 10,000, rate 50 %, cap rate 20 %, on the whole portfolio.
    func cosme(_ basis: CapBasis? = nil) throws -> Waterfall {
        let g = basis.map { Guarantee(name: "eu", rate: 0.5, cap: 0.2, capBasis: $0, covers: .portfolio, guarantor: "EU") }
            ?? Guarantee(name: "eu", rate: 0.5, cap: 0.2, covers: .portfolio, guarantor: "EU")
        return try Waterfall(structure: RiskSharingStructure(tranches: [Tranche(name: "portfolio", attachment: 0, detachment: 1, holder: "banks")],
                                                             guarantees: [g]), volume: 10_000)
    }

    @Test("By default the cap amount is volume × guarantee rate × cap rate: 10,000 × 0.5 × 0.2 = 1,000 (not 2,000)")
    func defaultIsEIF() throws {
        let w = try cosme()
        #expect(w.guarantees[0].capBasis == .guaranteedAmount)
        #expect(w.capAmount(0) == 1_000)
        #expect(w.maximumLiability(0) == 1_000)   // the old convention gave min(5,000, 2,000) = 2,000
    }

    @Test("Hand-computed calls under both conventions", arguments: [
        // loss, call (guaranteed amount: cap 1,000), call (volume: cap 2,000)
        (1_000.0, 500.0, 500.0),
        (2_000.0, 1_000.0, 1_000.0),   // 0.5 · 2,000 = 1,000: the EIF cap is reached
        (3_000.0, 1_000.0, 1_500.0),   // capped at 1,000 under the EIF convention only
        (5_000.0, 1_000.0, 2_000.0),
    ])
    func calls(loss: Double, eif: Double, volume: Double) throws {
        let a = try cosme(.guaranteedAmount).allocate(portfolioLoss: loss)
        let b = try cosme(.volume).allocate(portfolioLoss: loss)
        #expect(a.guaranteeCalls == [eif] && b.guaranteeCalls == [volume])
        #expect(a.holderLoss.reduce(0, +) == loss && b.holderLoss.reduce(0, +) == loss)
    }

    @Test("On a tranche the guaranteed amount is rate × the tranche notional")
    func trancheNotional() throws {
        // V = 100, private tranche [20 %, 100 %] = 80; rate 0.5, cap 0.25 ⇒ cap amount 0.25 · 0.5 · 80 = 10.
        let s = RiskSharingStructure(tranches: [Tranche(name: "fl", attachment: 0, detachment: 0.2, holder: "EU"),
                                                Tranche(name: "private", attachment: 0.2, detachment: 1, holder: "investors")],
                                     guarantees: [Guarantee(name: "g", rate: 0.5, cap: 0.25, covers: .tranche("private"), guarantor: "EU")])
        let w = try Waterfall(structure: s, volume: 100)
        #expect(w.capAmount(0) == 10 && w.maximumLiability(0) == 10)
        #expect(abs(w.allocate(portfolioLoss: 30).guaranteeCalls[0] - 5) < 1e-12)    // 0.5 · 10
        #expect(w.allocate(portfolioLoss: 60).guaranteeCalls == [10])   // 0.5 · 40 = 20 → cap 10
    }
}
