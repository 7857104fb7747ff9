import RealModule

/// A Monte Carlo mean with its standard error.
///
/// For n iid samples X₁…Xₙ: mean X̄ = Σ Xᵢ / n, standard error s/√n with the unbiased sample
/// variance s² = Σ (Xᵢ − X̄)² / (n − 1). By the CLT, X̄ ± 1.96·SE covers E[X] with ≈ 95 %.
public struct MeanEstimate: Sendable, Hashable, Codable {
    /// The sample mean X̄.
    public var mean: Double
    /// s/√n (0 when n < 2).
    public var standardError: Double
    /// Number of samples n.
    public var count: Int

    /// An estimate from its parts.
    public init(mean: Double, standardError: Double, count: Int) {
        self.mean = mean
        self.standardError = standardError
        self.count = count
    }

    /// The estimate scaled by a constant c: (c·X̄, |c|·SE).
    public func scaled(by c: Double) -> MeanEstimate {
        MeanEstimate(mean: mean * c, standardError: standardError * abs(c), count: count)
    }
}

/// An estimated probability p̂ = k/n with binomial standard error √(p̂(1 − p̂)/n).
public struct ProbabilityEstimate: Sendable, Hashable, Codable {
    /// p̂ = successes / trials.
    public var probability: Double
    /// √(p̂(1 − p̂)/n). Zero when p̂ ∈ {0, 1}: then use the rule of three (p < 3/n at 95 %).
    public var standardError: Double
    /// Number of events observed.
    public var successes: Int
    /// Number of trials n.
    public var trials: Int

    /// p̂ = successes/trials (trials > 0) and its binomial standard error.
    public init(successes: Int, trials: Int) {
        precondition(trials > 0 && successes >= 0 && successes <= trials)
        self.successes = successes
        self.trials = trials
        let p = Double(successes) / Double(trials)
        self.probability = p
        self.standardError = (p * (1 - p) / Double(trials)).squareRoot()
    }
}

/// An estimated α-quantile (value at risk) with a distribution-free confidence interval.
///
/// Point estimate: the order statistic X₍⌈nα⌉₎, i.e. inf{x : Fₙ(x) ≥ α}.
/// Interval: [X₍ⱼ₎, X₍ₖ₎] with P(X₍ⱼ₎ ≤ ξ_α < X₍ₖ₎) = P(j ≤ B < k) ≥ `confidence`, where
/// B ~ Binomial(n, α) counts the samples below the true quantile ξ_α — distribution-free for any
/// continuous distribution (David & Nagaraja, *Order Statistics*, 3rd ed., §7.1). j is the
/// largest index with P(B < j) ≤ (1 − confidence)/2 and k the smallest with
/// P(B ≥ k) ≤ (1 − confidence)/2, from the **exact** binomial tails
/// P(B ≤ m) = I_{1−α}(n − m, m + 1) and P(B ≥ m) = I_α(m, n − m + 1) (A&S 26.5.24), searched
/// outwards from the normal approximation nα ∓ z√(nα(1−α)). When the sample is too small for
/// the requested coverage the interval is clamped to [X₍₁₎, X₍ₙ₎].
public struct QuantileEstimate: Sendable, Hashable, Codable {
    /// The level α (e.g. 0.99).
    public var level: Double
    /// X₍⌈nα⌉₎.
    public var value: Double
    /// X₍ⱼ₎, the lower end of the confidence interval.
    public var lower: Double
    /// X₍ₖ₎, the upper end of the confidence interval.
    public var upper: Double
    /// Coverage of [lower, upper] (e.g. 0.95).
    public var confidence: Double

    /// An estimate from its parts.
    public init(level: Double, value: Double, lower: Double, upper: Double, confidence: Double) {
        self.level = level
        self.value = value
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }

    /// All three values scaled by c ≥ 0.
    public func scaled(by c: Double) -> QuantileEstimate {
        QuantileEstimate(level: level, value: value * c, lower: lower * c, upper: upper * c, confidence: confidence)
    }
}

/// Expected shortfall ES_α = E[L | L ≥ VaR_α] (for continuous L) with its standard error.
///
/// Estimator (Rockafellar & Uryasev 2002, "Conditional value-at-risk for general loss
/// distributions", *J. Banking & Finance* 26, 1443–1471; Acerbi & Tasche 2002):
/// ES = mean of Yᵢ = v + (Lᵢ − v)⁺/(1 − α) with v the estimated α-quantile. Because v
/// minimises E[Y], the error in v has no first-order effect, and SE = s_Y/√n.
public struct ShortfallEstimate: Sendable, Hashable, Codable {
    /// The level α.
    public var level: Double
    /// The estimate of ES_α.
    public var value: Double
    /// s_Y/√n.
    public var standardError: Double

    /// An estimate from its parts.
    public init(level: Double, value: Double, standardError: Double) {
        self.level = level
        self.value = value
        self.standardError = standardError
    }

    /// Value and SE scaled by c ≥ 0.
    public func scaled(by c: Double) -> ShortfallEstimate {
        ShortfallEstimate(level: level, value: value * c, standardError: standardError * c)
    }
}

/// Estimators over a sample held in memory.
public enum SampleStatistics {
    /// Mean and standard error, two-pass (mean, then Σ (x − x̄)²) for accuracy;
    /// summation in index order, so the result is a deterministic function of the sample.
    public static func mean(_ xs: [Double]) -> MeanEstimate {
        xs.withUnsafeBufferPointer { b in mean(count: b.count) { b[$0] } }
    }

    /// ``mean(_:)`` of the sample x(0), …, x(n − 1) given as a function of the index, without
    /// materialising it: the same two passes in the same order, hence bit-identical to
    /// `mean((0..<n).map(x))`. `x` is called twice per index.
    @inlinable
    public static func mean(count n: Int, _ x: (Int) -> Double) -> MeanEstimate {
        precondition(n > 0, "mean of an empty sample")
        var sum = 0.0
        for i in 0..<n { sum += x(i) }
        let mean = sum / Double(n)
        var ss = 0.0
        for i in 0..<n { let d = x(i) - mean; ss += d * d }
        let se = n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0
        return MeanEstimate(mean: mean, standardError: se, count: n)
    }

    /// The α-quantile of an ascending-sorted sample with its order-statistic interval
    /// (see ``QuantileEstimate``).
    public static func quantile(sorted xs: [Double], level alpha: Double, confidence: Double = 0.95) -> QuantileEstimate {
        xs.withUnsafeBufferPointer { b in quantile(count: b.count, level: alpha, confidence: confidence) { b[$0] } }
    }

    /// ``quantile(sorted:level:confidence:)`` of an ascending sample given as a function of the
    /// (0-based) index: only the three order statistics used are evaluated.
    public static func quantile(count n: Int, level alpha: Double, confidence: Double = 0.95,
                                sorted x: (Int) -> Double) -> QuantileEstimate {
        precondition(n > 0 && alpha > 0 && alpha < 1, "quantile needs a sample and 0 < α < 1")
        let nd = Double(n)
        let point = min(max(Int((nd * alpha).rounded(.up)), 1), n)
        let (j, k) = orderStatisticInterval(count: n, level: alpha, confidence: confidence)
        return QuantileEstimate(level: alpha, value: x(point - 1), lower: x(j - 1), upper: x(k - 1), confidence: confidence)
    }

    /// The 1-based order-statistic indices (j, k) of the distribution-free interval for the
    /// α-quantile of n samples (see ``QuantileEstimate``).
    public static func orderStatisticInterval(count n: Int, level alpha: Double, confidence: Double) -> (lower: Int, upper: Int) {
        precondition(n > 0 && alpha > 0 && alpha < 1 && confidence > 0 && confidence < 1)
        let tail = 0.5 * (1 - confidence)
        let nd = Double(n)
        // P(B ≤ m) and P(B ≥ m) for B ~ Binomial(n, α).
        func atMost(_ m: Int) -> Double {
            m < 0 ? 0 : (m >= n ? 1 : SpecialFunctions.regularizedIncompleteBeta(a: Double(n - m), b: Double(m + 1), x: 1 - alpha, complement: alpha))
        }
        func atLeast(_ m: Int) -> Double {
            m <= 0 ? 1 : (m > n ? 0 : SpecialFunctions.regularizedIncompleteBeta(a: Double(m), b: Double(n - m + 1), x: alpha, complement: 1 - alpha))
        }
        let z = Normal.quantile(0.5 * (1 + confidence))
        let half = z * (nd * alpha * (1 - alpha)).squareRoot()
        // j: the largest index in 1…n with P(B < j) = P(B ≤ j − 1) ≤ tail.
        var j = min(max(Int((nd * alpha - half).rounded(.down)), 1), n)
        while j > 1 && atMost(j - 1) > tail { j -= 1 }
        while j < n && atMost(j) <= tail { j += 1 }
        // k: the smallest index in 1…n with P(B ≥ k) ≤ tail.
        var k = min(max(Int((nd * alpha + half).rounded(.up)) + 1, 1), n)
        while k < n && atLeast(k) > tail { k += 1 }
        while k > 1 && atLeast(k - 1) <= tail { k -= 1 }
        return (j, k)
    }

    /// Expected shortfall at level α of an ascending-sorted sample (see ``ShortfallEstimate``).
    public static func expectedShortfall(sorted xs: [Double], level alpha: Double) -> ShortfallEstimate {
        xs.withUnsafeBufferPointer { b in expectedShortfall(count: b.count, level: alpha) { b[$0] } }
    }

    /// ``expectedShortfall(sorted:level:)`` of an ascending sample given as a function of the
    /// (0-based) index; only the tail above the α-quantile is visited.
    @inlinable
    public static func expectedShortfall(count n: Int, level alpha: Double, sorted xs: (Int) -> Double) -> ShortfallEstimate {
        precondition(n > 0 && alpha > 0 && alpha < 1)
        let v = xs(min(max(Int((Double(n) * alpha).rounded(.up)), 1), n) - 1)
        let scale = 1 / (1 - alpha)
        // Only the tail contributes to (L − v)⁺; walk it from the top of the sorted sample.
        var sum = 0.0
        var tail = 0
        var i = n - 1
        while i >= 0 && xs(i) > v { sum += (xs(i) - v) * scale; tail += 1; i -= 1 }
        let meanExcess = sum / Double(n)
        var ss = 0.0
        i = n - 1
        while i >= 0 && xs(i) > v { let d = (xs(i) - v) * scale - meanExcess; ss += d * d; i -= 1 }
        ss += Double(n - tail) * meanExcess * meanExcess
        let se = n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0
        return ShortfallEstimate(level: alpha, value: v + meanExcess, standardError: se)
    }

    /// Fraction of a sample satisfying `predicate`, with binomial SE.
    public static func probability<C: Collection>(_ xs: C, where predicate: (C.Element) -> Bool) -> ProbabilityEstimate {
        var k = 0
        for x in xs where predicate(x) { k += 1 }
        return ProbabilityEstimate(successes: k, trials: xs.count)
    }
}
