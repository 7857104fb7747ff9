import Testing
import LinearAlgebra

@Suite("Error messages and empty matrices")
struct ErrorAndEdgeCaseTests {
    @Test("Every error reads as a sentence naming the matrix")
    func descriptions() {
        let cases: [(LinearAlgebraError, String)] = [
            (.dimensionMismatch(operation: "solve", detail: "A is 3×3 but b has 4 rows"), "solve: A is 3×3 but b has 4 rows"),
            (.notSquare(matrix: "m", rows: 2, columns: 3), "not square: m is 2×3"),
            (.notSymmetric(matrix: "m", row: 2, column: 0), "not symmetric: element (2, 0) of m differs from element (0, 2)"),
            (.notFinite(matrix: "m", row: 1, column: 2), "not finite: element (1, 2) of m is NaN or infinite"),
            (.notPositiveDefinite(matrix: "factor_correlation", leadingMinor: 3), "not positive definite: leading minor 3 of factor_correlation"),
            (.singular(matrix: "m", pivot: 2), "singular at pivot 2 of m"),
            (.rankDeficient(matrix: "m", diagonal: 2), "rank deficient: diagonal element 2 of the triangular factor of m is zero"),
            (.eigenNotConverged(matrix: "m", count: 4), "eigen-decomposition of m did not converge (dsyevd info 4)"),
            (.notConverged(routine: "nearest correlation", iterations: 2, residual: 0.5), "nearest correlation did not converge in 2 iterations (residual 0.5)"),
            (.illegalArgument(routine: "dgesv", position: 4), "dgesv: illegal value of argument 4 (a bug in LinearAlgebra)"),
        ]
        for (error, text) in cases { #expect(error.description == text) }
    }

    @Test("0×0 and k = 0 problems return empty or zero results without calling LAPACK")
    func emptyMatrices() throws {
        let empty = Matrix(rows: 0, columns: 0)
        #expect(try Cholesky(empty).lower == empty)
        #expect(try SymmetricEigen(empty).values.isEmpty)
        #expect(try solve(empty, Matrix(rows: 0, columns: 2)) == Matrix(rows: 0, columns: 2))
        #expect(try NearestCorrelation(nearestTo: empty).matrix == empty)
        #expect(try multiply(Matrix(rows: 3, columns: 0), Matrix(rows: 0, columns: 2)) == Matrix(rows: 3, columns: 2))
    }

    @Test("1×1 problems: Cholesky √a, solve b/a, eigenvalue a")
    func scalars() throws {
        #expect(try Cholesky(Matrix(rowMajor: [[4]])).lower == Matrix(rowMajor: [[2]]))
        #expect(throws: LinearAlgebraError.notPositiveDefinite(matrix: "matrix", leadingMinor: 1)) {
            try Cholesky(Matrix(rowMajor: [[-1]]))
        }
        #expect(try solve(Matrix(rowMajor: [[4]]), Matrix(rowMajor: [[2]])) == Matrix(rowMajor: [[0.5]]))
        #expect(throws: LinearAlgebraError.singular(matrix: "matrix", pivot: 1)) {
            try solve(Matrix(rowMajor: [[0]]), Matrix(rowMajor: [[1]]))
        }
        #expect(try SymmetricEigen(Matrix(rowMajor: [[-3]])).values == [-3])
    }
}
