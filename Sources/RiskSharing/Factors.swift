import LinearAlgebra

/// Named systematic factors and their correlation: the `portfolio.factors` section of a model
/// file, for building portfolios in Swift with loadings given by factor name, as the files do
/// (`loadings: {ai_demand: 0.55}`), instead of positional arrays.
///
///     let factors = try SystematicFactors(names: ["ai_demand", "energy"], correlation: [[1, 0.3], [0.3, 1]])
///     let loan = try Exposure(name: "gf1", exposureAtDefault: 2000, probabilityOfDefault: 0.04,
///                             lossGivenDefault: .fixed(0.45), loadings: ["ai_demand": 0.55], on: factors)
///     let portfolio = Portfolio(exposures: [loan], dependence: factors.dependence)
public struct SystematicFactors: Sendable, Equatable {
    /// Factor names, in the order of the correlation matrix and of every loading vector.
    public let names: [String]
    /// The K×K factor correlation Σ (named `factor_correlation` in errors).
    public let correlation: Matrix
    /// What to do if Σ is not positive definite (refuse, or use the nearest correlation matrix and report it).
    public let repair: CorrelationRepair

    /// Factors with a correlation matrix written row by row.
    /// - Throws: `RiskModelError.invalidInput` for no names, a repeated name, or a matrix that is not K×K.
    public init(names: [String], correlation rows: [[Double]], repair: CorrelationRepair = .none) throws(RiskModelError) {
        try SystematicFactors.check(names)
        guard rows.count == names.count else {
            throw .invalidInput(item: "factor_correlation", reason: "has \(rows.count) rows for \(names.count) factors (\(names.joined(separator: ", ")))")
        }
        self.names = names
        self.correlation = try Dependence.squareMatrix(rows, name: "factor_correlation")
        self.repair = repair
    }

    /// Factors with one correlation ρ ∈ (−1, 1) between every pair (`uniform_correlation`).
    public init(names: [String], uniformCorrelation rho: Double, repair: CorrelationRepair = .none) throws(RiskModelError) {
        try SystematicFactors.check(names)
        guard rho > -1, rho < 1 else {
            throw .invalidInput(item: "uniform_correlation", reason: "\(rho) must be strictly between -1 and 1")
        }
        var c = Matrix(rows: names.count, columns: names.count, repeating: rho)
        for i in 0..<names.count { c[i, i] = 1 }
        self.names = names
        self.correlation = c
        self.repair = repair
    }

    /// The portfolio's dependence: these factors and their correlation.
    public var dependence: Dependence { .factors(correlation: correlation, repair: repair) }

    /// The loading vector β for loadings given by factor name; factors not named load 0.
    /// - Throws: `RiskModelError.invalidInput` naming an unknown factor (and the known ones).
    public func loadings(_ named: [String: Double], for item: String = "loadings") throws(RiskModelError) -> [Double] {
        var beta = [Double](repeating: 0, count: names.count)
        for (name, value) in named {
            guard let k = names.firstIndex(of: name) else {
                throw .invalidInput(item: item, reason: "unknown factor '\(name)' (factors: \(names.joined(separator: ", ")))")
            }
            beta[k] = value
        }
        return beta
    }

    static func check(_ names: [String]) throws(RiskModelError) {
        guard !names.isEmpty else { throw .invalidInput(item: "factors", reason: "name at least one factor") }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw .invalidInput(item: "factors", reason: "factor '\(name)' is named twice")
        }
    }
}

extension Exposure {
    /// An exposure with loadings by factor name (see ``SystematicFactors``); unnamed factors load 0.
    public init(name: String, exposureAtDefault: Double, probabilityOfDefault: Double, lossGivenDefault: LossGivenDefault,
                loadings: [String: Double], on factors: SystematicFactors) throws(RiskModelError) {
        self.init(name: name, exposureAtDefault: exposureAtDefault, probabilityOfDefault: probabilityOfDefault,
                  lossGivenDefault: lossGivenDefault, loadings: try factors.loadings(loadings, for: "exposure \(name)"))
    }
}

extension HomogeneousPool {
    /// A pool with loadings by factor name (see ``SystematicFactors``); unnamed factors load 0.
    public init(name: String, count: Int, exposureAtDefault: Double, probabilityOfDefault: Double, lossGivenDefault: LossGivenDefault,
                loadings: [String: Double], on factors: SystematicFactors) throws(RiskModelError) {
        self.init(name: name, count: count, exposureAtDefault: exposureAtDefault, probabilityOfDefault: probabilityOfDefault,
                  lossGivenDefault: lossGivenDefault, loadings: try factors.loadings(loadings, for: "pool \(name)"))
    }
}
