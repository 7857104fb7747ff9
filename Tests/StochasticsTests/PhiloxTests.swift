import Testing
import Stochastics
import TestSupport

// Golden values from NumPy 2.4.6:
//
//   import numpy as np
//   M = 2**64 - 1
//   # NumPy increments the counter before each block: counter c yields block(c + 1).
//   np.random.Philox(key=[0, 0], counter=[M, M, M, M]).random_raw(4)         # block(0), key 0
//   np.random.Philox(key=[0, 0], counter=[0, 0, 0, 0]).random_raw(8)         # block(1), block(2)
//   np.random.Philox(key=[20261122, 0], counter=[4, 7, 3, 0]).random_raw(4)  # block((5, 7, 3, 0))
//   u64 = lambda *v: np.array(v, dtype=np.uint64)   # (a plain list of big ints goes through float64!)
//   np.random.Philox(key=u64(0x243f6a8885a308d3, 0x13198a2e03707344),
//                    counter=u64(0x243f6a8885a308d2, 0x13198a2e03707344,
//                                0xa4093822299f31d0, 0x082efa98ec4e6c89)).random_raw(4)

@Suite("Philox4x64-10")
struct PhiloxTests {
    @Test("Random123 known answer: counter 0, key 0")
    func knownAnswerZero() {
        let out = Philox4x64(key0: 0, key1: 0).block(.zero)
        #expect(out == SIMD4(0x1655_4d9e_ca36_314c, 0xdb20_fe9d_672d_0fdc, 0xd7e7_72ce_e186_176b, 0x7e68_b68a_ec7b_a23b))
    }

    @Test("NumPy golden values: consecutive blocks")
    func numpyConsecutive() {
        let g = Philox4x64(key0: 0, key1: 0)
        let expected: [UInt64] = [213000021201967259, 4455796210202625458, 2055444239878205049, 10411612076246414556,
                                  9267267987884836803, 5120919030223861725, 17460660323513034167, 18189711684604811196]
        let b1 = g.block(SIMD4(1, 0, 0, 0)), b2 = g.block(SIMD4(2, 0, 0, 0))
        #expect([b1.x, b1.y, b1.z, b1.w, b2.x, b2.y, b2.z, b2.w] == expected)
        // The same words through the sequential stream, starting at block 1.
        var s = RandomStream(generator: g, counter: SIMD4(1, 0, 0, 0))
        #expect((0..<8).map { _ in s.next() } == expected)
    }

    @Test("NumPy golden values: seeded stream with a (batch, purpose) counter")
    func numpyStream() {
        var s = RandomStream(seed: 20261122, stream: (7, 3, 0))
        s.counter.x = 5
        #expect((0..<4).map { _ in s.next() } == [16480070840572734085, 13172146331156478204, 14152950594907895719, 674214221331186234])
    }

    @Test("NumPy golden values: full 128-bit key and 256-bit counter")
    func numpyFullWidth() {
        let g = Philox4x64(key0: 0x243f_6a88_85a3_08d3, key1: 0x1319_8a2e_0370_7344)
        let out = g.block(SIMD4(0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 0x082e_fa98_ec4e_6c89))
        #expect(out == SIMD4(0xdfe2_6887_fc6c_7071, 0x6ed0_97ae_ebbe_6b47, 0xa496_65b8_79f0_60ed, 0x813b_519c_1eb7_21b8))
    }

    @Test("Uniforms lie strictly inside (0, 1) with 53-bit resolution")
    func uniformRange() {
        #expect(uniformOpen(0) == 0x1.0p-54)
        #expect(uniformOpen(.max) == 1 - 0x1.0p-53)
        #expect(uniformOpen(1 << 11) == 0x1.0p-53)
        #expect(uniformOpen(3 << 11) - uniformOpen(2 << 11) == 0x1.0p-53)
        #expect(uniformOpen(1 << 63) == 0.5)
    }

    @Test("Uniform moments and independence of distinct streams")
    func uniformMoments() {
        let n = 200_000
        var a = RandomStream(seed: 1, stream: (0, 0, 0))
        var b = RandomStream(seed: 1, stream: (1, 0, 0))
        var sum = 0.0, sumSq = 0.0, cross = 0.0
        for _ in 0..<n {
            let u = a.nextUniform(), v = b.nextUniform()
            sum += u; sumSq += u * u; cross += (u - 0.5) * (v - 0.5)
        }
        let mean = sum / Double(n)
        #expect(Tolerance.withinStandardErrors(mean, exact: 0.5, standardError: (1.0 / 12 / Double(n)).squareRoot()))
        // E[U²] = 1/3, Var(U²) = 1/5 − 1/9.
        #expect(Tolerance.withinStandardErrors(sumSq / Double(n), exact: 1.0 / 3, standardError: ((0.2 - 1.0 / 9) / Double(n)).squareRoot()))
        // Correlation of two streams: E[(U−½)(V−½)] = 0, sd 1/12/√n.
        #expect(Tolerance.withinStandardErrors(cross / Double(n), exact: 0, standardError: 1.0 / 12 / Double(n).squareRoot()))
    }

    @Test("Streams are values: a copy replays the same draws; seeds differ")
    func valueSemantics() {
        var a = RandomStream(seed: 42, stream: (3, 1, 4))
        _ = a.next()
        var copy = a
        #expect((0..<9).map { _ in a.next() } == (0..<9).map { _ in copy.next() })
        var c = RandomStream(seed: 43, stream: (3, 1, 4))
        var d = RandomStream(seed: 42, stream: (3, 1, 4))
        #expect(c.next() != d.next())
    }
}
