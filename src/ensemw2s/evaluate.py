"""Option-wise, token-wise and classifier accuracy, with per-example predictions.

Scoring goes through a *log-prob function* ``(input_ids, attention_mask) -> [B, L, V]`` next-token
log-probabilities, so a single model (:func:`model_logprobs`) and an ensemble mixture score with the
same code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .runtime import progress_interval
from .text import EncodedPair, collate_pairs, encode_pair, sft_answer, sft_prompt
from .train import encode_texts, pad_ids

LogProbFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def model_logprobs(model) -> LogProbFn:
    device = model_device(model)

    def logprobs(input_ids, attention_mask):
        logits = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits
        return F.log_softmax(logits.float(), dim=-1)

    return logprobs


@dataclass
class AnswerScore:
    token_logprobs: list[float]  # log p(answer token | prefix), EOS included
    token_correct: list[bool]  # argmax prediction == answer token (teacher forced)

    @property
    def nll(self) -> float:
        return -sum(self.token_logprobs)


@torch.no_grad()
def score_answers(logprob_fn: LogProbFn, pairs: Sequence[EncodedPair], pad_id: int, batches: Sequence[Sequence[int]], desc: str = "score") -> list[AnswerScore]:
    """Teacher-forced log-probability and argmax correctness of every answer token of every pair.

    ``batches`` lists the pair indices scored together in one padded forward pass.
    """
    scores: list[AnswerScore | None] = [None] * len(pairs)
    for indices in tqdm(batches, desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
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


def _chunk(n: int, size: int) -> list[list[int]]:
    return [list(range(i, min(i + size, n))) for i in range(0, n, size)]


@dataclass
class MultipleChoiceResult:
    option_accuracy: float
    token_accuracy: float
    predictions: list[dict]  # per example: id, gold, predicted choice, choice NLLs, token accuracy


def evaluate_multiple_choice(logprob_fn: LogProbFn, tokenizer, records: Sequence[dict], max_length: int, batch_size: int, length_normalise: bool = False, desc: str = "eval") -> MultipleChoiceResult:
    """Option-wise accuracy (lowest-NLL choice; all choices of a question in one forward pass) and
    token-wise accuracy (teacher-forced argmax over the gold answer's tokens)."""
    pairs, owners, batches, current = [], [], [], []
    for index, record in enumerate(records):
        prompt = sft_prompt(record)
        choice_pairs = [encode_pair(tokenizer, prompt, sft_answer(c), max_length) for c in record["choices"]]
        if current and len(current) + len(choice_pairs) > batch_size:
            batches.append(current)
            current = []
        current.extend(range(len(pairs), len(pairs) + len(choice_pairs)))
        pairs.extend(choice_pairs)
        owners.extend([index] * len(choice_pairs))
    if current:
        batches.append(current)
    scores = score_answers(logprob_fn, pairs, tokenizer.pad_token_id, batches, desc)

    predictions, cursor = [], 0
    n_option_correct = n_tokens = n_tokens_correct = 0
    for record in records:
        choice_scores = scores[cursor : cursor + len(record["choices"])]
        cursor += len(record["choices"])
        nlls = [s.nll / (len(s.token_logprobs) if length_normalise else 1) for s in choice_scores]
        predicted = min(range(len(nlls)), key=nlls.__getitem__)
        gold = choice_scores[record["gold"]]
        n_option_correct += predicted == record["gold"]
        n_tokens += len(gold.token_correct)
        n_tokens_correct += sum(gold.token_correct)
        predictions.append(
            {
                "id": record["id"],
                "gold": record["gold"],
                "predicted": predicted,
                "choice_nll": nlls,
                "token_accuracy": sum(gold.token_correct) / len(gold.token_correct),
            }
        )
    return MultipleChoiceResult(n_option_correct / len(records), n_tokens_correct / n_tokens, predictions)


def answer_token_correctness(logprob_fn: LogProbFn, tokenizer, records: Sequence[dict], max_length: int, batch_size: int, desc: str = "tokens") -> list[AnswerScore]:
    """Per gold-answer token: teacher-forced log-prob and argmax correctness (difficulty, boosting)."""
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

