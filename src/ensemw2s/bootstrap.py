"""Paired bootstrap intervals for the gains the tables report: a difference of accuracies, and PGR.

Inputs are per-item scores of the same test items, one array per method and seed: 0/1
correctness (classification: ``(p_label1 > 0.5) == label`` of a ``predictions.csv``; generation:
``option == gold`` of a ``choices.csv``, lined up by :func:`ensemw2s.splits.in_record_order`) or
any float score whose mean is the reported accuracy.

Method.  Within a seed, one bootstrap replicate draws ``n`` item indices with replacement and
scores every method on those same items (a *paired* bootstrap: the item-to-item correlation of
the methods is kept, so a gain of two methods that err on the same items is not drowned in the
items' own spread), as in Koehn (2004), "Statistical Significance Tests for Machine Translation
Evaluation" (EMNLP), and Berg-Kirkpatrick, Burkett & Klein (2012), "An Empirical Investigation
of Statistical Significance in NLP" (EMNLP-CoNLL).  Across seeds the resampling is stratified:
each seed's items are resampled on their own (independent draws, each seed keeps its size) and
a replicate's statistic is the mean over seeds of the per-seed statistics, the same mean the
tables report.  The interval is the bootstrap percentile interval of Efron & Tibshirani (1993),
*An Introduction to the Bootstrap*, ch. 13: the (1 − c)/2 and (1 + c)/2 quantiles of the
replicates (``numpy.quantile``, linear interpolation between order statistics).

What the interval covers: the noise of sampling the test items, *given the trained models* of
the seeds averaged, i.e. how much the seed-mean gain could move on another test set drawn from
the same distribution.  It does not cover training-seed variance (another draw of training
seeds, initialisations, data orders) beyond the seeds that are averaged; the tables' mean ± SEM
over seeds speaks to that, and with few seeds only roughly.

Every interval is deterministic given its inputs, ``n_resamples`` and ``seed``: a
``numpy.random.SeedSequence(seed)`` spawns one generator per seed stratum, so a rerun is
byte-identical.  Memory is bounded by drawing the replicates in chunks of a fixed size for a
given number of items (:data:`CHUNK_INDICES` indices at a time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .metrics import pgr

DEFAULT_RESAMPLES = 10_000
CHUNK_INDICES = 1 << 22  # item indices drawn at once (32 MiB of int64): replicates per chunk = this // items


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap percentile interval ``[low, high]``.

    ``n_dropped``: replicates whose statistic was undefined and that the quantiles leave out (PGR
    only: no seed had a positive gap on the resampled items); ``n_seed_undefined``: (replicate,
    seed) pairs whose seed's PGR was undefined and left out of that replicate's mean over seeds.
    Both are 0 for a difference of accuracies.  An interval with every replicate dropped is NaN.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    n_dropped: int = 0
    n_seed_undefined: int = 0


# ------------------------------------------------------------------------------------- validation
def _scores(values, *, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{what}: need a 1-D array of per-item scores, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{what}: no items (an empty array has no accuracy to resample)")
    try:
        array = array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: per-item scores must be numbers or booleans, got dtype {array.dtype}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what}: per-item scores must be finite (found NaN or inf)")
    return array


def _paired(arrays: Sequence, names: Sequence[str], *, where: str) -> list[np.ndarray]:
    if len(arrays) != len(names):
        raise ValueError(f"{where}: need {len(names)} per-item arrays ({', '.join(names)}), got {len(arrays)}")
    scored = [_scores(a, what=f"{where}, {name}") for a, name in zip(arrays, names)]
    lengths = {name: a.size for a, name in zip(scored, names)}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{where}: the arrays must score the same items, got lengths {lengths}")
    return scored


def _check_settings(n_resamples: int, confidence: float) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")


def _strata(seeds: Sequence, names: Sequence[str]) -> list[list[np.ndarray]]:
    if isinstance(seeds, np.ndarray) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError(f"need a non-empty sequence of seeds, each a tuple of per-item arrays ({', '.join(names)})")
    return [_paired(arrays, names, where=f"seed {i}") for i, arrays in enumerate(seeds)]


# ---------------------------------------------------------------------------------------- resampling
def _replicate_means(columns: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of each column of ``columns`` (items × k) on ``n_resamples`` resamples of its rows,
    every column on the same resampled rows (paired): shape (n_resamples, k)."""
    n = columns.shape[0]
    chunk = max(1, CHUNK_INDICES // n)
    means = np.empty((n_resamples, columns.shape[1]), dtype=np.float64)
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        indices = rng.integers(0, n, size=(stop - start, n))
        for k in range(columns.shape[1]):
            means[start:stop, k] = columns[:, k][indices].mean(axis=1)
    return means


def _generators(seed: int, count: int) -> list[np.random.Generator]:
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(count)]


def _percentiles(replicates: np.ndarray, confidence: float) -> tuple[float, float]:
    kept = replicates[~np.isnan(replicates)]
    if kept.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(kept, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


# ------------------------------------------------------------------------------------- differences
def seed_combined_difference_interval(
    seeds: Sequence[tuple], *, n_resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """The mean over seeds of mean(A) − mean(B), with its stratified paired bootstrap interval.

    ``seeds``: one ``(correct_a, correct_b)`` pair per training seed, the per-item scores of
    methods A and B on the same items of that seed (lengths may differ between seeds).  Each
    replicate resamples every seed's items independently (with replacement, the same indices for
    A and B) and averages the per-seed differences; the interval covers item-sampling noise given
    the trained models, not training-seed variance beyond the seeds averaged (module docstring).
    With one seed this is :func:`paired_difference_interval`, bit for bit.
    """
    _check_settings(n_resamples, confidence)
    strata = _strata(seeds, ("correct_a", "correct_b"))
    estimate = float(np.mean([a.mean() - b.mean() for a, b in strata]))
    total = np.zeros(n_resamples, dtype=np.float64)
    for (a, b), rng in zip(strata, _generators(seed, len(strata))):
        total += _replicate_means((a - b)[:, None], n_resamples, rng)[:, 0]  # mean of A − B on shared items
    low, high = _percentiles(total / len(strata), confidence)
    return Interval(estimate, low, high, confidence, n_resamples)


def paired_difference_interval(correct_a, correct_b, *, n_resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95, seed: int = 0) -> Interval:
    """mean(A) − mean(B) on one seed's items, with its paired bootstrap percentile interval.

    ``correct_a``, ``correct_b``: per-item scores (0/1 correctness or floats) of methods A and B
    on the same items in the same order.  Each of ``n_resamples`` replicates draws the item
    indices with replacement once and scores both methods on them.  Deterministic given ``seed``.
    """
    return seed_combined_difference_interval([(correct_a, correct_b)], n_resamples=n_resamples, confidence=confidence, seed=seed)


# ------------------------------------------------------------------------------------------------ PGR
def _pgr_columns(w2s: np.ndarray, weak: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """PGR per replicate from the three methods' replicate accuracies; NaN where the gap
    strong − weak is not positive (:func:`ensemw2s.metrics.pgr`'s rule)."""
    gap = strong - weak
    defined = gap > 0
    out = np.full(gap.shape, np.nan)
    np.divide(w2s - weak, gap, out=out, where=defined)
    return out


def pgr_interval(seeds: Sequence[tuple], *, n_resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Performance gap recovered, (acc_w2s − acc_weak) / (acc_strong − acc_weak), averaged over
    seeds, with its stratified paired bootstrap interval.

    ``seeds``: one ``(correct_w2s, correct_weak, correct_strong)`` triple per training seed, the
    per-item scores of the student, its weak supervisor and the strong oracle on the same items.
    A replicate resamples each seed's items (the same indices for all three methods), computes
    the seed's PGR on them and averages over seeds.

    Undefined PGRs follow :func:`ensemw2s.metrics.pgr` and the tables' seed mean
    (:func:`ensemw2s.metrics.mean_sem` drops NaN): a seed whose resampled gap strong − weak is
    not positive (zero: nothing to divide by; negative: the ratio would flip sign) has no PGR in
    that replicate and is left out of the replicate's mean over seeds (counted in
    ``n_seed_undefined``); a replicate where no seed has one is dropped from the quantiles
    (counted in ``n_dropped``).  The point estimate is the mean of the defined per-seed PGRs on all
    items (NaN when none is).  Many undefined seeds signal a gap too small for PGR to be read.
    """
    _check_settings(n_resamples, confidence)
    strata = _strata(seeds, ("correct_w2s", "correct_weak", "correct_strong"))
    points = np.array([pgr(w.mean(), k.mean(), s.mean()) for w, k, s in strata])
    estimate = float(np.nanmean(points)) if not np.all(np.isnan(points)) else float("nan")
    total = np.zeros(n_resamples, dtype=np.float64)
    defined = np.zeros(n_resamples, dtype=np.int64)
    for (w, k, s), rng in zip(strata, _generators(seed, len(strata))):
        means = _replicate_means(np.column_stack([w, k, s]), n_resamples, rng)
        per_seed = _pgr_columns(means[:, 0], means[:, 1], means[:, 2])
        ok = ~np.isnan(per_seed)
        total[ok] += per_seed[ok]
        defined += ok
    replicates = np.full(n_resamples, np.nan)
    np.divide(total, defined, out=replicates, where=defined > 0)
    low, high = _percentiles(replicates, confidence)
    n_seed_undefined = int(len(strata) * n_resamples - defined.sum())
    return Interval(estimate, low, high, confidence, n_resamples, n_dropped=int(np.sum(defined == 0)), n_seed_undefined=n_seed_undefined)


# --------------------------------------------------------------------------------------------- tables
def format_interval(interval: Interval, *, scale: float = 100.0, digits: int = 1, signed: bool = True) -> str:
    """ "+2.3 [0.8, 3.9]": the estimate and interval times ``scale`` (100: accuracies as points),
    ``digits`` decimals, the estimate signed (a gain) unless ``signed=False``.  An undefined
    estimate is "n/a"; an undefined interval (every replicate dropped) is "+2.3 [n/a]".  PGR in
    percent: ``format_interval(pgr_interval(...), signed=False)``."""

    def number(value: float, sign: str = "") -> str:
        return f"{round(value * scale, digits) + 0.0:{sign}.{digits}f}"  # + 0.0: no "-0.0"

    if math.isnan(interval.estimate):
        return "n/a"
    head = number(interval.estimate, "+" if signed else "")
    if math.isnan(interval.low) or math.isnan(interval.high):
        return f"{head} [n/a]"
    return f"{head} [{number(interval.low)}, {number(interval.high)}]"
