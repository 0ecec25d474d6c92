"""Option-wise, token-wise and classifier accuracy, with per-example predictions.

Scoring goes through a *log-prob function* ``(input_ids, attention_mask) -> [B, L, V]`` next-token
log-probabilities, so a single model (:func:`model_logprobs`) and an ensemble mixture score with the
same code.  An :class:`AnswerLogProbs` (what :func:`model_logprobs` and
:func:`ensemw2s.ensemble.mixture_logprobs` return) also scores answers after shared prompts:
:func:`score_answers` then encodes each distinct prompt once (a question's choices share it, through
a KV cache) and computes logits (the vocabulary-sized output layer and its log-softmax) at the
answer positions only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .runtime import progress_interval
from .text import EncodedPair, collate_pairs, encode_pair, encode_texts, pad, sft_answer, sft_prompt, units

LogProbFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def model_device(model) -> torch.device:
    return next(model.parameters()).device


class AnswerLogProbs:
    """A log-prob function (``fn(input_ids, attention_mask)`` gives ``[B, L, V]``) that can also
    compute only what answer scoring needs:

    - ``fn.last(input_ids, attention_mask, position_ids, keep)``: the log-probs ``[B, keep, V]`` of
      the last ``keep`` positions of a left-padded batch (the model's ``logits_to_keep``);
    - ``fn.answers(prompt_ids, prompt_mask, answer_ids, answer_mask, owner)``: answers after shared
      prompts, each prompt encoded once (KV cache): the log-probs after each left-padded prompt
      ``[Q, V]`` and at every right-padded answer position ``[N, A, V]`` of the answers fed after
      prompt ``owner[n]`` (see :func:`ensemw2s.experts.prompt_then_answers`)."""

    def __init__(self, full: Callable, last: Callable, answers: Callable):
        self._full, self._last, self._answers = full, last, answers

    def __call__(self, input_ids, attention_mask):
        return self._full(input_ids, attention_mask)

    def last(self, input_ids, attention_mask, position_ids, keep: int) -> torch.Tensor:
        return self._last(input_ids, attention_mask, position_ids, keep)

    def answers(self, prompt_ids, prompt_mask, answer_ids, answer_mask, owner) -> tuple[torch.Tensor, torch.Tensor]:
        return self._answers(prompt_ids, prompt_mask, answer_ids, answer_mask, owner)


def model_logprobs(model) -> AnswerLogProbs:
    from .experts import ExpertLoop, prompt_then_answers

    device = model_device(model)

    def full(input_ids, attention_mask):
        logits = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits
        return F.log_softmax(logits.float(), dim=-1)

    def last(input_ids, attention_mask, position_ids, keep):
        logits = model(
            input_ids=input_ids.to(device),
            attention_mask=attention_mask.to(device),
            position_ids=position_ids.to(device),
            use_cache=False,
            logits_to_keep=keep,
        ).logits
        return F.log_softmax(logits[:, -keep:].float(), dim=-1)

    def answers(prompt_ids, prompt_mask, answer_ids, answer_mask, owner):
        tensors = [t.to(device) for t in (prompt_ids, prompt_mask, answer_ids, answer_mask, owner)]
        first, rest = prompt_then_answers(ExpertLoop([model]), *tensors)
        return F.log_softmax(first[0].float(), dim=-1), F.log_softmax(rest[0].float(), dim=-1)

    return AnswerLogProbs(full, last, answers)


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
def score_answers(
    logprob_fn: LogProbFn, pairs: Sequence[EncodedPair], pad_id: int, *, batches: Sequence[Sequence[int]], desc: str = "score"
) -> list[AnswerScore]:
    """Teacher-forced log-probability and argmax correctness of every answer token of every pair.

    ``batches`` lists the pair indices scored together (one padded forward pass; for an
    :class:`AnswerLogProbs` whose batch shares prompts, the prompts' forward then the answers' on
    their KV cache).
    """
    scores: list[AnswerScore | None] = [None] * len(pairs)
    for indices in tqdm(batches, desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        if isinstance(logprob_fn, AnswerLogProbs):
            _score_window(logprob_fn, pairs, pad_id, indices=indices, scores=scores)
            continue
        batch = collate_pairs([pairs[i] for i in indices], pad_id)
        # the last column is never an input a score needs (each row's last token is only a target)
        logprobs = logprob_fn(batch.input_ids[:, :-1], batch.attention_mask[:, :-1])
        targets = batch.input_ids[:, 1:].to(logprobs.device)
        # Reduce over the vocabulary where the log-probs live; only [B, L] comes back.
        token_lp = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).float().cpu()
        correct = (logprobs.argmax(-1) == targets).cpu()
        for row, index in enumerate(indices):
            mask = batch.target_mask[row]
            scores[index] = AnswerScore(token_lp[row][mask].tolist(), correct[row][mask].tolist())
    return scores  # type: ignore[return-value]


def _score_window(logprob_fn: AnswerLogProbs, pairs: Sequence[EncodedPair], pad_id: int, *, indices: Sequence[int], scores: list) -> None:
    """:func:`score_answers` for one batch, computing only what the scores need: logits and their
    log-softmax at the answer positions only, and, where pairs share a prompt (the choices of a
    question), each prompt encoded once through a KV cache.  Equals the full right-padded
    computation up to float rounding."""
    rows = [pairs[i] for i in indices]
    prompts: dict[tuple, int] = {}
    owner = [prompts.setdefault(tuple(p.input_ids[: p.answer_start]), len(prompts)) for p in rows]
    answers = [p.input_ids[p.answer_start :] for p in rows]  # every answer token, EOS last
    if len(prompts) == len(rows):
        # Nothing shared: one forward over the left-padded pairs (every pair's last token, never
        # fed, in the last column), logits at the last `keep` positions only.
        targets, _ = pad(answers, 0, left=True)  # right-aligned: row r's answer in its last answer_length columns
        input_ids, mask = pad([p.input_ids[:-1] for p in rows], pad_id, left=True)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logprobs = logprob_fn.last(input_ids, mask, positions, targets.shape[1])  # [N, keep, V]
        start = [targets.shape[1] - len(a) for a in answers]
    else:
        targets, _ = pad(answers, 0, left=False)
        prompt_ids, prompt_mask = pad([list(p) for p in prompts], pad_id, left=True)
        # fed after the prompt: every answer token but the last (nothing is predicted from it)
        answer_ids, answer_mask = pad([a[:-1] for a in answers], pad_id, left=False)
        first, rest = logprob_fn.answers(prompt_ids, prompt_mask, answer_ids, answer_mask, torch.tensor(owner))
        logprobs = torch.cat([first[torch.tensor(owner, device=first.device)].unsqueeze(1), rest], dim=1)  # [N, A + 1, V]
        start = [0] * len(rows)
    targets = targets.to(logprobs.device)
    token_lp = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).float().cpu()
    correct = (logprobs.argmax(-1) == targets).cpu()
    for row, (index, answer) in enumerate(zip(indices, answers)):
        span = slice(start[row], start[row] + len(answer))
        scores[index] = AnswerScore(token_lp[row, span].tolist(), correct[row, span].tolist())


def _longest_first(spans: Sequence[range], pairs: Sequence[EncodedPair]) -> list[range]:
    """Groups of pair indices (a question's choices), longest pair first (ties in input order), so
    that the pairs batched together have similar lengths (scores do not depend on the batching)."""
    return sorted(spans, key=lambda span: -max((len(pairs[i].input_ids) for i in span), default=0))


def _chunk(n: int, size: int) -> list[list[int]]:
    return [list(range(i, min(i + size, n))) for i in range(0, n, size)]


@dataclass
class MultipleChoiceResult:
    option_accuracy: float  # lm-evaluation-harness ``acc``: the choice with the highest summed log-likelihood
    option_accuracy_norm: float  # ``acc_norm``: summed log-likelihood divided by the choice's characters
    token_accuracy: float  # teacher-forced argmax accuracy over the gold answer's units
    predictions: list[dict]  # per example: id, gold, predicted (acc, acc_norm), choice NLLs, token counts, characters
    n_truncated: int = 0  # examples with a choice cut to fit max_length


NLL_REDUCTIONS = ("sum", "mean", "chars")


def lowest_nll(nlls: Sequence[float], n_tokens: Sequence[int], n_chars: Sequence[int], *, reduction: str = "sum") -> int:
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


def evaluate_multiple_choice(
    logprob_fn: LogProbFn,
    tokenizer,
    records: Sequence[dict],
    *,
    max_length: int,
    batch_size: int,
    choice_eos: bool = False,
    eos_unit: bool = False,
    desc: str = "eval",
) -> MultipleChoiceResult:
    """Option-wise accuracy, ``acc`` and ``acc_norm`` as lm-evaluation-harness computes them (all
    choices of a question in one batch, never split; log p(EOS | choice) counted only with
    ``choice_eos``), and token-wise accuracy over the gold answer's units (EOS one of them only with
    ``eos_unit``)."""
    pairs, spans = [], []
    eos_scored = choice_eos or eos_unit  # an EOS no score counts takes no place in the length budget
    for record in records:
        prompt = sft_prompt(record)
        spans.append(range(len(pairs), len(pairs) + len(record["choices"])))
        pairs.extend(encode_pair(tokenizer, prompt, sft_answer(c), max_length=max_length, eos_in_budget=eos_scored) for c in record["choices"])
    batches, current = [], []
    for span in _longest_first(spans, pairs):  # questions of similar length batched together: little padding
        if current and len(current) + len(span) > batch_size:
            batches.append(current)
            current = []
        current.extend(span)
    if current:
        batches.append(current)
    scores = score_answers(logprob_fn, pairs, tokenizer.pad_token_id, batches=batches, desc=desc)

    predictions, cursor = [], 0
    n_correct = n_correct_norm = n_tokens = n_tokens_correct = 0
    for record in records:
        choice_scores = scores[cursor : cursor + len(record["choices"])]
        cursor += len(record["choices"])
        nlls = [s.nll(choice_eos) for s in choice_scores]
        lengths = [len(s.correct(choice_eos)) for s in choice_scores]
        chars = [len(c) for c in record["choices"]]  # lm-eval: the choice text, without the " " delimiter
        predicted = lowest_nll(nlls, lengths, chars, reduction="sum")
        predicted_norm = lowest_nll(nlls, lengths, chars, reduction="chars")
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
    n_truncated = sum(any(pairs[i].truncated for i in span) for span in spans)
    return MultipleChoiceResult(n_correct / n, n_correct_norm / n, n_tokens_correct / max(n_tokens, 1), predictions, n_truncated)


def answer_token_correctness(
    logprob_fn: LogProbFn, tokenizer, records: Sequence[dict], *, max_length: int, batch_size: int, eos_unit: bool = True, desc: str = "tokens"
) -> list[AnswerScore]:
    """Per gold-answer token (EOS last): teacher-forced log-prob and argmax correctness (difficulty,
    boosting; :meth:`AnswerScore.correct` picks the units; ``eos_unit``: whether EOS is one of them,
    so whether it takes a place in the length budget)."""
    pairs = [
        encode_pair(tokenizer, sft_prompt(r), sft_answer(r["choices"][r["gold"]]), max_length=max_length, eos_in_budget=eos_unit) for r in records
    ]
    order = [i for span in _longest_first([range(i, i + 1) for i in range(len(pairs))], pairs) for i in span]
    return score_answers(
        logprob_fn, pairs, tokenizer.pad_token_id, batches=[[order[i] for i in chunk] for chunk in _chunk(len(order), batch_size)], desc=desc
    )


@torch.no_grad()
def classifier_probabilities(model, tokenizer, texts: Sequence[str], *, max_length: int, batch_size: int, desc: str = "classify") -> list[float]:
    """p(label = 1) for each text."""
    ids = encode_texts(tokenizer, texts, max_length)
    device = model_device(model)
    probabilities: list[float] = []
    for indices in tqdm(_chunk(len(ids), batch_size), desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        input_ids, mask = pad([ids[i] for i in indices], tokenizer.pad_token_id)
        logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits.float()
        probabilities.extend(F.softmax(logits, dim=-1)[:, 1].cpu().tolist())
    return probabilities
