/// Side by side: the same tables of several cases (models, scenarios) in one table each, with a
/// leading `case` column, so that EFSI, InvestEU and InvestAI's multipliers, say, read in one place.
public enum ComparisonTables {
    /// Merges the tables of each case by table name, in order of first appearance. Tables of the
    /// same name whose columns differ (e.g. a model in EUR m beside one in EUR bn) are not mixed:
    /// each distinct set of columns gets its own table, named `NAME_2`, `NAME_3`… after the first.
    /// Notes are kept once each, in order of first appearance.
    public static func sideBySide(_ cases: [(name: String, tables: [Table])]) -> [Table] {
        var merged: [Table] = []
        var byName: [String: [Int]] = [:]   // a table name → the merged tables holding it
        for (caseName, tables) in cases {
            for table in tables {
                let columns = [Column("case", .text)] + table.columns
                let candidates = byName[table.name] ?? []
                let index: Int
                if let k = candidates.first(where: { merged[$0].columns == columns }) {
                    index = k
                } else {
                    let name = candidates.isEmpty ? table.name : "\(table.name)_\(candidates.count + 1)"
                    merged.append(Table(name: name, title: table.title, columns: columns, chart: sideBySideChart(table.chart)))
                    index = merged.count - 1
                    byName[table.name, default: []].append(index)
                }
                for row in table.rows { merged[index].append([.text(caseName)] + row) }
                for note in table.notes where !merged[index].notes.contains(note) { merged[index].notes.append(note) }
            }
        }
        return merged
    }

    /// A case's bar chart, one bar per row of every case: the `case` column leads each bar's label
    /// and colours the bars. Other kinds are left out: a stacked bar per category, a line or a fan
    /// per scenario would merge the cases' rows (two models' `wave1` stacks) into one mark.
    static func sideBySideChart(_ chart: Chart?) -> Chart? {
        guard var chart, case .bars(var bars) = chart.kind else { return nil }
        bars.label = ["case"] + bars.label
        bars.colourBy = "case"
        chart.kind = .bars(bars)
        chart.caption += " One bar per case and row; colours: the cases."
        return chart
    }
}
