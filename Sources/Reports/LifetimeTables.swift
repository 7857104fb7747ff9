import Foundation
import RiskSharing
import Scenarios
import Stochastics

/// The tables of a lifetime run (a model's `lifetime` section): the portfolio year by year, each
/// holder's yearly calls, recoveries and net cost with percentiles, and the net present
/// budgetary cost. Money in the model's unit (`eur_m` …) named in every money column.
public enum LifetimeTables {
    /// `q95`, `q99`, `q99_5` for a level.
    static func levelName(_ level: Double) -> String {
        let p = level * 100
        return p == p.rounded() ? "q\(Int(p))" : "q" + "\(p)".replacingOccurrences(of: ".", with: "_")
    }

    static func pct(_ x: Double) -> String {
        let p = x * 100
        return p == p.rounded() ? "\(Int(p)) %" : "\(p) %"
    }

    public static func tables(for report: LifetimeReport, unit money: MoneyUnit) -> [Table] {
        let unit = Unit(money)
        let u = unit.rawValue
        let spec = report.spec
        let first = spec.startYear, last = spec.startYear + spec.years - 1

        var portfolio = Table(
            name: "lifetime_portfolio", title: "Portfolio year by year (\(first)–\(first + spec.horizon - 1))",
            columns: [Column("year", .count, role: .key), Column("performing_balance_\(u)", unit), Column("gross_defaults_\(u)", unit),
                      Column("gross_defaults_se_\(u)", unit, role: .detail), Column("loss_\(u)", unit), Column("loss_se_\(u)", unit, role: .detail),
                      Column("cumulative_loss_\(u)", unit), Column("cumulative_loss_se_\(u)", unit, role: .detail)]
                + spec.levels.map { Column("cumulative_loss_\(levelName($0))_\(u)", unit) })
        for y in report.portfolioYears {
            let c = y.cumulativeLoss
            portfolio.append([.integer(y.year), .number(y.performingBalance.mean), .number(y.grossDefaults.mean), .number(y.grossDefaults.standardError),
                              .number(y.loss.mean), .number(y.loss.standardError), .number(c.expectedLoss.mean), .number(c.expectedLoss.standardError)]
                             + spec.levels.map { level in .number(c.quantile(level)?.value) })
        }
        portfolio.notes.append("\(report.paths) paths, seed \(report.seed). Default year from one latent variable per obligor against its cumulative PD curve: default in year t iff Φ⁻¹(PDcum(t−1)) < X ≤ Φ⁻¹(PDcum(t)) (Li 2000); exposure at default = EAD × outstanding fraction at the start of the year.")
        portfolio.notes.append("Exact expected lifetime loss Σ EAD·a(t)·ΔPDcum(t)·E[LGD] = \(readable(report.exactExpectedLoss)) \(u); simulated \(readable(report.portfolioYears.last?.cumulativeLoss.expectedLoss.mean ?? 0)) ± \(readable(report.portfolioYears.last?.cumulativeLoss.expectedLoss.standardError ?? 0)).")
        if report.spec.horizon == 1 && report.year1MatchesOneYear {
            portfolio.notes.append("Horizon 1 year with the one-year PDs: the same draws as `simulate` (table default test), so the same numbers.")
        }

        var flows = Table(
            name: "lifetime_flows", title: "Calls, recoveries and net cost by year and holder (\(first)–\(last))",
            columns: [Column("holder", .text), Column("year", .count, role: .key),
                      Column("expected_calls_\(u)", unit), Column("expected_calls_se_\(u)", unit, role: .detail)]
                + spec.levels.map { Column("calls_\(levelName($0))_\(u)", unit) }
                + [Column("expected_recoveries_\(u)", unit), Column("expected_net_calls_\(u)", unit), Column("expected_net_calls_se_\(u)", unit, role: .detail),
                   Column("expected_fees_\(u)", unit), Column("expected_net_cost_\(u)", unit), Column("expected_net_cost_se_\(u)", unit, role: .detail)]
                + spec.levels.map { Column("net_cost_\(levelName($0))_\(u)", unit) })
        for h in report.holders {
            for y in h.years {
                flows.append([.text(h.holder), .integer(y.year), .number(y.calls.mean.mean), .number(y.calls.mean.standardError)]
                             + spec.levels.map { .number(y.calls.quantile($0)?.value) }
                             + [.number(y.recoveries.mean.mean), .number(y.netCalls.mean.mean), .number(y.netCalls.mean.standardError),
                                .number(y.fees.mean), .number(y.netCost.mean.mean), .number(y.netCost.mean.standardError)]
                             + spec.levels.map { .number(y.netCost.quantile($0)?.value) })
            }
        }
        flows.notes.append("A holder's cumulative position is f(X_t), f its share of the one-year waterfall and X_t the cumulative loss with defaults counted gross until their recovery \(spec.recoveryLag) year(s) later: calls_t = f(X_{t−1} + gross_t) − f(X_{t−1}), recoveries_t = f(X_{t−1} + gross_t) − f(X_t), net cost = calls − recoveries − fees. Tranche points and caps are fractions of the initial volume.")
        flows.notes.append("Fees: annual rate on the outstanding guaranteed amount (guarantee rate × covered share × performing balance; a tranche: its thickness × performing balance), paid at the end of each year of the horizon. Percentiles are per year (they do not add up over years).")

        var cost = Table(
            name: "lifetime_budgetary_cost", title: "Net present budgetary cost at \(pct(spec.discountRate)) (start of \(first))",
            columns: [Column("holder", .text), Column("item", .text), Column("amount_\(u)", unit), Column("standard_error_\(u)", unit, role: .detail),
                      Column("fraction_of_maximum_liability", .fraction), Column("ci_lower_\(u)", unit, role: .detail), Column("ci_upper_\(u)", unit, role: .detail)])
        for h in report.holders {
            let c = h.cost, m = c.maximumLiability
            func frac(_ x: Double) -> Cell { m > 0 ? .number(x / m) : .empty }
            let alpha = pct(spec.confidence)
            cost.append([.text(h.holder), "maximum liability f(V)", .number(m), .empty, m > 0 ? 1.0 : .empty, .empty, .empty])
            cost.append([.text(h.holder), "expected loss EL = E[PV net calls]", .number(c.expectedLoss.mean), .number(c.expectedLoss.standardError), frac(c.expectedLoss.mean), .empty, .empty])
            cost.append([.text(h.holder), .text("PV net calls at \(alpha)"), .number(c.presentValueQuantile.value), .empty, frac(c.presentValueQuantile.value),
                         .number(c.presentValueQuantile.lower), .number(c.presentValueQuantile.upper)])
            cost.append([.text(h.holder), .text("unexpected loss UL at \(alpha) = q − EL"), .number(c.unexpectedLoss), .empty, frac(c.unexpectedLoss),
                         .number(c.presentValueQuantile.lower - c.expectedLoss.mean), .number(c.presentValueQuantile.upper - c.expectedLoss.mean)])
            cost.append([.text(h.holder), .text("cost of capital κ·UL·Σ DF·run-off (κ = \(pct(spec.costOfCapitalRate)))"), .number(c.costOfCapital), .empty, frac(c.costOfCapital), .empty, .empty])
            cost.append([.text(h.holder), "fees received (PV)", .number(c.fees.mean), .number(c.fees.standardError), frac(c.fees.mean), .empty, .empty])
            cost.append([.text(h.holder), "net present budgetary cost = EL + CoC − fees", .number(c.netPresentCost), .number(c.netPresentCostStandardError), frac(c.netPresentCost), .empty, .empty])
            cost.append([.text(h.holder), .text("lifetime provision at \(alpha) (undiscounted net calls)"), .number(c.provision.value), .empty, frac(c.provision.value),
                         .number(c.provision.lower), .number(c.provision.upper)])
            if let s = spec.statutoryProvisioningRate {
                cost.append([.text(h.holder), .text("statutory provision (\(pct(s)) of the maximum liability)"), .number(s * m), .empty, .number(s), .empty, .empty])
            }
        }
        cost.notes.append("PV = Σ_t (1 + r)^−t × flow_t, flows at the end of each year, r = \(pct(spec.discountRate)). EL = E[PV(net calls)]; UL_α = q_α(PV(net calls)) − EL (Basel convention: credit VaR less EL); CoC = κ × UL_α × Σ_t DF_t × Ō(t)/Ō(1) (cost-of-capital method of the Solvency II risk margin, Delegated Reg. (EU) 2015/35 Arts. 37–39, capital run off with the expected performing balance Ō — the tool's simplification).")
        cost.notes.append("Lifetime provision = q_α of the undiscounted lifetime net calls; its fraction of the maximum liability is the provisioning rate that covers the lifetime calls at α — beside the statutory provisioning rate set on the same liability (Financial Regulation (EU, Euratom) 2018/1046 Arts. 211–213; InvestEU Reg. (EU) 2021/523 Art. 4: 40 %). Intervals: distribution-free order-statistic intervals of the quantiles.")
        var tranches = Table(
            name: "lifetime_tranches", title: "Tranche losses and guarantee calls on the lifetime loss (\(first)–\(first + spec.horizon - 1))",
            columns: [Column("kind", .text), Column("name", .text, role: .key), Column("expected_loss_\(u)", unit),
                      Column("expected_loss_se_\(u)", unit, role: .detail)]
                + spec.levels.map { Column("loss_\(levelName($0))_\(u)", unit) }
                + [Column("expected_net_loss_\(u)", unit), Column("expected_net_loss_se_\(u)", unit, role: .detail)])
        for t in report.tranches {
            tranches.append([.text("tranche"), .text(t.tranche), .number(t.grossLoss.expectedLoss.mean), .number(t.grossLoss.expectedLoss.standardError)]
                            + spec.levels.map { .number(t.grossLoss.quantile($0)?.value) }
                            + [.number(t.netLoss.expectedLoss.mean), .number(t.netLoss.expectedLoss.standardError)])
        }
        for g in report.guarantees {
            tranches.append([.text("guarantee calls"), .text(g.guarantee), .number(g.calls.expectedLoss.mean), .number(g.calls.expectedLoss.standardError)]
                            + spec.levels.map { .number(g.calls.quantile($0)?.value) } + [.empty, .empty])
        }
        tranches.notes.append("The one-year waterfall applied to each path's lifetime loss L_T (cumulative, undiscounted, defaults at their full loss): a tranche's loss min(max(L_T − aV, 0), (d − a)V), net of the guarantee payouts on it; a guarantee's calls on L_T. Tranche points and caps are fractions of the initial volume; percentiles per column.")
        return tranches.rows.isEmpty ? [portfolio, flows, cost] : [portfolio, flows, tranches, cost]
    }

    /// The lifetime first-loss solution beside the one-year figure.
    public static func firstLoss(_ solution: LifetimeFirstLoss, report: LifetimeReport, maxExpectedLossBp: Double?, oneYearFirstLoss: Double?,
                                 provisioning: (holder: String, statutory: Double?)?) -> Table {
        var t = Table(name: "lifetime_solution", title: "First loss and provisioning against lifetime losses (\(report.spec.startYear)–\(report.spec.startYear + report.spec.horizon - 1))",
                      columns: [Column("quantity", .text), Column("value", .fraction), Column("ci_lower", .fraction, role: .detail), Column("ci_upper", .fraction, role: .detail),
                                Column("years", .years)])
        t.append(["lifetime first loss (fraction of the volume)", .number(solution.firstLoss), .number(solution.lower), .number(solution.upper), .empty])
        if let oneYearFirstLoss { t.append(["one-year first loss (solve above)", .number(oneYearFirstLoss), .empty, .empty, .empty]) }
        t.append(["senior EL a year at the lifetime first loss (lifetime EL / WAL)", .number(solution.annualExpectedLossRate.mean),
                  .number(solution.annualExpectedLossRate.mean - 2 * solution.annualExpectedLossRate.standardError),
                  .number(solution.annualExpectedLossRate.mean + 2 * solution.annualExpectedLossRate.standardError), .empty])
        t.append(["P(lifetime loss > first loss)", .number(solution.lifetimeLossProbability.probability),
                  .number(solution.lifetimeLossProbability.probability - 2 * solution.lifetimeLossProbability.standardError),
                  .number(solution.lifetimeLossProbability.probability + 2 * solution.lifetimeLossProbability.standardError), .empty])
        t.append(["weighted average life", .empty, .empty, .empty, .number(solution.weightedAverageLife)])
        if let p = provisioning, let h = report.holder(named: p.holder) {
            t.append([.text("\(p.holder): lifetime provisioning rate at \(pct(report.spec.confidence))"), .number(h.cost.provisioningRate),
                      .number(h.cost.maximumLiability > 0 ? h.cost.provision.lower / h.cost.maximumLiability : nil),
                      .number(h.cost.maximumLiability > 0 ? h.cost.provision.upper / h.cost.maximumLiability : nil), .empty])
            if let s = p.statutory { t.append([.text("\(p.holder): statutory provisioning rate"), .number(s), .empty, .empty, .empty]) }
        }
        t.notes.append("The senior tranche [x, 1] bears min((L_T − x·V)⁺, (1 − x)·V) of the lifetime loss L_T; x is the smallest first loss with lifetime EL rate / WAL ≤ \(maxExpectedLossBp.map { "\(readable($0)) bp" } ?? "the limit") a year (WAL = Σ_t Ō(t)/Ō(1), the tool's annualisation). Bracket: the same solve with EL ∓ 2 standard errors.")
        return t
    }

    static func readable(_ x: Double) -> String {
        let a = abs(x)
        if a == 0 { return "0" }
        if a >= 100 { return String(Int(x.rounded())) }
        var s = String(format: "%.4g", x)
        if s.contains("e") { s = "\(x)" }
        return s
    }
}
