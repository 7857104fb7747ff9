import RiskSharing
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

    @Test("Merged shards give the single run's report bit for bit (uneven last batch, t copula, guarantees)",
          arguments: [1, 2, 3, 7])
    func mergedEqualsSingle(shards: Int) throws {
        let portfolio = EngineTests.richPortfolio()
        let settings = SimulationSettings(paths: 11_500, seed: 42, batchSize: 1000)
        let single = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings)
        var losses: [Double] = []
        var evaluations = 0
        for i in 0..<shards {
            let part = try simulateBatches(settings.batchRange(shard: i, of: shards), portfolio: portfolio, settings: settings)
            #expect(part.sortedLosses == part.sortedLosses.sorted())
            #expect(part.sortedLosses.count == settings.pathRange(batches: part.batches).count)
            losses += part.sortedLosses
            evaluations += part.exactEvaluations
        }
        losses.sort()
        let merged = try simulationReport(portfolio: portfolio, structure: EngineTests.structure, settings: settings,
                                          sortedLosses: losses, exactEvaluations: evaluations)
        // SimulationReport is Equatable over every output, down to the last bit of every Double.
        #expect(merged == single)
        #expect(merged.lossDistribution.sortedLosses.map(\.bitPattern) == single.lossDistribution.sortedLosses.map(\.bitPattern))
    }

    @Test("A shard's thread count does not change its losses")
    func threadsDoNotMatter() throws {
        var settings = SimulationSettings(paths: 9_000, seed: 3, batchSize: 1000, threads: 1)
        let one = try simulateBatches(2..<7, portfolio: EngineTests.richPortfolio(), settings: settings)
        settings.threads = 4
        let four = try simulateBatches(2..<7, portfolio: EngineTests.richPortfolio(), settings: settings)
        #expect(one == four)
    }

    @Test("Batches outside the run and a wrong number of losses are errors")
    func errors() {
        let settings = SimulationSettings(paths: 5_000, seed: 1, batchSize: 1000)
        #expect(throws: RiskModelError.self) { try simulateBatches(3..<6, portfolio: EngineTests.richPortfolio(), settings: settings) }
        #expect(throws: RiskModelError.self) {
            try simulationReport(portfolio: EngineTests.richPortfolio(), structure: EngineTests.structure, settings: settings,
                                 sortedLosses: [1, 2, 3], exactEvaluations: 0)
        }
    }
}
