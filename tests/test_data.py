import json

import pytest

from conftest import REPO, write_lines
from ensemw2s import data


def test_local_files_normalise(repo):
    sciq = data.load_local("sciq", [repo / "resources/data/sciq/valid.json"], seed=0)
    assert len(sciq) == 1000
    first = sciq[0]
    assert first["id"] == "sciq-valid-00000" and first["gold"] == 0 and len(first["choices"]) == 4
    assert first["binary_answer"] in first["choices"]
    assert (first["binary_answer"] == first["choices"][0]) == bool(first["binary_label"])
    quartz = data.load_local("quartz", [repo / "resources/data/quartz/validation.jsonl"], seed=0)
    assert len(quartz) == 384 and all(r["context"] for r in quartz) and all(len(r["choices"]) == 2 for r in quartz)
    arc = data.load_local("arc", [repo / "resources/data/arc/ARC-Challenge/ARC-Challenge-Dev.jsonl"], seed=0)
    assert len(arc) == 299 and {len(r["choices"]) for r in arc} <= {3, 4, 5}


def test_sciq_binary_is_balanced_and_seeded(repo):
    files = [repo / "resources/data/sciq/train.json"]
    first = data.load_local("sciq", files, seed=0)
    again = data.load_local("sciq", files, seed=0)
    other = data.load_local("sciq", files, seed=1)
    assert first == again
    assert first != other
    share = sum(r["binary_label"] for r in first) / len(first)
    assert 0.48 < share < 0.52
    wrong = [r for r in first if not r["binary_label"]]
    assert all(r["binary_answer"] in r["choices"][1:] for r in wrong)


def test_arc_numeric_labels_and_three_or_five_choices(tmp_path):
    rows = [
        {
            "id": "a",
            "question": {"stem": "Q1?", "choices": [{"text": "x", "label": "1"}, {"text": "y", "label": "2"}, {"text": "z", "label": "3"}]},
            "answerKey": "3",
        },
        {
            "id": "b",
            "question": {"stem": "Q2?", "choices": [{"text": text, "label": label} for text, label in zip("vwxyz", "ABCDE")]},
            "answerKey": "E",
        },
    ]
    records = data.load_local("arc", [write_lines(tmp_path / "arc.jsonl", rows)], seed=0)
    assert [r["gold"] for r in records] == [2, 4]
    assert [len(r["choices"]) for r in records] == [3, 5]


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        (
            json.dumps({"id": "q", "question": "Q?", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "C"}),
            "answerKey 'C'",
        ),
        (
            json.dumps({"id": "q", "question": "", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}),
            "'question' must be a non-empty string",
        ),
        (json.dumps({"id": "q", "question": "Q?", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}), "missing field 'para'"),
    ],
)
def test_bad_row_names_file_and_line(tmp_path, line, message):
    good = {"id": "ok", "question": "Q?", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}
    path = write_lines(tmp_path / "quartz.jsonl", [good, line])
    with pytest.raises(data.DataError) as error:
        data.load_local("quartz", [path], seed=0)
    assert f"{path}:2" in str(error.value) and message in str(error.value)


def test_bad_sciq_item_names_file_and_item(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps([{"question": "Q?", "correct_answer": "a", "distractor1": "b", "distractor2": "c"}]))
    with pytest.raises(data.DataError, match=r"train.json: item 0: missing field 'distractor3'"):
        data.load_local("sciq", [path], seed=0)


def test_duplicate_ids_and_missing_files_are_errors(tmp_path):
    row = {"id": "same", "question": "Q?", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}
    with pytest.raises(data.DataError, match="duplicate id 'same'"):
        data.load_local("quartz", [write_lines(tmp_path / "q.jsonl", [row, row])], seed=0)
    with pytest.raises(data.DataError, match="data file not found"):
        data.load_local("quartz", [tmp_path / "missing.jsonl"], seed=0)


def test_hub_loader_reads_hub_layout_through_datasets(tmp_path):
    """load_hub goes through datasets.load_dataset; a local folder in the hub's layout stands in."""
    rows = [
        {
            "id": f"Mercury_{i}",
            "question": f"Question {i}?",
            "choices": {"text": ["a", "b", "c", "d"], "label": ["A", "B", "C", "D"]},
            "answerKey": "ABCD"[i % 4],
        }
        for i in range(6)
    ]
    write_lines(tmp_path / "hub" / "train.jsonl", rows[:4])
    write_lines(tmp_path / "hub" / "test.jsonl", rows[4:])
    records = data.load_hub("arc", str(tmp_path / "hub"), [], splits=["train", "test"], seed=0)
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert [r["gold"] for r in records] == [0, 1, 2, 3, 0, 1]


def test_subsample_is_seeded_and_keeps_order():
    records = [{"id": str(i)} for i in range(100)]
    chosen = data.subsample(records, 10, seed=3)
    assert chosen == data.subsample(records, 10, seed=3)
    assert len(chosen) == 10 and [int(r["id"]) for r in chosen] == sorted(int(r["id"]) for r in chosen)
    assert data.subsample(records, 0, seed=3) == records


def test_corpus_never_marks_the_gold_answer():
    record = {"id": "x", "question": "Which?", "context": "Background.", "choices": ["left", "right"], "gold": 1}
    assert list(data.corpus_lines([record])) == ["Background.", "Which?", "left", "right"]


# ------------------------------------------------------- your own dataset, through a field mapping
MC_ROWS = [
    {"uid": "r0", "q": "Which is larger?", "bg": "Numbers.", "options": ["3", "7", "5"], "answer": 1},
    {"uid": "r1", "q": "Which is red?", "options": ["sky", "grass", "blood"], "answer": 2},
]


def test_jsonl_field_mapping_normalises_index_label_and_context(tmp_path):
    path = write_lines(tmp_path / "mine.jsonl", MC_ROWS)
    fields = {"question": "q", "choices": "options", "answer_index": "answer", "context": "bg", "id": "uid"}
    records = data.load_local("mine", [path], seed=0, fields=fields)
    assert records == [
        {"id": "r0", "question": "Which is larger?", "context": "Numbers.", "choices": ["3", "7", "5"], "gold": 1},
        {"id": "r1", "question": "Which is red?", "context": "", "choices": ["sky", "grass", "blood"], "gold": 2},
    ]
    # An answer label among default labels A, B, C; nested fields by dotted names; an index for every row.
    rows = [{"item": {"stem": "Q?", "choices": {"text": ["x", "y"], "label": ["1", "2"]}}, "key": "2"}]
    nested = {"question": "item.stem", "choices": "item.choices.text", "choice_labels": "item.choices.label", "answer_label": "key"}
    assert data.load_local("nested", [write_lines(tmp_path / "n.jsonl", rows)], seed=0, fields=nested)[0]["gold"] == 1
    rows = [{"q": "Q?", "right": "yes", "wrong": "no", "letter": "B"}]
    listed = {"question": "q", "choices": ["wrong", "right"], "answer_label": "letter"}
    assert data.load_local("listed", [write_lines(tmp_path / "l.jsonl", rows)], seed=0, fields=listed)[0] | {"id": ""} == {
        "id": "",
        "question": "Q?",
        "context": "",
        "choices": ["no", "yes"],
        "gold": 1,
    }
    constant = {"question": "q", "choices": ["right", "wrong"], "answer_index": 0}  # the correct answer's field first
    assert data.load_local("listed", [tmp_path / "l.jsonl"], seed=0, fields=constant)[0]["choices"] == ["yes", "no"]
    assert data.load_local("listed", [tmp_path / "l.jsonl"], seed=0, fields=constant)[0]["gold"] == 0


def test_jsonl_classification_gets_the_binary_view_as_sciq(tmp_path):
    rows = [{"id": f"i{k}", "q": f"Q{k}?", "options": ["a", "b", "c", "d"], "answer": k % 4} for k in range(400)]
    fields = {"question": "q", "choices": "options", "answer_index": "answer"}
    records = data.load_local("mine", [write_lines(tmp_path / "mine.jsonl", rows)], seed=0, fields=fields, task="classification")
    assert 0.43 < sum(r["binary_label"] for r in records) / len(records) < 0.57
    assert all((r["binary_answer"] == r["choices"][r["gold"]]) == bool(r["binary_label"]) for r in records)
    # SciQ's own draw is the same function: the binary view of a SciQ record is unchanged by it.
    sciq = data.load_local("sciq", [REPO / "resources/data/sciq/valid.json"], seed=0)[:50]
    assert [data.with_binary_view({k: r[k] for k in ("id", "question", "context", "choices", "gold")}, 0) for r in sciq] == sciq


@pytest.mark.parametrize(
    "row, fields, message",
    [
        (
            {"q": "Q?", "options": ["a", "b", "c"], "answer": 3},
            {},
            "answer index 3 (field 'answer') is out of range for 3 choices (0-2; config key datasets.mine.fields.answer_index)",
        ),
        ({"q": "Q?", "options": ["a", "b"], "answer": "1"}, {}, "answer index '1' (field 'answer') is not an integer"),
        ({"question": "Q?", "options": ["a", "b"], "answer": 0}, {}, "missing field 'q' (config key datasets.mine.fields.question)"),
        ({"q": "Q?", "options": "a or b", "answer": 0}, {}, "must be a list of choices, got 'a or b' (config key datasets.mine.fields.choices)"),
        ({"q": "Q?", "options": ["a"], "answer": 0}, {}, "expected 2-8 choices in 'options', got 1"),
        (
            {"q": "Q?", "options": ["a", "b"], "key": "C"},
            {"answer_index": None, "answer_label": "key"},
            "answer label 'C' (field 'key') is not one of the choice labels ['A', 'B'] (config key datasets.mine.fields.answer_label)",
        ),
    ],
)
def test_bad_mapped_row_names_file_line_and_config_key(tmp_path, row, fields, message):
    mapping = {k: v for k, v in ({"question": "q", "choices": "options", "answer_index": "answer"} | fields).items() if v is not None}
    path = write_lines(tmp_path / "mine.jsonl", [{"q": "ok?", "options": ["a", "b"], "answer": 0, "key": "A"}, row])
    with pytest.raises(data.DataError) as error:
        data.load_local("mine", [path], seed=0, fields=mapping)
    assert f"{path}:2: " in str(error.value) and message in str(error.value)


def test_a_dataset_without_builtin_layout_needs_a_mapping(tmp_path):
    path = write_lines(tmp_path / "mine.jsonl", MC_ROWS)
    with pytest.raises(data.DataError, match=r"config key datasets.mine.fields: required, but missing"):
        data.load_local("mine", [path], seed=0)
    with pytest.raises(data.DataError, match=r"config key datasets.mine.fields: needs exactly one of answer_index, answer_label"):
        data.load_local("mine", [path], seed=0, fields={"question": "q", "choices": "options"})


def test_hub_loader_reads_any_dataset_through_a_mapping(tmp_path):
    rows = [{"prompt": f"Q{i}?", "opts": {"text": ["a", "b", "c"], "label": ["A", "B", "C"]}, "gold_label": "ABC"[i % 3]} for i in range(5)]
    write_lines(tmp_path / "hub" / "train.jsonl", rows)
    fields = {"question": "prompt", "choices": "opts.text", "choice_labels": "opts.label", "answer_label": "gold_label"}
    records = data.load_hub("mine", str(tmp_path / "hub"), [], splits=["train"], seed=0, fields=fields, task="classification")
    assert [r["gold"] for r in records] == [0, 1, 2, 0, 1] and [r["id"] for r in records] == [f"mine-train-{i:05d}" for i in range(5)]
    assert all("binary_label" in r for r in records)
