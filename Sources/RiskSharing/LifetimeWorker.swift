import LinearAlgebra
import Stochastics

/// The per-obligor lifetime data the inner loops need (see `Lifetime.swift`).
struct PreparedLifetime: Sendable {
    /// T.
    let horizon: Int
    /// c(t) per obligor row r (exposures then pools): thresholds[r * T + t − 1] = Φ⁻¹(PDᶜᵘᵐ(t)) (or t_ν⁻¹).
    let thresholds: [Double]
    /// a(t) per obligor row: outstanding[r * T + t − 1].
    let outstanding: [Double]
    /// EAD (before amortisation) per obligor row.
    let exposureAtDefault: [Double]
    /// Whether every obligor's year-1 threshold equals the one-year model's (then year 1 is today's draw).
    let year1MatchesOneYear: Bool

    init(model: PreparedModel, portfolio: Portfolio, spec: LifetimeSpec) {
        let t = spec.horizon
        var c: [Double] = []
        var a: [Double] = []
        func threshold(_ pd: Double) -> Double {
            if let nu = model.degreesOfFreedom { return StudentT(degreesOfFreedom: nu).quantile(pd) }
            return Normal.quantile(pd)
        }
        let items = portfolio.exposures.map { ($0.name, $0.probabilityOfDefault) } + portfolio.pools.map { ($0.name, $0.probabilityOfDefault) }
        var matches = true
        for (r, (name, pd)) in items.enumerated() {
            let curve = spec.cumulativePD(of: name, oneYearPD: pd)
            let life = spec.lifetime(of: name)
            for year in 1...t {
                // Year 1 with the one-year PD uses the one-year model's own threshold (bit-identical).
                c.append(year == 1 && curve[0] == pd ? model.threshold[r] : threshold(curve[year - 1]))
                a.append(life.amortisation.outstanding(year: year))
            }
            if curve[0] != pd { matches = false }
        }
        horizon = t
        exposureAtDefault = portfolio.exposures.map(\.exposureAtDefault) + portfolio.pools.map(\.exposureAtDefault)
        thresholds = c
        outstanding = a
        year1MatchesOneYear = matches
    }
}

/// Per-batch lifetime accumulators, year-major: value[t · len + p] for year t + 1, path p.
struct LifetimeBatch {
    /// Loss (EAD·a(t)·LGD) of the defaults in year t.
    var loss: [Double]
    /// Gross defaulted amount EAD·a(t) in year t.
    var gross: [Double]
    /// Scheduled balance at the start of year t of the obligors that defaulted before year t.
    var defaultedBalance: [Double]

    init(horizon: Int, batchSize: Int) {
        loss = [Double](repeating: 0, count: horizon * batchSize)
        gross = loss
        defaultedBalance = loss
    }
}

extension BatchWorker {
    /// Simulates the default years of every obligor on paths [b·batchSize, b·batchSize + len)
    /// into `out` (see `Lifetime.swift` for the model).
    ///
    /// Streams per year: the draws of year t (1-based) come from item ``yearItem(_:year:)``
    /// = i + (t − 1)·2³² of the one-year engine's purpose (pool default counts, pool LGDs,
    /// exposure LGDs), each consumed path by path by that year's draws only. So year 1 of an
    /// N-year run draws exactly what `simulate` and a one-year run draw, and its figures are
    /// theirs, whatever happens in later years.
    ///
    /// Exposure r on path p: the full 53-bit uniform u of the one-year engine (16 bits from
    /// block (⌊p/16⌋, b, idiosyncratic, r), 37 from (p, b, refinement, r)), default year = the
    /// first t with u < Φ((c(t)·w − S)/σ) (σ = 0: S < c(t)·w). The one-year engine decides
    /// u < Φ((c(1)·w − S)/σ) through its exact table: the same decision.
    mutating func runLifetime(batch b: Int, count len: Int, life: PreparedLifetime, into out: inout LifetimeBatch) {
        let horizon = life.horizon
        for i in 0..<(horizon * len) { out.loss[i] = 0; out.gross[i] = 0; out.defaultedBalance[i] = 0 }
        let batch = UInt64(b)
        let studentT = model.degreesOfFreedom != nil
        // Steps 1–2: the one-year engine's own (same streams, same dgemm, same bits).
        systematicPart(batch: b, count: len) { worker, block in
            for r in block.rows {
                let column = block.column(r)
                let m = worker.model
                let base = r * horizon
                let invSigma = m.inverseSigma[r]
                let amount = m.lossAmount[r]
                let ead = life.exposureAtDefault[r]
                /// Records `count` defaults in `year` (0-based) with LGD sum `lgdTotal` (nil: fixed LGD) on path p.
                @inline(__always) func record(_ p: Int, year t: Int, count: Double, lgd: Double?) {
                    let a = life.outstanding[base + t]
                    let lossValue = lgd.map { (amount * a) * $0 } ?? (count == 1 ? amount * a : amount * count * a)
                    out.loss[t * len + p] += lossValue
                    out.gross[t * len + p] += ead * a * count
                    if t + 1 < horizon {
                        for s in (t + 1)..<horizon { out.defaultedBalance[s * len + p] += ead * life.outstanding[base + s] * count }
                    }
                }
                if r < m.exposureCount {
                    let beta = m.betaLGD[r]
                    // LGDs of year t + 1's defaults from their own stream: year 1 draws the one-year engine's alone.
                    var lgdStreams = (0..<(beta == nil ? 0 : horizon)).map {
                        RandomStream(seed: worker.seed, stream: (batch, Purpose.exposureLGD.rawValue, yearItem(r, year: $0)))
                    }
                    let generator = worker.generator
                    var q = -1
                    var bits = SIMD4<UInt64>(repeating: 0)
                    for p in 0..<len {
                        if p / 16 != q {
                            q = p / 16
                            bits = generator.block(SIMD4(UInt64(q), batch, Purpose.idiosyncratic.rawValue, UInt64(r)))
                        }
                        let i = p % 16
                        let v = (bits[i & 3] >> UInt64(48 - 16 * (i / 4))) & 0xFFFF
                        let sp = worker.s[column + p]
                        let wp = worker.w[p]
                        var year = -1
                        if invSigma == 0 {
                            for t in 0..<horizon where sp < (studentT ? life.thresholds[base + t] * wp : life.thresholds[base + t]) { year = t; break }
                        } else {
                            let refine = generator.block(SIMD4(UInt64(p), batch, Purpose.refinement.rawValue, UInt64(r)))
                            let u = uniformOpen((v << 48) | ((refine.x >> 27) << 11))
                            for t in 0..<horizon {
                                let c = life.thresholds[base + t]
                                if u < Normal.cdf(((studentT ? c * wp : c) - sp) * invSigma) { year = t; break }
                            }
                        }
                        guard year >= 0 else { continue }
                        if let beta { record(p, year: year, count: 1, lgd: lgdStreams[year].nextBeta(beta.a, beta.b)) } else { record(p, year: year, count: 1, lgd: nil) }
                    }
                } else {
                    let j = r - m.exposureCount
                    let n = m.poolCounts[j]
                    let beta = m.betaLGD[r]
                    let lgdMean = m.poolLGDMean[j], lgdSD = m.poolLGDStandardDeviation[j]
                    // Year t + 1's default counts and LGDs from their own streams: year 1 draws the one-year engine's alone.
                    var defaults = (0..<horizon).map { RandomStream(seed: worker.seed, stream: (batch, Purpose.poolDefaults.rawValue, yearItem(j, year: $0))) }
                    var lgdStreams = (0..<horizon).map { RandomStream(seed: worker.seed, stream: (batch, Purpose.poolLGD.rawValue, yearItem(j, year: $0))) }
                    for p in 0..<len {
                        var remaining = n
                        var previous = 0.0
                        for t in 0..<horizon where remaining > 0 {
                            let c = life.thresholds[base + t]
                            let cw = studentT ? c * worker.w[p] : c
                            let prob = Normal.cdf((cw - worker.s[column + p]) * invSigma)
                            // Year 1: today's draw; later years: conditional on survival to year t.
                            let conditional = t == 0 ? prob : (previous >= 1 ? 0 : min(max((prob - previous) / (1 - previous), 0), 1))
                            previous = prob
                            let d = defaults[t].nextBinomial(count: remaining, probability: conditional)
                            guard d > 0 else { continue }
                            remaining -= d
                            if let beta {
                                var total = 0.0
                                if d <= 1_000 {
                                    for _ in 0..<d { total += lgdStreams[t].nextBeta(beta.a, beta.b) }
                                } else {
                                    let dd = Double(d)
                                    total = min(max(dd * lgdMean + dd.squareRoot() * lgdSD * lgdStreams[t].nextNormal(), 0), dd)
                                }
                                record(p, year: t, count: Double(d), lgd: total)
                            } else {
                                record(p, year: t, count: Double(d), lgd: nil)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The counter item of obligor i's draws in year t + 1 (0-based t): i + t·2³². Year 1 (t = 0)
/// is the one-year engine's item i; later years are distinct streams (i < 2³²).
@inline(__always) func yearItem(_ i: Int, year t: Int) -> UInt64 { UInt64(i) | (UInt64(t) << 32) }
