"""Workflow tests: lint, dry-runs of both configs, config errors, and an end-to-end default run."""

import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, copy_workflow, planned_jobs, snakemake, write_lines

pytestmark = pytest.mark.workflow


def test_lint_is_clean():
    result = snakemake("--lint")
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_dry_run_default_config(tmp_path):
    result = snakemake("-n", "--directory", str(copy_workflow(tmp_path)), cwd=tmp_path)
    jobs = planned_jobs(result.stdout)
    assert jobs["difficulty_fold"] == 3 * 3  # 3 datasets x 3 folds
    assert jobs["split"] == 3 * 2  # 3 datasets x (random, easyhard) x 1 seed


def test_dry_run_paper_config(tmp_path):
    copy_workflow(tmp_path)
    result = snakemake("-n", "--configfile", "config/paper.yaml", cwd=tmp_path)
    jobs = planned_jobs(result.stdout)
    assert jobs["difficulty_fold"] == 3 * 10
    assert jobs["split"] == 3 * 2 * 3
    assert "tiny_model" not in jobs  # hub models only
    # Generation: 2 datasets x 2 splits x 3 seeds x 5 weak Pythias x T = 5 rounds (and as many ensembles);
    # 15 weak -> strong pairs of 6 Pythias.
    assert jobs["token_boosting_round"] == jobs["ensemble_pseudo_answers"] == 2 * 2 * 3 * 5 * 5
    assert jobs["generation_student"] == 2 * 2 * 3 * 15 * 5


def _override(tmp_path: Path, text: str) -> str:
    path = tmp_path / "override.yaml"
    path.write_text(text)
    return str(path)


def test_bad_config_value_names_the_key(tmp_path):
    copy_workflow(tmp_path)
    result = snakemake("-n", "--configfile", _override(tmp_path, "models:\n  tiny-weak: {lr: -1}\n"), cwd=tmp_path, check=False)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "-1 is less than or equal to the minimum of 0" in message and "['models']['tiny-weak']['lr']" in message
    result = snakemake("-n", "--configfile", _override(tmp_path, "datasets:\n  sciq: {difficulty_rater: gpt9}\n"), cwd=tmp_path, check=False)
    assert result.returncode != 0 and "config key datasets.sciq.difficulty_rater: 'gpt9'" in result.stdout + result.stderr


def test_bad_data_row_fails_the_job_naming_file_and_line(tmp_path):
    copy_workflow(tmp_path)
    good = {"id": "ok", "question": "Q?", "para": "P.", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}
    bad = dict(good, id="bad", answerKey="Z")
    write_lines(tmp_path / "resources" / "bad.jsonl", [good, bad])
    override = _override(tmp_path, "datasets:\n  quartz: {local_files: [resources/bad.jsonl]}\n")
    result = snakemake("results/data/quartz.jsonl", "-c1", "--configfile", override, cwd=tmp_path, check=False)
    assert result.returncode != 0
    log = (tmp_path / "results/logs/data/quartz.log").read_text()
    assert "resources/bad.jsonl:2: answerKey 'Z'" in log
    assert not (tmp_path / "results/data/quartz.jsonl").exists()
    assert not list((tmp_path / "results/data").glob("*.part"))  # no half-written file left


def test_default_run_outputs(default_run):
    for dataset in ("sciq", "quartz", "arc"):
        table = pd.read_csv(default_run / f"results/difficulty/{dataset}.csv", dtype={"id": str})
        pool = pd.read_json(default_run / f"results/data/{dataset}.jsonl", lines=True, dtype={"id": str})
        assert sorted(table["id"]) == sorted(pool["id"])
        assert table["difficulty"].between(0, 1).all()
        assert (default_run / f"figures/{dataset}_difficulty.pdf").read_bytes().startswith(b"%PDF")
        for split in ("random", "easyhard"):
            parts = {p: pd.read_json(default_run / f"results/splits/{dataset}/{split}/seed0/{p}.jsonl", lines=True, dtype={"id": str})["id"].tolist() for p in ("weak_train", "strong_train", "val", "test")}
            every = [i for ids in parts.values() for i in ids]
            assert sorted(every) == sorted(pool["id"]) and len(set(every)) == len(every)
    assert "rater fold 0" in (default_run / "results/logs/difficulty/sciq/fold0.log").read_text()  # tqdm in the log


def test_default_run_is_complete_and_deterministic(default_run):
    assert planned_jobs(snakemake("-n", cwd=default_run).stdout) == {}  # nothing left to do
    fold = default_run / "results/difficulty/quartz/fold1.csv"
    before, stat = fold.read_bytes(), fold.stat()
    # the target goes first: --until takes several values and would swallow it (then every fold re-ran)
    snakemake("-c1", str(fold.relative_to(default_run)), "--forcerun", "difficulty_fold", "--until", "difficulty_fold", cwd=default_run)
    assert fold.read_bytes() == before  # same seed, same CPU: byte-identical
    os.utime(fold, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the shared default run stays complete


def _accuracy_columns(frame):
    # "_" in c: the model-name columns `weak` / `strong` hold names, not accuracies
    return [c for c in frame.columns if "_" in c and c.split("_")[0] in ("weak", "baseline", "ensemble", "oracle", "transfer") and "pgr" not in c and not c.endswith("_sem") and not c.endswith("_undefined")]


def test_default_run_generation_track(default_run):
    for number in (3, 4, 6, 7):
        table = pd.read_csv(default_run / f"results/tables/table{number}.csv")
        assert len(table) == 1 * 3  # one pair x (best, final, val-selected round)
        values = table[_accuracy_columns(table)].to_numpy()
        assert values.size and ((values >= 0) & (values <= 1)).all()
        assert (default_run / f"results/tables/table{number}.md").read_text().startswith(f"Table {number}:")
        assert "\\begin{tabular}" in (default_run / f"results/tables/table{number}.tex").read_text()
    for number in (5, 8):
        assert len(pd.read_csv(default_run / f"results/tables/table{number}.csv")) == 2  # the pair on both splits
    easy_vs_hard = pd.read_csv(default_run / "results/tables/easy_vs_hard.csv")
    assert len(easy_vs_hard) == 2 * 2  # 2 datasets x 2 models
    for figure in ("quartz_pgr", "arc_pgr", "weak_ensemble_gain", "quartz_random_bars", "quartz_easyhard_bars", "arc_random_bars", "arc_easyhard_bars"):
        assert (default_run / f"figures/{figure}.pdf").read_bytes().startswith(b"%PDF")
    tidy = pd.read_csv(default_run / "results/metrics/quartz/easyhard.csv")
    assert sorted(tidy["t"]) == [1, 2, 3]
    assert tidy["alpha"].notna().all() and (tidy.loc[~tidy["accepted"], "alpha"] == 0).all()
    first = tidy[tidy["t"] == 1].iloc[0]
    assert first["ensemble_option"] == first["weak_option"]  # t = 1 is the single weak model
