"""The gains the main tables report with their bootstrap intervals (ensemw2s.gains): per-item
correctness from either track's files, the join of a dataset's jobs by run key, and the intervals
on cases with a known answer."""

import numpy as np
import pandas as pd
import pytest

from ensemw2s import gains


def _items(correct, name="", ids=None):
    ids = ids if ids is not None else [f"q{i:03d}" for i in range(len(correct))]
    return pd.Series(np.asarray(correct, dtype=float), index=ids, name=name)


def _run(weak_single, ensemble, student, baseline, oracle, *, t=2, seed=0):
    return {
        "weak": "w",
        "strong": "s",
        "t": t,
        "seed": seed,
        "weak_single": _items(weak_single),
        "ensemble": _items(ensemble),
        "student": _items(student),
        "baseline": _items(baseline),
        "oracle": _items(oracle),
    }


def test_correct_items_read_both_tracks_files():
    choices = pd.DataFrame({"part": ["test", "test", "val"], "id": ["a", "b", "c"], "gold": [0, 1, 1], "option": [0, 0, 1]})
    predictions = pd.DataFrame({"part": ["test", "test", "test"], "id": ["a", "b", "c"], "label": [1, 0, 1], "p_label1": [0.9, 0.5, 0.5]})
    assert gains.correct_items(choices).to_dict() == {"a": 1.0, "b": 0.0}  # the test part only
    assert gains.correct_items(predictions).to_dict() == {"a": 1.0, "b": 1.0, "c": 0.0}  # p > 0.5 is label 1, as metrics.accuracy
    with pytest.raises(ValueError, match="x.csv: no items of part 'easy_test'"):
        gains.correct_items(choices, "easy_test", where="x.csv")
    with pytest.raises(ValueError, match="appears twice"):
        gains.correct_items(pd.concat([choices, choices]))
    assert gains.item_file("results/students/d/random/seed0/w_to_s/T2/metrics.json", "generation").endswith("T2/choices.csv")
    assert gains.item_file("results/labels/d/random/seed0/w/T2.metrics.json", "classification").endswith("T2.predictions.csv")


def test_identical_methods_give_zero_gains_with_zero_width():
    same = np.random.default_rng(0).integers(0, 2, 200)
    table = gains.gain_intervals([_run(same, same, same, same, np.ones(200))], n_resamples=500)
    row = table[table["seed"] == gains.ALL_SEEDS].iloc[0]
    for gain in ("expert_gain", "student_gain"):
        assert (row[gain], row[f"{gain}_low"], row[f"{gain}_high"]) == (0.0, 0.0, 0.0)
    assert row["pgr"] == 0.0 and row["baseline_pgr"] == 0.0


def test_gains_are_the_seed_means_of_the_differences_and_each_seed_has_its_own_row():
    rng = np.random.default_rng(1)
    runs = []
    for seed in (0, 1, 2):
        weak = rng.random(300) < 0.6
        runs.append(_run(weak, weak | (rng.random(300) < 0.2), rng.random(300) < 0.8, rng.random(300) < 0.7, rng.random(300) < 0.9, seed=seed))
    table = gains.gain_intervals(runs, n_resamples=2000)
    assert list(table["seed"]) == [gains.ALL_SEEDS, "0", "1", "2"]
    combined = table.iloc[0]
    expert = np.mean([r["ensemble"].mean() - r["weak_single"].mean() for r in runs])
    student = np.mean([r["student"].mean() - r["baseline"].mean() for r in runs])
    assert combined["expert_gain"] == pytest.approx(expert) and combined["student_gain"] == pytest.approx(student)
    assert combined["expert_gain_low"] < expert < combined["expert_gain_high"]
    assert (combined["n_seeds"], combined["n_items"]) == (3, 900)
    one = table[table["seed"] == "1"].iloc[0]
    assert one["expert_gain"] == pytest.approx(runs[1]["ensemble"].mean() - runs[1]["weak_single"].mean())
    # one seed's interval is wider than the three seeds' combined (a third of the items)
    assert one["expert_gain_high"] - one["expert_gain_low"] > combined["expert_gain_high"] - combined["expert_gain_low"]
    # byte-identical on a rerun
    pd.testing.assert_frame_equal(table, gains.gain_intervals(runs, n_resamples=2000))


def test_the_items_of_every_role_must_be_the_same():
    run = _run([1, 0], [1, 1], [1, 1], [0, 1], [1, 1])
    run["oracle"] = _items([1, 1], name="oracle.csv", ids=["q000", "q999"])
    with pytest.raises(ValueError, match="w → s, T = 2, seed 0: oracle.csv and .* cover different test items"):
        gains.gain_intervals([run], n_resamples=100)


def _metrics(**run):
    return {"run": {k: str(v) for k, v in run.items()}}


def test_runs_are_joined_by_run_key_not_by_position():
    ids = ["a", "b", "c", "d"]
    single, ensemble = _items([1, 0, 0, 0], ids=ids), _items([1, 1, 0, 0], ids=ids)
    student1, student2, oracle = _items([1, 1, 0, 0], ids=ids), _items([1, 1, 1, 0], ids=ids), _items([1, 1, 1, 1], ids=ids)
    labels = [(_metrics(seed=0, weak="w", t=2), ensemble), (_metrics(seed=0, weak="w", t=1), single)]
    students = [(_metrics(seed=0, weak="w", strong="s", t=2), student2), (_metrics(seed=0, weak="w", strong="s", t=1), student1)]
    oracles = [(_metrics(seed=0, model="s"), oracle)]
    runs = gains.runs_from_results(students, labels, oracles)
    by_t = {run["t"]: run for run in runs}
    assert by_t[2]["ensemble"] is ensemble and by_t[2]["weak_single"] is single and by_t[2]["baseline"] is student1
    table = gains.gain_intervals(runs, n_resamples=200).set_index(["t", "seed"])
    assert table.loc[(2, "all"), "expert_gain"] == pytest.approx(0.25) and table.loc[(2, "all"), "student_gain"] == pytest.approx(0.25)
    assert table.loc[(2, "all"), "pgr"] == pytest.approx((0.75 - 0.25) / (1 - 0.25))
    with pytest.raises(ValueError, match="no result for .*'s'.* beside the student w → s, T = 2, seed 0"):
        gains.runs_from_results(students, labels, [])


def test_interval_columns_show_points_and_pgr_bounds_for_each_table_row():
    intervals = pd.DataFrame(
        [
            {"weak": "w", "strong": "s", "t": 2, "seed": "all", "expert_gain": 0.013, "expert_gain_low": 0.002, "expert_gain_high": 0.027,
             "student_gain": -0.004, "student_gain_low": -0.011, "student_gain_high": 0.0, "pgr": 0.48, "pgr_low": 0.32, "pgr_high": 0.61,
             "baseline_pgr": 0.46, "baseline_pgr_low": float("nan"), "baseline_pgr_high": float("nan")},
        ]
    )  # fmt: skip
    shown = gains.interval_columns(pd.DataFrame({"weak": ["w"], "strong": ["s"], "t": [2]}), intervals)
    assert shown.iloc[0].tolist() == ["+1.3 [0.2, 2.7]", "-0.4 [-1.1, 0.0]", "n/a", "[0.320, 0.610]"]
    with pytest.raises(ValueError, match="no bootstrap interval for w → s, T = 3"):
        gains.interval_columns(pd.DataFrame({"weak": ["w"], "strong": ["s"], "t": [3]}), intervals)
