import ArgumentParser
import Foundation
import Leverage

/// `leverage merge DIR… --output RESULT`: the tables of a sharded run from its parts.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the partial results of a sharded run (`simulate|sweep|solve … --shard I/N`) into its tables.",
        discussion: """
            Checks that the parts belong together (same tool version, model SHA-256, command, settings and shard count; \
            every shard exactly once, so every batch once, no overlaps, no gaps; each part's checksum) and then writes \
            exactly the tables, report and workbook the single-process command writes: the merged tables are bit-identical. \
            Any problem is an error naming the part; nothing is written then.
            """)

    @Argument(help: ArgumentHelp("Part files, or folders whose *.part files are all merged.", valueName: "DIR"))
    var parts: [String]

    @Option(help: "The model file, if it is no longer where the shards read it (its SHA-256 must match the parts').")
    var model: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let merged: MergedRun
        do { merged = try MergedRun.merge(reading: parts) } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let header = merged.header
        guard header.toolVersion == Manifest.toolVersion else {
            Console.error("\(merged.files[0]): simulated by leverage \(header.toolVersion); this is leverage \(Manifest.toolVersion), which may simulate differently: merge with the same version")
            throw ExitCode(1)
        }
        var arguments = header.arguments
        if let model, arguments.count >= 2 { arguments[1] = model }
        let command: ParsableCommand
        do { command = try LeverageCommand.parseAsRoot(arguments) } catch {
            Console.error("\(merged.files[0]): the recorded command `\(arguments.joined(separator: " "))` does not parse: \(LeverageCommand.message(for: error))")
            throw ExitCode(1)
        }
        if !output.quiet {
            Console.status("merging \(merged.files.count) part\(merged.files.count == 1 ? "" : "s") of `leverage \(header.arguments.joined(separator: " "))` (\(header.settings.paths) paths, \(header.settings.batchCount) batches): \(merged.files.joined(separator: ", "))")
        }
        switch command {
        case var simulate as Simulate:
            simulate.output = output
            try simulate.execute(.merged(merged))
        case var sweep as Sweep:
            sweep.output = output
            try sweep.execute(.merged(merged))
        case var solve as Solve:
            solve.output = output
            try solve.execute(.merged(merged))
        default:
            Console.error("\(merged.files[0]): `\(header.command)` runs cannot be merged")
            throw ExitCode(1)
        }
    }
}
