import Foundation
import RiskCover
import RiskSharing
import Scenarios
import Stochastics
import Testing

/// The bounded-memory solve (`SolveThreshold`: the losses above a pilot's threshold, the count
/// of the rest as a virtual zero prefix) against the solve on every loss of the same run, on
/// the bundled models: every constraint check and the solved levels are equal bit for bit, the
/// evaluations too except the public loss's mean and SE (another summation order).
@Suite("Risk cover: the solve with bounded memory equals the solve on every loss")
struct BoundedSolveTests {
    struct Case {
        let portfolio: Portfolio
        let settings: SimulationSettings
        let terms: CoverTerms
        let constraints: InvestorConstraints
    }

    func load(_ name: String, paths: Int, stressed: Bool = false) throws -> Case {
        let file = try ScenarioLoader.load(name)
        let risk = try #require(file.model.risk)
        let spec = try #require(file.model.riskCover)
        var portfolio = risk.portfolio
        if stressed { portfolio = try portfolio.stressed(try #require(spec.stress)) }
        return Case(portfolio: portfolio, settings: RiskCoverAnalysis.solveSettings(risk.settings(paths: paths, seed: 7, threads: nil)),
                    terms: spec.terms, constraints: spec.constraints)
    }

    /// The bounded analysis (pilot, run with `SolveStatistics`) and the one on every loss.
    func analyses(_ c: Case, axis: CoverGrid.Axis, base: Cover, retainAbove: Double? = nil,
                  curve: [Double] = []) throws -> (bounded: RiskCoverAnalysis, threshold: SolveThreshold, full: RiskCoverAnalysis) {
        let (threshold, _) = try RiskCoverAnalysis.solvePilot(portfolio: c.portfolio, settings: c.settings, axis: axis, base: base,
                                                              terms: c.terms, constraints: c.constraints, retainAbove: retainAbove)
        let covers = curve.filter { $0 < threshold.firstLoss }.map { base.with(.firstLoss, $0) }
        let statistics = SolveStatistics(threshold: threshold.firstLoss, volume: c.portfolio.volume,
                                         curve: try CoverAccumulators(covers: covers, terms: c.terms, volume: c.portfolio.volume))
        let structure = RiskSharingStructure.wholePortfolio(holder: c.terms.privateHolder)
        let summary = try simulateBatches(0..<c.settings.batchCount, portfolio: c.portfolio, structure: structure, settings: c.settings,
                                          retaining: .tail, tailSize: threshold.tailSize, statistics: statistics)
        let bounded = try RiskCoverAnalysis(portfolio: c.portfolio, settings: c.settings, threshold: threshold, curve: covers,
                                            summary: summary, terms: c.terms, constraints: c.constraints)
        let full = RiskCoverAnalysis(base: try simulate(portfolio: c.portfolio, structure: structure, settings: c.settings),
                                     terms: c.terms, constraints: c.constraints)
        // (With the threshold 0 every positive loss is kept: with few zero losses, that can be all.)
        #expect(!bounded.base.lossDistribution.isComplete || threshold.firstLoss == 0)
        #expect(full.base.lossDistribution.isComplete)
        return (bounded, threshold, full)
    }

    /// Public loss: the same up to the rounding of another summation order. The mean is a sum of
    /// two positive parts (1e-12 relative); M₂ is M₂(A) + M₂(B) − 2·P·m_A·m_B, whose terms can be
    /// ten times M₂ itself when most paths lie at or below a fixed first loss (sme-guarantee: 2e-12
    /// relative seen on M₂, 1e-12 on the SE), hence 1e-11 on the SE.
    func close(_ a: MeanEstimate, _ b: MeanEstimate, _ what: String) {
        #expect(abs(a.mean - b.mean) <= 1e-12 * abs(b.mean), "\(what): mean \(a.mean) vs \(b.mean)")
        #expect(abs(a.standardError - b.standardError) <= 1e-11 * b.standardError, "\(what): SE \(a.standardError) vs \(b.standardError)")
        #expect(a.count == b.count)
    }

    /// Everything but the public loss's mean and SE equal; those within 1e-12 relative.
    func expectSame(_ a: CoverEvaluation, _ b: CoverEvaluation, _ what: String) {
        close(a.publicLoss, b.publicLoss, "\(what) public loss")
        var x = a
        x.publicLoss = b.publicLoss
        #expect(x == b, "\(what)")
        #expect(a.privateLoss.mean.bitPattern == b.privateLoss.mean.bitPattern && a.privateLoss.standardError.bitPattern == b.privateLoss.standardError.bitPattern)
    }

    func compare(_ c: Case, axis: CoverGrid.Axis, base: Cover, retainAbove: Double? = nil) throws -> (SolveThreshold, RiskCoverAnalysis) {
        let (bounded, threshold, full) = try analyses(c, axis: axis, base: base, retainAbove: retainAbove)
        let a = try bounded.minimumCover(axis, from: base), b = try full.minimumCover(axis, from: base)
        #expect(a.level == b.level && a.binding == b.binding && a.feasible == b.feasible, "\(axis): \(a.level) vs \(b.level)")
        #expect(a.perConstraint.map(\.level) == b.perConstraint.map(\.level))
        expectSame(a.evaluation, b.evaluation, "\(axis) at x*")
        for x in [a.level.lower, a.level.upper] {
            expectSame(try bounded.evaluate(base.with(axis, x)), try full.evaluate(base.with(axis, x)), "\(axis) at \(x)")
        }
        // Every check on a grid of the axis at or above the threshold, bit for bit.
        let from = axis == .firstLoss ? threshold.firstLoss : 0
        for i in 0...40 {
            let cover = base.with(axis, from + (1 - from) * Double(i) / 40)
            for kind in ConstraintCheck.Kind.allCases {
                let p = try bounded.check(kind, at: cover), q = try full.check(kind, at: cover)
                #expect(p == q && p?.estimate.bitPattern == q?.estimate.bitPattern && p?.standardError.bitPattern == q?.standardError.bitPattern,
                        "\(kind) at \(cover)")
            }
            let e = try bounded.evaluate(cover), f = try full.evaluate(cover)
            expectSame(e, f, "\(cover)")
            #expect(try bounded.funding(for: cover, evaluation: e).shortfallProbability == full.funding(for: cover, evaluation: f).shortfallProbability)
        }
        return (threshold, bounded)
    }

    @Test("investai-risk-sharing (first loss), baseline and stressed: equal, keeping under 10 % of the losses")
    func investAIFirstLoss() throws {
        for stressed in [false, true] {
            let c = try load("investai-risk-sharing", paths: 200_000, stressed: stressed)
            let (threshold, bounded) = try compare(c, axis: .firstLoss, base: Cover())
            #expect(threshold.firstLoss > 0.05, "the pilot's threshold: \(threshold.firstLoss)")
            #expect(bounded.base.lossDistribution.sortedLosses.count < c.settings.paths / 10,
                    "kept \(bounded.base.lossDistribution.sortedLosses.count) of \(c.settings.paths)")
        }
    }

    @Test("sme-guarantee (guarantee rate and cap axes, the first loss held fixed as the threshold): equal")
    func smeGuarantee() throws {
        let c = try load("sme-guarantee", paths: 60_000)
        let (t1, _) = try compare(c, axis: .guaranteeRate, base: Cover(firstLoss: 0.02, guaranteeRate: 0, guaranteeCap: 1))
        #expect(t1.firstLoss == 0.02)
        _ = try compare(c, axis: .guaranteeCap, base: Cover(firstLoss: 0.01, guaranteeRate: 0.7, guaranteeCap: 0))
        _ = try compare(c, axis: .guaranteeRate, base: Cover(guaranteeRate: 0, guaranteeCap: 0.05))
    }

    @Test("An answer below the threshold is refused (not guessed); the second pass, keeping every positive loss, equals every loss")
    func belowThreshold() throws {
        let c = try load("investai-risk-sharing", paths: 60_000)
        let (bounded, _, _) = try analyses(c, axis: .firstLoss, base: Cover(), retainAbove: 0.6)
        #expect(throws: RiskModelError.self) { try bounded.minimumCover(.firstLoss, from: Cover()) }
        do {
            _ = try bounded.minimumCover(.firstLoss, from: Cover())
        } catch {
            #expect(RiskCoverAnalysis.needsMoreLosses(error), "\(error)")
        }
        let (threshold, _) = try compare(c, axis: .firstLoss, base: Cover(), retainAbove: 0)
        #expect(threshold.firstLoss == 0)
    }

    @Test("More losses above the threshold than kept: a located error, not a wrong answer")
    func overflow() throws {
        let c = try load("investai-risk-sharing", paths: 20_000)
        let threshold = SolveThreshold(firstLoss: 0.05, tailSize: RiskCoverAnalysis.coverTailSize(settings: c.settings, terms: c.terms))
        let statistics = SolveStatistics(threshold: 0.05, volume: c.portfolio.volume,
                                         curve: try CoverAccumulators(covers: [], terms: c.terms, volume: c.portfolio.volume))
        let summary = try simulateBatches(0..<c.settings.batchCount, portfolio: c.portfolio, structure: .wholePortfolio(holder: c.terms.privateHolder),
                                          settings: c.settings, retaining: .tail, tailSize: threshold.tailSize, statistics: statistics)
        do {
            _ = try RiskCoverAnalysis(portfolio: c.portfolio, settings: c.settings, threshold: threshold, curve: [], summary: summary,
                                      terms: c.terms, constraints: c.constraints)
            Issue.record("expected an error")
        } catch {
            #expect(RiskCoverAnalysis.needsMoreLosses(error) && "\(error)".contains("losses lie above first loss 0.05"), "\(error)")
        }
        // Another threshold than the run accumulated.
        do {
            _ = try RiskCoverAnalysis(portfolio: c.portfolio, settings: c.settings, threshold: SolveThreshold(firstLoss: 0.06, tailSize: threshold.tailSize),
                                      curve: [], summary: summary, terms: c.terms, constraints: c.constraints)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("kept the losses above first loss 0.05, not 0.06"), "\(error)")
        }
    }
}
