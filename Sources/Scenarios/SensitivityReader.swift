import RiskCover

/// Reads `risk_cover.sensitivity`, the ranges of `leverage sensitivity`:
///
///     sensitivity:
///       pd: [0.7, 1.5]                 # PD multiplier, > 0
///       correlation: [-0.05, 0.05]     # asset-correlation shift, in [-1, 1]
///       lgd: [-0.1, 0.1]               # LGD shift, in [-1, 1]
///       degrees_of_freedom: [4, 12]    # t copula ν, > 0 (Student-t models only)
///       max_expected_loss_bp: [15, 40] # investors' limit, bp in [0, 10000]
///       max_loss_probability: [0.0025, 0.01]  # investors' limit, a fraction
///
/// Each range is `[low, high]` with low ≤ high; an input left out takes the default of
/// ``SensitivityRanges/defaultRange(_:base:)``. Errors name the file, line and field path.
struct SensitivityReader {
    let sink: DiagnosticSink

    func read(_ value: YAMLValue) -> SensitivityRanges? {
        guard let m = value.mapping(allowed: SensitivityInput.allCases.map(\.rawValue)) else { return nil }
        var ok = true
        var ranges = SensitivityRanges()
        for input in SensitivityInput.allCases {
            guard let v = m[input.rawValue] else { continue }
            guard let items = v.sequence() else { ok = false; continue }
            guard items.count == 2 else { v.error("expected [low, high], two numbers; got \(items.count) value\(items.count == 1 ? "" : "s")"); ok = false; continue }
            guard let low = items[0].number(), let high = items[1].number() else { ok = false; continue }
            var good = true
            func check(_ item: YAMLValue, _ x: Double) {
                let problem: String?
                switch input {
                case .pd: problem = x > 0 ? nil : "a PD multiplier must be > 0"
                case .correlation, .lgd: problem = abs(x) <= 1 ? nil : "a \(input.rawValue) shift must be in [-1, 1]"
                case .degreesOfFreedom: problem = x > 0 ? nil : "degrees of freedom must be > 0"
                case .maxExpectedLossBp: problem = (0...10_000).contains(x) ? nil : "basis points must be in [0, 10000]"
                case .maxLossProbability: problem = (0...1).contains(x) ? nil : "a probability must be in [0, 1]"
                }
                if let problem { item.error("\(YAMLValue.show(x)): \(problem)"); good = false }
            }
            check(items[0], low)
            check(items[1], high)
            if good && low > high { v.error("low \(YAMLValue.show(low)) is above high \(YAMLValue.show(high)); give [low, high]"); good = false }
            if good { ranges.ranges[input] = low...high } else { ok = false }
        }
        return ok ? ranges : nil
    }
}
