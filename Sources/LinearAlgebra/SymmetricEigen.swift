internal import CLapacke

/// The symmetric eigen-decomposition A = V·diag(λ)·Vᵀ, computed by LAPACK `dsyevd`
/// (Householder tridiagonalisation, then Cuppen's divide and conquer; `JOBZ = 'V'`,
/// `UPLO = 'L'`).
///
/// A is checked to be square, finite and symmetric (|aᵢⱼ − aⱼᵢ| ≤ 1e-12 · max|a|) first.
///
/// Postconditions: `values` ascending; column j of `vectors` is a unit eigenvector for
/// `values[j]`; ‖A·V − V·Λ‖ = O(n·ε·‖A‖) and ‖VᵀV − I‖ = O(n·ε) (LAPACK Users' Guide §4.7).
/// Each eigenvector's sign is LAPACK's (arbitrary); the caller's matrix is not modified.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues λ₁ ≤ … ≤ λₙ.
    public let values: [Double]
    /// Orthonormal eigenvectors, column j belonging to `values[j]`.
    public let vectors: Matrix

    /// Decomposes `a`.
    /// - Throws: ``LinearAlgebraError/notSquare(matrix:rows:columns:)``,
    ///   ``LinearAlgebraError/notFinite(matrix:row:column:)``,
    ///   ``LinearAlgebraError/notSymmetric(matrix:row:column:)``,
    ///   ``LinearAlgebraError/eigenNotConverged(matrix:count:)``.
    public init(_ a: Matrix, name: String = "matrix") throws(LinearAlgebraError) {
        try Validate.square(a, name)
        try Validate.finite(a, name)
        try Validate.symmetric(a, name)
        (values, vectors) = try Self.decompose(a, name: name)
    }

    /// `dsyevd` on the lower triangle of an already validated square matrix.
    static func decompose(_ a: Matrix, name: String) throws(LinearAlgebraError) -> ([Double], Matrix) {
        let n = a.rows
        if n == 0 { return ([], a) }
        var v = a.storage
        var w = [Double](repeating: 0, count: n)
        let info = v.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                LAPACKE_dsyevd(columnMajorLayout, EigenJob.valuesAndVectors.code, Triangle.lower.code,
                               lapackInt(n), ap.baseAddress, lapackInt(leadingDimension(n)), wp.baseAddress)
            }
        }
        if info < 0 { throw negativeInfo("dsyevd", info) }
        if info > 0 { throw .eigenNotConverged(matrix: name, count: Int(info)) }
        return (w, Matrix(rows: n, columns: n, columnMajor: v))
    }
}
