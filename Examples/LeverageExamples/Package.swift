// swift-tools-version: 6.1
// A package that imports Leverage as a library, with no YAML:
//   CapitalStackExample — a capital stack and a leverage chain, evaluated and printed as `leverage run` prints them;
//   RiskCoverExample    — a correlated loan portfolio simulated, the minimum first loss solved, a sweep, and their tables.
// Build and run them from the repository root:
//   swift run -c release --package-path Examples/LeverageExamples --scratch-path .build/examples CapitalStackExample
//   swift run -c release --package-path Examples/LeverageExamples --scratch-path .build/examples RiskCoverExample
import Foundation
import PackageDescription

// SwiftPM names a package found by path after its folder, which is whatever the clone is called
// (`leverage`, `main`, …); the product reference below needs that name. In your own project use
// `.package(url: "<the Leverage Git URL>", from: "0.1.0")` and `package: "leverage"`.
let leveragePackage = URL(fileURLWithPath: Context.packageDirectory)
    .appendingPathComponent("../..").standardizedFileURL.lastPathComponent

let package = Package(
    name: "LeverageExamples",
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "CapitalStackExample",
            dependencies: [.product(name: "Leverage", package: leveragePackage)]
        ),
        .executableTarget(
            name: "RiskCoverExample",
            dependencies: [.product(name: "Leverage", package: leveragePackage)]
        ),
    ]
)
