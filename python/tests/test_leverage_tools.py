"""The Python package against the built `leverage` binary (found as the package finds it:
$LEVERAGE_BIN, the PATH, or .build/release/leverage above the current folder).

Run from the repository root after `swift build -c release`: `python3 -m pytest -q python/tests`.
"""
import json
import math
import pathlib

import pandas as pd
import pytest

import leverage_tools as lt

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)


# ---------------------------------------------------------------- without the binary

def test_a_table_becomes_a_dataframe_with_units_title_and_notes():
    df = lt.to_dataframe({
        "name": "t", "title": "A table",
        "columns": [{"name": "scope", "unit": "text"}, {"name": "amount_eur_bn", "unit": "eur_bn"},
                    {"name": "holds", "unit": "boolean"}],
        "rows": [["a", 1.5, True], ["b", None, "no"]], "notes": ["a note"]})
    assert list(df.columns) == ["scope", "amount_eur_bn", "holds"]
    assert df.attrs["units"] == {"scope": "text", "amount_eur_bn": "eur_bn", "holds": "boolean"}
    assert df.attrs["title"] == "A table" and df.attrs["notes"] == ["a note"] and df.attrs["name"] == "t"
    assert df.amount_eur_bn.iloc[0] == 1.5 and math.isnan(df.amount_eur_bn.iloc[1])
    assert df.holds.tolist() == [True, False]


def test_options_are_written_as_the_tool_reads_them():
    assert lt._covers({"first_loss": (0, 0.3, 0.01), "guarantee-rate": [0.5, 0.8]}) == [
        "--cover", "first-loss=0.0:0.3:0.01", "--cover", "guarantee-rate=0.5,0.8"]
    assert lt._covers("first-loss=0:0.2:0.1") == ["--cover", "first-loss=0:0.2:0.1"]
    assert lt._stress({"pd": 1.5, "correlation": 0.05}) == ["--stress", "pd=1.5,correlation=0.05"]
    assert lt._simulation(1000, 7, None) == ["--paths", "1000", "--seed", "7"]


def test_a_missing_binary_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.delenv("LEVERAGE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(lt.BinaryNotFound, match="LEVERAGE_BIN"):
        lt.binary()


# ---------------------------------------------------------------- against the binary

def test_run_gives_investai_headline_with_units():
    result = lt.run("investai")
    assert result.manifest["command"] == "run"
    c = result["contributions"]
    assert c.attrs["units"]["amount_eur_bn"] == "eur_bn"
    assert c.loc[c.contributor == "total", "amount_eur_bn"].item() == pytest.approx(200, abs=1e-9)
    m = result["multipliers"].set_index("multiplier")["value"]
    assert m["total / EU budget"] == pytest.approx(4, abs=1e-12)
    with pytest.raises(KeyError, match="this run has"):
        result["no_such_table"]


def test_simulate_expected_loss_is_within_four_standard_errors_of_the_exact_one():
    result = lt.simulate("investai-risk-sharing", paths=5000, seed=3)
    assert result.manifest["parameters"]["paths"] == 5000 and result.manifest["parameters"]["seed"] == 3
    p = result["portfolio_loss"]
    exact = p.loc[p.statistic == "expected loss (exact)", "amount_eur_m"].item()
    est = p.loc[p.statistic == "expected loss"].iloc[0]
    assert est.standard_error_eur_m > 0
    assert abs(est.amount_eur_m - exact) <= 4 * est.standard_error_eur_m


def test_sweep_over_a_grid_given_as_a_tuple():
    result = lt.sweep("investai-risk-sharing", cover={"first-loss": (0.1, 0.3, 0.1)}, paths=2000)
    s = result["sweep"]
    assert set(s.scenario) == {"baseline", "stressed"}   # the model declares a stress
    s = s[s.scenario == "baseline"]
    assert s.first_loss.tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert s.attrs["units"]["first_loss"] == "fraction"
    # no guarantee: leverage is 1 / first loss
    assert (s.leverage * s.first_loss).tolist() == pytest.approx([1, 1, 1])


def test_solve_brackets_its_answer_and_stress_needs_more_cover():
    result = lt.solve("investai-risk-sharing", paths=4000, stress={"pd": 1.5, "correlation": 0.05, "lgd": 0.1})
    s = result["solution"].set_index("scenario")
    assert (s.cover_lower <= s.cover).all() and (s.cover <= s.cover_upper).all()
    assert s.loc["stressed", "cover"] > s.loc["baseline", "cover"]


def test_stress_runs_the_chosen_scenarios():
    result = lt.stress("gigafactory", scenarios=["energy_shock"], paths=300)
    mc = result["stress_monte_carlo"]
    assert set(mc.scenario) == {"baseline", "energy_shock"}
    assert (mc.p_default_se > 0).all()


def test_stress_passes_range_paths():
    assert "est_ranges" not in lt.stress("gigafactory", scenarios=["energy_shock"], paths=200, range_paths=0)
    ranges = lt.stress("gigafactory", scenarios=["energy_shock"], paths=200, range_paths=100)
    assert "Monte Carlo, 100 paths" in ranges["est_ranges"].attrs["title"]


def test_validate_names_the_models_and_raises_located_problems(tmp_path):
    assert lt.validate("efsi", "Models/investai.yaml") == {"efsi": "EFSI leverage", "Models/investai.yaml": "InvestAI baseline"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nunit: eur_bn\nstacks:\n  - id: s\n    label: S\n    total: -5\n    contributors: []\n")
    with pytest.raises(lt.ModelError) as error:
        lt.validate(str(bad))
    assert error.value.exit_code == 1
    assert f"{bad}:6:" in str(error.value)


def test_a_command_line_mistake_raises_the_tools_message():
    with pytest.raises(lt.UsageError, match="--paths") as error:
        lt.simulate("investai-risk-sharing", paths=0)
    assert error.value.exit_code == 64


def test_models_lists_the_bundled_models():
    df = lt.models()
    assert {"investai", "efsi", "investai-risk-sharing", "gigafactory"} <= set(df.model)


def test_show_prints_a_bundled_models_yaml():
    assert lt.show("efsi") == (ROOT / "Models" / "efsi.yaml").read_text()


def test_rerun_reproduces_a_solve_from_its_result_folder(tmp_path):
    folder = tmp_path / "solved"
    lt.call("solve", "investai-risk-sharing", "--paths", "3000", "--seed", "11", "--max-expected-loss-bp", "30",
            "--format", "json", "--output", str(folder), "--quiet")
    first = lt.read_result(folder)
    again = lt.rerun(folder)
    assert again.manifest["parameters"] == first.manifest["parameters"]
    assert sorted(again) == sorted(first)
    for name in first:
        pd.testing.assert_frame_equal(again[name], first[name])
