/// Who puts money into a facility: the source of the money, as the leverage literature counts it.
///
/// "Public" is everything but `privateInvestor`; the EU budget is `euBudget` alone (the
/// Commission's programmes: Digital Europe, Horizon Europe, InvestEU, CEF …). The EIB group
/// is public but not EU budget: it lends on its own balance sheet.
public enum Source: String, Sendable, CaseIterable, Codable {
    case euBudget = "eu_budget"
    case memberState = "member_state"
    case eibGroup = "eib_group"
    case otherPublic = "other_public"
    case privateInvestor = "private"

    public var isPublic: Bool { self != .privateInvestor }

    /// Reader-facing label.
    public var label: String {
        switch self {
        case .euBudget: return "EU budget"
        case .memberState: return "Member States"
        case .eibGroup: return "EIB group"
        case .otherPublic: return "other public"
        case .privateInvestor: return "private"
        }
    }
}

/// The form the money takes.
public enum Instrument: String, Sendable, CaseIterable, Codable {
    case grant, equity, debt, guarantee, mixed
}

/// How a contributor's amount is set. Amounts are in the model's money unit (e.g. EUR bn).
public enum AmountRule: Sendable, Equatable {
    /// A stated amount.
    case amount(Double)
    /// A share s of the stack's total (e.g. the EU's ≈17 % of a gigafactory's capex): s · total.
    case shareOfTotal(Double)
    /// Matching: ratio · Σ amounts of the named contributors (Member States match the EU 1:1
    /// in the AI factories; a claimed "×10 private" is ratio 10 on the public money).
    case matching(of: [String], ratio: Double)
    /// What closes the stack: total − Σ all other contributions (at most one per stack).
    case remainder
}

/// One contributor to a capital stack.
public struct Contributor: Sendable, Equatable {
    public var id: String
    public var label: String
    public var source: Source
    public var instrument: Instrument
    /// The budget programme(s) the money comes from, for the record (Digital Europe, Horizon Europe…).
    public var programme: String?
    public var rule: AmountRule
    /// An upper bound on the amount: amount = min(rule, cap). Reported when it binds.
    public var cap: Double?
    /// When the amount is a pre-existing pledge (InvestAI's 150 bn from the EU AI Champions
    /// Initiative), its realisation share: the amount is counted at face value in the stack and
    /// the EU effects report the range under this share (``StackAccount/euEffects``).
    public var pledge: UncertainShare?

    public init(id: String, label: String, source: Source, instrument: Instrument, programme: String? = nil,
                rule: AmountRule, cap: Double? = nil, pledge: UncertainShare? = nil) {
        self.pledge = pledge
        self.id = id
        self.label = label
        self.source = source
        self.instrument = instrument
        self.programme = programme
        self.rule = rule
        self.cap = cap
    }
}

/// An earmark: a named slice of a stack's total set aside for a purpose (`allocations:` in model files), optionally split into equal units
/// (InvestAI's 20 bn gigafactory fund for 4 sites → 5 bn a site).
public struct Earmark: Sendable, Equatable {
    public enum Size: Sendable, Equatable {
        case amount(Double)
        case shareOfTotal(Double)
    }
    public var id: String
    public var label: String
    public var size: Size
    public var units: Int?

    public init(id: String, label: String, size: Size, units: Int? = nil) {
        self.id = id
        self.label = label
        self.size = size
        self.units = units
    }
}

/// A facility's capital stack: contributors, an optional stated total (capex) and allocations.
/// If `total` is nil the total is the sum of contributions, and no rule may refer to it.
public struct CapitalStack: Sendable, Equatable {
    public var id: String
    public var label: String
    public var total: Double?
    public var contributors: [Contributor]
    public var allocations: [Earmark]

    public init(id: String, label: String, total: Double? = nil, contributors: [Contributor], allocations: [Earmark] = []) {
        self.id = id
        self.label = label
        self.total = total
        self.contributors = contributors
        self.allocations = allocations
    }
}

/// A problem in the accounting itself (the scenario layer adds file and line).
public struct AccountingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Field path inside the stack or chain, e.g. `contributors[2].match.of[0]`.
    public var path: String
    public var message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }

    /// A number as a reader would write it (see ``readableNumber(_:)``).
    static func show(_ x: Double) -> String { readableNumber(x) }
}

/// A number as a reader would write it in a message: no `.0` on whole numbers and no
/// floating-point noise (`110`, not `110.00000000000001`). Used by every error message about inputs.
public func readableNumber(_ x: Double) -> String {
    let clean = abs(x) < 1e6 ? (x * 1e9).rounded() / 1e9 : x
    return clean == clean.rounded() && abs(clean) < 1e15 ? String(Int64(clean)) : "\(clean)"
}
