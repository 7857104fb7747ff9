import ArgumentParser
import Leverage

/// `leverage run MODEL`: the deterministic accounting — contributions, chain stages, multipliers.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Contributions by source and instrument, leverage-chain stages and multipliers of a model.")

    @Argument(help: "A model file, or the name of a bundled model (default: the InvestAI baseline).")
    var model: String = BundledModels.defaultName

    @OptionGroup var output: OutputOptions

    func run() throws {
        let file = try loadModel(model, dataFilesAnywhere: output.allowDataOutsideModelFolder)
        let tables: [Table]
        do { tables = try AccountingTables.tables(for: file.model) } catch {
            Console.error("\(model): \(error)")
            throw ExitCode(1)
        }
        let manifest = Manifest(command: "run", modelPath: file.path, modelBytes: file.bytes, modelName: file.model.name, arguments: [model])
        try output.emit(tables, manifest: manifest)
    }
}

/// `leverage validate MODEL…`: every problem in every file, located.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check model files and report every problem in them.")

    @Argument(help: "Model files (or bundled model names).")
    var models: [String]

    @Flag(name: .shortAndLong, help: "Print nothing for valid files.")
    var quiet = false

    @Flag(name: .customLong("allow-data-outside-model-folder"),
          help: "Let models read data files (exposures_csv) outside their own folder.")
    var allowDataOutsideModelFolder = false

    func validate() throws {
        if models.isEmpty { throw ValidationError("name at least one model file") }
    }

    /// The verdicts go to stdout only when every file is valid; when one is not, nothing is
    /// printed on stdout (a failed run never does) and the valid files' `ok` lines go to stderr
    /// beside the diagnostics, in the order of the files.
    func run() throws {
        var failed = false
        var verdicts: [String] = []
        for path in models {
            do {
                let file = try ScenarioLoader.load(path, dataFilesAnywhere: allowDataOutsideModelFolder)
                verdicts.append("\(path): ok (\(file.model.name))")
                if failed && !quiet { Console.status(verdicts.last!) }
            } catch {
                if !failed && !quiet { for line in verdicts { Console.status(line) } }
                _ = Console.fail(error)
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
        if !quiet { try Console.out(verdicts.map { SafeText.terminal($0) + "\n" }.joined()) }
    }
}

/// `leverage models`: the bundled models, one line each.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the bundled models with a one-line description each.")

    @OptionGroup var output: OutputOptions

    func run() throws {
        var table = Table(name: "models", title: "Bundled models",
                          columns: [Column("model", .text), Column("name", .text), Column("description", .text)])
        var bytes: [UInt8] = []
        for bundled in BundledModels.all {
            let file: ScenarioFile
            do { file = try bundled.load() } catch { throw Console.fail(error) }
            table.append([.text(bundled.name), .text(file.model.name), .text(file.model.description)])
            bytes += file.bytes
        }
        table.notes.append("Run one with `leverage run NAME`; the files are in Models/.")
        let manifest = Manifest(command: "models", modelPath: "embedded:*", modelBytes: bytes, modelName: "bundled models")
        try output.emit([table], manifest: manifest)
    }
}
