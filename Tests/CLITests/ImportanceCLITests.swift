import Foundation
import Testing

/// `leverage simulate --method importance`, `--target` and `--exceedance` end to end.
@Suite("leverage simulate: importance sampling and exceedance")
struct ImportanceCLITests {
    @Test("The Glasserman–Li model runs importance sampling from its file: P(L > 2007.5) within 4 SE of quadrature (1.484e-7)")
    func bundledModel() throws {
        let result = try leverage("simulate", "glasserman-li", "--paths", "4000", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try jsonTable(result.stdout, "exceedance")).rows
        #expect(rows.count == 3)
        let rare = try #require(rows.first { ($0[0] as? Double) == 0.1825 })
        let p = try #require(rare[1] as? Double), se = try #require(rare[2] as? Double)
        #expect(abs(p - 1.4841857541602706e-07) <= 4 * se, "\(p) ± \(se)")
    }

    @Test("--method plain --exceedance: zero hits get an upper bound instead of 0 ± 0")
    func plainExceedance() throws {
        let result = try leverage("simulate", "glasserman-li", "--method", "plain", "--paths", "2000", "--exceedance", "0.01", "0.5", "--format", "json", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try jsonTable(result.stdout, "exceedance")).rows
        let zero = try #require(rows.first { ($0[0] as? Double) == 0.5 })
        #expect(zero[3] as? Int == 0)
        let bound = try #require(zero[4] as? Double)
        #expect(abs(bound - (1 - pow(0.05, 1 / 2000.0))) < 1e-12)
    }

    @Test("Bad flags exit 64; a target the portfolio cannot reach is a model error")
    func badInput() throws {
        #expect(try leverage("simulate", "glasserman-li", "--target", "1.5").status == 64)
        #expect(try leverage("simulate", "glasserman-li", "--exceedance", "-0.1").status == 64)
        #expect(try leverage("simulate", "glasserman-li", "--method", "fancy").status == 64)
    }
}
