/// A multiplier with its definition, numerator and denominator, so a reader sees what is divided by what.
public struct Multiplier: Sendable, Equatable {
    /// Short name, e.g. `total / EU budget`.
    public var name: String
    /// What it measures, in words.
    public var definition: String
    public var numerator: Double
    public var denominator: Double
    /// numerator / denominator; nil when the denominator is zero (the multiplier is undefined).
    public var value: Double? { denominator != 0 ? numerator / denominator : nil }

    public init(name: String, definition: String, numerator: Double, denominator: Double) {
        self.name = name
        self.definition = definition
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// The evaluated capital stack: every contributor's amount and the stack's multipliers.
public struct StackAccount: Sendable, Equatable {
    public struct Contribution: Sendable, Equatable {
        public var contributor: Contributor
        /// The amount after the cap.
        public var amount: Double
        /// The amount the rule gave before the cap (equal to `amount` when the cap does not bind).
        public var uncapped: Double
        public var capBinds: Bool { amount < uncapped }
    }
    public struct EarmarkResult: Sendable, Equatable {
        public var allocation: Earmark
        public var amount: Double
        /// amount / units, when the allocation is split into units.
        public var perUnit: Double? { allocation.units.map { amount / Double($0) } }
    }

    public var stack: CapitalStack
    public var contributions: [Contribution]
    public var allocations: [EarmarkResult]
    /// Σ contributions.
    public var total: Double

    public func amount(from source: Source) -> Double {
        contributions.filter { $0.contributor.source == source }.reduce(0) { $0 + $1.amount }
    }
    public var euBudget: Double { amount(from: .euBudget) }
    public var publicMoney: Double { contributions.filter { $0.contributor.source.isPublic }.reduce(0) { $0 + $1.amount } }
    public var privateMoney: Double { amount(from: .privateInvestor) }

    /// The tool's own multipliers, as used in the field (grant-share stack; the EU's own measures are ``euEffects``):
    /// M_EU = total / EU budget = 1/s_EU; M_public = total / public = 1/(s_EU + s_MS + …);
    /// private / public, the "euro of public money brings k euros of private money" ratio.
    public var multipliers: [Multiplier] {
        [
            Multiplier(name: "total / EU budget", definition: "all money in the stack per euro of EU budget",
                       numerator: total, denominator: euBudget),
            Multiplier(name: "total / public", definition: "all money per euro of public money (EU, Member States, EIB, other public)",
                       numerator: total, denominator: publicMoney),
            Multiplier(name: "private / public", definition: "private money per euro of public money",
                       numerator: privateMoney, denominator: publicMoney),
        ]
    }
}

extension CapitalStack {
    /// Evaluates every contributor's amount from its rule.
    ///
    /// Rules are resolved in dependency order (a matching rule waits for the contributors it
    /// matches; the remainder comes last). Caps apply as min(rule, cap). Errors: unknown or
    /// self-referencing names in a matching rule, circular matching, a share rule or remainder
    /// without a stated total, shares of the total above 100 %, contributions above the
    /// stated total, more than one remainder.
    public func evaluate() throws(AccountingError) -> StackAccount {
        var ids: [String: Int] = [:]
        for (k, c) in contributors.enumerated() {
            if ids[c.id] != nil { throw AccountingError(path: "contributors[\(k)].id", "'\(c.id)' is used by two contributors") }
            ids[c.id] = k
        }
        let remainders = contributors.indices.filter { contributors[$0].rule == .remainder }
        if remainders.count > 1 {
            throw AccountingError(path: "contributors[\(remainders[1])].remainder", "only one contributor can take the remainder (contributors[\(remainders[0])] already does)")
        }
        if total == nil {
            for (k, c) in contributors.enumerated() {
                switch c.rule {
                case .shareOfTotal: throw AccountingError(path: "contributors[\(k)].share", "a share of the total needs the stack's `total`")
                case .remainder: throw AccountingError(path: "contributors[\(k)].remainder", "the remainder needs the stack's `total`")
                default: break
                }
            }
        }
        let shareSum = contributors.reduce(0.0) { sum, c in
            if case .shareOfTotal(let s) = c.rule { return sum + s }
            return sum
        }
        if shareSum > 1 + 1e-12 {
            throw AccountingError(path: "contributors", "shares of the total add up to \(AccountingError.show(shareSum * 100)) %, over 100 %")
        }
        for (k, c) in contributors.enumerated() {
            if case .matching(let names, _) = c.rule {
                for (j, name) in names.enumerated() {
                    if ids[name] == nil { throw AccountingError(path: "contributors[\(k)].match.of[\(j)]", "no contributor is called '\(name)'") }
                    if name == c.id { throw AccountingError(path: "contributors[\(k)].match.of[\(j)]", "'\(name)' cannot match itself") }
                    if contributors[ids[name]!].rule == .remainder {
                        throw AccountingError(path: "contributors[\(k)].match.of[\(j)]", "'\(name)' takes the remainder and cannot be matched")
                    }
                }
            }
        }

        var uncapped = [Double?](repeating: nil, count: contributors.count)
        var amounts = [Double?](repeating: nil, count: contributors.count)
        var progress = true
        while progress {
            progress = false
            for (k, c) in contributors.enumerated() where amounts[k] == nil {
                let value: Double?
                switch c.rule {
                case .amount(let a): value = a
                case .shareOfTotal(let s): value = s * total!
                case .matching(let names, let ratio):
                    let matched = names.map { amounts[ids[$0]!] }
                    value = matched.contains { $0 == nil } ? nil : ratio * matched.reduce(0) { $0 + $1! }
                case .remainder: value = nil
                }
                if let value {
                    if !value.isFinite { throw AccountingError(path: "contributors[\(k)]", overflow("the amounts this contributor matches")) }
                    uncapped[k] = value
                    amounts[k] = c.cap.map { min(value, $0) } ?? value
                    progress = true
                }
            }
        }
        if let k = contributors.indices.first(where: { amounts[$0] == nil && contributors[$0].rule != .remainder }) {
            throw AccountingError(path: "contributors[\(k)].match", "circular matching: '\(contributors[k].id)' depends on itself through other contributors")
        }
        if let k = remainders.first {
            let others = amounts.compactMap { $0 }.reduce(0, +)
            if !others.isFinite { throw AccountingError(path: "contributors", overflow("the contributions")) }
            let rest = total! - others
            if rest < -1e-9 * max(1, total!) {
                throw AccountingError(path: "total", "contributions other than the remainder add up to \(AccountingError.show(others)), above the total \(AccountingError.show(total!))")
            }
            uncapped[k] = max(rest, 0)
            amounts[k] = contributors[k].cap.map { min(max(rest, 0), $0) } ?? max(rest, 0)
        }
        let sum = amounts.reduce(0) { $0 + ($1 ?? 0) }
        if !sum.isFinite { throw AccountingError(path: "contributors", overflow("the contributions")) }
        if let total, remainders.isEmpty, sum > total * (1 + 1e-12) {
            throw AccountingError(path: "total", "contributions add up to \(AccountingError.show(sum)), above the stated total \(AccountingError.show(total))")
        }
        let contributions = contributors.indices.map { k in
            StackAccount.Contribution(contributor: contributors[k], amount: amounts[k] ?? 0, uncapped: uncapped[k] ?? 0)
        }
        let stackTotal = total ?? sum
        var allocationResults: [StackAccount.EarmarkResult] = []
        var allocated = 0.0
        var allocationIDs = Set<String>()
        for (k, a) in allocations.enumerated() {
            if !allocationIDs.insert(a.id).inserted { throw AccountingError(path: "allocations[\(k)].id", "'\(a.id)' is used by two allocations") }
            let amount: Double
            switch a.size {
            case .amount(let x): amount = x
            case .shareOfTotal(let s): amount = s * stackTotal
            }
            allocated += amount
            if allocated > stackTotal * (1 + 1e-12) {
                throw AccountingError(path: "allocations[\(k)]", "allocations add up to \(AccountingError.show(allocated)), above the stack's total \(AccountingError.show(stackTotal))")
            }
            allocationResults.append(.init(allocation: a, amount: amount))
        }
        return StackAccount(stack: self, contributions: contributions, allocations: allocationResults, total: sum)
    }
}
