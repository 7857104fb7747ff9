import RiskSharing

extension StressModel {
    /// The periods of one site's run under `shock`: construction (with the planned and the
    /// shocked delay) plus operation, times periods a year; computed in floating point, so a
    /// hostile duration gives a huge number rather than a trap.
    func periods(_ site: Site, _ shock: Shock) -> Double {
        let t = site.parameters.timeline
        let years = t.constructionYears + max(site.parameters.capex.delayYears, 0) + max(shock.delayYears, 0) + t.operatingYears
        return max(years, 0) * Double(t.periodsPerYear)
    }

    /// The resources of `StressTest.run(_:scenarioIDs:paths:seed:threads:progress:)` over
    /// `scenarios` (the baseline included) with `paths` paths on `threads` workers.
    ///
    /// Memory: the report keeps every scenario's outcomes, one ``SiteOutcome`` per path and site
    /// (about 160 bytes with its array header) and its DSCR path (8 bytes a period); the
    /// statistics pool the DSCRs of a period over paths and sites (8 bytes each) while a
    /// scenario is summarised. Time: one cash-flow period per site, path and scenario at
    /// `Throughput/sitePeriodsPerSecond` per thread, plus the deterministic runs and the
    /// reverse-stress searches (negligible beside the Monte Carlo).
    public func resourceEstimate(scenarios: [StressScenario], paths: Int, threads: Int) -> ResourceEstimate {
        let p = Double(paths), workers = Double(max(1, threads))
        var bytes = ResourceEstimate.baseBytes, seconds = 0.0, largest = 0.0
        for scenario in scenarios {
            var sitePeriods = 0.0
            for site in sites {
                let n = periods(site, scenario.shock)
                sitePeriods += n
                bytes += p * (160 + 8 * n)
            }
            largest = max(largest, p * Double(sites.count) * 8)
            seconds += p * sitePeriods / (Throughput.sitePeriodsPerSecond * workers)
        }
        return ResourceEstimate(bytes: bytes + largest, seconds: seconds)
    }
}
