import RiskSharing
import Stochastics
import Testing

/// Shards of a run: contiguous batch ranges simulated on their own and merged give the report of
/// one `simulate` call, bit for bit.
@Suite("Batch ranges: shards of a run merge into the single run")
struct BatchRangeTests {
    @Test("Shard ranges partition the batches in order; sizes differ by at most one", arguments: [1, 2, 3, 5, 12, 20])
    func partition(shards: Int) {
        let settings = SimulationSettings(paths: 11_500, seed: 1, batchSize: 1000)
        #expect(settings.batchCount == 12)
        let ranges = (0..<shards).map { settings.batchRange(shard: $0, of: shards) }
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 12)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        let sizes = ranges.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(ranges.map { settings.pathRange(batches: $0).count }.reduce(0, +) == 11_500)
    }

    /// The shards of a run, simulated one by one and appended in batch order.
    static func merged(_ shards: Int, settings: SimulationSettings, retaining: LossRetention,
                       exceedance: [Double] = []) throws -> BatchRangeSummary {
        var merged: BatchRangeSummary? = nil
        for i in 0..<shards {
            let part = try simulateBatches(settings.batchRange(shard: i, of: shards), portfolio: EngineTests.richPortfolio(),
                                           structure: EngineTests.structure, settings: settings, retaining: retaining, exceedance: exceedance)
            #expect(part.largestLosses == part.largestLosses.sorted())
            let paths = settings.pathRange(batches: part.batches).count
            // A part holds every loss, or only K (the whole run's tail size) of them — never more.
            #expect(part.largestLosses.count == (retaining == .all ? paths : min(settings.tailSize, paths)))
            if merged == nil { merged = part } else { merged!.append(part, tailSize: settings.tailSize) }
        }
        return merged!
    }

    @Test("Merged shards give the single run's report bit for bit (uneven last batch, t copula, guarantees), whatever is retained",
          arguments: [1, 2, 3, 7])
    func mergedEqualsSingle(shards: Int) throws {
        let portfolio = EngineTests.richPortfolio()
        let settings = SimulationSettings(paths: 11_500, seed: 42, batchSize: 1000)
        let single = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings, exceedance: [0.01, 0.2])
        for retaining in [LossRetention.all, .tail] {
            let summary = try Self.merged(shards, settings: settings, retaining: retaining, exceedance: [0.01, 0.2])
            let merged = try simulationReport(portfolio: portfolio, structure: EngineTests.structure, settings: settings, summary: summary)
            // Every figure down to the last bit; only what the loss distribution retains differs.
            var comparable = merged
            comparable.lossDistribution = single.lossDistribution
            #expect(comparable == single)
            #expect(merged.portfolio.expectedLoss.mean.bitPattern == single.portfolio.expectedLoss.mean.bitPattern)
            #expect(try merged.lossDistribution.probability(lossFractionAtMost: 0.01) == single.lossDistribution.probability(lossFractionAtMost: 0.01))
            if retaining == .all {
                #expect(merged.lossDistribution.sortedLosses.map(\.bitPattern) == single.lossDistribution.sortedLosses.map(\.bitPattern))
            } else {
                #expect(merged.lossDistribution.sortedLosses.map(\.bitPattern) == single.lossDistribution.sortedLosses.suffix(settings.tailSize).map(\.bitPattern))
            }
        }
    }

    @Test("The tail holds K = tailSize losses, not the paths; its quantiles equal those of a full sort of all losses")
    func tailQuantiles() throws {
        let portfolio = EngineTests.richPortfolio()
        let settings = SimulationSettings(paths: 20_000, seed: 5, batchSize: 1000, quantileLevels: [0.9, 0.99, 0.999])
        let tail = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings, retaining: .tail)
        let all = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings, retaining: .all)
        let k = settings.tailSize
        #expect(tail.lossDistribution.sortedLosses.count == k)
        #expect(k < 20_000 / 8 && k > 2_000)  // ≈ 10 % of the paths plus the interval's margin
        #expect(all.lossDistribution.sortedLosses.count == 20_000)
        // Independent reference: the library's order statistics on a full sort of every loss.
        let sorted = all.lossDistribution.sortedLosses
        for (i, level) in settings.quantileLevels.enumerated() {
            let q = SampleStatistics.quantile(sorted: sorted, level: level, confidence: settings.confidence)
            #expect(tail.portfolio.quantiles[i] == q)
            #expect(tail.portfolio.expectedShortfall[i] == SampleStatistics.expectedShortfall(sorted: sorted, level: level))
            let senior = sorted.map { EngineTests.structure.tranches[2].lossFraction(portfolioLossFraction: $0 / portfolio.volume) * portfolio.volume }
            #expect(tail.tranches[2].grossLoss.quantiles[i] == SampleStatistics.quantile(sorted: senior, level: level, confidence: settings.confidence))
        }
        // The means are the batch-ordered fold: within rounding of a plain mean over all paths.
        let plain = SampleStatistics.mean(sorted)
        #expect(abs(tail.portfolio.expectedLoss.mean - plain.mean) <= 1e-12 * abs(plain.mean))
        #expect(abs(tail.portfolio.expectedLoss.standardError - plain.standardError) <= 1e-9 * plain.standardError)
        var comparable = tail
        comparable.lossDistribution = all.lossDistribution
        #expect(comparable == all)
    }

    @Test("A tail-only distribution answers P(L ≤ x) inside its tail or at a counted threshold, and throws below it (no trap)")
    func tailQueries() throws {
        let portfolio = EngineTests.richPortfolio()
        let settings = SimulationSettings(paths: 20_000, seed: 5, batchSize: 1000, quantileLevels: [0.9, 0.99])
        let tail = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings, retaining: .tail,
                                exceedance: [0.001])
        let all = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings, retaining: .all)
        let smallest = try #require(tail.lossDistribution.sortedLosses.first) / tail.volume
        try #require(smallest > 0, "the tail must start above a zero loss for this test")
        // Inside the tail and at the counted threshold: the full sample's answers exactly.
        #expect(try tail.lossDistribution.probability(lossFractionAtMost: smallest * 1.5) == all.lossDistribution.probability(lossFractionAtMost: smallest * 1.5))
        #expect(try tail.lossDistribution.probability(lossFractionAtMost: 0.001) == all.lossDistribution.probability(lossFractionAtMost: 0.001))
        // Below the tail and not counted: a typed error naming the fraction, where the full sample answers.
        let below = smallest / 2
        #expect(!tail.lossDistribution.canAnswer(lossFractionAtMost: below))
        #expect(throws: LossDistribution.BelowRetainedTail(lossFraction: below)) {
            try tail.lossDistribution.probability(lossFractionAtMost: below)
        }
        #expect(throws: LossDistribution.BelowRetainedTail(lossFraction: below)) {
            try tail.lossDistribution.probability(lossFractionAbove: below, atMost: smallest * 1.5)
        }
        #expect(try all.lossDistribution.probability(lossFractionAtMost: below).trials == 20_000)
    }

    @Test("Fixed histogram edges and the automatic grid count every path once")
    func histogram() throws {
        var settings = SimulationSettings(paths: 5_000, seed: 9, batchSize: 700)
        let auto = try simulate(portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings)
        #expect(auto.histogram.map(\.probability.successes).reduce(0, +) == 5_000)
        let top = auto.lossDistribution.sortedLosses.last! / auto.volume
        #expect(auto.histogram.last!.upper >= top && auto.histogram.last!.upper < top + 20.0 / Double(SimulationSettings.histogramGridCells))
        let sorted = auto.lossDistribution.sortedLosses
        for b in auto.histogram.dropLast() {
            #expect(b.probability.successes == sorted.filter { $0 / auto.volume >= b.lower && $0 / auto.volume < b.upper }.count)
        }
        settings.histogramEdges = [0, 0.01, 0.05, 0.2]
        let fixed = try simulate(portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings)
        for b in fixed.histogram {
            let reference = sorted.filter { $0 >= b.lower * fixed.volume && ($0 < b.upper * fixed.volume || (b.upper == 0.2 && $0 == 0.2 * fixed.volume)) }.count
            #expect(b.probability.successes == reference)
        }
    }

    @Test("A shard's thread count does not change its summary")
    func threadsDoNotMatter() throws {
        var settings = SimulationSettings(paths: 9_000, seed: 3, batchSize: 1000, threads: 1)
        for retaining in [LossRetention.all, .tail] {
            settings.threads = 1
            let one = try simulateBatches(2..<7, portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings, retaining: retaining)
            for threads in [2, 8] {
                settings.threads = threads
                let other = try simulateBatches(2..<7, portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings, retaining: retaining)
                #expect(one == other)
            }
        }
    }

    @Test("Batches outside the run and an incomplete summary are errors")
    func errors() throws {
        let settings = SimulationSettings(paths: 5_000, seed: 1, batchSize: 1000)
        #expect(throws: RiskModelError.self) {
            try simulateBatches(3..<6, portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings)
        }
        let part = try simulateBatches(0..<3, portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings)
        #expect(throws: RiskModelError.self) {
            try simulationReport(portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings, summary: part)
        }
    }
}
