import RiskSharing
import Scenarios
import Stochastics

/// The tables of `leverage simulate`: every Monte Carlo figure with its standard error or
/// confidence interval.
public enum SimulationTables {
    public static func tables(for report: SimulationReport, model: RiskModel, unit money: MoneyUnit) -> [Table] {
        let unit = Unit(money)
        let u = unit.rawValue
        func pct(_ level: Double) -> String {
            let p = level * 100
            return p == p.rounded() ? "\(Int(p)) %" : "\(p) %"
        }

        // Portfolio loss: expected loss (estimated and exact), quantiles with CIs, expected shortfall with SE.
        var portfolio = Table(
            name: "portfolio_loss", title: "Portfolio loss",
            columns: [Column("statistic", .text), Column("level", .fraction), Column("amount_\(u)", unit), Column("fraction_of_volume", .fraction),
                      Column("standard_error_\(u)", unit), Column("ci_lower_\(u)", unit), Column("ci_upper_\(u)", unit)])
        let v = report.volume
        portfolio.append(["volume", .empty, .number(v), 1.0, .empty, .empty, .empty])
        portfolio.append(["expected loss (exact)", .empty, .number(report.exactExpectedLoss), .number(report.exactExpectedLoss / v), .empty, .empty, .empty])
        appendSummary(report.portfolio, into: &portfolio, volume: v)
        portfolio.notes.append("\(report.paths) paths, seed \(report.seed); quantile intervals are distribution-free \(pct(report.portfolio.quantiles.first?.confidence ?? 0.95)) order-statistic intervals.")
        switch report.dependence.factorization {
        case .cholesky:
            portfolio.notes.append("\(report.dependence.matrixName) (\(report.dependence.dimension)×\(report.dependence.dimension)) factored by Cholesky.")
        case let .nearestCorrelation(iterations, distance, eigen):
            portfolio.notes.append("\(report.dependence.matrixName) was not positive definite and was REPAIRED (repair: nearest): nearest correlation matrix after \(iterations) iterations, Frobenius distance moved \(distance)\(eigen ? ", factored by eigen-decomposition" : "").")
        }

        portfolio.chart = Chart(.bars(.init([.init("amount_\(u)", standardError: "standard_error_\(u)", lower: "ci_lower_\(u)", upper: "ci_upper_\(u)")],
                                              label: ["statistic", "level"], colourBy: "statistic", omit: [.init("statistic", ["volume"])])),
                                title: "How large are the portfolio's losses: on average, at risk, in the tail?",
                                caption: "Expected loss (simulated and exact), value at risk and expected shortfall at each level, in \(unit.axisSuffix ?? u). Whiskers: ±2 standard errors, or the quantile's confidence interval.")

        var tranches = Table(
            name: "tranches", title: "Tranches",
            columns: [Column("tranche", .text), Column("holder", .text), Column("attachment", .fraction), Column("detachment", .fraction),
                      Column("notional_\(u)", unit), Column("expected_loss_\(u)", unit), Column("expected_loss_se_\(u)", unit),
                      Column("expected_loss_rate", .fraction), Column("net_expected_loss_\(u)", unit), Column("net_expected_loss_se_\(u)", unit),
                      Column("p_hit", .fraction), Column("p_hit_se", .fraction), Column("p_wiped_out", .fraction), Column("p_wiped_out_se", .fraction)])
        for t in report.tranches {
            let el = t.grossLoss.expectedLoss, net = t.netLoss.expectedLoss
            tranches.append([.text(t.tranche.name), .text(t.tranche.holder), .number(t.tranche.attachment), .number(t.tranche.detachment),
                             .number(t.notional), .number(el.mean), .number(el.standardError), .number(t.notional > 0 ? el.mean / t.notional : nil),
                             .number(net.mean), .number(net.standardError),
                             .number(t.hitProbability.probability), .number(t.hitProbability.standardError),
                             .number(t.wipeoutProbability.probability), .number(t.wipeoutProbability.standardError)])
        }
        tranches.notes.append("expected loss: before guarantees; net: what the holder keeps after guarantee payouts. Rates are of the tranche notional.")
        var trancheSeries: [Chart.Series] = [.init("expected_loss_\(u)", label: "expected loss", standardError: "expected_loss_se_\(u)")]
        if report.guarantees.isEmpty {
            tranches.setDetail(["net_expected_loss_\(u)", "net_expected_loss_se_\(u)"])
        } else {
            trancheSeries.append(.init("net_expected_loss_\(u)", label: "net of guarantees", standardError: "net_expected_loss_se_\(u)"))
        }
        tranches.chart = Chart(.bars(.init(trancheSeries, label: ["tranche", "holder"])),
                               title: "Which tranche bears the expected loss\(report.guarantees.isEmpty ? "" : ", before and after guarantees")?",
                               caption: "Expected loss per tranche in \(unit.axisSuffix ?? u); whiskers ±2 standard errors (cut at zero).")

        var holders = Table(
            name: "holders", title: "Losses by holder",
            columns: [Column("holder", .text), Column("statistic", .text), Column("level", .fraction), Column("amount_\(u)", unit),
                      Column("fraction_of_volume", .fraction), Column("standard_error_\(u)", unit), Column("ci_lower_\(u)", unit), Column("ci_upper_\(u)", unit)])
        for h in report.holders {
            var rows = Table(name: "", title: "", columns: portfolio.columns)
            appendSummary(h.loss, into: &rows, volume: v)
            for row in rows.rows { holders.append([.text(h.holder)] + row) }
        }
        holders.notes.append("A holder's loss is the tranche losses it keeps plus the guarantee calls it pays; the holders' losses add up to the portfolio loss on every path (largest rounding gap \(report.maximumAllocationError)).")

        holders.chart = Chart(.bars(.init([.init("amount_\(u)", standardError: "standard_error_\(u)", lower: "ci_lower_\(u)", upper: "ci_upper_\(u)")],
                                            label: ["holder", "statistic", "level"], colourBy: "holder")),
                              title: "How much does each holder lose: on average, at risk, in the tail?",
                              caption: "Per holder: expected loss (whiskers ±2 standard errors), value at risk (whiskers: its confidence interval) and expected shortfall, in \(unit.axisSuffix ?? u).")

        var tables = [portfolio, tranches, holders]
        if !report.guarantees.isEmpty {
            var guarantees = Table(
                name: "guarantees", title: "Guarantees: calls and provisioning",
                columns: [Column("guarantee", .text), Column("guarantor", .text), Column("covers", .text), Column("rate", .fraction), Column("cap", .fraction),
                          Column("cap_basis", .text), Column("maximum_liability_\(u)", unit), Column("expected_calls_\(u)", unit), Column("expected_calls_se_\(u)", unit),
                          Column("confidence", .fraction), Column("calls_quantile_\(u)", unit),
                          Column("provisioning_rate", .fraction), Column("provisioning_rate_ci_lower", .fraction), Column("provisioning_rate_ci_upper", .fraction),
                          Column("provision_\(u)", unit), Column("p_calls_exceed_provision", .fraction), Column("p_calls_exceed_provision_se", .fraction)])
            for g in report.guarantees {
                let covers: String
                switch g.guarantee.covers {
                case .portfolio: covers = "portfolio"
                case .tranche(let name): covers = name
                }
                let level = g.provisioningRate.level
                let q = g.calls.quantile(level)
                guarantees.append([.text(g.guarantee.name), .text(g.guarantee.guarantor), .text(covers), .number(g.guarantee.rate), .number(g.guarantee.cap),
                                   .text(g.guarantee.capBasis.rawValue), .number(g.maximumLiability), .number(g.calls.expectedLoss.mean), .number(g.calls.expectedLoss.standardError),
                                   .number(level), .number(q?.value ?? g.provisioningRate.value * g.maximumLiability),
                                   .number(g.provisioningRate.value), .number(g.provisioningRate.lower), .number(g.provisioningRate.upper),
                                   .number(g.guarantee.budgetProvision), .number(g.provisionShortfallProbability?.probability),
                                   .number(g.provisionShortfallProbability?.standardError)])
            }
            guarantees.notes.append("payout = min(rate · covered loss, cap amount); maximum liability = min(rate · covered volume, cap amount); provisioning rate = quantile of calls at the confidence / maximum liability.")
            for basis in CapBasis.allCases where report.guarantees.contains(where: { $0.guarantee.capBasis == basis }) {
                guarantees.notes.append("cap_basis \(basis.rawValue): \(basis.formula).")
            }
            guarantees.setDetail(["covers", "provisioning_rate_ci_lower", "provisioning_rate_ci_upper", "p_calls_exceed_provision_se"])
            guarantees.chart = Chart(.bars(.init([.init("expected_calls_\(u)", label: "expected calls", standardError: "expected_calls_se_\(u)")], label: ["guarantee"])),
                                     title: "How much will each guarantee be called, on average?",
                                     caption: "Expected calls on each guarantee in \(unit.axisSuffix ?? u); whiskers ±2 standard errors.")
            tables.append(guarantees)
        }

        var distribution = Table(
            name: "loss_distribution", title: "Portfolio loss distribution",
            columns: [Column("loss_from", .fraction), Column("loss_to", .fraction), Column("probability", .fraction), Column("standard_error", .fraction)])
        for b in report.histogram {
            distribution.append([.number(b.lower), .number(b.upper), .number(b.probability.probability), .number(b.probability.standardError)])
        }
        distribution.notes.append("P(from ≤ L/V < to), L the portfolio loss and V its volume; the last bucket includes its upper edge.")
        var markers = report.tranches.filter { $0.tranche.attachment > 0 }.map { Chart.ReferenceValue($0.tranche.attachment, "\($0.tranche.name) attaches") }
        markers += report.portfolio.quantiles.map { Chart.ReferenceValue($0.value / v, "VaR \(pct($0.level))") }
        distribution.chart = Chart(.distribution(.init(from: "loss_from", to: "loss_to", probability: "probability", standardError: "standard_error", markers: markers)),
                                   title: "How likely is each level of portfolio loss, and where do the tranches attach?",
                                   caption: "Probability of each bucket of portfolio loss L/V on a log scale, so that the tail shows; whiskers ±2 standard errors. Dashed lines: tranche attachment points and value at risk.")
        tables.append(distribution)
        return tables
    }

    /// Rows for a loss summary: expected loss (SE), then each quantile (CI) and expected shortfall (SE).
    static func appendSummary(_ s: LossSummary, into table: inout Table, volume v: Double) {
        let el = s.expectedLoss
        table.append(["expected loss", .empty, .number(el.mean), .number(el.mean / v), .number(el.standardError), .empty, .empty])
        for q in s.quantiles {
            table.append(["value at risk", .number(q.level), .number(q.value), .number(q.value / v), .empty, .number(q.lower), .number(q.upper)])
        }
        for e in s.expectedShortfall {
            table.append(["expected shortfall", .number(e.level), .number(e.value), .number(e.value / v), .number(e.standardError), .empty, .empty])
        }
    }
}
