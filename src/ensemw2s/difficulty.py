"""Difficulty ratings by k-fold cross-validation (paper Appendix E).

Each item is scored by a rater trained on the other k - 1 folds only:
classification: difficulty = 1 - p(gold label); generation (``error="token"``, the default): mean
per-token error of the gold answer (teacher-forced argmax != gold token) over its units
(:mod:`ensemw2s.text`); generation with ``error="option"``: 1 - p(gold choice), p the softmax of the
choices' summed log-likelihoods (the score of option accuracy), the multiple-choice analogue of the
classification rating.  The paper says only that the rater is tested on the held-out fold and its
"errors" are the rating (Appendix E); docs/method.md says which reading is which.

Generation ratings take few distinct values (an answer of one or two tokens is 0, 0.5 or 1), so each
item also gets a ``tie_break``: the mean NLL per unit of its gold answer under the same rater.  The
easy-hard split orders by (difficulty, tie_break): the token error decides, the NLL only orders
items of equal error, and only items equal on both are ordered at random.  For classification
and option ratings, tie_break is −log p(gold), which orders exactly as the difficulty does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def fold_assignment(ids: Sequence[str], n_folds: int, seed: int) -> dict[str, int]:
    """Seeded, balanced assignment of every id to one of ``n_folds`` folds."""
    if n_folds < 2:
        raise ValueError(f"need at least 2 folds, got {n_folds}")
    if len(ids) < n_folds:
        raise ValueError(f"{len(ids)} items cannot fill {n_folds} folds")
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return {item: position % n_folds for position, item in enumerate(order)}


def fold_partition(records: Sequence[dict], n_folds: int, fold: int, *, seed: int) -> tuple[list[dict], list[dict]]:
    """(rater training records, held-out records) for ``fold``: disjoint, together all records."""
    if not 0 <= fold < n_folds:
        raise ValueError(f"fold {fold} is outside 0..{n_folds - 1}")
    folds = fold_assignment([r["id"] for r in records], n_folds, seed)
    train = [r for r in records if folds[r["id"]] != fold]
    held_out = [r for r in records if folds[r["id"]] == fold]
    return train, held_out


def classification_difficulty(p_label1: Sequence[float], labels: Sequence[int]) -> list[float]:
    return [1.0 - (p if y == 1 else 1.0 - p) for p, y in zip(p_label1, labels, strict=True)]


def generation_difficulty(token_correct: Sequence[Sequence[bool]]) -> list[float]:
    return [1.0 - sum(c) / len(c) for c in token_correct]


def mean_nll(token_logprobs: Sequence[Sequence[float]]) -> list[float]:
    return [-sum(lp) / len(lp) for lp in token_logprobs]


GENERATION_ERRORS = ("token", "option")


def gold_choice_probability(choice_nlls: Sequence[float], gold: int) -> float:
    """p(gold choice) under the softmax of the choices' negative NLLs (stable: shifted by the lowest NLL)."""
    lowest = min(choice_nlls)
    weights = [math.exp(lowest - nll) for nll in choice_nlls]
    return weights[gold] / sum(weights)


def option_difficulty(choice_nlls: Sequence[Sequence[float]], golds: Sequence[int]) -> list[float]:
    return [1.0 - gold_choice_probability(nlls, gold) for nlls, gold in zip(choice_nlls, golds, strict=True)]


def gold_nll(difficulty: Sequence[float]) -> list[float]:
    """−log p(gold) of ratings 1 − p(gold) (classification, option): their tie-break."""
    return [-math.log(max(1.0 - d, 1e-12)) for d in difficulty]


def merge_folds(fold_tables: Sequence, ids: Sequence[str]):
    """Concatenate per-fold ratings; every id must be rated exactly once."""
    import pandas as pd

    table = pd.concat(fold_tables, ignore_index=True)
    duplicated = table["id"][table["id"].duplicated()].tolist()
    if duplicated:
        raise ValueError(f"items rated by more than one fold: {duplicated[:5]}")
    missing = sorted(set(ids) - set(table["id"]))
    if missing:
        raise ValueError(f"{len(missing)} items have no rating, e.g. {missing[:5]}")
    order = {item: position for position, item in enumerate(ids)}
    return table.sort_values("id", key=lambda column: column.map(order)).reset_index(drop=True)


def rate_fold(
    task: str,
    spec,
    records: Sequence[dict],
    *,
    fold: int,
    n_folds: int,
    seed: int,
    settings,
    eos_unit: bool = False,
    error: str = "token",
    choice_eos: bool = False,
    dropout: float | None = None,
    head_init: str = "default",
):
    """Train a fresh rater (the model of ``spec``) on every fold but ``fold`` and rate the items of
    ``fold`` (generation: by ``error``, token or option; ``choice_eos`` as in option accuracy).

    A classification rater is trained as the track's oracle is (:func:`ensemw2s.classification.train_student`,
    cross-entropy on the gold labels), with the track's ``dropout`` and ``head_init``; ``settings``
    carry the rest (the workflow passes the track's lr schedule and clipping, App. G.1).

    Returns a table (id, fold, difficulty, tie_break).
    """
    import pandas as pd

    from . import classification, evaluate, models, text, train

    max_length, eval_batch_size = spec.max_length, spec.eval_batch_size
    if task == "generation" and error not in GENERATION_ERRORS:
        raise ValueError(f"unknown generation difficulty error {error!r}; expected one of {GENERATION_ERRORS}")
    train_records, held_out = fold_partition(records, n_folds, fold, seed=seed)
    if task == "classification":
        model, tokenizer, _ = classification.train_student(
            spec,
            train_records,
            [float(r["binary_label"]) for r in train_records],
            settings=settings,
            loss="xent",
            desc=f"rater fold {fold}",
            dropout=dropout,
            head_init=head_init,
        )
        p_label1 = classification.predict(model, tokenizer, held_out, spec=spec, desc=f"rate fold {fold}")
        difficulty = classification_difficulty(p_label1, [r["binary_label"] for r in held_out])
        tie_break = gold_nll(difficulty)
    elif task == "generation":
        tokenizer = models.load_tokenizer(spec.source, spec.trust_remote_code)
        model = models.load_causal_lm(spec.source, spec.trust_remote_code)
        train.train_sft(
            model,
            tokenizer,
            [text.sft_prompt(r) for r in train_records],
            answers=[text.sft_answer(r["choices"][r["gold"]]) for r in train_records],
            settings=settings,
            max_length=max_length,
            desc=f"rater fold {fold}",
        )
        if error == "option":
            result = evaluate.evaluate_multiple_choice(
                evaluate.model_logprobs(model), tokenizer, held_out, max_length=max_length, batch_size=eval_batch_size, choice_eos=choice_eos
            )
            difficulty = option_difficulty([p["choice_nll"] for p in result.predictions], [r["gold"] for r in held_out])
            tie_break = gold_nll(difficulty)
        else:
            scores = evaluate.answer_token_correctness(
                evaluate.model_logprobs(model), tokenizer, held_out, max_length=max_length, batch_size=eval_batch_size, eos_unit=eos_unit
            )
            difficulty = generation_difficulty([s.correct(eos_unit) for s in scores])
            tie_break = mean_nll([text.units(s.token_logprobs, eos_unit) for s in scores])
    else:
        raise ValueError(f"unknown task {task!r}")
    return pd.DataFrame({"id": [r["id"] for r in held_out], "fold": fold, "difficulty": difficulty, "tie_break": tie_break})


def rate_fold_job(p, records: Sequence[dict]):
    """:func:`rate_fold` with the settings ``p`` of a ``difficulty_fold`` job (rules/difficulty.smk):
    the rater trains with its dataset's track's settings; the classification track's dropout
    ("keep" = the model's own) and head initialisation reach a classification rater only."""
    from .classification import dropout_probability
    from .train import settings_from_params, spec_from_params

    return rate_fold(
        p.task,
        spec_from_params(p),
        records,
        fold=p.fold,
        n_folds=p.n_folds,
        seed=p.seed,
        settings=settings_from_params(p, seed=p.seed + p.fold, epochs=p.epochs),
        eos_unit=p.eos_unit,
        error=p.error,
        choice_eos=p.choice_eos,
        dropout=dropout_probability(getattr(p, "dropout", None)),
        head_init=getattr(p, "head_init", "default"),
    )


def rating_summary(table, records: Sequence[dict]) -> dict:
    """What a merged rating says: its spread, and (for datasets whose difficulty is constructed,
    the sandbox) the Spearman rank correlation between the k-fold rating and the constructed level."""
    import pandas as pd

    summary = {"n_items": int(len(table)), "mean": float(table["difficulty"].mean()), "distinct_ratings": int(table["difficulty"].nunique())}
    constructed = {r["id"]: r["constructed_difficulty"] for r in records if "constructed_difficulty" in r}
    if constructed:
        levels = pd.Series([constructed.get(i) for i in table["id"]], dtype="float64")
        # Spearman ρ = Pearson correlation of the (average-tie) ranks: no scipy needed
        rating = table["difficulty"].reset_index(drop=True)
        summary["spearman_constructed"] = float(rating.rank().corr(levels.rank()))
    return summary
