import RiskSharing

extension RiskCoverAnalysis {
    /// Cover evaluations of one `solve` per scenario: per constraint a bisection of about
    /// log₂(1/10⁻⁶) = 20 steps at the estimate and at each end of its band, plus the answer's
    /// evaluations — 200 is an upper bound for the three constraints.
    public static let solveEvaluations = 200

    /// The resources of a sweep of `covers` covers over `scenarios` scenarios (baseline,
    /// stressed) with bounded memory (``CoverAccumulators``), run in one process or as one of
    /// `shards` shards (or the merge of that many).
    ///
    /// Memory, beyond the tail-retaining simulation's (`Portfolio.resourceEstimate(structure:settings:threads:retaining:)`
    /// with `LossRetention.tail`), with K = ``coverTailSize(settings:terms:)`` ≥ K₀ = the
    /// settings' tail size, C covers, Q = 4 + 3C moment quantities and B the batch size:
    /// - the longer tail and its compaction buffer, 3·(K − K₀) doubles;
    /// - per worker the covers' scratch, 3·B doubles;
    /// - the moment entries, 1 + 2Q words each: one folded entry (and the few batches waiting
    ///   for their predecessors) in one process; one per batch of a shard, ⌈M/N⌉ of the M
    ///   batches, in a shard other than the first and in the merge (which holds one part's
    ///   entries beside the folded prefix); the part file is read whole (about 3 copies of it);
    /// - per scenario kept: its K losses, a folded entry and 2C counts;
    /// - per evaluation: the public loss and the calls on the tail, 2·K doubles; per cover and
    ///   scenario a result row of a few hundred bytes.
    /// Nothing per path: the memory grows with paths only through K (≈ (1 − 0.99)·n for the
    /// 99 % levels) and the per-batch entries of a shard.
    /// Time: the simulations, plus per cover and path one allocation and two passes per figure,
    /// at `Throughput/coverPathsPerSecond` per worker (the batches' covers run in the workers).
    /// - Parameters:
    ///   - portfolio: the portfolio.
    ///   - settings: the run's settings.
    ///   - terms: the cover terms (the confidence sets K).
    ///   - scenarios: 1, or 2 with a stressed scenario.
    ///   - covers: the grid's covers.
    ///   - threads: the worker threads.
    ///   - shards: the shard count N (1: one process).
    public static func sweepResourceEstimate(portfolio: Portfolio, settings: SimulationSettings, terms: CoverTerms, scenarios: Int,
                                             covers: Int, threads: Int, shards: Int = 1) -> ResourceEstimate {
        let simulation = portfolio.resourceEstimate(structure: .wholePortfolio(), settings: settings, threads: threads, retaining: .tail)
        let valid = (try? settings.validate()) != nil && terms.confidence > 0 && terms.confidence < 1
        let p = Double(settings.paths), s = Double(max(scenarios, 1)), c = Double(covers)
        let k = Double(valid ? coverTailSize(settings: settings, terms: terms) : settings.paths)
        let k0 = Double(valid ? min(settings.tailSize, settings.paths) : settings.paths)
        let workers = Double(max(1, threads)), batch = Double(settings.batchSize)
        let entry = (1 + 2 * (4 + 3 * c)) * 8
        let batches = Double(settings.batchCount)
        let entries = shards > 1 ? 3 * (batches / Double(shards)).rounded(.up) : 1 + workers
        let perScenario = 3 * (k - k0) * 8 + workers * 3 * batch * 8 + entries * entry
        let kept = (s - 1) * (k * 8 + entry + 2 * c * 8)
        let evaluation = 2 * k * 8 + c * s * 400
        return ResourceEstimate(bytes: simulation.bytes + perScenario + kept + evaluation,
                                seconds: s * simulation.seconds + s * c * p / (Throughput.coverPathsPerSecond * workers))
    }

    /// The resources of a solve with bounded memory (``SolveThreshold``) over `scenarios`
    /// scenarios, in one process or as one of `shards` shards (or their merge): a
    /// ``sweepResourceEstimate(portfolio:settings:terms:scenarios:covers:threads:shards:)`` of the
    /// cover curve's covers below the threshold plus one (the threshold's own two quantities and
    /// count), with the tail K = `tailSize` (every loss above the threshold, from the pilot)
    /// instead of ``coverTailSize(settings:terms:)``: 3·8 bytes per extra tail loss while
    /// simulating, 8 per scenario kept (the tables use every scenario's analysis) — plus the pilot
    /// (the first ``pilotBatches`` batches, every loss and one evaluation's samples: 4·8 bytes a
    /// path). Time: the simulations and the pilots, plus ``solveEvaluations`` passes over the K
    /// retained losses per scenario.
    /// - Parameters:
    ///   - portfolio: the portfolio.
    ///   - settings: the run's settings (``solveSettings(_:)``).
    ///   - terms: the cover terms.
    ///   - scenarios: 1, or 2 with a stressed scenario.
    ///   - tailSize: K, the largest losses kept (``solvePilot(portfolio:settings:axis:base:terms:constraints:retainAbove:)``).
    ///   - curveCovers: the cover curve's covers below the threshold (accumulated per batch).
    ///   - threads: the worker threads.
    ///   - shards: the shard count N (1: one process).
    public static func solveResourceEstimate(portfolio: Portfolio, settings: SimulationSettings, terms: CoverTerms, scenarios: Int,
                                             tailSize: Int, curveCovers: Int, threads: Int, shards: Int = 1) -> ResourceEstimate {
        var e = sweepResourceEstimate(portfolio: portfolio, settings: settings, terms: terms, scenarios: scenarios, covers: curveCovers + 1,
                                      threads: threads, shards: shards)
        let valid = (try? settings.validate()) != nil && terms.confidence > 0 && terms.confidence < 1
        let k = Double(valid ? coverTailSize(settings: settings, terms: terms) : settings.paths)
        let kept = Double(min(max(tailSize, 0), settings.paths))
        let extra = max(0, kept - k), s = Double(max(scenarios, 1))
        let simulation = portfolio.resourceEstimate(structure: .wholePortfolio(), settings: settings, threads: threads, retaining: .tail)
        let pilotPaths = Double(min(settings.paths, pilotBatches * settings.batchSize))
        e.bytes += 3 * 8 * extra + (s - 1) * 8 * extra + 4 * 8 * pilotPaths
        e.seconds += s * Double(solveEvaluations) * kept / Throughput.coverPathsPerSecond
            + s * simulation.seconds * pilotPaths / Double(max(settings.paths, 1))
        return e
    }

    /// The resources of `scenarios` analyses (baseline, stressed) of `portfolio`, each
    /// simulated once and then evaluated at `covers` covers (keeping every loss: `sensitivity`).
    ///
    /// Memory: every scenario's sorted losses are kept (8 bytes a path each) beside the peak of
    /// the simulation running, plus one evaluation's samples — public loss, private loss and
    /// guarantee calls, 3 × 8 bytes a path; each evaluation's result row is a few hundred bytes.
    /// Time: the simulations, plus `covers` passes over the paths per scenario at
    /// `Throughput/coverPathsPerSecond` (covers are evaluated one after the other).
    public static func resourceEstimate(portfolio: Portfolio, settings: SimulationSettings, scenarios: Int,
                                        covers: Int, threads: Int) -> ResourceEstimate {
        let simulation = portfolio.resourceEstimate(structure: .wholePortfolio(), settings: settings, threads: threads)
        let p = Double(settings.paths), s = Double(max(scenarios, 1)), c = Double(covers)
        let kept = (s - 1) * p * 8
        let evaluation = ResourceEstimate.baseBytes + s * p * 8 + 3 * p * 8 + c * s * 400
        return ResourceEstimate(bytes: max(simulation.bytes + kept, evaluation),
                                seconds: s * simulation.seconds + s * c * p / Throughput.coverPathsPerSecond)
    }
}
