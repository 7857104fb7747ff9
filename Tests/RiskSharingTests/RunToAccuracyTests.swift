import Foundation
import RiskSharing
import Stochastics
import Synchronization
import Testing

/// Run to accuracy: `simulateToAccuracy` and `simulateImportanceToAccuracy`.
@Suite("Run to accuracy")
struct RunToAccuracyTests {
    /// 200 loans of EAD 1, PD 1 %, ρ = 0.2; tranches junior [0, 5 %) and senior [5 %, 1].
    static let portfolio = Portfolio(exposures: homogeneousExposures(200, pd: 0.01, rho: 0.2), dependence: oneFactor)
    static let structure = RiskSharingStructure(tranches: [
        Tranche(name: "junior", attachment: 0, detachment: 0.05, holder: "public"),
        Tranche(name: "senior", attachment: 0.05, detachment: 1, holder: "private")])

    static func relative(_ e: MeanEstimate) -> Double { e.standardError / abs(e.mean) }

    @Test("Stops at the same path count with bit-identical reports on 1, 2 and 8 threads; the target is met after more than the pilot")
    func determinism() throws {
        let target = AccuracyTarget(relativeError: 0.05, quantity: try AccuracyQuantity(parsing: "senior", structure: Self.structure))
        let runs = try [1, 2, 8].map { t in
            try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure,
                                   settings: SimulationSettings(paths: 500, seed: 3, batchSize: 256, threads: t), target: target)
        }
        #expect(runs[0].0 == runs[1].0 && runs[0].0 == runs[2].0)
        #expect(runs[0].1 == runs[1].1 && runs[0].1 == runs[2].1)
        let outcome = runs[0].1
        #expect(outcome.steps.first == 512, "the pilot is the paths rounded up to whole batches")
        #expect(outcome.steps.count >= 2, "steps \(outcome.steps)")
        for (a, b) in zip(outcome.steps, outcome.steps.dropFirst()) { #expect(b >= 2 * a && b % 256 == 0, "steps \(outcome.steps)") }
        #expect(runs[0].0.paths == outcome.paths)
    }

    @Test("The achieved relative error meets the target and is the report's own; the report is simulate's with that many paths")
    func meetsTarget() throws {
        for (text, target) in [("portfolio", 0.02), ("tranche:senior", 0.05), ("hit:senior", 0.05), ("holder:public", 0.02), ("exceedance:0.08", 0.1)] {
            let quantity = try AccuracyQuantity(parsing: text, structure: Self.structure)
            let settings = SimulationSettings(paths: 1_000, seed: 11, batchSize: 512)
            let (report, outcome) = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: settings,
                                                           target: AccuracyTarget(relativeError: target, quantity: quantity))
            #expect(outcome.met && !outcome.capped, "\(text): \(outcome)")
            #expect(outcome.achievedRelativeError <= target && outcome.achievedRelativeError > 0, "\(text): \(outcome.achievedRelativeError)")
            // The estimate read independently from the report's tables.
            let se: Double, value: Double
            switch text {
            case "portfolio": (value, se) = (report.portfolio.expectedLoss.mean, report.portfolio.expectedLoss.standardError)
            case "tranche:senior": (value, se) = (report.tranches[1].grossLoss.expectedLoss.mean, report.tranches[1].grossLoss.expectedLoss.standardError)
            case "hit:senior": (value, se) = (report.tranches[1].hitProbability.probability, report.tranches[1].hitProbability.standardError)
            case "holder:public": (value, se) = (report.holders[0].loss.expectedLoss.mean, report.holders[0].loss.expectedLoss.standardError)
            default:
                let p = Double(report.lossDistribution.sortedLosses.filter { $0 / report.volume > 0.08 }.count) / Double(report.paths)
                (value, se) = (p, (p * (1 - p) / Double(report.paths)).squareRoot())
            }
            #expect(value == outcome.value && se == outcome.standardError, "\(text)")
            #expect(se / value <= target)
            var again = settings
            again.paths = outcome.paths
            // An exceedance:X quantity is counted at X during the run (so the tail need not hold it).
            let counted = text.hasPrefix("exceedance:") ? [Double(text.dropFirst("exceedance:".count))!] : []
            #expect(try simulate(portfolio: Self.portfolio, structure: Self.structure, settings: again, exceedance: counted) == report)
            // An honest stop: the previous step had not met the target.
            if outcome.steps.count >= 2 {
                var previous = settings
                previous.paths = outcome.steps[outcome.steps.count - 2]
                let earlier = try simulate(portfolio: Self.portfolio, structure: Self.structure, settings: previous)
                let e = quantity.estimate(in: earlier)
                #expect(e.value == 0 || e.standardError / e.value > target, "\(text): stopped late")
            }
        }
    }

    @Test("A step adds batches: extending a run equals simulating the longer run (tail or every loss, a partial last batch), simulating only the new batches")
    func extendingARun() throws {
        for retaining in [LossRetention.tail, .all] {
            for (n1, n2) in [(1_024, 3_000), (512, 4_096)] {
                let s1 = SimulationSettings(paths: n1, seed: 5, batchSize: 256)
                var s2 = s1
                s2.paths = n2
                let first = try simulateBatches(0..<s1.batchCount, portfolio: Self.portfolio, structure: Self.structure, settings: s1, retaining: retaining)
                let totals = Mutex<Set<Int>>([])
                let extended = try extendBatches(first, portfolio: Self.portfolio, structure: Self.structure, settings: s2, retaining: retaining,
                                                 progress: { _, total in totals.withLock { _ = $0.insert(total) } })
                let fresh = try simulateBatches(0..<s2.batchCount, portfolio: Self.portfolio, structure: Self.structure, settings: s2, retaining: retaining)
                #expect(extended == fresh, "\(retaining) \(n1) → \(n2)")
                #expect(totals.withLock { $0 } == [s2.batchCount - s1.batchCount], "only the new batches are simulated")
                #expect(try simulationReport(portfolio: Self.portfolio, structure: Self.structure, settings: s2, summary: extended)
                        == simulate(portfolio: Self.portfolio, structure: Self.structure, settings: s2, retaining: retaining))
            }
        }
    }

    @Test("A previous run whose tail is too short for the longer run's quantiles is simulated again, not appended")
    func extensionShortTail() throws {
        // The previous run kept the 1 % tail of 1,024 paths; the longer run's 50 % level needs half of 4,096.
        let short = SimulationSettings(paths: 1_024, seed: 5, batchSize: 256, quantileLevels: [0.99])
        var long = short
        long.paths = 4_096
        long.quantileLevels = [0.5]
        let first = try simulateBatches(0..<short.batchCount, portfolio: Self.portfolio, structure: Self.structure, settings: short, retaining: .tail)
        let fresh = try simulateBatches(0..<long.batchCount, portfolio: Self.portfolio, structure: Self.structure, settings: long, retaining: .tail)
        var appendedOnly = first
        appendedOnly.append(try simulateBatches(short.batchCount..<long.batchCount, portfolio: Self.portfolio, structure: Self.structure,
                                                settings: long, retaining: .tail), tailSize: long.tailSize)
        #expect(appendedOnly != fresh, "appending alone would lose the previous run's losses below its short tail")
        #expect(try extendBatches(first, portfolio: Self.portfolio, structure: Self.structure, settings: long, retaining: .tail) == fresh)
    }

    @Test("Run to accuracy keeping only the tail: the report is simulate's with that many paths, tail only")
    func tailRetention() throws {
        let target = AccuracyTarget(relativeError: 0.05, quantity: .tranche("senior"))
        let settings = SimulationSettings(paths: 500, seed: 3, batchSize: 256)
        let (report, outcome) = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: settings,
                                                       target: target, retaining: .tail)
        #expect(outcome.steps.count >= 2 && outcome.met, "\(outcome)")
        var again = settings
        again.paths = outcome.paths
        #expect(try simulate(portfolio: Self.portfolio, structure: Self.structure, settings: again, retaining: .tail) == report)
    }

    @Test("The cap stops the run and says so")
    func cap() throws {
        let target = AccuracyTarget(relativeError: 0.001, quantity: .trancheHit("senior"), maximumPaths: 3_000)
        let (report, outcome) = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure,
                                                       settings: SimulationSettings(paths: 1_000, seed: 2, batchSize: 512), target: target)
        #expect(outcome.capped && !outcome.met)
        #expect(outcome.paths == 3_000 && report.paths == 3_000)
        #expect(outcome.steps == [1_024, 3_000], "\(outcome.steps)")
        #expect(outcome.achievedRelativeError > 0.001)
        // A cap below the pilot: one run of the cap's paths.
        let small = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: SimulationSettings(paths: 1_000, seed: 2),
                                           target: AccuracyTarget(relativeError: 0.001, quantity: .portfolio, maximumPaths: 700))
        #expect(small.1.steps == [700] && small.1.capped)
    }

    @Test("Bad targets and unknown estimates are refused naming the field")
    func badInput() throws {
        let s = SimulationSettings(paths: 100, seed: 1)
        func item(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch let error as RiskModelError {
                if case let .invalidInput(item, _) = error { return item }
                return "?"
            } catch { return "?" }
        }
        for bad in [0.0, 1.0, -0.1, .nan, .infinity] {
            #expect(item { _ = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: s,
                                                      target: AccuracyTarget(relativeError: bad, quantity: .portfolio)) } == "target_relative_error")
        }
        #expect(item { _ = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: s,
                                                  target: AccuracyTarget(relativeError: 0.1, quantity: .portfolio, maximumPaths: 0)) } == "max_paths")
        #expect(item { _ = try simulateToAccuracy(portfolio: Self.portfolio, structure: Self.structure, settings: s,
                                                  target: AccuracyTarget(relativeError: 0.1, quantity: .tranche("nosuchtranche"))) } == "for")
        #expect(item { _ = try AccuracyQuantity(parsing: "nosuchtranche", structure: Self.structure) } == "for")
        #expect(item { _ = try AccuracyQuantity(parsing: "exceedance:1.5", structure: Self.structure) } == "for")
        #expect(item { _ = try AccuracyQuantity(parsing: "hit:public", structure: Self.structure) } == "for")
        #expect(item { _ = try AccuracyQuantity(parsing: "colour:blue", structure: Self.structure) } == "for")
        // The text form reads back; bare names resolve tranche, then guarantee, then holder.
        for q: AccuracyQuantity in [.portfolio, .exceedance(0.15), .tranche("senior"), .trancheHit("junior"), .holder("private")] {
            #expect(try AccuracyQuantity(parsing: q.description, structure: Self.structure) == q)
        }
        #expect(try AccuracyQuantity(parsing: "private", structure: Self.structure) == .holder("private"))
    }

    @Test("Importance sampling to 10 % on P(L > 2007.5) ≈ 1.5e-7 (Glasserman–Li, a = 0.3): within 4 SE of quadrature, identical on 1 and 2 threads")
    func importance() throws {
        let x = 2007.5 / 11_000
        let target = AccuracyTarget(relativeError: 0.1, quantity: .exceedance(x), maximumPaths: 200_000)
        let runs = try [1, 2].map { t in
            try simulateImportanceToAccuracy(portfolio: glassermanLi(loading: 0.3), structure: .wholePortfolio(),
                                             settings: SimulationSettings(paths: 256, seed: 7, batchSize: 256, threads: t), target: target)
        }
        #expect(runs[0].0 == runs[1].0 && runs[0].1 == runs[1].1)
        let (report, outcome) = runs[0]
        #expect(outcome.met && outcome.steps.count >= 2, "\(outcome)")
        let e = report.exceedance.first { $0.threshold == x }!.probability
        #expect(e.value == outcome.value && e.standardError / e.value <= 0.1)
        expectClose("P(L > 2007.5)", e.value, ImportanceSamplingTests.tail03[2007], se: e.standardError)
        // The steps added batches to the earlier ones (the search ran once): the report is still
        // exactly the one-run report of its path count.
        let again = SimulationSettings(paths: outcome.paths, seed: 7, batchSize: 256)
        #expect(try simulateImportance(portfolio: glassermanLi(loading: 0.3), structure: .wholePortfolio(), settings: again,
                                       exceedance: [x]) == report)
    }
}
