#!/usr/bin/env python3
"""Writes the notebooks in this folder from the cell sources below (outputs stripped).

Edit the cells here and rerun `python3 Notebooks/build_notebooks.py`; the notebooks are run
headless by the test suite (Notebooks/run_notebooks.py), which fails when any cell fails.
"""
import pathlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = pathlib.Path(__file__).resolve().parent

SETUP = """import matplotlib.pyplot as plt
import numpy as np
import leverage_tools as lt   # pip install ./python (scripts/setup.sh does it)"""

NOTEBOOKS = {
    "investai-capital-stack.ipynb": [
        new_markdown_cell("""# The InvestAI capital stack

Who puts how much into InvestAI and one AI gigafactory, and what each euro of EU money mobilises.
The figures are computed by `leverage run` from `Models/investai.yaml` and `Models/gigafactory.yaml`
(every input cites its source there)."""),
        new_code_cell(SETUP),
        new_code_cell("""investai = lt.run("investai")
gigafactory = lt.run("gigafactory")
print(investai.manifest["model"]["name"], investai.manifest["model"]["sha256"][:12], investai["contributions"].attrs["units"]["amount_eur_bn"])
investai["contributions"]"""),
        new_code_cell("""# The headline: 50 bn EU + 150 bn private = 200 bn, ×4 on EU money (checked, so a wrong model fails here).
c = investai["contributions"]
total = c.loc[c.contributor == "total", "amount_eur_bn"].item()
m = investai["multipliers"].set_index("multiplier")["value"]
assert abs(total - 200) < 1e-9 and abs(m["total / EU budget"] - 4) < 1e-12
m"""),
        new_code_cell("""# Capital stacks by source, side by side (EUR bn; the gigafactory is one site).
colours = {"eu_budget": "#0072B2", "member_state": "#56B4E9", "eib_group": "#009E73", "other_public": "#CC79A7", "private": "#E69F00"}
by_source = [(stack, df) for tables in (investai, gigafactory) for stack, df in tables["by_source"].groupby("stack", sort=False)]
fig, axes = plt.subplots(len(by_source), 1, figsize=(8, 1.2 + 1.1 * len(by_source)))
for ax, (stack, df) in zip(np.atleast_1d(axes), by_source):
    left = 0.0
    for _, row in df[df.source != "public"].iterrows():
        ax.barh(0, row.amount_eur_bn, left=left, color=colours[row.source], label=row.source)
        ax.text(left + row.amount_eur_bn / 2, 0, f"{row.amount_eur_bn:.2f}", ha="center", va="center", fontsize=8)
        left += row.amount_eur_bn
    ax.set_yticks([]); ax.set_ylabel(stack, rotation=0, ha="right", va="center"); ax.set_xlabel("EUR bn")
legend = {}
for ax in np.atleast_1d(axes):
    for handle, label in zip(*ax.get_legend_handles_labels()):
        legend.setdefault(label, handle)
fig.legend(legend.values(), legend.keys(), loc="upper right", fontsize=8)
fig.suptitle("Capital stacks by source"); fig.tight_layout()
plt.show()"""),
        new_code_cell("""# What one euro of public money mobilises, per stack.
mult = gigafactory["multipliers"]
pivot = mult.pivot(index="scope", columns="multiplier", values="value")
ax = pivot.plot.barh(figsize=(8, 3))
ax.set_xlabel("multiple (×)"); ax.set_title("Gigafactory multipliers: EU share capped, host state matching")
plt.tight_layout(); plt.show()
pivot"""),
    ],
    "leverage-vs-cover.ipynb": [
        new_markdown_cell("""# Leverage against risk cover

How much private money a public first loss mobilises on the InvestAI risk-sharing portfolio, what it
costs the public budget, and where the private investors' constraints start to hold — baseline and
under the model's credit stress. One simulation of the portfolio serves every cover (`leverage sweep`)."""),
        new_code_cell(SETUP),
        new_code_cell("""t = lt.sweep("investai-risk-sharing", cover={"first-loss": (0.02, 0.40, 0.02)}, paths=20_000)
sweep = t["sweep"]
print(t.manifest["parameters"]["paths"], t.manifest["parameters"]["seed"], t.manifest["arguments"][:3])
sweep[["scenario", "first_loss", "leverage", "public_cost_per_euro_mobilised", "private_expected_loss_rate", "private_loss_probability", "all_constraints_hold"]].head(12)"""),
        new_code_cell("""# Leverage = 1 / first loss here (no guarantee): a check that fails if the accounting changes.
assert np.allclose(sweep.leverage, 1 / sweep.first_loss)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for scenario, df in sweep.groupby("scenario", sort=False):
    ok = df.all_constraints_hold.isin([True, "yes"])   # a boolean column (or yes/no text from older versions)
    ax1.plot(100 * df.first_loss, df.leverage, label=scenario)
    ax1.scatter(100 * df.first_loss[ok], df.leverage[ok], s=12)
    cost, se = 100 * df.public_cost_per_euro_mobilised, 100 * df.public_cost_per_euro_mobilised_se
    ax2.errorbar(100 * df.first_loss, cost, yerr=2 * se, label=scenario, capsize=2)
ax1.set_xlabel("public first loss (% of the portfolio)"); ax1.set_ylabel("leverage (×)"); ax1.set_yscale("log")
ax1.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"×{y:g}")); ax1.yaxis.set_minor_formatter(plt.NullFormatter())
ax1.set_title("Leverage (dots: investors' constraints hold)"); ax1.legend()
ax2.set_xlabel("public first loss (% of the portfolio)"); ax2.set_ylabel("public expected loss per euro mobilised (%)")
ax2.set_title("Public cost (±2 SE)"); ax2.legend()
plt.tight_layout(); plt.show()"""),
        new_code_cell("""# The answer analysts ask for: minimum first loss and maximum leverage, with their Monte Carlo bands.
solved = lt.solve("investai-risk-sharing", paths=20_000)
s = solved["solution"]
assert (s.cover_lower <= s.cover).all() and (s.cover <= s.cover_upper).all() and (s.solved_for == "first-loss").all()
s[["scenario", "binding_constraint", "cover", "cover_lower", "cover_upper", "leverage", "leverage_lower", "leverage_upper"]]"""),
        new_code_cell("""solved.get("stress_effect")"""),
    ],
    "loss-distributions.ipynb": [
        new_markdown_cell("""# Who loses what: loss distributions per holder

`leverage simulate` on the InvestAI risk-sharing portfolio: the EU's first loss and the private
senior tranche — expected loss, value at risk and expected shortfall with their uncertainty."""),
        new_code_cell(SETUP),
        new_code_cell("""t = lt.simulate("investai-risk-sharing", paths=50_000)
holders, portfolio, histogram = t["holders"], t["portfolio_loss"], t["loss_distribution"]
portfolio"""),
        new_code_cell("""# The estimated expected loss sits within 4 standard errors of the exact Σ EAD·PD·E[LGD].
exact = portfolio.loc[portfolio.statistic == "expected loss (exact)", "amount_eur_m"].item()
est = portfolio.loc[portfolio.statistic == "expected loss"].iloc[0]
assert abs(est.amount_eur_m - exact) <= 4 * est.standard_error_eur_m, (est.amount_eur_m, exact)
# Holders' expected losses add up to the portfolio's.
el = holders[holders.statistic == "expected loss"]
assert abs(el.amount_eur_m.sum() - est.amount_eur_m) < 1e-6 * est.amount_eur_m
el"""),
        new_code_cell("""fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
var = holders[holders.statistic == "value at risk"]
for i, (holder, df) in enumerate(var.groupby("holder", sort=False)):
    x = np.arange(len(df)) + 0.4 * i
    ax1.bar(x, df.amount_eur_m, width=0.4, label=holder,
            yerr=[df.amount_eur_m - df.ci_lower_eur_m, df.ci_upper_eur_m - df.amount_eur_m], capsize=2)
ax1.set_xticks(np.arange(len(df)) + 0.2, [f"{100 * l:g} %" for l in df.level])
ax1.set_ylabel("loss (EUR m)"); ax1.set_title("Value at risk per holder (95 % CI)"); ax1.legend()
mid = 100 * (histogram.loss_from + histogram.loss_to) / 2
ax2.bar(mid, histogram.probability, width=100 * (histogram.loss_to - histogram.loss_from), yerr=2 * histogram.standard_error, capsize=1)
ax2.set_yscale("log"); ax2.set_xlabel("portfolio loss (% of volume)"); ax2.set_ylabel("probability")
ax2.set_title("Portfolio loss distribution (±2 SE)")
plt.tight_layout(); plt.show()"""),
    ],
    "gigafactory-stress.ipynb": [
        new_markdown_cell("""# Does a gigafactory's financing survive the shocks?

`leverage stress` on `Models/gigafactory.yaml`: five sites simulated jointly with shared market
drivers (GPU-hour price, utilisation, electricity, rates, overruns, delays), each named stress run
deterministically and as Monte Carlo around it; the funding structures a funder compares and the
funding-gap check; then the reverse stress test — the smallest shock that breaks the DSCR covenant,
causes a payment default, or wipes out the public first loss. The public access time of Reg. (EU)
2026/150, Art. 12b (Union and Member-State users' share of the capacity, in proportion to their
capex contributions) is carved out of the sales."""),
        new_code_cell(SETUP),
        new_code_cell("""import pandas as pd
t = lt.stress("gigafactory", paths=2000, range_paths=1000)
mc, fan, reverse = t["stress_monte_carlo"], t["dscr_fan"], t["reverse_stress"]
structures, structure_fan, sizing, ranges = t["funding_structures"], t["structure_dscr_fan"], t["debt_sizing"], t["est_ranges"]
print(t.manifest["parameters"])
mc[["scenario", "p_default", "p_default_se", "p_any_site_default", "p_covenant_breach", "dscr_p50", "public_loss_eur_m", "private_loss_eur_m"]]"""),
        new_code_cell("""# Every stress is at least as bad as the baseline (common random numbers), and P(default) carries its SE.
base = mc.set_index("scenario").loc["baseline", "p_default"]
assert (mc.p_default >= base - 1e-12).all(), mc[["scenario", "p_default"]]
assert (mc.p_default_se > 0).all()
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.barh(mc.scenario, 100 * mc.p_default, xerr=200 * mc.p_default_se, capsize=3, color="#0072B2")
ax.set_xlabel("P(default) of a site, % (±2 SE)"); ax.invert_yaxis(); ax.set_title("Monte Carlo P(default) by stress scenario")
plt.tight_layout(); plt.show()"""),
        new_code_cell("""# DSCR fan charts: percentiles per year among the sites still servicing debt (5–95 % and 25–75 % bands).
covenant = 1.2
def fan_chart(table, key, panels, title):
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.5), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), panels):
        df = table[table[key] == name]
        ax.fill_between(df.year_end, df.dscr_p5, df.dscr_p95, alpha=0.25, color="#0072B2", label="5–95 %")
        ax.fill_between(df.year_end, df.dscr_p25, df.dscr_p75, alpha=0.45, color="#0072B2", label="25–75 %")
        ax.plot(df.year_end, df.dscr_p50, color="#0072B2", label="median")
        ax.axhline(covenant, color="#D55E00", linestyle="--", label=f"covenant {covenant}")
        ax.set_title(name); ax.set_xlabel("years from financial close")
    np.atleast_1d(axes)[0].set_ylabel("DSCR (×)"); np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.suptitle(title); plt.tight_layout(); plt.show()

fan_chart(fan, "scenario", ["baseline", "energy_shock", "price_collapse", "ai_winter"], "DSCR fan by stress scenario")"""),
        new_code_cell("""# The same fan per funding structure (baseline drivers, same draws). Credit support (a first-loss tranche,
# a guarantee) moves losses between lenders, not the project's cash: those fans are the merchant one,
# checked here. The bundled model's terms are the merchant structure's, so that fan is the baseline's.
structure_names = list(structures.structure)
assert set(structure_fan.structure) == set(structure_names), (set(structure_fan.structure), structure_names)
percentiles = ["dscr_p5", "dscr_p25", "dscr_p50", "dscr_p75", "dscr_p95"]
by = {name: df[["year_end"] + percentiles].reset_index(drop=True) for name, df in structure_fan.groupby("structure", sort=False)}
for supported in ["first_loss", "guarantee"]:
    assert np.allclose(by[supported].to_numpy(float), by["merchant"].to_numpy(float), equal_nan=True), supported
base_fan = fan[fan.scenario == "baseline"][["year_end"] + percentiles].reset_index(drop=True)
assert np.allclose(by["merchant"].to_numpy(float), base_fan.to_numpy(float), equal_nan=True)
fan_chart(structure_fan, "structure", structure_names, "DSCR fan by funding structure (baseline)")
structure_fan.groupby("structure", sort=False)[["dscr_p5", "dscr_p50", "share_serviced"]].min()"""),
        new_code_cell("""# The structures a funder compares, on the same draws: merchant sales beside the public access time,
# the Union's offtake of its access share (Reg. (EU) 2026/150, Art. 12b(5)), a funded public first-loss
# tranche of the senior debt, an unfunded guarantee of a share of every loss.
assert (structures.p_default_se > 0).all()
assert abs(structures.public_lender_loss_eur_m + structures.private_lender_loss_eur_m - structures.lender_loss_eur_m).max() < 1e-6
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.5))
ax1.barh(structures.structure, 100 * structures.p_default, xerr=200 * structures.p_default_se, capsize=3, color="#0072B2")
ax1.set_xlabel("P(default) of a site, % (±2 SE)"); ax1.invert_yaxis(); ax1.set_title("P(default) by structure")
ax2.barh(structures.structure, structures.public_cost_eur_m, color="#D55E00", label="public cost")
ax2.barh(structures.structure, structures.private_lender_loss_eur_m, left=structures.public_cost_eur_m, color="#999999", label="private lenders' expected loss")
ax2.set_xlabel("public cost and private lenders' loss (EUR m, all sites)"); ax2.invert_yaxis(); ax2.legend(fontsize=7); ax2.set_title("Who pays")
plt.tight_layout(); plt.show()
structures[["structure", "p_default", "p_default_se", "public_cost_eur_m", "access_value_eur_m", "cost_per_public_gpu_hour_eur", "equity_irr_p50", "public_multiplier"]]"""),
        new_code_cell("""# Funding gap per site: does the aid, net of the sales given up for the public access time, exceed what
# the project lacks to break even?
t["funding_gap"]"""),
        new_code_cell("""# Reverse stress: the smallest shock on each driver (and along each scenario's direction) that breaks each criterion.
found = reverse[reverse.result == "found"]
assert (found.bracket_lower <= found.shock).all() and (found.shock <= found.bracket_upper).all()
found.pivot(index="direction", columns="criterion", values="shock_readable")"""),
        new_code_cell("""# The probabilistic reverse stress: the most likely combination of driver moves that breaks the covenant
# (the design point in the drivers' correlated metric).
t["reverse_stress_design_point"]"""),
        new_code_cell("""# Debt sized as lenders do (gearing is an output): per site, the debt each sizing case supports — the sponsor
# case less its haircut, the P50 and the P90 of the simulated CFADS — at the target DSCR, capped by the
# maximum gearing. The rule is checked: gearing = min(DSCR-sized gearing, maximum gearing).
assert np.allclose(sizing.gearing, np.minimum(sizing.dscr_sized_gearing, sizing.maximum_gearing))
assert (sizing.groupby("site").used.sum() == 1).all()          # one basis per site is the one every other table runs with
gearing = sizing.pivot(index="site", columns="basis", values="gearing")
debt = sizing.pivot(index="site", columns="basis", values="debt_at_cod_eur_m")
used = sizing[sizing.used].set_index("site").basis
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
(100 * gearing).plot.bar(ax=ax1, rot=0)
ax1.set_ylabel("sized gearing (% of base capex)"); ax1.set_title("Gearing per sizing case")
debt.plot.bar(ax=ax2, rot=0, legend=False)
ax2.set_ylabel("senior debt at COD (EUR m)"); ax2.set_title(f"Sized debt per sizing case (used: {', '.join(sorted(set(used)))})")
plt.tight_layout(); plt.show()
sizing[["site", "basis", "used", "target_dscr", "gearing", "debt_at_cod_eur_m", "binding"]]"""),
        new_code_cell("""# The EST inputs' calibration ranges as a tornado: one row per input, the low and the high end of its range
# as two bars from the base P(default) (debt resized in every case, common random numbers), largest swing first;
# whiskers ±2 SE. The adverse / favourable corners move every input at once.
base_row = ranges[ranges.case == "base"].iloc[0]
base = base_row.p_default
one_at_a_time = ranges[ranges.input != "all"]
ends = one_at_a_time.groupby("input")["level"].apply(sorted)
assert all(e == ["high", "low"] for e in ends), ends          # every input at its low and its high end, once each
low = one_at_a_time[one_at_a_time.level == "low"].set_index("input")
high = one_at_a_time[one_at_a_time.level == "high"].set_index("input")
both = pd.concat([low.p_default, high.p_default], axis=1)
swing = (np.maximum(both.max(axis=1), base) - np.minimum(both.min(axis=1), base)).sort_values()   # the span the bars cover, as in report.html
fig, ax = plt.subplots(figsize=(9, 0.35 * len(swing) + 1.5))
y = np.arange(len(swing))
for frame, colour, name, height in [(low, "#56B4E9", "low end", 0.6), (high, "#E69F00", "high end", 0.36)]:
    x = frame.loc[swing.index]        # the high end drawn narrower on top, so that both show when on one side of the base
    ax.barh(y, 100 * (x.p_default - base), left=100 * base, height=height, color=colour, label=name,
            xerr=200 * x.p_default_se, capsize=2)
ax.axvline(100 * base, color="black", linewidth=1.2, label=f"base {100 * base:.1f} %")
corners = ranges[ranges.case.isin(["adverse", "favourable"])].set_index("case")
for case, marker in [("adverse", "v"), ("favourable", "^")]:
    if case in corners.index:
        ax.plot(100 * corners.loc[case, "p_default"], len(swing) - 0.2, marker, color="#D55E00", label=f"all {case}")
ax.set_yticks(y, swing.index); ax.set_xlabel("P(default) of a site (%), ±2 SE")
ax.set_title("Which estimated input moves P(default) most?"); ax.legend(fontsize=7, loc="lower right")
plt.tight_layout(); plt.show()
ranges[["case", "values", "p_default", "p_default_se", "equity_irr_p50", "min_dscr_p50", "sized_gearing"]]"""),
    ],
}

for name, cells in NOTEBOOKS.items():
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.write(nb, HERE / name)
    print("wrote", name)
