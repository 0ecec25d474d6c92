"""Weak-to-strong metrics shared by both tracks: PGR, mean ± SEM over seeds, round selection."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def accuracy(p_label1, labels) -> float:
    """Binary accuracy of probabilities p(label = 1) thresholded at 0.5."""
    p_label1, labels = np.asarray(p_label1, dtype=np.float64), np.asarray(labels)
    if p_label1.shape != labels.shape or labels.size == 0:
        raise ValueError("need one probability per label, and at least one")
    return float(np.mean((p_label1 > 0.5) == labels.astype(bool)))


def agreement(p_label1, p_label1_supervisor) -> float:
    """Share of items on which two classifiers, each thresholded at 0.5 as :func:`accuracy` does,
    predict the same label: Burns et al.'s student-supervisor agreement (1.0: the student copies)."""
    return choice_agreement(np.asarray(p_label1, dtype=np.float64) > 0.5, np.asarray(p_label1_supervisor, dtype=np.float64) > 0.5)


def choice_agreement(predicted, predicted_by_supervisor) -> float:
    """Share of items on which two models predict the same label or option (both per item, in one order)."""
    ours, theirs = np.asarray(predicted), np.asarray(predicted_by_supervisor)
    if ours.shape != theirs.shape or ours.size == 0:
        raise ValueError("need one supervisor prediction per prediction, and at least one")
    return float(np.mean(ours == theirs))


def pgr(transfer: float, weak: float, strong: float) -> float:
    """Performance gap recovered, (transfer − weak) / (strong − weak).

    NaN when the gap is not positive (strong ≤ weak: there is nothing to recover, and the ratio
    would flip sign or divide by zero) or when any input is NaN.  Callers flag such rows.
    """
    values = [float(transfer), float(weak), float(strong)]
    if any(math.isnan(v) for v in values) or strong <= weak:
        return float("nan")
    return (values[0] - values[1]) / (values[2] - values[1])


def mean_sem(values: Iterable[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample std, ddof = 1, over sqrt(n)).

    NaNs are dropped first (an undefined PGR of one seed does not poison the others).  With one
    value left the SEM is NaN (a single seed has no spread: the tables print "n/a", not ± 0);
    with none, both are NaN.
    """
    array = np.asarray([float(v) for v in values], dtype=np.float64)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return float("nan"), float("nan")
    if array.size == 1:
        return float(array[0]), float("nan")
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(array.size))


def _argmax_round(table, column: str, round_col: str) -> int:
    if column not in table.columns:
        raise ValueError(f"cannot select a round: no column {column!r} (columns: {', '.join(map(str, table.columns))})")
    scores = table[[round_col, column]].dropna()
    if scores.empty:
        return int(table[round_col].max())  # nothing to select on: fall back to the final round
    best = scores[column].max()
    return int(scores.loc[scores[column] == best, round_col].min())


def select_rounds(table, score: str = "test", val: str = "val", *, round_col: str = "t") -> dict[str, int]:
    """The rounds to report for one configuration (one row per round in ``table``).

    best: the ensemble round (t ≥ 2) with the highest ``score`` (what the paper reports, "all
    rounds (n ≥ 2)" against the baseline n = 1, and the authors train students from round 2 on;
    ties → the earlier round); final: the last round; val_selected: the ensemble round with the
    highest ``val`` score (ties → earlier), the honest choice that never looks at test.  Round 1,
    the single-weak baseline, is chosen only when it is the only round.  A column that is all NaN
    (over the candidate rounds) falls back to final.
    """
    if round_col not in table.columns or table.empty:
        raise ValueError(f"cannot select a round: the table is empty or has no column {round_col!r}")
    ensemble_rounds = table[table[round_col] >= 2]
    candidates = ensemble_rounds if not ensemble_rounds.empty else table
    return {
        "best": _argmax_round(candidates, score, round_col),
        "final": int(table[round_col].max()),
        "val_selected": _argmax_round(candidates, val, round_col),
    }
