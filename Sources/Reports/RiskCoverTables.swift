import RiskCover
import Scenarios
import Stochastics

/// Tables of `leverage sweep` and `leverage solve`.
public enum RiskCoverTables {
    static func yesNo(_ checks: [ConstraintCheck], _ kind: ConstraintCheck.Kind) -> Cell {
        guard let c = checks.first(where: { $0.kind == kind }) else { return .empty }
        return .bool(c.holds)
    }

    /// One row per (scenario, cover): leverage, public cost and risk, private risk, constraints;
    /// with `funding` (one per row), whether the statutory commitment funds the cover.
    public static func sweep(_ rows: [(scenario: String, evaluation: CoverEvaluation)], unit money: MoneyUnit,
                             funding: [FundingCheck]? = nil, terms: CoverTerms? = nil) -> Table {
        let unit = Unit(money), u = unit.rawValue
        var table = Table(
            name: "sweep", title: "Leverage against risk cover",
            columns: [Column("scenario", .text), Column("first_loss", .fraction), Column("guarantee_rate", .fraction), Column("guarantee_cap", .fraction),
                      Column("leverage", .multiple), Column("public_commitment_\(u)", unit),
                      Column("public_expected_loss_\(u)", unit), Column("public_expected_loss_se_\(u)", unit),
                      Column("public_loss_q99_\(u)", unit), Column("public_loss_q999_\(u)", unit),
                      Column("public_cost_per_euro_mobilised", .fraction), Column("public_cost_per_euro_mobilised_se", .fraction),
                      Column("private_expected_loss_rate", .fraction), Column("private_expected_loss_rate_se", .fraction),
                      Column("private_loss_probability", .fraction), Column("private_loss_probability_se", .fraction),
                      Column("expected_loss_ok", .boolean), Column("loss_probability_ok", .boolean), Column("net_return_ok", .boolean),
                      Column("all_constraints_hold", .boolean)])
        if funding != nil {
            table.columns += [Column("calls_exceed_provision_probability", .fraction), Column("leverage_at_confidence_rate", .multiple),
                              Column("funded", .boolean)]
        }
        for (k, (scenario, e)) in rows.enumerated() {
            let cost = e.publicCostPerEuroMobilised, rate = e.privateExpectedLossRate
            var row: [Cell] = [.text(scenario), .number(e.cover.firstLoss), .number(e.cover.guaranteeRate), .number(e.cover.guaranteeCap),
                          .number(e.leverage.isFinite ? e.leverage : nil), .number(e.publicCommitment),
                          .number(e.publicLoss.mean), .number(e.publicLoss.standardError),
                          .number(e.publicLoss99.value), .number(e.publicLoss999.value),
                          .number(cost.mean), .number(cost.standardError), .number(rate.mean), .number(rate.standardError),
                          .number(e.privateLossProbability.probability), .number(e.privateLossProbability.standardError),
                          yesNo(e.checks, .expectedLoss), yesNo(e.checks, .lossProbability), yesNo(e.checks, .netReturn),
                          e.checks.isEmpty ? .empty : .bool(e.meetsConstraints)]
            if let funding {
                let c = funding[k]
                row += [.number(c.shortfallProbability?.probability), .number(finite(c.leverageAtConfidence)), .bool(c.funded)]
            }
            table.append(row)
        }
        table.notes.append("leverage = portfolio volume / public budget commitment (first loss + provisioning rate × guarantee liability): the tool's own risk-cover leverage V / (f·V + r·M), not the EU Financial Regulation's leverage effect; no value = no public commitment.")
        if let terms { table.notes.append(capNote(terms)) }
        if funding != nil, let terms { table.notes.append(fundedNote(terms)) }
        table.notes.append("All covers are evaluated on one simulation of the portfolio (common random numbers); SEs are per cover.")
        // The chart: leverage and the private tranche's risk against the axis that varies, one
        // line per scenario (and per value of any other varying axis), the investors' limits as
        // reference lines, the smallest cover on the grid meeting every constraint marked.
        let axes = ["first_loss", "guarantee_rate", "guarantee_cap"]
        let varying = axes.filter { a in Set(table.rows.map { $0[table.columnIndex(a)!] }.map { "\($0)" }).count > 1 }
        table.setDetail(axes.filter { !varying.contains($0) } + ["public_commitment_\(u)", "public_expected_loss_se_\(u)", "public_loss_q99_\(u)", "public_loss_q999_\(u)",
                         "public_cost_per_euro_mobilised_se", "private_expected_loss_rate_se", "private_loss_probability_se",
                         "expected_loss_ok", "loss_probability_ok", "net_return_ok"])
        let checks = rows.first?.evaluation.checks ?? []
        var limits: [Chart.ReferenceValue] = []
        if let c = checks.first(where: { $0.kind == .expectedLoss }) { limits.append(.init(c.limit, "investor limit: expected loss rate \(HumanFormat.number(c.limit, unit: .fraction))")) }
        if let c = checks.first(where: { $0.kind == .lossProbability }) { limits.append(.init(c.limit, "investor limit: P(loss) \(HumanFormat.number(c.limit, unit: .fraction))")) }
        let x = varying.first ?? "first_loss"
        table.chart = Chart(.lines(.init(x: x, panels: [.init([.init("leverage")]),
                                                        .init([.init("private_expected_loss_rate", label: "private expected loss rate"),
                                                               .init("private_loss_probability", label: "P(private loss)")], references: limits),
                                                        .init([.init("public_cost_per_euro_mobilised", label: "public cost per euro mobilised")])],
                                         lineBy: ["scenario"] + varying.dropFirst(), markFirstTrue: checks.isEmpty ? nil : "all_constraints_hold",
                                         markLabel: "smallest cover on the grid meeting every constraint")),
                            title: "How does leverage trade against the private investors' risk as the public cover grows?",
                            caption: "Leverage (portfolio / public commitment), the private tranche's expected loss rate and loss probability, and the public cost per euro mobilised, against the \(x.replacingOccurrences(of: "_", with: " ")). Dashed lines: the investors' limits.")
        return table
    }

    /// `solve`: the minimum cover, maximum leverage, provisioning and largest portfolio, per scenario.
    ///
    /// Leverage and the largest portfolio are reported twice: with the guarantee provisioned at the
    /// statutory rate r (`CoverTerms/provisioningRate`) and at r_α, the rate the simulation says
    /// covers calls at the confidence. A solution whose statutory commitment does not fund it
    /// (`FundingCheck`) is flagged `funded = no` and its statutory capacity is left empty.
    public static func solve(_ rows: [(scenario: String, analysis: RiskCoverAnalysis, solution: CoverSolution, budget: Double?)],
                             unit money: MoneyUnit) throws -> [Table] {
        let unit = Unit(money), u = unit.rawValue
        let axis = rows.first?.solution.axis ?? .firstLoss
        var solution = Table(
            name: "solution", title: "Minimum public cover (\(axis.rawValue.replacingOccurrences(of: "-", with: " "))) and maximum leverage",
            columns: [Column("scenario", .text), Column("solved_for", .text), Column("binding_constraint", .text), Column("feasible", .boolean),
                      Column("cover", .fraction), Column("cover_lower", .fraction), Column("cover_upper", .fraction),
                      Column("first_loss", .fraction), Column("guarantee_rate", .fraction), Column("guarantee_cap", .fraction),
                      Column("cap_basis", .text),
                      Column("leverage", .multiple), Column("leverage_lower", .multiple), Column("leverage_upper", .multiple),
                      Column("public_commitment_\(u)", unit), Column("public_expected_loss_\(u)", unit), Column("public_expected_loss_se_\(u)", unit),
                      Column("private_expected_loss_rate", .fraction), Column("private_loss_probability", .fraction),
                      Column("provisioning_rate_statutory", .fraction), Column("provisioning_rate_at_confidence", .fraction),
                      Column("leverage_at_confidence_rate", .multiple), Column("public_commitment_at_confidence_rate_\(u)", unit),
                      Column("calls_exceed_provision_probability", .fraction), Column("calls_exceed_provision_probability_se", .fraction),
                      Column("expected_loss_exceeds_commitment", .boolean), Column("funded", .boolean)])
        var constraints = Table(
            name: "constraints", title: "Minimum cover per investor constraint",
            columns: [Column("scenario", .text), Column("solved_for", .text), Column("constraint", .text), Column("limit", .fraction),
                      Column("cover", .fraction), Column("cover_lower", .fraction), Column("cover_upper", .fraction)])
        var provisioning = Table(
            name: "provisioning", title: "Provisioning of the guarantee",
            columns: [Column("scenario", .text), Column("cap_basis", .text), Column("confidence", .fraction), Column("guarantee_liability_\(u)", unit),
                      Column("provisioning_rate", .fraction), Column("provisioning_rate_lower", .fraction), Column("provisioning_rate_upper", .fraction),
                      Column("budget_multiplier", .multiple), Column("budget_multiplier_lower", .multiple), Column("budget_multiplier_upper", .multiple),
                      Column("statutory_rate", .fraction), Column("calls_exceed_statutory_provision_probability", .fraction)])
        var capacity = Table(
            name: "largest_portfolio", title: "Largest portfolio a public budget supports",
            columns: [Column("scenario", .text), Column("budget_\(u)", unit), Column("funded", .boolean), Column("volume_\(u)", unit),
                      Column("volume_lower_\(u)", unit), Column("volume_upper_\(u)", unit),
                      Column("volume_at_confidence_rate_\(u)", unit), Column("volume_at_confidence_rate_lower_\(u)", unit),
                      Column("volume_at_confidence_rate_upper_\(u)", unit)])
        var unfunded: [String] = []
        for (scenario, analysis, s, budget) in rows {
            let e = s.evaluation
            let check = try analysis.funding(for: e.cover, evaluation: e)
            if !check.funded { unfunded.append("\(scenario): \(check.reasons.joined(separator: "; "))") }
            solution.append([.text(scenario), .text(s.axis.rawValue), s.binding.map { .text($0.rawValue) } ?? .empty, .bool(s.feasible),
                             .number(s.level.value), .number(s.level.lower), .number(s.level.upper),
                             .number(e.cover.firstLoss), .number(e.cover.guaranteeRate), .number(e.cover.guaranteeCap),
                             e.cover.hasGuarantee ? .text(analysis.terms.capBasis.rawValue) : .empty,
                             .number(finite(s.leverage.value)), .number(finite(s.leverage.lower)), .number(finite(s.leverage.upper)),
                             .number(e.publicCommitment), .number(e.publicLoss.mean), .number(e.publicLoss.standardError),
                             .number(e.privateExpectedLossRate.mean), .number(e.privateLossProbability.probability),
                             .number(e.guaranteeLiability > 0 ? check.statutoryRate : nil), .number(check.rateAtConfidence?.value),
                             .number(finite(check.leverageAtConfidence)), .number(check.commitmentAtConfidence),
                             .number(check.shortfallProbability?.probability), .number(check.shortfallProbability?.standardError),
                             .bool(check.expectedLossExceedsCommitment), .bool(check.funded)])
            for (kind, f) in s.perConstraint {
                let limit: Double?
                switch kind {
                case .expectedLoss: limit = analysis.constraints.maxExpectedLoss
                case .lossProbability: limit = analysis.constraints.maxLossProbability
                case .netReturn: limit = analysis.constraints.hurdle
                }
                constraints.append([.text(scenario), .text(s.axis.rawValue), .text(kind.rawValue), .number(limit), .number(f.value), .number(f.lower), .number(f.upper)])
            }
            if e.cover.hasGuarantee, let p = try analysis.provisioning(for: e.cover) {
                provisioning.append([.text(scenario), .text(analysis.terms.capBasis.rawValue), .number(analysis.terms.confidence), .number(e.guaranteeLiability),
                                     .number(p.rate.value), .number(p.rate.lower), .number(p.rate.upper),
                                     .number(finite(p.budgetMultiplier.value)), .number(finite(p.budgetMultiplier.lower)), .number(finite(p.budgetMultiplier.upper)),
                                     .number(check.statutoryRate), .number(check.shortfallProbability?.probability)])
            }
            if let budget {
                let v = analysis.largestPortfolio(budget: budget, solution: s)
                let atConfidence = try analysis.largestPortfolioAtConfidence(budget: budget, solution: s)
                // An unfunded result is never presented as capacity: its statutory volume stays empty.
                capacity.append([.text(scenario), .number(budget), .bool(check.funded),
                                 .number(check.funded ? finite(v.value) : nil), .number(check.funded ? finite(v.lower) : nil),
                                 .number(check.funded ? finite(v.upper) : nil),
                                 .number(atConfidence.flatMap { finite($0.value) }), .number(atConfidence.flatMap { finite($0.lower) }),
                                 .number(atConfidence.flatMap { finite($0.upper) })])
            }
        }
        let terms = rows.first?.analysis.terms ?? CoverTerms()
        solution.notes.append("lower/upper: the same constraint solved at its estimate ± z standard errors (z = \(rows.first.map { "\($0.analysis.terms.z)" } ?? "2")), i.e. the Monte Carlo uncertainty of the answer.")
        solution.notes.append("cover: the solved level on the solved_for axis, the other axes held fixed; feasible = no: even 100 % does not meet a constraint.")
        solution.notes.append("leverage = V / (f·V + r·M) at the statutory provisioning rate r; leverage_at_confidence_rate = V / (f·V + r_α·M) with r_α the rate covering calls at the confidence: the tool's own risk-cover leverage, not the EU Financial Regulation's leverage effect.")
        solution.notes.append(fundedNote(terms))
        for line in unfunded { solution.notes.append("UNFUNDED — \(line): not a capacity.") }
        if rows.contains(where: { $0.solution.evaluation.cover.hasGuarantee }) {
            solution.notes.append(capNote(terms))
            provisioning.notes.append(capNote(terms))
        }
        provisioning.notes.append("provisioning rate: quantile of guarantee calls at the confidence / maximum liability; budget multiplier = volume / (rate × liability); calls_exceed_statutory_provision_probability = P(calls > statutory rate × liability).")
        capacity.notes.append("Assumes the portfolio grows by more of the same exposures (loss fractions unchanged).")
        capacity.notes.append("volume: at the statutory provisioning rate, left empty when the statutory commitment does not fund the cover (funded = no); volume_at_confidence_rate: with the guarantee provisioned at the rate covering calls at \(percentText(terms.confidence)).")
        solution.setDetail(["first_loss", "guarantee_rate", "guarantee_cap", "cap_basis", "public_expected_loss_se_\(u)"])
        solution.chart = Chart(.bars(.init([.init("leverage", lower: "leverage_lower", upper: "leverage_upper")], label: ["scenario"])),
                               title: "What is the largest leverage the investors accept?",
                               caption: "Maximum leverage (portfolio / public commitment) at the minimum cover; whiskers: the Monte Carlo band (the constraint solved at its estimate ± z standard errors).")
        constraints.chart = Chart(.bars(.init([.init("cover", label: "minimum cover", lower: "cover_lower", upper: "cover_upper")], label: ["scenario", "constraint"], colourBy: "scenario")),
                                  title: "How much cover does each investor constraint need?",
                                  caption: "The minimum cover (\(axis.rawValue.replacingOccurrences(of: "-", with: " "))) each constraint needs on its own; the largest sets the answer. Whiskers: the Monte Carlo band.")
        provisioning.chart = Chart(.bars(.init([.init("provisioning_rate", lower: "provisioning_rate_lower", upper: "provisioning_rate_upper")], label: ["scenario"])),
                                   title: "What share of the guarantee must the budget provision?",
                                   caption: "Provisioning rate: the quantile of guarantee calls at the confidence level / maximum liability; whiskers: its confidence interval.")
        capacity.chart = Chart(.bars(.init([.init("volume_\(u)", label: "largest portfolio", lower: "volume_lower_\(u)", upper: "volume_upper_\(u)")], label: ["scenario"])),
                               title: "How large a portfolio does the public budget support?",
                               caption: "The largest portfolio the budget supports at the solved cover, in \(unit.axisSuffix ?? u); whiskers: the Monte Carlo band.")
        var tables = [solution, constraints]
        if !provisioning.rows.isEmpty { tables.append(provisioning) }
        if !capacity.rows.isEmpty { tables.append(capacity) }
        return tables
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

    /// The guarantee-cap convention, for every table that shows a guarantee.
    public static func capNote(_ terms: CoverTerms) -> String {
        "guarantee cap convention (cap_basis: \(terms.capBasis.rawValue)): \(terms.capBasis.formula)."
    }

    static func fundedNote(_ terms: CoverTerms) -> String {
        "funded = no: the expected public loss exceeds the commitment at the statutory provisioning rate (\(percentText(terms.provisioningRate))), or the guarantee calls exceed that provision with probability above the tolerance (\(percentText(terms.effectiveShortfallTolerance))) — not a capacity; leverage_at_confidence_rate provisions the guarantee at the rate covering calls at \(percentText(terms.confidence))."
    }

    static func percentText(_ x: Double) -> String {
        let p = (x * 100 * 1e4).rounded() / 1e4
        return (p == p.rounded() ? String(Int(p)) : "\(p)") + " %"
    }
}
