import Foundation
import RiskSharing
import Scenarios
import Stochastics

/// Tables of `leverage simulate --method importance` and the exceedance table of plain runs.
public enum ImportanceTables {
    static func pct(_ level: Double) -> String {
        let p = level * 100
        return p == p.rounded() ? "\(Int(p)) %" : "\(p) %"
    }

    /// P(L/V > x) at the requested thresholds from a plain run, with binomial SEs; a threshold
    /// with no hit gets the exact one-sided binomial upper bound 1 − (1 − c)^{1/n} at c = 95 %
    /// (≈ 3/n, the rule of three) instead of a misleading 0 ± 0.
    public static func exceedance(_ report: SimulationReport, thresholds: [Double]) -> Table {
        var table = Table(name: "exceedance", title: "Exceedance probabilities P(L/V > x)",
                          columns: [Column("threshold", .fraction), Column("probability", .fraction), Column("standard_error", .fraction),
                                    Column("hits", .count), Column("upper_bound_95", .fraction)])
        let n = report.paths
        for x in thresholds {
            // The run counts its exceedance thresholds, so each is answerable; a threshold it
            // did not count (a library caller's) gets an empty row rather than a guess.
            guard let p = try? report.lossDistribution.probability(lossFractionAtMost: x) else {
                table.append([.number(x), .empty, .empty, .empty, .empty])
                continue
            }
            let hits = n - p.successes
            let probability = Double(hits) / Double(n)
            let se = (probability * (1 - probability) / Double(n)).squareRoot()
            let bound: Cell = hits == 0 ? .number(1 - Foundation.pow(0.05, 1 / Double(n))) : .empty
            table.append([.number(x), .number(probability), .number(se), .integer(hits), bound])
        }
        table.notes.append("\(n) plain Monte Carlo paths. With no hit the estimate 0 only says P < upper_bound_95 (exact binomial bound, 95 % one-sided; ≈ 3/paths); use --method importance for such tails.")
        return table
    }

    public static func tables(for report: ImportanceReport, unit money: MoneyUnit) -> [Table] {
        let unit = Unit(money), u = unit.rawValue
        var exceed = Table(name: "exceedance", title: "Exceedance probabilities P(L/V > x), importance sampling",
                           columns: [Column("threshold", .fraction), Column("probability", .fraction), Column("standard_error", .fraction),
                                     Column("relative_error", .fraction), Column("hits", .count), Column("variance_reduction", .multiple)])
        for (x, e) in report.exceedance {
            exceed.append([.number(x), .number(e.value), .number(e.standardError),
                           .number(e.value > 0 ? e.standardError / e.value : nil), .integer(e.hits), .number(e.varianceReduction.isFinite ? e.varianceReduction : nil)])
        }
        exceed.notes.append("Glasserman–Li (2005) importance sampling: factor mean shift μ = (\(report.factorShift.map { String(format: "%.4g", $0) }.joined(separator: ", "))) and exponential twisting of the conditional default probabilities towards the target loss \(pct(report.target)) of the volume (\(report.targetSource)).")
        if let lambda = report.mixingTwist {
            exceed.notes.append("Student-t copula: the mixing variable W ~ χ²_ν is exponentially twisted (Bassamboo, Juneja & Zeevi 2008), drawn as χ²_ν/(1 + 2λ) with λ = \(String(format: "%.4g", lambda)) for the target, the factors shifted and the conditional default probabilities given (Z, W) twisted as above; the likelihood ratio includes (1 + 2λ)^(−ν/2)·e^(λW).")
        }
        exceed.notes.append("\(report.paths) paths, seed \(report.seed); effective sample size \(String(format: "%.0f", report.effectiveSampleSize)); mean likelihood ratio \(String(format: "%.4f", report.meanWeight)) (1 in expectation).")
        exceed.notes.append("variance_reduction: the variance of plain Monte Carlo per path, estimated from the same weighted paths, over the importance-sampled variance — plain paths needed per importance-sampled path for the same standard error.")

        var portfolio = Table(name: "portfolio_loss", title: "Portfolio loss, importance sampling",
                              columns: [Column("statistic", .text), Column("level", .fraction), Column("amount_\(u)", unit), Column("fraction_of_volume", .fraction),
                                        Column("standard_error_\(u)", unit), Column("ci_lower_\(u)", unit), Column("ci_upper_\(u)", unit)])
        let v = report.volume
        portfolio.append(["volume", .empty, .number(v), 1.0, .empty, .empty, .empty])
        portfolio.append(["expected loss (exact)", .empty, .number(report.exactExpectedLoss), .number(report.exactExpectedLoss / v), .empty, .empty, .empty])
        portfolio.append(["expected loss", .empty, .number(report.expectedLoss.value), .number(report.expectedLoss.value / v), .number(report.expectedLoss.standardError), .empty, .empty])
        for q in report.quantiles {
            portfolio.append(["VaR", .number(q.level), .number(q.value), .number(q.value / v), .empty, .number(q.lower), .number(q.upper)])
        }
        for s in report.expectedShortfall {
            portfolio.append(["expected shortfall", .number(s.level), .number(s.value), .number(s.value / v), .number(s.standardError), .empty, .empty])
        }
        portfolio.notes.append("VaR: the smallest simulated loss x with weighted tail probability ≤ 1 − level; its interval holds the x at which that tail estimate is within \(pct(report.quantiles.first?.confidence ?? 0.95)) normal bounds of 1 − level (inverted test). The expected loss is dominated by ordinary losses, which importance sampling for the tail does not target: compare its SE with a plain run.")

        var tranches = Table(name: "tranches", title: "Tranches, importance sampling",
                             columns: [Column("tranche", .text), Column("holder", .text), Column("attachment", .fraction), Column("detachment", .fraction),
                                       Column("expected_loss_\(u)", unit), Column("expected_loss_se_\(u)", unit), Column("variance_reduction", .multiple),
                                       Column("p_hit", .fraction), Column("p_hit_se", .fraction)])
        for t in report.tranches {
            tranches.append([.text(t.tranche.name), .text(t.tranche.holder), .number(t.tranche.attachment), .number(t.tranche.detachment),
                             .number(t.expectedLoss.value), .number(t.expectedLoss.standardError),
                             .number(t.expectedLoss.varianceReduction.isFinite ? t.expectedLoss.varianceReduction : nil),
                             .number(t.hitProbability.value), .number(t.hitProbability.standardError)])
        }
        var holders = Table(name: "holders", title: "Expected loss by holder and guarantee calls, importance sampling",
                            columns: [Column("item", .text), Column("name", .text), Column("expected_\(u)", unit), Column("standard_error_\(u)", unit)])
        for h in report.holders { holders.append(["holder", .text(h.holder), .number(h.expectedLoss.value), .number(h.expectedLoss.standardError)]) }
        for g in report.guarantees { holders.append(["guarantee calls", .text(g.guarantee.name), .number(g.expectedCalls.value), .number(g.expectedCalls.standardError)]) }
        // The same questions as plain Monte Carlo's tables (SimulationTables), with the far tail
        // importance sampling exists for: the exceedance curve on a log axis.
        exceed.chart = Chart(.lines(.init(x: "threshold", panels: [.init([.init("probability", label: "P(L/V > x)", standardError: "standard_error")])])),
                             title: "How likely are losses beyond each level of the volume?",
                             caption: "Probability that the portfolio loss exceeds each threshold (a fraction of the volume), by importance sampling; a log axis when it spans orders of magnitude. Standard errors and hits are in the table.")
        portfolio.chart = Chart(.bars(.init([.init("amount_\(u)", standardError: "standard_error_\(u)", lower: "ci_lower_\(u)", upper: "ci_upper_\(u)")],
                                            label: ["statistic", "level"], colourBy: "statistic", omit: [.init("statistic", ["volume"])])),
                                title: "How large are the portfolio's losses: on average, at risk, in the tail?",
                                caption: "Expected loss (importance-sampled and exact), value at risk and expected shortfall at each level, in \(unit.axisSuffix ?? u). Whiskers: ±2 standard errors, or the quantile's confidence interval.")
        tranches.chart = Chart(.bars(.init([.init("expected_loss_\(u)", label: "expected loss", standardError: "expected_loss_se_\(u)")], label: ["tranche", "holder"])),
                               title: "Which tranche bears the expected loss?",
                               caption: "Expected loss per tranche in \(unit.axisSuffix ?? u), by importance sampling; whiskers ±2 standard errors (cut at zero).")
        holders.chart = Chart(.bars(.init([.init("expected_\(u)", label: "expected loss", standardError: "standard_error_\(u)")], label: ["item", "name"], colourBy: "item")),
                              title: "How much does each holder expect to lose, and each guarantee to pay?",
                              caption: "Expected loss per holder and expected calls per guarantee in \(unit.axisSuffix ?? u), by importance sampling; whiskers ±2 standard errors.")
        return [exceed, portfolio, tranches, holders]
    }
}
