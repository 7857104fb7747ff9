// swift-tools-version: 6.1
// A package that imports Leverage as a library: builds a capital stack and a leverage chain in
// Swift (no YAML), evaluates them and prints the same tables the `leverage` command prints.
// Build and run it from the repository root:
//   swift run -c release --package-path Examples/CapitalStackExample --scratch-path .build/examples
import Foundation
import PackageDescription

// SwiftPM names a package found by path after its folder, which is whatever the clone is called
// (`leverage`, `main`, …); the product reference below needs that name. In your own project use
// `.package(url: "<the Leverage Git URL>", from: "0.1.0")` and `package: "leverage"`.
let leveragePackage = URL(fileURLWithPath: Context.packageDirectory)
    .appendingPathComponent("../..").standardizedFileURL.lastPathComponent

let package = Package(
    name: "CapitalStackExample",
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "CapitalStackExample",
            dependencies: [.product(name: "Leverage", package: leveragePackage)]
        ),
    ]
)
