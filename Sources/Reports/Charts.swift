import Foundation

// The chart shapes: horizontal bars (grouped, stacked, with error bars), lines in panels, fans,
// a log-scale histogram and a tornado. `ChartPlanner` (ChartPlanner.swift) fills them from the
// chart a table declares (`Table.chart`); the shapes themselves know nothing about tables.

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
        /// `data-…` attributes naming the table cell drawn (see `dataAttributes`).
        var data: String? = nil
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
    /// Vertical reference lines on the value axis.
    var references: [Chart.ReferenceValue] = []
    var width: Double = 760

    static let barHeight = 20.0, barGap = 3.0, groupGap = 12.0, labelSize = 12.0

    func svg() -> String {
        let longest = groups.map { textWidth($0.label, size: Self.labelSize) }.max() ?? 0
        let left = min(max(longest + 16, 90), 360)   // room for "public first loss, expected shortfall, 99.5 %"
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
            lo = min(lo, negative)
            hi = max(hi, positive, bar.interval?.upper ?? 0)
        }
        // Whiskers do not stretch the axis below zero when no bar is negative (losses, rates,
        // volumes are never negative): they are cut at zero instead.
        if lo < 0 { for bar in groups.flatMap(\.bars) { lo = min(lo, bar.interval?.lower ?? 0) } }
        for r in references where r.value.isFinite { lo = min(lo, r.value); hi = max(hi, r.value) }
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
                var dot = 0.0
                // A bar of exactly zero (no cover needed) is a 2-px stub at zero with a dot on it, so
                // that it shows (a zero is a result, not a missing value) and carries its data.
                if bar.segments.count == 1, let segment = bar.segments.first, segment.value == 0 {
                    canvas.rect(x: x(0) - 1, y: y, width: 2, height: Self.barHeight, fill: segment.colour, tooltip: segment.tooltip, data: segment.data)
                    dot = Self.barHeight * 0.3
                    canvas.circle(x: x(0), y: y + Self.barHeight / 2, r: dot, fill: segment.colour)
                }
                for segment in bar.segments where segment.value != 0 && segment.value.isFinite {
                    let start: Double
                    if segment.value > 0 { start = positive; positive += segment.value } else { negative += segment.value; start = negative }
                    let x0 = x(start), x1 = x(start + abs(segment.value))
                    canvas.rect(x: x0, y: y, width: x1 - x0, height: Self.barHeight, fill: segment.colour,
                                stroke: bar.segments.count > 1 ? "#FFFFFF" : nil, tooltip: segment.tooltip, data: segment.data)
                    if let label = Self.insideLabel(segment, width: x1 - x0 - 8) {
                        canvas.text(label, x: x0 + 4, y: y + Self.barHeight / 2, size: 11,
                                    fill: Palette.textColour(on: segment.colour), middle: true)
                    }
                }
                var end = x(positive) + dot
                if let interval = bar.interval, interval.lower.isFinite, interval.upper.isFinite {
                    canvas.errorBar(horizontal: true, at: y + Self.barHeight / 2, from: x(max(interval.lower, x.lower)), to: x(interval.upper))
                    end = max(end, x(interval.upper))
                }
                canvas.text(bar.valueLabel, x: end + 5, y: y + Self.barHeight / 2, size: 12, middle: true)
                y += Self.barHeight + Self.barGap
            }
            y += Self.groupGap - Self.barGap
        }
        canvas.line(x1: x(0), y1: top, x2: x(0), y2: bottom, stroke: "#000000")
        canvas.line(x1: left, y1: bottom, x2: width - right, y2: bottom, stroke: "#000000")
        for r in references where r.value.isFinite {
            canvas.line(x1: x(r.value), y1: top - 4, x2: x(r.value), y2: bottom, stroke: Palette.reference, width: 1.5, dashed: true)
            canvas.text(r.label, x: x(r.value) + 3, y: top + 2, size: 11, fill: Palette.reference, middle: true)
        }
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

