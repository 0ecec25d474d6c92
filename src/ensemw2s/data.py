"""Load SciQ, ARC and QuaRTz from shipped files or the Hugging Face hub, and generate the sandbox
(:mod:`ensemw2s.sandbox`), into one record layout.

A normalised record is a plain dict::

    {"id": str, "question": str, "context": str, "choices": [str, ...], "gold": int,
     # SciQ and sandbox_binary, the binary view of Burns et al. (2023):
     "binary_answer": str, "binary_label": 0 | 1,
     # sandbox only: difficulty by construction (higher = harder)
     "constructed_difficulty": int}

Every malformed row raises :class:`DataError` naming its file (or hub split) and line.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .files import FileFormatError, read_text
from .hub import from_cache

DATASETS = ("sciq", "arc", "quartz")
SANDBOX_DATASETS = ("sandbox_mc", "sandbox_binary")


class DataError(ValueError):
    """A source row that cannot be normalised; the message names where it came from."""


def _require(row: dict, key: str, where: str):
    if key not in row or row[key] is None:
        raise DataError(f"{where}: missing field {key!r}")
    return row[key]


def _text(value, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: field {key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _labelled_choices(texts, labels, answer_key, *, where: str) -> tuple[list[str], int]:
    if not isinstance(texts, list) or not isinstance(labels, list) or len(texts) != len(labels):
        raise DataError(f"{where}: choices need equal-length 'text' and 'label' lists")
    if not 2 <= len(texts) <= 8:
        raise DataError(f"{where}: expected 2-8 choices, got {len(texts)}")
    labels = [str(label).strip() for label in labels]
    if len(set(labels)) != len(labels):
        raise DataError(f"{where}: duplicate choice labels {labels}")
    answer_key = str(answer_key).strip()
    if answer_key not in labels:
        raise DataError(f"{where}: answerKey {answer_key!r} is not one of the labels {labels}")
    choices = [_text(text, "choices.text", where) for text in texts]
    return choices, labels.index(answer_key)


def normalise_sciq(row: dict, row_id: str, where: str, *, seed: int) -> dict:
    question = _text(_require(row, "question", where), "question", where)
    correct = _text(_require(row, "correct_answer", where), "correct_answer", where)
    distractors = [_text(_require(row, f"distractor{k}", where), f"distractor{k}", where) for k in (1, 2, 3)]
    choices = [correct, *distractors]
    # Burns et al. binary SciQ: the shown answer is correct with probability 0.5, else a random
    # distractor.  Seeded per item, so a subset of the pool keeps the same draws.
    rng = random.Random(f"{seed}:{row_id}")
    label = int(rng.random() < 0.5)
    shown = correct if label else rng.choice(distractors)
    return {
        "id": row_id,
        "question": question,
        "context": "",
        "choices": choices,
        "gold": 0,
        "binary_answer": shown,
        "binary_label": label,
    }


def normalise_arc(row: dict, row_id: str, where: str, *, seed: int) -> dict:
    question = _require(row, "question", where)
    if isinstance(question, dict):  # original ARC-V1 layout: question.stem + question.choices
        stem = _require(question, "stem", where)
        raw = _require(question, "choices", where)
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            raise DataError(f"{where}: question.choices must be a list of {{text, label}}")
        texts = [_require(c, "text", where) for c in raw]
        labels = [_require(c, "label", where) for c in raw]
    else:  # hub layout (allenai/ai2_arc): question str + choices {text: [], label: []}
        stem = question
        raw = _require(row, "choices", where)
        if not isinstance(raw, dict):
            raise DataError(f"{where}: choices must be an object with 'text' and 'label' lists")
        texts, labels = _require(raw, "text", where), _require(raw, "label", where)
    choices, gold = _labelled_choices(texts, labels, _require(row, "answerKey", where), where=where)
    return {
        "id": row_id,
        "question": _text(stem, "question", where),
        "context": "",
        "choices": choices,
        "gold": gold,
    }


def normalise_quartz(row: dict, row_id: str, where: str, *, seed: int) -> dict:
    raw = _require(row, "choices", where)
    if not isinstance(raw, dict):
        raise DataError(f"{where}: choices must be an object with 'text' and 'label' lists")
    choices, gold = _labelled_choices(_require(raw, "text", where), _require(raw, "label", where), _require(row, "answerKey", where), where=where)
    return {
        "id": row_id,
        "question": _text(_require(row, "question", where), "question", where),
        "context": _text(_require(row, "para", where), "para", where),
        "choices": choices,
        "gold": gold,
    }


NORMALISERS: dict[str, Callable[[dict, str, str, int], dict]] = {
    "sciq": normalise_sciq,
    "arc": normalise_arc,
    "quartz": normalise_quartz,
}


def _rows_from_file(path: Path) -> Iterator[tuple[dict, str]]:
    """Yield (row, 'file:line') for a JSON array file or a JSON-lines file."""
    try:
        text = read_text(path)
    except FileFormatError as error:
        raise DataError(str(error)) from None
    if not text.strip():
        raise DataError(f"{path}: empty data file ({path.stat().st_size} bytes, no rows)")
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
        for index, row in enumerate(rows):
            where = f"{path}: item {index}"
            if not isinstance(row, dict):
                raise DataError(f"{where}: expected an object, got {type(row).__name__}")
            yield row, where
        return
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected an object, got {type(row).__name__}")
        yield row, where


def _row_id(dataset: str, row: dict, origin: str, *, index: int) -> str:
    given = row.get("id")
    return str(given) if given not in (None, "") else f"{dataset}-{origin}-{index:05d}"


def load_local(dataset: str, files: Iterable[str | Path], seed: int) -> list[dict]:
    """Normalise shipped files (SciQ JSON arrays, ARC / QuaRTz JSON lines)."""
    normalise = _normaliser(dataset)
    records = []
    for file in files:
        path = Path(file)
        if not path.is_file():
            raise DataError(f"{path}: data file not found")
        for index, (row, where) in enumerate(_rows_from_file(path)):
            records.append(normalise(row, _row_id(dataset, row, path.stem, index=index), where, seed=seed))
    return _unique(records, "local files " + ", ".join(map(str, files)))


def load_hub(dataset: str, path: str, configs: list[str], *, splits: list[str], seed: int, revision: str = "main") -> list[dict]:
    """Normalise rows from ``datasets.load_dataset(path, config, split=...)`` for each config and split."""
    import datasets  # imported lazily: the local path never needs it

    normalise = _normaliser(dataset)
    records = []
    for config in configs or [None]:
        for split in splits:
            with from_cache("dataset", path):
                rows = datasets.load_dataset(path, config, split=split, revision=revision)
            origin = "-".join(part for part in (config, split) if part)
            for index, row in enumerate(rows):
                where = f"hub {path}[{origin}]: row {index}"
                records.append(normalise(dict(row), _row_id(dataset, row, origin, index=index), where, seed=seed))
    return _unique(records, f"hub dataset {path}")


def load_sandbox(dataset: str, task: str, seed: int, **settings) -> list[dict]:
    """Generate a sandbox dataset (:func:`ensemw2s.sandbox.generate`); the classification task adds
    the binary fields.  ``settings`` are the generator's keys (n_items, min_digits, ...)."""
    from . import sandbox

    if task not in ("generation", "classification"):
        raise DataError(f"sandbox dataset {dataset!r}: unknown task {task!r}")
    try:
        records = sandbox.generate(dataset, seed=seed, binary=task == "classification", **settings)
    except sandbox.SandboxError as error:
        raise DataError(f"sandbox dataset {dataset!r}: {error}") from None
    return _unique(records, f"sandbox dataset {dataset}")


def subsample(records: list[dict], max_items: int | None, seed: int) -> list[dict]:
    """A seeded random subset of at most ``max_items`` records (all when None or 0)."""
    if not max_items or max_items >= len(records):
        return records
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    return [records[i] for i in sorted(order[:max_items])]


def _normaliser(dataset: str):
    if dataset not in NORMALISERS:
        raise DataError(f"unknown dataset {dataset!r}; known: {', '.join(NORMALISERS)}")
    return NORMALISERS[dataset]


def _unique(records: list[dict], origin: str) -> list[dict]:
    seen = set()
    for record in records:
        if record["id"] in seen:
            raise DataError(f"{origin}: duplicate id {record['id']!r}")
        seen.add(record["id"])
    return records


def corpus_lines(records: Iterable[dict]) -> Iterator[str]:
    """Label-free text of records: background, question and every choice (gold never marked)."""
    for record in records:
        if record.get("context"):
            yield " ".join(record["context"].split())
        yield " ".join(record["question"].split())
        for choice in record["choices"]:
            yield " ".join(choice.split())
