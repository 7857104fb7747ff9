import ArgumentParser
import Leverage

/// `leverage compare MODEL…`: the `run` tables of several models side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The tables of `leverage run` for several models side by side, one table per kind with a `case` column.",
        discussion: """
            Each table (contributions, chain stages, multipliers, the EU's leverage and multiplier effects …) \
            holds the rows of every model that has it, the model's name in the first column, e.g. \
            `leverage compare efsi investeu investai` for the programmes' multipliers in one place.
            """)

    @Argument(help: "Two or more model files or bundled model names.")
    var models: [String] = []

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if models.count < 2 { throw ValidationError("name at least two models to compare") }
    }

    func run() throws {
        var cases: [(name: String, tables: [Table])] = []
        var bytes: [UInt8] = []
        for model in models {
            let file = try loadModel(model)
            do { cases.append((model, try AccountingTables.tables(for: file.model))) } catch {
                Console.error("\(model): \(error)")
                throw ExitCode(1)
            }
            bytes += file.bytes
        }
        let tables = ComparisonTables.sideBySide(cases).filter { !$0.rows.isEmpty }
        let manifest = Manifest(command: "compare", modelPath: models.joined(separator: ", "), modelBytes: bytes,
                                modelName: "comparison of \(models.count) models")
        try output.emit(tables, manifest: manifest)
    }
}
