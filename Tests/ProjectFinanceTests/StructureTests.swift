import Foundation
import Testing
import ProjectFinance
import Stochastics

@Suite("Funding structures and the funding gap")
struct StructureTests {
    /// Four small sites under the regulation's terms (computing-infrastructure base, 2 years of free access).
    static func model() -> StressModel {
        var m = smallStressModel(firstLoss: 0.1)
        m.sites = m.sites.map { site in
            var s = site
            s.parameters.funding.shareBase = .computingInfrastructure
            s.parameters.funding.access = .init(mode: .free, years: 2)
            return s
        }
        m.lenders.guaranteeRate = 0.6
        return m
    }

    @Test("credit support moves losses, not defaults; the offtake moves the Union's money from close to operation")
    func structures() throws {
        let m = StructureTests.model()
        let results = try StructureComparison.run(m, paths: 400, seed: 9)
        #expect(results.map(\.structure) == FundingStructure.allCases)
        let merchant = results[0], offtake = results[1], firstLoss = results[2], guarantee = results[3]
        // Same draws, same project: identical defaults and lenders' losses for the three non-offtake structures.
        #expect(firstLoss.defaultProbability == merchant.defaultProbability && guarantee.defaultProbability == merchant.defaultProbability)
        #expect(firstLoss.lenderLoss == merchant.lenderLoss && merchant.lenderLoss.mean > 0)
        // Who bears it: none / min(L, f·V) / g·L, and the parts add up.
        let (o, stats) = try StructureComparison.variant(m, .merchant).simulate(.none, paths: 400, seed: 9)
        let losses = o.portfolioLosses
        let fv = 0.1 * stats.volume
        let expectedFirstLoss = losses.reduce(0) { $0 + min($1, fv) } / Double(losses.count)
        #expect(merchant.publicLenderLoss.mean == 0 && offtake.publicLenderLoss.mean == 0)
        #expect(abs(firstLoss.publicLenderLoss.mean - expectedFirstLoss) < 1e-9)
        #expect(abs(guarantee.publicLenderLoss.mean - 0.6 * merchant.lenderLoss.mean) < 1e-9)
        for r in results { #expect(abs(r.publicLenderLoss.mean + r.privateLenderLoss.mean - r.lenderLoss.mean) < 1e-9) }
        // Grants 0.2 · 16 a site; with the offtake the Union's 1.6 a site is paid over the access years.
        #expect(abs(merchant.grants - 4 * 3.2) < 1e-12 && abs(offtake.grants - 4 * 1.6) < 1e-12 && abs(offtake.offtake - 4 * 1.6) < 1e-12)
        #expect(abs(offtake.publicCost - merchant.publicCost) < 1e-12)
        // Commitments: f·V funded, g·V guaranteed.
        #expect(abs(firstLoss.creditCommitment - fv) < 1e-12 && abs(guarantee.creditCommitment - 0.6 * stats.volume) < 1e-12)
        // The public GPU-hours: 16 % of 1000 GPUs · 8760 h · 50 % utilisation for 2 years, 4 sites.
        #expect(abs(merchant.publicGPUHours - 4 * 2 * 0.16 * 1000 * 8760 * 0.5) < 1e-6)
        // The Financial Regulation's effects: the Union contribution is the EU budget's only (EU grants 0.1 · 16 a
        // site, the offtake, f·V, g·V), the leverage effect V / contribution, the multiplier effect capex / contribution.
        #expect(abs(merchant.unionContribution - 4 * 1.6) < 1e-12 && abs(offtake.unionContribution - 4 * 1.6) < 1e-12)
        #expect(abs(firstLoss.unionContribution - (4 * 1.6 + fv)) < 1e-12 && abs(guarantee.unionContribution - (4 * 1.6 + 0.6 * stats.volume)) < 1e-12)
        for r in results {
            #expect(abs(r.leverageEffect! - stats.volume / r.unionContribution) < 1e-12)
            #expect(abs(r.multiplierEffect! - r.capex / r.unionContribution) < 1e-12)
        }
        // A contracted revenue cannot raise P(default) here: the offtake replaces risky sales.
        #expect(offtake.defaultProbability.mean <= merchant.defaultProbability.mean + 3 * merchant.defaultProbability.standardError)
    }

    @Test("the funding gap: NPV without aid, the aid's PV and the access time's cost, by hand")
    func fundingGap() {
        let m = StructureTests.model()
        let gap = StructureComparison.fundingGaps(m)[0]
        var bare = m.sites[0].parameters
        bare.funding.access = .none
        let none = ProjectModel.run(bare)
        #expect(close(gap.npvWithoutAid, none.projectNPV, 1e-12) && close(gap.gap, max(0, -none.projectNPV), 1e-12))
        // The grant of 3.2 spent over the construction year, dated at t = ½.
        #expect(close(gap.aid, 3.2 / pow(1.08, 0.5), 1e-12))
        // The access time: 16 % of the revenue of operating years 1 and 2 (t = 1½, 2½) is not sold.
        let foregone = 0.16 * (none.rows[1].revenue / pow(1.08, 1.5) + none.rows[2].revenue / pow(1.08, 2.5))
        #expect(close(gap.accessCost, foregone, 1e-10))
        #expect(close(gap.netAid, gap.aid - foregone, 1e-10) && gap.aidExceedsGap == (gap.netAid > gap.gap))
    }
}
