import CapitalStacks

/// Reads `stacks[k]`:
///
///     - id: gigafactory
///       label: One AI gigafactory
///       total: 5.0                      # capex, EUR bn
///       contributors:
///         - {id: eu, label: EU budget, source: eu_budget, instrument: grant, share: 0.17, cap: 0.82}
///         - {id: host_state, label: Host Member State, source: member_state, instrument: grant, match: {of: [eu], ratio: 1}}
///         - {id: private, label: Private investors, source: private, instrument: mixed, remainder: true}
///       allocations:
///         - {id: gigafactories, label: AI gigafactories fund, amount: 20, units: 4}
struct StackReader {
    let sink: DiagnosticSink
    static let fields = ["id", "label", "total", "contributors", "allocations"]
    static let contributorFields = ["id", "label", "source", "instrument", "programme", "amount", "share", "match", "remainder", "cap", "pledge_realisation"]
    static let allocationFields = ["id", "label", "amount", "share", "units"]

    func read(_ value: YAMLValue) -> CapitalStack? {
        guard let m = value.mapping(allowed: StackReader.fields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let total = m["total"]?.positive()
        let contributorValues = m.required("contributors")?.sequence() ?? []
        if m.has("contributors") && contributorValues.isEmpty { m["contributors"]?.error("a stack needs at least one contributor") }
        let contributors = contributorValues.map(contributor)
        let allocations = (m["allocations"]?.sequence() ?? []).map(allocation)
        checkShares(contributorValues, contributors)
        guard let id, let label, contributors.allSatisfy({ $0 != nil }), allocations.allSatisfy({ $0 != nil }) else { return nil }
        return CapitalStack(id: id, label: label, total: total, contributors: contributors.map { $0! }, allocations: allocations.map { $0! })
    }

    private func contributor(_ value: YAMLValue) -> Contributor? {
        guard let m = value.mapping(allowed: StackReader.contributorFields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let source = m.required("source")?.choice(Source.self)
        let instrument = m.required("instrument")?.choice(Instrument.self)
        let programme = m["programme"]?.string()
        let cap = m["cap"]?.nonNegative()
        var rule: AmountRule?
        switch m.exactlyOne(of: ["amount", "share", "match", "remainder"]) {
        case "amount": rule = m["amount"]!.nonNegative().map(AmountRule.amount)
        case "share": rule = m["share"]!.fraction().map(AmountRule.shareOfTotal)
        case "match":
            if let mm = m["match"]!.mapping(allowed: ["of", "ratio"]) {
                let of = mm.required("of")?.sequence()?.compactMap { $0.identifier() }
                if let list = mm["of"]?.sequence(), list.isEmpty { mm["of"]?.error("name at least one contributor to match") }
                let ratio = mm.required("ratio")?.nonNegative()
                if let of, let ratio, !of.isEmpty { rule = .matching(of: of, ratio: ratio) }
            }
        case "remainder":
            if let flag = m["remainder"]!.bool() {
                if flag { rule = .remainder } else { m["remainder"]!.error("remainder: false means nothing; give amount, share or match instead") }
            }
        default: break
        }
        // pledge_realisation: {low, base, high}: the amount is a pre-existing pledge, realised at an uncertain share.
        let pledge = m["pledge_realisation"].map(uncertainShare)
        guard let id, let label, let source, let instrument, let rule else { return nil }
        if m.has("cap") && cap == nil { return nil }
        if let pledge, pledge == nil { return nil }
        return Contributor(id: id, label: label, source: source, instrument: instrument, programme: programme, rule: rule, cap: cap,
                           pledge: pledge ?? nil)
    }

    /// Shares of the total may not add up to more than 100 % (reported at the share that crosses it).
    private func checkShares(_ values: [YAMLValue], _ contributors: [Contributor?]) {
        var sum = 0.0
        for (value, c) in zip(values, contributors) {
            guard let c, case .shareOfTotal(let s) = c.rule else { continue }
            sum += s
            if sum > 1 + 1e-12 {
                if case .mapping(let map) = value.node, let node = map["share"] {
                    YAMLValue(node: node, path: value.path.key("share"), sink: sink)
                        .error("shares of the total add up to \(YAMLValue.show(sum * 100)) %, over 100 %")
                }
                return
            }
        }
    }

    private func allocation(_ value: YAMLValue) -> Earmark? {
        guard let m = value.mapping(allowed: StackReader.allocationFields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let units = m["units"]?.integer(minimum: 1)
        var size: Earmark.Size?
        switch m.exactlyOne(of: ["amount", "share"]) {
        case "amount": size = m["amount"]!.nonNegative().map(Earmark.Size.amount)
        case "share": size = m["share"]!.fraction().map(Earmark.Size.shareOfTotal)
        default: break
        }
        guard let id, let label, let size else { return nil }
        if m.has("units") && units == nil { return nil }
        return Earmark(id: id, label: label, size: size, units: units)
    }
}

/// Reads `chains[k]`:
///
///     - id: efsi1
///       label: EFSI 1 (2015)
///       base:
///         - {id: eu_guarantee, label: EU guarantee, source: eu_budget, kind: guarantee, amount: 16}
///         - {id: eib, label: EIB own resources, source: eib_group, kind: capital, amount: 5}
///       provision: {rate: 0.5}            # or {amount: 8}
///       stages:                           # or investment: 372
///         - {label: EIB subordinated financing, multiplier: 3}
///         - {label: third-party investment, multiplier: 5}
///       expost: {reported: 503, deductions: [{label: …, amount: 131}], additionality: 0.67}
struct ChainReader {
    let sink: DiagnosticSink
    static let fields = ["id", "label", "base", "provision", "stages", "investment", "expost"]
    static let componentFields = ["id", "label", "source", "kind", "amount", "share_of", "share"]

    func read(_ value: YAMLValue) -> LeverageChain? {
        guard let m = value.mapping(allowed: ChainReader.fields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let base = (m.required("base")?.sequence() ?? []).map(component)
        if let list = m["base"]?.sequence(), list.isEmpty { m["base"]?.error("a chain needs at least one base component") }
        var provision: LeverageChain.Provision?
        var provisionOK = true
        if let p = m["provision"]?.mapping(allowed: ["rate", "amount"]) {
            switch p.exactlyOne(of: ["rate", "amount"]) {
            case "rate": provision = p["rate"]!.fraction().map(LeverageChain.Provision.rate)
            case "amount": provision = p["amount"]!.nonNegative().map(LeverageChain.Provision.amount)
            default: break
            }
            provisionOK = provision != nil
        } else if m.has("provision") { provisionOK = false }
        let stages = (m["stages"]?.sequence() ?? []).map(stage)
        let investment = m["investment"]?.nonNegative()
        if !m.has("stages") && !m.has("investment") { m.error("stages", "a chain needs stages (multipliers) or a stated investment") }
        let expost = m["expost"].map(self.expost)
        guard let id, let label, base.allSatisfy({ $0 != nil }), stages.allSatisfy({ $0 != nil }), provisionOK else { return nil }
        if m.has("investment") && investment == nil { return nil }
        if let expost, expost == nil { return nil }
        return LeverageChain(id: id, label: label, base: base.map { $0! }, stages: stages.map { $0! }, investment: investment,
                             provision: provision, expost: expost ?? nil)
    }

    private func component(_ value: YAMLValue) -> LeverageChain.Component? {
        guard let m = value.mapping(allowed: ChainReader.componentFields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let source = m.required("source")?.choice(Source.self)
        let kind = m.required("kind")?.choice(LeverageChain.Component.Kind.self)
        var size: LeverageChain.Component.Size?
        switch m.exactlyOne(of: ["amount", "share_of"]) {
        case "amount":
            size = m["amount"]!.nonNegative().map(LeverageChain.Component.Size.amount)
            if m.has("share") { m["share"]!.error("`share` goes with `share_of`, not with `amount`") }
        case "share_of":
            let of = m["share_of"]!.identifier()
            let share = m.required("share")?.fraction()
            if let of, let share { size = .shareOf(of, share) }
        default: break
        }
        guard let id, let label, let source, let kind, let size else { return nil }
        return LeverageChain.Component(id: id, label: label, source: source, kind: kind, size: size)
    }

    private func stage(_ value: YAMLValue) -> LeverageChain.Stage? {
        guard let m = value.mapping(allowed: ["label", "multiplier", "final_recipient_financing"]) else { return nil }
        let label = m.required("label")?.string()
        let multiplier = m.required("multiplier")?.positive()
        let financing = m["final_recipient_financing"]?.bool()
        guard let label, let multiplier else { return nil }
        if m.has("final_recipient_financing") && financing == nil { return nil }
        return LeverageChain.Stage(label: label, multiplier: multiplier, finalRecipientFinancing: financing ?? false)
    }

    private func expost(_ value: YAMLValue) -> LeverageChain.ExPost? {
        guard let m = value.mapping(allowed: ["reported", "deductions", "additionality"]) else { return nil }
        let reported = m.required("reported")?.nonNegative()
        let deductions: [LeverageChain.Deduction?] = (m["deductions"]?.sequence() ?? []).map { d in
            guard let dm = d.mapping(allowed: ["label", "amount"]) else { return nil }
            let label = dm.required("label")?.string()
            let amount = dm.required("amount")?.nonNegative()
            guard let label, let amount else { return nil }
            return LeverageChain.Deduction(label: label, amount: amount)
        }
        // additionality: a share, or {low, base, high} (an uncertain share, PERT).
        var additionality: Double?
        var range: UncertainShare?
        if let v = m["additionality"] {
            if case .mapping = v.node { range = uncertainShare(v); additionality = range?.base } else { additionality = v.fraction() }
        }
        guard let reported, deductions.allSatisfy({ $0 != nil }) else { return nil }
        if m.has("additionality") && additionality == nil { return nil }
        return LeverageChain.ExPost(reported: reported, deductions: deductions.map { $0! }, additionality: additionality, additionalityRange: range)
    }
}

/// Reads an uncertain share `{low: 0.2, base: 0.5, high: 0.9}`: three fractions with
/// low ≤ base ≤ high (``UncertainShare``, read as a PERT distribution).
func uncertainShare(_ value: YAMLValue) -> UncertainShare? {
    guard let m = value.mapping(allowed: ["low", "base", "high"]) else { return nil }
    let low = m.required("low")?.fraction(), base = m.required("base")?.fraction(), high = m.required("high")?.fraction()
    guard let low, let base, let high else { return nil }
    if low > base { m["low"]!.error("\(YAMLValue.show(low)) is above the base \(YAMLValue.show(base)) (low ≤ base ≤ high)"); return nil }
    if base > high { m["high"]!.error("\(YAMLValue.show(high)) is below the base \(YAMLValue.show(base)) (low ≤ base ≤ high)"); return nil }
    return UncertainShare(low: low, base: base, high: high)
}
