import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ZIPFoundation

/// The cells of one worksheet: `grid[row][column]` as (type attribute, text), from its XML.
final class SheetReader: NSObject, XMLParserDelegate {
    var grid: [[(type: String, text: String)?]] = []
    private var reference = "", type = "", text = "", inValue = false

    static func read(_ xml: String) -> [[(type: String, text: String)?]] {
        let reader = SheetReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        _ = parser.parse()
        return reader.grid
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "c": reference = attributes["r"] ?? ""; type = attributes["t"] ?? "n"; text = ""
        case "v", "t": inValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inValue { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inValue = false
        case "c":
            let letters = reference.prefix { $0.isLetter }
            let column = letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
            let row = Int(reference.dropFirst(letters.count))! - 1
            while grid.count <= row { grid.append([]) }
            while grid[row].count <= column { grid[row].append(nil) }
            grid[row][column] = (type, text)
        default: break
        }
    }
}

/// RFC 4180 CSV fields (quoted fields may hold commas, quotes and newlines).
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var chars = text.makeIterator()
    while let c = chars.next() {
        if quoted {
            if c == "\"" {
                if let next = chars.next() {
                    if next == "\"" { field.append("\"") } else {
                        quoted = false
                        if next == "," { row.append(field); field = "" } else if next == "\n" { row.append(field); rows.append(row); row = []; field = "" } else { field.append(next) }
                    }
                } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { row.append(field); field = "" }
        else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
        else { field.append(c) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// What a reader of the result folder sees, checked the way a person would: the report's charts
/// and the workbook's numbers against the CSV files.
@Suite("leverage --output: report.html and tables.xlsx")
struct DeliverablesCLITests {
    /// Runs `leverage ARGS --format csv --output DIR --quiet` and returns the folder.
    func run(_ arguments: [String], in folder: URL) throws -> URL {
        let out = folder.appendingPathComponent("out")
        let process = Process()
        process.executableURL = leverageBinary
        process.arguments = arguments + ["--format", "csv", "--output", out.path, "--quiet"]
        process.currentDirectoryURL = repositoryRoot
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return out
    }

    @Test("The report has one chart per table with numbers, no script, and the tables' text escaped",
          arguments: [(["run", "efsi"], ["chain_base", "chain_stages", "multipliers", "eu_effects"]),
                      (["run", "investai"], ["contributions", "by_source", "allocations", "multipliers", "eu_effects"]),
                      (["simulate", "benchmark-b1000", "--paths", "2000"], ["portfolio_loss", "tranches", "holders", "loss_distribution"])])
    func report(_ arguments: [String], _ tables: [String]) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try run(arguments, in: folder)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == tables.count)
        for table in tables {
            let section = try #require(html.components(separatedBy: "<section id=\"table-\(table)\">").dropFirst().first)
            #expect(section.components(separatedBy: "</section>")[0].contains("<svg"), "\(table) has its chart")
        }
        #expect(!html.lowercased().contains("<script"))
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        let sha = try #require((manifest["model"] as? [String: Any])?["sha256"] as? String)
        #expect(html.contains("<code>\(sha)</code>"))
        if arguments[1] == "efsi" {
            // A label with "/" and "·" and the multiplier values, formatted for reading.
            #expect(html.contains("<td>investment / budget provision</td>") || html.contains("<td>investment / base</td>"))
            #expect(html.contains("<td class=\"num\">×15.0</td>"))
        }
    }

    @Test("The workbook holds exactly the CSV files' values: numbers as numeric cells, to the last bit",
          arguments: [["run", "investai"], ["run", "efsi"], ["simulate", "benchmark-b1000", "--paths", "2000"]])
    func workbookMatchesCSV(_ arguments: [String]) throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try run(arguments, in: folder)
        let archive = try Archive(url: out.appendingPathComponent("tables.xlsx"), accessMode: .read)
        func part(_ path: String) throws -> String {
            let entry = try #require(archive[path])
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            return String(decoding: bytes, as: UTF8.self)
        }
        let workbook = try part("xl/workbook.xml")
        let names = workbook.components(separatedBy: "<sheet name=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        let csvFiles = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".csv") }
        #expect(names.first == "manifest")
        #expect(Set(names.dropFirst()) == Set(csvFiles.map { String($0.dropLast(4)) }))
        for (k, name) in names.enumerated().dropFirst() {
            let grid = SheetReader.read(try part("xl/worksheets/sheet\(k + 1).xml"))
            let csv = csvRows(try String(contentsOf: out.appendingPathComponent(name + ".csv"), encoding: .utf8))
            #expect(grid.count == csv.count, "\(name): rows")
            var numbers = 0
            for (i, fields) in csv.enumerated() where i < grid.count {
                for (j, field) in fields.enumerated() {
                    let cell = j < grid[i].count ? grid[i][j] : nil
                    if field.isEmpty {
                        #expect(cell == nil, "\(name) row \(i + 1) column \(j + 1): empty in CSV")
                    } else if i > 0, let x = Double(field) {
                        #expect(cell?.type == "n" && Double(cell?.text ?? "") == x, "\(name) row \(i + 1) column \(j + 1): \(field) vs \(String(describing: cell))")
                        numbers += 1
                    } else if field == "true" || field == "false" {
                        #expect(cell?.type == "b" && cell?.text == (field == "true" ? "1" : "0"), "\(name) row \(i + 1) column \(j + 1): a boolean cell")
                    } else if field == "nan" || field == "inf" || field == "-inf" {
                        #expect(cell?.type == "e")
                    } else {
                        #expect(cell?.type == "inlineStr" && cell?.text == field, "\(name) row \(i + 1) column \(j + 1)")
                    }
                }
            }
            #expect(numbers > 0, "\(name) has numbers")
        }
    }
}
