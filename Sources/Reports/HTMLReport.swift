import Foundation

/// A self-contained HTML report of a result: one file with the manifest, every table (numbers
/// formatted for reading, right-aligned; notes under each) and a chart per table drawn as inline
/// SVG. No JavaScript, no external style sheets, images or fonts: the file can be mailed,
/// archived or opened offline, and prints as it shows.
///
/// Each table's chart is the one its builder declared (`Table.chart`): bars, the capital stack as
/// stacked bars, lines against cover with the investors' limits, fan charts over time, the loss
/// distribution on a log scale with attachments and VaR levels, a tornado. The chart's title asks
/// the question it answers; a table that declares no chart gets none (nothing is guessed).
///
/// Colours are the Okabe–Ito palette, which readers with the common colour-vision deficiencies
/// can tell apart; every value is also printed beside its bar.
public enum HTMLReport {
    /// The report as an HTML5 document.
    ///
    /// - Parameters:
    ///   - tables: the tables, in the order they are shown.
    ///   - manifest: what produced them; shown at the top (model, SHA-256, version, parameters, time).
    /// - Returns: the document; the same tables and manifest always give the same text.
    public static func render(_ tables: [Table], manifest: Manifest) -> String {
        var out: [String] = []
        let heading = "\(manifest.modelName) — leverage \(manifest.command)"
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<meta name=\"generator\" content=\"\(Manifest.toolName) \(Manifest.toolVersion)\">")
        out.append("<title>\(escapeMarkup(heading))</title>")
        out.append("<style>\n\(style)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<h1>\(escapeMarkup(heading))</h1>")
        out.append(manifestSection(manifest))
        if tables.count > 1 {
            out.append("<nav><h2>Tables</h2><ol>")
            for table in tables {
                out.append("<li><a href=\"#\(anchor(table))\">\(escapeMarkup(table.title))</a></li>")
            }
            out.append("</ol></nav>")
        }
        for table in tables { out.append(section(table)) }
        out.append("<footer>Written by \(Manifest.toolName) \(Manifest.toolVersion). Data files beside this report: one per table, tables.xlsx and manifest.json; rates there are fractions, here percentages.</footer>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The chart drawn for a table, as an `<svg>` element, or nil when the table gets none.
    ///
    /// - Parameter table: any table; the chart is the one it declares in `Table.chart`.
    /// - Returns: a standalone SVG element (its own `xmlns`), usable in any HTML page or saved as an `.svg` file.
    public static func chart(for table: Table) -> String? { ChartPlanner.chart(for: table)?.svg }

    static let style = """
        body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 14px; color: #111; max-width: 1100px; margin: 24px auto; padding: 0 16px; }
        h1 { font-size: 22px; margin-bottom: 8px; }
        h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #bbb; padding-bottom: 4px; }
        table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; }
        th { background: #f0f0f0; text-align: left; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num { white-space: nowrap; }
        table.manifest th { width: 130px; }
        code { font-size: 12px; word-break: break-all; }
        figure { margin: 12px 0; }
        figcaption { font-size: 13px; color: #333; margin-top: 4px; }
        p.question { font-size: 15px; font-weight: bold; margin: 8px 0 4px; }
        ul.notes { font-size: 13px; color: #333; padding-left: 20px; }
        .scroll { overflow-x: auto; }
        nav ol { margin: 4px 0; }
        footer { margin-top: 40px; font-size: 12px; color: #555; }
        @media print { body { max-width: none; margin: 0; } figure, tr { break-inside: avoid; } nav { display: none; } }
        """

    static func anchor(_ table: Table) -> String {
        "table-" + String(table.name.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : "-"
        })
    }

    /// The manifest as a two-column table.
    static func manifestSection(_ manifest: Manifest) -> String {
        var rows: [(String, String)] = [
            ("model", escapeMarkup(manifest.modelName)),
            ("model file", "<code>\(escapeMarkup(manifest.modelPath))</code>"),
            ("SHA-256", "<code>\(manifest.modelSHA256)</code>"),
            ("command", "<code>\(escapeMarkup("\(Manifest.toolName) \(manifest.command)"))</code>"),
            ("tool version", escapeMarkup("\(Manifest.toolName) \(Manifest.toolVersion)")),
        ]
        for (name, value) in manifest.parameters {
            rows.append(("parameter: " + escapeMarkup(name), "<code>\(escapeMarkup(compact(value)))</code>"))
        }
        if let created = manifest.createdText { rows.append(("time (UTC)", escapeMarkup(created))) }
        var out = ["<section id=\"manifest\"><h2>Manifest</h2>", "<table class=\"manifest\">"]
        out += rows.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td></tr>" }
        out.append("</table></section>")
        return out.joined(separator: "\n")
    }

    /// A JSON value on one line: strings without quotes, numbers as JSON writes them.
    static func compact(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.serialized().replacingOccurrences(of: "\n *", with: " ", options: .regularExpression)
    }

    /// One table: heading, chart (if any) with its caption, the table, its notes.
    static func section(_ table: Table) -> String {
        var out = ["<section id=\"\(anchor(table))\">",
                   "<h2>\(escapeMarkup(table.title)) <small><code>\(escapeMarkup(table.name))</code></small></h2>"]
        if let chart = ChartPlanner.chart(for: table) {
            out.append("<figure>\n<p class=\"question\">\(escapeMarkup(table.chart?.title ?? ""))</p>\n\(chart.svg)\n<figcaption>\(escapeMarkup(chart.caption))</figcaption>\n</figure>")
        }
        let (header, body, numeric) = Renderer.humanCells(table)
        out.append("<div class=\"scroll\"><table>")
        out.append("<thead><tr>" + header.enumerated().map { j, h in
            "<th scope=\"col\"\(numeric[j] ? " class=\"num\"" : "")>\(escapeMarkup(h))</th>"
        }.joined() + "</tr></thead>")
        out.append("<tbody>")
        for row in body {
            out.append("<tr>" + row.enumerated().map { j, s in
                "<td\(numeric[j] ? " class=\"num\"" : "")>\(escapeMarkup(s))</td>"
            }.joined() + "</tr>")
        }
        out.append("</tbody></table></div>")
        if !table.notes.isEmpty {
            out.append("<ul class=\"notes\">" + table.notes.map { "<li>\(escapeMarkup($0))</li>" }.joined() + "</ul>")
        }
        out.append("</section>")
        return out.joined(separator: "\n")
    }
}

extension Manifest {
    /// The run's time as written in manifest.json (ISO 8601, UTC), or nil when it is left out.
    var createdText: String? {
        guard let created else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: created)
    }
}
