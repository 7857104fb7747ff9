internal import CLapacke

// Shared plumbing for the LAPACKE/CBLAS wrappers: job-code enums (no raw ASCII at call
// sites), the column-major layout constant, and the checks every routine runs in Swift
// before LAPACK sees the data (LAPACKE prints to stderr on illegal arguments, and its NaN
// check would report a data problem as an "illegal argument").

/// Matrix layout passed to every LAPACKE call: always column-major.
let columnMajorLayout = Int32(LAPACK_COL_MAJOR)

/// LAPACK `UPLO`: which triangle of a symmetric matrix is referenced or produced.
enum Triangle {
    case upper, lower
    var code: CChar {
        switch self {
        case .upper: CChar(UInt8(ascii: "U"))
        case .lower: CChar(UInt8(ascii: "L"))
        }
    }
}

/// LAPACK `JOBZ` of the symmetric eigen-solvers.
enum EigenJob {
    case valuesOnly, valuesAndVectors
    var code: CChar {
        switch self {
        case .valuesOnly: CChar(UInt8(ascii: "N"))
        case .valuesAndVectors: CChar(UInt8(ascii: "V"))
        }
    }
}

/// LAPACK `TRANS` of `dgels`.
enum LAPACKTranspose {
    case none, transpose
    var code: CChar {
        switch self {
        case .none: CChar(UInt8(ascii: "N"))
        case .transpose: CChar(UInt8(ascii: "T"))
        }
    }
}

/// A dimension as LAPACK/BLAS's 32-bit integer (`lapack_int`, `blasint`). Exceeding it is a
/// programmer error (such a matrix would not fit in memory on these machines anyway).
@inline(__always)
func lapackInt(_ n: Int) -> Int32 {
    guard let v = Int32(exactly: n) else { preconditionFailure("dimension \(n) exceeds LAPACK's 32-bit integer range") }
    return v
}

/// Leading dimension of a column-major `rows × …` array: LAPACK requires `LDA ≥ max(1, rows)`.
@inline(__always)
func leadingDimension(_ rows: Int) -> Int { max(1, rows) }

/// Maps a negative LAPACKE `INFO` to an error. LAPACKE's own workspace failures (−1010,
/// −1011) mean the process is out of memory: that is not a data condition, so it traps.
func negativeInfo(_ routine: String, _ info: Int32) -> LinearAlgebraError {
    precondition(info < 0)
    if info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR {
        fatalError("\(routine): LAPACKE could not allocate workspace (INFO \(info))")
    }
    return .illegalArgument(routine: routine, position: Int(-info))
}

enum Validate {
    /// Throws ``LinearAlgebraError/notSquare(matrix:rows:columns:)`` unless `a` is square.
    static func square(_ a: Matrix, _ name: String) throws(LinearAlgebraError) {
        guard a.rows == a.columns else { throw .notSquare(matrix: name, rows: a.rows, columns: a.columns) }
    }

    /// Throws for the first NaN/±∞ element in column-major order.
    static func finite(_ a: Matrix, _ name: String) throws(LinearAlgebraError) {
        if let k = a.storage.firstIndex(where: { !$0.isFinite }) {
            throw .notFinite(matrix: name, row: k % a.rows, column: k / a.rows)
        }
    }

    /// Relative symmetry tolerance: |aᵢⱼ − aⱼᵢ| ≤ 1e-12 · max|a|. Tight enough that only
    /// rounding noise from assembling AᵀA-type products passes, loose enough that it does.
    static let symmetryTolerance = 1e-12

    /// Throws for the first (i, j), i > j, scanning column by column, with
    /// |aᵢⱼ − aⱼᵢ| > 1e-12 · max|a|. Requires a square matrix.
    static func symmetric(_ a: Matrix, _ name: String) throws(LinearAlgebraError) {
        let n = a.rows
        let tolerance = symmetryTolerance * a.maxAbs
        for j in 0..<n {
            for i in (j + 1)..<max(j + 1, n) where abs(a.storage[i + j * n] - a.storage[j + i * n]) > tolerance {
                throw .notSymmetric(matrix: name, row: i, column: j)
            }
        }
    }
}
