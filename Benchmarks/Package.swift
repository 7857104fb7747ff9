// swift-tools-version: 6.1
// Benchmarks for Leverage, kept out of the root package (as swift-collections does) so that
// `swift build` / `swift test` at the root never build them.
//
//   swift build -c release --package-path Benchmarks
//   Benchmarks/.build/release/b1000 --paths 200000
import PackageDescription

let package = Package(
    name: "LeverageBenchmarks",
    dependencies: [
        // The root package; its library product "Leverage" re-exports RiskSharing and Stochastics.
        .package(name: "Leverage", path: ".."),
    ],
    targets: [
        // The B1000 portfolio through the Monte Carlo engine; prints one JSON object.
        .executableTarget(
            name: "b1000",
            dependencies: [.product(name: "Leverage", package: "Leverage")],
            path: "Sources/B1000"
        ),
        // Rare events on the Glasserman–Li portfolio: importance sampling's time to a 10 %
        // relative error, against plain Monte Carlo of the same engine; prints JSON lines.
        .executableTarget(
            name: "rare-events",
            dependencies: [.product(name: "Leverage", package: "Leverage")],
            path: "Sources/RareEvents"
        ),
    ]
)
