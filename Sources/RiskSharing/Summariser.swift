import Stochastics

/// Turns the sorted per-path portfolio losses into the report. Every tranche, guarantee and
/// holder quantity is a nondecreasing function f of the portfolio loss (see ``Waterfall``), so
/// f applied to the sorted losses is again sorted and its order statistics are f's of the
/// portfolio's. (The derived sample is re-sorted if rounding ever broke monotonicity.)
struct Summariser {
    let settings: SimulationSettings
    let model: PreparedModel
    let waterfall: Waterfall
    let sortedLosses: [Double]
    let obligorDraws: Int
    let exactEvaluations: Int

    func summary(_ xs: [Double]) -> LossSummary {
        var xs = xs
        sortIfNeeded(&xs)
        return LossSummary(
            expectedLoss: SampleStatistics.mean(xs),
            quantiles: settings.quantileLevels.map { SampleStatistics.quantile(sorted: xs, level: $0, confidence: settings.confidence) },
            expectedShortfall: settings.quantileLevels.map { SampleStatistics.expectedShortfall(sorted: xs, level: $0) })
    }

    /// f(L) for every path, f = one output of the waterfall.
    func derived(_ pick: (Allocation) -> Double) -> [Double] {
        var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
        return [Double](unsafeUninitializedCapacity: sortedLosses.count) { out, initialized in
            sortedLosses.withUnsafeBufferPointer { losses in
                for i in 0..<losses.count {
                    waterfall.allocate(portfolioLoss: losses[i], into: &a)
                    out[i] = pick(a)
                }
            }
            initialized = sortedLosses.count
        }
    }

    /// Tranche j's gross loss min(max(L − a, 0), d − a)·V for every path (no waterfall needed).
    func trancheGross(_ j: Int) -> [Double] {
        let t = waterfall.tranches[j], v = model.volume
        return sortedLosses.map { t.lossFraction(portfolioLossFraction: $0 / v) * v }
    }

    /// Restores ascending order if rounding ever broke the monotonicity of a derived sample.
    func sortIfNeeded(_ xs: inout [Double]) {
        var sorted = true
        xs.withUnsafeBufferPointer { b in
            for i in b.indices.dropFirst() where b[i - 1] > b[i] { sorted = false; break }
        }
        if !sorted { xs.sort() }
    }

    func report() -> SimulationReport {
        let n = sortedLosses.count
        let volume = model.volume
        var tranches: [TrancheReport] = []
        for (j, t) in waterfall.tranches.enumerated() {
            let gross = trancheGross(j)
            // Without guarantees the net loss is the gross loss: reuse its summary.
            let net = waterfall.guarantees.isEmpty ? gross : derived { $0.trancheNet[j] }
            let hit = sortedLosses.reduce(0) { $0 + ($1 / volume > t.attachment ? 1 : 0) }
            let wiped = sortedLosses.reduce(0) { $0 + ($1 / volume >= t.detachment ? 1 : 0) }
            let grossSummary = summary(gross)
            tranches.append(TrancheReport(
                tranche: t, notional: (t.detachment - t.attachment) * volume,
                grossLoss: grossSummary, netLoss: waterfall.guarantees.isEmpty ? grossSummary : summary(net),
                hitProbability: ProbabilityEstimate(successes: hit, trials: n),
                wipeoutProbability: ProbabilityEstimate(successes: wiped, trials: n)))
        }
        let holders = waterfall.holders.enumerated().map { h, name in
            HolderReport(holder: name, loss: summary(derived { $0.holderLoss[h] }))
        }
        var guarantees: [GuaranteeReport] = []
        for (g, guarantee) in waterfall.guarantees.enumerated() {
            var calls = derived { $0.guaranteeCalls[g] }
            sortIfNeeded(&calls)
            let liability = waterfall.maximumLiability(g)
            let q = SampleStatistics.quantile(sorted: calls, level: settings.provisioningConfidence, confidence: settings.confidence)
            let shortfall = guarantee.budgetProvision.map { b in SampleStatistics.probability(calls) { $0 > b } }
            guarantees.append(GuaranteeReport(
                guarantee: guarantee, maximumLiability: liability, calls: summary(calls),
                provisioningRate: q.scaled(by: liability > 0 ? 1 / liability : 0),
                provisionShortfallProbability: shortfall))
        }
        var maxError = 0.0
        var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
        for loss in sortedLosses {
            waterfall.allocate(portfolioLoss: loss, into: &a)
            maxError = max(maxError, abs(a.holderLoss.reduce(0, +) - loss))
        }
        let distribution = LossDistribution(sortedLosses: sortedLosses, volume: volume)
        return SimulationReport(
            paths: n, seed: settings.seed, batchSize: settings.batchSize, volume: volume,
            exactExpectedLoss: model.expectedLoss, dependence: model.dependence,
            portfolio: summary(sortedLosses), tranches: tranches, holders: holders, guarantees: guarantees,
            histogram: histogram(distribution), lossDistribution: distribution,
            maximumAllocationError: maxError, obligorDraws: obligorDraws, exactEvaluations: exactEvaluations)
    }

    func histogram(_ d: LossDistribution) -> [HistogramBucket] {
        let edges: [Double]
        if let e = settings.histogramEdges {
            edges = e
        } else {
            let top = max(sortedLosses.last! / model.volume, 1e-12)
            let m = settings.histogramBuckets
            edges = (0...m).map { top * Double($0) / Double(m) }
        }
        let n = sortedLosses.count
        var buckets: [HistogramBucket] = []
        for i in 0..<(edges.count - 1) {
            let last = i == edges.count - 2
            let lowCount = countBelow(edges[i] * model.volume)
            let highCount = last ? d.countAtMost(edges[i + 1] * model.volume) : countBelow(edges[i + 1] * model.volume)
            buckets.append(HistogramBucket(lower: edges[i], upper: edges[i + 1],
                                           probability: ProbabilityEstimate(successes: highCount - lowCount, trials: n)))
        }
        return buckets
    }

    /// Number of paths with loss < x.
    func countBelow(_ x: Double) -> Int {
        var lo = 0, hi = sortedLosses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedLosses[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
