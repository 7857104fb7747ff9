import LinearAlgebra
import RiskSharing

/// A stressed portfolio: PD × k, asset correlation + Δρ, LGD + Δ.
///
/// - PD: PDᵢ ↦ min(k·PDᵢ, 1).
/// - Correlation: each obligor's systematic share R²ᵢ = βᵢᵀΣβᵢ (its asset correlation with
///   the factors) becomes min(R²ᵢ + Δρ, 0.99) by scaling βᵢ by √((R²ᵢ + Δρ)/R²ᵢ); an obligor with
///   no factor loading keeps none (there is no direction to shift along).
/// - LGD: a fixed LGD x ↦ min(x + Δ, 1); a Beta LGD's mean moves by Δ (capped below 1) with its
///   standard deviation kept, or shrunk to stay feasible.
public struct PortfolioStress: Sendable, Hashable {
    public var pdMultiplier: Double
    public var correlationShift: Double
    public var lgdShift: Double

    public init(pdMultiplier: Double = 1, correlationShift: Double = 0, lgdShift: Double = 0) {
        self.pdMultiplier = pdMultiplier
        self.correlationShift = correlationShift
        self.lgdShift = lgdShift
    }

    public var isNone: Bool { pdMultiplier == 1 && correlationShift == 0 && lgdShift == 0 }
}

extension Portfolio {
    /// This portfolio under `stress` (see ``PortfolioStress``).
    /// - Throws: when a correlation shift is asked of an exposure-correlation portfolio.
    public func stressed(_ stress: PortfolioStress) throws(RiskModelError) -> Portfolio {
        if stress.isNone { return self }
        guard stress.pdMultiplier >= 0 else { throw .invalidInput(item: "stress", reason: "PD multiplier \(stress.pdMultiplier) must be ≥ 0") }
        var sigma: Matrix?
        switch dependence {
        case .factors(let correlation, _): sigma = correlation
        case .exposureCorrelation:
            if stress.correlationShift != 0 {
                throw .invalidInput(item: "stress", reason: "a correlation shift needs a factor model (this portfolio gives an exposure correlation matrix)")
            }
        }
        func pd(_ p: Double) -> Double { min(stress.pdMultiplier * p, 1) }
        func lgd(_ l: LossGivenDefault) -> LossGivenDefault {
            switch l {
            case .fixed(let x): return .fixed(min(max(x + stress.lgdShift, 0), 1))
            case .beta(let m, let s):
                let mean = min(max(m + stress.lgdShift, 0.001), 0.999)
                let limit = (mean * (1 - mean)).squareRoot()
                return .beta(mean: mean, standardDeviation: min(s, 0.99 * limit))
            }
        }
        func loadings(_ beta: [Double]) -> [Double] {
            guard let sigma, stress.correlationShift != 0, sigma.rows == beta.count else { return beta }
            var r2 = 0.0
            for i in beta.indices { for j in beta.indices { r2 += beta[i] * sigma[i, j] * beta[j] } }
            guard r2 > 0 else { return beta }
            let target = min(max(r2 + stress.correlationShift, 0), 0.99)
            let scale = (target / r2).squareRoot()
            return beta.map { $0 * scale }
        }
        var copy = self
        copy.exposures = exposures.map {
            Exposure(name: $0.name, exposureAtDefault: $0.exposureAtDefault, probabilityOfDefault: pd($0.probabilityOfDefault),
                     lossGivenDefault: lgd($0.lossGivenDefault), loadings: loadings($0.loadings))
        }
        copy.pools = pools.map {
            HomogeneousPool(name: $0.name, count: $0.count, exposureAtDefault: $0.exposureAtDefault, probabilityOfDefault: pd($0.probabilityOfDefault),
                            lossGivenDefault: lgd($0.lossGivenDefault), loadings: loadings($0.loadings))
        }
        return copy
    }
}
