import LinearAlgebra
import Stochastics

// The portfolio model: a multi-factor threshold (Merton / Vasicek) model of default.
//
// Each obligor i has a latent variable
//
//     Xᵢ = βᵢᵀF + σᵢ εᵢ,    F ~ N(0, Σ) (K systematic factors),  εᵢ ~ N(0, 1) iid,
//     σᵢ = √(1 − βᵢᵀΣβᵢ),
//
// so Var Xᵢ = 1, and defaults over the horizon iff Xᵢ < cᵢ = Φ⁻¹(PDᵢ) (Gaussian copula:
// Vasicek, O. (2002), "The distribution of loan portfolio value", *Risk* 15(12); Gordy, M. B.
// (2003), "A risk-factor model foundation for ratings-based bank capital rules", *J. Financial
// Intermediation* 12, 199–232). With a Student-t copula the latent variable is divided by
// √(W/ν), W ~ χ²_ν shared by all obligors on a path, and the threshold is t_ν⁻¹(PDᵢ)
// (Frey, R. and McNeil, A. J. (2003), "Dependent defaults in models of portfolio credit
// risk", *J. Risk* 6(1), 59–92). Either way P(default) = PDᵢ exactly.

/// Loss given default: the fraction of the exposure lost when the obligor defaults.
public enum LossGivenDefault: Sendable, Hashable, Codable {
    /// A deterministic LGD x ∈ [0, 1].
    case fixed(Double)
    /// LGD ~ Beta(a, b) with the given mean m and standard deviation s, drawn independently per
    /// default (and independent of the factors): a = m·κ, b = (1 − m)·κ, κ = m(1 − m)/s² − 1.
    /// Feasible iff 0 < m < 1 and 0 < s² < m(1 − m) (then a, b > 0).
    case beta(mean: Double, standardDeviation: Double)

    /// E[LGD].
    public var mean: Double {
        switch self {
        case let .fixed(x): return x
        case let .beta(m, _): return m
        }
    }

    /// The Beta(a, b) parameters by the method of moments (see ``beta(mean:standardDeviation:)``);
    /// nil for a fixed LGD.
    public var betaParameters: (a: Double, b: Double)? {
        guard case let .beta(m, s) = self else { return nil }
        let kappa = m * (1 - m) / (s * s) - 1
        return (m * kappa, (1 - m) * kappa)
    }

    /// Throws unless the LGD is a feasible distribution on [0, 1].
    func validate(owner: String) throws(RiskModelError) {
        switch self {
        case let .fixed(x):
            guard x.isFinite, x >= 0, x <= 1 else {
                throw .invalidInput(item: owner, reason: "loss given default \(x) is not in [0, 1]")
            }
        case let .beta(m, s):
            guard m.isFinite, s.isFinite, m > 0, m < 1 else {
                throw .invalidInput(item: owner, reason: "Beta LGD mean \(m) is not in (0, 1)")
            }
            guard s > 0, s * s < m * (1 - m) else {
                throw .invalidInput(item: owner, reason: "Beta LGD standard deviation \(s) is infeasible for mean \(m): need 0 < sd < √(m(1 − m)) = \((m * (1 - m)).squareRoot())")
            }
        }
    }
}

/// One loan (or bond, or guarantee-backed facility) in the portfolio.
public struct Exposure: Sendable, Hashable, Codable {
    /// Identifier used in messages.
    public var name: String
    /// Exposure at default (EUR).
    public var exposureAtDefault: Double
    /// Probability of default over the horizon, PD ∈ [0, 1].
    public var probabilityOfDefault: Double
    /// Loss given default.
    public var lossGivenDefault: LossGivenDefault
    /// Loadings βᵢ on the K systematic factors (empty when the portfolio uses an exposure
    /// correlation matrix instead of factors). Requires βᵢᵀΣβᵢ < 1.
    public var loadings: [Double]

    /// An exposure; validated by ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``.
    public init(name: String, exposureAtDefault: Double, probabilityOfDefault: Double,
                lossGivenDefault: LossGivenDefault, loadings: [Double]) {
        self.name = name
        self.exposureAtDefault = exposureAtDefault
        self.probabilityOfDefault = probabilityOfDefault
        self.lossGivenDefault = lossGivenDefault
        self.loadings = loadings
    }
}

/// `count` identical, conditionally independent loans, simulated by **one conditional-binomial
/// draw per path**: given the factors F (and W for the t copula),
///
///     p(F) = Φ((c·√(W/ν) − βᵀF) / σ),   c = Φ⁻¹(PD) or t_ν⁻¹(PD),   σ = √(1 − βᵀΣβ),
///     D | F ~ Binomial(count, p(F)),
///
/// which is exactly the distribution of the number of defaults among `count` individual
/// exposures with these parameters (they are iid given F). Cost per path: O(1), whatever
/// the count (BTRD).
///
/// **Beta LGD in a pool.** Loss = EAD · Σⱼ₌₁ᴰ LGDⱼ with LGDⱼ iid Beta. For D ≤ 1,000 the sum is
/// drawn exactly (D Beta variates). For D > 1,000 it is drawn as N(D·m, D·s²) clamped to
/// [0, D] — the central limit theorem, exact in mean and variance; the relative LGD noise
/// is then s/(m√D) < 3 % of a loss already dominated by the variation of D. A fixed LGD is exact.
public struct HomogeneousPool: Sendable, Hashable, Codable {
    /// Identifier used in messages.
    public var name: String
    /// Number of identical loans (≥ 1).
    public var count: Int
    /// Exposure at default per loan (EUR).
    public var exposureAtDefault: Double
    /// Probability of default per loan.
    public var probabilityOfDefault: Double
    /// Loss given default per loan.
    public var lossGivenDefault: LossGivenDefault
    /// Factor loadings β shared by every loan of the pool.
    public var loadings: [Double]

    /// A pool; validated by ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``.
    public init(name: String, count: Int, exposureAtDefault: Double, probabilityOfDefault: Double,
                lossGivenDefault: LossGivenDefault, loadings: [Double]) {
        self.name = name
        self.count = count
        self.exposureAtDefault = exposureAtDefault
        self.probabilityOfDefault = probabilityOfDefault
        self.lossGivenDefault = lossGivenDefault
        self.loadings = loadings
    }

    /// count × EAD (EUR).
    public var volume: Double { Double(count) * exposureAtDefault }
}

/// The copula joining the obligors' latent variables.
public enum Copula: Sendable, Hashable, Codable {
    /// Gaussian: X = βᵀF + σε, default iff X < Φ⁻¹(PD).
    case gaussian
    /// Student-t with ν > 0 degrees of freedom: X = (βᵀF + σε)/√(W/ν), W ~ χ²_ν common to all
    /// obligors on a path; default iff X < t_ν⁻¹(PD). Adds tail dependence (more joint
    /// defaults) at the same PDs and correlations.
    case studentT(degreesOfFreedom: Double)
}

/// What to do with a correlation matrix that is not positive definite.
public enum CorrelationRepair: Sendable, Hashable, Codable {
    /// Refuse it: throw the Cholesky error (matrix name and leading minor).
    case none
    /// Replace it by the nearest correlation matrix (Higham 2002) and report the iterations
    /// and the Frobenius distance moved in ``SimulationReport/dependence``.
    case nearest
}

/// How the obligors' systematic parts are correlated.
public enum Dependence: Sendable, Equatable {
    /// K systematic factors with correlation Σ (K×K, named `factor_correlation` in errors);
    /// every exposure and pool carries K loadings.
    case factors(correlation: Matrix, repair: CorrelationRepair)
    /// A full N×N correlation matrix R between the individual exposures (named
    /// `exposure_correlation`): the latent vector is X = L·Z with R = L·Lᵀ (K = N, σᵢ = 0).
    /// Exposures must have empty loadings; pools are not allowed.
    case exposureCorrelation(Matrix, repair: CorrelationRepair)
}

/// A credit portfolio: individual exposures, homogeneous pools, their dependence and copula.
public struct Portfolio: Sendable, Equatable {
    /// Individual exposures.
    public var exposures: [Exposure]
    /// Homogeneous pools.
    public var pools: [HomogeneousPool]
    /// The factor (or exposure) correlation structure.
    public var dependence: Dependence
    /// Gaussian or Student-t.
    public var copula: Copula

    /// A portfolio; validated by ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)``.
    public init(exposures: [Exposure] = [], pools: [HomogeneousPool] = [], dependence: Dependence, copula: Copula = .gaussian) {
        self.exposures = exposures
        self.pools = pools
        self.dependence = dependence
        self.copula = copula
    }

    /// The portfolio volume V = Σ EADᵢ + Σ count·EAD (EUR): the base of tranche points and caps.
    public var volume: Double {
        exposures.reduce(0) { $0 + $1.exposureAtDefault } + pools.reduce(0) { $0 + $1.volume }
    }

    /// E[L] = Σ EADᵢ·PDᵢ·E[LGDᵢ] (EUR), exact (independent of the dependence structure).
    public var expectedLoss: Double {
        exposures.reduce(0) { $0 + $1.exposureAtDefault * $1.probabilityOfDefault * $1.lossGivenDefault.mean }
            + pools.reduce(0) { $0 + $1.volume * $1.probabilityOfDefault * $1.lossGivenDefault.mean }
    }
}

/// A model input the engine cannot simulate. `description` is a one-line message naming the
/// item at fault (for the CLI to print after the scenario-file location).
public enum RiskModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An exposure, pool, tranche, guarantee or setting with an invalid value.
    case invalidInput(item: String, reason: String)
    /// A correlation matrix that LinearAlgebra rejected (e.g. "not positive definite: leading
    /// minor 3 of factor_correlation").
    case correlation(LinearAlgebraError)

    /// One line naming the item at fault, e.g. "exposure A: probability of default 1.5 is not in [0, 1]".
    public var description: String {
        switch self {
        case let .invalidInput(item, reason): return "\(item): \(reason)"
        case let .correlation(error): return error.description
        }
    }
}

extension Dependence {
    /// `.factors` from a correlation matrix written row by row (as read from a scenario file),
    /// checking that it is square — ragged or non-square input throws instead of trapping.
    public static func factors(rows: [[Double]], repair: CorrelationRepair) throws(RiskModelError) -> Dependence {
        .factors(correlation: try squareMatrix(rows, name: "factor_correlation"), repair: repair)
    }

    /// `.exposureCorrelation` from a correlation matrix written row by row (see ``factors(rows:repair:)``).
    public static func exposureCorrelation(rows: [[Double]], repair: CorrelationRepair) throws(RiskModelError) -> Dependence {
        .exposureCorrelation(try squareMatrix(rows, name: "exposure_correlation"), repair: repair)
    }

    static func squareMatrix(_ rows: [[Double]], name: String) throws(RiskModelError) -> Matrix {
        if let i = rows.firstIndex(where: { $0.count != rows.count }) {
            throw .invalidInput(item: name, reason: "row \(i) has \(rows[i].count) entries, but the matrix has \(rows.count) rows: it must be square")
        }
        return Matrix(rowMajor: rows)
    }
}
