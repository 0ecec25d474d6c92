"""Option-wise, token-wise and classifier accuracy, with per-example predictions.

Scoring goes through a *log-prob function* ``(input_ids, attention_mask) -> [B, L, V]`` next-token
log-probabilities, so a single model (:func:`model_logprobs`) and an ensemble mixture score with the
same code.  A :class:`WindowLogProbs` (what :func:`model_logprobs` and
:func:`ensemw2s.ensemble.mixture_logprobs` return) also computes the log-probs of only the last
``keep`` positions of a left-padded batch (:meth:`WindowLogProbs.last`): :func:`score_answers`
left-pads the pairs so every answer ends in the last column and asks for logits (the
vocabulary-sized output layer and its log-softmax) at the answer positions only.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .runtime import progress_interval
from .text import EncodedPair, collate_pairs, encode_pair, sft_answer, sft_prompt, units
from .train import encode_texts, pad_ids

LogProbFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def model_device(model) -> torch.device:
    return next(model.parameters()).device


class WindowLogProbs:
    """A log-prob function that can also score a window: ``fn(input_ids, attention_mask)`` gives
    ``[B, L, V]``; ``fn.last(input_ids, attention_mask, position_ids, keep)`` gives the log-probs
    ``[B, keep, V]`` of the last ``keep`` positions only (the model's ``logits_to_keep``), for a
    left-padded batch with explicit position ids."""

    def __init__(self, full: Callable, last: Callable):
        self._full, self._last = full, last

    def __call__(self, input_ids, attention_mask):
        return self._full(input_ids, attention_mask)

    def last(self, input_ids, attention_mask, position_ids, keep: int):
        return self._last(input_ids, attention_mask, position_ids, keep)


def model_logprobs(model) -> WindowLogProbs:
    device = model_device(model)

    def full(input_ids, attention_mask):
        logits = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits
        return F.log_softmax(logits.float(), dim=-1)

    def last(input_ids, attention_mask, position_ids, keep):
        logits = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device), position_ids=position_ids.to(device),
                       use_cache=False, logits_to_keep=keep).logits
        return F.log_softmax(logits[:, -keep:].float(), dim=-1)

    return WindowLogProbs(full, last)


@dataclass
class AnswerScore:
    token_logprobs: list[float]  # log p(answer token | prefix), EOS last
    token_correct: list[bool]  # argmax prediction == answer token (teacher forced), EOS last

    def nll(self, eos: bool = False) -> float:
        """Summed NLL of the choice's tokens, plus EOS's term when ``eos``."""
        return -sum(units(self.token_logprobs, eos))

    def correct(self, eos: bool = False) -> list[bool]:
        return units(self.token_correct, eos)


@torch.no_grad()
def score_answers(logprob_fn: LogProbFn, pairs: Sequence[EncodedPair], pad_id: int, batches: Sequence[Sequence[int]], desc: str = "score") -> list[AnswerScore]:
    """Teacher-forced log-probability and argmax correctness of every answer token of every pair.

    ``batches`` lists the pair indices scored together in one padded forward pass.
    """
    scores: list[AnswerScore | None] = [None] * len(pairs)
    for indices in tqdm(batches, desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        if isinstance(logprob_fn, WindowLogProbs):
            _score_window(logprob_fn, pairs, pad_id, indices, scores)
            continue
        batch = collate_pairs([pairs[i] for i in indices], pad_id)
        logprobs = logprob_fn(batch.input_ids, batch.attention_mask)[:, :-1]
        targets = batch.input_ids[:, 1:].to(logprobs.device)
        # Reduce over the vocabulary where the log-probs live; only [B, L] comes back.
        token_lp = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).float().cpu()
        correct = (logprobs.argmax(-1) == targets).cpu()
        for row, index in enumerate(indices):
            mask = batch.target_mask[row]
            scores[index] = AnswerScore(token_lp[row][mask].tolist(), correct[row][mask].tolist())
    return scores  # type: ignore[return-value]


def _score_window(logprob_fn: WindowLogProbs, pairs: Sequence[EncodedPair], pad_id: int, indices: Sequence[int], scores: list) -> None:
    """:func:`score_answers` for one batch, computing log-probs at the answer positions only.

    The pairs are left-padded, so every pair's last token (EOS) sits in the last column and its
    answer tokens in the last ``answer_length`` columns; the last column is not fed (nothing is
    predicted from it), and the log-probs of the last ``keep`` = longest answer positions predict
    them.  Equals the right-padded full-vocabulary computation up to float rounding."""
    rows = [pairs[i] for i in indices]
    length = max(len(p.input_ids) for p in rows)
    keep = max(p.answer_length for p in rows)
    input_ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for row, pair in enumerate(rows):
        input_ids[row, length - len(pair.input_ids) :] = torch.tensor(pair.input_ids, dtype=torch.long)
        mask[row, length - len(pair.input_ids) :] = 1
    feed, feed_mask = input_ids[:, :-1], mask[:, :-1]
    positions = (feed_mask.cumsum(-1) - 1).clamp(min=0)
    logprobs = logprob_fn.last(feed, feed_mask, positions, keep)  # [B, keep, V]: predicts input_ids[:, -keep:]
    targets = input_ids[:, -keep:].to(logprobs.device)
    token_lp = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).float().cpu()
    correct = (logprobs.argmax(-1) == targets).cpu()
    for row, (index, pair) in enumerate(zip(indices, rows)):
        n = pair.answer_length
        scores[index] = AnswerScore(token_lp[row, keep - n :].tolist(), correct[row, keep - n :].tolist())


def _chunk(n: int, size: int) -> list[list[int]]:
    return [list(range(i, min(i + size, n))) for i in range(0, n, size)]


@dataclass
class MultipleChoiceResult:
    option_accuracy: float  # lm-evaluation-harness ``acc``: the choice with the highest summed log-likelihood
    option_accuracy_norm: float  # ``acc_norm``: summed log-likelihood divided by the choice's characters
    token_accuracy: float  # teacher-forced argmax accuracy over the gold answer's units
    predictions: list[dict]  # per example: id, gold, predicted (acc, acc_norm), choice NLLs, token counts, characters


NLL_REDUCTIONS = ("sum", "mean", "chars")


def lowest_nll(nlls: Sequence[float], n_tokens: Sequence[int], n_chars: Sequence[int], reduction: str = "sum") -> int:
    """The choice with the lowest NLL: summed (``sum``, lm-eval ``acc``), per token (``mean``) or per
    character of the choice text (``chars``, lm-eval ``acc_norm``).  Ties go to the earlier choice."""
    if reduction == "sum":
        scores = list(nlls)
    elif reduction == "mean":
        scores = [nll / max(n, 1) for nll, n in zip(nlls, n_tokens, strict=True)]
    elif reduction == "chars":
        scores = [nll / max(n, 1) for nll, n in zip(nlls, n_chars, strict=True)]
    else:
        raise ValueError(f"unknown NLL reduction {reduction!r}; expected one of {NLL_REDUCTIONS}")
    return min(range(len(scores)), key=scores.__getitem__)


def evaluate_multiple_choice(logprob_fn: LogProbFn, tokenizer, records: Sequence[dict], max_length: int, batch_size: int,
                             choice_eos: bool = False, eos_unit: bool = False, desc: str = "eval") -> MultipleChoiceResult:
    """Option-wise accuracy, ``acc`` and ``acc_norm`` as lm-evaluation-harness computes them (all
    choices of a question in one forward pass; log p(EOS | choice) counted only with
    ``choice_eos``), and token-wise accuracy over the gold answer's units (EOS one of them only with
    ``eos_unit``)."""
    pairs, batches, current = [], [], []
    for record in records:
        prompt = sft_prompt(record)
        choice_pairs = [encode_pair(tokenizer, prompt, sft_answer(c), max_length) for c in record["choices"]]
        if current and len(current) + len(choice_pairs) > batch_size:
            batches.append(current)
            current = []
        current.extend(range(len(pairs), len(pairs) + len(choice_pairs)))
        pairs.extend(choice_pairs)
    if current:
        batches.append(current)
    scores = score_answers(logprob_fn, pairs, tokenizer.pad_token_id, batches, desc)

    predictions, cursor = [], 0
    n_correct = n_correct_norm = n_tokens = n_tokens_correct = 0
    for record in records:
        choice_scores = scores[cursor : cursor + len(record["choices"])]
        cursor += len(record["choices"])
        nlls = [s.nll(choice_eos) for s in choice_scores]
        lengths = [len(s.correct(choice_eos)) for s in choice_scores]
        chars = [len(c) for c in record["choices"]]  # lm-eval: the choice text, without the " " delimiter
        predicted = lowest_nll(nlls, lengths, chars, "sum")
        predicted_norm = lowest_nll(nlls, lengths, chars, "chars")
        gold = choice_scores[record["gold"]].correct(eos_unit)
        n_correct += predicted == record["gold"]
        n_correct_norm += predicted_norm == record["gold"]
        n_tokens += len(gold)
        n_tokens_correct += sum(gold)
        predictions.append(
            {
                "id": record["id"],
                "gold": record["gold"],
                "predicted": predicted,
                "predicted_norm": predicted_norm,
                "choice_nll": nlls,
                "choice_tokens": lengths,
                "choice_chars": chars,
                "token_accuracy": sum(gold) / max(len(gold), 1),
            }
        )
    n = len(records)
    return MultipleChoiceResult(n_correct / n, n_correct_norm / n, n_tokens_correct / max(n_tokens, 1), predictions)


def answer_token_correctness(logprob_fn: LogProbFn, tokenizer, records: Sequence[dict], max_length: int, batch_size: int, desc: str = "tokens") -> list[AnswerScore]:
    """Per gold-answer token (EOS last): teacher-forced log-prob and argmax correctness (difficulty,
    boosting; :meth:`AnswerScore.correct` picks the units)."""
    pairs = [encode_pair(tokenizer, sft_prompt(r), sft_answer(r["choices"][r["gold"]]), max_length) for r in records]
    return score_answers(logprob_fn, pairs, tokenizer.pad_token_id, _chunk(len(pairs), batch_size), desc)


@torch.no_grad()
def classifier_probabilities(model, tokenizer, texts: Sequence[str], max_length: int, batch_size: int, desc: str = "classify") -> list[float]:
    """p(label = 1) for each text."""
    ids = encode_texts(tokenizer, texts, max_length)
    device = model_device(model)
    probabilities: list[float] = []
    for indices in tqdm(_chunk(len(ids), batch_size), desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        input_ids, mask = pad_ids([ids[i] for i in indices], tokenizer.pad_token_id)
        logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits.float()
        probabilities.extend(F.softmax(logits, dim=-1)[:, 1].cpu().tolist())
    return probabilities

