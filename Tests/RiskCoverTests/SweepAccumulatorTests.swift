import Foundation
import RiskCover
import RiskSharing
import Stochastics
import Testing

/// The sweep with bounded memory: per-cover accumulators folded in batch order and the largest
/// losses, instead of every loss. Its figures must not depend on how the batches are split into
/// shards or threads, and must agree with the evaluation on every loss (the same order
/// statistics and counts exactly; the means up to the rounding of another summation order).
@Suite("Risk cover: the sweep's per-batch cover accumulators")
struct SweepAccumulatorTests {
    let portfolio = granularPortfolio()
    let settings = SimulationSettings(paths: 30_000, seed: 11, batchSize: 2_000)
    let terms = CoverTerms(provisioningRate: 0.4, confidence: 0.99)
    let constraints = InvestorConstraints(maxExpectedLoss: 0.002, maxLossProbability: 0.01, coupon: 0.04, hurdle: 0.035)
    let covers = CoverGrid(firstLoss: [0, 0.003, 0.01, 0.05, 1], guaranteeRate: [0, 0.5, 1], guaranteeCap: [0, 0.01, 1]).covers

    /// The run's batches split into `n` shards, each simulated alone and appended in batch order.
    func sharded(_ n: Int, threads: Int? = nil) throws -> RiskCoverAnalysis {
        var settings = self.settings
        settings.threads = threads
        let k = RiskCoverAnalysis.coverTailSize(settings: settings, terms: terms)
        let statistics = try CoverAccumulators(covers: covers, terms: terms, volume: portfolio.volume)
        var merged: BatchRangeSummary?
        for i in 0..<n {
            let part = try simulateBatches(settings.batchRange(shard: i, of: n), portfolio: portfolio,
                                           structure: .wholePortfolio(holder: terms.privateHolder), settings: settings,
                                           retaining: .tail, tailSize: k, statistics: statistics)
            #expect(part.largestLosses.count <= k, "a shard keeps at most K losses")
            if merged == nil { merged = part } else { merged!.append(part, tailSize: k) }
        }
        return try RiskCoverAnalysis(portfolio: portfolio, settings: settings, covers: covers, summary: try #require(merged),
                                     terms: terms, constraints: constraints)
    }

    @Test("Shards appended in batch order (N = 1, 2, 3, 8) and any thread count give the single run's sweep bit for bit")
    func shardsEqualSingleRun() throws {
        let single = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, covers: covers, terms: terms, constraints: constraints)
        #expect(!single.base.lossDistribution.isComplete, "the sweep keeps only the largest losses")
        let reference = try single.sweep(covers)
        let funding = try reference.map { try single.funding(for: $0.cover, evaluation: $0) }
        for (n, threads) in [(1, 1), (2, nil), (3, 2), (8, 1)] {
            let analysis = try sharded(n, threads: threads)
            let evaluations = try analysis.sweep(covers)
            #expect(evaluations == reference, "N = \(n)")
            #expect(evaluations.map(\.publicLoss.mean.bitPattern) == reference.map(\.publicLoss.mean.bitPattern))
            #expect(evaluations.map(\.privateLoss.standardError.bitPattern) == reference.map(\.privateLoss.standardError.bitPattern))
            #expect(try evaluations.map { try analysis.funding(for: $0.cover, evaluation: $0) } == funding, "N = \(n)")
        }
    }

    @Test("Against the evaluation on every loss: quantiles, probabilities and shortfall counts equal; means within rounding")
    func agreesWithEveryLoss() throws {
        let accumulated = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, covers: covers, terms: terms, constraints: constraints)
        let full = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, terms: terms, constraints: constraints)
        #expect(full.base.lossDistribution.isComplete)
        func close(_ a: MeanEstimate?, _ b: MeanEstimate?, _ what: String, _ cover: Cover) {
            guard let a, let b else { #expect(a == nil && b == nil, "\(what) at \(cover)"); return }
            // Another summation order (per-batch means folded pairwise instead of one running sum):
            // a few ulps of the sum, far below the standard error.
            #expect(abs(a.mean - b.mean) <= 1e-12 * abs(b.mean), "\(what) mean at \(cover): \(a.mean) vs \(b.mean)")
            #expect(abs(a.standardError - b.standardError) <= 1e-9 * b.standardError, "\(what) SE at \(cover)")
            #expect(abs(a.mean - b.mean) <= 1e-6 * b.standardError || a.mean == b.mean)
            #expect(a.count == b.count)
        }
        var guaranteed = 0
        for cover in covers {
            let a = try accumulated.evaluate(cover), b = try full.evaluate(cover)
            #expect(a.publicLoss99 == b.publicLoss99 && a.publicLoss999 == b.publicLoss999, "quantiles at \(cover)")
            #expect(a.provisioningRateAtConfidence == b.provisioningRateAtConfidence, "provisioning rate at \(cover)")
            #expect(a.privateLossProbability == b.privateLossProbability, "P(private loss > 0) at \(cover)")
            #expect(a.guaranteeLiability == b.guaranteeLiability && a.publicCommitment == b.publicCommitment)
            close(a.publicLoss, b.publicLoss, "public loss", cover)
            close(a.privateLoss, b.privateLoss, "private loss", cover)
            close(a.guaranteeCalls, b.guaranteeCalls, "calls", cover)
            let fa = try accumulated.funding(for: cover, evaluation: a), fb = try full.funding(for: cover, evaluation: b)
            #expect(fa.shortfallProbability == fb.shortfallProbability, "shortfall at \(cover)")
            if fb.shortfallProbability.map({ $0.probability > 0 }) == true { guaranteed += 1 }
        }
        #expect(guaranteed > 0, "some cover's calls exceed its provision: the shortfall count is exercised")
    }

    @Test("A cover outside the accumulated grid is refused, not evaluated on the tail alone")
    func coverOutsideGrid() throws {
        let accumulated = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, covers: covers, terms: terms, constraints: constraints)
        #expect(throws: RiskModelError.self) { try accumulated.evaluate(Cover(firstLoss: 0.02)) }
        #expect(throws: RiskModelError.self) { try accumulated.check(.expectedLoss, at: Cover(firstLoss: 0.02)) }
    }

    @Test("The tail K covers the 99 % and 99.9 % public-loss quantiles and the provisioning confidence")
    func tailSize() {
        let k = RiskCoverAnalysis.coverTailSize(settings: settings, terms: terms)
        #expect(k >= settings.tailSize)
        #expect(k < settings.paths / 10)
        // A provisioning confidence below every quantile level makes the tail longer.
        let low = RiskCoverAnalysis.coverTailSize(settings: settings, terms: CoverTerms(confidence: 0.9))
        #expect(low > k && Double(low) > 0.1 * Double(settings.paths))
    }
}
