"""The training losses, where readers of openai/weak-to-strong (``loss.py``) and EleutherAI/w2s look:
the weighted next-token loss of the generation track, the weighted soft-label cross-entropy of the
classifiers, and Burns et al.'s auxiliary-confidence (logconf) loss of the classification students.

Each ``*_loss_sum`` returns a batch's *sum* of per-unit losses; :func:`ensemw2s.train.fit` divides
by the matching ``*_loss_count`` over the whole optimiser step, so gradient accumulation gives the
same step as one large batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .text import LMBatch


def lm_loss_sum(model, batch: LMBatch) -> torch.Tensor:
    """Sum over answer tokens of weight x next-token cross-entropy."""
    device = next(model.parameters()).device
    logits = model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits
    targets = batch.input_ids[:, 1:].to(device)
    mask = batch.target_mask.to(device)
    token_ce = F.cross_entropy(logits[:, :-1][mask].float(), targets[mask], reduction="none")
    return (token_ce * batch.target_weights.to(device)[mask]).sum()


def lm_loss_count(batch: LMBatch) -> float:
    return float(batch.target_mask.sum())


@dataclass
class ClassifierBatch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    soft_labels: torch.Tensor  # [B, 2], rows sum to 1
    weights: torch.Tensor  # [B]


def classifier_loss_sum(model, batch: ClassifierBatch) -> torch.Tensor:
    """Sum over examples of weight x soft-label cross-entropy."""
    device = next(model.parameters()).device
    logits = model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits
    ce = -(batch.soft_labels.to(device) * F.log_softmax(logits.float(), dim=-1)).sum(-1)
    return (ce * batch.weights.to(device)).sum()


def classifier_loss_count(batch: ClassifierBatch) -> float:
    return float(batch.input_ids.shape[0])


# ------------------------------------------------------------------ logconf (Burns et al. 2023)
def logconf_coefficient(step: int, total_steps: int, aux_coef: float, *, warmup_frac: float) -> float:
    """Weight of the student's own hardened predictions (Burns et al. 2023, ``logconf_loss_fn``):
    the step fraction during warm-up, then 1, times ``aux_coef``."""
    step_frac = step / max(total_steps, 1)
    return aux_coef * (1.0 if step_frac > warmup_frac else step_frac)


def logconf_threshold(p_label1_student, weak_soft_labels):
    """The hardening threshold on the student's p(label = 0): its quantile at the batch's mean weak
    p(label = 1), so that share of the examples is hardened to class 1 (Burns et al.)."""
    p0 = 1.0 - p_label1_student
    return torch.quantile(p0, weak_soft_labels[:, 1].mean().to(p0.dtype))


def logconf_targets(p_label1_student, weak_soft_labels, coef: float, *, threshold=None):
    """Burns et al.'s auxiliary-confidence target: (1 − coef)·weak labels + coef·hardened student
    predictions, where the hardening threshold (:func:`logconf_threshold`; of these examples
    unless given, e.g. computed over the whole batch) puts the batch's mean weak p(label = 1)
    share of examples into class 1 (so the student is not pushed towards one class)."""
    p0 = 1.0 - p_label1_student
    if threshold is None:
        threshold = logconf_threshold(p_label1_student, weak_soft_labels)
    hardened = torch.stack([(p0 >= threshold).float(), (p0 < threshold).float()], dim=1)
    return weak_soft_labels * (1.0 - coef) + hardened * coef


def logconf_loss_sum(logits, weak_soft_labels, coef: float, *, threshold=None):
    """Sum over examples of the cross-entropy between the student's ``logits`` and
    :func:`logconf_targets` (the student's own predictions, detached, enter only the targets)."""
    p1 = F.softmax(logits, dim=-1)[:, 1].detach()
    target = logconf_targets(p1, weak_soft_labels.to(logits.device), coef, threshold=threshold)
    return -(target * F.log_softmax(logits, dim=-1)).sum()
