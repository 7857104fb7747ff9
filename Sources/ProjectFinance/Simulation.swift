import Foundation
import LinearAlgebra
import RiskSharing
import Stochastics

/// One gigafactory of a portfolio: its own parameters (sites differ e.g. in electricity price).
public struct Site: Sendable, Equatable {
    /// Identifier (`fi`, `de` …).
    public var id: String
    /// Reader's name.
    public var label: String
    /// The site's project terms.
    public var parameters: ProjectParameters

    /// A site.
    public init(id: String, label: String, parameters: ProjectParameters) {
        self.id = id
        self.label = label
        self.parameters = parameters
    }
}

/// The lenders' side of the portfolio: the senior loans to all sites form a portfolio of
/// volume V = Σ committed debt, whose losses are split by RiskSharing's `Waterfall`: a public
/// first-loss tranche [0, f) and the private lenders' senior tranche [f, 1].
public struct LenderStructure: Sendable, Equatable {
    /// f: the public first-loss tranche as a fraction of V.
    public var firstLoss: Double
    /// Who holds the first loss (e.g. "EU (InvestAI)").
    public var publicHolder: String
    /// Who holds the senior tranche.
    public var privateHolder: String
    /// g: the share of every senior-debt loss a public guarantee would cover in the
    /// ``FundingStructure/guarantee`` comparison (not used by the first-loss waterfall).
    public var guaranteeRate: Double

    /// A two-tranche lenders' structure.
    public init(firstLoss: Double, publicHolder: String = "public first loss", privateHolder: String = "private lenders",
                guaranteeRate: Double = 0.5) {
        self.firstLoss = firstLoss
        self.publicHolder = publicHolder
        self.privateHolder = privateHolder
        self.guaranteeRate = guaranteeRate
    }

    /// The RiskSharing structure: tranches `first_loss` [0, f) (public) and `senior` [f, 1] (private).
    public var riskSharing: RiskSharingStructure {
        var tranches: [Tranche] = []
        if firstLoss > 0 { tranches.append(Tranche(name: "first_loss", attachment: 0, detachment: firstLoss, holder: publicHolder)) }
        if firstLoss < 1 { tranches.append(Tranche(name: "senior", attachment: firstLoss, detachment: 1, holder: privateHolder)) }
        return RiskSharingStructure(tranches: tranches)
    }
}

/// What one path leaves of one site (amounts in EUR m, nominal).
public struct SiteOutcome: Sendable, Equatable {
    /// Payment default on the senior debt.
    public var defaulted: Bool
    /// Some DSCR below the covenant.
    public var breached: Bool
    /// Minimum DSCR over the debt periods run.
    public var minimumDSCR: Double
    /// Equity IRR; NaN when undefined (no sign change).
    public var equityIRR: Double
    /// Project NPV (EUR m).
    public var npv: Double
    /// The lenders' loss (EUR m, nominal at default).
    public var lenderLoss: Double
    /// Equity loss of all equity holders, max(0, paid in − received).
    public var equityLoss: Double
    /// The public holders' share of the equity loss (0 for grants).
    public var publicEquityShare: Double
    /// Construction capex spent (EUR m).
    public var capexSpent: Double
    /// Public grants or equity at close (EUR m).
    public var publicMoney: Double
    /// Committed senior debt D (EUR m).
    public var debtCommitted: Double
    /// The Union's offtake payments (EUR m, nominal; 0 unless the access mode is offtake).
    public var offtakePaid: Double
    /// DSCR of each period (NaN where there is no debt service: construction, after maturity, after default).
    public var dscrPath: [Double]
    /// Periods per year of the run (to date the periods).
    public var periodsPerYear: Int

    /// Field-by-field equality, NaN equal to NaN (an undefined IRR or a period without debt
    /// service is the same outcome on both sides).
    public static func == (a: SiteOutcome, b: SiteOutcome) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.defaulted == b.defaulted && a.breached == b.breached && same(a.minimumDSCR, b.minimumDSCR)
            && same(a.equityIRR, b.equityIRR) && same(a.npv, b.npv) && same(a.lenderLoss, b.lenderLoss)
            && same(a.equityLoss, b.equityLoss) && same(a.publicEquityShare, b.publicEquityShare)
            && same(a.capexSpent, b.capexSpent) && same(a.publicMoney, b.publicMoney) && same(a.debtCommitted, b.debtCommitted)
            && same(a.offtakePaid, b.offtakePaid)
            && a.dscrPath.count == b.dscrPath.count && zip(a.dscrPath, b.dscrPath).allSatisfy(same)
            && a.periodsPerYear == b.periodsPerYear
    }

    /// The summary of a run.
    public init(_ run: ProjectRun) {
        defaulted = run.defaulted
        breached = run.covenantBreachPeriod != nil
        minimumDSCR = run.minimumDSCR ?? .infinity
        equityIRR = run.equityIRR ?? .nan
        npv = run.projectNPV
        lenderLoss = run.lenderLoss
        equityLoss = run.equityLoss
        publicEquityShare = run.publicEquityShare
        capexSpent = run.capexSpent
        publicMoney = run.publicMoney
        debtCommitted = run.debtCommitted
        offtakePaid = run.offtakePaid
        dscrPath = run.dscrPath
        periodsPerYear = run.periodsPerYear
    }
}

/// Path × site outcomes of a simulation, path-major: `outcomes[path * sites + site]`.
public struct SimulationOutcomes: Sendable, Equatable {
    /// Number of paths.
    public var paths: Int
    /// Number of sites.
    public var sites: Int
    /// Outcomes, path-major.
    public var outcomes: [SiteOutcome]

    /// The outcome of one site on one path.
    public subscript(path: Int, site: Int) -> SiteOutcome { outcomes[path * sites + site] }

    /// The lenders' portfolio loss of each path, Σ_sites lender loss (EUR m).
    public var portfolioLosses: [Double] {
        (0..<paths).map { p in (0..<sites).reduce(0.0) { $0 + self[p, $1].lenderLoss } }
    }
}

/// Errors of a simulation's inputs.
public enum SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The driver correlation could not be factored.
    case correlation(LinearAlgebraError)
    /// The lenders' structure does not fit the portfolio.
    case structure(RiskModelError)
    /// Parameters are inconsistent.
    case parameters(site: String, issues: [ProjectParameters.Issue])
    /// Bad settings (paths < 1 …).
    case settings(String)

    /// The message, naming the input at fault.
    public var description: String {
        switch self {
        case .correlation(let e): return "drivers.correlation: \(e)"
        case .structure(let e): return "lenders: \(e)"
        case let .parameters(site, issues): return "site \(site): " + issues.map(\.description).joined(separator: "; ")
        case .settings(let s): return s
        }
    }
}

/// The joint Monte Carlo of several sites under shared market drivers.
public enum ProjectSimulation {
    /// Simulates `paths` paths of all `sites`.
    ///
    /// Path p's draws come from Philox streams keyed by `seed` with counters (p, ·, ·) (see
    /// ``DriverSampler``), and every path's outcome is written to its own slot, so the result is
    /// bit-identical for any `threads` (workers take paths p ≡ w mod threads).
    /// - Throws: ``SimulationError`` for a correlation that is not positive definite, bad settings.
    public static func run(sites: [ProjectParameters], drivers: DriverModel, paths: Int, seed: UInt64,
                           threads: Int? = nil) throws(SimulationError) -> SimulationOutcomes {
        guard paths >= 1 else { throw .settings("paths must be at least 1, got \(paths)") }
        guard !sites.isEmpty else { throw .settings("no sites to simulate") }
        for (k, site) in sites.enumerated() {
            let issues = site.issues()
            if !issues.isEmpty { throw .parameters(site: "\(k + 1)", issues: issues) }
        }
        let sampler: DriverSampler
        do { sampler = try DriverSampler(model: drivers) } catch { throw .correlation(error) }
        let s = sites.count
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, paths))
        let placeholder = SiteOutcome(ProjectModel.run(sites[0], recordRows: false))
        var outcomes = [SiteOutcome](repeating: placeholder, count: paths * s)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            let out = OutcomeBuffer(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var p = w
                while p < paths {
                    let driverPaths = sampler.sample(seed: seed, path: p, sites: sites)
                    for k in 0..<s {
                        out.buffer[p * s + k] = SiteOutcome(ProjectModel.run(sites[k], drivers: driverPaths[k], recordRows: false))
                    }
                    p += workers
                }
            }
        }
        return SimulationOutcomes(paths: paths, sites: s, outcomes: outcomes)
    }
}

/// Each worker writes only its own paths' slots.
struct OutcomeBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<SiteOutcome>
}

/// Percentiles reported for DSCR and IRR distributions.
public let reportedPercentiles: [Double] = [0.05, 0.5, 0.95]

/// Percentiles of the per-period DSCR fan chart.
public let fanPercentiles: [Double] = [0.05, 0.25, 0.5, 0.75, 0.95]

/// The DSCR distribution of one period, pooled over sites and paths on which the debt is serviced.
public struct DSCRFanPoint: Sendable, Equatable {
    /// Period number (1-based) and its end in years from the start of construction.
    public var period: Int
    public var yearEnd: Double
    /// Percentiles (``fanPercentiles``) of the DSCR among the site-paths with debt service in the period.
    public var percentiles: [QuantileEstimate]
    /// Share of site-paths with debt service in the period (the rest: construction, repaid, or defaulted).
    public var serviced: ProbabilityEstimate
}

/// The statistics `leverage stress` reports for one scenario (amounts EUR m, per site unless
/// "portfolio").
public struct StressStatistics: Sendable, Equatable {
    /// Number of paths.
    public var paths: Int
    /// P(default) of a site: mean over paths of the fraction of sites that default (SE over paths).
    public var defaultProbability: MeanEstimate
    /// P(at least one site defaults).
    public var anyDefault: ProbabilityEstimate
    /// P(default) of each site, in site order.
    public var siteDefault: [ProbabilityEstimate]
    /// P(covenant breach) of each site.
    public var siteBreach: [ProbabilityEstimate]
    /// Mean lenders' loss of each site (EUR m).
    public var siteLenderLoss: [MeanEstimate]
    /// P(covenant breach) of a site.
    public var breachProbability: MeanEstimate
    /// Percentiles (``reportedPercentiles``) of the minimum DSCR, pooled over sites and paths.
    public var dscr: [QuantileEstimate]
    /// Percentiles of the equity IRR, pooled (undefined IRRs left out; see ``irrUndefined``).
    public var equityIRR: [QuantileEstimate]
    /// Paths × sites with no IRR (no sign change of the equity flows).
    public var irrUndefined: Int
    /// Mean project NPV per site.
    public var npv: MeanEstimate
    /// Portfolio volume V = Σ committed senior debt.
    public var volume: Double
    /// Portfolio lenders' loss, and its split by the RiskSharing waterfall.
    public var lenderLoss: MeanEstimate
    /// Mean loss of each holder of the lenders' waterfall, in the order of RiskSharing's `Waterfall.holders`.
    public var holderLosses: [(holder: String, loss: MeanEstimate)]
    /// Equity loss of the public equity holders (0 for grants), portfolio.
    public var publicEquityLoss: MeanEstimate
    /// Equity loss of the private sponsors, portfolio.
    public var privateEquityLoss: MeanEstimate
    /// Public money at close (grants or public equity) over all sites.
    public var publicMoney: Double
    /// The Union's offtake payments over all sites (nominal; 0 without offtake).
    public var offtake: Double
    /// The public first-loss tranche of the senior debt, f · V (funded public money).
    public var firstLossTranche: Double
    /// Mean capex spent over all sites.
    public var capex: MeanEstimate
    /// The DSCR fan: per period with any debt service, the DSCR percentiles pooled over sites and paths.
    public var dscrFan: [DSCRFanPoint]

    /// Field-by-field equality (bit-identical statistics).
    public static func == (a: StressStatistics, b: StressStatistics) -> Bool {
        a.paths == b.paths && a.defaultProbability == b.defaultProbability && a.anyDefault == b.anyDefault
            && a.siteDefault == b.siteDefault && a.siteBreach == b.siteBreach && a.siteLenderLoss == b.siteLenderLoss
            && a.breachProbability == b.breachProbability && a.dscr == b.dscr && a.equityIRR == b.equityIRR
            && a.irrUndefined == b.irrUndefined && a.npv == b.npv && a.volume == b.volume && a.lenderLoss == b.lenderLoss
            && a.holderLosses.map(\.holder) == b.holderLosses.map(\.holder) && a.holderLosses.map(\.loss) == b.holderLosses.map(\.loss)
            && a.publicEquityLoss == b.publicEquityLoss && a.privateEquityLoss == b.privateEquityLoss
            && a.publicMoney == b.publicMoney && a.capex == b.capex && a.dscrFan == b.dscrFan
            && a.offtake == b.offtake && a.firstLossTranche == b.firstLossTranche
    }

    /// All public money committed: grants (or public equity) at close + the Union's offtake + the
    /// funded public first-loss tranche of the senior debt, f · V.
    public var publicCommitment: Double { publicMoney + offtake + firstLossTranche }
    /// The multiplier on public money: mean capex / all public money committed (grants, offtake
    /// and the funded first-loss tranche; the tool's own total-investment multiplier, in the spirit
    /// of M_public = 1/(s_EU + s_MS) with every public euro counted).
    public var publicMultiplier: Double? { publicCommitment > 0 ? capex.mean / publicCommitment : nil }
    /// Private money per euro of public money: (mean capex − public commitment) / public commitment.
    public var privatePerPublic: Double? { publicCommitment > 0 ? (capex.mean - publicCommitment) / publicCommitment : nil }

    /// Summarises `outcomes`; holders' losses come from pushing each path's portfolio loss
    /// through RiskSharing's `Waterfall`.
    public init(_ o: SimulationOutcomes, lenders: LenderStructure) throws(SimulationError) {
        let n = o.paths, s = Double(o.sites)
        paths = n
        let volume = (0..<o.sites).reduce(0.0) { $0 + o[0, $1].debtCommitted }
        self.volume = volume
        let waterfall: Waterfall
        // A portfolio without senior debt (every site sized to zero) has nothing to tranche: the
        // waterfall runs on the smallest positive volume, so every tranche loss is (close to) 0.
        do { waterfall = try Waterfall(structure: lenders.riskSharing, volume: max(volume, .leastNormalMagnitude)) } catch { throw .structure(error) }
        var defaults = [Double](), breaches = [Double](), npvs = [Double](), capexes = [Double]()
        var dscrs = [Double](), irrs = [Double]()
        var pubEq = [Double](), privEq = [Double]()
        var anyDefault = 0
        defaults.reserveCapacity(n)
        let losses = o.portfolioLosses
        var holder = [[Double]](repeating: [], count: waterfall.holders.count)
        for p in 0..<n {
            var d = 0.0, b = 0.0, v = 0.0, c = 0.0, pe = 0.0, pr = 0.0
            for k in 0..<o.sites {
                let x = o[p, k]
                if x.defaulted { d += 1 }
                if x.breached { b += 1 }
                v += x.npv
                c += x.capexSpent
                pe += x.publicEquityShare * x.equityLoss
                pr += (1 - x.publicEquityShare) * x.equityLoss
                dscrs.append(x.minimumDSCR)
                if x.equityIRR.isNaN { continue }
                irrs.append(x.equityIRR)
            }
            if d > 0 { anyDefault += 1 }
            defaults.append(d / s)
            breaches.append(b / s)
            npvs.append(v / s)
            capexes.append(c)
            pubEq.append(pe)
            privEq.append(pr)
            let allocation = waterfall.allocate(portfolioLoss: min(losses[p], volume))
            for h in holder.indices { holder[h].append(allocation.holderLoss[h]) }
        }
        siteDefault = (0..<o.sites).map { k in ProbabilityEstimate(successes: (0..<n).reduce(0) { $0 + (o[$1, k].defaulted ? 1 : 0) }, trials: n) }
        siteBreach = (0..<o.sites).map { k in ProbabilityEstimate(successes: (0..<n).reduce(0) { $0 + (o[$1, k].breached ? 1 : 0) }, trials: n) }
        siteLenderLoss = (0..<o.sites).map { k in SampleStatistics.mean((0..<n).map { o[$0, k].lenderLoss }) }
        defaultProbability = SampleStatistics.mean(defaults)
        self.anyDefault = ProbabilityEstimate(successes: anyDefault, trials: n)
        breachProbability = SampleStatistics.mean(breaches)
        dscrs.sort()
        irrs.sort()
        dscr = reportedPercentiles.map { SampleStatistics.quantile(sorted: dscrs, level: $0) }
        equityIRR = irrs.isEmpty ? [] : reportedPercentiles.map { SampleStatistics.quantile(sorted: irrs, level: $0) }
        irrUndefined = n * o.sites - irrs.count
        npv = SampleStatistics.mean(npvs)
        lenderLoss = SampleStatistics.mean(losses)
        holderLosses = zip(waterfall.holders, holder).map { ($0, SampleStatistics.mean($1)) }
        publicEquityLoss = SampleStatistics.mean(pubEq)
        privateEquityLoss = SampleStatistics.mean(privEq)
        publicMoney = (0..<o.sites).reduce(0.0) { $0 + o[0, $1].publicMoney }
        offtake = (0..<o.sites).reduce(0.0) { $0 + o[0, $1].offtakePaid }
        firstLossTranche = lenders.firstLoss * volume
        capex = SampleStatistics.mean(capexes)
        dscrFan = StressStatistics.fan(o)
    }

    /// Per period: the DSCR percentiles among site-paths that service debt in that period.
    static func fan(_ o: SimulationOutcomes) -> [DSCRFanPoint] {
        let periods = o.outcomes.map(\.dscrPath.count).max() ?? 0
        let perYear = o.outcomes.first?.periodsPerYear ?? 1
        var points: [DSCRFanPoint] = []
        for t in 0..<periods {
            var values: [Double] = []
            for outcome in o.outcomes where t < outcome.dscrPath.count && outcome.dscrPath[t].isFinite {
                values.append(outcome.dscrPath[t])
            }
            guard !values.isEmpty else { continue }
            values.sort()
            points.append(DSCRFanPoint(period: t + 1, yearEnd: Double(t + 1) / Double(perYear),
                                       percentiles: fanPercentiles.map { SampleStatistics.quantile(sorted: values, level: $0) },
                                       serviced: ProbabilityEstimate(successes: values.count, trials: o.outcomes.count)))
        }
        return points
    }
}
