import Foundation
import LinearAlgebra
import RiskCover
import RiskSharing
import Stochastics
import Testing

/// `coverSensitivity`: the one-at-a-time tornado of the minimum first loss, on common random numbers.
@Suite("Risk cover: sensitivity of the minimum first loss (tornado, common random numbers)")
struct SensitivityTests {
    let settings = SimulationSettings(paths: 8_000, seed: 17)
    let terms = CoverTerms(provisioningRate: 0.4, confidence: 0.99)
    let constraints = InvestorConstraints(maxExpectedLoss: 0.002, maxLossProbability: 0.01)

    func studentT(_ nu: Double) -> Portfolio {
        var p = granularPortfolio()
        p.copula = .studentT(degreesOfFreedom: nu)
        return p
    }

    func run(_ portfolio: Portfolio, _ ranges: SensitivityRanges) throws -> SensitivityResult {
        try coverSensitivity(portfolio: portfolio, settings: settings, terms: terms, constraints: constraints, cover: Cover(), ranges: ranges)
    }

    @Test("The base row is `solve`'s answer bit for bit at the same seed and paths")
    func baseIsSolve() throws {
        let result = try run(studentT(6), SensitivityRanges([.pd: 1...1.2]))
        let solve = try RiskCoverAnalysis(portfolio: studentT(6), settings: settings, terms: terms, constraints: constraints)
            .minimumCover(.firstLoss, from: Cover())
        #expect(result.base == solve)
        #expect(result.base.level.value.bitPattern == solve.level.value.bitPattern)
        #expect(result.base.level.lower.bitPattern == solve.level.lower.bitPattern && result.base.level.upper.bitPattern == solve.level.upper.bitPattern)
        #expect(result.base.leverage.value.bitPattern == solve.leverage.value.bitPattern)
        #expect(result.base.binding == solve.binding)
        #expect(result.base.level.value > 0 && result.base.level.value < 1, "a non-trivial first loss: \(result.base.level.value)")
    }

    @Test("Common random numbers: the same seed gives identical rows; an input at [base, base] has a swing of exactly 0")
    func commonRandomNumbers() throws {
        let ranges = SensitivityRanges([.pd: 1...1, .correlation: 0...0, .lgd: 0...0, .degreesOfFreedom: 6...6,
                                        .maxExpectedLossBp: 20...20, .maxLossProbability: 0.01...0.01])
        let a = try run(studentT(6), ranges)
        #expect(a.rows.count == 6 && a.skipped.isEmpty)
        for row in a.rows {
            #expect(row.swing == 0, "\(row.input)")
            #expect(row.atLow == a.base && row.atHigh == a.base, "\(row.input): re-solving at the base value reproduces the base bit for bit")
        }
        let wide = SensitivityRanges([.pd: 0.7...1.5, .degreesOfFreedom: 4...12])
        let b = try run(studentT(6), wide), c = try run(studentT(6), wide)
        #expect(b.rows.map(\.input) == c.rows.map(\.input))
        for (x, y) in zip(b.rows, c.rows) {
            #expect(x.atLow == y.atLow && x.atHigh == y.atHigh && x.swing.bitPattern == y.swing.bitPattern)
        }
        #expect(b.rows.contains { $0.swing > 0 })
    }

    @Test("Monotone where it is known: higher PD or LGD ⇒ first loss not lower; a looser EL limit ⇒ not higher; rows sorted by swing")
    func monotone() throws {
        // Fixed LGDs: with the same draws every path's loss grows with the PD and the LGD, so both
        // constraints' estimates do and the minimum first loss cannot fall.
        let result = try run(granularPortfolio(), SensitivityRanges([.pd: 0.7...1.5, .lgd: -0.1...0.2, .maxExpectedLossBp: 10...40]))
        let byInput = Dictionary(uniqueKeysWithValues: result.rows.map { ($0.input, $0) })
        let pd = try #require(byInput[.pd]), lgd = try #require(byInput[.lgd]), el = try #require(byInput[.maxExpectedLossBp])
        let base = result.base.level.value
        #expect(pd.atLow.level.value <= base && base <= pd.atHigh.level.value && pd.swing > 0)
        #expect(lgd.atLow.level.value <= base && base <= lgd.atHigh.level.value && lgd.swing > 0)
        #expect(el.atLow.level.value >= base && base >= el.atHigh.level.value)
        #expect(result.skipped.map(\.input) == [.degreesOfFreedom], "ν is not varied for a Gaussian copula")
        #expect(zip(result.rows, result.rows.dropFirst()).allSatisfy { $0.swing >= $1.swing })
        // Defaults fill the inputs left out, and are flagged as such.
        let correlation = try #require(byInput[.correlation])
        #expect(!correlation.given && correlation.low == -0.05 && correlation.high == 0.05)
        let lossProbability = try #require(byInput[.maxLossProbability])
        #expect(lossProbability.low == 0.005 && lossProbability.high == 0.02)
    }
}
