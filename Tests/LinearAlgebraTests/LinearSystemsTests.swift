import Testing
import LinearAlgebra

@Suite("solve (dgesv) and leastSquares (dgels)")
struct LinearSystemsTests {
    @Test("dgesv: ‖A·X − B‖_F ≤ 8·n·ε·‖A‖_F·‖X‖_F", arguments: sizes)
    func solveResidual(n: Int) throws {
        let a = randomMatrix(n, n, seed: 100 &+ UInt64(n))
        let b = randomMatrix(n, 3, seed: 200 &+ UInt64(n))
        let copyA = a, copyB = b
        let x = try solve(a, b)
        #expect(a == copyA && b == copyB)
        let residual = (naiveProduct(a, x) - b).frobeniusNorm
        #expect(residual <= 8 * Double(n) * eps * a.frobeniusNorm * x.frobeniusNorm, "n = \(n): residual \(residual)")
    }

    /// Intel MKL LAPACK examples, "DGESV Example" (dgesv_ex.c): the printed solution,
    /// two decimals.
    @Test("MKL DGESV example: published solution to 2 decimals")
    func mklSolveExample() throws {
        let a = Matrix(rowMajor: [
            [6.80, -6.05, -0.45, 8.32, -9.67],
            [-2.11, -3.30, 2.58, 2.71, -5.14],
            [5.66, 5.36, -2.70, 4.35, -7.26],
            [5.97, -4.44, 0.27, -7.17, 6.08],
            [8.23, 1.08, 9.04, 2.14, -6.87],
        ])
        let b = Matrix(rowMajor: [
            [4.02, -1.56, 9.81],
            [6.19, 4.00, -4.09],
            [-8.22, -8.67, -4.57],
            [-7.57, 1.75, -8.61],
            [-3.03, 2.86, 8.99],
        ])
        let published = Matrix(rowMajor: [
            [-0.80, -0.39, 0.96],
            [-0.70, -0.55, 0.22],
            [0.59, 0.84, 1.90],
            [1.32, -0.10, 5.36],
            [0.57, 0.11, 4.04],
        ])
        #expect(maxDifference(try solve(a, b), published) <= 0.005)
    }

    @Test("An exactly singular system reports LAPACK's 1-based pivot")
    func singular() {
        // Row 2 = 2 × row 1: after pivoting on 2, the second pivot U(2,2) is exactly 0.
        let a = Matrix(rowMajor: [[1, 2], [2, 4]])
        #expect(throws: LinearAlgebraError.singular(matrix: "capital_matrix", pivot: 2)) {
            try solve(a, Matrix(column: [1, 1]), name: "capital_matrix")
        }
        #expect(LinearAlgebraError.singular(matrix: "capital_matrix", pivot: 2).description
                == "singular at pivot 2 of capital_matrix")
    }

    @Test("solve rejects a non-square A, a B of the wrong height, and NaN")
    func solveInvalid() {
        #expect(throws: LinearAlgebraError.notSquare(matrix: "matrix", rows: 3, columns: 2)) {
            try solve(Matrix(rows: 3, columns: 2), Matrix(rows: 3, columns: 1))
        }
        let mismatch = LinearAlgebraError.dimensionMismatch(operation: "solve", detail: "A is 3×3 but b has 4 rows")
        #expect(throws: mismatch) { try solve(Matrix.identity(3), Matrix(rows: 4, columns: 1)) }
        #expect(mismatch.description == "solve: A is 3×3 but b has 4 rows")
        var b = Matrix(column: [1, 2, 3])
        b[1, 0] = .infinity
        #expect(throws: LinearAlgebraError.notFinite(matrix: "matrix right-hand side", row: 1, column: 0)) {
            try solve(Matrix.identity(3), b)
        }
    }

    @Test("dgels: normal equations ‖Aᵀ(A·X − B)‖_F ≤ 8·m·ε·‖A‖_F·(‖A‖_F·‖X‖_F + ‖B‖_F)", arguments: sizes)
    func leastSquaresNormalEquations(n: Int) throws {
        let m = 2 * n + 3
        let a = randomMatrix(m, n, seed: 300 &+ UInt64(n))
        let b = randomMatrix(m, 2, seed: 400 &+ UInt64(n))
        let x = try leastSquares(a, b)
        #expect(x.rows == n && x.columns == 2)
        let gradient = naiveProduct(a.transposed, naiveProduct(a, x) - b).frobeniusNorm
        let scale = a.frobeniusNorm * (a.frobeniusNorm * x.frobeniusNorm + b.frobeniusNorm)
        #expect(gradient <= 8 * Double(m) * eps * scale, "m = \(m), n = \(n): ‖Aᵀr‖ = \(gradient)")
    }

    @Test("dgels on an underdetermined system returns the minimum-norm solution X = Aᵀ(AAᵀ)⁻¹B")
    func minimumNorm() throws {
        let a = randomMatrix(3, 7, seed: 11)
        let b = randomMatrix(3, 1, seed: 12)
        let x = try leastSquares(a, b)
        #expect(x.rows == 7)
        let reference = naiveProduct(a.transposed, try solve(naiveProduct(a, a.transposed), b))
        #expect(maxDifference(x, reference) <= 1e-12)
    }

    /// Intel MKL LAPACK examples, "DGELS Example" (dgels_ex.c): the printed least squares
    /// solution and residual sums of squares, two decimals.
    @Test("MKL DGELS example: published solution and residual sums of squares to 2 decimals")
    func mklLeastSquaresExample() throws {
        let a = Matrix(rowMajor: [
            [1.44, -7.84, -4.39, 4.53],
            [-9.96, -0.28, -3.24, 3.83],
            [-7.55, 3.24, 6.27, -6.64],
            [8.34, 8.09, 5.28, 2.06],
            [7.08, 2.52, 0.74, -2.47],
            [-5.45, -5.70, -1.19, 4.70],
        ])
        let b = Matrix(rowMajor: [
            [8.58, 9.35], [8.26, -4.43], [8.48, -0.70], [-5.28, -0.26], [5.72, -7.36], [8.93, -2.52],
        ])
        let published = Matrix(rowMajor: [[-0.45, 0.25], [-0.85, -0.90], [0.71, 0.63], [0.13, 0.14]])
        let x = try leastSquares(a, b)
        #expect(maxDifference(x, published) <= 0.005)
        let r = naiveProduct(a, x) - b
        let rss = (0..<2).map { j in r.column(j).reduce(0) { $0 + $1 * $1 } }
        #expect(abs(rss[0] - 195.36) <= 0.005 && abs(rss[1] - 107.06) <= 0.005, "\(rss)")
    }

    /// NAG Fortran Library, DGELS (F08AAF) example program results: the printed solution
    /// (four decimals) and √RSS = 2.22E-02.
    @Test("NAG DGELS example: published solution to 4 decimals")
    func nagLeastSquaresExample() throws {
        let a = Matrix(rowMajor: [
            [-0.57, -1.28, -0.39, 0.25],
            [-1.93, 1.08, -0.31, -2.14],
            [2.30, 0.24, 0.40, -0.35],
            [-1.93, 0.64, -0.66, 0.08],
            [0.15, 0.30, 0.15, -2.13],
            [-0.02, 1.03, -1.43, 0.50],
        ])
        let b = Matrix(column: [-2.67, -0.55, 3.34, -0.77, 0.48, 4.10])
        let x = try leastSquares(a, b)
        #expect(maxDifference(x, Matrix(column: [1.5339, 1.8707, -1.5241, 0.0392])) <= 0.5e-4)
        #expect(abs((naiveProduct(a, x) - b).frobeniusNorm - 2.22e-2) <= 0.005e-2)
    }

    @Test("A matrix with a zero column is rank deficient at that diagonal element")
    func rankDeficient() {
        let a = Matrix(rowMajor: [[1, 0], [2, 0], [3, 0]])
        #expect(throws: LinearAlgebraError.rankDeficient(matrix: "regressors", diagonal: 2)) {
            try leastSquares(a, Matrix(column: [1, 2, 3]), name: "regressors")
        }
    }

    @Test("leastSquares rejects a B of the wrong height")
    func leastSquaresMismatch() {
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "leastSquares", detail: "A is 5×2 but b has 4 rows")) {
            try leastSquares(Matrix(rows: 5, columns: 2), Matrix(rows: 4, columns: 1))
        }
    }
}
