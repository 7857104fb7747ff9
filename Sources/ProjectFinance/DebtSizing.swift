import RealModule

/// How lenders size the senior debt: to a target DSCR on a stated case of the CFADS (Yescombe
/// 2014, §12.3: the debt is the smaller of the DSCR-sized amount and the maximum gearing).
///
/// The sizing case C_j over the tenor's operating rows j = 1…n is one of (``SizingBasis``):
///
/// - the **sponsor base case with a haircut**: C_j = CFADS_j · (1 − h), the planned (unshocked) CFADS;
/// - **P50** or **P90** of the simulated CFADS: C_j = the 50th / 10th percentile over Monte Carlo
///   paths of the CFADS of row j (``StressModel/sizedOnSimulation(paths:seed:threads:)``).
///
/// **Convention (stated):** the percentile is taken **per period** (row by row), not of the NPV of
/// the CFADS. A per-period P90 is lower than the P90 of the debt-weighted sum (the low rows of
/// different paths are combined), so it sizes more conservatively than a "P90 of the NPV"; it is
/// the analogue of the lenders' one-year P90 energy/revenue case (a P90 level of output assumed in
/// every year, Yescombe 2014, §12.3 and §8.6). The simulated CFADS is **unlevered** (tax without
/// the interest shield), which avoids the circularity of tax and debt, conservatively.
///
/// Gearing then becomes an output:
///
///     sculpted: B = Σⱼ max(C_j, 0) / DSCR* · (1 + i)^(−j)
///     annuity:  B = minⱼ C_j / DSCR* · (1 − (1 + i)^(−n)) / i
///     linear:   B = minⱼ C_j / DSCR* / (1/n + i (1 − (j − 1)/n))
///
/// B is the debt at COD; the committed debt is D = B / κ_c with κ_c = Σ_k s_k (1 + r)^(COD − t_k)
/// the capitalisation of draws s_k at the construction rows' middles t_k (the model's own
/// convention), and gearing = min(D / base capex, the maximum gearing).
public struct DebtSizing: Sendable, Equatable {
    /// DSCR* the debt service must keep on the sizing case.
    public var targetDSCR: Double
    /// h: the haircut on the planned CFADS that makes the sponsor case (0.1 = 10 % lower).
    public var cfadsHaircut: Double
    /// The case the debt is sized on.
    public var basis: SizingBasis

    /// A sizing rule (the sponsor case with a haircut unless another basis is given).
    public init(targetDSCR: Double, cfadsHaircut: Double, basis: SizingBasis = .sponsorCase) {
        self.targetDSCR = targetDSCR
        self.cfadsHaircut = cfadsHaircut
        self.basis = basis
    }
}

/// The CFADS case lenders size the debt on.
public enum SizingBasis: String, Sendable, CaseIterable {
    /// The planned CFADS less the haircut h.
    case sponsorCase = "sponsor_case"
    /// The median of the simulated CFADS, per period.
    case p50
    /// The 10th percentile of the simulated CFADS, per period (exceeded with 90 % probability).
    case p90

    /// The percentile level of a simulated basis (nil for the sponsor case).
    public var level: Double? {
        switch self {
        case .sponsorCase: return nil
        case .p50: return 0.5
        case .p90: return 0.1
        }
    }
}

/// The debt a ``DebtSizing`` rule gives one project.
public struct SizedDebt: Sendable, Equatable {
    /// The rule.
    public var rule: DebtSizing
    /// B: the DSCR-sized debt at COD (before the gearing cap), EUR m.
    public var dscrSizedDebtAtCOD: Double
    /// The gearing the DSCR alone would allow (committed debt / base capex).
    public var dscrSizedGearing: Double
    /// The maximum gearing (the model's `gearing`).
    public var maximumGearing: Double
    /// The gearing used: min(DSCR-sized, maximum), ≥ 0.
    public var gearing: Double
    /// Whether the target DSCR (rather than the maximum gearing) binds.
    public var dscrBinds: Bool { dscrSizedGearing <= maximumGearing }
}

/// Sizes the senior debt of a project by its ``ProjectParameters/Debt/sizing`` rule.
public enum DebtSizer {
    /// The sized debt, or nil when the project has no sizing rule. A simulated basis (P50/P90) uses
    /// ``ProjectParameters/Debt/sizingCFADS`` when set, else the planned case without haircut.
    public static func size(_ p: ProjectParameters) -> SizedDebt? {
        guard let rule = p.funding.debt.sizing else { return nil }
        let sizingCase: [Double]
        if rule.basis == .sponsorCase {
            sizingCase = ProjectModel.plannedCFADS(p).map { $0 * (1 - rule.cfadsHaircut) }
        } else {
            sizingCase = p.funding.debt.sizingCFADS ?? ProjectModel.plannedCFADS(p)
        }
        return size(p, rule: rule, sizingCase: sizingCase)
    }

    /// The debt `rule` gives on an explicit sizing case C_j (operating rows 1…n of the tenor).
    public static func size(_ p: ProjectParameters, rule: DebtSizing, sizingCase: [Double]) -> SizedDebt? {
        guard p.capex.baseEURm > 0 else { return nil }
        let md = Double(p.timeline.periodsPerYear)
        let r = max(p.funding.debt.rate, -0.99)
        let i = Double.pow(1 + r, 1 / md) - 1
        let planned = sizingCase.map { $0 / rule.targetDSCR }
        let n = planned.count
        var b: Double
        switch p.funding.debt.amortisation {
        case .sculpted:
            b = 0
            for (k, x) in planned.enumerated() { b += max(x, 0) * Double.pow(1 + i, -Double(k + 1)) }
        case .annuity:
            let factor = i == 0 ? Double(n) : (1 - Double.pow(1 + i, -Double(n))) / i
            b = (planned.min() ?? 0) * factor
        case .linear:
            b = .infinity
            for (k, x) in planned.enumerated() { b = min(b, x / (1 / Double(n) + i * (1 - Double(k) / Double(n)))) }
        }
        b = max(b, 0)
        // Capitalisation of the draws over the planned construction (the model's convention).
        let limits = ProjectParameters.Limits.self
        let cod = min(p.timeline.constructionYears, limits.maximumConstructionYears) + min(max(p.capex.delayYears, 0), limits.maximumDelayYears)
        let rows = max(1, Int((cod * md - 1e-9).rounded(.up)))
        var kappa = 0.0
        for k in 1...rows {
            let start = Double(k - 1) / md, end = k == rows ? cod : Double(k) / md
            let share = cod > 0 ? (end - start) / cod : 1
            kappa += share * Double.pow(1 + r, cod - 0.5 * (start + end))
        }
        let sizedGearing = b / kappa / p.capex.baseEURm
        let maximum = p.funding.debt.gearing
        return SizedDebt(rule: rule, dscrSizedDebtAtCOD: b, dscrSizedGearing: sizedGearing, maximumGearing: maximum,
                         gearing: max(0, min(sizedGearing, maximum)))
    }

    /// The parameters with the sized gearing fixed and the rule removed (the debt is sized once,
    /// at financial close, on the base case; a later stress does not resize it).
    public static func fixed(_ p: ProjectParameters) -> ProjectParameters {
        guard let sized = size(p) else { return p }
        var q = p
        q.funding.debt.gearing = sized.gearing
        q.funding.debt.sizing = nil
        return q
    }
}
