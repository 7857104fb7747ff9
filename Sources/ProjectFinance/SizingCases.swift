import Foundation
import Stochastics

/// The simulated CFADS cases lenders size a site's debt on: per operating row j = 1…n of the
/// tenor, the median (P50) and the 10th percentile (P90: exceeded with 90 % probability) of the
/// **unlevered** CFADS over Monte Carlo paths (``ProjectModel/unleveredCFADS(_:drivers:)``), EUR m.
///
/// Convention: **per-period percentiles** (row by row), not the percentile of the NPV of the
/// CFADS; see ``DebtSizing``. The paths are drawn with the seed `seed &+ 0x9E37_79B9_7F4A_7C15`,
/// independent of the evaluation's paths (sizing out of sample).
public struct SizingCases: Sendable, Equatable {
    /// Site id.
    public var site: String
    /// Per-row median CFADS.
    public var p50: [Double]
    /// Per-row 10th-percentile CFADS.
    public var p90: [Double]
    /// The planned (unshocked) CFADS, for comparison.
    public var planned: [Double]
    /// Paths simulated.
    public var paths: Int

    /// The case of a simulated basis (nil for the sponsor case).
    public func sizingCase(_ basis: SizingBasis) -> [Double]? {
        switch basis {
        case .sponsorCase: return nil
        case .p50: return p50
        case .p90: return p90
        }
    }

    /// The seed of the sizing paths for a run seeded `seed`.
    public static func seed(for seed: UInt64) -> UInt64 { seed &+ 0x9E37_79B9_7F4A_7C15 }
}

extension StressModel {
    /// The P50/P90 CFADS cases of every site over `paths` paths (bit-identical for any `threads`).
    public func sizingCases(paths: Int, seed: UInt64, threads: Int? = nil) throws(SimulationError) -> [SizingCases] {
        guard paths >= 1 else { throw .settings("paths must be at least 1, got \(paths)") }
        let params = sites.map(\.parameters)
        for (k, site) in params.enumerated() {
            let issues = site.issues()
            if !issues.isEmpty { throw .parameters(site: sites[k].id, issues: issues) }
        }
        let sampler: DriverSampler
        do { sampler = try DriverSampler(model: drivers) } catch { throw .correlation(error) }
        let s = params.count
        let sizingSeed = SizingCases.seed(for: seed)
        var cfads = [[Double]](repeating: [], count: paths * s)
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, paths))
        cfads.withUnsafeMutableBufferPointer { buffer in
            let out = CaseBuffer(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var p = w
                while p < paths {
                    let driverPaths = sampler.sample(seed: sizingSeed, path: p, sites: params)
                    for k in 0..<s { out.buffer[p * s + k] = ProjectModel.unleveredCFADS(params[k], drivers: driverPaths[k]) }
                    p += workers
                }
            }
        }
        return (0..<s).map { k in
            let n = cfads[k].count
            var p50 = [Double](repeating: 0, count: n), p90 = p50
            for j in 0..<n {
                let column = (0..<paths).map { cfads[$0 * s + k][j] }.sorted()
                p50[j] = SampleStatistics.quantile(sorted: column, level: 0.5).value
                p90[j] = SampleStatistics.quantile(sorted: column, level: 0.1).value
            }
            return SizingCases(site: sites[k].id, p50: p50, p90: p90, planned: ProjectModel.plannedCFADS(params[k]), paths: paths)
        }
    }

    /// The model with each P50/P90-sized site's ``ProjectParameters/Debt/sizingCFADS`` set from
    /// its simulated case, and the cases of every site.
    public func sizedOnSimulation(paths: Int, seed: UInt64, threads: Int? = nil) throws(SimulationError) -> (StressModel, [SizingCases]) {
        let cases = try sizingCases(paths: paths, seed: seed, threads: threads)
        var model = self
        for k in model.sites.indices {
            if let basis = model.sites[k].parameters.funding.debt.sizing?.basis, let c = cases[k].sizingCase(basis) {
                model.sites[k].parameters.funding.debt.sizingCFADS = c
            }
        }
        return (model, cases)
    }
}

/// Each worker writes only its own paths' slots.
struct CaseBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<[Double]>
}
