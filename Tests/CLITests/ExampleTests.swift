import Foundation
import Testing

/// The library as a tool builder uses it: a separate package, `Examples/LeverageExamples`, that
/// depends on `Leverage` by path and builds its models in Swift, without YAML.
@Suite("Examples/LeverageExamples", .serialized)
struct ExampleTests {
    static let package = "Examples/LeverageExamples"
    static let scratch = repositoryRoot.appendingPathComponent(".build/examples")

    /// Builds the example package once (release; the first build compiles the whole library).
    static let built: Result<Void, BuildFailure> = {
        do {
            let build = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                       ["swift", "build", "-c", "release", "--package-path", package, "--scratch-path", scratch.path],
                                       timeLimit: 2400)
            return build.status == 0 ? .success(()) : .failure(BuildFailure(log: build.stdout + build.stderr))
        } catch { return .failure(BuildFailure(log: "\(error)")) }
    }()

    struct BuildFailure: Error, CustomStringConvertible { var log: String; var description: String { "swift build failed:\n\(log)" } }

    func run(_ product: String) throws -> CommandResult {
        try Self.built.get()
        return try runProcess(Self.scratch.appendingPathComponent("release/\(product)"), [])
    }

    @Test("CapitalStackExample prints the capital-stack tables exactly", .timeLimit(.minutes(30)))
    func capitalStackExample() throws {
        let result = try run("CapitalStackExample")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/CLITests/Golden/capital-stack-example.txt"), encoding: .utf8)
        #expect(result.stdout == golden)
        // The figures the example is about, computed by the library.
        #expect(result.stdout.contains("investai      total / EU budget               ×4.0              200.00                50.000"))
        #expect(result.stdout.contains("ai-guarantee  co-investment              ×5.0           187.50             ×15.0"))
        #expect(result.stdout.hasSuffix("gigafactory: the EU's 17 % (0.850 bn) is capped at 0.820 bn; private money 3.36 bn of 5.00 bn\n"))
    }

    /// The model RiskCoverExample builds in Swift, written as a model file, for the command.
    static let sameModelAsYAML = """
        name: Risk-cover example
        description: The portfolio Examples/LeverageExamples/RiskCoverExample builds in Swift.
        unit: eur_m
        portfolio:
          copula: student_t
          degrees_of_freedom: 6
          factors:
            names: [ai_demand, energy]
            correlation: [[1, 0.3], [0.3, 1]]
          exposures:
            - {name: gf1, ead: 1500, pd: 0.04, lgd: {mean: 0.45, sd: 0.2}, loadings: {ai_demand: 0.55, energy: 0.25}}
            - {name: gf2, ead: 1500, pd: 0.04, lgd: {mean: 0.45, sd: 0.2}, loadings: {ai_demand: 0.55, energy: 0.25}}
            - {name: gf3, ead: 1500, pd: 0.04, lgd: {mean: 0.45, sd: 0.2}, loadings: {ai_demand: 0.55, energy: 0.25}}
            - {name: gf4, ead: 1500, pd: 0.04, lgd: {mean: 0.45, sd: 0.2}, loadings: {ai_demand: 0.55, energy: 0.25}}
          pools:
            - {name: sme, count: 20000, ead: 0.2, pd: 0.025, lgd: 0.6, loadings: {ai_demand: 0.3}}
        risk_sharing:
          tranches:
            - {name: first_loss, attachment: 0, detachment: 0.08, holder: EU}
            - {name: senior, attachment: 0.08, detachment: 1, holder: private investors}
        simulation: {paths: 20000, seed: 2025, batch_size: 4096}
        risk_cover:
          public_holder: EU
          private_holder: private investors
          provisioning_rate: 0.4
          budget: 1000
          investors: {max_expected_loss_bp: 20}

        """

    @Test("RiskCoverExample: simulation, cover solve and tables without YAML equal the command's on the same model", .timeLimit(.minutes(30)))
    func riskCoverExample() throws {
        let result = try run("RiskCoverExample")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        // The estimated expected loss sits within 4 standard errors of the exact Σ EAD·PD·E[LGD].
        let el = try #require(lines.first { $0.hasPrefix("expected loss: ") })
        let numbers = el.split(whereSeparator: { " (),".contains($0) }).compactMap { Double($0) }
        try #require(numbers.count == 3, "\(el)")
        #expect(abs(numbers[0] - numbers[2]) <= 4 * numbers[1] && numbers[1] > 0, "\(el)")

        // The solved first loss lies in its band; with no guarantee leverage is 1 / first loss.
        let solved = try #require(lines.first { $0.hasPrefix("minimum first loss: ") })
        let s = solved.split(whereSeparator: { " (),".contains($0) }).compactMap { Double($0) }
        try #require(s.count == 4, "\(solved)")
        #expect(s[1] <= s[0] && s[0] <= s[2] && s[0] > 0, "\(solved)")
        #expect(abs(s[3] * s[0] - 1) < 1e-3, "\(solved)")
        #expect(solved.hasSuffix("binding expected-loss") || solved.contains("binding "))

        // No constraints: a clear error, not cover 0 and leverage ∞.
        #expect(lines.contains { $0.hasPrefix("without constraints: investor constraints: none declared") })

        // The same model as a file through the command gives the same tables, byte for byte.
        let sections = Dictionary(uniqueKeysWithValues: result.stdout.components(separatedBy: "# ").dropFirst().map { section -> (String, String) in
            let name = String(section.prefix { $0 != "\n" })
            return (name, String(section.dropFirst(name.count + 1)))
        })
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("example.yaml")
        try Self.sameModelAsYAML.write(to: model, atomically: true, encoding: .utf8)
        for (command, extra) in [("simulate", [String]()), ("solve", []), ("sweep", ["--cover", "first-loss=0.05,0.1,0.2"])] {
            let out = folder.appendingPathComponent(command)
            let cli = try leverage([command, model.path, "--format", "csv", "--output", out.path, "--quiet"] + extra)
            try #require(cli.status == 0, "\(cli.stderr)")
            let written = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".csv") }
            #expect(!written.isEmpty)
            for file in written {
                let name = String(file.dropLast(4))
                let fromCommand = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
                #expect(sections[name] == fromCommand, "table \(name) of `leverage \(command)` differs from the library's")
            }
        }
    }
}
