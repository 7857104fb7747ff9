import LinearAlgebra

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator so that every
/// "random" matrix in these tests is the same on every run and machine.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [−1, 1).
    mutating func symmetricUnit() -> Double { Double(next() >> 11) * 0x1p-53 * 2 - 1 }
}

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
