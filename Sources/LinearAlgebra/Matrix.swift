/// A dense real matrix stored **column-major**, the layout LAPACK and CBLAS expect.
///
/// Element (i, j) — row i, column j, both zero-based — lives at `storage[i + j * rows]`.
/// Row-major initialisers exist only for readability in code and tests; nothing is
/// ever handed to LAPACK in row-major order.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major elements: `storage[i + j * rows]` is element (i, j).
    public var storage: [Double]

    /// A `rows × columns` matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from column-major elements; `columnMajor.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, columnMajor: [Double]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(columnMajor.count == rows * columns,
                     "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(columnMajor.count)")
        self.rows = rows
        self.columns = columns
        self.storage = columnMajor
    }

    /// A matrix written row by row, as on paper: `Matrix(rowMajor: [[1, 2], [3, 4]])`.
    /// Every row must have the same length.
    public init(rowMajor: [[Double]]) {
        let rows = rowMajor.count
        let columns = rowMajor.first?.count ?? 0
        precondition(rowMajor.allSatisfy { $0.count == columns }, "Matrix(rowMajor:) rows have different lengths")
        var storage = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { storage[i + j * rows] = rowMajor[i][j] }
        }
        self.init(rows: rows, columns: columns, columnMajor: storage)
    }

    /// A column vector (`count × 1`).
    public init(column: [Double]) {
        self.init(rows: column.count, columns: 1, columnMajor: column)
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal and zeros elsewhere.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        var m = Matrix(rows: diagonal.count, columns: diagonal.count)
        for (i, d) in diagonal.enumerated() { m[i, i] = d }
        return m
    }

    /// Element (i, j), zero-based.
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range \(rows)×\(columns)")
            return storage[i + j * rows]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range \(rows)×\(columns)")
            storage[i + j * rows] = newValue
        }
    }

    /// True when the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t.storage[j + i * columns] = storage[i + j * rows] }
        }
        return t
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Matrix column \(j) out of range 0..<\(columns)")
        return Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix row \(i) out of range 0..<\(rows)")
        return (0..<columns).map { storage[i + $0 * rows] }
    }

    /// The elements row by row, the inverse of `init(rowMajor:)`.
    public var rowMajor: [[Double]] { (0..<rows).map(row) }

    /// Frobenius norm ‖A‖_F = √(Σ aᵢⱼ²).
    public var frobeniusNorm: Double {
        storage.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// Largest absolute element, ‖A‖_max.
    public var maxAbs: Double { storage.reduce(0) { max($0, abs($1)) } }

    /// Element-wise sum A + B; the shapes must be equal (a programmer error otherwise).
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "Matrix + needs equal shapes")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.storage, b.storage).map(+))
    }

    /// Element-wise difference A − B; the shapes must be equal (a programmer error otherwise).
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "Matrix - needs equal shapes")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.storage, b.storage).map(-))
    }

    /// Scalar multiple s·A.
    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, columnMajor: a.storage.map { s * $0 })
    }

    /// Rows on separate lines, elements separated by tabs.
    public var description: String {
        rowMajor.map { $0.map { String($0) }.joined(separator: "\t") }.joined(separator: "\n")
    }
}
