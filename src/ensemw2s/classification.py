"""SciQ classification track (paper Sec. 3.1, App. F, Algorithm 2): AdaBoost of weak LLM
classifiers, their α-weighted votes as pseudo-labels, and strong students trained on them.

Round t trains a fresh expert from the pretrained weak model under example weights D_t: a weighted
loss (default) or a weighted resample with replacement; round 1 is the plain single-weak baseline.
A rejected round (ε_t ≥ 0.5) has α = 0; under ``on_reject: break`` every later round is *stopped*:
it trains nothing, its stats say where boosting stopped, its predictions are NaN, and its vote
weight is 0, so the ensemble of T rounds is the ensemble up to the stop.
The boosting arithmetic is :mod:`ensemw2s.boosting`; this module adds the models, the votes and the
per-seed metric tables.  Torch is imported lazily, so the vote and table code runs without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import boosting
from .metrics import accuracy, mean_sem, pgr, select_rounds

PARTS = ("weak_train", "strong_train", "val", "test")
WEIGHTINGS = ("uniform", "loss", "resample")  # uniform: round 1, the single-weak baseline
VOTES = ("soft", "hard")
STUDENT_LOSSES = ("xent", "logconf")
LOGCONF_THRESHOLDS = ("batch", "micro_batch")


# ------------------------------------------------------------------------------------------ votes
def _check_vote_inputs(probabilities, alphas) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray([np.asarray(p, dtype=np.float64) for p in probabilities])
    weights = np.asarray(alphas, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError("probabilities must be a non-empty list of equally long arrays of p(label = 1)")
    if weights.shape != (probs.shape[0],):
        raise ValueError(f"{probs.shape[0]} experts but {weights.size} alphas")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("alphas must be finite and non-negative (a rejected round has alpha 0)")
    return probs, weights


def _voting_experts(probabilities, alphas) -> tuple[np.ndarray, np.ndarray]:
    """The experts with a positive vote weight (:func:`ensemw2s.boosting.vote_weights`) and those
    weights.  Rejected and stopped rounds (α = 0) take no part, so a stopped round's NaN
    predictions never reach the vote."""
    probs, weights = _check_vote_inputs(probabilities, alphas)
    weights = np.asarray(boosting.vote_weights(weights))
    voting = weights > 0
    probs, weights = probs[voting], weights[voting]
    if not np.all(np.isfinite(probs)):
        raise ValueError("an expert with a positive vote weight has non-finite probabilities")
    return probs, weights


def soft_vote(probabilities: Sequence[Sequence[float]], alphas: Sequence[float]) -> np.ndarray:
    """p(label = 1) = Σ α_s p_s / Σ α_s (the authors' code).

    If no round was accepted (all α = 0) the ensemble is the first expert, the single-weak
    baseline, so round 1 always yields exactly the baseline's labels.
    """
    probs, weights = _voting_experts(probabilities, alphas)
    return weights @ probs / weights.sum()


def hard_vote(probabilities: Sequence[Sequence[float]], alphas: Sequence[float]) -> np.ndarray:
    """0/1 labels: 1 where Σ α_s (2 h_s − 1) > 0, h_s = 1[p_s > 0.5] (Algorithm 2, sign(g)).

    An exact tie is broken by the soft vote (label 1 when that is ≥ 0.5); with no accepted round
    the first expert's hard label is used, as in :func:`soft_vote`.
    """
    probs, weights = _voting_experts(probabilities, alphas)
    score = weights @ (2.0 * (probs > 0.5) - 1.0)
    tie = np.abs(score) <= 1e-12 * weights.sum()
    soft = soft_vote(probs, weights)
    return np.where(tie, soft >= 0.5, score > 0).astype(np.float64)


def vote(probabilities, alphas, kind: str = "soft") -> np.ndarray:
    if kind == "soft":
        return soft_vote(probabilities, alphas)
    if kind == "hard":
        return hard_vote(probabilities, alphas)
    raise ValueError(f"unknown vote {kind!r}; expected one of {VOTES}")


# --------------------------------------------------------------------------------------- training
def resample_indices(weights, seed: int) -> np.ndarray:
    """n indices drawn with replacement from D (AdaBoost by resampling)."""
    weights = np.asarray(weights, dtype=np.float64)
    return np.random.default_rng(seed).choice(weights.size, size=weights.size, replace=True, p=weights / weights.sum())


def one_hot(labels: Sequence[int]) -> list[list[float]]:
    return [[1.0 - float(y), float(y)] for y in labels]


def soft_rows(p_label1: Sequence[float]) -> list[list[float]]:
    return [[1.0 - float(p), float(p)] for p in p_label1]


def load_seeded_classifier(model_source, settings, trust_remote_code: bool = False, dropout: float | None = None, head_init: str = "default"):
    """Tokenizer and classifier whose new linear head is initialised from ``settings.seed`` (or
    zero, ``head_init="zero"``), with every dropout probability set to ``dropout`` (None: the
    model's own); see :func:`ensemw2s.models.load_classifier`."""
    from . import models

    tokenizer = models.load_tokenizer(model_source, trust_remote_code)
    return tokenizer, models.load_classifier(model_source, tokenizer, settings.seed, trust_remote_code, dropout=dropout, head_init=head_init)


def train_expert(
    model_source,
    records,
    weights,
    t: int,
    settings,
    max_length: int,
    weighting: str = "loss",
    trust_remote_code: bool = False,
    dropout: float | None = None,
    head_init: str = "default",
):
    """A fresh classifier from the pretrained weak model, trained on ``records`` (with binary
    labels) under example weights ``weights`` (D_t): a weighted loss (``loss``), a weighted
    resample of n items with replacement (``resample``), or all items uniformly (``uniform``,
    round 1: the single-weak baseline, whatever the weights).  ``dropout`` and ``head_init`` as
    :func:`load_seeded_classifier` (Burns et al.: 0.0 and ``zero``)."""
    from . import train
    from .text import classification_text

    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; expected one of {WEIGHTINGS}")
    tokenizer, model = load_seeded_classifier(model_source, settings, trust_remote_code, dropout, head_init)
    texts = [classification_text(r) for r in records]
    labels = one_hot([r["binary_label"] for r in records])
    example_weights = None
    if weighting == "loss":
        example_weights = list(weights)
    elif weighting == "resample":
        chosen = resample_indices(weights, settings.seed)
        texts, labels = [texts[i] for i in chosen], [labels[i] for i in chosen]
    summary = train.train_classifier(
        model, tokenizer, texts, labels, settings, max_length, example_weights, desc=f"round {t}", extra_fingerprint=(dropout, head_init)
    )
    return model, tokenizer, summary


def predict(model, tokenizer, records, max_length: int, batch_size: int, desc: str = "classify") -> list[float]:
    from .evaluate import classifier_probabilities
    from .text import classification_text

    return classifier_probabilities(model, tokenizer, [classification_text(r) for r in records], max_length, batch_size, desc=desc)


def logconf_coefficient(step: int, total_steps: int, aux_coef: float, warmup_frac: float) -> float:
    """Weight of the student's own hardened predictions (Burns et al. 2023, ``logconf_loss_fn``):
    the step fraction during warm-up, then 1, times ``aux_coef``."""
    step_frac = step / max(total_steps, 1)
    return aux_coef * (1.0 if step_frac > warmup_frac else step_frac)


def logconf_threshold(p_label1_student, weak_soft_labels):
    """The hardening threshold on the student's p(label = 0): its quantile at the batch's mean weak
    p(label = 1), so that share of the examples is hardened to class 1 (Burns et al.)."""
    import torch

    p0 = 1.0 - p_label1_student
    return torch.quantile(p0, weak_soft_labels[:, 1].mean().to(p0.dtype))


def logconf_targets(p_label1_student, weak_soft_labels, coef: float, threshold=None):
    """Burns et al.'s auxiliary-confidence target: (1 − coef)·weak labels + coef·hardened student
    predictions, where the hardening threshold (:func:`logconf_threshold`; of these examples
    unless given, e.g. computed over the whole batch) puts the batch's mean weak p(label = 1)
    share of examples into class 1 (so the student is not pushed towards one class)."""
    import torch

    p0 = 1.0 - p_label1_student
    if threshold is None:
        threshold = logconf_threshold(p_label1_student, weak_soft_labels)
    hardened = torch.stack([(p0 >= threshold).float(), (p0 < threshold).float()], dim=1)
    return weak_soft_labels * (1.0 - coef) + hardened * coef


def train_student(
    model_source,
    records,
    p_label1,
    settings,
    max_length: int,
    loss: str = "xent",
    aux_coef: float = 0.5,
    warmup_frac: float = 0.1,
    trust_remote_code: bool = False,
    desc: str = "student",
    dropout: float | None = None,
    head_init: str = "default",
    threshold: str = "batch",
):
    """The strong model trained on soft (pseudo-)labels p(label = 1) of ``records``.

    ``xent``: soft-label cross-entropy.  ``logconf``: Burns et al.'s auxiliary confidence loss.
    Its hardening threshold is computed over the whole batch (``threshold="batch"``, Burns et al.:
    with gradient accumulation the student's predictions on every micro-batch of the step are
    computed first, without gradients, then the loss per micro-batch) or per micro-batch
    (``micro_batch``).  ``dropout`` and ``head_init`` as :func:`load_seeded_classifier`.
    """
    import torch
    import torch.nn.functional as F

    from . import train
    from .text import classification_text

    if loss not in STUDENT_LOSSES:
        raise ValueError(f"unknown student loss {loss!r}; expected one of {STUDENT_LOSSES}")
    if threshold not in LOGCONF_THRESHOLDS:
        raise ValueError(f"unknown logconf threshold {threshold!r}; expected one of {LOGCONF_THRESHOLDS}")
    tokenizer, model = load_seeded_classifier(model_source, settings, trust_remote_code, dropout, head_init)
    texts = [classification_text(r) for r in records]
    labels = soft_rows(p_label1)
    if loss == "xent":
        summary = train.train_classifier(model, tokenizer, texts, labels, settings, max_length, desc=desc, extra_fingerprint=(dropout, head_init))
        return model, tokenizer, summary

    ids = train.encode_texts(tokenizer, texts, max_length)
    label_tensor = torch.as_tensor(labels, dtype=torch.float32)
    progress = {"coef": 0.0, "threshold": None}

    def on_step(step, total_steps):
        progress["coef"] = logconf_coefficient(step, total_steps, aux_coef, warmup_frac)

    def make_batch(indices):
        input_ids, mask = train.pad_ids([ids[i] for i in indices], tokenizer.pad_token_id)
        return train.ClassifierBatch(input_ids, mask, label_tensor[indices], torch.ones(len(indices)))

    def logits_of(model, batch):
        device = next(model.parameters()).device
        return model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits.float()

    def on_batches(model, batches):  # threshold="batch": over every micro-batch of the step
        with torch.no_grad():
            p1 = torch.cat([F.softmax(logits_of(model, b), dim=-1)[:, 1] for b in batches])
        progress["threshold"] = logconf_threshold(p1, torch.cat([b.soft_labels for b in batches]).to(p1.device))

    def loss_sum(model, batch):
        logits = logits_of(model, batch)
        p1 = F.softmax(logits, dim=-1)[:, 1].detach()
        target = logconf_targets(p1, batch.soft_labels.to(logits.device), progress["coef"], progress["threshold"])
        return -(target * F.log_softmax(logits, dim=-1)).sum()

    fingerprint = train._fingerprint(ids, label_tensor.tolist(), "logconf", aux_coef, warmup_frac, threshold, dropout, head_init)
    summary = train.fit(
        model,
        len(ids),
        make_batch,
        loss_sum,
        train.classifier_loss_count,
        settings,
        fingerprint,
        desc,
        on_step=on_step,
        on_batches=on_batches if threshold == "batch" else None,
    )
    return model, tokenizer, summary


# ----------------------------------------------------------------------------------- round files
def predictions_frame(parts: dict[str, Sequence[dict]], probabilities: dict[str, Sequence[float]]) -> pd.DataFrame:
    """One row per (part, item): id, gold label, the expert's p(label = 1)."""
    frames = [
        pd.DataFrame(
            {"part": part, "id": [str(r["id"]) for r in records], "label": [int(r["binary_label"]) for r in records], "p_label1": probabilities[part]}
        )
        for part, records in parts.items()
    ]
    return pd.concat(frames, ignore_index=True)


def read_predictions(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"id": str, "part": str})
    missing = {"part", "id", "label", "p_label1"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame


def round_stats(t: int, weights, wrong, previous: dict | None) -> dict:
    """The stats of a trained round t: ε_t, α_t, accepted, status, D_{t+1}, plus what the tables
    report."""
    result = boosting.boosting_round(weights, wrong)
    stats = result.to_dict()
    stats.update(
        round=t,
        status=boosting.round_status(result.accepted),
        stopped_at=None,
        t=t,
        train_error=float(np.mean(wrong)),  # unweighted error of this expert on weak-train
        n_accepted=(previous or {}).get("n_accepted", 0) + int(result.accepted),
    )
    return stats


def stopped_stats(t: int, previous: dict | None, on_reject: str) -> dict | None:
    """The stats of round t if boosting stopped before it (``on_reject: break`` after a rejected
    round, :func:`ensemw2s.boosting.stopped_at`), else None: round t trains.

    A stopped round has status ``stopped``, α = 0, D handed on, and NaN where nothing was
    measured (ε_t, the train error), so it adds nothing to any vote.
    """
    if t == 1 or previous is None:
        return None
    stopped = boosting.stopped_at(previous, on_reject)
    if stopped is None:
        return None
    stats = boosting.stopped_round_stats(t, previous, stopped)
    stats.update(t=t, train_error=float("nan"), n_accepted=int(previous.get("n_accepted", 0)))
    return stats


def stopped_probabilities(parts: dict[str, Sequence[dict]]) -> dict[str, list[float]]:
    """A stopped round's "predictions": NaN for every item (no expert exists; its vote weight is 0)."""
    return {part: [float("nan")] * len(records) for part, records in parts.items()}


def ensemble_part(predictions: Sequence[pd.DataFrame], alphas: Sequence[float], part: str, kind: str = "soft") -> pd.DataFrame:
    """The α-vote of the given rounds' experts on one part: id, label, p_label1."""
    first = predictions[0][predictions[0]["part"] == part].reset_index(drop=True)
    probs = []
    for t, frame in enumerate(predictions, start=1):
        rows = frame[frame["part"] == part].reset_index(drop=True)
        if not rows["id"].equals(first["id"]):
            raise ValueError(f"round {t} predicted other items on {part!r} than round 1")
        probs.append(rows["p_label1"].to_numpy())
    return pd.DataFrame({"id": first["id"], "label": first["label"], "p_label1": vote(probs, alphas, kind)})


def seed_table(
    weak: str, strong: str, stats: Sequence[dict], predictions: Sequence[pd.DataFrame], students: Sequence[dict], oracle: dict, kind: str = "soft"
) -> pd.DataFrame:
    """One row per round t for one (split, seed, weak → strong): every accuracy the tables need.

    ``ensemble_*`` is the weak ensemble under ``kind``, the vote whose labels the students learn;
    ``ensemble_soft_*`` and ``ensemble_hard_*`` report both votes of the same experts.  ``alpha``
    is the vote weight (SAMME, ln((1 − ε)/ε)), ``paper_alpha`` Algorithm 2's ½ ln((1 − ε)/ε).
    """
    if not (len(stats) == len(predictions) == len(students)):
        raise ValueError("need the stats, predictions and student metrics of every round")
    if kind not in VOTES:
        raise ValueError(f"unknown vote {kind!r}; expected one of {VOTES}")
    alphas = [float(s["alpha"]) for s in stats]
    weak_single = {part: accuracy(*_prob_label(ensemble_part(predictions[:1], [1.0], part))) for part in ("test", "val")}
    rows = []
    for t in range(1, len(stats) + 1):
        ensemble = {
            (vote_kind, part): accuracy(*_prob_label(ensemble_part(predictions[:t], alphas[:t], part, vote_kind)))
            for vote_kind in VOTES
            for part in ("weak_train", "strong_train", "val", "test")
        }
        round_stats_t = stats[t - 1]
        row = {
            "weak": weak,
            "strong": strong,
            "t": t,
            "status": round_stats_t.get("status", boosting.round_status(bool(round_stats_t["accepted"]))),
            "epsilon": float(round_stats_t["epsilon"]),
            "alpha": alphas[t - 1],
            "paper_alpha": boosting.paper_alpha(alphas[t - 1]),
            "accepted": bool(round_stats_t["accepted"]),
            "train_error": float(round_stats_t["train_error"]),
            "weak_acc": weak_single["test"],
            "weak_val_acc": weak_single["val"],
            "vote": kind,
            "ensemble_acc": ensemble[kind, "test"],
            "ensemble_val_acc": ensemble[kind, "val"],
            "ensemble_soft_acc": ensemble["soft", "test"],
            "ensemble_soft_val_acc": ensemble["soft", "val"],
            "ensemble_hard_acc": ensemble["hard", "test"],
            "ensemble_hard_val_acc": ensemble["hard", "val"],
            "ensemble_train_error": 1.0 - ensemble[kind, "weak_train"],
            "label_acc": ensemble[kind, "strong_train"],
            "transfer_acc": float(students[t - 1]["test_acc"]),
            "transfer_val_acc": float(students[t - 1]["val_acc"]),
            "oracle_acc": float(oracle["test_acc"]),
            "oracle_val_acc": float(oracle["val_acc"]),
        }
        row["pgr"] = pgr(row["transfer_acc"], row["weak_acc"], row["oracle_acc"])
        row["pgr_undefined"] = math.isnan(row["pgr"])
        rows.append(row)
    return pd.DataFrame(rows)


def _prob_label(frame: pd.DataFrame):
    return frame["p_label1"].to_numpy(), frame["label"].to_numpy()


# --------------------------------------------------------------------------------- across seeds
ACCURACIES = ("weak_acc", "ensemble_acc", "transfer_acc", "oracle_acc")


def summarise(per_seed: pd.DataFrame, models_order: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, rounds) from the per-seed tables of one split.

    rounds: one row per (weak, strong, t) with mean and SEM over seeds of every accuracy, α_t,
    ε_t and PGR, and how many seeds' round t was accepted, rejected or stopped.  pairs: one row
    per (weak, strong): single weak, oracle, transfer baseline (t = 1) and the ensemble student at
    the best ensemble round t ≥ 2 (on the seed-mean test accuracy, as the paper), the final round
    and the round t ≥ 2 with the best seed-mean validation accuracy, each with its PGR (mean over
    seeds where it is defined; ``pgr_undefined_seeds`` counts the others) and the weak ensemble's
    accuracy under both votes, and per round α_t in the paper's convention (``paper_alpha_t``,
    ½ ln((1 − ε)/ε)) and ε_t.
    """
    rank = {name: i for i, name in enumerate(models_order)}
    value_columns = [
        "epsilon",
        "alpha",
        "paper_alpha",
        "train_error",
        "weak_acc",
        "ensemble_acc",
        "ensemble_val_acc",
        "ensemble_soft_acc",
        "ensemble_soft_val_acc",
        "ensemble_hard_acc",
        "ensemble_hard_val_acc",
        "transfer_acc",
        "transfer_val_acc",
        "oracle_acc",
        "pgr",
        "ensemble_train_error",
        "label_acc",
    ]
    round_rows = []
    for (weak, strong, t), group in per_seed.groupby(["weak", "strong", "t"], sort=False):
        row = {
            "weak": weak,
            "strong": strong,
            "t": int(t),
            "n_seeds": int(group["seed"].nunique()),
            "accepted_seeds": int(group["accepted"].sum()),
            "pgr_undefined_seeds": int(group["pgr_undefined"].sum()),
        }
        for status in ("rejected", "stopped"):
            row[f"{status}_seeds"] = int((group["status"] == status).sum()) if "status" in group else 0
        for column in value_columns:
            row[f"{column}_mean"], row[f"{column}_sem"] = mean_sem(group[column])
        round_rows.append(row)
    rounds = pd.DataFrame(round_rows)
    rounds = rounds.sort_values(["weak", "strong", "t"], key=lambda c: c.map(rank) if c.name in ("weak", "strong") else c).reset_index(drop=True)

    pair_rows = []
    for (weak, strong), group in rounds.groupby(["weak", "strong"], sort=False):
        chosen = select_rounds(group, score="transfer_acc_mean", val="transfer_val_acc_mean")
        by_t = group.set_index("t")
        first = by_t.loc[1]
        row = {"weak": weak, "strong": strong, "strong_rank": rank[strong], "n_seeds": int(first["n_seeds"])}
        for column in ("weak_acc", "oracle_acc"):
            row[column], row[f"{column}_sem"] = first[f"{column}_mean"], first[f"{column}_sem"]
        row["baseline_acc"], row["baseline_acc_sem"] = first["transfer_acc_mean"], first["transfer_acc_sem"]
        row["baseline_pgr"], row["baseline_pgr_sem"] = first["pgr_mean"], first["pgr_sem"]
        row["pgr_undefined_seeds"] = int(first["pgr_undefined_seeds"])
        for label, t in (("best", chosen["best"]), ("final", chosen["final"]), ("val", chosen["val_selected"])):
            chosen_row = by_t.loc[t]
            row[f"{label}_t"] = int(t)
            row[f"{label}_weak_ensemble_acc"], row[f"{label}_weak_ensemble_acc_sem"] = chosen_row["ensemble_acc_mean"], chosen_row["ensemble_acc_sem"]
            for vote_kind in VOTES:
                column = f"ensemble_{vote_kind}_acc"
                row[f"{label}_weak_{column}"], row[f"{label}_weak_{column}_sem"] = chosen_row[f"{column}_mean"], chosen_row[f"{column}_sem"]
            row[f"{label}_acc"], row[f"{label}_acc_sem"] = chosen_row["transfer_acc_mean"], chosen_row["transfer_acc_sem"]
            row[f"{label}_pgr"], row[f"{label}_pgr_sem"] = chosen_row["pgr_mean"], chosen_row["pgr_sem"]
        for t, round_row in by_t.iterrows():
            row[f"paper_alpha_{t}"], row[f"paper_alpha_{t}_sem"] = round_row["paper_alpha_mean"], round_row["paper_alpha_sem"]
            row[f"train_err_{t}"], row[f"train_err_{t}_sem"] = round_row["epsilon_mean"], round_row["epsilon_sem"]
        pair_rows.append(row)
    return pd.DataFrame(pair_rows), rounds


def display_pairs(pairs: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The paper-style view of :func:`summarise`'s pairs: "mean ± SEM" strings, rounds in headers."""
    from .tables import format_mean_sem

    def pm(row, column):
        return format_mean_sem(row[column], row[f"{column}_sem"], digits)

    rows = []
    rounds = sorted(int(c.rsplit("_", 1)[1]) for c in pairs.columns if c.startswith("paper_alpha_") and not c.endswith("_sem"))
    for _, row in pairs.iterrows():
        shown = {
            "weak": row["weak"],
            "strong": row["strong"],
            "weak acc": pm(row, "weak_acc"),
            "oracle acc": pm(row, "oracle_acc"),
            "transfer baseline (T=1)": pm(row, "baseline_acc"),
            "PGR baseline": pm(row, "baseline_pgr"),
        }
        for label, name in (("best", "best"), ("final", "final"), ("val", "val-selected")):
            t = int(row[f"{label}_t"])
            for vote_kind in VOTES:
                shown[f"weak ensemble, {vote_kind} vote ({name}, T={t})"] = pm(row, f"{label}_weak_ensemble_{vote_kind}_acc")
            shown[f"transfer ensemble ({name}, T={t})"] = pm(row, f"{label}_acc")
            shown[f"PGR ({name})"] = pm(row, f"{label}_pgr")
        for t in rounds:
            shown[f"α_{t} = ½ln((1−ε)/ε)"] = pm(row, f"paper_alpha_{t}")
            shown[f"Err_{t}"] = pm(row, f"train_err_{t}")
        rows.append(shown)
    return pd.DataFrame(rows)


def display_rounds(rounds: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    from .tables import format_mean_sem

    columns = [
        ("paper_alpha", "α_t = ½ln((1−ε)/ε)"),
        ("epsilon", "Err_t (weighted)"),
        ("ensemble_soft_acc", "weak ensemble acc, soft vote"),
        ("ensemble_hard_acc", "weak ensemble acc, hard vote"),
        ("transfer_acc", "transfer acc"),
        ("pgr", "PGR"),
    ]
    rows = []
    for _, row in rounds.iterrows():
        n = int(row["n_seeds"])
        shown = {
            "weak": row["weak"],
            "strong": row["strong"],
            "T": int(row["t"]),
            "accepted": f"{int(row['accepted_seeds'])}/{n}",
            "stopped": f"{int(row.get('stopped_seeds', 0))}/{n}",
        }
        for column, name in columns:
            shown[name] = format_mean_sem(row[f"{column}_mean"], row[f"{column}_sem"], digits)
        rows.append(shown)
    return pd.DataFrame(rows)


def figure_summary(pairs: pd.DataFrame, split: str, round_choice: str = "best") -> pd.DataFrame:
    """The rows :func:`ensemw2s.plots.pgr_figure` draws, from a pairs table of :func:`summarise`;
    the ensemble student is taken at the ``best`` (paper), ``final`` or ``val``-selected round."""
    if round_choice not in ("best", "final", "val"):
        raise ValueError(f"unknown round choice {round_choice!r}; expected best, final or val")
    frame = pd.DataFrame({"split": split, "weak": pairs["weak"], "strong": pairs["strong"], "strong_rank": pairs["strong_rank"]})
    for column in ("weak_acc", "oracle_acc", "baseline_acc", "baseline_pgr"):
        frame[column], frame[f"{column}_sem"] = pairs[column], pairs[f"{column}_sem"]
    frame["ensemble_acc"], frame["ensemble_acc_sem"] = pairs[f"{round_choice}_acc"], pairs[f"{round_choice}_acc_sem"]
    frame["ensemble_pgr"], frame["ensemble_pgr_sem"] = pairs[f"{round_choice}_pgr"], pairs[f"{round_choice}_pgr_sem"]
    return frame
