// swift-tools-version: 6.1
// Leverage: public–private co-investment and leverage for Europe's AI financing.
// Layers, one job each:
//   CLapacke → LinearAlgebra → Stochastics → RiskSharing → RiskCover / ProjectFinance / CapitalStacks → Scenarios → Reports → LeverageCLI
// Data flows one way: file → validated model → engine → results → table → renderer.
import PackageDescription

let package = Package(
    name: "Leverage",
    products: [
        .library(name: "Leverage", targets: ["Leverage"]),
        .executable(name: "leverage", targets: ["LeverageCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `swift package generate-documentation`: the DocC catalogs in Sources/*/Documentation.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // LAPACKE + CBLAS from Debian's liblapacke-dev and libopenblas-dev; imported by LinearAlgebra only.
        .systemLibrary(
            name: "CLapacke",
            pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev", "libopenblas-dev", "pkg-config"])]
        ),
        // Column-major Matrix and typed wrappers of dpotrf, dgesv, dgels, dsyevd, dgemm; nearest correlation.
        .target(name: "LinearAlgebra", dependencies: ["CLapacke"]),
        // Counter-based random streams, distributions, statistics with standard errors.
        .target(name: "Stochastics", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        // Correlated-loss portfolios, copulas, tranches, guarantees and the Monte Carlo engine.
        .target(name: "RiskSharing", dependencies: ["LinearAlgebra", "Stochastics"]),
        // Risk cover: how much public first loss or guarantee private co-investment needs (sweep, solve, stress).
        .target(name: "RiskCover", dependencies: ["LinearAlgebra", "RiskSharing", "Stochastics"]),
        // Project cash flows of a gigafactory: capex, revenue, opex, debt service, DSCR, IRR/NPV, stresses.
        .target(name: "ProjectFinance", dependencies: ["LinearAlgebra", "Stochastics", "RiskSharing"]),
        // Deterministic capital stacks, matching rules, leverage chains and multipliers.
        .target(name: "CapitalStacks", dependencies: ["Stochastics"]),
        // Scenario files: YAML documents validated into models, with located errors.
        // The bundled models (every Models/*.yaml and *.csv) are compiled in by the EmbedModels plugin.
        .target(name: "Scenarios", dependencies: ["LinearAlgebra", "CapitalStacks", "RiskSharing", "RiskCover", "ProjectFinance", "Yams"],
                plugins: ["EmbedModels"]),
        // Writes the Swift source holding the text of Models/ (run at build time by EmbedModels only).
        .executableTarget(name: "ModelEmbedder"),
        // Embeds Models/ into Scenarios at build time: the files are its inputs, so editing a model rebuilds.
        .plugin(name: "EmbedModels", capability: .buildTool(), dependencies: ["ModelEmbedder"]),
        // Results → Table values → CSV / Markdown / JSON / terminal renderers; manifests; atomic result folders.
        .target(name: "Reports", dependencies: ["LinearAlgebra", "Scenarios", "ZIPFoundation"], plugins: ["BuildInfo"]),
        // Records the git commit at build time for manifests (a prebuild command running `git rev-parse HEAD`).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // The one library users import.
        .target(name: "Leverage", dependencies: ["LinearAlgebra", "Stochastics", "RiskSharing", "RiskCover", "ProjectFinance", "CapitalStacks", "Scenarios", "Reports"]),
        // The `leverage` command: argument parsing and wiring only.
        .executableTarget(
            name: "LeverageCLI",
            dependencies: ["Leverage", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Shared test assertions (relative error, Monte Carlo tolerances, parameter sweeps).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "StochasticsTests", dependencies: ["Stochastics", "TestSupport"]),
        .testTarget(name: "RiskSharingTests", dependencies: ["RiskSharing", "Stochastics", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "RiskCoverTests", dependencies: ["RiskCover", "RiskSharing", "Stochastics", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "ProjectFinanceTests", dependencies: ["ProjectFinance", "Stochastics", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "CapitalStacksTests", dependencies: ["CapitalStacks", "TestSupport"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"]),
        // Runs the built `leverage` binary: exact output and exit codes.
        .testTarget(name: "CLITests", dependencies: ["LeverageCLI", "TestSupport"], exclude: ["Golden"]),
    ]
)
