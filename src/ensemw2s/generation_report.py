"""From per-job metrics of the generation track to tidy frames, the paper's tables and figures.

One tidy row per (seed, weak, strong, t) holds everything a table or figure needs: the round's
boosting statistics, the single weak model (round 1) and the t-round weak ensemble on test, the
student trained on the ensemble's pseudo-answers (test and val), and the oracle.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .metrics import mean_sem, pgr, select_rounds

MEASURES = ("option", "option_norm", "token")  # lm-eval acc, acc_norm, token-wise accuracy
SELECTIONS = ("best", "final", "val_selected")


def _acc(metrics: dict, part: str, measure: str) -> float:
    return float(metrics[part][f"{measure}_accuracy"])


def tidy_rows(students: Sequence[dict], labels: Sequence[dict], rounds: Sequence[dict], oracles: Sequence[dict]) -> pd.DataFrame:
    """Join the per-job JSONs (each carries its ``run`` keys) into one row per (seed, weak, strong, t)."""
    label_by = {(m["run"]["seed"], m["run"]["weak"], m["run"]["t"]): m for m in labels}
    round_by = {(r["run"]["seed"], r["run"]["weak"], r["run"]["t"]): r for r in rounds}
    oracle_by = {(o["run"]["seed"], o["run"]["model"]): o for o in oracles}
    rows = []
    for student in students:
        run = student["run"]
        seed, weak, strong, t = run["seed"], run["weak"], run["strong"], run["t"]
        single, ensemble, stats = label_by[(seed, weak, "1")], label_by[(seed, weak, t)], round_by[(seed, weak, t)]
        oracle = oracle_by[(seed, strong)]
        row = {
            "seed": int(seed),
            "weak": weak,
            "strong": strong,
            "t": int(t),
            "alpha": stats["alpha"],
            "epsilon": stats["epsilon"],
            "epsilon_pre": stats["epsilon_pre"],
            "accepted": stats["accepted"],
            "train_token_error": stats["train_token_error"],
            "status": stats.get("status", "accepted" if stats["accepted"] else "rejected"),
            "stopped_at": stats.get("stopped_at"),
            "experts_voting": ensemble.get("experts_voting"),
            "exact_match_rate": ensemble["exact_match_rate"],
            "mapping_agreement_rate": ensemble.get("mapping_agreement_rate"),
            "pseudo_label_accuracy": ensemble["pseudo_label_accuracy"],
        }
        for measure in MEASURES:
            row[f"weak_{measure}"] = _acc(single, "test", measure)
            row[f"ensemble_{measure}"] = _acc(ensemble, "test", measure)
            row[f"transfer_{measure}"] = _acc(student, "test", measure)
            row[f"transfer_val_{measure}"] = _acc(student, "val", measure)
            row[f"oracle_{measure}"] = _acc(oracle, "test", measure)
        rows.append(row)
    if not rows:
        raise ValueError("no student metrics to collect")
    return pd.DataFrame(rows).sort_values(["weak", "strong", "seed", "t"]).reset_index(drop=True)


def per_seed_summary(tidy: pd.DataFrame, measure: str = "option") -> pd.DataFrame:
    """One row per (seed, weak, strong, selection): baseline (t = 1) and ensemble transfer at the
    selected round, weak and oracle accuracy, and their PGRs.  One round is selected per pair, on
    the seed-mean ``measure`` accuracy of the students (as the classification track): the best on
    test (the paper), the final round, and the best on validation (never looking at test)."""
    rows = []
    for (weak, strong), pair in tidy.groupby(["weak", "strong"], sort=False):
        by_round = pair.groupby("t", as_index=False)[[f"transfer_{measure}", f"transfer_val_{measure}"]].mean()
        chosen = select_rounds(by_round, score=f"transfer_{measure}", val=f"transfer_val_{measure}")
        for seed, runs in pair.groupby("seed", sort=False):
            baseline = runs[runs["t"] == 1].iloc[0]
            for selection in SELECTIONS:
                pick = runs[runs["t"] == chosen[selection]].iloc[0]
                row = {"seed": seed, "weak": weak, "strong": strong, "selection": selection, "t": int(pick["t"])}
                for m in MEASURES:
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
                rows.append(row)
    return pd.DataFrame(rows)


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("seed", "weak", "strong", "selection", "split", "t") and pd.api.types.is_numeric_dtype(frame[c])]


def aggregate_seeds(per_seed: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean and SEM over seeds of every numeric column (``{col}`` and ``{col}_sem``), plus the
    number of seeds and how many of them had an undefined PGR (oracle <= weak)."""
    rows = []
    for key, group in per_seed.groupby(list(keys), sort=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row["n_seeds"] = len(group)
        for column in _numeric_columns(per_seed):
            row[column], row[f"{column}_sem"] = mean_sem(group[column])
        for column in [c for c in per_seed.columns if "_pgr_" in c]:
            row[f"{column}_undefined"] = int(group[column].isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(mean, sem, digits=3):
    from .tables import format_mean_sem

    return format_mean_sem(mean, sem, digits)


def main_table(aggregated: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables 3/4 and 6/7: (numeric frame, display frame of "mean ± SEM" strings)."""
    numeric = aggregated.copy()
    display = pd.DataFrame({"weak": numeric["weak"], "strong": numeric["strong"], "round": numeric["selection"], "seeds": numeric["n_seeds"]})
    for m, name in (("token", "token"), ("option", "option"), ("option_norm", "option, acc_norm")):
        for column, label in (
            ("weak", "weak"),
            ("baseline", "w2s baseline"),
            ("ensemble", "w2s ensemble"),
            ("oracle", "oracle"),
            ("baseline_pgr", "PGR baseline"),
            ("ensemble_pgr", "PGR ensemble"),
        ):
            display[f"{label} ({name})"] = [_fmt(a, b) for a, b in zip(numeric[f"{column}_{m}"], numeric[f"{column}_{m}_sem"])]
    return numeric, display


def one_run_table(per_seed: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Tables 5/8: one run (``seed``), best round: the ensemble's improvement over the baseline."""
    run = per_seed[(per_seed["seed"] == seed) & (per_seed["selection"] == "best")]
    out = run[["split", "weak", "strong", "t"]].copy()
    for m in MEASURES:
        out[f"baseline_{m}"] = run[f"baseline_{m}"]
        out[f"ensemble_{m}"] = run[f"ensemble_{m}"]
        out[f"improvement_{m}"] = run[f"ensemble_{m}"] - run[f"baseline_{m}"]
    return out.reset_index(drop=True)


def easy_vs_hard_table(easy: Sequence[dict], hard: Sequence[dict]) -> pd.DataFrame:
    """The paper's Figure-5 table: each model trained on easy vs on hard data, evaluated on hard
    (the easy-hard split's test part); mean ± SEM over seeds."""
    frame = pd.DataFrame(
        [
            {
                "dataset": m["run"]["dataset"],
                "model": m["run"]["model"],
                "trained_on": kind,
                "seed": int(m["run"]["seed"]),
                **{f"{meas}": _acc(m, "test", meas) for meas in MEASURES},
            }
            for kind, runs in (("easy", easy), ("hard", hard))
            for m in runs
        ]
    )
    rows = []
    for (dataset, model), group in frame.groupby(["dataset", "model"], sort=False):
        row = {"dataset": dataset, "model": model}
        for kind in ("easy", "hard"):
            for meas in MEASURES:
                row[f"trained_on_{kind}_{meas}"], row[f"trained_on_{kind}_{meas}_sem"] = mean_sem(group[group["trained_on"] == kind][meas])
        rows.append(row)
    return pd.DataFrame(rows)


def pgr_figure_frame(aggregated: pd.DataFrame, models: Sequence[str], measure: str = "option", selection: str = "best") -> pd.DataFrame:
    """The columns :func:`ensemw2s.plots.pgr_figure` expects, for one measure and round selection."""
    chosen = aggregated[aggregated["selection"] == selection]
    frame = pd.DataFrame(
        {"split": chosen["split"], "weak": chosen["weak"], "strong": chosen["strong"], "strong_rank": [models.index(s) for s in chosen["strong"]]}
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
        frame[f"{column}_sem"] = chosen[f"{source}_{measure}_sem"].to_numpy()
    return frame.reset_index(drop=True)


def weak_gain_frame(tidy_by_split: dict[str, pd.DataFrame], dataset: str) -> pd.DataFrame:
    """Figure 3: test token error of the single weak model (t = 1) and of the combined T-round ensemble."""
    rows = []
    for split, tidy in tidy_by_split.items():
        per_weak = tidy.drop_duplicates(["seed", "weak", "t"])
        final_t = per_weak["t"].max()
        for weak, group in per_weak.groupby("weak", sort=False):
            for label, t in (("single weak (t = 1)", 1), (f"ensemble (T = {final_t})", final_t)):
                errors = 1.0 - group[group["t"] == t]["ensemble_token"]
                mean, sem = mean_sem(errors)
                rows.append({"dataset": dataset, "split": split, "weak": weak, "model": label, "token_error": mean, "token_error_sem": sem})
    return pd.DataFrame(rows)


def bars_frame(per_seed: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Figs 13/14/16/17 (one run): weak, w2s baseline, w2s ensemble (best round), oracle per pair."""
    run = per_seed[(per_seed["seed"] == seed) & (per_seed["selection"] == "best")]
    rows = []
    for _, r in run.iterrows():
        for m in MEASURES:
            for column, label in (("weak", "weak"), ("baseline", "w2s baseline"), ("ensemble", "w2s ensemble"), ("oracle", "oracle")):
                rows.append({"pair": f"{r['weak']}\n→ {r['strong']}", "measure": f"{m}-wise", "model": label, "accuracy": float(r[f"{column}_{m}"])})
    return pd.DataFrame(rows)
