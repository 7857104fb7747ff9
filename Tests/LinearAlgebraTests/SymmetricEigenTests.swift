import Testing
import LinearAlgebra

@Suite("SymmetricEigen (dsyevd)")
struct SymmetricEigenTests {
    @Test("‖A·V − V·Λ‖_F ≤ 8·n·ε·‖A‖_F, ‖VᵀV − I‖_F ≤ 8·n·ε, eigenvalues ascending", arguments: sizes)
    func residuals(n: Int) throws {
        let a = randomSymmetric(n, seed: 500 &+ UInt64(n))
        let copy = a
        let e = try SymmetricEigen(a)
        #expect(a == copy)
        #expect(e.values.count == n && e.vectors.rows == n && e.vectors.columns == n)
        #expect(zip(e.values, e.values.dropFirst()).allSatisfy { $0 <= $1 })
        let av = naiveProduct(a, e.vectors)
        let vl = naiveProduct(e.vectors, Matrix.diagonal(e.values))
        let residual = (av - vl).frobeniusNorm / a.frobeniusNorm
        #expect(residual <= 8 * Double(n) * eps, "n = \(n): ‖AV − VΛ‖/‖A‖ = \(residual)")
        let orthogonality = (naiveProduct(e.vectors.transposed, e.vectors) - Matrix.identity(n)).frobeniusNorm
        #expect(orthogonality <= 8 * Double(n) * eps, "n = \(n): ‖VᵀV − I‖ = \(orthogonality)")
    }

    /// Intel MKL LAPACK examples, "DSYEVD Example" (dsyevd_ex): the printed eigenvalues and
    /// eigenvectors (stored columnwise), two decimals; eigenvector signs are arbitrary.
    @Test("MKL DSYEVD example: published eigenvalues and eigenvectors to 2 decimals")
    func mklExample() throws {
        let a = Matrix(rowMajor: [
            [6.39, 0.13, -8.23, 5.71, -3.18],
            [0.13, 8.37, -4.46, -6.10, 7.21],
            [-8.23, -4.46, -9.58, -9.25, -7.42],
            [5.71, -6.10, -9.25, 3.72, 8.54],
            [-3.18, 7.21, -7.42, 8.54, 2.51],
        ])
        let publishedValues = [-17.44, -11.96, 6.72, 14.25, 19.84]
        let publishedVectors = Matrix(rowMajor: [
            [-0.26, 0.31, -0.74, 0.33, 0.42],
            [-0.17, -0.39, -0.38, -0.80, 0.16],
            [-0.89, 0.04, 0.09, 0.03, -0.45],
            [-0.29, -0.59, 0.34, 0.31, 0.60],
            [-0.19, 0.63, 0.44, -0.38, 0.48],
        ])
        let e = try SymmetricEigen(a)
        for (computed, published) in zip(e.values, publishedValues) {
            #expect(abs(computed - published) <= 0.005)
        }
        #expect(maxDifferenceUpToColumnSign(e.vectors, publishedVectors) <= 0.005)
    }

    @Test("Non-square, non-symmetric and NaN inputs are rejected")
    func invalidInputs() {
        #expect(throws: LinearAlgebraError.notSquare(matrix: "cov", rows: 1, columns: 2)) {
            try SymmetricEigen(Matrix(rows: 1, columns: 2), name: "cov")
        }
        #expect(throws: LinearAlgebraError.notSymmetric(matrix: "cov", row: 1, column: 0)) {
            try SymmetricEigen(Matrix(rowMajor: [[1, 2], [3, 1]]), name: "cov")
        }
        #expect(throws: LinearAlgebraError.notFinite(matrix: "cov", row: 0, column: 0)) {
            try SymmetricEigen(Matrix(rowMajor: [[.nan, 0], [0, 1]]), name: "cov")
        }
    }
}
