import Foundation
import LinearAlgebra
import RiskSharing

/// The Monte Carlo side of a scenario: the portfolio, who bears its losses, and the default
/// simulation controls (the command line can override paths and seed).
public struct RiskModel: Sendable {
    public var portfolio: Portfolio
    public var structure: RiskSharingStructure
    /// Names of the K systematic factors, for tables.
    public var factorNames: [String]
    /// Default Monte Carlo paths, seed and batch size (`simulation`); the command line can override paths and seed.
    public var paths: Int
    public var seed: UInt64
    public var batchSize: Int
    /// `simulation.method`: plain Monte Carlo or importance sampling.
    public var method: SimulationMethod = .plain
    /// `simulation.target`: the importance-sampling target loss (fraction of the volume).
    public var target: Double? = nil
    /// `simulation.exceedance`: losses (fractions of the volume) at which P(L/V > x) is reported.
    public var exceedance: [Double] = []
    /// `lifetime`: the multi-year credit model (horizon, PD term structures, amortisation,
    /// recovery lag, fees, discounting), if the file has one.
    public var lifetime: LifetimeSpec? = nil
    /// `simulation.quantile_levels`: VaR/ES levels in (0, 1), ascending and distinct (nil: the engine's default).
    public var quantileLevels: [Double]? = nil
    /// `simulation.confidence`: coverage of the confidence intervals, in (0, 1) (nil: 0.95).
    public var confidence: Double? = nil
    /// `simulation.histogram_edges`: loss-distribution bucket edges as fractions of the volume (nil: 20 equal buckets).
    public var histogramEdges: [Double]? = nil
    /// `simulation.target_relative_error`, `simulation.for`, `simulation.max_paths`: run to accuracy.
    public var accuracy: AccuracyTarget? = nil

    /// A portfolio model built in code (what the `portfolio`, `risk_sharing` and `simulation`
    /// sections of a file describe). `factorNames` label the factor columns of the tables; with
    /// RiskSharing's `SystematicFactors` use ``init(portfolio:structure:factors:paths:seed:batchSize:)``.
    public init(portfolio: Portfolio, structure: RiskSharingStructure, factorNames: [String] = [],
                paths: Int = 100_000, seed: UInt64 = 1, batchSize: Int = 4096,
                method: SimulationMethod = .plain, target: Double? = nil, exceedance: [Double] = []) {
        self.portfolio = portfolio
        self.structure = structure
        self.factorNames = factorNames
        self.paths = paths
        self.seed = seed
        self.batchSize = batchSize
        self.method = method
        self.target = target
        self.exceedance = exceedance
    }

    /// A portfolio model whose factor names come from its `SystematicFactors`.
    public init(portfolio: Portfolio, structure: RiskSharingStructure, factors: SystematicFactors,
                paths: Int = 100_000, seed: UInt64 = 1, batchSize: Int = 4096) {
        self.init(portfolio: portfolio, structure: structure, factorNames: factors.names, paths: paths, seed: seed, batchSize: batchSize)
    }

    /// The engine settings for this model's defaults, with `paths`, `seed` and `threads` overridden when given.
    public func settings(paths: Int? = nil, seed: UInt64? = nil, threads: Int? = nil) -> SimulationSettings {
        var s = SimulationSettings(paths: paths ?? self.paths, seed: seed ?? self.seed, batchSize: batchSize, threads: threads)
        if let quantileLevels { s.quantileLevels = quantileLevels }
        if let confidence { s.confidence = confidence }
        if let histogramEdges { s.histogramEdges = histogramEdges }
        return s
    }
}

/// Reads `portfolio`, `risk_sharing` and `simulation`:
///
///     portfolio:
///       copula: gaussian                    # or student_t, with degrees_of_freedom: 4
///       factors:
///         names: [energy, ai_demand]
///         correlation: [[1, 0.5], [0.5, 1]] # or uniform_correlation: 0.5
///         repair: none                      # or nearest (reported, never silent)
///       exposures:
///         - {name: gf1, ead: 1500, pd: 0.03, lgd: 0.45, loadings: {energy: 0.4, ai_demand: 0.3}}
///         - {name: gf2, ead: 1500, pd: 0.03, lgd: {mean: 0.45, sd: 0.2}, loadings: [0.4, 0.3]}
///       exposures_csv: loans.csv            # name, ead, pd, lgd[, lgd_sd], one column per factor
///       pools:
///         - {name: sme, count: 50000, ead: 0.2, pd: 0.02, lgd: 0.6, loadings: {ai_demand: 0.4}}
///     risk_sharing:
///       tranches:
///         - {name: first_loss, attachment: 0, detachment: 0.05, holder: EU}
///       guarantees:
///         - {name: eu, rate: 0.5, cap: 0.2, covers: portfolio, guarantor: EU, provision: 100}
///           # cap_basis: guaranteed_amount (default: cap amount = cap · rate · covered volume, the
///           # EIF convention) or volume (cap amount = cap · portfolio volume)
///     simulation: {paths: 100000, seed: 1, batch_size: 4096}
///     # optional: method: importance, target: 0.15, exceedance: [0.05, 0.15, 0.3],
///     #   quantile_levels: [0.99, 0.999, 0.9999], confidence: 0.95, histogram_edges: [0, 0.05, 0.1, 1],
///     #   target_relative_error: 0.1, for: senior, max_paths: 100000000 (run to accuracy; `paths` is the pilot)
struct PortfolioReader {
    let sink: DiagnosticSink
    /// Reads a data file named in the model (relative to the model's folder); nil if missing.
    let readDataFile: (String) -> DataFile

    /// The CSV file's sink and the place of each row's name, for problems found after reading it.
    final class CSVRows {
        var sink = DiagnosticSink(file: "", text: "")
        var places: [(line: Int, column: Int)] = []
        var path = FieldPath.root
        var absorbed = 0
    }
    let csv = CSVRows()

    static let fields = ["copula", "degrees_of_freedom", "factors", "exposure_correlation", "exposures", "exposures_csv", "pools"]
    static let exposureFields = ["name", "ead", "pd", "lgd", "loadings"]
    static let poolFields = ["name", "count", "ead", "pd", "lgd", "loadings"]
    enum CopulaName: String, CaseIterable { case gaussian, student_t }
    enum RepairName: String, CaseIterable { case none, nearest }

    func read(portfolio value: YAMLValue, riskSharing: YAMLValue?, simulation: YAMLValue?) -> RiskModel? {
        guard let m = value.mapping(allowed: PortfolioReader.fields) else { return nil }
        var copula: Copula? = .gaussian
        if let name = m["copula"]?.choice(CopulaName.self) {
            if name == .student_t {
                let nu = m.required("degrees_of_freedom")?.positive()
                copula = nu.map { .studentT(degreesOfFreedom: $0) }
            } else if m.has("degrees_of_freedom") {
                m["degrees_of_freedom"]!.error("degrees_of_freedom goes with copula: student_t")
                copula = nil
            }
        } else if m.has("copula") { copula = nil }

        // Dependence: factors (K names, correlation) or a full exposure correlation matrix.
        var factorNames: [String] = []
        var dependence: Dependence?
        var sigma = Matrix(rows: 0, columns: 0)
        if m.has("factors") && m.has("exposure_correlation") {
            m["exposure_correlation"]!.error("give either factors or exposure_correlation, not both")
        } else if let f = m["factors"]?.mapping(allowed: ["names", "correlation", "uniform_correlation", "repair"]) {
            factorNames = (f.required("names")?.sequence() ?? []).compactMap { $0.identifier() }
            if let list = f["names"]?.sequence() {
                if list.isEmpty { f["names"]!.error("name at least one factor") }
                var seen = Set<String>()
                for (k, name) in factorNames.enumerated() where !seen.insert(name).inserted { list[k].error("factor '\(name)' is named twice") }
            }
            let repair = f["repair"]?.choice(RepairName.self) ?? RepairName.none
            let k = factorNames.count
            var correlation: Matrix?
            switch f.exactlyOne(of: ["correlation", "uniform_correlation"]) {
            case "correlation": correlation = f["correlation"].flatMap { readCorrelation($0, size: k) }
            case "uniform_correlation":
                if let rho = f["uniform_correlation"]!.number() {
                    if rho <= -1 || rho >= 1 { f["uniform_correlation"]!.error("\(YAMLValue.show(rho)) must be strictly between -1 and 1") } else {
                        var c = Matrix(rows: k, columns: k, repeating: rho)
                        for i in 0..<k { c[i, i] = 1 }
                        correlation = c
                    }
                }
            default: break
            }
            if let correlation, k > 0 {
                let field = f["correlation"] ?? f["uniform_correlation"]!
                if repair == .none {
                    do { _ = try Cholesky(correlation, name: "factor_correlation") } catch {
                        field.error("\(error) (add `repair: nearest` to use the nearest correlation matrix instead; the distance moved is reported)")
                    }
                    sigma = correlation
                } else {
                    // Loadings are checked against the matrix the engine will simulate with.
                    do { sigma = try simulatedCorrelation(correlation, name: "factor_correlation", repair: .nearest) } catch {
                        field.error("\(error)")
                        sigma = correlation
                    }
                }
                dependence = .factors(correlation: correlation, repair: repair == .nearest ? .nearest : .none)
            }
        } else if let r = m["exposure_correlation"]?.mapping(allowed: ["matrix", "repair"]) {
            let repair = r["repair"]?.choice(RepairName.self) ?? RepairName.none
            if let matrix = r.required("matrix").flatMap({ readCorrelation($0, size: nil) }) {
                if repair == .none {
                    do { _ = try Cholesky(matrix, name: "exposure_correlation") } catch {
                        r["matrix"]!.error("\(error) (add `repair: nearest` to use the nearest correlation matrix instead; the distance moved is reported)")
                    }
                }
                dependence = .exposureCorrelation(matrix, repair: repair == .nearest ? .nearest : .none)
            }
        } else if !m.has("factors") && !m.has("exposure_correlation") {
            dependence = .factors(correlation: Matrix(rows: 0, columns: 0), repair: .none)   // independent defaults
        }
        let usesExposureCorrelation = m.has("exposure_correlation")

        var exposures: [Exposure?] = (m["exposures"]?.sequence() ?? []).map {
            exposure($0, factorNames: factorNames, sigma: sigma, noLoadings: usesExposureCorrelation)
        }
        if let csv = m["exposures_csv"] {
            exposures += readCSV(csv, factorNames: factorNames, sigma: sigma)
        }
        let pools: [HomogeneousPool?] = (m["pools"]?.sequence() ?? []).map { pool($0, factorNames: factorNames, sigma: sigma) }
        if usesExposureCorrelation, let p = m["pools"] { p.error("pools need factors; an exposure correlation matrix covers individual exposures only") }
        if !m.has("exposures") && !m.has("exposures_csv") && !m.has("pools") {
            sink.error(value.mark, value.path, "a portfolio needs exposures, exposures_csv or pools")
        }
        if case .exposureCorrelation(let matrix, _)? = dependence, exposures.allSatisfy({ $0 != nil }), matrix.rows != exposures.count {
            m["exposure_correlation"]!.error("the matrix is \(matrix.rows)×\(matrix.rows) for \(exposures.count) exposures")
        }
        let volume = exposures.reduce(0.0) { $0 + ($1?.exposureAtDefault ?? 0) } + pools.reduce(0.0) { $0 + ($1?.volume ?? 0) }
        if exposures.allSatisfy({ $0 != nil }) && pools.allSatisfy({ $0 != nil }) && volume <= 0 && (m.has("exposures") || m.has("pools")) {
            sink.error(value.mark, value.path, "the portfolio's volume is 0: nothing to lose")
        }
        if !volume.isFinite {
            sink.error(value.mark, value.path, "the exposures add up to more than \(Double.greatestFiniteMagnitude): the total overflows (check the amounts and the money unit)")
        }
        // Names of exposures and pools are unique: results and messages refer to them.
        let exposureValues = m["exposures"]?.sequence() ?? []
        let poolValues = m["pools"]?.sequence() ?? []
        var seenNames: [String: String] = [:]
        func checkName(_ name: String?, _ report: (String) -> Void, _ what: String) {
            guard let name else { return }
            if let first = seenNames[name] { report("two exposures or pools are called '\(Diagnostic.quote(name))' (the first is \(first))") } else { seenNames[name] = what }
        }
        for (k, e) in exposures.enumerated() {
            checkName(e?.name, { exposureReporter(k, exposureValues: exposureValues)($0) },
                      k < exposureValues.count ? "portfolio.exposures[\(k)]" : "exposures_csv[\(k - exposureValues.count)]")
        }
        for (k, q) in pools.enumerated() where k < poolValues.count {
            let nameValue = (poolValues[k].mapping(silentlyAllowing: PortfolioReader.poolFields))?["name"] ?? poolValues[k]
            checkName(q?.name, nameValue.error, "portfolio.pools[\(k)]")
        }

        let structure = riskSharing.flatMap(readStructure) ?? (riskSharing == nil ? .wholePortfolio(holder: "lender") : nil)
        var paths = 100_000, seed: UInt64 = 1, batch = 4096
        var simulationOK = true
        var method = SimulationMethod.plain, target: Double? = nil, exceedance: [Double] = []
        var quantileLevels: [Double]? = nil, confidence: Double? = nil, histogramEdges: [Double]? = nil
        var accuracy: AccuracyTarget? = nil
        if let s = simulation?.mapping(allowed: ["paths", "seed", "batch_size", "method", "target", "exceedance", "quantile_levels", "confidence",
                                                 "histogram_edges", "target_relative_error", "for", "max_paths"]) {
            /// An ascending list of distinct numbers, each checked by `check` (nil: fine).
            func ascending(_ v: YAMLValue, minimumCount: Int, what: String, check: (Double) -> String?) -> [Double]? {
                guard let items = v.sequence() else { return nil }
                var xs: [Double] = []
                for item in items {
                    guard let x = item.number() else { return nil }
                    if let problem = check(x) { item.error(problem); return nil }
                    if let last = xs.last, x <= last { item.error("\(what) must be ascending and distinct (\(YAMLValue.show(x)) follows \(YAMLValue.show(last)))"); return nil }
                    xs.append(x)
                }
                if xs.count < minimumCount { v.error("give at least \(minimumCount) \(what)"); return nil }
                return xs
            }
            if let v = s["quantile_levels"] {
                quantileLevels = ascending(v, minimumCount: 1, what: "quantile levels") { $0 > 0 && $0 < 1 ? nil : "a quantile level must be in (0, 1), e.g. 0.999, not \(YAMLValue.show($0))" }
                if quantileLevels == nil { simulationOK = false }
            }
            if let v = s["confidence"] {
                if let x = v.number(), x > 0, x < 1 { confidence = x } else {
                    if let x = v.number() { v.error("the confidence level must be in (0, 1), e.g. 0.95, not \(YAMLValue.show(x))") }
                    simulationOK = false
                }
            }
            if let v = s["histogram_edges"] {
                histogramEdges = ascending(v, minimumCount: 2, what: "histogram edges") { $0 >= 0 && $0 <= 1 ? nil : "a histogram edge is a loss fraction in [0, 1], not \(YAMLValue.show($0))" }
                if histogramEdges == nil { simulationOK = false }
            }
            if s.has("target_relative_error") || s.has("for") || s.has("max_paths") {
                var relative: Double? = nil, cap = AccuracyTarget.defaultMaximumPaths
                if let v = s.required("target_relative_error") {
                    if let x = v.number(), x > 0, x < 1 { relative = x } else {
                        if let x = v.number() { v.error("the target relative standard error must be in (0, 1), e.g. 0.1 for 10 %, not \(YAMLValue.show(x))") }
                        simulationOK = false
                    }
                } else { simulationOK = false }
                if let v = s["max_paths"] {
                    if let p = v.integer(minimum: 1, maximum: PortfolioReader.maximumPaths, what: "max_paths (8 bytes of memory each)") { cap = p } else { simulationOK = false }
                }
                if let v = s.required("for"), let text = v.string() {
                    if let structure, let relative {
                        do { accuracy = AccuracyTarget(relativeError: relative, quantity: try AccuracyQuantity(parsing: text, structure: structure), maximumPaths: cap) } catch {
                            if case let .invalidInput(_, reason) = error { v.error(reason) } else { v.error("\(error)") }
                            simulationOK = false
                        }
                    }
                } else { simulationOK = false }
            }
            if let v = s["method"] { if let m = v.choice(SimulationMethod.self) { method = m } else { simulationOK = false } }
            if let v = s["target"] {
                if let x = v.fraction(), x > 0, x < 1 { target = x } else { if v.number().map({ $0 == 0 || $0 == 1 }) == true { v.error("the target loss fraction must be in (0, 1)") }; simulationOK = false }
            }
            if let v = s["exceedance"] {
                if let items = v.sequence() {
                    for item in items { if let x = item.fraction(), x < 1 { exceedance.append(x) } else { if item.number() == 1 { item.error("an exceedance threshold must be below 1") }; simulationOK = false } }
                } else { simulationOK = false }
            }
            if let v = s["paths"] { if let p = v.integer(minimum: 1, maximum: PortfolioReader.maximumPaths, what: "paths (8 bytes of memory each)") { paths = p } else { simulationOK = false } }
            if let v = s["seed"] { if let x = v.integer(minimum: 0) { seed = UInt64(x) } else { simulationOK = false } }
            if let v = s["batch_size"] { if let b = v.integer(minimum: 1, maximum: SimulationSettings.maximumBatchSize) { batch = b } else { simulationOK = false } }
        } else if simulation != nil { simulationOK = false }

        guard let copula, let dependence, let structure, simulationOK, !sink.hasErrors, !csv.sink.hasErrors,
              exposures.allSatisfy({ $0 != nil }), pools.allSatisfy({ $0 != nil }) else { return nil }
        let portfolio = Portfolio(exposures: exposures.map { $0! }, pools: pools.map { $0! }, dependence: dependence, copula: copula)
        // The engine's own checks, run now so that `validate` accepts exactly what `simulate` accepts.
        do {
            var settings = SimulationSettings(paths: paths, seed: seed, batchSize: batch)
            if let quantileLevels { settings.quantileLevels = quantileLevels }
            if let confidence { settings.confidence = confidence }
            if let histogramEdges { settings.histogramEdges = histogramEdges }
            try validateSimulation(portfolio: portfolio, structure: structure, settings: settings)
        } catch {
            locate(error, portfolio: value, riskSharing: riskSharing, simulation: simulation, exposures: portfolio.exposures,
                   exposureValues: exposureValues, poolValues: poolValues)
            return nil
        }
        var model = RiskModel(portfolio: portfolio, structure: structure, factorNames: factorNames, paths: paths, seed: seed, batchSize: batch,
                              method: method, target: target, exceedance: exceedance)
        model.quantileLevels = quantileLevels
        model.confidence = confidence
        model.histogramEdges = histogramEdges
        model.accuracy = accuracy
        return model
    }

    /// The most paths a model file may ask for (the engine keeps one loss per path).
    static let maximumPaths = 1_000_000_000

    /// Reports an engine error at the item it names (`exposure gf1` → that exposure's entry).
    /// Reports a problem at exposure k: its `name` in the model file, or its row of the CSV file.
    private func exposureReporter(_ k: Int, exposureValues: [YAMLValue]) -> (String) -> Void {
        if k < exposureValues.count {
            let at = exposureValues[k]
            return ((at.mapping(silentlyAllowing: PortfolioReader.exposureFields))?["name"] ?? at).error
        }
        let r = k - exposureValues.count
        return { message in
            if r < csv.places.count, let csvSink = csv.sink.file.isEmpty ? nil : csv.sink {
                let place = csv.places[r]
                csvSink.error(line: place.line, column: place.column, csv.path.index(r).key("name"), message)
                sink.absorb(csvSink, from: csv.absorbed)
                csv.absorbed = csvSink.diagnostics.count
            } else {
                sink.error(nil, .root, message)
            }
        }
    }

    private func locate(_ error: RiskModelError, portfolio: YAMLValue, riskSharing: YAMLValue?, simulation: YAMLValue?,
                        exposures: [Exposure], exposureValues: [YAMLValue], poolValues: [YAMLValue]) {
        guard case let .invalidInput(item, reason) = error else {
            let m = portfolio.mapping(silentlyAllowing: PortfolioReader.fields)
            let field = m?["factors"] ?? m?["exposure_correlation"] ?? portfolio
            field.error("\(error)")
            return
        }
        func entry(_ list: [YAMLValue], named name: String) -> YAMLValue? {
            list.first { v in
                guard case .mapping(let map) = v.node, case .scalar(let s)? = map["name"] else { return false }
                return s.string == name
            }
        }
        let words = item.split(separator: " ", maxSplits: 1).map(String.init)
        let kind = words.first ?? "", name = words.count > 1 ? words[1] : ""
        let structure = riskSharing?.mapping(silentlyAllowing: ["tranches", "guarantees"])
        var target: YAMLValue?
        switch kind {
        case "exposure":
            if let k = exposures.firstIndex(where: { $0.name == name }) { exposureReporter(k, exposureValues: exposureValues)(reason); return }
        case "pool": target = entry(poolValues, named: name)
        case "tranche": target = entry(structure?["tranches"]?.sequence() ?? [], named: name) ?? structure?["tranches"]
        case "guarantee": target = entry(structure?["guarantees"]?.sequence() ?? [], named: name) ?? structure?["guarantees"]
        case "settings": target = simulation
        default: break
        }
        (target ?? portfolio).error(target == nil ? "\(error)" : reason)
    }

    /// A symmetric matrix with unit diagonal and entries in [-1, 1], written as a list of rows.
    private func readCorrelation(_ value: YAMLValue, size: Int?) -> Matrix? {
        guard let rows = value.sequence() else { return nil }
        let n = size ?? rows.count
        if rows.count != n { value.error("expected \(n) rows (one per factor), got \(rows.count)"); return nil }
        var matrix = Matrix(rows: n, columns: n)
        var ok = true
        for (i, row) in rows.enumerated() {
            guard let cells = row.sequence() else { ok = false; continue }
            if cells.count != n { row.error("expected \(n) entries, got \(cells.count)"); ok = false; continue }
            for (j, cell) in cells.enumerated() {
                guard let x = cell.number() else { ok = false; continue }
                if i == j && x != 1 { cell.error("a correlation matrix has 1 on its diagonal, not \(YAMLValue.show(x))"); ok = false }
                if abs(x) > 1 { cell.error("correlation \(YAMLValue.show(x)) is outside [-1, 1]"); ok = false }
                matrix[i, j] = x
            }
        }
        guard ok else { return nil }
        for i in 0..<n {
            for j in 0..<i where matrix[i, j] != matrix[j, i] {
                if case .sequence(let r) = rows[i].node {
                    YAMLValue(node: r[j], path: rows[i].path.index(j), sink: sink)
                        .error("not symmetric: entry (\(i), \(j)) is \(YAMLValue.show(matrix[i, j])) but (\(j), \(i)) is \(YAMLValue.show(matrix[j, i]))")
                }
                return nil
            }
        }
        return matrix
    }

    private func lgd(_ value: YAMLValue) -> LossGivenDefault? {
        if case .mapping = value.node {
            guard let m = value.mapping(allowed: ["mean", "sd"]) else { return nil }
            let mean = m.required("mean")?.fraction()
            let sd = m.required("sd")?.positive()
            guard let mean, let sd else { return nil }
            return lgdBeta(mean: mean, sd: sd, report: { m["sd"]!.error($0) })
        }
        return value.fraction().map(LossGivenDefault.fixed)
    }

    private func lgdBeta(mean: Double, sd: Double, report: (String) -> Void) -> LossGivenDefault? {
        if mean <= 0 || mean >= 1 { report("a Beta LGD needs a mean strictly between 0 and 1 (got \(YAMLValue.show(mean))); use a fixed lgd instead"); return nil }
        let limit = (mean * (1 - mean)).squareRoot()
        if sd >= limit { report("sd \(YAMLValue.show(sd)) is too large for mean \(YAMLValue.show(mean)): a Beta distribution needs sd < √(m(1 − m)) = \(YAMLValue.show(limit))"); return nil }
        return .beta(mean: mean, standardDeviation: sd)
    }

    /// Loadings as a list of K numbers or a mapping {factor: loading} (others 0); βᵀΣβ < 1.
    private func loadings(_ value: YAMLValue?, factorNames: [String], sigma: Matrix) -> [Double]? {
        let k = factorNames.count
        guard let value else { return [Double](repeating: 0, count: k) }
        var beta = [Double](repeating: 0, count: k)
        switch value.node {
        case .mapping:
            guard let m = value.mapping(allowed: factorNames) else { return nil }
            for (j, name) in factorNames.enumerated() {
                if let v = m[name] { guard let x = v.number() else { return nil }; beta[j] = x }
            }
        case .sequence:
            guard let list = value.sequence() else { return nil }
            if list.count != k { value.error("expected \(k) loadings (one per factor: \(factorNames.joined(separator: ", "))), got \(list.count)"); return nil }
            for (j, v) in list.enumerated() { guard let x = v.number() else { return nil }; beta[j] = x }
        default:
            value.error("expected loadings as a list or as {factor: loading}")
            return nil
        }
        return checkSystematicShare(beta, sigma: sigma, report: value.error)
    }

    /// βᵀΣβ must stay below 1: the factors cannot explain more than all of a latent variable's variance.
    private func checkSystematicShare(_ beta: [Double], sigma: Matrix, report: (String) -> Void) -> [Double]? {
        guard sigma.rows == beta.count else { return beta }
        var r2 = 0.0
        for i in beta.indices { for j in beta.indices { r2 += beta[i] * sigma[i, j] * beta[j] } }
        if r2 >= 1 { report("βᵀΣβ = \(YAMLValue.show(r2)) ≥ 1: the factors would explain more than all of the variance"); return nil }
        return beta
    }

    private func exposure(_ value: YAMLValue, factorNames: [String], sigma: Matrix, noLoadings: Bool) -> Exposure? {
        guard let m = value.mapping(allowed: PortfolioReader.exposureFields) else { return nil }
        let name = m.required("name")?.string()
        let ead = m.required("ead")?.nonNegative()
        let pd = m.required("pd")?.fraction()
        let lgd = m.required("lgd").flatMap(lgd)
        var beta: [Double]? = []
        if noLoadings {
            if let l = m["loadings"] { l.error("exposures take no loadings with an exposure correlation matrix") ; beta = nil }
        } else {
            beta = loadings(m["loadings"], factorNames: factorNames, sigma: sigma)
        }
        guard let name, let ead, let pd, let lgd, let beta else { return nil }
        return Exposure(name: name, exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: beta)
    }

    private func pool(_ value: YAMLValue, factorNames: [String], sigma: Matrix) -> HomogeneousPool? {
        guard let m = value.mapping(allowed: PortfolioReader.poolFields) else { return nil }
        let name = m.required("name")?.string()
        let count = m.required("count")?.integer(minimum: 1)
        let ead = m.required("ead")?.nonNegative()
        let pd = m.required("pd")?.fraction()
        let lgd = m.required("lgd").flatMap(lgd)
        let beta = loadings(m["loadings"], factorNames: factorNames, sigma: sigma)
        guard let name, let count, let ead, let pd, let lgd, let beta else { return nil }
        return HomogeneousPool(name: name, count: count, exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: beta)
    }

    /// Exposures from a CSV file: header `name,ead,pd,lgd[,lgd_sd][,<factor>…]`, one row per
    /// exposure; errors are located in the CSV file (`loans.csv:12:17: error: exposures_csv[10].pd: …`).
    private func readCSV(_ value: YAMLValue, factorNames: [String], sigma: Matrix) -> [Exposure?] {
        guard let name = value.string() else { return [nil] }
        let path: String, text: String
        switch readDataFile(name) {
        case let .text(p, t): (path, text) = (p, t)
        case .problem(let message): value.error(message); return [nil]
        }
        if text.utf8.count > YAMLLimits.maximumDataBytes {
            value.error("'\(Diagnostic.quote(name))' is larger than \(YAMLLimits.maximumDataBytes >> 20) MiB, the limit for a data file")
            return [nil]
        }
        let csvSink = DiagnosticSink(file: path, text: text)
        csv.sink = csvSink
        csv.path = value.path
        defer { sink.absorb(csvSink); csv.absorbed = csvSink.diagnostics.count }
        let table: CSVTable
        do { table = try CSVTable(text) } catch {
            switch error {
            case .empty: csvSink.error(line: 1, column: 1, value.path, "the file has no header row")
            case let .unterminatedQuote(line, column): csvSink.error(line: line, column: column, value.path, "a quoted field is not closed")
            }
            return [nil]
        }
        let required = ["name", "ead", "pd", "lgd"]
        let allowed = required + ["lgd_sd"] + factorNames
        var column: [String: Int] = [:]
        for (j, h) in table.header.enumerated() {
            let key = h.text.trimmingCharacters(in: .whitespaces)
            if !allowed.contains(key) {
                let hint = YAMLValue.closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? " (expected: \(allowed.joined(separator: ", ")))"
                csvSink.error(line: h.line, column: h.column, value.path, "unknown column '\(Diagnostic.quote(key, limit: 40))'\(hint)")
            } else if column[key] != nil {
                csvSink.error(line: h.line, column: h.column, value.path, "column '\(Diagnostic.quote(key, limit: 40))' appears twice")
            } else { column[key] = j }
        }
        for key in required where column[key] == nil {
            csvSink.error(line: table.header.first?.line ?? 1, column: 1, value.path, "missing column '\(key)' (required)")
        }
        guard !csvSink.hasErrors else { return [nil] }
        var result: [Exposure?] = []
        for (r, row) in table.rows.enumerated() {
            let rowPath = value.path.index(r)
            func field(_ key: String) -> CSVTable.Field? { column[key].flatMap { $0 < row.count ? row[$0] : nil } }
            if row.count != table.header.count {
                let last = row.last!
                csvSink.error(line: last.line, column: last.column, rowPath, "expected \(table.header.count) fields, got \(row.count)")
                csv.places.append((last.line, 1))
                result.append(nil)
                continue
            }
            func number(_ key: String, check: (Double) -> String?) -> Double? {
                guard let f = field(key) else { return nil }
                let text = f.text.trimmingCharacters(in: .whitespaces)
                guard let x = Double(text), x.isFinite else {
                    csvSink.error(line: f.line, column: f.column, rowPath.key(key), "expected a number, got '\(Diagnostic.quote(text))'")
                    return nil
                }
                if let problem = check(x) { csvSink.error(line: f.line, column: f.column, rowPath.key(key), problem); return nil }
                return x
            }
            let fraction: (Double) -> String? = { x in x < 0 ? "\(YAMLValue.show(x)) is below 0" : (x > 1 ? "\(YAMLValue.show(x)) is above 1" : nil) }
            let nameField = field("name")!
            csv.places.append((nameField.line, nameField.column))
            let name = nameField.text
            if name.trimmingCharacters(in: .whitespaces).isEmpty {
                csvSink.error(line: nameField.line, column: nameField.column, rowPath.key("name"), "expected a name, got an empty value")
            }
            let ead = number("ead") { $0 < 0 ? "\(YAMLValue.show($0)) is negative; amounts must be ≥ 0" : nil }
            let pd = number("pd", check: fraction)
            let mean = number("lgd", check: fraction)
            var lgd: LossGivenDefault? = mean.map(LossGivenDefault.fixed)
            if column["lgd_sd"] != nil, let mean, let sdField = field("lgd_sd") {
                if let sd = number("lgd_sd", check: { $0 < 0 ? "\(YAMLValue.show($0)) is below 0" : nil }) {
                    if sd > 0 {
                        lgd = lgdBeta(mean: mean, sd: sd) { csvSink.error(line: sdField.line, column: sdField.column, rowPath.key("lgd_sd"), $0) }
                    }
                } else { lgd = nil }
            }
            var beta: [Double]? = []
            for factor in factorNames {
                if column[factor] == nil { beta?.append(0); continue }
                let x = number(factor) { _ in nil }
                if let x { beta?.append(x) } else { beta = nil }
            }
            if let b = beta {
                let place = field(factorNames.first { column[$0] != nil } ?? "name")!
                beta = checkSystematicShare(b, sigma: sigma) { csvSink.error(line: place.line, column: place.column, rowPath, $0) }
            }
            if let ead, let pd, let lgd, let beta {
                result.append(Exposure(name: name, exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: beta))
            } else { result.append(nil) }
        }
        if table.rows.isEmpty { csvSink.error(line: table.header[0].line, column: 1, value.path, "the file has a header but no exposures") ; return [nil] }
        return result
    }

    /// Tranches must partition [0, 1] from the most junior up; guarantees name a tranche or the portfolio.
    private func readStructure(_ value: YAMLValue) -> RiskSharingStructure? {
        guard let m = value.mapping(allowed: ["tranches", "guarantees"]) else { return nil }
        let trancheValues = m["tranches"]?.sequence() ?? []
        var tranches: [Tranche?] = trancheValues.map { t in
            guard let tm = t.mapping(allowed: ["name", "attachment", "detachment", "holder"]) else { return nil }
            let name = tm.required("name")?.identifier()
            let a = tm.required("attachment")?.fraction()
            let d = tm.required("detachment")?.fraction()
            let holder = tm.required("holder")?.string()
            if let a, let d, d <= a { tm["detachment"]!.error("\(YAMLValue.show(d)) is not above the attachment \(YAMLValue.show(a))"); return nil }
            guard let name, let a, let d, let holder else { return nil }
            return Tranche(name: name, attachment: a, detachment: d, holder: holder)
        }
        if tranches.allSatisfy({ $0 != nil }) && !tranches.isEmpty {
            var expected = 0.0
            let tolerance = RiskSharingStructure.boundaryTolerance
            for (k, t) in tranches.enumerated() {
                let field = trancheValues[k]
                if abs(t!.attachment - expected) > tolerance {
                    let what = k == 0 ? "the first tranche must attach at 0" : "must equal the previous tranche's detachment \(YAMLValue.show(expected))"
                    if case .mapping(let map) = field.node, let node = map["attachment"] {
                        YAMLValue(node: node, path: field.path.key("attachment"), sink: sink).error("\(YAMLValue.show(t!.attachment)): \(what) (tranches run from the most junior up and cover [0, 1])")
                    }
                    tranches[k] = nil
                    break
                }
                // Within the tolerance the boundary is the same point: snap it (0.1 + 0.2 models).
                tranches[k]!.attachment = expected
                if tranches[k]!.detachment <= expected, case .mapping(let map) = field.node, let node = map["detachment"] {
                    YAMLValue(node: node, path: field.path.key("detachment"), sink: sink)
                        .error("\(YAMLValue.show(tranches[k]!.detachment)) is not above the attachment \(YAMLValue.show(expected))")
                    tranches[k] = nil
                    break
                }
                expected = t!.detachment
            }
            if tranches.allSatisfy({ $0 != nil }), abs(expected - 1) > tolerance, case .mapping(let map) = trancheValues.last!.node, let node = map["detachment"] {
                YAMLValue(node: node, path: trancheValues.last!.path.key("detachment"), sink: sink)
                    .error("\(YAMLValue.show(expected)): the most senior tranche must detach at 1 so that every loss is borne by someone")
                tranches.append(nil)
            } else if tranches.allSatisfy({ $0 != nil }) {
                tranches[tranches.count - 1]!.detachment = 1
            }
            var seen = Set<String>()
            for (k, t) in tranches.enumerated() where t != nil && !seen.insert(t!.name).inserted { trancheValues[k].error("two tranches are called '\(t!.name)'") }
        }
        let names = tranches.compactMap { $0?.name }
        let guarantees: [Guarantee?] = (m["guarantees"]?.sequence() ?? []).map { g in
            guard let gm = g.mapping(allowed: ["name", "rate", "cap", "cap_basis", "covers", "guarantor", "provision"]) else { return nil }
            let name = gm.required("name")?.identifier()
            let rate = gm.required("rate")?.fraction()
            let cap = gm.required("cap")?.fraction()
            if let r = rate, r == 0 { gm["rate"]!.error("a guarantee rate of 0 covers nothing") }
            if let c = cap, c == 0 { gm["cap"]!.error("a cap of 0 covers nothing") }
            let coversName = gm.required("covers")?.string()
            var covers: GuaranteeCoverage?
            if let coversName {
                if coversName == "portfolio" {
                    covers = .portfolio
                } else if names.contains(coversName) || tranches.contains(where: { $0 == nil }) {
                    covers = .tranche(coversName)   // a tranche that did not read is reported already
                } else {
                    gm["covers"]!.error("no tranche is called '\(coversName)' (name a tranche, or portfolio)")
                }
            }
            let guarantor = gm.required("guarantor")?.string()
            let provision = gm["provision"]?.nonNegative()
            // cap_basis: guaranteed_amount (default, the EIF convention: cap amount = cap · rate · volume) or volume.
            let capBasis = gm["cap_basis"].map { $0.choice(CapBasis.self) } ?? .guaranteedAmount
            guard let name, let rate, rate > 0, let cap, cap > 0, let covers, let guarantor, let capBasis else { return nil }
            if gm.has("provision") && provision == nil { return nil }
            return Guarantee(name: name, rate: rate, cap: cap, capBasis: capBasis, covers: covers, guarantor: guarantor, budgetProvision: provision)
        }
        // Guarantee names are unique; rates covering one tranche add up to at most 1 (the engine's
        // tolerance), reported at the guarantee whose rate crosses it.
        let guaranteeValues = m["guarantees"]?.sequence() ?? []
        var guaranteeNames = Set<String>()
        var rateOn: [String: Double] = [:]
        var portfolioRate = 0.0
        var rateReported = false
        for (k, g) in guarantees.enumerated() {
            guard let g, k < guaranteeValues.count else { continue }
            let fields = guaranteeValues[k].mapping(silentlyAllowing: ["name", "rate"])
            if !guaranteeNames.insert(g.name).inserted { (fields?["name"] ?? guaranteeValues[k]).error("two guarantees are called '\(g.name)'") }
            switch g.covers {
            case .portfolio: portfolioRate += g.rate
            case .tranche(let t): rateOn[t, default: 0] += g.rate
            }
            let worst = names.map { portfolioRate + (rateOn[$0] ?? 0) }.max() ?? portfolioRate
            if worst > 1 + RiskSharingStructure.rateTolerance, !rateReported {
                let tranche = names.max { portfolioRate + (rateOn[$0] ?? 0) < portfolioRate + (rateOn[$1] ?? 0) } ?? "portfolio"
                (fields?["rate"] ?? guaranteeValues[k]).error("guarantee rates covering tranche '\(tranche)' add up to \(YAMLValue.show(worst)), above 1 (a guarantor cannot pay more than the loss)")
                rateReported = true
            }
        }
        guard tranches.allSatisfy({ $0 != nil }), guarantees.allSatisfy({ $0 != nil }), !rateReported,
              guaranteeNames.count == guarantees.count else { return nil }
        let list = tranches.map { $0! }
        return RiskSharingStructure(tranches: list.isEmpty ? RiskSharingStructure.wholePortfolio().tranches : list, guarantees: guarantees.map { $0! })
    }
}
