"""Paired bootstrap intervals: zero width on identical methods, determinism, the normal
approximation on large samples, stratification over seeds, PGR and its undefined replicates,
table strings and input errors."""

import math

import numpy as np
import pytest

from ensemw2s.bootstrap import Interval, format_interval, paired_difference_interval, pgr_interval, seed_combined_difference_interval
from ensemw2s.metrics import pgr


def _correlated(n, p_a, p_b, shared, rng):
    """0/1 correctness of two methods: on a ``shared`` share of the items both read one uniform
    draw (they err on the same items), on the rest independent ones."""
    u = rng.random(n)
    v = np.where(rng.random(n) < shared, u, rng.random(n))
    return (u < p_a).astype(np.int8), (v < p_b).astype(np.int8)


def test_identical_predictions_give_a_zero_width_interval_at_zero():
    rng = np.random.default_rng(3)
    correct = rng.random(500) < 0.7
    interval = paired_difference_interval(correct, correct.copy(), n_resamples=500, seed=1)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)
    floats = rng.random(300)  # float scores too
    assert paired_difference_interval(floats, floats, n_resamples=200).low == 0.0


def test_same_seed_is_byte_identical_and_another_seed_differs():
    a, b = _correlated(800, 0.7, 0.65, 0.5, np.random.default_rng(0))
    first = paired_difference_interval(a, b, n_resamples=1000, seed=7)
    again = paired_difference_interval(a, b, n_resamples=1000, seed=7)
    other = paired_difference_interval(a, b, n_resamples=1000, seed=8)
    assert first == again
    assert np.array([first.low, first.high]).tobytes() == np.array([again.low, again.high]).tobytes()
    assert (other.low, other.high) != (first.low, first.high)
    assert other.estimate == first.estimate  # the point estimate does not depend on the resampling
    assert first.low < first.estimate < first.high
    assert first.confidence == 0.95 and first.n_resamples == 1000 and first.n_dropped == first.n_seed_undefined == 0


def test_large_sample_matches_the_normal_approximation_of_the_paired_difference():
    n = 20_000
    a, b = _correlated(n, 0.72, 0.68, 0.8, np.random.default_rng(11))
    interval = paired_difference_interval(a, b, n_resamples=4000, seed=5)
    d = a.astype(float) - b
    paired = 1.96 * d.std(ddof=1) / math.sqrt(n)
    half = (interval.high - interval.low) / 2
    assert half == pytest.approx(paired, rel=0.10)
    assert (interval.low + interval.high) / 2 == pytest.approx(interval.estimate, abs=0.1 * paired)
    # pairing matters: the two methods err on the same items, so the paired interval is far
    # narrower than resampling them independently would give (sd of a plus sd of b in quadrature)
    unpaired = 1.96 * math.sqrt(a.var(ddof=1) + b.var(ddof=1)) / math.sqrt(n)
    assert half < 0.75 * unpaired


def test_coverage_of_the_true_difference_is_near_nominal():
    rng = np.random.default_rng(2024)
    covered = 0
    trials = 200
    for trial in range(trials):
        a, b = _correlated(400, 0.7, 0.6, 0.5, rng)
        interval = paired_difference_interval(a, b, n_resamples=400, seed=trial)
        covered += interval.low <= 0.1 <= interval.high  # population difference p_a − p_b
    assert 0.89 <= covered / trials <= 0.99


def test_one_seed_combined_equals_the_single_seed_interval():
    a, b = _correlated(600, 0.6, 0.55, 0.3, np.random.default_rng(4))
    single = paired_difference_interval(a, b, n_resamples=800, seed=3)
    combined = seed_combined_difference_interval([(a, b)], n_resamples=800, seed=3)
    assert combined == single


def test_seed_combined_interval_averages_independent_per_seed_resamples():
    rng = np.random.default_rng(9)
    seeds = [_correlated(n, p_a, p_b, 0.6, rng) for n, p_a, p_b in ((3000, 0.7, 0.6), (5000, 0.65, 0.62), (8000, 0.8, 0.75))]
    interval = seed_combined_difference_interval(seeds, n_resamples=4000, seed=1)
    diffs = [a.astype(float) - b for a, b in seeds]
    assert interval.estimate == pytest.approx(np.mean([d.mean() for d in diffs]))
    # the mean of three independent per-seed means: variance sum(var_s / n_s) / S²
    expected = 1.96 * math.sqrt(sum(d.var(ddof=1) / d.size for d in diffs)) / len(seeds)
    assert (interval.high - interval.low) / 2 == pytest.approx(expected, rel=0.10)
    assert interval.low < interval.estimate < interval.high
    assert seed_combined_difference_interval(seeds, n_resamples=4000, seed=1) == interval
    # independent draws per seed even where two seeds hold the same items: the width shrinks by sqrt(2)
    a, b = seeds[0]
    once = paired_difference_interval(a, b, n_resamples=4000, seed=1)
    twice = seed_combined_difference_interval([(a, b), (a, b)], n_resamples=4000, seed=1)
    assert twice.estimate == pytest.approx(once.estimate)
    assert (twice.high - twice.low) == pytest.approx((once.high - once.low) / math.sqrt(2), rel=0.10)


def test_pgr_interval_contains_the_point_estimate():
    rng = np.random.default_rng(12)
    seeds = []
    for n in (1500, 2500):
        weak, strong = _correlated(n, 0.6, 0.8, 0.5, rng)
        w2s = np.where(rng.random(n) < 0.5, weak, strong)  # the student copies each half of the time
        seeds.append((w2s, weak, strong))
    interval = pgr_interval(seeds, n_resamples=2000, seed=2)
    assert interval.estimate == pytest.approx(np.mean([pgr(w.mean(), k.mean(), s.mean()) for w, k, s in seeds]))
    assert interval.low < interval.estimate < interval.high
    assert 0.2 < interval.estimate < 0.8 and interval.high - interval.low < 0.5
    assert interval.n_dropped == interval.n_seed_undefined == 0
    assert pgr_interval(seeds, n_resamples=2000, seed=2) == interval


def test_pgr_is_paired_over_the_three_methods():
    rng = np.random.default_rng(13)
    weak, strong = _correlated(1000, 0.6, 0.8, 0.5, rng)
    for w2s, value in ((strong, 1.0), (weak, 0.0)):  # a student equal to the oracle (the weak model): PGR 1 (0) on every resample
        interval = pgr_interval([(w2s, weak, strong)], n_resamples=500, seed=0)
        assert (interval.estimate, interval.low, interval.high) == pytest.approx((value, value, value), abs=1e-12)


def test_pgr_undefined_replicates_are_counted():
    rng = np.random.default_rng(14)
    weak, strong = _correlated(1000, 0.6, 0.8, 0.5, rng)
    w2s = np.where(rng.random(1000) < 0.5, weak, strong)
    good = pgr_interval([(w2s, weak, strong)], n_resamples=500, seed=4)
    # a seed with no gap (oracle = weak): undefined in every replicate, left out of each mean
    flat = (w2s, weak, weak)
    with_flat = pgr_interval([(w2s, weak, strong), flat], n_resamples=500, seed=4)
    assert (with_flat.estimate, with_flat.low, with_flat.high) == (good.estimate, good.low, good.high)
    assert with_flat.n_seed_undefined == 500 and with_flat.n_dropped == 0
    none = pgr_interval([flat], n_resamples=500, seed=4)
    assert math.isnan(none.estimate) and math.isnan(none.low) and math.isnan(none.high)
    assert none.n_dropped == none.n_seed_undefined == 500
    # a small gap: some replicates have oracle ≤ weak and are dropped, the rest kept
    n = 200
    weak = np.zeros(n, dtype=int)
    strong = weak.copy()
    strong[:3] = 1
    partial = pgr_interval([(strong, weak, strong)], n_resamples=1000, seed=0)
    assert 0 < partial.n_dropped < 1000 and partial.n_dropped == partial.n_seed_undefined
    assert partial.low == partial.high == 1.0
    # an oracle below the weak model: a negative gap is undefined too (metrics.pgr), never a sign flip
    below = pgr_interval([(weak, strong, weak)], n_resamples=1000, seed=0)
    assert math.isnan(below.estimate) and below.n_dropped == 1000


def test_format_interval():
    assert format_interval(Interval(0.023, 0.008, 0.039, 0.95, 100)) == "+2.3 [0.8, 3.9]"
    assert format_interval(Interval(-0.0123, -0.031, 0.0049, 0.95, 100)) == "-1.2 [-3.1, 0.5]"
    assert format_interval(Interval(0.0, -0.0004, 0.0, 0.95, 100)) == "+0.0 [0.0, 0.0]"  # no "-0.0"
    assert format_interval(Interval(0.456, 0.21, 0.70, 0.95, 100), signed=False) == "45.6 [21.0, 70.0]"
    assert format_interval(Interval(0.456, 0.21, 0.70, 0.95, 100), scale=1, digits=2, signed=False) == "0.46 [0.21, 0.70]"
    assert format_interval(Interval(float("nan"), float("nan"), float("nan"), 0.95, 100)) == "n/a"
    assert format_interval(Interval(0.01, float("nan"), float("nan"), 0.95, 100)) == "+1.0 [n/a]"
    a, b = _correlated(300, 0.7, 0.6, 0.5, np.random.default_rng(1))
    interval = paired_difference_interval(a, b, n_resamples=200)
    assert format_interval(interval).startswith(f"{100 * interval.estimate:+.1f} [")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: paired_difference_interval([1, 0, 1], [1, 0]), "same items"),
        (lambda: paired_difference_interval([], []), "no items"),
        (lambda: paired_difference_interval([[1, 0]], [[1, 0]]), "1-D"),
        (lambda: paired_difference_interval([1, float("nan")], [1, 0]), "finite"),
        (lambda: paired_difference_interval(["a", "b"], [1, 0]), "numbers or booleans"),
        (lambda: paired_difference_interval([1, 0], [1, 0], n_resamples=0), "positive integer"),
        (lambda: paired_difference_interval([1, 0], [1, 0], n_resamples=10.5), "positive integer"),
        (lambda: paired_difference_interval([1, 0], [1, 0], confidence=1.0), "strictly between"),
        (lambda: seed_combined_difference_interval([]), "non-empty sequence"),
        (lambda: seed_combined_difference_interval([([1, 0], [1, 0]), ([1, 0, 1], [1])]), "seed 1.*same items"),
        (lambda: seed_combined_difference_interval([([1, 0],)]), "need 2 per-item arrays"),
        (lambda: pgr_interval([([1, 0], [1, 0])]), "need 3 per-item arrays"),
        (lambda: pgr_interval([([1, 0], [1, 0], [])]), "correct_strong: no items"),
    ],
)
def test_invalid_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
