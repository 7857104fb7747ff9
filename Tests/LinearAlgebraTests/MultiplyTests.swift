import Testing
import LinearAlgebra

@Suite("multiply and BLAS.gemm (cblas_dgemm)")
struct MultiplyTests {
    static let transposeCombinations = [(false, false), (true, false), (false, true), (true, true)]

    @Test("multiply agrees with the triple loop for all four transpose combinations",
          arguments: transposeCombinations, [(1, 1, 1), (2, 5, 3), (17, 4, 64), (64, 17, 5)])
    func againstNaive(transpose: (Bool, Bool), shape: (Int, Int, Int)) throws {
        let (ta, tb) = transpose
        let (m, n, k) = shape
        let seed = UInt64(m * 10_000 + n * 100 + k)
        let a = randomMatrix(ta ? k : m, ta ? m : k, seed: seed)
        let b = randomMatrix(tb ? n : k, tb ? k : n, seed: seed &+ 1)
        let c = try multiply(a, b, transposeA: ta, transposeB: tb)
        let reference = naiveProduct(ta ? a.transposed : a, tb ? b.transposed : b)
        #expect(c.rows == m && c.columns == n)
        #expect(maxDifference(c, reference) <= 4 * Double(k) * eps, "op(A)·op(B), transA \(ta), transB \(tb), m n k = \(m) \(n) \(k)")
    }

    @Test("multiply rejects inner dimensions that differ")
    func mismatch() throws {
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "multiply", detail: "op(A) is 2×3 but op(B) is 2×4")) {
            try multiply(Matrix(rows: 2, columns: 3), Matrix(rows: 2, columns: 4))
        }
        let product = try multiply(Matrix(rows: 2, columns: 3), Matrix(rows: 2, columns: 4), transposeA: true)
        #expect(product.rows == 3 && product.columns == 4)
    }

    @Test("BLAS.gemm computes alpha·op(A)·op(B) + beta·C into a sub-block (ldc > m)")
    func rawGemm() {
        let m = 3, n = 2, k = 4
        let a = randomMatrix(k, m, seed: 1)        // used transposed
        let b = randomMatrix(k, n, seed: 2)
        let ldc = 5
        var c = [Double](repeating: 1, count: ldc * n)
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(.transpose, .none, m: m, n: n, k: k, alpha: 2, a: ap.baseAddress!, lda: k,
                              b: bp.baseAddress!, ldb: k, beta: 0.5, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        let product = naiveProduct(a.transposed, b)
        for j in 0..<n {
            for i in 0..<ldc {
                let expected = i < m ? 2 * product[i, j] + 0.5 : 1   // rows ≥ m untouched
                #expect(abs(c[i + j * ldc] - expected) <= 16 * eps)
            }
        }
    }

    @Test("OpenBLAS thread count round-trips")
    func threadCount() {
        let original = BLAS.threadCount
        #expect(original >= 1)
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
        BLAS.setThreadCount(original)
        #expect(BLAS.threadCount == original)
    }
}
