import Testing
import Stochastics
import TestSupport

// Reference values: Φ and Φ⁻¹ from mpmath at 40 digits (mp.ncdf, findroot on ncdf);
// Student-t from SciPy 1.17.1 (stats.t.cdf / stats.t.ppf), cross-checked against mpmath's
// betainc to ≤ 2·10⁻¹⁵ relative:
//
//   from scipy import stats; stats.t.cdf(t, nu); stats.t.ppf(p, nu)

@Suite("Normal and Student-t distributions")
struct DistributionTests {
    @Test("Φ matches mpmath", arguments: [
        (-37.5, 4.605353009581955e-308), (-10.0, 7.619853024160525e-24), (-5.0, 2.866515718791939e-07),
        (-2.5, 0.006209665325776135), (-1.0, 0.15865525393145705), (0.0, 0.5), (0.5, 0.6914624612740131),
        (1.96, 0.9750021048517795), (3.0, 0.9986501019683699), (8.0, 0.9999999999999993),
    ])
    func normalCDF(x: Double, expected: Double) {
        let v = Normal.cdf(x)
        #expect(Tolerance.relativeError(v, expected) < 1e-14, "Φ(\(x)) = \(v), expected \(expected)")
    }

    @Test("Φ⁻¹ (AS241) matches mpmath", arguments: [
        (1e-300, -37.0470962993612), (1e-20, -9.262340089798407), (1e-10, -6.361340902404057),
        (1e-05, -4.264890793922825), (0.001, -3.0902323061678136), (0.025, -1.9599639845400543),
        (0.075, -1.439531470938456), (0.3, -0.5244005127080408), (0.5, 0.0), (0.9, 1.2815515655446006),
        (0.975, 1.9599639845400538), (0.999999, 4.753424308817087),
    ])
    func normalQuantile(p: Double, expected: Double) {
        let v = Normal.quantile(p)
        #expect(abs(v - expected) <= 1e-15 * max(1, abs(expected)), "Φ⁻¹(\(p)) = \(v), expected \(expected)")
    }

    @Test("Φ(Φ⁻¹(p)) = p across 16 decades")
    func normalRoundTrip() {
        var p = 1e-16
        while p < 1 {
            for q in [p, 1 - p] where q > 0 && q < 1 {
                let back = Normal.cdf(Normal.quantile(q))
                // |ΔΦ| ≈ φ(x)·ulp(x): relative 2·10⁻¹⁴ in p, or absolute 10⁻¹⁵ near 1.
                #expect(abs(back - q) <= 2e-14 * q + 1e-15, "round trip at p = \(q): \(back)")
            }
            p *= 3.7
        }
        #expect(Normal.quantile(0) == -.infinity && Normal.quantile(1) == .infinity && Normal.quantile(1.5).isNaN)
    }

    @Test("Streams give the same words by next() and nextWord()")
    func nextWordIsNext() {
        var a = RandomStream(seed: 42, stream: (3, 1, 4))
        var b = a
        #expect((0..<41).map { _ in a.next() } == (0..<41).map { _ in b.nextWord() })
    }

    @Test("Student-t cdf matches SciPy", arguments: [
        (1.0, -30.0, 0.010606402405535426), (1.0, -3.0, 0.10241638234956672), (1.0, -1.0, 0.25000000000000006),
        (1.0, 0.2, 0.562832958189001), (1.0, 2.0, 0.8524163823495667),
        (2.5, -30.0, 0.00014553235457869768), (2.5, -3.0, 0.036288047774515914), (2.5, -1.0, 0.20203051363913682),
        (2.5, 0.2, 0.5716951579854872), (2.5, 2.0, 0.9213042521210171),
        (4.0, -30.0, 3.6764280488306595e-06), (4.0, -3.0, 0.019970984035859413), (4.0, -1.0, 0.18695048315002943),
        (4.0, 0.2, 0.5743814929315387), (4.0, 2.0, 0.9419417382415922),
        (10.0, -30.0, 1.9808961710156623e-11), (10.0, -3.0, 0.006671827511284785), (10.0, -1.0, 0.17044656615103),
        (10.0, 0.2, 0.5772554043098272), (10.0, 2.0, 0.9633059826146299),
        (30.0, -30.0, 3.125895815304445e-24), (30.0, -3.0, 0.0026949820328259727), (30.0, -1.0, 0.1626543077130151),
        (30.0, 0.2, 0.5785849214703376), (30.0, 2.0, 0.9726874775185085),
    ])
    func studentCDF(nu: Double, t: Double, expected: Double) {
        let v = StudentT(degreesOfFreedom: nu).cdf(t)
        #expect(Tolerance.relativeError(v, expected) < 1e-13, "t_\(nu) cdf(\(t)) = \(v), expected \(expected)")
    }

    @Test("Student-t quantile matches SciPy", arguments: [
        (1.0, 1e-08, -31830988.61837906), (1.0, 0.001, -318.30883898555044), (1.0, 0.05, -6.313751514675044),
        (1.0, 0.7, 0.7265425280053608), (1.0, 0.995, 63.656741162871526),
        (2.0, 1e-08, -7071.067705799458), (2.0, 0.001, -22.327124770119873), (2.0, 0.05, -2.9199855803537256),
        (2.0, 0.7, 0.6172133998483674), (2.0, 0.995, 9.924843200918287),
        (3.0, 1e-08, -479.5250695797382), (3.0, 0.001, -10.214531852407385), (3.0, 0.05, -2.353363434801824),
        (3.0, 0.7, 0.5843897274398182), (3.0, 0.995, 5.840909309733355),
        (4.5, 1e-08, -86.63397656799835), (4.5, 0.001, -6.421242884295792), (4.5, 0.05, -2.065575888878525),
        (4.5, 0.7, 0.5635058039393774), (4.5, 0.995, 4.272823993011293),
        (10.0, 1e-08, -15.895687652513546), (10.0, 0.001, -4.143700494046589), (10.0, 0.05, -1.812461122811676),
        (10.0, 0.7, 0.5415280387550154), (10.0, 0.995, 3.16927267261695),
        (100.0, 1e-08, -6.101573472029795), (100.0, 0.001, -3.173739493738783), (100.0, 0.05, -1.6602343260853396),
        (100.0, 0.7, 0.5260762706003462), (100.0, 0.995, 2.6258905214380173),
    ])
    func studentQuantile(nu: Double, p: Double, expected: Double) {
        let v = StudentT(degreesOfFreedom: nu).quantile(p)
        #expect(Tolerance.relativeError(v, expected) < 1e-12, "t_\(nu)⁻¹(\(p)) = \(v), expected \(expected)")
    }

    /// Large ν: log B(ν/2, ½) loses ~log₁₀(ν) digits to cancellation in log Γ, so the
    /// tolerance is looser (10⁻⁹ relative) — ample for default thresholds.
    @Test("Student-t with large ν matches SciPy", arguments: [
        (1000.0, 1e-06, -4.781608620458351, true), (1000.0, 0.01, -2.330082674755513, true), (1000.0, 0.3, -0.524567707309227, true),
        (100000.0, 1e-06, -4.753704716391288, true), (100000.0, 0.01, -2.3263851653552683, true), (100000.0, 0.3, -0.5244021842335457, true),
        (1000.0, -5.0, 3.3836281823243174e-07, false), (1000.0, -1.5, 0.06696501941104313, false),
        (100000.0, -5.0, 2.8713508393208397e-07, false), (100000.0, -1.5, 0.06680877976141533, false),
    ])
    func studentLargeNu(nu: Double, x: Double, expected: Double, isQuantile: Bool) {
        let t = StudentT(degreesOfFreedom: nu)
        let v = isQuantile ? t.quantile(x) : t.cdf(x)
        #expect(Tolerance.relativeError(v, expected) < 1e-9, "ν = \(nu), \(isQuantile ? "quantile" : "cdf")(\(x)) = \(v), expected \(expected)")
    }

    @Test("Student-t cdf(quantile(p)) = p", arguments: [1.5, 3.0, 7.0, 25.0, 400.0])
    func studentRoundTrip(nu: Double) {
        let t = StudentT(degreesOfFreedom: nu)
        for p in [1e-12, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-9] {
            let back = t.cdf(t.quantile(p))
            #expect(abs(back - p) <= 1e-12 * min(p, 1 - p) + 1e-15, "ν = \(nu), p = \(p): \(back)")
        }
    }

    @Test("Regularized incomplete beta: closed forms I_x(a, 1) = xᵃ and I_x(1, b) = 1 − (1−x)ᵇ")
    func incompleteBetaClosedForms() {
        for a in [0.5, 2.0, 7.5] {
            for x in [0.01, 0.3, 0.9] {
                let v = SpecialFunctions.regularizedIncompleteBeta(a: a, b: 1, x: x)
                #expect(Tolerance.relativeError(v, Double.pow(x, a)) < 1e-13)
                let w = SpecialFunctions.regularizedIncompleteBeta(a: 1, b: a, x: x)
                #expect(Tolerance.relativeError(w, 1 - Double.pow(1 - x, a)) < 1e-13)
            }
        }
    }
}

import RealModule
