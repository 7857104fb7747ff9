import Foundation
import Reports
import Testing

/// A plotted value read back from an SVG: `data-row`, `data-column`, `data-value`.
struct PlottedValue: Equatable {
    var row: Int
    var column: String
    var value: Double
}

/// Every plotted value in `svg`.
func plottedValues(_ svg: String) -> [PlottedValue] {
    let pattern = try! NSRegularExpression(pattern: #"data-row="(\d+)" data-column="([^"]+)" data-value="([^"]+)""#)
    let range = NSRange(svg.startIndex..., in: svg)
    return pattern.matches(in: svg, range: range).map { m in
        func group(_ k: Int) -> String { String(svg[Range(m.range(at: k), in: svg)!]) }
        return PlottedValue(row: Int(group(1))!, column: group(2), value: Double(group(3))!)
    }
}

/// The numeric value of a cell, if any.
func numeric(_ cell: Cell) -> Double? {
    switch cell {
    case .number(let x): return x.isFinite ? x : nil
    case .integer(let i): return Double(i)
    default: return nil
    }
}

/// Checks that every value plotted in the table's chart is the table's own cell, that only the
/// declared columns are plotted, and returns the plotted values.
@discardableResult
func checkPlotsTable(_ table: Table, declared: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) throws -> [PlottedValue] {
    let svg = try #require(HTMLReport.chart(for: table), sourceLocation: sourceLocation)
    let values = plottedValues(svg)
    #expect(!values.isEmpty, "the chart plots something", sourceLocation: sourceLocation)
    for v in values {
        #expect(declared.contains(v.column), "\(v.column) is not a declared column", sourceLocation: sourceLocation)
        let j = try #require(table.columnIndex(v.column), sourceLocation: sourceLocation)
        #expect(numeric(table.rows[v.row][j]) == v.value, "row \(v.row) \(v.column)", sourceLocation: sourceLocation)
    }
    return values
}

@Suite("Reports: charts by intent")
struct ChartIntentTests {
    /// `solve`'s tables as the command builds them: the limit beside the cover, the budget beside the volume.
    let constraints = Table(
        name: "constraints", title: "Minimum cover per investor constraint",
        columns: [Column("scenario", .text), Column("constraint", .text), Column("limit", .fraction), Column("cover", .fraction),
                  Column("cover_lower", .fraction), Column("cover_upper", .fraction)],
        rows: [["baseline", "expected_loss", 0.002, 0.132, 0.124, 0.139], ["baseline", "loss_probability", 0.005, 0.237, 0.224, 0.25]],
        chart: Chart(.bars(.init([.init("cover", lower: "cover_lower", upper: "cover_upper")], label: ["scenario", "constraint"])),
                     title: "How much cover does each constraint need?", caption: ""))

    @Test("Bars plot the declared column (the solved cover, not the limit before it), with the row's values")
    func barsPlotTheDeclaredColumn() throws {
        let values = try checkPlotsTable(constraints, declared: ["cover"])
        #expect(values.map(\.value) == [0.132, 0.237])
        let svg = try #require(HTMLReport.chart(for: constraints))
        #expect(svg.contains(">13.2 %</text>") && !svg.contains(">0.2 %</text>"))
        #expect(svg.contains(">cover (%)</text>"), "the axis names the column and its unit")
    }

    @Test("Whiskers of non-negative data do not stretch the axis below zero")
    func axisStartsAtZeroForLosses() throws {
        let table = Table(name: "tranches", title: "T", columns: [Column("tranche", .text), Column("el_eur_m", .eurMillion), Column("el_se_eur_m", .eurMillion)],
                          rows: [["senior", 0.5, 2.0], ["junior", 40.0, 1.0]],
                          chart: Chart(.bars(.init([.init("el_eur_m", standardError: "el_se_eur_m")], label: ["tranche"])), title: "?", caption: ""))
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(svg.contains(">0</text>") && !svg.contains(">-"), "no negative tick: the axis starts at 0")
    }

    @Test("Rows named in the filter (totals) are not drawn")
    func omittedRows() throws {
        let table = Table(name: "by_source", title: "S", columns: [Column("stack", .text), Column("source", .text), Column("amount_eur_bn", .eurBillion)],
                          rows: [["a", "eu_budget", 1.0], ["a", "private", 3.0], ["a", "public", 1.0]],
                          chart: Chart(.stacked(.init(category: "stack", segment: "source", value: "amount_eur_bn", colourBy: "source",
                                                      omit: [.init("source", ["public"])])), title: "?", caption: ""))
        let values = try checkPlotsTable(table, declared: ["amount_eur_bn"])
        #expect(values.map(\.row) == [0, 1])
    }

    /// A sweep: leverage and private risk against the first loss, two scenarios, the constraint flag.
    var sweep: Table {
        var t = Table(name: "sweep", title: "Sweep",
                      columns: [Column("scenario", .text), Column("first_loss", .fraction), Column("leverage", .multiple),
                                Column("private_expected_loss_rate", .fraction), Column("all_constraints_hold", .boolean)])
        for (scenario, shift) in [("baseline", 0.0), ("stressed", 0.01)] {
            for k in 1...10 {
                let f = Double(k) / 100
                t.append([.text(scenario), .number(f), .number(1 / f), .number(max(0.03 - f / 4 + shift, 0.0005)), .bool(0.03 - f / 4 + shift <= 0.01)])
            }
        }
        t.chart = Chart(.lines(.init(x: "first_loss", panels: [.init([.init("leverage")]),
                                                               .init([.init("private_expected_loss_rate")], references: [.init(0.01, "investor limit 1 %")])],
                                     lineBy: ["scenario"], markFirstTrue: "all_constraints_hold", markLabel: "smallest cover meeting the limit")),
                        title: "How does leverage trade against risk?", caption: "")
        return t
    }

    @Test("Lines: every point of every declared column, a line per scenario, the limit and the first feasible cover marked")
    func lines() throws {
        let table = sweep
        let values = try checkPlotsTable(table, declared: ["leverage", "private_expected_loss_rate"])
        #expect(values.count == 2 * table.rows.count)
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(occurrences(of: "<polyline ", in: svg) == 4, "two scenarios × two panels")
        #expect(svg.contains(">investor limit 1 %</text>"))
        // baseline meets the limit first at f = 8 %, stressed at 12 % (off the grid: not marked).
        #expect(svg.contains(">baseline: 8.0 %</text>") && !svg.contains(">stressed: "))
        #expect(svg.contains(">leverage (×)</text>"))
    }

    @Test("Line axes start where the data do, not at zero")
    func linesAxisFromData() throws {
        var table = Table(name: "l", title: "L", columns: [Column("x", .fraction), Column("leverage", .multiple)])
        for k in 0...10 { table.append([.number(Double(k) / 10), .number(100 + Double(k))]) }
        table.chart = Chart(.lines(.init(x: "x", panels: [.init([.init("leverage")])])), title: "?", caption: "")
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(svg.contains(">×100.0</text>") && svg.contains(">×110.0</text>") && !svg.contains(">×0.0</text>"))
    }

    @Test("A line joins its points in order of x, whatever the rows' order (exceedance thresholds)")
    func linesInOrderOfX() throws {
        var table = Table(name: "l", title: "L", columns: [Column("threshold", .fraction), Column("probability", .fraction)])
        for (x, p) in [(0.18, 1e-7), (0.09, 1e-4), (0.27, 3e-10)] { table.append([.number(x), .number(p)]) }
        table.chart = Chart(.lines(.init(x: "threshold", panels: [.init([.init("probability")])])), title: "?", caption: "")
        let svg = try #require(HTMLReport.chart(for: table))
        let points = try #require(svg.components(separatedBy: "<polyline points=\"").dropFirst().first?.prefix { $0 != "\"" })
        let xs = points.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }
        #expect(xs.count == 3 && xs == xs.sorted(), "\(points)")
        #expect(Set(try checkPlotsTable(table, declared: ["probability"]).map(\.row)) == [0, 1, 2])
    }

    @Test("A positive line spanning several orders of magnitude gets a log axis")
    func linesLogAxis() throws {
        var table = Table(name: "l", title: "L", columns: [Column("x", .fraction), Column("leverage", .multiple)])
        for k in 1...10 { table.append([.number(Double(k) / 100), .number(100 / Double(k * k))]) }
        table.chart = Chart(.lines(.init(x: "x", panels: [.init([.init("leverage")])])), title: "?", caption: "")
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(svg.contains(">leverage (×), log scale</text>") && svg.contains(">×1</text>") && svg.contains(">×10</text>") && svg.contains(">×100</text>"))
    }

    @Test("Fan: both bands between their declared columns, the median's values, the covenant line")
    func fan() throws {
        var table = Table(name: "dscr_fan", title: "Fan",
                          columns: [Column("scenario", .text), Column("year_end", .years)] + ["p5", "p25", "p50", "p75", "p95"].map { Column("dscr_\($0)", .count) })
        for s in ["baseline", "ai_winter"] {
            for y in 3...8 { let m = s == "baseline" ? 2.0 : 1.0; table.append([.text(s), .number(Double(y)), .number(m - 0.8), .number(m - 0.3), .number(m), .number(m + 0.3), .number(m + 0.9)]) }
        }
        table.chart = Chart(.fan(.init(x: "year_end", facetBy: "scenario", outer: ("dscr_p5", "dscr_p95"), inner: ("dscr_p25", "dscr_p75"), median: "dscr_p50",
                                       references: [.init(1.2, "covenant 1.20")])), title: "?", caption: "")
        let values = try checkPlotsTable(table, declared: ["dscr_p50"])
        #expect(values.count == table.rows.count)
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(occurrences(of: "data-columns=\"dscr_p5 dscr_p95\"", in: svg) == 2 && occurrences(of: "data-columns=\"dscr_p25 dscr_p75\"", in: svg) == 2)
        #expect(svg.contains(">covenant 1.20</text>") && svg.contains(">ai_winter</text>"))
    }

    @Test("Tornado: a bar per scenario from the baseline, largest change first; the base row has no bar")
    func tornado() throws {
        let table = Table(name: "stress_monte_carlo", title: "MC", columns: [Column("scenario", .text), Column("p_default", .fraction), Column("p_default_se", .fraction)],
                          rows: [["baseline", 0.14, 0.004], ["rate_rise", 0.15, 0.004], ["ai_winter", 0.95, 0.002], ["energy_shock", 0.47, 0.005]],
                          chart: Chart(.tornado(.init(label: "scenario", .init("p_default", standardError: "p_default_se"), base: .init("scenario", ["baseline"]))),
                                       title: "?", caption: ""))
        let values = try checkPlotsTable(table, declared: ["p_default"])
        #expect(values.map(\.row) == [2, 3, 1])
        #expect(try #require(HTMLReport.chart(for: table)).contains(">baseline 14.0 %</text>"))
    }

    /// The bars of a chart, by table row: x, y, width, height.
    func bars(_ svg: String) -> [Int: (x: Double, y: Double, width: Double, height: Double)] {
        let pattern = try! NSRegularExpression(pattern: #"<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"[^>]*? data-row="(\d+)""#)
        var out: [Int: (Double, Double, Double, Double)] = [:]
        for m in pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)) {
            func group(_ k: Int) -> String { String(svg[Range(m.range(at: k), in: svg)!]) }
            out[Int(group(5))!] = (Double(group(1))!, Double(group(2))!, Double(group(3))!, Double(group(4))!)
        }
        return out
    }

    @Test("Tornado over ranges: one row per input, its low and high end as two bars from the base line, largest span first")
    func pairedTornado() throws {
        let table = Table(name: "est_ranges", title: "R",
                          columns: [Column("case", .text), Column("input", .text), Column("level", .text), Column("p_default", .fraction), Column("p_default_se", .fraction)],
                          rows: [["base", "all", "base", 0.30, 0.01],
                                 ["price low", "price", "low", 0.16, 0.01], ["price high", "price", "high", 0.19, 0.01],   // both below the base: span 0.14
                                 ["capex low", "capex", "low", 0.26, 0.01], ["capex high", "capex", "high", 0.36, 0.01],   // either side: span 0.10
                                 ["pue low", "pue", "low", 0.29, 0.01], ["pue high", "pue", "high", 0.32, 0.01],           // span 0.03
                                 ["adverse", "all", "low", 0.50, 0.01], ["favourable", "all", "high", 0.05, 0.01]],        // span 0.45
                          chart: Chart(.tornado(.init(label: "case", .init("p_default", standardError: "p_default_se"), base: .init("case", ["base"]),
                                                      pairBy: "input", end: "level")), title: "?", caption: ""))
        let values = try checkPlotsTable(table, declared: ["p_default"])
        #expect(Set(values.map(\.row)) == Set(1...8), "every end is drawn, the base is not")
        let svg = try #require(HTMLReport.chart(for: table))
        // One label per input, none per end (separate bars would label "price low" and "price high").
        for name in ["price", "capex", "pue"] {
            #expect(occurrences(of: ">\(name)</text>", in: svg) == 1, "\(name)")
            #expect(!svg.contains(">\(name) low</text>") && !svg.contains(">\(name) high</text>"))
        }
        #expect(svg.contains(">all (adverse / favourable)</text>"))
        #expect(svg.contains(">low end</text>") && svg.contains(">high end</text>"), "a legend for the ends")
        #expect(svg.contains(">base 30.0 %</text>"), "the base line is labelled")
        let b = bars(svg)
        try #require(b.count == 8)
        // The base line's x: where the capex bars (either side of it) meet.
        let baseX = b[3]!.x + b[3]!.width
        #expect(abs(b[4]!.x - baseX) < 0.15, "SVG coordinates are rounded to 0.1")
        for (row, bar) in b { #expect(abs(bar.x - baseX) < 0.15 || abs(bar.x + bar.width - baseX) < 0.15, "row \(row) starts at the base") }
        // Both ends of an input share one row of the chart (the same centre line), rows sorted by span.
        func centre(_ row: Int) -> Double { b[row]!.y + b[row]!.height / 2 }
        for (low, high) in [(1, 2), (3, 4), (5, 6), (7, 8)] { #expect(abs(centre(low) - centre(high)) < 0.15, "rows \(low), \(high)") }
        #expect(centre(7) < centre(1) && centre(1) < centre(3) && centre(3) < centre(5), "all (0.45), price (0.14), capex (0.10), pue (0.03)")
        // On the same side of the base the shorter bar lies on top of the longer one, narrower, so both show.
        #expect(b[2]!.height < b[1]!.height)
    }

    @Test("Distribution: probabilities on a log axis, the markers inside the range")
    func distribution() throws {
        let table = Table(name: "loss_distribution", title: "D",
                          columns: [Column("loss_from", .fraction), Column("loss_to", .fraction), Column("probability", .fraction), Column("standard_error", .fraction)],
                          rows: [[0.0, 0.1, 0.9, 0.001], [0.1, 0.2, 0.0999, 0.001], [0.2, 0.3, 0.0001, 0.00001], [0.3, 0.4, 0.0, 0.0]],
                          chart: Chart(.distribution(.init(from: "loss_from", to: "loss_to", probability: "probability", standardError: "standard_error",
                                                           markers: [.init(0.15, "senior attaches"), .init(0.9, "off the table")])), title: "?", caption: ""))
        let values = try checkPlotsTable(table, declared: ["probability"])
        #expect(values.map(\.row) == [0, 1, 2])
        let svg = try #require(HTMLReport.chart(for: table))
        for decade in ["0.01", "0.1", "1", "10", "100"] { #expect(svg.contains(">\(decade)</text>"), "decade \(decade) %") }
        #expect(svg.contains(">senior attaches 15.0 %</text>") && !svg.contains("off the table"))
    }

    @Test("A chart naming a column the table does not have is left out, not guessed")
    func unknownColumn() {
        var table = constraints
        table.chart = Chart(.bars(.init([.init("no_such_column")], label: ["scenario"])), title: "?", caption: "")
        #expect(HTMLReport.chart(for: table) == nil)
    }
}

@Suite("Reports: tables that fit the terminal")
struct TerminalWidthTests {
    let wide = Table(
        name: "wide", title: "A wide table of leverage against risk cover",
        columns: [Column("scenario", .text), Column("first_loss", .fraction), Column("leverage", .multiple),
                  Column("public_expected_loss_eur_m", .eurMillion), Column("public_expected_loss_se_eur_m", .eurMillion, role: .detail),
                  Column("private_expected_loss_rate", .fraction), Column("private_loss_probability", .fraction),
                  Column("description", .text)],
        rows: [["baseline", 0.05, 20.0, 169.15, 1.3, 0.00677, 0.1006, "a long sentence describing the row in many words so that it has to wrap"],
               ["stressed", 0.10, 10.0, 232.94, 2.1, 0.00321, 0.0462, "short"]],
        notes: ["A note that is longer than the narrowest terminal the table is rendered for, so that it wraps onto several lines."])

    @Test("Every line fits the width, from 40 to 200 characters", arguments: [40, 60, 80, 100, 120, 200])
    func fits(width: Int) {
        let text = Renderer.terminal(wide, width: width)
        for line in text.split(separator: "\n") { #expect(line.count <= width, "\(line.count) > \(width): \(line)") }
        // Every row's key is still there.
        #expect(text.contains("baseline") && text.contains("stressed"))
    }

    @Test("Detail columns give way to a width and are named; --wide and no width show every column")
    func detail() {
        let narrow = Renderer.terminal(wide, width: 120)
        #expect(!narrow.contains("1.30"))
        #expect(narrow.contains("Not shown: public_expected_loss_se_eur_m"))
        for all in [Renderer.terminal(wide), Renderer.terminal(wide, width: 400, wide: true)] {
            #expect(!all.contains("Not shown") && all.contains("1.30"))
        }
    }

    @Test("Headers wrap onto at most three lines, keeping a unit in parentheses together")
    func headers() {
        let text = Renderer.terminal(wide, width: 80)
        #expect(!text.contains("(EUR\n") && !text.contains(" m)\n"))
    }

    @Test("Golden: a fitted table at 60 characters")
    func golden() {
        let table = Table(name: "t", title: "Tranches",
                          columns: [Column("tranche", .text), Column("expected_loss_eur_m", .eurMillion), Column("expected_loss_se_eur_m", .eurMillion, role: .detail),
                                    Column("p_hit", .fraction), Column("p_wiped_out", .fraction)],
                          rows: [["first_loss", 213.2234, 2.89, 0.938, 0.064], ["senior", 71.76, 2.72, 0.064, 0.0000208]])
        #expect(Renderer.terminal(table, width: 60) == """
            Tranches
            ========
            tranche     expected loss (EUR m)   p hit  p wiped out
            ----------  ---------------------  ------  -----------
            first_loss                 213.22  93.8 %      6.400 %
            senior                      71.76   6.4 %      0.002 %
              Not shown: expected_loss_se_eur_m (--wide shows every
                column; CSV, JSON and the workbook hold them all).

            """)
    }
}

@Suite("Reports: per-column number formats")
struct ColumnFormatTests {
    func strings(_ unit: Reports.Unit, _ values: [Double]) -> [String] {
        let f = ColumnFormat(unit: unit, cells: values.map(Cell.number))
        return values.map { f.string(.number($0)) }
    }

    @Test("Fractions: one number of decimals per column, bp for tiny columns, scientific for wide ranges")
    func fractions() {
        #expect(strings(.fraction, [0.17, 0.5]) == ["17.0 %", "50.0 %"])
        #expect(strings(.fraction, [0.17, 0.005]) == ["17.00 %", "0.50 %"])
        #expect(strings(.fraction, [0.0012, 0.000208]) == ["0.120 %", "0.021 %"])
        #expect(strings(.fraction, [0.0012, 0.0000208]) == ["0.120 %", "0.002 %"])
        #expect(strings(.fraction, [0.0012, 0.00000208]) == ["12.000 bp", "0.021 bp"])
        #expect(strings(.fraction, [0.938, 0.0000000208]) == ["9.38e-01", "2.08e-08"])
        #expect(ColumnFormat(unit: .fraction, cells: [.number(0.001), .number(0.00000208)]).header(Column("p_hit", .fraction)) == "p hit (bp)")
        #expect(ColumnFormat(unit: .fraction, cells: [.number(0.5), .number(2e-8)]).header(Column("p_hit", .fraction)) == "p hit (fraction)")
    }

    @Test("Money: two decimals, three below one; multiples, counts, years")
    func others() {
        #expect(strings(.eurMillion, [5499.999999999999, 12.5]) == ["5500.00", "12.50"])
        #expect(strings(.eurBillion, [200, 0.242]) == ["200.000", "0.242"])
        #expect(strings(.multiple, [4, 14.198]) == ["×4.0", "×14.2"])
        #expect(strings(.count, [3, 4]) == ["3", "4"])
        #expect(strings(.years, [8, 8.25]) == ["8.00", "8.25"])
        #expect(strings(.years, [3, 5]) == ["3", "5"])
        #expect(strings(.text, [0.20702552795410156]) == ["0.207"], "numbers in a text column: four significant figures, not raw floats")
        #expect(strings(.fraction, [.nan, .infinity, 0.5]) == ["n/a", "∞", "50.0 %"])
    }
}

@Suite("Reports: booleans for pandas and Excel")
struct BooleanOutputTests {
    let table = Table(name: "checks", title: "Checks", columns: [Column("cover", .fraction), Column("ok", .boolean)],
                      rows: [[0.1, .bool(false)], [0.2, .bool(true)], [0.3, .empty]])

    @Test("CSV true/false, JSON booleans, workbook boolean cells, yes/no when read")
    func booleans() throws {
        #expect(Renderer.csv(table) == "cover,ok\n0.1,false\n0.2,true\n0.3,\n")
        let json = Renderer.render([table], manifest: fixedManifest, format: .json)
        #expect(json.contains("[0.1, false]") && json.contains("[0.2, true]") && json.contains("[0.3, null]"))
        let sheet = try #require(try unzipText(Workbook.data([table], manifest: fixedManifest))["xl/worksheets/sheet2.xml"])
        #expect(sheet.contains("<c r=\"B2\" t=\"b\"><v>0</v></c>") && sheet.contains("<c r=\"B3\" t=\"b\"><v>1</v></c>"))
        let text = Renderer.terminal(table)
        #expect(text.contains("10.0 %  no") && text.contains("20.0 %  yes"))
    }

    @Test("Several tables in CSV: `# NAME` blocks; one table: plain CSV that pandas reads")
    func multiTableCSV() {
        #expect(Renderer.render([table], manifest: fixedManifest, format: .csv) == Renderer.csv(table))
        #expect(Renderer.render([table, sample], manifest: fixedManifest, format: .csv).hasPrefix("# checks\ncover,ok\n"))
    }
}
