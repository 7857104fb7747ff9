import Foundation
import ZIPFoundation

/// Errors building a workbook.
public enum WorkbookError: Error, CustomStringConvertible, Equatable {
    /// The zip archive could not be created or an entry could not be added.
    case archive(reason: String)

    /// What went wrong, for a person: `cannot build the workbook: …`.
    public var description: String {
        switch self {
        case .archive(let reason): return "cannot build the workbook: \(reason)"
        }
    }
}

/// An Excel workbook (`.xlsx`, Office Open XML SpreadsheetML, ECMA-376) of a result: a first
/// sheet `manifest`, then one sheet per table with a header row of column names (units are part
/// of the names, as in CSV) and one row per table row.
///
/// Numbers are numeric cells (`t="n"`) holding the full-precision value (the shortest text that
/// reads back to the same double), never strings; text is inline strings; missing values and
/// empty text are empty cells, booleans boolean cells (`TRUE`/`FALSE`) and non-finite numbers the
/// error `#N/A`. Each column gets the number format its terminal rendering uses (`ColumnFormat`):
/// percentages with the decimals its values need (so a standard error of 0.0004 shows as 0.04 %,
/// not 0.00 %), money with thousands separators, multiples as ×k, scientific notation for tiny
/// rates; the stored value is always the number itself (0.25, not 25). Every table sheet has an
/// autofilter on its header row and the header frozen.
///
/// The output is deterministic: entries in a fixed order with a fixed time stamp
/// (1980-01-01 00:00, the earliest a zip can hold), so the same tables give the same bytes.
public enum Workbook {
    /// The workbook's bytes.
    ///
    /// - Parameters:
    ///   - tables: one sheet each, in order.
    ///   - manifest: the first sheet: tool, version, command, model, SHA-256, parameters, time,
    ///     and each sheet's table title and notes.
    /// - Returns: the zipped workbook.
    /// - Throws: `WorkbookError.archive` if the zip cannot be built.
    public static func data(_ tables: [Table], manifest: Manifest) throws(WorkbookError) -> Data {
        let names = sheetNames(["manifest"] + tables.map(\.name))
        var formats = NumberFormats()
        var sheets = [manifestSheet(manifest, tables: tables, sheetNames: Array(names.dropFirst()))]
        sheets += tables.map { sheet($0, formats: &formats) }
        var entries: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheetCount: sheets.count)),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook(names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheetCount: sheets.count)),
            ("xl/styles.xml", formats.styles),
        ]
        for (k, sheet) in sheets.enumerated() { entries.append(("xl/worksheets/sheet\(k + 1).xml", sheet)) }
        return try archive(entries)
    }

    /// Sheet names for tables called `names`: Excel's rules applied — at most 31 characters, none of
    /// `[ ] : * ? / \`, no leading or trailing apostrophe, not empty, unique ignoring case
    /// (a clash gets `_2`, `_3` … within the 31 characters).
    ///
    /// - Parameter names: the wanted names, in sheet order.
    /// - Returns: one valid, unique name per input, in the same order.
    public static func sheetNames(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { wanted in
            var base = String(wanted.map { "[]:*?/\\".contains($0) ? "_" : $0 }.filter { !$0.isNewline })
            while base.hasPrefix("'") { base = "_" + base.dropFirst() }
            while base.hasSuffix("'") { base = base.dropLast() + "_" }
            if base.isEmpty { base = "table" }
            if base.lowercased() == "history" { base += "_" }   // reserved by Excel
            base = String(base.prefix(31))
            var name = base, k = 2
            while used.contains(name.lowercased()) {
                let suffix = "_\(k)"
                name = String(base.prefix(31 - suffix.count)) + suffix
                k += 1
            }
            used.insert(name.lowercased())
            return name
        }
    }

    // MARK: Package parts

    static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func contentTypes(sheetCount: Int) -> String {
        var out = xmlHeader + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        out += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        out += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        out += "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        out += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        for k in 1...sheetCount {
            out += "<Override PartName=\"/xl/worksheets/sheet\(k).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return out + "</Types>"
    }

    static let rootRelationships = xmlHeader
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"\(relationshipNamespace)/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>"

    static func workbook(_ names: [String]) -> String {
        var out = xmlHeader + "<workbook xmlns=\"\(mainNamespace)\" xmlns:r=\"\(relationshipNamespace)\"><sheets>"
        for (k, name) in names.enumerated() {
            out += "<sheet name=\"\(escapeMarkup(name))\" sheetId=\"\(k + 1)\" r:id=\"rId\(k + 1)\"/>"
        }
        return out + "</sheets></workbook>"
    }

    static func workbookRelationships(sheetCount: Int) -> String {
        var out = xmlHeader + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for k in 1...sheetCount {
            out += "<Relationship Id=\"rId\(k)\" Type=\"\(relationshipNamespace)/worksheet\" Target=\"worksheets/sheet\(k).xml\"/>"
        }
        out += "<Relationship Id=\"rId\(sheetCount + 1)\" Type=\"\(relationshipNamespace)/styles\" Target=\"styles.xml\"/>"
        return out + "</Relationships>"
    }

    /// Cell styles: index 0 plain, 1 bold (header), then one per number format in first-use order.
    struct NumberFormats {
        private(set) var codes: [String] = []

        /// The cell style (index into `cellXfs`) of a number format code, nil for General.
        mutating func style(_ code: String?) -> Int {
            guard let code else { return 0 }
            if let k = codes.firstIndex(of: code) { return k + 2 }
            codes.append(code)
            return codes.count + 1
        }

        /// styles.xml: fonts regular and bold, a custom number format (ids from 164) per code.
        var styles: String {
            var out = xmlHeader + "<styleSheet xmlns=\"\(mainNamespace)\">"
            if !codes.isEmpty {
                out += "<numFmts count=\"\(codes.count)\">"
                for (k, code) in codes.enumerated() { out += "<numFmt numFmtId=\"\(164 + k)\" formatCode=\"\(escapeMarkup(code))\"/>" }
                out += "</numFmts>"
            }
            out += "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
            out += "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
            out += "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            out += "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
            out += "<cellXfs count=\"\(codes.count + 2)\">"
            out += "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
            out += "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
            for k in codes.indices { out += "<xf numFmtId=\"\(164 + k)\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>" }
            out += "</cellXfs>"
            out += "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            return out + "</styleSheet>"
        }
    }

    /// The header row's style.
    static let headerStyle = 1

    // MARK: Sheets

    /// `A`, `B`, … `Z`, `AA` … for a zero-based column index.
    static func columnLetters(_ index: Int) -> String {
        var n = index + 1, letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// One cell's XML, or "" for an empty cell.
    static func cell(_ cell: Cell, row: Int, column: Int, style: Int) -> String {
        let reference = "\(columnLetters(column))\(row)"
        let s = style == 0 ? "" : " s=\"\(style)\""
        switch cell {
        case .empty: return ""
        case .bool(let b): return "<c r=\"\(reference)\" t=\"b\"><v>\(b ? 1 : 0)</v></c>"
        case .text(let text) where text.isEmpty: return ""
        case .text(let text): return inlineString(text, reference: reference, style: s)
        case .integer(let i): return "<c r=\"\(reference)\"\(s) t=\"n\"><v>\(i)</v></c>"
        case .number(let x):
            guard x.isFinite else { return "<c r=\"\(reference)\"\(s) t=\"e\"><v>#N/A</v></c>" }
            return "<c r=\"\(reference)\"\(s) t=\"n\"><v>\(JSONValue.format(x))</v></c>"
        }
    }

    static func inlineString(_ text: String, reference: String, style: String = "") -> String {
        "<c r=\"\(reference)\"\(style) t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escapeMarkup(text))</t></is></c>"
    }

    /// A worksheet from a header row and rows of cells; the header row is bold and frozen, columns
    /// are as wide as their widest text (within reason).
    static func worksheet(header: [String], rows: [[Cell]], styles: [Int], autoFilter: Bool = false) -> String {
        let columns = header.count
        var widths = header.map { Double($0.count) }
        for row in rows {
            for (j, c) in row.enumerated() where j < columns {
                let w: Double
                switch c {
                case .text(let s): w = Double(min(s.count, 60))
                case .number, .integer: w = 12
                case .bool: w = 6
                case .empty: w = 0
                }
                widths[j] = max(widths[j], w)
            }
        }
        var out = xmlHeader + "<worksheet xmlns=\"\(mainNamespace)\" xmlns:r=\"\(relationshipNamespace)\">"
        let last = "\(columnLetters(max(columns - 1, 0)))\(rows.count + 1)"
        out += "<dimension ref=\"A1:\(last)\"/>"
        out += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        out += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        if columns > 0 {
            out += "<cols>"
            for (j, w) in widths.enumerated() {
                out += "<col min=\"\(j + 1)\" max=\"\(j + 1)\" width=\"\(SVGCanvas.n(min(max(w, 6), 60) + 2))\" customWidth=\"1\"/>"
            }
            out += "</cols>"
        }
        out += "<sheetData>"
        out += "<row r=\"1\">" + header.enumerated().map { j, h in
            inlineString(h, reference: "\(columnLetters(j))1", style: " s=\"\(headerStyle)\"")
        }.joined() + "</row>"
        for (i, row) in rows.enumerated() {
            let r = i + 2
            out += "<row r=\"\(r)\">"
            for (j, c) in row.enumerated() { out += cell(c, row: r, column: j, style: j < styles.count ? styles[j] : 0) }
            out += "</row>"
        }
        out += "</sheetData>"
        if autoFilter && columns > 0 { out += "<autoFilter ref=\"A1:\(last)\"/>" }
        return out + "</worksheet>"
    }

    static func sheet(_ table: Table, formats: inout NumberFormats) -> String {
        let styles = ColumnFormat.of(table).map { formats.style($0.excelFormat) }
        return worksheet(header: table.columns.map(\.name), rows: table.rows, styles: styles, autoFilter: true)
    }

    /// The manifest sheet: `field`, `value` rows, then each table's sheet, title and notes.
    static func manifestSheet(_ manifest: Manifest, tables: [Table], sheetNames: [String]) -> String {
        var rows: [[Cell]] = [
            ["tool", .text(Manifest.toolName)],
            ["version", .text(Manifest.toolVersion)],
            ["command", .text(manifest.command)],
            ["model", .text(manifest.modelName)],
            ["model_path", .text(manifest.modelPath)],
            ["model_sha256", .text(manifest.modelSHA256)],
        ]
        for (name, value) in manifest.parameters {
            let cell: Cell
            switch value {
            case .integer(let i): cell = .integer(i)
            case .number(let x): cell = .number(x)
            default: cell = .text(HTMLReport.compact(value))
            }
            rows.append([.text("parameter." + name), cell])
        }
        if let created = manifest.createdText { rows.append(["created", .text(created)]) }
        for (table, name) in zip(tables, sheetNames) {
            rows.append([.text("sheet " + name), .text(table.title)])
            for note in table.notes { rows.append([.text("note"), .text(note)]) }
        }
        return worksheet(header: ["field", "value"], rows: rows, styles: [0, 0])
    }

    // MARK: Zip

    /// 1980-01-01 00:00:00 UTC: the zip format's earliest time, used for every entry.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)

    static func archive(_ entries: [(String, String)]) throws(WorkbookError) -> Data {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (path, text) in entries {
                let bytes = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: fixedDate,
                                     permissions: 0o644, compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw WorkbookError.archive(reason: "the in-memory archive has no data") }
            return data
        } catch let error as WorkbookError {
            throw error
        } catch {
            throw WorkbookError.archive(reason: "\(error)")
        }
    }
}
