import LinearAlgebra
import ProjectFinance
import Yams

/// Reads the gigafactory stress-test sections: `project`, `drivers`, `sites`, `lenders`,
/// `stresses` into a ``StressModel``. Amounts in EUR m (names end in `_eur_m`), GPU prices in
/// USD with an explicit `usd_per_eur`, rates and shares as fractions, durations in years.
///
///     project:
///       periods_per_year: 1
///       construction_years: 2
///       operating_years: 10
///       discount_rate: 0.08
///       capex: {gpus: 100000, chip_unit_cost_usd: 40000, usd_per_eur: 1.08, facility_eur_m: 1300, overrun: 0, delay_years: 0}
///       revenue: {price_usd_per_gpu_hour: 3.2, price_decline: 0.15, utilisation: 0.8, chip_life_years: 5, refresh_cost_factor: 1,
///                 ramp_up_months: 12, contract: {share: 0.3, price_usd_per_gpu_hour: 2.5, tenor_years: 3}}   # both optional
///       opex: {power_per_gpu_kw: 1.667, pue: 1.2, electricity_eur_per_kwh: 0.2, staff_eur_m_per_year: 60, maintenance_share: 0.02}
///       funding:
///         eu_share: 0.17
///         member_state_share: 0.17
///         share_base: computing_infrastructure   # or total_capex (Reg. (EU) 2026/150, Art. 12b(5))
///         public_instrument: grant          # or equity
///         access: {mode: free, years: 5}    # none | free | offtake (Art. 12b(5), (12), (13), (15)(b))
///         debt: {gearing: 0.6, sizing: {target_dscr: 1.6, cfads_haircut: 0.15, basis: p90}, tenor_years: 5, base_rate: 0.02, margin: 0.035, amortisation: sculpted, reserve_months: 6, covenant_dscr: 1.2,
///                lock_up_dscr: 1.3, sweep_share: 0.5}   # amortisation: annuity | linear | sculpted; basis: sponsor_case | p50 | p90; lock-up and sweep optional
///       tax: {rate: 0.25, facility_life_years: 20}             # optional; a site may set its own tax_rate
///       completion: {contingency_share: 0.1, standby_share: 0.1}   # optional; without it equity pays every overrun
///     drivers:
///       gpu_price: {volatility: 0.3}
///       electricity_price: {volatility: 0.35, mean_reversion: 0.7}
///       utilisation: {volatility: 0.5, mean_reversion: 1}
///       rate: {volatility: 0.01}
///       capex_overrun: {volatility: 0.15}
///       delay: {volatility_years: 0.5}
///       correlations: [{between: [gpu_price, utilisation], value: 0.5}]
///     sites: [{id: fi, label: Finland, electricity_eur_per_kwh: 0.094}]
///     lenders: {first_loss: 0.1, first_loss_holder: EU (InvestAI), senior_holder: private lenders, guarantee_rate: 0.5}
///     stresses: [{id: energy_shock, label: Energy shock, shocks: {electricity_price: 1.0}}]
struct ProjectReader {
    let sink: DiagnosticSink
    let root: Node

    static let rootFields = ["project", "drivers", "sites", "lenders", "stresses", "ranges"]
    static let projectFields = ["periods_per_year", "construction_years", "operating_years", "discount_rate", "capex", "revenue", "opex", "funding", "tax", "completion"]
    static let capexFields = ["gpus", "chip_unit_cost_usd", "usd_per_eur", "facility_eur_m", "overrun", "delay_years"]
    static let revenueFields = ["price_usd_per_gpu_hour", "price_decline", "utilisation", "chip_life_years", "refresh_cost_factor", "ramp_up_months", "contract"]
    static let opexFields = ["power_per_gpu_kw", "pue", "electricity_eur_per_kwh", "staff_eur_m_per_year", "maintenance_share"]
    static let fundingFields = ["eu_share", "member_state_share", "share_base", "public_instrument", "access", "debt"]
    static let accessFields = ["mode", "years"]
    static let debtFields = ["gearing", "tenor_years", "base_rate", "margin", "amortisation", "reserve_months", "reserve_periods", "covenant_dscr", "sizing", "lock_up_dscr", "sweep_share"]
    static let siteFields = ["id", "label", "gpus", "facility_eur_m", "electricity_eur_per_kwh", "pue", "utilisation", "tax_rate"]
    static let shockFields = ["gpu_price", "price_decline", "utilisation", "electricity_price", "rate", "capex_overrun", "delay_years"]

    /// Reads the sections from the root mapping; nil (with diagnostics) when any is wrong.
    func read(_ m: YAMLMapping) -> StressModel? {
        guard let projectValue = m["project"] else {
            for key in ["drivers", "sites", "lenders", "stresses"] where m.has(key) {
                m.error(key, "`\(key)` needs a `project` section to apply to")
            }
            return nil
        }
        let parameters = project(projectValue)
        let drivers = m["drivers"].map(self.drivers) ?? DriverModel.zero
        let lenders = m["lenders"].map(self.lenders) ?? LenderStructure(firstLoss: 0)
        let baseDelay = parameters?.capex.delayYears ?? 0
        let stresses = (m["stresses"]?.sequence() ?? []).map { stress($0, baseDelay: baseDelay) }
        if let list = m["stresses"]?.sequence() { checkUnique(list, ids: stresses.map { $0?.id }, what: "stress scenario") }
        guard let parameters else { return nil }
        // Consistency of the project's numbers, located at the field they name.
        for issue in parameters.issues() {
            let path = "project." + issue.path
            sink.error(ModelReader.mark(of: path, in: root), FieldPath(description: path), issue.message)
        }
        var sites: [Site?] = [Site(id: "site", label: "The gigafactory", parameters: parameters)]
        if let list = m["sites"]?.sequence() {
            if list.isEmpty { m["sites"]!.error("list at least one site, or leave `sites` out for a single site") }
            sites = list.map { site($0, base: parameters) }
            checkUnique(list, ids: sites.map { $0?.id }, what: "site")
        }
        guard let drivers, let lenders, stresses.allSatisfy({ $0 != nil }), sites.allSatisfy({ $0 != nil }) else { return nil }
        let siteList = sites.map { $0! }
        let ranges = (m["ranges"]?.sequence() ?? []).map { range($0, sites: siteList) }
        guard ranges.allSatisfy({ $0 != nil }) else { return nil }
        return StressModel(sites: siteList, drivers: drivers, lenders: lenders, scenarios: stresses.map { $0! }, ranges: ranges.map { $0! })
    }

    /// One calibration range: `{input: chip_unit_cost_usd, low: 40000, high: 66000}`, optionally
    /// for one `site`; the base is the model's value, which must lie in [low, high].
    private func range(_ value: YAMLValue, sites: [Site]) -> CalibrationRange? {
        guard let m = value.mapping(allowed: ["input", "site", "low", "high"]) else { return nil }
        let input = m.required("input")?.choice(CalibratedInput.self)
        let site = m["site"]?.identifier()
        let low = m.required("low")?.number(), high = m.required("high")?.number()
        guard let input, let low, let high else { return nil }
        if m.has("site") && site == nil { return nil }
        if let site, !sites.contains(where: { $0.id == site }) {
            m["site"]!.error("no site '\(site)'; the sites are: \(sites.map(\.id).joined(separator: ", "))")
            return nil
        }
        guard low <= high else { m["low"]!.error("low \(YAMLValue.show(low)) is above high \(YAMLValue.show(high))"); return nil }
        for (end, v) in [("low", low), ("high", high)] where !input.accepts(v) {
            let d = input.domain
            m[end]!.error("\(input.rawValue) of \(YAMLValue.show(v)) is outside [\(YAMLValue.show(d.lower)), \(d.upper.isFinite ? YAMLValue.show(d.upper) : "∞")\(d.upperIncluded ? "]" : ")"), the values the field itself may take")
            return nil
        }
        var ok = true
        for s in sites where site == nil || s.id == site {
            let base = input.value(in: s.parameters)
            if !(low <= base && base <= high) {
                m["low"]!.error("site \(s.id)'s \(input.rawValue) of \(YAMLValue.show(base)) is outside [\(YAMLValue.show(low)), \(YAMLValue.show(high))]\(site == nil ? "; give that site a range of its own (site: \(s.id))" : "")")
                ok = false
                break
            }
            for (end, v) in [("low", low), ("high", high)] {
                if let issue = input.set(v, in: s.parameters).issues().first {
                    m[end]!.error("\(input.rawValue) = \(YAMLValue.show(v)) makes site \(s.id) inconsistent: \(issue)")
                    ok = false
                }
            }
        }
        return ok ? CalibrationRange(input: input, site: site, low: low, high: high) : nil
    }

    private func checkUnique(_ list: [YAMLValue], ids: [String?], what: String) {
        var seen = Set<String>()
        for (k, id) in ids.enumerated() {
            guard let id else { continue }
            if id == "baseline" && what == "stress scenario" { list[k].error("'baseline' is the unstressed run and is always reported; choose another id") }
            if !seen.insert(id).inserted { list[k].error("two \(what)s are called '\(id)'") }
        }
    }

    /// A positive number of years up to `maximum` (checked against the period length later).
    private func years(_ v: YAMLValue?, maximum: Double) -> Double? {
        guard let v, let x = v.positive() else { return nil }
        if x > maximum { v.error("\(YAMLValue.show(x)) years is above the limit of \(YAMLValue.show(maximum)) years"); return nil }
        return x
    }

    private func project(_ value: YAMLValue) -> ProjectParameters? {
        guard let m = value.mapping(allowed: ProjectReader.projectFields) else { return nil }
        let periods = m.required("periods_per_year")?.integer(minimum: 1)
        if let periods, ![1, 2, 4, 12].contains(periods) { m["periods_per_year"]!.error("\(periods) is not one of 1, 2, 4, 12") }
        let construction = years(m.required("construction_years"), maximum: ProjectParameters.Limits.maximumConstructionYears)
        let operating = years(m.required("operating_years"), maximum: ProjectParameters.Limits.maximumOperatingYears)
        let discount = m.required("discount_rate")?.fraction()
        let capex = m.required("capex").flatMap(self.capex)
        let revenue = m.required("revenue").flatMap(self.revenue)
        let opex = m.required("opex").flatMap(self.opex)
        let funding = m.required("funding").flatMap(self.funding)
        var tax: ProjectParameters.Tax? = ProjectParameters.Tax.none
        if let v = m["tax"] {
            tax = nil
            if let tm = v.mapping(allowed: ["rate", "facility_life_years"]) {
                let rate = tm.required("rate")?.fraction()
                if let rate, rate >= 1 { tm["rate"]!.error("a tax rate of 100 % or more leaves nothing; use a value below 1") }
                let life = years(tm.required("facility_life_years"), maximum: 100)
                if let rate, rate < 1, let life { tax = .init(rate: rate, facilityLifeYears: life) }
            }
        }
        var completion: ProjectParameters.Completion? = .equityPaysAll
        if let v = m["completion"] {
            completion = nil
            if let cm = v.mapping(allowed: ["contingency_share", "standby_share"]) {
                let contingency = cm.required("contingency_share")?.nonNegative()
                let standby = cm.required("standby_share")?.nonNegative()
                if let contingency, let standby { completion = .init(contingencyShare: contingency, standbyShare: standby) }
            }
        }
        guard let periods, [1, 2, 4, 12].contains(periods), let construction, let operating, let discount,
              let capex, let revenue, let opex, let funding, let tax, let completion else { return nil }
        return ProjectParameters(timeline: .init(periodsPerYear: periods, constructionYears: construction, operatingYears: operating, discountRate: discount),
                                 capex: capex, revenue: revenue, opex: opex, funding: funding, tax: tax, completion: completion)
    }

    private func capex(_ value: YAMLValue) -> ProjectParameters.Capex? {
        guard let m = value.mapping(allowed: ProjectReader.capexFields) else { return nil }
        let gpus = m.required("gpus")?.integer(minimum: 1)
        let unit = m.required("chip_unit_cost_usd")?.positive()
        let fx = m.required("usd_per_eur")?.positive()
        let facility = m.required("facility_eur_m")?.nonNegative()
        let overrun = m["overrun"]?.number()
        if let overrun, overrun <= -1 { m["overrun"]!.error("an overrun of \(overrun) would make the capex negative (must be above −1)") }
        var delay = m["delay_years"]?.nonNegative()
        if let d = delay, d > ProjectParameters.Limits.maximumDelayYears {
            m["delay_years"]!.error("a delay of \(YAMLValue.show(d)) years is above the limit of \(YAMLValue.show(ProjectParameters.Limits.maximumDelayYears)) years")
            delay = nil
        }
        guard let gpus, let unit, let fx, let facility else { return nil }
        if m.has("overrun") && (overrun == nil || overrun! <= -1) { return nil }
        if m.has("delay_years") && delay == nil { return nil }
        return .init(gpus: Double(gpus), chipUnitCostUSD: unit, usdPerEUR: fx, facilityEURm: facility, overrun: overrun ?? 0, delayYears: delay ?? 0)
    }

    private func revenue(_ value: YAMLValue) -> ProjectParameters.Revenue? {
        guard let m = value.mapping(allowed: ProjectReader.revenueFields) else { return nil }
        let price = m.required("price_usd_per_gpu_hour")?.positive()
        let decline = m.required("price_decline")?.fraction()
        if let decline, decline >= 1 { m["price_decline"]!.error("a decline of 100 % a year leaves no price; use a value below 1") }
        let utilisation = m.required("utilisation")?.fraction()
        let life = years(m.required("chip_life_years"), maximum: ProjectParameters.Limits.maximumOperatingYears)
        let refresh = m["refresh_cost_factor"]?.nonNegative()
        let ramp = m["ramp_up_months"]?.nonNegative()
        if let ramp, ramp > 12 * ProjectParameters.Limits.maximumOperatingYears { m["ramp_up_months"]!.error("\(YAMLValue.show(ramp)) months is longer than any operation") }
        var contract: ProjectParameters.Contract? = ProjectParameters.Contract.none
        if let v = m["contract"] {
            contract = nil
            if let cm = v.mapping(allowed: ["share", "price_usd_per_gpu_hour", "tenor_years"]) {
                let share = cm.required("share")?.fraction()
                let cprice = cm.required("price_usd_per_gpu_hour")?.nonNegative()
                let tenor = years(cm.required("tenor_years"), maximum: ProjectParameters.Limits.maximumOperatingYears)
                if let share, let cprice, let tenor { contract = .init(share: share, priceUSDPerGPUHour: cprice, tenorYears: tenor) }
            }
        }
        guard let price, let decline, decline < 1, let utilisation, let life, let contract else { return nil }
        if m.has("refresh_cost_factor") && refresh == nil { return nil }
        if m.has("ramp_up_months") && (ramp == nil || ramp! > 12 * ProjectParameters.Limits.maximumOperatingYears) { return nil }
        return .init(priceUSDPerGPUHour: price, priceDecline: decline, utilisation: utilisation, chipLifeYears: life, refreshCostFactor: refresh ?? 1,
                     rampUpMonths: ramp ?? 0, contract: contract)
    }

    private func opex(_ value: YAMLValue) -> ProjectParameters.Opex? {
        guard let m = value.mapping(allowed: ProjectReader.opexFields) else { return nil }
        let power = m.required("power_per_gpu_kw")?.positive()
        let pue = m.required("pue")?.positive()
        if let pue, pue < 1 { m["pue"]!.error("a PUE of \(YAMLValue.show(pue)) is below 1 (facility power ≥ IT power)") }
        let electricity = m.required("electricity_eur_per_kwh")?.nonNegative()
        let staff = m.required("staff_eur_m_per_year")?.nonNegative()
        let maintenance = m.required("maintenance_share")?.fraction()
        guard let power, let pue, pue >= 1, let electricity, let staff, let maintenance else { return nil }
        return .init(powerPerGPUkW: power, pue: pue, electricityEURPerKWh: electricity, staffEURmPerYear: staff, maintenanceShare: maintenance)
    }

    private func funding(_ value: YAMLValue) -> ProjectParameters.Funding? {
        guard let m = value.mapping(allowed: ProjectReader.fundingFields) else { return nil }
        let eu = m.required("eu_share")?.fraction()
        let ms = m.required("member_state_share")?.fraction()
        let base = m.required("share_base")?.choice(ProjectParameters.ShareBase.self)
        let instrument = m.required("public_instrument")?.choice(ProjectParameters.PublicInstrument.self)
        let access = m.required("access").flatMap(self.access)
        let debt = m.required("debt").flatMap(self.debt)
        guard let eu, let ms, let base, let instrument, let access, let debt else { return nil }
        return .init(euShare: eu, memberStateShare: ms, shareBase: base, publicInstrument: instrument, access: access, debt: debt)
    }

    private func access(_ value: YAMLValue) -> ProjectParameters.PublicAccess? {
        guard let m = value.mapping(allowed: ProjectReader.accessFields) else { return nil }
        let mode = m.required("mode")?.choice(ProjectParameters.AccessMode.self)
        let years: Double?
        if mode == ProjectParameters.AccessMode.none {
            if m.has("years") { m["years"]!.error("no access time is reserved with mode none; leave `years` out") }
            years = m.has("years") ? nil : 0
        } else {
            years = self.years(m.required("years"), maximum: ProjectParameters.Limits.maximumOperatingYears)
        }
        guard let mode, let years else { return nil }
        return .init(mode: mode, years: years)
    }

    private func debt(_ value: YAMLValue) -> ProjectParameters.Debt? {
        guard let m = value.mapping(allowed: ProjectReader.debtFields) else { return nil }
        let gearing = m.required("gearing")?.fraction()
        let tenor = years(m.required("tenor_years"), maximum: ProjectParameters.Limits.maximumOperatingYears)
        let base = m.required("base_rate")?.number()
        if let base, base < -0.05 || base > 0.5 { m["base_rate"]!.error("\(base) is outside [−0.05, 0.5] (write 2 % as 0.02)") }
        let margin = m.required("margin")?.fraction()
        let amortisation = m.required("amortisation")?.choice(ProjectParameters.Amortisation.self)
        if m.has("reserve_periods") {
            m["reserve_periods"]!.error("reserves are now given in months of debt service, whatever the period length: write reserve_months (6 = the next six months)")
        }
        var reserve = m.required("reserve_months")?.nonNegative()
        if let r = reserve, r > ProjectParameters.Limits.maximumReserveMonths {
            m["reserve_months"]!.error("\(YAMLValue.show(r)) months is above the limit of \(YAMLValue.show(ProjectParameters.Limits.maximumReserveMonths)) months")
            reserve = nil
        }
        if m.has("reserve_periods") { reserve = nil }
        let covenant = m.required("covenant_dscr")?.positive()
        var sizing: DebtSizing?
        var sizingOK = true
        if let v = m["sizing"] {
            if let sm = v.mapping(allowed: ["target_dscr", "cfads_haircut", "basis"]) {
                let target = sm.required("target_dscr")?.positive()
                let haircut = sm["cfads_haircut"]?.fraction()
                let basis = sm.has("basis") ? sm["basis"]!.choice(SizingBasis.self) : .sponsorCase
                if let haircut, haircut >= 1 { sm["cfads_haircut"]!.error("a haircut of 100 % leaves no cash flow to size the debt on; use a value below 1") }
                if let target, let basis, let h = haircut ?? (sm.has("cfads_haircut") ? nil : 0), h < 1 {
                    sizing = DebtSizing(targetDSCR: target, cfadsHaircut: h, basis: basis)
                } else { sizingOK = false }
            } else { sizingOK = false }
        }
        let lockUp = m["lock_up_dscr"]?.positive()
        let sweep = m["sweep_share"]?.fraction()
        if m.has("lock_up_dscr") && lockUp == nil { return nil }
        if m.has("sweep_share") && sweep == nil { return nil }
        if m.has("sweep_share") && !m.has("lock_up_dscr") { m["sweep_share"]!.error("a cash sweep needs a lock_up_dscr: the sweep runs in the rows whose trailing DSCR is below it"); return nil }
        guard let gearing, let tenor, let base, base >= -0.05, base <= 0.5, let margin, let amortisation, let reserve, let covenant,
              sizingOK else { return nil }
        return .init(gearing: gearing, tenorYears: tenor, baseRate: base, margin: margin, amortisation: amortisation,
                     reserveMonths: reserve, covenantDSCR: covenant, sizing: sizing, lockUpDSCR: lockUp, sweepShare: sweep ?? 0)
    }

    private func drivers(_ value: YAMLValue) -> DriverModel? {
        let fields = Driver.allCases.map(\.rawValue) + ["correlations"]
        guard let m = value.mapping(allowed: fields) else { return nil }
        var d = DriverModel.zero
        var ok = true
        func read(_ key: String, _ allowed: [String], _ body: (YAMLMapping) -> Bool) {
            guard let v = m[key] else { return }
            guard let mm = v.mapping(allowed: allowed) else { ok = false; return }
            if !body(mm) { ok = false }
        }
        read("gpu_price", ["volatility"]) { mm in
            guard let s = mm.required("volatility")?.nonNegative() else { return false }
            d.priceVolatility = s
            return true
        }
        read("electricity_price", ["volatility", "mean_reversion"]) { mm in
            let s = mm.required("volatility")?.nonNegative(), k = mm.required("mean_reversion")?.nonNegative()
            guard let s, let k else { return false }
            d.electricityVolatility = s
            d.electricityMeanReversion = k
            return true
        }
        read("utilisation", ["volatility", "mean_reversion"]) { mm in
            let s = mm.required("volatility")?.nonNegative(), k = mm.required("mean_reversion")?.nonNegative()
            guard let s, let k else { return false }
            d.utilisationVolatility = s
            d.utilisationMeanReversion = k
            return true
        }
        read("rate", ["volatility"]) { mm in
            guard let s = mm.required("volatility")?.nonNegative() else { return false }
            d.rateVolatility = s
            return true
        }
        read("capex_overrun", ["volatility"]) { mm in
            guard let s = mm.required("volatility")?.nonNegative() else { return false }
            d.overrunVolatility = s
            return true
        }
        read("delay", ["volatility_years"]) { mm in
            guard let s = mm.required("volatility_years")?.nonNegative() else { return false }
            if s > 5 { mm["volatility_years"]!.error("\(YAMLValue.show(s)) years is above the limit of 5 years for the delay's standard deviation"); return false }
            d.delayVolatilityYears = s
            return true
        }
        if let list = m["correlations"]?.sequence() {
            var pairs: [(Driver, Driver, Double)] = []
            var seen = Set<String>()
            for item in list {
                guard let im = item.mapping(allowed: ["between", "value"]) else { ok = false; continue }
                let names = im.required("between")?.sequence()
                let drivers = names?.map { $0.choice(Driver.self) }
                let rho = im.required("value")?.number()
                if let rho, !(rho > -1 && rho < 1) { im["value"]!.error("a correlation must lie strictly between −1 and 1, got \(YAMLValue.show(rho))"); ok = false; continue }
                guard let names, let drivers, let rho else { ok = false; continue }
                guard drivers.count == 2, let a = drivers[0], let b = drivers[1] else {
                    if drivers.count != 2 { im["between"]!.error("name exactly two drivers, got \(names.count)") }
                    ok = false
                    continue
                }
                if a == b { im["between"]!.error("a driver's correlation with itself is 1; name two different drivers"); ok = false; continue }
                let key = [a.rawValue, b.rawValue].sorted().joined(separator: "/")
                if !seen.insert(key).inserted { im["between"]!.error("the pair \(a.rawValue), \(b.rawValue) is given twice"); ok = false; continue }
                pairs.append((a, b, rho))
            }
            if ok {
                d.correlation = DriverModel.correlation(pairs)
                do { _ = try d.factor() } catch {
                    let order = Driver.allCases.map(\.rawValue).joined(separator: ", ")
                    if case .notPositiveDefinite(let matrix, let minor) = error {
                        m["correlations"]!.error("the \(matrix) matrix (order: \(order)) is not positive definite: leading minor \(minor) (the first \(minor) drivers' correlations are inconsistent)")
                    } else {
                        m["correlations"]!.error("\(error)")
                    }
                    ok = false
                }
            }
        } else if m.has("correlations") { ok = false }
        return ok ? d : nil
    }

    private func lenders(_ value: YAMLValue) -> LenderStructure? {
        guard let m = value.mapping(allowed: ["first_loss", "first_loss_holder", "senior_holder", "guarantee_rate"]) else { return nil }
        let f = m.required("first_loss")?.fraction()
        let g = m["guarantee_rate"]?.fraction()
        if m.has("guarantee_rate") && g == nil { return nil }
        let pub = m["first_loss_holder"]?.string()
        let priv = m["senior_holder"]?.string()
        if let pub, let priv, pub == priv { m["senior_holder"]!.error("the senior holder must differ from the first-loss holder") }
        guard let f else { return nil }
        if (m.has("first_loss_holder") && pub == nil) || (m.has("senior_holder") && priv == nil) { return nil }
        if let pub, let priv, pub == priv { return nil }
        return LenderStructure(firstLoss: f, publicHolder: pub ?? "public first loss", privateHolder: priv ?? "private lenders",
                               guaranteeRate: g ?? 0.5)
    }

    private func site(_ value: YAMLValue, base: ProjectParameters?) -> Site? {
        guard let m = value.mapping(allowed: ProjectReader.siteFields) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        let gpus = m["gpus"]?.integer(minimum: 1)
        let facility = m["facility_eur_m"]?.nonNegative()
        let electricity = m["electricity_eur_per_kwh"]?.nonNegative()
        let pue = m["pue"]?.positive()
        if let pue, pue < 1 { m["pue"]!.error("a PUE of \(YAMLValue.show(pue)) is below 1 (facility power ≥ IT power)") }
        let utilisation = m["utilisation"]?.fraction()
        let taxRate = m["tax_rate"]?.fraction()
        if let taxRate, taxRate >= 1 { m["tax_rate"]!.error("a tax rate of 100 % or more leaves nothing; use a value below 1") }
        guard let id, let label, var p = base else { return nil }
        if let taxRate { if taxRate >= 1 { return nil }; p.tax.rate = taxRate }
        for (key, v) in [("gpus", gpus.map(Double.init)), ("facility_eur_m", facility), ("electricity_eur_per_kwh", electricity), ("pue", pue), ("utilisation", utilisation), ("tax_rate", taxRate)] {
            if m.has(key) && v == nil { return nil }
        }
        if let pue, pue < 1 { return nil }
        if let gpus { p.capex.gpus = Double(gpus) }
        if let facility { p.capex.facilityEURm = facility }
        if let electricity { p.opex.electricityEURPerKWh = electricity }
        if let pue { p.opex.pue = pue }
        if let utilisation { p.revenue.utilisation = utilisation }
        return Site(id: id, label: label, parameters: p)
    }

    private func stress(_ value: YAMLValue, baseDelay: Double) -> StressScenario? {
        guard let m = value.mapping(allowed: ["id", "label", "shocks"]) else { return nil }
        let id = m.required("id")?.identifier()
        let label = m.required("label")?.string()
        var shock = Shock.none
        var ok = true
        if let sm = m.required("shocks")?.mapping(allowed: ProjectReader.shockFields) {
            if case .mapping(let raw) = sm.node, raw.count == 0 { m["shocks"]!.error("give at least one shock: \(ProjectReader.shockFields.joined(separator: ", "))") ; ok = false }
            func get(_ key: String, _ check: (Double) -> String?) -> Double {
                guard let v = sm[key] else { return 0 }
                guard let x = v.number() else { ok = false; return 0 }
                if let problem = check(x) { v.error(problem); ok = false; return 0 }
                return x
            }
            shock.gpuPrice = get("gpu_price") { $0 < -1 ? "a fall of more than 100 % (\(YAMLValue.show($0))); −0.4 is −40 %" : nil }
            shock.priceDecline = get("price_decline") { abs($0) >= 1 ? "\(YAMLValue.show($0)) is not a change of an annual decline (between −1 and 1)" : nil }
            shock.utilisation = get("utilisation") { abs($0) > 1 ? "\(YAMLValue.show($0)) moves utilisation by more than 100 points (write −20 points as −0.2)" : nil }
            shock.electricityPrice = get("electricity_price") { $0 < -1 ? "a fall of more than 100 % (\(YAMLValue.show($0))); +0.5 is +50 %" : nil }
            shock.rate = get("rate") { abs($0) > 0.5 ? "\(YAMLValue.show($0)) is a rate move above 50 points (write +200 bp as 0.02)" : nil }
            shock.capexOverrun = get("capex_overrun") { $0 <= -1 ? "an overrun change of \(YAMLValue.show($0)) would make the capex negative" : nil }
            shock.delayYears = get("delay_years") {
                $0 < 0 ? "a delay shock cannot be negative"
                    : $0 + baseDelay > ProjectParameters.Limits.maximumDelayYears && $0 <= ProjectParameters.Limits.maximumDelayYears ? "a delay of \(YAMLValue.show($0)) years on top of the project's \(YAMLValue.show(baseDelay)) is above the limit of \(YAMLValue.show(ProjectParameters.Limits.maximumDelayYears)) years" : $0 > ProjectParameters.Limits.maximumDelayYears ? "a delay of \(YAMLValue.show($0)) years is above the limit of \(YAMLValue.show(ProjectParameters.Limits.maximumDelayYears)) years" : nil
            }
        } else { ok = false }
        guard let id, let label, ok else { return nil }
        return StressScenario(id: id, label: label, shock: shock)
    }
}
