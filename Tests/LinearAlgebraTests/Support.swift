import LinearAlgebra
import TestSupport

/// An m×n matrix with independent uniform [−1, 1) entries.
func randomMatrix(_ m: Int, _ n: Int, seed: UInt64) -> Matrix {
    var g = SplitMix64(seed: seed)
    return Matrix(rows: m, columns: n, columnMajor: (0..<(m * n)).map { _ in g.symmetricUnit() })
}

/// SPD test matrix A = MᵀM + n·I (eigenvalues ≥ n, so κ(A) is modest).
func randomSPD(_ n: Int, seed: UInt64) -> Matrix {
    let m = randomMatrix(n, n, seed: seed)
    return naiveProduct(m.transposed, m) + Double(n) * Matrix.identity(n)
}

/// Random symmetric matrix (M + Mᵀ)/2, exactly symmetric.
func randomSymmetric(_ n: Int, seed: UInt64) -> Matrix {
    let m = randomMatrix(n, n, seed: seed)
    return 0.5 * (m + m.transposed)
}

/// Textbook triple loop, the reference for gemm.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    var c = Matrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var s = 0.0
            for p in 0..<a.columns { s += a[i, p] * b[p, j] }
            c[i, j] = s
        }
    }
    return c
}

let eps = Double.ulpOfOne

/// Largest |aᵢⱼ − bᵢⱼ|.
func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Largest |aᵢⱼ − bᵢⱼ| allowing each column of `a` to be flipped in sign (eigenvectors are
/// defined up to sign).
func maxDifferenceUpToColumnSign(_ a: Matrix, _ b: Matrix) -> Double {
    var worst = 0.0
    for j in 0..<a.columns {
        let x = a.column(j), y = b.column(j)
        let plus = zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
        let minus = zip(x, y).reduce(0) { max($0, abs($1.0 + $1.1)) }
        worst = max(worst, min(plus, minus))
    }
    return worst
}

/// The sizes every residual test sweeps.
let sizes = [1, 2, 5, 17, 64]
