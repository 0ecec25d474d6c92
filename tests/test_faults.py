"""The fault suite: every bad input fails (or warns) with a message naming its file(:line) or config
key, and a failed job leaves none of its outputs behind.  Library calls and dry-runs, kept fast."""

import json
import math
from pathlib import Path

import pytest
import torch

from conftest import copy_workflow, planned, snakemake, write_lines
from ensemw2s import data, train
from ensemw2s.files import FileFormatError, read_json, read_jsonl

QUARTZ_ROW = {"id": "ok", "question": "Q?", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}


# ------------------------------------------------------------------------------------ data files
@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"], ids=["zero-bytes", "whitespace"])
def test_empty_data_file_is_rejected_naming_it(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(data.DataError, match=rf"{path}: empty data file"):
        data.load_local("quartz", [path], 0)


def test_non_utf8_data_file_names_file_and_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(QUARTZ_ROW).encode() + b"\n" + json.dumps(dict(QUARTZ_ROW, id="b")).encode().replace(b"P.", b"P\xe9.") + b"\n")
    with pytest.raises(data.DataError, match=rf"{path}:2: not UTF-8 \(byte 0xe9"):
        data.load_local("quartz", [path], 0)


# ------------------------------------------------------------------------- intermediate JSON files
def test_truncated_json_intermediate_names_the_file(tmp_path):
    path = tmp_path / "stats.json"
    path.write_text('{"alpha": 0.5,\n "accepted": tr')
    with pytest.raises(FileFormatError, match=rf"{path}:2: not valid JSON"):
        read_json(path)
    path.write_text("")
    with pytest.raises(FileFormatError, match=rf"{path}:1: empty file"):
        read_json(path)
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(FileFormatError, match=rf"{path}:1: not UTF-8"):
        read_json(path)


def test_truncated_jsonl_intermediate_names_file_and_line(tmp_path):
    path = write_lines(tmp_path / "labels.jsonl", [{"id": "a"}, {"id": "b"}, '{"id": "c", "lab'])
    with pytest.raises(FileFormatError, match=rf"{path}:3: not valid JSON"):
        read_jsonl(path)
    path.write_bytes(b'{"id": "a"}\n{"id": "\xc3"}\n')
    with pytest.raises(FileFormatError, match=rf"{path}:2: not UTF-8"):
        read_jsonl(path)


# --------------------------------------------------------------------------------- training loss
def _sft(model, tokenizer, **overrides):
    settings = train.TrainSettings(**{**dict(epochs=2, lr=5e-3, batch_size=4, seed=7, label="someone/model-70m"), **overrides})
    prompts = [f"Q: item {i}?\nA:" for i in range(10)]
    answers = [" yes" if i % 2 else " no" for i in range(10)]
    return train.train_sft(model, tokenizer, prompts, answers=answers, settings=settings, max_length=32, desc="student")


@pytest.mark.parametrize("poison", [math.nan, math.inf, 1e7], ids=["nan", "inf", "exploding"])
def test_diverging_loss_stops_training_naming_model_step_and_lr(tokenizer, tiny_model, tmp_path, monkeypatch, poison):
    original, calls = train.lm_loss_sum, {"n": 0}

    def poisoned(model, batch):
        calls["n"] += 1
        loss = original(model, batch)
        return loss * poison if calls["n"] == 3 else loss

    monkeypatch.setattr(train, "lm_loss_sum", poisoned)
    before = {k: v.clone() for k, v in tiny_model.state_dict().items()}
    checkpoints = tmp_path / ".checkpoints" / "students" / "run"
    with pytest.raises(train.TrainingDiverged) as error:
        _sft(tiny_model, tokenizer, lr=0.25, checkpoint_dir=str(checkpoints), checkpoint_every=1)
    message = str(error.value)
    assert "training 'student' of someone/model-70m diverged at step 3/6, lr 0.25" in message
    assert "No model written" in message
    assert not checkpoints.exists()  # the checkpoint that led there is not resumed by a retry
    # the poisoned step never reached the weights: they are finite
    assert all(torch.isfinite(v).all() for v in tiny_model.state_dict().values()) and before


# -------------------------------------------------------------------------- config: parse warnings
def _dry_run(tmp_path: Path, override: str):
    copy_workflow(tmp_path)
    (tmp_path / "override.yaml").write_text(override)
    return snakemake("-n", "--configfile", "override.yaml", cwd=tmp_path, check=False)


@pytest.mark.workflow
def test_parse_time_warnings_name_the_key(tmp_path):
    result = _dry_run(
        tmp_path,
        "generation:\n  datasets: []\n  models: [tiny-weak, tiny-strong]\nclassification:\n  models: [tiny-strong, tiny-weak]\n",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    message = result.stdout + result.stderr
    assert "config key classification.models: 'tiny-weak' (~1.23e+04 parameters) comes after 'tiny-strong'" in message
    assert "config key generation.models" not in message  # in order
    assert "config key generation.datasets is empty: the generation track is off" in message
    assert "config key datasets.quartz: no track uses it" in message


def test_model_sizes_from_hub_names():
    """The size rules of rules/common.smk's model_size, on the paper's ids (parsed here, no Snakemake)."""
    import re

    source = (Path(__file__).resolve().parents[1] / "rules/common.smk").read_text()
    start = source.index("NAMED_SIZES =")
    namespace = {"re": re, "MODELS": {}}
    exec(source[start : source.index("def _warn_model_order")], namespace)
    sizes = {}
    for name, repo in [
        ("a", "EleutherAI/pythia-70m"),
        ("b", "EleutherAI/pythia-1.4b"),
        ("c", "gpt2-xl"),
        ("d", "Qwen/Qwen1.5-1.8B"),
        ("e", "gpt2"),
        ("f", "someone/mystery"),
    ]:
        namespace["MODELS"][name] = {"hub": repo}
        sizes[name] = namespace["model_size"](name)
    assert sizes == {"a": 70e6, "b": 1.4e9, "c": 1.5e9, "d": 1.8e9, "e": 124e6, "f": None}


# -------------------------------------------------------------------------------- split sizes
@pytest.mark.workflow
@pytest.mark.parametrize(
    "override, message",
    [
        ("datasets:\n  quartz: {n_val: 0}\n", "config key datasets.quartz.n_val: 0, but the generation track uses quartz"),
        ("datasets:\n  sciq: {n_val: 0}\n", "config key datasets.sciq.n_val: 0, but the classification track uses sciq"),
    ],
    ids=["generation-n_val-0", "classification-n_val-0"],
)
def test_split_sizes_that_cannot_work_fail_at_parse_time(tmp_path, override, message):
    result = _dry_run(tmp_path, override)
    assert result.returncode != 0 and message in result.stdout + result.stderr


@pytest.mark.workflow
def test_n_val_0_is_fine_for_a_dataset_no_track_uses(tmp_path):
    result = _dry_run(tmp_path, "generation:\n  datasets: [arc]\n  models: [tiny-weak, tiny-strong]\ndatasets:\n  quartz: {n_val: 0}\n")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.workflow
def test_split_larger_than_the_pool_fails_the_split_job_naming_the_keys(tmp_path):
    """A real (fast) job run: the dataset job, then the split job, which fails and leaves no part."""
    copy_workflow(tmp_path)
    (tmp_path / "override.yaml").write_text("datasets:\n  quartz: {n_test: 5000, max_items: 0}\n")
    result = snakemake("results/splits/quartz/random/seed0/test.jsonl", "-c1", "--configfile", "override.yaml", cwd=tmp_path, check=False)
    assert result.returncode != 0
    log = (tmp_path / "results/logs/splits/quartz/random/seed0.log").read_text()
    assert "config keys datasets.quartz.n_test (5000) and datasets.quartz.n_val (10) do not fit the 384 items of results/data/quartz.jsonl" in log
    assert not (tmp_path / "results/splits").exists() or not any(p.is_file() for p in (tmp_path / "results/splits").rglob("*"))


# ------------------------------------------------------- your own dataset (docs/extending.md)
@pytest.mark.workflow
def test_a_dataset_without_builtin_layout_needs_a_field_mapping(tmp_path):
    result = _dry_run(
        tmp_path, "datasets:\n  mine: {task: generation, source: local, local_files: [mine.jsonl], n_test: 5, difficulty_rater: tiny-weak}\n"
    )
    message = result.stdout + result.stderr
    assert result.returncode != 0 and "config key datasets.mine.fields: required, but missing: 'mine' has no built-in layout" in message


@pytest.mark.workflow
def test_bad_jsonl_record_fails_the_dataset_job_naming_file_line_and_key(tmp_path):
    copy_workflow(tmp_path)
    write_lines(tmp_path / "mine.jsonl", [{"q": "Q?", "opts": ["a", "b"], "answer": 1}, {"q": "Q2?", "opts": ["a", "b"], "answer": 2}])
    mapping = "{question: q, choices: opts, answer_index: answer}"
    fields = f"{{task: generation, source: jsonl, local_files: [mine.jsonl], fields: {mapping}, n_test: 5, difficulty_rater: tiny-weak}}"
    (tmp_path / "override.yaml").write_text(f"datasets:\n  mine: {fields}\n")
    result = snakemake("results/data/mine.jsonl", "-c1", "--configfile", "override.yaml", cwd=tmp_path, check=False)
    assert result.returncode != 0
    log = (tmp_path / "results/logs/data/mine.log").read_text()
    assert "mine.jsonl:2: answer index 2 (field 'answer') is out of range for 2 choices (0-1; config key datasets.mine.fields.answer_index)" in log
    assert not (tmp_path / "results/data/mine.jsonl").exists()


# ------------------------------------------------------------------------- config: renamed keys
# (old key, new key, a value other than the default, the rule and job whose settings read it, the
# job setting's name and default value): what both tracks have is named alike
# (rules/config_check.smk RENAMED_KEYS)
RENAMED = [
    ("classification.vote", "classification.combine", "hard", "classification_labels", "vote", "soft"),
    ("training.lr_schedule", "generation.lr_schedule", "cosine", "token_boosting_round", "lr_schedule", "linear"),
]
RENAMED_JOBS = {
    "classification_labels": {"dataset": "sciq", "split": "random", "seed": "0", "weak": "tiny-cls-weak", "t": "2"},
    "token_boosting_round": {"dataset": "sandbox_mc", "split": "random", "seed": "0", "weak": "tiny-weak", "t": "2"},
}


def _nested(dotted: str, value) -> dict:
    *parents, leaf = dotted.split(".")
    block = {leaf: value}
    for part in reversed(parents):
        block = {part: block}
    return block


@pytest.mark.workflow
@pytest.mark.parametrize("old_key, new_key, value, rule, setting, default", RENAMED, ids=[old for old, *_ in RENAMED])
def test_renamed_key_warns_naming_the_new_key_and_plans_as_the_new_key(tmp_path, old_key, new_key, value, rule, setting, default):
    """An old key is read for one release, with a warning naming the new key, and gives the jobs
    the same settings and plan as the new one: classification.vote is classification.combine (both
    tracks call it combine); training.lr_schedule is generation.lr_schedule (as
    classification.lr_schedule)."""
    import yaml

    from conftest import rule_settings

    (tmp_path / "old").mkdir(), (tmp_path / "new").mkdir()
    old_run = _dry_run(tmp_path / "old", yaml.safe_dump(_nested(old_key, value)))
    new_run = _dry_run(tmp_path / "new", yaml.safe_dump(_nested(new_key, value)))
    assert old_run.returncode == new_run.returncode == 0, old_run.stderr[-3000:]
    warning = f"config key {old_key} is renamed {new_key} (the old name is accepted for one release): write {new_key}: {value}"
    assert warning in old_run.stdout + old_run.stderr
    assert "is renamed" not in new_run.stdout + new_run.stderr
    assert planned(old_run.stdout) == planned(new_run.stdout)
    old, new, shipped = (rule_settings(rule, [RENAMED_JOBS[rule]], config) for config in (_nested(old_key, value), _nested(new_key, value), None))
    assert old == new and old[0][setting] == value and shipped[0][setting] == default


# ------------------------------------------------------------------------- config: schema errors
def _results_left(workdir: Path) -> list[Path]:
    return [p for p in (workdir / "results").rglob("*") if p.is_file()] if (workdir / "results").exists() else []


@pytest.mark.workflow
@pytest.mark.parametrize(
    "edit, message",
    [
        ("missing", "config key datasets.quartz.n_test: required, but missing"),
        ("generation:\n  models: [tiny-weak, tiny-strong]\n  rounds: three\n", "config key generation.rounds: 'three' is not of type 'integer'"),
        ("training:\n  checkpoint_evry: 10\n", "config key training.checkpoint_evry: unknown key (known: checkpoint_every,"),
        ("generaton:\n  rounds: 2\n", "config key generaton: unknown key"),
        ("models:\n  tiny-weak: {lr: -1}\n", "config key models.tiny-weak.lr: -1 is less than or equal to the minimum of 0"),
        (
            "datasets:\n  mine: {task: generation, source: jsonl, local_files: [mine.jsonl], n_test: 5, difficulty_rater: tiny-weak}\n",
            "config key datasets.mine.fields: required, but missing",
        ),
        (
            "datasets:\n  mine: {task: generation, source: jsonl, local_files: [mine.jsonl], n_test: 5, difficulty_rater: tiny-weak, fields: {question: q, choices: c}}\n",
            "config key datasets.mine.fields: needs exactly one of answer_index (the correct choice's index) or answer_label",
        ),
        (
            "datasets:\n  mine: {task: generation, source: jsonl, local_files: [mine.jsonl], n_test: 5, difficulty_rater: tiny-weak, fields: {question: q, choices: c, answer_index: a, answr: x}}\n",
            "config key datasets.mine.fields.answr: unknown key (known: answer_index, answer_label, choice_labels, choices, context, id, question)",
        ),
        (
            "datasets:\n  My data: {task: generation, source: sandbox, n_test: 5, difficulty_rater: tiny-weak}\n",
            "config key datasets: 'My data' does not match",
        ),
    ],
    ids=[
        "required-key-missing",
        "wrong-type",
        "unknown-key",
        "unknown-top-level-key",
        "out-of-range",
        "jsonl-without-fields",
        "fields-without-answer",
        "fields-unknown-key",
        "dataset-name-not-a-path",
    ],
)
def test_config_errors_name_the_key_and_run_nothing(tmp_path, edit, message):
    copy_workflow(tmp_path)
    args = []
    if edit == "missing":  # a required key can only go missing from the base config itself
        config = tmp_path / "config/config.yaml"
        text = config.read_text()
        quartz = text.index("  quartz:")
        config.write_text(text[:quartz] + text[quartz:].replace("    n_test: 30\n", "", 1))
    else:
        (tmp_path / "override.yaml").write_text(edit)
        args = ["--configfile", "override.yaml"]
    result = snakemake("results/splits/quartz/random/seed0/test.jsonl", "-c1", *args, cwd=tmp_path, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and message in output, output[-3000:]
    assert "invalid config" in output and "Failed validating" not in output  # one line per error, no schema dump
    assert _results_left(tmp_path) == []


@pytest.mark.workflow
def test_empty_data_file_fails_the_dataset_job_naming_it_and_leaves_no_output(tmp_path):
    """A real (fast) job run: the dataset job on an empty shipped file."""
    copy_workflow(tmp_path)
    (tmp_path / "resources" / "empty.jsonl").write_text("\n \n")
    (tmp_path / "override.yaml").write_text("datasets:\n  quartz: {local_files: [resources/empty.jsonl]}\n")
    result = snakemake("results/data/quartz.jsonl", "-c1", "--configfile", "override.yaml", cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "DataError: resources/empty.jsonl: empty data file (3 bytes, no rows)" in (tmp_path / "results/logs/data/quartz.log").read_text()
    assert [p for p in _results_left(tmp_path) if "logs" not in p.parts] == []
