import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reports
import Testing
import ZIPFoundation

/// The entries of a zip archive as text, by path.
func unzipText(_ data: Data) throws -> [String: String] {
    let archive = try Archive(data: data, accessMode: .read)
    var out: [String: String] = [:]
    for entry in archive {
        var bytes = Data()
        _ = try archive.extract(entry) { bytes.append($0) }
        out[entry.path] = String(decoding: bytes, as: UTF8.self)
    }
    return out
}

/// Whether `text` is well-formed XML.
func isWellFormedXML(_ text: String) -> Bool { XMLParser(data: Data(text.utf8)).parse() }

/// The number of non-overlapping occurrences of `needle` in `text`.
func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

/// Tables shaped like the ones the commands produce, to exercise each chart.
let capitalStackTable = Table(
    name: "contributions", title: "Contributions",
    columns: [Column("stack", .text), Column("contributor", .text), Column("source", .text), Column("amount_eur_bn", .eurBillion),
              Column("share_of_total", .fraction)],
    rows: [["gf", "EU", "eu_budget", 0.85, 0.17], ["gf", "R&D <fund>", "member_state", 0.85, 0.17],
           ["gf", "Private", "private", 3.3, 0.66], ["gf", "total", "", 5.0, 1.0]],
    notes: ["Public = all but private & \"other\"."],
    chart: Chart(.stacked(.init(category: "stack", segment: "contributor", value: "amount_eur_bn", colourBy: "source", omit: [.init("contributor", ["total"])])),
                 title: "Who funds the stack?", caption: "Stacked by contributor."))
let histogramTable = Table(
    name: "loss_distribution", title: "Loss distribution",
    columns: [Column("loss_from", .fraction), Column("loss_to", .fraction), Column("probability", .fraction), Column("standard_error", .fraction)],
    rows: [[0.0, 0.05, 0.7, 0.01], [0.05, 0.1, 0.3, 0.01], [0.1, 0.15, 0.0, 0.0]],
    chart: Chart(.distribution(.init(from: "loss_from", to: "loss_to", probability: "probability", standardError: "standard_error",
                                     markers: [.init(0.08, "senior attaches")])),
                 title: "How likely is each loss?", caption: "Log scale."))
let textOnlyTable = Table(name: "models", title: "Models", columns: [Column("model", .text), Column("description", .text)],
                          rows: [["efsi", "EFSI <leverage>"]])

@Suite("Reports: the Excel workbook")
struct WorkbookTests {
    @Test("A manifest sheet, then one sheet per table; every part is well-formed XML and declared in the package")
    func structure() throws {
        let parts = try unzipText(Workbook.data([sample, capitalStackTable], manifest: fixedManifest))
        #expect(Set(parts.keys) == ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                    "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"])
        for (path, text) in parts { #expect(isWellFormedXML(text), "\(path) is not well-formed") }
        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains("<sheet name=\"manifest\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"sample\" sheetId=\"2\" r:id=\"rId2\"/><sheet name=\"contributions\" sheetId=\"3\" r:id=\"rId3\"/>"))
        let types = try #require(parts["[Content_Types].xml"])
        for k in 1...3 { #expect(types.contains("PartName=\"/xl/worksheets/sheet\(k).xml\"")) }
        let relationships = try #require(parts["xl/_rels/workbook.xml.rels"])
        #expect(relationships.contains("Target=\"worksheets/sheet3.xml\"") && relationships.contains("Target=\"styles.xml\""))
        let manifest = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(manifest.contains(fixedManifest.modelSHA256))
        #expect(manifest.contains("<t xml:space=\"preserve\">parameter.seed</t></is></c><c r=\"B8\" t=\"n\"><v>7</v></c>"))
    }

    @Test("Numbers are numeric cells with their full value, text is inline strings, one row per table row plus the header")
    func cells() throws {
        let parts = try unzipText(Workbook.data([sample], manifest: fixedManifest))
        let sheet = try #require(parts["xl/worksheets/sheet2.xml"])
        #expect(occurrences(of: "<row ", in: sheet) == sample.rows.count + 1)
        // Header: the column names (units are part of them), bold.
        #expect(sheet.contains("<c r=\"B1\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">amount_eur_bn</t></is></c>"))
        // 50 bn as the number 50 (money format), 25 % as the number 0.25 (percentage format), ×4 as 4.
        #expect(sheet.contains("<c r=\"B2\" s=\"2\" t=\"n\"><v>50</v></c>"))
        #expect(sheet.contains("<c r=\"C2\" s=\"3\" t=\"n\"><v>0.25</v></c>"))
        #expect(sheet.contains("<c r=\"D2\" s=\"4\" t=\"n\"><v>4</v></c>"))
        #expect(sheet.contains("<c r=\"B3\" s=\"2\" t=\"n\"><v>150</v></c>"))
        // Text escaped, the missing multiplier an absent cell.
        #expect(sheet.contains("<c r=\"A3\" t=\"inlineStr\"><is><t xml:space=\"preserve\">say &quot;private&quot;</t></is></c>"))
        #expect(!sheet.contains("r=\"D3\""))
        // Every numeric cell of the table, and no number stored as text.
        #expect(occurrences(of: "t=\"n\"", in: sheet) == 5)
        #expect(!sheet.contains("<t xml:space=\"preserve\">50</t>"))
        let styles = try #require(parts["xl/styles.xml"])
        #expect(styles.contains("<numFmt numFmtId=\"164\" formatCode=\"#,##0.00\"/><numFmt numFmtId=\"165\" formatCode=\"0.0%\"/>"),
                "money with thousands separators, fractions as percentages with the column's decimals")
        #expect(sheet.contains("<autoFilter ref=\"A1:D3\"/>"), "an autofilter on the header row")
    }

    @Test("Full precision: the value written reads back to the same double")
    func precision() throws {
        let x = 0.1 + 0.2, tiny = 1.234e-7
        let table = Table(name: "t", title: "T", columns: [Column("x", .fraction), Column("y", .eurMillion)], rows: [[.number(x), .number(tiny)], [.number(.nan), .integer(3)]])
        let sheet = try #require(try unzipText(Workbook.data([table], manifest: fixedManifest))["xl/worksheets/sheet2.xml"])
        let values = sheet.components(separatedBy: "<v>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(values == ["\(x)", "\(tiny)", "#N/A", "3"])
        #expect(Double(values[0]) == x && Double(values[1]) == tiny)
    }

    @Test("Same tables, same bytes: fixed entry times")
    func deterministic() throws {
        let a = try Workbook.data([sample, capitalStackTable], manifest: fixedManifest)
        let b = try Workbook.data([sample, capitalStackTable], manifest: fixedManifest)
        #expect(a == b)
        let archive = try Archive(data: a, accessMode: .read)
        for entry in archive {
            let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: entry.fileAttributes[.modificationDate] as? Date ?? Date())
            #expect(components.year == 1980, "\(entry.path)")
        }
    }

    @Test("Sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case")
    func sheetNames() {
        let names = Workbook.sheetNames(["manifest", "a/b[c]:d*e?f\\g", String(repeating: "x", count: 40), String(repeating: "x", count: 35),
                                         "Manifest", "'quoted'", "", "history"])
        #expect(names == ["manifest", "a_b_c__d_e_f_g", String(repeating: "x", count: 31), String(repeating: "x", count: 29) + "_2",
                          "Manifest_2", "_quoted_", "table", "history_"])
        #expect(names.allSatisfy { $0.count <= 31 && !$0.contains(where: { "[]:*?/\\".contains($0) }) })
        #expect(Set(names.map { $0.lowercased() }).count == names.count)
    }
}

@Suite("Reports: the HTML report")
struct HTMLReportTests {
    @Test("One inline <svg> per table that declares a chart, none for the others (nothing guessed), no script, nothing external")
    func charts() {
        let html = HTMLReport.render([capitalStackTable, sample, histogramTable, textOnlyTable], manifest: fixedManifest)
        #expect(occurrences(of: "<svg", in: html) == 2)
        #expect(HTMLReport.chart(for: textOnlyTable) == nil)
        #expect(HTMLReport.chart(for: sample) == nil, "a table with numbers but no declared chart gets none")
        #expect(html.contains("<p class=\"question\">Who funds the stack?</p>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    }

    @Test("The capital stack: one stacked bar, a segment per contributor coloured by source; the total row is not a segment")
    func capitalStack() throws {
        let svg = try #require(HTMLReport.chart(for: capitalStackTable))
        #expect(occurrences(of: "<title>gf: ", in: svg) == 3)
        #expect(svg.contains("fill=\"#0072B2\" stroke=\"#FFFFFF\" stroke-width=\"1\" data-row=\"0\" data-column=\"amount_eur_bn\" data-value=\"0.85\"><title>gf: EU (EU budget) 0.850 EUR bn</title>"))
        #expect(svg.contains("<title>gf: R&amp;D &lt;fund&gt; (Member States) 0.850 EUR bn</title>"))
        #expect(svg.contains(">amount (EUR bn)</text>"), "the axis names its unit")
        #expect(svg.contains(">5.00</text>"), "the stack's total is printed after the bar")
        #expect(!svg.contains("total ("))
    }

    @Test("The loss distribution: a bar per non-empty bucket on a log scale, ±2 SE whiskers, percent axes, markers")
    func histogram() throws {
        let svg = try #require(HTMLReport.chart(for: histogramTable))
        #expect(occurrences(of: "<rect ", in: svg) == 1 + 2, "background and two buckets: the empty last bucket is not drawn")
        #expect(svg.contains("<title>0.0 % – 5.0 %: 70.0 % ± 2 × 1.0 %</title>"))
        #expect(svg.contains(">probability (%, log scale)</text>") && svg.contains(">portfolio loss L/V (%)</text>"))
        // Decade ticks from 10 % to 100 %: log scale.
        #expect(svg.contains(">10</text>") && svg.contains(">100</text>"))
        #expect(svg.contains(">senior attaches 8.0 %</text>"))
    }

    @Test("Tables: the manifest, every title, escaped text, numbers formatted for reading and right-aligned, notes")
    func tables() {
        let html = HTMLReport.render([capitalStackTable, sample, textOnlyTable], manifest: fixedManifest)
        #expect(html.contains("<title>m — leverage test</title>"))
        #expect(html.contains("<th scope=\"row\">SHA-256</th><td><code>\(fixedManifest.modelSHA256)</code></td>"))
        #expect(html.contains("<th scope=\"row\">tool version</th><td>leverage \(Manifest.toolVersion)</td>"))
        #expect(html.contains("<th scope=\"row\">parameter: seed</th><td><code>7</code></td>"))
        #expect(html.contains("<td>R&amp;D &lt;fund&gt;</td>") && !html.contains("<fund>"))
        #expect(html.contains("<td>EFSI &lt;leverage&gt;</td>"))
        #expect(html.contains("<td>say &quot;private&quot;</td>"))
        #expect(html.contains("<th scope=\"col\" class=\"num\">amount (EUR bn)</th>"))
        #expect(html.contains("<td class=\"num\">50.00</td><td class=\"num\">25.0 %</td><td class=\"num\">×4.0</td>"))
        #expect(html.contains("<li>Public = all but private &amp; &quot;other&quot;.</li>"))
        for table in [capitalStackTable, sample, textOnlyTable] { #expect(html.contains("<h2>\(table.title) ")) }
    }

    @Test("The same tables and manifest give the same document")
    func deterministic() {
        #expect(HTMLReport.render([sample, histogramTable], manifest: fixedManifest) == HTMLReport.render([sample, histogramTable], manifest: fixedManifest))
    }
}

@Suite("Reports: charts of odd tables")
struct ChartEdgeCaseTests {
    @Test("Missing and non-finite values, negative values, all zeros, one row: a chart with finite coordinates, or none")
    func oddTables() throws {
        let odd = Table(name: "odd", title: "Odd", columns: [Column("item", .text), Column("amount_eur_m", .eurMillion), Column("amount_se_eur_m", .eurMillion)],
                        rows: [["a", .number(.nan), .empty], ["b", .number(-3), 0.5], ["c", .number(.infinity), .number(.nan)], ["d", 0, .empty]],
                        chart: Chart(.bars(.init([.init("amount_eur_m", standardError: "amount_se_eur_m")], label: ["item"])), title: "Odd?", caption: ""))
        let svg = try #require(HTMLReport.chart(for: odd))
        // Background, b, and d's 2-px stub at zero (with its dot and its label); a and c have no finite value and no bar.
        #expect(occurrences(of: "<rect ", in: svg) == 1 + 1 + 1)
        #expect(occurrences(of: "<circle ", in: svg) == 1)
        #expect(svg.contains(">d</text>") && svg.contains(">0.00</text>") && !svg.contains(">a</text>") && !svg.contains(">c</text>"))
        #expect(svg.contains(">-3.00</text>") && svg.contains("<title>b: -3.00</title>"))
        for bad in ["nan", "inf", "NaN"] { #expect(!svg.contains("=\"\(bad)") && !svg.contains("\"-\(bad)")) }

        let zeros = Table(name: "tranches", title: "Z", columns: [Column("tranche", .text), Column("expected_loss_eur_m", .eurMillion)], rows: [["senior", 0.0]],
                          chart: Chart(.bars(.init([.init("expected_loss_eur_m")], label: ["tranche"])), title: "Z?", caption: ""))
        let zeroChart = try #require(HTMLReport.chart(for: zeros))
        #expect(zeroChart.contains(">0.00</text>") && occurrences(of: "<circle ", in: zeroChart) == 1)
        // The caption says so when every bar is zero, and not otherwise.
        #expect(HTMLReport.render([zeros], manifest: fixedManifest).contains("Every value is exactly 0"))
        #expect(!HTMLReport.render([odd], manifest: fixedManifest).contains("Every value is exactly 0"))
        #expect(HTMLReport.chart(for: Table(name: "multipliers", title: "Empty", columns: [Column("scope", .text), Column("value", .multiple)],
                                            chart: Chart(.bars(.init([.init("value")], label: ["scope"])), title: "", caption: ""))) == nil)
        let html = HTMLReport.render([odd, zeros], manifest: fixedManifest)
        #expect(occurrences(of: "<svg", in: html) == 2)
    }

    @Test("Guarantees: the declared column (expected calls, ±2 SE), not the first money column (the maximum liability)")
    func guarantees() throws {
        let table = Table(name: "guarantees", title: "Guarantees",
                          columns: [Column("guarantee", .text), Column("maximum_liability_eur_m", .eurMillion), Column("expected_calls_eur_m", .eurMillion),
                                    Column("expected_calls_se_eur_m", .eurMillion)],
                          rows: [["eu", 500.0, 12.5, 0.25]],
                          chart: Chart(.bars(.init([.init("expected_calls_eur_m", standardError: "expected_calls_se_eur_m")], label: ["guarantee"])),
                                       title: "Calls?", caption: ""))
        let svg = try #require(HTMLReport.chart(for: table))
        #expect(svg.contains(">12.50</text>") && !svg.contains(">500.00</text>"))
        #expect(svg.contains(">expected calls (EUR m)</text>"))
        #expect(occurrences(of: "<line ", in: svg) >= 3, "an error bar is three lines")
    }
}
