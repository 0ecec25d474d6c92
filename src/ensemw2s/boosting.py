"""AdaBoost arithmetic shared by the classification (SAMME, K = 2) and generation (EnsemW2S
Algorithm 1) tracks.  Pure numpy: no model, no torch.

A round sees the example (or token) weights D_t it was trained under and its expert's error on
each unit, and returns the weighted error ε_t, the vote weight α_t, whether the round is accepted,
and D_{t+1}.  A rejected round (ε_t at or above the threshold) gets α = 0 and hands the same
weights on.  What follows a rejection is ``on_reject``: ``break`` (Algorithm 1 line 8, the
default) stops boosting, so every later round of the run is *stopped* (trains nothing, α = 0, its
stats say where the run stopped); ``continue`` trains the next round from the last accepted
weights; ``retry`` (classification track only: Algorithm 2 asks for an h_t with ε_t < ½) trains the
rejected round again under the same weights with another seed (:func:`retry_seed`), up to a
number of retries, and stops as ``break`` does when every attempt is rejected.  Whatever happens,
every round's files exist, so the workflow's DAG never changes shape.

The rejection test is ε_t ≥ threshold up to a relative tolerance: an expert that repeats the
previous round's mistakes has, by the algebra of the weight update, ε_t exactly equal to the
threshold, and rounding must not decide such a round (it would be "accepted" with α ≈ 1e-15, or
get α ≈ −1e-16).  α is clamped at 0.

A unit's error is an indicator 1[wrong] (a boolean array: AdaBoost as written) or a share in
[0, 1] (a float array: the generation track's windowed and per-example errors,
:mod:`ensemw2s.generation`), entering ε = Σ D·e / Σ D and D·exp(α·e) alike.  Indicators take the
masked-sum path they always took, so boolean errors give the same bits as before shares existed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPS_CLIP = 1e-10  # ε is clipped into [EPS_CLIP, 1 - EPS_CLIP]: a perfect expert gets a large, finite α
BOUNDARY_RTOL = 1e-9  # |ε − threshold| ≤ BOUNDARY_RTOL · threshold counts as ε = threshold: rejected
ON_REJECT = ("break", "continue")
RETRY = "retry"  # classification's third on_reject: retrain the rejected round, then as break
ON_REJECT_ANY = (*ON_REJECT, RETRY)
RETRY_SEED_STRIDE = 100_000  # retry k of a round trains with its seed + k * stride (retry_seed)
# The generation track's boosting settings (Algorithm 1 and the Appendix G.2 ablations).
ROUND1_SCHEMES = ("uniform", "drawn")
UNIT_LEVELS = ("token", "sample")
SAMPLE_ERRORS = ("any", "mean")
DRAW_WEIGHTS = ("mask", "count")  # a drawn unit trains with weight 1 (§3.2's label masks) | its draw count


def _as_weights(weights) -> np.ndarray:
    array = np.asarray(weights, dtype=np.float64)
    if array.size == 0 or not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise ValueError("weights must be a non-empty array of finite, non-negative numbers, not all zero")
    return array


def _as_wrong(wrong, shape) -> np.ndarray:
    """Boolean errors as booleans; any other numbers as float shares, checked to lie in [0, 1]."""
    array = np.asarray(wrong)
    if array.shape != shape:
        raise ValueError(f"wrong has shape {array.shape}, the weights have shape {shape}")
    if array.dtype == bool:
        return array
    array = array.astype(np.float64)
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError("a unit's error must be 1[wrong] or a share in [0, 1]")
    return array


def uniform_weights(n: int) -> np.ndarray:
    if n < 1:
        raise ValueError(f"need at least one unit to weight, got n = {n}")
    return np.full(n, 1.0 / n)


def weighted_error(weights, wrong) -> float:
    """ε = Σ D·e / Σ D, e = 1[wrong] (booleans) or a unit's error share (floats in [0, 1])."""
    weights = _as_weights(weights)
    wrong = _as_wrong(wrong, weights.shape)
    if wrong.dtype == bool:
        return float(weights[wrong].sum() / weights.sum())
    return float((weights * wrong).sum() / weights.sum())


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
    return max(value, 0.0)  # negative only at the rejection boundary, by rounding


def paper_alpha(value: float) -> float:
    """α in Algorithm 2's and the authors' convention, ½ ln((1 − ε)/ε): half the SAMME α used
    here (the weight update D·exp(α·1[wrong]) with this α equals theirs, up to normalisation)."""
    return 0.5 * float(value)


def is_rejected(epsilon: float, threshold: float) -> bool:
    """ε ≥ threshold, with ε within a relative ``BOUNDARY_RTOL`` of the threshold counted as equal."""
    return epsilon >= threshold or math.isclose(epsilon, threshold, rel_tol=BOUNDARY_RTOL, abs_tol=1e-15)


def reweight(weights, wrong, alpha: float) -> np.ndarray:
    """D·exp(α·e), e = 1[wrong] or a unit's error share, normalised to sum 1.  Computed in log
    space, so a huge α (an almost perfect expert) cannot overflow: the largest log-weight is
    subtracted before exponentiating."""
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
    def from_dict(cls, data: dict, where: str = "round stats") -> RoundResult:
        try:
            return cls(float(data["epsilon"]), float(data["alpha"]), bool(data["accepted"]), np.asarray(data["next_weights"], dtype=np.float64))
        except KeyError as error:
            raise ValueError(f"{where}: missing key {error.args[0]!r}") from None


def boosting_round(weights, wrong, epsilon_pre: float | None = None) -> RoundResult:
    """One AdaBoost round for an expert trained under ``weights`` that got ``wrong`` units wrong.

    Rejected when ε ≥ 0.5 (SAMME, K = 2) or, with ``epsilon_pre``, when ε ≥ ε_pre (Algorithm 1),
    the boundary within :data:`BOUNDARY_RTOL`: α = 0 and the weights are handed on unchanged
    (normalised).
    """
    weights = _as_weights(weights)
    epsilon = weighted_error(weights, wrong)
    threshold = 0.5 if epsilon_pre is None else float(epsilon_pre)
    if is_rejected(epsilon, threshold):
        return RoundResult(epsilon, 0.0, False, weights / weights.sum())
    value = alpha(epsilon, epsilon_pre)
    return RoundResult(epsilon, value, True, reweight(weights, wrong, value))


def stopped_at(previous: dict | None, on_reject: str) -> int | None:
    """The round at which boosting stopped before this one, from the previous round's stats, or
    None if this round trains.  Under ``break`` a rejected round stops the run (Algorithm 1 line 8),
    and every round after a stopped one is stopped at the same round."""
    if on_reject not in ON_REJECT_ANY:
        raise ValueError(f"on_reject must be one of {ON_REJECT_ANY}, got {on_reject!r}")
    if previous is None or on_reject == "continue":  # retry: a round still rejected after its retries stops as break
        return None
    if previous.get("stopped_at") is not None:
        return int(previous["stopped_at"])
    if not previous["accepted"]:
        return int(previous["round"])
    return None


# The statistics every round writes (stats.json), in both tracks: what the next round, the
# ensemble and the report read.  Tracks add their own keys beside them (training summary, the
# draw's counts, the example weighting).
ROUND_KEYS = ("round", "status", "stopped_at", "accepted", "epsilon", "epsilon_pre", "alpha", "train_error", "n_units", "n_accepted", "next_weights")


def round_record(
    t: int, result: RoundResult, previous: dict | None, *, train_error: float, n_units: int, epsilon_pre: float | None = None, **extra
) -> dict:
    """The stats of a trained round t: ε_t, α_t, acceptance, D_{t+1}, plus the expert's unweighted
    error on its training units (``train_error``), the number of units (examples or answer
    tokens), the acceptance bound ε_pre where the track has one (Algorithm 1; None under SAMME's
    0.5) and the count of accepted rounds so far."""
    stats = {
        "round": t,
        "status": round_status(result.accepted),
        "stopped_at": None,
        "accepted": bool(result.accepted),
        "epsilon": float(result.epsilon),
        "epsilon_pre": None if epsilon_pre is None else float(epsilon_pre),
        "alpha": float(result.alpha),
        "train_error": float(train_error),
        "n_units": int(n_units),
        "n_accepted": int((previous or {}).get("n_accepted", 0)) + int(result.accepted),
        "next_weights": [float(w) for w in result.next_weights],
    }
    return {**stats, **extra}


def stopped_round(t: int, previous: dict | None, on_reject: str, **extra) -> dict | None:
    """The stats of round t if boosting stopped before it (``on_reject: break`` after a rejected
    round, :func:`stopped_at`), else None: round t trains.  Pure Python, so a job whose round is
    stopped answers without loading torch or a model."""
    if t == 1 or previous is None:
        return None
    stopped = stopped_at(previous, on_reject)
    return None if stopped is None else stopped_round_stats(t, previous, stopped, **extra)


STOPPED_MARKER = "STOPPED.json"


def write_stopped_marker(directory, round_: int, stopped_at: int) -> None:
    """The expert directory of a round that trained nothing because boosting stopped (``on_reject:
    break``): a marker in place of a model, so the workflow's outputs keep their shape.  Its vote
    weight is 0, so nothing loads it."""
    from pathlib import Path

    from .files import write_json

    write_json(
        Path(directory) / STOPPED_MARKER,
        {
            "round": round_,
            "stopped_at": stopped_at,
            "model": None,
            "why": "boosting stopped (on_reject: break): no expert was trained for this round",
        },
    )


def stopped_round_stats(t: int, previous: dict, stopped: int, **extra) -> dict:
    """The stats of a round that trains nothing because boosting stopped at round ``stopped``:
    α = 0, ε and the train error undefined (NaN), D handed on, so the ensemble of the first t
    rounds equals the ensemble of the rounds up to the stop."""
    stats = {
        "round": t,
        "status": "stopped",
        "stopped_at": stopped,
        "accepted": False,
        "epsilon": float("nan"),
        "epsilon_pre": previous.get("epsilon_pre"),
        "alpha": 0.0,
        "train_error": float("nan"),
        "n_units": previous["n_units"],
        "n_accepted": int(previous.get("n_accepted", 0)),
        "next_weights": list(previous["next_weights"]),
    }
    return {**stats, **extra}


def round_status(accepted: bool) -> str:
    return "accepted" if accepted else "rejected"


def round_seed(seed: int, t: int) -> int:
    """Each round trains (and draws) with its own seed, so rounds under equal weights still differ."""
    return seed * 1000 + t


def retry_seed(seed: int, attempt: int) -> int:
    """The training seed of attempt ``attempt`` of a round whose seed is ``seed`` (attempt 0: the
    round's own; retry k: ``seed + k·RETRY_SEED_STRIDE``).  With run seeds below 100 and fewer than
    1000 rounds every round seed (seed·1000 + t) is below the stride, so a retry's seed is no
    round's and no other retry's."""
    if attempt < 0:
        raise ValueError(f"an attempt is numbered from 0, got {attempt}")
    return int(seed) + attempt * RETRY_SEED_STRIDE


def vote_weights(alphas) -> list[float]:
    """Weights of the first t rounds in an ensemble: their alphas (0 for rejected rounds).  With
    one round, or no accepted round, the round-1 expert alone: t = 1 is always the baseline."""
    values = [float(a) for a in alphas]
    if not values or any(not math.isfinite(a) or a < 0 for a in values):
        raise ValueError(f"alphas must be finite and non-negative (a rejected round has alpha 0), got {values}")
    if len(values) == 1 or sum(values) <= 0:
        return [1.0] + [0.0] * (len(values) - 1)
    return values


def adds_no_vote(alphas) -> bool:
    """Whether the ensemble of the first t rounds (``alphas`` α_1..α_t) is the ensemble of the first
    t − 1: expert t weighs 0 in :func:`vote_weights`.  The others then keep their normalised weights
    (the t = 1 baseline weighs its expert 1, the t = 2 ensemble after a rejected round 2 weighs it
    α_1; with no accepted round both are the round-1 expert alone), so what the first computed
    holds for the second."""
    values = [float(a) for a in alphas]
    return len(values) >= 2 and vote_weights(values)[-1] == 0.0


def round_alphas(rounds: Sequence[dict]) -> list[float]:
    """α_1..α_t from the rounds' stats (both tracks): an accepted round's α, 0 for a rejected or
    stopped one.  :func:`vote_weights` turns them into the ensemble's weights."""
    return [float(r["alpha"]) if r["accepted"] else 0.0 for r in rounds]


EXPERT_WEIGHTS = ("alpha", "uniform")


def expert_alphas(experts: Sequence[dict], expert_weights: str) -> list[float]:
    """The vote weights of an ensemble's experts (their stats): the boosted ensemble's α
    (:func:`round_alphas`, ``alpha``) or one each (``uniform``: a plain ensemble of
    :mod:`ensemw2s.baselines`, whose expert 1 is boosting's round 1 with its own α)."""
    if expert_weights == "alpha":
        return round_alphas(experts)
    if expert_weights == "uniform":
        return [1.0] * len(experts)
    raise ValueError(f"unknown expert weights {expert_weights!r}; expected one of {EXPERT_WEIGHTS}")


@dataclass
class BoostingSettings:
    """How Algorithm 1 is run (config block ``generation``)."""

    on_reject: str = "break"  # break (Algorithm 1 line 8) | continue
    round1: str = "uniform"  # uniform: every unit once (the single-weak baseline) | drawn: n units drawn from D_1
    eos_unit: bool = False  # EOS one of the boosting units
    unit: str = "token"  # token (the paper) | sample: one weight per example (Appendix G.2)
    window: int = 1  # L: a token's error is its window's share of wrong tokens (Appendix G.2); 1 = the paper
    sample_error: str = "any"  # unit sample: an example is wrong if any token is (any) | share of wrong tokens (mean)
    draw_weight: str = "mask"  # a drawn unit's loss weight: 1 (mask, §3.2's label masks) | its draw count (count)

    def __post_init__(self):
        if self.on_reject not in ON_REJECT:
            raise ValueError(f"on_reject must be one of {ON_REJECT}, got {self.on_reject!r}")
        if self.round1 not in ROUND1_SCHEMES:
            raise ValueError(f"round1 must be one of {ROUND1_SCHEMES}, got {self.round1!r}")
        if self.unit not in UNIT_LEVELS:
            raise ValueError(f"unit must be one of {UNIT_LEVELS}, got {self.unit!r}")
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 1:
            raise ValueError(f"window must be an integer L >= 1, got {self.window!r}")
        if self.unit == "sample" and self.window != 1:
            raise ValueError(f"a window of L = {self.window} tokens needs unit: token (an example is one unit)")
        if self.sample_error not in SAMPLE_ERRORS:
            raise ValueError(f"sample_error must be one of {SAMPLE_ERRORS}, got {self.sample_error!r}")
        if self.draw_weight not in DRAW_WEIGHTS:
            raise ValueError(f"draw_weight must be one of {DRAW_WEIGHTS}, got {self.draw_weight!r}")

    def n_units(self, lengths: Sequence[int]) -> int:
        return sum(lengths) if self.unit == "token" else len(lengths)

    def describe(self) -> dict:
        return {"unit": self.unit, "window": self.window, "sample_error": self.sample_error if self.unit == "sample" else None}

    def stopped_round_stats(self, t: int, previous: dict | None) -> dict | None:
        """Round t's stats if boosting stopped before it (:func:`stopped_round`), else None."""
        return stopped_round(t, previous, self.on_reject, units=self.describe(), token_weights=None, training=None)
