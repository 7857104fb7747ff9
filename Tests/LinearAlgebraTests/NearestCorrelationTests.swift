import Testing
import LinearAlgebra

/// Checks the postconditions every returned nearest correlation matrix must satisfy.
private func expectValidCorrelation(_ x: Matrix, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let n = x.rows
    for i in 0..<n {
        #expect(x[i, i] == 1, "diagonal \(i)", sourceLocation: sourceLocation)
        for j in 0..<n { #expect(x[i, j] == x[j, i], "symmetry (\(i), \(j))", sourceLocation: sourceLocation) }
    }
    let smallest = try SymmetricEigen(x).values.first ?? 0
    #expect(smallest >= -1e-12, "smallest eigenvalue \(smallest)", sourceLocation: sourceLocation)
}

@Suite("NearestCorrelation (Higham 2002)")
struct NearestCorrelationTests {
    /// Higham (2002), IMA J. Numer. Anal. 22, 329–343: the nearest correlation matrix to
    /// A = tridiag(−1, 2, −1) of order 4, printed there to four decimals. The NAG Library
    /// documentation of g02aa (Mark 24) uses the same matrix as its example and cites the
    /// paper; public implementations pin the same values to more digits (e.g. the tests
    /// `test_NAGExample` of the Python `nearest_correlation` package and of equinor's fmu-tools
    /// `nearcorr`: −0.8084125, 0.1915875, 0.10677505, −0.65623269).
    @Test("Higham's 4×4 example: the printed nearest correlation matrix to 4 decimals")
    func highamTridiagonal() throws {
        let a = Matrix(rowMajor: [[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
        let copy = a
        let result = try NearestCorrelation(nearestTo: a)
        let published = Matrix(rowMajor: [
            [1.0000, -0.8084, 0.1916, 0.1068],
            [-0.8084, 1.0000, -0.6562, 0.1916],
            [0.1916, -0.6562, 1.0000, -0.8084],
            [0.1068, 0.1916, -0.8084, 1.0000],
        ])
        #expect(a == copy)
        #expect(result.converged)
        #expect(result.iterations > 1 && result.iterations < 10_000)
        #expect(maxDifference(result.matrix, published) <= 0.5e-4)
        // The more-digit values pinned by public implementations (tolerance 1e-7 there).
        #expect(abs(result.matrix[0, 1] + 0.8084125) <= 1e-6)
        #expect(abs(result.matrix[0, 3] - 0.10677505) <= 1e-6)
        #expect(abs(result.matrix[1, 2] + 0.65623269) <= 1e-6)
        #expect(abs(result.frobeniusDistance - (result.matrix - a).frobeniusNorm) <= 1e-15)
        try expectValidCorrelation(result.matrix)
    }

    /// Higham (2002), p. 334: A = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]; the nearest correlation
    /// matrix has x₁₂ = 0.760689917 at distance ‖A − X‖_F = 0.52779033 (values as pinned by
    /// R's Matrix::nearPD documentation, which reproduces this example). nearPD stops at its
    /// default conv.tol = 1e-7, so its printed digits are only good to about 1e-7: compare to 1e-6.
    @Test("Higham's 3×3 example: x₁₂ = 0.760689917, distance 0.52779033 (to 1e-6)")
    func highamThreeByThree() throws {
        let a = Matrix(rowMajor: [[1, 1, 0], [1, 1, 1], [0, 1, 1]])
        let result = try NearestCorrelation(nearestTo: a)
        #expect(abs(result.matrix[0, 1] - 0.760689917) <= 1e-6)
        #expect(abs(result.frobeniusDistance - 0.52779033) <= 1e-6)
        try expectValidCorrelation(result.matrix)
    }

    @Test("An already-valid correlation matrix comes back unchanged, distance 0, iterations ≤ 1")
    func alreadyValid() throws {
        let a = Matrix(rowMajor: [[1, 0.3, -0.2], [0.3, 1, 0.5], [-0.2, 0.5, 1]])
        let result = try NearestCorrelation(nearestTo: a)
        #expect(result.matrix == a)
        #expect(result.frobeniusDistance == 0)
        #expect(result.iterations <= 1)
        #expect(result.converged)
        // A singular (rank-one) correlation matrix is valid too.
        let ones = Matrix(rows: 4, columns: 4, repeating: 1)
        #expect(try NearestCorrelation(nearestTo: ones).matrix == ones)
    }

    @Test("Random symmetric 'correlations' are repaired into PSD, unit-diagonal, symmetric matrices",
          arguments: [3, 5, 17, 64])
    func randomRepair(n: Int) throws {
        // Off-diagonal entries uniform on [−3, 3): far from a correlation matrix.
        var a = 3 * randomSymmetric(n, seed: 900 &+ UInt64(n))
        for i in 0..<n { a[i, i] = 1 }
        #expect(try SymmetricEigen(a).values[0] < 0, "the test input must be indefinite")
        let result = try NearestCorrelation(nearestTo: a)
        try expectValidCorrelation(result.matrix)
        #expect(result.frobeniusDistance > 0)
    }

    @Test("Hitting the iteration limit throws notConverged")
    func notConverged() {
        let a = Matrix(rowMajor: [[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
        #expect {
            try NearestCorrelation(nearestTo: a, name: "factor_correlation", maxIterations: 2)
        } throws: { error in
            guard case let .notConverged(_, iterations, residual)? = error as? LinearAlgebraError else { return false }
            return iterations == 2 && residual > 1e-12
        }
    }

    @Test("Non-square, non-symmetric and NaN inputs are rejected")
    func invalidInputs() {
        #expect(throws: LinearAlgebraError.notSquare(matrix: "rho", rows: 2, columns: 1)) {
            try NearestCorrelation(nearestTo: Matrix(rows: 2, columns: 1), name: "rho")
        }
        #expect(throws: LinearAlgebraError.notSymmetric(matrix: "rho", row: 1, column: 0)) {
            try NearestCorrelation(nearestTo: Matrix(rowMajor: [[1, 0.5], [0.4, 1]]), name: "rho")
        }
        #expect(throws: LinearAlgebraError.notFinite(matrix: "rho", row: 1, column: 0)) {
            try NearestCorrelation(nearestTo: Matrix(rowMajor: [[1, .nan], [.nan, 1]]), name: "rho")
        }
    }
}
