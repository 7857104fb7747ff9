import Foundation
import RiskSharing
import Scenarios
import Testing

/// The `lifetime` section: read into RiskSharing's `LifetimeSpec`, every bad value located.
@Suite("Lifetime section: reading and located errors")
struct LifetimeScenarioTests {
    static func model(_ lifetime: String) -> String {
        """
        name: t
        description: lifetime test
        unit: eur_m
        portfolio:
          factors: {names: [economy], uniform_correlation: 0}
          pools:
            - {name: loans, count: 100, ead: 1, pd: 0.03, lgd: 0.5, loadings: {economy: 0.4}}
        risk_sharing:
          tranches:
            - {name: portfolio, attachment: 0, detachment: 1, holder: banks}
          guarantees:
            - {name: eu, rate: 0.7, cap: 0.2, covers: portfolio, guarantor: EU}
        lifetime:
        \(lifetime)
        """
    }

    @Test("A valid section becomes the spec: term structures, amortisation, fees")
    func valid() throws {
        let m = try ScenarioLoader.parse(Self.model("""
              start_year: 2027
              horizon: 3
              recovery_lag: 1
              discount_rate: 0.03
              fees: {eu: 0.005}
              default: {amortisation: linear, maturity: 5}
              items:
                loans: {cumulative_pd: [0.03, 0.05, 0.08], amortisation: annuity, maturity: 4, rate: 0.05}
            """), file: "m.yaml")
        let spec = try #require(m.risk?.lifetime)
        #expect(spec.startYear == 2027 && spec.horizon == 3 && spec.recoveryLag == 1 && spec.fees == ["eu": 0.005])
        #expect(spec.items["loans"] == CreditLifetime(term: .cumulative([0.03, 0.05, 0.08]), amortisation: .annuity(maturity: 4, rate: 0.05)))
        #expect(spec.defaultLifetime.amortisation == .linear(maturity: 5))
    }

    @Test("Bad values are located at their line and field", arguments: [
        ("  start_year: 2027\n  horizon: 3\n  items:\n    loans: {cumulative_pd: [0.03, 0.05, 0.04]}", "m.yaml:17:", "lifetime.items.loans.cumulative_pd[2]", "nondecreasing"),
        ("  start_year: 2027\n  horizon: 2\n  items:\n    loans: {cumulative_pd: [0.03, 1.5]}", "m.yaml:17:", "cumulative_pd[1]", "not in [0, 1]"),
        ("  start_year: 2027\n  horizon: 3\n  recovery_lag: -1", "m.yaml:16:", "lifetime.recovery_lag", "below 0"),
        ("  start_year: 2027\n  horizon: 3\n  items:\n    loans: {cumulative_pd: [0.03]}", "m.yaml:17:", "cumulative_pd", "horizon of 3"),
        ("  start_year: 2027\n  horizon: 3\n  items:\n    loanz: {hazard: 0.03}", "m.yaml:17:", "lifetime.items", "loans"),
        ("  start_year: 2027\n  horizon: 3\n  fees: {nobody: 0.01}", "m.yaml:16:", "lifetime.fees", "eu"),
        ("  start_year: 2027\n  horizon: 3\n  default: {amortisation: linear}", "m.yaml:16:", "maturity", "missing"),
        ("  horizon: 3", "m.yaml:14:", "lifetime.start_year", "missing"),
    ])
    func located(_ section: String, _ place: String, _ path: String, _ message: String) {
        let found = diagnostics(Self.model(section))
        #expect(found.contains { $0.contains(path) && $0.contains(message) }, "\(found)")
        #expect(found.contains { $0.hasPrefix(place) || $0.contains(place) } || place.isEmpty, "\(found)")
    }
}
