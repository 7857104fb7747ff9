import Dispatch
import Foundation
import Stochastics
import Synchronization

/// A yearly flow across paths: its mean (with standard error) and percentiles (with their
/// order-statistic intervals).
public struct FlowSummary: Sendable, Hashable, Codable {
    public var mean: MeanEstimate
    public var quantiles: [QuantileEstimate]
    public func quantile(_ level: Double) -> QuantileEstimate? { quantiles.first { $0.level == level } }
}

/// One calendar year of the portfolio.
public struct LifetimePortfolioYear: Sendable, Hashable, Codable {
    /// The calendar year (start year + t − 1).
    public var year: Int
    /// Gross defaulted amount Σ EAD·a(t) of the year's defaults (EUR).
    public var grossDefaults: MeanEstimate
    /// Loss Σ EAD·a(t)·LGD of the year's defaults (EUR), before its recovery lag.
    public var loss: MeanEstimate
    /// Cumulative loss of the defaults up to this year (EUR): mean, quantiles, expected shortfall.
    public var cumulativeLoss: LossSummary
    /// Performing balance at the start of the year, Σ over obligors not yet defaulted of EAD·a(t) (EUR).
    public var performingBalance: MeanEstimate
}

/// One calendar year of a holder's flows (EUR; positive = paid by the holder).
public struct LifetimeHolderYear: Sendable, Hashable, Codable {
    public var year: Int
    /// callsₜ = f(Xₜ₋₁ + Grossₜ) − f(Xₜ₋₁): losses the holder pays on the year's new defaults.
    public var calls: FlowSummary
    /// recoveriesₜ = f(Xₜ₋₁ + Grossₜ) − f(Xₜ): recoveries it receives.
    public var recoveries: FlowSummary
    /// netₜ = callsₜ − recoveriesₜ = f(Xₜ) − f(Xₜ₋₁).
    public var netCalls: FlowSummary
    /// Fees (remuneration) it receives: Σ fee rate × outstanding guaranteed amount.
    public var fees: MeanEstimate
    /// Net cost = net calls − fees.
    public var netCost: FlowSummary
}

/// The net present budgetary cost of one holder's position at the discount rate r, all at the
/// start of year 1 (EUR). PV = Σₜ (1 + r)^−t · flowₜ.
///
/// - expected loss EL = E[PV(net calls)];
/// - unexpected loss UL_α = q_α(PV(net calls)) − EL (credit VaR less EL, the Basel convention:
///   BCBS (2005), *An explanatory note on the Basel II IRB risk weight functions*, §3);
/// - lifetime provision at α = q_α(Σₜ net callsₜ) (undiscounted): the amount that covers the
///   lifetime calls with probability α, and its rate of the maximum liability f(V); the
///   Financial Regulation's *provisioning rate* is set on this liability (Reg. (EU, Euratom)
///   2018/1046, Art. 211(1)–(2): a rate of the financial liability based on an assessment of the
///   financial risks; Art. 212 common provisioning fund; Art. 213 effective provisioning rate;
///   InvestEU: 40 %, Reg. (EU) 2021/523, Art. 4(1)) — the statutory figure is shown beside it;
/// - cost of capital CoC = κ · UL_α · Σₜ₌₁ᵀ (1 + r)^−t · Ō(t)/Ō(1), Ō(t) the expected performing
///   balance: the unexpected loss held as capital at rate κ, released with the portfolio's
///   run-off (the cost-of-capital method of the Solvency II risk margin, Commission Delegated
///   Regulation (EU) 2015/35, Arts. 37–39, with the SCR projected proportionally to the run-off —
///   the tool's simplification);
/// - fees PV(F) = E[PV(fees)];
/// - net present budgetary cost NPBC = EL + CoC − PV(F).
public struct LifetimeCost: Sendable, Hashable, Codable {
    public var expectedLoss: MeanEstimate
    /// q_α of PV(net calls), with its interval.
    public var presentValueQuantile: QuantileEstimate
    public var unexpectedLoss: Double
    public var costOfCapital: Double
    public var fees: MeanEstimate
    public var netPresentCost: Double
    /// The standard error of NPBC's Monte Carlo part (EL − PV(F), computed pathwise).
    public var netPresentCostStandardError: Double
    /// q_α of the undiscounted lifetime net calls.
    public var provision: QuantileEstimate
    /// f(V), the holder's loss if the whole portfolio were lost.
    public var maximumLiability: Double
    /// provision / maximum liability.
    public var provisioningRate: Double
}

/// A tranche's lifetime loss: the waterfall applied to the portfolio's lifetime (cumulative,
/// undiscounted) loss L_T.
public struct LifetimeTrancheReport: Sendable, Hashable, Codable {
    /// The tranche's name.
    public var tranche: String
    /// min(max(L_T − aV, 0), (d − a)V) (EUR).
    public var grossLoss: LossSummary
    /// The gross loss less the guarantee payouts on it (EUR); the gross loss without guarantees.
    public var netLoss: LossSummary
}

/// A guarantee's lifetime calls: its payout on the portfolio's lifetime loss L_T (EUR).
public struct LifetimeGuaranteeReport: Sendable, Hashable, Codable {
    /// The guarantee's name.
    public var guarantee: String
    /// Calls on L_T (EUR).
    public var calls: LossSummary
}

/// A holder's lifetime.
public struct LifetimeHolderReport: Sendable, Hashable, Codable {
    public var holder: String
    public var years: [LifetimeHolderYear]
    /// Σₜ net callsₜ: the lifetime loss of the holder (undiscounted).
    public var lifetimeNetCalls: LossSummary
    public var cost: LifetimeCost
}

/// The result of ``simulateLifetime(portfolio:structure:lifetime:settings:progress:)``.
public struct LifetimeReport: Sendable, Hashable, Codable {
    public var spec: LifetimeSpec
    public var paths: Int
    public var seed: UInt64
    public var volume: Double
    public var portfolioYears: [LifetimePortfolioYear]
    public var holders: [LifetimeHolderReport]
    /// Per tranche, its lifetime loss (see ``LifetimeTrancheReport``).
    public var tranches: [LifetimeTrancheReport]
    /// Per guarantee, its lifetime calls (see ``LifetimeGuaranteeReport``).
    public var guarantees: [LifetimeGuaranteeReport]
    /// Exact expected lifetime loss Σᵢ Σₜ EADᵢ·aᵢ(t)·(PDᶜᵘᵐᵢ(t) − PDᶜᵘᵐᵢ(t − 1))·E[LGDᵢ] (EUR).
    public var exactExpectedLoss: Double
    /// Whether year 1 uses the one-year model's PDs (then a one-year horizon reproduces `simulate`).
    public var year1MatchesOneYear: Bool
    /// The lifetime (cumulative, undiscounted) portfolio loss of every path, ascending (EUR).
    public var sortedLifetimeLoss: [Double]

    public func holder(named name: String) -> LifetimeHolderReport? { holders.first { $0.holder == name } }
}

/// The exact expected lifetime loss of a portfolio (see ``LifetimeReport/exactExpectedLoss``).
public func lifetimeExpectedLoss(portfolio: Portfolio, lifetime spec: LifetimeSpec) -> Double {
    var total = 0.0
    let items = portfolio.exposures.map { ($0.name, $0.exposureAtDefault, $0.probabilityOfDefault, $0.lossGivenDefault.mean, 1) }
        + portfolio.pools.map { ($0.name, $0.exposureAtDefault, $0.probabilityOfDefault, $0.lossGivenDefault.mean, $0.count) }
    for (name, ead, pd, lgd, count) in items {
        let curve = spec.cumulativePD(of: name, oneYearPD: pd)
        let amortisation = spec.lifetime(of: name).amortisation
        var previous = 0.0
        for t in 1...spec.horizon {
            total += Double(count) * ead * amortisation.outstanding(year: t) * (curve[t - 1] - previous) * lgd
            previous = curve[t - 1]
        }
    }
    return total
}

/// Simulates the portfolio's defaults year by year over `lifetime.horizon` years and the flows
/// of every holder (see `Lifetime.swift` for the model and ``LifetimeCost`` for the budgetary
/// cost). Batches run concurrently as in ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``,
/// each writing only its own slice of the per-year arrays, so the result does not depend on the
/// thread count. Memory: about 6 · T · paths doubles (per path and year: loss, gross defaults,
/// defaulted balance and their running sums) plus 4 doubles per path and holder, plus per-worker
/// batch scratch — never paths × obligors.
/// Default decisions use the exact table's streams (the skip scheme is not used), and every
/// mean and SE is computed by the one-year engine's per-batch moments folded in batch order
/// (see `BatchMeans`), so with T = 1 and the one-year PDs the portfolio, tranche, holder and
/// guarantee figures are those of `simulate` with `defaultTest: .table`, bit for bit.
public func simulateLifetime(portfolio: Portfolio, structure: RiskSharingStructure, lifetime spec: LifetimeSpec,
                             settings: SimulationSettings,
                             progress: (@Sendable (_ completed: Int, _ total: Int) -> Void)? = nil) throws(RiskModelError) -> LifetimeReport {
    try settings.validate()
    try spec.validate(portfolio: portfolio, structure: structure)
    SingleThreadedBLAS.enter()
    defer { SingleThreadedBLAS.leave() }
    let model = try PreparedModel(portfolio: portfolio)
    let waterfall = try Waterfall(structure: structure, volume: model.volume)
    let life = PreparedLifetime(model: model, portfolio: portfolio, spec: spec)
    let paths = settings.paths, batchSize = settings.batchSize
    let batches = (paths + batchSize - 1) / batchSize
    let threads = settings.threads ?? ProcessInfo.processInfo.activeProcessorCount
    let table = DefaultTable()
    let plan = BatchWorker.Plan(model: model, batchSize: batchSize, defaultTest: .table,
                                probabilitiesOfDefault: portfolio.exposures.map(\.probabilityOfDefault))
    let horizon = spec.horizon
    // Per year and path (year-major): loss, gross defaults, defaulted balance of the year.
    var loss = [Double](repeating: 0, count: horizon * paths)
    var gross = loss
    var defaulted = loss
    let next = Mutex(0)
    let done = Mutex(0)
    loss.withUnsafeMutableBufferPointer { lossBuffer in
        gross.withUnsafeMutableBufferPointer { grossBuffer in
            defaulted.withUnsafeMutableBufferPointer { defaultedBuffer in
                let out = LifetimeOutput(loss: lossBuffer, gross: grossBuffer, defaulted: defaultedBuffer)
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    var worker = BatchWorker(model: model, table: table, seed: settings.seed, batchSize: batchSize, exact: false, plan: plan)
                    var scratch = LifetimeBatch(horizon: horizon, batchSize: batchSize)
                    while true {
                        let b = next.withLock { v in defer { v += 1 }; return v }
                        if b >= batches { break }
                        let start = b * batchSize
                        let count = min(batchSize, paths - start)
                        worker.runLifetime(batch: b, count: count, life: life, into: &scratch)
                        for t in 0..<horizon {
                            for p in 0..<count {
                                out.loss[t * paths + start + p] = scratch.loss[t * count + p]
                                out.gross[t * paths + start + p] = scratch.gross[t * count + p]
                                out.defaulted[t * paths + start + p] = scratch.defaultedBalance[t * count + p]
                            }
                        }
                        if let progress { done.withLock { d in d += 1; progress(d, batches) } }
                    }
                }
            }
        }
    }
    return LifetimeSummariser(spec: spec, settings: settings, waterfall: waterfall, portfolio: portfolio, life: life,
                              loss: loss, gross: gross, defaulted: defaulted).report()
}

struct LifetimeOutput: @unchecked Sendable {
    let loss: UnsafeMutableBufferPointer<Double>
    let gross: UnsafeMutableBufferPointer<Double>
    let defaulted: UnsafeMutableBufferPointer<Double>
}

/// Means and standard errors by the one-year engine's arithmetic (``Moments``): per batch of
/// `batchSize` paths, two passes over the batch's paths in ascending order of a portfolio loss
/// (the one-year engine sums a batch over its sorted losses) — the cumulative loss through year
/// t for year t's figures, the lifetime loss for the lifetime totals — giving the batch's mean
/// and M₂, folded in batch order by the same `MomentCollector` (Chan, Golub & LeVeque 1979).
/// Year 1's paths are the one-year engine's and are ordered by their one-year loss, so every
/// year-1 mean and SE of the portfolio and the holders is `simulate`'s (and a one-year run's),
/// bit for bit; with a one-year horizon so are the tranches' and guarantees'. The result does
/// not depend on the thread count.
struct BatchMeans {
    let paths: Int
    let batchSize: Int
    /// Path indices batch by batch, each batch ascending by the key loss (ties by path index).
    let order: [Int]

    init(lifetimeLoss: [Double], batchSize: Int) {
        paths = lifetimeLoss.count
        self.batchSize = batchSize
        var order = Array(0..<paths)
        var start = 0
        while start < paths {
            let end = min(paths, start + batchSize)
            order[start..<end].sort { (lifetimeLoss[$0], $0) < (lifetimeLoss[$1], $1) }
            start = end
        }
        self.order = order
    }

    /// The mean of x(0), …, x(paths − 1) with its standard error √(M₂/(n − 1)/n).
    func mean(_ x: (Int) -> Double) -> MeanEstimate {
        var collector = MomentCollector(start: 0)
        var start = 0, b = 0
        while start < paths {
            let end = min(paths, start + batchSize)
            var total = 0.0
            for i in start..<end { total += x(order[i]) }
            let m = total / Double(end - start)
            var ss = 0.0
            for i in start..<end { let d = x(order[i]) - m; ss += d * d }
            collector.add(batch: b, Moments(paths: end - start, means: [m], squaredDeviations: [ss]))
            start = end
            b += 1
        }
        return collector.entries[0].estimate(0)
    }

    func mean(_ xs: [Double]) -> MeanEstimate { xs.withUnsafeBufferPointer { b in mean { b[$0] } } }
}

/// Turns the per-path, per-year arrays into the report (single-threaded, fixed order).
struct LifetimeSummariser {
    let spec: LifetimeSpec
    let settings: SimulationSettings
    let waterfall: Waterfall
    let portfolio: Portfolio
    let life: PreparedLifetime
    let loss: [Double]
    let gross: [Double]
    let defaulted: [Double]

    /// ``LossSummary`` of a sample: its mean and SE by the one-year engine's batch arithmetic
    /// (``BatchMeans``); quantiles and expected shortfalls of the sorted sample in index order,
    /// as the one-year summariser reads them.
    func lossSummary(_ xs: [Double], _ means: BatchMeans) -> LossSummary {
        let sorted = xs.sorted()
        return LossSummary(
            expectedLoss: means.mean(xs),
            quantiles: settings.quantileLevels.map { SampleStatistics.quantile(sorted: sorted, level: $0, confidence: settings.confidence) },
            expectedShortfall: settings.quantileLevels.map { SampleStatistics.expectedShortfall(sorted: sorted, level: $0) })
    }

    func flow(_ xs: [Double], _ means: BatchMeans) -> FlowSummary {
        let sorted = xs.sorted()
        return FlowSummary(mean: means.mean(xs),
                           quantiles: spec.levels.map { SampleStatistics.quantile(sorted: sorted, level: $0, confidence: settings.confidence) })
    }

    func report() -> LifetimeReport {
        let n = settings.paths, horizon = spec.horizon, years = spec.years
        let v = waterfall.volume
        // Scheduled balance Σ EAD·a(t) at the start of each year.
        var scheduled = [Double](repeating: 0, count: horizon)
        let counts = portfolio.exposures.map { _ in 1.0 } + portfolio.pools.map { Double($0.count) }
        for r in counts.indices {
            for t in 0..<horizon { scheduled[t] += counts[r] * life.exposureAtDefault[r] * life.outstanding[r * horizon + t] }
        }
        // Year t's means sum each batch in the order of the cumulative loss through year t (so
        // year 1's are a one-year run's); lifetime totals in the order of the lifetime loss.
        var yearMeans: [BatchMeans] = []
        // Cumulative loss and gross per path, year by year; portfolio tables.
        var cumLoss = [Double](repeating: 0, count: n)
        var portfolioYears: [LifetimePortfolioYear] = []
        var cumLossByYear: [[Double]] = []
        var cumGrossByYear: [[Double]] = []
        var cumGross = [Double](repeating: 0, count: n)
        var balances: [[Double]] = []
        for t in 0..<horizon {
            let off = t * n
            for p in 0..<n {
                cumLoss[p] = t == 0 ? loss[p] : cumLoss[p] + loss[off + p]
                cumGross[p] += gross[off + p]
            }
            cumLossByYear.append(cumLoss)
            let means = BatchMeans(lifetimeLoss: cumLoss, batchSize: settings.batchSize)
            yearMeans.append(means)
            cumGrossByYear.append(cumGross)
            let balance = (0..<n).map { scheduled[t] - defaulted[off + $0] }
            balances.append(balance)
            portfolioYears.append(LifetimePortfolioYear(
                year: spec.startYear + t,
                grossDefaults: means.mean { gross[off + $0] },
                loss: means.mean { loss[off + $0] },
                cumulativeLoss: lossSummary(cumLoss, means),
                performingBalance: means.mean(balance)))
        }
        let means = yearMeans[horizon - 1]
        let lag = spec.recoveryLag
        /// Xₜ (1-based t; X₀ = 0): cumulative outstanding loss at the end of year t on path p.
        func position(_ t: Int, _ p: Int) -> Double {
            if t <= 0 { return 0 }
            let tt = min(t, horizon)
            if lag == 0 { return cumLossByYear[tt - 1][p] }
            let settled = t - lag >= 1 ? cumLossByYear[min(t - lag, horizon) - 1][p] : 0
            let settledGross = t - lag >= 1 ? cumGrossByYear[min(t - lag, horizon) - 1][p] : 0
            return settled + (cumGrossByYear[tt - 1][p] - settledGross)
        }
        /// Xₜ₋₁ + Grossₜ (lag > 0) or Xₜ (lag 0).
        func afterDefaults(_ t: Int, _ p: Int) -> Double {
            if lag == 0 { return position(t, p) }
            let newGross = t <= horizon ? gross[(t - 1) * n + p] : 0
            return position(t - 1, p) + newGross
        }
        let holderCount = waterfall.holders.count
        // Fee bases: holder h receives Σ rate × share × balance, share = guaranteed share of the volume.
        var feeShare = [Double](repeating: 0, count: holderCount)
        for (k, g) in waterfall.guarantees.enumerated() {
            guard let rate = spec.fees[g.name] else { continue }
            let h = waterfall.guarantorHolder[k]
            feeShare[h] += rate * g.rate * waterfall.coveredNotional(k) / v
        }
        for (j, t) in waterfall.tranches.enumerated() {
            guard let rate = spec.fees[t.name] else { continue }
            feeShare[waterfall.trancheHolder[j]] += rate * (t.detachment - t.attachment)
        }
        var previous = [[Double]](repeating: [Double](repeating: 0, count: n), count: holderCount)
        var pvNet = previous, cumNet = previous, pvFee = previous
        var holderYears = [[LifetimeHolderYear]](repeating: [], count: holderCount)
        var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
        for t in 1...years {
            var fy = [[Double]](repeating: [Double](repeating: 0, count: n), count: holderCount)
            var fx = fy
            for p in 0..<n {
                waterfall.allocate(portfolioLoss: position(t, p), into: &a)
                for h in 0..<holderCount { fx[h][p] = a.holderLoss[h] }
                if lag == 0 {
                    for h in 0..<holderCount { fy[h][p] = fx[h][p] }
                } else {
                    waterfall.allocate(portfolioLoss: afterDefaults(t, p), into: &a)
                    for h in 0..<holderCount { fy[h][p] = a.holderLoss[h] }
                }
            }
            let df = spec.discountFactor(year: t)
            let flowMeans = yearMeans[min(t, horizon) - 1]
            for h in 0..<holderCount {
                var calls = [Double](repeating: 0, count: n), recoveries = calls, net = calls, fees = calls, cost = calls
                for p in 0..<n {
                    calls[p] = fy[h][p] - previous[h][p]
                    recoveries[p] = fy[h][p] - fx[h][p]
                    net[p] = fx[h][p] - previous[h][p]
                    fees[p] = t <= horizon ? feeShare[h] * balances[t - 1][p] : 0
                    cost[p] = net[p] - fees[p]
                    pvNet[h][p] += df * net[p]
                    pvFee[h][p] += df * fees[p]
                    cumNet[h][p] += net[p]
                }
                holderYears[h].append(LifetimeHolderYear(year: spec.startYear + t - 1, calls: flow(calls, flowMeans), recoveries: flow(recoveries, flowMeans),
                                                         netCalls: flow(net, flowMeans), fees: flowMeans.mean(fees), netCost: flow(cost, flowMeans)))
            }
            previous = fx
        }
        // Cost of capital run-off weights Σ DFₜ · Ō(t)/Ō(1).
        let meanBalance = portfolioYears.map(\.performingBalance.mean)
        var runoff = 0.0
        for t in 1...horizon where meanBalance[0] > 0 { runoff += spec.discountFactor(year: t) * meanBalance[t - 1] / meanBalance[0] }
        var holders: [LifetimeHolderReport] = []
        for h in 0..<holderCount {
            let el = means.mean(pvNet[h])
            let fees = means.mean(pvFee[h])
            let pvSorted = pvNet[h].sorted()
            let q = SampleStatistics.quantile(sorted: pvSorted, level: spec.confidence, confidence: settings.confidence)
            let ul = max(q.value - el.mean, 0)
            let coc = spec.costOfCapitalRate * ul * runoff
            let netMC = means.mean { pvNet[h][$0] - pvFee[h][$0] }
            let cumSorted = cumNet[h].sorted()
            let provision = SampleStatistics.quantile(sorted: cumSorted, level: spec.confidence, confidence: settings.confidence)
            waterfall.allocate(portfolioLoss: v, into: &a)
            let maxLiability = a.holderLoss[h]
            let cost = LifetimeCost(expectedLoss: el, presentValueQuantile: q, unexpectedLoss: ul, costOfCapital: coc, fees: fees,
                                    netPresentCost: netMC.mean + coc, netPresentCostStandardError: netMC.standardError,
                                    provision: provision, maximumLiability: maxLiability,
                                    provisioningRate: maxLiability > 0 ? provision.value / maxLiability : 0)
            holders.append(LifetimeHolderReport(holder: waterfall.holders[h], years: holderYears[h], lifetimeNetCalls: lossSummary(cumNet[h], means), cost: cost))
        }
        // Tranches and guarantees on the lifetime loss L_T.
        let trancheCount = waterfall.tranches.count, guaranteeCount = waterfall.guarantees.count
        var trancheGross = [[Double]](repeating: [Double](repeating: 0, count: n), count: trancheCount)
        var trancheNet = trancheGross
        var guaranteeCalls = [[Double]](repeating: [Double](repeating: 0, count: n), count: guaranteeCount)
        for p in 0..<n {
            waterfall.allocate(portfolioLoss: cumLoss[p], into: &a)
            for j in 0..<trancheCount { trancheGross[j][p] = a.trancheGross[j]; trancheNet[j][p] = a.trancheNet[j] }
            for k in 0..<guaranteeCount { guaranteeCalls[k][p] = a.guaranteeCalls[k] }
        }
        let tranches = (0..<trancheCount).map { j in
            let gross = lossSummary(trancheGross[j], means)
            return LifetimeTrancheReport(tranche: waterfall.tranches[j].name, grossLoss: gross,
                                         netLoss: guaranteeCount == 0 ? gross : lossSummary(trancheNet[j], means))
        }
        let guarantees = (0..<guaranteeCount).map { k in
            LifetimeGuaranteeReport(guarantee: waterfall.guarantees[k].name, calls: lossSummary(guaranteeCalls[k], means))
        }
        return LifetimeReport(spec: spec, paths: n, seed: settings.seed, volume: v, portfolioYears: portfolioYears, holders: holders,
                              tranches: tranches, guarantees: guarantees,
                              exactExpectedLoss: lifetimeExpectedLoss(portfolio: portfolio, lifetime: spec),
                              year1MatchesOneYear: life.year1MatchesOneYear, sortedLifetimeLoss: cumLoss.sorted())
    }
}
