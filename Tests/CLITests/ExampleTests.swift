import Foundation
import Testing

/// The library as a tool builder uses it: a separate package that depends on `Leverage` by path.
@Suite("Examples/CapitalStackExample")
struct ExampleTests {
    /// Builds the example package (release, scratch path `.build/examples`; the first build compiles
    /// the whole library and takes a few minutes), runs it and compares its output with
    /// `Golden/capital-stack-example.txt`.
    @Test("The example package builds against the library and prints its tables exactly", .timeLimit(.minutes(30)))
    func capitalStackExample() throws {
        let package = "Examples/CapitalStackExample"
        let scratch = repositoryRoot.appendingPathComponent(".build/examples")
        let build = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["swift", "build", "-c", "release", "--package-path", package, "--scratch-path", scratch.path])
        try #require(build.status == 0, "swift build failed:\n\(build.stdout)\n\(build.stderr)")
        let result = try runProcess(scratch.appendingPathComponent("release/CapitalStackExample"), [])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/CLITests/Golden/capital-stack-example.txt"), encoding: .utf8)
        #expect(result.stdout == golden)
        // The figures the example is about, computed by the library.
        #expect(result.stdout.contains("investai      total / EU budget               ×4.0              200.00                50.000"))
        #expect(result.stdout.contains("ai-guarantee  co-investment              ×5.0           187.50             ×15.0"))
        #expect(result.stdout.hasSuffix("gigafactory: the EU's 17 % (0.850 bn) is capped at 0.820 bn; private money 3.36 bn of 5.00 bn\n"))
    }
}
