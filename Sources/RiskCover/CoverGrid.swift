import Foundation

/// A grid of covers: the Cartesian product of values on three axes, written on the command line
/// as `first-loss=0:0.30:0.01` (from:to:step, both ends included), `guarantee-rate=0.5` or
/// `guarantee-cap=0.1,0.15,0.2`. Values are fractions or percentages (`first-loss=0%:30%:1%`);
/// every value must be a finite number in [0, 1], an axis has at most ``maximumAxisValues``
/// values and the whole grid (the product of the axes) at most ``maximumCovers`` covers.
public struct CoverGrid: Sendable, Hashable {
    public enum Axis: String, Sendable, CaseIterable {
        case firstLoss = "first-loss"
        case guaranteeRate = "guarantee-rate"
        case guaranteeCap = "guarantee-cap"
    }

    /// The most values one axis may have.
    public static let maximumAxisValues = 10_000
    /// The most covers a grid may have (the product of its axes): each cover is one pass over
    /// every simulated path and one row of the report, so 10,000 covers of 100,000 paths are
    /// already about 10⁹ allocations and a 10,000-row table.
    public static let maximumCovers = 10_000

    public var firstLoss: [Double] = [0]
    public var guaranteeRate: [Double] = [0]
    public var guaranteeCap: [Double] = [0]

    public init(firstLoss: [Double] = [0], guaranteeRate: [Double] = [0], guaranteeCap: [Double] = [0]) {
        self.firstLoss = firstLoss
        self.guaranteeRate = guaranteeRate
        self.guaranteeCap = guaranteeCap
    }

    /// The number of covers: the product of the axes' lengths.
    public var count: Int { firstLoss.count * guaranteeRate.count * guaranteeCap.count }

    /// Why the grid is too large to evaluate (more than ``maximumCovers`` covers), or nil.
    public var sizeProblem: String? {
        guard count > CoverGrid.maximumCovers else { return nil }
        return "the grid has \(count) covers (first-loss \(firstLoss.count) × guarantee-rate \(guaranteeRate.count) × guarantee-cap \(guaranteeCap.count) values); "
            + "a sweep evaluates at most \(CoverGrid.maximumCovers): use coarser steps or fewer values"
    }

    /// Every combination, first loss varying slowest.
    public var covers: [Cover] {
        firstLoss.flatMap { f in guaranteeRate.flatMap { g in guaranteeCap.map { c in Cover(firstLoss: f, guaranteeRate: g, guaranteeCap: c) } } }
    }

    /// Sets one axis from `axis=spec`; returns an error message for a malformed spec.
    public mutating func set(_ assignment: String) -> String? {
        let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let axis = Axis(rawValue: parts[0]) else {
            return "'\(assignment)': expected AXIS=VALUES with AXIS one of \(Axis.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        let values: [Double]
        switch CoverGrid.axisValues(parts[1]) {
        case .success(let v): values = v
        case .failure(let message): return "\(axis.rawValue): \(message.text)"
        }
        switch axis {
        case .firstLoss: firstLoss = values
        case .guaranteeRate: guaranteeRate = values
        case .guaranteeCap: guaranteeCap = values
        }
        return nil
    }

    public struct Message: Error { public var text: String }

    /// The values of one axis: `a:b:s`, `x,y,z` or `x`, each in [0, 1].
    public static func axisValues(_ spec: String) -> Result<[Double], Message> {
        switch values(spec) {
        case .failure(let m): return .failure(m)
        case .success(let values):
            if let bad = values.first(where: { $0 < 0 || $0 > 1 }) {
                return .failure(Message(text: "\(bad) is outside [0, 1] (covers are fractions: 5 % is 0.05)"))
            }
            return .success(values)
        }
    }

    /// One value: a decimal number (`0.05`, `5e-2`) or a percentage (`5%`), finite.
    static func number(_ text: Substring) -> Result<Double, Message> {
        var t = text.trimmingCharacters(in: .whitespaces)
        var scale = 1.0
        if t.hasSuffix("%") {
            t = String(t.dropLast()).trimmingCharacters(in: .whitespaces)
            scale = 0.01
        }
        guard let x = Double(t) else { return .failure(Message(text: "'\(text)' is not a number")) }
        guard x.isFinite else { return .failure(Message(text: "'\(text)' is not a finite number")) }
        // Decimal notation only (Swift would also read hexadecimal floats such as 0x1p-3).
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else {
            return .failure(Message(text: "'\(text)' is not a decimal number"))
        }
        return .success(x * scale)
    }

    /// `a:b:s` (a, a + s, …, up to b within rounding), `x,y,z`, or `x`.
    static func values(_ spec: String) -> Result<[Double], Message> {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 {
            var range: [Double] = []
            for part in parts {
                switch number(part) {
                case .success(let x): range.append(x)
                case .failure(let m): return .failure(Message(text: "'\(spec)': from:to:step: \(m.text)"))
                }
            }
            let a = range[0], b = range[1], s = range[2]
            guard s > 0 else { return .failure(Message(text: "'\(spec)': the step must be above 0")) }
            guard b >= a else { return .failure(Message(text: "'\(spec)': to is below from")) }
            // Counted in floating point first: a denormal step gives ∞ here, not a trap.
            let steps = ((b - a) / s + 1e-9).rounded(.down)
            guard steps.isFinite, steps < Double(maximumAxisValues) else {
                return .failure(Message(text: "'\(spec)': more than \(maximumAxisValues) values on one axis (use a larger step)"))
            }
            return .success((0...Int(steps)).map { a + Double($0) * s })
        }
        if parts.count != 1 { return .failure(Message(text: "'\(spec)': expected from:to:step, a list x,y,z or a value")) }
        let items = spec.split(separator: ",")
        guard !items.isEmpty else { return .failure(Message(text: "'\(spec)': expected numbers")) }
        guard items.count <= maximumAxisValues else { return .failure(Message(text: "more than \(maximumAxisValues) values on one axis")) }
        var list: [Double] = []
        for item in items {
            switch number(item) {
            case .success(let x): list.append(x)
            case .failure(let m): return .failure(Message(text: "'\(spec)': \(m.text)"))
            }
        }
        return .success(list)
    }
}

extension PortfolioStress {
    /// Parses `pd=1.5,correlation=0.05,lgd=0.1` (any subset); returns an error message when malformed.
    public static func parse(_ spec: String) -> Result<PortfolioStress, CoverGrid.Message> {
        var stress = PortfolioStress()
        for item in spec.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let x = Double(kv[1]), x.isFinite else {
                return .failure(CoverGrid.Message(text: "'\(item)': expected pd=K, correlation=Δ or lgd=Δ"))
            }
            switch kv[0] {
            case "pd":
                guard x >= 0 else { return .failure(CoverGrid.Message(text: "pd=\(kv[1]): the PD multiplier must be ≥ 0")) }
                stress.pdMultiplier = x
            case "correlation": stress.correlationShift = x
            case "lgd": stress.lgdShift = x
            default: return .failure(CoverGrid.Message(text: "'\(kv[0])': expected pd, correlation or lgd"))
            }
        }
        return .success(stress)
    }
}
