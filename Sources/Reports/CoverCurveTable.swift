import RiskCover
import Scenarios

extension RiskCoverTables {
    /// `solve`'s curve: leverage, the private tranche's risk and the public cost along the solved
    /// axis (the other axes held at the solved cover's values), one line per scenario, with the
    /// investors' limits as reference lines and each scenario's solved cover marked.
    ///
    /// - Parameters:
    ///   - rows: the sweep along the solved axis, per scenario (`RiskCoverAnalysis.sweep`).
    ///   - solved: per scenario, the solved level on that axis.
    ///   - axis: the axis solved for.
    ///   - money: the model's money unit.
    public static func coverCurve(_ rows: [(scenario: String, evaluation: CoverEvaluation)], solved: [(scenario: String, level: Double)],
                                  axis: CoverGrid.Axis, unit money: MoneyUnit) -> Table {
        var table = sweep(rows, unit: money)
        let column = axis.rawValue.replacingOccurrences(of: "-", with: "_")
        table.name = "cover_curve"
        table.title = "Leverage and private risk along the solved axis (\(axis.rawValue.replacingOccurrences(of: "-", with: " ")))"
        table.notes.append("The solved cover is marked on the chart; the grid is only for the picture, the answer comes from the bisection (see solution).")
        if case .lines(var lines)? = table.chart?.kind {
            lines.x = column
            lines.markFirstTrue = nil
            lines.markers = solved.map { .init($0.level, "solved (\($0.scenario))") }
            table.chart = Chart(.lines(lines), title: "How do leverage and the investors' risk move with the cover, and where is the minimum cover?",
                                caption: "Along the \(axis.rawValue.replacingOccurrences(of: "-", with: " ")), the other axes held fixed: leverage, the private tranche's expected loss rate and loss probability with the investors' limits (dashed), and the public cost per euro mobilised. Vertical lines: the solved minimum cover per scenario.")
        }
        return table
    }

    /// The tables of `leverage solve`: ``solve(_:unit:)`` with the ``coverCurve(_:solved:axis:unit:)``
    /// table second — each scenario's cover evaluated at 31 levels of the solved axis from 0 to
    /// 1.5 × the largest band end (at least 5 %, at most 100 %), the other axes held at `base`.
    ///
    /// - Parameters:
    ///   - rows: per scenario its analysis, solution and budget.
    ///   - axis: the axis solved for.
    ///   - base: the cover held fixed.
    ///   - unit: the model's money unit.
    ///   - levels: the curve's levels when they had to be fixed before the run (a bounded
    ///     first-loss solve: ``curveLevels(upper:)`` of its pilot's band), else nil.
    public static func solveWithCurve(_ rows: [(scenario: String, analysis: RiskCoverAnalysis, solution: CoverSolution, budget: Double?)],
                                      axis: CoverGrid.Axis, base: Cover, unit: MoneyUnit, levels: [Double]? = nil) throws -> [Table] {
        var tables = try solve(rows, unit: unit)
        let levels = levels ?? curveLevels(upper: rows.map(\.solution.level.upper).max() ?? 0)
        var curve: [(scenario: String, evaluation: CoverEvaluation)] = []
        for row in rows {
            curve += try row.analysis.sweep(levels.map { base.with(axis, $0) }).map { (row.scenario, $0) }
        }
        tables.insert(coverCurve(curve, solved: rows.map { ($0.scenario, $0.solution.level.value) }, axis: axis, unit: unit), at: 1)
        return tables
    }

    /// The cover curve's 31 levels from 0 to 1.5 × `upper` (at least 5 %, at most 100 %).
    /// - Parameter upper: the largest band upper end of the scenarios' solutions.
    public static func curveLevels(upper: Double) -> [Double] {
        RiskCoverAnalysis.defaultCurveLevels(upper: upper)
    }
}
