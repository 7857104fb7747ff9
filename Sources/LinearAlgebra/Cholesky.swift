internal import CLapacke

/// The Cholesky factorisation A = L·Lᵀ of a symmetric positive definite matrix, computed by
/// LAPACK `dpotrf` with `UPLO = 'L'` (blocked, right-looking, Level-3 BLAS).
///
/// Before LAPACK is called, A is checked in Swift to be square, finite and symmetric to
/// |aᵢⱼ − aⱼᵢ| ≤ 1e-12 · max|a| (`dpotrf` reads only the lower triangle, so an unchecked
/// asymmetric input would be silently factored as a different matrix).
///
/// Accuracy: the computed factor satisfies L·Lᵀ = A + E with ‖E‖ ≤ c·n·ε·‖A‖ (Higham,
/// *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Thm 10.3).
///
/// Postconditions: `lower` is n×n, lower triangular (the strict upper triangle is exactly
/// zero), with a positive diagonal. The caller's matrix is not modified.
public struct Cholesky: Sendable {
    /// The lower-triangular factor L with A = L·Lᵀ.
    public let lower: Matrix

    /// Factors `a`.
    /// - Parameters:
    ///   - a: a symmetric positive definite matrix.
    ///   - name: how errors refer to `a`, e.g. `"factor_correlation"`.
    /// - Throws: ``LinearAlgebraError/notSquare(matrix:rows:columns:)``,
    ///   ``LinearAlgebraError/notFinite(matrix:row:column:)``,
    ///   ``LinearAlgebraError/notSymmetric(matrix:row:column:)``, or
    ///   ``LinearAlgebraError/notPositiveDefinite(matrix:leadingMinor:)`` with LAPACK's
    ///   one-based order k of the first leading minor that is not positive definite.
    public init(_ a: Matrix, name: String = "matrix") throws(LinearAlgebraError) {
        try Validate.square(a, name)
        try Validate.finite(a, name)
        try Validate.symmetric(a, name)
        let n = a.rows
        var factor = a.storage
        if n > 0 {
            let info = factor.withUnsafeMutableBufferPointer { p in
                LAPACKE_dpotrf(columnMajorLayout, Triangle.lower.code, lapackInt(n), p.baseAddress, lapackInt(leadingDimension(n)))
            }
            if info < 0 { throw negativeInfo("dpotrf", info) }
            if info > 0 { throw .notPositiveDefinite(matrix: name, leadingMinor: Int(info)) }
        }
        // dpotrf leaves the strict upper triangle as it found it (A's entries): clear it.
        for j in 0..<n {
            for i in 0..<j { factor[i + j * n] = 0 }
        }
        lower = Matrix(rows: n, columns: n, columnMajor: factor)
    }
}
