import RiskSharing

/// Reads the `lifetime` section (the multi-year credit model, see RiskSharing's `LifetimeSpec`):
///
///     lifetime:
///       start_year: 2027            # year 1
///       horizon: 8                  # years in which defaults happen (2027–2034)
///       recovery_lag: 2             # years from a default to its recovery (≥ 0)
///       discount_rate: 0.03         # flows at the end of year t are worth (1 + r)^−t
///       cost_of_capital: 0.06       # κ on the unexpected loss
///       confidence: 0.99            # α of the unexpected loss and the lifetime provision
///       levels: [0.95, 0.99]        # percentiles of the yearly tables
///       statutory_provisioning_rate: 0.4
///       fees: {eu_guarantee: 0.005} # annual fee rate on the outstanding guaranteed amount
///       default: {amortisation: linear, maturity: 5}          # for every item not listed
///       items:
///         sme_loans: {hazard: 0.03, amortisation: annuity, maturity: 6, rate: 0.05}
///         gf1: {cumulative_pd: [0.01, 0.025, 0.04], amortisation: bullet, maturity: 7}
///
/// An item's term structure is `cumulative_pd` (nondecreasing, in [0, 1], one value per year
/// of the horizon at least), `hazard` (constant yearly hazard λ) or neither (the portfolio's
/// one-year PD every year).
struct LifetimeReader {
    let sink: DiagnosticSink
    static let fields = ["start_year", "horizon", "recovery_lag", "discount_rate", "cost_of_capital", "confidence", "levels",
                         "statutory_provisioning_rate", "fees", "default", "items"]
    static let itemFields = ["cumulative_pd", "hazard", "amortisation", "maturity", "rate"]
    enum AmortisationName: String, CaseIterable { case none, bullet, linear, annuity }

    func read(_ value: YAMLValue, portfolio: Portfolio?, structure: RiskSharingStructure?) -> LifetimeSpec? {
        guard let m = value.mapping(allowed: LifetimeReader.fields) else { return nil }
        let start = m.required("start_year")?.integer(minimum: 1900, maximum: 2200)
        let horizon = m.required("horizon")?.integer(minimum: 1, maximum: 100, what: "years")
        var ok = start != nil && horizon != nil
        func optional<T>(_ key: String, _ read: (YAMLValue) -> T?) -> T? {
            guard let v = m[key] else { return nil }
            let x = read(v)
            if x == nil { ok = false }
            return x
        }
        let lag = optional("recovery_lag") { $0.integer(minimum: 0, maximum: 50, what: "years") } ?? 0
        let discount = optional("discount_rate") { v -> Double? in
            guard let x = v.number() else { return nil }
            guard x > -1 && x < 1 else { v.error("discount rate \(YAMLValue.show(x)) must be in (−1, 1), a fraction (3 % is 0.03)"); return nil }
            return x
        } ?? 0
        let coc = optional("cost_of_capital") { $0.fraction() } ?? 0
        let confidence = optional("confidence") { v -> Double? in
            guard let x = v.fraction() else { return nil }
            guard x > 0 && x < 1 else { v.error("confidence must be strictly between 0 and 1"); return nil }
            return x
        } ?? 0.99
        let levels = optional("levels") { v -> [Double]? in
            guard let list = v.sequence() else { return nil }
            if list.isEmpty { v.error("give at least one level"); return nil }
            var out: [Double] = []
            for item in list {
                guard let x = item.fraction() else { return nil }
                guard x > 0 && x < 1 else { item.error("a percentile level must be strictly between 0 and 1"); return nil }
                out.append(x)
            }
            return out
        } ?? [0.95, 0.99]
        let statutory = optional("statutory_provisioning_rate") { $0.fraction() }
        var fees: [String: Double] = [:]
        if let f = m["fees"] {
            let payers = (structure?.guarantees.map(\.name) ?? []) + (structure?.tranches.map(\.name) ?? [])
            if let fm = f.mapping(allowed: payers) {
                for entry in fm.entries {
                    if let x = fm[entry.key]?.fraction() { fees[entry.key] = x } else { ok = false }
                }
            } else { ok = false }
        }
        let horizonYears = horizon ?? 1
        var defaultLifetime = CreditLifetime()
        if let d = m["default"] {
            if let life = readItem(d, horizon: horizonYears, allowCurve: false) { defaultLifetime = life } else { ok = false }
        }
        var items: [String: CreditLifetime] = [:]
        if let list = m["items"] {
            let names = (portfolio?.exposures.map(\.name) ?? []) + (portfolio?.pools.map(\.name) ?? [])
            if let im = list.mapping(allowed: names) {
                for entry in im.entries {
                    if let life = readItem(im[entry.key]!, horizon: horizonYears, allowCurve: true) { items[entry.key] = life } else { ok = false }
                }
            } else { ok = false }
        }
        guard ok, let start, let horizon else { return nil }
        return LifetimeSpec(startYear: start, horizon: horizon, recoveryLag: lag, discountRate: discount, costOfCapitalRate: coc,
                            confidence: confidence, levels: levels, items: items, defaultLifetime: defaultLifetime, fees: fees,
                            statutoryProvisioningRate: statutory)
    }

    private func readItem(_ value: YAMLValue, horizon: Int, allowCurve: Bool) -> CreditLifetime? {
        guard let m = value.mapping(allowed: allowCurve ? LifetimeReader.itemFields : LifetimeReader.itemFields.filter { $0 != "cumulative_pd" }) else { return nil }
        var ok = true
        var term = TermStructure.constantAnnualPD
        if m.has("cumulative_pd") && m.has("hazard") {
            m["hazard"]!.error("give either cumulative_pd or hazard, not both")
            ok = false
        } else if let h = m["hazard"] {
            if let x = h.nonNegative() {
                if x > 10 { h.error("hazard rate \(YAMLValue.show(x)) a year is implausibly large (write 3 % as 0.03)"); ok = false } else { term = .hazard(x) }
            } else { ok = false }
        } else if let c = m["cumulative_pd"] {
            if let list = c.sequence() {
                var curve: [Double] = []
                for (k, item) in list.enumerated() {
                    guard let p = item.number() else { ok = false; continue }
                    if p < 0 || p > 1 { item.error("cumulative PD \(YAMLValue.show(p)) in year \(k + 1) is not in [0, 1]"); ok = false; continue }
                    if let last = curve.last, p < last {
                        item.error("cumulative PD falls from \(YAMLValue.show(last)) in year \(k) to \(YAMLValue.show(p)) in year \(k + 1): a cumulative PD curve is nondecreasing")
                        ok = false
                    }
                    curve.append(p)
                }
                if ok && curve.count < horizon {
                    c.error("has \(curve.count) values for a horizon of \(horizon) years: give one cumulative PD per year")
                    ok = false
                }
                term = .cumulative(curve)
            } else { ok = false }
        }
        var amortisation = Amortisation.none
        let kind = m["amortisation"].map { $0.choice(AmortisationName.self) } ?? AmortisationName.none
        if m.has("amortisation") && kind == nil { ok = false }
        switch kind {
        case .bullet?, .linear?, .annuity?:
            let maturity = m.required("maturity")?.integer(minimum: 1, maximum: 100, what: "years")
            var rate = 0.0
            if kind == .annuity {
                if let r = m.required("rate")?.fraction() { rate = r } else { ok = false }
            } else if m.has("rate") { m["rate"]!.error("rate goes with amortisation: annuity"); ok = false }
            guard let maturity else { return nil }
            amortisation = kind == .bullet ? .bullet(maturity: maturity) : (kind == .linear ? .linear(maturity: maturity) : .annuity(maturity: maturity, rate: rate))
        default:
            for key in ["maturity", "rate"] where m.has(key) { m[key]!.error("\(key) goes with amortisation: bullet, linear or annuity"); ok = false }
        }
        return ok ? CreditLifetime(term: term, amortisation: amortisation) : nil
    }
}
