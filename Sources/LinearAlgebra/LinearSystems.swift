internal import CLapacke

/// Solves A·X = B for square A by LU factorisation with partial pivoting, P·A = L·U
/// (LAPACK `dgesv`: `dgetrf` then `dgetrs`).
///
/// Backward stable in practice: the computed X solves (A + ΔA)·X = B with
/// ‖ΔA‖ ≤ c·n·ρ·ε·‖A‖, ρ the growth factor (Higham, *Accuracy and Stability*, Thm 9.4).
/// A nearly singular A passes (check its condition yourself); only an exactly zero pivot
/// U(i, i) = 0 is reported as singular.
///
/// - Parameters:
///   - a: the n×n coefficient matrix (not modified).
///   - b: the n×r right-hand sides, one per column.
///   - name: how errors refer to `a`.
/// - Returns: X, n×r.
/// - Throws: ``LinearAlgebraError/notSquare(matrix:rows:columns:)``,
///   ``LinearAlgebraError/dimensionMismatch(operation:detail:)``,
///   ``LinearAlgebraError/notFinite(matrix:row:column:)`` (B is named `"<name> right-hand side"`),
///   ``LinearAlgebraError/singular(matrix:pivot:)`` with LAPACK's one-based pivot index.
public func solve(_ a: Matrix, _ b: Matrix, name: String = "matrix") throws(LinearAlgebraError) -> Matrix {
    try Validate.square(a, name)
    let n = a.rows
    guard b.rows == n else {
        throw .dimensionMismatch(operation: "solve", detail: "A is \(n)×\(n) but b has \(b.rows) rows")
    }
    try Validate.finite(a, name)
    try Validate.finite(b, "\(name) right-hand side")
    let nrhs = b.columns
    if n == 0 || nrhs == 0 { return Matrix(rows: n, columns: nrhs) }
    var lu = a.storage
    var x = b.storage
    var pivots = [Int32](repeating: 0, count: n)
    let info = lu.withUnsafeMutableBufferPointer { ap in
        x.withUnsafeMutableBufferPointer { bp in
            pivots.withUnsafeMutableBufferPointer { ip in
                LAPACKE_dgesv(columnMajorLayout, lapackInt(n), lapackInt(nrhs),
                              ap.baseAddress, lapackInt(leadingDimension(n)), ip.baseAddress,
                              bp.baseAddress, lapackInt(leadingDimension(n)))
            }
        }
    }
    if info < 0 { throw negativeInfo("dgesv", info) }
    if info > 0 { throw .singular(matrix: name, pivot: Int(info)) }
    return Matrix(rows: n, columns: nrhs, columnMajor: x)
}

/// Linear least squares by QR (or LQ) factorisation without pivoting (LAPACK `dgels`,
/// `TRANS = 'N'`):
///
/// * rows ≥ columns: X minimises ‖A·X − B‖₂ column by column; at the solution the normal
///   equations Aᵀ(A·X − B) = 0 hold to rounding;
/// * rows < columns: X is the minimum-norm solution of the underdetermined A·X = B.
///
/// A must have full rank. `dgels` detects only an exactly zero diagonal element of the
/// triangular factor; for numerically rank-deficient problems use a rank-revealing solver.
///
/// - Parameters:
///   - a: the m×n matrix (not modified).
///   - b: the m×r right-hand sides.
///   - name: how errors refer to `a`.
/// - Returns: X, n×r.
/// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)``,
///   ``LinearAlgebraError/notFinite(matrix:row:column:)``,
///   ``LinearAlgebraError/rankDeficient(matrix:diagonal:)`` with LAPACK's one-based index.
public func leastSquares(_ a: Matrix, _ b: Matrix, name: String = "matrix") throws(LinearAlgebraError) -> Matrix {
    let m = a.rows, n = a.columns, nrhs = b.columns
    guard b.rows == m else {
        throw .dimensionMismatch(operation: "leastSquares", detail: "A is \(m)×\(n) but b has \(b.rows) rows")
    }
    try Validate.finite(a, name)
    try Validate.finite(b, "\(name) right-hand side")
    if n == 0 || nrhs == 0 { return Matrix(rows: n, columns: nrhs) }
    if m == 0 { return Matrix(rows: n, columns: nrhs) }  // minimum-norm solution of 0 equations
    // dgels overwrites B (ldb ≥ max(m, n)) with X in its first n rows.
    let ldb = max(m, n)
    var work = Matrix(rows: ldb, columns: nrhs)
    for j in 0..<nrhs {
        for i in 0..<m { work.storage[i + j * ldb] = b.storage[i + j * m] }
    }
    var qr = a.storage
    let info = qr.withUnsafeMutableBufferPointer { ap in
        work.storage.withUnsafeMutableBufferPointer { bp in
            LAPACKE_dgels(columnMajorLayout, LAPACKTranspose.none.code, lapackInt(m), lapackInt(n), lapackInt(nrhs),
                          ap.baseAddress, lapackInt(leadingDimension(m)), bp.baseAddress, lapackInt(ldb))
        }
    }
    if info < 0 { throw negativeInfo("dgels", info) }
    if info > 0 { throw .rankDeficient(matrix: name, diagonal: Int(info)) }
    var x = Matrix(rows: n, columns: nrhs)
    for j in 0..<nrhs {
        for i in 0..<n { x.storage[i + j * n] = work.storage[i + j * ldb] }
    }
    return x
}
