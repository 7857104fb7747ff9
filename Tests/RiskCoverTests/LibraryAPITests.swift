import Foundation
import LinearAlgebra
import RiskCover
import RiskSharing
import Stochastics
import Testing

/// The library used from Swift code, without a model file: named loadings, limits in the files'
/// units, a solver that refuses to answer a question that was not asked, and its progress.
@Suite("Library API: building models in code")
struct LibraryAPITests {
    static let factors = try! SystematicFactors(names: ["ai_demand", "energy"], correlation: [[1, 0.3], [0.3, 1]])

    @Test("Loadings by factor name give the positional vector; unnamed factors load 0; an unknown name is refused")
    func namedLoadings() throws {
        let f = Self.factors
        #expect(try f.loadings(["energy": 0.25]) == [0, 0.25])
        let pool = try HomogeneousPool(name: "sme", count: 10, exposureAtDefault: 1, probabilityOfDefault: 0.02,
                                       lossGivenDefault: .fixed(0.6), loadings: ["ai_demand": 0.3, "energy": 0.1], on: f)
        #expect(pool.loadings == [0.3, 0.1])
        #expect(throws: RiskModelError.invalidInput(item: "exposure gf1", reason: "unknown factor 'ai-demand' (factors: ai_demand, energy)")) {
            try Exposure(name: "gf1", exposureAtDefault: 1, probabilityOfDefault: 0.02, lossGivenDefault: .fixed(0.5),
                         loadings: ["ai-demand": 0.5], on: f)
        }
        #expect(throws: RiskModelError.invalidInput(item: "factors", reason: "factor 'x' is named twice")) {
            try SystematicFactors(names: ["x", "x"], uniformCorrelation: 0.2)
        }
        #expect(throws: RiskModelError.self) { try SystematicFactors(names: ["a", "b"], correlation: [[1, 0.2]]) }
        #expect(f.dependence == .factors(correlation: Matrix(rowMajor: [[1, 0.3], [0.3, 1]]), repair: .none))
    }

    @Test("A portfolio with named loadings simulates exactly like the same portfolio with positional loadings")
    func namedEqualsPositional() throws {
        let f = Self.factors
        let named = Portfolio(pools: [try HomogeneousPool(name: "p", count: 5000, exposureAtDefault: 1, probabilityOfDefault: 0.03,
                                                          lossGivenDefault: .fixed(0.5), loadings: ["energy": 0.4], on: f)],
                              dependence: f.dependence)
        let positional = Portfolio(pools: [HomogeneousPool(name: "p", count: 5000, exposureAtDefault: 1, probabilityOfDefault: 0.03,
                                                           lossGivenDefault: .fixed(0.5), loadings: [0, 0.4])],
                                   dependence: .factors(correlation: Matrix(rowMajor: [[1, 0.3], [0.3, 1]]), repair: .none))
        let settings = SimulationSettings(paths: 4000, seed: 3)
        let structure = RiskSharingStructure.wholePortfolio(holder: "all")
        let a = try simulate(portfolio: named, structure: structure, settings: settings)
        let b = try simulate(portfolio: positional, structure: structure, settings: settings)
        #expect(a.portfolio.expectedLoss == b.portfolio.expectedLoss)
        #expect(a.portfolio.quantiles == b.portfolio.quantiles)
    }

    @Test("Investor limits in basis points, as model files state them, are the fractions the solver uses")
    func basisPoints() {
        var c = InvestorConstraints(maxExpectedLossBasisPoints: 20, maxLossProbability: 0.005)
        #expect(c.maxExpectedLoss == 20.0 / 10_000 && c.maxLossProbability == 0.005)
        #expect(c.maxExpectedLossBasisPoints == 20)
        c.maxExpectedLossBasisPoints = 35
        #expect(c.maxExpectedLoss == 35.0 / 10_000)
        #expect(InvestorConstraints(maxExpectedLossBasisPoints: nil).isEmpty)
    }

    func analysis(_ constraints: InvestorConstraints) throws -> RiskCoverAnalysis {
        let f = Self.factors
        let portfolio = Portfolio(pools: [try HomogeneousPool(name: "p", count: 20_000, exposureAtDefault: 1, probabilityOfDefault: 0.03,
                                                              lossGivenDefault: .fixed(0.5), loadings: ["ai_demand": 0.4], on: f)],
                                  dependence: f.dependence)
        return try RiskCoverAnalysis(portfolio: portfolio, settings: SimulationSettings(paths: 4000, seed: 5), constraints: constraints)
    }

    @Test("Without any investor constraint the solver throws instead of answering cover 0, leverage ∞, feasible")
    func noConstraints() throws {
        let a = try analysis(InvestorConstraints())
        #expect(throws: RiskModelError.self) { try a.minimumFirstLoss() }
        do { _ = try a.minimumCover(.guaranteeCap, from: Cover(guaranteeRate: 0.5)); Issue.record("no error") } catch {
            #expect(error.description.hasPrefix("investor constraints: none declared"))
        }
        // The evaluation of a given cover needs no constraint and still works.
        #expect(abs(try a.evaluate(Cover(firstLoss: 0.1)).leverage - 10) < 1e-12)
    }

    @Test("The solver reports each evaluation of its bisections, ending at the total, and the answer does not depend on it")
    func progress() throws {
        final class Steps: @unchecked Sendable { var seen: [(Int, Int)] = [] }
        let steps = Steps()
        let a = try analysis(InvestorConstraints(maxExpectedLossBasisPoints: 50))
        let withProgress = try a.minimumFirstLoss { done, total in steps.seen.append((done, total)) }
        let without = try a.minimumFirstLoss()
        #expect(withProgress == without && withProgress.level == without.level)
        let totals = Set(steps.seen.map(\.1))
        #expect(totals.count == 1)
        let total = try #require(totals.first)
        #expect(steps.seen.map(\.0) == steps.seen.map(\.0).sorted() && steps.seen.allSatisfy { $0.0 <= total })
        #expect(steps.seen.last?.0 == total)
        // One constraint: three bisections (estimate, both ends of the band) of about log2(1/1e-6) = 20 steps each.
        #expect(steps.seen.count >= 3 * 20)
    }
}
