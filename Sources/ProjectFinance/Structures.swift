import RealModule
import RiskSharing
import Stochastics

/// The public-support structures a funder compares for the same gigafactories (issue #12, "the
/// structures a funder compares"). Each keeps the sites, drivers and seed of the model and changes
/// only what the public side provides besides the capex grants:
///
/// - ``merchant``: free access time for public users (Reg. (EU) 2026/150, Art. 12b(13), (15)(b)),
///   the rest sold at market prices; senior debt without public credit support.
/// - ``unionOfftake``: Art. 12b(5)'s alternative — the Union contribution paid as a guaranteed
///   purchase of its access time over the access years; no credit support.
/// - ``firstLoss``: free access time and a funded public first-loss tranche [0, f) of the senior
///   debt portfolio (InvestAI-style), f from the model's `lenders.first_loss`.
/// - ``guarantee``: free access time and an unfunded public guarantee of a share g of every
///   senior-debt loss (a pari-passu loss guarantee, g from `lenders.guarantee_rate`).
public enum FundingStructure: String, Sendable, CaseIterable {
    case merchant
    case unionOfftake = "union_offtake"
    case firstLoss = "first_loss"
    case guarantee

    /// A reader's description.
    public var label: String {
        switch self {
        case .merchant: return "Merchant: free public access time, the rest sold; no credit support"
        case .unionOfftake: return "Union offtake of its access share (Art. 12b(5)); no credit support"
        case .firstLoss: return "Public first-loss tranche of the senior debt (funded)"
        case .guarantee: return "Public guarantee of a share of every senior-debt loss (unfunded)"
        }
    }
}

/// One structure's results over all sites (amounts EUR m, portfolio of all sites unless "per site").
public struct StructureResult: Sendable, Equatable {
    /// The structure.
    public var structure: FundingStructure
    /// P(default) of a site, with its SE over paths.
    public var defaultProbability: MeanEstimate
    /// Expected lenders' loss of the portfolio (all lenders, before any public support).
    public var lenderLoss: MeanEstimate
    /// The expected loss borne by the public side (first-loss tranche or guarantee calls).
    public var publicLenderLoss: MeanEstimate
    /// The expected loss left to the private senior lenders.
    public var privateLenderLoss: MeanEstimate
    /// Grants (or public equity) at close, all sites.
    public var grants: Double
    /// The Union's offtake payments, all sites (nominal).
    public var offtake: Double
    /// The public credit commitment: the funded first-loss tranche f·V, or the guaranteed amount g·V.
    public var creditCommitment: Double
    /// Market value (deterministic base case, at the site's utilisation) of the GPU-hours reserved
    /// for public users over the access years, all sites, nominal.
    public var accessValue: Double
    /// The public GPU-hours received over the access years, all sites (at the site's utilisation).
    public var publicGPUHours: Double
    /// Median of the private equity IRR, pooled over sites and paths (nil when undefined).
    public var equityIRRMedian: Double?
    /// Mean capex spent, all sites.
    public var capex: Double
    /// The Union contribution (EU budget only, Member States' money excluded): the EU grants at
    /// close, the Union's offtake payments, the EU's funded first-loss tranche f·V, or the EU
    /// guarantee at its amount g·V (Models/SOURCES.md §1; the convention of CapitalStacks' `EUEffect`).
    public var unionContribution: Double = 0
    /// Reimbursable financing provided to the project: the committed senior debt V (the EU's
    /// first-loss tranche included, being part of it).
    public var reimbursableFinancing: Double = 0
    /// The DSCR fan of the structure's baseline run: per period, the percentiles of the DSCR among
    /// the site-paths servicing debt (``StressStatistics/dscrFan``).
    public var dscrFan: [DSCRFanPoint] = []

    /// The Financial Regulation's **leverage effect** (Reg. (EU, Euratom) 2018/1046, Art. 2;
    /// recast 2024/2509): reimbursable financing provided to the final recipient / Union contribution.
    public var leverageEffect: Double? { unionContribution > 0 ? reimbursableFinancing / unionContribution : nil }
    /// The Financial Regulation's **multiplier effect**: investment by the final recipient (the
    /// capex) / Union contribution.
    public var multiplierEffect: Double? { unionContribution > 0 ? capex / unionContribution : nil }

    /// Public cost: grants + offtake + the expected public lender loss (EUR m, nominal).
    public var publicCost: Double { grants + offtake + publicLenderLoss.mean }
    /// Public cost net of the market value of the access time received.
    public var netPublicCost: Double { publicCost - accessValue }
    /// Public cost per public GPU-hour received, EUR.
    public var costPerPublicGPUHour: Double? { publicGPUHours > 0 ? publicCost * 1e6 / publicGPUHours : nil }
    /// The tool's total-investment multiplier on all public commitments: capex / (grants + offtake
    /// + credit commitment).
    public var publicMultiplier: Double? {
        let c = grants + offtake + creditCommitment
        return c > 0 ? capex / c : nil
    }
}

/// The funding-gap check of one site (state-aid logic: the aid should not exceed what makes the
/// project viable): the project's NPV at the model's discount rate **without aid and without the
/// public access carve-out** (all capacity sold), against the aid's present value.
public struct FundingGap: Sendable, Equatable {
    /// Site id.
    public var site: String
    /// NPV of the unlevered project without aid (every GPU-hour sold), EUR m.
    public var npvWithoutAid: Double
    /// The funding gap max(0, −NPV without aid), EUR m.
    public var gap: Double
    /// The aid's present value: grants at close + the discounted offtake payments, EUR m.
    public var aid: Double
    /// The project NPV with the regulation's terms (access carve-out, offtake if chosen), no grants counted.
    public var npvWithTerms: Double
    /// The present value of the offtake payments (included in ``aid`` and in ``npvWithTerms``).
    public var offtakePV: Double

    /// The PV of the sales the project gives up for the public access time:
    /// NPV without aid − (NPV with terms − offtake PV).
    public var accessCost: Double { npvWithoutAid - (npvWithTerms - offtakePV) }
    /// The aid net of its counterpart: aid − access cost.
    public var netAid: Double { aid - accessCost }
    /// Whether the net aid exceeds the gap.
    public var aidExceedsGap: Bool { netAid > gap }
}

/// Runs the ``FundingStructure`` comparison on a stress model's baseline.
public enum StructureComparison {
    /// The model variant of `structure`: the sites' access mode and the lenders' first loss.
    public static func variant(_ model: StressModel, _ structure: FundingStructure) -> StressModel {
        var m = model
        let mode: ProjectParameters.AccessMode = structure == .unionOfftake ? .offtake : .free
        m.sites = model.sites.map { site in
            var s = site
            let years = s.parameters.funding.access.mode == .none ? s.parameters.revenue.chipLifeYears : s.parameters.funding.access.years
            s.parameters.funding.access = .init(mode: mode, years: min(years, s.parameters.timeline.operatingYears))
            return s
        }
        m.lenders.firstLoss = structure == .firstLoss ? model.lenders.firstLoss : 0
        return m
    }

    /// Every structure on the baseline (no shock), with the same seed (common random numbers).
    public static func run(_ model: StressModel, paths: Int, seed: UInt64, threads: Int? = nil) throws(SimulationError) -> [StructureResult] {
        var results: [StructureResult] = []
        for structure in FundingStructure.allCases {
            // The structure changes the CFADS (offtake), so a P50/P90 sizing is redone on the variant.
            let m = try variant(model, structure).sizedOnSimulation(paths: min(paths, StressTest.sizingPaths), seed: seed, threads: threads).0
            let (o, stats) = try m.simulate(.none, paths: paths, seed: seed, threads: threads)
            let g = structure == .guarantee ? model.lenders.guaranteeRate : 0
            let losses = o.portfolioLosses
            var publicLoss: [Double] = [], privateLoss: [Double] = []
            publicLoss.reserveCapacity(losses.count)
            let firstLoss = structure == .firstLoss ? model.lenders.firstLoss * stats.volume : 0
            for l in losses {
                let pub = structure == .firstLoss ? min(l, firstLoss) : g * l
                publicLoss.append(pub)
                privateLoss.append(l - pub)
            }
            var irrs: [Double] = []
            for x in o.outcomes where x.equityIRR.isFinite { irrs.append(x.equityIRR) }
            irrs.sort()
            var accessValue = 0.0, hours = 0.0
            for site in m.sites {
                let p = site.parameters
                let profile = OperatingProfile(p)
                for j in 1...max(1, profile.accessRows) where profile.accessRows > 0 {
                    let share = profile.accessShare(j)
                    let gpuHours = p.capex.gpus * profile.hours * share * p.revenue.utilisation
                    hours += gpuHours
                    accessValue += gpuHours * p.revenue.priceUSDPerGPUHour * profile.meanAgeFactor(j) / p.capex.usdPerEUR / 1e6
                }
            }
            // The EU budget's grants: the Union's share of the grants at close (the offtake replaces it).
            let euGrants = m.stressedSites(.none).reduce(0.0) { sum, p in
                p.funding.publicInstrument == .grant && p.funding.access.mode != .offtake ? sum + p.unionContributionEURm : sum
            }
            let credit = structure == .firstLoss ? firstLoss : g * stats.volume
            var result = StructureResult(
                structure: structure, defaultProbability: stats.defaultProbability, lenderLoss: stats.lenderLoss,
                publicLenderLoss: SampleStatistics.mean(publicLoss), privateLenderLoss: SampleStatistics.mean(privateLoss),
                grants: stats.publicMoney, offtake: stats.offtake,
                creditCommitment: credit,
                accessValue: accessValue, publicGPUHours: hours,
                equityIRRMedian: irrs.isEmpty ? nil : SampleStatistics.quantile(sorted: irrs, level: 0.5).value,
                capex: stats.capex.mean)
            result.unionContribution = euGrants + stats.offtake + credit
            result.reimbursableFinancing = stats.volume
            result.dscrFan = stats.dscrFan
            results.append(result)
        }
        return results
    }

    /// The funding-gap check of every site (deterministic base case).
    public static func fundingGaps(_ model: StressModel) -> [FundingGap] {
        model.sites.map { site in
            var bare = site.parameters
            bare.funding.access = .none
            let npvWithoutAid = ProjectModel.run(bare, recordRows: false).projectNPV
            let p = site.parameters
            let run = ProjectModel.run(p)
            // The aid's PV: grants dated with the construction spending, offtake with the operating rows.
            var aid = 0.0, offtake = 0.0
            let r = p.timeline.discountRate
            for row in run.rows {
                let v = Double.pow(1 + r, -0.5 * (row.start + row.end))
                aid += (row.grants + row.offtake) * v
                offtake += row.offtake * v
            }
            return FundingGap(site: site.id, npvWithoutAid: npvWithoutAid, gap: max(0, -npvWithoutAid), aid: aid,
                              npvWithTerms: run.projectNPV, offtakePV: offtake)
        }
    }
}
