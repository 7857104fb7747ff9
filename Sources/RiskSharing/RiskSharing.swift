/// RiskSharing: who loses what, with what probability, when a co-invested loan portfolio goes bad.
///
/// Model → engine → report:
///
///     let portfolio = Portfolio(exposures: [...], pools: [...],
///                               dependence: try .factors(rows: sigmaRows, repair: .none),
///                               copula: .gaussian)
///     let structure = RiskSharingStructure(
///         tranches: [Tranche(name: "first loss", attachment: 0, detachment: 0.05, holder: "Member State"),
///                    Tranche(name: "senior", attachment: 0.05, detachment: 1, holder: "private investors")],
///         guarantees: [Guarantee(name: "InvestEU", rate: 0.5, cap: 0.02, covers: .tranche("first loss"),
///                                guarantor: "EU", budgetProvision: 20)])
///     let report = try simulate(portfolio: portfolio, structure: structure,
///                               settings: SimulationSettings(paths: 200_000, seed: 42)) { done, total in … }
///
/// - Model: ``Exposure``, ``HomogeneousPool``, ``LossGivenDefault``, ``Dependence``,
///   ``CorrelationRepair``, ``Copula``, ``Portfolio``; errors ``RiskModelError``.
/// - Risk sharing: ``Tranche``, ``Guarantee``, ``GuaranteeCoverage``, ``RiskSharingStructure``,
///   ``Waterfall`` / ``Allocation`` (the per-path allocation, usable on its own).
/// - Engine: ``simulate(portfolio:structure:settings:progress:)``, ``SimulationSettings``,
///   ``DefaultTest``, ``DefaultTable``.
/// - Results: ``SimulationReport`` with ``LossSummary``, ``TrancheReport``, ``HolderReport``,
///   ``GuaranteeReport``, ``HistogramBucket``, ``LossDistribution``, ``DependenceReport``.
///
/// Validation (RiskSharingTests): the Vasicek large-portfolio limit, conditional-binomial and
/// Student-t quadrature, the binomial distribution, pools vs loans, hand-computed waterfalls,
/// bit-identical results on 1, 2 and 8 threads.
enum RiskSharingModule {}
