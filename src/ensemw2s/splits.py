"""Random (Burns et al.) and easy-hard (paper Section 2.2 / Appendix E) splits of a dataset pool.

Both give disjoint parts covering the pool: ``weak_train``, ``strong_train``, ``val``, ``test``
and ``easy_test``.  Sizes: ``n_test`` and ``n_val`` are fixed; the rest is halved between weak and
strong training, so both split kinds have the same part sizes.

``easy_test`` (the published version's in-distribution evaluation) holds ``n_easy_test`` items of
the easy-hard split's easy half, drawn at random (seeded, an RNG of its own) before weak training:
the weak models' own distribution, held out.  Only the split kind :data:`ID_SPLIT` holds them out:
it is the easy-hard split with ``easy_test`` carved from ``weak_train`` alone (every other part
holds the same items), run for the ID / OOD artifact only, so the main easy-hard split keeps the
paper's easy half whole for weak training (Appendix E) whatever ``n_easy_test`` is.  On the random
split the test set is already in-distribution, and ``easy_test`` is empty.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

# The main artifacts' splits (every table and figure of the paper), and the easy-hard variant that
# holds n_easy_test easy items out of weak training, used by the ID / OOD evaluation alone.
SPLIT_KINDS = ("random", "easyhard")
ID_SPLIT = "easyhard-id"
EASYHARD_KINDS = ("easyhard", ID_SPLIT)  # the splits cut by difficulty
PARTS = ("weak_train", "strong_train", "val", "test", "easy_test")
# The parts every model is evaluated on (when not empty): test (on the easy-hard split the hard,
# out-of-distribution test), val, and easy_test (in-distribution on the easy-hard split).
EVAL_PARTS = ("test", "val", "easy_test")
# Out of distribution by dataset: another dataset's test part, evaluated as part "ood_{dataset}"
# (config datasets.<name>.ood_datasets).
OOD_PREFIX = "ood_"


def ood_part(dataset: str) -> str:
    return f"{OOD_PREFIX}{dataset}"


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
    """A seeded shuffle cut into the parts; the test set is in-distribution, ``easy_test`` empty."""
    n_train = _check_sizes(len(ids), n_test, n_val)
    order = list(ids)
    random.Random(seed).shuffle(order)
    n_weak = n_train // 2
    return {
        "weak_train": order[:n_weak],
        "strong_train": order[n_weak:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
        "easy_test": [],
    }


def easyhard_split(
    difficulty: Mapping[str, float],
    n_test: int,
    n_val: int,
    *,
    seed: int,
    tie_break: Mapping[str, float] | None = None,
    n_easy_test: int = 0,
) -> dict[str, list[str]]:
    """Easy = the lowest-difficulty half of the training budget -> weak training (less the
    ``n_easy_test`` items held out as ``easy_test``); the rest (hard) is shuffled into strong
    training, validation and test.  Equal difficulties are ordered by ``tie_break`` (lower first;
    see :mod:`ensemw2s.difficulty`), and what is still tied at random (seeded)."""
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
    held_out = carve_easy_test(easy, n_easy_test, seed=seed)
    return {
        "weak_train": [item for item in easy if item not in held_out],
        "strong_train": hard[:n_strong],
        "val": hard[n_strong : n_strong + n_val],
        "test": hard[n_strong + n_val :],
        "easy_test": [item for item in easy if item in held_out],
    }


def carve_easy_test(easy: Sequence[str], n_easy_test: int, *, seed: int) -> set[str]:
    """The ``n_easy_test`` easy items held out for in-distribution evaluation, drawn by an RNG of
    their own, so the other parts' draws are the same with or without them."""
    if n_easy_test < 0 or n_easy_test > len(easy) - 1:
        raise SplitSizeError(f"n_easy_test={n_easy_test} must be >= 0 and leave at least one of the {len(easy)} easy items for weak training")
    return set(random.Random(f"easy_test/{seed}").sample(sorted(easy), n_easy_test))


def held_out_easy(kind: str, n_easy_test: int) -> int:
    """The easy items ``kind`` holds out of weak training: ``n_easy_test`` on :data:`ID_SPLIT`,
    none on the main splits (the paper's weak-training sets)."""
    return n_easy_test if kind == ID_SPLIT else 0


def split_items(
    kind: str,
    ids: Sequence[str],
    n_test: int,
    n_val: int,
    *,
    seed: int,
    difficulty: Mapping[str, float] | None = None,
    tie_break: Mapping[str, float] | None = None,
    n_easy_test: int = 0,
) -> dict[str, list[str]]:
    """The split ``kind`` (:data:`SPLIT_KINDS` or :data:`ID_SPLIT`) of ``ids``: random, or easy-hard
    by ``difficulty`` with the easy items :func:`held_out_easy` gives ``kind``."""
    if kind == "random":
        return random_split(ids, n_test, n_val, seed=seed)
    if kind not in EASYHARD_KINDS:
        raise ValueError(f"unknown split kind {kind!r}: one of {', '.join(('random', *EASYHARD_KINDS))}")
    if difficulty is None or set(difficulty) != set(ids):
        raise ValueError(f"the {kind} split needs a difficulty for exactly its {len(ids)} items")
    return easyhard_split(difficulty, n_test, n_val, seed=seed, tie_break=tie_break, n_easy_test=held_out_easy(kind, n_easy_test))


def read_parts(paths: Mapping[str, str], read, parts: Sequence[str] = EVAL_PARTS) -> dict[str, list[dict]]:
    """The evaluation parts of a job (``parts`` among ``paths``, e.g. a rule's input, and every
    ``ood_*`` part there is), read with ``read``; an empty ``easy_test`` (random split, or
    ``n_easy_test: 0``) is left out."""
    found = {}
    for part in [*parts, *(key for key in paths.keys() if key.startswith(OOD_PREFIX))]:
        if part in paths.keys():
            records = read(paths[part])
            if records or part != "easy_test":
                found[part] = records
    return found


def in_record_order(ids: Sequence, values: Sequence, records: Sequence[dict], *, what: str) -> list:
    """``values`` (one per id of ``ids``, in any order) in the order of ``records``: the per-item
    results of another job lined up with a part's records; ``what`` names them (the file) in the
    error raised where they cover other items than the records, or an item twice."""
    ids = [str(i) for i in ids]
    if len(ids) != len(values):
        raise ValueError(f"{what}: {len(ids)} ids but {len(values)} values")
    wanted = [str(r["id"]) for r in records]
    by_id = dict(zip(ids, values))
    counts = Counter(ids)
    problems = {
        "missing": [i for i in wanted if i not in by_id],
        "not in the part": sorted(set(by_id) - set(wanted)),
        "duplicated": sorted(i for i, n in counts.items() if n > 1),
    }
    found = [f"{len(found)} {kind} (e.g. {', '.join(found[:3])})" for kind, found in problems.items() if found]
    if found:
        raise ValueError(f"{what}: {len(ids)} rows for the {len(wanted)} records of the part: {'; '.join(found)}")
    return [by_id[i] for i in wanted]


def check_choices_file(path, parts: Mapping[str, Sequence[dict]]) -> None:
    """A choices file (``generation.choices_frame``: part, id, gold, option per row) holds exactly
    the records of each of ``parts``, no other part; the error names the file.  Plain ``csv``: the
    jobs that reuse such a file import neither pandas nor torch."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_part: dict[str, list[dict]] = {}
    for row in rows:
        by_part.setdefault(row.get("part", ""), []).append(row)
    if set(by_part) != set(parts):
        raise ValueError(f"{path}: parts {sorted(by_part)}, expected {sorted(parts)}")
    for part, records in parts.items():
        ids = [row["id"] for row in by_part[part]]
        in_record_order(ids, ids, records, what=f"{path}: part {part!r}")
