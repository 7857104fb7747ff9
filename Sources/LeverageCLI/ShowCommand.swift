import ArgumentParser
import Leverage

/// `leverage show MODEL`: a bundled model's YAML (or a data file it names), to start a new model from.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a bundled model's YAML, to copy and edit into a model of your own.",
        discussion: "`leverage show sme-guarantee > my-guarantee.yaml` then `leverage solve my-guarantee.yaml`. Data files a bundled model names (e.g. benchmark-b1000.csv) are shown the same way.")

    @Argument(help: "A bundled model name (see `leverage models`), or a data file a bundled model names.")
    var model: String

    func validate() throws {
        if BundledModels.named(model) == nil && BundledModels.dataFile(model) == nil {
            throw ValidationError("'\(model)' is not a bundled model; bundled models: \(BundledModels.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        if let bundled = BundledModels.named(model) {
            try Console.out(bundled.text)
        } else if let data = BundledModels.dataFile(model) {
            try Console.out(data.text)
        }
    }
}
