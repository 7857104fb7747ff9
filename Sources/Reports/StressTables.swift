import ProjectFinance
import Stochastics

/// The tables of `leverage stress`: the baseline cash-flow waterfall, each scenario's
/// deterministic results per site, the Monte Carlo statistics per scenario and the reverse
/// stress test. Money in EUR m (the project section's unit), rates as fractions.
public enum StressTables {
    /// All tables of a stress report.
    public static func tables(for report: StressReport) -> [Table] {
        [cashFlows(report), deterministic(report), monteCarlo(report), dscrFan(report), sites(report), holders(report),
         debtSizing(report), structures(report), structureFan(report), fundingGap(report), reverse(report), designPoint(report)]
            + (report.ranges.isEmpty ? [] : [calibrationRanges(report)])
    }

    static let m = Unit.eurMillion

    /// The DSCR covenant as a reference line, when every site has the same one.
    static func covenant(_ report: StressReport) -> [Chart.ReferenceValue] {
        let values = Set(report.model.sites.map { $0.parameters.funding.debt.covenantDSCR })
        guard values.count == 1, let c = values.first else { return [] }
        return [.init(c, "covenant \(String(format: "%.2f", c))")]
    }
    static func money(_ name: String) -> Column { Column("\(name)_eur_m", .eurMillion) }

    /// The baseline's period-by-period waterfall for every site.
    static func cashFlows(_ report: StressReport) -> Table {
        var table = Table(name: "cash_flows", title: "Baseline cash-flow waterfall by site and period",
                          columns: [Column("site", .text), Column("period", .count), Column("year_end", .years), Column("phase", .text),
                                    money("capex"), money("grants"), money("debt_drawn"), Column("public_access_share", .fraction),
                                    money("offtake"), money("contract_revenue"), money("revenue"), money("energy"),
                                    money("staff_and_maintenance"), money("tax"), money("cfads"), money("interest"), money("principal"),
                                    money("debt_service"), Column("dscr", .count), money("sweep"), money("locked_up"), money("reserve"), money("equity"),
                                    money("debt_balance"), money("lender_recovery")])
        guard let baseline = report.scenarios.first else { return table }
        for (site, run) in zip(report.model.sites, baseline.deterministic) {
            for r in run.rows {
                table.append([.text(site.id), .integer(r.period), .number(r.end), .text(r.phase.rawValue),
                              .number(r.capex), .number(r.grants), .number(r.debtDrawn), .number(r.publicAccessShare),
                              .number(r.offtake), .number(r.contractRevenue), .number(r.revenue), .number(r.energy),
                              .number(r.staffAndMaintenance), .number(r.tax), .number(r.cfads), .number(r.interest), .number(r.principal),
                              .number(r.debtService), .number(r.dscr), .number(r.sweep), .number(r.lockedUp), .number(r.reserve), .number(r.equity),
                              .number(r.debtBalance), .number(r.lenderRecovery)])
            }
        }
        table.notes.append("cfads = revenue − energy − staff and maintenance − tax; dscr = cfads / debt service; interest is capitalised during construction.")
        table.notes.append("revenue = merchant sales (utilisation ramping up linearly from COD over ramp_up_months) + contract_revenue (take-or-pay offtake of a share of the capacity for sale at a fixed price for its tenor; merchant after it) + the Union's offtake.")
        table.notes.append("tax = rate · max(0, cfads before tax − interest − straight-line depreciation (chips over their life, facility over its own) − losses carried forward).")
        table.notes.append("Lock-up: a row whose trailing-twelve-month DSCR is below lock_up_dscr distributes nothing; sweep prepays the debt with sweep_share of the cash left, locked_up holds the rest until the test passes again or the debt is repaid.")
        table.notes.append("Completion risk: equity pays overruns up to the contingency; above it the lenders' standby facility (added to the debt) up to its size; beyond both the project defaults at completion and the lenders pay the rest and take the CFADS.")
        table.notes.append("Operating periods run from the actual commercial operation date (a delay moves them by exactly its length; the chips age from it); year_end counts from financial close.")
        table.notes.append("public_access_share: capacity reserved for Union and Member-State users in proportion to their capex contributions (Reg. (EU) 2026/150, Art. 12b(12), (13), (15)(b)), not sold; offtake: the Union's guaranteed purchase of that access time (Art. 12b(5)), when the model chooses it; revenue includes it.")
        table.notes.append("equity: cash to (+) or from (−) all equity holders (construction, reserve funding, refresh capex, distributions).")
        table.setDetail(["period", money("grants").name, money("debt_drawn").name, money("energy").name, money("staff_and_maintenance").name,
                         money("contract_revenue").name, money("sweep").name, money("locked_up").name,
                         money("interest").name, money("principal").name, money("reserve").name, money("lender_recovery").name])
        table.chart = Chart(.lines(.init(x: "year_end", panels: [.init([.init(money("cfads").name, label: "CFADS"), .init(money("debt_service").name, label: "debt service")])],
                                         facetBy: "site")),
                            title: "Does each site's cash flow cover its debt service, period by period (baseline)?",
                            caption: "Cash flow available for debt service (solid) and debt service (dashed) per period, EUR m, one panel per site.")
        return table
    }

    /// Each scenario run deterministically: one row per site.
    static func deterministic(_ report: StressReport) -> Table {
        var table = Table(name: "stress_deterministic", title: "Stress scenarios, deterministic run per site",
                          columns: [Column("scenario", .text), Column("site", .text), Column("min_dscr", .count),
                                    Column("covenant_breach_year", .years), Column("default_year", .years), Column("equity_irr", .fraction),
                                    money("project_npv"), money("capex"), money("lender_loss"), money("equity_loss")])
        for result in report.scenarios {
            for (site, run) in zip(report.model.sites, result.deterministic) {
                let year = { (y: Double?) -> Cell in y.map { .number($0) } ?? .empty }
                table.append([.text(result.scenario.id), .text(site.id), .number(run.minimumDSCR), year(run.covenantBreachYear),
                              year(run.defaultYear), .number(run.equityIRR), .number(run.projectNPV), .number(run.capexSpent),
                              .number(run.lenderLoss), .number(run.equityLoss)])
            }
        }
        table.notes.append("Years count from financial close to the end of the period. Default: cash + reserve below the debt service.")
        table.chart = Chart(.bars(.init([.init("min_dscr", label: "minimum DSCR")], label: ["scenario", "site"], colourBy: "site", references: covenant(report))),
                            title: "How low does each site's DSCR fall in each scenario (deterministic)?",
                            caption: "Minimum DSCR over the debt life per scenario and site; dashed line: the covenant.")
        return table
    }

    /// Monte Carlo statistics per scenario.
    static func monteCarlo(_ report: StressReport) -> Table {
        var table = Table(name: "stress_monte_carlo", title: "Stress scenarios, Monte Carlo (\(report.paths) paths, seed \(report.seed))",
                          columns: [Column("scenario", .text), Column("p_default", .fraction), Column("p_default_se", .fraction),
                                    Column("p_any_site_default", .fraction), Column("p_covenant_breach", .fraction),
                                    Column("dscr_p5", .count), Column("dscr_p50", .count), Column("dscr_p95", .count),
                                    Column("equity_irr_p5", .fraction), Column("equity_irr_p50", .fraction), Column("equity_irr_p95", .fraction),
                                    money("npv_mean"), money("npv_se"), money("public_loss"), money("private_loss"),
                                    money("public_commitment"), Column("public_multiplier", .multiple), Column("private_per_public", .multiple)])
        for result in report.scenarios {
            let s = result.statistics
            let irr = { (k: Int) -> Cell in s.equityIRR.count > k ? .number(s.equityIRR[k].value) : .empty }
            let (publicLoss, privateLoss) = split(s, report.model.lenders)
            table.append([.text(result.scenario.id), .number(s.defaultProbability.mean), .number(s.defaultProbability.standardError),
                          .number(s.anyDefault.probability), .number(s.breachProbability.mean),
                          .number(s.dscr[0].value), .number(s.dscr[1].value), .number(s.dscr[2].value), irr(0), irr(1), irr(2),
                          .number(s.npv.mean), .number(s.npv.standardError), .number(publicLoss), .number(privateLoss),
                          .number(s.publicCommitment), .number(s.publicMultiplier), .number(s.privatePerPublic)])
        }
        table.notes.append("p_default: mean over paths of the share of sites that default on their debt (payment default after the reserve); SE over paths.")
        table.notes.append("dscr: minimum DSCR of a site over its debt life; percentiles pooled over sites and paths. npv: per site.")
        table.notes.append("public_loss: the public first-loss tranche of the lenders' portfolio + public equity; private_loss: senior lenders + private equity (portfolio, mean).")
        table.notes.append("public_commitment: grants (or public equity) at close + the Union's offtake payments + the funded public first-loss tranche of the senior debt (f · V), all sites.")
        table.notes.append("public_multiplier: mean capex / public_commitment (the tool's total-investment multiplier, every public euro counted); private_per_public: (capex − public commitment) / public commitment.")
        table.notes.append("Same seed in every scenario (common random numbers): differences between scenarios come from the shocks, not from sampling.")
        table.setDetail(["equity_irr_p5", "equity_irr_p95", money("npv_se").name, "private_per_public"])
        table.chart = Chart(.tornado(.init(label: "scenario", .init("p_default", label: "P(default)", standardError: "p_default_se"), base: .init("scenario", ["baseline"]))),
                            title: "Which stress raises the probability of default most?",
                            caption: "Each scenario's probability of default (share of sites defaulting, Monte Carlo) against the baseline's, largest change first; whiskers ±2 standard errors.")
        return table
    }

    /// The DSCR fan chart: per scenario and period, DSCR percentiles among the site-paths servicing debt.
    static func dscrFan(_ report: StressReport) -> Table {
        var table = fanTable(name: "dscr_fan", title: "DSCR fan by period (Monte Carlo)", key: "scenario",
                             cases: report.scenarios.map { ($0.scenario.id, $0.statistics.dscrFan) }, report: report,
                             question: "How does the DSCR spread out over the debt's life, and when does it cross the covenant?",
                             caption: "Per scenario: the 5th–95th and 25th–75th percentile bands and the median of the DSCR among site-paths servicing debt, by year; dashed line: the covenant.")
        table.notes.append("Percentiles pooled over sites and paths that service debt in the period (share_serviced of them); defaulted, repaid and construction periods are left out.")
        return table
    }

    /// A DSCR fan table keyed by `key` (one block of rows per case, a row per period: the fan
    /// percentiles and the share of site-paths servicing debt), with its fan chart faceted by `key`.
    static func fanTable(name: String, title: String, key: String, cases: [(String, [DSCRFanPoint])], report: StressReport,
                         question: String, caption: String) -> Table {
        var table = Table(name: name, title: title,
                          columns: [Column(key, .text), Column("period", .count), Column("year_end", .years)]
                              + fanPercentiles.map { Column("dscr_p\(Int(($0 * 100).rounded()))", .count) }
                              + [Column("share_serviced", .fraction)])
        for (id, fan) in cases {
            for point in fan {
                table.append([.text(id), .integer(point.period), .number(point.yearEnd)]
                             + point.percentiles.map { .number($0.value) } + [.number(point.serviced.probability)])
            }
        }
        table.setDetail(["period"])
        table.chart = Chart(.fan(.init(x: "year_end", facetBy: key, outer: ("dscr_p5", "dscr_p95"), inner: ("dscr_p25", "dscr_p75"), median: "dscr_p50",
                                       references: covenant(report))),
                            title: question, caption: caption)
        return table
    }

    /// Per site and scenario: P(default), P(covenant breach) and the lenders' expected loss.
    static func sites(_ report: StressReport) -> Table {
        var table = Table(name: "stress_sites", title: "Stress scenarios, Monte Carlo per site",
                          columns: [Column("scenario", .text), Column("site", .text), Column("p_default", .fraction),
                                    Column("p_default_se", .fraction), Column("p_covenant_breach", .fraction),
                                    money("lender_loss"), money("lender_loss_se"), money("debt")])
        for result in report.scenarios {
            let s = result.statistics
            for (k, site) in report.model.sites.enumerated() {
                let debt = result.deterministic[k].debtCommitted
                table.append([.text(result.scenario.id), .text(site.id), .number(s.siteDefault[k].probability),
                              .number(s.siteDefault[k].standardError), .number(s.siteBreach[k].probability),
                              .number(s.siteLenderLoss[k].mean), .number(s.siteLenderLoss[k].standardError), .number(debt)])
            }
        }
        table.notes.append("debt: committed senior debt D = gearing · base capex (gearing sized, see debt_sizing), the site's share of the lenders' portfolio volume.")
        table.chart = Chart(.bars(.init([.init("p_default", label: "P(default)", standardError: "p_default_se")], label: ["scenario", "site"], colourBy: "site")),
                            title: "Which sites default, in which scenario?",
                            caption: "Probability that each site defaults on its debt, per scenario (Monte Carlo); whiskers ±2 standard errors.")
        return table
    }

    static func split(_ s: StressStatistics, _ lenders: LenderStructure) -> (Double, Double) {
        var publicLoss = s.publicEquityLoss.mean, privateLoss = s.privateEquityLoss.mean
        for (holder, loss) in s.holderLosses {
            if holder == lenders.publicHolder { publicLoss += loss.mean } else { privateLoss += loss.mean }
        }
        return (publicLoss, privateLoss)
    }

    /// Holders' mean losses per scenario, with standard errors.
    static func holders(_ report: StressReport) -> Table {
        var table = Table(name: "stress_holders", title: "Losses by holder (portfolio of all sites, Monte Carlo mean)",
                          columns: [Column("scenario", .text), Column("holder", .text), Column("instrument", .text),
                                    money("expected_loss"), money("expected_loss_se"), money("exposure")])
        for result in report.scenarios {
            let s = result.statistics
            let lenders = report.model.lenders
            for (holder, loss) in s.holderLosses {
                let isPublic = holder == lenders.publicHolder
                let exposure = isPublic ? lenders.firstLoss * s.volume : (1 - lenders.firstLoss) * s.volume
                table.append([.text(result.scenario.id), .text(holder), .text(isPublic ? "first-loss tranche" : "senior tranche"),
                              .number(loss.mean), .number(loss.standardError), .number(exposure)])
            }
            table.append([.text(result.scenario.id), "public equity", "equity", .number(s.publicEquityLoss.mean),
                          .number(s.publicEquityLoss.standardError), .empty])
            table.append([.text(result.scenario.id), "private equity", "equity", .number(s.privateEquityLoss.mean),
                          .number(s.privateEquityLoss.standardError), .empty])
            table.append([.text(result.scenario.id), "public grants", "grant (cost, not a loss)", .empty, .empty, .number(s.publicMoney)])
            if s.offtake > 0 {
                table.append([.text(result.scenario.id), "Union offtake", "purchase of access time (cost, not a loss)", .empty, .empty, .number(s.offtake)])
            }
        }
        table.notes.append("Lenders' losses per path are split by RiskSharing's waterfall: tranche loss = min(max(L − a, 0), d − a)·V, V = committed senior debt.")
        table.notes.append("Equity loss = max(0, paid in − received), nominal; public equity holds its share of every equity flow.")
        table.chart = Chart(.stacked(.init(category: "scenario", segment: "holder", value: money("expected_loss").name, colourBy: "holder",
                                           omit: [.init("holder", ["public grants"])])),
                            title: "Who bears the losses in each scenario?",
                            caption: "Mean loss per holder (lenders' tranches and equity), stacked per scenario, EUR m; public grants are a cost, not a loss, and are not drawn.")
        return table
    }

    /// The senior debt of each site: sized to a target DSCR on the sponsor case, the P50 and the
    /// P90 of the simulated CFADS (the rule's own basis marked `used`), or the gearing given.
    static func debtSizing(_ report: StressReport) -> Table {
        var table = Table(name: "debt_sizing", title: "Senior debt sizing by site (at financial close)",
                          columns: [Column("site", .text), Column("basis", .text), Column("used", .boolean), Column("target_dscr", .count),
                                    Column("cfads_haircut", .fraction), money("sizing_case_cfads"), Column("dscr_sized_gearing", .fraction),
                                    Column("maximum_gearing", .fraction), Column("gearing", .fraction), money("debt_at_cod"),
                                    Column("binding", .text), Column("base_case_min_dscr", .count)])
        guard let baseline = report.scenarios.first else { return table }
        for (k, (site, run)) in zip(report.model.sites, baseline.deterministic).enumerated() {
            let p = site.parameters
            guard let rule = p.funding.debt.sizing else {
                table.append([.text(site.id), "gearing given", .bool(true), .empty, .empty, .empty, .empty, .number(p.funding.debt.gearing),
                              .number(p.funding.debt.gearing), .number(run.debtAtCOD), "input", .number(run.minimumDSCR)])
                continue
            }
            let cases = k < report.sizingCases.count ? report.sizingCases[k] : nil
            for basis in SizingBasis.allCases {
                let sizingCase: [Double]
                if basis == .sponsorCase {
                    sizingCase = ProjectModel.plannedCFADS(p).map { $0 * (1 - rule.cfadsHaircut) }
                } else if let c = cases?.sizingCase(basis) {
                    sizingCase = c
                } else { continue }
                let alternative = DebtSizing(targetDSCR: rule.targetDSCR, cfadsHaircut: rule.cfadsHaircut, basis: basis)
                guard let s = DebtSizer.size(p, rule: alternative, sizingCase: sizingCase) else { continue }
                let used = basis == rule.basis
                table.append([.text(site.id), .text(basis.rawValue), .bool(used), .number(rule.targetDSCR),
                              basis == .sponsorCase ? .number(rule.cfadsHaircut) : .empty, .number(sizingCase.reduce(0, +)),
                              .number(s.dscrSizedGearing), .number(s.maximumGearing), .number(s.gearing),
                              used ? .number(run.debtAtCOD) : .number(s.gearing > 0 ? s.dscrSizedDebtAtCOD * s.gearing / max(s.dscrSizedGearing, .leastNormalMagnitude) : 0),
                              .text(s.dscrBinds ? "target DSCR" : "maximum gearing"), used ? .number(run.minimumDSCR) : .empty])
            }
        }
        table.notes.append("Lenders size the debt to the smaller of the DSCR-sized amount (the sizing case's CFADS over the target DSCR, discounted at the loan rate; Yescombe 2014, §12.3) and the maximum gearing; gearing is then an output. The sizing is done once at financial close; stresses do not resize it. used: the model's own basis, the debt every other table runs with.")
        let paths = report.sizingCases.first?.paths ?? 0
        table.notes.append("Bases: sponsor_case = the planned CFADS less the haircut; p50 / p90 = per period, the median / 10th percentile of the simulated unlevered CFADS over \(paths) paths drawn independently of the evaluation (seed + 0x9E3779B97F4A7C15). The percentile is taken period by period, not of the NPV of the CFADS: a P90 level in every period, like the lenders' one-year P90 case, more conservative than the P90 of the NPV. sizing_case_cfads: the case's CFADS summed over the tenor.")
        return table
    }

    /// The results over the EST inputs' calibration ranges: one input at a time at its low and
    /// high end (a tornado on P(default)), then every input at its adverse and favourable end.
    static func calibrationRanges(_ report: StressReport) -> Table {
        var table = Table(name: "est_ranges", title: "Results over the EST inputs' low / base / high (Monte Carlo, \(report.rangePaths) paths, seed \(report.seed))",
                          columns: [Column("case", .text), Column("input", .text), Column("level", .text), Column("values", .text),
                                    Column("p_default", .fraction), Column("p_default_se", .fraction), Column("equity_irr_p50", .fraction),
                                    Column("min_dscr_p50", .count), Column("sized_gearing", .fraction), money("lender_loss"), money("lender_loss_se")])
        for r in report.ranges {
            let name: String
            switch r.label {
            case "base", "adverse", "favourable": name = r.label
            default: name = "\(r.label) \(r.level.rawValue)"
            }
            let distinct = r.values.reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
            let values = distinct.map { String(format: "%g", $0) }.joined(separator: " / ")
            table.append([.text(name), .text(r.input?.rawValue ?? "all"), .text(r.label == "base" ? "base" : r.level.rawValue), .text(values),
                          .number(r.defaultProbability.mean), .number(r.defaultProbability.standardError), .number(r.equityIRRMedian),
                          r.minimumDSCRMedian.map { .number($0) } ?? .empty, .number(r.gearing), .number(r.lenderLoss.mean), .number(r.lenderLoss.standardError)])
        }
        table.notes.append("One input at a time at the low / high end of its range (Models/SOURCES.md), every site at its own range; the debt is resized at financial close in every case (gearing is an output); the same seed in every case (common random numbers), so differences come from the input, not from sampling.")
        table.notes.append("adverse / favourable: every input at once at the end that lowered / raised the median equity IRR when moved alone (the debt is resized in every case, so an adverse input can shrink the debt and with it P(default): read p_default with sized_gearing and lender_loss). p_default: share of sites defaulting, mean over paths ± SE; equity_irr_p50 and min_dscr_p50: medians pooled over sites and paths; sized_gearing: committed debt / base capex, all sites.")
        let negligible = report.ranges.filter { $0.minimumDSCRMedian == nil }.count
        table.notes.append(String(format: "min_dscr_p50 is empty (null in JSON) where the sized gearing is below %g %% of capex or the median is not finite (%d of %d rows): a cover ratio of (almost) no debt service says nothing about the debt.",
                                  100 * CalibrationStudy.negligibleGearing, negligible, report.ranges.count))
        table.setDetail(["input", "level", money("lender_loss").name, money("lender_loss_se").name])
        table.chart = Chart(.tornado(.init(label: "case", .init("p_default", label: "P(default)", standardError: "p_default_se"), base: .init("case", ["base"]),
                                           pairBy: "input", end: "level")),
                            title: "Which estimated input moves the probability of default most?",
                            caption: "One row per EST input: P(default) with the input at the low and at the high end of its range (one at a time, debt resized, common random numbers) as two bars from the base (black line), largest span first; the row `all` moves every input at once to its adverse (low) and favourable (high) end; whiskers ±2 standard errors.")
        return table
    }

    /// The funding structures a funder compares, on the baseline (same seed).
    static func structures(_ report: StressReport) -> Table {
        var table = Table(name: "funding_structures", title: "Funding structures compared (baseline, Monte Carlo, all sites)",
                          columns: [Column("structure", .text), Column("description", .text), Column("p_default", .fraction),
                                    Column("p_default_se", .fraction), money("lender_loss"), money("lender_loss_se"),
                                    money("public_lender_loss"), money("private_lender_loss"), money("private_lender_loss_se"),
                                    money("grants"), money("offtake"), money("credit_commitment"), money("public_cost"),
                                    money("access_value"), money("net_public_cost"), Column("public_gpu_hours_m", .count),
                                    Column("cost_per_public_gpu_hour_eur", .count), Column("equity_irr_p50", .fraction),
                                    Column("public_multiplier", .multiple), money("union_contribution"), money("reimbursable_financing"),
                                    Column("eu_leverage_effect", .multiple), Column("eu_multiplier_effect", .multiple)])
        for r in report.structures {
            table.append([.text(r.structure.rawValue), .text(r.structure.label), .number(r.defaultProbability.mean),
                          .number(r.defaultProbability.standardError), .number(r.lenderLoss.mean), .number(r.lenderLoss.standardError),
                          .number(r.publicLenderLoss.mean), .number(r.privateLenderLoss.mean), .number(r.privateLenderLoss.standardError),
                          .number(r.grants), .number(r.offtake), .number(r.creditCommitment), .number(r.publicCost),
                          .number(r.accessValue), .number(r.netPublicCost), .number(r.publicGPUHours / 1e6),
                          .number(r.costPerPublicGPUHour), .number(r.equityIRRMedian), .number(r.publicMultiplier),
                          .number(r.unionContribution), .number(r.reimbursableFinancing), .number(r.leverageEffect), .number(r.multiplierEffect)])
        }
        table.notes.append("Same sites, drivers and seed for every structure (common random numbers); only the public side's terms change.")
        table.notes.append("public_cost = grants + offtake + the expected loss the public side bears on the senior debt (first-loss tranche or guarantee calls); net_public_cost subtracts access_value, the market value of the public GPU-hours (base-case price and utilisation) over the access years.")
        table.notes.append("credit_commitment: the funded first-loss tranche f · V, or the guaranteed amount g · V (unfunded); public_multiplier = capex / (grants + offtake + credit_commitment), the tool's total-investment multiplier.")
        table.notes.append("equity_irr_p50: median private equity IRR pooled over sites and paths.")
        table.notes.append("EU definitions (Financial Regulation (EU, Euratom) 2018/1046, Art. 2, recast 2024/2509): eu_leverage_effect = reimbursable financing provided (the senior debt V, the EU's first-loss tranche included) / Union contribution; eu_multiplier_effect = investment (capex) / Union contribution. union_contribution counts the EU budget only: the EU grants, the Union's offtake, the EU's first-loss tranche f · V, or the EU guarantee at its amount g · V; Member-State money is not a Union contribution.")
        return table
    }

    /// The DSCR fan of each funding structure (baseline, the same draws).
    static func structureFan(_ report: StressReport) -> Table {
        var table = fanTable(name: "structure_dscr_fan", title: "DSCR fan by period per funding structure (baseline, Monte Carlo)", key: "structure",
                             cases: report.structures.map { ($0.structure.rawValue, $0.dscrFan) }, report: report,
                             question: "How does each funding structure change the DSCR over the debt's life?",
                             caption: "Per funding structure (baseline drivers, same draws): the 5th–95th and 25th–75th percentile bands and the median of the DSCR among site-paths servicing debt, by year; dashed line: the covenant.")
        table.notes.append("Percentiles pooled over sites and paths that service debt in the period (share_serviced of them), as in dscr_fan; each structure's debt is sized on its own CFADS.")
        table.notes.append("Credit support (the first-loss tranche, the guarantee) moves losses between lenders, not the project's cash: those fans are the merchant one. The Union's offtake changes the CFADS and so the debt sized on it.")
        return table
    }

    /// The funding-gap check per site.
    static func fundingGap(_ report: StressReport) -> Table {
        var table = Table(name: "funding_gap", title: "Funding gap: the aid against the project's NPV without aid (base case)",
                          columns: [Column("site", .text), money("npv_without_aid"), money("funding_gap"), money("aid_pv"),
                                    money("npv_with_terms"), money("access_cost_pv"), money("net_aid_pv"), Column("net_aid_exceeds_gap", .boolean)])
        for g in report.fundingGaps {
            table.append([.text(g.site), .number(g.npvWithoutAid), .number(g.gap), .number(g.aid), .number(g.npvWithTerms),
                          .number(g.accessCost), .number(g.netAid), .bool(g.aidExceedsGap)])
        }
        let rate = report.model.sites.first?.parameters.timeline.discountRate ?? 0
        table.notes.append(String(format: "NPVs of the unlevered project at the model's discount rate (%.1f %%), flows dated mid-period. npv_without_aid sells every GPU-hour (no access carve-out, no grant); funding_gap = max(0, −npv_without_aid).", 100 * rate))
        table.notes.append("aid_pv: the present value of the grants at close and the Union's offtake payments; npv_with_terms: the project under the regulation's terms, grants not counted.")
        table.notes.append("access_cost_pv: the sales given up for the public access time (npv_without_aid − npv_with_terms + the offtake's PV); net_aid_pv = aid_pv − access_cost_pv. Net aid above the gap signals overcompensation (the tool's check in the spirit of the state-aid funding-gap method, not a legal test).")
        return table
    }

    /// The probabilistic reverse stress: the design point of the covenant.
    static func designPoint(_ report: StressReport) -> Table {
        var table = Table(name: "reverse_stress_design_point",
                          title: "Probabilistic reverse stress: the most likely driver moves that break the covenant",
                          columns: [Column("driver", .text), Column("standard_deviations", .count), Column("shock", .count), Column("shock_unit", .text)])
        let d = report.designPoint, s = report.designShock
        let values: [(String, Double, String)] = [
            ("gpu_price", s.gpuPrice, "relative change"), ("electricity_price", s.electricityPrice, "relative change"),
            ("rate", s.rate, "added to the annual rate"), ("utilisation", s.utilisation, "added to utilisation"),
            ("capex_overrun", s.capexOverrun, "added share of base capex"), ("delay", s.delayYears, "years (floored at 0)")]
        for (k, v) in values.enumerated() {
            table.append([.text(v.0), .number(d.x[k]), .number(v.1), .text(v.2)])
        }
        table.notes.append(String(format: "β = %.3f standard deviations (Mahalanobis distance in the drivers' correlation); first-order probability Φ(−β) = %.4f; %@ after %d iterations (residual %.2e).",
                                  d.beta, d.probability, d.converged ? "converged" : "NOT converged", d.iterations, d.residual))
        table.notes.append("The design point minimises ‖z‖ subject to the lowest site's minimum DSCR = covenant, x = L z (Hasofer–Lind–Rackwitz–Fiessler iteration, FORM). The drivers' one-year moves (x · volatility) are applied as permanent level shocks: the tool's own convention. Φ(−β) is exact only for a limit state linear in the drivers; read it as an order of magnitude beside the Monte Carlo P(covenant breach).")
        return table
    }

    /// The shock found, for readers: "GPU-hour price −1.81 %", "interest rate +297 bp", "×0.34 ai_winter".
    static func readable(_ r: ReverseStressResult) -> String {
        guard let x = r.multiple else { return "none up to the maximum" }
        if x == 0 { return "already met" }
        func pct(_ v: Double) -> String { String(format: "%.2f %%", 100 * v) }
        switch r.direction.id {
        case "gpu_price": return "GPU-hour price −" + pct(x)
        case "price_decline": return String(format: "annual price decline +%.2f pp", 100 * x)
        case "utilisation": return String(format: "utilisation −%.2f pp", 100 * x)
        case "electricity_price": return "electricity price +" + pct(x)
        case "rate": return String(format: "interest rate +%.0f bp", 10_000 * x)
        case "capex_overrun": return "capex overrun +" + pct(x) + " of base capex"
        case "delay_years": return String(format: "delay of %.2f years", x)
        default: return String(format: "×%.3f the %@ shock", x, r.direction.id)
        }
    }

    /// The reverse stress test.
    static func reverse(_ report: StressReport) -> Table {
        var table = Table(name: "reverse_stress", title: "Reverse stress: the smallest shock that meets each criterion",
                          columns: [Column("criterion", .text), Column("direction", .text), Column("shock_readable", .text),
                                    Column("shock", .text), Column("bracket_lower", .text), Column("bracket_upper", .text),
                                    Column("tolerance", .text), Column("evaluations", .count), Column("result", .text),
                                    Column("shock_unit", .text)])
        for r in report.reverse {
            var cells: [Cell]
            switch r.outcome {
            case .found(let root): cells = [.number(root.value), .number(root.lower), .number(root.upper), .number(r.tolerance), .integer(r.evaluations), "found"]
            case .atZero: cells = [.number(0), .empty, .empty, .number(r.tolerance), .integer(r.evaluations), "met without shock"]
            case .notReached: cells = [.empty, .number(0), .number(r.direction.maximum), .number(r.tolerance), .integer(r.evaluations), "not met up to the maximum"]
            }
            table.append([.text(r.criterion.rawValue), .text(r.direction.id), .text(readable(r))] + cells + [.text(r.direction.unitName)])
        }
        table.notes.append("Deterministic model of all sites; bracketing by doubling from maximum/1024, then bisection to the tolerance (absolute, in the shock's unit).")
        table.notes.append("A delay moves the commercial operation date by exactly its length (chips age from the actual start); capex overruns are paid by equity up to the contingency, then by the lenders' standby facility, and beyond both they are a completion default (see cash_flows).")
        table.notes.append("covenant_breach: some site's DSCR < covenant; payment_default: some site's cash + reserve < debt service; first_loss_wiped_out: lenders' loss ≥ the public first-loss tranche.")
        table.setDetail(["shock", "bracket_lower", "bracket_upper", "tolerance", "evaluations", "shock_unit"])
        return table
    }
}
