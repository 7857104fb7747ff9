import Dispatch
import Foundation
import Stochastics
import Synchronization

// Importance sampling for rare portfolio losses in the Gaussian copula: the two-step scheme of
// Glasserman, P. and Li, J. (2005), "Importance sampling for portfolio credit risk",
// *Management Science* 51(11), 1643–1656.
//
// 1. Factors: Z ~ N(μ, I) instead of N(0, I) (Z the independent factors, S = A·Z). μ is the mode
//    of the approximate zero-variance density, μ = argmax_z F(z) − ½|z|² with
//    F(z) = −θₓ(z)·x + ψ(θₓ(z), z) the exponent of the conditional tail bound
//    P(L > x | z) ≤ exp(F(z)) (GL §4.1, eq. (18)); found by Nelder–Mead.
// 2. Defaults given Z: each obligor's conditional PD p is twisted to
//    q = p·e^{θv} / (1 + p(e^{θv} − 1)), v its loss weight (EAD·E[LGD]/V), with θ = θₓ(Z) ≥ 0
//    solving ψ'(θ) = x for ψ(θ) = Σ n·log(1 + p(e^{θv} − 1)) (0 when E[L | Z] ≥ x already).
//    Pools: D ~ Binomial(n, q). LGDs are drawn from their own (untwisted) law.
// Likelihood ratio of the twisted law: r = exp(−μᵀZ + ½|μ|²) · exp(−θ·Σ Dᵢvᵢ + ψ(θ)).
//
// Student-t copula (obligor r defaults iff (Sᵣ + σᵣεᵣ)/√(W/ν) < cᵣ = t_ν⁻¹(PDᵣ), W ~ χ²_ν shared by
// all obligors of a path): the scheme of Bassamboo, A., Juneja, S. and Zeevi, A. (2008), "Portfolio
// credit risk with extremal dependence: asymptotic analysis and efficient simulation", *Operations
// Research* 56(3), 593–606 — exponential twisting of the mixing variable — combined with the two
// Glasserman–Li steps given (Z, W):
// 1'. W is drawn from the exponentially twisted law g_λ(W) ∝ e^{−λW}·f_χ²(W), i.e.
//     W ~ Gamma(ν/2, rate ½ + λ) = χ²_ν/(1 + 2λ) (λ ≥ 0 makes small W — large common shocks —
//     likelier), with density ratio f/g_λ = (1 + 2λ)^{−ν/2}·e^{λW}. Z ~ N(μ, I) as above.
// 2'. Given (Z, W) the conditional PDs are p = Φ((c·√(W/ν) − S)/σ), twisted by θₓ(Z, W) as above.
// Likelihood ratio: r = exp(−μᵀZ + ½|μ|²) · (1 + 2λ)^{−ν/2}·e^{λW} · exp(−θ·Σ Dᵢvᵢ + ψ(θ)) — exact,
// as every factor is a density ratio of a law actually sampled. (μ, λ) per level: the mode
// (z*, W*) of the approximate zero-variance density exp(F(z, W))·φ(z)·f_χ²(W) (F as in step 1 with
// the PDs given (z, W)), found by Nelder–Mead over (z, log W); μ = z* and λ = max(0, (ν/W* − 1)/2),
// so that the twisted mean ν/(1 + 2λ) is W*. Var(f/g_λ) is finite only for λ < ½, but the
// defensive mixture below bounds every weight by 1/λ_d, so all second moments are finite.
// 3. Defensive mixture (Hesterberg, T. (1995), "Weighted average importance sampling and
//    defensive mixture distributions", *Technometrics* 37(2), 185–194): each path is drawn from
//    the plain law with probability λ = ``defensiveFraction`` and from the twisted law otherwise;
//    its weight is w = 1/(λ + (1 − λ)/r), computed from the path's Z and defaults whichever law
//    drew it. Then E[w·g(L)] = E[g(L)] for every function g, and w ≤ 1/λ: estimates of ordinary
//    losses (expected loss, junior tranches) keep at most 1/λ times the plain variance, while
//    the tail gains nearly the full variance reduction of the twisted law. With several
//    levels (the target and the exceedance thresholds) the twisted part is itself an equal
//    mixture of one twisted law per level, and r is replaced by the mixture's density ratio
//    (balance heuristic), so each requested level is estimated as if targeted.

/// How the simulation draws its paths.
public enum SimulationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Plain Monte Carlo.
    case plain
    /// Glasserman–Li importance sampling (factor model; Gaussian copula, or Student-t with the
    /// mixing variable twisted as in Bassamboo, Juneja & Zeevi 2008).
    case importance
}

/// An estimate E[g(L)] from likelihood-ratio-weighted paths, with its standard error and the
/// variance a plain run of as many paths would have.
public struct WeightedEstimate: Sendable, Hashable, Codable {
    /// (1/n) Σ wᵢ·g(Lᵢ).
    public var value: Double
    /// s/√n, s the sample standard deviation of w·g(L).
    public var standardError: Double
    /// Var(g(L)) under the true law, estimated from the same paths as (1/n)Σ w·g² − value²
    /// (clamped at 0): the per-path variance of plain Monte Carlo.
    public var plainVariance: Double
    /// plainVariance / (n·SE²): how many plain paths one importance-sampled path is worth
    /// for this estimate (∞ when the IS variance is 0).
    public var varianceReduction: Double
    /// Number of weighted samples with g(L) > 0.
    public var hits: Int
}

/// A quantile (VaR) from weighted paths, with a confidence interval.
///
/// Point estimate: the smallest simulated loss x with T̂(x) = (1/n)Σ_{Lᵢ > x} wᵢ ≤ 1 − α.
/// Interval (test inversion, the weighted analogue of the order-statistic interval):
/// [inf{x : T̂(x) − z·SE(x) ≤ 1 − α}, inf{x : T̂(x) + z·SE(x) ≤ 1 − α}] with SE(x) the standard
/// error of T̂(x) and z = Φ⁻¹((1 + confidence)/2): the losses x at which the estimate of
/// P(L > x) is not significantly different from 1 − α. Its coverage is checked against
/// quadrature in the tests.
public struct WeightedQuantile: Sendable, Hashable, Codable {
    public var level: Double
    public var value: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
}

/// The importance-sampled run: estimates with standard errors and diagnostics. Amounts in EUR.
public struct ImportanceReport: Sendable, Hashable, Codable {
    public var paths: Int
    public var seed: UInt64
    public var volume: Double
    /// The target loss x as a fraction of the volume, and where it came from.
    public var target: Double
    public var targetSource: String
    /// The factor mean shift μ (independent factors Z).
    public var factorShift: [Double]
    /// Kish's effective sample size (Σw)²/Σw².
    public var effectiveSampleSize: Double
    /// Mean of the weights (1 in expectation; a check).
    public var meanWeight: Double
    /// Portfolio expected loss (EUR) and the exact Σ EAD·PD·E[LGD].
    public var expectedLoss: WeightedEstimate
    public var exactExpectedLoss: Double
    /// P(L/V > xⱼ) for the requested thresholds xⱼ (fractions), the target first.
    public var exceedance: [(threshold: Double, probability: WeightedEstimate)]
    /// Per tranche: expected loss (EUR) and P(hit).
    public var tranches: [(tranche: Tranche, expectedLoss: WeightedEstimate, hitProbability: WeightedEstimate)]
    /// Per holder and per guarantee: expected loss / calls (EUR).
    public var holders: [(holder: String, expectedLoss: WeightedEstimate)]
    public var guarantees: [(guarantee: Guarantee, expectedCalls: WeightedEstimate)]
    /// Portfolio VaR and ES (EUR) at the settings' quantile levels.
    public var quantiles: [WeightedQuantile]
    public var expectedShortfall: [ShortfallEstimate]

    /// Student-t copula only: the exponential twist λ of the mixing variable W ~ χ²_ν for the
    /// target level (W drawn as χ²_ν/(1 + 2λ)); nil for the Gaussian copula.
    public var mixingTwist: Double? = nil

    public static func == (a: ImportanceReport, b: ImportanceReport) -> Bool {
        a.paths == b.paths && a.seed == b.seed && a.target == b.target && a.factorShift == b.factorShift && a.mixingTwist == b.mixingTwist
            && a.expectedLoss == b.expectedLoss && a.quantiles == b.quantiles && a.expectedShortfall == b.expectedShortfall
            && a.exceedance.map(\.probability) == b.exceedance.map(\.probability)
            && a.tranches.map(\.expectedLoss) == b.tranches.map(\.expectedLoss)
            && a.holders.map(\.expectedLoss) == b.holders.map(\.expectedLoss)
            && a.guarantees.map(\.expectedCalls) == b.guarantees.map(\.expectedCalls)
    }
    public func hash(into h: inout Hasher) { h.combine(paths); h.combine(seed); h.combine(target) }

    private enum CodingKeys: String, CodingKey { case paths, seed, volume, target, targetSource, factorShift, mixingTwist, effectiveSampleSize, meanWeight }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(paths, forKey: .paths); try c.encode(seed, forKey: .seed); try c.encode(volume, forKey: .volume)
        try c.encode(target, forKey: .target); try c.encode(targetSource, forKey: .targetSource)
        try c.encode(factorShift, forKey: .factorShift); try c.encodeIfPresent(mixingTwist, forKey: .mixingTwist)
        try c.encode(effectiveSampleSize, forKey: .effectiveSampleSize)
        try c.encode(meanWeight, forKey: .meanWeight)
    }
    public init(from decoder: Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "ImportanceReport is not decodable"))
    }
    init(paths: Int, seed: UInt64, volume: Double, target: Double, targetSource: String, factorShift: [Double],
         effectiveSampleSize: Double, meanWeight: Double, expectedLoss: WeightedEstimate, exactExpectedLoss: Double,
         exceedance: [(threshold: Double, probability: WeightedEstimate)],
         tranches: [(tranche: Tranche, expectedLoss: WeightedEstimate, hitProbability: WeightedEstimate)],
         holders: [(holder: String, expectedLoss: WeightedEstimate)], guarantees: [(guarantee: Guarantee, expectedCalls: WeightedEstimate)],
         quantiles: [WeightedQuantile], expectedShortfall: [ShortfallEstimate]) {
        self.paths = paths; self.seed = seed; self.volume = volume; self.target = target; self.targetSource = targetSource
        self.factorShift = factorShift; self.effectiveSampleSize = effectiveSampleSize; self.meanWeight = meanWeight
        self.expectedLoss = expectedLoss; self.exactExpectedLoss = exactExpectedLoss; self.exceedance = exceedance
        self.tranches = tranches; self.holders = holders; self.guarantees = guarantees
        self.quantiles = quantiles; self.expectedShortfall = expectedShortfall
    }
}

/// The share λ of paths drawn from the plain law (the defensive mixture).
public let defensiveFraction = 0.1

/// The twisting problem of one path: obligor rows with weights v (fractions of V), counts n.
struct TwistModel: Sendable {
    /// Loss weight per row: EAD·E[LGD]/V (per loan for pools).
    let weight: [Double]
    /// 1 for exposures, the count for pools.
    let count: [Double]

    /// ψ(θ) = Σ n·log(1 + p(e^{θv} − 1)) and its first two derivatives, computed through the
    /// twisted log-odds u = log(p/(1 − p)) + θv: q = 1/(1 + e^{−u}) and
    /// log(1 + p(e^{θv} − 1)) = log(1 − p) + log(1 + e^{u}) — no overflow for any θ.
    func psi(_ theta: Double, _ p: UnsafeBufferPointer<Double>) -> (Double, Double, Double) {
        var f = 0.0, d1 = 0.0, d2 = 0.0
        for r in 0..<weight.count {
            let v = weight[r], pr = p[r], n = count[r]
            if pr <= 0 || v == 0 { continue }
            if pr >= 1 { f += n * theta * v; d1 += n * v; continue }
            let u = Foundation.log(pr) - Foundation.log1p(-pr) + theta * v
            let q = 1 / (1 + Foundation.exp(-u))
            let softplus = u > 0 ? u + Foundation.log1p(Foundation.exp(-u)) : Foundation.log1p(Foundation.exp(u))
            f += n * (Foundation.log1p(-pr) + softplus)
            d1 += n * v * q
            d2 += n * v * v * q * (1 - q)
        }
        return (f, d1, d2)
    }

    /// The largest possible weighted loss Σ n·v (ψ'(θ) → it as θ → ∞).
    var maximum: Double { zip(weight, count).reduce(0) { $0 + $1.0 * $1.1 } }

    /// θₓ: 0 when ψ'(0) = E[L | Z]/V ≥ x, else the root of ψ'(θ) = x (Newton, safeguarded by a
    /// bracket that doubles until it holds the root; ψ' is increasing). Returns (θ, ψ(θ)).
    func theta(x: Double, _ p: UnsafeBufferPointer<Double>) -> (Double, Double) {
        var (f, d1, d2) = psi(0, p)
        if d1 >= x { return (0, 0) }
        var lo = 0.0, hi = Double.infinity, t = 0.0
        for _ in 0..<200 {
            if d1 < x { lo = t } else { hi = t }
            if abs(d1 - x) <= 1e-12 * x || hi - lo <= 1e-14 * max(1, lo) { break }
            var next = d2 > 0 ? t + (x - d1) / d2 : .infinity
            if !(next > lo && next < hi) { next = hi.isFinite ? 0.5 * (lo + hi) : max(2 * lo, 1) }
            t = next
            (f, d1, d2) = psi(t, p)
        }
        return (t, f)
    }
}

/// Runs the importance-sampled simulation (see the notes at the top of this file).
///
/// - Parameters:
///   - portfolio: the portfolio to simulate (Gaussian copula).
///   - structure: the tranches and guarantees whose losses are estimated.
///   - settings: paths, seed and batch size.
///   - progress: called after each batch with (batches done, batches in all).
///   - target: the loss level x as a fraction of the volume to twist towards; nil picks the
///     most senior tranche's attachment (> 0), else the largest exceedance threshold, else
///     10 × the expected-loss fraction (capped below 1) — said in ``ImportanceReport/targetSource``.
///   - exceedance: thresholds (fractions of V) at which P(L/V > x) is estimated.
/// Batches of `settings.batchSize` paths draw from Philox streams keyed by the batch (factors
/// from (b, isFactors, 0), each path's defaults and LGDs from (b, isDefaults, p)), so the
/// report is bit-identical for any thread count.
/// - Throws: ``RiskModelError`` for invalid inputs or an exposure correlation matrix
///   (importance sampling here needs a factor model, Gaussian or Student-t copula).
public func simulateImportance(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                               target: Double? = nil, exceedance: [Double] = [],
                               progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> ImportanceReport {
    try importanceRun(portfolio: portfolio, structure: structure, settings: settings, target: target, exceedance: exceedance,
                      previous: nil, progress: progress).report
}

/// What an importance-sampled run has drawn, so that a longer run of the same model, seed, batch
/// size, target and thresholds adds batches instead of drawing them again: the per-level optima of
/// the mean-shift search (a function of the model, the target and the thresholds only) and the
/// (loss, weight) of the paths of its whole batches. Every batch draws from its own counter-based
/// streams, so the longer run's first batches are these.
struct ImportanceRunState: Sendable {
    let seed: UInt64
    let batchSize: Int
    let target: Double?
    let exceedance: [Double]
    let optima: [(shift: [Double], lambda: Double)]
    /// Whole batches drawn: the first batches·batchSize entries of `losses` and `weights` (the
    /// run's own arrays, shared, not copied).
    let batches: Int
    let losses: [Double]
    let weights: [Double]
}

/// ``simulateImportance(portfolio:structure:settings:target:exceedance:progress:)`` continuing
/// `previous` (its optima and the paths of its whole batches are reused when it is a run of the same
/// model's seed, batch size, target and thresholds; the model itself is the caller's to keep), and
/// the state a longer run can continue.
func importanceRun(portfolio: Portfolio, structure: RiskSharingStructure, settings: SimulationSettings,
                   target: Double?, exceedance: [Double], previous: ImportanceRunState?,
                   progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)?) throws(RiskModelError) -> (report: ImportanceReport, state: ImportanceRunState) {
    try settings.validate()
    let previous = previous.flatMap { p in
        p.seed == settings.seed && p.batchSize == settings.batchSize && p.target == target && p.exceedance == exceedance
            && p.batches * settings.batchSize <= settings.paths ? p : nil
    }
    guard case .factors = portfolio.dependence else {
        throw .invalidInput(item: "simulation.method", reason: "importance sampling needs a factor model (factor loadings), not an exposure correlation matrix")
    }
    for x in exceedance where !(x.isFinite && x >= 0 && x < 1) {
        throw .invalidInput(item: "simulation.exceedance", reason: "threshold \(x) is not in [0, 1)")
    }
    let model = try PreparedModel(portfolio: portfolio)
    let waterfall = try Waterfall(structure: structure, volume: model.volume)
    let v = model.volume
    let x: Double, source: String
    if let target {
        guard target.isFinite, target > 0, target < 1 else {
            throw .invalidInput(item: "simulation.target", reason: "target loss fraction \(target) is not in (0, 1)")
        }
        (x, source) = (target, "given")
    } else if let a = waterfall.tranches.last?.attachment, a > 0 {
        (x, source) = (a, "the most senior tranche's attachment")
    } else if let e = exceedance.max(), e > 0 {
        (x, source) = (e, "the largest exceedance threshold")
    } else {
        (x, source) = (min(10 * model.expectedLoss / v, 0.99), "10 × the expected-loss fraction")
    }

    let rows = model.exposureCount + model.poolCount, k = model.factorCount
    let twistModel = TwistModel(
        weight: (0..<rows).map { r in
            let mean = r < model.exposureCount ? (model.betaLGD[r].map { $0.a / ($0.a + $0.b) } ?? 1) : (model.betaLGD[r] == nil ? 1 : model.poolLGDMean[r - model.exposureCount])
            return model.lossAmount[r] * mean / v
        },
        count: (0..<rows).map { r in r < model.exposureCount ? 1 : Double(model.poolCounts[r - model.exposureCount]) })
    let twist = twistModel
    guard x < twist.maximum else {
        throw .invalidInput(item: "simulation.target", reason: "target loss fraction \(x) is not below the largest possible loss fraction \(twist.maximum)")
    }
    let nu = model.degreesOfFreedom
    /// Conditional PDs given the factors z and the mixing scale w = √(W/ν) (1 for the Gaussian copula).
    @Sendable func conditional(_ z: [Double], _ w: Double, into p: inout [Double]) {
        for r in 0..<rows {
            var s = 0.0
            for j in 0..<k { s += model.a[r + j * rows] * z[j] }
            p[r] = Normal.cdf((model.threshold[r] * w - s) * model.inverseSigma[r])
        }
    }
    // One twisted component per level: the target and every exceedance threshold above the
    // expected-loss fraction (at most 8, the largest kept), each with its own mean shift
    // (maximise J(z) = −θx + ψ(θ, z) − ½|z|² by Nelder–Mead). A single twist towards x leaves
    // the losses well below x almost unsampled; the balance-heuristic mixture over the levels
    // (Veach & Guibas 1995; Owen & Zhou 2000) estimates every requested level well.
    let levels = Array(Set([x] + exceedance.filter { $0 > model.expectedLoss / v && $0 < twist.maximum }).sorted().suffix(8))
    var scratch = [Double](repeating: 0, count: rows)
    // Per level: the factor shift μ and (t copula) the mixing twist λ.
    let optima: [(shift: [Double], lambda: Double)] = previous?.optima ?? levels.map { level in
        if let nu {
            // Maximise over (z, u = log W): F(z, W) − ½|z|² + (ν/2)·u − e^u/2 (log density of log W, up to a constant).
            func objective(_ y: [Double]) -> Double {
                let u = min(max(y[k], -40), 40), w = Foundation.exp(u)
                let z = Array(y[0..<k])
                conditional(z, (w / nu).squareRoot(), into: &scratch)
                let (theta, psi) = scratch.withUnsafeBufferPointer { twist.theta(x: level, $0) }
                return -theta * level + psi - 0.5 * z.reduce(0) { $0 + $1 * $1 } + 0.5 * nu * u - 0.5 * w
            }
            let y = nelderMeadMaximum(objective, start: startingShift(model: model, twist: twist) + [Foundation.log(nu)], scale: 1)
            let modeW = Foundation.exp(min(max(y[k], -40), 40))
            return (Array(y[0..<k]), max(0, 0.5 * (nu / modeW - 1)))
        }
        func objective(_ z: [Double]) -> Double {
            conditional(z, 1, into: &scratch)
            let (theta, psi) = scratch.withUnsafeBufferPointer { twist.theta(x: level, $0) }
            return -theta * level + psi - 0.5 * z.reduce(0) { $0 + $1 * $1 }
        }
        return (k == 0 ? [] : nelderMeadMaximum(objective, start: startingShift(model: model, twist: twist), scale: 1), 0)
    }
    let shifts = optima.map(\.shift), lambdas = optima.map(\.lambda)
    let mu = shifts[levels.firstIndex(of: x)!]
    let components = levels.count
    let shiftSquares = shifts.map { $0.reduce(0) { $0 + $1 * $1 } }
    // log of (1 + 2λ)^{ν/2}, the constant of the mixing variable's density ratio g_λ/f.
    let mixingLogConstant: [Double] = lambdas.map { lambda in
        guard let nu else { return 0 }
        return 0.5 * nu * Foundation.log1p(2 * lambda)
    }

    let paths = settings.paths, batchSize = settings.batchSize
    let batches = (paths + batchSize - 1) / batchSize
    let threads = settings.threads ?? ProcessInfo.processInfo.activeProcessorCount
    var losses = [Double](repeating: 0, count: paths)
    var weights = [Double](repeating: 0, count: paths)
    // The previous run's whole batches are kept; only the batches after them are drawn.
    let first = previous?.batches ?? 0
    if let previous {
        let kept = 0..<(first * batchSize)
        losses.replaceSubrange(kept, with: previous.losses[kept])
        weights.replaceSubrange(kept, with: previous.weights[kept])
    }
    let next = Mutex(first), done = Mutex(0)
    losses.withUnsafeMutableBufferPointer { lb in
        weights.withUnsafeMutableBufferPointer { wb in
            let out = UncheckedSendable((lb, wb))
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var z = [Double](repeating: 0, count: k)
                var p = [Double](repeating: 0, count: rows)
                while true {
                    let b = next.withLock { v in defer { v += 1 }; return v }
                    if b >= batches { break }
                    let start = b * batchSize, count = min(batchSize, paths - start)
                    var factors = RandomStream(seed: settings.seed, stream: (UInt64(b), Purpose.importanceFactors.rawValue, 0))
                    for i in 0..<count {
                        // The mixture component c (−1 plain), then the factors: Z = ξ or μ_c + ξ.
                        let u = factors.nextUniform()
                        let c = u < defensiveFraction ? -1 : min(components - 1, Int((u - defensiveFraction) / (1 - defensiveFraction) * Double(components)))
                        let twisted = c >= 0
                        for j in 0..<k {
                            let xi = factors.nextNormal()
                            z[j] = twisted ? shifts[c][j] + xi : xi
                        }
                        // t copula: W = χ²_ν (plain) or χ²_ν/(1 + 2λ_c) (twisted), after the normals.
                        var mixing = 0.0, scale = 1.0
                        if let nu {
                            mixing = factors.nextChiSquare(degreesOfFreedom: nu)
                            if twisted { mixing /= 1 + 2 * lambdas[c] }
                            scale = (mixing / nu).squareRoot()
                        }
                        conditional(z, scale, into: &p)
                        let twists = p.withUnsafeBufferPointer { pp in levels.map { twist.theta(x: $0, pp) } }
                        let theta = twisted ? twists[c].0 : 0
                        var stream = RandomStream(seed: settings.seed, stream: (UInt64(b), Purpose.importanceDefaults.rawValue, UInt64(i)))
                        var loss = 0.0, weighted = 0.0
                        for r in 0..<rows {
                            let pr = p[r]
                            // q = p·e^{θv}/(1 + p(e^{θv} − 1)), in a form that cannot overflow.
                            let q = !twisted || theta == 0 || pr <= 0 || pr >= 1 ? pr
                                : 1 / (1 + Foundation.exp(Foundation.log1p(-pr) - Foundation.log(pr) - theta * twist.weight[r]))
                            if r < model.exposureCount {
                                guard stream.nextUniform() < q else { continue }
                                weighted += twist.weight[r]
                                if let beta = model.betaLGD[r] { loss += model.lossAmount[r] * stream.nextBeta(beta.a, beta.b) } else { loss += model.lossAmount[r] }
                            } else {
                                let j = r - model.exposureCount
                                let d = stream.nextBinomial(count: model.poolCounts[j], probability: q)
                                guard d > 0 else { continue }
                                weighted += Double(d) * twist.weight[r]
                                if let beta = model.betaLGD[r] {
                                    var total = 0.0
                                    if d <= 1_000 {
                                        for _ in 0..<d { total += stream.nextBeta(beta.a, beta.b) }
                                    } else {
                                        let dd = Double(d)
                                        total = min(max(dd * model.poolLGDMean[j] + dd.squareRoot() * model.poolLGDStandardDeviation[j] * stream.nextNormal(), 0), dd)
                                    }
                                    loss += model.lossAmount[r] * total
                                } else {
                                    loss += model.lossAmount[r] * Double(d)
                                }
                            }
                        }
                        out.value.0[start + i] = loss
                        // Component j's density over the plain one: 1/r_j with
                        // r_j = φ(Z)/φ(Z − μ_j) · Π (p/q)^D ((1 − p)/(1 − q))^(1 − D) = exp(−μ_jᵀZ + ½|μ_j|² − θ_jΣDv + ψ_j).
                        var mixture = 0.0
                        for j in 0..<components {
                            var dot = 0.0
                            for l in 0..<k { dot += shifts[j][l] * z[l] }
                            // t copula: × g_λ/f = (1 + 2λ_j)^{ν/2}·e^{−λ_j W}.
                            let exponent: Double = dot - 0.5 * shiftSquares[j] + twists[j].0 * weighted - twists[j].1
                            let mixingTerm: Double = mixingLogConstant[j] - lambdas[j] * mixing
                            mixture += Foundation.exp(exponent + mixingTerm)
                        }
                        out.value.1[start + i] = 1 / (defensiveFraction + (1 - defensiveFraction) * mixture / Double(components))
                    }
                    if let progress { done.withLock { d in d += 1; progress(d, batches - first) } }
                }
            }
        }
    }
    var report = ImportanceSummariser(losses: losses, weights: weights, settings: settings, waterfall: waterfall, volume: v)
        .report(target: x, source: source, mu: mu, exceedance: exceedance, exactExpectedLoss: model.expectedLoss)
    if nu != nil { report.mixingTwist = lambdas[levels.firstIndex(of: x)!] }
    let state = ImportanceRunState(seed: settings.seed, batchSize: batchSize, target: target, exceedance: exceedance, optima: optima,
                                   batches: paths / batchSize, losses: losses, weights: weights)
    return (report, state)
}

/// A start for the mean-shift search: −2 along the loss-weighted mean loading direction (defaults
/// happen when the systematic part is low).
func startingShift(model: PreparedModel, twist: TwistModel) -> [Double] {
    let rows = model.exposureCount + model.poolCount, k = model.factorCount
    var d = [Double](repeating: 0, count: k)
    for r in 0..<rows { for j in 0..<k { d[j] += twist.weight[r] * twist.count[r] * model.a[r + j * rows] } }
    let norm = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? d.map { -2 * $0 / norm } : d
}

/// Nelder–Mead maximisation (Nelder & Mead 1965; standard coefficients 1, 2, ½, ½) from
/// `start` with an initial simplex of edge `scale`, to a simplex spread of 1e-8 in f or 1e-6 in
/// z, at most 2000 iterations; restarted once from the optimum found.
func nelderMeadMaximum(_ f: ([Double]) -> Double, start: [Double], scale: Double) -> [Double] {
    var best = start
    for _ in 0..<2 {
        let n = best.count
        var simplex = [best] + (0..<n).map { i -> [Double] in var p = best; p[i] += scale; return p }
        var values = simplex.map { -f($0) }
        for _ in 0..<2000 {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = zip(simplex.dropFirst(), simplex).map { a, b in zip(a, b).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            if abs(values[n] - values[0]) <= 1e-10 * (1 + abs(values[0])) && spread < 1e-6 { break }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for i in 0..<n { centroid[i] += p[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1), fr = -f(reflected)
            if fr < values[0] {
                let expanded = along(-2), fe = -f(expanded)
                if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = reflected; values[n] = fr
            } else {
                let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                let fc = -f(contracted)
                if fc < min(fr, values[n]) {
                    simplex[n] = contracted; values[n] = fc
                } else {
                    for i in 1...n {
                        simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                        values[i] = -f(simplex[i])
                    }
                }
            }
        }
        best = simplex[values.indices.min { values[$0] < values[$1] }!]
    }
    return best
}

/// Weighted estimators over the importance-sampled paths.
struct ImportanceSummariser {
    let losses: [Double]
    let weights: [Double]
    let settings: SimulationSettings
    let waterfall: Waterfall
    let volume: Double

    /// E[g(L)] from (1/n)Σ w·g(L), two-pass variance.
    func estimate(_ g: (Double) -> Double) -> WeightedEstimate {
        let n = losses.count
        var sum = 0.0, sumPlain = 0.0, hits = 0
        for i in 0..<n {
            let y = g(losses[i])
            if y != 0 { hits += 1 }
            sum += weights[i] * y
            sumPlain += weights[i] * y * y
        }
        let mean = sum / Double(n)
        var ss = 0.0
        for i in 0..<n { let d = weights[i] * g(losses[i]) - mean; ss += d * d }
        let se = n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0
        let plain = max(sumPlain / Double(n) - mean * mean, 0)
        let reduction = se > 0 ? plain / (Double(n) * se * se) : .infinity
        return WeightedEstimate(value: mean, standardError: se, plainVariance: plain, varianceReduction: reduction, hits: hits)
    }

    func report(target: Double, source: String, mu: [Double], exceedance: [Double], exactExpectedLoss: Double) -> ImportanceReport {
        let n = losses.count
        let sumW = weights.reduce(0, +), sumW2 = weights.reduce(0) { $0 + $1 * $1 }
        let thresholds = [target] + exceedance.filter { $0 != target }
        let exceed = thresholds.map { t in (threshold: t, probability: estimate { $0 / volume > t ? 1 : 0 }) }
        let tranches = waterfall.tranches.map { t in
            (tranche: t, expectedLoss: estimate { t.lossFraction(portfolioLossFraction: $0 / volume) * volume },
             hitProbability: estimate { $0 / volume > t.attachment ? 1 : 0 })
        }
        var a = waterfall.allocate(portfolioLoss: 0)
        let holders = waterfall.holders.indices.map { h in
            (holder: waterfall.holders[h], expectedLoss: estimate { waterfall.allocate(portfolioLoss: $0, into: &a); return a.holderLoss[h] })
        }
        let guarantees = waterfall.guarantees.indices.map { g in
            (guarantee: waterfall.guarantees[g], expectedCalls: estimate { waterfall.allocate(portfolioLoss: $0, into: &a); return a.guaranteeCalls[g] })
        }
        // Quantiles: scan the paths from the largest loss down, accumulating the tail's weights.
        let order = losses.indices.sorted { (losses[$0], $0) < (losses[$1], $1) }
        let z = Normal.quantile(0.5 * (1 + settings.confidence))
        var quantiles: [WeightedQuantile] = []
        var shortfalls: [ShortfallEstimate] = []
        for level in settings.quantileLevels {
            let tailLimit = 1 - level
            var s1 = 0.0, s2 = 0.0
            var value: Double? = nil, lower: Double? = nil, upper: Double? = nil
            // T̂(x) at x = L₍ᵢ₎ counts the paths strictly above; walk down while ties are skipped.
            var i = n - 1
            var candidates: [(x: Double, t: Double, se: Double)] = []
            while i >= 0 {
                let x = losses[order[i]]
                let t = s1 / Double(n)
                let se = n > 1 ? (max(s2 / Double(n) - t * t, 0) / Double(n - 1)).squareRoot() : 0
                candidates.append((x, t, se))
                // Add every path with loss x (ties) before the next, smaller, candidate.
                while i >= 0 && losses[order[i]] == x {
                    let w = weights[order[i]]
                    s1 += w; s2 += w * w; i -= 1
                }
                if s1 / Double(n) - z * ((max(s2 / Double(n) - (s1 / Double(n)) * (s1 / Double(n)), 0) / Double(max(n - 1, 1))).squareRoot()) > tailLimit { break }
            }
            // candidates run from the largest loss down; T̂ increases along them. The estimate is
            // the smallest x with T̂(x) ≤ 1 − α: the last candidate that satisfies it.
            for c in candidates {
                if c.t <= tailLimit { value = c.x }
                if c.t - z * c.se <= tailLimit { lower = c.x }
                if c.t + z * c.se <= tailLimit { upper = c.x }
            }
            let top = losses[order[n - 1]]
            let q = WeightedQuantile(level: level, value: value ?? top, lower: lower ?? top, upper: upper ?? top, confidence: settings.confidence)
            quantiles.append(q)
            // ES = v + E[(L − v)⁺]/(1 − α) with v the VaR estimate (no first-order effect of v's error).
            let excess = estimate { max($0 - q.value, 0) / (1 - level) }
            shortfalls.append(ShortfallEstimate(level: level, value: q.value + excess.value, standardError: excess.standardError))
        }
        return ImportanceReport(
            paths: n, seed: settings.seed, volume: volume, target: target, targetSource: source, factorShift: mu,
            effectiveSampleSize: sumW * sumW / sumW2, meanWeight: sumW / Double(n),
            expectedLoss: estimate { $0 }, exactExpectedLoss: exactExpectedLoss,
            exceedance: exceed, tranches: tranches, holders: holders, guarantees: guarantees,
            quantiles: quantiles, expectedShortfall: shortfalls)
    }
}
