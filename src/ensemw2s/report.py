"""From per-job results to the paper's tables and figures, for both tracks.

Every per-job JSON (a round's stats, a T-round ensemble's label metrics, a student, an oracle)
carries its ``run`` key (the job's wildcards) and its accuracies per part (``{"test": {key:
value}}``).  :func:`tidy_rows` joins them by key into one row per (seed, weak, strong, t); the
report then runs the same four steps in both tracks:

1. select rounds: :func:`per_seed_summary` picks, per pair, the ``best`` (on test, the paper),
   ``final`` and ``val_selected`` round on the seed-mean student accuracy (:func:`select_rounds`);
   the one-run views (Tables 5/8, their bar figures) pick them within the run shown
   (:func:`one_run_summary`);
2. aggregate seeds: :func:`aggregate_seeds` (mean ± SEM; undefined PGRs counted);
3. tables: :func:`generation_table` (Tables 3/4, 6/7), :func:`classification_table` and
   :func:`rounds_table` (Tables 1/2 and their per-round view), :func:`one_run_table` (5/8);
4. figure frames: :func:`pgr_figure_frame` (Figs 2, 4, 15), :func:`bars_frame`, :func:`weak_gain_frame`.

A track is described by its :class:`Measures`: the accuracies its jobs report and the one that
selects rounds.  Column names are ``{role}_{measure}`` (roles: weak, ensemble, transfer, oracle,
and ``*_val_*`` on validation), so ``weak_acc`` (classification) and ``weak_option`` (generation)
are the same column of two tracks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from . import gains
from .boosting import paper_alpha
from .labels import label
from .metrics import mean_sem, pgr, select_rounds
from .splits import ID_SPLIT, OOD_PREFIX
from .tables import format_mean_sem

SELECTIONS = ("best", "final", "val_selected")


@dataclass(frozen=True)
class Measures:
    """The accuracies of a track: ``{measure: key in a part's metrics}``; ``select_on`` picks the
    rounds; ``ensemble_only`` are extra accuracies of the weak ensemble alone (classification:
    each vote of the same experts)."""

    keys: Mapping[str, str]
    select_on: str
    ensemble_only: Mapping[str, str] = field(default_factory=dict)


GENERATION = Measures({"option": "option_accuracy", "option_norm": "option_norm_accuracy", "token": "token_accuracy"}, "option")
CLASSIFICATION = Measures({"acc": "accuracy"}, "acc", {"soft_acc": "soft_accuracy", "hard_acc": "hard_accuracy"})
TRACK_MEASURES = {"generation": GENERATION, "classification": CLASSIFICATION}
# Round statistics every round's stats.json carries (ensemw2s.boosting.round_record), copied into
# the tidy rows; label columns are the ensemble metrics' scalars that the tables report.
ROUND_COLUMNS = ("status", "accepted", "alpha", "epsilon", "epsilon_pre", "train_error", "stopped_at")
LABEL_COLUMNS = ("experts_voting", "pseudo_label_accuracy", "ensemble_train_error", "exact_match_rate", "mapping_agreement_rate", "vote")


def _key(run: Mapping, *names: str) -> tuple:
    return tuple(str(run[name]) for name in names)


def _index(results: Sequence[dict], *names: str, what: str) -> dict:
    index = {}
    for result in results:
        if "run" not in result:
            raise ValueError(f"a {what} result has no 'run' key (its job's wildcards): {sorted(result)[:8]}")
        key = _key(result["run"], *names)
        if key in index:
            raise ValueError(f"two {what} results for {dict(zip(names, key))}")
        index[key] = result
    return index


def _extra_parts(result: Mapping) -> list[str]:
    return [part for part in result if part == "easy_test" or part.startswith(OOD_PREFIX)]


def _part_column(role: str, part: str, measure: str) -> str:
    """The tidy column of a role's accuracy on a part: test -> "{role}_{m}", else "{role}_{part}_{m}"."""
    return f"{role}_{measure}" if part == "test" else f"{role}_{part}_{measure}"


def _accuracies(row: dict, role: str, result: Mapping, measures: Measures = GENERATION) -> None:
    """A job's accuracies into ``row``: every measure on test, val and every other part it evaluated."""
    for m, key in measures.keys.items():
        for part in ("test", "val", *_extra_parts(result)):
            row[_part_column(role, part, m)] = float(result[part][key])


def tidy_rows(
    students: Sequence[dict], labels: Sequence[dict], rounds: Sequence[dict], *, oracles: Sequence[dict], measures: Measures
) -> pd.DataFrame:
    """One row per (seed, weak, strong, t), joined by run key: the round's boosting statistics, the
    single weak model (the T = 1 ensemble) and the T-round weak ensemble, the student trained on the
    ensemble's labels and the oracle, each accuracy on test (``{role}_{m}``) and val
    (``{role}_val_{m}``), and on every other part the jobs evaluated, the in-distribution
    ``easy_test`` and other datasets' ``ood_*`` (``{role}_{part}_{m}``), the student's agreement with
    its supervisor where it reports one (``transfer_agreement``, ``transfer_{part}_agreement``), plus
    each row's PGR on the round-selecting measure."""
    label_by = _index(labels, "seed", "weak", "t", what="ensemble label")
    round_by = _index(rounds, "seed", "weak", "t", what="round")
    oracle_by = _index(oracles, "seed", "model", what="oracle")
    rows = []
    for student in students:
        seed, weak, strong, t = _key(student["run"], "seed", "weak", "strong", "t")
        try:
            single, ensemble, stats, oracle = label_by[seed, weak, "1"], label_by[seed, weak, t], round_by[seed, weak, t], oracle_by[seed, strong]
        except KeyError as error:
            raise ValueError(f"student {student['run']}: no result for {error.args[0]} to join with") from None
        row = {"dataset": student["run"]["dataset"], "split": student["run"]["split"], "seed": int(seed), "weak": weak, "strong": strong, "t": int(t)}
        row.update({column: stats.get(column) for column in ROUND_COLUMNS})
        row["paper_alpha"] = paper_alpha(float(stats["alpha"]))
        row.update({column: ensemble[column] for column in LABEL_COLUMNS if column in ensemble})
        for role, result in (("weak", single), ("ensemble", ensemble), ("transfer", student), ("oracle", oracle)):
            _accuracies(row, role, result, measures)
        for part in ("test", "val", *_extra_parts(student)):  # every student of either track: Burns et al.'s agreement
            if "agreement" in student[part]:
                row[_part_column("transfer", part, "agreement")] = float(student[part]["agreement"])
        for m, key in measures.ensemble_only.items():
            row[f"ensemble_{m}"] = float(ensemble["test"][key])
            row[f"ensemble_val_{m}"] = float(ensemble["val"][key])
        m = measures.select_on
        row["pgr"] = pgr(row[f"transfer_{m}"], row[f"weak_{m}"], row[f"oracle_{m}"])
        rows.append(row)
    if not rows:
        raise ValueError("no student results to collect")
    return pd.DataFrame(rows).sort_values(["weak", "strong", "seed", "t"]).reset_index(drop=True)


# ---------------------------------------------------------------------------- 1. select rounds
def chosen_rounds(tidy: pd.DataFrame, measure: str) -> dict[tuple[str, str], dict[str, int]]:
    """{(weak, strong): {selection: t}}: one choice per pair, on the seed-mean student accuracy."""
    chosen = {}
    for (weak, strong), pair in tidy.groupby(["weak", "strong"], sort=False):
        by_round = pair.groupby("t", as_index=False)[[f"transfer_{measure}", f"transfer_val_{measure}"]].mean()
        chosen[weak, strong] = select_rounds(by_round, score=f"transfer_{measure}", val=f"transfer_val_{measure}")
    return chosen


def per_seed_summary(tidy: pd.DataFrame, measures: Measures, select_on: str | None = None) -> pd.DataFrame:
    """One row per (seed, weak, strong, selection): the baseline (t = 1) and the ensemble student at
    the selected round, the weak model, the weak ensemble at that round, the oracle, and both PGRs,
    for every measure.  Rounds are selected on ``select_on`` (default: the track's)."""
    chosen = chosen_rounds(tidy, select_on or measures.select_on)
    rows = []
    for (weak, strong), pair in tidy.groupby(["weak", "strong"], sort=False):
        for seed, runs in pair.groupby("seed", sort=False):
            baseline = runs[runs["t"] == 1].iloc[0]
            for selection in SELECTIONS:
                pick = runs[runs["t"] == chosen[weak, strong][selection]].iloc[0]
                row = {"seed": seed, "weak": weak, "strong": strong, "selection": selection, "t": int(pick["t"])}
                for m in measures.keys:
                    weak_acc, oracle_acc = baseline[f"weak_{m}"], baseline[f"oracle_{m}"]
                    row.update(
                        {
                            f"weak_{m}": weak_acc,
                            f"oracle_{m}": oracle_acc,
                            f"baseline_{m}": baseline[f"transfer_{m}"],
                            f"ensemble_{m}": pick[f"transfer_{m}"],
                            f"weak_ensemble_{m}": pick[f"ensemble_{m}"],
                            f"baseline_pgr_{m}": pgr(baseline[f"transfer_{m}"], weak_acc, oracle_acc),
                            f"ensemble_pgr_{m}": pgr(pick[f"transfer_{m}"], weak_acc, oracle_acc),
                        }
                    )
                for m in measures.ensemble_only:
                    row[f"weak_ensemble_{m}"] = pick[f"ensemble_{m}"]
                rows.append(row)
    return pd.DataFrame(rows)


def one_run_summary(tidy: pd.DataFrame, seed: int, measures: Measures, select_on: str | None = None) -> pd.DataFrame:
    """:func:`per_seed_summary` of the one run ``seed`` alone, its rounds selected within that run:
    Tables 5/8 and their bar figures show one run ("here we run experiment once"), so its best
    round is that run's best, not the round that is best on the mean over seeds."""
    run = tidy[tidy["seed"] == seed]
    if run.empty:
        raise ValueError(f"no run with seed {seed}; the tidy metrics have seeds {sorted(tidy['seed'].unique().tolist())}")
    return per_seed_summary(run, measures, select_on)


# --------------------------------------------------------------------------- 2. aggregate seeds
def _numeric_columns(frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    skip = {"dataset", "seed", "weak", "strong", "selection", "split", "t", *keys}
    return [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool]


def aggregate_seeds(per_seed: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean and SEM over seeds of every numeric column (``{col}`` and ``{col}_sem``), plus the
    number of seeds and how many of them had an undefined PGR (oracle <= weak)."""
    rows = []
    for key, group in per_seed.groupby(list(keys), sort=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        if "t" in group and "t" not in keys:  # the selected round: one per (pair, selection), in every seed
            row["t"] = int(group["t"].iloc[0])
        row["n_seeds"] = len(group)
        for column in _numeric_columns(per_seed, keys):
            row[column], row[f"{column}_sem"] = mean_sem(group[column])
        for column in [c for c in per_seed.columns if "_pgr_" in c]:
            row[f"{column}_undefined"] = int(group[column].isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)


ROUND_VALUES = ("epsilon", "alpha", "paper_alpha", "train_error", "pgr")


def by_model_order(frame: pd.DataFrame, models_order: Sequence[str], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Rows ordered as the weak -> strong model list (weak first, then strong), then ``extra``."""
    rank = {name: i for i, name in enumerate(models_order)}

    def key(column):
        return column.map(rank) if column.name in ("weak", "strong") else column

    return frame.sort_values(["weak", "strong", *extra], key=key, kind="stable").reset_index(drop=True)


def aggregate_rounds(tidy: pd.DataFrame, measures: Measures, models_order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (weak, strong, t): mean and SEM over seeds (``{col}_mean``, ``{col}_sem``) of the
    round's statistics and every accuracy, and how many seeds' round t was accepted, rejected or
    stopped, or had an undefined PGR; in ``models_order`` where given."""
    accuracies = [c for c in tidy.columns if "_" in c and c.split("_", 1)[0] in ("weak", "ensemble", "transfer", "oracle") and c not in LABEL_COLUMNS]
    columns = [*ROUND_VALUES, *accuracies, *(c for c in ("pseudo_label_accuracy", "ensemble_train_error") if c in tidy)]
    rows = []
    for (weak, strong, t), group in tidy.groupby(["weak", "strong", "t"], sort=False):
        row = {"weak": weak, "strong": strong, "t": int(t), "n_seeds": int(group["seed"].nunique())}
        row["accepted_seeds"] = int(group["accepted"].astype(bool).sum())
        for status in ("rejected", "stopped"):
            row[f"{status}_seeds"] = int((group["status"] == status).sum())
        row["pgr_undefined_seeds"] = int(group["pgr"].isna().sum())
        for column in columns:
            row[f"{column}_mean"], row[f"{column}_sem"] = mean_sem(group[column])
        rows.append(row)
    rounds = pd.DataFrame(rows)
    return by_model_order(rounds, models_order, ["t"]) if models_order else rounds


# ------------------------------------------------------------------------------------ 3. tables
def _pm(mean, sem, digits: int = 3, signed: bool = False) -> str:
    return format_mean_sem(mean, sem, digits, signed=signed)


def _pm_column(frame: pd.DataFrame, column: str, digits: int = 3, signed: bool = False) -> list[str]:
    """ "mean ± SEM" strings of ``column`` and its ``{column}_sem`` beside it (plain values where
    the SEM is undefined: one seed)."""
    return [_pm(m, s, digits, signed) for m, s in zip(frame[column], frame[f"{column}_sem"])]


# The paper's columns of Tables 3/4, 6/7 (and the one-run Tables 5/8): roles, in order.
PAPER_ROLES = ("weak", "baseline", "ensemble", "oracle", "baseline_pgr", "ensemble_pgr")


def generation_table(
    aggregated: pd.DataFrame, measure: str = "option", selection: str = "best", intervals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Tables 3/4 and 6/7 as printed, for one accuracy ``measure``: one row per pair at the
    ``selection`` round (the paper's: best), weak, w2s baseline, w2s ensemble, oracle and both PGRs,
    "mean ± SEM" over seeds (plain values at one seed).  The other selections stay in the CSV.
    ``intervals`` (:func:`ensemw2s.gains.gain_intervals`, of ``measure``): each gain with its 95 %
    bootstrap interval beside them."""
    rows = aggregated[aggregated["selection"] == selection].reset_index(drop=True)
    display = pd.DataFrame({"weak model": rows["weak"], "strong model": rows["strong"], "T": rows["t"].astype(int)})
    for role in PAPER_ROLES:
        display[label(role)] = _pm_column(rows, f"{role}_{measure}")
    return _with_intervals(display, rows[["weak", "strong", "t"]], intervals)


def _with_intervals(display: pd.DataFrame, keys: pd.DataFrame, intervals: pd.DataFrame | None, seed: str = gains.ALL_SEEDS) -> pd.DataFrame:
    if intervals is None:
        return display
    return pd.concat([display, gains.interval_columns(keys, intervals, seed=seed)], axis=1)


def classification_pairs(
    aggregated: pd.DataFrame, rounds: pd.DataFrame, models_order: Sequence[str], *, measures: Measures = CLASSIFICATION
) -> pd.DataFrame:
    """Tables 1/2 (numbers): one row per pair with the single weak model, the oracle, the baseline
    student (t = 1) and, at each selected round, the weak ensemble (under every vote) and its
    student with PGR; then α_t in Algorithm 2's convention and the weighted error ε_t per round."""
    m = measures.select_on
    rank = {name: i for i, name in enumerate(models_order)}
    rows = []
    for (weak, strong), pair in aggregated.groupby(["weak", "strong"], sort=False):
        by_selection = pair.set_index("selection")
        first = by_selection.loc["best"]
        row = {"weak": weak, "strong": strong, "strong_rank": rank[strong], "n_seeds": int(first["n_seeds"])}
        for column, source in (
            ("weak_acc", f"weak_{m}"),
            ("oracle_acc", f"oracle_{m}"),
            ("baseline_acc", f"baseline_{m}"),
            ("baseline_pgr", f"baseline_pgr_{m}"),
        ):
            row[column], row[f"{column}_sem"] = first[source], first[f"{source}_sem"]
        row["pgr_undefined_seeds"] = int(first[f"baseline_pgr_{m}_undefined"])
        for selection in SELECTIONS:
            chosen = by_selection.loc[selection]
            row[f"{selection}_t"] = int(chosen["t"])
            for column in [m, *measures.ensemble_only]:
                row[f"{selection}_weak_ensemble_{column}"] = chosen[f"weak_ensemble_{column}"]
                row[f"{selection}_weak_ensemble_{column}_sem"] = chosen[f"weak_ensemble_{column}_sem"]
            row[f"{selection}_acc"], row[f"{selection}_acc_sem"] = chosen[f"ensemble_{m}"], chosen[f"ensemble_{m}_sem"]
            row[f"{selection}_pgr"], row[f"{selection}_pgr_sem"] = chosen[f"ensemble_pgr_{m}"], chosen[f"ensemble_pgr_{m}_sem"]
        for _, round_row in rounds[(rounds["weak"] == weak) & (rounds["strong"] == strong)].iterrows():
            t = int(round_row["t"])
            row[f"paper_alpha_{t}"], row[f"paper_alpha_{t}_sem"] = round_row["paper_alpha_mean"], round_row["paper_alpha_sem"]
            row[f"train_err_{t}"], row[f"train_err_{t}_sem"] = round_row["epsilon_mean"], round_row["epsilon_sem"]
            row[f"weak_ensemble_{t}"], row[f"weak_ensemble_{t}_sem"] = round_row[f"ensemble_{m}_mean"], round_row[f"ensemble_{m}_sem"]
        rows.append(row)
    return by_model_order(pd.DataFrame(rows), models_order)


def classification_table(
    pairs: pd.DataFrame, measures: Measures = CLASSIFICATION, digits: int = 3, selection: str = "best", intervals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Tables 1/2 as printed: per pair, the weak model's accuracy as a single expert (T = 1) and
    as the T-round ensemble of each round (the vote its students learn), α_t (Algorithm 2's
    ½ ln((1 − ε)/ε)) and Err_t (weighted training error) per round, then the w2s baseline, the
    w2s ensemble at the ``selection`` round (the paper's: best), the oracle and both PGRs; "mean
    ± SEM" over seeds (plain values at one seed).  Other rounds and votes stay in the CSV.
    ``intervals``: as :func:`generation_table`'s."""

    def pm(row, column):
        return _pm(row[column], row[f"{column}_sem"], digits)

    rounds = sorted(int(c.rsplit("_", 1)[1]) for c in pairs.columns if c.startswith("paper_alpha_") and not c.endswith("_sem"))
    rows = []
    for _, row in pairs.iterrows():
        shown = {"weak model": row["weak"], "strong model": row["strong"]}
        for t in rounds:
            shown[f"weak (T={t})"] = pm(row, f"weak_ensemble_{t}")
        for t in rounds:
            shown[f"α_{t}"] = pm(row, f"paper_alpha_{t}")
        for t in rounds:
            shown[f"Err_{t}"] = pm(row, f"train_err_{t}")
        shown["w2s baseline"] = pm(row, "baseline_acc")
        shown["T"] = int(row[f"{selection}_t"])
        shown["w2s ensemble"] = pm(row, f"{selection}_acc")
        shown["oracle"] = pm(row, "oracle_acc")
        shown["PGR baseline"] = pm(row, "baseline_pgr")
        shown["PGR ensemble"] = pm(row, f"{selection}_pgr")
        rows.append(shown)
    keys = pd.DataFrame({"weak": pairs["weak"], "strong": pairs["strong"], "t": pairs[f"{selection}_t"]}).reset_index(drop=True)
    return _with_intervals(pd.DataFrame(rows), keys, intervals)


def rounds_table(rounds: pd.DataFrame, measures: Measures, digits: int = 3) -> pd.DataFrame:
    """The per-round view: α_t, ε_t, the weak ensemble and its student, PGR, mean ± SEM per T."""
    m = measures.select_on
    columns = [("paper_alpha", "α_t = ½ln((1−ε)/ε)"), ("epsilon", "Err_t (weighted)")]
    if measures.ensemble_only:
        columns += [(f"ensemble_{v}", f"weak ensemble acc, {v.removesuffix('_acc')} vote") for v in measures.ensemble_only]
    else:
        columns += [(f"ensemble_{m}", f"weak ensemble acc ({m})")]
    columns += [(f"transfer_{m}", "transfer acc"), ("pgr", "PGR")]
    rows = []
    for _, row in rounds.iterrows():
        n = int(row["n_seeds"])
        shown = {
            "weak": row["weak"],
            "strong": row["strong"],
            "T": int(row["t"]),
            "accepted": f"{int(row['accepted_seeds'])}/{n}",
            "stopped": f"{int(row['stopped_seeds'])}/{n}",
        }
        for column, name in columns:
            shown[name] = _pm(row[f"{column}_mean"], row[f"{column}_sem"], digits)
        rows.append(shown)
    return pd.DataFrame(rows)


def one_run_table(per_seed: pd.DataFrame, seed: int, measures: Measures = GENERATION) -> pd.DataFrame:
    """Tables 5/8: one run (``seed``), best round: the ensemble's improvement over the baseline.
    ``per_seed``: :func:`one_run_summary` rows (with a ``split`` column), the round that run's best."""
    run = per_seed[(per_seed["seed"] == seed) & (per_seed["selection"] == "best")]
    out = run[["split", "weak", "strong", "t"]].copy()
    for m in measures.keys:
        for role in ("weak", "baseline", "ensemble", "oracle"):
            out[f"{role}_{m}"] = run[f"{role}_{m}"]
        out[f"improvement_{m}"] = run[f"ensemble_{m}"] - run[f"baseline_{m}"]
    return out.reset_index(drop=True)


def one_run_shown(
    table: pd.DataFrame, measure: str = "option", digits: int = 3, intervals_by_split: Mapping[str, pd.DataFrame] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Tables 5/8 as printed, for one accuracy ``measure``: per split and pair, weak, w2s
    baseline, w2s ensemble (the run's best round T), oracle and the improvement over the baseline;
    with ``intervals_by_split``, the run's (``seed``'s) 95 % bootstrap interval of it."""
    shown = pd.DataFrame({"split": table["split"].map(label), "weak model": table["weak"], "strong model": table["strong"], "T": table["t"]})
    for role in ("weak", "baseline", "ensemble", "oracle"):
        shown[label(role)] = [f"{v:.{digits}f}" for v in table[f"{role}_{measure}"]]
    shown["improvement"] = [f"{v:+.{digits}f}" for v in table[f"improvement_{measure}"]]
    if intervals_by_split:
        header = gains.INTERVAL_HEADERS["student_gain"]
        cells = pd.Series("", index=table.index, dtype=object)
        for split, rows in table.groupby("split", sort=False):
            cells.loc[rows.index] = gains.interval_columns(rows, intervals_by_split[split], seed=str(seed))[header]
        shown[header] = cells
    return shown


def easy_vs_hard_table(easy: Sequence[dict], hard: Sequence[dict], measures: Measures = GENERATION) -> tuple[pd.DataFrame, dict]:
    """The paper's Figure-5 table: each model trained on easy vs on hard data, evaluated on hard
    (the easy-hard split's test part); mean ± SEM over seeds.  (numbers, {measure: display})."""
    frame = pd.DataFrame(
        [
            {
                "dataset": m["run"]["dataset"],
                "model": m["run"]["model"],
                "trained_on": kind,
                "seed": int(m["run"]["seed"]),
                **{meas: float(m["test"][key]) for meas, key in measures.keys.items()},
            }
            for kind, runs in (("easy", easy), ("hard", hard))
            for m in runs
        ]
    )
    rows = []
    for (dataset, model), group in frame.groupby(["dataset", "model"], sort=False):
        row = {"dataset": dataset, "model": model}
        for kind in ("easy", "hard"):
            for meas in measures.keys:
                row[f"trained_on_{kind}_{meas}"], row[f"trained_on_{kind}_{meas}_sem"] = mean_sem(group[group["trained_on"] == kind][meas])
        rows.append(row)
    table = pd.DataFrame(rows)
    return table, {meas: easy_vs_hard_shown(table, meas) for meas in measures.keys}


def easy_vs_hard_shown(table: pd.DataFrame, measure: str = "option") -> pd.DataFrame:
    """The Figure-5 table as printed, for one accuracy ``measure``: trained on easy, on hard."""
    display = table[["dataset", "model"]].copy()
    for kind in ("easy", "hard"):
        display[f"trained on {kind}"] = _pm_column(table, f"trained_on_{kind}_{measure}")
    return display


# ----------------------------------------------------------------------------- 4. figure frames
def pgr_figure_frame(aggregated: pd.DataFrame, models: Sequence[str], measure: str, *, selection: str = "best") -> pd.DataFrame:
    """The columns :func:`ensemw2s.plots.pgr_figure` expects, for one measure and round selection."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown round selection {selection!r}; expected one of {SELECTIONS}")
    chosen = aggregated[aggregated["selection"] == selection]
    frame = pd.DataFrame(
        {
            "split": chosen["split"],
            "weak": chosen["weak"],
            "strong": chosen["strong"],
            "strong_rank": [list(models).index(s) for s in chosen["strong"]],
        }
    )
    for column, source in (
        ("weak_acc", "weak"),
        ("oracle_acc", "oracle"),
        ("baseline_acc", "baseline"),
        ("ensemble_acc", "ensemble"),
        ("baseline_pgr", "baseline_pgr"),
        ("ensemble_pgr", "ensemble_pgr"),
    ):
        frame[column] = chosen[f"{source}_{measure}"].to_numpy()
        if f"{source}_{measure}_sem" in chosen:  # aggregated rows; per-seed rows have none
            frame[f"{column}_sem"] = chosen[f"{source}_{measure}_sem"].to_numpy()
    if "seed" in chosen:
        frame.insert(0, "seed", chosen["seed"].to_numpy())
    return frame.reset_index(drop=True)


def split_summaries(tidy_by_split: Mapping[str, pd.DataFrame], measures: Measures, select_on: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-seed rows, their seed aggregate) of every split, with a ``split`` column: steps 1-2."""
    per_seed = []
    for split, tidy in tidy_by_split.items():
        frame = per_seed_summary(tidy, measures, select_on)
        frame.insert(0, "split", split)
        per_seed.append(frame)
    per_seed = pd.concat(per_seed, ignore_index=True)
    return per_seed, aggregate_seeds(per_seed, ["split", "weak", "strong", "selection"])


def weak_gain_frame(tidy: pd.DataFrame, dataset: str, splits: Sequence[str]) -> pd.DataFrame:
    """Figure 3: test token error of the single weak model (t = 1) and of the combined T-round
    ensemble, one row per (split, weak, seed, model) of ``dataset`` (the figure aggregates seeds)."""
    rows = []
    for split in splits:
        runs = tidy[(tidy["dataset"] == dataset) & (tidy["split"] == split)]
        if runs.empty:
            raise ValueError(f"no tidy metrics of {dataset} ({split} split)")
        per_weak = runs.drop_duplicates(["seed", "weak", "t"])
        final_t = per_weak["t"].max()
        for (weak, seed), group in per_weak.groupby(["weak", "seed"], sort=False):
            for name, t in (("single weak (T = 1)", 1), (f"weak ensemble (T = {final_t})", final_t)):
                error = 1.0 - float(group[group["t"] == t]["ensemble_token"].iloc[0])
                rows.append({"dataset": dataset, "split": split, "weak": weak, "seed": int(seed), "model": name, "token_error": error})
    return pd.DataFrame(rows)


def bars_frame(per_seed: pd.DataFrame, seed: int, measures: Measures = GENERATION) -> pd.DataFrame:
    """Figs 13/14/16/17 (one run): weak, w2s baseline, w2s ensemble (best round), oracle per pair,
    one row per (pair, measure, role), keys as the reader's labels (ensemw2s.labels).
    ``per_seed``: :func:`one_run_summary` rows, so the bars are the run's numbers in Table 5 / 8."""
    run = per_seed[(per_seed["seed"] == seed) & (per_seed["selection"] == "best")]
    rows = []
    for _, r in run.iterrows():
        for m in measures.keys:
            for role in ("weak", "baseline", "ensemble", "oracle"):
                rows.append(
                    {
                        "seed": seed,
                        "pair": f"{r['weak']} → {r['strong']}",
                        "measure": label(m),
                        "model": label(role),
                        "accuracy": float(r[f"{role}_{m}"]),
                    }
                )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the four steps, one call each
def classification_tables(
    tidy: pd.DataFrame, models_order: Sequence[str], measures: Measures = CLASSIFICATION, intervals: pd.DataFrame | None = None
) -> dict:
    """Tables 1/2 of one split: ``{"pairs": (numbers, display), "rounds": (numbers, display)}``;
    ``intervals`` (:func:`ensemw2s.gains.gain_intervals`) beside the pairs' gains."""
    aggregated = aggregate_seeds(per_seed_summary(tidy, measures), ["weak", "strong", "selection"])
    rounds = aggregate_rounds(tidy, measures, models_order)
    pairs = classification_pairs(aggregated, rounds, models_order, measures=measures)
    return {"pairs": (pairs, classification_table(pairs, measures, intervals=intervals)), "rounds": (rounds, rounds_table(rounds, measures))}


def generation_tables(
    tidy_by_split: Mapping[str, pd.DataFrame],
    report_seed: int,
    measures: Measures = GENERATION,
    intervals_by_split: Mapping[str, pd.DataFrame] | None = None,
) -> dict:
    """Tables 3/4/5 (6/7/8): ``{split: (numbers, {measure: display}) for each split, "one_run":
    (numbers, {measure: display})}``; one display per accuracy measure (its own file).
    ``intervals_by_split`` (:func:`ensemw2s.gains.gain_intervals` of each split, on the track's
    round-selecting measure): the gains' 95 % bootstrap intervals in that measure's tables."""
    intervals_by_split = intervals_by_split or {}
    _, aggregated = split_summaries(tidy_by_split, measures)
    tables = {}
    for split in tidy_by_split:
        numeric = aggregated[aggregated["split"] == split].reset_index(drop=True)
        bounds = intervals_by_split.get(split)
        tables[split] = (numeric, {m: generation_table(numeric, m, intervals=bounds if m == measures.select_on else None) for m in measures.keys})
    one_run = pd.concat(
        [one_run_summary(tidy, report_seed, measures).assign(split=split) for split, tidy in tidy_by_split.items()], ignore_index=True
    )
    numbers = one_run_table(one_run, report_seed, measures)
    tables["one_run"] = (
        numbers,
        {
            m: one_run_shown(numbers, m, intervals_by_split=intervals_by_split if m == measures.select_on else None, seed=report_seed)
            for m in measures.keys
        },
    )
    return tables


def pgr_figure_summary(
    tidy_by_split: Mapping[str, pd.DataFrame], measures: Measures, models: Sequence[str], *, measure: str, selection: str = "best"
) -> pd.DataFrame:
    """What :func:`ensemw2s.plots.pgr_figure` draws, from the tidy metrics of every split: rounds
    selected on ``measure`` (on the seed mean), one row per seed (the figure aggregates them), the
    ``selection`` round's ensemble student."""
    per_seed, _ = split_summaries(tidy_by_split, measures, select_on=measure)
    return pgr_figure_frame(per_seed, models, measure, selection=selection)


# -------------------------------------------------------------- Appendix G.2's ablations (generation)
# Figures 10-12: the weak ensemble (and, for the combination, its students) of one variant beside
# another.  Column names follow the tidy rows: ``ensemble_{m}`` / ``ensemble_val_{m}`` for the weak
# ensemble and ``transfer_{m}`` for the student, m in GENERATION.keys; ``ensemble_token_error`` is
# 1 − token accuracy (Figure 3's and Figures 11-12's y-axis).
CURVE_ROUND_COLUMNS = ("status", "accepted", "alpha", "epsilon", "epsilon_pre", "n_units")


def _with_token_error(row: dict, role: str) -> None:
    row[f"{role}_token_error"] = 1.0 - row[f"{role}_token"]


def curve_rows(curves: Sequence[dict]) -> pd.DataFrame:
    """One row per (dataset, split, seed, weak, variant, t) from the ensemble-curve results
    (scripts/ensemble_curve.py): the round's statistics and the first-t ensemble's accuracies."""
    rows = []
    for curve in curves:
        run = curve["run"]
        for point in curve["rows"]:
            row = {"dataset": run["dataset"], "split": run["split"], "seed": int(run["seed"]), "weak": run["weak"], "variant": run["variant"]}
            row.update({"t": int(point["t"]), "experts_voting": int(point["experts_voting"])})
            row.update({column: point["round"][column] for column in CURVE_ROUND_COLUMNS})
            _accuracies(row, "ensemble", point)
            _with_token_error(row, "ensemble")
            rows.append(row)
    if not rows:
        raise ValueError("no ensemble curves to collect")
    return pd.DataFrame(rows)


def combine_rows(labels: Sequence[dict], students: Sequence[dict], *, combines: Sequence[str], main_combine: str) -> pd.DataFrame:
    """One row per (dataset, split, seed, weak, strong, t, combine): the weak ensemble's and its
    student's accuracies.  Results without a ``combine`` in their run key are the main run's (its
    ``main_combine``); its T = 1 results (one expert, which both combinations leave as it is) stand
    for every combination."""

    def index(results, names, what):
        by = {}
        for result in results:
            run = result["run"]
            key = _key(run, *names)
            owners = [run["combine"]] if "combine" in run else (list(combines) if str(run["t"]) == "1" else [main_combine])
            for combine in owners:
                if key + (combine,) in by:
                    raise ValueError(f"two {what} results for {dict(zip(names, key))}, combine {combine}")
                by[key + (combine,)] = result
        return by

    label_by = index(labels, ("split", "seed", "weak", "t"), "ensemble label")
    student_by = index(students, ("split", "seed", "weak", "strong", "t"), "student")
    rows = []
    for (split, seed, weak, strong, t, combine), student in student_by.items():
        ensemble = label_by.get((split, seed, weak, t, combine))
        if ensemble is None:
            raise ValueError(f"student {student['run']} ({combine}): no ensemble labels of its experts to join with")
        row = {
            "dataset": student["run"]["dataset"],
            "split": split,
            "seed": int(seed),
            "weak": weak,
            "strong": strong,
            "t": int(t),
            "combine": combine,
        }
        row["pseudo_label_accuracy"] = float(ensemble["pseudo_label_accuracy"])
        for role, result in (("ensemble", ensemble), ("transfer", student)):
            _accuracies(row, role, result)
            _with_token_error(row, role)
        rows.append(row)
    if not rows:
        raise ValueError("no combine-ablation students to collect")
    return pd.DataFrame(rows).sort_values(["split", "weak", "strong", "t", "combine", "seed"]).reset_index(drop=True)


def _with_accepted(aggregated: pd.DataFrame, tidy: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    accepted = tidy.groupby(list(keys), sort=False)["accepted"].apply(lambda a: int(a.astype(bool).sum())).rename("accepted_seeds")
    return aggregated.merge(accepted.reset_index(), on=list(keys), how="left")


CURVE_KEYS = ("dataset", "split", "weak", "variant", "t")
COMBINE_KEYS = ("dataset", "split", "weak", "strong", "t", "combine")


def curve_table(tidy: pd.DataFrame, digits: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(numbers, shown): per (dataset, split, weak, variant, t), mean ± SEM over seeds of the
    first-t weak ensemble's test accuracies and token error, with the round's ε and α and how many
    seeds accepted it."""
    numeric = _with_accepted(aggregate_seeds(tidy.drop(columns=["n_units"]), CURVE_KEYS), tidy, CURVE_KEYS)
    shown = numeric[list(CURVE_KEYS)].rename(columns={"t": "T"}).copy()
    shown["accepted"] = [f"{a}/{n}" for a, n in zip(numeric["accepted_seeds"], numeric["n_seeds"])]
    for column, name in (("epsilon", "ε_t"), ("alpha", "α_t")):
        shown[name] = _pm_column(numeric, column, digits)
    for column, name in (("ensemble_option", "ensemble option acc"), ("ensemble_token_error", "ensemble token error")):
        shown[name] = _pm_column(numeric, column, digits)
    return numeric, shown


def combine_table(tidy: pd.DataFrame, digits: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(numbers, shown): per (split, pair, T, combination), mean ± SEM over seeds of the weak
    ensemble's and the student's test option accuracy (and token accuracy in the CSV)."""
    numeric = aggregate_seeds(tidy, COMBINE_KEYS)
    shown = numeric[list(COMBINE_KEYS)].rename(columns={"t": "T"}).copy()
    for column, name in (
        ("pseudo_label_accuracy", "pseudo-label acc"),
        ("ensemble_option", "weak ensemble option acc"),
        ("transfer_option", "student option acc"),
    ):
        shown[name] = _pm_column(numeric, column, digits)
    return numeric, shown


# --------------------------------------------- ID vs OOD (the published version's evaluation)
# Each split's parts play a role: the random split's test set is in-distribution (ID) for the weak
# models; on the easy-hard split, easy_test (easy items held out of weak training) is ID and the
# hard test set is out-of-distribution by difficulty.  The easy-hard split is the ID / OOD
# artifact's own variant (splits.ID_SPLIT) where a dataset holds easy items out, else the main one
# (no easy_test there: no ID row).  Column prefix of a part in the tidy rows: test -> "{role}_{m}",
# easy_test -> "{role}_easy_test_{m}".
EASYHARD = "easyhard"  # the role; id_ood_split gives the split that plays it
DISTRIBUTIONS = (("random", "ID", "test"), (EASYHARD, "ID", "easy_test"), (EASYHARD, "OOD (difficulty)", "test"))


def id_ood_split(tidy: pd.DataFrame) -> str:
    """The easy-hard split of one dataset's ID / OOD rows: ID_SPLIT where it ran, else easyhard."""
    return ID_SPLIT if (tidy["split"] == ID_SPLIT).any() else "easyhard"


def id_ood_frame(tidy: pd.DataFrame) -> pd.DataFrame:
    """The rows the ID / OOD evaluation reads (tidy rows of any datasets): each dataset's random split
    and its :func:`id_ood_split` (the main easy-hard rows are left out where the variant ran)."""
    keep = [rows[rows["split"].isin(("random", id_ood_split(rows)))] for _, rows in tidy.groupby("dataset", sort=False)]
    return pd.concat(keep, ignore_index=True) if keep else tidy.iloc[0:0]


def distributions(tidy: pd.DataFrame, measure: str) -> list[tuple[str, str, str]]:
    """(split, distribution, part) of one dataset's tidy rows: :data:`DISTRIBUTIONS` (the easy-hard
    role played by :func:`id_ood_split`), then OOD by dataset for every ``ood_*`` part its jobs
    evaluated (on either split)."""
    easyhard = id_ood_split(tidy)
    prefix, suffix = f"transfer_{OOD_PREFIX}", f"_{measure}"
    others = sorted({c.removeprefix("transfer_").removesuffix(suffix) for c in tidy.columns if c.startswith(prefix) and c.endswith(suffix)})
    return [
        *((easyhard if split == EASYHARD else split, distribution, part) for split, distribution, part in DISTRIBUTIONS),
        *((split, f"OOD (dataset {part.removeprefix(OOD_PREFIX)})", part) for split in ("random", easyhard) for part in others),
    ]


# The measures of each track's ID / OOD rows: (tidy measure, label, shown as an error).  A token
# error row shows 1 − token accuracy, and its gains are error reductions (single − ensemble), so a
# positive gain is an improvement under every measure (Section 4.2.1 measures experts in token error).
ID_OOD_MEASURES = {
    "generation": (("option", "option accuracy", False), ("token", "token error", True)),
    "classification": (("acc", "accuracy", False),),
}
# How the round T of a row is chosen (metrics.select_rounds, per pair on the seed-mean student of
# the row's measure): on the row's own part (best, the paper's plots), on validation, or the last.
ID_OOD_SELECTIONS = {"best": "test", "val_selected": "val", "final": "last round"}
ID_OOD_KEYS = ("track", "dataset", "split", "distribution", "part", "measure", "t_chosen_on", "weak", "strong")
ID_OOD_MODELS = ("weak_single", "weak_ensemble", "baseline_student", "ensemble_student", "oracle", "easy_trained")


def id_ood_rows(
    tidy: pd.DataFrame,
    *,
    track: str,
    selections: Sequence[str] = ("best", "val_selected"),
    easy: Mapping[tuple[str, str], Mapping] | None = None,
) -> pd.DataFrame:
    """One row per (distribution, measure, selection, seed, weak, strong) of one dataset's tidy rows
    (random split and :func:`id_ood_split`): on that distribution's part and measure
    (:data:`ID_OOD_MEASURES`), the single weak model, the weak ensemble and the ensemble-trained
    student at the pair's round T (each of ``selections``, labelled ``t_chosen_on``: best on the
    part, val_selected on val, or final; on the seed-mean student of that measure), the baseline
    student (T = 1), the oracle, the expert gain (ensemble − single) and the student gain
    (ensemble- − baseline-supervised), and the strong model trained on easy ground truth (``easy``:
    {(seed, model): its metrics}) where given.  An error measure shows 1 − accuracy and gains as
    error reductions."""
    rows = []
    for split, distribution, part in distributions(tidy, TRACK_MEASURES[track].select_on):
        for measure, measure_label, as_error in ID_OOD_MEASURES[track]:
            key = TRACK_MEASURES[track].keys[measure]
            data = tidy[tidy["split"] == split]
            score, val = _part_column("transfer", part, measure), f"transfer_val_{measure}"
            if data.empty or score not in data or data[score].isna().all():
                continue  # no such part evaluated (n_easy_test: 0), or not this measure
            for (weak, strong), pair in data.groupby(["weak", "strong"], sort=False):
                by_round = pair.groupby("t", as_index=False)[[score, val]].mean()
                chosen = select_rounds(by_round, score=score, val=val)
                for selection in dict.fromkeys(selections):
                    t = chosen[selection]
                    for seed, runs in pair.groupby("seed", sort=False):
                        baseline, pick = runs[runs["t"] == 1].iloc[0], runs[runs["t"] == t].iloc[0]
                        row = {"track": track, "dataset": runs["dataset"].iloc[0], "split": split, "distribution": distribution, "part": part}
                        row.update({"measure": measure_label, "t_chosen_on": ID_OOD_SELECTIONS[selection]})
                        row.update({"seed": int(seed), "weak": weak, "strong": strong, "t": int(t)})
                        row["weak_single"] = baseline[_part_column("weak", part, measure)]
                        row["weak_ensemble"] = pick[_part_column("ensemble", part, measure)]
                        row["baseline_student"] = baseline[score]
                        row["ensemble_student"] = pick[score]
                        row["oracle"] = baseline[_part_column("oracle", part, measure)]
                        row["expert_gain"] = row["weak_ensemble"] - row["weak_single"]  # = error(single) − error(ensemble)
                        row["student_gain"] = row["ensemble_student"] - row["baseline_student"]
                        trained_easy = (easy or {}).get((str(seed), strong)) if split != "random" else None
                        row["easy_trained"] = float(trained_easy[part][key]) if trained_easy and part in trained_easy else float("nan")
                        if as_error:
                            row.update({model: 1.0 - row[model] for model in ID_OOD_MODELS})
                        rows.append(row)
    return pd.DataFrame(rows)


ID_OOD_SHOWN = (
    ("weak_single", "weak (single)"),
    ("weak_ensemble", "weak ensemble"),
    ("expert_gain", "expert gain"),
    ("baseline_student", "w2s baseline"),
    ("ensemble_student", "w2s ensemble"),
    ("student_gain", "student gain"),
    ("oracle", "oracle"),
    ("easy_trained", "strong on easy"),
)


def id_ood_table(rows: pd.DataFrame, digits: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(numbers, shown): mean ± SEM over seeds per (track, dataset, distribution, measure, how T
    was chosen, pair) of :func:`id_ood_rows`, the published abstract's quantities (expert and student
    gain, ID and OOD)."""
    if rows.empty:
        raise ValueError("no ID / OOD results: every dataset lacks an evaluated part")
    numeric = aggregate_seeds(rows, ID_OOD_KEYS)
    shown = numeric[["track", "dataset", "distribution", "split", "measure", "weak", "strong", "t_chosen_on", "t"]]
    shown = shown.rename(columns={"t_chosen_on": "T chosen on", "t": "T"}).copy()
    for column, name in ID_OOD_SHOWN:
        shown[name] = _pm_column(numeric, column, digits)
    return numeric, shown


def distribution_label(distribution: str, split: str) -> str:
    """The reader's name of an ID / OOD part: which distribution, on which split's test data."""
    if distribution == "ID":
        return "ID: random split, test" if split == "random" else f"ID: {label(split)} split, easy test"
    if distribution == "OOD (difficulty)":
        return f"OOD: {label(split)} split, hard test"
    return f"OOD: {distribution.removeprefix('OOD (dataset ').removesuffix(')')} ({label(split)} split)"


def id_ood_figure_frame(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """:func:`id_ood_rows` (per seed) with ``group`` (dataset, and the pair where a dataset has
    several), ``hue`` (:func:`distribution_label`) and ``panel`` (the track); and the hues' order
    (ID first)."""
    frame = rows.copy()
    several = frame.groupby("dataset")[["weak", "strong"]].nunique().max(axis=1)
    frame["group"] = [f"{d}: {w} → {s}" if several[d] > 1 else d for d, w, s in zip(frame["dataset"], frame["weak"], frame["strong"])]
    frame["hue"] = [distribution_label(d, s) for d, s in zip(frame["distribution"], frame["split"])]
    frame["panel"] = frame["track"].map(label)
    order = list(dict.fromkeys(distribution_label(d, s) for s, d, _ in DISTRIBUTIONS))
    order += sorted(set(frame["hue"]) - set(order))
    return frame, order
