"""SciQ classification track (paper Sec. 3.1, App. F, Algorithm 2): AdaBoost of weak LLM
classifiers, their α-weighted votes as pseudo-labels, and strong students trained on them.

Round t trains a fresh expert from the pretrained weak model under example weights D_t: a weighted
loss (default) or a weighted resample with replacement; round 1 is the plain single-weak baseline.
A rejected round (ε_t ≥ 0.5) has α = 0; under ``on_reject: break`` every later round is *stopped*:
it trains nothing, its stats say where boosting stopped, its predictions are NaN, and its vote
weight is 0, so the ensemble of T rounds is the ensemble up to the stop.  Under ``on_reject:
retry`` a rejected round t ≥ 2 is trained again from the pretrained weights under the same D_t with
the next seed (:func:`ensemw2s.boosting.retry_seed`), up to ``max_retries`` times; the first accepted
attempt is kept, and if none is, the round is rejected and boosting stops as under ``break``.
The boosting arithmetic is :mod:`ensemw2s.boosting`; this module adds the models, the votes and the
per-seed metric tables.  Torch is imported lazily, so the vote and table code runs without it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import boosting, splits
from .metrics import accuracy, agreement

PARTS = splits.PARTS  # every part is predicted by every round (easy_test only where not empty)
ON_REJECT = boosting.ON_REJECT_ANY
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


def dropout_probability(value) -> float | None:
    """A job's ``dropout`` setting as :func:`load_seeded_classifier` takes it: a probability, or
    None for ``keep`` (the model's own)."""
    return None if value is None or value == "keep" else float(value)


def load_seeded_classifier(spec, seed: int, *, dropout: float | None = None, head_init: str = "default"):
    """Tokenizer and classifier of ``spec`` (:class:`ensemw2s.train.ModelSpec`) whose new linear head
    is initialised from ``seed`` (or zero, ``head_init="zero"``), with every dropout probability set
    to ``dropout`` (None: the model's own); see :func:`ensemw2s.models.load_classifier`."""
    from . import models

    tokenizer = models.load_tokenizer(spec.source, spec.trust_remote_code)
    return tokenizer, models.load_classifier(
        spec.source, tokenizer, seed, trust_remote_code=spec.trust_remote_code, dropout=dropout, head_init=head_init
    )


def train_expert(
    spec,
    records,
    weights,
    *,
    settings,
    t: int,
    weighting: str = "loss",
    dropout: float | None = None,
    head_init: str = "default",
    desc: str = "",
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
    tokenizer, model = load_seeded_classifier(spec, settings.seed, dropout=dropout, head_init=head_init)
    texts = [classification_text(r) for r in records]
    labels = one_hot([r["binary_label"] for r in records])
    example_weights = None
    if weighting == "loss":
        example_weights = list(weights)
    elif weighting == "resample":
        chosen = resample_indices(weights, settings.seed)
        texts, labels = [texts[i] for i in chosen], [labels[i] for i in chosen]
    summary = train.train_classifier(
        model,
        tokenizer,
        texts,
        soft_labels=labels,
        settings=settings,
        max_length=spec.max_length,
        example_weights=example_weights,
        desc=desc or f"round {t}",
        extra_fingerprint=(dropout, head_init),
    )
    return model, tokenizer, summary


def n_truncated(tokenizer, records, max_length: int) -> int:
    """How many records' texts are longer than ``max_length`` tokens (cut from the left to fit)."""
    from .text import classification_text

    return sum(len(tokenizer(classification_text(r), add_special_tokens=False)["input_ids"]) > max_length for r in records)


def predict(model, tokenizer, records, *, spec, desc: str = "classify") -> list[float]:
    """p(label = 1) of each record, scored with ``spec``'s token budget and batch size."""
    from .evaluate import classifier_probabilities
    from .text import classification_text

    texts = [classification_text(r) for r in records]
    return classifier_probabilities(model, tokenizer, texts, max_length=spec.max_length, batch_size=spec.eval_batch_size, desc=desc)


def train_student(
    spec,
    records,
    p_label1,
    *,
    settings,
    loss: str = "xent",
    aux_coef: float = 0.5,
    warmup_frac: float = 0.1,
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

    from . import losses, train
    from .text import classification_text, encode_texts, pad

    if loss not in STUDENT_LOSSES:
        raise ValueError(f"unknown student loss {loss!r}; expected one of {STUDENT_LOSSES}")
    if threshold not in LOGCONF_THRESHOLDS:
        raise ValueError(f"unknown logconf threshold {threshold!r}; expected one of {LOGCONF_THRESHOLDS}")
    tokenizer, model = load_seeded_classifier(spec, settings.seed, dropout=dropout, head_init=head_init)
    texts = [classification_text(r) for r in records]
    labels = soft_rows(p_label1)
    if loss == "xent":
        summary = train.train_classifier(
            model,
            tokenizer,
            texts,
            soft_labels=labels,
            settings=settings,
            max_length=spec.max_length,
            desc=desc,
            extra_fingerprint=(dropout, head_init),
        )
        return model, tokenizer, summary

    ids = encode_texts(tokenizer, texts, spec.max_length)
    label_tensor = torch.as_tensor(labels, dtype=torch.float32)
    progress = {"coef": 0.0, "threshold": None}

    def on_step(step, total_steps):
        progress["coef"] = losses.logconf_coefficient(step, total_steps, aux_coef, warmup_frac=warmup_frac)

    def make_batch(indices):
        input_ids, mask = pad([ids[i] for i in indices], tokenizer.pad_token_id)
        return losses.ClassifierBatch(input_ids, mask, label_tensor[indices], torch.ones(len(indices)))

    def logits_of(model, batch):
        device = next(model.parameters()).device
        return model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits.float()

    def on_batches(model, batches):  # threshold="batch": over every micro-batch of the step
        with torch.no_grad():
            p1 = torch.cat([F.softmax(logits_of(model, b), dim=-1)[:, 1] for b in batches])
        progress["threshold"] = losses.logconf_threshold(p1, torch.cat([b.soft_labels for b in batches]).to(p1.device))

    def loss_sum(model, batch):
        return losses.logconf_loss_sum(logits_of(model, batch), batch.soft_labels, progress["coef"], threshold=progress["threshold"])

    fingerprint = train._fingerprint(ids, label_tensor.tolist(), "logconf", aux_coef, warmup_frac, threshold, dropout, head_init)
    summary = train.fit(
        model,
        len(ids),
        make_batch,
        loss_sum=loss_sum,
        loss_count=losses.classifier_loss_count,
        settings=settings,
        fingerprint=fingerprint,
        desc=desc,
        on_step=on_step,
        on_batches=on_batches if threshold == "batch" else None,
    )
    return model, tokenizer, summary


def fine_tune_and_evaluate(
    spec,
    records,
    p_label1,
    *,
    settings,
    parts: dict[str, Sequence[dict]],
    desc: str = "student",
    supervisor: dict[str, Sequence[float]] | None = None,
    **student,
) -> tuple[dict, dict[str, list[float]]]:
    """A strong model trained on (pseudo-)labels p(label = 1) of ``records``
    (:func:`train_student`, whose keyword arguments ``student`` passes on), then its accuracy on
    each of ``parts``: ``{"training": ..., "n_train": n, part: {"accuracy": a, "n": n}}``, and its
    p(label = 1) per part.  ``supervisor``: the weak ensemble's p(label = 1) on some of the parts
    (item for item): those parts also report ``agreement`` (:func:`ensemw2s.metrics.agreement`)."""
    model, tokenizer, summary = train_student(spec, records, p_label1, settings=settings, desc=desc, **student)
    metrics, probabilities = {"training": summary, "n_train": len(records)}, {}
    for part, part_records in parts.items():
        probabilities[part] = predict(model, tokenizer, part_records, spec=spec, desc=part)
        metrics[part] = {
            "accuracy": accuracy(probabilities[part], [r["binary_label"] for r in part_records]),
            "n": len(part_records),
            "n_truncated": n_truncated(tokenizer, part_records, spec.max_length),
        }
        if supervisor is not None and part in supervisor:
            metrics[part]["agreement"] = agreement(probabilities[part], supervisor[part])
    return metrics, probabilities


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


def round_stats(t: int, weights, wrong, *, previous: dict | None, **extra) -> dict:
    """The stats of a trained round t (:func:`ensemw2s.boosting.round_record`): the units are the
    weak-training examples, ``train_error`` the expert's unweighted error on them."""
    wrong = np.asarray(wrong, dtype=bool)
    result = boosting.boosting_round(weights, wrong)
    return boosting.round_record(t, result, previous, train_error=float(np.mean(wrong)), n_units=wrong.size, **extra)


def stopped_probabilities(parts: dict[str, Sequence[dict]]) -> dict[str, list[float]]:
    """A stopped round's "predictions": NaN for every item (no expert exists; its vote weight is 0)."""
    return {part: [float("nan")] * len(records) for part, records in parts.items()}


def boosting_round(
    t: int,
    spec,
    parts: dict[str, Sequence[dict]],
    *,
    previous: dict | None,
    settings,
    weighting: str = "loss",
    on_reject: str = "break",
    max_retries: int = 0,
    dropout: float | None = None,
    head_init: str = "default",
):
    """One AdaBoost round (Algorithm 2) on the weak-training part: D_t from round t − 1's stats
    (uniform at t = 1), a fresh expert trained under it (:func:`train_expert`), its predictions on
    every part, ε_t, α_t and D_{t+1}.  A round after the stop (``on_reject: break``, or ``retry``
    after a round rejected on every attempt) trains nothing.  Under ``on_reject: retry`` a rejected
    round t ≥ 2 trains again with :func:`ensemw2s.boosting.retry_seed` (at most ``max_retries``
    times) until an attempt is accepted; the kept attempt (the accepted one, else the last) gives
    the expert, the predictions, ε_t, α_t and D_{t+1}, and the stats list every attempt
    (``attempts``: attempt, seed, ε, accepted; ``kept_attempt``).  Round 1, the single-weak
    baseline, is never retried.  Returns (expert or None, tokenizer or None, stats, {part: p(label = 1)})."""
    if on_reject not in (*ON_REJECT, "none"):  # none: round 1, which no rejection precedes
        raise ValueError(f"on_reject must be one of {ON_REJECT}, got {on_reject!r}")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
    weak_train = parts["weak_train"]
    stats = boosting.stopped_round(t, previous, on_reject, weighting=weighting, training=None)
    if stats is not None:
        return None, None, stats, stopped_probabilities(parts)
    if t == 1:
        previous, weights = None, boosting.uniform_weights(len(weak_train))
    else:
        weights = np.asarray(previous["next_weights"], dtype=np.float64)
        if weights.size != len(weak_train):
            raise ValueError(f"round {t - 1} weighted {weights.size} examples, the weak-training part has {len(weak_train)}")
    labels = np.asarray([bool(r["binary_label"]) for r in weak_train])
    retry = on_reject == boosting.RETRY and t > 1
    attempts = []
    for attempt in range(1 + (max_retries if retry else 0)):
        attempt_settings = settings
        if attempt:  # its own seed, and its own checkpoints (a resumed job retrains the attempts before it afresh)
            attempt_settings = dataclasses.replace(
                settings,
                seed=boosting.retry_seed(settings.seed, attempt),
                checkpoint_dir=f"{settings.checkpoint_dir}.retry{attempt}" if settings.checkpoint_dir else "",
            )
        model, tokenizer, summary = train_expert(
            spec, weak_train, weights, settings=attempt_settings, t=t, weighting=weighting, dropout=dropout, head_init=head_init
        )
        on_train = predict(model, tokenizer, weak_train, spec=spec, desc="weak_train")
        wrong = (np.asarray(on_train) > 0.5) != labels
        result = boosting.boosting_round(weights, wrong)
        attempts.append({"attempt": attempt, "seed": attempt_settings.seed, "epsilon": result.epsilon, "accepted": result.accepted})
        if result.accepted:
            break
    probabilities = {
        part: on_train if part == "weak_train" else predict(model, tokenizer, records, spec=spec, desc=part) for part, records in parts.items()
    }
    extra = {"attempts": attempts, "kept_attempt": attempts[-1]["attempt"]} if retry else {}
    return model, tokenizer, round_stats(t, weights, wrong, previous=previous, weighting=weighting, training=summary, **extra), probabilities


def plain_member(
    kind: str,
    t: int,
    spec,
    parts: dict[str, Sequence[dict]],
    *,
    settings,
    seed: int,
    dropout: float | None = None,
    head_init: str = "default",
):
    """Expert t >= 2 of plain ensemble ``kind`` (:mod:`ensemw2s.baselines`), trained as a boosting
    round's expert is (:func:`train_expert`, from the pretrained weak model) and evaluated on every
    part: ``bagging`` on a bootstrap resample of the weak-training part
    (:func:`ensemw2s.baselines.bootstrap_counts`: each example as often as it is drawn), ``seeds``
    on all of it with the training seed ``settings.seed``; ``compute``: one model trained on all of
    it for t x ``settings.epochs``.  Returns (stats, {part: p(label = 1)})."""
    from . import baselines

    if t < 2:
        raise ValueError(f"expert 1 of every plain ensemble is boosting's round 1; got t = {t}")
    weak_train = parts["weak_train"]
    settings, counts = baselines.member_plan(kind, t, len(weak_train), seed, settings)
    records = [record for record, count in zip(weak_train, counts) for _ in range(int(count))]
    model, tokenizer, summary = train_expert(
        spec,
        records,
        np.ones(len(records)),
        settings=settings,
        t=t,
        weighting="uniform",
        dropout=dropout,
        head_init=head_init,
        desc=baselines.member_desc(kind, t),
    )
    probabilities = {part: predict(model, tokenizer, part_records, spec=spec, desc=part) for part, part_records in parts.items()}
    return baselines.member_stats(kind, t, counts, summary, epochs=settings.epochs), probabilities


def ensemble_part(predictions: Sequence[pd.DataFrame], alphas: Sequence[float], part: str, *, kind: str = "soft") -> pd.DataFrame:
    """The α-vote of the given rounds' experts on one part: id, label, p_label1."""
    first = predictions[0][predictions[0]["part"] == part].reset_index(drop=True)
    probs = []
    for t, frame in enumerate(predictions, start=1):
        rows = frame[frame["part"] == part].reset_index(drop=True)
        if not rows["id"].equals(first["id"]):
            raise ValueError(f"round {t} predicted other items on {part!r} than round 1")
        probs.append(rows["p_label1"].to_numpy())
    return pd.DataFrame({"id": first["id"], "label": first["label"], "p_label1": vote(probs, alphas, kind)})


def ensemble_predictions(predictions: Sequence[pd.DataFrame], alphas: Sequence[float], *, kind: str = "soft") -> pd.DataFrame:
    """The α-vote of the given rounds' experts on every part they predicted, as a predictions file
    (:func:`predictions_frame`'s columns: part, id, label, p_label1)."""
    parts = list(dict.fromkeys(predictions[0]["part"]))
    frames = [ensemble_part(predictions, alphas, part, kind=kind).assign(part=part) for part in parts]
    return pd.concat(frames, ignore_index=True)[["part", "id", "label", "p_label1"]]


def supervisor_probabilities(
    predictions: Sequence[pd.DataFrame], alphas: Sequence[float], parts: dict[str, Sequence[dict]], *, kind: str = "soft"
) -> dict[str, list[float]]:
    """The α-vote (:func:`ensemble_part`, the vote the student's pseudo-labels come from) on each of
    ``parts`` that the rounds predicted, in the order of the part's records."""
    supervisor, predicted = {}, set(predictions[0]["part"])
    for part, records in parts.items():
        if part not in predicted:
            continue
        voted = ensemble_part(predictions, alphas, part, kind=kind)
        supervisor[part] = [
            float(v)
            for v in splits.in_record_order(list(voted["id"]), list(voted["p_label1"]), records, what=f"part {part!r}: the rounds' predictions")
        ]
    return supervisor


def ensemble_metrics(predictions: Sequence[pd.DataFrame], alphas: Sequence[float], kind: str = "soft") -> dict:
    """The T-round weak ensemble's accuracy on every part (``accuracy``: under ``kind``, the vote
    whose labels the students learn; ``soft_accuracy`` / ``hard_accuracy``: each vote of the same
    experts), its pseudo-labels' accuracy on the strong-training part, its error on the weak
    training part, and how many experts vote."""
    if kind not in VOTES:
        raise ValueError(f"unknown vote {kind!r}; expected one of {VOTES}")
    parts, predicted = {}, list(dict.fromkeys(predictions[0]["part"]))
    for part in predicted:
        by_vote = {vote_kind: accuracy(*_prob_label(ensemble_part(predictions, alphas, part, kind=vote_kind))) for vote_kind in VOTES}
        parts[part] = {"accuracy": by_vote[kind], **{f"{vote_kind}_accuracy": value for vote_kind, value in by_vote.items()}}
    weights = boosting.vote_weights(alphas)
    return {
        "vote": kind,
        "alphas": [float(a) for a in alphas],
        "ensemble_weights": weights,
        "experts_voting": int(sum(w > 0 for w in weights)),
        "pseudo_label_accuracy": parts["strong_train"]["accuracy"],
        "ensemble_train_error": 1.0 - parts["weak_train"]["accuracy"],
        **{part: parts[part] for part in parts if part in splits.EVAL_PARTS or part.startswith(splits.OOD_PREFIX)},
    }


def _prob_label(frame: pd.DataFrame):
    return frame["p_label1"].to_numpy(), frame["label"].to_numpy()
