"""Token-level ensembles of causal LMs (EnsemW2S Eq. 1): scoring and lockstep cached decoding.

The ensemble's next-token distribution is the alpha-weighted mixture of its experts' softmax
distributions, ``p = sum_s a_s softmax(h_s(prefix)) / sum_s a_s`` (``combine="prob"``), or, as the
paper's ablation, the softmax of the alpha-weighted mean logits (``combine="logit"``).

Decoding runs every expert with its own KV cache; all experts advance in lockstep on the token
the mixture chose, batched over questions (left-padded), so no expert re-encodes its prefix.
Given candidate token sequences (a question's choices), the decoder also records, at every step j,
the mixture's log-probability of each candidate's j-th token under the distribution p_j along the
decoded answer ŷ's own path (the paper's "NLL between the choices and ŷ").
:func:`naive_ensemble_generate` re-encodes the whole prefix at every step instead: it is the
reference the cached decoder is tested against, and the benchmark's baseline.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .evaluate import AnswerLogProbs, model_device
from .experts import ExpertLoop, make_runner, mix_stacked, prompt_then_answers
from .runtime import progress_interval
from .text import pad

log = logging.getLogger(__name__)

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
    return mix_stacked(torch.stack([expert_logits.float() for expert_logits in logits]), weights, combine)


def mixture_logprobs(models: Sequence, weights: Sequence[float], combine: str = "prob", *, batched: bool = True) -> AnswerLogProbs:
    """A log-prob function (see :mod:`ensemw2s.evaluate`) for the ensemble: scores answers
    (option-wise NLL, token-wise accuracy) under the same mixture the decoder uses.  Experts of one
    shape run as one vmapped forward (see :mod:`ensemw2s.experts`)."""
    normalised = _check(models, weights, combine)
    active = [m for m, w in zip(models, normalised.tolist()) if w > 0]
    active_weights = normalised[normalised > 0]
    runner = make_runner(active, batched)

    def logprobs(input_ids, attention_mask, position_ids=None, keep=0):
        nonlocal runner
        device = model_device(active[0])
        input_ids, attention_mask = input_ids.to(device), attention_mask.to(device)
        position_ids = None if position_ids is None else position_ids.to(device)
        if runner.path == "stacked":
            try:
                return mix_stacked(runner.full(input_ids, attention_mask, position_ids, keep), active_weights, combine)
            except Exception as error:  # noqa: BLE001 - fall back to one forward per expert
                log.warning("ensemble scoring: batched experts failed (%s: %s); one forward per expert", type(error).__name__, error)
                runner = ExpertLoop(active)
        extra = {} if position_ids is None else dict(position_ids=position_ids, use_cache=False, logits_to_keep=keep)
        logits = [
            m(
                input_ids=input_ids.to(model_device(m)),
                attention_mask=attention_mask.to(model_device(m)),
                **{k: v.to(model_device(m)) if torch.is_tensor(v) else v for k, v in extra.items()},
            )
            .logits[:, -keep:]
            .to(device)
            for m in active
        ]
        return mix_logits(logits, active_weights, combine)

    def answers(prompt_ids, prompt_mask, answer_ids, answer_mask, owner):
        nonlocal runner
        device = model_device(active[0])
        tensors = [t.to(device) for t in (prompt_ids, prompt_mask, answer_ids, answer_mask, owner)]
        if runner.path == "stacked":
            try:
                first, rest = prompt_then_answers(runner, *tensors)
                return mix_stacked(first, active_weights, combine), mix_stacked(rest, active_weights, combine)
            except Exception as error:  # noqa: BLE001 - fall back to one forward per expert
                log.warning("ensemble scoring: batched experts failed (%s: %s); one forward per expert", type(error).__name__, error)
                runner = ExpertLoop(active)
        first, rest = prompt_then_answers(runner, *tensors)
        return mix_stacked(first, active_weights, combine), mix_stacked(rest, active_weights, combine)

    return AnswerLogProbs(logprobs, logprobs, answers)


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that ignore left padding (each sequence starts at position 0)."""
    return (mask.cumsum(-1) - 1).clamp(min=0)


def _choose(logp: torch.Tensor, do_sample: bool, temperature: float, *, generator: torch.Generator | None) -> torch.Tensor:
    if not do_sample:
        return logp.argmax(-1)
    probs = F.softmax(logp / temperature, dim=-1)
    return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(-1).to(logp.device)


@dataclass
class Decoded:
    """One prompt's decoding: ŷ's token ids (cut at EOS, not included, or at ``max_new_tokens``) and,
    for each candidate sequence given, the log-probability of its j-th token under the mixture's
    distribution p_j at step j of the decoded path."""

    ids: list[int]
    candidate_logprobs: list[list[float]] = field(default_factory=list)


def _candidate_tensor(candidates, batch: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """[B, C, L] token ids (0-padded) and a [B, C, L] mask of the candidates of each row."""
    n_cand = max((len(c) for c in candidates), default=0)
    length = max((len(seq) for row in candidates for seq in row), default=0)
    ids = torch.zeros((batch, n_cand, length), dtype=torch.long)
    mask = torch.zeros((batch, n_cand, length), dtype=torch.bool)
    for b, row in enumerate(candidates):
        for c, seq in enumerate(row):
            ids[b, c, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[b, c, : len(seq)] = True
    return ids.to(device), mask.to(device)


class _NaiveExperts:
    """The reference: every expert re-encodes its whole prefix (prompt + fed tokens) at every step."""

    path = "naive"

    def __init__(self, models):
        self.models = list(models)

    def prefill(self, input_ids, attention_mask, position_ids, capacity):
        self.ids = input_ids
        return self._run(attention_mask)

    def step(self, input_ids, attention_mask, position_ids):
        self.ids = torch.cat([self.ids, input_ids], dim=1)
        return self._run(attention_mask)

    def _run(self, mask):
        return torch.stack(
            [
                m(input_ids=self.ids, attention_mask=mask, position_ids=_positions(mask), use_cache=False, logits_to_keep=1).logits[:, -1]
                for m in self.models
            ]
        )


@torch.no_grad()
def _decode_batch(runner, weights, prompt_ids, *, eos_id, pad_id, max_new_tokens, combine, do_sample, temperature, generator, candidates=None):
    """Decode one batch.  With ``candidates`` (per prompt, a list of token-id sequences) decoding
    goes on past EOS and past ``max_new_tokens`` until the longest candidate is covered, every
    expert fed the token the mixture chose, so p_j is always the distribution given ŷ's own prefix
    (ŷ itself still ends at its first EOS or at ``max_new_tokens``).

    ``runner`` (see :mod:`ensemw2s.experts`) returns all experts' next-token logits ``[T, B, V]``
    per step.  The attention mask, positions and decoded path are preallocated for all steps."""
    device = model_device(runner.models[0])
    input_ids, mask = pad(prompt_ids, pad_id, left=True)
    input_ids, mask = input_ids.to(device), mask.to(device)
    batch, prompt_length = input_ids.shape
    cand_ids, cand_mask = _candidate_tensor(candidates or [[] for _ in range(batch)], batch, device)
    cand_logprobs = torch.zeros(cand_ids.shape, dtype=torch.float32, device=device)
    n_cand_steps = cand_ids.shape[-1]
    steps = max(max_new_tokens, n_cand_steps)
    finished = torch.zeros(batch, dtype=torch.bool, device=device)
    fed = torch.zeros((batch, steps), dtype=torch.long, device=device)  # the decoded path, past EOS too
    full_mask = torch.cat([mask, torch.ones((batch, steps), dtype=mask.dtype, device=device)], dim=1)
    next_positions = mask.sum(-1, keepdim=True) + torch.arange(steps, device=device)  # position of fed[:, j]
    logits = runner.prefill(input_ids, mask, _positions(mask), prompt_length + steps)
    done = 0
    for step in range(steps):
        logp = mix_stacked(logits, weights, combine)
        if step < n_cand_steps:
            cand_logprobs[:, :, step] = logp.gather(1, cand_ids[:, :, step])
        token = _choose(logp, do_sample, temperature, generator=generator)
        fed[:, step] = token
        done = step + 1
        if step < max_new_tokens:
            finished |= token == eos_id
        if done >= n_cand_steps and (done >= max_new_tokens or bool(finished.all())):
            break
        logits = runner.step(fed[:, step : step + 1], full_mask[:, : prompt_length + done], next_positions[:, step : step + 1])
    results = []
    cand_logprobs = cand_logprobs.cpu()
    for b, row in enumerate(fed[:, : min(done, max_new_tokens)].tolist()):
        ids = row[: row.index(eos_id)] if eos_id in row else row
        recorded = [cand_logprobs[b, c, : len(seq)].tolist() for c, seq in enumerate((candidates or [[]] * batch)[b])]
        results.append(Decoded(ids, recorded))
    return results


def _decode(
    models,
    weights,
    tokenizer,
    *,
    prompts,
    max_new_tokens,
    combine,
    do_sample,
    temperature,
    seed,
    batch_size,
    max_length,
    use_cache,
    desc,
    candidates=None,
    batched=True,
):
    normalised = _check(models, weights, combine)
    active = [m for m, w in zip(models, normalised.tolist()) if w > 0]
    active_weights = normalised[normalised > 0]
    longest = max((len(seq) for row in candidates or [] for seq in row), default=0)
    room = max(1, max_length - max(max_new_tokens, longest))
    prompt_ids = [tokenizer(p, add_special_tokens=False)["input_ids"][-room:] or [tokenizer.eos_token_id] for p in prompts]
    if candidates is not None and len(candidates) != len(prompts):
        raise ValueError(f"{len(candidates)} candidate lists for {len(prompts)} prompts")
    generator = torch.Generator().manual_seed(seed) if do_sample else None
    runner = make_runner(active, batched) if use_cache else _NaiveExperts(active)
    outputs: list[Decoded] = []
    for start in tqdm(range(0, len(prompt_ids), batch_size), desc=desc, file=sys.stderr, mininterval=progress_interval(), ascii=True):
        batch = prompt_ids[start : start + batch_size]
        kwargs = dict(
            eos_id=tokenizer.eos_token_id,
            pad_id=tokenizer.pad_token_id,
            max_new_tokens=max_new_tokens,
            combine=combine,
            do_sample=do_sample,
            temperature=temperature,
            generator=generator,
            candidates=None if candidates is None else candidates[start : start + batch_size],
        )
        state = generator.get_state() if generator is not None else None
        try:
            outputs.extend(_decode_batch(runner, active_weights, batch, **kwargs))
        except Exception as error:  # noqa: BLE001 - the stacked path failed: redo the batch one expert at a time
            if runner.path != "stacked":
                raise
            log.warning("ensemble: batched experts failed (%s: %s); falling back to one forward per expert", type(error).__name__, error)
            if generator is not None:
                generator.set_state(state)
            runner = ExpertLoop(active)
            outputs.extend(_decode_batch(runner, active_weights, batch, **kwargs))
    return outputs


def ensemble_decode(
    models: Sequence,
    weights: Sequence[float],
    tokenizer,
    *,
    prompts: Sequence[str],
    max_new_tokens: int,
    candidates: Sequence[Sequence[Sequence[int]]] | None = None,
    combine: str = "prob",
    do_sample: bool = False,
    temperature: float = 1.0,
    seed: int = 0,
    batch_size: int = 16,
    max_length: int = 512,
    desc: str = "decode",
    batched: bool = True,
) -> list[Decoded]:
    """Decode each prompt with the ensemble (lockstep KV-cached experts, batched over prompts) and
    score each prompt's ``candidates`` along the decoded path (see :class:`Decoded`).  The recorded
    distribution is the mixture's own; ``temperature`` only shapes what is sampled.  ``batched``:
    experts of one shape in one vmapped forward per step (else one forward per expert)."""
    return _decode(
        models,
        weights,
        tokenizer,
        prompts=prompts,
        max_new_tokens=max_new_tokens,
        combine=combine,
        do_sample=do_sample,
        temperature=temperature,
        seed=seed,
        batch_size=batch_size,
        max_length=max_length,
        use_cache=True,
        desc=desc,
        candidates=candidates,
        batched=batched,
    )


def ensemble_generate(
    models: Sequence,
    weights: Sequence[float],
    tokenizer,
    *,
    prompts: Sequence[str],
    max_new_tokens: int,
    combine: str = "prob",
    do_sample: bool = False,
    temperature: float = 1.0,
    seed: int = 0,
    batch_size: int = 16,
    max_length: int = 512,
    desc: str = "decode",
    batched: bool = True,
) -> list[list[int]]:
    """Decode each prompt with the ensemble: lockstep KV-cached experts, batched over prompts.

    Greedy unless ``do_sample``.  Stops at EOS (not returned) or after ``max_new_tokens``.
    Experts with weight 0 (rejected rounds) are skipped.  Returns the generated token ids.
    """
    return [
        d.ids
        for d in _decode(
            models,
            weights,
            tokenizer,
            prompts=prompts,
            max_new_tokens=max_new_tokens,
            combine=combine,
            do_sample=do_sample,
            temperature=temperature,
            seed=seed,
            batch_size=batch_size,
            max_length=max_length,
            use_cache=True,
            desc=desc,
            candidates=None,
            batched=batched,
        )
    ]


def naive_ensemble_generate(
    models: Sequence,
    weights: Sequence[float],
    tokenizer,
    *,
    prompts: Sequence[str],
    max_new_tokens: int,
    combine: str = "prob",
    do_sample: bool = False,
    temperature: float = 1.0,
    seed: int = 0,
    batch_size: int = 16,
    max_length: int = 512,
    desc: str = "naive decode",
) -> list[list[int]]:
    """The same decoding, re-encoding every expert's whole prefix at every step (no KV cache)."""
    return [
        d.ids
        for d in _decode(
            models,
            weights,
            tokenizer,
            prompts=prompts,
            max_new_tokens=max_new_tokens,
            combine=combine,
            do_sample=do_sample,
            temperature=temperature,
            seed=seed,
            batch_size=batch_size,
            max_length=max_length,
            use_cache=False,
            desc=desc,
        )
    ]
