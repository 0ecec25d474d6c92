"""Plain ensembles as baselines for EnsemW2S-AdaBoost: is a gain from boosting, or from ensembling?

- ``bagging``: expert t >= 2 trains on a bootstrap resample of the weak-training examples (n draws
  with replacement, seeded per expert: an example drawn k times weighs k in the loss);
- ``seeds``: expert t >= 2 trains on every example uniformly and differs from the others only by its
  training seed (the seed boosting round t uses);
- ``compute``: one weak model trained T x its epochs, as many training tokens as T experts.

Expert 1 of every plain ensemble is the main run's round-1 expert (the single weak model), so T = 1
of each baseline *is* the single weak model, computed once.  ``bagging`` and ``seeds`` vote with
uniform weights through the same decoding, labels and students as the boosted ensemble.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .boosting import round_seed

KINDS = ("bagging", "seeds", "compute")
ENSEMBLE_KINDS = ("bagging", "seeds")  # T experts with uniform votes; compute is one model
_BOOTSTRAP_STREAM = 0x6261_6767  # keeps bagging's draws apart from boosting's token draws (same seed, same t)


def bootstrap_counts(n_examples: int, seed: int, t: int) -> np.ndarray:
    """How often each of ``n_examples`` is drawn in expert t's bootstrap resample (n draws with
    replacement; a seed of its own per (run seed, expert))."""
    if n_examples < 1:
        raise ValueError("a bootstrap resample needs at least one example")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(t), _BOOTSTRAP_STREAM]))
    return np.bincount(rng.integers(0, n_examples, n_examples), minlength=n_examples)


def member_example_weights(kind: str, t: int, n_examples: int, seed: int) -> np.ndarray:
    """Per-example loss weights of expert t of plain ensemble ``kind``: its bootstrap counts
    (``bagging``, t >= 2) or 1 for every example (``seeds``; expert 1 of both)."""
    if kind not in ENSEMBLE_KINDS:
        raise ValueError(f"unknown plain ensemble {kind!r}; expected one of {ENSEMBLE_KINDS}")
    if t < 1:
        raise ValueError(f"experts are numbered from 1, got {t}")
    if kind == "seeds" or t == 1:
        return np.ones(n_examples)
    return bootstrap_counts(n_examples, seed, t).astype(np.float64)


def token_weights(example_weights: Sequence[float], answer_lengths: Sequence[int]) -> list[list[float]]:
    """Per-answer-token loss weights (EOS included) from one weight per example."""
    if len(example_weights) != len(answer_lengths):
        raise ValueError(f"{len(example_weights)} example weights for {len(answer_lengths)} answers")
    return [[float(w)] * int(n) for w, n in zip(example_weights, answer_lengths)]


def member_training_seed(kind: str, t: int, seed: int) -> int:
    """The training seed of expert t of baseline ``kind`` (both tracks): boosting round t's
    (``bagging``, ``seeds``); round 1's for the compute-matched model, the single weak model
    trained longer."""
    return round_seed(seed, 1 if kind == "compute" else t)


def member_plan(kind: str, t: int, n_examples: int, seed: int, settings):
    """What expert t of baseline ``kind`` trains on (both tracks): (its training settings, one
    weight per weak-training example).  ``compute``: every example once, for t x the epochs;
    ``bagging`` / ``seeds``: :func:`member_example_weights`, for the epochs given."""
    import dataclasses

    if kind == "compute":
        return dataclasses.replace(settings, epochs=settings.epochs * int(t)), np.ones(n_examples)
    return settings, member_example_weights(kind, t, n_examples, seed)


def member_desc(kind: str, t: int) -> str:
    """A member's progress label."""
    return f"compute x{t}" if kind == "compute" else f"{kind} expert {t}"


def member_stats(kind: str, t: int, example_weights: np.ndarray, training: dict, *, epochs: int) -> dict:
    """A plain-ensemble expert's record, in the fields the label job reads (``alpha``, ``accepted``:
    every expert votes, with uniform weights there); the compute-matched model's also its epochs."""
    weights = np.asarray(example_weights, dtype=np.float64)
    return {
        "t": int(t),
        "kind": kind,
        "alpha": 1.0,
        "accepted": True,
        "status": "accepted",
        "distinct_examples": int((weights > 0).sum()),
        "n_examples": int(weights.size),
        "training": training,
        **({"epochs": int(epochs)} if kind == "compute" else {}),
    }


def train_member(kind: str, t: int, spec, easy: Sequence[dict], *, settings, seed: int):
    """Expert t of plain ensemble ``kind`` (``bagging`` / ``seeds``), fine-tuned from the pretrained
    weak model on the weak-training examples (:func:`member_plan`: each answer token weighted by its
    example's weight); ``compute``: the weak model trained t x its epochs.  Returns (model,
    tokenizer, stats)."""
    from . import generation, models

    settings, weights = member_plan(kind, t, len(easy), seed, settings)
    answer_weights = None  # compute: the plain loss, as the single weak model's
    if kind != "compute":
        tokenizer = models.load_tokenizer(spec.source, spec.trust_remote_code)
        answer_weights = token_weights(weights, generation.unit_lengths(tokenizer, easy, spec.max_length, eos_unit=True))
    model, tokenizer, summary = generation.train_sft_model(
        spec, easy, generation.gold_answers(easy), settings=settings, token_weights=answer_weights, desc=member_desc(kind, t)
    )
    return model, tokenizer, member_stats(kind, t, weights, summary, epochs=settings.epochs)


# ------------------------------------------------------------------------------------ the table
METHODS = ("boosting", *KINDS)  # boosting: EnsemW2S-AdaBoost, the main run
METHOD_LABELS = {
    "single": "single weak",
    "compute": "compute-matched",
    "seeds": "seeds ensemble",
    "bagging": "bagging ensemble",
    "boosting": "EnsemW2S-AdaBoost",
}


def track_measure(track: str) -> str:
    """The test accuracy the table shows: the track's round-selecting measure (option accuracy;
    classification accuracy), as the main tables'."""
    from .report import TRACK_MEASURES

    measures = TRACK_MEASURES[track]
    return measures.keys[measures.select_on]


def _paired(a: dict[str, bool], b: dict[str, bool], what: str) -> tuple[np.ndarray, np.ndarray]:
    if set(a) != set(b):
        raise ValueError(f"{what}: the two results cover different test items")
    ids = sorted(a)
    return np.array([a[i] for i in ids], dtype=float), np.array([b[i] for i in ids], dtype=float)


def baseline_rows(
    labels: Sequence[tuple[dict, dict]],
    students: Sequence[tuple[dict, dict]],
    oracles: Sequence[dict],
    methods: Sequence[str],
    *,
    measure: str = "option_accuracy",
):
    """One row per (split, seed, weak, strong, method, T) of test ``measure``: the weak ensemble's (compute: the one
    model's) and its student's test accuracy, the single weak model's, the oracle's, and PGR; plus
    the per-item test correctness (columns ``_ensemble_items``, ``_student_items``) the intervals
    resample.  ``labels`` / ``students``: (metrics, per-item correctness) of each job; a main-run
    file (no ``kind`` in its run key) is ``boosting``, and T = 1 counts for every method."""
    import pandas as pd

    from .metrics import pgr

    def keys(run, *fields):
        t = int(run["t"])
        return [(*(str(run[f]) for f in fields), m, t) for m in (methods if t == 1 else [run.get("kind", "boosting")])]

    label_by = {key: (metrics, items) for metrics, items in labels for key in keys(metrics["run"], "split", "seed", "weak")}
    student_by = {key: (metrics, items) for metrics, items in students for key in keys(metrics["run"], "split", "seed", "weak", "strong")}
    oracle_by = {(o["run"]["split"], str(o["run"]["seed"]), o["run"]["model"]): o for o in oracles}
    rows = []
    for (split, seed, weak, strong, method, t), (metrics, items) in student_by.items():
        ensemble, ensemble_items = label_by[split, seed, weak, method, t]
        single, single_items = label_by[split, seed, weak, method, 1]
        student_single = student_by[split, seed, weak, strong, method, 1]
        oracle = float(oracle_by[split, seed, strong]["test"][measure])
        weak_acc, student_acc = float(single["test"][measure]), float(metrics["test"][measure])
        rows.append(
            {
                "split": split,
                "seed": int(seed),
                "weak": weak,
                "strong": strong,
                "method": method,
                "t": t,
                "ensemble": float(ensemble["test"][measure]),
                "student": student_acc,
                "weak_single": weak_acc,
                "student_single": float(student_single[0]["test"][measure]),
                "oracle": oracle,
                "pgr": pgr(student_acc, weak_acc, oracle),
                "_ensemble_items": _paired(ensemble_items, single_items, f"{method} T={t} vs the single weak model ({split}, seed {seed})"),
                "_student_items": _paired(items, student_single[1], f"{method} T={t} student vs the single weak model's ({split}, seed {seed})"),
            }
        )
    if not rows:
        raise ValueError("no student results to collect")
    order = {m: i for i, m in enumerate(methods)}
    frame = pd.DataFrame(rows)
    return frame.sort_values(["split", "weak", "strong", "t", "method"], key=lambda c: c.map(order) if c.name == "method" else c).reset_index(
        drop=True
    )


def baseline_table(rows, *, n_resamples: int = 10_000):
    """Mean over seeds per (split, pair, T, method), with each gain over the single weak model (the
    weak ensemble's, and its student's over the single model's student) and its 95 % interval from a
    paired bootstrap over test items within each seed, combined across seeds (ensemw2s.bootstrap).
    Returns (numeric table, display table)."""
    import pandas as pd

    from .bootstrap import format_interval, seed_combined_difference_interval
    from .metrics import mean_sem

    numeric, shown = [], []
    for (split, weak, strong, t, method), group in rows.groupby(["split", "weak", "strong", "t", "method"], sort=False):
        if int(t) == 1 and method != rows["method"].iloc[0]:
            continue  # T = 1 is every method's single weak model: one row
        record = {"split": split, "weak": weak, "strong": strong, "t": int(t), "method": method, "n_seeds": len(group)}
        for column in ("ensemble", "student", "pgr"):
            record[column], record[f"{column}_sem"] = mean_sem(group[column])
        display = {
            "split": split,
            "pair": f"{weak} → {strong}",
            "T": int(t),
            "method": METHOD_LABELS[method] if int(t) > 1 else METHOD_LABELS["single"],
        }
        for gain, items in (("ensemble_gain", "_ensemble_items"), ("student_gain", "_student_items")):
            interval = seed_combined_difference_interval(list(group[items]), n_resamples=n_resamples, seed=0)
            record[gain], record[f"{gain}_low"], record[f"{gain}_high"] = interval.estimate, interval.low, interval.high
            display[gain.replace("_", " ") + " (points)"] = format_interval(interval)
        for column, label in (("ensemble", "weak ensemble"), ("student", "student")):
            display[label] = _mean_sem_text(record[column], record[f"{column}_sem"], len(group))
        display["PGR"] = _mean_sem_text(record["pgr"], record["pgr_sem"], len(group))
        numeric.append(record)
        shown.append(display)
    columns = ["split", "pair", "T", "method", "weak ensemble", "ensemble gain (points)", "student", "student gain (points)", "PGR"]
    return pd.DataFrame(numeric), pd.DataFrame(shown)[columns]


def _mean_sem_text(mean: float, sem: float, n: int) -> str:
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.3f}" if n < 2 or not np.isfinite(sem) else f"{mean:.3f} ± {sem:.3f}"
