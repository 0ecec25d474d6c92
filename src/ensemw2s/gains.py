"""The gains the main tables report, each with its 95 % paired bootstrap interval over test items.

Per (weak, strong, T) of one dataset and split, combined over seeds (:mod:`ensemw2s.bootstrap`:
items resampled within each seed, the statistic averaged over seeds, as the tables average):

- ``expert_gain``: the T-round weak ensemble − the single weak expert (T = 1), test accuracy;
- ``student_gain``: the student supervised by that ensemble − the baseline student (T = 1);
- ``pgr``: the PGR of the ensemble-supervised student, (student − weak) / (oracle − weak);
- ``baseline_pgr``: the PGR of the baseline student (the same for every T; listed per T so that
  ``pgr − baseline_pgr`` reads off one row).

The per-item scores are each job's test correctness: a generation ``choices.csv`` (the chosen
option is the gold one: option accuracy, the measure the generation track selects rounds on) or a
classification ``predictions.csv`` (p(label = 1) > 0.5 is the label: the track's accuracy), read
by :func:`read_correct`.  All five results of one seed are lined up by item id, so an item
resampled counts for every method at once (paired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .bootstrap import DEFAULT_RESAMPLES, Interval, format_interval, pgr_interval, seed_combined_difference_interval

ROLES = ("weak_single", "ensemble", "student", "baseline", "oracle")
GAINS = ("expert_gain", "student_gain", "pgr", "baseline_pgr")
ALL_SEEDS = "all"  # the ``seed`` of an interval combined over every seed
COLUMNS = ("weak", "strong", "t", "seed", "n_seeds", "n_items") + tuple(f"{g}{s}" for g in GAINS for s in ("", "_low", "_high"))


def correct_items(frame: pd.DataFrame, part: str = "test", *, where: str = "") -> pd.Series:
    """Per item of ``part`` (indexed by id, as float 0/1): whether the result is right.  ``frame``
    is a choices file's rows (``option``, ``gold``) or a predictions file's (``p_label1``,
    ``label``, thresholded at 0.5 as :func:`ensemw2s.metrics.accuracy`)."""
    rows = frame[frame["part"].astype(str) == part]
    if rows.empty:
        raise ValueError(f"{where or 'results'}: no items of part {part!r}")
    if {"option", "gold"} <= set(rows.columns):
        right = rows["option"].to_numpy() == rows["gold"].to_numpy()
    elif {"p_label1", "label"} <= set(rows.columns):
        right = (rows["p_label1"].to_numpy(dtype=np.float64) > 0.5) == rows["label"].to_numpy().astype(bool)
    else:
        raise ValueError(f"{where or 'results'}: neither a choices file (option, gold) nor a predictions file (p_label1, label)")
    ids = rows["id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"{where or 'results'}: item {ids[ids.duplicated()].iloc[0]!r} appears twice in part {part!r}")
    return pd.Series(right.astype(np.float64), index=ids.to_numpy(), name=where)


def read_correct(path, part: str = "test") -> pd.Series:
    """:func:`correct_items` of a choices or predictions CSV file."""
    return correct_items(pd.read_csv(path, dtype={"id": str, "part": str}), part, where=str(path))


def _lined_up(results: Mapping[str, pd.Series], what: str) -> tuple[np.ndarray, ...]:
    """The roles' per-item scores in one item order; an error naming the files if the items differ."""
    first = results[ROLES[0]]
    for role in ROLES[1:]:
        if set(results[role].index) != set(first.index):
            raise ValueError(f"{what}: {results[role].name or role} and {first.name or ROLES[0]} cover different test items")
    order = sorted(first.index)
    return tuple(results[role].loc[order].to_numpy() for role in ROLES)


def _interval_row(seeds: Sequence[tuple[np.ndarray, ...]], settings: dict) -> dict:
    """:data:`GAINS` and their intervals over the given seeds' lined-up role scores."""
    single, ensemble, student, baseline, oracle = (list(role) for role in zip(*seeds))
    intervals = {
        "expert_gain": seed_combined_difference_interval(list(zip(ensemble, single)), **settings),
        "student_gain": seed_combined_difference_interval(list(zip(student, baseline)), **settings),
        "pgr": pgr_interval(list(zip(student, single, oracle)), **settings),
        "baseline_pgr": pgr_interval(list(zip(baseline, single, oracle)), **settings),
    }
    row = {"n_seeds": len(seeds), "n_items": int(sum(len(s) for s in single))}
    for name, interval in intervals.items():
        row[name], row[f"{name}_low"], row[f"{name}_high"] = interval.estimate, interval.low, interval.high
    return row


def gain_intervals(runs: Sequence[Mapping], *, n_resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95) -> pd.DataFrame:
    """Per (weak, strong, T) of ``runs``: :data:`GAINS` with their intervals (:data:`COLUMNS`),
    combined over all seeds (``seed`` = :data:`ALL_SEEDS`, what the main tables show) and for each
    seed alone (the one-run Tables 5/8).

    ``runs``: one mapping per (weak, strong, t, seed) with those keys and a per-item correctness
    Series (:func:`read_correct`) for every role of :data:`ROLES`: ``weak_single`` (the T = 1
    ensemble), ``ensemble`` (T rounds), ``student`` (supervised by it), ``baseline`` (the T = 1
    student) and ``oracle``.  Deterministic: every interval draws from bootstrap seed 0."""
    frame = pd.DataFrame(list(runs))
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    settings = dict(n_resamples=n_resamples, confidence=confidence, seed=0)
    rows = []
    for (weak, strong, t), group in frame.groupby(["weak", "strong", "t"], sort=True):
        by_seed = {
            int(run["seed"]): _lined_up(run, f"{weak} → {strong}, T = {t}, seed {run['seed']}")
            for run in sorted(group.to_dict("records"), key=lambda run: int(run["seed"]))
        }
        key = {"weak": weak, "strong": strong, "t": int(t)}
        rows.append(key | {"seed": ALL_SEEDS} | _interval_row(list(by_seed.values()), settings))
        rows.extend(key | {"seed": str(seed)} | _interval_row([scores], settings) for seed, scores in by_seed.items())
    return pd.DataFrame(rows, columns=COLUMNS)


def item_file(metrics_path: str, track: str) -> str:
    """The per-item results a job writes beside its metrics JSON (``…/metrics.json`` or
    ``…/T2.metrics.json``): ``choices.csv`` (generation) or ``predictions.csv`` (classification)."""
    path = str(metrics_path)
    if not path.endswith("metrics.json"):
        raise ValueError(f"{path}: not a metrics file (…metrics.json)")
    return path.removesuffix("metrics.json") + ("choices.csv" if track == "generation" else "predictions.csv")


def runs_from_results(
    students: Sequence[tuple[dict, pd.Series]], labels: Sequence[tuple[dict, pd.Series]], oracles: Sequence[tuple[dict, pd.Series]]
) -> list[dict]:
    """The runs :func:`gain_intervals` takes, joined by each job's run key (never by position):
    ``students`` / ``labels`` / ``oracles`` are (metrics JSON, per-item correctness) of each job of
    one dataset and split.  The single weak expert and the baseline student are T = 1's."""
    label_by = {(str(m["run"]["seed"]), m["run"]["weak"], int(m["run"]["t"])): items for m, items in labels}
    student_by = {(str(m["run"]["seed"]), m["run"]["weak"], m["run"]["strong"], int(m["run"]["t"])): items for m, items in students}
    oracle_by = {(str(m["run"]["seed"]), m["run"]["model"]): items for m, items in oracles}
    runs = []
    for (seed, weak, strong, t), student in student_by.items():
        try:
            roles = {
                "weak_single": label_by[seed, weak, 1],
                "ensemble": label_by[seed, weak, t],
                "student": student,
                "baseline": student_by[seed, weak, strong, 1],
                "oracle": oracle_by[seed, strong],
            }
        except KeyError as missing:
            raise ValueError(f"no result for {missing.args[0]} beside the student {weak} → {strong}, T = {t}, seed {seed}") from None
        runs.append({"weak": weak, "strong": strong, "t": t, "seed": int(seed), **roles})
    return runs


# ------------------------------------------------------------------------------------- display
# The table columns of the intervals (:func:`interval_columns`): differences in accuracy points
# with their interval; a PGR's interval beside the PGR column the table already has.
INTERVAL_HEADERS = {
    "expert_gain": "ensemble − weak (points, 95 % CI)",
    "student_gain": "w2s ensemble − baseline (points, 95 % CI)",
    "baseline_pgr": "PGR baseline 95 % CI",
    "pgr": "PGR ensemble 95 % CI",
}


def _cell(row: Mapping, gain: str) -> str:
    if gain.endswith("pgr"):
        low, high = row[f"{gain}_low"], row[f"{gain}_high"]
        return "n/a" if pd.isna(low) or pd.isna(high) else f"[{low:.3f}, {high:.3f}]"
    interval = Interval(float(row[gain]), float(row[f"{gain}_low"]), float(row[f"{gain}_high"]), 0.95, 0)
    return format_interval(interval)


def interval_columns(keys: pd.DataFrame, intervals: pd.DataFrame, *, seed: str = ALL_SEEDS) -> pd.DataFrame:
    """The :data:`INTERVAL_HEADERS` columns for table rows keyed by ``weak``, ``strong`` and ``t``
    (``keys``, in its order): each row's gains and intervals from ``intervals``
    (:func:`gain_intervals`' rows of ``seed``: all seeds combined, or one seed's)."""
    chosen = intervals[intervals["seed"].astype(str) == str(seed)].copy()
    chosen["t"] = chosen["t"].astype(int)
    lookup = {(r["weak"], r["strong"], r["t"]): r for r in chosen.to_dict("records")}
    columns = {header: [] for header in INTERVAL_HEADERS.values()}
    for weak, strong, t in zip(keys["weak"], keys["strong"], keys["t"].astype(int)):
        row = lookup.get((weak, strong, t))
        if row is None:
            raise ValueError(f"no bootstrap interval for {weak} → {strong}, T = {t}, seed {seed}")
        for gain, header in INTERVAL_HEADERS.items():
            columns[header].append(_cell(row, gain))
    return pd.DataFrame(columns, index=keys.index)
