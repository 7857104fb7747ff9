import ArgumentParser
import Foundation
import Leverage

/// `--shard I/N`: shard I (1-based) of N of a run, a contiguous range of its batches.
struct ShardSpec: ExpressibleByArgument, Sendable, Equatable {
    var index: Int
    var count: Int

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 1_000_000, (1...n).contains(i) else { return nil }
        index = i
        count = n
    }

    var defaultValueDescription: String { "\(index)/\(count)" }
}

/// The sharding option shared by `simulate`, `sweep` and `solve`.
struct ShardOption: ParsableArguments {
    @Option(help: ArgumentHelp("Simulate only shard I of N (1 ≤ I ≤ N: a contiguous range of the run's batches) and write its partial result into the --output folder; `leverage merge` puts the shards together.",
                               valueName: "I/N"))
    var shard: ShardSpec?

    /// --shard needs --output (the folder of the part file).
    func validate(output: OutputOptions) throws {
        if shard != nil && output.output == nil { throw ValidationError("--shard needs --output DIR: the folder the part file is written to") }
    }
}

/// Where a command's simulations come from: run here, or the merged parts of a sharded run.
enum SimulationSource {
    case local
    case merged(MergedRun)

    /// The merged run's shard count (nil for a local run).
    var shards: Int? {
        if case let .merged(run) = self { return run.header.shards }
        return nil
    }

    /// With merged parts: the model file must be the one the parts simulated.
    func verify(_ file: ScenarioFile) throws {
        guard case let .merged(run) = self else { return }
        let sha = Manifest.sha256Hex(file.bytes)
        guard sha == run.header.modelSHA256 else {
            Console.error("\(file.path): SHA-256 \(sha) differs from the model the parts simulated (\(run.header.modelSHA256), \(run.header.modelPath)); give the right file with --model")
            throw ExitCode(1)
        }
    }

    /// The scenario's report: simulated here, or built from the merged summaries. `retaining`
    /// says which losses the report keeps (`.tail` for simulate; `.all` for an analysis that needs
    /// the whole distribution); `exceedance` the thresholds counted.
    func report(_ scenario: String, file: ScenarioFile, portfolio: Portfolio, structure: RiskSharingStructure,
                settings: SimulationSettings, retaining: LossRetention = .all, exceedance: [Double] = [],
                progress: (@Sendable (Int, Int) -> Void)?) throws -> SimulationReport {
        do {
            switch self {
            case .local:
                return try simulate(portfolio: portfolio, structure: structure, settings: settings, retaining: retaining,
                                    exceedance: exceedance, progress: progress)
            case let .merged(run):
                let merged = try Self.scenarioSummary(scenario, of: run, file: file, settings: settings)
                guard merged.exceedanceThresholds == exceedance, merged.retainsAllLosses == (retaining == .all) else {
                    Console.error("\(run.files.first ?? ""): the parts counted other exceedance thresholds or kept other losses than this command needs")
                    throw ExitCode(1)
                }
                return try simulationReport(portfolio: portfolio, structure: structure, settings: settings, summary: merged)
            }
        } catch let error as RiskModelError {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
    }

    /// The merged parts' summary of `scenario`, after checking that the parts were run with this
    /// command's settings (threads apart); exit 1 with the file named otherwise.
    static func scenarioSummary(_ scenario: String, of run: MergedRun, file: ScenarioFile, settings: SimulationSettings) throws -> BatchRangeSummary {
        var expected = settings
        expected.threads = nil
        guard expected == run.header.settings else {
            Console.error("\(file.path): the settings differ from the parts' (\(run.files.first ?? "")); was the model changed?")
            throw ExitCode(1)
        }
        guard let merged = run.scenarios.first(where: { $0.name == scenario })?.summary else {
            Console.error("\(run.files.first ?? ""): the parts hold no `\(scenario)` scenario")
            throw ExitCode(1)
        }
        return merged
    }

    /// The whole run's summary of a scenario with the `K = tailSize` largest losses retained and
    /// `statistics` accumulated: simulated here (all batches), or the merged parts' (which must
    /// have kept the same tail and statistics layout).
    func summary(_ scenario: String, file: ScenarioFile, portfolio: Portfolio, structure: RiskSharingStructure,
                 settings: SimulationSettings, tailSize: Int, statistics: any BatchStatistics,
                 progress: (@Sendable (Int, Int) -> Void)?) throws -> BatchRangeSummary {
        switch self {
        case .local:
            do {
                return try simulateBatches(0..<settings.batchCount, portfolio: portfolio, structure: structure, settings: settings,
                                           retaining: .tail, tailSize: tailSize, statistics: statistics, progress: progress)
            } catch {
                Console.error("\(file.path): \(error)")
                throw ExitCode(1)
            }
        case let .merged(run):
            let merged = try Self.scenarioSummary(scenario, of: run, file: file, settings: settings)
            guard !merged.retainsAllLosses, run.header.tailSize == tailSize, merged.statisticCounts.count == statistics.counts else {
                Console.error("\(run.files.first ?? ""): the parts kept other losses or accumulated other figures than this command needs")
                throw ExitCode(1)
            }
            return merged
        }
    }
}

/// Simulates shard `spec` of the run (every scenario) and writes its part file into `folder`
/// atomically (a temporary file renamed into place), so a killed shard leaves no part behind.
/// `retaining` and `exceedance` as for ``SimulationSource/report(_:file:portfolio:structure:settings:retaining:exceedance:progress:)``;
/// `tailSize` the K largest losses kept with `.tail` (nil: the settings'), `statistics` per scenario
/// further per-batch statistics (`sweep`'s cover accumulators).
func writeShard(_ spec: ShardSpec, command: String, arguments: [String], file: ScenarioFile, settings: SimulationSettings,
                scenarios: [(name: String, portfolio: Portfolio, structure: RiskSharingStructure)], folder: String, quiet: Bool,
                retaining: LossRetention = .all, exceedance: [Double] = [], tailSize: Int? = nil,
                statistics: [any BatchStatistics]? = nil) throws {
    let batches = settings.batchRange(shard: spec.index - 1, of: spec.count)
    var summaries: [BatchRangeSummary] = []
    var records: [PartialResult.Scenario] = []
    let start = Date()
    for (s, (name, portfolio, structure)) in scenarios.enumerated() {
        let progress = Progress(label: "\(name) shard \(spec.index)/\(spec.count)", enabled: !quiet)
        var onBatch: (@Sendable (Int, Int) -> Void)?
        if progress.enabled { onBatch = { @Sendable done, total in progress.update(done, total) } }
        defer { progress.finish() }
        do {
            try validateStructure(structure, portfolio: portfolio)
            let range = try simulateBatches(batches, portfolio: portfolio, structure: structure, settings: settings,
                                            retaining: retaining, exceedance: exceedance, tailSize: tailSize,
                                            statistics: statistics?[s], progress: onBatch)
            summaries.append(range)
            records.append(PartialResult.Scenario(name: name, volume: portfolio.volume, summary: range))
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
    }
    let header = PartialResult.Header(toolVersion: Manifest.toolVersion, command: command, arguments: arguments, modelPath: file.path,
                                      modelName: file.model.name, modelSHA256: Manifest.sha256Hex(file.bytes), settings: settings,
                                      shard: spec.index, shards: spec.count, batches: batches, scenarios: records,
                                      tailSize: retaining == .all ? settings.paths : max(tailSize ?? 0, settings.tailSize))
    let data = PartialResult(header: header, summaries: summaries).encoded()
    let name = PartialResult.fileName(shard: spec.index, of: spec.count)
    let target = (folder as NSString).appendingPathComponent(name)
    let temporary = (folder as NSString).appendingPathComponent(".\(name).tmp-\(UUID().uuidString.prefix(8))")
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
    } catch {
        try? FileManager.default.removeItem(atPath: temporary)
        Console.error("\(target): cannot write the part: \(error.localizedDescription)")
        throw ExitCode(1)
    }
    if !quiet {
        let paths = settings.pathRange(batches: batches)
        let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
        Console.status("shard \(spec.index)/\(spec.count): batches \(batches.lowerBound)..<\(batches.upperBound), paths \(paths.lowerBound)..<\(paths.upperBound), \(seconds) s → \(target)")
    }
}
