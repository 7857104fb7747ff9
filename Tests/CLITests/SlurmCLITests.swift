import Foundation
import Testing

/// `leverage slurm` without a cluster: the scripts it writes, the plan it prints, and which shards a
/// resubmission would run. (scripts/slurm-test.sh runs the same against a real one-node Slurm.)
@Suite("leverage slurm: scripts and resubmission plan")
struct SlurmCLITests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-slurm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Writes a job array over SLURM_ARRAY_TASK_ID and a merge job; prints paths per shard and a pilot estimate")
    func scripts() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("run")
        let result = try leverage("slurm", "benchmark-b1000", "--shards", "4", "--paths", "9000", "--run-dir", run.path,
                                  "--partition", "gpu", "--time", "00:10:00", "--cpus-per-task", "2")
        #expect(result.status == 0, "\(result.stderr)")
        let shards = try String(contentsOf: run.appendingPathComponent("shards.sbatch"), encoding: .utf8)
        let merge = try String(contentsOf: run.appendingPathComponent("merge.sbatch"), encoding: .utf8)
        #expect(shards.hasPrefix("#!/bin/bash\n"))
        for line in ["#SBATCH --array=1-4", "#SBATCH --partition=gpu", "#SBATCH --time=00:10:00", "#SBATCH --cpus-per-task=2",
                     "simulate benchmark-b1000 --paths 9000 --seed 2025", "--shard \"${SLURM_ARRAY_TASK_ID}/4\"",
                     "--output \(run.path)/parts"] {
            #expect(shards.contains(line), "shards.sbatch lacks \(line)")
        }
        #expect(merge.contains("merge \(run.path)/parts --output \(run.path)/result --format csv"))
        #expect(merge.contains("#SBATCH --partition=gpu"))
        // 9000 paths in 3 batches of 4096: shards of 0, 1, 1, 1 batches.
        #expect(result.stderr.contains("shard 1/4: batches 0..<0, 0 paths"))
        #expect(result.stderr.contains("shard 4/4: batches 2..<3, 808 paths"))
        #expect(result.stderr.contains("pilot:") && result.stderr.contains("per shard"))
        #expect(result.stderr.contains("not submitted"))
    }

    @Test("Shards with a valid part are done; a missing or corrupted part is run again")
    func resubmissionPlan() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("run"), parts = run.appendingPathComponent("parts")
        for i in [1, 3] {
            let shard = try leverage("simulate", "benchmark-b1000", "--paths", "9000", "--seed", "2025", "--shard", "\(i)/3",
                                     "--output", parts.path, "--quiet")
            #expect(shard.status == 0)
        }
        // A part of another seed is not this run's.
        let other = try leverage("simulate", "benchmark-b1000", "--paths", "9000", "--seed", "5", "--shard", "2/3",
                                 "--output", parts.path, "--quiet")
        #expect(other.status == 0)
        let plan = try leverage("slurm", "benchmark-b1000", "--shards", "3", "--paths", "9000", "--run-dir", run.path)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("shard 1/3: batches 0..<1, 4096 paths (done)"))
        #expect(plan.stderr.contains("shard 2/3: batches 1..<2, 4096 paths\n"))
        #expect(plan.stderr.contains("shard 3/3: batches 2..<3, 808 paths (done)"))
        #expect(plan.stderr.contains("shard 2: simulated `leverage simulate benchmark-b1000 --paths 9000 --seed 5`; removing it"))
        #expect(!FileManager.default.fileExists(atPath: parts.appendingPathComponent("shard-002-of-003.part").path))
        // Corrupt shard 3: it is no longer done.
        let three = parts.appendingPathComponent("shard-003-of-003.part")
        var data = try Data(contentsOf: three)
        data[data.count - 1] ^= 1
        try data.write(to: three)
        let again = try leverage("slurm", "benchmark-b1000", "--shards", "3", "--paths", "9000", "--run-dir", run.path)
        #expect(again.stderr.contains("shard 3: \(three.path): corrupted part"))
        #expect(again.stderr.contains("shard 3/3: batches 2..<3, 808 paths\n"))
        #expect(again.stderr.contains("shard 1/3: batches 0..<1, 4096 paths (done)"))
    }

    @Test("Mistakes in the command or the options exit 64 before anything is submitted")
    func mistakes() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let bad = try leverage("slurm", "investai-risk-sharing", "--command", "sweep", "--shards", "2", "--run-dir", root.path + "/r",
                               "--", "--cover", "nonsense=1")
        #expect(bad.status == 64, "\(bad.stderr)")
        #expect(try leverage("slurm", "benchmark-b1000", "--shards", "0").status == 64)
        #expect(try leverage("slurm", "benchmark-b1000", "--shards", "2", "--command", "run").status == 64)
        #expect(try leverage("slurm", "benchmark-b1000", "--shards", "2", "--time", "1 hour").status == 64)
    }
}
