"""Prompts, answers and their token layout, shared by training, evaluation and decoding.

Generation tasks (QuaRTz, ARC) are prompt -> answer pairs: the prompt is the background (if any) and
the question, the answer is " " + choice text followed by EOS.  Every answer token, EOS included,
is trained (so decoding learns to stop); the *units* that are scored, boosted and rated are the
choice's tokens, with EOS among them only when asked (``eos=True`` below; config keys
``eval.choice_eos`` for option scoring and ``generation.eos_unit`` for boosting, token accuracy and
difficulty), since the paper's units are "the k_i tokens in the answer part" and the
lm-evaluation-harness scores a choice without an EOS term.  Prompt and answer are tokenised
separately and concatenated, so an answer's tokens never depend on its prompt.

The classification task (binary SciQ) is one text, "Q: {question} A: {answer}", with a 0/1 label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


def sft_prompt(record: dict) -> str:
    question = f"Q: {record['question']}\nA:"
    return f"{record['context']}\n{question}" if record.get("context") else question


def sft_answer(choice: str) -> str:
    return " " + choice


def classification_text(record: dict) -> str:
    return f"Q: {record['question']} A: {record['binary_answer']}"


@dataclass
class EncodedPair:
    input_ids: list[int]
    answer_start: int  # index of the first answer token in input_ids
    truncated: bool = False  # the prompt (or an over-long answer) was cut to fit max_length

    @property
    def answer_length(self) -> int:
        """Answer tokens, the final EOS included."""
        return len(self.input_ids) - self.answer_start


def units(values: list, eos: bool) -> list:
    """The per-answer-token ``values`` (EOS last) restricted to the scored units: the choice's
    tokens, plus EOS when ``eos``."""
    return list(values) if eos else list(values[:-1])


def answer_ids(tokenizer, answer: str, eos: bool = True) -> list[int]:
    """The answer's token ids (as :func:`encode_pair` lays them out), EOS appended when ``eos``."""
    return tokenizer(answer, add_special_tokens=False)["input_ids"] + ([tokenizer.eos_token_id] if eos else [])


def encode_pair(tokenizer, prompt: str, answer: str, *, max_length: int, eos_in_budget: bool = True) -> EncodedPair:
    """Token ids of prompt + answer + EOS, the prompt cut from the left to fit ``max_length``.
    The answer always ends in EOS (an over-long answer is cut before it).  The EOS is only ever a
    target (no score needs it as an input), so where it is not scored either (``eos_in_budget``
    false: evaluation without ``choice_eos`` / ``eos_unit``) it takes no place in the budget: the
    model then reads at most ``max_length`` tokens, the prompt one more than with the EOS counted."""
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_tokens = tokenizer(answer, add_special_tokens=False)["input_ids"]
    # keep at least one prompt token to condition on, and the EOS; the answer's cut never depends
    # on eos_in_budget, so the units of one answer are the same in training and scoring
    kept = answer_tokens[: max_length - 2]
    room = max_length + (0 if eos_in_budget else 1) - len(kept) - 1
    kept_prompt = prompt_ids[-room:] if prompt_ids else [tokenizer.eos_token_id]
    truncated = len(kept) < len(answer_tokens) or len(kept_prompt) < len(prompt_ids)
    return EncodedPair(kept_prompt + kept + [tokenizer.eos_token_id], len(kept_prompt), truncated)


def encode_texts(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of each text, cut from the left to ``max_length`` (the answer sits at the end)."""
    return [tokenizer(t, add_special_tokens=False)["input_ids"][-max_length:] for t in texts]


def pad(sequences: Sequence[Sequence[int]], pad_id: int, left: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, attention mask) of token sequences padded to the longest with ``pad_id``: on the right
    (training, classification), or on the left (``left=True``: decoding, and scoring answers that end
    in the same column)."""
    width = max((len(s) for s in sequences), default=0)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        if len(seq):
            cols = slice(width - len(seq), width) if left else slice(0, len(seq))
            ids[row, cols] = torch.as_tensor(seq, dtype=torch.long)
            mask[row, cols] = 1
    return ids, mask


@dataclass
class LMBatch:
    input_ids: torch.Tensor  # [B, L] right-padded
    attention_mask: torch.Tensor  # [B, L]
    target_mask: torch.Tensor  # [B, L-1] bool: position j predicts an answer token input_ids[:, j+1]
    target_weights: torch.Tensor  # [B, L-1] float loss weight per predicted answer token (0 elsewhere)


def collate_pairs(pairs: list[EncodedPair], pad_id: int, token_weights: list[list[float]] | None = None) -> LMBatch:
    """Right-pad a list of encoded pairs; optional per-answer-token weights (one list per pair)."""
    input_ids, attention_mask = pad([p.input_ids for p in pairs], pad_id)
    batch, length = input_ids.shape
    target_mask = torch.zeros((batch, length - 1), dtype=torch.bool)
    weights = torch.zeros((batch, length - 1), dtype=torch.float32)
    for row, pair in enumerate(pairs):
        n = len(pair.input_ids)
        target_mask[row, pair.answer_start - 1 : n - 1] = True
        if token_weights is None:
            weights[row, pair.answer_start - 1 : n - 1] = 1.0
        else:
            if len(token_weights[row]) != pair.answer_length:
                raise ValueError(f"token weights of pair {row} have {len(token_weights[row])} entries, the answer has {pair.answer_length} tokens")
            weights[row, pair.answer_start - 1 : n - 1] = torch.tensor(token_weights[row], dtype=torch.float32)
    return LMBatch(input_ids, attention_mask, target_mask, weights)
