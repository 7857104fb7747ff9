import Foundation
import Testing

@Suite("leverage compare")
struct CompareCLITests {
    @Test("compare efsi investeu investai: the EU effects and multipliers of the three programmes in one table each")
    func programmes() throws {
        let result = try leverage("compare", "efsi", "investeu", "investai", "--format", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let effects = try #require(try jsonTable(result.stdout, "eu_effects"))
        #expect(effects.columns.first == "case")
        var counts: [String: Int] = [:]
        for row in effects.rows { counts[row[0] as! String, default: 0] += 1 }
        // Each model's own eu_effects rows, unchanged.
        for model in ["efsi", "investeu", "investai"] {
            let own = try #require(try jsonTable(try leverage("run", model, "--format", "json").stdout, "eu_effects"))
            #expect(counts[model] == own.rows.count)
        }
        let multipliers = try #require(try jsonTable(result.stdout, "multipliers"))
        #expect(multipliers.rows.contains { $0[0] as? String == "investeu" && $0[1] as? String == "investeu" && $0[2] as? String == "investment / guarantee" })
    }

    @Test("compare needs two models")
    func needsTwo() throws {
        #expect(try leverage("compare", "efsi").status == 64)
    }
}
