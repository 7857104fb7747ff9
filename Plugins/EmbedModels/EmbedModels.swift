import Foundation
import PackagePlugin

/// Compiles the models in `Models/` into the Scenarios module, so each model is in the
/// repository once and the `leverage` binary runs them with no file at hand (copied to a Slurm
/// node, or run by the Python package).
///
/// One build command runs `ModelEmbedder` (Sources/ModelEmbedder) on every `Models/*.yaml` and
/// `Models/*.csv`, writing `EmbeddedModels.swift` into the plugin's work folder. The files are the
/// command's inputs, so editing a model rebuilds the module; the list is taken at each build, so
/// adding or removing a model does too.
@main
struct EmbedModelsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Models")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".csv") }
            .sorted()
        let inputs = names.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedModels.swift")
        return [.buildCommand(displayName: "Embedding \(names.count) files of Models/",
                              executable: try context.tool(named: "ModelEmbedder").url,
                              arguments: [output.path] + inputs.map(\.path),
                              inputFiles: inputs,
                              outputFiles: [output])]
    }
}
