/// A small RFC 4180 reader that keeps each field's line and column, so that a bad value in a
/// portfolio file is reported as `exposures.csv:12:17: error: …`. (The CSV packages available
/// return values without their place in the file.)
struct CSVTable {
    struct Field {
        var text: String
        var line: Int
        var column: Int
    }
    /// The header row's fields.
    var header: [Field]
    /// Data rows, each with its fields.
    var rows: [[Field]]

    enum ParseError: Error {
        case unterminatedQuote(line: Int, column: Int)
        case empty
    }

    init(_ text: String) throws(ParseError) {
        var records: [[Field]] = []
        var record: [Field] = []
        var field = ""
        var line = 1, column = 1
        var fieldLine = 1, fieldColumn = 1
        var inQuotes = false, quoteLine = 0, quoteColumn = 0
        var atFieldStart = true
        let scalars = Array(text.unicodeScalars)
        var k = 0
        func endField() {
            record.append(Field(text: field, line: fieldLine, column: fieldColumn))
            field = ""
            atFieldStart = true
        }
        while k < scalars.count {
            let c = scalars[k]
            if atFieldStart {
                fieldLine = line
                fieldColumn = column
                atFieldStart = false
                if c == "\"" {
                    inQuotes = true
                    quoteLine = line
                    quoteColumn = column
                    k += 1
                    column += 1
                    continue
                }
            }
            if inQuotes {
                if c == "\"" {
                    if k + 1 < scalars.count && scalars[k + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        k += 2
                        column += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    field.unicodeScalars.append(c)
                    if c == "\n" { line += 1; column = 0 }
                }
            } else if c == "," {
                endField()
            } else if c == "\n" || c == "\r" {
                if c == "\r", k + 1 < scalars.count, scalars[k + 1] == "\n" { k += 1 }
                endField()
                if !(record.count == 1 && record[0].text.isEmpty) { records.append(record) }
                record = []
                line += 1
                column = 0
            } else {
                field.unicodeScalars.append(c)
            }
            k += 1
            column += 1
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine, column: quoteColumn) }
        if !atFieldStart || !record.isEmpty {
            endField()
            if !(record.count == 1 && record[0].text.isEmpty) { records.append(record) }
        }
        // Comment lines (starting with #) carry sources and formulas, as in the YAML files.
        records.removeAll { $0.first?.text.hasPrefix("#") == true }
        guard let header = records.first else { throw .empty }
        self.header = header
        self.rows = Array(records.dropFirst())
    }
}
