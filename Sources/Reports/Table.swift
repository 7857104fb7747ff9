/// The unit of a table column. Money always carries its scale in the unit (`eur_bn`, `eur_m`,
/// `eur`); rates and shares are fractions in data (CSV, JSON) and percentages only when a table
/// is rendered for reading (terminal, Markdown).
public enum Unit: String, Sendable, Codable, CaseIterable {
    case eur
    case eurThousand = "eur_k"
    case eurMillion = "eur_m"
    case eurBillion = "eur_bn"
    /// A share, rate or probability in [0, 1]; rendered as a percentage.
    case fraction
    /// A multiplier such as total / EU budget; rendered as ×4.0.
    case multiple
    /// Basis points (1 bp = 0.0001), for expected-loss limits.
    case basisPoints = "bp"
    case count
    case years
    case text
    /// A yes/no answer: `true`/`false` in CSV and JSON, a boolean cell in the workbook, yes/no when read.
    case boolean = "bool"
}

/// How a column matters to a reader of a rendered table. Data formats (CSV, JSON, workbook)
/// always hold every column; a terminal table shows `detail` columns only with `--wide`.
public enum ColumnRole: String, Sendable, Codable {
    /// Names the row (scenario, site, tranche): kept whatever the width.
    case key
    /// A result a reader looks for first.
    case value
    /// Secondary (standard errors, brackets, bookkeeping): in the detail view only.
    case detail
}

/// A column: a machine name (snake_case, stable across versions) and its unit.
public struct Column: Sendable, Equatable {
    public var name: String
    public var unit: Unit
    /// Text columns name rows (`key`), others are values unless declared `detail`.
    public var role: ColumnRole
    public init(_ name: String, _ unit: Unit, role: ColumnRole? = nil) {
        self.name = name
        self.unit = unit
        self.role = role ?? (unit == .text ? .key : .value)
    }
}

/// One cell of a table. Numbers stay numbers until a renderer formats them.
public enum Cell: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case number(Double)
    case integer(Int)
    /// A yes/no answer.
    case bool(Bool)
    /// No value (rendered as an empty cell, JSON null).
    case empty

    public init(stringLiteral value: String) { self = .text(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }

    /// A number or, when nil, an empty cell.
    public static func number(_ value: Double?) -> Cell { value.map(Cell.number) ?? .empty }
}

/// A named table of results: what every command produces and every renderer consumes.
///
/// `name` is a stable file-name-safe identifier (`contributions`, `multipliers`); `title` is for
/// readers; `notes` are footnotes printed under rendered tables (definitions, sources, warnings).
public struct Table: Sendable, Equatable {
    public var name: String
    public var title: String
    public var columns: [Column]
    public var rows: [[Cell]]
    public var notes: [String]
    /// The chart that answers the table's question, or nil for none (see `Chart`). Nothing is
    /// guessed: a table without a declared chart gets no chart.
    public var chart: Chart?

    public init(name: String, title: String, columns: [Column], rows: [[Cell]] = [], notes: [String] = [], chart: Chart? = nil) {
        self.name = name
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
        self.chart = chart
    }

    /// Declares the columns called `names` secondary: shown in a terminal only with `--wide`
    /// (they stay in CSV, JSON, the workbook and the HTML report). Unknown names are ignored.
    public mutating func setDetail(_ names: [String]) {
        for j in columns.indices where names.contains(columns[j].name) { columns[j].role = .detail }
    }

    /// Appends a row; it must have one cell per column.
    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "Table \(name): row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// Index of the column called `name`, if any.
    public func columnIndex(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
