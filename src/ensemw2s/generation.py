"""EnsemW2S-AdaBoost for generation (paper Algorithm 1): token-level boosting rounds, ensemble
pseudo-answers for the hard questions, and students fine-tuned on them.

Units of boosting are the gold answers' tokens of the easy set, flattened in record order; EOS
is one of them only with ``eos_unit`` (see :mod:`ensemw2s.text`).  EOS is always trained: when it
is not a unit its loss weight is the mean weight of its answer's units.

Appendix G.2's ablations change what a unit's error is (:func:`unit_errors`):

- a sliding window of L answer tokens (``window``): token j of an answer has the windowed error
  e_j = the share of wrong tokens among its answer's tokens j − L + 1 .. j (fewer at the answer's
  start); D_t, ε_t and the update D·exp(α·e) are over these shares.  L = 1 is the token itself,
  the paper's choice: the same boolean array, so the same rounds bit for bit;
- one weight per example (``unit: sample``): the example is the unit, its error 1[any of its
  answer's tokens is wrong] (``sample_error: any``) or the share of them that are
  (``sample_error: mean``); n examples are drawn from D_t, and all of an example's tokens are
  trained with its draw weight (:func:`draw_weights`: 1 if drawn, or its count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import boosting, ensemble, evaluate, models, splits, text, train
from .boosting import BoostingSettings
from .metrics import choice_agreement

if TYPE_CHECKING:
    import pandas as pd

CHOICE_MAPPINGS = ("generated", "teacher_forced", "none")


def unit_lengths(tokenizer, records: Sequence[dict], max_length: int, *, eos_unit: bool = False) -> list[int]:
    """How many boosting units each gold answer has (its tokens, EOS counted only with ``eos_unit``)."""
    lengths = [
        text.encode_pair(tokenizer, text.sft_prompt(r), text.sft_answer(r["choices"][r["gold"]]), max_length=max_length).answer_length
        for r in records
    ]
    return [n if eos_unit else n - 1 for n in lengths]


def token_mistakes(logprob_fn, tokenizer, records: Sequence[dict], *, max_length: int, batch_size: int, eos_unit: bool = False) -> np.ndarray:
    """1[h(x_i, y_i^{<j}) != y_i^j] for every unit of every gold answer, flattened (teacher forced, argmax)."""
    scores = evaluate.answer_token_correctness(
        logprob_fn, tokenizer, records, max_length=max_length, batch_size=batch_size, eos_unit=eos_unit, desc="token errors"
    )
    return ~np.concatenate([np.asarray(s.correct(eos_unit), dtype=bool) for s in scores])


def training_token_weights(unit_weights: Sequence[Sequence[float]], eos_unit: bool) -> list[list[float]]:
    """Per-answer-token loss weights (EOS last) from per-unit weights: when EOS is not a unit it is
    still trained, weighted by the mean of its answer's unit weights."""
    if eos_unit:
        return [list(row) for row in unit_weights]
    return [list(row) + [float(np.mean(row)) if len(row) else 1.0] for row in unit_weights]


def draw_token_counts(weights: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """How often each token is drawn in ``n_draws`` draws with replacement from D_t."""
    return np.random.default_rng(seed).multinomial(n_draws, np.asarray(weights, dtype=np.float64) / np.sum(weights))


def draw_weights(counts, mode: str = "mask") -> np.ndarray:
    """Each unit's training weight from how often it was drawn from D_t (Algorithm 1 line 4).

    ``mask`` (the default, §3.2 "Token-Level Data Sampling" as the paper implements it: the drawn
    tokens are assembled back into their sentences and label masks train on the drawn tokens only)
    gives a drawn unit weight 1 however often it was drawn: 1[count >= 1].  ``count`` reads the n
    draws as n independent samples: a unit drawn k times weighs k.

    Either way :func:`ensemw2s.train.train_sft` rescales the weights to mean 1 over all answer
    tokens of the easy set (EOS included) and a batch's loss is Σ weight · CE over its answer
    tokens divided by its number of answer tokens, drawn or not.  Under ``mask`` every drawn token
    therefore weighs the same N / K (N answer tokens, K the summed weights: the drawn tokens plus
    EOS's shares, see :func:`training_token_weights`), the undrawn ones 0: over an epoch the loss is
    the mean cross-entropy over the drawn tokens, normalised over the whole set rather than per
    batch (a label-masked loss averaged over each batch's unmasked tokens differs only in that).
    Uniform draws leave about 1/e of the units undrawn, so a drawn token weighs about 1.6; a peaked
    D_t draws fewer distinct units, each weighing more.
    """
    counts = np.asarray(counts)
    if mode == "mask":
        return (counts >= 1).astype(np.float64)
    if mode == "count":
        return counts.astype(np.float64)
    raise ValueError(f"draw_weight must be one of {boosting.DRAW_WEIGHTS}, got {mode!r}")


def unflatten(flat: Sequence[float], lengths: Sequence[int]) -> list[list[float]]:
    if sum(lengths) != len(flat):
        raise ValueError(f"{len(flat)} token values for {sum(lengths)} answer tokens")
    out, start = [], 0
    for length in lengths:
        out.append([float(v) for v in flat[start : start + length]])
        start += length
    return out


def train_sft_model(spec, records: Sequence[dict], answers: Sequence[str], *, settings, token_weights=None, desc: str = "sft"):
    """A fresh copy of the model of ``spec`` (:class:`ensemw2s.train.ModelSpec`) fine-tuned on
    (prompt of record, answer) pairs."""
    tokenizer = models.load_tokenizer(spec.source, spec.trust_remote_code)
    model = models.load_causal_lm(spec.source, spec.trust_remote_code)
    summary = train.train_sft(
        model,
        tokenizer,
        [text.sft_prompt(r) for r in records],
        answers=answers,
        settings=settings,
        max_length=spec.max_length,
        token_weights=token_weights,
        desc=desc,
    )
    return model, tokenizer, summary


def gold_answers(records: Sequence[dict]) -> list[str]:
    return [text.sft_answer(r["choices"][r["gold"]]) for r in records]


def windowed_errors(token_wrong, lengths: Sequence[int], window: int) -> np.ndarray:
    """Each answer token's share of wrong tokens among its answer's last ``window`` tokens up to
    itself (j − L + 1 .. j).  L = 1 returns the boolean mistakes themselves (not a float copy), so
    token-level boosting is the same arithmetic with or without the window."""
    token_wrong = np.asarray(token_wrong, dtype=bool)
    if sum(lengths) != token_wrong.size:
        raise ValueError(f"{token_wrong.size} token mistakes for {sum(lengths)} answer tokens")
    if window == 1:
        return token_wrong
    shares = np.empty(token_wrong.size, dtype=np.float64)
    start = 0
    for length in lengths:
        cumulative = np.concatenate([[0.0], np.cumsum(token_wrong[start : start + length], dtype=np.float64)])
        end = np.arange(1, length + 1)
        begin = np.maximum(0, end - window)
        shares[start : start + length] = (cumulative[end] - cumulative[begin]) / (end - begin)
        start += length
    return shares


def unit_errors(token_wrong, lengths: Sequence[int], boost: BoostingSettings) -> np.ndarray:
    """The boosting units' errors from the flat per-token mistakes: windowed token errors
    (:func:`windowed_errors`), or one error per example under ``unit: sample``."""
    if boost.unit == "token":
        return windowed_errors(token_wrong, lengths, boost.window)
    per_answer = unflatten(np.asarray(token_wrong, dtype=np.float64), lengths)
    if boost.sample_error == "any":
        return np.array([any(row) for row in per_answer], dtype=bool)
    return np.array([float(np.mean(row)) if row else 0.0 for row in per_answer], dtype=np.float64)


def unit_token_weights(values: Sequence[float], lengths: Sequence[int], boost: BoostingSettings) -> list[list[float]]:
    """Per-answer-token values (each unit's draw weight) from one value per unit: an example's
    value is shared by all its tokens under ``unit: sample``."""
    if boost.unit == "token":
        return unflatten(values, lengths)
    if len(values) != len(lengths):
        raise ValueError(f"{len(values)} example values for {len(lengths)} examples")
    return [[float(value)] * length for value, length in zip(values, lengths)]


def token_boosting_round(
    t: int,
    spec,
    easy: Sequence[dict],
    *,
    settings,
    previous: dict | None,
    seed: int,
    boost: BoostingSettings | None = None,
):
    """One round of EnsemW2S-AdaBoost on the easy set.

    Round 1 measures eps_pre (the pretrained weak model under D_1 = uniform) and trains on every
    unit uniformly (the single-weak baseline; ``round1: drawn`` draws n units from D_1 as every other
    round does).  Round t >= 2 draws n units from D_t with replacement and trains a fresh expert from
    the pretrained model on the drawn units (:func:`draw_weights`: weight 1 each under ``draw_weight:
    mask``, the paper's label masks; their draw counts under ``count``).  Then eps_t (under D_t,
    whole easy set), acceptance (eps_t < eps_pre, the boundary within a tolerance), alpha_t and
    D_{t+1}.  Under ``on_reject: break`` a round after a rejected one trains nothing and returns no
    expert.  Returns (expert or None, tokenizer or None, stats).
    """
    boost = boost or BoostingSettings()
    stats = boost.stopped_round_stats(t, previous)
    if stats is not None:
        return None, None, stats
    max_length, eval_batch_size = spec.max_length, spec.eval_batch_size
    tokenizer = models.load_tokenizer(spec.source, spec.trust_remote_code)
    lengths = unit_lengths(tokenizer, easy, max_length, eos_unit=boost.eos_unit)
    n_units = boost.n_units(lengths)

    def errors_of(model):
        mistakes = token_mistakes(
            evaluate.model_logprobs(model), tokenizer, easy, max_length=max_length, batch_size=eval_batch_size, eos_unit=boost.eos_unit
        )
        return unit_errors(mistakes, lengths, boost)

    if t == 1:
        pretrained = models.load_for_inference(spec.source, settings.mixed_precision, spec.trust_remote_code)
        pre_wrong = errors_of(pretrained)
        del pretrained
        weights = boosting.uniform_weights(n_units)
        epsilon_pre = boosting.weighted_error(weights, pre_wrong)
    else:
        if previous is None:
            raise ValueError(f"round {t} needs the stats of round {t - 1}")
        weights = np.asarray(previous["next_weights"], dtype=np.float64)
        if weights.shape != (n_units,):
            raise ValueError(f"round {t - 1} weighted {weights.size} units, the easy set has {n_units} ({boost.unit} units)")
        epsilon_pre = previous["epsilon_pre"]
    counts = round_draws(t, weights, seed, round1=boost.round1)
    drawn = np.ones(n_units) if counts is None else draw_weights(counts, boost.draw_weight)
    unit_weights = unit_token_weights(drawn, lengths, boost)
    expert, tokenizer, summary = train_sft_model(
        spec, easy, gold_answers(easy), settings=settings, token_weights=training_token_weights(unit_weights, boost.eos_unit), desc=f"round {t}"
    )
    wrong = errors_of(expert)
    result = boosting.boosting_round(weights, wrong, epsilon_pre)
    stats = boosting.round_record(
        t,
        result,
        previous,
        train_error=float(wrong.mean()),
        n_units=n_units,
        epsilon_pre=epsilon_pre,
        units=boost.describe(),
        token_weights=_count_summary(counts, n_units, boost.draw_weight),
        training=summary,
    )
    return expert, tokenizer, stats


def round_draws(t: int, weights: np.ndarray, seed: int, *, round1: str = "uniform") -> np.ndarray | None:
    """How often each unit is drawn for round t's training (n draws from D_t, Algorithm 1 line 4),
    or None when round 1 trains on every unit once (``round1: uniform``, the single-weak baseline)."""
    if t == 1 and round1 == "uniform":
        return None
    return draw_token_counts(weights, len(weights), seed=boosting.round_seed(seed, t))


def _count_summary(counts, n_units: int, draw_weight: str = "mask") -> dict:
    if counts is None:
        return {"scheme": "uniform", "distinct_drawn": n_units, "max_count": 1, "share_undrawn": 0.0}
    return {
        "scheme": "drawn",
        "draw_weight": draw_weight,
        "distinct_drawn": int((counts > 0).sum()),
        "max_count": int(counts.max()),
        "share_undrawn": float((counts == 0).mean()),
    }


@dataclass
class DecodeSettings:
    max_new_tokens: int
    combine: str = "prob"
    do_sample: bool = False
    temperature: float = 1.0
    seed: int = 0
    choice_nll: str = "sum"  # or "mean": per-token mean NLL when mapping to a choice
    choice_mapping: str = "generated"  # generated (the paper) | teacher_forced | none (ŷ is the answer)
    choice_eos: bool = False  # a choice's NLL includes its EOS term

    def __post_init__(self):
        if self.choice_mapping not in CHOICE_MAPPINGS:
            raise ValueError(f"choice_mapping must be one of {CHOICE_MAPPINGS}, got {self.choice_mapping!r}")
        if self.choice_nll not in ("sum", "mean"):
            raise ValueError(f"choice_nll must be sum or mean, got {self.choice_nll!r}")


def _mapped(nlls: Sequence[float], n_tokens: Sequence[int], reduction: str) -> int:
    return evaluate.lowest_nll(nlls, n_tokens, [0] * len(nlls), reduction=reduction)


def pseudo_answers(
    experts: Sequence, alphas: Sequence[float], tokenizer, *, hard: Sequence[dict], decode: DecodeSettings, max_length: int, batch_size: int
) -> tuple[list[dict], dict]:
    """Ensemble pseudo-answers for the hard questions (Algorithm 1, lines 11-13).

    The ensemble decodes ŷ (greedy or sampled) and records its next-token distribution p_j at every
    step of ŷ's own path.  Each question gets two candidate labels: ``generated`` (the paper: the
    choice with the lowest NLL −Σ_j log p_j(c_j) against the distributions along ŷ, decoding on past
    ŷ's end until the longest choice is covered) and ``teacher_forced`` (each choice scored under
    the mixture given the prompt alone).  ``decode.choice_mapping`` says which one the student
    trains on, or ``none``: ŷ itself is the answer (free-form datasets).  Returns per-question rows
    (ŷ, both labels, whether they agree, the answer text the student trains on) and a summary.
    """
    weights = boosting.vote_weights(alphas)
    candidates = [[text.answer_ids(tokenizer, text.sft_answer(c), decode.choice_eos) for c in r["choices"]] for r in hard]
    decoded = ensemble.ensemble_decode(
        experts,
        weights,
        tokenizer,
        prompts=[text.sft_prompt(r) for r in hard],
        max_new_tokens=decode.max_new_tokens,
        candidates=candidates,
        combine=decode.combine,
        do_sample=decode.do_sample,
        temperature=decode.temperature,
        seed=decode.seed,
        batch_size=batch_size,
        max_length=max_length,
    )
    teacher = evaluate.evaluate_multiple_choice(
        ensemble.mixture_logprobs(experts, weights, decode.combine),
        tokenizer,
        hard,
        max_length=max_length,
        batch_size=batch_size,
        choice_eos=decode.choice_eos,
        desc="teacher-forced choices",
    )
    rows = []
    for record, result, scored in zip(hard, decoded, teacher.predictions, strict=True):
        answer = tokenizer.decode(result.ids, skip_special_tokens=True).strip()
        generated_nll = [-sum(logprobs) for logprobs in result.candidate_logprobs]
        n_tokens = [len(logprobs) for logprobs in result.candidate_logprobs]
        labels = {
            "generated": _mapped(generated_nll, n_tokens, decode.choice_nll),
            "teacher_forced": _mapped(scored["choice_nll"], scored["choice_tokens"], decode.choice_nll),
        }
        label = labels.get(decode.choice_mapping)
        rows.append(
            {
                "id": record["id"],
                "generated": answer,
                "exact_match": answer in record["choices"],
                "label_generated": labels["generated"],
                "label_teacher_forced": labels["teacher_forced"],
                "mappings_agree": labels["generated"] == labels["teacher_forced"],
                "generated_choice_nll": generated_nll,
                "label": label,
                "answer": answer if label is None else record["choices"][label],
                "label_correct": (answer == record["choices"][record["gold"]]) if label is None else label == record["gold"],
            }
        )
    summary = {
        "ensemble_weights": weights,
        "choice_mapping": decode.choice_mapping,
        "exact_match_rate": float(np.mean([r["exact_match"] for r in rows])),
        "mapping_agreement_rate": float(np.mean([r["mappings_agree"] for r in rows])),
        "pseudo_label_accuracy": float(np.mean([r["label_correct"] for r in rows])),
        "generated_label_accuracy": float(np.mean([r["label_generated"] == h["gold"] for r, h in zip(rows, hard)])),
        "teacher_forced_label_accuracy": float(np.mean([r["label_teacher_forced"] == h["gold"] for r, h in zip(rows, hard)])),
    }
    return rows, summary


@dataclass
class EvalSettings:
    """How multiple-choice answers are scored (config: ``eval.choice_eos``, ``generation.eos_unit``)."""

    max_length: int
    batch_size: int
    choice_eos: bool = False
    eos_unit: bool = False


def score_parts(
    logprob_fn, tokenizer, parts: dict[str, Sequence[dict]], *, scoring: EvalSettings, supervisor: dict[str, Sequence[int]] | None = None
) -> tuple[dict, dict[str, list[int]]]:
    """Option-wise (lm-eval ``acc`` and ``acc_norm``) and token-wise accuracy on each named part
    (test, val), and the option chosen per record (``acc``'s: the lowest summed NLL).  ``supervisor``:
    another model's chosen options on some of the parts (record for record): those parts also
    report ``agreement`` (:func:`ensemw2s.metrics.choice_agreement`)."""
    metrics, chosen = {}, {}
    for name, records in parts.items():
        result = evaluate.evaluate_multiple_choice(
            logprob_fn,
            tokenizer,
            records,
            max_length=scoring.max_length,
            batch_size=scoring.batch_size,
            choice_eos=scoring.choice_eos,
            eos_unit=scoring.eos_unit,
            desc=f"eval {name}",
        )
        chosen[name] = [int(p["predicted"]) for p in result.predictions]
        metrics[name] = {
            "option_accuracy": result.option_accuracy,
            "option_norm_accuracy": result.option_accuracy_norm,
            "token_accuracy": result.token_accuracy,
            "n": len(records),
            "n_truncated": result.n_truncated,
        }
        if supervisor is not None and name in supervisor:
            metrics[name]["agreement"] = choice_agreement(chosen[name], supervisor[name])
    return metrics, chosen


def evaluate_parts(logprob_fn, tokenizer, parts: dict[str, Sequence[dict]], *, scoring: EvalSettings) -> dict:
    """The accuracies of :func:`score_parts` alone."""
    return score_parts(logprob_fn, tokenizer, parts, scoring=scoring)[0]


def choices_frame(parts: dict[str, Sequence[dict]], chosen: dict[str, Sequence[int]]) -> pd.DataFrame:
    """One row per (part, record): id, gold option, the option the model chose."""
    import pandas as pd  # here, not at import: the training and decoding jobs never need it

    frames = [
        pd.DataFrame({"part": part, "id": [str(r["id"]) for r in records], "gold": [int(r["gold"]) for r in records], "option": list(chosen[part])})
        for part, records in parts.items()
    ]
    return pd.concat(frames, ignore_index=True)


def read_choices(path, parts: dict[str, Sequence[dict]]) -> dict[str, list[int]]:
    """A :func:`choices_frame` file's chosen options on each of ``parts`` it holds, in the order of
    the part's records (an error where it holds other records than the part)."""
    import pandas as pd

    frame = pd.read_csv(path, dtype={"id": str, "part": str})
    missing = {"part", "id", "option"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    chosen = {}
    for part, records in parts.items():
        rows = frame[frame["part"] == part]
        if rows.empty:
            continue
        chosen[part] = [int(v) for v in splits.in_record_order(list(rows["id"]), list(rows["option"]), records, what=f"{path}: part {part!r}")]
    return chosen


def _same_mixture(voters, others) -> bool:
    """The same experts with proportional weights: one mixture (the mixture normalises them)."""
    total, other_total = sum(w for _, w in voters), sum(w for _, w in others)
    return [s for s, _ in voters] == [s for s, _ in others] and all(
        abs(w / total - v / other_total) <= 1e-12 for (_, w), (_, v) in zip(voters, others)
    )


def ensemble_curve(
    load_expert, alphas: Sequence[float], tokenizer, *, parts: dict[str, Sequence[dict]], combine: str, scoring: EvalSettings
) -> list[dict]:
    """The weak ensemble of the first t experts, for t = 1..T, evaluated on ``parts``: one row per t
    with its vote weights and accuracies (the ablations' per-round curves).  ``load_expert(s)``
    returns round s's expert; only rounds with a vote are loaded, and a t that adds no vote (a
    rejected or stopped round) repeats the previous row's accuracies without scoring again."""
    loaded, rows, previous_voters = {}, [], None
    for t in range(1, len(alphas) + 1):
        weights = boosting.vote_weights(alphas[:t])
        voters = tuple((s, w) for s, w in enumerate(weights, start=1) if w > 0)
        if previous_voters and _same_mixture(voters, previous_voters):
            metrics = {name: dict(rows[-1][name]) for name in parts}
        else:
            for s, _ in voters:
                if s not in loaded:
                    loaded[s] = load_expert(s)
            mixture = ensemble.mixture_logprobs([loaded[s] for s, _ in voters], [w for _, w in voters], combine)
            metrics = evaluate_parts(mixture, tokenizer, parts, scoring=scoring)
        rows.append({"t": t, "ensemble_weights": [float(w) for w in weights], "experts_voting": len(voters), **metrics})
        previous_voters = voters
    return rows


def fine_tune_and_evaluate(
    spec,
    records: Sequence[dict],
    answers: Sequence[str],
    *,
    settings,
    parts: dict[str, Sequence[dict]],
    choice_eos: bool = False,
    eos_unit: bool = False,
    desc: str = "sft",
    supervisor: dict[str, Sequence[int]] | None = None,
) -> tuple[dict, dict[str, list[int]]]:
    """Fine-tune a fresh model of ``spec`` on (prompt, answer) pairs and evaluate it on ``parts``:
    a student (pseudo-answers) or a gold model (ground truth).  Its metrics and chosen options per
    part (:func:`score_parts`; ``supervisor``: the weak ensemble's, for the student's agreement)."""
    model, tokenizer, summary = train_sft_model(spec, records, answers, settings=settings, desc=desc)
    scoring = EvalSettings(spec.max_length, spec.eval_batch_size, choice_eos, eos_unit)
    metrics, chosen = score_parts(evaluate.model_logprobs(model), tokenizer, parts, scoring=scoring, supervisor=supervisor)
    return {**metrics, "training": summary}, chosen
