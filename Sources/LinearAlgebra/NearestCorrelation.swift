/// The nearest correlation matrix in the Frobenius norm,
///
///     X = argmin { ‖A − X‖_F : X = Xᵀ, X ⪰ 0, xᵢᵢ = 1 },
///
/// computed by the alternating projections method with Dykstra's correction of
/// N. J. Higham, "Computing the nearest correlation matrix — a problem from finance",
/// *IMA J. Numer. Anal.* 22 (2002) 329–343, Algorithm 3.3 with W = I:
///
///     ΔS₀ = 0, Y₀ = A
///     for k = 1, 2, …
///         Rₖ  = Yₖ₋₁ − ΔSₖ₋₁        (Dykstra's correction)
///         Xₖ  = P_S(Rₖ)             (PSD cone: V·diag(max(λ, 0))·Vᵀ, eigen by dsyevd)
///         ΔSₖ = Xₖ − Rₖ
///         Yₖ  = P_U(Xₖ)             (unit diagonal: set xᵢᵢ = 1)
///
/// stopping, as in Higham's reference implementation `nearcorr.m`, when
/// max(‖Xₖ − Xₖ₋₁‖_F/‖Xₖ‖_F, ‖Yₖ − Yₖ₋₁‖_F/‖Yₖ‖_F, ‖Yₖ − Xₖ‖_F/‖Yₖ‖_F) ≤ `tolerance`.
/// The iteration converges (linearly) to the unique minimiser for any symmetric A.
///
/// Final polish: the PSD iterate Xₖ is rescaled to D^{-1/2}·Xₖ·D^{-1/2}, D = diag(Xₖ) (a
/// congruence, so it stays PSD; at convergence dᵢ = 1 + O(tolerance)), then symmetrised and
/// given an exactly unit diagonal. The result is therefore exactly symmetric with an exactly
/// unit diagonal, and its smallest eigenvalue is ≥ −O(n·ε).
///
/// A matrix that is already a correlation matrix — exactly symmetric, exactly unit diagonal,
/// smallest eigenvalue ≥ −n·ε·max(1, λmax) — is returned unchanged with `iterations == 0`
/// and `frobeniusDistance == 0`.
public struct NearestCorrelation: Sendable {
    /// The repaired correlation matrix (exactly symmetric, exactly unit diagonal, PSD to rounding).
    public let matrix: Matrix
    /// Number of projection sweeps performed (0 when the input was already valid).
    public let iterations: Int
    /// ‖X − A‖_F, the distance moved.
    public let frobeniusDistance: Double
    /// Whether the stopping criterion was met. Reaching `maxIterations` throws
    /// ``LinearAlgebraError/notConverged(routine:iterations:residual:)`` instead of returning
    /// an unconverged matrix, so this is `true` on every returned value; it is kept so that
    /// results can be logged and serialised uniformly.
    public let converged: Bool

    /// Repairs `a` into the nearest correlation matrix.
    /// - Parameters:
    ///   - a: a square, finite, symmetric (|aᵢⱼ − aⱼᵢ| ≤ 1e-12·max|a|) matrix; it is
    ///     symmetrised as (A + Aᵀ)/2 before iterating.
    ///   - name: how errors refer to `a`.
    ///   - tolerance: relative stopping tolerance (> 0) of the criterion above.
    ///   - maxIterations: iteration limit (≥ 1).
    /// - Throws: ``LinearAlgebraError/notSquare(matrix:rows:columns:)``,
    ///   ``LinearAlgebraError/notFinite(matrix:row:column:)``,
    ///   ``LinearAlgebraError/notSymmetric(matrix:row:column:)``,
    ///   ``LinearAlgebraError/eigenNotConverged(matrix:count:)``, and
    ///   ``LinearAlgebraError/notConverged(routine:iterations:residual:)`` when the criterion is
    ///   not met within `maxIterations`.
    public init(nearestTo a: Matrix, name: String = "matrix", tolerance: Double = 1e-12,
                maxIterations: Int = 10_000) throws(LinearAlgebraError) {
        precondition(tolerance > 0, "NearestCorrelation: tolerance must be positive")
        precondition(maxIterations >= 1, "NearestCorrelation: maxIterations must be at least 1")
        try Validate.square(a, name)
        try Validate.finite(a, name)
        try Validate.symmetric(a, name)
        let n = a.rows

        if try Self.isCorrelationMatrix(a, name: name) {
            matrix = a
            iterations = 0
            frobeniusDistance = 0
            converged = true
            return
        }

        let symmetricA = Self.symmetrised(a)
        var y = symmetricA
        var x = symmetricA
        var dykstra = Matrix(rows: n, columns: n)   // ΔS
        var residual = Double.infinity
        var k = 0
        while k < maxIterations {
            k += 1
            let r = y - dykstra
            let previousX = x
            x = try Self.projectOntoPSD(r, name: name)
            dykstra = x - r
            let previousY = y
            y = x
            for i in 0..<n { y.storage[i + i * n] = 1 }
            let yNorm = y.frobeniusNorm
            residual = max((x - previousX).frobeniusNorm / x.frobeniusNorm,
                           (y - previousY).frobeniusNorm / yNorm,
                           (y - x).frobeniusNorm / yNorm)
            if residual <= tolerance { break }
        }
        guard residual <= tolerance else {
            throw .notConverged(routine: "nearest correlation (Higham 2002) of \(name)", iterations: k, residual: residual)
        }

        // Polish: D^{-1/2}·X·D^{-1/2} (PSD by congruence), then exact symmetry and unit diagonal.
        var result = x
        // dᵢ > 0 at convergence (dᵢ = 1 + O(tolerance)); the guard only matters for absurdly
        // loose tolerances, where a zero diagonal is left unscaled rather than divided by.
        let scale = (0..<n).map { i in
            let d = x.storage[i + i * n]
            return d > 0 ? 1 / d.squareRoot() : 1
        }
        for j in 0..<n {
            for i in 0..<n { result.storage[i + j * n] *= scale[i] * scale[j] }
        }
        result = Self.symmetrised(result)
        for i in 0..<n { result.storage[i + i * n] = 1 }

        matrix = result
        iterations = k
        frobeniusDistance = (result - a).frobeniusNorm
        converged = true
    }

    /// True when `a` is exactly symmetric with an exactly unit diagonal and its smallest
    /// eigenvalue is ≥ −n·ε·max(1, λmax) (PSD to the rounding of dsyevd itself).
    static func isCorrelationMatrix(_ a: Matrix, name: String) throws(LinearAlgebraError) -> Bool {
        let n = a.rows
        for i in 0..<n where a.storage[i + i * n] != 1 { return false }
        for j in 0..<n {
            for i in (j + 1)..<max(j + 1, n) where a.storage[i + j * n] != a.storage[j + i * n] { return false }
        }
        guard n > 0 else { return true }
        let (values, _) = try SymmetricEigen.decompose(a, name: name)
        return values[0] >= -Double(n) * Double.ulpOfOne * max(1, values[n - 1])
    }

    /// (A + Aᵀ)/2, exactly symmetric.
    static func symmetrised(_ a: Matrix) -> Matrix {
        let n = a.rows
        var s = a
        for j in 0..<n {
            for i in (j + 1)..<max(j + 1, n) {
                let v = 0.5 * (a.storage[i + j * n] + a.storage[j + i * n])
                s.storage[i + j * n] = v
                s.storage[j + i * n] = v
            }
        }
        return s
    }

    /// P_S(R) = V·diag(max(λ, 0))·Vᵀ, formed as W·Wᵀ with W = V·diag(√max(λ, 0)) so that it
    /// is PSD and symmetric by construction (up to the last bit, which is then symmetrised).
    static func projectOntoPSD(_ r: Matrix, name: String) throws(LinearAlgebraError) -> Matrix {
        let n = r.rows
        let (values, vectors) = try SymmetricEigen.decompose(r, name: name)
        var w = vectors
        for j in 0..<n {
            let s = max(values[j], 0).squareRoot()
            for i in 0..<n { w.storage[i + j * n] *= s }
        }
        let x = try multiply(w, w, transposeB: true)
        return symmetrised(x)
    }
}
