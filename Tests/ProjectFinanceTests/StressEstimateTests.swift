import Foundation
import ProjectFinance
import RiskSharing
import Testing

@Suite("Stress runs: memory and time estimated before they start")
struct StressEstimateTests {
    @Test("The period count the estimate uses is the one a run produces (construction + delay + operation)")
    func periods() {
        let model = smallStressModel()
        let site = model.sites[0]
        let run = ProjectModel.run(site.parameters, recordRows: false)
        let delayed = StressScenario(id: "late", label: "late", shock: Shock(delayYears: 2))
        let one = model.resourceEstimate(scenarios: [.baseline], paths: 1000, threads: 1)
        let two = model.resourceEstimate(scenarios: [.baseline], paths: 2000, threads: 1)
        // Every path keeps, per site, its outcome (160 B) and its DSCR path (8 B a period), plus
        // one pooled DSCR sample of a period over paths and sites while summarising.
        let sites = Double(model.sites.count), periods = Double(run.dscrPath.count)
        let perSite: Double = 160 + 8 * periods
        let perPath: Double = sites * perSite + 8 * sites
        #expect(abs((two.bytes - one.bytes) / 1000 - perPath) < 1e-9)
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
}
