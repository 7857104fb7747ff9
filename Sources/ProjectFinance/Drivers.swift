import LinearAlgebra
import RealModule
import Stochastics

/// The six stochastic drivers, **market drivers first** (shared by every site), then the
/// site drivers (drawn for each site). This order is the row and column order of
/// ``DriverModel/correlation``.
public enum Driver: String, Sendable, CaseIterable {
    /// GPU-hour price: lognormal with drift, a martingale multiplier on the deterministic
    /// declining price. Market.
    case gpuPrice = "gpu_price"
    /// Electricity price: mean-reverting in logs (Ornstein–Uhlenbeck). Market.
    case electricityPrice = "electricity_price"
    /// Interest rate: a normal shift of the base rate, fixed at financial close. Market.
    case rate
    /// Utilisation: mean-reverting in logit space, so it stays in (0, 1). Site.
    case utilisation
    /// Capex overrun: a lognormal factor on the capex, drawn once. Site.
    case capexOverrun = "capex_overrun"
    /// Construction delay: a normal shift in years (floored at no delay), drawn once. Site.
    case delay

    /// The number of market drivers (the first three).
    public static let marketCount = 3
}

/// Volatilities, mean reversions and the correlation of the driver innovations.
///
/// With Δ = 1/m years, η_t = L·ε_t the correlated innovations (L the Cholesky factor of the
/// correlation, ε_t independent N(0, 1)), per period t = 1, 2, …:
///
///     price factor        Mₜ = exp(σ_p Wₜ − ½σ_p² tΔ),  Wₜ = Wₜ₋₁ + √Δ η_p,t    (E Mₜ = 1)
///     electricity factor  exp(yₜ − ½ Var yₜ),  yₜ = e^(−κΔ) yₜ₋₁ + σ_e √((1 − e^(−2κΔ))/(2κ)) η_e,t
///     utilisation shift   Xₜ = e^(−κ_uΔ) Xₜ₋₁ + σ_u √((1 − e^(−2κ_uΔ))/(2κ_u)) η_u,t
///
/// (the exact Ornstein–Uhlenbeck transition, Vasicek 1977; √Δ when κ = 0), and once, from the
/// **first period's** innovations η₁ (so that the one-off drivers correlate with the first
/// period's price, electricity and utilisation moves as the matrix says): rate shift σ_r η_r,1,
/// capex factor exp(σ_o η_o,1 − ½σ_o²), delay shift σ_d η_d,1 years. (A one-off driver's
/// correlation with a *cumulative* price move over t periods is therefore ρ/√t.)
/// Because the market drivers come first and L is lower triangular, their
/// innovations L_mm ε^m depend on the shared market draws only: every site sees the same market,
/// and the site drivers of two sites are correlated only through it (L_sm L_smᵀ).
public struct DriverModel: Sendable, Equatable {
    /// σ_p, annual volatility of the log GPU-hour price.
    public var priceVolatility: Double
    /// σ_e, annual volatility of the log electricity price.
    public var electricityVolatility: Double
    /// κ_e, mean reversion of the log electricity price, per year.
    public var electricityMeanReversion: Double
    /// σ_u, annual volatility of logit utilisation.
    public var utilisationVolatility: Double
    /// κ_u, mean reversion of logit utilisation, per year.
    public var utilisationMeanReversion: Double
    /// σ_r, standard deviation of the rate shift at close (absolute, 0.01 = 100 bp).
    public var rateVolatility: Double
    /// σ_o, volatility of the log capex factor.
    public var overrunVolatility: Double
    /// σ_d, standard deviation of the delay shift, years.
    public var delayVolatilityYears: Double
    /// The 6 × 6 correlation of the innovations, in ``Driver`` order.
    public var correlation: Matrix

    /// A driver model; every volatility defaults to 0 and the correlation to the identity.
    public init(priceVolatility: Double = 0, electricityVolatility: Double = 0, electricityMeanReversion: Double = 0,
                utilisationVolatility: Double = 0, utilisationMeanReversion: Double = 0, rateVolatility: Double = 0,
                overrunVolatility: Double = 0, delayVolatilityYears: Double = 0, correlation: Matrix = .identity(6)) {
        self.priceVolatility = priceVolatility
        self.electricityVolatility = electricityVolatility
        self.electricityMeanReversion = electricityMeanReversion
        self.utilisationVolatility = utilisationVolatility
        self.utilisationMeanReversion = utilisationMeanReversion
        self.rateVolatility = rateVolatility
        self.overrunVolatility = overrunVolatility
        self.delayVolatilityYears = delayVolatilityYears
        self.correlation = correlation
    }

    /// No uncertainty at all: a Monte Carlo run equals the deterministic run exactly.
    public static let zero = DriverModel()

    /// The correlation matrix from pairwise entries (unlisted pairs 0, diagonal 1).
    public static func correlation(_ pairs: [(Driver, Driver, Double)]) -> Matrix {
        var c = Matrix.identity(6)
        for (a, b, rho) in pairs {
            let i = Driver.allCases.firstIndex(of: a)!, j = Driver.allCases.firstIndex(of: b)!
            c[i, j] = rho
            c[j, i] = rho
        }
        return c
    }

    /// The Cholesky factor of ``correlation``, checked.
    /// - Throws: LinearAlgebra's `LinearAlgebraError` naming the matrix `driver correlation` and, when it is
    ///   not positive definite, the leading minor (LAPACK `dpotrf` INFO).
    public func factor() throws(LinearAlgebraError) -> Matrix {
        try Cholesky(correlation, name: "driver correlation").lower
    }
}

/// Draws the driver paths of all sites for one Monte Carlo path.
///
/// Random numbers: the market stream is `RandomStream(seed, (path, 0, 0))` and site s uses
/// `(path, 1 + s, 0)`; each consumes exactly 3 normals per period, by inversion, so a path's
/// draws depend on (seed, path) only — not on threads or batching.
public struct DriverSampler: Sendable {
    /// The driver model sampled.
    public let model: DriverModel
    /// Lower-triangular factor, row-major 6 × 6.
    let l: [Double]

    /// Factors the driver correlation matrix (Cholesky; an error names the leading minor).
    public init(model: DriverModel) throws(LinearAlgebraError) {
        self.model = model
        let f = try model.factor()
        var l = [Double](repeating: 0, count: 36)
        for i in 0..<6 { for j in 0...i { l[i * 6 + j] = f[i, j] } }
        self.l = l
    }

    @inline(__always)
    func correlate(_ e: [Double]) -> [Double] {
        var eta = [Double](repeating: 0, count: 6)
        for i in 0..<6 {
            var s = 0.0
            for j in 0...i { s += l[i * 6 + j] * e[j] }
            eta[i] = s
        }
        return eta
    }

    /// The driver paths of `sites` (their parameters fix the lengths) for Monte Carlo path `path`.
    public func sample(seed: UInt64, path: Int, sites: [ProjectParameters]) -> [DriverPath] {
        var market = RandomStream(seed: seed, stream: (UInt64(path), 0, 0))
        var siteStreams = sites.indices.map { RandomStream(seed: seed, stream: (UInt64(path), UInt64(1 + $0), 0)) }
        func draw3(_ s: inout RandomStream) -> [Double] { [s.nextNormal(), s.nextNormal(), s.nextNormal()] }

        // t = 1 first: its innovations also give the one-off shocks.
        let m1 = draw3(&market)
        var first: [[Double]] = []
        var paths: [DriverPath] = []
        var lengths: [Int] = []
        for (s, p) in sites.enumerated() {
            let eta = correlate(m1 + draw3(&siteStreams[s]))
            first.append(eta)
            let so = model.overrunVolatility
            var d = DriverPath(rateShift: model.rateVolatility * eta[2],
                               capexFactor: Double.exp(so * eta[4] - 0.5 * so * so),
                               delayShiftYears: model.delayVolatilityYears * eta[5])
            let length = ProjectModel.calendarPeriods(p, delayShiftYears: d.delayShiftYears)
            d.priceFactor = []
            d.electricityFactor = []
            d.utilisationShift = []
            d.priceFactor!.reserveCapacity(length)
            paths.append(d)
            lengths.append(length)
        }
        let longest = lengths.max() ?? 0
        // Per-site process states.
        var w = [Double](repeating: 0, count: sites.count)
        var y = w, x = w
        let sp = model.priceVolatility, se = model.electricityVolatility, su = model.utilisationVolatility
        for t in 1...max(longest, 1) where longest > 0 {
            let mt = t == 1 ? m1 : draw3(&market)
            for (s, p) in sites.enumerated() {
                let st = t == 1 ? [] : draw3(&siteStreams[s])
                guard t <= lengths[s] else { continue }
                let delta = 1 / Double(p.timeline.periodsPerYear)
                let eta = t == 1 ? first[s] : correlate(mt + st)
                w[s] += delta.squareRoot() * eta[0]
                paths[s].priceFactor!.append(Double.exp(sp * w[s] - 0.5 * sp * sp * Double(t) * delta))
                let (phiE, sdE, varE) = DriverSampler.ou(model.electricityMeanReversion, delta, t)
                y[s] = phiE * y[s] + se * sdE * eta[1]
                paths[s].electricityFactor!.append(Double.exp(y[s] - 0.5 * se * se * varE))
                let (phiU, sdU, _) = DriverSampler.ou(model.utilisationMeanReversion, delta, t)
                x[s] = phiU * x[s] + su * sdU * eta[3]
                paths[s].utilisationShift!.append(x[s])
            }
        }
        return paths
    }

    /// The OU transition for unit volatility: (e^(−κΔ), √((1 − e^(−2κΔ))/(2κ)), Var of y_t / σ²
    /// = (1 − e^(−2κtΔ))/(2κ)); the κ → 0 limits are (1, √Δ, tΔ).
    static func ou(_ kappa: Double, _ delta: Double, _ t: Int) -> (Double, Double, Double) {
        if kappa == 0 { return (1, delta.squareRoot(), Double(t) * delta) }
        let phi = Double.exp(-kappa * delta)
        let step = (-Double.expMinusOne(-2 * kappa * delta) / (2 * kappa)).squareRoot()
        let variance = -Double.expMinusOne(-2 * kappa * delta * Double(t)) / (2 * kappa)
        return (phi, step, variance)
    }
}
