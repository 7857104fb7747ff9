// Risk sharing: tranches and guarantees, and the waterfall that allocates a portfolio loss to
// the holders.
//
// Conventions:
// - tranche points are fractions of the portfolio volume V;
// - tranche loss      Tⱼ(L) = min(max(L − aⱼ, 0), dⱼ − aⱼ) · V,  L = portfolio loss / V;
// - guarantee payout  G = min(g · covered loss, cap amount), where the cap amount follows the
//   guarantee's ``CapBasis``: by default the EIF's capped-guarantee convention (COSME LGF,
//   InvestEU SME windows, EaSI), cap amount = c · g · N with N the covered notional (the volume
//   of the covered loans), i.e. the cap rate applies to the *guaranteed* amount g · N; or, when
//   stated, c · V (a cap as a fraction of the whole portfolio volume);
// - the holder of a tranche keeps its loss minus the payouts it receives; the guarantor pays.
// Holders' losses therefore add up to the portfolio loss L·V on every path.

/// A tranche [attachment, detachment) of the portfolio loss, as fractions of the volume.
public struct Tranche: Sendable, Hashable, Codable {
    /// Identifier (guarantees refer to tranches by name).
    public var name: String
    /// Attachment point a ∈ [0, 1).
    public var attachment: Double
    /// Detachment point d ∈ (a, 1].
    public var detachment: Double
    /// Who bears the tranche's losses (e.g. "EIB", "private investors").
    public var holder: String

    /// A tranche; validated by ``Waterfall/init(structure:volume:)``.
    public init(name: String, attachment: Double, detachment: Double, holder: String) {
        self.name = name
        self.attachment = attachment
        self.detachment = detachment
        self.holder = holder
    }

    /// The tranche loss as a fraction of the portfolio volume: min(max(L − a, 0), d − a).
    @inlinable
    public func lossFraction(portfolioLossFraction l: Double) -> Double {
        min(max(l - attachment, 0), detachment - attachment)
    }
}

/// What a guarantee covers.
public enum GuaranteeCoverage: Sendable, Hashable, Codable {
    /// Every loss of the portfolio; the payout is shared among the tranches pro rata to their
    /// losses (so each tranche holder is relieved of the same fraction of its loss).
    case portfolio
    /// The losses of the named tranche only.
    case tranche(String)
}

/// What a guarantee's cap rate c is a fraction of.
///
/// The EIF's capped portfolio guarantees (COSME Loan Guarantee Facility, InvestEU SME windows,
/// EaSI) apply the guarantee rate loan by loan and cap the total payout at the *guarantee cap
/// amount* = cap rate × guaranteed amount, the guaranteed amount being guarantee rate × portfolio
/// volume: cap amount = c · g · N. (COSME: g = 50 %, c = 20 % ⇒ cap amount = 10 % of the volume;
/// see Models/SOURCES.md.) ``volume`` is the tool's earlier convention, c · V, kept for models
/// that state their cap that way.
public enum CapBasis: String, Sendable, Hashable, Codable, CaseIterable {
    /// Cap amount = c · g · N (N the covered notional): the EIF convention, the default.
    case guaranteedAmount = "guaranteed_amount"
    /// Cap amount = c · V (V the portfolio volume).
    case volume

    /// A short statement of the convention for table notes.
    public var formula: String {
        switch self {
        case .guaranteedAmount: return "cap amount = cap rate × guarantee rate × covered volume (EIF convention: the cap applies to the guaranteed amount)"
        case .volume: return "cap amount = cap rate × portfolio volume (cap stated on the volume, not the EIF convention)"
        }
    }
}

/// A capped (first-loss) portfolio guarantee: payout = min(g · covered loss, cap amount), the cap
/// amount given by ``capBasis`` (default: c · g · covered notional, the EIF convention).
public struct Guarantee: Sendable, Hashable, Codable {
    /// Identifier.
    public var name: String
    /// Guarantee rate g ∈ (0, 1]: the share of each covered loss the guarantor pays.
    public var rate: Double
    /// Cap rate c ∈ (0, 1]: a fraction of the guaranteed amount g · N (``CapBasis/guaranteedAmount``,
    /// the EIF convention) or of the portfolio volume V (``CapBasis/volume``).
    public var cap: Double
    /// What the cap rate is a fraction of.
    public var capBasis: CapBasis
    /// The covered tranche, or the whole portfolio.
    public var covers: GuaranteeCoverage
    /// Who pays (e.g. "EU", "Member State").
    public var guarantor: String
    /// The budget provision set aside for calls (EUR), if any; the report gives the
    /// probability that calls exceed it.
    public var budgetProvision: Double?

    /// A guarantee; validated by ``Waterfall/init(structure:volume:)``.
    public init(name: String, rate: Double, cap: Double, capBasis: CapBasis = .guaranteedAmount, covers: GuaranteeCoverage,
                guarantor: String, budgetProvision: Double? = nil) {
        self.name = name
        self.rate = rate
        self.cap = cap
        self.capBasis = capBasis
        self.covers = covers
        self.guarantor = guarantor
        self.budgetProvision = budgetProvision
    }
}

/// Tranches and guarantees. Tranches must partition [0, 1] (sorted by attachment, contiguous,
/// first a = 0, last d = 1) so that every euro of loss is borne by someone; with no tranches,
/// one tranche "portfolio" [0, 1] held by `defaultHolder` is used.
public struct RiskSharingStructure: Sendable, Hashable, Codable {
    /// The capital structure, most junior first.
    public var tranches: [Tranche]
    /// Guarantees on tranches or on the portfolio.
    public var guarantees: [Guarantee]

    /// A structure; validated by ``Waterfall/init(structure:volume:)``.
    public init(tranches: [Tranche], guarantees: [Guarantee] = []) {
        self.tranches = tranches
        self.guarantees = guarantees
    }

    /// Tranche boundaries closer than this (as fractions of the volume) are the same point:
    /// a tranche attaching within 1e-9 of the detachment below it, or a senior tranche detaching
    /// within 1e-9 of 1, is snapped onto it (generated models write 0.1 + 0.2 = 0.30000000000000004).
    /// The scenario reader and ``Waterfall/init(structure:volume:)`` use this one value.
    public static let boundaryTolerance = 1e-9

    /// Guarantee rates covering one tranche may add up to 1 + this (rounding), not more.
    public static let rateTolerance = 1e-12

    /// A single tranche [0, 1] held by `holder`, no guarantees.
    public static func wholePortfolio(holder: String = "lender") -> RiskSharingStructure {
        RiskSharingStructure(tranches: [Tranche(name: "portfolio", attachment: 0, detachment: 1, holder: holder)])
    }
}

/// One path's allocation of the portfolio loss (all in EUR).
public struct Allocation: Sendable, Hashable {
    /// Tranche losses before guarantees, Tⱼ(L)·V, in tranche order.
    public var trancheGross: [Double]
    /// Tranche losses kept by the tranche holders (gross − payouts received).
    public var trancheNet: [Double]
    /// Payouts of each guarantee.
    public var guaranteeCalls: [Double]
    /// Losses by holder, in ``Waterfall/holders`` order.
    public var holderLoss: [Double]
}

/// The validated waterfall: allocates a portfolio loss to tranches, guarantees and holders.
///
/// Every output is a **nondecreasing function of the portfolio loss L** (tranche losses,
/// min(g·x, c·V) of a nondecreasing x, (1 − pro-rata share)·tranche loss, sums of those; IEEE
/// rounding is monotone). The engine relies on this: it keeps one loss per path, sorts it,
/// and obtains every holder's quantiles as f(sorted L) — never paths × exposures, nor
/// paths × holders.
public struct Waterfall: Sendable, Hashable {
    /// Tranches, most junior first.
    public let tranches: [Tranche]
    /// Guarantees in input order.
    public let guarantees: [Guarantee]
    /// Distinct holders (tranche holders, then guarantors), in order of first appearance.
    public let holders: [String]
    /// The portfolio volume V (EUR).
    public let volume: Double
    /// For each guarantee, the index of its tranche (nil = whole portfolio).
    let coveredTranche: [Int?]
    let trancheHolder: [Int]
    let guarantorHolder: [Int]
    /// Each guarantee's cap amount (EUR), computed once.
    let capAmounts: [Double]

    /// Validates `structure` against a portfolio of volume V > 0.
    /// - Throws: ``RiskModelError/invalidInput(item:reason:)`` for tranches that do not
    ///   partition [0, 1], duplicate names, a guarantee on an unknown tranche, a rate or cap
    ///   outside (0, 1], or rates on one tranche (its own plus portfolio-wide) summing above 1.
    public init(structure: RiskSharingStructure, volume: Double) throws(RiskModelError) {
        guard volume.isFinite, volume > 0 else {
            throw .invalidInput(item: "portfolio", reason: "volume \(volume) must be positive")
        }
        var tranches = structure.tranches.isEmpty ? RiskSharingStructure.wholePortfolio().tranches : structure.tranches
        var expected = 0.0
        var names = Set<String>()
        let tolerance = RiskSharingStructure.boundaryTolerance
        for (k, t) in tranches.enumerated() {
            guard !t.name.isEmpty else { throw .invalidInput(item: "tranche \(k + 1)", reason: "has an empty name") }
            guard names.insert(t.name).inserted else { throw .invalidInput(item: "tranche \(t.name)", reason: "duplicate tranche name") }
            guard t.attachment.isFinite, t.detachment.isFinite, t.attachment >= 0, t.detachment <= 1, t.attachment < t.detachment else {
                throw .invalidInput(item: "tranche \(t.name)", reason: "needs 0 ≤ attachment < detachment ≤ 1, got [\(t.attachment), \(t.detachment))")
            }
            guard abs(t.attachment - expected) <= tolerance else {
                throw .invalidInput(item: "tranche \(t.name)", reason: "attaches at \(t.attachment) but the tranche below detaches at \(expected): tranches must be sorted and contiguous from 0 to 1")
            }
            tranches[k].attachment = expected   // snapped (within the documented tolerance)
            guard tranches[k].attachment < t.detachment else {
                throw .invalidInput(item: "tranche \(t.name)", reason: "needs attachment < detachment, got [\(expected), \(t.detachment))")
            }
            expected = t.detachment
        }
        guard abs(expected - 1) <= tolerance else {
            throw .invalidInput(item: "tranche \(tranches[tranches.count - 1].name)", reason: "the most senior tranche detaches at \(expected), not 1: losses above it would have no holder")
        }
        tranches[tranches.count - 1].detachment = 1
        var holders: [String] = []
        func holderIndex(_ h: String) -> Int {
            if let i = holders.firstIndex(of: h) { return i }
            holders.append(h)
            return holders.count - 1
        }
        trancheHolder = tranches.map { holderIndex($0.holder) }
        var covered: [Int?] = []
        var rateOnTranche = [Double](repeating: 0, count: tranches.count)
        var guaranteeNames = Set<String>()
        for g in structure.guarantees {
            let item = "guarantee \(g.name)"
            guard !g.name.isEmpty else { throw .invalidInput(item: "guarantee \(covered.count + 1)", reason: "has an empty name") }
            guard guaranteeNames.insert(g.name).inserted else { throw .invalidInput(item: item, reason: "duplicate guarantee name") }
            guard g.rate.isFinite, g.rate > 0, g.rate <= 1 else { throw .invalidInput(item: item, reason: "rate \(g.rate) is not in (0, 1]") }
            guard g.cap.isFinite, g.cap > 0, g.cap <= 1 else { throw .invalidInput(item: item, reason: "cap \(g.cap) is not in (0, 1] (a fraction of the \(g.capBasis == .volume ? "portfolio volume" : "guaranteed amount"))") }
            if let b = g.budgetProvision, !(b.isFinite && b >= 0) { throw .invalidInput(item: item, reason: "budget provision \(b) must be ≥ 0") }
            switch g.covers {
            case .portfolio:
                covered.append(nil)
                for j in rateOnTranche.indices { rateOnTranche[j] += g.rate }
            case let .tranche(name):
                guard let j = tranches.firstIndex(where: { $0.name == name }) else {
                    throw .invalidInput(item: item, reason: "covers unknown tranche \(name); tranches are \(tranches.map(\.name).joined(separator: ", "))")
                }
                covered.append(j)
                rateOnTranche[j] += g.rate
            }
        }
        if let j = rateOnTranche.firstIndex(where: { $0 > 1 + RiskSharingStructure.rateTolerance }) {
            throw .invalidInput(item: "tranche \(tranches[j].name)", reason: "guarantee rates covering it add up to \(rateOnTranche[j]) > 1")
        }
        guarantorHolder = structure.guarantees.map { holderIndex($0.guarantor) }
        self.tranches = tranches
        self.guarantees = structure.guarantees
        self.coveredTranche = covered
        self.holders = holders
        self.volume = volume
        var caps: [Double] = []
        for (k, g) in structure.guarantees.enumerated() {
            let notional = covered[k].map { (tranches[$0].detachment - tranches[$0].attachment) * volume } ?? volume
            caps.append(g.capBasis == .volume ? g.cap * volume : g.cap * g.rate * notional)
        }
        self.capAmounts = caps
    }

    /// The covered notional N of guarantee `g` (EUR): the covered tranche's notional, or V.
    public func coveredNotional(_ g: Int) -> Double {
        coveredTranche[g].map { (tranches[$0].detachment - tranches[$0].attachment) * volume } ?? volume
    }

    /// The cap amount of guarantee `g` (EUR): c · g · N (``CapBasis/guaranteedAmount``) or c · V
    /// (``CapBasis/volume``).
    public func capAmount(_ g: Int) -> Double { capAmounts[g] }

    /// The largest possible payout of guarantee `g`: min(g · N, cap amount) (EUR) — the
    /// guarantor's maximum liability, the base of its provisioning rate.
    public func maximumLiability(_ g: Int) -> Double {
        min(guarantees[g].rate * coveredNotional(g), capAmount(g))
    }

    /// Allocates the portfolio loss `loss` (EUR, in [0, V]).
    ///
    /// 1. Tⱼ = min(max(L − aⱼ, 0), dⱼ − aⱼ)·V with L = loss/V.
    /// 2. Tranche guarantee on j: payout min(g·Tⱼ, cap amount), received by j's holder.
    ///    Portfolio guarantee: payout P = min(g·loss, cap amount), received by tranche j in
    ///    proportion Tⱼ/ΣT (the Tⱼ add up to the loss).
    /// 3. Holder losses: Σ over held tranches of (Tⱼ − payouts received) + Σ payouts made.
    public func allocate(portfolioLoss loss: Double) -> Allocation {
        var a = Allocation(trancheGross: [], trancheNet: [], guaranteeCalls: [], holderLoss: [])
        allocate(portfolioLoss: loss, into: &a)
        return a
    }

    /// As ``allocate(portfolioLoss:)``, reusing `allocation`'s storage (no allocation once
    /// its arrays have the right sizes).
    public func allocate(portfolioLoss loss: Double, into a: inout Allocation) {
        let l = loss / volume
        let t = tranches.count, g = guarantees.count, h = holders.count
        if a.trancheGross.count != t { a.trancheGross = [Double](repeating: 0, count: t) }
        if a.trancheNet.count != t { a.trancheNet = [Double](repeating: 0, count: t) }
        if a.guaranteeCalls.count != g { a.guaranteeCalls = [Double](repeating: 0, count: g) }
        if a.holderLoss.count != h { a.holderLoss = [Double](repeating: 0, count: h) }
        for j in 0..<t {
            let gross = tranches[j].lossFraction(portfolioLossFraction: l) * volume
            a.trancheGross[j] = gross
            a.trancheNet[j] = gross
        }
        for k in 0..<g {
            let guarantee = guarantees[k]
            let capAmount = capAmounts[k]
            if let j = coveredTranche[k] {
                let payout = min(guarantee.rate * a.trancheGross[j], capAmount)
                a.trancheNet[j] -= payout
                a.guaranteeCalls[k] = payout
            } else {
                let payout = min(guarantee.rate * loss, capAmount)
                if loss > 0 {
                    let share = payout / loss
                    for j in 0..<t { a.trancheNet[j] -= share * a.trancheGross[j] }
                }
                a.guaranteeCalls[k] = payout
            }
        }
        for i in 0..<h { a.holderLoss[i] = 0 }
        for j in 0..<t { a.holderLoss[trancheHolder[j]] += a.trancheNet[j] }
        for k in 0..<g { a.holderLoss[guarantorHolder[k]] += a.guaranteeCalls[k] }
    }
}
