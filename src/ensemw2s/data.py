"""Load SciQ, ARC and QuaRTz from shipped files or the Hugging Face hub, any multiple-choice dataset
(a local JSONL file or a hub dataset) through a field mapping (config ``datasets.<name>.fields``),
and generate the sandbox (:mod:`ensemw2s.sandbox`), into one record layout.

A normalised record is a plain dict::

    {"id": str, "question": str, "context": str, "choices": [str, ...], "gold": int,
     # SciQ and every classification dataset, the binary view of Burns et al. (2023):
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
    record = {"id": row_id, "question": question, "context": "", "choices": [correct, *distractors], "gold": 0}
    return with_binary_view(record, seed)


def with_binary_view(record: dict, seed: int) -> dict:
    """``record`` with the binary view of Burns et al.'s SciQ: the shown answer (``binary_answer``)
    is the correct choice with probability 0.5 (``binary_label`` 1), else a random other choice.
    Seeded per item, so a subset of the pool keeps the same draws."""
    rng = random.Random(f"{seed}:{record['id']}")
    label = int(rng.random() < 0.5)
    wrong = [choice for index, choice in enumerate(record["choices"]) if index != record["gold"]]
    shown = record["choices"][record["gold"]] if label else rng.choice(wrong)
    return {**record, "binary_answer": shown, "binary_label": label}


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


# ----------------------------------------------------------------- any dataset, by a field mapping
FIELD_KEYS = ("question", "choices", "answer_index", "answer_label", "choice_labels", "context", "id")


def _lookup(row: dict, path: str, where: str, key: str, *, optional: bool = False):
    """The value at ``path`` ("question" or "question.stem", dots walk into objects) of ``row``."""
    value = row
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value or value[part] is None:
            if optional:
                return None
            raise DataError(f"{where}: missing field {path!r} (config key {key})")
        value = value[part]
    return value


def mapped_normaliser(dataset: str, fields: dict) -> Callable[..., dict]:
    """A normaliser reading a row through the field mapping ``fields`` (config
    ``datasets.<dataset>.fields``): ``question`` and ``choices`` (a field holding a list of strings,
    or a list of fields each holding one), the answer as ``answer_index`` (a field holding the
    0-based index, or one index for every row) or ``answer_label`` (a field holding the correct
    choice's label, among ``choice_labels``, a field holding the labels, default A, B, C, ...), and
    optionally ``context`` (background shown before the question) and ``id``.  Every error names the
    row (file:line or hub split and row) and the config key of the field at fault."""
    unknown = sorted(set(fields) - set(FIELD_KEYS))
    if unknown:
        raise DataError(f"config key datasets.{dataset}.fields.{unknown[0]}: unknown key (known: {', '.join(FIELD_KEYS)})")
    for required in ("question", "choices"):
        if not fields.get(required):
            raise DataError(f"config key datasets.{dataset}.fields.{required}: required, but missing")
    if ("answer_index" in fields) == ("answer_label" in fields):
        raise DataError(f"config key datasets.{dataset}.fields: needs exactly one of answer_index, answer_label")
    key = f"datasets.{dataset}.fields"

    def normalise(row: dict, row_id: str, where: str, *, seed: int) -> dict:
        if isinstance(fields["choices"], list):
            texts = [_lookup(row, name, where, f"{key}.choices") for name in fields["choices"]]
        else:
            texts = _lookup(row, fields["choices"], where, f"{key}.choices")
            if not isinstance(texts, list):
                raise DataError(f"{where}: field {fields['choices']!r} must be a list of choices, got {texts!r} (config key {key}.choices)")
        if not 2 <= len(texts) <= 8:
            raise DataError(f"{where}: expected 2-8 choices in {fields['choices']!r}, got {len(texts)} (config key {key}.choices)")
        choices = [_text(text, "choices", where) for text in texts]
        if "answer_index" in fields:
            spec = fields["answer_index"]
            gold = spec if isinstance(spec, int) else _lookup(row, spec, where, f"{key}.answer_index")
            if isinstance(gold, bool) or not isinstance(gold, int):
                raise DataError(f"{where}: answer index {gold!r} (field {spec!r}) is not an integer (config key {key}.answer_index)")
            if not 0 <= gold < len(choices):
                raise DataError(
                    f"{where}: answer index {gold} (field {spec!r}) is out of range for {len(choices)} choices (0-{len(choices) - 1}; config key {key}.answer_index)"
                )
        else:
            answer = _lookup(row, fields["answer_label"], where, f"{key}.answer_label")
            if "choice_labels" in fields:
                labels = _lookup(row, fields["choice_labels"], where, f"{key}.choice_labels")
                if not isinstance(labels, list) or len(labels) != len(choices):
                    raise DataError(f"{where}: field {fields['choice_labels']!r} must list one label per choice (config key {key}.choice_labels)")
                labels = [str(label).strip() for label in labels]
            else:
                labels = [chr(ord("A") + index) for index in range(len(choices))]
            if str(answer).strip() not in labels:
                raise DataError(
                    f"{where}: answer label {answer!r} (field {fields['answer_label']!r}) is not one of the choice labels {labels} (config key {key}.answer_label)"
                )
            gold = labels.index(str(answer).strip())
        context = _lookup(row, fields["context"], where, f"{key}.context", optional=True) if fields.get("context") else None
        return {
            "id": row_id,
            "question": _text(_lookup(row, fields["question"], where, f"{key}.question"), fields["question"], where),
            "context": context.strip() if isinstance(context, str) else "",
            "choices": choices,
            "gold": gold,
        }

    return normalise


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


def _row_id(dataset: str, row: dict, origin: str, *, index: int, id_field: str = "id") -> str:
    given = _lookup(row, id_field, "", "", optional=True)
    return str(given) if given not in (None, "") else f"{dataset}-{origin}-{index:05d}"


def load_local(dataset: str, files: Iterable[str | Path], seed: int, *, fields: dict | None = None, task: str = "generation") -> list[dict]:
    """Normalise local files: the shipped SciQ JSON arrays and ARC / QuaRTz JSON lines by their
    dataset's name, or any JSON-lines (or JSON array) file through the field mapping ``fields``
    (``source: jsonl``).  A classification dataset gets the binary view (:func:`with_binary_view`)."""
    normalise = _normaliser(dataset, fields)
    id_field = (fields or {}).get("id") or "id"
    records = []
    for file in files:
        path = Path(file)
        if not path.is_file():
            raise DataError(f"{path}: data file not found")
        for index, (row, where) in enumerate(_rows_from_file(path)):
            records.append(normalise(row, _row_id(dataset, row, path.stem, index=index, id_field=id_field), where, seed=seed))
    return _binary_if(task, _unique(records, "local files " + ", ".join(map(str, files))), seed)


def load_hub(
    dataset: str,
    path: str,
    configs: list[str],
    *,
    splits: list[str],
    seed: int,
    revision: str = "main",
    fields: dict | None = None,
    task: str = "generation",
) -> list[dict]:
    """Normalise rows from ``datasets.load_dataset(path, config, split=...)`` for each config and
    split: by the dataset's name (sciq, arc, quartz) or through the field mapping ``fields``."""
    import datasets  # imported lazily: the local path never needs it

    normalise = _normaliser(dataset, fields)
    id_field = (fields or {}).get("id") or "id"
    records = []
    for config in configs or [None]:
        for split in splits:
            with from_cache("dataset", path):
                rows = datasets.load_dataset(path, config, split=split, revision=revision)
            origin = "-".join(part for part in (config, split) if part)
            for index, row in enumerate(rows):
                where = f"hub {path}[{origin}]: row {index}"
                records.append(normalise(dict(row), _row_id(dataset, dict(row), origin, index=index, id_field=id_field), where, seed=seed))
    return _binary_if(task, _unique(records, f"hub dataset {path}"), seed)


def _binary_if(task: str, records: list[dict], seed: int) -> list[dict]:
    """Classification datasets get the binary view; records that have one (SciQ's) keep it."""
    if task != "classification":
        return records
    return [record if "binary_label" in record else with_binary_view(record, seed) for record in records]


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


def _normaliser(dataset: str, fields: dict | None = None):
    if fields:
        return mapped_normaliser(dataset, fields)
    if dataset not in NORMALISERS:
        raise DataError(
            f"config key datasets.{dataset}.fields: required, but missing ({dataset!r} has no built-in layout; built-in: {', '.join(NORMALISERS)})"
        )
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
