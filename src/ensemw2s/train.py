"""Fine-tuning with per-token and per-example loss weights, on CPU or GPU(s) through accelerate.

One loop (:func:`fit`) serves causal-LM fine-tuning, classifier training and tiny-model pretraining.
It checkpoints into a folder that is not a workflow output, so a killed job resumes where it stopped
(the step counter continues and the result is the same as an uninterrupted run), and it saves a
checkpoint before exiting on SIGTERM, which SLURM sends at a job's time limit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import shutil
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import get_scheduler

from .losses import ClassifierBatch, classifier_loss_count, classifier_loss_sum, lm_loss_count, lm_loss_sum
from .runtime import operational, progress_interval
from .text import EncodedPair, collate_pairs, encode_pair, encode_texts, pad

log = logging.getLogger(__name__)
# TrainSettings fields that cannot change a trained model: left out of the checkpoint's identity.
OPERATIONAL_SETTINGS = ("checkpoint_dir", "checkpoint_every", "label")


class TrainingDiverged(RuntimeError):
    """The loss (or the gradient) became NaN / infinite or exploded: nothing is saved."""


@dataclass
class TrainSettings:
    epochs: int
    lr: float
    batch_size: int
    seed: int
    micro_batch_size: int = 0  # >0 and < batch_size: gradient accumulation in chunks of this size
    max_steps: int = 0  # >0: stop after this many optimiser steps (pretraining)
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    lr_schedule: str = "linear"
    max_grad_norm: float = 1.0  # 0: no gradient clipping
    mixed_precision: str = "auto"  # auto = bf16 on a CUDA GPU that supports it, else fp32
    checkpoint_dir: str = ""  # empty: no checkpoints
    checkpoint_every: int = 0  # optimiser steps between checkpoints; 0 = only on SIGTERM
    label: str = ""  # what is trained (the model source), for messages only
    # A step loss above divergence_factor x max(first step's loss, 1) is divergence.  Large on purpose:
    # boosting weights (mean 1, up to the number of items on one item) legitimately scale a batch's
    # loss by 100s; NaN / inf losses and gradients are caught whatever this says.
    divergence_factor: float = 1e4

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"training setting {name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"training setting lr must be > 0, got {self.lr}")
        if not self.max_grad_norm >= 0:
            raise ValueError(f"training setting max_grad_norm must be >= 0 (0 = no clipping), got {self.max_grad_norm}")


def make_accelerator(mixed_precision: str = "auto") -> Accelerator:
    if mixed_precision == "auto":
        use_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        mixed_precision = "bf16" if use_bf16 else "no"
    return Accelerator(mixed_precision=mixed_precision, cpu=not torch.cuda.is_available())


class _SigtermFlag:
    """Turns SIGTERM into a flag the loop checks after each step."""

    def __init__(self):
        self.raised = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        except ValueError:  # not the main thread: leave signals alone
            self._previous = None
        return self

    def _handle(self, signum, frame):
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


def make_optimizer(model: torch.nn.Module, settings: TrainSettings) -> torch.optim.AdamW:
    """AdamW as one fused kernel over all parameters, as ``transformers.Trainer`` does by default
    (``adamw_torch_fused``): on a 2-core CPU its step over 70M parameters (pythia-70m's count)
    took 21 ms where PyTorch's default (for-each) AdamW took 292 ms.  The same update up to float
    rounding; a device without the fused kernel gets the default implementation."""
    hyper = dict(lr=settings.lr, weight_decay=settings.weight_decay)
    try:
        return torch.optim.AdamW(model.parameters(), **hyper, fused=True)
    except RuntimeError as error:
        log.info("AdamW: no fused kernel here (%s); using the default implementation", error)
        return torch.optim.AdamW(model.parameters(), **hyper)


def fit(
    model: torch.nn.Module,
    n_items: int,
    make_batch: Callable[[Sequence[int]], object],
    *,
    loss_sum: Callable[[torch.nn.Module, object], torch.Tensor],
    loss_count: Callable[[object], float],
    settings: TrainSettings,
    fingerprint: str = "",
    desc: str = "train",
    on_step: Callable[[int, int], None] | None = None,
    on_batches: Callable[[torch.nn.Module, list], None] | None = None,
) -> dict:
    """Minimise ``sum(loss_sum) / sum(loss_count)`` over each batch of items, ``settings.epochs`` times.

    ``make_batch(indices)`` builds a batch of items; ``loss_sum`` returns its summed (weighted) loss
    and ``loss_count`` the normaliser (e.g. its number of answer tokens), so gradient accumulation
    over micro-batches gives exactly the full-batch gradient.  ``fingerprint`` identifies the data
    and settings: a checkpoint written under another fingerprint is discarded, never resumed.
    Returns a summary (steps, final loss, whether it resumed).  Removes its checkpoints on success.
    ``on_step(step, total_steps)`` (optional) is called before each optimiser step, also after a
    resume, for losses that depend on training progress (the logconf warm-up).
    ``on_batches(model, batches)`` (optional) is called with every micro-batch of a step (under
    autocast) before their losses, for losses that need a statistic of the whole batch (the logconf
    hardening threshold under gradient accumulation).  ``settings.max_grad_norm`` 0: no clipping.
    """
    if n_items < 1:
        raise ValueError("cannot train on an empty set")
    accelerator = make_accelerator(settings.mixed_precision)
    set_seed(settings.seed)
    steps_per_epoch = math.ceil(n_items / settings.batch_size)
    total_steps = settings.epochs * steps_per_epoch
    if settings.max_steps:
        total_steps = settings.max_steps
    optimizer = make_optimizer(model, settings)
    scheduler = get_scheduler(
        settings.lr_schedule, optimizer, num_warmup_steps=int(settings.warmup_ratio * total_steps), num_training_steps=total_steps
    )
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)

    checkpoint = _Checkpoint(settings, n_items, fingerprint)
    start_step = checkpoint.restore(accelerator)
    micro = settings.micro_batch_size if 0 < settings.micro_batch_size < settings.batch_size else settings.batch_size
    model.train()
    last_loss = float("nan")
    first_loss = None
    progress = tqdm(
        total=total_steps, initial=start_step, desc=desc, file=sys.stderr, mininterval=progress_interval(), dynamic_ncols=False, ascii=True
    )
    with _SigtermFlag() as sigterm:
        for step in range(start_step, total_steps):
            if on_step is not None:
                on_step(step, total_steps)
            indices = _batch_indices(step, steps_per_epoch, n_items, settings=settings)
            # Each process takes its share of the micro-batches (one process on CPU / one GPU).
            chunks = [indices[i : i + micro] for i in range(0, len(indices), micro)]
            batches = [make_batch(chunk) for chunk in chunks]
            if on_batches is not None:
                with accelerator.autocast():
                    on_batches(model, batches)
            denominator = sum(float(loss_count(batch)) for batch in batches)
            step_loss = 0.0
            for batch in batches[accelerator.process_index :: accelerator.num_processes]:
                with accelerator.autocast():
                    loss = loss_sum(model, batch) / max(denominator, 1e-12)
                accelerator.backward(loss)
                step_loss += loss.item()
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), settings.max_grad_norm) if settings.max_grad_norm else None
            if first_loss is None:
                first_loss = step_loss
            try:
                _check_divergence(
                    step_loss, grad_norm, first_loss, step=step + 1, total_steps=total_steps, desc=desc, settings=settings, checkpoint=checkpoint
                )
            except TrainingDiverged:
                progress.close()
                raise
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            last_loss = step_loss
            progress.update(1)
            progress.set_postfix(loss=f"{step_loss:.4f}", refresh=False)
            done = step + 1
            if sigterm.raised:
                checkpoint.save(accelerator, done)
                progress.close()
                log.warning("SIGTERM: checkpoint saved at step %d/%d, exiting", done, total_steps)
                raise SystemExit(143)
            if settings.checkpoint_every and done % settings.checkpoint_every == 0 and done < total_steps:
                checkpoint.save(accelerator, done)
    progress.close()
    bad = [name for name, tensor in model.named_parameters() if not torch.isfinite(tensor).all()]
    if bad:
        checkpoint.clear()
        raise TrainingDiverged(
            f"{_what(desc, settings)}: {len(bad)} parameter tensors ({bad[0]}, ...) are NaN/inf after "
            f"step {total_steps}/{total_steps} at lr {settings.lr:g}; no model written. Lower the learning rate."
        )
    checkpoint.clear()
    model.eval()
    return {"steps": total_steps, "resumed_from_step": start_step, "final_loss": last_loss}


def _what(desc: str, settings: TrainSettings) -> str:
    return f"training {desc!r}" + (f" of {settings.label}" if settings.label else "")


def _check_divergence(loss, grad_norm, first_loss, *, step, total_steps, desc, settings, checkpoint) -> None:
    """Stop before the optimiser applies a NaN / infinite gradient, or when the loss explodes."""
    problem = None
    if not math.isfinite(loss):
        problem = f"loss is {loss}"
    elif grad_norm is not None and not math.isfinite(float(grad_norm)):
        problem = f"gradient norm is {float(grad_norm)} (loss {loss:.4g})"
    elif loss > settings.divergence_factor * max(first_loss, 1.0):
        problem = f"loss exploded to {loss:.4g}, over {settings.divergence_factor:g} x max(first step's loss {first_loss:.4g}, 1)"
    if problem is None:
        return
    checkpoint.clear()  # its weights led here; a retry with the same settings would diverge again
    raise TrainingDiverged(
        f"{_what(desc, settings)} diverged at step {step}/{total_steps}, lr {settings.lr:g}: {problem}. "
        f"No model written. Lower the learning rate (models.<name>.lr) or check the data."
    )


def _batch_indices(step: int, steps_per_epoch: int, n_items: int, *, settings: TrainSettings) -> list[int]:
    """The items of optimiser step ``step``: a fresh seeded permutation each epoch, so resuming
    at any step replays exactly the batches an uninterrupted run would see."""
    epoch, offset = divmod(step, steps_per_epoch)
    generator = torch.Generator().manual_seed(settings.seed * 100_003 + epoch)
    order = torch.randperm(n_items, generator=generator)
    return order[offset * settings.batch_size : (offset + 1) * settings.batch_size].tolist()


class _Checkpoint:
    def __init__(self, settings: TrainSettings, n_items: int, fingerprint: str):
        self.root = Path(settings.checkpoint_dir) if settings.checkpoint_dir else None
        identity = {k: v for k, v in dataclasses.asdict(settings).items() if k not in (*OPERATIONAL_SETTINGS, "divergence_factor")}
        identity.update(n_items=n_items, fingerprint=fingerprint)
        self.key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    @property
    def latest(self) -> Path:
        return self.root / "latest"

    def restore(self, accelerator: Accelerator) -> int:
        if self.root is None or not (self.latest / "progress.json").is_file():
            return 0
        progress = json.loads((self.latest / "progress.json").read_text())
        if progress.get("key") != self.key:
            log.warning("checkpoint in %s belongs to other data or settings: starting afresh", self.root)
            self.clear()
            return 0
        accelerator.load_state(str(self.latest))
        log.info("resumed from checkpoint at step %d", progress["step"])
        return int(progress["step"])

    def save(self, accelerator: Accelerator, step: int) -> None:
        if self.root is None:
            return
        staging = self.root / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        self.prepare(staging)
        accelerator.save_state(str(staging))
        (staging / "progress.json").write_text(json.dumps({"key": self.key, "step": step}))
        shutil.rmtree(self.latest, ignore_errors=True)
        staging.rename(self.latest)  # the previous checkpoint is replaced only by a complete one

    def clear(self) -> None:
        """Remove this job's checkpoint folder and the parents it leaves empty, up to the
        ``.checkpoints`` folder that holds them (kept), if there is one."""
        if self.root is None:
            return
        shutil.rmtree(self.root, ignore_errors=True)
        remove_empty_parents(self.root)

    def prepare(self, folder: Path) -> None:
        # a job finishing beside this one may remove an empty parent between our mkdir calls
        for attempt in range(5):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                return
            except FileNotFoundError:
                if attempt == 4:
                    raise


CHECKPOINT_FOLDER = ".checkpoints"


def remove_empty_parents(folder: Path, stop_at: str = CHECKPOINT_FOLDER) -> None:
    """rmdir the now-empty parents of ``folder`` up to (not including) the nearest ancestor named
    ``stop_at``; nothing when there is no such ancestor.  ``rmdir`` only ever removes an empty
    folder, so a sibling job's checkpoint is never touched."""
    folder = Path(folder).absolute()
    if stop_at not in folder.parts[:-1]:
        return
    for parent in folder.parents:
        if parent.name == stop_at:
            return
        try:
            parent.rmdir()
        except OSError:  # not empty (or already gone / in use): stop here
            if parent.exists():
                return


def normalised_weights(weights: Sequence[float], what: str) -> list[float]:
    """Rescale non-negative weights to mean 1, so uniform weights give the plain mean loss."""
    tensor = torch.as_tensor(weights, dtype=torch.float64)
    if tensor.numel() == 0 or (tensor < 0).any() or not torch.isfinite(tensor).all() or tensor.sum() <= 0:
        raise ValueError(f"{what} must be finite, non-negative and not all zero")
    return (tensor * tensor.numel() / tensor.sum()).tolist()


# ---------------------------------------------------------------------------------- entry points
def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def train_sft(
    model,
    tokenizer,
    prompts: Sequence[str],
    *,
    answers: Sequence[str],
    settings: TrainSettings,
    max_length: int,
    token_weights: Sequence[Sequence[float]] | None = None,
    desc: str = "sft",
) -> dict:
    """Fine-tune a causal LM on prompt -> answer pairs.

    ``token_weights`` (optional) gives one weight per answer token of each pair (EOS included,
    see :mod:`ensemw2s.text`); they are rescaled to mean 1 over all answer tokens.  An
    example weight is a token weight repeated over that example's answer.
    """
    pairs = [encode_pair(tokenizer, p, a, max_length=max_length) for p, a in zip(prompts, answers, strict=True)]
    if token_weights is not None:
        lengths = [pair.answer_length for pair in pairs]
        if [len(w) for w in token_weights] != lengths:
            raise ValueError("token_weights must give one weight per answer token of every pair")
        flat = normalised_weights([w for row in token_weights for w in row], "token weights")
        token_weights, start = [], 0
        for length in lengths:
            token_weights.append(flat[start : start + length])
            start += length

    def make_batch(indices):
        chosen = [pairs[i] for i in indices]
        weights = None if token_weights is None else [token_weights[i] for i in indices]
        return collate_pairs(chosen, tokenizer.pad_token_id, weights)

    fingerprint = _fingerprint([p.input_ids for p in pairs], token_weights)
    return fit(model, len(pairs), make_batch, loss_sum=lm_loss_sum, loss_count=lm_loss_count, settings=settings, fingerprint=fingerprint, desc=desc)


def train_classifier(
    model,
    tokenizer,
    texts: Sequence[str],
    *,
    soft_labels: Sequence[Sequence[float]],
    settings: TrainSettings,
    max_length: int,
    example_weights: Sequence[float] | None = None,
    desc: str = "classifier",
    extra_fingerprint: Sequence = (),
) -> dict:
    """Train a sequence classifier on soft labels (rows of two probabilities), optionally weighted.
    ``extra_fingerprint``: what else decides the result (e.g. how the model was loaded), so that a
    checkpoint of another setting is never resumed."""
    ids = encode_texts(tokenizer, texts, max_length)
    labels = torch.as_tensor(soft_labels, dtype=torch.float32)
    if labels.shape != (len(ids), 2) or not torch.allclose(labels.sum(-1), torch.ones(len(ids)), atol=1e-4):
        raise ValueError("soft_labels must be one [p0, p1] row per text, each summing to 1")
    weights = torch.as_tensor(normalised_weights(example_weights, "example weights") if example_weights is not None else [1.0] * len(ids))

    def make_batch(indices):
        input_ids, mask = pad([ids[i] for i in indices], tokenizer.pad_token_id)
        return ClassifierBatch(input_ids, mask, labels[indices], weights[indices].float())

    fingerprint = (
        _fingerprint(ids, labels.tolist(), weights.tolist(), *extra_fingerprint)
        if extra_fingerprint
        else _fingerprint(ids, labels.tolist(), weights.tolist())
    )
    return fit(
        model,
        len(ids),
        make_batch,
        loss_sum=classifier_loss_sum,
        loss_count=classifier_loss_count,
        settings=settings,
        fingerprint=fingerprint,
        desc=desc,
    )


def pretrain_lm(model, tokenizer, texts: Sequence[str], *, settings: TrainSettings, seq_len: int, desc: str = "pretrain") -> dict:
    """Plain next-token pretraining on a corpus cut into ``seq_len`` blocks (tiny models)."""
    stream: list[int] = []
    for text in texts:
        stream.extend(tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id])
    blocks = [stream[i : i + seq_len] for i in range(0, len(stream) - seq_len + 1, seq_len)]
    if not blocks:
        raise ValueError(f"corpus too small for one block of {seq_len} tokens")
    pairs = [EncodedPair(block, 1) for block in blocks]  # every token after the first is a target

    def make_batch(indices):
        return collate_pairs([pairs[i] for i in indices], tokenizer.pad_token_id)

    return fit(
        model, len(pairs), make_batch, loss_sum=lm_loss_sum, loss_count=lm_loss_count, settings=settings, fingerprint=_fingerprint(blocks), desc=desc
    )


@dataclass(frozen=True)
class ModelSpec:
    """What a job needs to load and run a model, whatever it trains: where the model comes from
    (a hub id, ``id@revision``, or a directory), whether its repository's code may run, the token
    budget of an example, the batch size of scoring, and the precision (``auto`` = bf16 on a CUDA
    GPU that supports it, else fp32)."""

    source: str
    max_length: int = 512
    eval_batch_size: int = 32
    trust_remote_code: bool = False
    mixed_precision: str = "auto"


def spec_from_params(params) -> ModelSpec:
    """ModelSpec from a workflow job's ``params`` (``training_params`` in rules/common.smk, read by ``runtime.job_settings``)."""
    return ModelSpec(
        source=str(params.model_source),
        max_length=int(params.max_length),
        eval_batch_size=int(params.eval_batch_size),
        trust_remote_code=bool(params.trust_remote_code),
        mixed_precision=str(params.mixed_precision),
    )


def settings_from_params(params, *, seed: int, epochs: int) -> TrainSettings:
    """TrainSettings from a workflow job's ``params`` (see ``training_params`` in rules/common.smk:
    every track sets ``lr_schedule`` and ``max_grad_norm`` in its own block)."""
    return TrainSettings(
        epochs=int(epochs),
        lr=float(params.lr),
        batch_size=int(params.batch_size),
        seed=int(seed),
        micro_batch_size=int(params.micro_batch_size),
        weight_decay=float(params.weight_decay),
        warmup_ratio=float(params.warmup_ratio),
        lr_schedule=str(params.lr_schedule),
        mixed_precision=str(params.mixed_precision),
        checkpoint_dir=str(params.checkpoint_dir),
        checkpoint_every=int(operational("checkpoint_every")),  # operational: not a params value
        max_grad_norm=float(params.max_grad_norm),
        label=str(getattr(params, "model_source", "")),
    )
