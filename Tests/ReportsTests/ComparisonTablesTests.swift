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
}
