import ArgumentParser
import Foundation
import Leverage

/// Runs the model's `lifetime` section with the command's settings (progress on stderr), or
/// exits 1 with the located message.
func runLifetime(_ file: ScenarioFile, risk: RiskModel, spec: LifetimeSpec, settings: SimulationSettings, quiet: Bool) throws -> LifetimeReport {
    let progress = Progress(label: "lifetime \(spec.startYear)–\(spec.startYear + spec.years - 1)", enabled: !quiet)
    var onBatch: (@Sendable (Int, Int) -> Void)?
    if progress.enabled { onBatch = { @Sendable done, total in progress.update(done, total) } }
    defer { progress.finish() }
    do {
        return try simulateLifetime(portfolio: risk.portfolio, structure: risk.structure, lifetime: spec, settings: settings, progress: onBatch)
    } catch {
        progress.finish()
        Console.error("\(file.path): lifetime: \(error)")
        throw ExitCode(1)
    }
}
