/// Everything that can go wrong in ``LinearAlgebra`` with data supplied at run time.
///
/// Data conditions (a matrix that is not positive definite, a singular system, an
/// eigen-decomposition that did not converge) are thrown, never trapped. Every `matrix`
/// payload is the caller-supplied `name` (e.g. `"factor_correlation"`) so that a message
/// points at the model input that caused it. Row and column indices in ``LinearAlgebraError/notSymmetric(matrix:row:column:)`` and
/// ``LinearAlgebraError/notFinite(matrix:row:column:)`` are **zero-based**, like ``Matrix/subscript(_:_:)``; `leadingMinor`, `pivot`
/// and `diagonal` are **one-based**, exactly as LAPACK reports them in `INFO`.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Operand shapes do not fit, e.g. `"solve: A is 3×3 but b has 4 rows"`.
    case dimensionMismatch(operation: String, detail: String)
    /// A square matrix was required.
    case notSquare(matrix: String, rows: Int, columns: Int)
    /// The first (row, column), scanning the strict lower triangle column by column, where
    /// |aᵢⱼ − aⱼᵢ| > 1e-12 · max|a|.
    case notSymmetric(matrix: String, row: Int, column: Int)
    /// The first NaN or ±∞ element, in column-major order.
    case notFinite(matrix: String, row: Int, column: Int)
    /// `dpotrf` `INFO = k > 0`: the leading k×k minor is not positive definite.
    case notPositiveDefinite(matrix: String, leadingMinor: Int)
    /// `dgesv` `INFO = i > 0`: U(i, i) of the LU factorisation is exactly zero.
    case singular(matrix: String, pivot: Int)
    /// `dgels` `INFO = i > 0`: the i-th diagonal element of the triangular factor is zero,
    /// so A does not have full rank.
    case rankDeficient(matrix: String, diagonal: Int)
    /// `dsyevd` `INFO > 0`: the divide-and-conquer iteration failed (LAPACK's `INFO` is kept).
    case eigenNotConverged(matrix: String, count: Int)
    /// An iterative method (the nearest correlation matrix) hit its iteration limit with the
    /// given residual still above its tolerance.
    case notConverged(routine: String, iterations: Int, residual: Double)
    /// LAPACK `INFO = −i < 0`: argument i was illegal. Arguments are checked in Swift first,
    /// so this is a bug in this module surfaced as an error rather than a crash.
    case illegalArgument(routine: String, position: Int)

    public var description: String {
        switch self {
        case let .dimensionMismatch(operation, detail):
            return "\(operation): \(detail)"
        case let .notSquare(matrix, rows, columns):
            return "not square: \(matrix) is \(rows)×\(columns)"
        case let .notSymmetric(matrix, row, column):
            return "not symmetric: element (\(row), \(column)) of \(matrix) differs from element (\(column), \(row))"
        case let .notFinite(matrix, row, column):
            return "not finite: element (\(row), \(column)) of \(matrix) is NaN or infinite"
        case let .notPositiveDefinite(matrix, leadingMinor):
            return "not positive definite: leading minor \(leadingMinor) of \(matrix)"
        case let .singular(matrix, pivot):
            return "singular at pivot \(pivot) of \(matrix)"
        case let .rankDeficient(matrix, diagonal):
            return "rank deficient: diagonal element \(diagonal) of the triangular factor of \(matrix) is zero"
        case let .eigenNotConverged(matrix, count):
            return "eigen-decomposition of \(matrix) did not converge (dsyevd info \(count))"
        case let .notConverged(routine, iterations, residual):
            return "\(routine) did not converge in \(iterations) iterations (residual \(residual))"
        case let .illegalArgument(routine, position):
            return "\(routine): illegal value of argument \(position) (a bug in LinearAlgebra)"
        }
    }
}
