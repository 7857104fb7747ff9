import Foundation
import Testing

/// The analysts' notebooks run headless against the built binary; a failing cell fails the suite.
@Suite("Notebooks")
struct NotebookTests {
    @Test("Every notebook in Notebooks/ runs to the end (nbclient, python3 kernel)", .timeLimit(.minutes(20)))
    func notebooksRun() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["LEVERAGE_BIN"] = leverageBinary.path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "Notebooks/run_notebooks.py"], environment: environment,
                                    timeLimit: 1200)
        let output = result.stdout
        #expect(result.status == 0, "\(output)\n\(result.stderr)")
        let notebooks = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Notebooks").path)
            .filter { $0.hasSuffix(".ipynb") }
        #expect(notebooks.count >= 3)
        #expect(output.contains("\(notebooks.count) passed, 0 failed"), "\(output)")
    }
}
