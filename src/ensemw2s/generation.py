"""EnsemW2S-AdaBoost for generation (paper Algorithm 1): token-level boosting rounds, ensemble
pseudo-answers for the hard questions, and students fine-tuned on them.

Units of boosting are the answer tokens (EOS included) of the easy set, flattened in record order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import boosting, ensemble, evaluate, models, text, train


def answer_lengths(tokenizer, records: Sequence[dict], max_length: int) -> list[int]:
    return [text.encode_pair(tokenizer, text.sft_prompt(r), text.sft_answer(r["choices"][r["gold"]]), max_length).answer_length for r in records]


def token_mistakes(logprob_fn, tokenizer, records: Sequence[dict], max_length: int, batch_size: int) -> np.ndarray:
    """1[h(x_i, y_i^{<j}) != y_i^j] for every gold-answer token, flattened (teacher forced, argmax)."""
    scores = evaluate.answer_token_correctness(logprob_fn, tokenizer, records, max_length, batch_size, desc="token errors")
    return ~np.concatenate([np.asarray(s.token_correct, dtype=bool) for s in scores])


def draw_token_counts(weights: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """How often each token is drawn in ``n_draws`` draws with replacement from D_t."""
    return np.random.default_rng(seed).multinomial(n_draws, np.asarray(weights, dtype=np.float64) / np.sum(weights))


def unflatten(flat: Sequence[float], lengths: Sequence[int]) -> list[list[float]]:
    if sum(lengths) != len(flat):
        raise ValueError(f"{len(flat)} token values for {sum(lengths)} answer tokens")
    out, start = [], 0
    for length in lengths:
        out.append([float(v) for v in flat[start : start + length]])
        start += length
    return out


def train_sft_model(model_source: str, records: Sequence[dict], answers: Sequence[str], settings, max_length: int,
                    token_weights=None, trust_remote_code: bool = False, desc: str = "sft"):
    """A fresh copy of ``model_source`` fine-tuned on (prompt of record, answer) pairs."""
    tokenizer = models.load_tokenizer(model_source, trust_remote_code)
    model = models.load_causal_lm(model_source, trust_remote_code)
    summary = train.train_sft(model, tokenizer, [text.sft_prompt(r) for r in records], answers, settings, max_length, token_weights, desc)
    return model, tokenizer, summary


def gold_answers(records: Sequence[dict]) -> list[str]:
    return [text.sft_answer(r["choices"][r["gold"]]) for r in records]


def token_boosting_round(t: int, model_source: str, easy: Sequence[dict], settings, max_length: int, eval_batch_size: int,
                         previous: dict | None, seed: int, trust_remote_code: bool = False):
    """One round of EnsemW2S-AdaBoost on the easy set.

    Round 1 measures eps_pre (the pretrained weak model under D_1 = uniform) and trains on every
    answer token uniformly: the single-weak baseline.  Round t >= 2 draws n tokens from D_t with
    replacement and trains a fresh expert from the pretrained model, each token's loss weighted
    by how often it was drawn.  Then eps_t (under D_t, whole easy set), acceptance (eps_t < eps_pre),
    alpha_t and D_{t+1}.  Returns (expert, tokenizer, stats).
    """
    tokenizer = models.load_tokenizer(model_source, trust_remote_code)
    lengths = answer_lengths(tokenizer, easy, max_length)
    n_tokens = sum(lengths)
    if t == 1:
        pretrained = models.load_for_inference(model_source, settings.mixed_precision, trust_remote_code)
        pre_wrong = token_mistakes(evaluate.model_logprobs(pretrained), tokenizer, easy, max_length, eval_batch_size)
        del pretrained
        weights = boosting.uniform_weights(n_tokens)
        epsilon_pre = boosting.weighted_error(weights, pre_wrong)
        token_weights, counts = None, None
    else:
        if previous is None:
            raise ValueError(f"round {t} needs the stats of round {t - 1}")
        weights = np.asarray(previous["next_weights"], dtype=np.float64)
        if weights.shape != (n_tokens,):
            raise ValueError(f"round {t - 1} weighted {weights.size} tokens, the easy set has {n_tokens}")
        epsilon_pre = previous["epsilon_pre"]
        counts = draw_token_counts(weights, n_tokens, seed=boosting.round_seed(seed, t))
        token_weights = unflatten(counts, lengths)
    expert, tokenizer, summary = train_sft_model(
        model_source, easy, gold_answers(easy), settings, max_length, token_weights, trust_remote_code, desc=f"round {t}"
    )
    wrong = token_mistakes(evaluate.model_logprobs(expert), tokenizer, easy, max_length, eval_batch_size)
    result = boosting.boosting_round(weights, wrong, epsilon_pre)
    stats = {
        "round": t,
        "epsilon_pre": epsilon_pre,
        "epsilon": result.epsilon,
        "alpha": result.alpha,
        "accepted": result.accepted,
        "train_token_error": float(wrong.mean()),
        "n_tokens": n_tokens,
        "token_weights": _count_summary(counts, n_tokens),
        "training": summary,
        "next_weights": result.next_weights.tolist(),
    }
    return expert, tokenizer, stats


def _count_summary(counts, n_tokens: int) -> dict:
    if counts is None:
        return {"scheme": "uniform", "distinct_drawn": n_tokens, "max_count": 1, "share_undrawn": 0.0}
    return {"scheme": "drawn", "distinct_drawn": int((counts > 0).sum()), "max_count": int(counts.max()), "share_undrawn": float((counts == 0).mean())}


@dataclass
class DecodeSettings:
    max_new_tokens: int
    combine: str = "prob"
    do_sample: bool = False
    temperature: float = 1.0
    seed: int = 0
    choice_nll: str = "sum"  # or "mean": per-token mean NLL when mapping to a choice


def pseudo_answers(experts: Sequence, alphas: Sequence[float], tokenizer, hard: Sequence[dict], decode: DecodeSettings,
                   max_length: int, batch_size: int) -> tuple[list[dict], dict]:
    """Ensemble pseudo-answers for the hard questions, each mapped to the choice with the lowest
    NLL under the same mixture.  Returns per-question rows and a summary."""
    weights = boosting.vote_weights(alphas)
    generated = ensemble.ensemble_generate(
        experts, weights, tokenizer, [text.sft_prompt(r) for r in hard], decode.max_new_tokens, decode.combine,
        decode.do_sample, decode.temperature, decode.seed, batch_size, max_length,
    )
    scored = evaluate.evaluate_multiple_choice(
        ensemble.mixture_logprobs(experts, weights, decode.combine), tokenizer, hard, max_length, batch_size,
        length_normalise=decode.choice_nll == "mean", desc="map to choices",
    )
    rows = []
    for record, ids, prediction in zip(hard, generated, scored.predictions):
        answer = tokenizer.decode(ids, skip_special_tokens=True).strip()
        rows.append({
            "id": record["id"],
            "generated": answer,
            "exact_match": answer in record["choices"],
            "label": prediction["predicted"],
            "label_correct": prediction["predicted"] == record["gold"],
        })
    summary = {
        "ensemble_weights": weights,
        "exact_match_rate": float(np.mean([r["exact_match"] for r in rows])),
        "pseudo_label_accuracy": float(np.mean([r["label_correct"] for r in rows])),
    }
    return rows, summary


def evaluate_parts(logprob_fn, tokenizer, parts: dict[str, Sequence[dict]], max_length: int, batch_size: int, length_normalise: bool = False) -> dict:
    """Option-wise and token-wise accuracy on each named part (test, val)."""
    metrics = {}
    for name, records in parts.items():
        result = evaluate.evaluate_multiple_choice(logprob_fn, tokenizer, records, max_length, batch_size, length_normalise, desc=f"eval {name}")
        metrics[name] = {"option_accuracy": result.option_accuracy, "token_accuracy": result.token_accuracy, "n": len(records)}
    return metrics


def fine_tune_and_evaluate(model_source: str, records: Sequence[dict], answers: Sequence[str], settings, parts: dict[str, Sequence[dict]],
                           max_length: int, eval_batch_size: int, length_normalise: bool = False, trust_remote_code: bool = False,
                           desc: str = "sft") -> dict:
    """Fine-tune a fresh ``model_source`` on (prompt, answer) pairs and evaluate it on ``parts``:
    a student (pseudo-answers) or a gold model (ground truth)."""
    model, tokenizer, summary = train_sft_model(model_source, records, answers, settings, max_length, trust_remote_code=trust_remote_code, desc=desc)
    metrics = evaluate_parts(evaluate.model_logprobs(model), tokenizer, parts, max_length, eval_batch_size, length_normalise)
    return {**metrics, "training": summary}
