"""Token-level ensembles of causal LMs (EnsemW2S Eq. 1): scoring and lockstep cached decoding.

The ensemble's next-token distribution is the alpha-weighted mixture of its experts' softmax
distributions, ``p = sum_s a_s softmax(h_s(prefix)) / sum_s a_s`` (``combine="prob"``), or, as the
paper's ablation, the softmax of the alpha-weighted mean logits (``combine="logit"``).

Decoding runs every expert with its own KV cache; all experts advance in lockstep on the token
the mixture chose, batched over questions (left-padded), so no expert re-encodes its prefix.
:func:`naive_ensemble_generate` re-encodes the whole prefix at every step instead: it is the
reference the cached decoder is tested against, and the benchmark's baseline.
"""

from __future__ import annotations

import sys
from typing import Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .evaluate import LogProbFn, model_device
from .runtime import progress_interval

COMBINE_MODES = ("prob", "logit")


def _check(models: Sequence, weights: Sequence[float], combine: str) -> torch.Tensor:
    if not models or len(models) != len(weights):
        raise ValueError(f"need one weight per expert, got {len(models)} experts and {len(weights)} weights")
    if combine not in COMBINE_MODES:
        raise ValueError(f"combine must be one of {COMBINE_MODES}, got {combine!r}")
    w = torch.as_tensor(weights, dtype=torch.float32)
    if (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"expert weights must be non-negative and not all zero, got {list(weights)}")
    return w / w.sum()


def mix_logits(logits: Sequence[torch.Tensor], weights: torch.Tensor, combine: str) -> torch.Tensor:
    """Log of the ensemble's next-token distribution from each expert's logits (same shape)."""
    if combine == "logit":
        return F.log_softmax(sum(w * l.float() for w, l in zip(weights.tolist(), logits)), dim=-1)
    stacked = torch.stack([F.log_softmax(l.float(), dim=-1) for l in logits])  # [S, ..., V]
    log_w = torch.log(weights).view(-1, *([1] * (stacked.dim() - 1))).to(stacked.device)
    return torch.logsumexp(stacked + log_w, dim=0)


def mixture_logprobs(models: Sequence, weights: Sequence[float], combine: str = "prob") -> LogProbFn:
    """A log-prob function (see :mod:`ensemw2s.evaluate`) for the ensemble: scores answers
    (option-wise NLL, token-wise accuracy) under the same mixture the decoder uses."""
    normalised = _check(models, weights, combine)
    active = [(m, w) for m, w in zip(models, normalised.tolist()) if w > 0]

    def logprobs(input_ids, attention_mask):
        device = model_device(active[0][0])
        logits = [m(input_ids=input_ids.to(model_device(m)), attention_mask=attention_mask.to(model_device(m))).logits.to(device) for m, _ in active]
        return mix_logits(logits, torch.tensor([w for _, w in active]), combine)

    return logprobs


def left_pad(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(s) for s in sequences)
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, length - len(seq) :] = torch.tensor(seq, dtype=torch.long)
        mask[row, length - len(seq) :] = 1
    return input_ids, mask


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that ignore left padding (each sequence starts at position 0)."""
    return (mask.cumsum(-1) - 1).clamp(min=0)


def _choose(logp: torch.Tensor, do_sample: bool, temperature: float, generator: torch.Generator | None) -> torch.Tensor:
    if not do_sample:
        return logp.argmax(-1)
    probs = F.softmax(logp / temperature, dim=-1)
    return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(-1).to(logp.device)


@torch.no_grad()
def _decode_batch(models, weights, prompt_ids, eos_id, pad_id, max_new_tokens, combine, do_sample, temperature, generator, use_cache):
    device = model_device(models[0])
    input_ids, mask = left_pad(prompt_ids, pad_id)
    input_ids, mask = input_ids.to(device), mask.to(device)
    batch = input_ids.shape[0]
    finished = torch.zeros(batch, dtype=torch.bool, device=device)
    generated = torch.empty((batch, 0), dtype=torch.long, device=device)
    caches = [None] * len(models)
    step_ids, step_positions = input_ids, _positions(mask)
    for _ in range(max_new_tokens):
        logits = []
        for index, model in enumerate(models):
            if use_cache:
                out = model(input_ids=step_ids, attention_mask=mask, position_ids=step_positions, past_key_values=caches[index], use_cache=True, logits_to_keep=1)
                caches[index] = out.past_key_values
            else:  # reference: re-encode the whole prefix every step
                full = torch.cat([input_ids, generated], dim=1)
                out = model(input_ids=full, attention_mask=mask, position_ids=_positions(mask), use_cache=False, logits_to_keep=1)
            logits.append(out.logits[:, -1])
        token = _choose(mix_logits(logits, weights, combine), do_sample, temperature, generator)
        token = torch.where(finished, torch.full_like(token, pad_id), token)
        generated = torch.cat([generated, token[:, None]], dim=1)
        finished |= token == eos_id
        if finished.all():
            break
        mask = torch.cat([mask, torch.ones((batch, 1), dtype=mask.dtype, device=device)], dim=1)
        step_ids = token[:, None]
        step_positions = _positions(mask)[:, -1:]
    sequences = []
    for row in generated.tolist():
        out = []
        for token in row:
            if token == eos_id:
                break
            out.append(token)
        sequences.append(out)
    return sequences


def _generate(models, weights, tokenizer, prompts, max_new_tokens, combine, do_sample, temperature, seed, batch_size, max_length, use_cache, desc):
    normalised = _check(models, weights, combine)
    active = [m for m, w in zip(models, normalised.tolist()) if w > 0]
    active_weights = normalised[normalised > 0]
    room = max(1, max_length - max_new_tokens)
    prompt_ids = [tokenizer(p, add_special_tokens=False)["input_ids"][-room:] or [tokenizer.eos_token_id] for p in prompts]
    generator = torch.Generator().manual_seed(seed) if do_sample else None
    outputs: list[list[int]] = []
    for start in tqdm(range(0, len(prompt_ids), batch_size), desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        outputs.extend(
            _decode_batch(active, active_weights, prompt_ids[start : start + batch_size], tokenizer.eos_token_id, tokenizer.pad_token_id,
                          max_new_tokens, combine, do_sample, temperature, generator, use_cache)
        )
    return outputs


def ensemble_generate(models: Sequence, weights: Sequence[float], tokenizer, prompts: Sequence[str], max_new_tokens: int, combine: str = "prob",
                      do_sample: bool = False, temperature: float = 1.0, seed: int = 0, batch_size: int = 16, max_length: int = 512,
                      desc: str = "decode") -> list[list[int]]:
    """Decode each prompt with the ensemble: lockstep KV-cached experts, batched over prompts.

    Greedy unless ``do_sample``.  Stops at EOS (not returned) or after ``max_new_tokens``.
    Experts with weight 0 (rejected rounds) are skipped.  Returns the generated token ids.
    """
    return _generate(models, weights, tokenizer, prompts, max_new_tokens, combine, do_sample, temperature, seed, batch_size, max_length, True, desc)


def naive_ensemble_generate(models: Sequence, weights: Sequence[float], tokenizer, prompts: Sequence[str], max_new_tokens: int, combine: str = "prob",
                            do_sample: bool = False, temperature: float = 1.0, seed: int = 0, batch_size: int = 16, max_length: int = 512,
                            desc: str = "naive decode") -> list[list[int]]:
    """The same decoding, re-encoding every expert's whole prefix at every step (no KV cache)."""
    return _generate(models, weights, tokenizer, prompts, max_new_tokens, combine, do_sample, temperature, seed, batch_size, max_length, False, desc)

