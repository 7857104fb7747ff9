import Foundation
import LinearAlgebra
import RiskCover
import RiskSharing
import Stochastics
import Testing

/// The O(paths), allocation-free cover evaluation must give exactly what allocating every
/// path's loss through the waterfall gives: the solver's answers depend on it.
@Suite("Risk cover: fast evaluation equals the path-by-path waterfall, bit for bit")
struct CoverEvaluationTests {
    let analysis: RiskCoverAnalysis

    init() throws {
        analysis = try RiskCoverAnalysis(portfolio: granularPortfolio(), settings: SimulationSettings(paths: 30_000, seed: 11),
                                         terms: CoverTerms(provisioningRate: 0.4, confidence: 0.99),
                                         constraints: InvestorConstraints(maxExpectedLoss: 0.002, maxLossProbability: 0.01, coupon: 0.04, hurdle: 0.035))
    }

    @Test("Every cover of a grid: first loss × guarantee rate × cap, including 0, 1 and covers with no guarantee")
    func grid() throws {
        let covers = CoverGrid(firstLoss: [0, 0.003, 0.01, 0.02, 0.05, 0.2, 1], guaranteeRate: [0, 0.3, 0.5, 1],
                               guaranteeCap: [0, 0.001, 0.01, 0.2, 1]).covers
        var compared = 0
        for cover in covers {
            let fast = try analysis.evaluate(cover)
            let reference = try analysis.evaluatePathByPath(cover)
            #expect(fast == reference, "cover \(cover)")
            // Hashable equality compares every Double to the bit; spell out the key ones too.
            #expect(fast.privateLoss.mean.bitPattern == reference.privateLoss.mean.bitPattern)
            #expect(fast.privateLoss.standardError.bitPattern == reference.privateLoss.standardError.bitPattern)
            #expect(fast.publicLoss.standardError.bitPattern == reference.publicLoss.standardError.bitPattern)
            #expect(fast.publicLoss999 == reference.publicLoss999 && fast.provisioningRateAtConfidence == reference.provisioningRateAtConfidence)
            compared += 1
        }
        #expect(compared == 140)
    }

    @Test("The solver's single-constraint checks equal the full evaluation's checks")
    func checks() throws {
        for f in [0.0, 0.004, 0.013, 0.03, 0.3] {
            for (g, c) in [(0.0, 0.0), (0.5, 0.01), (1.0, 0.005)] {
                let cover = Cover(firstLoss: f, guaranteeRate: g, guaranteeCap: c)
                let reference = try analysis.evaluatePathByPath(cover).checks
                for kind in ConstraintCheck.Kind.allCases {
                    let check = try analysis.check(kind, at: cover)
                    #expect(reference.first { $0.kind == kind } == check, "\(kind) at \(cover)")
                }
            }
        }
    }

    @Test("A bad cover is rejected the same way")
    func badCover() {
        let cover = Cover(firstLoss: -0.1)
        #expect(throws: RiskModelError.self) { try analysis.evaluate(cover) }
        #expect(throws: RiskModelError.self) { try analysis.evaluatePathByPath(cover) }
    }
}
