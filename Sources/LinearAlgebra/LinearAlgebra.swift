/// LinearAlgebra: a small, typed, column-major layer over LAPACKE and CBLAS.
///
/// The only module that imports `CLapacke`. Data conditions (a matrix that is not positive
/// definite, a singular system) throw ``LinearAlgebraError``; dimensions are checked in Swift
/// before LAPACK is called; preconditions are kept for programmer errors only.
enum LinearAlgebraModule {}
