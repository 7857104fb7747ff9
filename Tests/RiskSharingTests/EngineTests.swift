import LinearAlgebra
import RiskSharing
import Stochastics
import Testing
import TestSupport

@Suite("Engine: reproducibility, correlation errors, exact default table")
struct EngineTests {
    /// A portfolio exercising every code path: 3 correlated factors, t copula, Beta LGDs, pools.
    static func richPortfolio() -> Portfolio {
        var exposures: [Exposure] = []
        for i in 0..<150 {
            let ead: Double = 1 + Double((37 * i) % 10)
            let pd: Double = 0.01 + 0.0004 * Double(i)
            let lgd: LossGivenDefault = i % 3 == 0 ? .beta(mean: 0.4, standardDeviation: 0.2) : .fixed(0.45)
            var loadings: [Double] = [0.1, 0.1, 0.1]
            loadings[i % 3] = [0.5, 0.45, 0.4][i % 3]
            exposures.append(Exposure(name: "e\(i)", exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: loadings))
        }
        let pools = [HomogeneousPool(name: "SMEs", count: 2_000, exposureAtDefault: 0.05, probabilityOfDefault: 0.03,
                                     lossGivenDefault: .beta(mean: 0.5, standardDeviation: 0.1), loadings: [0.3, 0.2, 0.1])]
        let sigma = Matrix(rowMajor: [[1, 0.4, 0.2], [0.4, 1, 0.3], [0.2, 0.3, 1]])
        return Portfolio(exposures: exposures, pools: pools, dependence: .factors(correlation: sigma, repair: .none),
                         copula: .studentT(degreesOfFreedom: 6))
    }

    static let structure = RiskSharingStructure(
        tranches: [Tranche(name: "first loss", attachment: 0, detachment: 0.05, holder: "Member State"),
                   Tranche(name: "mezzanine", attachment: 0.05, detachment: 0.15, holder: "EIB"),
                   Tranche(name: "senior", attachment: 0.15, detachment: 1, holder: "private investors")],
        guarantees: [Guarantee(name: "InvestEU", rate: 0.5, cap: 0.02, capBasis: .volume, covers: .tranche("first loss"), guarantor: "EU", budgetProvision: 20)])

    @Test("Bit-identical reports on 1, 2 and 8 threads")
    func threadsDoNotMatter() throws {
        let reports = try [1, 2, 8].map { t in
            try simulate(portfolio: Self.richPortfolio(), structure: Self.structure,
                         settings: SimulationSettings(paths: 12_000, seed: 99, batchSize: 1000, threads: t))
        }
        // SimulationReport is Equatable over every output, down to the last bit of every Double.
        #expect(reports[0] == reports[1], "threads 1 vs 2")
        #expect(reports[0] == reports[2], "threads 1 vs 8")
        #expect(reports[0].lossDistribution.sortedLosses.count == 12_000)
    }

    @Test("Different seeds give different results; the same seed the same")
    func seeds() throws {
        let s = SimulationSettings(paths: 5_000, seed: 1, batchSize: 1024)
        var t = s
        t.seed = 2
        let a = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure, settings: s)
        let b = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure, settings: t)
        let c = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure, settings: s)
        #expect(a.portfolio.expectedLoss.mean != b.portfolio.expectedLoss.mean)
        #expect(a.lossDistribution != b.lossDistribution)
        #expect(a == c)
        // …but agree within their standard errors.
        let sa = a.portfolio.expectedLoss, sb = b.portfolio.expectedLoss
        expectClose("EL seed 1 − seed 2", sa.mean - sb.mean, 0, se: (sa.standardError * sa.standardError + sb.standardError * sb.standardError).squareRoot())
    }

    @Test("The Φ table changes nothing: table and exact default tests give identical reports")
    func tableIsExact() throws {
        var s = SimulationSettings(paths: 8_000, seed: 5, batchSize: 2048, defaultTest: .table)
        let fast = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure, settings: s)
        s.defaultTest = .exact
        let exact = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure, settings: s)
        #expect(fast.lossDistribution == exact.lossDistribution)
        #expect(fast.portfolio == exact.portfolio && fast.tranches == exact.tranches && fast.holders == exact.holders)
        #expect(exact.exactEvaluations == exact.obligorDraws)
        // The table resolves all but a small fraction of obligor draws without Φ.
        #expect(Double(fast.exactEvaluations) < 0.01 * Double(fast.obligorDraws), "\(fast.exactEvaluations) of \(fast.obligorDraws)")
    }

    @Test("DefaultTable decisions equal u < Φ(t) on 4·10⁶ random pairs, including cell edges, tails and a perturbed cell coordinate")
    func tableDecisions() {
        let table = DefaultTable()
        var stream = RandomStream(seed: 3, stream: (0, 0, 0))
        var evaluated = 0, mismatches = 0
        for i in 0..<4_000_000 {
            let t: Double
            switch i % 5 {
            case 0: t = -10 + 20 * stream.nextUniform()
            case 1: t = DefaultTable.gridStart + Double(Int(stream.nextUniform() * 4352)) / 256  // on grid points
            case 2: t = Normal.quantile(stream.nextUniform()) * 3
            case 3: t = [-Double.infinity, .infinity, -8.5, 8.5, -8.5 - 1e-3, 8.5 - 1e-3][Int(stream.nextUniform() * 6)]
            default: t = -4 + stream.nextUniform()
            }
            // The 53-bit integer behind u: uniform half of the time, else within 10⁻³ relative of Φ(t).
            let word: UInt64
            if i % 2 == 0 {
                word = stream.next()
            } else {
                let target = min(max(Normal.cdf(t) * (1 + 1e-3 * (stream.nextUniform() - 0.5)), 0), 1 - 0x1p-53)
                word = UInt64(target * 0x1p53) << 11
            }
            let u = uniformOpen(word)
            // The engine's coordinate differs from (t − g₀)·256 by rounding; allow ±0.45 cell.
            let x = DefaultTable.coordinate(t) + 0.9 * (stream.nextUniform() - 0.5)
            let decision = table.decide(v: word >> 48, x: x.isNaN ? DefaultTable.coordinate(t) : x, t: { t }, u: { u }, evaluated: &evaluated)
            if decision != (u < Normal.cdf(t)) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // The band is rare for uniform u (≈ 2φ(t)/256 + 2⁻¹⁶) — most evaluations come from the
        // constructed near-Φ(t) cases.
        #expect(evaluated < 2_100_000, "\(evaluated) evaluations")
    }

    @Test("A factor correlation that is not positive definite: the error names the matrix and leading minor")
    func notPositiveDefinite() throws {
        let sigma = Matrix(rowMajor: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
        let exposures = (0..<30).map { Exposure(name: "e\($0)", exposureAtDefault: 1, probabilityOfDefault: 0.02, lossGivenDefault: .fixed(1), loadings: [0.3, 0.3, 0.3]) }
        let strict = Portfolio(exposures: exposures, dependence: .factors(correlation: sigma, repair: .none))
        #expect {
            try simulate(portfolio: strict, structure: .wholePortfolio(), settings: SimulationSettings(paths: 100, seed: 1))
        } throws: { error in
            (error as? RiskModelError)?.description == "not positive definite: leading minor 3 of factor_correlation"
        }
        let repaired = Portfolio(exposures: exposures, dependence: .factors(correlation: sigma, repair: .nearest))
        let r = try simulate(portfolio: repaired, structure: .wholePortfolio(), settings: SimulationSettings(paths: 2_000, seed: 1))
        guard case let .nearestCorrelation(iterations, distance, _) = r.dependence.factorization else {
            Issue.record("repair not reported: \(r.dependence)")
            return
        }
        // The same repair as LinearAlgebra's, up to rounding (LAPACK's results can differ in the
        // last bits with OpenBLAS's thread count, which the engine sets to 1 while it runs).
        let near = try NearestCorrelation(nearestTo: sigma, name: "factor_correlation")
        #expect(abs(iterations - near.iterations) <= 1 && iterations > 0)
        #expect(abs(distance - near.frobeniusDistance) <= 1e-10 * near.frobeniusDistance && distance > 0.1, "\(distance) vs \(near.frobeniusDistance)")
        // A positive definite matrix is never "repaired".
        let fine = Portfolio(exposures: exposures, dependence: .factors(correlation: Matrix.identity(3), repair: .nearest))
        #expect(try simulate(portfolio: fine, structure: .wholePortfolio(), settings: SimulationSettings(paths: 100, seed: 1)).dependence.factorization == .cholesky)
    }

    @Test("Invalid model inputs are rejected with the item at fault")
    func invalidInputs() {
        func message(_ p: Portfolio, _ s: SimulationSettings = SimulationSettings(paths: 10, seed: 1)) -> String? {
            do { _ = try simulate(portfolio: p, structure: .wholePortfolio(), settings: s); return nil } catch { return error.description }
        }
        let ok = Exposure(name: "ok", exposureAtDefault: 1, probabilityOfDefault: 0.1, lossGivenDefault: .fixed(0.4), loadings: [0.5])
        var e = ok
        e.lossGivenDefault = .beta(mean: 0.5, standardDeviation: 0.6)
        #expect(message(Portfolio(exposures: [ok, e], dependence: oneFactor))?.hasPrefix("exposure ok: Beta LGD standard deviation 0.6 is infeasible") == true)
        e = ok; e.loadings = [1.0]
        #expect(message(Portfolio(exposures: [e], dependence: oneFactor))?.contains("βᵀΣβ = 1.0 must be < 1") == true)
        e = ok; e.loadings = [0.5, 0.5]
        #expect(message(Portfolio(exposures: [e], dependence: oneFactor))?.hasPrefix("exposure ok: has 2 factor loadings but factor_correlation is 1×1") == true)
        e = ok; e.probabilityOfDefault = 1.5
        #expect(message(Portfolio(exposures: [e], dependence: oneFactor))?.hasPrefix("exposure ok: probability of default 1.5") == true)
        #expect(message(Portfolio(exposures: [ok], dependence: oneFactor), SimulationSettings(paths: 0, seed: 1))?.hasPrefix("settings: paths 0") == true)
        // βᵀΣβ uses Σ: loadings (0.6, 0.6) are fine with ρ = −0.5 (0.36) but not with ρ = 0.5 (1.08).
        e = ok; e.loadings = [0.6, 0.6]
        let neg = Matrix(rowMajor: [[1, -0.5], [-0.5, 1]]), pos = Matrix(rowMajor: [[1, 0.5], [0.5, 1]])
        #expect(message(Portfolio(exposures: [e], dependence: .factors(correlation: neg, repair: .none))) == nil)
        #expect(message(Portfolio(exposures: [e], dependence: .factors(correlation: pos, repair: .none)))?.contains("must be < 1") == true)
        // Row-by-row input: ragged matrices throw (no trap); a non-unit diagonal is not a correlation.
        #expect(throws: RiskModelError.invalidInput(item: "factor_correlation", reason: "row 1 has 1 entries, but the matrix has 2 rows: it must be square")) {
            try Dependence.factors(rows: [[1, 0.2], [0.2]], repair: .none)
        }
        let notCorrelation = try? Dependence.factors(rows: [[1, 0.2], [0.2, 2]], repair: .none)
        #expect(message(Portfolio(exposures: [e], dependence: notCorrelation!))?.hasPrefix("factor_correlation: diagonal element (1, 1) is 2.0") == true)
    }

    @Test("No factors at all (K = 0) equals zero loadings on one factor, bit for bit")
    func noFactors() throws {
        // The idiosyncratic streams depend only on (batch, purpose, exposure), and S = 0 either way.
        let none = (0..<40).map { Exposure(name: "e\($0)", exposureAtDefault: 1, probabilityOfDefault: 0.05, lossGivenDefault: .fixed(1), loadings: []) }
        let zero = none.map { e -> Exposure in var e = e; e.loadings = [0]; return e }
        let settings = SimulationSettings(paths: 3_001, seed: 8, batchSize: 500)
        let a = try simulate(portfolio: Portfolio(exposures: none, dependence: .factors(correlation: Matrix(rows: 0, columns: 0), repair: .none)),
                             structure: .wholePortfolio(), settings: settings)
        let b = try simulate(portfolio: Portfolio(exposures: zero, dependence: oneFactor), structure: .wholePortfolio(), settings: settings)
        #expect(a.lossDistribution == b.lossDistribution && a.portfolio == b.portfolio)
    }

    @Test("Progress reports every batch once, ending at the total")
    func progress() throws {
        let seen = Counter()
        _ = try simulate(portfolio: Self.richPortfolio(), structure: Self.structure,
                         settings: SimulationSettings(paths: 5_000, seed: 1, batchSize: 512, threads: 2)) { done, total in
            seen.record(done, total)
        }
        #expect(seen.values == (1...10).map { ($0, 10) })
    }
}

import Synchronization
final class Counter: Sendable {
    let state = Mutex<[(Int, Int)]>([])
    func record(_ d: Int, _ t: Int) { state.withLock { $0.append((d, t)) } }
    var values: [(Int, Int)] { state.withLock { $0 } }
}

extension Array where Element == (Int, Int) {
    static func == (a: [(Int, Int)], b: [(Int, Int)]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0 == $1 } }
}
