"""Random (Burns et al.) and easy-hard (paper Section 2.2 / Appendix E) splits of a dataset pool.

Both give four disjoint parts covering the pool: ``weak_train``, ``strong_train``, ``val`` and
``test``.  Sizes: ``n_test`` and ``n_val`` are fixed; the rest is halved between weak and strong
training, so both split kinds have the same part sizes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

PARTS = ("weak_train", "strong_train", "val", "test")


class SplitSizeError(ValueError):
    """n_test / n_val do not fit the pool."""


def _check_sizes(n_pool: int, n_test: int, n_val: int) -> int:
    if n_test < 1 or n_val < 0:
        raise SplitSizeError(f"need n_test >= 1 and n_val >= 0, got n_test={n_test}, n_val={n_val}")
    n_train = n_pool - n_test - n_val
    if n_train < 2:
        raise SplitSizeError(f"pool of {n_pool} items leaves {n_train} for training (at least 2 needed) after n_test={n_test}, n_val={n_val}")
    return n_train


def random_split(ids: Sequence[str], n_test: int, n_val: int, *, seed: int) -> dict[str, list[str]]:
    n_train = _check_sizes(len(ids), n_test, n_val)
    order = list(ids)
    random.Random(seed).shuffle(order)
    n_weak = n_train // 2
    return {
        "weak_train": order[:n_weak],
        "strong_train": order[n_weak:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
    }


def easyhard_split(
    difficulty: Mapping[str, float], n_test: int, n_val: int, *, seed: int, tie_break: Mapping[str, float] | None = None
) -> dict[str, list[str]]:
    """Easy = the lowest-difficulty half of the training budget -> weak training; the rest (hard)
    is shuffled into strong training, validation and test.  Equal difficulties are ordered by
    ``tie_break`` (lower first; see :mod:`ensemw2s.difficulty`), and what is still tied at random
    (seeded)."""
    ids = list(difficulty)
    n_train = _check_sizes(len(ids), n_test, n_val)
    rng = random.Random(seed)
    coin = {item: rng.random() for item in sorted(ids)}
    second = tie_break or {}
    by_difficulty = sorted(ids, key=lambda item: (difficulty[item], second.get(item, 0.0), coin[item]))
    n_easy = n_train // 2
    easy, hard = by_difficulty[:n_easy], by_difficulty[n_easy:]
    rng.shuffle(hard)
    n_strong = n_train - n_easy
    return {
        "weak_train": easy,
        "strong_train": hard[:n_strong],
        "val": hard[n_strong : n_strong + n_val],
        "test": hard[n_strong + n_val :],
    }
