import Foundation

/// A grid of covers: the Cartesian product of values on three axes, written on the command line
/// as `first-loss=0:0.30:0.01` (from:to:step, both ends included), `guarantee-rate=0.5` or
/// `guarantee-cap=0.1,0.15,0.2`.
public struct CoverGrid: Sendable, Hashable {
    public enum Axis: String, Sendable, CaseIterable {
        case firstLoss = "first-loss"
        case guaranteeRate = "guarantee-rate"
        case guaranteeCap = "guarantee-cap"
    }

    public var firstLoss: [Double] = [0]
    public var guaranteeRate: [Double] = [0]
    public var guaranteeCap: [Double] = [0]

    public init(firstLoss: [Double] = [0], guaranteeRate: [Double] = [0], guaranteeCap: [Double] = [0]) {
        self.firstLoss = firstLoss
        self.guaranteeRate = guaranteeRate
        self.guaranteeCap = guaranteeCap
    }

    /// Every combination, first loss varying slowest.
    public var covers: [Cover] {
        firstLoss.flatMap { f in guaranteeRate.flatMap { g in guaranteeCap.map { c in Cover(firstLoss: f, guaranteeRate: g, guaranteeCap: c) } } }
    }

    /// Sets one axis from `axis=spec`; returns an error message for a malformed spec.
    public mutating func set(_ assignment: String) -> String? {
        let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
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

    /// `a:b:s` (a, a + s, …, up to b within rounding), `x,y,z`, or `x`.
    static func values(_ spec: String) -> Result<[Double], Message> {
        let range = spec.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        if range.count == 3 {
            guard let a = range[0], let b = range[1], let s = range[2] else { return .failure(Message(text: "'\(spec)': from:to:step must be numbers")) }
            guard s > 0 else { return .failure(Message(text: "'\(spec)': the step must be above 0")) }
            guard b >= a else { return .failure(Message(text: "'\(spec)': to is below from")) }
            let n = Int(((b - a) / s + 1e-9).rounded(.down))
            guard n <= 10_000 else { return .failure(Message(text: "'\(spec)': more than 10000 values")) }
            return .success((0...n).map { a + Double($0) * s })
        }
        if range.count != 1 { return .failure(Message(text: "'\(spec)': expected from:to:step, a list x,y,z or a value")) }
        let list = spec.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { return .failure(Message(text: "'\(spec)': expected numbers")) }
        return .success(list.map { $0! })
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
