#!/usr/bin/env python3
"""Checks every chart of one `leverage … --output DIR` report, for scripts/check-deliverables.sh.

Usage: check-report-charts.py split RESULT_DIR PREFIX
           writes PREFIX-K.html, a page per chart (the report's style, the chart alone), and prints
           "PREFIX-K HEIGHT TABLE" per chart, and "report HEIGHT" (the whole report's height) last;
       check-report-charts.py check RESULT_DIR PREFIX
           checks each chart against its table and its screenshot PREFIX-K.png; exit 1 on a problem.

What `check` asserts, for every chart (`<figure>` in report.html) of table T:
  - T is a table whose chart is known here (INTENDED) — a new chart must be looked at and added;
  - it plots values: `data-row`/`data-column`/`data-value` marks (bands: `data-columns`) exist;
  - every plotted column is one of the columns INTENDED for T, and none is a limit, a budget, a
    cap, an iteration or step count (FORBIDDEN) — the bug this guards against is a chart of the
    wrong column;
  - every plotted value equals the cell of T.json in that row and column (1e-12 relative);
  - the screenshot is not blank: enough non-white pixels, and coloured ones (the marks are drawn in
    colour, axes and text in grey and black): 0.2 % of the picture, or, for a chart of a few small
    marks (one dot at zero), at least 10 coloured pixels per mark.
"""
import json
import os
import re
import sys

# The columns a table's chart is meant to plot (ChartIntent declarations in Sources/Reports).
INTENDED = {
    "contributions": {"amount_eur_bn", "amount_eur_m"},
    "by_source": {"amount_eur_bn", "amount_eur_m"},
    "allocations": {"amount_eur_bn", "amount_eur_m"},
    "chain_base": {"amount_eur_bn", "amount_eur_m"},
    "chain_stages": {"amount_eur_bn", "amount_eur_m"},
    "multipliers": {"value"},
    "eu_effects": {"value"},
    "holders": {"amount_eur_bn", "amount_eur_m", "expected_eur_m", "expected_eur_bn"},
    "portfolio_loss": {"amount_eur_bn", "amount_eur_m"},
    "tranches": {"expected_loss_eur_bn", "expected_loss_eur_m", "net_expected_loss_eur_bn", "net_expected_loss_eur_m"},
    "guarantees": {"expected_calls_eur_m", "expected_calls_eur_bn"},
    "loss_distribution": {"probability"},
    "exceedance": {"probability"},
    "sweep": {"leverage", "private_expected_loss_rate", "private_loss_probability", "public_cost_per_euro_mobilised"},
    "cover_curve": {"leverage", "private_expected_loss_rate", "private_loss_probability", "public_cost_per_euro_mobilised"},
    "constraints": {"cover"},
    "solution": {"leverage"},
    "largest_portfolio": {"volume_eur_m", "volume_eur_bn"},
    "provisioning": {"provisioning_rate"},
    "cash_flows": {"cfads_eur_m", "debt_service_eur_m"},
    "dscr_fan": {"dscr_p5", "dscr_p25", "dscr_p50", "dscr_p75", "dscr_p95"},
    "structure_dscr_fan": {"dscr_p5", "dscr_p25", "dscr_p50", "dscr_p75", "dscr_p95"},
    "stress_monte_carlo": {"p_default"},
    "stress_sites": {"p_default"},
    "stress_deterministic": {"min_dscr"},
    "stress_holders": {"expected_loss_eur_m"},
    "est_ranges": {"p_default"},
    "sensitivity": {"first_loss", "guarantee_rate", "guarantee_cap"},
}
# Never the plotted quantity: limits, budgets, caps, iteration and step counts.
FORBIDDEN = re.compile(r"(^|_)(limit|limits|budget|cap|max|maximum|iteration|iterations|steps|evaluations)(_|$)")


def figures(html):
    """(table name, figure HTML) for each chart of the report, in order."""
    out = []
    for section in html.split('<section id="')[1:]:
        name = re.search(r"<small><code>([^<]+)</code></small>", section)
        figure = re.search(r"<figure>.*?</figure>", section, re.S)
        if name and figure:
            out.append((name.group(1), figure.group(0)))
    return out


def split(folder, prefix):
    html = open(os.path.join(folder, "report.html"), encoding="utf-8").read()
    head = html[: html.index("<body>")]
    for k, (table, figure) in enumerate(figures(html)):
        height = int(float(re.search(r'<svg[^>]* height="([\d.]+)"', figure).group(1))) + 160
        with open(f"{prefix}-{k}.html", "w", encoding="utf-8") as f:
            f.write(head + "<body>" + figure + "</body></html>")
        print(f"{prefix}-{k} {height} {table}")
    # The whole report (a screenshot is as tall as the window): its charts, ~30 px a table row,
    # ~250 px a section's heading, caption, header and notes; white space below is harmless.
    svgs = sum(float(h) for h in re.findall(r'<svg[^>]* height="([\d.]+)"', html))
    height = int(svgs + 30 * html.count("<tr>") + 250 * html.count("<section") + 800)
    print(f"report {min(height, 20000)}")


def pixels(png):
    """(fraction of non-white pixels, fraction of coloured pixels) of a screenshot."""
    from PIL import Image
    image = Image.open(png).convert("RGB")
    image.thumbnail((500, 4000))
    data = list(image.tobytes())
    data = list(zip(data[0::3], data[1::3], data[2::3]))
    nonwhite = sum(1 for r, g, b in data if min(r, g, b) < 235)
    coloured = sum(1 for r, g, b in data if max(r, g, b) - min(r, g, b) > 60)
    return nonwhite / len(data), coloured / len(data), coloured


def check(folder, prefix):
    html = open(os.path.join(folder, "report.html"), encoding="utf-8").read()
    problems, summary = [], []
    for k, (table, figure) in enumerate(figures(html)):
        where = f"{os.path.basename(folder)} chart {k} ({table})"
        kind = re.sub(r"_\d+$", "", table)   # `compare`'s multipliers_2: the same table in other units
        intended = INTENDED.get(kind)
        marks = [(int(r), c, float(v)) for r, c, v in
                 re.findall(r'data-row="(\d+)" data-column="([^"]+)" data-value="([^"]+)"', figure)]
        bands = {c for cs in re.findall(r'data-columns="([^"]+)"', figure) for c in cs.split()}
        columns = {c for _, c, _ in marks} | bands
        if intended is None:
            problems.append(f"{where}: a chart this check does not know — look at it and add its columns to INTENDED")
        if not marks:
            problems.append(f"{where}: no plotted value (no data-row/data-column/data-value marks)")
        for column in sorted(columns):
            if FORBIDDEN.search(column):
                problems.append(f"{where}: plots {column}, a limit, budget, cap or iteration count")
            elif intended is not None and column not in intended:
                problems.append(f"{where}: plots {column}, not one of the intended {sorted(intended)}")
        path = os.path.join(folder, table + ".json")
        if not os.path.exists(path):
            problems.append(f"{where}: no {table}.json beside the report")
        else:
            data = next(t for t in json.load(open(path, encoding="utf-8"))["tables"] if t["name"] == table)
            names = [c["name"] for c in data["columns"]]
            for c in sorted(columns - set(names)):
                problems.append(f"{where}: plots {c}, which {table} does not have")
            for row, column, value in marks:
                if column not in names or row >= len(data["rows"]):
                    problems.append(f"{where}: mark at row {row} column {column} is not a cell of {table}")
                    continue
                cell = data["rows"][row][names.index(column)]
                if not isinstance(cell, (int, float)) or isinstance(cell, bool) \
                        or abs(cell - value) > 1e-12 * max(abs(cell), abs(value)):
                    problems.append(f"{where}: row {row} {column} plotted as {value}, the table has {cell!r}")
        png = f"{prefix}-{k}.png"
        if not os.path.exists(png) or os.path.getsize(png) == 0:
            problems.append(f"{where}: no screenshot {png}")
        else:
            ink, colour, coloured = pixels(png)
            # Blank: almost no ink, or too little colour for the marks it plots (0.2 % of the
            # picture, or for a chart of a few small marks, such as one dot at zero, 10 coloured
            # pixels per mark at the thumbnail's scale).
            if ink < 0.01 or (colour < 0.002 and coloured < 10 * max(len(marks), 1)):
                problems.append(f"{where}: the screenshot looks blank ({ink:.1%} non-white, {colour:.2%} coloured pixels, {len(marks)} marks)")
        summary.append(f"{table}[{','.join(sorted(columns))}]")
    print(f"   charts: {len(summary)} checked — " + "; ".join(summary))
    for p in problems:
        print("   chart problem:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    mode, folder, prefix = sys.argv[1:4]
    if mode == "split":
        split(folder, prefix)
    else:
        sys.exit(check(folder, prefix))
