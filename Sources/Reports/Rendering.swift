import Foundation

/// How tables are written: for reading (`table`, `markdown`) or for machines (`csv`, `json`).
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, markdown, json

    /// File extension used for one table written in this format under `--output`.
    public var fileExtension: String {
        switch self {
        case .table: return "txt"
        case .csv: return "csv"
        case .markdown: return "md"
        case .json: return "json"
        }
    }
}

/// Formats numbers for human reading. Data formats (CSV, JSON) never go through here.
///
/// - Money: two decimals from 1 upwards, three decimals from 0.01, three significant figures below.
/// - Fractions: percentages (`17.0 %`); small ones keep three significant figures (`0.0123 %`).
/// - Multiples: `×4.0`.
public enum HumanFormat {
    public static func string(_ cell: Cell, unit: Unit) -> String {
        switch cell {
        case .empty: return ""
        case .text(let s): return s
        case .integer(let i): return unit == .fraction ? percent(Double(i)) : String(i)
        case .number(let x): return number(x, unit: unit)
        }
    }

    public static func number(_ x: Double, unit: Unit) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        switch unit {
        case .eur, .eurThousand, .eurMillion, .eurBillion: return money(x)
        case .fraction: return percent(x)
        case .multiple: return "×" + (abs(x) < 1 && x != 0 ? String(format: "%.2f", x) : String(format: "%.1f", x))
        case .basisPoints: return String(format: "%.1f", x)
        case .count: return x == x.rounded() ? String(format: "%.0f", x) : String(format: "%.2f", x)
        case .years: return String(format: "%.2f", x)
        case .text: return "\(x)"
        }
    }

    static func money(_ x: Double) -> String {
        if x == 0 || abs(x) >= 1 { return String(format: "%.2f", x) }
        if abs(x) >= 0.01 { return String(format: "%.3f", x) }
        return String(format: "%.3g", x)
    }

    static func percent(_ x: Double) -> String {
        let p = 100 * x
        if p == 0 || abs(p) >= 1 { return String(format: "%.1f %%", p) }
        return String(format: "%.3g %%", p)
    }

    /// Header label: the column name with its unit, e.g. `amount (EUR bn)`.
    public static func header(_ column: Column) -> String {
        let label = column.name.replacingOccurrences(of: "_" + column.unit.rawValue, with: "")
            .replacingOccurrences(of: "_", with: " ")
        switch column.unit {
        case .text, .count, .multiple, .fraction: return label
        case .eur: return label + " (EUR)"
        case .eurThousand: return label + " (EUR k)"
        case .eurMillion: return label + " (EUR m)"
        case .eurBillion: return label + " (EUR bn)"
        case .basisPoints: return label + " (bp)"
        case .years: return label + " (years)"
        }
    }

    static func isNumeric(_ cell: Cell) -> Bool {
        switch cell {
        case .number, .integer: return true
        default: return false
        }
    }
}

/// Renders tables in each `OutputFormat`.
public enum Renderer {
    /// All tables, as one document (stdout).
    public static func render(_ tables: [Table], manifest: Manifest, format: OutputFormat) -> String {
        switch format {
        case .table: return tables.map(terminal).joined(separator: "\n")
        case .markdown: return tables.map(markdown).joined(separator: "\n")
        case .csv: return tables.map { "# \($0.name)\n" + csv($0) }.joined(separator: "\n")
        case .json: return document(tables, manifest: manifest).serialized() + "\n"
        }
    }

    /// One table alone (a file under `--output`).
    public static func render(_ table: Table, manifest: Manifest, format: OutputFormat) -> String {
        switch format {
        case .table: return terminal(table)
        case .markdown: return markdown(table)
        case .csv: return csv(table)
        case .json: return document([table], manifest: manifest).serialized() + "\n"
        }
    }

    /// RFC 4180 CSV: a header of column names (units are part of the names), numbers in full
    /// precision (shortest round-trip form), empty cells for missing values. Text that a
    /// spreadsheet would run as a formula gets a leading `'` (``SafeText/csvText(_:)``).
    public static func csv(_ table: Table) -> String {
        var lines = [table.columns.map { field(SafeText.csvText($0.name)) }.joined(separator: ",")]
        for row in table.rows {
            lines.append(row.map { cell in
                switch cell {
                case .empty: return ""
                case .text(let s): return field(SafeText.csvText(s))
                case .integer(let i): return String(i)
                case .number(let x): return x.isFinite ? "\(x)" : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
                }
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The JSON shape shared by every command:
    /// `{"manifest": {…}, "tables": [{"name", "title", "columns": [{"name", "unit"}], "rows": [[…]], "notes"}]}`.
    public static func document(_ tables: [Table], manifest: Manifest) -> JSONValue {
        .object([
            ("manifest", manifest.json),
            ("tables", .array(tables.map(json))),
        ])
    }

    public static func json(_ table: Table) -> JSONValue {
        .object([
            ("name", .string(table.name)),
            ("title", .string(table.title)),
            ("columns", .array(table.columns.map { .object([("name", .string($0.name)), ("unit", .string($0.unit.rawValue))]) })),
            ("rows", .array(table.rows.map { .array($0.map(json)) })),
            ("notes", .array(table.notes.map(JSONValue.string))),
        ])
    }

    private static func json(_ cell: Cell) -> JSONValue {
        switch cell {
        case .empty: return .null
        case .text(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .number(let x): return x.isFinite ? .number(x) : .null
        }
    }

    /// Header labels, formatted cells and which columns are numeric (right-aligned), for every reader-facing renderer.
    static func humanCells(_ table: Table) -> (header: [String], body: [[String]], numeric: [Bool]) {
        let header = table.columns.map(HumanFormat.header)
        let body = table.rows.map { row in zip(row, table.columns).map { HumanFormat.string($0, unit: $1.unit) } }
        let numeric = table.columns.indices.map { j in
            table.columns[j].unit != .text && table.rows.contains { HumanFormat.isNumeric($0[j]) }
        }
        return (header, body, numeric)
    }

    /// Aligned plain text for a terminal: title, header, rule, rows (numbers right-aligned), notes.
    /// Control characters in any text are shown escaped (``SafeText/terminal(_:)``).
    public static func terminal(_ table: Table) -> String {
        let (rawHeader, rawBody, numeric) = humanCells(table)
        let header = rawHeader.map(SafeText.terminal), body = rawBody.map { $0.map(SafeText.terminal) }
        let title = SafeText.terminal(table.title)
        var width = header.map(\.count)
        for row in body { for (j, s) in row.enumerated() { width[j] = max(width[j], s.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { j, s in
                let pad = String(repeating: " ", count: width[j] - s.count)
                return numeric[j] ? pad + s : s + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [title, String(repeating: "=", count: title.count), line(header),
                   width.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        out += table.notes.map { "  " + SafeText.terminal($0) }
        return out.joined(separator: "\n") + "\n"
    }

    /// GitHub-flavoured Markdown: a heading, a pipe table (numbers right-aligned), notes as a list.
    /// Cells are escaped by ``SafeText/markdownCell(_:)`` (no raw HTML, links, broken rows);
    /// the title and notes by ``SafeText/markdownText(_:)``.
    public static func markdown(_ table: Table) -> String {
        let (header, body, numeric) = humanCells(table)
        let escape = SafeText.markdownCell
        var out = ["### \(SafeText.markdownText(table.title))", "",
                   "| " + header.map(escape).joined(separator: " | ") + " |",
                   "|" + numeric.map { $0 ? "---:|" : "---|" }.joined()]
        out += body.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
        if !table.notes.isEmpty { out += [""] + table.notes.map { "- " + SafeText.markdownText($0) } }
        return out.joined(separator: "\n") + "\n"
    }
}
