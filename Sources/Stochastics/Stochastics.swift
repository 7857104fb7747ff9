/// Stochastics: counter-based random streams, distributions and estimators with standard errors.
///
/// - ``Philox4x64`` / ``RandomStream``: Philox4x64-10 (Salmon et al. 2011) keyed by the seed;
///   a stream is identified by its counter words, so parallel work is reproducible by
///   construction. ``uniformOpen(_:)`` gives 53-bit uniforms in (0, 1).
/// - ``Normal`` (Φ via erfc, Φ⁻¹ by Wichura's AS241), ``StudentT`` (via the regularized
///   incomplete beta in ``SpecialFunctions``).
/// - Samplers on `RandomStream`: `nextNormal`, `nextGamma` (Marsaglia–Tsang), `nextChiSquare`,
///   `nextBeta`, `nextBinomial` (inversion / Hörmann's BTRD, exact for any n).
/// - ``SampleStatistics``: ``MeanEstimate``, ``QuantileEstimate`` (exact binomial order-statistic
///   interval), ``ShortfallEstimate``, ``ProbabilityEstimate``.
///
/// No global mutable state anywhere.
enum StochasticsModule {}
