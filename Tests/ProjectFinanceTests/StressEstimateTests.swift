import Foundation
import ProjectFinance
import RiskSharing
import Testing

@Suite("Stress runs: memory and time estimated before they start")
struct StressEstimateTests {
    @Test("The period count the estimate uses is the one a run produces (construction + delay + operation); the funding structures and the sizing at close count")
    func periods() {
        let model = smallStressModel()
        let site = model.sites[0]
        let run = ProjectModel.run(site.parameters, recordRows: false)
        let delayed = StressScenario(id: "late", label: "late", shock: Shock(delayYears: 2))
        let one = model.resourceEstimate(scenarios: [.baseline], paths: 1000, threads: 1)
        let two = model.resourceEstimate(scenarios: [.baseline], paths: 2000, threads: 1)
        // Every path keeps, per site, its outcome (160 B) and its DSCR path (8 B a period); the
        // largest transient block is a funding structure's run: its own outcomes and DSCR paths,
        // one pooled DSCR sample of a period over paths and sites, two loss samples (16 B a path),
        // and the sizing at close's CFADS (8 B a period, site and sizing path, min(paths, 2000)).
        let sites = Double(model.sites.count), periods = Double(run.dscrPath.count)
        let perSite: Double = 160 + 8 * periods
        let sizingGrowth: Double = 8 * sites * periods  // 1000 → 2000 sizing paths, per path of the run
        let perPath: Double = sites * perSite + (sites * perSite + 8 * sites + 16) + sizingGrowth
        #expect(abs((two.bytes - one.bytes) / 1000 - perPath) < 1e-9)
        // Time: the scenario's paths, the sizing at close, and per funding structure its sizing and
        // a baseline run, each one cash-flow period per site and path.
        let runs = Double(1000 + 1000 + FundingStructure.allCases.count * (1000 + 1000))
        #expect(abs(one.seconds - runs * sites * periods / Throughput.sitePeriodsPerSecond) <= 1e-9 * one.seconds)
        let late = model.resourceEstimate(scenarios: [.baseline, delayed], paths: 1000, threads: 1)
        let lateRun = ProjectModel.run(delayed.shock.applied(to: site.parameters), recordRows: false)
        let latePeriods = Double(lateRun.dscrPath.count)
        let lateBytes: Double = 1000 * sites * (160 + 8 * latePeriods)
        #expect(latePeriods == periods + 2)
        #expect(late.bytes - one.bytes == lateBytes)
    }

    @Test("A hostile delay (10³⁰⁰ years) gives a huge estimate that is refused, not a trap")
    func hostileDelay() {
        let model = smallStressModel()
        let absurd = StressScenario(id: "forever", label: "forever", shock: Shock(delayYears: 1e300))
        let estimate = model.resourceEstimate(scenarios: [.baseline, absurd], paths: 10, threads: 2)
        #expect(estimate.bytes > 1e300 && estimate.bytes.isFinite)
        let machine = MachineResources(availableBytes: 16e9, totalBytes: 32e9, cores: 2)
        guard case .tooLarge = RunAdmission.judge(estimate, on: machine, what: "stress") else {
            Issue.record("not refused"); return
        }
    }

    @Test("The range study's runs count: the estimate grows by 2 runs per input with a range, each a baseline simulation and a debt sizing")
    func rangeRuns() {
        var model = smallStressModel()
        let threads = 2, paths = 3000, rangePaths = 2500
        let none = model.resourceEstimate(scenarios: [.baseline], paths: paths, threads: threads, rangePaths: rangePaths)
        #expect(model.rangeRuns(rangePaths: rangePaths) == 0)
        var seconds: [Double] = [none.seconds]
        var bytes: [Double] = [none.bytes]
        let inputs: [CalibratedInput] = [.utilisation, .pue, .margin]
        for input in inputs {
            let base = input.value(in: model.sites[0].parameters)
            model.ranges.append(CalibrationRange(input: input, low: base * 0.9, high: base * 1.1))
            let e = model.resourceEstimate(scenarios: [.baseline], paths: paths, threads: threads, rangePaths: rangePaths)
            seconds.append(e.seconds)
            bytes.append(e.bytes)
        }
        #expect(model.rangeRuns(rangePaths: rangePaths) == 2 * inputs.count + 3)
        #expect(model.rangeRuns(rangePaths: 0) == 0)
        // A run: rangePaths paths simulated + min(rangePaths, 2000) sizing paths, each over every site's periods.
        let sitePeriods = model.sites.reduce(0.0) { $0 + Double(ProjectModel.run($1.parameters, recordRows: false).dscrPath.count) }
        let perRun = Double(rangePaths + min(rangePaths, StressTest.sizingPaths)) * sitePeriods / (Throughput.sitePeriodsPerSecond * Double(threads))
        #expect(abs(seconds[1] - seconds[0] - 5 * perRun) <= 1e-9 * seconds[1], "the first input brings the base and both corners: 5 runs")
        for k in 2...inputs.count {
            #expect(seconds[k] > seconds[k - 1])
            #expect(abs(seconds[k] - seconds[k - 1] - 2 * perRun) <= 1e-9 * seconds[k], "each further input: its low and high run")
        }
        // Memory: a range run's outcomes are held only while it runs, so more runs need no more memory.
        #expect(bytes[1] >= bytes[0] && bytes[2] == bytes[1] && bytes[3] == bytes[1])
        // No range paths: no range runs.
        #expect(model.resourceEstimate(scenarios: [.baseline], paths: paths, threads: threads, rangePaths: 0) == none)
    }
}
