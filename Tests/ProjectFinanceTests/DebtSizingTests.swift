import Foundation
import Testing
import ProjectFinance

@Suite("Debt sized to a target DSCR")
struct DebtSizingTests {
    static func sized(_ amortisation: ProjectParameters.Amortisation, target: Double = 1.3, haircut: Double = 0.1,
                      maximum: Double = 0.8) -> ProjectParameters {
        var p = smallProject(amortisation: amortisation)
        p.funding.debt.gearing = maximum
        p.funding.debt.sizing = DebtSizing(targetDSCR: target, cfadsHaircut: haircut)
        return p
    }

    @Test("sculpted: the base case keeps DSCR = target / (1 − haircut) in every period; gearing = B / κ_c / capex")
    func sculpted() throws {
        let p = DebtSizingTests.sized(.sculpted)
        let s = try #require(DebtSizer.size(p))
        let cf = (0..<3).map { fullPriceRevenue * yearMean * pow(0.9, Double($0)) - 1.095 - 0.9 }
        let b = (0..<3).reduce(0.0) { $0 + cf[$1] * 0.9 / 1.3 / pow(1.05, Double($1 + 1)) }
        #expect(close(s.dscrSizedDebtAtCOD, b, 1e-12))
        // One construction year: the draw at t = ½ capitalises to COD at 1.05^½.
        #expect(close(s.gearing, b / pow(1.05, 0.5) / 20, 1e-12) && s.dscrBinds)
        let run = ProjectModel.run(p)
        #expect(close(run.debtAtCOD, b, 1e-12))
        for row in run.rows.dropFirst() { #expect(close(row.dscr, 1.3 / 0.9, 1e-12)) }
    }

    @Test("annuity and linear: the tightest period's DSCR is the target on the haircut case", arguments: [ProjectParameters.Amortisation.annuity, .linear])
    func level(_ amortisation: ProjectParameters.Amortisation) throws {
        let run = ProjectModel.run(DebtSizingTests.sized(amortisation))
        #expect(close(run.minimumDSCR, 1.3 / 0.9, 1e-12))
    }

    @Test("the maximum gearing caps the sized debt; a stress does not resize it")
    func capAndStress() throws {
        let capped = try #require(DebtSizer.size(DebtSizingTests.sized(.sculpted, target: 1.0, haircut: 0, maximum: 0.3)))
        #expect(!capped.dscrBinds && capped.gearing == 0.3 && capped.dscrSizedGearing > 0.3)
        let model = StressModel(sites: [Site(id: "a", label: "a", parameters: DebtSizingTests.sized(.sculpted))], drivers: .zero,
                                lenders: LenderStructure(firstLoss: 0.1), scenarios: [])
        let base = model.deterministic(.none)[0], stressed = model.deterministic(Shock(gpuPrice: -0.2))[0]
        #expect(base.debtCommitted == stressed.debtCommitted && stressed.minimumDSCR! < base.minimumDSCR!)
        #expect(close(model.volume, base.debtCommitted, 1e-12))
    }
}
