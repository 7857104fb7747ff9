import RiskSharing
import Stochastics

/// A first-loss solve with bounded memory: the run keeps only the portfolio losses above a
/// threshold first loss t (a fraction of V) and the number of the others.
///
/// On a path with loss fraction l = L/V ≤ t, every cover whose first loss (the private
/// tranche's attachment) is f ≥ t gives the private tranche nothing: max(l − f, 0) = 0, so its
/// loss, the guarantee call min(g·0, c·V) and the net private loss are all exactly 0. The
/// checks of ``RiskCoverAnalysis/check(_:at:)`` already treat such paths by their count — the
/// private mean adds (0 − m)² once per path of the zero prefix, the loss probability is
/// n − (first positive index) — so a run that keeps the losses above t and the count of the
/// rest (a *virtual zero prefix*) checks every cover with f ≥ t bit for bit as a run keeping
/// every loss. Their public loss is a function of L alone: the first loss takes all of it,
/// (0 + min(max(l, 0), f)·V) + min(g·0, c·V) = max(l, 0)·V for any f ≥ t, f > 0 (and 0 when
/// f = t = 0, where l ≤ 0). ``SolveStatistics`` accumulates that column (0 on the paths above t)
/// per batch, folded in batch order as the engine's moments.
public struct SolveThreshold: Sendable, Hashable {
    /// t, the first loss (a fraction of V) at and below which a path's loss is only counted.
    public var firstLoss: Double
    /// K, the largest losses the run keeps: at least every loss above t (estimated from the
    /// pilot with a margin) and the cover figures' quantiles (``RiskCoverAnalysis/coverTailSize(settings:terms:)``).
    public var tailSize: Int

    /// - Parameters:
    ///   - firstLoss: t, a fraction of V.
    ///   - tailSize: K, the losses kept.
    public init(firstLoss: Double, tailSize: Int) {
        self.firstLoss = firstLoss
        self.tailSize = tailSize
    }
}

/// The per-batch statistics of a bounded solve (see ``SolveThreshold``), in a batch's `Moments`:
///
/// - quantity 0: the threshold t itself on every path (mean t, M₂ 0): folding equal entries
///   leaves it exactly t, so a merge of parts kept with another threshold is detected;
/// - quantity 1: the public loss of the paths at or below t, max(L/V, 0)·V, and 0 on the paths
///   above it (a column over all the batch's paths, folded like the engine's);
/// - then the ``CoverAccumulators`` of the cover curve's levels below t (the bisection never
///   evaluates there, but the curve shows them);
///
/// and the counts: the paths at or below t (l = L/V ≤ t, the very test of the zero prefix),
/// then the curve covers' two counts each.
public struct SolveStatistics: BatchStatistics {
    /// t, a fraction of V.
    public let threshold: Double
    /// V, the portfolio volume (EUR).
    public let volume: Double
    /// The cover curve's covers below the threshold, accumulated.
    public let curve: CoverAccumulators

    public var quantities: Int { 2 + curve.quantities }
    public var counts: Int { 1 + curve.counts }

    /// - Parameters:
    ///   - threshold: t, a fraction of V.
    ///   - volume: V (EUR).
    ///   - curve: accumulators of the curve's covers below t (possibly none).
    public init(threshold: Double, volume: Double, curve: CoverAccumulators) {
        self.threshold = threshold
        self.volume = volume
        self.curve = curve
    }

    /// The public loss of a path at or below the threshold, max(L/V, 0)·V (see ``SolveThreshold``).
    @inline(__always) static func publicLossBelow(_ loss: Double, volume: Double) -> Double {
        max(loss / volume, 0) * volume
    }

    /// The number of paths of an ascending buffer with L/V ≤ t.
    static func countBelow(_ b: UnsafeBufferPointer<Double>, threshold: Double, volume: Double) -> Int {
        var lo = 0, hi = b.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if b[mid] / volume <= threshold { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Appends the threshold, the below-threshold public-loss moments and the curve's
    /// accumulators; counts the paths at or below the threshold.
    /// - Parameters:
    ///   - losses: the batch's portfolio losses (EUR), ascending.
    ///   - moments: the batch's moments, to append to.
    ///   - counts: the counts so far, to add to.
    public func add(batch losses: UnsafeBufferPointer<Double>, moments: inout Moments, counts: inout [Int]) {
        let n = losses.count
        guard n > 0 else { return }
        let below = Self.countBelow(losses, threshold: threshold, volume: volume)
        moments.means.append(threshold)
        moments.squaredDeviations.append(0)
        var column = [Double](repeating: 0, count: n)
        for p in 0..<below { column[p] = Self.publicLossBelow(losses[p], volume: volume) }
        column.withUnsafeBufferPointer { x in
            let (mean, ss) = Moments.twoPass(x.baseAddress!, count: n)
            moments.means.append(mean)
            moments.squaredDeviations.append(ss)
        }
        counts[0] += below
        if !curve.covers.isEmpty {
            var own = [Int](repeating: 0, count: curve.counts)
            curve.add(batch: losses, moments: &moments, counts: &own)
            for i in own.indices { counts[1 + i] += own[i] }
        }
    }
}

/// What a bounded solve's run kept (see ``SolveThreshold``): the number of paths at or below
/// the threshold, the moments of their public loss, and where the losses above it start in
/// the retained tail.
public struct RetainedLosses: Sendable {
    /// t, a fraction of V.
    public let threshold: Double
    /// The paths at or below t (the virtual zero prefix).
    public let below: Int
    /// Mean and M₂ over all the run's paths of the column max(L/V, 0)·V on the paths at or
    /// below t, 0 above (``SolveStatistics`` quantity 1).
    let belowPublicMean: Double
    let belowPublicSquaredDeviations: Double
    /// Index in the retained (ascending) losses of the first loss above t.
    let aboveStart: Int
}

extension RiskCoverAnalysis {
    /// The `RiskModelError` item of the errors that mean "the losses kept do not suffice for
    /// this solve" (its answer lies below the threshold, or more losses lie above the threshold
    /// than were kept): one process re-simulates with a lower threshold, a merge stops.
    public static let retainedLossesItem = "retained losses"

    /// True when `error` says the retained losses do not suffice (see ``retainedLossesItem``).
    /// - Parameter error: an error of the analysis.
    public static func needsMoreLosses(_ error: RiskModelError) -> Bool {
        if case let .invalidInput(item, _) = error { return item == retainedLossesItem }
        return false
    }

    /// The settings a bounded solve simulates with: those of a sweep (the 99 % and 99.9 %
    /// quantile levels its figures read, one histogram bucket): the solve's tables use neither
    /// the portfolio's own quantiles nor its histogram.
    /// - Parameter settings: the command's settings.
    public static func solveSettings(_ settings: SimulationSettings) -> SimulationSettings {
        var s = settings
        s.quantileLevels = [0.99, 0.999]
        s.histogramEdges = [0, 1]
        return s
    }

    /// The pilot batches: the first min(M, 8) batches of the run.
    public static let pilotBatches = 8

    /// The pilot of a bounded solve: the first ``pilotBatches`` batches of the run (the same
    /// seed and batch size, every loss kept), so every shard and the merge compute the same one.
    ///
    /// - threshold t: for the first-loss axis, three quarters of the smallest band lower end of the pilot's
    ///   per-constraint minima (≥ 0) — generous, as the run's answer moves from the pilot's by
    ///   about its band; for a guarantee axis the first loss held fixed (every evaluated cover has
    ///   it). `retainAbove` (the command's `--retain-above`) overrides it, capped by the fixed first loss.
    /// - K: the cover figures' tail, or the pilot's fraction p̂ of losses above t with a margin,
    ///   ⌈n·min(1, p̂ + 5·√(p̂(1 − p̂)/m) + 10/m)⌉ (m the pilot's paths), whichever is larger.
    /// - the largest band upper end (first-loss axis), for the cover curve's grid.
    ///
    /// - Parameters:
    ///   - portfolio: the portfolio, simulated as one tranche of the private holder.
    ///   - settings: the run's settings (``solveSettings(_:)``).
    ///   - axis: the axis solved for.
    ///   - base: the cover held fixed.
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    ///   - retainAbove: an explicit threshold, or nil.
    public static func solvePilot(portfolio: Portfolio, settings: SimulationSettings, axis: CoverGrid.Axis, base: Cover,
                                  terms: CoverTerms, constraints: InvestorConstraints,
                                  retainAbove: Double?) throws(RiskModelError) -> (threshold: SolveThreshold, upper: Double?) {
        var pilot = settings
        pilot.paths = min(settings.paths, pilotBatches * settings.batchSize)
        let report = try simulate(portfolio: portfolio, structure: .wholePortfolio(holder: terms.privateHolder), settings: pilot)
        let analysis = RiskCoverAnalysis(base: report, terms: terms, constraints: constraints)
        var t: Double
        var upper: Double?
        if axis == .firstLoss {
            let solution = try analysis.minimumCover(.firstLoss, from: base)
            upper = solution.level.upper
            t = max(0, 0.75 * (solution.perConstraint.map(\.level.lower).min() ?? 0))
            if let retainAbove { t = retainAbove }
        } else {
            t = min(max(base.firstLoss, 0), retainAbove ?? base.firstLoss)
        }
        let losses = report.lossDistribution.sortedLosses
        let m = losses.count
        let above = m - losses.withUnsafeBufferPointer { SolveStatistics.countBelow($0, threshold: t, volume: report.volume) }
        let p = Double(above) / Double(m), mm = Double(m)
        let share = min(1, p + 5 * (p * (1 - p) / mm).squareRoot() + 10 / mm)
        let n = settings.paths
        let k = max(coverTailSize(settings: settings, terms: terms), min(n, Int((Double(n) * share).rounded(.up))))
        return (SolveThreshold(firstLoss: t, tailSize: min(k, n)), upper)
    }

    /// The analysis of a bounded solve from a whole run's summary (one range, or the shards'
    /// appended in batch order) simulated with ``SolveStatistics`` of `threshold` and `curve`
    /// and a tail of `threshold.tailSize` losses.
    /// - Parameters:
    ///   - portfolio: the portfolio simulated.
    ///   - settings: the run's settings.
    ///   - threshold: t and K.
    ///   - curve: the curve's covers accumulated (those below t).
    ///   - summary: the run's summary.
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    /// - Throws: `RiskModelError` with item ``retainedLossesItem`` when more losses lie above t
    ///   than the run kept; `.invalidInput` when the run accumulated another threshold or layout.
    public init(portfolio: Portfolio, settings: SimulationSettings, threshold: SolveThreshold, curve: [Cover],
                summary: BatchRangeSummary, terms: CoverTerms = CoverTerms(), constraints: InvestorConstraints = InvestorConstraints()) throws(RiskModelError) {
        let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
        let base = try simulationReport(portfolio: portfolio, structure: structure, settings: settings, summary: summary)
        let moments = summary.folded
        let q = 2 + 3 * curve.count
        guard moments.paths == settings.paths, moments.means.count >= q, summary.statisticCounts.count == 1 + 2 * curve.count else {
            throw .invalidInput(item: "solve", reason: "the run accumulated \(summary.statisticCounts.count) counts, not the bounded solve's \(1 + 2 * curve.count)")
        }
        let offset = moments.means.count - q
        guard moments.means[offset] == threshold.firstLoss else {
            throw .invalidInput(item: "solve", reason: "the run kept the losses above first loss \(moments.means[offset]), not \(threshold.firstLoss)")
        }
        let tail = base.lossDistribution.sortedLosses
        let below = summary.statisticCounts[0]
        let aboveStart = tail.withUnsafeBufferPointer { SolveStatistics.countBelow($0, threshold: threshold.firstLoss, volume: base.volume) }
        guard below + (tail.count - aboveStart) == settings.paths else {
            throw .invalidInput(item: Self.retainedLossesItem, reason: "\(settings.paths - below) losses lie above first loss \(threshold.firstLoss); the run kept \(tail.count)")
        }
        let retained = RetainedLosses(threshold: threshold.firstLoss, below: below, belowPublicMean: moments.means[offset + 1],
                                      belowPublicSquaredDeviations: moments.squaredDeviations[offset + 1], aboveStart: aboveStart)
        let accumulated = curve.isEmpty ? nil
            : AccumulatedCovers(covers: curve, moments: moments, offset: offset + 2, counts: Array(summary.statisticCounts.dropFirst()))
        self.init(base: base, terms: terms, constraints: constraints, accumulated: accumulated, retained: retained)
    }

    /// The losses above the threshold, ascending (all of them), and the virtual prefix's length.
    func withAbove<R>(_ r: RetainedLosses, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
        base.lossDistribution.sortedLosses.withUnsafeBufferPointer { b in body(UnsafeBufferPointer(rebasing: b[r.aboveStart...])) }
    }

    /// Throws unless `cover`'s first loss is at or above the threshold and the cover has the
    /// two-tranche shape of `CoverAllocator`.
    func boundedAllocator(_ cover: Cover, _ r: RetainedLosses) throws(RiskModelError) -> (Waterfall, CoverAllocator) {
        guard cover.firstLoss >= r.threshold else {
            throw .invalidInput(item: Self.retainedLossesItem, reason: "first loss \(cover.firstLoss) is below \(r.threshold), at and below which the run only counted the losses")
        }
        let (waterfall, allocator) = try allocator(cover)
        guard let a = allocator else {
            throw .invalidInput(item: Self.retainedLossesItem, reason: "the cover's waterfall is not the two-tranche, one-guarantee shape a bounded solve evaluates")
        }
        return (waterfall, a)
    }

    /// ``check(_:at:)`` on the retained losses above the threshold with the virtual zero
    /// prefix: bit-identical to the check on every loss.
    func boundedCheck(_ kind: ConstraintCheck.Kind, at cover: Cover, _ r: RetainedLosses) throws(RiskModelError) -> ConstraintCheck {
        let (_, a) = try boundedAllocator(cover, r)
        let check = withAbove(r) { b in constraintCheck(kind, at: cover, b, a, prefix: r.below) }
        guard let check else {
            throw .invalidInput(item: Self.retainedLossesItem, reason: "rounding broke the monotonicity of the private loss; the path-by-path evaluation needs every loss")
        }
        return check
    }

    /// ``evaluate(_:)`` on the retained losses: the private figures, the guarantee calls' mean
    /// and every quantile bit-identical to the evaluation on every loss; the public loss's mean
    /// and standard error combine the below-threshold column A (``SolveStatistics``, folded) with
    /// the column B of the public loss above it (0 below), summed here: A·B = 0 path by path, so
    /// with P paths, m = m_A + m_B and Σ(x − m)² = M₂(A) + M₂(B) − 2·P·m_A·m_B — equal to the
    /// two-pass figures on every loss up to summation-order rounding.
    func boundedEvaluation(_ cover: Cover, _ r: RetainedLosses) throws(RiskModelError) -> CoverEvaluation {
        let (waterfall, a) = try boundedAllocator(cover, r)
        let n = base.paths
        let tail = losses
        let offset = n - tail.count
        let confidence = base.portfolio.quantiles.first?.confidence ?? 0.95
        let evaluation: CoverEvaluation? = withAbove(r) { b in
            let monotoneTail = tail.withUnsafeBufferPointer { t in
                Self.monotone(t, a.publicLoss) && (a.guarantee == nil || Self.monotone(t, a.call))
            }
            guard monotoneTail, Self.monotone(b, a.privateLoss, from: Self.zeroPrefix(b, a)) else { return nil }
            let f = min(max(cover.firstLoss, 0), 1)
            let liability = waterfall.guarantees.isEmpty ? 0 : waterfall.maximumLiability(0)
            let hasCalls = !waterfall.guarantees.isEmpty
            // Public loss: column B (the above paths' public loss, 0 below) in two passes over all paths.
            let (meanB, ssB) = Self.twoPassWithZeroPrefix(b, r.below, a.publicLoss)
            let mean = r.belowPublicMean + meanB
            let ss = max(0, r.belowPublicSquaredDeviations + ssB - 2 * Double(n) * r.belowPublicMean * meanB)
            let publicLoss = MeanEstimate(mean: mean, standardError: n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0, count: n)
            var evaluation = CoverEvaluation(
                cover: cover, volume: volume, privateNotional: (1 - f) * volume, guaranteeLiability: liability,
                publicCommitment: f * volume + terms.provisioningRate * liability,
                publicLoss: publicLoss,
                publicLoss99: SampleStatistics.quantile(count: n, level: 0.99, confidence: confidence) { a.publicLoss(tail[$0 - offset]) },
                publicLoss999: SampleStatistics.quantile(count: n, level: 0.999, confidence: confidence) { a.publicLoss(tail[$0 - offset]) },
                privateLoss: Self.privateMean(b, a, prefix: r.below),
                privateLossProbability: ProbabilityEstimate(successes: n - (r.below + Self.firstPositive(b, a.privateLoss)), trials: n),
                // The calls are exactly 0 at and below the threshold: the two passes of every loss, zeros first.
                guaranteeCalls: hasCalls ? Self.meanWithZeroPrefix(b, r.below, a.call) : nil,
                provisioningRateAtConfidence: !hasCalls || liability <= 0 ? nil
                    : SampleStatistics.quantile(count: n, level: terms.confidence) { a.call(tail[$0 - offset]) }.scaled(by: 1 / liability),
                checks: [])
            evaluation.checks = checks(evaluation)
            return evaluation
        }
        guard let evaluation else {
            throw .invalidInput(item: Self.retainedLossesItem, reason: "rounding broke the monotonicity of a holder's loss; the path-by-path evaluation needs every loss")
        }
        return evaluation
    }

    /// The probability that the calls exceed `provision` on the retained losses (0 ≤ provision:
    /// the calls at and below the threshold, 0, never do).
    func boundedShortfall(_ cover: Cover, provision: Double, _ r: RetainedLosses) throws(RiskModelError) -> ProbabilityEstimate {
        let (_, a) = try boundedAllocator(cover, r)
        let k = withAbove(r) { b in
            var k = 0
            for i in 0..<b.count where a.call(b[i]) > provision { k += 1 }
            return k
        }
        return ProbabilityEstimate(successes: provision >= 0 ? k : k + r.below, trials: base.paths)
    }
}

/// A solve with bounded memory in one process (``RiskCoverAnalysis/solve(_:from:portfolio:settings:terms:constraints:retainAbove:curveLevels:)``).
public struct BoundedSolution: Sendable {
    /// The analysis on the retained losses (for the tables and further evaluations at or above the threshold).
    public var analysis: RiskCoverAnalysis
    /// The solution: equal, bit for bit in its levels and checks, to the solve on every loss.
    public var solution: CoverSolution
    /// The threshold and the losses kept by the pass that answered.
    public var threshold: SolveThreshold
    /// The cover curve's levels fixed by the pilot (first-loss axis), else nil.
    public var curveLevels: [Double]?
}

extension RiskCoverAnalysis {
    /// The minimum cover on `axis` of one portfolio with bounded memory, as `leverage solve` runs
    /// it in one process (see ``SolveThreshold``): the pilot's threshold; if the answer lies below
    /// it, or more losses lie above it than the pilot foresaw, a second pass keeping every positive
    /// loss, then every loss.
    /// - Parameters:
    ///   - axis: the axis to solve for.
    ///   - base: the cover held fixed.
    ///   - portfolio: the portfolio, simulated as one tranche of the private holder.
    ///   - settings: the run's settings (``solveSettings(_:)`` is applied).
    ///   - terms: the cover terms.
    ///   - constraints: the investors' constraints.
    ///   - retainAbove: an explicit threshold (`--retain-above`), or nil for the pilot's.
    ///   - curveLevels: the cover curve's levels to accumulate below the threshold; nil: the
    ///     pilot's (first-loss axis; `RiskCoverTables.curveLevels(upper:)` of its band's upper end).
    public static func solve(_ axis: CoverGrid.Axis, from base: Cover, portfolio: Portfolio, settings: SimulationSettings,
                             terms: CoverTerms = CoverTerms(), constraints: InvestorConstraints, retainAbove: Double? = nil,
                             curveLevels: [Double]? = nil) throws(RiskModelError) -> BoundedSolution {
        let settings = solveSettings(settings)
        try settings.validate()
        let (first, upper) = try solvePilot(portfolio: portfolio, settings: settings, axis: axis, base: base, terms: terms,
                                            constraints: constraints, retainAbove: retainAbove)
        let levels: [Double]? = curveLevels ?? (axis == .firstLoss ? defaultCurveLevels(upper: upper ?? 0) : nil)
        var attempts = [first]
        let zero = try solvePilot(portfolio: portfolio, settings: settings, axis: axis, base: base, terms: terms,
                                  constraints: constraints, retainAbove: 0).threshold
        if zero != first { attempts.append(zero) }
        attempts.append(SolveThreshold(firstLoss: 0, tailSize: settings.paths))
        let structure = RiskSharingStructure.wholePortfolio(holder: terms.privateHolder)
        var last: RiskModelError?
        for threshold in attempts {
            let covers = (levels ?? []).filter { $0 < threshold.firstLoss }.map { base.with(.firstLoss, $0) }
            let statistics = SolveStatistics(threshold: threshold.firstLoss, volume: portfolio.volume,
                                             curve: try CoverAccumulators(covers: covers, terms: terms, volume: portfolio.volume))
            let summary = try simulateBatches(0..<settings.batchCount, portfolio: portfolio, structure: structure, settings: settings,
                                              retaining: .tail, tailSize: threshold.tailSize, statistics: statistics)
            let result: Result<BoundedSolution, RiskModelError>
            do {
                let analysis = try RiskCoverAnalysis(portfolio: portfolio, settings: settings, threshold: threshold, curve: covers,
                                                     summary: summary, terms: terms, constraints: constraints)
                result = .success(BoundedSolution(analysis: analysis, solution: try analysis.minimumCover(axis, from: base),
                                                  threshold: threshold, curveLevels: levels))
            } catch {
                result = .failure(error)
            }
            switch result {
            case let .success(solved): return solved
            case let .failure(error):
                guard needsMoreLosses(error) else { throw error }
                last = error
            }
        }
        throw last ?? .invalidInput(item: retainedLossesItem, reason: "no pass answered")
    }

    /// The cover curve's 31 levels from 0 to 1.5 × `upper` (at least 5 %, at most 100 %), as
    /// `RiskCoverTables.curveLevels(upper:)`.
    /// - Parameter upper: the largest band upper end.
    public static func defaultCurveLevels(upper: Double) -> [Double] {
        let top = min(1, max(0.05, 1.5 * upper))
        return (0...30).map { top * Double($0) / 30 }
    }
}
