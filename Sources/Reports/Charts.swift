import Foundation

// Two chart shapes cover every table: horizontal bars (grouped, stacked, with error bars) and a
// histogram. `ChartPlanner` decides from a table's name and columns which one to draw and what
// goes into it; the shapes themselves know nothing about tables.

/// One horizontal bar: stacked segments, an optional interval (error bar, in data units) and the
/// label printed after its end.
struct Bar {
    struct Segment {
        var value: Double
        var colour: String
        /// Printed inside the segment, shortened to fit (or left out when even the value does not fit).
        var label: String?
        /// The segment's value as printed after the label inside the segment.
        var valueText: String? = nil
        /// Shown on hover.
        var tooltip: String
    }
    var segments: [Segment]
    var interval: (lower: Double, upper: Double)?
    var valueLabel: String

    var total: Double { segments.reduce(0) { $0 + $1.value } }
}

/// Bars drawn together under one category label (a stack, a holder, a multiplier).
struct BarGroup {
    var label: String
    var bars: [Bar]
}

/// Horizontal bar chart: category labels on the left, a value axis with gridlines at the bottom,
/// each bar's value after its end, an optional legend on top.
struct HorizontalBarChart {
    var title: String
    var groups: [BarGroup]
    var axisTitle: String
    var unit: Unit
    var legend: [(label: String, colour: String)] = []
    var width: Double = 760

    static let barHeight = 20.0, barGap = 3.0, groupGap = 12.0, labelSize = 12.0

    func svg() -> String {
        let longest = groups.map { textWidth($0.label, size: Self.labelSize) }.max() ?? 0
        let left = min(max(longest + 16, 90), 300)
        // Room on the right for the longest value label printed after a bar.
        let right = max(60, (groups.flatMap(\.bars).map { textWidth($0.valueLabel, size: 12) }.max() ?? 0) + 16)
        var probe = SVGCanvas(width: width, height: 0)
        let legendBottom = legend.isEmpty ? 8 : probe.legend(legend, x: left, y: 8, maxX: width - 10)
        let top = legendBottom + 6
        let plotHeight = groups.reduce(0.0) { sum, g in
            sum + Double(g.bars.count) * Self.barHeight + Double(max(g.bars.count - 1, 0)) * Self.barGap + Self.groupGap
        }
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 50)
        if !legend.isEmpty { canvas.legend(legend, x: left, y: 8, maxX: width - 10) }

        var lo = 0.0, hi = 0.0
        for bar in groups.flatMap(\.bars) {
            let positive = bar.segments.filter { $0.value > 0 }.reduce(0) { $0 + $1.value }
            let negative = bar.segments.filter { $0.value < 0 }.reduce(0) { $0 + $1.value }
            lo = min(lo, negative, bar.interval?.lower ?? 0)
            hi = max(hi, positive, bar.interval?.upper ?? 0)
        }
        let x = LinearScale(minimum: lo, maximum: hi, from: left, to: width - right)
        let bottom = top + plotHeight
        for t in x.ticks {
            canvas.line(x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: "#D9D9D9")
            canvas.text(x.label(t, unit: unit), x: x(t), y: bottom + 16, anchor: .middle, size: 12)
        }
        canvas.text(axisTitle, x: (left + width - right) / 2, y: bottom + 38, anchor: .middle, size: 13, bold: true)

        var y = top + Self.groupGap / 2
        for group in groups {
            let height = Double(group.bars.count) * Self.barHeight + Double(max(group.bars.count - 1, 0)) * Self.barGap
            canvas.text(truncated(group.label, maxWidth: left - 14, size: Self.labelSize), x: left - 8, y: y + height / 2,
                        anchor: .end, size: Self.labelSize, middle: true)
            for bar in group.bars {
                var positive = 0.0, negative = 0.0
                for segment in bar.segments where segment.value != 0 && segment.value.isFinite {
                    let start: Double
                    if segment.value > 0 { start = positive; positive += segment.value } else { negative += segment.value; start = negative }
                    let x0 = x(start), x1 = x(start + abs(segment.value))
                    canvas.rect(x: x0, y: y, width: x1 - x0, height: Self.barHeight, fill: segment.colour,
                                stroke: bar.segments.count > 1 ? "#FFFFFF" : nil, tooltip: segment.tooltip)
                    if let label = Self.insideLabel(segment, width: x1 - x0 - 8) {
                        canvas.text(label, x: x0 + 4, y: y + Self.barHeight / 2, size: 11,
                                    fill: Palette.textColour(on: segment.colour), middle: true)
                    }
                }
                var end = x(positive)
                if let interval = bar.interval, interval.lower.isFinite, interval.upper.isFinite {
                    canvas.errorBar(horizontal: true, at: y + Self.barHeight / 2, from: x(interval.lower), to: x(interval.upper))
                    end = max(end, x(interval.upper))
                }
                canvas.text(bar.valueLabel, x: end + 5, y: y + Self.barHeight / 2, size: 12, middle: true)
                y += Self.barHeight + Self.barGap
            }
            y += Self.groupGap - Self.barGap
        }
        canvas.line(x1: x(0), y1: top, x2: x(0), y2: bottom, stroke: "#000000")
        canvas.line(x1: left, y1: bottom, x2: width - right, y2: bottom, stroke: "#000000")
        return canvas.markup(title: title)
    }
}

extension HorizontalBarChart {
    /// The text that fits inside a segment `width` px wide: `label value`, else the label shortened
    /// before the value, else the value alone, else nothing.
    static func insideLabel(_ segment: Bar.Segment, width: Double) -> String? {
        let size = 11.0
        guard let label = segment.label else { return nil }
        guard let value = segment.valueText else { return textWidth(label, size: size) <= width ? label : nil }
        let full = "\(label) \(value)"
        if textWidth(full, size: size) <= width { return full }
        let room = width - textWidth(" " + value, size: size)
        if room >= textWidth("EU bud…", size: size) { return truncated(label, maxWidth: room, size: size) + " " + value }
        return textWidth(value, size: size) <= width ? value : nil
    }
}

/// A histogram: contiguous vertical bars over bucket edges, optional ± error bars.
struct Histogram {
    struct Bin {
        var lower: Double
        var upper: Double
        var value: Double
        /// Half-width of the error bar (e.g. 2 standard errors), or nil.
        var error: Double?
    }
    var title: String
    var bins: [Bin]
    var xTitle: String
    var xUnit: Unit
    var yTitle: String
    var yUnit: Unit
    var width: Double = 760

    func svg() -> String {
        let left = 70.0, right = 24.0, top = 16.0, plotHeight = 280.0
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 56)
        let bottom = top + plotHeight
        let x = LinearScale(minimum: bins.map(\.lower).min() ?? 0, maximum: bins.map(\.upper).max() ?? 1,
                            from: left, to: width - right, targetTicks: 9)
        let y = LinearScale(minimum: 0, maximum: bins.map { $0.value + ($0.error ?? 0) }.max() ?? 1,
                            from: bottom, to: top)
        for t in y.ticks {
            canvas.line(x1: left, y1: y(t), x2: width - right, y2: y(t), stroke: "#D9D9D9")
            canvas.text(y.label(t, unit: yUnit), x: left - 6, y: y(t), anchor: .end, size: 12, middle: true)
        }
        for t in x.ticks {
            canvas.line(x1: x(t), y1: bottom, x2: x(t), y2: bottom + 4, stroke: "#000000")
            canvas.text(x.label(t, unit: xUnit), x: x(t), y: bottom + 17, anchor: .middle, size: 12)
        }
        let colour = Palette.colour(0)
        for bin in bins {
            let x0 = x(bin.lower), x1 = x(bin.upper)
            let tooltip = "\(HumanFormat.number(bin.lower, unit: xUnit)) – \(HumanFormat.number(bin.upper, unit: xUnit)): \(HumanFormat.number(bin.value, unit: yUnit))"
                + (bin.error.map { " ± \(HumanFormat.number($0, unit: yUnit))" } ?? "")
            canvas.rect(x: x0 + 0.5, y: y(bin.value), width: x1 - x0 - 1, height: bottom - y(bin.value), fill: colour, tooltip: tooltip)
            if let e = bin.error, e > 0, x1 - x0 >= 6 {
                canvas.errorBar(horizontal: false, at: (x0 + x1) / 2, from: y(max(bin.value - e, 0)), to: y(bin.value + e),
                                cap: min(4, (x1 - x0) / 3))
            }
        }
        canvas.line(x1: left, y1: bottom, x2: width - right, y2: bottom)
        canvas.line(x1: left, y1: top, x2: left, y2: bottom)
        canvas.text(xTitle, x: (left + width - right) / 2, y: bottom + 42, anchor: .middle, size: 13, bold: true)
        canvas.text(yTitle, x: 18, y: top + plotHeight / 2, anchor: .middle, size: 13, bold: true, rotate: -90)
        return canvas.markup(title: title)
    }
}

/// Chooses and fills a chart for a table, from its name and columns (see `HTMLReport.chart(for:)`).
enum ChartPlanner {
    /// A chart and the sentence under it, or nil when the table has nothing to draw.
    static func chart(for table: Table) -> (svg: String, caption: String)? {
        guard !table.rows.isEmpty else { return nil }
        switch table.name {
        case "contributions": return capitalStack(table, segmentColumn: "contributor", skip: ["total"]) ?? standard(table)
        case "by_source": return capitalStack(table, segmentColumn: "source", skip: ["public"]) ?? standard(table)
        case "multipliers": return coloured(table, group: "scope", label: "multiplier", value: "value") ?? standard(table)
        case "chain_stages":
            return coloured(table, group: "chain", label: "stage", value: table.columns.first { $0.unit.isMoney }?.name ?? "") ?? standard(table)
        case "loss_distribution": return histogram(table) ?? standard(table)
        case "tranches": return tranches(table) ?? standard(table)
        case "holders": return holders(table) ?? standard(table)
        case "guarantees": return standard(table, preferring: "expected_calls")
        case "sweep":
            return labelled(table, value: "leverage", describedBy: ["first_loss", "guarantee_rate", "guarantee_cap"], group: "scenario",
                            caption: "Leverage (portfolio / public commitment) at each cover, by scenario.") ?? standard(table)
        case "solution":
            return labelled(table, value: "leverage", describedBy: [], group: "scenario", band: ("leverage_lower", "leverage_upper"),
                            caption: "Maximum leverage at the minimum first loss; whiskers: the Monte Carlo band.") ?? standard(table)
        case "stress_monte_carlo": return standard(table, preferring: "p_default")
        case "dscr_fan":
            return labelled(table, value: "dscr_p50", describedBy: ["year_end"], group: "scenario", band: ("dscr_p5", "dscr_p95"),
                            caption: "Median DSCR per year among the sites servicing debt; whiskers: 5th–95th percentiles.") ?? standard(table)
        default: return standard(table)
        }
    }

    // MARK: Cell access

    static func text(_ cell: Cell) -> String? {
        if case .text(let s) = cell { return s }
        return nil
    }

    static func number(_ cell: Cell) -> Double? {
        switch cell {
        case .number(let x): return x.isFinite ? x : nil
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    static func levelText(_ level: Double) -> String {
        let p = level * 100
        return (p == p.rounded() ? String(Int(p)) : String(format: "%g", p)) + " %"
    }

    // MARK: Charts by table

    /// The capital stack: one stacked bar per stack, a segment per contributor (or source),
    /// coloured by source of money so that public and private read apart at a glance.
    static func capitalStack(_ table: Table, segmentColumn: String, skip: Set<String>) -> (svg: String, caption: String)? {
        guard let stack = table.columnIndex("stack"), let segment = table.columnIndex(segmentColumn),
              let source = table.columnIndex("source"),
              let amount = table.columns.firstIndex(where: { $0.unit.isMoney }) else { return nil }
        let unit = table.columns[amount].unit
        var order: [String] = []
        var segments: [String: [Bar.Segment]] = [:]
        var sources: [String] = []
        for row in table.rows {
            guard let id = text(row[stack]), let name = text(row[segment]), !skip.contains(name),
                  let value = number(row[amount]), let raw = text(row[source]), !raw.isEmpty else { continue }
            if segments[id] == nil { order.append(id); segments[id] = [] }
            if !sources.contains(raw) { sources.append(raw) }
            let colour = Palette.colour(Palette.colourIndex(source: raw))
            let label = segmentColumn == "source" ? sourceLabel(raw) : name
            segments[id]!.append(Bar.Segment(value: value, colour: colour, label: label, valueText: HumanFormat.number(value, unit: unit),
                                             tooltip: "\(id): \(label) (\(sourceLabel(raw))) \(HumanFormat.number(value, unit: unit)) \(unit.axisSuffix ?? "")"))
        }
        guard !order.isEmpty else { return nil }
        // Stacks of very different sizes (a 110 bn programme beside a 0.1 bn antenna) are drawn as
        // shares of their totals, so that every stack's split stays readable; amounts stay printed.
        let totals = order.map { id in segments[id]!.reduce(0) { $0 + $1.value } }
        let positive = totals.filter { $0 > 0 }
        let asShares = order.count > 1 && positive.count == totals.count && positive.max()! > 5 * positive.min()!
        let groups = zip(order, totals).map { id, total -> BarGroup in
            var parts = segments[id]!
            if asShares { for k in parts.indices { parts[k].value /= total } }
            let label = HumanFormat.number(total, unit: unit) + (asShares ? " \(unit.axisSuffix ?? "")" : "")
            return BarGroup(label: id, bars: [Bar(segments: parts, interval: nil, valueLabel: label)])
        }
        let legend = Palette.sourceOrder.filter(sources.contains).map { (sourceLabel($0), Palette.colour(Palette.colourIndex(source: $0))) }
            + sources.filter { !Palette.sourceOrder.contains($0) }.map { ($0, Palette.colour(Palette.colourIndex(source: $0))) }
        let chart = HorizontalBarChart(title: table.title, groups: groups,
                                       axisTitle: asShares ? "share of the stack's total (%)" : axisTitle(table.columns[amount]),
                                       unit: asShares ? .fraction : unit, legend: legend)
        let what = asShares ? "as shares of the stack's total (the stacks differ too much in size to share one scale)" : "in \(unit.axisSuffix ?? "")"
        return (chart.svg(), "One bar per capital stack, \(what); segments by \(segmentColumn), coloured by source of money, labelled with their amounts; the figure after each bar is the stack's total.")
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

    /// One bar per row, labelled by `label` and coloured (with a legend) by `group` when the
    /// table has more than one group.
    static func coloured(_ table: Table, group: String, label: String, value: String) -> (svg: String, caption: String)? {
        guard let g = table.columnIndex(group), let l = table.columnIndex(label), let v = table.columnIndex(value) else { return nil }
        let unit = table.columns[v].unit
        var names: [String] = []
        for row in table.rows { if let name = text(row[g]), !names.contains(name) { names.append(name) } }
        var groups: [BarGroup] = []
        var skipped = 0
        for row in table.rows {
            guard let x = number(row[v]) else { skipped += 1; continue }
            let name = text(row[g]) ?? ""
            let colour = Palette.colour(names.firstIndex(of: name) ?? 0)
            let rowLabel = names.count > 1 ? "\(name): \(text(row[l]) ?? "")" : (text(row[l]) ?? "")
            groups.append(BarGroup(label: rowLabel, bars: [Bar(segments: [Bar.Segment(value: x, colour: colour, label: nil,
                                                                                       tooltip: "\(rowLabel) \(HumanFormat.number(x, unit: unit))")],
                                                           interval: nil, valueLabel: HumanFormat.number(x, unit: unit))]))
        }
        guard !groups.isEmpty else { return nil }
        let legend = names.count > 1 ? names.enumerated().map { ($1, Palette.colour($0)) } : []
        let chart = HorizontalBarChart(title: table.title, groups: groups, axisTitle: axisTitle(table.columns[v]), unit: unit, legend: legend)
        var caption = "One bar per row: \(HumanFormat.header(table.columns[v]))" + (names.count > 1 ? ", coloured by \(group)." : ".")
        if skipped > 0 { caption += " \(skipped) row\(skipped == 1 ? "" : "s") without a value \(skipped == 1 ? "is" : "are") left out." }
        return (chart.svg(), caption)
    }

    /// One bar per row of `value`, labelled by the `describedBy` columns that vary across rows
    /// (formatted in their units), coloured by `group`, with an optional band from two columns.
    static func labelled(_ table: Table, value: String, describedBy: [String], group: String,
                         band: (String, String)? = nil, caption: String) -> (svg: String, caption: String)? {
        guard let v = table.columnIndex(value) else { return nil }
        let unit = table.columns[v].unit
        let g = table.columnIndex(group)
        let varying = describedBy.compactMap(table.columnIndex).filter { j in Set(table.rows.map { HumanFormat.string($0[j], unit: table.columns[j].unit) }).count > 1 }
        var names: [String] = []
        if let g { for row in table.rows { if let n = text(row[g]), !names.contains(n) { names.append(n) } } }
        let lower = band.flatMap { table.columnIndex($0.0) }, upper = band.flatMap { table.columnIndex($0.1) }
        var groups: [BarGroup] = []
        for row in table.rows {
            guard let x = number(row[v]) else { continue }
            let name = g.flatMap { text(row[$0]) } ?? ""
            let parts = varying.map { j in "\(HumanFormat.header(table.columns[j])) \(HumanFormat.string(row[j], unit: table.columns[j].unit))" }
            let label = ([names.count > 1 || varying.isEmpty ? name : ""] + parts).filter { !$0.isEmpty }.joined(separator: ", ")
            var interval: (Double, Double)?
            if let lower, let upper, let a = number(row[lower]), let b = number(row[upper]) { interval = (min(a, b), max(a, b)) }
            let colour = Palette.colour(names.firstIndex(of: name) ?? 0)
            groups.append(BarGroup(label: label, bars: [Bar(segments: [Bar.Segment(value: x, colour: colour, label: nil,
                                                                                    tooltip: "\(label): \(HumanFormat.number(x, unit: unit))")],
                                                            interval: interval, valueLabel: HumanFormat.number(x, unit: unit))]))
        }
        guard !groups.isEmpty, groups.count <= 80 else { return nil }
        let chart = HorizontalBarChart(title: table.title, groups: groups, axisTitle: axisTitle(table.columns[v]), unit: unit,
                                       legend: names.count > 1 ? names.enumerated().map { ($1, Palette.colour($0)) } : [])
        return (chart.svg(), caption)
    }

    /// The loss distribution: probability per bucket of L/V, with ±2 SE error bars; trailing
    /// empty buckets are left out of the picture (they stay in the table).
    static func histogram(_ table: Table) -> (svg: String, caption: String)? {
        guard let from = table.columnIndex("loss_from"), let to = table.columnIndex("loss_to"),
              let p = table.columnIndex("probability") else { return nil }
        let se = table.columnIndex("standard_error")
        var bins = table.rows.compactMap { row -> Histogram.Bin? in
            guard let a = number(row[from]), let b = number(row[to]), let q = number(row[p]) else { return nil }
            return Histogram.Bin(lower: a, upper: b, value: q, error: se.flatMap { number(row[$0]) }.map { 2 * $0 })
        }
        let all = bins.count
        while bins.count > 1, bins.last!.value == 0 { bins.removeLast() }
        guard !bins.isEmpty else { return nil }
        let chart = Histogram(title: table.title, bins: bins, xTitle: "portfolio loss L/V (%)", xUnit: table.columns[from].unit,
                              yTitle: "probability (%)", yUnit: table.columns[p].unit)
        var caption = "Probability of each loss bucket; whiskers ±2 standard errors."
        if bins.count < all { caption += " The \(all - bins.count) highest buckets (above \(HumanFormat.number(bins.last!.upper, unit: .fraction))) are empty and not drawn." }
        return (chart.svg(), caption)
    }

    /// The column holding the standard error of `column`: `x_se_eur_m` for `x_eur_m`, `x_se` for `x`.
    static func standardErrorColumn(of column: Column, in table: Table) -> Int? {
        let suffix = "_" + column.unit.rawValue
        if column.name.hasSuffix(suffix) {
            let stem = String(column.name.dropLast(suffix.count))
            return table.columnIndex(stem + "_se" + suffix)
        }
        return table.columnIndex(column.name + "_se")
    }

    /// Tranches: expected loss per tranche with ±2 SE error bars (and the loss net of guarantees
    /// beside it when guarantees change it).
    static func tranches(_ table: Table) -> (svg: String, caption: String)? {
        guard let name = table.columnIndex("tranche"),
              let el = table.columns.firstIndex(where: { $0.name.hasPrefix("expected_loss_") && $0.unit.isMoney && !$0.name.contains("_se_") })
        else { return nil }
        let unit = table.columns[el].unit
        let holder = table.columnIndex("holder")
        let net = table.columns.firstIndex { $0.name.hasPrefix("net_expected_loss_") && $0.unit.isMoney && !$0.name.contains("_se_") }
        let showNet = net.map { n in table.rows.contains { number($0[n]) != number($0[el]) } } ?? false
        var series: [(Int, String)] = [(el, "expected loss")]
        if showNet, let net { series.append((net, "net of guarantees")) }
        let groups = table.rows.map { row -> BarGroup in
            var label = text(row[name]) ?? ""
            if let holder, let h = text(row[holder]), !h.isEmpty { label += " (\(h))" }
            let bars = series.enumerated().compactMap { k, s -> Bar? in
                guard let x = number(row[s.0]) else { return nil }
                let e = standardErrorColumn(of: table.columns[s.0], in: table).flatMap { number(row[$0]) }
                return Bar(segments: [Bar.Segment(value: x, colour: Palette.colour(k), label: nil,
                                                  tooltip: "\(label) \(s.1): \(HumanFormat.number(x, unit: unit))" + (e.map { " ± 2 × \(HumanFormat.number($0, unit: unit))" } ?? ""))],
                           interval: e.map { (x - 2 * $0, x + 2 * $0) }, valueLabel: HumanFormat.number(x, unit: unit))
            }
            return BarGroup(label: label, bars: bars)
        }
        let chart = HorizontalBarChart(title: table.title, groups: groups, axisTitle: axisTitle(table.columns[el], name: "expected loss"),
                                       unit: unit, legend: series.count > 1 ? series.enumerated().map { ($1.1, Palette.colour($0)) } : [])
        return (chart.svg(), "Expected loss per tranche" + (series.count > 1 ? ", before and net of guarantees" : "") + "; whiskers ±2 standard errors.")
    }

    /// Holders: expected loss (±2 SE) and value at risk at each level (its confidence interval) per holder.
    static func holders(_ table: Table) -> (svg: String, caption: String)? {
        guard let holder = table.columnIndex("holder"), let statistic = table.columnIndex("statistic"),
              let amount = table.columns.firstIndex(where: { $0.unit.isMoney }) else { return nil }
        let unit = table.columns[amount].unit
        let level = table.columnIndex("level")
        let se = table.columns.firstIndex { $0.name.hasPrefix("standard_error") }
        let lower = table.columns.firstIndex { $0.name.hasPrefix("ci_lower") }
        let upper = table.columns.firstIndex { $0.name.hasPrefix("ci_upper") }
        var series: [String] = []
        var order: [String] = []
        var bars: [String: [(String, Bar)]] = [:]
        for row in table.rows {
            guard let h = text(row[holder]), let s = text(row[statistic]), let x = number(row[amount]) else { continue }
            let name: String
            var interval: (Double, Double)?
            if s == "expected loss" {
                name = "expected loss"
                if let se, let e = number(row[se]) { interval = (x - 2 * e, x + 2 * e) }
            } else if s == "value at risk" {
                name = "VaR " + (level.flatMap { number(row[$0]) }.map(levelText) ?? "")
                if let lower, let upper, let a = number(row[lower]), let b = number(row[upper]) { interval = (a, b) }
            } else { continue }
            if !series.contains(name) { series.append(name) }
            if bars[h] == nil { order.append(h); bars[h] = [] }
            bars[h]!.append((name, Bar(segments: [Bar.Segment(value: x, colour: "", label: nil, tooltip: "\(h) \(name): \(HumanFormat.number(x, unit: unit))")],
                                       interval: interval, valueLabel: HumanFormat.number(x, unit: unit))))
        }
        guard !order.isEmpty else { return nil }
        let groups = order.map { h in
            BarGroup(label: h, bars: bars[h]!.map { name, bar in
                var bar = bar
                bar.segments[0].colour = Palette.colour(series.firstIndex(of: name)!)
                return bar
            })
        }
        let chart = HorizontalBarChart(title: table.title, groups: groups, axisTitle: axisTitle(table.columns[amount], name: "loss"),
                                       unit: unit, legend: series.enumerated().map { ($1, Palette.colour($0)) })
        return (chart.svg(), "Expected loss (whiskers ±2 standard errors) and value at risk (whiskers: its confidence interval) per holder.")
    }

    /// Any other table with a number to show: one bar per row of its first money column (else its
    /// first numeric column), labelled by the row's text; error bars from a standard-error column
    /// (±2 SE) or a confidence interval when the table has one. Rows that are sums of other
    /// rows (`total`, `public`, `volume`, `base fund (F)`) are left out so that bars compare like with like.
    ///
    /// - Parameter preferring: draw the first numeric column whose name starts with this instead.
    static func standard(_ table: Table, preferring: String? = nil) -> (svg: String, caption: String)? {
        let isErrorColumn: (Column) -> Bool = { c in
            c.name.contains("standard_error") || c.name.contains("_se_") || c.name.hasSuffix("_se") || c.name.hasPrefix("ci_")
        }
        let numeric = table.columns.indices.filter { j in
            table.columns[j].unit != .text && !isErrorColumn(table.columns[j]) && table.rows.contains { number($0[j]) != nil }
        }
        let preferred = preferring.flatMap { p in numeric.first { table.columns[$0].name.hasPrefix(p) } }
        guard let v = preferred ?? numeric.first(where: { table.columns[$0].unit.isMoney }) ?? numeric.first else { return nil }
        let unit = table.columns[v].unit
        let textColumns = table.columns.indices.filter { table.columns[$0].unit == .text }
        let level = table.columnIndex("level").flatMap { table.columns[$0].unit == .fraction ? $0 : nil }
        let se = standardErrorColumn(of: table.columns[v], in: table) ?? table.columns.firstIndex { $0.name.hasPrefix("standard_error") }
        let lower = table.columns.firstIndex { $0.name.hasPrefix("ci_lower") }
        let upper = table.columns.firstIndex { $0.name.hasPrefix("ci_upper") }
        let aggregates: Set<String> = ["total", "public", "volume", "base fund (F)"]
        // Colour by the first text column (a stack, a chain) when it has a few distinct values.
        var kinds: [String] = []
        if textColumns.count > 1 {
            for row in table.rows { if let s = text(row[textColumns[0]]), !kinds.contains(s) { kinds.append(s) } }
        }
        if kinds.count < 2 || kinds.count > Palette.colours.count - 1 { kinds = [] }
        var groups: [BarGroup] = []
        var skipped: [String] = []
        for (k, row) in table.rows.enumerated() {
            guard let x = number(row[v]) else { continue }
            let parts = textColumns.compactMap { text(row[$0]) }.filter { !$0.isEmpty }
            if let aggregate = parts.first(where: aggregates.contains) {
                if !skipped.contains(aggregate) { skipped.append(aggregate) }
                continue
            }
            var label = parts.prefix(2).joined(separator: ": ")
            if let level, let l = number(row[level]) { label += " " + levelText(l) }
            if label.isEmpty { label = "row \(k + 1)" }
            var interval: (Double, Double)?
            if let se, let e = number(row[se]) { interval = (x - 2 * e, x + 2 * e) }
            else if let lower, let upper, let a = number(row[lower]), let b = number(row[upper]) { interval = (a, b) }
            let colour = Palette.colour(kinds.isEmpty ? 0 : kinds.firstIndex(of: text(row[textColumns[0]]) ?? "") ?? 0)
            groups.append(BarGroup(label: label, bars: [Bar(segments: [Bar.Segment(value: x, colour: colour, label: nil,
                                                                                    tooltip: "\(label): \(HumanFormat.number(x, unit: unit))")],
                                                            interval: interval, valueLabel: HumanFormat.number(x, unit: unit))]))
        }
        guard !groups.isEmpty, groups.count <= 60 else { return nil }
        let chart = HorizontalBarChart(title: table.title, groups: groups, axisTitle: axisTitle(table.columns[v]), unit: unit,
                                       legend: kinds.enumerated().map { ($1, Palette.colour($0)) })
        var caption = "One bar per row: \(HumanFormat.header(table.columns[v]))"
            + (kinds.isEmpty ? "." : ", coloured by \(table.columns[textColumns[0]].name).")
        if se != nil || (lower != nil && upper != nil) { caption += " Whiskers: ±2 standard errors, or the confidence interval where the row gives one." }
        if !skipped.isEmpty { caption += " Total rows (\(skipped.joined(separator: ", "))) are not drawn, so that bars compare like with like." }
        return (chart.svg(), caption)
    }
}

extension Palette {
    /// The order sources are listed in legends: EU budget first, private last.
    static let sourceOrder = ["eu_budget", "member_state", "eib_group", "other_public", "private"]
}
