import Foundation
import LinearAlgebra

/// What a run will need before it starts: its peak memory and its duration, estimated from the
/// model's size and the settings (paths, covers, exposures, periods) — so that a run that cannot
/// fit the machine is refused up front instead of failing after minutes, and a long one is
/// announced.
///
/// The memory figures follow what the engines keep (their doc comments state it); the time
/// figures use throughputs measured on this project's reference machine (2 cores; see
/// ``Throughput``) and are good to a factor of about 2 there — an announcement, not a promise.
public struct ResourceEstimate: Sendable, Equatable {
    /// Peak resident memory, bytes.
    public var bytes: Double
    /// Wall-clock time, seconds.
    public var seconds: Double

    public init(bytes: Double, seconds: Double) {
        self.bytes = bytes
        self.seconds = seconds
    }

    /// Memory of the process before any model is loaded (runtime, libraries, OpenBLAS buffers):
    /// the peak RSS of `leverage run` on the reference machine, rounded up.
    public static let baseBytes = 40.0 * 1_048_576

    /// Estimates of two phases that run one after the other: memory is the larger peak, time adds.
    public func then(_ next: ResourceEstimate) -> ResourceEstimate {
        ResourceEstimate(bytes: max(bytes, next.bytes), seconds: seconds + next.seconds)
    }

    /// `1.2 GB`, `340 MB`, `12 kB` (decimal units, as memory is usually quoted).
    public static func readableBytes(_ bytes: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (size, name) in units where bytes >= size {
            let x = bytes / size
            return (x >= 100 ? String(format: "%.0f", x) : String(format: "%.1f", x)) + " " + name
        }
        return String(format: "%.0f B", bytes)
    }

    /// `45 s`, `12 min`, `3.5 h`, `2.0 days`.
    public static func readableDuration(_ seconds: Double) -> String {
        if seconds < 90 { return String(format: "%.0f s", seconds) }
        if seconds < 90 * 60 { return String(format: "%.0f min", seconds / 60) }
        if seconds < 48 * 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f days", seconds / 86_400)
    }
}

/// Throughputs measured on the reference machine (this project's 2-core machine, release build),
/// per worker thread; see `Benchmarks/memory-and-time.sh`, which re-measures them.
public enum Throughput {
    /// Obligor default tests per second per thread (B1000, 1 thread: 4.0 × 10⁸/s; taken lower
    /// for models with few exposures per factor, whose dgemm is less efficient).
    public static let obligorDrawsPerSecond = 2.0e8
    /// Paths per second through one cover's waterfall or one summary job (one thread: a sweep
    /// evaluates covers one after the other). Measured: 31 covers of 300,000 paths in 5.8 s
    /// beyond one cover, on a machine loaded ×3.4.
    public static let coverPathsPerSecond = 5.0e6
    /// Site-periods of project cash flows per second per thread (stress: `gigafactory`, 2000
    /// paths, one thread, 3.8 s on a machine loaded ×3.4).
    public static let sitePeriodsPerSecond = 7.0e5
    /// The work of one homogeneous pool on one path, in obligor default tests: Φ, a binomial
    /// draw and the LGD of its defaults (a normal approximation above 1000 defaults).
    public static func poolWork(count: Int, probabilityOfDefault: Double, betaLGD: Bool) -> Double {
        let defaults = min(Double(max(count, 0)) * min(max(probabilityOfDefault, 0), 1), 1000)
        return 40 + (betaLGD ? 10 * defaults : 0)
    }
}

/// What the machine offers, from `/proc/meminfo` (Linux); nil fields where unknown.
public struct MachineResources: Sendable, Equatable {
    /// Memory available to a new process without swapping (`MemAvailable`), bytes.
    public var availableBytes: Double?
    /// Physical memory (`MemTotal`), bytes.
    public var totalBytes: Double?
    /// Active processor cores.
    public var cores: Int

    public init(availableBytes: Double?, totalBytes: Double?, cores: Int) {
        self.availableBytes = availableBytes
        self.totalBytes = totalBytes
        self.cores = cores
    }

    /// This machine now.
    public static func current() -> MachineResources {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let info = parseMeminfo(text)
        return MachineResources(availableBytes: info.available, totalBytes: info.total,
                                cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// `MemAvailable` and `MemTotal` from the text of `/proc/meminfo` (`MemTotal:  16318412 kB`).
    public static func parseMeminfo(_ text: String) -> (available: Double?, total: Double?) {
        var available: Double?, total: Double?
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            guard fields.count >= 2, let value = Double(fields[1]), value.isFinite, value >= 0 else { continue }
            let scale = fields.count >= 3 && fields[2] == "kB" ? 1024.0 : 1.0
            if fields[0] == "MemAvailable" { available = value * scale }
            if fields[0] == "MemTotal" { total = value * scale }
        }
        return (available, total)
    }

    /// The memory a run may use: what is available now, else the physical memory.
    public var usableBytes: Double? { availableBytes ?? totalBytes }
}

/// Whether a run should start, from its estimate and the machine.
public enum RunAdmission: Sendable, Equatable {
    /// Fits and is quick.
    case proceed
    /// Fits but takes longer than ``slowSeconds``: say so before starting.
    case slow(message: String)
    /// Needs more memory than the machine has available: refuse unless the user insists.
    case tooLarge(message: String)

    /// Runs longer than this (3 minutes) are announced.
    public static let slowSeconds = 180.0

    /// The verdict for `estimate` on `machine`; `what` names the run (`simulate: 10⁹ paths`).
    public static func judge(_ estimate: ResourceEstimate, on machine: MachineResources, what: String) -> RunAdmission {
        if let usable = machine.usableBytes, estimate.bytes > usable {
            return .tooLarge(message: "\(what) needs about \(ResourceEstimate.readableBytes(estimate.bytes)) of memory; "
                + "this machine has \(ResourceEstimate.readableBytes(usable)) available")
        }
        if estimate.seconds > slowSeconds {
            return .slow(message: "\(what) will take about \(ResourceEstimate.readableDuration(estimate.seconds)) "
                + "(estimated; needs about \(ResourceEstimate.readableBytes(estimate.bytes)) of memory)")
        }
        return .proceed
    }
}

extension SimulationSettings {
    /// The resources of ``simulate(portfolio:structure:settings:retaining:exceedance:progress:)`` on `portfolio` with
    /// `tranches`, `holders` and `guarantees` in the structure, on `threads` workers.
    ///
    /// Memory (doubles of 8 bytes), after the engine's doc comment:
    /// - with `retaining: .all`, the loss of every path and the merge buffer of its final sort:
    ///   1.5 × paths (2 × paths counted); with `.tail`, the shared buffer of the largest losses
    ///   and its compaction's sort buffer: 3·K, K = ``tailSize``;
    /// - while summarising, the K-loss tail, one derived tail and its sort buffer: 3·K more;
    /// - per worker the batch × quantities scratch (quantities = 1 + 2·tranches + holders +
    ///   guarantees) and the histogram: the grid (2²⁰ + 1 counts at most), or one count per
    ///   bucket with ``histogramEdges``;
    /// - per worker: Z (batch × K), w (batch), S (batch × chunk, chunk ≤ 128 K / batch … rows);
    /// - the prepared model: A = B·L ((N + P) × K) and about 16 doubles per exposure or pool,
    ///   plus the portfolio itself (its loadings, K doubles, and about 150 bytes per exposure).
    /// Time: N obligor tests per path plus the pools' work (`poolWork`, in obligor tests; see
    /// ``Throughput/poolWork(count:probabilityOfDefault:betaLGD:)``) at
    /// ``Throughput/obligorDrawsPerSecond`` per thread, plus one pass over the paths per summary
    /// job at ``Throughput/coverPathsPerSecond``.
    public func resourceEstimate(exposures: Int, pools: Int, factors: Int, tranches: Int, holders: Int,
                                 guarantees: Int, threads: Int, poolWork: Double = 0, retaining: LossRetention = .all) -> ResourceEstimate {
        let p = Double(paths), rows = Double(exposures) + Double(pools), k = Double(max(factors, 1))
        let workers = Double(max(1, threads)), batch = Double(batchSize)
        let jobs = Double(2 + tranches + holders + guarantees)
        let chunk = max(1, min(rows, Double(1 << 17) / max(batch, 1)))
        let model = rows * (k * 8 * 2 + 16 * 8 + 150)
        let perWorker = batch * (k + 1 + chunk) * 8
        let tail = Double((try? validate()).map { min(tailSize, paths) } ?? paths)
        let quantities = Double(1 + 2 * tranches + holders + guarantees)
        // The histogram: given edges, one count per bucket; else the grid's cells up to the largest loss (≤ 2²⁰ + 1).
        let histogram = Double(histogramEdges.map { $0.count } ?? (SimulationSettings.histogramGridCells + 1)) * 8
        let accumulators = batch * (1 + quantities) * 8 + histogram
        let retained = retaining == .all ? 2 * p * 8 : 3 * tail * 8
        let summary = 3 * tail * 8 + (retaining == .all ? p * 8 : 0)
        let bytes = ResourceEstimate.baseBytes + model + workers * (perWorker + accumulators) + max(retained, summary)
        let seconds = p * max(Double(exposures) + poolWork, 1) / (Throughput.obligorDrawsPerSecond * workers)
            + jobs * p / (Throughput.coverPathsPerSecond * workers)
        return ResourceEstimate(bytes: bytes, seconds: seconds)
    }
}

extension Portfolio {
    /// K: the number of systematic factors (the number of exposures for an exposure correlation).
    public var factorCount: Int {
        switch dependence {
        case .factors(let correlation, _): return correlation.rows
        case .exposureCorrelation(let correlation, _): return correlation.rows
        }
    }

    /// The resources of simulating this portfolio under `structure` with `settings` on
    /// `threads` workers (see `SimulationSettings.resourceEstimate(exposures:pools:factors:tranches:holders:guarantees:threads:)`).
    public func resourceEstimate(structure: RiskSharingStructure, settings: SimulationSettings, threads: Int,
                                 retaining: LossRetention = .all) -> ResourceEstimate {
        let holders = Set(structure.tranches.map(\.holder)).count + structure.guarantees.count
        return settings.resourceEstimate(exposures: exposures.count, pools: pools.count, factors: factorCount,
                                         tranches: structure.tranches.count, holders: holders,
                                         guarantees: structure.guarantees.count, threads: threads,
                                         poolWork: pools.reduce(0) {
                                             $0 + Throughput.poolWork(count: $1.count, probabilityOfDefault: $1.probabilityOfDefault,
                                                                      betaLGD: $1.lossGivenDefault.betaParameters != nil)
                                         }, retaining: retaining)
    }
}
