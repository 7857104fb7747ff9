import RiskSharing
import Stochastics

/// The risk cover the public side offers a co-invested portfolio of volume V:
///
/// - a **first-loss** tranche [0, f) held by the public side, the private tranche being [f, 1];
/// - a **guarantee** on the private tranche with rate g and cap rate c: payout = min(g · private
///   tranche loss, cap amount), the cap amount c · g · (1 − f)·V under the EIF convention (the
///   default, `CapBasis/guaranteedAmount`) or c · V (`CapBasis/volume`), per ``CoverTerms/capBasis``.
///
/// Either may be zero. (Models/SOURCES.md §7: COSME g = 50 %, cap rate c = 20 % of the guaranteed amount.)
public struct Cover: Sendable, Hashable {
    /// First-loss size f ∈ [0, 1] as a fraction of the portfolio.
    public var firstLoss: Double
    /// Guarantee rate g ∈ [0, 1] on the private tranche's losses.
    public var guaranteeRate: Double
    /// Guarantee cap rate c ∈ [0, 1]: a fraction of the guaranteed amount or of the volume (`CapBasis`).
    public var guaranteeCap: Double

    public init(firstLoss: Double = 0, guaranteeRate: Double = 0, guaranteeCap: Double = 0) {
        self.firstLoss = firstLoss
        self.guaranteeRate = guaranteeRate
        self.guaranteeCap = guaranteeCap
    }

    /// True when the cover includes a guarantee (g > 0 and c > 0).
    public var hasGuarantee: Bool { guaranteeRate > 0 && guaranteeCap > 0 }

    /// The tranches and guarantee this cover defines, with the given holder names and cap convention.
    public func structure(publicHolder: String, privateHolder: String, capBasis: CapBasis = .guaranteedAmount) -> RiskSharingStructure {
        var tranches: [Tranche] = []
        if firstLoss > 0 { tranches.append(Tranche(name: "first_loss", attachment: 0, detachment: min(firstLoss, 1), holder: publicHolder)) }
        if firstLoss < 1 { tranches.append(Tranche(name: "private", attachment: firstLoss, detachment: 1, holder: privateHolder)) }
        var guarantees: [Guarantee] = []
        if hasGuarantee && firstLoss < 1 {
            guarantees.append(Guarantee(name: "guarantee", rate: guaranteeRate, cap: guaranteeCap, capBasis: capBasis, covers: .tranche("private"), guarantor: publicHolder))
        }
        return RiskSharingStructure(tranches: tranches, guarantees: guarantees)
    }
}

/// What private investors in the private tranche require before they come in. Each limit is
/// optional; a cover "works" when every declared limit holds.
///
/// - expected loss: EL / notional ≤ `maxExpectedLoss` (a fraction; models state it in bp);
/// - probability of any loss: P(private loss > 0) ≤ `maxLossProbability` (a rating-equivalent
///   default probability over the horizon, e.g. 0.1 % ≈ single-A over one year);
/// - hurdle: coupon − EL / notional ≥ `hurdle` (expected return net of losses over the horizon).
public struct InvestorConstraints: Sendable, Hashable {
    /// Maximum EL / notional of the private tranche, **a fraction** (0.002 = 20 bp); see
    /// ``maxExpectedLossBasisPoints`` for the files' and the command line's unit.
    public var maxExpectedLoss: Double?
    /// Maximum probability of any private loss over the horizon (a fraction).
    public var maxLossProbability: Double?
    /// Coupon of the private tranche (a fraction per horizon); with `hurdle`.
    public var coupon: Double?
    /// Minimum coupon − EL rate (a fraction); with `coupon`.
    public var hurdle: Double?

    /// Constraints with the expected-loss limit in basis points, as model files
    /// (`max_expected_loss_bp`) and `solve --max-expected-loss-bp` state it: 20 bp ⇒ 0.002.
    public init(maxExpectedLossBasisPoints: Double?, maxLossProbability: Double? = nil, coupon: Double? = nil, hurdle: Double? = nil) {
        self.init(maxExpectedLoss: maxExpectedLossBasisPoints.map { $0 / 10_000 }, maxLossProbability: maxLossProbability,
                  coupon: coupon, hurdle: hurdle)
    }

    /// The expected-loss limit in basis points (1 bp = 0.0001); setting it sets ``maxExpectedLoss``.
    public var maxExpectedLossBasisPoints: Double? {
        get { maxExpectedLoss.map { $0 * 10_000 } }
        set { maxExpectedLoss = newValue.map { $0 / 10_000 } }
    }

    public init(maxExpectedLoss: Double? = nil, maxLossProbability: Double? = nil, coupon: Double? = nil, hurdle: Double? = nil) {
        self.maxExpectedLoss = maxExpectedLoss
        self.maxLossProbability = maxLossProbability
        self.coupon = coupon
        self.hurdle = hurdle
    }

    /// True when no constraint is declared.
    public var isEmpty: Bool { maxExpectedLoss == nil && maxLossProbability == nil && (coupon == nil || hurdle == nil) }
}

/// Budget conventions for turning cover into a public budget commitment.
public struct CoverTerms: Sendable, Hashable {
    /// Holder name of the public side (first loss and guarantor).
    public var publicHolder: String
    /// Holder name of the private investors.
    public var privateHolder: String
    /// Budget set aside per euro of guarantee liability (InvestEU: 40 %): the public budget
    /// commitment is f·V + r·(maximum guarantee liability). A funded first loss counts in full.
    public var provisioningRate: Double
    /// Confidence α at which a provisioning rate covering guarantee calls is computed.
    public var confidence: Double
    /// Width of the uncertainty bands in standard errors (solutions are reported as an interval).
    public var z: Double
    /// What the guarantee's cap rate is a fraction of (default: the guaranteed amount, the EIF convention).
    public var capBasis: CapBasis
    /// The largest acceptable probability that guarantee calls exceed the provision
    /// (provisioning rate × maximum liability); default 1 − ``confidence``. A cover above it is
    /// flagged unfunded and never reported as capacity.
    public var shortfallTolerance: Double?

    public init(publicHolder: String = "public", privateHolder: String = "private", provisioningRate: Double = 1,
                confidence: Double = 0.99, z: Double = 2, capBasis: CapBasis = .guaranteedAmount, shortfallTolerance: Double? = nil) {
        self.publicHolder = publicHolder
        self.privateHolder = privateHolder
        self.provisioningRate = provisioningRate
        self.confidence = confidence
        self.z = z
        self.capBasis = capBasis
        self.shortfallTolerance = shortfallTolerance
    }

    /// The stated shortfall tolerance, or 1 − confidence.
    public var effectiveShortfallTolerance: Double { shortfallTolerance ?? (1 - confidence) }
}

/// One investor constraint checked at one cover.
public struct ConstraintCheck: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case expectedLoss = "expected_loss"
        case lossProbability = "loss_probability"
        case netReturn = "net_return"
    }
    public var kind: Kind
    /// The limit (a maximum for expected loss and loss probability, a minimum for net return).
    public var limit: Double
    /// The Monte Carlo estimate and its standard error.
    public var estimate: Double
    public var standardError: Double
    /// The estimate meets the limit.
    public var holds: Bool {
        kind == .netReturn ? estimate >= limit : estimate <= limit
    }
    /// (limit − estimate) in standard errors, signed so that positive means "holds" (∞ when SE = 0).
    public var marginInStandardErrors: Double {
        let gap = kind == .netReturn ? estimate - limit : limit - estimate
        return standardError > 0 ? gap / standardError : (gap >= 0 ? .infinity : -.infinity)
    }
}
