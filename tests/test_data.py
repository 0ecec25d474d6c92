import json

import pytest

from conftest import write_lines
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
