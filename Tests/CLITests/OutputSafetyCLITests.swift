import Foundation
import Testing

/// `--output` never loses a user's file (issue 14): it replaces only a result folder leverage
/// wrote that holds nothing else, never the current folder, and a killed write leaves the target
/// either the complete old result or the complete new one.
@Suite("CLI: --output never deletes a user's file", .serialized)
struct OutputSafetyCLITests {
    func fileSet(_ folder: URL) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    }

    @Test("A note saved into a result folder survives running the same command again")
    func noteSurvivesRerun() throws {
        let root = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let res = root.appendingPathComponent("res").path
        #expect(try leverage("run", "investai", "--output", res, "--quiet").status == 0)
        try Data("my note".utf8).write(to: URL(fileURLWithPath: res + "/note.txt"))
        let again = try leverage("run", "investai", "--output", res)
        #expect(again.status == 1)
        #expect(again.stderr.contains("'note.txt'"))
        #expect(again.stdout.isEmpty)
        #expect(try String(contentsOfFile: res + "/note.txt", encoding: .utf8) == "my note")
        // Without the note the folder is leverage's own again and is replaced.
        try FileManager.default.removeItem(atPath: res + "/note.txt")
        #expect(try leverage("run", "investai", "--output", res, "--format", "csv", "--quiet").status == 0)
        #expect(fileSet(URL(fileURLWithPath: res)).contains("multipliers.csv"))
    }

    @Test("--output . and --output '' delete nothing, even in a folder holding a manifest.json", arguments: [".", "", "./"])
    func currentFolderIsNeverReplaced(_ output: String) throws {
        let root = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent("work")
        #expect(try leverage("run", "investai", "--output", work.path, "--quiet").status == 0)
        try Data("mine".utf8).write(to: work.appendingPathComponent("analysis.txt"))
        let before = fileSet(work)
        let result = try leverage("run", "investai", "--output", output, in: work)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(fileSet(work) == before)
        #expect(fileSet(root) == ["work"])
    }

    @Test("--force moves a foreign folder aside instead of deleting it")
    func forceMovesAside() throws {
        let root = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: folder.appendingPathComponent("keep.txt"))
        let result = try leverage("run", "investai", "--output", folder.path, "--force")
        #expect(result.status == 0)
        let aside = fileSet(root).filter { $0.hasPrefix("out.replaced-") }
        #expect(aside.count == 1)
        #expect(try String(contentsOf: root.appendingPathComponent(aside.first ?? "?").appendingPathComponent("keep.txt"), encoding: .utf8) == "keep")
    }

    /// Kills `leverage run … --output res` with SIGKILL at random moments while it replaces an
    /// earlier result; after every kill `res` must be the complete old or the complete new result,
    /// and the next successful run removes the staging folders the killed runs left.
    @Test("kill -9 at random moments of a write: the target is always complete, old or new")
    func killDuringWrite() throws {
        let root = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let res = root.appendingPathComponent("res")
        #expect(try leverage("run", "investai", "--output", res.path, "--format", "csv", "--quiet").status == 0)
        let csvSet = fileSet(res)
        // Markdown adds NAME.md beside every table's CSV and JSON.
        let mdSet = csvSet.union(csvSet.filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) + ".md" })
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for trial in 0..<40 {
            let format = trial % 2 == 0 ? "markdown" : "csv"
            let process = Process()
            process.executableURL = leverageBinary
            process.arguments = ["run", "investai", "--output", res.path, "--format", format, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 0...40_000, using: &generator))
            if process.isRunning { kill(process.processIdentifier, SIGKILL); killed += 1 }
            process.waitUntilExit()
            let now = fileSet(res)
            #expect(now == csvSet || now == mdSet, "trial \(trial): \(now.sorted())")
            let manifest = try Data(contentsOf: res.appendingPathComponent("manifest.json"))
            #expect((try? JSONSerialization.jsonObject(with: manifest)) != nil, "trial \(trial): manifest complete")
            #expect(fileSet(root).allSatisfy { $0 == "res" || $0.hasPrefix(".res.leverage-staging.") })
        }
        #expect(try leverage("run", "investai", "--output", res.path, "--quiet").status == 0)
        #expect(fileSet(root) == ["res"], "stale staging folders removed by the next run (\(killed) runs killed)")
    }
}

/// A full disk while a result folder is replaced: the write fails with exit 1 and the old result
/// stays whole, with no staging folder left. Needs root to mount a small tmpfs (CI runs as root).
@Suite("CLI: --output on a full disk", .serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskCLITests {
    func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        try runProcess(URL(fileURLWithPath: tool), arguments).status
    }

    @Test("The disk fills up half-way through the new result: the old one is intact, nothing else is left")
    func fullDisk() throws {
        let root = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        // One result's size on a tmpfs: every file takes whole 4 KiB pages.
        let probe = root.appendingPathComponent("probe")
        #expect(try leverage("run", "investai", "--output", probe.path, "--quiet").status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: probe.path)
        let pages = try names.reduce(1) { sum, name in
            let size = try FileManager.default.attributesOfItem(atPath: probe.appendingPathComponent(name).path)[.size] as? Int ?? 0
            return sum + (size + 4095) / 4096
        }
        let mountPoint = root.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        // Room for one result and a half: the second write runs out of space.
        let sizeKiB = pages * 4 * 3 / 2
        guard try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeKiB)k", "tmpfs", mountPoint.path]) == 0 else {
            Issue.record("could not mount a tmpfs of \(sizeKiB) KiB")
            return
        }
        defer { _ = try? run("/bin/umount", [mountPoint.path]) }
        let res = mountPoint.appendingPathComponent("res")
        #expect(try leverage("run", "investai", "--output", res.path, "--quiet").status == 0)
        let before = try names.sorted().map { try Data(contentsOf: res.appendingPathComponent($0)) }
        for trial in 0..<5 {
            let full = try leverage("run", "investai", "--output", res.path, "--format", "markdown")
            #expect(full.status == 1, "trial \(trial): \(full.stderr)")
            #expect(full.stderr.contains("cannot write"), "trial \(trial): \(full.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint.path) == ["res"], "trial \(trial): no staging folder left")
            let after = try names.sorted().map { try Data(contentsOf: res.appendingPathComponent($0)) }
            #expect(after == before, "trial \(trial): the old result is intact")
        }
    }
}
