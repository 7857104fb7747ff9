import Reports
import Testing

@Suite("Side by side: tables of several cases")
struct ComparisonTablesTests {
    func table(_ name: String, unit: Unit, rows: [[Cell]], note: String) -> Table {
        Table(name: name, title: name, columns: [Column("scope", .text), Column("amount_\(unit.rawValue)", unit)], rows: rows, notes: [note])
    }

    @Test("Same columns merge under one table with a case column; different money units stay apart; notes once")
    func merge() {
        let a = table("multipliers", unit: .eurBillion, rows: [["efsi1", 15], ["efsi2", 11.1]], note: "n")
        let b = table("multipliers", unit: .eurBillion, rows: [["investeu", 14.2]], note: "n")
        let c = table("multipliers", unit: .eurMillion, rows: [["dep", 1]], note: "m")
        let merged = ComparisonTables.sideBySide([("efsi", [a]), ("investeu", [b]), ("digital", [c])])
        #expect(merged.map(\.name) == ["multipliers", "multipliers_2"])
        #expect(merged[0].columns.first == Column("case", .text))
        #expect(merged[0].rows == [["efsi", "efsi1", 15], ["efsi", "efsi2", 11.1], ["investeu", "investeu", 14.2]])
        #expect(merged[0].notes == ["n"] && merged[1].rows == [["digital", "dep", 1]])
    }

    @Test("A bar chart carries over with the case leading each label and colouring the bars; a stacked chart does not")
    func charts() throws {
        var a = table("multipliers", unit: .eurBillion, rows: [["efsi1", 15]], note: "n")
        a.chart = Chart(.bars(.init([.init("amount_eur_bn")], label: ["scope"], colourBy: "scope")), title: "How much?", caption: "Bars.")
        var b = table("contributions", unit: .eurBillion, rows: [["eu", 5]], note: "n")
        b.chart = Chart(.stacked(.init(category: "scope", segment: "scope", value: "amount_eur_bn", colourBy: "scope")), title: "Who?", caption: "Stack.")
        let merged = ComparisonTables.sideBySide([("efsi", [a, b]), ("investeu", [a, b])])
        let chart = try #require(merged[0].chart)
        guard case .bars(let bars) = chart.kind else { Issue.record("not bars: \(chart.kind)"); return }
        #expect(bars.label == ["case", "scope"] && bars.colourBy == "case" && bars.series == [.init("amount_eur_bn")])
        #expect(chart.title == "How much?")
        #expect(merged[1].chart == nil)
        // The merged table's chart plots every case's row.
        let svg = try #require(HTMLReport.chart(for: merged[0]))
        #expect(svg.components(separatedBy: "data-column=\"amount_eur_bn\"").count - 1 == 2)
    }
}
