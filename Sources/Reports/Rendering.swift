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
/// Single values (chart labels, tooltips):
/// - Money: two decimals from 1 upwards, three decimals from 0.01, three significant figures below.
/// - Fractions: percentages (`17.0 %`); small ones keep three significant figures (`0.0123 %`).
/// - Multiples: `×4.0`.
/// Table columns are formatted as a whole (see `ColumnFormat`): one number of decimals per column.
public enum HumanFormat {
    public static func string(_ cell: Cell, unit: Unit) -> String {
        switch cell {
        case .empty: return ""
        case .text(let s): return s
        case .bool(let b): return b ? "yes" : "no"
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
        case .text, .boolean: return String(format: "%.4g", x)
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
        case .text, .count, .multiple, .fraction, .boolean: return label
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

/// How one column of a rendered table shows its numbers: the same number of decimals in every
/// row, chosen from the column's magnitudes so that its smallest non-zero value keeps two
/// significant figures.
///
/// - Fractions: percentages with 1–3 decimals (`17.0 %`, `0.50 %`, `0.021 %`, `0.005 %`) when
///   the smallest non-zero value is at least 0.001 %; else, when every value is below 1 %, basis
///   points with 1–3 decimals (`0.021 bp`), the header saying `(bp)`; else scientific notation
///   of the fraction (`2.08e-08`), the header saying `(fraction)`.
/// - Money: 2 decimals, 3 when the smallest value is below 1 (three significant figures);
///   scientific when all are below 0.001.
/// - Multiples `×4.0` (`×0.85` below 1), counts as integers or with 2–3 decimals, years with the
///   fewest decimals (at most 2) that show every value, basis points with 1–2 decimals.
/// Non-finite values print as `∞`, `−∞`, `n/a`.
public struct ColumnFormat: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case percent(decimals: Int)
        case basisPoints(decimals: Int)
        case scientific
        case fixed(decimals: Int)
        case multiple(decimals: Int)
        /// Text, or numbers in a text column (`%.4g`).
        case text
        case boolean
    }
    public var style: Style
    public var unit: Unit

    /// The decimals that give the smallest non-zero magnitude `s` two significant figures.
    static func decimals(_ s: Double) -> Int { max(0, 1 - Int(floor(log10(s)))) }

    /// The format for a column of `unit` holding `cells`.
    public init(unit: Unit, cells: [Cell]) {
        self.unit = unit
        let values = cells.compactMap { cell -> Double? in
            switch cell {
            case .number(let x): return x.isFinite ? x : nil
            case .integer(let i): return Double(i)
            default: return nil
            }
        }
        let magnitudes = values.map(abs).filter { $0 > 0 }
        let smallest = magnitudes.min(), largest = magnitudes.max() ?? 0
        switch unit {
        case .text: style = .text
        case .boolean: style = .boolean
        case .fraction:
            guard let s = smallest else { style = .percent(decimals: 1); return }
            if s >= 1e-5 { style = .percent(decimals: min(max(Self.decimals(100 * s), 1), 3)) }
            else if largest < 0.01, s >= 1e-7 { style = .basisPoints(decimals: min(max(Self.decimals(10_000 * s), 1), 3)) }
            else { style = .scientific }
        case .eur, .eurThousand, .eurMillion, .eurBillion:
            guard let s = smallest else { style = .fixed(decimals: 2); return }
            let d = Self.decimals(s) + 1
            style = d > 3 && largest < 0.001 ? .scientific : .fixed(decimals: min(max(d, 2), 3))
        case .multiple:
            style = .multiple(decimals: (smallest ?? 1) < 1 ? 2 : 1)
        case .basisPoints:
            style = .fixed(decimals: min(max(Self.decimals(smallest ?? 1), 1), 2))
        case .count:
            if values.allSatisfy({ $0 == $0.rounded() }) { style = .fixed(decimals: 0) }
            else { style = .fixed(decimals: min(max(Self.decimals(smallest ?? 1), 2), 3)) }
        case .years:
            let d = (0...2).first { d in values.allSatisfy { v in let t = v * pow(10, Double(d)); return abs(t - t.rounded()) < 1e-9 * max(1, abs(t)) } } ?? 2
            style = .fixed(decimals: d)
        }
    }

    /// The formats of every column of `table`.
    public static func of(_ table: Table) -> [ColumnFormat] {
        table.columns.indices.map { j in ColumnFormat(unit: table.columns[j].unit, cells: table.rows.map { $0[j] }) }
    }

    /// One cell as text.
    public func string(_ cell: Cell) -> String {
        switch cell {
        case .empty: return ""
        case .text(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .integer(let i): return number(Double(i))
        case .number(let x): return number(x)
        }
    }

    func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        switch style {
        case .percent(let d): return String(format: "%.\(d)f %%", 100 * x)
        case .basisPoints(let d): return String(format: "%.\(d)f bp", 10_000 * x)
        case .scientific: return String(format: "%.2e", x)
        case .fixed(let d):
            if unit.isMoney, x != 0, abs(x) < 0.5 * pow(10, -Double(d)) { return String(format: "%.2e", x) }
            return String(format: "%.\(d)f", x)
        case .multiple(let d): return "×" + String(format: "%.\(d)f", x)
        case .text: return String(format: "%.4g", x)
        case .boolean: return String(x)
        }
    }

    /// The column's header for reading: `HumanFormat.header`, with the unit the format shows.
    public func header(_ column: Column) -> String {
        switch (style, unit) {
        case (.basisPoints, .fraction): return HumanFormat.header(column) + " (bp)"
        case (.scientific, .fraction): return HumanFormat.header(column) + " (fraction)"
        default: return HumanFormat.header(column)
        }
    }

    /// An Excel number format code showing the stored value (always the fraction or amount itself)
    /// the way this column reads, or nil for the General format.
    var excelFormat: String? {
        func zeros(_ d: Int) -> String { d > 0 ? "." + String(repeating: "0", count: d) : "" }
        switch style {
        case .percent(let d): return "0\(zeros(d))%"
        case .basisPoints(let d): return "0\(zeros(d + 2))%"
        case .scientific: return "0.00E+00"
        case .fixed(let d): return unit.isMoney ? "#,##0\(zeros(d))" : "0\(zeros(d))"
        case .multiple(let d): return "\"×\"0\(zeros(d))"
        case .text, .boolean: return nil
        }
    }
}

/// Renders tables in each `OutputFormat`.
public enum Renderer {
    /// All tables, as one document (stdout).
    ///
    /// - Parameters:
    ///   - tables: the tables, in order.
    ///   - manifest: the run's manifest (the `json` document's `manifest` member).
    ///   - format: the output format.
    ///   - width: for `table`: the terminal's width in characters (nil: no limit); see `terminal(_:width:wide:)`.
    ///   - wide: for `table`: show every column, detail columns included.
    /// Several tables in `csv` are written as blocks, each `# NAME` on its own line, the table's
    /// CSV, then an empty line (the command-line tool asks for `--table NAME` instead, so that
    /// its CSV output is always one table that `pandas.read_csv` reads).
    public static func render(_ tables: [Table], manifest: Manifest, format: OutputFormat, width: Int? = nil, wide: Bool = false) -> String {
        switch format {
        case .table: return tables.map { terminal($0, width: width, wide: wide) }.joined(separator: "\n")
        case .markdown: return tables.map(markdown).joined(separator: "\n")
        case .csv: return tables.count == 1 ? csv(tables[0]) : tables.map { "# \($0.name)\n" + csv($0) }.joined(separator: "\n")
        case .json: return document(tables, manifest: manifest).serialized() + "\n"
        }
    }

    /// One table alone (a file under `--output`): every column, no width limit.
    public static func render(_ table: Table, manifest: Manifest, format: OutputFormat) -> String {
        switch format {
        case .table: return terminal(table, wide: true)
        case .markdown: return markdown(table)
        case .csv: return csv(table)
        case .json: return document([table], manifest: manifest).serialized() + "\n"
        }
    }

    /// RFC 4180 CSV: a header of column names (units are part of the names), numbers in full
    /// precision (Swift's shortest round-trip form: `0.1`, not `0.10000000000000001`), booleans
    /// as `true`/`false`, empty cells for missing values, `nan`/`inf`/`-inf` for non-finite numbers.
    /// Text that a spreadsheet would run as a formula gets a leading `'` (``SafeText/csvText(_:)``).
    public static func csv(_ table: Table) -> String {
        var lines = [table.columns.map { field(SafeText.csvText($0.name)) }.joined(separator: ",")]
        for row in table.rows {
            lines.append(row.map { cell in
                switch cell {
                case .empty: return ""
                case .text(let s): return field(SafeText.csvText(s))
                case .bool(let b): return b ? "true" : "false"
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
        case .bool(let b): return .bool(b)
        case .integer(let i): return .integer(i)
        case .number(let x): return x.isFinite ? .number(x) : .null
        }
    }

    /// Header labels, formatted cells and which columns are numeric (right-aligned), for every
    /// reader-facing renderer; each column formatted as a whole (`ColumnFormat`).
    static func humanCells(_ table: Table) -> (header: [String], body: [[String]], numeric: [Bool]) {
        let formats = ColumnFormat.of(table)
        let header = zip(formats, table.columns).map { $0.header($1) }
        let body = table.rows.map { row in zip(row, formats).map { $1.string($0) } }
        let numeric = table.columns.indices.map { j in
            table.columns[j].unit != .text && table.rows.contains { HumanFormat.isNumeric($0[j]) }
        }
        return (header, body, numeric)
    }

    /// Aligned plain text for a terminal: title, header, rule, rows (numbers right-aligned), notes.
    /// Control characters in any text are shown escaped (``SafeText/terminal(_:)``).
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - width: the widest line allowed, in characters (nil: no limit). To fit, headers wrap
    ///     onto up to three lines, then take compact forms (`EL`, `SE`, `prob.`), then value
    ///     columns are left out from the right, then the widest text column wraps; notes and the
    ///     title wrap. A note under the table names every column not shown.
    ///   - wide: show the detail columns (`ColumnRole.detail`) even within a width; without it,
    ///     and with a width, they are left out and named in the note. With no width every
    ///     column shows. (The command-line tool's `--wide` lifts the width limit.)
    public static func terminal(_ table: Table, width: Int? = nil, wide: Bool = false) -> String {
        TerminalLayout(table: terminalSafe(table), width: width, wide: wide).render()
    }

    /// `table` with control characters in its title, notes and text cells escaped for a terminal.
    static func terminalSafe(_ table: Table) -> Table {
        var safe = table
        safe.title = SafeText.terminal(table.title)
        safe.notes = table.notes.map(SafeText.terminal)
        safe.rows = table.rows.map { row in
            row.map { cell in
                if case .text(let s) = cell { return .text(SafeText.terminal(s)) }
                return cell
            }
        }
        return safe
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

/// Lays a table out for a terminal of a given width (see `Renderer.terminal(_:width:wide:)`).
struct TerminalLayout {
    let table: Table
    let width: Int?
    let wide: Bool

    /// Compact forms of header words, used only when the full headers do not fit.
    static let abbreviations: [(String, String)] = [
        ("expected loss", "EL"), ("standard error", "SE"), ("expected", "exp."), ("probability", "prob."), ("provisioning", "prov."),
        ("confidence", "conf."), ("guarantee", "guar."), ("maximum", "max"), ("minimum", "min"), ("commitment", "commit."),
        ("mobilised", "mob."), ("multiplier", "mult."), ("public", "pub."), ("private", "priv."), ("fraction of volume", "of volume"),
        ("constraint", "constr."), ("percentile", "pctl"), ("covenant", "cov."), ("lower", "lo"), ("upper", "hi"), ("se", "SE"),
    ]

    static func abbreviate(_ header: String) -> String {
        var words = " " + header + " "
        for (long, short) in abbreviations { words = words.replacingOccurrences(of: " \(long) ", with: " \(short) ") }
        return words.trimmingCharacters(in: .whitespaces)
    }

    /// Greedy word wrap to `width` characters (words longer than the width are cut).
    static func wrap(_ text: String, _ width: Int) -> [String] {
        guard width > 0, text.count > width else { return [text] }
        var lines: [String] = [], line = ""
        for var word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if line.isEmpty { line = word } else if line.count + 1 + word.count <= width { line += " " + word } else { lines.append(line); line = word }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Header words: a unit in parentheses (`(EUR bn)`) stays one word.
    static func words(_ header: String) -> [String] {
        var out: [String] = [], depth = 0
        for word in header.split(separator: " ").map(String.init) {
            if depth > 0, !out.isEmpty { out[out.count - 1] += " " + word } else { out.append(word) }
            depth += word.filter { $0 == "(" }.count - word.filter { $0 == ")" }.count
        }
        return out
    }

    /// Word wrap of a header, keeping a parenthesised unit together.
    static func wrapHeader(_ header: String, _ width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in words(header) {
            if line.isEmpty { line = word } else if line.count + 1 + word.count <= width { line += " " + word } else { lines.append(line); line = word }
        }
        lines.append(line)
        return lines
    }

    /// A column's width and header lines: at least its widest cell and header word, the header
    /// on at most `maxLines` lines.
    static func fit(header: String, cells: [String], maxLines: Int) -> (Int, [String]) {
        var w = max(cells.map(\.count).max() ?? 0, words(header).map(\.count).max() ?? 0, 1)
        while wrapHeader(header, w).count > maxLines { w += 1 }
        return (w, wrapHeader(header, w))
    }

    func render() -> String {
        let (headers, body, numeric) = Renderer.humanCells(table)
        // Detail columns give way only to a width limit.
        var visible = table.columns.indices.filter { wide || width == nil || table.columns[$0].role != .detail }
        var hidden = table.columns.indices.filter { !visible.contains($0) }
        var abbreviated = false, maxLines = 1
        var wrapped: [Int: Int] = [:]   // text column → its width, its cells wrapped onto several lines
        func layout() -> [(Int, [String])] {
            visible.map { j in
                let header = abbreviated ? Self.abbreviate(headers[j]) : headers[j]
                if let w0 = wrapped[j] {
                    let w = max(w0, Self.words(header).map(\.count).max() ?? 1)
                    return (w, Self.wrapHeader(header, w))
                }
                return Self.fit(header: header, cells: body.map { $0[j] }, maxLines: maxLines)
            }
        }
        func total(_ columns: [(Int, [String])]) -> Int { columns.reduce(0) { $0 + $1.0 } + 2 * max(columns.count - 1, 0) }
        var columns = layout()
        if let limit = width {
            // Headers on two, then three lines; then compact header words.
            while total(columns) > limit && maxLines < 3 { maxLines += 1; columns = layout() }
            if total(columns) > limit { abbreviated = true; columns = layout() }
            /// Narrows the widest text columns (their cells wrap) towards the width, none below `minimum`.
            func wrapText(minimum: Int, breakingWords: Bool = false) {
                var stuck = Set<Int>()
                while total(columns) > limit {
                    // A column is not narrowed below its longest word (up to 20 characters), unless
                    // nothing else fits.
                    func floor(_ k: Int) -> Int {
                        breakingWords ? minimum : max(minimum, min(20, body.map { $0[visible[k]].split(separator: " ").map(\.count).max() ?? 0 }.max() ?? 0))
                    }
                    let candidates = visible.indices.filter { !numeric[visible[$0]] && columns[$0].0 > floor($0) && !stuck.contains($0) }
                    guard let k = candidates.max(by: { columns[$0].0 < columns[$1].0 }) else { return }
                    let others = candidates.filter { $0 != k }.map { columns[$0].0 }.max() ?? 0
                    let target = max(floor(k), others, columns[k].0 - (total(columns) - limit))
                    let before = columns[k].0
                    wrapped[visible[k]] = target == before ? before - 1 : target
                    columns = layout()
                    if columns[k].0 >= before { wrapped[visible[k]] = nil; columns = layout(); stuck.insert(k) }
                }
            }
            wrapText(minimum: 18)
            // Leave out value columns from the right, keeping at least one.
            while total(columns) > limit, visible.filter({ table.columns[$0].role != .key }).count > 1,
                  let k = visible.lastIndex(where: { table.columns[$0].role != .key }) {
                hidden.append(visible.remove(at: k))
                wrapped = [:]
                columns = layout()
                wrapText(minimum: 18)
            }
            wrapText(minimum: 8)
            wrapText(minimum: 6, breakingWords: true)
        }
        hidden.sort()
        let widths = columns.map(\.0)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { k, s in
                let pad = String(repeating: " ", count: max(widths[k] - s.count, 0))
                return numeric[visible[k]] ? pad + s : s + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out: [String] = []
        let titleLines = width.map { Self.wrap(table.title, $0) } ?? [table.title]
        out += titleLines
        out.append(String(repeating: "=", count: titleLines.map(\.count).max() ?? 0))
        let headerHeight = columns.map(\.1.count).max() ?? 1
        for h in 0..<headerHeight {
            out.append(line(columns.map { c in
                let offset = headerHeight - c.1.count
                return h >= offset ? c.1[h - offset] : ""
            }))
        }
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in body {
            var cells = visible.map { row[$0] }
            let parts = visible.indices.map { k in wrapped[visible[k]] != nil ? Self.wrap(cells[k], widths[k]) : [cells[k]] }
            for h in 0..<(parts.map(\.count).max() ?? 1) {
                cells = parts.map { h < $0.count ? $0[h] : "" }
                out.append(line(cells))
            }
        }
        var notes = table.notes
        if !hidden.isEmpty {
            notes.append("Not shown: " + hidden.map { table.columns[$0].name }.joined(separator: ", ")
                         + " (--wide shows every column; CSV, JSON and the workbook hold them all).")
        }
        for note in notes {
            let lines = width.map { Self.wrap(note, max($0 - 4, 20)) } ?? [note]
            out.append("  " + lines[0])
            out += lines.dropFirst().map { "    " + $0 }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
