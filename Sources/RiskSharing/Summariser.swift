import Dispatch
import Stochastics
import Synchronization

/// Turns the sorted per-path portfolio losses into the report. Every tranche, guarantee and
/// holder quantity is a nondecreasing function f of the portfolio loss (see ``Waterfall``), so
/// f applied to the sorted losses is again sorted and its order statistics are f's of the
/// portfolio's. (The derived sample is re-sorted if rounding ever broke monotonicity.)
struct Summariser: Sendable {
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

    /// ``summary(_:)`` of f(L) over the sorted losses, without materialising f(L) when f is
    /// nondecreasing on them (checked in one pass; the usual case): then the sample f(L₍ᵢ₎) is
    /// sorted already and every statistic is computed by the same arithmetic in the same order
    /// as on the materialised array — bit-identical, with no per-path memory.
    func summary(of f: (Double) -> Double) -> LossSummary {
        let n = sortedLosses.count
        return sortedLosses.withUnsafeBufferPointer { b -> LossSummary in
            var previous = f(b[0])
            for i in 1..<n {
                let x = f(b[i])
                if x < previous { return summary(b.map(f)) }
                previous = x
            }
            return LossSummary(
                expectedLoss: SampleStatistics.mean(count: n) { f(b[$0]) },
                quantiles: settings.quantileLevels.map { level in
                    SampleStatistics.quantile(count: n, level: level, confidence: settings.confidence) { f(b[$0]) }
                },
                expectedShortfall: settings.quantileLevels.map { level in
                    SampleStatistics.expectedShortfall(count: n, level: level) { f(b[$0]) }
                })
        }
    }

    /// Tranche j's gross loss min(max(L − a, 0), d − a)·V as a function of the portfolio loss.
    func trancheGrossFunction(_ j: Int) -> (Double) -> Double {
        let t = waterfall.tranches[j], v = model.volume
        return { t.lossFraction(portfolioLossFraction: $0 / v) * v }
    }

    /// Without guarantees, holder h's loss as a function of the portfolio loss: the sum of its
    /// tranches' losses, added from 0 in tranche order as ``Waterfall/allocate(portfolioLoss:into:)``
    /// does (so bit-identical to it).
    func holderFunction(_ h: Int) -> ((Double) -> Double)? {
        guard waterfall.guarantees.isEmpty else { return nil }
        let held = waterfall.tranches.indices.filter { waterfall.trancheHolder[$0] == h }
        let tranches = held.map { waterfall.tranches[$0] }, v = model.volume
        return { loss in
            let l = loss / v
            var x = 0.0
            for t in tranches { x += t.lossFraction(portfolioLossFraction: l) * v }
            return x
        }
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

    /// One independent piece of the summary; the pieces run concurrently (each writes only its
    /// own slot), so the report is the same for any thread count.
    enum Job {
        case portfolio
        case tranche(Int)
        case holder(Int)
        case guarantee(Int)
        case allocationError
    }

    enum Piece {
        case summary(LossSummary)
        case tranche(TrancheReport)
        case guarantee(GuaranteeReport)
        case error(Double)
    }

    func run(_ job: Job) -> Piece {
        let n = sortedLosses.count
        let volume = model.volume
        switch job {
        case .portfolio:
            return .summary(summary(of: { $0 }))
        case let .tranche(j):
            let t = waterfall.tranches[j]
            let hit = sortedLosses.reduce(0) { $0 + ($1 / volume > t.attachment ? 1 : 0) }
            let wiped = sortedLosses.reduce(0) { $0 + ($1 / volume >= t.detachment ? 1 : 0) }
            let grossSummary = summary(of: trancheGrossFunction(j))
            // Without guarantees the net loss is the gross loss: reuse its summary.
            let netSummary = waterfall.guarantees.isEmpty ? grossSummary : summary(derived { $0.trancheNet[j] })
            return .tranche(TrancheReport(
                tranche: t, notional: (t.detachment - t.attachment) * volume,
                grossLoss: grossSummary, netLoss: netSummary,
                hitProbability: ProbabilityEstimate(successes: hit, trials: n),
                wipeoutProbability: ProbabilityEstimate(successes: wiped, trials: n)))
        case let .holder(h):
            if let f = holderFunction(h) { return .summary(summary(of: f)) }
            return .summary(summary(derived { $0.holderLoss[h] }))
        case let .guarantee(g):
            let guarantee = waterfall.guarantees[g]
            var calls = derived { $0.guaranteeCalls[g] }
            sortIfNeeded(&calls)
            let liability = waterfall.maximumLiability(g)
            let q = SampleStatistics.quantile(sorted: calls, level: settings.provisioningConfidence, confidence: settings.confidence)
            let shortfall = guarantee.budgetProvision.map { b in SampleStatistics.probability(calls) { $0 > b } }
            return .guarantee(GuaranteeReport(
                guarantee: guarantee, maximumLiability: liability, calls: summary(calls),
                provisioningRate: q.scaled(by: liability > 0 ? 1 / liability : 0),
                provisionShortfallProbability: shortfall))
        case .allocationError:
            var maxError = 0.0
            var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
            for loss in sortedLosses {
                waterfall.allocate(portfolioLoss: loss, into: &a)
                maxError = max(maxError, abs(a.holderLoss.reduce(0, +) - loss))
            }
            return .error(maxError)
        }
    }

    func report(threads: Int) -> SimulationReport {
        let jobs: [Job] = [.portfolio, .allocationError]
            + waterfall.tranches.indices.map { .tranche($0) }
            + waterfall.holders.indices.map { .holder($0) }
            + waterfall.guarantees.indices.map { .guarantee($0) }
        var pieces = [Piece?](repeating: nil, count: jobs.count)
        pieces.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            let next = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: min(threads, jobs.count)) { _ in
                while true {
                    let i = next.withLock { v in defer { v += 1 }; return v }
                    if i >= jobs.count { break }
                    out.value[i] = run(jobs[i])
                }
            }
        }
        var portfolio: LossSummary? = nil
        var tranches: [TrancheReport] = [], holders: [HolderReport] = [], guarantees: [GuaranteeReport] = []
        var maxError = 0.0
        for (job, piece) in zip(jobs, pieces) {
            switch (job, piece!) {
            case let (.portfolio, .summary(s)): portfolio = s
            case let (.holder(h), .summary(s)): holders.append(HolderReport(holder: waterfall.holders[h], loss: s))
            case let (_, .tranche(t)): tranches.append(t)
            case let (_, .guarantee(g)): guarantees.append(g)
            case let (_, .error(e)): maxError = e
            default: preconditionFailure("summary job and result do not match")
            }
        }
        let distribution = LossDistribution(sortedLosses: sortedLosses, volume: model.volume)
        return SimulationReport(
            paths: sortedLosses.count, seed: settings.seed, batchSize: settings.batchSize, volume: model.volume,
            exactExpectedLoss: model.expectedLoss, dependence: model.dependence,
            portfolio: portfolio!, tranches: tranches, holders: holders, guarantees: guarantees,
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

/// A value handed to concurrent workers that each touch a disjoint part of it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
