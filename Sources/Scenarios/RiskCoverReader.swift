import RiskCover
import RiskSharing

/// The `risk_cover` section: who the public and private sides are, what investors require,
/// how guarantees are provisioned, and the default grid, guarantee, budget and stress.
public struct RiskCoverSpec: Sendable {
    public var terms: CoverTerms
    public var constraints: InvestorConstraints
    /// A guarantee on the private tranche held fixed while solving for the first loss.
    public var guarantee: (rate: Double, cap: Double)?
    /// A public budget (model money unit) for "the largest portfolio it supports".
    public var budget: Double?
    /// The default sweep grid (the command line can replace each axis).
    public var grid: CoverGrid
    /// A default stress for `--stress`-less runs that still want a stressed comparison.
    public var stress: PortfolioStress?
    /// The ranges of `leverage sensitivity` (`risk_cover.sensitivity`); defaults where absent.
    public var sensitivity = SensitivityRanges()

    /// The `risk_cover` section built in code. Constraints carry their units in their
    /// initialiser (RiskCover's `InvestorConstraints(maxExpectedLossBasisPoints:)`
    /// takes basis points, as files and the command line do).
    public init(terms: CoverTerms = CoverTerms(), constraints: InvestorConstraints = InvestorConstraints(),
                guarantee: (rate: Double, cap: Double)? = nil, budget: Double? = nil,
                grid: CoverGrid = CoverGrid(), stress: PortfolioStress? = nil) {
        self.terms = terms
        self.constraints = constraints
        self.guarantee = guarantee
        self.budget = budget
        self.grid = grid
        self.stress = stress
    }
}

/// Reads `risk_cover`:
///
///     risk_cover:
///       public_holder: EU
///       private_holder: private investors
///       provisioning_rate: 0.4        # budget per euro of guarantee liability (InvestEU 40 %)
///       confidence: 0.99              # for the provisioning rate covering calls
///       budget: 2000                  # public budget, model money unit
///       investors:
///         max_expected_loss_bp: 25    # EL / notional, basis points
///         max_loss_probability: 0.003 # P(any private loss)
///         coupon: 0.045
///         hurdle: 0.04                # coupon − EL rate ≥ hurdle
///       guarantee: {rate: 0.5, cap: 0.2}   # cap_basis: guaranteed_amount (default) | volume
///       shortfall_tolerance: 0.01     # flag covers whose calls exceed the provision more often
///       sweep: {first_loss: "0:0.3:0.01", guarantee_rate: "0", guarantee_cap: "0"}
///       stress: {pd: 1.5, correlation: 0.05, lgd: 0.1}
///       sensitivity: {pd: [0.7, 1.5], max_expected_loss_bp: [15, 40]}   # see SensitivityReader
struct RiskCoverReader {
    let sink: DiagnosticSink
    static let fields = ["public_holder", "private_holder", "provisioning_rate", "confidence", "budget", "investors", "guarantee", "sweep", "stress", "shortfall_tolerance", "sensitivity"]

    func read(_ value: YAMLValue) -> RiskCoverSpec? {
        guard let m = value.mapping(allowed: RiskCoverReader.fields) else { return nil }
        var ok = true
        func optional<T>(_ key: String, _ read: (YAMLValue) -> T?) -> T? {
            guard let v = m[key] else { return nil }
            let x = read(v)
            if x == nil { ok = false }
            return x
        }
        var terms = CoverTerms()
        if let h = optional("public_holder", { $0.string() }) { terms.publicHolder = h }
        if let h = optional("private_holder", { $0.string() }) { terms.privateHolder = h }
        if terms.publicHolder == terms.privateHolder, let v = m["private_holder"] { v.error("the private holder must differ from the public holder '\(terms.publicHolder)'"); ok = false }
        if let r = optional("provisioning_rate", { $0.fraction() }) { terms.provisioningRate = r }
        if let c = optional("confidence", { $0.fraction() }) {
            if c <= 0 || c >= 1 { m["confidence"]!.error("\(YAMLValue.show(c)) must be strictly between 0 and 1"); ok = false } else { terms.confidence = c }
        }
        let budget = optional("budget", { $0.positive() })
        if let t = optional("shortfall_tolerance", { $0.fraction() }) {
            if t <= 0 || t >= 1 { m["shortfall_tolerance"]!.error("\(YAMLValue.show(t)) must be strictly between 0 and 1"); ok = false } else { terms.shortfallTolerance = t }
        }
        var constraints = InvestorConstraints()
        if let inv = m["investors"] {
            if let im = inv.mapping(allowed: ["max_expected_loss_bp", "max_loss_probability", "coupon", "hurdle"]) {
                if let v = im["max_expected_loss_bp"] {
                    if let bp = v.nonNegative() {
                        if bp > 10_000 { v.error("\(YAMLValue.show(bp)) bp is above 10000 bp (100 %)"); ok = false } else { constraints.maxExpectedLoss = bp / 10_000 }
                    } else { ok = false }
                }
                if let v = im["max_loss_probability"] { if let p = v.fraction() { constraints.maxLossProbability = p } else { ok = false } }
                if let v = im["coupon"] { if let c = v.fraction() { constraints.coupon = c } else { ok = false } }
                if let v = im["hurdle"] { if let h = v.number() { constraints.hurdle = h } else { ok = false } }
                if im.has("coupon") != im.has("hurdle") {
                    im.error(im.has("coupon") ? "hurdle" : "coupon", "coupon and hurdle go together (coupon − expected loss rate ≥ hurdle)")
                    ok = false
                }
                if constraints.isEmpty && ok { inv.error("declare at least one constraint: max_expected_loss_bp, max_loss_probability, or coupon with hurdle"); ok = false }
            } else { ok = false }
        }
        var guarantee: (Double, Double)?
        if let g = m["guarantee"] {
            if let gm = g.mapping(allowed: ["rate", "cap", "cap_basis"]) {
                let rate = gm.required("rate")?.fraction(), cap = gm.required("cap")?.fraction()
                if let rate, let cap { guarantee = (rate, cap) } else { ok = false }
                if let v = gm["cap_basis"] { if let b = v.choice(CapBasis.self) { terms.capBasis = b } else { ok = false } }
            } else { ok = false }
        }
        var grid = CoverGrid(firstLoss: Array(stride(from: 0.0, through: 0.3 + 1e-12, by: 0.01)))
        if let s = m["sweep"] {
            if let sm = s.mapping(allowed: ["first_loss", "guarantee_rate", "guarantee_cap"]) {
                for key in ["first_loss", "guarantee_rate", "guarantee_cap"] {
                    guard let v = sm[key] else { continue }
                    guard case .scalar(let scalar) = v.node else { v.error("expected from:to:step, a list x,y,z or a value"); ok = false; continue }
                    if let problem = RiskCoverReader.axisProblem(scalar.string) { v.error(problem); ok = false; continue }
                    switch CoverGrid.axisValues(scalar.string) {
                    case .failure(let message): v.error(message.text); ok = false
                    case .success(let values):
                        switch key {
                        case "first_loss": grid.firstLoss = values
                        case "guarantee_rate": grid.guaranteeRate = values
                        default: grid.guaranteeCap = values
                        }
                    }
                }
            } else { ok = false }
        }
        var stress: PortfolioStress?
        if let s = m["stress"] {
            if let sm = s.mapping(allowed: ["pd", "correlation", "lgd"]) {
                var st = PortfolioStress()
                if let v = sm["pd"] { if let k = v.positive() { st.pdMultiplier = k } else { ok = false } }
                // A shift moves a correlation or an LGD, both in [0, 1]: beyond ±1 it is a typo.
                func shift(_ key: String) -> Double? {
                    guard let v = sm[key] else { return nil }
                    guard let d = v.number() else { ok = false; return nil }
                    guard abs(d) <= 1 else {
                        v.error("a \(key) shift of \(YAMLValue.show(d)) is outside [-1, 1]"); ok = false; return nil
                    }
                    return d
                }
                if let d = shift("correlation") { st.correlationShift = d }
                if let d = shift("lgd") { st.lgdShift = d }
                stress = st
            } else { ok = false }
        }
        var sensitivity = SensitivityRanges()
        if let s = m["sensitivity"] {
            if let r = SensitivityReader(sink: sink).read(s) { sensitivity = r } else { ok = false }
        }
        guard ok else { return nil }
        var spec = RiskCoverSpec(terms: terms, constraints: constraints, guarantee: guarantee, budget: budget, grid: grid, stress: stress)
        spec.sensitivity = sensitivity
        return spec
    }

    /// What makes a sweep axis unusable before it is expanded: a value that is not a finite
    /// number (`0:inf:0.1`, `nan`), or a range with more than 10,000 points (`0:1:1e-300`),
    /// counted in floating point so that the count itself cannot overflow an `Int`.
    static func axisProblem(_ spec: String) -> String? {
        let parts = spec.split(separator: spec.contains(":") ? ":" : ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = parts.map { Double($0) }
        if let k = numbers.firstIndex(where: { $0.map { !$0.isFinite } ?? false }) {
            return "'\(Diagnostic.quote(parts[k]))' is not a finite number"
        }
        if spec.contains(":"), numbers.count == 3, let a = numbers[0], let b = numbers[1], let step = numbers[2], step > 0, b >= a {
            if (b - a) / step > 10_000 { return "'\(Diagnostic.quote(spec))': more than 10000 values" }
        }
        return nil
    }
}
