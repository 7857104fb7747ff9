import Foundation
import LinearAlgebra
import RiskCover
import RiskSharing
import Testing

@Suite("Bounded runs: cover grids and resource estimates")
struct ResourceLimitTests {
    @Test("Cover axes accept percentages where a fraction is meant: 0%:30%:1% is 0:0.30:0.01")
    func percentages() throws {
        let percent = try CoverGrid.axisValues("0%:30%:1%").get()
        let fraction = try CoverGrid.axisValues("0:0.30:0.01").get()
        #expect(percent.count == 31 && fraction.count == 31)
        for (a, b) in zip(percent, fraction) { #expect(abs(a - b) < 1e-15) }
        #expect(try CoverGrid.axisValues("5%,10 %,0.2").get() == [0.05, 0.1, 0.2])
    }

    @Test("Non-finite, denormal and runaway axes are refused with a message, never a trap",
          arguments: [("0:inf:0.1", "finite"), ("0:1:5e-324", "more than 10000 values"), ("0:1:1e-5", "more than 10000 values"),
                      ("nan", "finite"), ("0,inf", "finite"), ("0:1:0", "step must be above 0"), ("0.3:0.1:0.1", "below"),
                      ("0x1p-3", "decimal"), ("a:b:c", "not a number"), ("0:1e308:1e-308", "more than 10000 values"),
                      ("-inf:0:1", "finite"), ("1e400", "finite")])
    func refusedAxes(_ spec: String, _ fragment: String) {
        switch CoverGrid.axisValues(spec) {
        case .success(let values): Issue.record("\(spec) accepted as \(values.count) values")
        case .failure(let message): #expect(message.text.contains(fragment), "\(spec): \(message.text)")
        }
    }

    @Test("The grid's product is capped, not only each axis: 100 × 100 × 2 covers are refused, naming the limit")
    func gridProduct() {
        var grid = CoverGrid()
        #expect(grid.set("first-loss=0:0.99:0.01") == nil)
        #expect(grid.set("guarantee-rate=0:0.99:0.01") == nil)
        #expect(grid.count == 10_000 && grid.sizeProblem == nil)
        #expect(grid.set("guarantee-cap=0.1,0.2") == nil)
        #expect(grid.count == 20_000)
        let problem = grid.sizeProblem ?? ""
        #expect(problem.contains("20000 covers") && problem.contains("at most \(CoverGrid.maximumCovers)"))
    }

    @Test("/proc/meminfo: MemAvailable and MemTotal in bytes")
    func meminfo() {
        let text = "MemTotal:       16318412 kB\nMemFree:         1234 kB\nMemAvailable:    8000000 kB\nHugePages_Total:       0\n"
        let info = MachineResources.parseMeminfo(text)
        #expect(info.total == 16_318_412 * 1024 && info.available == 8_000_000 * 1024)
        #expect(MachineResources.parseMeminfo("garbage\n: :\n").available == nil)
        let here = MachineResources.current()
        #expect(here.cores >= 1)
        if FileManager.default.fileExists(atPath: "/proc/meminfo") { #expect((here.totalBytes ?? 0) > 0) }
    }

    @Test("Admission: refuse what exceeds the available memory, announce what takes more than 3 minutes")
    func admission() {
        let machine = MachineResources(availableBytes: 4e9, totalBytes: 8e9, cores: 2)
        #expect(RunAdmission.judge(ResourceEstimate(bytes: 1e9, seconds: 10), on: machine, what: "x") == .proceed)
        guard case .tooLarge(let message) = RunAdmission.judge(ResourceEstimate(bytes: 5e9, seconds: 10), on: machine, what: "simulate") else {
            Issue.record("5 GB on a 4 GB machine was not refused"); return
        }
        #expect(message.contains("5.0 GB") && message.contains("4.0 GB"))
        guard case .slow(let slow) = RunAdmission.judge(ResourceEstimate(bytes: 1e9, seconds: 600), on: machine, what: "sweep") else {
            Issue.record("a 10-minute run was not announced"); return
        }
        #expect(slow.contains("10 min"))
        let unknown = MachineResources(availableBytes: nil, totalBytes: nil, cores: 1)
        #expect(RunAdmission.judge(ResourceEstimate(bytes: 1e15, seconds: 1), on: unknown, what: "x") == .proceed)
    }

    func portfolio(exposures: Int, factors: Int) -> Portfolio {
        Portfolio(exposures: (0..<exposures).map {
            Exposure(name: "e\($0)", exposureAtDefault: 1, probabilityOfDefault: 0.01, lossGivenDefault: .fixed(0.45),
                     loadings: Array(repeating: 0.3, count: factors))
        }, dependence: .factors(correlation: .identity(factors), repair: .none))
    }

    @Test("A simulation's memory grows by what the engine keeps per path: every loss (retention all) or only the tail of the K largest (retention tail)")
    func simulationMemory() {
        let p = portfolio(exposures: 100, factors: 3)
        let structure = RiskSharingStructure.wholePortfolio()
        func bytes(_ paths: Int, threads: Int, _ retaining: LossRetention = .all) -> Double {
            p.resourceEstimate(structure: structure, settings: SimulationSettings(paths: paths, seed: 1), threads: threads, retaining: retaining).bytes
        }
        // Summaries are accumulated per batch: no per-path sample per summarising thread any more.
        #expect(bytes(2_000_000, threads: 2) - bytes(1_000_000, threads: 2) == bytes(2_000_000, threads: 8) - bytes(1_000_000, threads: 8))
        // Every loss: at least the loss and its sort's merge buffer, 16 bytes a path.
        #expect(bytes(2_000_000, threads: 2) - bytes(1_000_000, threads: 2) >= 1_000_000 * 16)
        // The tail (≈ 5 % of the paths at the default 95 % level): far below 8 bytes a path.
        #expect(bytes(2_000_000, threads: 2, .tail) - bytes(1_000_000, threads: 2, .tail) < 1_000_000 * 8)
        // 10⁹ paths: every loss is 8 GB at least; the tail fits in well under that.
        #expect(bytes(1_000_000_000, threads: 1) > 8e9)
        #expect(bytes(1_000_000_000, threads: 1, .tail) < 8e9)
        // The README's measurement: 100,000 paths of B1000 peak at 32 MiB; the estimate is above it but not wildly.
        let b1000 = portfolio(exposures: 1000, factors: 10)
        let estimate = b1000.resourceEstimate(structure: structure, settings: SimulationSettings(paths: 100_000, seed: 1), threads: 2).bytes
        #expect(estimate > 32 * 1_048_576 && estimate < 3 * 32 * 1_048_576)
    }

    @Test("Time grows with paths × obligors and falls with threads")
    func simulationTime() {
        let p = portfolio(exposures: 1000, factors: 10)
        func seconds(_ paths: Int, _ threads: Int) -> Double {
            p.resourceEstimate(structure: .wholePortfolio(), settings: SimulationSettings(paths: paths, seed: 1), threads: threads).seconds
        }
        #expect(abs(seconds(2_000_000, 1) / seconds(1_000_000, 1) - 2) < 1e-9)
        #expect(abs(seconds(1_000_000, 1) / seconds(1_000_000, 2) - 2) < 1e-9)
        // 10⁹ paths of 1000 obligors at 2 × 10⁸ draws/s on 2 threads: 2500 s — announced as slow.
        #expect(seconds(1_000_000_000, 2) > RunAdmission.slowSeconds)
    }

    @Test("Sweeps keep each scenario's losses and evaluate covers one after the other")
    func coverEstimate() {
        let p = portfolio(exposures: 100, factors: 1)
        let settings = SimulationSettings(paths: 1_000_000, seed: 1)
        let one = RiskCoverAnalysis.resourceEstimate(portfolio: p, settings: settings, scenarios: 1, covers: 31, threads: 2)
        let two = RiskCoverAnalysis.resourceEstimate(portfolio: p, settings: settings, scenarios: 2, covers: 31, threads: 2)
        #expect(two.bytes - one.bytes >= 8e6, "a stressed scenario keeps its 10⁶ losses")
        let many = RiskCoverAnalysis.resourceEstimate(portfolio: p, settings: settings, scenarios: 1, covers: 10_000, threads: 2)
        #expect(many.seconds > one.seconds + 9_000 * 1e6 / Throughput.coverPathsPerSecond)
    }

    @Test("Sweeps accumulate per cover: memory grows far below 8 bytes a path, in one process, a shard or the merge")
    func sweepEstimate() {
        let p = portfolio(exposures: 100, factors: 1)
        let terms = CoverTerms()
        func bytes(_ paths: Int, covers: Int = 31, shards: Int = 1, scenarios: Int = 1) -> Double {
            RiskCoverAnalysis.sweepResourceEstimate(portfolio: p, settings: SimulationSettings(paths: paths, seed: 1), terms: terms,
                                                    scenarios: scenarios, covers: covers, threads: 2, shards: shards).bytes
        }
        // One process: the tail (K ≈ 5 % of the paths at the default 95 % level) and its derived
        // samples, about 2 bytes a path; every loss took at least 16.
        let perPath = (bytes(4_000_000) - bytes(1_000_000)) / 3_000_000
        #expect(perPath > 1 && perPath < 4)
        let solvePerPath = (RiskCoverAnalysis.resourceEstimate(portfolio: p, settings: SimulationSettings(paths: 4_000_000, seed: 1), scenarios: 1, covers: 200, threads: 2).bytes
            - RiskCoverAnalysis.resourceEstimate(portfolio: p, settings: SimulationSettings(paths: 1_000_000, seed: 1), scenarios: 1, covers: 200, threads: 2).bytes) / 3_000_000
        #expect(solvePerPath >= 16, "the all-loss analysis (sensitivity) keeps every loss")
        // A shard (or the merge) of 8 holds one entry of 1 + 2·(4 + 3·31) words per batch of its own.
        let entry = (1.0 + 2 * (4 + 3 * 31)) * 8
        let batches = Double(SimulationSettings(paths: 4_000_000, seed: 1).batchCount)
        #expect(bytes(4_000_000, shards: 8) - bytes(4_000_000) >= (batches / 8).rounded(.up) * entry)
        #expect((bytes(4_000_000, shards: 8) - bytes(1_000_000, shards: 8)) / 3_000_000 < 4)
        // A stressed scenario keeps only its tail, not its 10⁶ losses (8 MB).
        #expect(bytes(1_000_000, scenarios: 2) - bytes(1_000_000) < 8e6)
        // The estimate is what the admission check judges: 10⁹ paths of a sweep no longer need 8 GB for the losses.
        #expect(bytes(1_000_000_000) < 4e9)
        // The sweep simulates with one histogram bucket: no 2²⁰-cell grid per worker (8 MB each).
        var oneBucket = SimulationSettings(paths: 1_000_000, seed: 1)
        oneBucket.histogramEdges = [0, 1]
        let withGrid = RiskCoverAnalysis.sweepResourceEstimate(portfolio: p, settings: SimulationSettings(paths: 1_000_000, seed: 1), terms: terms,
                                                               scenarios: 1, covers: 31, threads: 2).bytes
        let withoutGrid = RiskCoverAnalysis.sweepResourceEstimate(portfolio: p, settings: oneBucket, terms: terms, scenarios: 1, covers: 31, threads: 2).bytes
        #expect(abs(withGrid - withoutGrid - 2 * 8 * Double(SimulationSettings.histogramGridCells - 1)) < 1)
    }

    @Test("A bounded solve's memory grows with the retained share of losses (3·8 bytes a kept loss), not 16 bytes a path")
    func boundedSolveEstimate() {
        let p = portfolio(exposures: 100, factors: 1)
        let terms = CoverTerms()
        func bytes(_ paths: Int, share: Double, scenarios: Int = 1, shards: Int = 1) -> Double {
            let settings = RiskCoverAnalysis.solveSettings(SimulationSettings(paths: paths, seed: 1))
            return RiskCoverAnalysis.solveResourceEstimate(portfolio: p, settings: settings, terms: terms, scenarios: scenarios,
                                                           tailSize: Int(Double(paths) * share), curveCovers: 10, threads: 2, shards: shards).bytes
        }
        // 7 % kept: 3 copies of 8 bytes while simulating, ≈ 1.7 bytes a path (a few more for the curve's tail).
        let perPath = (bytes(4_000_000, share: 0.07) - bytes(1_000_000, share: 0.07)) / 3_000_000
        #expect(perPath > 1.5 && perPath < 3, "\(perPath)")
        // Every loss kept (threshold 0 on a portfolio whose every path loses): 3·8 bytes a path.
        let all = (bytes(4_000_000, share: 1) - bytes(1_000_000, share: 1)) / 3_000_000
        #expect(all > 24 && all < 26, "\(all)")
        // A second scenario keeps its K: 8 bytes a kept loss more.
        #expect(bytes(1_000_000, share: 0.07, scenarios: 2) - bytes(1_000_000, share: 0.07) >= 8 * 60_000)
        // 10⁹ paths of InvestAI's solve (≈ 7 % kept) no longer need 8 GB for every loss and its sort.
        #expect(bytes(1_000_000_000, share: 0.07) < 2 * 8 * 1e9 * 0.07 + 1e9)
    }
}
