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

    /// The runs of the range study over `rangePaths` paths: 2 per input with a range (its low and
    /// high end) + 3 (the base, the adverse and the favourable corner); none without ranges or paths.
    public func rangeRuns(rangePaths: Int) -> Int {
        ranges.isEmpty || rangePaths <= 0 ? 0 : 2 * CalibrationStudy.inputs(ranges).count + 3
    }

    /// The resources of `StressTest.run(_:scenarioIDs:paths:seed:threads:reverseTolerance:rangePaths:progress:)`
    /// over `scenarios` (the baseline included) with `paths` paths on `threads` workers, and a
    /// range study of ``rangeRuns(rangePaths:)`` runs of `rangePaths` paths each.
    ///
    /// Memory: the report keeps every scenario's outcomes, one ``SiteOutcome`` per path and site
    /// (about 160 bytes with its array header) and its DSCR path (8 bytes a period); the
    /// statistics pool the DSCRs of a period over paths and sites (8 bytes each) while a
    /// scenario is summarised. A range run holds the same for its own paths, plus its sizing
    /// case's CFADS (8 bytes a period, site and sizing path), only while it runs: the largest
    /// transient block counts once. Time: one cash-flow period per site, path and scenario at
    /// `Throughput/sitePeriodsPerSecond` per thread; each range run adds its baseline simulation
    /// and its debt sizing on min(`rangePaths`, ``StressTest/sizingPaths``) paths of the
    /// baseline's periods. The debt sizing at close (min(`paths`, ``StressTest/sizingPaths``)
    /// paths) and every funding structure (``FundingStructure``: its own sizing and a baseline
    /// simulation of `paths` paths, its outcomes and two loss samples of 8 bytes a path held
    /// while it runs) are counted the same way; the deterministic runs and the reverse-stress
    /// searches (one cash-flow run per step, no paths) are not.
    public func resourceEstimate(scenarios: [StressScenario], paths: Int, threads: Int, rangePaths: Int = 0) -> ResourceEstimate {
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
        // The sizing at close and the funding structures, each over the baseline's periods.
        var baseSitePeriods = 0.0, baseKept = 0.0
        for site in sites {
            let n = periods(site, .none)
            baseSitePeriods += n
            baseKept += 160 + 8 * n
        }
        let closeSizing = Double(min(paths, StressTest.sizingPaths))
        let structures = Double(FundingStructure.allCases.count)
        seconds += (closeSizing + structures * (closeSizing + p)) * baseSitePeriods / (Throughput.sitePeriodsPerSecond * workers)
        largest = max(largest, p * baseKept + p * Double(sites.count) * 8 + 16 * p + closeSizing * 8 * baseSitePeriods)
        let runs = Double(rangeRuns(rangePaths: rangePaths))
        if runs > 0 {
            let r = Double(rangePaths), sizing = Double(min(rangePaths, StressTest.sizingPaths))
            var sitePeriods = 0.0, kept = 0.0
            for site in sites {
                let n = periods(site, .none)
                sitePeriods += n
                kept += 160 + 8 * n
            }
            largest = max(largest, r * kept + r * Double(sites.count) * 8 + sizing * 8 * sitePeriods)
            seconds += runs * (r + sizing) * sitePeriods / (Throughput.sitePeriodsPerSecond * workers)
        }
        return ResourceEstimate(bytes: bytes + largest, seconds: seconds)
    }
}
