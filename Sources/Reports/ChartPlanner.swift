import Foundation

/// Draws the chart a table declares (`Table.chart`); a table that declares none gets none.
enum ChartPlanner {
    /// The chart as an SVG element and the sentence under it, or nil when the table declares no
    /// chart, names a column it does not have, or has nothing finite to draw.
    static func chart(for table: Table) -> (svg: String, caption: String)? {
        guard let spec = table.chart, !table.rows.isEmpty else { return nil }
        let drawn: (svg: String, note: String?)?
        switch spec.kind {
        case .bars(let bars): drawn = self.bars(table, bars, title: spec.title)
        case .stacked(let stacked): drawn = self.stacked(table, stacked, title: spec.title)
        case .lines(let lines): drawn = LineChart.make(table, lines, title: spec.title)
        case .fan(let fan): drawn = FanChart.make(table, fan, title: spec.title)
        case .distribution(let d): drawn = LogHistogram.make(table, d, title: spec.title)
        case .tornado(let t): drawn = TornadoChart.make(table, t, title: spec.title)
        }
        guard let drawn else { return nil }
        return (drawn.svg, [spec.caption, drawn.note].compactMap { $0 }.joined(separator: " "))
    }

    // MARK: Cell access

    static func text(_ cell: Cell) -> String? {
        switch cell {
        case .text(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        default: return nil
        }
    }

    static func number(_ cell: Cell) -> Double? {
        switch cell {
        case .number(let x): return x.isFinite ? x : nil
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// A row's label from several columns: texts as they are, numbers in their units (`VaR 99 %`).
    static func label(_ row: [Cell], _ columns: [Int], in table: Table) -> String {
        columns.map { j -> String in
            if case .number(let x) = row[j], table.columns[j].unit == .fraction, table.columns[j].name == "level" { return levelText(x) }
            return HumanFormat.string(row[j], unit: table.columns[j].unit)
        }.filter { !$0.isEmpty }.joined(separator: ", ")
    }

    static func levelText(_ level: Double) -> String {
        let p = level * 100
        return (p == p.rounded() ? String(Int(p)) : String(format: "%g", p)) + " %"
    }

    /// Whether the row is left out by one of the filters.
    static func omitted(_ row: [Cell], _ filters: [Chart.RowFilter], in table: Table) -> Bool {
        filters.contains { f in
            guard let j = table.columnIndex(f.column) else { return false }
            return f.values.contains(HumanFormat.string(row[j], unit: table.columns[j].unit))
        }
    }

    /// The column's name without its unit, for legends.
    static func seriesLabel(_ s: Chart.Series, _ table: Table) -> String {
        if let label = s.label { return label }
        guard let j = table.columnIndex(s.column) else { return s.column }
        return axisTitle(table.columns[j]).replacingOccurrences(of: " (\(table.columns[j].unit.axisSuffix ?? "-"))", with: "")
    }

    /// The whisker of a series in a row: ±2 SE, else the row's interval.
    static func interval(_ s: Chart.Series, _ row: [Cell], _ x: Double, in table: Table) -> (Double, Double)? {
        if let c = s.standardError.flatMap(table.columnIndex), let e = number(row[c]) { return (x - 2 * e, x + 2 * e) }
        if let l = s.lower.flatMap(table.columnIndex), let u = s.upper.flatMap(table.columnIndex), let a = number(row[l]), let b = number(row[u]) {
            return (min(a, b), max(a, b))
        }
        return nil
    }

    // MARK: Bars

    static func bars(_ table: Table, _ spec: Chart.Bars, title: String) -> (svg: String, note: String?)? {
        let series = spec.series.compactMap { s in table.columnIndex(s.column).map { (s, $0) } }
        guard series.count == spec.series.count, let first = series.first else { return nil }
        let unit = table.columns[first.1].unit
        let labels = spec.label.compactMap(table.columnIndex)
        let colourColumn = spec.colourBy.flatMap(table.columnIndex)
        var kinds: [String] = []
        if series.count == 1, let colourColumn {
            for row in table.rows where !omitted(row, spec.omit, in: table) {
                if let k = text(row[colourColumn]), !kinds.contains(k) { kinds.append(k) }
            }
        }
        var groups: [BarGroup] = []
        var missing = 0
        for (r, row) in table.rows.enumerated() where !omitted(row, spec.omit, in: table) {
            let name = label(row, labels, in: table)
            var bars: [Bar] = []
            for (k, (s, j)) in series.enumerated() {
                guard let x = number(row[j]) else { missing += 1; continue }
                let colour = series.count > 1 ? Palette.colour(k)
                    : Palette.colour(colourColumn.flatMap { text(row[$0]) }.flatMap { kinds.firstIndex(of: $0) } ?? 0)
                let whisker = interval(s, row, x, in: table)
                let what = series.count > 1 ? " \(seriesLabel(s, table))" : ""
                bars.append(Bar(segments: [Bar.Segment(value: x, colour: colour, label: nil,
                                                       tooltip: "\(name)\(what): \(HumanFormat.number(x, unit: unit))",
                                                       data: dataAttributes(row: r, column: s.column, value: x))],
                                interval: whisker, valueLabel: HumanFormat.number(x, unit: unit)))
            }
            if !bars.isEmpty { groups.append(BarGroup(label: name, bars: bars)) }
        }
        guard !groups.isEmpty else { return nil }
        let legend: [(label: String, colour: String)] = series.count > 1
            ? series.enumerated().map { (seriesLabel($1.0, table), Palette.colour($0)) }
            : (kinds.count > 1 ? kinds.enumerated().map { ($1, Palette.colour($0)) } : [])
        let axis = series.count > 1 ? (unit.axisSuffix.map { "(\($0))" } ?? "") : axisTitle(table.columns[first.1])
        let chart = HorizontalBarChart(title: title, groups: groups, axisTitle: axis, unit: unit, legend: legend, references: spec.references)
        var notes: [String] = []
        let drawn = groups.flatMap(\.bars)
        if drawn.allSatisfy({ $0.segments.allSatisfy { $0.value == 0 } && ($0.interval?.upper ?? 0) <= 0 }) {
            notes.append("Every value is exactly 0 (dots at zero).")
        }
        if missing > 0 { notes.append("\(missing) value\(missing == 1 ? "" : "s") without a finite number \(missing == 1 ? "is" : "are") not drawn.") }
        return (chart.svg(), notes.isEmpty ? nil : notes.joined(separator: " "))
    }

    // MARK: Stacked bars

    /// One stacked bar per category, a segment per row coloured by `colourBy` (sources of money
    /// get fixed colours); stacks of very different sizes are drawn as shares of their totals.
    static func stacked(_ table: Table, _ spec: Chart.Stacked, title: String) -> (svg: String, note: String?)? {
        guard let category = table.columnIndex(spec.category), let segment = table.columnIndex(spec.segment),
              let value = table.columnIndex(spec.value), let colourColumn = table.columnIndex(spec.colourBy) else { return nil }
        let unit = table.columns[value].unit
        let bySource = spec.colourBy == "source"
        var order: [String] = [], kinds: [String] = []
        var rows: [String: [(Int, String, String, Double)]] = [:]
        for (r, row) in table.rows.enumerated() where !omitted(row, spec.omit, in: table) {
            guard let id = text(row[category]), let name = text(row[segment]), let x = number(row[value]),
                  let kind = text(row[colourColumn]), !kind.isEmpty else { continue }
            if rows[id] == nil { order.append(id); rows[id] = [] }
            if !kinds.contains(kind) { kinds.append(kind) }
            rows[id]!.append((r, name, kind, x))
        }
        guard !order.isEmpty else { return nil }
        func colour(_ kind: String) -> String {
            bySource ? Palette.colour(Palette.colourIndex(source: kind)) : Palette.colour(kinds.firstIndex(of: kind) ?? 0)
        }
        func kindLabel(_ kind: String) -> String { bySource ? sourceLabel(kind) : kind }
        let totals = order.map { id in rows[id]!.reduce(0) { $0 + $1.3 } }
        let positive = totals.filter { $0 > 0 }
        let asShares = order.count > 1 && positive.count == totals.count && positive.max()! > 5 * positive.min()!
        let groups = zip(order, totals).map { id, total -> BarGroup in
            let parts = rows[id]!.map { r, name, kind, x in
                Bar.Segment(value: asShares ? x / total : x, colour: colour(kind), label: spec.segment == spec.colourBy ? kindLabel(kind) : name,
                            valueText: HumanFormat.number(x, unit: unit),
                            tooltip: "\(id): \(name) (\(kindLabel(kind))) \(HumanFormat.number(x, unit: unit)) \(unit.axisSuffix ?? "")",
                            data: dataAttributes(row: r, column: spec.value, value: x))
            }
            let label = HumanFormat.number(total, unit: unit) + (asShares ? " \(unit.axisSuffix ?? "")" : "")
            return BarGroup(label: id, bars: [Bar(segments: parts, interval: nil, valueLabel: label)])
        }
        let ordered = bySource ? Palette.sourceOrder.filter(kinds.contains) + kinds.filter { !Palette.sourceOrder.contains($0) } : kinds
        let chart = HorizontalBarChart(title: title, groups: groups,
                                       axisTitle: asShares ? "share of the total (%)" : axisTitle(table.columns[value]),
                                       unit: asShares ? .fraction : unit, legend: ordered.map { (kindLabel($0), colour($0)) })
        return (chart.svg(), asShares ? "Drawn as shares of each bar's total (the totals differ too much to share one scale); amounts are printed in the segments." : nil)
    }

    static func sourceLabel(_ raw: String) -> String {
        switch raw {
        case "eu_budget": return "EU budget"
        case "member_state": return "Member States"
        case "eib_group": return "EIB group"
        case "other_public": return "other public"
        case "private": return "private"
        default: return raw
        }
    }
}

extension Palette {
    /// The order sources are listed in legends: EU budget first, private last.
    static let sourceOrder = ["eu_budget", "member_state", "eib_group", "other_public", "private"]
}

/// The x and y axes of one panel: ticks, gridlines, labels and titles.
struct PanelFrame {
    var left: Double, right: Double, top: Double, bottom: Double

    func drawY(_ canvas: inout SVGCanvas, ticks: [Double], position: (Double) -> Double, label: (Double) -> String) {
        for t in ticks {
            canvas.line(x1: left, y1: position(t), x2: right, y2: position(t), stroke: "#E3E3E3")
            canvas.text(label(t), x: left - 5, y: position(t), anchor: .end, size: 11, middle: true)
        }
        canvas.line(x1: left, y1: top, x2: left, y2: bottom)
    }

    func drawX(_ canvas: inout SVGCanvas, ticks: [Double], position: (Double) -> Double, label: (Double) -> String, title: String?) {
        for t in ticks {
            canvas.line(x1: position(t), y1: bottom, x2: position(t), y2: bottom + 4)
            canvas.text(label(t), x: position(t), y: bottom + 16, anchor: .middle, size: 11)
        }
        canvas.line(x1: left, y1: bottom, x2: right, y2: bottom)
        if let title { canvas.text(title, x: (left + right) / 2, y: bottom + 34, anchor: .middle, size: 12, bold: true) }
    }
}

/// A y axis, linear (starting where the data does) or logarithmic when every value is positive
/// and they span more than a factor of 20 (the axis then covers at most five decades below the
/// largest value; smaller values sit on its floor). A zero keeps the axis linear: on a log axis
/// it would be drawn on the floor, as if it were that small value (a construction year's CFADS
/// read as 10 m).
struct ValueAxis {
    let linear: LinearScale?
    let log: LogScale?

    init(values: [Double], from: Double, to: Double) {
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let positive = finite.filter { $0 > 0 }
        if lo > 0, positive.count >= 2, let small = positive.min(), hi / small > 20 {
            log = LogScale(minimum: max(small, hi * 1e-5), maximum: hi, from: from, to: to)
            linear = nil
        } else {
            linear = LinearScale(minimum: lo, maximum: hi, from: from, to: to, targetTicks: 5, includeZero: false)
            log = nil
        }
    }

    var isLog: Bool { log != nil }
    var ticks: [Double] { linear?.ticks ?? log!.ticks }
    func callAsFunction(_ x: Double) -> Double { linear.map { $0(x) } ?? log!(x) }
    func label(_ x: Double, unit: Unit) -> String { linear?.label(x, unit: unit) ?? log!.label(x, unit: unit) }
}

/// Lines against an x column in stacked panels (one unit each), optionally one column of panels
/// per facet (a site), with horizontal reference lines and the first `true` row marked.
enum LineChart {
    static func make(_ table: Table, _ spec: Chart.Lines, title: String) -> (svg: String, note: String?)? {
        typealias P = ChartPlanner
        guard let xc = table.columnIndex(spec.x) else { return nil }
        let panels = spec.panels.map { $0.series.compactMap { s in table.columnIndex(s.column).map { (s, $0) } } }
        guard panels.allSatisfy({ !$0.isEmpty }) else { return nil }
        let splits = spec.lineBy.compactMap(table.columnIndex).filter { j in Set(table.rows.map { HumanFormat.string($0[j], unit: table.columns[j].unit) }).count > 1 }
        let facetColumn = spec.facetBy.flatMap(table.columnIndex)
        var facets: [String] = []
        if let facetColumn { for row in table.rows { let f = P.text(row[facetColumn]) ?? ""; if !facets.contains(f) { facets.append(f) } } }
        if facets.isEmpty { facets = [""] }
        var lineNames: [String] = []
        for row in table.rows { let n = P.label(row, splits, in: table); if !lineNames.contains(n) { lineNames.append(n) } }
        let xs = table.rows.compactMap { P.number($0[xc]) } + spec.markers.map(\.value).filter(\.isFinite)
        guard let xmin = xs.min(), let xmax = xs.max() else { return nil }

        // A colour per line (scenario), a dash pattern per series within a panel.
        let lineColours = [0, 1, 2, 4, 5, 6, 7]
        var colourOf: [String: String] = [:]
        for (k, name) in lineNames.enumerated() { colourOf[name] = Palette.colour(lineColours[k % lineColours.count]) }
        let legend = lineNames.count > 1 ? lineNames.map { ($0, colourOf[$0]!) } : []
        let width = 760.0
        var probe = SVGCanvas(width: width, height: 0)
        let legendBottom = legend.isEmpty ? 4 : probe.legend(legend, x: 60, y: 8, maxX: width - 10)
        let columns = min(facets.count, 3), facetRows = (facets.count + columns - 1) / columns
        let panelHeight = facets.count > 1 ? 150.0 : 190.0, gap = 46.0, titleHeight = 18.0
        let facetWidth = (width - 20) / Double(columns)
        let top0 = legendBottom + 6
        let blockHeight = Double(panels.count) * (panelHeight + titleHeight + gap) + (facets.count > 1 ? 18 : 0)
        var canvas = SVGCanvas(width: width, height: top0 + Double(facetRows) * blockHeight)
        if !legend.isEmpty { canvas.legend(legend, x: 60, y: 8, maxX: width - 10) }

        var marked: [String] = []
        for (f, facet) in facets.enumerated() {
            let fx = 10 + Double(f % columns) * facetWidth, fy = top0 + Double(f / columns) * blockHeight
            var y0 = fy
            if facets.count > 1 {
                canvas.text(facet, x: fx + facetWidth / 2, y: y0 + 10, anchor: .middle, size: 13, bold: true)
                y0 += 18
            }
            let frameLeft = fx + 58, frameRight = fx + facetWidth - 16
            let x = LinearScale(minimum: xmin, maximum: xmax, from: frameLeft, to: frameRight, targetTicks: columns > 1 ? 4 : 7, includeZero: false)
            // The first row per line where the marked column is true.
            var marks: [String: (Double, Int)] = [:]
            if let m = spec.markFirstTrue.flatMap(table.columnIndex) {
                for (r, row) in table.rows.enumerated() where facetColumn.map({ P.text(row[$0]) ?? "" }) ?? "" == facet {
                    guard case .bool(true) = row[m], let xv = P.number(row[xc]) else { continue }
                    let name = P.label(row, splits, in: table)
                    if marks[name].map({ xv < $0.0 }) ?? true { marks[name] = (xv, r) }
                }
            }
            for (p, panel) in panels.enumerated() {
                let top = y0 + titleHeight + Double(p) * (panelHeight + titleHeight + gap)
                let frame = PanelFrame(left: frameLeft, right: frameRight, top: top, bottom: top + panelHeight)
                let unit = table.columns[panel[0].1].unit
                // Shared y range across facets: every row of the table, plus the references.
                var values = table.rows.flatMap { row in panel.compactMap { P.number(row[$0.1]) } }
                values += spec.panels[p].references.map(\.value)
                let y = ValueAxis(values: values, from: frame.bottom, to: frame.top)
                let panelTitle = (panel.count == 1 ? axisTitle(table.columns[panel[0].1])
                                  : panel.enumerated().map { "\(P.seriesLabel($1.0, table)) (\(SVGCanvas.dashNames[$0 % 4]))" }.joined(separator: ", ")
                                    + (unit.axisSuffix.map { ", \($0)" } ?? ""))
                    + (y.isLog ? ", log scale" : "")
                // Side-by-side facets: the title stays within its own panel (the caption has it in full).
                canvas.text(facets.count > 1 ? truncated(panelTitle, maxWidth: frame.right - frame.left + 30, size: 12) : panelTitle,
                            x: frame.left, y: top - 6, size: 12, bold: true)
                frame.drawY(&canvas, ticks: y.ticks, position: y.callAsFunction, label: { y.label($0, unit: unit) })
                frame.drawX(&canvas, ticks: x.ticks, position: x.callAsFunction, label: { x.label($0, unit: table.columns[xc].unit) },
                            title: axisTitle(table.columns[xc]))
                for r in spec.panels[p].references where r.value.isFinite {
                    canvas.line(x1: frame.left, y1: y(r.value), x2: frame.right, y2: y(r.value), stroke: Palette.reference, width: 1.5, dashed: true)
                }
                // Each line joins its points in order of x, whatever the rows' order (exceedance
                // thresholds come in the model's order); rows without an x come last and break the line.
                let xOrder = table.rows.indices.sorted { a, b in
                    switch (P.number(table.rows[a][xc]), P.number(table.rows[b][xc])) {
                    case let (u?, v?): return u < v || (u == v && a < b)
                    case (.some, nil): return true
                    case (nil, .some): return false
                    case (nil, nil): return a < b
                    }
                }
                for (k, (s, j)) in panel.enumerated() {
                    for name in lineNames {
                        let colour = colourOf[name] ?? Palette.colour(0)
                        let dash = SVGCanvas.dashes[k % SVGCanvas.dashes.count]
                        var segment: [(Double, Double)] = []
                        for r in xOrder {
                            let row = table.rows[r]
                            guard facetColumn.map({ P.text(row[$0]) ?? "" }) ?? "" == facet, P.label(row, splits, in: table) == name else { continue }
                            guard let xv = P.number(row[xc]), let yv = P.number(row[j]) else {
                                canvas.polyline(segment, stroke: colour, dash: dash); segment = []; continue
                            }
                            segment.append((x(xv), y(yv)))
                            canvas.circle(x: x(xv), y: y(yv), r: 2.2, fill: colour,
                                          tooltip: "\(name.isEmpty ? "" : name + ", ")\(HumanFormat.header(table.columns[xc])) \(HumanFormat.number(xv, unit: table.columns[xc].unit)): \(P.seriesLabel(s, table)) \(HumanFormat.number(yv, unit: unit))",
                                          data: dataAttributes(row: r, column: s.column, value: yv))
                        }
                        canvas.polyline(segment, stroke: colour, dash: dash)
                    }
                }
                // The limits' labels over the lines, on a white halo so that a line crossing them
                // does not hide them; they alternate right and left, so that close limits stay readable.
                for (k, r) in spec.panels[p].references.enumerated() where r.value.isFinite {
                    canvas.text(r.label, x: k % 2 == 0 ? frame.right - 2 : frame.left + 4, y: y(r.value) - 5, anchor: k % 2 == 0 ? .end : .start,
                                size: 11, fill: Palette.reference, halo: true)
                }
                for (k, m) in spec.markers.enumerated() where m.value.isFinite {
                    canvas.line(x1: x(m.value), y1: frame.top, x2: x(m.value), y2: frame.bottom, stroke: Palette.reference, width: 1.5, dashed: true)
                    if p == 0 {
                        let right = x(m.value) > (frame.left + frame.right) / 2
                        canvas.text("\(m.label) \(HumanFormat.number(m.value, unit: table.columns[xc].unit))", x: x(m.value) + (right ? -4 : 4),
                                    y: frame.top + 10 + 13 * Double(k % 4), anchor: right ? .end : .start, size: 11, bold: true, fill: Palette.reference, halo: true)
                    }
                }
                for (name, (xv, _)) in marks.sorted(by: { $0.key < $1.key }) {
                    canvas.line(x1: x(xv), y1: frame.top, x2: x(xv), y2: frame.bottom, stroke: "#000000", width: 1, dashed: true)
                    if p == 0 {
                        let text = "\(name.isEmpty ? "" : name + ": ")\(HumanFormat.number(xv, unit: table.columns[xc].unit))"
                        let right = x(xv) > (frame.left + frame.right) / 2
                        canvas.text(text, x: x(xv) + (right ? -4 : 4), y: frame.top + 10 + 13 * Double(marked.count % 3),
                                    anchor: right ? .end : .start, size: 11, bold: true, halo: true)
                        marked.append(text)
                    }
                }
            }
        }
        var notes: [String] = []
        if !marked.isEmpty { notes.append("Dashed vertical line\(marked.count > 1 ? "s" : ""): \(spec.markLabel) (\(marked.joined(separator: "; "))).") }
        if let m = spec.markFirstTrue, marked.isEmpty, table.columnIndex(m) != nil { notes.append("No row meets every constraint: nothing is marked.") }
        return (canvas.markup(title: title), notes.isEmpty ? nil : notes.joined(separator: " "))
    }
}

/// A fan chart: per facet (a scenario), the outer and inner percentile bands and the median
/// against time, on shared axes, with horizontal references (the covenant).
enum FanChart {
    static func make(_ table: Table, _ spec: Chart.Fan, title: String) -> (svg: String, note: String?)? {
        typealias P = ChartPlanner
        guard let xc = table.columnIndex(spec.x), let o0 = table.columnIndex(spec.outer.lower), let o1 = table.columnIndex(spec.outer.upper),
              let i0 = table.columnIndex(spec.inner.lower), let i1 = table.columnIndex(spec.inner.upper),
              let mc = table.columnIndex(spec.median) else { return nil }
        let facetColumn = spec.facetBy.flatMap(table.columnIndex)
        var facets: [String] = []
        for row in table.rows { let f = facetColumn.flatMap { P.text(row[$0]) } ?? ""; if !facets.contains(f) { facets.append(f) } }
        let xs = table.rows.compactMap { P.number($0[xc]) }
        var values = table.rows.flatMap { row in [o0, o1, mc].compactMap { P.number(row[$0]) } }
        values += spec.references.map(\.value)
        guard let xmin = xs.min(), let xmax = xs.max(), !values.isEmpty else { return nil }
        let unit = table.columns[mc].unit
        let width = 760.0, columns = facets.count > 1 ? 2 : 1, rows = (facets.count + columns - 1) / columns
        let panelWidth = (width - 20) / Double(columns), panelHeight = facets.count > 1 ? 150.0 : 230.0, block = panelHeight + 70
        let top0 = 34.0
        var canvas = SVGCanvas(width: width, height: top0 + Double(rows) * block)
        let colour = Palette.colour(0)
        var legend: [(String, String)] = [("\(bandName(spec.outer.lower))–\(bandName(spec.outer.upper)) percentile", "#9CC7E6"),
                                          ("\(bandName(spec.inner.lower))–\(bandName(spec.inner.upper)) percentile", "#4F95CC"),
                                          ("median", colour)]
        for r in spec.references { legend.append((r.label, Palette.reference)) }
        canvas.legend(legend, x: 60, y: 8, maxX: width - 10)
        for (f, facet) in facets.enumerated() {
            let fx = 10 + Double(f % columns) * panelWidth, fy = top0 + Double(f / columns) * block
            let frame = PanelFrame(left: fx + 50, right: fx + panelWidth - 14, top: fy + 22, bottom: fy + 22 + panelHeight)
            let x = LinearScale(minimum: xmin, maximum: xmax, from: frame.left, to: frame.right, targetTicks: columns > 1 ? 5 : 8, includeZero: false)
            let y = LinearScale(minimum: values.min()!, maximum: values.max()!, from: frame.bottom, to: frame.top, targetTicks: 5, includeZero: false)
            if !facet.isEmpty { canvas.text(facet, x: frame.left, y: fy + 12, size: 13, bold: true) }
            frame.drawY(&canvas, ticks: y.ticks, position: y.callAsFunction, label: { y.label($0, unit: unit) })
            frame.drawX(&canvas, ticks: x.ticks, position: x.callAsFunction, label: { x.label($0, unit: table.columns[xc].unit) },
                        title: axisTitle(table.columns[xc]))
            let points = table.rows.enumerated().filter { item in (facetColumn.flatMap { c in P.text(item.element[c]) } ?? "") == facet }
            for (lo, hi, fill) in [(o0, o1, "#9CC7E6"), (i0, i1, "#4F95CC")] {
                // A band is drawn over runs of consecutive periods that have both ends.
                var upper: [(Double, Double)] = [], lower: [(Double, Double)] = []
                func flush() {
                    canvas.polygon(upper + lower.reversed(), fill: fill, opacity: 0.8,
                                   data: " data-columns=\"\(escapeMarkup(table.columns[lo].name)) \(escapeMarkup(table.columns[hi].name))\"")
                    upper = []; lower = []
                }
                for (_, row) in points {
                    guard let xv = P.number(row[xc]), let a = P.number(row[lo]), let b = P.number(row[hi]) else { flush(); continue }
                    upper.append((x(xv), y(b))); lower.append((x(xv), y(a)))
                }
                flush()
            }
            var median: [(Double, Double)] = []
            for (_, row) in points {
                guard let xv = P.number(row[xc]), let m = P.number(row[mc]) else { canvas.polyline(median, stroke: colour); median = []; continue }
                median.append((x(xv), y(m)))
            }
            canvas.polyline(median, stroke: colour)
            for (r, row) in points {
                guard let xv = P.number(row[xc]), let m = P.number(row[mc]) else { continue }
                canvas.circle(x: x(xv), y: y(m), r: 1.8, fill: colour,
                              tooltip: "\(facet) \(HumanFormat.number(xv, unit: table.columns[xc].unit)) \(table.columns[xc].unit.axisSuffix ?? ""): median \(HumanFormat.number(m, unit: unit))",
                              data: dataAttributes(row: r, column: spec.median, value: m))
            }
            for r in spec.references where r.value.isFinite {
                canvas.line(x1: frame.left, y1: y(r.value), x2: frame.right, y2: y(r.value), stroke: Palette.reference, width: 1.5, dashed: true)
            }
            canvas.text(axisTitle(table.columns[mc], name: "DSCR"), x: frame.left - 38, y: (frame.top + frame.bottom) / 2, anchor: .middle, size: 11, rotate: -90)
        }
        return (canvas.markup(title: title), nil)
    }

    /// `dscr_p5` → `5th`.
    static func bandName(_ column: String) -> String {
        guard let p = column.split(separator: "p").last.flatMap({ Int($0) }) else { return column }
        return "\(p)th"
    }
}

/// The loss distribution: probability per bucket on a log scale (so that the tail shows), with
/// ±2 SE whiskers and vertical markers (tranche attachments, VaR levels).
enum LogHistogram {
    static func make(_ table: Table, _ spec: Chart.Distribution, title: String) -> (svg: String, note: String?)? {
        typealias P = ChartPlanner
        guard let from = table.columnIndex(spec.from), let to = table.columnIndex(spec.to), let p = table.columnIndex(spec.probability) else { return nil }
        let se = spec.standardError.flatMap(table.columnIndex)
        let bins = table.rows.enumerated().compactMap { r, row -> (Int, Double, Double, Double, Double?)? in
            guard let a = P.number(row[from]), let b = P.number(row[to]), let q = P.number(row[p]) else { return nil }
            return (r, a, b, q, se.flatMap { P.number(row[$0]) })
        }
        let nonEmpty = bins.filter { $0.3 > 0 }
        guard let smallest = nonEmpty.map(\.3).min(), let largest = nonEmpty.map(\.3).max() else { return nil }
        let xUnit = table.columns[from].unit, yUnit = table.columns[p].unit
        let xmin = bins.map(\.1).min()!, tableMax = bins.map(\.2).max()!
        let lastFilled = nonEmpty.map(\.2).max()!
        let markers = spec.markers.filter { $0.value.isFinite && $0.value >= xmin && $0.value <= tableMax }
        let xmax = min(tableMax, max(lastFilled, (markers.map(\.value).max() ?? 0) * 1.05))
        let width = 760.0, left = 70.0, right = 24.0, top = 16.0 + 14 * Double(min(markers.count, 6)), plotHeight = 280.0
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 60)
        let bottom = top + plotHeight
        let frame = PanelFrame(left: left, right: width - right, top: top, bottom: bottom)
        let x = LinearScale(minimum: xmin, maximum: xmax, from: left, to: width - right, targetTicks: 9, includeZero: false)
        let y = LogScale(minimum: smallest / 2, maximum: largest, from: bottom, to: top)
        frame.drawY(&canvas, ticks: y.ticks, position: y.callAsFunction, label: { y.label($0, unit: yUnit) })
        frame.drawX(&canvas, ticks: x.ticks, position: x.callAsFunction, label: { x.label($0, unit: xUnit) }, title: nil)
        let colour = Palette.colour(0)
        for (r, a, b, q, e) in bins where q > 0 && a < xmax {
            let x0 = x(a), x1 = x(min(b, xmax))
            canvas.rect(x: x0 + 0.3, y: y(q), width: max(x1 - x0 - 0.6, 0.6), height: bottom - y(q), fill: colour,
                        tooltip: "\(HumanFormat.number(a, unit: xUnit)) – \(HumanFormat.number(b, unit: xUnit)): \(HumanFormat.number(q, unit: yUnit))"
                            + (e.map { " ± 2 × \(HumanFormat.number($0, unit: yUnit))" } ?? ""),
                        data: dataAttributes(row: r, column: spec.probability, value: q))
            if let e, e > 0, x1 - x0 >= 5 {
                canvas.errorBar(horizontal: false, at: (x0 + x1) / 2, from: y(max(q - 2 * e, y.lower)), to: y(q + 2 * e), cap: min(3, (x1 - x0) / 3))
            }
        }
        for (k, m) in markers.enumerated() {
            let mx = x(m.value)
            canvas.line(x1: mx, y1: top - 2, x2: mx, y2: bottom, stroke: Palette.reference, width: 1.5, dashed: true)
            let labelY = 12 + 14 * Double(k % 6)
            canvas.text("\(m.label) \(HumanFormat.number(m.value, unit: xUnit))", x: mx + (mx > width / 2 ? -3 : 3), y: labelY,
                        anchor: mx > width / 2 ? .end : .start, size: 11, fill: Palette.reference)
        }
        canvas.text(axisTitle(table.columns[from], name: "portfolio loss L/V"), x: (left + width - right) / 2, y: bottom + 38, anchor: .middle, size: 13, bold: true)
        canvas.text("probability (%, log scale)", x: 16, y: top + plotHeight / 2, anchor: .middle, size: 13, bold: true, rotate: -90)
        let hidden = bins.filter { $0.1 >= xmax && $0.3 == 0 }.count
        return (canvas.markup(title: title), hidden > 0 ? "The \(hidden) empty buckets above \(HumanFormat.number(xmax, unit: xUnit)) are not drawn." : nil)
    }
}

/// A tornado: each row's value as a bar from the base row's value, largest change first. With
/// ``Chart/Tornado/pairBy`` the rows sharing that column's value (one input's low and high end)
/// are **one** row of the chart, each end a bar from the base in its own colour; rows are sorted
/// by the span their bars cover (|high − low| when the ends lie on either side of the base).
enum TornadoChart {
    /// One bar: the table row it draws, its end (`low`, `high`; empty unpaired), value and whisker.
    struct Item {
        var row: Int
        var label: String
        var end: String
        var value: Double
        var whisker: (Double, Double)?
    }

    /// One row of the chart: a table row, or the rows of one input.
    struct Group {
        var key: String
        var items: [Item]

        /// The row's label: the input when its rows are called `INPUT END`, else the input and the rows' labels.
        var name: String {
            guard items.count > 1 else { return items.first?.label ?? key }
            if items.allSatisfy({ $0.label == "\(key) \($0.end)" }) { return key }
            return "\(key) (\(items.map(\.label).joined(separator: " / ")))"
        }

        /// The width the row's bars cover, from the base included.
        func span(_ base: Double) -> Double {
            let xs = items.map(\.value) + [base]
            return xs.max()! - xs.min()!
        }
    }

    static func make(_ table: Table, _ spec: Chart.Tornado, title: String) -> (svg: String, note: String?)? {
        typealias P = ChartPlanner
        guard let l = table.columnIndex(spec.label), let v = table.columnIndex(spec.series.column),
              let baseRow = table.rows.first(where: { P.omitted($0, [spec.base], in: table) }), let base = P.number(baseRow[v]) else { return nil }
        let pair = spec.pairBy.flatMap(table.columnIndex), endColumn = spec.end.flatMap(table.columnIndex)
        if spec.pairBy != nil && pair == nil || spec.end != nil && endColumn == nil { return nil }
        let unit = table.columns[v].unit
        var groups: [Group] = []
        for (r, row) in table.rows.enumerated() {
            guard !P.omitted(row, [spec.base], in: table), let x = P.number(row[v]) else { continue }
            let item = Item(row: r, label: P.text(row[l]) ?? "", end: endColumn.flatMap { P.text(row[$0]) } ?? "",
                            value: x, whisker: P.interval(spec.series, row, x, in: table))
            if let key = pair.flatMap({ P.text(row[$0]) }) {
                if let k = groups.firstIndex(where: { $0.key == key }) { groups[k].items.append(item) } else { groups.append(Group(key: key, items: [item])) }
            } else {
                groups.append(Group(key: "row \(r)", items: [item]))
            }
        }
        groups = groups.enumerated().sorted { a, b in
            let (sa, sb) = (a.element.span(base), b.element.span(base))
            return sa != sb ? sa > sb : a.offset < b.offset
        }.map(\.element)
        guard !groups.isEmpty else { return nil }
        // Paired: a colour per end (in order of appearance) and a legend; unpaired: colour by direction.
        var ends: [String] = []
        for g in groups where g.items.count > 1 { for item in g.items where !ends.contains(item.end) { ends.append(item.end) } }
        let endColours = [5, 1, 2, 4, 7]
        func endColour(_ end: String) -> String { Palette.colour(endColours[(ends.firstIndex(of: end) ?? 0) % endColours.count]) }
        let paired = !ends.isEmpty
        // The values printed beside a pair's bars: one per side, or "low …, high …" when both lie on one side.
        func valueText(_ items: [Item]) -> String {
            items.map { (items.count > 1 ? "\($0.end) " : "") + HumanFormat.number($0.value, unit: unit) }.joined(separator: ", ")
        }
        let sides = groups.map { g in (left: valueText(g.items.filter { $0.value < base }), right: valueText(g.items.filter { $0.value >= base })) }
        let width = 760.0, barHeight = 20.0, gap = 6.0
        let labelWidth = min(max((groups.map { textWidth($0.name, size: 12) }.max() ?? 0) + 16, 90), 260)
        let leftRoom = (sides.map { textWidth($0.left, size: 12) }.max() ?? 0) + 12
        let rightRoom = max((sides.map { textWidth($0.right, size: 12) }.max() ?? 0) + 12, 60)
        let plotLeft = paired ? labelWidth + leftRoom : labelWidth, plotRight = paired ? width - rightRoom : width - 90
        let legend = ends.map { ("\($0) end", endColour($0)) }
        var probe = SVGCanvas(width: width, height: 0)
        let top = paired ? probe.legend(legend, x: plotLeft, y: 6, maxX: width - 10) + 34 : 30.0
        let bottom = top + Double(groups.count) * (barHeight + gap)
        var canvas = SVGCanvas(width: width, height: bottom + 50)
        if paired { canvas.legend(legend, x: plotLeft, y: 6, maxX: width - 10) }
        var lo = base, hi = base
        for g in groups { for item in g.items { lo = min(lo, item.value, item.whisker?.0 ?? item.value); hi = max(hi, item.value, item.whisker?.1 ?? item.value) } }
        let x = LinearScale(minimum: lo, maximum: hi, from: plotLeft, to: plotRight, targetTicks: 6, includeZero: lo >= 0 && base <= 0)
        for t in x.ticks {
            canvas.line(x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: "#E3E3E3")
            canvas.text(x.label(t, unit: unit), x: x(t), y: bottom + 16, anchor: .middle, size: 11)
        }
        for (k, group) in groups.enumerated() {
            let y0 = top + Double(k) * (barHeight + gap), centre = y0 + barHeight / 2
            canvas.text(truncated(group.name, maxWidth: labelWidth - 12, size: 12), x: labelWidth - 8, y: centre, anchor: .end, size: 12, middle: true)
            if group.items.count == 1 && (!paired || group.items[0].end.isEmpty) {
                let item = group.items[0]
                let colour = item.value >= base ? Palette.colour(3) : Palette.colour(0)
                canvas.rect(x: min(x(base), x(item.value)), y: y0, width: abs(x(item.value) - x(base)), height: barHeight, fill: colour,
                            tooltip: "\(item.label): \(HumanFormat.number(item.value, unit: unit)) (base \(HumanFormat.number(base, unit: unit)))",
                            data: dataAttributes(row: item.row, column: spec.series.column, value: item.value))
                var end = max(x(item.value), x(base))
                if let (a, b) = item.whisker {
                    canvas.errorBar(horizontal: true, at: centre, from: x(a), to: x(b))
                    end = max(end, x(b))
                }
                canvas.text(HumanFormat.number(item.value, unit: unit), x: end + 5, y: centre, size: 12, middle: true)
                continue
            }
            // Both ends from the base on the same line; the longer bar first, a shorter one on the
            // same side drawn narrower on top of it, so that both stay visible.
            let byLength = group.items.sorted { abs($0.value - base) > abs($1.value - base) }
            var drawn: (left: Int, right: Int) = (0, 0)
            for item in byLength {
                let right = item.value >= base
                let under = right ? drawn.right : drawn.left
                let inset = min(Double(under) * barHeight * 0.2, barHeight * 0.4)
                canvas.rect(x: min(x(base), x(item.value)), y: y0 + inset, width: abs(x(item.value) - x(base)), height: barHeight - 2 * inset,
                            fill: endColour(item.end),
                            tooltip: "\(item.label) (\(item.end) end): \(HumanFormat.number(item.value, unit: unit)) (base \(HumanFormat.number(base, unit: unit)))",
                            data: dataAttributes(row: item.row, column: spec.series.column, value: item.value))
                if right { drawn.right += 1 } else { drawn.left += 1 }
            }
            var leftEdge = x(base), rightEdge = x(base)
            for (i, item) in group.items.enumerated() {
                leftEdge = min(leftEdge, x(item.value)); rightEdge = max(rightEdge, x(item.value))
                if let (a, b) = item.whisker {
                    canvas.errorBar(horizontal: true, at: y0 + barHeight * Double(i + 1) / Double(group.items.count + 1), from: x(a), to: x(b), cap: 3)
                    leftEdge = min(leftEdge, x(a)); rightEdge = max(rightEdge, x(b))
                }
            }
            if !sides[k].right.isEmpty { canvas.text(sides[k].right, x: rightEdge + 5, y: centre, size: 12, middle: true) }
            if !sides[k].left.isEmpty { canvas.text(sides[k].left, x: leftEdge - 5, y: centre, anchor: .end, size: 12, middle: true) }
        }
        canvas.line(x1: x(base), y1: top - 8, x2: x(base), y2: bottom, stroke: "#000000", width: 1.5)
        canvas.text("\(P.text(baseRow[l]) ?? "base") \(HumanFormat.number(base, unit: unit))", x: x(base), y: top - 12, anchor: .middle, size: 11, bold: true)
        canvas.text(axisTitle(table.columns[v]), x: (plotLeft + plotRight) / 2, y: bottom + 38, anchor: .middle, size: 13, bold: true)
        return (canvas.markup(title: title), nil)
    }
}
