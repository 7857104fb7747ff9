import RiskSharing

extension RiskCoverAnalysis {
    /// Cover evaluations of one `solve` per scenario: per constraint a bisection of about
    /// log₂(1/10⁻⁶) = 20 steps at the estimate and at each end of its band, plus the answer's
    /// evaluations — 200 is an upper bound for the three constraints.
    public static let solveEvaluations = 200

    /// The resources of `scenarios` analyses (baseline, stressed) of `portfolio`, each
    /// simulated once and then evaluated at `covers` covers.
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
