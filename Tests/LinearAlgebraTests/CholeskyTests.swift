import Testing
import LinearAlgebra

@Suite("Cholesky (dpotrf, lower)")
struct CholeskyTests {
    @Test("‖L·Lᵀ − A‖_F / ‖A‖_F ≤ 4·n·ε for A = MᵀM + n·I", arguments: sizes)
    func residual(n: Int) throws {
        let a = randomSPD(n, seed: 0xC0FFEE &+ UInt64(n))
        let l = try Cholesky(a).lower
        let residual = (naiveProduct(l, l.transposed) - a).frobeniusNorm / a.frobeniusNorm
        #expect(residual <= 4 * Double(n) * eps, "n = \(n): relative residual \(residual)")
    }

    @Test("The factor is lower triangular with a positive diagonal; the input is untouched", arguments: sizes)
    func shape(n: Int) throws {
        let a = randomSPD(n, seed: 7 &+ UInt64(n))
        let copy = a
        let l = try Cholesky(a).lower
        #expect(a == copy)
        for j in 0..<n {
            #expect(l[j, j] > 0)
            for i in 0..<j { #expect(l[i, j] == 0) }
        }
    }

    /// NAG Library Manual, F07FDF (DPOTRF) example, §9 (Mark 24,
    /// https://www.nag.com/numeric/fl/nagdoc_fl24/html/F07/f07fdf.html): the printed factor,
    /// four decimals.
    @Test("NAG F07FDF (DPOTRF) example: published factor to 4 decimals")
    func nagExample() throws {
        let a = Matrix(rowMajor: [
            [4.16, -3.12, 0.56, -0.10],
            [-3.12, 5.03, -0.83, 1.18],
            [0.56, -0.83, 0.76, 0.34],
            [-0.10, 1.18, 0.34, 1.18],
        ])
        let published = Matrix(rowMajor: [
            [2.0396, 0, 0, 0],
            [-1.5297, 1.6401, 0, 0],
            [0.2746, -0.2500, 0.7887, 0],
            [-0.0490, 0.6737, 0.6617, 0.5347],
        ])
        let l = try Cholesky(a).lower
        #expect(maxDifference(l, published) <= 0.5e-4)
    }

    @Test("A 4×4 correlation matrix whose 3×3 leading block is indefinite fails at leading minor 3")
    func notPositiveDefinite() {
        // ρ₁₂ = 0.9, ρ₂₃ = 0.9 but ρ₁₃ = −0.9: the 2×2 minor is 0.19 > 0, the 3×3 minor is
        // 1 − 2·0.729 − 3·0.81 < 0.
        let a = Matrix(rowMajor: [
            [1.0, 0.9, -0.9, 0.1],
            [0.9, 1.0, 0.9, 0.1],
            [-0.9, 0.9, 1.0, 0.1],
            [0.1, 0.1, 0.1, 1.0],
        ])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(matrix: "factor_correlation", leadingMinor: 3)) {
            try Cholesky(a, name: "factor_correlation")
        }
        do {
            _ = try Cholesky(a, name: "factor_correlation")
        } catch {
            #expect(error.description == "not positive definite: leading minor 3 of factor_correlation")
        }
    }

    @Test("Non-square, non-symmetric and NaN inputs are rejected before LAPACK")
    func invalidInputs() {
        #expect(throws: LinearAlgebraError.notSquare(matrix: "m", rows: 2, columns: 3)) {
            try Cholesky(Matrix(rows: 2, columns: 3), name: "m")
        }
        var asymmetric = Matrix.identity(3)
        asymmetric[2, 0] = 0.5
        #expect(throws: LinearAlgebraError.notSymmetric(matrix: "m", row: 2, column: 0)) {
            try Cholesky(asymmetric, name: "m")
        }
        var nan = Matrix.identity(3)
        nan[1, 2] = .nan
        #expect(throws: LinearAlgebraError.notFinite(matrix: "m", row: 1, column: 2)) {
            try Cholesky(nan, name: "m")
        }
    }

    @Test("Rounding-level asymmetry (≤ 1e-12·max|a|) is accepted")
    func nearlySymmetric() throws {
        var a = randomSPD(5, seed: 3)
        a[3, 1] += 1e-14 * a.maxAbs
        _ = try Cholesky(a)
    }
}
