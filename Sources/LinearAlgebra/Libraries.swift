internal import CLapacke
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The BLAS and LAPACK a process actually runs with, for manifests: Debian lets
/// `update-alternatives` swap `libblas.so.3` and `liblapack.so.3` (OpenBLAS, reference, BLIS …)
/// under the same binary, and results can differ in the last bits between them.
public struct LinearAlgebraLibraries: Sendable, Equatable {
    /// OpenBLAS's own description (`openblas_get_config()`: version, build options, `MAX_THREADS`).
    public var blasConfiguration: String
    /// The CPU kernel OpenBLAS selected at run time (`openblas_get_corename()`), e.g. `Haswell`.
    public var blasCore: String
    /// LAPACK's version from `ilaver` (LAPACKE_ilaver), `major.minor.patch`.
    public var lapackVersion: String
    /// The shared object that provides `dgemm_` in this process (after symlinks), if the loader says.
    public var blasLibraryPath: String?
    /// The shared object that provides `dpotrf_` in this process (after symlinks), if the loader says.
    public var lapackLibraryPath: String?

    /// The libraries of this process (asked once; they cannot change while it runs).
    public static let current = LinearAlgebraLibraries()

    private init() {
        blasConfiguration = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        blasCore = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        LAPACKE_ilaver(&major, &minor, &patch)
        lapackVersion = "\(major).\(minor).\(patch)"
        blasLibraryPath = LinearAlgebraLibraries.sharedObject(defining: "dgemm_")
        lapackLibraryPath = LinearAlgebraLibraries.sharedObject(defining: "dpotrf_")
    }

    /// The resolved path of the shared object the dynamic loader binds `symbol` to: the
    /// mapping of `/proc/self/maps` that contains the symbol's address (Linux), nil elsewhere.
    static func sharedObject(defining symbol: String) -> String? {
        #if os(Linux)
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol) else { return nil }
        let target = UInt(bitPattern: address)
        guard let maps = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(maps) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, maps) > 0, let line {
            // start-end perms offset dev inode path
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6 else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  start <= target, target < end else { continue }
            var path = fields[5...].joined(separator: " ")
            while path.hasSuffix("\n") { path.removeLast() }
            guard path.hasPrefix("/") else { return nil }
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return nil
        #else
        return nil
        #endif
    }
}
