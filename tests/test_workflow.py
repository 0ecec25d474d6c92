"""Workflow tests: lint, dry-runs of both configs, config errors, and an end-to-end default run."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, copy_workflow, planned, planned_jobs, snakemake, write_lines
from ensemw2s.files import read_jsonl
from ensemw2s.splits import ID_SPLIT

pytestmark = pytest.mark.workflow


def test_lint_is_clean():
    result = snakemake("--lint")
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_dry_run_default_config(tmp_path):
    result = snakemake("-n", "--directory", str(copy_workflow(tmp_path)), cwd=tmp_path)
    jobs = planned_jobs(result.stdout)
    # the 3 paper datasets and the 2 sandbox ones
    assert jobs["difficulty_fold"] == 5 * 3  # 5 datasets x 3 folds
    # 5 datasets x (random, easyhard) x 1 seed, and the ID / OOD variant of sandbox_mc (n_easy_test > 0)
    assert jobs["split"] == 5 * 2 + 1
    assert jobs["worked_examples"] == 1  # sandbox_mc's worked examples join the pretraining corpus
    assert jobs["tiny_model"] == 4  # the generation pair, and the classification pair pretrained on its judged corpus
    blocks = re.split(r"\n(?=\[[^\]\n]+\]\n)", result.stdout)  # one block per planned job, each opened by its timestamp line
    rounds = [b for b in blocks if "rule classification_round:" in b and "sandbox_binary" in b]
    assert len(rounds) == 6 and all("results/models/tiny-cls-weak" in b and "results/models/tiny-weak" not in b for b in rounds)
    # classification track (sandbox_binary, sciq): 2 datasets x 2 splits x 1 seed x T = 3, one pair
    assert (jobs["classification_round"], jobs["classification_labels"], jobs["classification_student"], jobs["classification_oracle"]) == (
        12,
        12,
        12,
        4,
    )
    # generation track (sandbox_mc, quartz, arc): (3 datasets x 2 splits + sandbox_mc's ID / OOD variant) x T = 2
    assert jobs["token_boosting_round"] == jobs["ensemble_pseudo_answers"] == jobs["generation_student"] == 14
    # plain-ensemble baselines, both tracks (ablations.datasets), random split: 3 kinds x T = 2 .. rounds
    assert jobs["plain_ensemble_member"] == jobs["plain_ensemble_labels"] == jobs["plain_ensemble_student"] == 3 * 1
    assert jobs["plain_classifier_member"] == jobs["plain_classifier_labels"] == jobs["plain_classifier_student"] == 3 * 2
    assert jobs["baselines_table"] == jobs["baselines_figure"] == 2


def test_dry_run_sandbox_config(tmp_path):
    result = snakemake("-n", "--directory", str(copy_workflow(tmp_path)), "--configfile", "config/sandbox.yaml", cwd=tmp_path)
    jobs = planned_jobs(result.stdout)
    # sandbox_mc, sandbox_binary: random, easyhard, and sandbox_mc's ID / OOD split easyhard-id (n_easy_test > 0)
    assert jobs["difficulty_fold"] == 2 * 3 and jobs["split"] == 2 * 2 + 1
    assert jobs["token_boosting_round"] == 3 * 2 and jobs["classification_round"] == 2 * 3


def test_dry_run_paper_config(tmp_path):
    copy_workflow(tmp_path)
    result = snakemake("-n", "--configfile", "config/paper.yaml", cwd=tmp_path)
    jobs = planned_jobs(result.stdout)
    # --configfile merges into config/config.yaml: the sandbox datasets stay registered, but no
    # track of the paper config names them, so they build nothing (and no tiny model is built).
    assert jobs["difficulty_fold"] == 3 * 10
    # 3 datasets x (random, easyhard, and the ID / OOD variant easyhard-id: n_easy_test > 0) x 3 seeds
    assert jobs["split"] == 3 * 3 * 3
    assert "tiny_model" not in jobs  # hub models only
    # Generation: 2 datasets x 3 splits x 3 seeds x 5 weak Pythias x T = 5 rounds (and as many ensembles);
    # 15 weak -> strong pairs of 6 Pythias.
    assert jobs["token_boosting_round"] == jobs["ensemble_pseudo_answers"] == 2 * 3 * 3 * 5 * 5
    assert jobs["generation_student"] == 2 * 3 * 3 * 15 * 5
    # SciQ: 3 splits x 3 seeds x 4 weak models x T = 10; 10 pairs; 4 strong models
    assert (jobs["classification_round"], jobs["classification_labels"], jobs["classification_student"], jobs["classification_oracle"]) == (
        360,
        360,
        900,
        36,
    )
    # The ID / OOD variant's own runs (README "ID vs OOD"): one more easy-hard pipeline per dataset
    variant = {rule: sum(any(ID_SPLIT in path for path in job) for job in outputs) for rule, outputs in planned(result.stdout).items()}
    assert {rule: n for rule, n in variant.items() if n} == {
        "split": 3 * 3,
        "classification_round": 120,
        "classification_labels": 120,
        "classification_student": 300,
        "classification_oracle": 12,
        "token_boosting_round": 150,
        "ensemble_pseudo_answers": 150,
        "generation_student": 450,
        "generation_gold_model": 2 * 3 * (5 + 6),  # oracle: 5 strong Pythias; easy-trained: all 6
        "metrics": 3,
    }
    assert sum(variant.values()) == 1380  # 5274 jobs in all, 3894 without the variant (+35 %)
    blocks = result.stdout.split("\n\n")
    rounds = [b for b in blocks if "rule classification_round:" in b]
    assert rounds and all("gpu=1" in b for b in rounds)
    assert any("gpt2-xl/round" in b and "mem_mb=48000" in b and "runtime=300" in b for b in rounds)


def test_paper_config_main_artifacts_use_the_plain_easy_hard_split(tmp_path):
    """Issue 26 item 2: the paper's tables and figures (Tables 1-8, Figures 2/4/15, 13-17, 9, 5)
    plan no job of the ID / OOD variant: their easy-hard runs read results/splits/*/easyhard/, whose
    split job holds no easy item out (tests/test_difficulty_splits.py: its settings and the split at
    paper scale)."""
    copy_workflow(tmp_path)
    tables = [f"results/tables/table{n}.csv" for n in range(1, 9)] + ["results/tables/easy_vs_hard.csv"]
    figures = [f"figures/{d}_pgr.pdf" for d in ("sciq", "quartz", "arc")] + ["figures/weak_ensemble_gain.pdf"]
    figures += [f"figures/{d}_{s}_bars.pdf" for d in ("quartz", "arc") for s in ("random", "easyhard")]
    jobs = planned(
        snakemake(*tables, *figures, "-n", "--configfile", "config/paper.yaml", cwd=tmp_path).stdout
    )  # targets first: --configfile takes several values
    outputs = [path for rule in jobs.values() for job in rule for path in job]
    assert not [path for path in outputs if ID_SPLIT in path]
    assert {job for job in jobs["split"]} == {
        frozenset(f"results/splits/{d}/{s}/seed{seed}/{part}.jsonl" for part in ("weak_train", "strong_train", "val", "test", "easy_test"))
        for d in ("sciq", "quartz", "arc")
        for s in ("random", "easyhard")
        for seed in (0, 1, 2)
    }
    assert any("results/students/quartz/easyhard/" in path for path in outputs)  # the easy-hard runs are planned, on the plain split


def _override(tmp_path: Path, text: str) -> str:
    path = tmp_path / "override.yaml"
    path.write_text(text)
    return str(path)


def test_bad_config_value_names_the_key(tmp_path):
    copy_workflow(tmp_path)
    result = snakemake("-n", "--configfile", _override(tmp_path, "models:\n  tiny-weak: {lr: -1}\n"), cwd=tmp_path, check=False)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "config key models.tiny-weak.lr: -1 is less than or equal to the minimum of 0" in message
    result = snakemake("-n", "--configfile", _override(tmp_path, "datasets:\n  sciq: {difficulty_rater: gpt9}\n"), cwd=tmp_path, check=False)
    assert result.returncode != 0 and "config key datasets.sciq.difficulty_rater: 'gpt9'" in result.stdout + result.stderr
    # worked examples belong to the comparison task, and its operand range must not be empty
    result = snakemake(
        "-n",
        "--configfile",
        _override(tmp_path, "datasets:\n  sandbox_binary: {pretrain_examples: 100, operation: max}\n"),
        cwd=tmp_path,
        check=False,
    )
    assert (
        result.returncode != 0
        and "config key datasets.sandbox_binary.pretrain_examples: worked examples are comparisons of operation: largest, not of 'max'"
        in result.stdout + result.stderr
    )
    result = snakemake(
        "-n", "--configfile", _override(tmp_path, "datasets:\n  sandbox_mc: {min_operands: 5, max_operands: 3}\n"), cwd=tmp_path, check=False
    )
    assert result.returncode != 0 and "config key datasets.sandbox_mc.max_operands: 3 < min_operands 5" in result.stdout + result.stderr
    # a per-model epochs override is validated; a body must be another entry without a body
    result = snakemake("-n", "--configfile", _override(tmp_path, "models:\n  tiny-cls-weak: {epochs: 0}\n"), cwd=tmp_path, check=False)
    assert result.returncode != 0 and "config key models.tiny-cls-weak.epochs: 0 is less than the minimum of 1" in result.stdout + result.stderr
    result = snakemake(
        "-n",
        "--configfile",
        _override(
            tmp_path,
            "models:\n  tiny-body: {body: tiny-cls-strong, lr: 1.0e-3, batch_size: 8}\n  tiny-chain: {body: tiny-body, lr: 1.0e-3, batch_size: 8}\n",
        ),
        cwd=tmp_path,
        check=False,
    )
    assert (
        result.returncode != 0
        and "config key models.tiny-chain.body: 'tiny-body' is not a key of models without a body of its own" in result.stdout + result.stderr
    )


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
            parts = {
                p: [str(r["id"]) for r in read_jsonl(default_run / f"results/splits/{dataset}/{split}/seed0/{p}.jsonl")]
                for p in ("weak_train", "strong_train", "val", "test", "easy_test")  # easy_test: empty on the random split
            }
            every = [i for ids in parts.values() for i in ids]
            assert sorted(every) == sorted(pool["id"]) and len(set(every)) == len(every)
    assert "rater fold 0" in (default_run / "results/logs/difficulty/sciq/fold0.log").read_text()  # tqdm in the log


def test_default_run_is_complete_and_deterministic(default_run):
    assert planned_jobs(snakemake("-n", cwd=default_run).stdout) == {}  # nothing left to do
    fold = default_run / "results/difficulty/sciq/fold1.csv"  # a classifier rater: its new head is seeded too
    before, stat = fold.read_bytes(), fold.stat()
    # the target goes first: --until takes several values and would swallow it (then every fold re-ran)
    snakemake("-c1", str(fold.relative_to(default_run)), "--forcerun", "difficulty_fold", "--until", "difficulty_fold", cwd=default_run)
    assert fold.read_bytes() == before  # same seed, same CPU: byte-identical
    os.utime(fold, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the shared default run stays complete


def _accuracy_columns(frame):
    # "_" in c: the model-name columns `weak` / `strong` hold names, not accuracies
    return [
        c
        for c in frame.columns
        if "_" in c
        and c.split("_")[0] in ("weak", "baseline", "ensemble", "oracle", "transfer")
        and "pgr" not in c
        and not c.endswith("_sem")
        and not c.endswith("_undefined")
    ]


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
    assert len(easy_vs_hard) == 3 * 2  # 3 generation datasets (sandbox_mc, quartz, arc) x 2 models
    for figure in (
        "quartz_pgr",
        "arc_pgr",
        "weak_ensemble_gain",
        "quartz_random_bars",
        "quartz_easyhard_bars",
        "arc_random_bars",
        "arc_easyhard_bars",
    ):
        assert (default_run / f"figures/{figure}.pdf").read_bytes().startswith(b"%PDF")
    tidy = pd.read_csv(default_run / "results/metrics/quartz/easyhard.csv")
    assert sorted(tidy["t"]) == list(range(1, yaml.safe_load((default_run / "config/config.yaml").read_text())["generation"]["rounds"] + 1))
    assert tidy["alpha"].notna().all() and (tidy.loc[~tidy["accepted"], "alpha"] == 0).all()
    first = tidy[tidy["t"] == 1].iloc[0]
    assert first["ensemble_option"] == first["weak_option"]  # t = 1 is the single weak model


def test_an_ensemble_whose_last_expert_has_no_vote_reuses_the_previous_labels(default_run):
    """Labels of T rounds whose round T adds no vote (boosting.adds_no_vote) are the T − 1 job's,
    with the same accuracies and a ``same_ensemble_as_t`` note; every other T is decoded (no note).
    The default run has both kinds: quartz's and arc's rounds 2-3 are stopped, sandbox_mc's round 2
    is accepted."""
    from ensemw2s import boosting
    from ensemw2s.files import read_json

    kinds = set()
    for metrics_path in sorted((default_run / "results/labels").glob("*/*/seed*/tiny-weak/T*.metrics.json")):
        t = int(metrics_path.name.removeprefix("T").split(".")[0])
        metrics = read_json(metrics_path)
        if t == 1 or not boosting.adds_no_vote(metrics["alphas"]):
            assert "same_ensemble_as_t" not in metrics, metrics_path
            kinds.add("decoded")
            continue
        kinds.add("reused")
        before = read_json(metrics_path.with_name(f"T{t - 1}.metrics.json"))
        assert metrics["same_ensemble_as_t"] == before.get("same_ensemble_as_t", t - 1) and metrics["rounds"] == t, metrics_path
        assert metrics["test"] == before["test"] and metrics["ensemble_weights"] == [w for w in boosting.vote_weights(metrics["alphas"]) if w > 0]
        labels = metrics_path.with_name(f"T{t}.jsonl").read_text()
        assert labels == metrics_path.with_name(f"T{t - 1}.jsonl").read_text(), metrics_path
        choices = metrics_path.with_name(f"T{t}.choices.csv").read_bytes()
        assert choices == metrics_path.with_name(f"T{t - 1}.choices.csv").read_bytes(), metrics_path
    assert kinds == {"decoded", "reused"}, kinds


def _generation_students(run):
    """(student metrics, its choices, the choices of the ensemble it learnt from) of every
    generation student of the run, the combination ablation's included."""
    for path in sorted(run.glob("results/students/*/*/seed*/*_to_*/T*/metrics.json")):
        if (path.parent / "choices.csv").exists():  # a classification student writes predictions.csv instead
            dataset, split, seed, pair = path.parts[-6:-2]
            yield (
                path,
                path.parent / "choices.csv",
                run / f"results/labels/{dataset}/{split}/{seed}/{pair.split('_to_')[0]}/{path.parent.name}.choices.csv",
            )
    for path in sorted(run.glob("results/ablations/combine/students/*/*/seed*/*_to_*/*/T*/metrics.json")):
        dataset, split, seed, pair, combine = path.parts[-7:-2]
        labels = f"results/ablations/combine/labels/{dataset}/{split}/{seed}/{pair.split('_to_')[0]}/{combine}/{path.parent.name}.choices.csv"
        yield path, path.parent / "choices.csv", run / labels


def test_generation_students_report_their_agreement_with_the_ensemble_they_learn_from(default_run):
    """Burns et al.'s student-supervisor agreement, recomputed from the two choices files per part;
    each choices file scores the option accuracy its own job reports, so it holds that model's
    choices; in the sandbox (where the students beat their teacher) they disagree on some items."""
    from ensemw2s.files import read_json

    students, sandbox_agreements = 0, []
    for metrics_path, own_path, supervisor_path in _generation_students(default_run):
        student = read_json(metrics_path)
        own, supervisor = pd.read_csv(own_path, dtype={"id": str}), pd.read_csv(supervisor_path, dtype={"id": str})
        ensemble = read_json(supervisor_path.with_name(supervisor_path.name.replace(".choices.csv", ".metrics.json")))
        both = own.merge(supervisor, on=["part", "id"], suffixes=("", "_supervisor"), validate="one_to_one")
        assert len(both) == len(own) == len(supervisor), metrics_path
        for part, rows in both.groupby("part"):
            assert student[part]["n"] == len(rows), (metrics_path, part)
            assert student[part]["option_accuracy"] == pytest.approx((rows["option"] == rows["gold"]).mean(), abs=1e-12), (metrics_path, part)
            assert ensemble[part]["option_accuracy"] == pytest.approx((rows["option_supervisor"] == rows["gold"]).mean(), abs=1e-12), (
                supervisor_path,
                part,
            )
            assert student[part]["agreement"] == pytest.approx((rows["option"] == rows["option_supervisor"]).mean(), abs=1e-12), (metrics_path, part)
        students += 1
        if "/sandbox_mc/" in metrics_path.as_posix() and "/ablations/" not in metrics_path.as_posix():
            sandbox_agreements.append(student["test"]["agreement"])
    config = yaml.safe_load((default_run / "config/config.yaml").read_text())
    runs = sum(2 + (config["datasets"][d]["n_easy_test"] > 0) for d in config["generation"]["datasets"])  # + the ID / OOD variant
    assert students >= runs * config["generation"]["rounds"] and sandbox_agreements, students
    assert all(a < 1.0 for a in sandbox_agreements), sandbox_agreements
    tidy = pd.read_csv(default_run / "results/metrics/sandbox_mc/random.csv")
    assert tidy["transfer_agreement"].between(0.0, 1.0).all()


def test_default_run_sciq_tables_and_figure(default_run):
    """Tables 1-2 have one row per pair (plus one per round) and every accuracy is in [0, 1]."""
    for table, split in (("table1", "random"), ("table2", "easyhard")):
        pairs = pd.read_csv(default_run / f"results/tables/{table}.csv")
        rounds = pd.read_csv(default_run / f"results/tables/{table}_rounds.csv")
        assert len(pairs) == 1 and (pairs["weak"] == "tiny-cls-weak").all() and (pairs["strong"] == "tiny-cls-strong").all()
        assert rounds["t"].tolist() == [1, 2, 3]
        accuracies = [c for c in pairs.columns if c.endswith("_acc")]
        assert {
            "weak_acc",
            "oracle_acc",
            "baseline_acc",
            "best_acc",
            "final_acc",
            "val_selected_acc",
            "best_weak_ensemble_acc",
            "best_weak_ensemble_soft_acc",
            "best_weak_ensemble_hard_acc",
        } <= set(accuracies)
        values = pairs[accuracies].to_numpy(dtype=float)
        assert ((values >= 0) & (values <= 1)).all()  # finite and in [0, 1] (NaN fails both)
        assert pairs["best_t"].iloc[0] >= 2 and pairs["val_selected_t"].iloc[0] >= 2  # ensemble rounds only
        alphas = pairs[[f"paper_alpha_{t}" for t in (1, 2, 3)]].to_numpy(dtype=float)
        assert ((alphas >= 0) & (alphas < 15)).all()  # clipped: finite even for eps = 0
        assert pairs[[f"{c}_sem" for c in ("weak_acc", "best_acc")]].isna().all().all()  # one seed: no SEM
        # ε_t is undefined (NaN) only for a round stopped after a rejection
        live = rounds["stopped_seeds"] == 0
        round_accuracies = rounds.loc[live, [c for c in rounds.columns if c.endswith("acc_mean") or c == "epsilon_mean"]].to_numpy(dtype=float)
        assert ((round_accuracies >= 0) & (round_accuracies <= 1)).all()
        for ext in ("md", "tex"):
            text = (default_run / f"results/tables/{table}.{ext}").read_text()
            plus_minus = "±" if ext == "md" else r"\pm"
            assert plus_minus not in text  # one seed: plain values, no "± n/a" and no zero-width SEM
        # the stats chain: D_{t+1} sums to 1; a rejected round hands its weights on unchanged
        base = default_run / f"results/weak/sciq/{split}/seed0/tiny-cls-weak"
        stats = [json.loads((base / f"round{t}/stats.json").read_text()) for t in (1, 2, 3)]
        assert [s["round"] for s in stats] == [1, 2, 3] and {s["status"] for s in stats} <= {"accepted", "rejected", "stopped"}
        for before, after in zip(stats, stats[1:]):
            assert abs(sum(after["next_weights"]) - 1) < 1e-9
            if not after["accepted"]:
                assert after["alpha"] == 0 and after["next_weights"] == pytest.approx(before["next_weights"])
            # on_reject: break (default): a rejected or stopped round stops every later one
            assert (after["status"] == "stopped") == (before["status"] in ("rejected", "stopped"))
        # T = 1 pseudo-labels are exactly the single weak expert's strong-train predictions
        labels = pd.read_json(default_run / f"results/labels/sciq/{split}/seed0/tiny-cls-weak/T1.jsonl", lines=True, dtype={"id": str})
        predictions = pd.read_csv(base / "round1/predictions.csv", dtype={"id": str})
        strong = predictions[predictions["part"] == "strong_train"]
        assert labels["id"].tolist() == strong["id"].tolist()
        assert labels["p_label1"].to_numpy() == pytest.approx(strong["p_label1"].to_numpy(), abs=1e-6)
        marker = "STOPPED" if stats[2]["status"] == "stopped" else "config.json"  # a stopped round's expert is a marker
        assert (base / f"round3/model/{marker}").is_file()
    assert (default_run / "figures/sciq_pgr.pdf").read_bytes().startswith(b"%PDF")


# Every figure and table of the default run in the Snakemake report: {path: (category = track,
# subcategory = dataset, the paper number its caption gives)}.  Tables are listed by their CSV.
REPORT_ARTIFACTS = {
    "figures/sciq_difficulty.pdf": ("classification", "sciq", "Figure 7"),
    "figures/sciq_pgr.pdf": ("classification", "sciq", "Figure 2"),
    "results/tables/table1.csv": ("classification", "sciq", "Table 1"),
    "results/tables/table1_rounds.csv": ("classification", "sciq", "Table 1"),
    "results/tables/table2.csv": ("classification", "sciq", "Table 2"),
    "results/tables/table2_rounds.csv": ("classification", "sciq", "Table 2"),
    "figures/quartz_difficulty.pdf": ("generation", "quartz", "Figure 9"),
    "figures/quartz_pgr.pdf": ("generation", "quartz", "Figure 4"),
    "figures/quartz_random_bars.pdf": ("generation", "quartz", "Figure 13"),
    "figures/quartz_easyhard_bars.pdf": ("generation", "quartz", "Figure 14"),
    "results/tables/table3.csv": ("generation", "quartz", "Table 3"),
    "results/tables/table4.csv": ("generation", "quartz", "Table 4"),
    "results/tables/table5.csv": ("generation", "quartz", "Table 5"),
    "figures/arc_difficulty.pdf": ("generation", "arc", "Figure 8"),
    "figures/arc_pgr.pdf": ("generation", "arc", "Figure 15"),
    "figures/arc_random_bars.pdf": ("generation", "arc", "Figure 16"),
    "figures/arc_easyhard_bars.pdf": ("generation", "arc", "Figure 17"),
    "results/tables/table6.csv": ("generation", "arc", "Table 6"),
    "results/tables/table7.csv": ("generation", "arc", "Table 7"),
    "results/tables/table8.csv": ("generation", "arc", "Table 8"),
    "figures/weak_ensemble_gain.pdf": ("generation", "all datasets", "Figure 3"),
    "results/tables/easy_vs_hard.csv": ("generation", "all datasets", "Figure 5"),
    # the sandbox: the same artifacts under their own names, no paper number
    "figures/sandbox_binary_difficulty.pdf": ("classification", "sandbox_binary", "not a paper dataset"),
    "figures/sandbox_binary_pgr.pdf": ("classification", "sandbox_binary", "Not a paper figure"),
    **{
        f"results/tables/sandbox_binary_{name}.csv": ("classification", "sandbox_binary", "not a paper table")
        for name in ("random", "random_rounds", "easyhard", "easyhard_rounds")
    },
    "figures/sandbox_mc_difficulty.pdf": ("generation", "sandbox_mc", "not a paper dataset"),
    **{f"figures/sandbox_mc_{name}.pdf": ("generation", "sandbox_mc", "Not a paper figure") for name in ("pgr", "random_bars", "easyhard_bars")},
    **{f"results/tables/sandbox_mc_{name}.csv": ("generation", "sandbox_mc", "Not a paper table") for name in ("random", "easyhard", "one_run")},
    # Appendix G.2's ablations (on the sandbox) and the published version's ID / OOD table
    "figures/ablation_combine_sandbox_mc.pdf": ("generation", "ablations", "Figure 10"),
    "results/tables/ablation_combine_sandbox_mc.csv": ("generation", "ablations", "Figure 10"),
    "figures/ablation_window_tiny-weak.pdf": ("generation", "ablations", "Figures 11-12"),
    "results/tables/ablation_window_tiny-weak.csv": ("generation", "ablations", "Figures 11-12"),
    "figures/ablation_weighting_sandbox_mc.pdf": ("generation", "ablations", "Appendix G.2"),
    "results/tables/ablation_weighting_sandbox_mc.csv": ("generation", "ablations", "Appendix G.2"),
    "figures/id_ood.pdf": ("both tracks", "all datasets", "published version"),
    "results/tables/id_ood.csv": ("both tracks", "all datasets", "published version"),
    "results/tables/claims.csv": ("claims", "all datasets", "resources/paper/claims.csv"),  # the paper's claims, judged
    "results/tables/claims_units.csv": ("claims", "all datasets", "headline quantities"),  # ... and the values behind them
    # beyond the paper: plain ensembles beside boosting
    "figures/baselines_sandbox_mc.pdf": ("generation", "baselines", "beyond the paper"),
    "results/tables/baselines_sandbox_mc.csv": ("generation", "baselines", "beyond the paper"),
    "figures/baselines_sandbox_binary.pdf": ("classification", "baselines", "beyond the paper"),
    "results/tables/baselines_sandbox_binary.csv": ("classification", "baselines", "beyond the paper"),
}


def _report_data(html: str, name: str):
    """A JSON value the report's page defines as ``var <name> = ...;`` (the last such line: the page's
    bundled JavaScript comes first and has variables of the same names)."""
    start = html.rindex(f"var {name} = ") + len(f"var {name} = ")
    return json.JSONDecoder().raw_decode(html, start)[0]


# The report's categories carry their place (rules/common.smk REPORT_CATEGORIES); each table is in
# twice (HTML shown, CSV), each figure too (PNG shown, PDF).
REPORT_CATEGORIES = {"claims": "1. claims", "classification": "2. classification", "generation": "3. generation", "both tracks": "4. both tracks"}
SHOWN = {".csv": ".html", ".pdf": ".png"}
# Entries named by paper artifact (the labels' "artifact"), the sandbox's "like" its paper twin
REPORT_NAMES = {
    "results/tables/claims.html": "claims",
    "results/tables/table3.html": "Table 3",
    "results/tables/table3.csv": "Table 3",
    "results/tables/table1_rounds.html": "Table 1",
    "figures/quartz_pgr.png": "Figure 4",
    "figures/arc_easyhard_bars.pdf": "Figure 17",
    "figures/sciq_difficulty.png": "Figure 7",
    "results/tables/easy_vs_hard.html": "Figure 5",
    "figures/ablation_window_tiny-weak.png": "Figures 11-12",
    "results/tables/id_ood.html": "ID vs OOD",
    "results/tables/sandbox_mc_random.html": "like Table 3",
    "figures/sandbox_binary_pgr.png": "like Figure 2",
}


def _report_entries():
    """{path: (category, subcategory, caption text)} of every file the report lists."""
    entries = {}
    for path, (category, subcategory, number) in REPORT_ARTIFACTS.items():
        twin = path.removesuffix(Path(path).suffix) + SHOWN[Path(path).suffix]
        for listed in (path, twin) if path != "results/tables/claims_units.csv" else (path,):  # the units: a CSV only
            entries[listed] = (REPORT_CATEGORIES[category], subcategory, number)
    return entries


def test_report_lists_every_figure_and_table(default_run, tmp_path):
    """snakemake --report after the default run: every figure (PNG shown, PDF) and every table
    (HTML shown, CSV; the .md and .tex beside it hold the same numbers) is in the report, under its
    track and dataset, named by labels (paper artifact first, in paper order), with a caption that
    gives its paper number; building the report changes no output."""
    import zipfile

    built = sorted(str(p.relative_to(default_run)) for pattern in ("figures/*.pdf", "results/tables/*.csv") for p in default_run.glob(pattern))
    assert built == sorted(REPORT_ARTIFACTS)  # every figure and table CSV the default run writes
    report = tmp_path / "report.zip"
    snakemake("--report", str(report), cwd=default_run)
    with zipfile.ZipFile(report) as archive:
        html = archive.read("report/report.html").decode()
        stored = set(archive.namelist())
    categories, results = _report_data(html, "categories"), _report_data(html, "results")
    listed = {
        path: (category, subcategory)
        for category, subcategories in categories.items()
        for subcategory, paths in subcategories.items()
        for path in paths
    }
    entries = _report_entries()
    assert listed == {path: (category, subcategory) for path, (category, subcategory, _) in entries.items()}
    assert sorted(results) == sorted(entries)
    for path, (_, _, number) in entries.items():
        assert number in results[path]["caption"], (path, results[path]["caption"])
        assert f"report/{results[path]['data_uri']}" in stored  # the file itself is in the archive
        labels = results[path]["labels"]
        assert list(labels) == ["#", "artifact", "shows", "dataset", "split", "format"], path
        assert labels["format"] == Path(path).suffix.removeprefix(".").upper(), path
    assert {path: results[path]["labels"]["artifact"] for path in REPORT_NAMES} == REPORT_NAMES
    # the report lists a subcategory's entries by their labels: no two alike (it would show one)
    for subcategories in categories.values():
        for paths in subcategories.values():
            assert len({tuple(results[path]["labels"].values()) for path in paths}) == len(paths), paths
    order = sorted(entries, key=lambda path: tuple(results[path]["labels"].values()))
    assert order.index("results/tables/claims.html") < order.index("results/tables/table1.html") < order.index("results/tables/table3.html")
    assert order.index("results/tables/table8.html") < order.index("figures/sciq_pgr.png") < order.index("figures/arc_easyhard_bars.png")
    assert order.index("figures/arc_easyhard_bars.png") < order.index("results/tables/sandbox_mc_random.html")  # the paper's first
    assert "weak-to-strong generalization" in _report_data(html, "workflow_desc")  # report/workflow.rst, the front page
    assert planned_jobs(snakemake("-n", cwd=default_run).stdout) == {}  # the shared default run stays complete


def _visible_text(dom: str) -> str:
    """The text of a page as rendered: no scripts (the report's data sit in them as JSON), no tags."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium (.ci/run installs it)")
def test_report_renders_in_a_headless_browser(default_run, tmp_path):
    """The report opened in a real browser (headless Chromium): after its JavaScript ran, the front
    page lists the claims table first, then the paper's tables and figures in paper order (Table 3
    among them), and the menu lists the claims first; the screenshot is kept beside the test's files."""
    report = tmp_path / "report.html"
    snakemake("--report", str(report), cwd=default_run)
    browser = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000"]
    # tall: the report centres its front page vertically, so a short window cuts off its top
    screenshot = tmp_path / "report.png"
    subprocess.run([*browser, "--window-size=1400,5000", f"--screenshot={screenshot}", report.as_uri()], check=True, capture_output=True, timeout=120)
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    dom = subprocess.run([*browser, "--dump-dom", report.as_uri()], check=True, capture_output=True, text=True, timeout=120).stdout
    text = _visible_text(dom)
    front = text[text.index("Every table and figure, claims first") :]
    entries = ("claims : the paper's claims, judged", "Table 1 :", "Table 3 : weak-to-strong per pair (quartz, random)", "Figure 2 :")
    places = [front.index(entry) for entry in entries]
    assert places == sorted(places), front[:2000]
    menu = [text.index(category) for category in REPORT_CATEGORIES.values()]
    assert menu == sorted(menu) and menu[0] < text.index("Every table and figure")  # the menu: claims first


def test_sciq_options_rerun_exactly_their_jobs(default_run, tmp_path):
    """A classification option reaches its jobs as a params value: changing it reruns those and
    their downstream only (round 1 is the uniform baseline, so `weighting` spares it)."""
    vote_run = snakemake("-n", "--configfile", _override(tmp_path, "classification: {combine: hard}\n"), cwd=default_run).stdout
    vote = planned_jobs(vote_run)
    # (only the classification jobs are compared: an earlier test re-ran a QuaRTz fold, which makes
    # its downstream stale); the track runs sandbox_binary and sciq: 2 datasets x 2 splits
    sciq_rules = ("classification_round", "classification_oracle", "classification_labels", "classification_student", "classification_table")
    assert {rule: vote.get(rule, 0) for rule in sciq_rules} == {
        "classification_round": 0,
        "classification_oracle": 0,
        "classification_labels": 12,  # 2 datasets x 2 splits x 3 rounds
        "classification_student": 12,
        "classification_table": 4,
    }
    shared = planned(vote_run)  # the rules both tracks share: their classification jobs
    assert {output for job in shared["metrics"] for output in job if "/sandbox_binary/" in output or "/sciq/" in output} == {
        f"results/metrics/{d}/{s}.csv" for d in ("sandbox_binary", "sciq") for s in ("random", "easyhard")
    }
    assert {output for job in shared["pgr_figure"] for output in job if "sandbox_binary" in output or "sciq" in output} == {
        f"figures/{dataset}_pgr.{ext}" for dataset in ("sandbox_binary", "sciq") for ext in ("pdf", "png")
    }
    weighting = planned_jobs(snakemake("-n", "--configfile", _override(tmp_path, "classification: {weighting: loss}\n"), cwd=default_run).stdout)
    assert weighting["classification_round"] == 8 and "classification_oracle" not in weighting  # rounds 2 and 3 of every split and dataset
    loss = planned_jobs(snakemake("-n", "--configfile", _override(tmp_path, "classification: {student_loss: logconf}\n"), cwd=default_run).stdout)
    assert (
        loss["classification_student"] == 12
        and "classification_round" not in loss
        and "classification_oracle" not in loss
        and "classification_labels" not in loss
    )
    threshold = planned_jobs(
        snakemake("-n", "--configfile", _override(tmp_path, "classification: {logconf_threshold: micro_batch}\n"), cwd=default_run).stdout
    )
    assert threshold["classification_student"] == 12 and "classification_oracle" not in threshold and "classification_round" not in threshold
    on_reject = planned_jobs(snakemake("-n", "--configfile", _override(tmp_path, "classification: {on_reject: continue}\n"), cwd=default_run).stdout)
    assert on_reject["classification_round"] == 8 and "classification_oracle" not in on_reject  # rounds 2 and 3 of every split and dataset
    for option in ("dropout: keep", "head_init: default", "lr_schedule: linear", "max_grad_norm: 1.0"):  # Burns et al.'s training
        jobs = planned_jobs(snakemake("-n", "--configfile", _override(tmp_path, f"classification: {{{option}}}\n"), cwd=default_run).stdout)
        assert (jobs["classification_round"], jobs["classification_student"], jobs["classification_oracle"]) == (12, 12, 4), option


def test_sciq_round_is_deterministic(default_run):
    """Last in the module: it re-runs a round, which makes that round's downstream stale."""
    predictions = default_run / "results/weak/sciq/random/seed0/tiny-cls-weak/round2/predictions.csv"
    before = predictions.read_bytes()
    snakemake("-c1", str(predictions.relative_to(default_run)), "--forcerun", "classification_round", cwd=default_run)  # rounds 1 and 2
    assert predictions.read_bytes() == before  # seeded head, seeded batches: the same expert


def test_every_model_rule_gets_a_gpu_in_both_profiles():
    """A rule that loads a model (its resources come from model_resources) must be a GPU rule of
    the slurm and workstation profiles, or it would run on a CPU node at paper scale."""
    import re

    import yaml

    model_rules, derived = set(), {}
    for path in (REPO / "rules").glob("*.smk"):
        text = path.read_text()
        for block in re.split(r"\n(?=rule )", text):
            match = re.match(r"rule (\w+):", block)
            if match and "model_resources(" in block:
                model_rules.add(match.group(1))
        derived.update({new: old for old, new in re.findall(r"^use rule (\w+) as (\w+) with:", text, re.M)})
    model_rules |= {new for new, old in derived.items() if old in model_rules}  # `use rule` keeps the resources
    assert {"difficulty_fold", "token_boosting_round", "classification_round", "ablation_boosting_round"} <= model_rules
    for profile in ("slurm/config.yaml", "profiles/workstation/config.yaml"):
        gpu_rules = {rule for rule, resources in yaml.safe_load((REPO / profile).read_text())["set-resources"].items() if resources.get("gpu") == 1}
        assert gpu_rules == model_rules, profile
