import ArgumentParser
import Foundation
import Leverage

/// `leverage slurm MODEL --shards N`: a sharded run as a Slurm job array plus a merge job.
struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write (and with --submit, submit) Slurm batch scripts that run a model in N shards and merge them.",
        discussion: """
            Writes RUN/shards.sbatch (a job array: task I runs `leverage COMMAND MODEL … --shard I/N`, writing \
            RUN/parts/shard-III-of-NNN.part) and RUN/merge.sbatch (`leverage merge RUN/parts --output RUN/result`, \
            submitted with --dependency=afterok on the array). Both are plain sbatch files you may edit. Running the \
            same command again resubmits only the shards whose parts are missing or invalid (after a failure, a \
            time-out or a cancelled task), then the merge. Arguments after `--` go to the command (e.g. `-- --cover \
            first-loss=0:0.2:0.05`). Prints the paths per shard and, from a one-batch pilot, the expected wall time per shard.
            """)

    @Argument(help: "A model file or the name of a bundled model.")
    var model: String

    @Option(help: "The command to shard: simulate, sweep or solve.")
    var command: String = "simulate"

    @Option(help: "Number of shards N (array tasks).")
    var shards: Int

    @Option(help: "Monte Carlo paths (default: the model's `simulation.paths`).")
    var paths: Int?

    @Option(help: "Seed (default: the model's `simulation.seed`).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Folder for the scripts, parts, logs and result (default: slurm-MODELNAME).", valueName: "RUN"))
    var runDir: String?

    @Option(help: "Slurm partition (#SBATCH --partition).")
    var partition: String?

    @Option(help: "Wall-time limit per task (#SBATCH --time), e.g. 01:00:00.")
    var time: String?

    @Option(help: "Cores per shard task (#SBATCH --cpus-per-task; the shard's --threads).")
    var cpusPerTask: Int = 1

    @Option(help: "Format of the merged result's table files.")
    var format: OutputFormat = .csv

    @Flag(help: "Submit with sbatch (only the shards whose parts are missing or invalid, then the merge).")
    var submit = false

    @Flag(name: .shortAndLong, help: "Print only the job ids.")
    var quiet = false

    @Argument(parsing: .postTerminator, help: "Further arguments for the command (after --).")
    var commandArguments: [String] = []

    func validate() throws {
        guard ["simulate", "sweep", "solve"].contains(command) else { throw ValidationError("--command must be simulate, sweep or solve") }
        guard shards >= 1 && shards <= 100_000 else { throw ValidationError("--shards must be in 1…100000") }
        if let paths, paths < 1 { throw ValidationError("--paths must be at least 1") }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        for (name, value) in [("--partition", partition), ("--time", time)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
                throw ValidationError("\(name) '\(value)' must be one word")
            }
        }
    }

    func run() throws {
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path) }
        // A model file by its absolute path (the tasks may start elsewhere); a bundled model by name.
        var isDirectory: ObjCBool = false
        let modelArgument = fm.fileExists(atPath: model, isDirectory: &isDirectory) && !isDirectory.boolValue ? absolute(model) : model
        let file = try loadModel(modelArgument)
        let risk = try requirePortfolio(file)
        var fixed = [command, modelArgument]
        if let paths { fixed += ["--paths", String(paths)] }
        if let seed { fixed += ["--seed", String(seed)] }
        // Parse the command now, so that a mistake shows here and not in N tasks.
        let parsed: ParsableCommand
        do { parsed = try LeverageCommand.parseAsRoot(fixed + commandArguments) } catch {
            Console.error("the command `leverage \((fixed + commandArguments).joined(separator: " "))`: \(LeverageCommand.message(for: error))")
            throw ExitCode(64)
        }
        // The settings the shards simulate with (and write into their parts), the replayed command,
        // and the memory of a shard and of the merge from the command's own resource estimate.
        let settings: SimulationSettings, replay: [String], scenarios: [(name: String, portfolio: Portfolio, structure: RiskSharingStructure)]
        let memory: (_ shards: Int) -> ResourceEstimate
        switch parsed {
        case let c as Simulate:
            settings = c.simulation.settings(risk)
            replay = c.replayArguments(settings)
            scenarios = [("baseline", risk.portfolio, risk.structure)]
            memory = { [cpusPerTask] _ in risk.portfolio.resourceEstimate(structure: risk.structure, settings: settings, threads: cpusPerTask, retaining: .tail) }
        case let c as Sweep:
            settings = sweepSettings(c.simulation, risk)
            replay = c.replayArguments(c.simulation.settings(risk))
            let stress = c.stressOption.stress(file.model.riskCover)
            scenarios = try coverScenarios(file, stress: stress)
            var grid = file.model.riskCover?.grid ?? CoverGrid(firstLoss: Array(stride(from: 0.0, through: 0.3 + 1e-12, by: 0.01)))
            for axis in c.axes { _ = grid.set(axis) }
            let terms = file.model.riskCover?.terms ?? CoverTerms()
            memory = { [cpusPerTask, scenarios] n in
                RiskCoverAnalysis.sweepResourceEstimate(portfolio: risk.portfolio, settings: settings, terms: terms, scenarios: scenarios.count,
                                                        covers: grid.count, threads: cpusPerTask, shards: n)
            }
        case let c as Solve:
            let plan = try c.plan(file, risk)
            settings = plan.settings
            replay = c.replayArguments(c.simulation.settings(risk))
            scenarios = plan.scenarios
            memory = { [cpusPerTask] n in plan.estimate(threads: cpusPerTask, shards: n) }
        default:
            Console.error("--command must be simulate, sweep or solve")
            throw ExitCode(64)
        }

        let run = absolute(runDir ?? "slurm-" + file.model.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce("") { $0 + String($1) })
        let partsFolder = (run as NSString).appendingPathComponent("parts")
        let logs = (run as NSString).appendingPathComponent("logs")
        let result = (run as NSString).appendingPathComponent("result")
        do {
            try fm.createDirectory(atPath: partsFolder, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        } catch {
            Console.error("\(run): cannot create the run folder: \(error.localizedDescription)")
            throw ExitCode(1)
        }

        // The plan: batches and paths per shard, memory, and a pilot's wall time.
        let ranges = (0..<shards).map { settings.batchRange(shard: $0, of: shards) }
        let pathCounts = ranges.map { settings.pathRange(batches: $0).count }
        let pilot = try pilotSecondsPerPath(scenarios, settings: settings, file: file)
        let maxPaths = pathCounts.max() ?? 0
        let shardMemory = ShardPlan.memoryBytes(memory(shards))
        let mergeMemory = ShardPlan.memoryBytes(memory(shards))
        let estimate = pilot * Double(maxPaths) / Double(cpusPerTask)
        let binary = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])

        let shardScript = ShardPlan.shardScript(binary: binary, arguments: replay, shards: shards, partsFolder: partsFolder, logs: logs,
                                                directory: cwd, partition: partition, time: time, cpusPerTask: cpusPerTask,
                                                pathsPerShard: maxPaths, secondsPerShard: estimate, memoryBytes: shardMemory)
        let mergeScript = ShardPlan.mergeScript(binary: binary, partsFolder: partsFolder, result: result, format: format, logs: logs,
                                                directory: cwd, partition: partition, time: time,
                                                memoryBytes: mergeMemory)
        let shardsFile = (run as NSString).appendingPathComponent("shards.sbatch")
        let mergeFile = (run as NSString).appendingPathComponent("merge.sbatch")
        do {
            try shardScript.write(toFile: shardsFile, atomically: true, encoding: .utf8)
            try mergeScript.write(toFile: mergeFile, atomically: true, encoding: .utf8)
        } catch {
            Console.error("\(run): cannot write the scripts: \(error.localizedDescription)")
            throw ExitCode(1)
        }

        // Which parts are there and valid for this very run.
        let expected = (1...shards).map { i in
            PartialResult.Header(toolVersion: Manifest.toolVersion, command: command, arguments: replay, modelPath: file.path,
                                 modelName: file.model.name, modelSHA256: Manifest.sha256Hex(file.bytes), settings: settings,
                                 shard: i, shards: shards, batches: ranges[i - 1], scenarios: [])
        }
        var todo: [Int] = []
        for i in 1...shards {
            let path = (partsFolder as NSString).appendingPathComponent(PartialResult.fileName(shard: i, of: shards))
            if let problem = ShardPlan.problem(part: path, expected: expected[i - 1], scenarios: scenarios.map(\.name)) {
                todo.append(i)
                if fm.fileExists(atPath: path) {
                    if !quiet { Console.status("shard \(i): \(problem); removing it to run the shard again") }
                    try? fm.removeItem(atPath: path)
                }
            }
        }
        let ours = Set((1...shards).map { PartialResult.fileName(shard: $0, of: shards) })
        for name in (try? fm.contentsOfDirectory(atPath: partsFolder)) ?? [] where name.hasSuffix(".part") && !ours.contains(name) {
            if !quiet { Console.status("removing \(name) from \(partsFolder): not a part of this run") }
            try? fm.removeItem(atPath: (partsFolder as NSString).appendingPathComponent(name))
        }

        if !quiet {
            Console.status("run folder \(run): shards.sbatch, merge.sbatch; parts in parts/, logs in logs/, merged result in result/")
            Console.status("leverage \(replay.joined(separator: " ")): \(settings.paths) paths in \(settings.batchCount) batches of \(settings.batchSize), \(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s")")
            Console.status(String(format: "pilot: %.3g µs per path on one core → about %.1f s per shard of %d paths on %d core",
                                  pilot * 1e6, estimate, maxPaths, cpusPerTask) + (cpusPerTask == 1 ? "" : "s"))
            Console.status(String(format: "memory: about %.0f MB per shard, %.0f MB for the merge",
                                  Double(shardMemory) / 1e6, Double(mergeMemory) / 1e6))
            for i in 1...shards {
                let r = ranges[i - 1], p = settings.pathRange(batches: r)
                Console.status("  shard \(i)/\(shards): batches \(r.lowerBound)..<\(r.upperBound), \(p.count) paths\(todo.contains(i) ? "" : " (done)")")
            }
        }

        guard submit else {
            if !quiet { Console.status("not submitted (add --submit, or run: sbatch \(shardsFile), then sbatch --dependency=afterok:JOBID \(mergeFile))") }
            return
        }
        let jobsFile = (run as NSString).appendingPathComponent("jobs.txt")
        let previous = (try? String(contentsOfFile: jobsFile, encoding: .utf8)) ?? ""
        // A previous array still queued or running would race with a resubmission.
        for line in previous.split(separator: "\n") where line.hasPrefix("shards ") {
            let id = String(line.split(separator: " ")[1])
            if let queued = try? SlurmTools.run("squeue", ["-h", "-j", id, "-o", "%i %T"]), !queued.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                Console.error("shard job \(id) of an earlier submission is still queued or running:\n\(queued)wait for it, or scancel \(id)")
                throw ExitCode(1)
            }
        }
        // The earlier merge job waits on a dependency that failed: replace it.
        for line in previous.split(separator: "\n") where line.hasPrefix("merge ") {
            let id = String(line.split(separator: " ")[1])
            if let queued = try? SlurmTools.run("squeue", ["-h", "-j", id, "-o", "%T"]), queued.contains("PENDING") {
                _ = try? SlurmTools.run("scancel", [id])
                if !quiet { Console.status("cancelled the earlier merge job \(id)") }
            }
        }
        var record = ""
        do {
            var dependency: [String] = []
            if !todo.isEmpty {
                let list = ShardPlan.arrayList(todo)
                let id = try SlurmTools.run("sbatch", ["--parsable", "--array=\(list)", shardsFile]).trimmingCharacters(in: .whitespacesAndNewlines)
                let jobID = String(id.split(separator: ";")[0])
                dependency = ["--dependency=afterok:\(jobID)"]
                record += "shards \(jobID) \(list)\n"
                try Console.out("submitted shards \(list) of \(shards) as job \(jobID)\n")
            } else if !quiet {
                Console.status("every shard's part is present and valid: submitting only the merge")
            }
            let id = try SlurmTools.run("sbatch", ["--parsable"] + dependency + [mergeFile]).trimmingCharacters(in: .whitespacesAndNewlines)
            let mergeID = String(id.split(separator: ";")[0])
            record += "merge \(mergeID)\n"
            try Console.out("submitted the merge as job \(mergeID)\(dependency.isEmpty ? "" : " (after the shards succeed)"); result in \(result)\n")
        } catch let error as SlurmTools.Failure {
            Console.error(error.description)
            try? record.write(toFile: jobsFile, atomically: true, encoding: .utf8)
            throw ExitCode(1)
        }
        do { try record.write(toFile: jobsFile, atomically: true, encoding: .utf8) } catch {
            Console.error("\(jobsFile): cannot record the job ids: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    /// Seconds per path on one core, from simulating the first batch of every scenario.
    func pilotSecondsPerPath(_ scenarios: [(name: String, portfolio: Portfolio, structure: RiskSharingStructure)],
                             settings: SimulationSettings, file: ScenarioFile) throws -> Double {
        var pilot = settings
        pilot.threads = 1
        let start = Date()
        do {
            for scenario in scenarios {
                try validateStructure(scenario.structure, portfolio: scenario.portfolio)
                _ = try simulateBatches(0..<1, portfolio: scenario.portfolio, structure: scenario.structure, settings: pilot, retaining: .tail)
            }
        } catch {
            Console.error("\(file.path): \(error)")
            throw ExitCode(1)
        }
        return Date().timeIntervalSince(start) / Double(min(settings.batchSize, settings.paths))
    }
}

/// The scripts, the part checks and the memory formulas of a Slurm run.
enum ShardPlan {
    /// The memory asked for a shard or the merge (bytes): the command's resource estimate
    /// (`simulate`: the tail-retaining simulation; `sweep`: `RiskCoverAnalysis.sweepResourceEstimate`;
    /// `solve`: `RiskCoverAnalysis.solveResourceEstimate` with the pilot's losses kept), given the
    /// shard count N (a shard and the merge hold ⌈M/N⌉ per-batch moment entries), rounded up to MB.
    /// - Parameter estimate: the command's estimate.
    static func memoryBytes(_ estimate: ResourceEstimate) -> Int {
        Int((estimate.bytes / 1e6).rounded(.up)) * 1_000_000
    }

    /// Single-quoted for the shell.
    static func quoted(_ s: String) -> String {
        if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `1-3,5,8`: Slurm's array index list.
    static func arrayList(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count && indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(i == j ? "\(indices[i])" : "\(indices[i])-\(indices[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func directives(partition: String?, time: String?) -> String {
        (partition.map { "#SBATCH --partition=\($0)\n" } ?? "") + (time.map { "#SBATCH --time=\($0)\n" } ?? "")
    }

    static func shardScript(binary: String, arguments: [String], shards: Int, partsFolder: String, logs: String, directory: String,
                            partition: String?, time: String?, cpusPerTask: Int, pathsPerShard: Int, secondsPerShard: Double,
                            memoryBytes: Int) -> String {
        """
        #!/bin/bash
        # Written by `leverage slurm`: shard ${SLURM_ARRAY_TASK_ID} of \(shards) of
        #   leverage \(arguments.map(quoted).joined(separator: " "))
        # Each task simulates a contiguous range of the run's batches (same seed, same random streams as one
        # process) and writes \(partsFolder)/shard-III-of-NNN.part; merge.sbatch puts them together.
        # Expected per shard: up to \(pathsPerShard) paths, about \(String(format: "%.0f", secondsPerShard)) s (pilot), \
        about \(memoryBytes / 1_000_000) MB.
        # Edit freely; `leverage slurm … --submit` again resubmits only shards whose parts are missing or invalid.
        #SBATCH --job-name=leverage-shards
        #SBATCH --array=1-\(shards)
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=\(cpusPerTask)
        #SBATCH --output=\(logs)/shard-%a.log
        #SBATCH --open-mode=append
        #SBATCH --chdir=\(directory)
        \(directives(partition: partition, time: time))
        set -euo pipefail
        LEVERAGE="${LEVERAGE:-\(binary)}"
        echo "shard ${SLURM_ARRAY_TASK_ID}/\(shards) on $(hostname) at $(date -u +%FT%TZ) (job ${SLURM_JOB_ID:-})"
        exec "$LEVERAGE" \(arguments.map(quoted).joined(separator: " ")) \\
            --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" --output \(quoted(partsFolder)) --threads "${SLURM_CPUS_PER_TASK:-1}"

        """
    }

    static func mergeScript(binary: String, partsFolder: String, result: String, format: OutputFormat, logs: String, directory: String,
                            partition: String?, time: String?, memoryBytes: Int) -> String {
        """
        #!/bin/bash
        # Written by `leverage slurm`: merges the parts in \(partsFolder) into \(result)
        # (the tables, manifest.json, report.html and tables.xlsx — bit-identical to a single-process run).
        # Memory: about \(memoryBytes / 1_000_000) MB. Submitted with --dependency=afterok on the shard array.
        #SBATCH --job-name=leverage-merge
        #SBATCH --ntasks=1
        #SBATCH --output=\(logs)/merge.log
        #SBATCH --open-mode=append
        #SBATCH --chdir=\(directory)
        \(directives(partition: partition, time: time))
        set -euo pipefail
        LEVERAGE="${LEVERAGE:-\(binary)}"
        echo "merge on $(hostname) at $(date -u +%FT%TZ) (job ${SLURM_JOB_ID:-})"
        exec "$LEVERAGE" merge \(quoted(partsFolder)) --output \(quoted(result)) --format \(format.rawValue)

        """
    }

    /// Why the part at `path` cannot be used for the run `expected` describes, or nil when it can.
    static func problem(part path: String, expected: PartialResult.Header, scenarios: [String]) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "no part yet" }
        let part: PartialResult
        do { part = try PartialResult.decode(data, file: path) } catch { return error.description }
        let h = part.header
        if h.toolVersion != expected.toolVersion { return "simulated by leverage \(h.toolVersion)" }
        if h.modelSHA256 != expected.modelSHA256 { return "simulated another model (SHA-256 \(h.modelSHA256))" }
        if h.arguments != expected.arguments || h.command != expected.command { return "simulated `leverage \(h.arguments.joined(separator: " "))`" }
        if h.settings != expected.settings { return "simulated other settings" }
        if h.shard != expected.shard || h.shards != expected.shards || h.batches != expected.batches { return "covers other batches" }
        if h.scenarios.map(\.name) != scenarios { return "holds other scenarios" }
        return nil
    }
}

/// Runs Slurm's command-line tools.
enum SlurmTools {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `tool` (found on PATH) and returns its standard output; throws with its standard error on failure.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure(description: "cannot run \(tool): \(error.localizedDescription)") }
        let errorData = err.fileHandleForReading.readDataToEndOfFile()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(message.isEmpty ? "no message" : message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
