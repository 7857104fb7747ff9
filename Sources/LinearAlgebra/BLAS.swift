internal import CLapacke

/// Thin, allocation-free access to the CBLAS routines the Monte Carlo engine needs on its
/// hot path (OpenBLAS on these machines).
public enum BLAS {
    /// Whether a gemm operand is used as stored or transposed (CBLAS `CblasNoTrans` /
    /// `CblasTrans`).
    public enum Transpose: Sendable {
        case none, transpose

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// C ← alpha·op(A)·op(B) + beta·C on column-major buffers (CBLAS `cblas_dgemm`,
    /// `CblasColMajor`), with op(A) m×k, op(B) k×n, C m×n.
    ///
    /// No allocation and no checks beyond preconditions: dimensions are the caller's
    /// responsibility. The leading dimensions must satisfy BLAS's rules — `lda ≥ max(1, m)`
    /// when `transA == .none` else `≥ max(1, k)`; `ldb ≥ max(1, k)` when `transB == .none`
    /// else `≥ max(1, n)`; `ldc ≥ max(1, m)` — a violation is a programmer error and traps
    /// here rather than letting BLAS print to stderr. When `beta == 0`, C need not be
    /// initialised (BLAS does not read it).
    @inlinable
    public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "BLAS.gemm: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transA == .none ? m : k), "BLAS.gemm: lda=\(lda) too small")
        precondition(ldb >= max(1, transB == .none ? k : n), "BLAS.gemm: ldb=\(ldb) too small")
        precondition(ldc >= max(1, m), "BLAS.gemm: ldc=\(ldc) too small")
        callGemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    @usableFromInline
    static func callGemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                         a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                         beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(CblasColMajor, transA.cblas, transB.cblas, lapackInt(m), lapackInt(n), lapackInt(k),
                    alpha, a, lapackInt(lda), b, lapackInt(ldb), beta, c, lapackInt(ldc))
    }

    /// Sets OpenBLAS's own thread count (`openblas_set_num_threads`). The engine sets 1 inside
    /// its worker tasks so that BLAS threads do not oversubscribe the cores. Process-wide.
    public static func setThreadCount(_ n: Int) {
        precondition(n >= 1, "BLAS.setThreadCount: need at least one thread, got \(n)")
        openblas_set_num_threads(lapackInt(n))
    }

    /// OpenBLAS's current thread count (`openblas_get_num_threads`).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// C = op(A)·op(B), op(X) = X or Xᵀ, by CBLAS `cblas_dgemm` (column-major).
///
/// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)`` when the inner
///   dimensions of op(A) and op(B) differ.
public func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) throws(LinearAlgebraError) -> Matrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kb = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    guard k == kb else {
        throw .dimensionMismatch(operation: "multiply",
                                 detail: "op(A) is \(m)×\(k) but op(B) is \(kb)×\(n)")
    }
    var c = Matrix(rows: m, columns: n)
    if m == 0 || n == 0 || k == 0 { return c }
    a.storage.withUnsafeBufferPointer { ap in
        b.storage.withUnsafeBufferPointer { bp in
            c.storage.withUnsafeMutableBufferPointer { cp in
                BLAS.gemm(transposeA ? .transpose : .none, transposeB ? .transpose : .none,
                          m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: leadingDimension(a.rows),
                          b: bp.baseAddress!, ldb: leadingDimension(b.rows), beta: 0, c: cp.baseAddress!, ldc: leadingDimension(m))
            }
        }
    }
    return c
}
