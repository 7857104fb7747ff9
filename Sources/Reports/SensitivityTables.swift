import RiskCover

/// The table of `leverage sensitivity`: the headline solve and its one-at-a-time tornado.
public enum SensitivityTables {
    /// One row for the base, then per input (largest swing first) one row at its low and one at
    /// its high end: the input's value, the solved cover with its Monte Carlo band, the leverage,
    /// the binding investor constraint and the input's swing.
    public static func sensitivity(_ result: SensitivityResult, axis: CoverGrid.Axis, paths: Int, seed: UInt64) -> Table {
        let solved = axis.rawValue.replacingOccurrences(of: "-", with: "_")
        var table = Table(
            name: "sensitivity",
            title: "Minimum \(axis.rawValue.replacingOccurrences(of: "-", with: " ")) over the EST inputs' ranges (one at a time, \(paths) paths, seed \(seed))",
            columns: [Column("case", .text), Column("input_value", .count), Column(solved, .fraction), Column("swing", .fraction),
                      Column("leverage", .multiple), Column("binding", .text), Column("\(solved)_lower", .fraction), Column("\(solved)_upper", .fraction),
                      Column("input", .text), Column("meaning", .text), Column("end", .text), Column("range", .text), Column("input_base", .count)])
        func binding(_ s: CoverSolution) -> Cell {
            let kind = s.binding?.rawValue ?? "none"
            return .text(s.feasible ? kind : "\(kind) (infeasible at 100 %)")
        }
        func leverage(_ s: CoverSolution) -> Cell { s.leverage.value.isFinite ? .number(s.leverage.value) : .empty }
        func row(_ label: String, _ input: String, _ meaning: String, _ end: String, _ range: String, _ value: Cell, _ base: Cell,
                 _ s: CoverSolution, _ swing: Double) -> [Cell] {
            [.text(label), value, .number(s.level.value), .number(swing), leverage(s), binding(s), .number(s.level.lower), .number(s.level.upper),
             .text(input), .text(meaning), .text(end), .text(range), base]
        }
        table.append(row("base", "—", "the model as written", "base", "", .empty, .empty, result.base, 0))
        for r in result.rows {
            // Investor limits in files are bp (EL) and fractions; the table keeps rates as fractions.
            let scale = r.input == .maxExpectedLossBp ? 1.0 / 10_000 : 1
            let name = r.input == .maxExpectedLossBp ? "max_expected_loss" : r.input.rawValue
            let meaning = r.input == .maxExpectedLossBp ? "max private EL rate" : r.input.meaning
            for (end, x, s) in [("low", r.low, r.atLow), ("high", r.high, r.atHigh)] {
                table.append(row("\(name) \(end)", name, meaning, end, r.given ? "model" : "default", .number(x * scale), .number(r.base * scale), s, r.swing))
            }
        }
        table.notes.append("One input at a time at the low and high end of its range, every other input at the model's value; the headline is the minimum \(axis.rawValue) meeting every investor constraint, as `leverage solve` computes it (bisection to 1e-6), with its Monte Carlo band [\(solved)_lower, \(solved)_upper] (the constraints at estimate ∓ z·SE).")
        table.notes.append("Common random numbers: every re-solve uses the same seed and paths (same factor, idiosyncratic and t-mixing draws), so differences come from the input, not from sampling; the investor limits re-solve on the base simulation itself. Rows sorted by swing = |\(solved) at high − at low|.")
        table.notes.append("input_value: pd is a multiplier of every PD (capped at 1); correlation a shift of each obligor's asset correlation βᵀΣβ (kept in [0, 0.99]); lgd a shift of each LGD (its mean for a Beta LGD); degrees_of_freedom the t copula's ν; max_expected_loss the investors' maximum EL rate on the private tranche (a fraction; bp in the model file); max_loss_probability their maximum P(any private loss).")
        table.notes.append("range 'default' (no risk_cover.sensitivity entry): PD × [0.7, 1.5], correlation ± 0.05, LGD ± 0.10, ν ∈ [4, 12], each investor limit at half and twice its value — the tool's convention, not a source's.")
        for (input, reason) in result.skipped { table.notes.append("\(input.rawValue) not varied: \(reason).") }
        table.setDetail(["input", "meaning", "end", "range", "input_base"])
        table.chart = Chart(.tornado(.init(label: "case", .init(solved, label: "minimum \(axis.rawValue.replacingOccurrences(of: "-", with: " "))",
                                                                   lower: "\(solved)_lower", upper: "\(solved)_upper"),
                                           base: .init("case", ["base"]), pairBy: "input", end: "end")),
                            title: "Which estimated input moves the minimum public \(axis.rawValue.replacingOccurrences(of: "-", with: " ")) most?",
                            caption: "One row per EST input: the minimum \(axis.rawValue.replacingOccurrences(of: "-", with: " ")) investors accept with the input at the low and at the high end of its range (one at a time, common random numbers) as two bars from the base (black line), largest span first; whiskers the Monte Carlo band.")
        return table
    }
}
