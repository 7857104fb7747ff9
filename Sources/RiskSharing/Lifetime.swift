import Foundation
import Stochastics

// The lifetime (multi-year) credit model: PD term structures, amortising exposures, default
// timing, recoveries with a lag, guarantee fees, yearly cash flows and their present value.
//
// **Default timing.** Each obligor keeps the one latent variable Xᵢ of the one-year model
// (``Portfolio``: Xᵢ = βᵢᵀF + σᵢεᵢ, or divided by √(W/ν) for the t copula) and defaults in year t
// (t = 1 … T) iff
//
//     c(t − 1) < Xᵢ ≤ c(t),   c(t) = Φ⁻¹(PDᶜᵘᵐᵢ(t))  (t_ν⁻¹ for the t copula),  c(0) = −∞,
//
// PDᶜᵘᵐ the obligor's cumulative PD curve — the time-until-default Gaussian (or t) copula of
// Li, D. X. (2000), "On default correlation: a copula function approach", *J. Fixed Income*
// 9(4), 43–54, with one draw of the latent variable per obligor for the whole horizon.
// Then P(default by t) = PDᶜᵘᵐ(t) exactly, and the one-year model is the case T = 1 with
// PDᶜᵘᵐ(1) = PD: the same draws (the same uniforms u = Φ(εᵢ) of streams (b, idiosyncratic, i)
// and (b, refinement, i), the same factors) and the same comparisons, so a one-year horizon
// reproduces ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)`` bit for bit (with the table
// or exact default test; the skip scheme draws differently). Given the systematic part, the
// default year of exposure i is the first t with u < Φ((c(t)·w − S)/σ).
//
// A pool of n loans draws its default counts per year by sequential conditional binomials given
// the factors: D₁ ~ Bin(n, p₁(F)), Dₜ ~ Bin(n − ΣD, (pₜ(F) − pₜ₋₁(F))/(1 − pₜ₋₁(F))),
// pₜ(F) = Φ((c(t)·w − S)/σ) — exactly the multinomial law of the default years of n
// conditionally independent loans; D₁ is today's one-year draw.
//
// **Recoveries, calls and the waterfall over time.** A default in year t with exposure
// EAD·a(t) (``Amortisation``) and LGD ℓ is a gross default EAD·a(t) whose recovery
// EAD·a(t)·(1 − ℓ) arrives `recoveryLag` years later (the end of year t + lag). The losses are
// shared by the one-year ``Waterfall`` applied to the **cumulative outstanding loss**
// Xₜ = Σ_{s ≤ t−lag} Lossₛ + Σ_{t−lag < s ≤ t} Grossₛ (defaults whose recovery is still
// outstanding count at their gross amount): a holder's cumulative position is f(Xₜ), f its
// (nondecreasing) one-year allocation, and within year t new defaults come first:
//
//     callsₜ = f(Xₜ₋₁ + Grossₜ) − f(Xₜ₋₁),  recoveriesₜ = f(Xₜ₋₁ + Grossₜ) − f(Xₜ),
//     netₜ = callsₜ − recoveriesₜ = f(Xₜ) − f(Xₜ₋₁).
//
// With lag 0 recoveries are netted at default (Xₜ the cumulative loss, recoveries 0), and
// tranche points, caps and maximum liabilities are fractions of the initial volume (the EIF's
// capped guarantees fix the cap amount on the portfolio as built up). This is the tool's own
// convention for sharing recoveries under a cap: recoveries first reduce the position above the
// cap (the lender's part), the pro-rata recovery sharing of an actual guarantee agreement is not
// modelled.

/// How an exposure's outstanding amount runs off: a(t), the fraction of the initial exposure
/// outstanding at the start of year t (t ≥ 1, a(1) = 1). A default in year t has exposure at
/// default EAD·a(t) (the balance at the start of the year: the tool's convention, conservative
/// by at most one year's repayment). After maturity M, a(t) = 0 and the loan cannot default
/// (its cumulative PD stays at PDᶜᵘᵐ(M)).
public enum Amortisation: Sendable, Hashable, Codable {
    /// No repayment within the horizon (a(t) = 1).
    case none
    /// Repaid in full at the end of year M: a(t) = 1 for t ≤ M, 0 after.
    case bullet(maturity: Int)
    /// Equal principal repayments over M years: a(t) = 1 − (t − 1)/M for t ≤ M.
    case linear(maturity: Int)
    /// Level annuity over M years at interest rate r: the balance after k payments is
    /// (1 − (1 + r)^−(M−k)) / (1 − (1 + r)^−M) (r = 0: linear).
    case annuity(maturity: Int, rate: Double)

    /// The maturity in years, nil for ``none``.
    public var maturity: Int? {
        switch self {
        case .none: return nil
        case let .bullet(m), let .linear(m), let .annuity(m, _): return m
        }
    }

    /// a(t), the outstanding fraction at the start of year t ≥ 1.
    public func outstanding(year t: Int) -> Double {
        if t <= 1 { return 1 }
        switch self {
        case .none: return 1
        case let .bullet(m): return t <= m ? 1 : 0
        case let .linear(m): return t <= m ? 1 - Double(t - 1) / Double(m) : 0
        case let .annuity(m, r):
            guard t <= m else { return 0 }
            if r == 0 { return 1 - Double(t - 1) / Double(m) }
            let v = 1 + r
            return (1 - pow(v, -Double(m - t + 1))) / (1 - pow(v, -Double(m)))
        }
    }
}

/// An obligor's PD term structure: its cumulative PD curve PDᶜᵘᵐ(t), t = 1 … T.
public enum TermStructure: Sendable, Hashable, Codable {
    /// The one-year PD of the portfolio, repeated: PDᶜᵘᵐ(1) = PD, PDᶜᵘᵐ(t) = 1 − (1 − PD)ᵗ.
    case constantAnnualPD
    /// A constant yearly hazard rate λ: PDᶜᵘᵐ(t) = 1 − e^(−λt).
    case hazard(Double)
    /// A cumulative PD curve given year by year (nondecreasing, in [0, 1], at least T values).
    case cumulative([Double])

    /// PDᶜᵘᵐ(1 … T) for a one-year PD `pd`.
    public func curve(oneYearPD pd: Double, horizon: Int) -> [Double] {
        (1...max(horizon, 1)).map { t in
            switch self {
            case .constantAnnualPD: return t == 1 ? pd : 1 - pow(1 - pd, Double(t))
            case let .hazard(l): return -expm1(-l * Double(t))
            case let .cumulative(c): return t <= c.count ? c[t - 1] : (c.last ?? 0)
            }
        }
    }
}

/// The lifetime of one exposure or pool: its PD term structure and its amortisation.
public struct CreditLifetime: Sendable, Hashable, Codable {
    public var term: TermStructure
    public var amortisation: Amortisation
    public init(term: TermStructure = .constantAnnualPD, amortisation: Amortisation = .none) {
        self.term = term
        self.amortisation = amortisation
    }
}

/// The `lifetime:` section: horizon, term structures, amortisation, recovery lag, fees and the
/// rates of the budgetary cost.
public struct LifetimeSpec: Sendable, Hashable, Codable {
    /// The first calendar year (year 1 of the horizon), e.g. 2027.
    public var startYear: Int
    /// T, the number of years in which defaults can happen (≥ 1).
    public var horizon: Int
    /// Years between a default and its recovery (≥ 0); flows are reported to year T + lag.
    public var recoveryLag: Int
    /// Discount rate r: a flow at the end of year t is worth (1 + r)^−t at the start of year 1.
    public var discountRate: Double
    /// Cost-of-capital rate κ charged on the unexpected loss held as capital (see ``LifetimeCost``).
    public var costOfCapitalRate: Double
    /// The confidence α of the unexpected loss and of the lifetime provisioning (default 0.99).
    public var confidence: Double
    /// Percentile levels of the yearly tables (default 95 % and 99 %).
    public var levels: [Double]
    /// Term structure and amortisation by exposure or pool name; others use ``defaultLifetime``.
    public var items: [String: CreditLifetime]
    /// For every exposure and pool not named in ``items``.
    public var defaultLifetime: CreditLifetime
    /// Annual fee (remuneration) rates by guarantee or tranche name, paid at the end of each year
    /// on the outstanding guaranteed amount (see ``LifetimeHolderYear/fees``).
    public var fees: [String: Double]
    /// The statutory provisioning rate of the guarantee (e.g. InvestEU's 40 %), for comparison.
    public var statutoryProvisioningRate: Double?

    public init(startYear: Int, horizon: Int, recoveryLag: Int = 0, discountRate: Double = 0, costOfCapitalRate: Double = 0,
                confidence: Double = 0.99, levels: [Double] = [0.95, 0.99], items: [String: CreditLifetime] = [:],
                defaultLifetime: CreditLifetime = CreditLifetime(), fees: [String: Double] = [:], statutoryProvisioningRate: Double? = nil) {
        self.startYear = startYear
        self.horizon = horizon
        self.recoveryLag = recoveryLag
        self.discountRate = discountRate
        self.costOfCapitalRate = costOfCapitalRate
        self.confidence = confidence
        self.levels = levels
        self.items = items
        self.defaultLifetime = defaultLifetime
        self.fees = fees
        self.statutoryProvisioningRate = statutoryProvisioningRate
    }

    /// The number of reported years, T + lag.
    public var years: Int { horizon + recoveryLag }

    /// The discount factor of a flow at the end of year t: (1 + r)^−t.
    public func discountFactor(year t: Int) -> Double { pow(1 + discountRate, -Double(t)) }

    /// The lifetime of the exposure or pool called `name`.
    public func lifetime(of name: String) -> CreditLifetime { items[name] ?? defaultLifetime }

    /// The effective cumulative PD curve of an item: its term structure's curve, held flat after
    /// its maturity (a repaid loan cannot default).
    public func cumulativePD(of name: String, oneYearPD pd: Double) -> [Double] {
        let life = lifetime(of: name)
        var c = life.term.curve(oneYearPD: pd, horizon: horizon)
        if let m = life.amortisation.maturity, m < horizon {
            for t in max(m, 1)..<horizon { c[t] = c[max(m, 1) - 1] }
        }
        return c
    }

    /// Throws unless every value is in range, every curve is a cumulative PD curve and every
    /// named item, guarantee or tranche exists.
    public func validate(portfolio: Portfolio, structure: RiskSharingStructure) throws(RiskModelError) {
        func bad(_ item: String, _ reason: String) -> RiskModelError { .invalidInput(item: item, reason: reason) }
        guard horizon >= 1 && horizon <= 100 else { throw bad("lifetime", "horizon \(horizon) must be 1 … 100 years") }
        guard recoveryLag >= 0 && recoveryLag <= 50 else { throw bad("lifetime", "recovery lag \(recoveryLag) must be 0 … 50 years") }
        guard discountRate.isFinite, discountRate > -1 else { throw bad("lifetime", "discount rate \(discountRate) must be > −1") }
        guard costOfCapitalRate.isFinite, costOfCapitalRate >= 0 else { throw bad("lifetime", "cost of capital rate \(costOfCapitalRate) must be ≥ 0") }
        guard confidence > 0 && confidence < 1 else { throw bad("lifetime", "confidence \(confidence) must be in (0, 1)") }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 && $0 < 1 }) else { throw bad("lifetime", "levels must be in (0, 1)") }
        if let s = statutoryProvisioningRate, !(s >= 0 && s <= 1) { throw bad("lifetime", "statutory provisioning rate \(s) is not in [0, 1]") }
        let names = Set(portfolio.exposures.map(\.name) + portfolio.pools.map(\.name))
        for name in items.keys.sorted() where !names.contains(name) {
            throw bad("lifetime item \(name)", "is not an exposure or pool of the portfolio")
        }
        let payers = Set(structure.guarantees.map(\.name) + structure.tranches.map(\.name))
        for (name, rate) in fees.sorted(by: { $0.key < $1.key }) {
            guard payers.contains(name) else { throw bad("lifetime fee \(name)", "is not a guarantee or tranche") }
            guard rate.isFinite, rate >= 0, rate < 1 else { throw bad("lifetime fee \(name)", "rate \(rate) must be in [0, 1)") }
        }
        func check(_ name: String, _ life: CreditLifetime) throws(RiskModelError) {
            let item = "lifetime item \(name)"
            switch life.term {
            case .constantAnnualPD: break
            case let .hazard(l): guard l.isFinite, l >= 0 else { throw bad(item, "hazard rate \(l) must be ≥ 0") }
            case let .cumulative(c):
                guard c.count >= horizon else { throw bad(item, "cumulative PD curve has \(c.count) values for a horizon of \(horizon) years") }
                for (k, p) in c.enumerated() {
                    guard p.isFinite, p >= 0, p <= 1 else { throw bad(item, "cumulative PD \(p) in year \(k + 1) is not in [0, 1]") }
                    if k > 0, p < c[k - 1] { throw bad(item, "cumulative PD falls from \(c[k - 1]) in year \(k) to \(p) in year \(k + 1): a cumulative PD curve is nondecreasing") }
                }
            }
            switch life.amortisation {
            case .none: break
            case let .bullet(m), let .linear(m):
                guard m >= 1 else { throw bad(item, "maturity \(m) must be ≥ 1 year") }
            case let .annuity(m, r):
                guard m >= 1 else { throw bad(item, "maturity \(m) must be ≥ 1 year") }
                guard r.isFinite, r >= 0 else { throw bad(item, "annuity rate \(r) must be ≥ 0") }
            }
        }
        try check("(default)", defaultLifetime)
        for (name, life) in items.sorted(by: { $0.key < $1.key }) { try check(name, life) }
    }
}
