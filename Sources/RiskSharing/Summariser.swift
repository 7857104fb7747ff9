import Stochastics

/// Turns a run's ``BatchRangeSummary`` into the report.
///
/// - Means and their standard errors: the per-batch ``Moments`` folded in batch order.
/// - Probabilities and the histogram: the counts.
/// - Quantiles, their order-statistic intervals and expected shortfalls: from the K =
///   ``SimulationSettings/tailSize`` largest portfolio losses, which hold every order statistic
///   they read (K counts from the lowest interval bound up). Every tranche, guarantee and holder
///   quantity is a nondecreasing function f of the portfolio loss (see ``Waterfall``), so f of
///   the K largest losses are the K largest values of f, and their order statistics are those of
///   the whole sample. (The derived tail is re-sorted if rounding ever broke monotonicity; then
///   a value within rounding of the tail's lowest might in principle differ from a full sort's —
///   single and sharded runs still agree bit for bit, as both use the same K losses.)
///
/// The statistics read the tail through the index functions of `SampleStatistics` with the
/// global path count n, so the arithmetic is the same as on a full sorted sample.
struct Summariser: Sendable {
    let settings: SimulationSettings
    let model: PreparedModel
    let waterfall: Waterfall
    let collected: BatchRangeSummary

    /// The losses the statistics read: the K largest (also when every loss is retained, so the
    /// report does not depend on the retention).
    var tail: ArraySlice<Double> {
        let all = collected.largestLosses
        return all[(all.count - min(all.count, min(settings.tailSize, settings.paths)))...]
    }

    /// Quantiles and expected shortfalls of a sample of n whose largest values, ascending, are `xs`.
    func summary(_ xs: [Double], mean: MeanEstimate) -> LossSummary {
        var xs = xs
        sortIfNeeded(&xs)
        let n = settings.paths, offset = n - xs.count
        return xs.withUnsafeBufferPointer { b in
            LossSummary(
                expectedLoss: mean,
                quantiles: settings.quantileLevels.map { level in
                    SampleStatistics.quantile(count: n, level: level, confidence: settings.confidence) { b[$0 - offset] }
                },
                expectedShortfall: settings.quantileLevels.map { level in
                    SampleStatistics.expectedShortfall(count: n, level: level) { b[$0 - offset] }
                })
        }
    }

    /// f(L) over the tail, f = one output of the waterfall.
    func derived(_ pick: (Allocation) -> Double) -> [Double] {
        var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
        return tail.map { loss in
            waterfall.allocate(portfolioLoss: loss, into: &a)
            return pick(a)
        }
    }

    /// Restores the order after a (rounding-level) break of monotonicity of a derived sample.
    func sortIfNeeded(_ xs: inout [Double]) {
        var sorted = true
        xs.withUnsafeBufferPointer { b in
            for i in b.indices.dropFirst() where b[i - 1] > b[i] { sorted = false; break }
        }
        if !sorted { xs.sort() }
    }

    func report() -> SimulationReport {
        let n = settings.paths
        let moments = collected.folded
        let t = waterfall.tranches.count, h = waterfall.holders.count
        let portfolio = summary(Array(tail), mean: moments.estimate(0))
        var tranches: [TrancheReport] = []
        for j in 0..<t {
            let tranche = waterfall.tranches[j]
            let gross = summary(derived { $0.trancheGross[j] }, mean: moments.estimate(1 + j))
            let net = waterfall.guarantees.isEmpty ? gross : summary(derived { $0.trancheNet[j] }, mean: moments.estimate(1 + t + j))
            tranches.append(TrancheReport(
                tranche: tranche, notional: (tranche.detachment - tranche.attachment) * model.volume,
                grossLoss: gross, netLoss: net,
                hitProbability: ProbabilityEstimate(successes: collected.hits[j], trials: n),
                wipeoutProbability: ProbabilityEstimate(successes: collected.wipeouts[j], trials: n)))
        }
        let holders = (0..<h).map { i in
            HolderReport(holder: waterfall.holders[i], loss: summary(derived { $0.holderLoss[i] }, mean: moments.estimate(1 + 2 * t + i)))
        }
        let guarantees = waterfall.guarantees.indices.map { g in
            let guarantee = waterfall.guarantees[g]
            var calls = derived { $0.guaranteeCalls[g] }
            sortIfNeeded(&calls)
            let offset = n - calls.count
            let liability = waterfall.maximumLiability(g)
            let q = calls.withUnsafeBufferPointer { b in
                SampleStatistics.quantile(count: n, level: settings.provisioningConfidence, confidence: settings.confidence) { b[$0 - offset] }
            }
            return GuaranteeReport(
                guarantee: guarantee, maximumLiability: liability, calls: summary(calls, mean: moments.estimate(1 + 2 * t + h + g)),
                provisioningRate: q.scaled(by: liability > 0 ? 1 / liability : 0),
                provisionShortfallProbability: guarantee.budgetProvision.map { _ in
                    ProbabilityEstimate(successes: collected.provisionShortfalls[g], trials: n)
                })
        }
        let distribution = LossDistribution(sortedLosses: collected.largestLosses, volume: model.volume, paths: n,
                                            countedThresholds: collected.exceedanceThresholds, countsAtMost: collected.lossesAtMost)
        return SimulationReport(
            paths: n, seed: settings.seed, batchSize: settings.batchSize, volume: model.volume,
            exactExpectedLoss: model.expectedLoss, dependence: model.dependence,
            portfolio: portfolio, tranches: tranches, holders: holders, guarantees: guarantees,
            histogram: histogram(), lossDistribution: distribution,
            maximumAllocationError: collected.maximumAllocationError, obligorDraws: model.exposureCount * n,
            exactEvaluations: collected.exactEvaluations)
    }

    /// With edges: their buckets' counts. Without: m = ``SimulationSettings/histogramBuckets``
    /// equal buckets of c grid cells each, c = max(1, ⌈(highest cell hit)/m⌉), so the buckets
    /// cover [0, m·c/2²⁰] ⊇ [0, max L/V]; bucket i holds the cells [i·c, (i + 1)·c) (the last one
    /// also its upper edge), i.e. the paths with i·c/2²⁰ ≤ L/V < (i + 1)·c/2²⁰ — edges exactly
    /// representable, chosen after the run from integer counts only.
    func histogram() -> [HistogramBucket] {
        let n = settings.paths
        if let edges = settings.histogramEdges {
            return (0..<(edges.count - 1)).map { i in
                HistogramBucket(lower: edges[i], upper: edges[i + 1],
                                probability: ProbabilityEstimate(successes: collected.histogram[i], trials: n))
            }
        }
        let cells = collected.histogram
        let highest = cells.lastIndex { $0 > 0 } ?? 0
        let m = settings.histogramBuckets
        let c = max(1, (highest + m - 1) / m)
        let grid = Double(SimulationSettings.histogramGridCells)
        return (0..<m).map { i in
            let from = i * c, to = i == m - 1 ? m * c + 1 : (i + 1) * c
            var count = 0
            if from < cells.count { for x in cells[from..<min(to, cells.count)] { count += x } }
            return HistogramBucket(lower: Double(i * c) / grid, upper: Double((i + 1) * c) / grid,
                                   probability: ProbabilityEstimate(successes: count, trials: n))
        }
    }
}

/// A value handed to concurrent workers that each touch a disjoint part of it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
