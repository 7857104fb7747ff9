import RiskCover
import Scenarios
import Stochastics

/// Tables of `leverage sweep` and `leverage solve`.
public enum RiskCoverTables {
    static func yesNo(_ checks: [ConstraintCheck], _ kind: ConstraintCheck.Kind) -> Cell {
        guard let c = checks.first(where: { $0.kind == kind }) else { return .empty }
        return .text(c.holds ? "yes" : "no")
    }

    /// One row per (scenario, cover): leverage, public cost and risk, private risk, constraints.
    public static func sweep(_ rows: [(scenario: String, evaluation: CoverEvaluation)], unit money: MoneyUnit) -> Table {
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
                      Column("expected_loss_ok", .text), Column("loss_probability_ok", .text), Column("net_return_ok", .text),
                      Column("all_constraints_hold", .text)])
        for (scenario, e) in rows {
            let cost = e.publicCostPerEuroMobilised, rate = e.privateExpectedLossRate
            table.append([.text(scenario), .number(e.cover.firstLoss), .number(e.cover.guaranteeRate), .number(e.cover.guaranteeCap),
                          .number(e.leverage.isFinite ? e.leverage : nil), .number(e.publicCommitment),
                          .number(e.publicLoss.mean), .number(e.publicLoss.standardError),
                          .number(e.publicLoss99.value), .number(e.publicLoss999.value),
                          .number(cost.mean), .number(cost.standardError), .number(rate.mean), .number(rate.standardError),
                          .number(e.privateLossProbability.probability), .number(e.privateLossProbability.standardError),
                          yesNo(e.checks, .expectedLoss), yesNo(e.checks, .lossProbability), yesNo(e.checks, .netReturn),
                          e.checks.isEmpty ? .empty : .text(e.meetsConstraints ? "yes" : "no")])
        }
        table.notes.append("leverage = portfolio volume / public budget commitment (first loss + provisioning rate × guarantee liability); no value = no public commitment.")
        table.notes.append("All covers are evaluated on one simulation of the portfolio (common random numbers); SEs are per cover.")
        return table
    }

    /// `solve`: the minimum cover, maximum leverage, provisioning and largest portfolio, per scenario.
    public static func solve(_ rows: [(scenario: String, analysis: RiskCoverAnalysis, solution: CoverSolution, budget: Double?)],
                             unit money: MoneyUnit) throws -> [Table] {
        let unit = Unit(money), u = unit.rawValue
        let axis = rows.first?.solution.axis ?? .firstLoss
        var solution = Table(
            name: "solution", title: "Minimum public cover (\(axis.rawValue.replacingOccurrences(of: "-", with: " "))) and maximum leverage",
            columns: [Column("scenario", .text), Column("solved_for", .text), Column("binding_constraint", .text), Column("feasible", .text),
                      Column("cover", .fraction), Column("cover_lower", .fraction), Column("cover_upper", .fraction),
                      Column("first_loss", .fraction), Column("guarantee_rate", .fraction), Column("guarantee_cap", .fraction),
                      Column("leverage", .multiple), Column("leverage_lower", .multiple), Column("leverage_upper", .multiple),
                      Column("public_commitment_\(u)", unit), Column("public_expected_loss_\(u)", unit), Column("public_expected_loss_se_\(u)", unit),
                      Column("private_expected_loss_rate", .fraction), Column("private_loss_probability", .fraction)])
        var constraints = Table(
            name: "constraints", title: "Minimum cover per investor constraint",
            columns: [Column("scenario", .text), Column("solved_for", .text), Column("constraint", .text), Column("limit", .fraction),
                      Column("cover", .fraction), Column("cover_lower", .fraction), Column("cover_upper", .fraction)])
        var provisioning = Table(
            name: "provisioning", title: "Provisioning of the guarantee",
            columns: [Column("scenario", .text), Column("confidence", .fraction), Column("guarantee_liability_\(u)", unit),
                      Column("provisioning_rate", .fraction), Column("provisioning_rate_lower", .fraction), Column("provisioning_rate_upper", .fraction),
                      Column("budget_multiplier", .multiple), Column("budget_multiplier_lower", .multiple), Column("budget_multiplier_upper", .multiple)])
        var capacity = Table(
            name: "largest_portfolio", title: "Largest portfolio a public budget supports",
            columns: [Column("scenario", .text), Column("budget_\(u)", unit), Column("volume_\(u)", unit),
                      Column("volume_lower_\(u)", unit), Column("volume_upper_\(u)", unit)])
        for (scenario, analysis, s, budget) in rows {
            let e = s.evaluation
            solution.append([.text(scenario), .text(s.axis.rawValue), s.binding.map { .text($0.rawValue) } ?? .empty, .text(s.feasible ? "yes" : "no"),
                             .number(s.level.value), .number(s.level.lower), .number(s.level.upper),
                             .number(e.cover.firstLoss), .number(e.cover.guaranteeRate), .number(e.cover.guaranteeCap),
                             .number(finite(s.leverage.value)), .number(finite(s.leverage.lower)), .number(finite(s.leverage.upper)),
                             .number(e.publicCommitment), .number(e.publicLoss.mean), .number(e.publicLoss.standardError),
                             .number(e.privateExpectedLossRate.mean), .number(e.privateLossProbability.probability)])
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
                provisioning.append([.text(scenario), .number(analysis.terms.confidence), .number(e.guaranteeLiability),
                                     .number(p.rate.value), .number(p.rate.lower), .number(p.rate.upper),
                                     .number(finite(p.budgetMultiplier.value)), .number(finite(p.budgetMultiplier.lower)), .number(finite(p.budgetMultiplier.upper))])
            }
            if let budget {
                let v = analysis.largestPortfolio(budget: budget, solution: s)
                capacity.append([.text(scenario), .number(budget), .number(finite(v.value)), .number(finite(v.lower)), .number(finite(v.upper))])
            }
        }
        solution.notes.append("lower/upper: the same constraint solved at its estimate ± z standard errors (z = \(rows.first.map { "\($0.analysis.terms.z)" } ?? "2")), i.e. the Monte Carlo uncertainty of the answer.")
        solution.notes.append("cover: the solved level on the solved_for axis, the other axes held fixed; feasible = no: even 100 % does not meet a constraint.")
        provisioning.notes.append("provisioning rate: quantile of guarantee calls at the confidence / maximum liability; budget multiplier = volume / (rate × liability).")
        capacity.notes.append("Assumes the portfolio grows by more of the same exposures (loss fractions unchanged).")
        var tables = [solution, constraints]
        if !provisioning.rows.isEmpty { tables.append(provisioning) }
        if !capacity.rows.isEmpty { tables.append(capacity) }
        return tables
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
}
