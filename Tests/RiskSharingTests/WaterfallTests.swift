import LinearAlgebra
import RiskSharing
import Stochastics
import Testing
import TestSupport

@Suite("Waterfall: tranches and guarantees")
struct WaterfallTests {
    /// V = 100: junior [0, 10 %) "bank", mezzanine [10 %, 30 %) "EIB", senior [30 %, 100 %] "investors";
    /// guarantee "EU" on the junior tranche, rate 80 %, cap 5 % of V (= 5).
    let structure = RiskSharingStructure(
        tranches: [Tranche(name: "junior", attachment: 0, detachment: 0.1, holder: "bank"),
                   Tranche(name: "mezzanine", attachment: 0.1, detachment: 0.3, holder: "EIB"),
                   Tranche(name: "senior", attachment: 0.3, detachment: 1, holder: "investors")],
        guarantees: [Guarantee(name: "InvestEU", rate: 0.8, cap: 0.05, capBasis: .volume, covers: .tranche("junior"), guarantor: "EU")])

    @Test("Hand-computed tranche guarantee", arguments: [
        // loss, junior gross, junior net, mezz, senior, call
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (4.0, 4.0, 0.8, 0.0, 0.0, 3.2),     // 0.8·4 = 3.2 < cap 5
        (6.25, 6.25, 1.25, 0.0, 0.0, 5.0),  // 0.8·6.25 = 5 = cap
        (8.0, 8.0, 3.0, 0.0, 0.0, 5.0),     // capped: 6.4 → 5
        (20.0, 10.0, 5.0, 10.0, 0.0, 5.0),
        (50.0, 10.0, 5.0, 20.0, 20.0, 5.0),
        (100.0, 10.0, 5.0, 20.0, 70.0, 5.0),
    ])
    func trancheGuarantee(loss: Double, junior: Double, juniorNet: Double, mezzanine: Double, senior: Double, call: Double) throws {
        let w = try Waterfall(structure: structure, volume: 100)
        let a = w.allocate(portfolioLoss: loss)
        #expect(w.holders == ["bank", "EIB", "investors", "EU"])
        #expect(abs(a.trancheGross[0] - junior) < 1e-12 && abs(a.trancheNet[0] - juniorNet) < 1e-12)
        #expect(abs(a.trancheGross[1] - mezzanine) < 1e-12 && abs(a.trancheGross[2] - senior) < 1e-12)
        #expect(abs(a.guaranteeCalls[0] - call) < 1e-12)
        #expect(a.holderLoss == [a.trancheNet[0], a.trancheNet[1], a.trancheNet[2], a.guaranteeCalls[0]])
        #expect(abs(a.holderLoss.reduce(0, +) - loss) < 1e-12)
        #expect(w.maximumLiability(0) == 5)  // min(0.8 · 10, 0.05 · 100)
    }

    @Test("Hand-computed portfolio guarantee, shared pro rata")
    func portfolioGuarantee() throws {
        let s = RiskSharingStructure(tranches: structure.tranches,
                                     guarantees: [Guarantee(name: "State", rate: 0.5, cap: 0.1, capBasis: .volume, covers: .portfolio, guarantor: "Member State")])
        let w = try Waterfall(structure: s, volume: 100)
        // Loss 12: payout min(6, 10) = 6, share ½: junior 10 → 5, mezzanine 2 → 1.
        var a = w.allocate(portfolioLoss: 12)
        #expect(a.guaranteeCalls == [6])
        #expect(abs(a.trancheNet[0] - 5) < 1e-12 && abs(a.trancheNet[1] - 1) < 1e-12 && a.trancheNet[2] == 0)
        // Loss 40: payout min(20, 10) = 10, share ¼: junior 10 → 7.5, mezz 20 → 15, senior 10 → 7.5.
        a = w.allocate(portfolioLoss: 40)
        #expect(a.guaranteeCalls == [10])
        #expect(abs(a.trancheNet[0] - 7.5) < 1e-12 && abs(a.trancheNet[1] - 15) < 1e-12 && abs(a.trancheNet[2] - 7.5) < 1e-12)
        #expect(abs(a.holderLoss.reduce(0, +) - 40) < 1e-12)
        #expect(w.maximumLiability(0) == 10)
    }

    @Test("Holders' losses add up to the portfolio loss, and every output is nondecreasing in it")
    func conservationAndMonotonicity() throws {
        let s = RiskSharingStructure(tranches: structure.tranches, guarantees: structure.guarantees + [
            Guarantee(name: "State", rate: 0.15, cap: 0.02, capBasis: .volume, covers: .portfolio, guarantor: "Member State"),
            Guarantee(name: "EIB on mezz", rate: 0.5, cap: 0.04, capBasis: .volume, covers: .tranche("mezzanine"), guarantor: "EIB")])
        let w = try Waterfall(structure: s, volume: 1234.5)
        var stream = RandomStream(seed: 1, stream: (0, 0, 0))
        let losses = ((0..<20_000).map { _ in 1234.5 * stream.nextUniform() } + [0, 1234.5]).sorted()
        var previous: Allocation? = nil
        for loss in losses {
            let a = w.allocate(portfolioLoss: loss)
            #expect(abs(a.holderLoss.reduce(0, +) - loss) <= 1e-12 * 1234.5)
            #expect(a.trancheNet.allSatisfy { $0 >= -1e-12 })
            if let p = previous {
                for (x, y) in zip(p.holderLoss + p.trancheNet + p.guaranteeCalls, a.holderLoss + a.trancheNet + a.guaranteeCalls) {
                    #expect(y >= x - 1e-9)
                }
            }
            previous = a
        }
    }

    @Test("Engine: holders add up to the portfolio on every path; reports agree with the waterfall")
    func engineConservation() throws {
        let exposures = homogeneousExposures(80, pd: 0.04, rho: 0.3, lgd: .beta(mean: 0.5, standardDeviation: 0.2))
        let s = RiskSharingStructure(tranches: structure.tranches, guarantees: structure.guarantees + [
            Guarantee(name: "State", rate: 0.1, cap: 0.03, capBasis: .volume, covers: .portfolio, guarantor: "Member State", budgetProvision: 1.5)])
        let r = try simulate(portfolio: Portfolio(exposures: exposures, dependence: oneFactor), structure: s,
                             settings: SimulationSettings(paths: 20_000, seed: 4))
        #expect(r.maximumAllocationError <= 1e-12 * r.volume)
        let holderEL = r.holders.reduce(0) { $0 + $1.loss.expectedLoss.mean }
        #expect(abs(holderEL - r.portfolio.expectedLoss.mean) <= 1e-10 * r.volume)
        let trancheEL = r.tranches.reduce(0) { $0 + $1.grossLoss.expectedLoss.mean }
        #expect(abs(trancheEL - r.portfolio.expectedLoss.mean) <= 1e-10 * r.volume)
        // Hit / wipe-out probabilities from the loss distribution directly.
        let junior = r.tranches[0]
        #expect(try junior.hitProbability.successes == r.paths - r.lossDistribution.probability(lossFractionAtMost: 0).successes)
        // Provisioning rate = 99 % quantile of calls / liability; shortfall probability is reported.
        let g = r.guarantees[1]
        #expect(g.maximumLiability == 0.03 * r.volume)
        #expect(g.provisioningRate.value == g.calls.quantile(0.99)!.value / g.maximumLiability)
        #expect(g.provisionShortfallProbability != nil)
        // Histogram probabilities add up to 1.
        #expect(r.histogram.reduce(0) { $0 + $1.probability.successes } == r.paths)
    }

    @Test("Invalid structures are rejected with the item at fault")
    func invalid() {
        func message(_ s: RiskSharingStructure) -> String? {
            do { _ = try Waterfall(structure: s, volume: 100); return nil } catch { return error.description }
        }
        let gap = RiskSharingStructure(tranches: [Tranche(name: "a", attachment: 0, detachment: 0.1, holder: "x"),
                                                  Tranche(name: "b", attachment: 0.2, detachment: 1, holder: "y")])
        #expect(message(gap)?.hasPrefix("tranche b: attaches at 0.2") == true)
        let top = RiskSharingStructure(tranches: [Tranche(name: "a", attachment: 0, detachment: 0.9, holder: "x")])
        #expect(message(top)?.hasPrefix("tranche a: the most senior tranche detaches at 0.9") == true)
        let unknown = RiskSharingStructure(tranches: structure.tranches,
                                           guarantees: [Guarantee(name: "g", rate: 0.5, cap: 0.1, capBasis: .volume, covers: .tranche("equity"), guarantor: "EU")])
        #expect(message(unknown)?.hasPrefix("guarantee g: covers unknown tranche equity") == true)
        let over = RiskSharingStructure(tranches: structure.tranches, guarantees: [
            Guarantee(name: "g1", rate: 0.7, cap: 0.1, capBasis: .volume, covers: .tranche("junior"), guarantor: "EU"),
            Guarantee(name: "g2", rate: 0.5, cap: 0.1, capBasis: .volume, covers: .portfolio, guarantor: "State")])
        #expect(message(over)?.hasPrefix("tranche junior: guarantee rates covering it add up to 1.2") == true)
    }
}
