/// A leverage chain: public money at the base, multiplied stage by stage into investment, with
/// the budget provision behind a guarantee and the auditors' ex-post corrections.
///
/// Formulas (Models/SOURCES.md §§1, 5, 6; EFSI Regulation (EU) 2015/1017; InvestEU Regulation (EU) 2021/523;
/// European Court of Auditors special report 2025):
/// - base fund F = Σ base components (e.g. EFSI: EU guarantee 16 + EIB 5 = 21);
/// - stages E₁ = k₁·F, E₂ = k₂·E₁, …; ex-ante investment I = Π kᵢ · F and multiplier M = I/F = Π kᵢ;
///   or a stated investment target I when the programme gives no stages (InvestEU: 372);
/// - provision P = r·G (or a stated P, then r = P/G), G the guarantee; M_G = I/G, M_P = I/P;
/// - ex post: I_adj = I_reported − Σ deductions; the additional investment a·I_adj with a the
///   additionality share; multipliers I_adj/F and a·I_adj/F.
public struct LeverageChain: Sendable, Equatable {
    public struct Component: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable { case guarantee, capital }
        public enum Size: Sendable, Equatable {
            case amount(Double)
            /// A share of another component (InvestEU implementing partners: ≥ 25 % of the EU guarantee).
            case shareOf(String, Double)
        }
        public var id: String
        public var label: String
        public var source: Source
        public var kind: Kind
        public var size: Size
        public init(id: String, label: String, source: Source, kind: Kind, size: Size) {
            self.id = id
            self.label = label
            self.source = source
            self.kind = kind
            self.size = size
        }
    }
    public struct Stage: Sendable, Equatable {
        public var label: String
        public var multiplier: Double
        /// This stage's amount is the reimbursable financing reaching eligible final recipients
        /// (EFSI: the EIB Group's higher-risk financing), the numerator of the leverage effect.
        public var finalRecipientFinancing: Bool
        public init(label: String, multiplier: Double, finalRecipientFinancing: Bool = false) {
            self.label = label
            self.multiplier = multiplier
            self.finalRecipientFinancing = finalRecipientFinancing
        }
    }
    public enum Provision: Sendable, Equatable {
        /// Provisioning rate r of the guarantee: P = r·G.
        case rate(Double)
        /// A stated provision P: then r = P/G.
        case amount(Double)
    }
    public struct Deduction: Sendable, Equatable {
        public var label: String
        public var amount: Double
        public init(label: String, amount: Double) {
            self.label = label
            self.amount = amount
        }
    }
    public struct ExPost: Sendable, Equatable {
        /// Investment reported by the programme (e.g. EFSI: 503 bn by end-2022).
        public var reported: Double
        /// Amounts the auditors deduct: undisbursed, mobilised by other EU instruments, cancelled …
        public var deductions: [Deduction]
        /// Share a of the adjusted investment that would not have happened without the programme.
        public var additionality: Double?
        /// The additionality share's uncertainty (low / base / high; base = ``additionality``).
        public var additionalityRange: UncertainShare?
        public init(reported: Double, deductions: [Deduction], additionality: Double? = nil, additionalityRange: UncertainShare? = nil) {
            self.reported = reported
            self.deductions = deductions
            self.additionality = additionality ?? additionalityRange?.base
            self.additionalityRange = additionalityRange
        }
    }

    public var id: String
    public var label: String
    public var base: [Component]
    public var stages: [Stage]
    /// Stated ex-ante investment when there are no stages.
    public var investment: Double?
    public var provision: Provision?
    public var expost: ExPost?

    public init(id: String, label: String, base: [Component], stages: [Stage] = [], investment: Double? = nil,
                provision: Provision? = nil, expost: ExPost? = nil) {
        self.id = id
        self.label = label
        self.base = base
        self.stages = stages
        self.investment = investment
        self.provision = provision
        self.expost = expost
    }
}

/// The evaluated chain.
public struct ChainAccount: Sendable, Equatable {
    public struct StageResult: Sendable, Equatable {
        public var label: String
        /// This stage's own multiplier kᵢ (nil for the base row and a stated investment).
        public var stageMultiplier: Double?
        public var amount: Double
        /// amount / F.
        public var cumulativeMultiplier: Double
    }
    public var chain: LeverageChain
    /// Each base component's amount, in order.
    public var baseAmounts: [(id: String, amount: Double)]
    /// F = Σ base.
    public var base: Double
    /// G = Σ base components of kind guarantee.
    public var guarantee: Double
    public var stages: [StageResult]
    /// Ex-ante investment I.
    public var investment: Double
    /// Budget provision P, if the chain has one.
    public var provision: Double?
    /// Provisioning rate r = P/G.
    public var provisioningRate: Double? { provision.flatMap { guarantee > 0 ? $0 / guarantee : nil } }
    /// I_adj = I_reported − Σ deductions.
    public var adjustedInvestment: Double?
    /// a · I_adj.
    public var additionalInvestment: Double?

    public static func == (a: ChainAccount, b: ChainAccount) -> Bool {
        a.chain == b.chain && a.base == b.base && a.stages == b.stages && a.investment == b.investment
            && a.provision == b.provision && a.adjustedInvestment == b.adjustedInvestment
    }

    public var multipliers: [Multiplier] {
        var list = [Multiplier(name: "investment / base", definition: "ex-ante investment per euro of the base fund (M = I/F = Π kᵢ)",
                               numerator: investment, denominator: base)]
        if guarantee > 0 {
            list.append(Multiplier(name: "investment / guarantee", definition: "ex-ante investment per euro of guarantee (M_G = I/G)",
                                   numerator: investment, denominator: guarantee))
        }
        if let provision {
            list.append(Multiplier(name: "investment / budget provision", definition: "ex-ante investment per euro of budget cash set aside (M_P = I/P)",
                                   numerator: investment, denominator: provision))
        }
        if let adjustedInvestment {
            list.append(Multiplier(name: "adjusted investment / base", definition: "investment after the auditors' deductions per euro of the base (I_adj/F)",
                                   numerator: adjustedInvestment, denominator: base))
        }
        if let additionalInvestment {
            list.append(Multiplier(name: "additional investment / base", definition: "additional investment (a·I_adj) per euro of the base",
                                   numerator: additionalInvestment, denominator: base))
        }
        return list
    }
}

extension LeverageChain {
    /// Evaluates the chain (see the type's formulas). Errors: no base, a share of an unknown or
    /// share-sized component, both stages and a stated investment (or neither), a provision without
    /// a guarantee, deductions above the reported investment.
    public func evaluate() throws(AccountingError) -> ChainAccount {
        if base.isEmpty { throw AccountingError(path: "base", "a chain needs at least one base component") }
        var amounts: [String: Double] = [:]
        for (k, c) in base.enumerated() {
            if amounts[c.id] != nil { throw AccountingError(path: "base[\(k)].id", "'\(c.id)' is used by two base components") }
            if case .amount(let a) = c.size { amounts[c.id] = a }
        }
        for (k, c) in base.enumerated() {
            if case .shareOf(let other, let s) = c.size {
                guard let otherIndex = base.firstIndex(where: { $0.id == other }) else {
                    throw AccountingError(path: "base[\(k)].share_of", "no base component is called '\(other)'")
                }
                guard let a = amounts[other], case .amount = base[otherIndex].size else {
                    throw AccountingError(path: "base[\(k)].share_of", "'\(other)' is itself a share; refer to a stated amount")
                }
                amounts[c.id] = s * a
            }
        }
        let baseAmounts = base.map { (id: $0.id, amount: amounts[$0.id] ?? 0) }
        let f = baseAmounts.reduce(0) { $0 + $1.amount }
        let g = zip(base, baseAmounts).filter { $0.0.kind == .guarantee }.reduce(0) { $0 + $1.1.amount }
        if !f.isFinite { throw AccountingError(path: "base", overflow("the base components")) }

        var rows = [ChainAccount.StageResult(label: "base fund", stageMultiplier: nil, amount: f, cumulativeMultiplier: 1)]
        let investment: Double
        switch (stages.isEmpty, self.investment) {
        case (false, .some):
            throw AccountingError(path: "investment", "give either stages or a stated investment, not both")
        case (true, nil):
            throw AccountingError(path: "stages", "a chain needs stages (multipliers) or a stated investment")
        case (true, .some(let i)):
            investment = i
            if i == 0 { throw AccountingError(path: "investment", "a stated investment of 0 mobilises nothing; every multiplier would be 0") }
            rows.append(.init(label: "stated investment", stageMultiplier: nil, amount: i, cumulativeMultiplier: f > 0 ? i / f : .nan))
        case (false, nil):
            var amount = f
            for (k, stage) in stages.enumerated() {
                amount *= stage.multiplier
                if !amount.isFinite { throw AccountingError(path: "stages[\(k)].multiplier", overflow("the investment after this stage")) }
                rows.append(.init(label: stage.label, stageMultiplier: stage.multiplier, amount: amount, cumulativeMultiplier: f > 0 ? amount / f : .nan))
            }
            investment = amount
        }

        var provision: Double?
        switch self.provision {
        case nil: provision = nil
        case .rate(let r)?:
            if g == 0 { throw AccountingError(path: "provision", "a provisioning rate needs a base component of kind guarantee") }
            if r == 0 { throw AccountingError(path: "provision.rate", "a provisioning rate of 0 sets nothing aside: investment / budget provision would divide by 0 (leave `provision` out instead)") }
            provision = r * g
        case .amount(let p)?:
            if g == 0 { throw AccountingError(path: "provision", "a provision needs a base component of kind guarantee") }
            if p == 0 { throw AccountingError(path: "provision.amount", "a provision of 0 sets nothing aside: investment / budget provision would divide by 0 (leave `provision` out instead)") }
            provision = p
        }

        var adjusted: Double?
        var additional: Double?
        if let expost {
            let deducted = expost.deductions.reduce(0) { $0 + $1.amount }
            if !deducted.isFinite { throw AccountingError(path: "expost.deductions", overflow("the deductions")) }
            if deducted > expost.reported {
                throw AccountingError(path: "expost.deductions", "deductions add up to \(AccountingError.show(deducted)), above the reported investment \(AccountingError.show(expost.reported))")
            }
            adjusted = expost.reported - deducted
            rows.append(.init(label: "reported (ex post)", stageMultiplier: nil, amount: expost.reported, cumulativeMultiplier: expost.reported / f))
            for d in expost.deductions {
                rows.append(.init(label: "less: " + d.label, stageMultiplier: nil, amount: -d.amount, cumulativeMultiplier: -d.amount / f))
            }
            rows.append(.init(label: "adjusted (ex post)", stageMultiplier: nil, amount: adjusted!, cumulativeMultiplier: adjusted! / f))
            if f == 0 { throw AccountingError(path: "base", "the base fund is 0, so ex-post multipliers (investment per euro of the base) are undefined") }
            if let a = expost.additionality {
                additional = a * adjusted!
                rows.append(.init(label: "additional (additionality \(Int((a * 100).rounded())) %)", stageMultiplier: nil, amount: additional!, cumulativeMultiplier: additional! / f))
            }
        }
        return ChainAccount(chain: self, baseAmounts: baseAmounts, base: f, guarantee: g, stages: rows, investment: investment,
                            provision: provision, adjustedInvestment: adjusted, additionalInvestment: additional)
    }
}

/// "X add up to more than 1.8e308: the total overflows" — for amounts whose sum or product is not
/// a finite number (a mistaken unit, or a hostile file).
func overflow(_ what: String) -> String {
    "\(what) add up to more than \(Double.greatestFiniteMagnitude): the total overflows (check the amounts and the money unit)"
}
