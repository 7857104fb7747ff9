// ProjectFinance: the cash flows of an AI gigafactory, their stress test and reverse stress test.
//
// A gigafactory is not a loan with a given PD: it defaults when its cash flows cannot serve its
// debt. This module models that and feeds the correlated defaults of several sites into the
// RiskSharing waterfall.
//
// Layers (data flows one way):
//   ProjectParameters ─ ProjectModel.run(_, drivers:) ─▶ ProjectRun (waterfall rows, DSCR, IRR, NPV, losses)
//   DriverModel ─ DriverSampler (Philox streams per (seed, path, market|site)) ─▶ DriverPath per site
//   ProjectSimulation.run ─▶ SimulationOutcomes (path × site) ─ StressStatistics (RiskSharing.Waterfall) ─▶ tables
//   Shock / StressScenario / StressModel ─ StressTest.run ─▶ StressReport; ReverseStress.search ─▶ λ* with its bracket
//   DebtSizer (target DSCR on a haircut base case) · StructureComparison (merchant, offtake, first loss,
//   guarantee; funding gap) · DesignPointSearch (FORM design point of the covenant)
//
// Conventions
// - Money in EUR m; GPU prices in USD, converted with an explicit USD-per-EUR rate.
// - Rates and shares are fractions; rates are annual: interest per period = rate/m (nominal),
//   discounting and IRR effective annual: (1 + r)^(−t/m), IRR = (1 + ρ)^m − 1.
// - Time: construction over [0, COD], COD = planned + delay (any fraction); operating periods run
//   from the actual COD; interest per period (1 + r)^(1/m) − 1; revenue uses the exact mean of the
//   declining price over each period; flows are dated mid-period for NPV and IRR, so results
//   converge as periods shorten (tested for m = 1, 4, 12). Reserves in months of debt service.
// - Default = payment default: CFADS + debt-service reserve < scheduled debt service. A DSCR below
//   the covenant is a breach, reported separately (no lock-up or cash sweep: with one, default is
//   no longer monotone in costs path by path — see ProjectModel).
// - Lenders' loss at default = min(D, claim − recoveries), recoveries = cash at default + PV at the
//   loan rate of the positive CFADS until the end of the installed chips' life.
// - Determinism: path p draws from RandomStream(seed, (p, 0, 0)) (market) and (p, 1 + s, 0)
//   (site s), 3 normals per period by inversion; the one-off drivers (rate, overrun, delay) come
//   from the first period's correlated innovations; results do not depend on the thread count.
//   With every volatility 0 a Monte Carlo path equals the deterministic run bit for bit.
//
// References: annuity and NPV/IRR, e.g. Brealey, Myers & Allen, *Principles of Corporate
// Finance*, ch. 2–5; DSCR, reserves and sculpting, Yescombe, *Principles of Project Finance*
// (2nd ed., 2014), ch. 12–14; Ornstein–Uhlenbeck transition, Vasicek (1977); Brent's method,
// Brent (1973), ch. 4; tranche losses min(max(L − a, 0), d − a)·V, see RiskSharing.Waterfall.
// Terms: Council Regulation (EU) 2026/150, Art. 12b — the Union's share on the computing
// infrastructure's capex (§5), public access time in proportion to the contributions (§§12, 13,
// 15(b)) or the Union's offtake (§5). Figures: Models/gigafactory.yaml cites a source for each default.
