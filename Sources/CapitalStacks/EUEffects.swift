/// The EU's own measures of what a Union contribution achieves, as the Financial Regulation
/// defines them (Regulation (EU, Euratom) 2018/1046, Art. 2, the definitions of "leverage
/// effect" and "multiplier effect" — points (40) and (41) by our reading, not verified here —
/// and Art. 209(2)(d), which asks financial instruments and budgetary guarantees to achieve
/// them; carried over by the recast Financial Regulation (EU, Euratom) 2024/2509, Art. 2, point
/// numbers not verified; see Models/SOURCES.md §1 for what was checked):
///
/// - **leverage effect** = reimbursable financing provided to eligible final recipients / Union contribution;
/// - **multiplier effect** = investment by eligible final recipients / Union contribution;
///
/// each ex ante (from the programme's targets) or ex post (from reported, audited figures). The
/// Union contribution is the EU budget's part only (base components or contributors with source
/// `eu_budget`): the EIB Group's own resources and national money are not Union contributions.
/// These differ from the tool's own ratios (``Multiplier``, and the risk-cover leverage
/// V / (f·V + r·M) of `sweep` and `solve`), which are named as the tool's own where reported.
public struct EUEffect: Sendable, Equatable {
    public enum Measure: String, Sendable, CaseIterable {
        case leverageEffect = "leverage effect"
        case multiplierEffect = "multiplier effect"
    }
    public enum Timing: String, Sendable, CaseIterable {
        case exAnte = "ex ante"
        case exPost = "ex post"
    }
    /// A range of the value under a named assumption (an ``UncertainShare``).
    public struct Range: Sendable, Equatable {
        /// The value at the 5th percentile, the mean and the 95th percentile of the assumption.
        public var p05: Double
        public var mean: Double
        public var p95: Double
        /// The assumption, e.g. "pledge realisation PERT(low 20 %, base 50 %, high 90 %)".
        public var assumption: String
    }

    public var measure: Measure
    public var timing: Timing
    /// What the numerator counts, in words.
    public var counted: String
    /// The numerator; nil when the inputs do not state it (then ``note`` says why).
    public var numerator: Double?
    /// The Union contribution (the denominator).
    public var unionContribution: Double
    /// The range under an uncertain assumption, if any.
    public var range: Range?
    /// A caveat, or why the value is missing.
    public var note: String?

    /// numerator / Union contribution (nil without a numerator or a Union contribution).
    public var value: Double? {
        guard let numerator, unionContribution > 0 else { return nil }
        return numerator / unionContribution
    }

    /// The definition in words, with its source.
    public var definition: String {
        switch measure {
        case .leverageEffect: return "reimbursable financing provided to eligible final recipients / Union contribution (Financial Regulation, Art. 2)"
        case .multiplierEffect: return "investment by eligible final recipients / Union contribution (Financial Regulation, Art. 2)"
        }
    }
}

extension UncertainShare {
    /// The range of a + b·share over this share's 5th percentile, mean and 95th percentile
    /// (a linear map keeps the order, so these are the value's own percentiles).
    func range(_ a: Double, _ b: Double, per denominator: Double, assumption: String) -> EUEffect.Range {
        EUEffect.Range(p05: (a + b * quantile(0.05)) / denominator, mean: (a + b * mean) / denominator,
                       p95: (a + b * quantile(0.95)) / denominator, assumption: "\(assumption) \(text)")
    }
}

extension ChainAccount {
    /// The Union contribution: the base components whose source is the EU budget.
    public var unionContribution: Double {
        zip(chain.base, baseAmounts).filter { $0.0.source == .euBudget }.reduce(0) { $0 + $1.1.amount }
    }

    /// The leverage and multiplier effects of the Financial Regulation, ex ante and (with an
    /// `expost` section) ex post. Empty when no base component is EU budget.
    ///
    /// - leverage effect, ex ante: the amount of the stage marked as financing reaching final
    ///   recipients (``LeverageChain/Stage/finalRecipientFinancing``), or not stated;
    /// - multiplier effect, ex ante: the ex-ante investment I;
    /// - multiplier effect, ex post: I_adj = reported − deductions; and the additional part
    ///   a·I_adj, with its range when the additionality share is uncertain.
    public var euEffects: [EUEffect] {
        let u = unionContribution
        guard u > 0 else { return [] }
        var list: [EUEffect] = []
        if let k = chain.stages.firstIndex(where: \.finalRecipientFinancing) {
            // stages[0] of the account is the base row; stage k is row k + 1.
            list.append(EUEffect(measure: .leverageEffect, timing: .exAnte, counted: chain.stages[k].label,
                                 numerator: stages[k + 1].amount, unionContribution: u))
        } else {
            list.append(EUEffect(measure: .leverageEffect, timing: .exAnte, counted: "financing reaching final recipients", numerator: nil,
                                 unionContribution: u, note: "not stated: the programme gives no financing volume reaching final recipients, only an investment figure"))
        }
        list.append(EUEffect(measure: .multiplierEffect, timing: .exAnte,
                             counted: chain.stages.isEmpty ? "stated investment target" : "total investment (final stage)",
                             numerator: investment, unionContribution: u))
        if let expost = chain.expost, let adjusted = adjustedInvestment {
            list.append(EUEffect(measure: .multiplierEffect, timing: .exPost,
                                 counted: expost.deductions.isEmpty ? "reported investment" : "reported investment less the auditors' deductions",
                                 numerator: adjusted, unionContribution: u))
            if let a = expost.additionality {
                let range = expost.additionalityRange.map { $0.range(0, adjusted, per: u, assumption: "additionality share") }
                list.append(EUEffect(measure: .multiplierEffect, timing: .exPost,
                                     counted: "additional investment (additionality \(readableNumber(a * 100)) % of the adjusted)",
                                     numerator: a * adjusted, unionContribution: u, range: range,
                                     note: "counts only investment that would not have happened without the programme"))
            }
        }
        return list
    }
}

extension StackAccount {
    /// Σ amounts of contributions that are pledges (at face value).
    public var pledged: Double { contributions.filter { $0.contributor.pledge != nil }.reduce(0) { $0 + $1.amount } }

    /// The leverage and multiplier effects of the Financial Regulation for a capital stack whose
    /// final recipient is the stack itself (a facility, a programme). Empty without EU money.
    ///
    /// - leverage effect: defined for financial instruments and budgetary guarantees; reported
    ///   when the EU's money is debt, equity or a guarantee, counting the stack's debt and equity;
    ///   otherwise not applicable (grants, mixed programmes);
    /// - multiplier effect = total / Union contribution, with pledges at face value; with a
    ///   pledge, its range under the pledge's realisation share (one common realisation quantile
    ///   for all pledges of the stack: comonotone, the widest range), and the multiplier effect
    ///   with pledges excluded — a pre-existing pledge is not investment the Union contribution
    ///   mobilises.
    public var euEffects: [EUEffect] {
        let u = euBudget
        guard u > 0 else { return [] }
        var list: [EUEffect] = []
        let eu = contributions.filter { $0.contributor.source == .euBudget }
        if eu.allSatisfy({ [.debt, .equity, .guarantee].contains($0.contributor.instrument) }) {
            let reimbursable = contributions.filter { [.debt, .equity].contains($0.contributor.instrument) }.reduce(0) { $0 + $1.amount }
            list.append(EUEffect(measure: .leverageEffect, timing: .exAnte, counted: "debt and equity reaching the final recipient",
                                 numerator: reimbursable, unionContribution: u))
        } else {
            list.append(EUEffect(measure: .leverageEffect, timing: .exAnte, counted: "reimbursable financing", numerator: nil, unionContribution: u,
                                 note: "not applicable: the EU money here is \(Set(eu.map(\.contributor.instrument.rawValue)).sorted().joined(separator: ", ")), not a financial instrument or budgetary guarantee"))
        }
        let pledges = contributions.filter { $0.contributor.pledge != nil }
        if pledges.isEmpty {
            list.append(EUEffect(measure: .multiplierEffect, timing: .exAnte, counted: "total investment of the stack", numerator: total, unionContribution: u))
        } else {
            let p = pledged
            // One realisation share ρ for every pledge (comonotone): numerator = (total − P) + P·ρ.
            let shares = pledges.map { $0.contributor.pledge! }
            let common = UncertainShare(low: shares.map(\.low).min()!, base: shares.map(\.base).reduce(0, +) / Double(shares.count),
                                        high: shares.map(\.high).max()!)
            let share = shares.count == 1 ? shares[0] : common
            list.append(EUEffect(measure: .multiplierEffect, timing: .exAnte, counted: "total investment, pledges at face value",
                                 numerator: total, unionContribution: u,
                                 range: share.range(total - p, p, per: u, assumption: "pledge realisation"),
                                 note: "includes \(readableNumber(p)) of pre-existing pledges, not mobilised by the Union contribution"))
            list.append(EUEffect(measure: .multiplierEffect, timing: .exAnte, counted: "total investment, pledges excluded",
                                 numerator: total - p, unionContribution: u,
                                 note: "what remains when the pre-existing pledges are not counted as mobilised"))
        }
        return list
    }
}
