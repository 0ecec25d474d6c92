"""AdaBoost arithmetic shared by the classification (SAMME, K = 2) and generation (EnsemW2S
Algorithm 1) tracks.  Pure numpy: no model, no torch.

A round sees the example (or token) weights D_t it was trained under and which units its expert
got wrong, and returns the weighted error ε_t, the vote weight α_t, whether the round is accepted,
and D_{t+1}.  A rejected round (ε_t at or above the threshold) gets α = 0 and hands the same
weights on, so later rounds continue from the last accepted weights and the workflow's DAG never
changes shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPS_CLIP = 1e-10  # ε is clipped into [EPS_CLIP, 1 - EPS_CLIP]: a perfect expert gets a large, finite α


def _as_weights(weights) -> np.ndarray:
    array = np.asarray(weights, dtype=np.float64)
    if array.size == 0 or not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise ValueError("weights must be a non-empty array of finite, non-negative numbers, not all zero")
    return array


def _as_wrong(wrong, shape) -> np.ndarray:
    array = np.asarray(wrong)
    if array.shape != shape:
        raise ValueError(f"wrong has shape {array.shape}, the weights have shape {shape}")
    return array.astype(bool)


def uniform_weights(n: int) -> np.ndarray:
    if n < 1:
        raise ValueError(f"need at least one unit to weight, got n = {n}")
    return np.full(n, 1.0 / n)


def weighted_error(weights, wrong) -> float:
    """ε = Σ D·1[wrong] / Σ D."""
    weights = _as_weights(weights)
    wrong = _as_wrong(wrong, weights.shape)
    return float(weights[wrong].sum() / weights.sum())


def _clip(epsilon: float) -> float:
    if math.isnan(epsilon):
        raise ValueError("epsilon is NaN")
    return min(max(float(epsilon), EPS_CLIP), 1.0 - EPS_CLIP)


def alpha(epsilon: float, epsilon_pre: float | None = None) -> float:
    """Vote weight of a round.

    SAMME with K = 2 (``epsilon_pre`` None): log((1 − ε)/ε), the log(K − 1) term being 0.
    EnsemW2S Algorithm 1: log((1 − ε)/ε) + log(1/(1 − ε_pre) − 1), where ε_pre is the error of
    the pretrained weak model.  Both errors are clipped, so ε = 0 or 1 gives a finite α.
    """
    eps = _clip(epsilon)
    value = math.log((1.0 - eps) / eps)
    if epsilon_pre is not None:
        pre = _clip(epsilon_pre)
        value += math.log(1.0 / (1.0 - pre) - 1.0)
    return value


def reweight(weights, wrong, alpha: float) -> np.ndarray:
    """D·exp(α·1[wrong]), normalised to sum 1.  Computed in log space, so a huge α (an almost
    perfect expert) cannot overflow: the largest log-weight is subtracted before exponentiating."""
    weights = _as_weights(weights)
    wrong = _as_wrong(wrong, weights.shape)
    with np.errstate(divide="ignore"):  # zero weights stay zero (log 0 = -inf, exp(-inf) = 0)
        log_weights = np.log(weights) + float(alpha) * wrong
    log_weights -= log_weights.max()
    updated = np.exp(log_weights)
    return updated / updated.sum()


@dataclass
class RoundResult:
    epsilon: float
    alpha: float
    accepted: bool
    next_weights: np.ndarray

    def to_dict(self) -> dict:
        return {
            "epsilon": float(self.epsilon),
            "alpha": float(self.alpha),
            "accepted": bool(self.accepted),
            "next_weights": [float(w) for w in self.next_weights],
        }

    @classmethod
    def from_dict(cls, data: dict, where: str = "round stats") -> "RoundResult":
        try:
            return cls(float(data["epsilon"]), float(data["alpha"]), bool(data["accepted"]), np.asarray(data["next_weights"], dtype=np.float64))
        except KeyError as error:
            raise ValueError(f"{where}: missing key {error.args[0]!r}") from None


def boosting_round(weights, wrong, epsilon_pre: float | None = None) -> RoundResult:
    """One AdaBoost round for an expert trained under ``weights`` that got ``wrong`` units wrong.

    Rejected when ε ≥ 0.5 (SAMME, K = 2) or, with ``epsilon_pre``, when ε ≥ ε_pre (Algorithm 1):
    α = 0 and the weights are handed on unchanged (normalised).
    """
    weights = _as_weights(weights)
    epsilon = weighted_error(weights, wrong)
    threshold = 0.5 if epsilon_pre is None else float(epsilon_pre)
    if epsilon >= threshold:
        return RoundResult(epsilon, 0.0, False, weights / weights.sum())
    value = alpha(epsilon, epsilon_pre)
    return RoundResult(epsilon, value, True, reweight(weights, wrong, value))


def round_seed(seed: int, t: int) -> int:
    """Each round trains (and draws) with its own seed, so rounds under equal weights still differ."""
    return seed * 1000 + t


def vote_weights(alphas) -> list[float]:
    """Weights of the first t rounds in an ensemble: their alphas (0 for rejected rounds).  With
    one round, or no accepted round, the round-1 expert alone: t = 1 is always the baseline."""
    values = [float(a) for a in alphas]
    if not values or any(not math.isfinite(a) or a < 0 for a in values):
        raise ValueError(f"alphas must be finite and non-negative (a rejected round has alpha 0), got {values}")
    if len(values) == 1 or sum(values) <= 0:
        return [1.0] + [0.0] * (len(values) - 1)
    return values
