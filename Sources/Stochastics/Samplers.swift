import RealModule

// Samplers for the distributions the portfolio model needs. Each is a `mutating` method of
// `RandomStream`, so a sampler consumes a well-defined part of one counter-based stream and
// never touches global state. Rejection samplers use a variable number of uniforms; the engine
// therefore gives each of them its own stream (see RiskSharing's engine).

extension RandomStream {
    /// A Gamma(shape α, scale 1) variate.
    ///
    /// Marsaglia, G. and Tsang, W. W. (2000), "A simple method for generating gamma variables",
    /// *ACM TOMS* 26(3), 363–372: for α ≥ 1, with d = α − ⅓ and c = 1/√(9d), draw Z ~ N(0,1),
    /// v = (1 + cZ)³, U ~ U(0,1); accept d·v if v > 0 and
    /// U < 1 − 0.0331 Z⁴ (squeeze) or log U < Z²/2 + d(1 − v + log v). Acceptance ≥ 95 %.
    /// For α < 1, Gamma(α) = Gamma(α + 1) · U^{1/α} (same paper, §6).
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0, "gamma shape must be positive")
        if shape < 1 {
            let g = nextGamma(shape: shape + 1)
            return g * Double.exp(Double.log(nextUniform()) / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let z = nextNormal()
            let w = 1 + c * z
            if w <= 0 { continue }
            let v = w * w * w
            let u = nextUniform()
            let z2 = z * z
            if u < 1 - 0.0331 * z2 * z2 { return d * v }
            if Double.log(u) < 0.5 * z2 + d * (1 - v + Double.log(v)) { return d * v }
        }
    }

    /// A χ²_ν variate: 2 · Gamma(ν/2).
    public mutating func nextChiSquare(degreesOfFreedom nu: Double) -> Double {
        2 * nextGamma(shape: nu / 2)
    }

    /// A Beta(a, b) variate: X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b) independent
    /// (Devroye, *Non-Uniform Random Variate Generation*, 1986, §IX.4.1).
    public mutating func nextBeta(_ a: Double, _ b: Double) -> Double {
        let x = nextGamma(shape: a)
        let y = nextGamma(shape: b)
        return x / (x + y)
    }

    /// A Binomial(n, p) variate, exact for any n (tested up to 10⁷).
    ///
    /// With p̃ = min(p, 1 − p) (and the result mirrored, n − X, when p > ½):
    /// - n·p̃ < 10: sequential inversion, P(0) = (1 − p̃)ⁿ, P(k) = P(k−1)·((n+1)s/k − s),
    ///   s = p̃/(1 − p̃) (Kachitvichyanukul & Schmeiser 1988, algorithm BINV);
    /// - n·p̃ ≥ 10: Hörmann's BTRD, transformed rejection with decomposition
    ///   (Hörmann, W. (1993), "The generation of binomial random variates",
    ///   *J. Statist. Comput. Simul.* 46, 101–110), expected cost O(1) uniforms for every n.
    public mutating func nextBinomial(count n: Int, probability p: Double) -> Int {
        precondition(n >= 0 && p >= 0 && p <= 1, "binomial needs n ≥ 0 and p in [0, 1]")
        if n == 0 || p == 0 { return 0 }
        if p == 1 { return n }
        if p > 0.5 { return n - nextBinomialLower(n, 1 - p) }
        return nextBinomialLower(n, p)
    }

    @usableFromInline
    mutating func nextBinomialLower(_ n: Int, _ p: Double) -> Int {
        if Double(n) * p < 10 { return binomialInversion(n, p) }
        return binomialBTRD(n, p)
    }

    mutating func binomialInversion(_ n: Int, _ p: Double) -> Int {
        let q = 1 - p
        let s = p / q
        let a = Double(n + 1) * s
        let r0 = Double.exp(Double(n) * Double.log(onePlus: -p))
        // The search stops within ~110 steps for n·p < 10 except with probability < 10⁻³⁰;
        // a run-off caused by rounding in u restarts with a fresh uniform.
        while true {
            var u = nextUniform()
            var r = r0
            var x = 0
            while u > r {
                u -= r
                x += 1
                if x > n || x > 1_000 { break }
                r *= a / Double(x) - s
            }
            if x <= n && x <= 1_000 { return x }
        }
    }

    /// Stirling-series correction fc(k) = log k! − [(k + ½) log(k + 1) − (k + 1) + ½ log 2π].
    static func stirlingCorrection(_ k: Int) -> Double {
        if k < 10 { return stirlingTable[k] }
        let k1 = Double(k + 1)
        let k1sq = k1 * k1
        return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / k1sq) / k1sq) / k1
    }

    /// fc(0…9), computed with mpmath at 30 digits.
    static let stirlingTable: [Double] = [
            0.081_061_466_795_327_258_22, 0.041_340_695_955_409_294_094,
            0.027_677_925_684_998_339_149, 0.020_790_672_103_765_093_112,
            0.016_644_691_189_821_192_163, 0.013_876_128_823_070_747_999,
            0.011_896_709_945_891_770_095, 0.010_411_265_261_972_096_497,
            0.009_255_462_182_712_732_917_7, 0.008_330_563_433_362_871_256_5,
    ]

    /// Algorithm BTRD, steps 0–3.4 of Hörmann (1993), for p ≤ ½ and n·p ≥ 10.
    mutating func binomialBTRD(_ n: Int, _ p: Double) -> Int {
        let nd = Double(n)
        let q = 1 - p
        let m = Int((nd + 1) * p)                 // mode
        let r = p / q
        let nr = (nd + 1) * r
        let npq = nd * p * q
        let sqrtNpq = npq.squareRoot()
        let b = 1.15 + 2.53 * sqrtNpq
        let a = -0.0873 + 0.0248 * b + 0.01 * p
        let c = nd * p + 0.5
        let alpha = (2.83 + 5.1 / b) * sqrtNpq
        let vr = 0.92 - 4.2 / b
        let urvr = 0.86 * vr
        while true {
            // Step 1: the central triangle, accepted without evaluating f.
            var v = nextUniform()
            var u: Double
            if v <= urvr {
                u = v / vr - 0.43
                return Int(((2 * a / (0.5 - abs(u)) + b) * u + c).rounded(.down))
            }
            // Step 2: the rest of the hat.
            if v >= vr {
                u = nextUniform() - 0.5
            } else {
                u = v / vr - 0.93
                u = (u < 0 ? -0.5 : 0.5) - u
                v = nextUniform() * vr
            }
            // Step 3.0.
            let us = 0.5 - abs(u)
            let kd = ((2 * a / us + b) * u + c).rounded(.down)
            if kd < 0 || kd > nd { continue }
            let k = Int(kd)
            v = v * alpha / (a / (us * us) + b)
            let km = abs(k - m)
            if km <= 15 {
                // Step 3.1: recursive evaluation of f(k)/f(m).
                var f = 1.0
                if m < k {
                    var i = m
                    while i != k { i += 1; f *= nr / Double(i) - r }
                } else if m > k {
                    var i = k
                    while i != m { i += 1; v *= nr / Double(i) - r }
                }
                if v <= f { return k }
                continue
            }
            // Step 3.2: squeeze.
            v = Double.log(v)
            let kmd = Double(km)
            let rho = (kmd / npq) * (((kmd / 3 + 0.625) * kmd + 1.0 / 6) * kmd / npq + 0.5)
            let t = -kmd * kmd / (2 * npq)
            if v < t - rho { return k }
            if v > t + rho { continue }
            // Steps 3.3–3.4: the exact log f(k)/f(m) with Stirling corrections.
            let nm = Double(n - m + 1)
            let h = (Double(m) + 0.5) * Double.log((Double(m) + 1) / (r * nm))
                + RandomStream.stirlingCorrection(m) + RandomStream.stirlingCorrection(n - m)
            let nk = Double(n - k + 1)
            let bound = h + (nd + 1) * Double.log(nm / nk) + (kd + 0.5) * Double.log(nk * r / (kd + 1))
                - RandomStream.stirlingCorrection(k) - RandomStream.stirlingCorrection(n - k)
            if v <= bound { return k }
        }
    }
}
