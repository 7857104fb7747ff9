import Foundation

// The pieces charts are drawn with: an SVG canvas, linear scales with "nice" ticks, a palette
// that colour-blind readers can tell apart, and axis/legend helpers. Charts (Charts.swift) are
// assembled from these; nothing here knows about tables.

/// Escapes text for HTML and XML content and attribute values (`&`, `<`, `>`, `"`, `'`), and
/// drops the control characters XML 1.0 does not allow.
func escapeMarkup(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"): eight colours that stay
/// distinct under the common forms of colour blindness. Yellow is last: it is hard to see on white.
enum Palette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    /// Colours dark enough for white text on them (the others get black text).
    static let dark: Set<String> = ["#0072B2", "#009E73", "#D55E00", "#000000"]

    /// Reference lines (limits, covenants, markers): vermillion, dashed.
    static let reference = "#D55E00"

    static func colour(_ index: Int) -> String { colours[((index % colours.count) + colours.count) % colours.count] }
    static func textColour(on fill: String) -> String { dark.contains(fill) ? "#FFFFFF" : "#000000" }

    /// A fixed colour per source of money, so that the same source has the same colour in every chart.
    static func colourIndex(source raw: String) -> Int {
        switch raw {
        case "eu_budget": return 0        // blue
        case "private": return 1          // orange
        case "eib_group": return 2        // bluish green
        case "member_state": return 5     // sky blue
        case "other_public": return 4     // reddish purple
        default: return 3                 // vermillion
        }
    }
}

/// A rough width of `text` in px in a sans-serif font of `size` px (mean advance ≈ 0.58 em).
/// Used to lay out labels without measuring; errs on the wide side.
func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.58 }

/// `text` cut to at most `maxWidth` px (by the estimate above), with an ellipsis when cut.
func truncated(_ text: String, maxWidth: Double, size: Double) -> String {
    guard textWidth(text, size: size) > maxWidth else { return text }
    let keep = max(1, Int(maxWidth / (size * 0.58)) - 1)
    return String(text.prefix(keep)) + "…"
}

/// An SVG document built element by element, with coordinates in px.
struct SVGCanvas {
    enum Anchor: String { case start, middle, end }

    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func n(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// A filled rectangle; `tooltip` becomes its `<title>` (shown on hover in browsers); `data`
    /// holds `data-…` attributes naming the table cell it draws.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                       stroke: String? = nil, tooltip: String? = nil, data: String? = nil, opacity: Double? = nil) {
        let n = SVGCanvas.n
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(width, 0)))\" height=\"\(n(max(height, 0)))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        if let opacity { attributes += " fill-opacity=\"\(opacity)\"" }
        if let data { attributes += data }
        if let tooltip {
            elements.append("<rect \(attributes)><title>\(escapeMarkup(tooltip))</title></rect>")
        } else {
            elements.append("<rect \(attributes)/>")
        }
    }

    /// A point marker (a plotted value on a line).
    mutating func circle(x: Double, y: Double, r: Double, fill: String, tooltip: String? = nil, data: String? = nil) {
        let n = SVGCanvas.n
        var attributes = "cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\""
        if let data { attributes += data }
        if let tooltip {
            elements.append("<circle \(attributes)><title>\(escapeMarkup(tooltip))</title></circle>")
        } else {
            elements.append("<circle \(attributes)/>")
        }
    }

    /// An open polyline through `points` (a line of a line chart).
    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard points.count > 1 else { return }
        let n = SVGCanvas.n
        let list = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    /// Dash patterns telling apart several series drawn in one colour: solid, dashed, dotted.
    static let dashes: [String?] = [nil, "7 4", "2 3", "9 3 2 3"]
    static let dashNames = ["solid", "dashed", "dotted", "dash-dot"]

    /// A filled polygon (a band of a fan chart); `data` names the columns it spans.
    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, data: String? = nil) {
        guard points.count > 2 else { return }
        let n = SVGCanvas.n
        let list = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        elements.append("<polygon points=\"\(list)\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\" stroke=\"none\"\(data ?? "")/>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#000000",
                       width: Double = 1, dashed: Bool = false) {
        let n = SVGCanvas.n
        elements.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(dashed ? " stroke-dasharray=\"3 3\"" : "")/>")
    }

    /// Text with its baseline at `y` (or centred on `y` when `middle` is set); `rotate` turns it about (x, y);
    /// `halo` outlines it in white, so that it stays readable over lines drawn under it.
    mutating func text(_ s: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
                       bold: Bool = false, fill: String = "#000000", rotate: Double? = nil, middle: Bool = false, halo: Bool = false) {
        let n = SVGCanvas.n
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if middle { attributes += " dominant-baseline=\"central\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if fill != "#000000" { attributes += " fill=\"\(fill)\"" }
        if let rotate { attributes += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        if halo { attributes += " stroke=\"#FFFFFF\" stroke-width=\"3\" paint-order=\"stroke\"" }
        elements.append("<text \(attributes)>\(escapeMarkup(s))</text>")
    }

    /// A horizontal or vertical error bar from `from` to `to` across `at`, with caps of `cap` px.
    mutating func errorBar(horizontal: Bool, at: Double, from: Double, to: Double, cap: Double = 4) {
        if horizontal {
            line(x1: from, y1: at, x2: to, y2: at, stroke: "#222222", width: 1.5)
            line(x1: from, y1: at - cap, x2: from, y2: at + cap, stroke: "#222222", width: 1.5)
            line(x1: to, y1: at - cap, x2: to, y2: at + cap, stroke: "#222222", width: 1.5)
        } else {
            line(x1: at, y1: from, x2: at, y2: to, stroke: "#222222", width: 1.5)
            line(x1: at - cap, y1: from, x2: at + cap, y2: from, stroke: "#222222", width: 1.5)
            line(x1: at - cap, y1: to, x2: at + cap, y2: to, stroke: "#222222", width: 1.5)
        }
    }

    /// A legend: coloured swatches and labels, left to right, wrapping at the canvas width.
    /// Returns the y below the legend.
    @discardableResult
    mutating func legend(_ items: [(label: String, colour: String)], x: Double, y: Double, maxX: Double) -> Double {
        var cx = x, cy = y
        for item in items {
            let w = 14 + 6 + textWidth(item.label, size: 12) + 18
            if cx + w > maxX && cx > x { cx = x; cy += 20 }
            rect(x: cx, y: cy, width: 14, height: 14, fill: item.colour)
            text(item.label, x: cx + 20, y: cy + 7, size: 12, middle: true)
            cx += w
        }
        return cy + 20
    }

    /// The finished `<svg>` element: scalable (width 100 %, at most its natural width), system
    /// sans-serif font, with `title` as its accessible name.
    func markup(title: String) -> String {
        let n = SVGCanvas.n
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" "
        out += "style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"\(escapeMarkup(title))\" "
        out += "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n"
        out += "<title>\(escapeMarkup(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#FFFFFF\"/>\n"
        out += elements.joined(separator: "\n")
        out += "\n</svg>"
        return out
    }
}

/// A linear map from data values to px, over a domain widened to "nice" round ticks
/// (steps of 1, 2, 2.5 or 5 × 10ᵏ) that always includes zero, so bars start at a true baseline.
struct LinearScale {
    let lower: Double
    let upper: Double
    let ticks: [Double]
    let step: Double
    let from: Double
    let to: Double

    /// A scale for values in `[minimum, maximum]` mapped onto `from…to` px. Bars need a true
    /// baseline, so zero is added (`includeZero`); lines and bands start where the data does.
    init(minimum: Double, maximum: Double, from: Double, to: Double, targetTicks: Int = 6, includeZero: Bool = true) {
        var lo = minimum.isFinite ? minimum : 0, hi = maximum.isFinite ? maximum : 0
        if includeZero { lo = min(0, lo); hi = max(0, hi) }
        if lo == hi { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= includeZero && lo >= 0 ? 0 : pad; hi += pad }
        let raw = (hi - lo) / Double(max(targetTicks - 1, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? 10 * magnitude
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let t = lo + Double(k) * step
            if t > hi + step * 1e-9 { break }
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            k += 1
        }
        self.lower = lo
        self.upper = hi
        self.ticks = ticks
        self.step = step
        self.from = from
        self.to = to
    }

    func callAsFunction(_ x: Double) -> Double { from + (x - lower) / (upper - lower) * (to - from) }

    /// A tick label in the axis's unit: percentages for fractions, ×k for multiples, plain
    /// numbers (as many decimals as the step needs) for money and counts.
    func label(_ x: Double, unit: Unit) -> String {
        // The fewest decimals that show every tick exactly (0.25 → 2, 2.5 → 1, 25 → 0).
        func decimals(_ step: Double) -> Int {
            (0...9).first { d in let s = step * pow(10, Double(d)); return abs(s - s.rounded()) < 1e-6 * max(1, s) } ?? 9
        }
        switch unit {
        case .fraction:
            return String(format: "%.\(decimals(step * 100))f", x * 100)
        case .multiple:
            return "×" + String(format: "%.\(decimals(step))f", x)
        default:
            return String(format: "%.\(decimals(step))f", x)
        }
    }
}

/// A base-10 logarithmic map from positive data values to px, over whole decades, for
/// quantities spanning several orders of magnitude (tail probabilities, leverage near 1/f).
struct LogScale {
    let lowerExponent: Int
    let upperExponent: Int
    let from: Double
    let to: Double

    init(minimum: Double, maximum: Double, from: Double, to: Double) {
        let lo = Int(floor(log10(max(minimum, 1e-300)) + 1e-9))
        var hi = Int(ceil(log10(max(maximum, minimum, 1e-300)) - 1e-9))
        if hi <= lo { hi = lo + 1 }
        lowerExponent = lo
        upperExponent = hi
        self.from = from
        self.to = to
    }

    var lower: Double { pow(10, Double(lowerExponent)) }
    var ticks: [Double] { (lowerExponent...upperExponent).map { pow(10, Double($0)) } }

    func callAsFunction(_ x: Double) -> Double {
        let t = (log10(max(x, lower)) - Double(lowerExponent)) / Double(upperExponent - lowerExponent)
        return from + t * (to - from)
    }

    /// A decade's label in the unit: `0.01 %`, `×100`, `1e-05`.
    func label(_ x: Double, unit: Unit) -> String {
        func plain(_ v: Double) -> String {
            if v >= 1e-4 && v < 1e6 { return String(format: "%g", v) }
            return String(format: "%.0e", v)
        }
        switch unit {
        case .fraction: return plain(x * 100)
        case .multiple: return "×" + plain(x)
        default: return plain(x)
        }
    }
}

/// The `data-…` attributes of a plotted value: the table row (0-based, as in CSV after the
/// header), the column's name and the value in full precision (shortest round-trip), so that
/// a test or a reader can check every mark against the table.
func dataAttributes(row: Int, column: String, value: Double) -> String {
    " data-row=\"\(row)\" data-column=\"\(escapeMarkup(column))\" data-value=\"\(value)\""
}

extension Unit {
    /// Money of any scale.
    var isMoney: Bool { self == .eur || self == .eurThousand || self == .eurMillion || self == .eurBillion }

    /// The unit as an axis reader wants it after a quantity's name: `EUR bn`, `%`, `×`.
    var axisSuffix: String? {
        switch self {
        case .eur: return "EUR"
        case .eurThousand: return "EUR k"
        case .eurMillion: return "EUR m"
        case .eurBillion: return "EUR bn"
        case .fraction: return "%"
        case .multiple: return "×"
        case .basisPoints: return "bp"
        case .years: return "years"
        case .count, .text, .boolean: return nil
        }
    }
}

/// An axis title for `column`: its name without the unit suffix, then the unit in parentheses.
func axisTitle(_ column: Column, name: String? = nil) -> String {
    let label = name ?? column.name.replacingOccurrences(of: "_" + column.unit.rawValue, with: "").replacingOccurrences(of: "_", with: " ")
    return column.unit.axisSuffix.map { "\(label) (\($0))" } ?? label
}
