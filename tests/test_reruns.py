"""Exact partial reruns on the completed default run: one edited config value plans exactly the jobs
that use it and their downstream, nothing else (dry-runs: the shared default run stays complete)."""

from pathlib import Path

import pytest

from conftest import planned, snakemake

pytestmark = pytest.mark.workflow

DATASETS = ("sandbox_mc", "quartz", "arc")  # the generation track of the default config
CLS_DATASETS = ("sandbox_binary", "sciq")  # the classification track
SPLITS = ("random", "easyhard")
ROUNDS = (1, 2, 3)
# Appendix G.2's ablations in the default config: sandbox_mc, random split, windows 1-3, both sample errors
ABLATION_RUN = "sandbox_mc/random/seed0"
ABLATION_VARIANTS = ("token-L2", "token-L3", "sample-any", "sample-mean")  # trained by the ablations (token-L1: the main rounds)


def assert_plan(jobs: dict[str, set[frozenset]], expected: dict[str, set[str]]):
    """Exactly the expected jobs: per rule, each expected path is an output of its own planned job."""
    assert set(jobs) == set(expected), f"rules planned {sorted(jobs)} != expected {sorted(expected)}"
    for rule, paths in expected.items():
        outputs = jobs[rule]
        assert len(outputs) == len(paths), f"{rule}: {len(outputs)} jobs planned, expected {len(paths)}: {sorted(map(sorted, outputs))}"
        for path in paths:
            assert sum(path in job for job in outputs) == 1, f"{rule}: no planned job writes {path}"


def edit(workdir: Path, tmp_path: Path, text: str) -> tuple[str, str]:
    override = tmp_path / "edit.yaml"
    override.write_text(text)
    return "--configfile", str(override)


def reports(datasets=DATASETS, weak_ensemble_gain=True, easy_vs_hard=True) -> dict[str, set[str]]:
    """Tables and figures downstream of the generation metrics of ``datasets``."""
    expected = {
        "metrics": {f"results/metrics/{d}/{s}.csv" for d in datasets for s in SPLITS},
        "pgr_figure": {f"figures/{d}_pgr.pdf" for d in datasets},
        "generation_bars": {f"figures/{d}_{s}_bars.pdf" for d in datasets for s in SPLITS},
    }
    for dataset, table in (("quartz", "table3"), ("arc", "table6"), ("sandbox_mc", "sandbox_mc_random")):
        if dataset in datasets:
            expected[f"generation_tables_{dataset}"] = {f"results/tables/{table}.csv"}
    if weak_ensemble_gain:
        expected["weak_ensemble_gain"] = {"figures/weak_ensemble_gain.pdf"}
    if easy_vs_hard:
        expected["easy_vs_hard"] = {"results/tables/easy_vs_hard.csv"}
    return expected | POOLED


# Downstream of every dataset's metrics: the ID / OOD table and figure, and the claims table.
POOLED = {"id_ood_table": {"results/tables/id_ood.csv"}, "id_ood_figure": {"figures/id_ood.pdf"}, "claims_table": {"results/tables/claims.csv"}}


def combine_ablation(rounds=(2, 3), labels=True) -> dict[str, set[str]]:
    """The logit-combination jobs (Figure 10) of ``rounds`` (T = 1 is the main run's) and their table and figure."""
    expected = {
        "ablation_combine_student": {
            f"results/ablations/combine/students/{ABLATION_RUN}/tiny-weak_to_tiny-strong/logit/T{t}/metrics.json" for t in rounds
        },
        "ablation_combine_table": {"results/tables/ablation_combine_sandbox_mc.csv"},
        "ablation_figure": {"figures/ablation_combine_sandbox_mc.pdf"},
    }
    if labels:
        expected["ablation_combine_labels"] = {f"results/ablations/combine/labels/{ABLATION_RUN}/tiny-weak/logit/T{t}.jsonl" for t in rounds}
    return expected


def arc_ood_evaluations() -> dict[str, set[str]]:
    """arc's jobs that evaluate on quartz's test part (datasets.arc.ood_datasets)."""
    return {
        "ensemble_pseudo_answers": {f"results/labels/arc/{s}/seed0/tiny-weak/T{t}.jsonl" for s in SPLITS for t in ROUNDS},
        "generation_student": {f"results/students/arc/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for s in SPLITS for t in ROUNDS},
        "generation_gold_model": {f"results/oracle/arc/{s}/seed0/tiny-strong/metrics.json" for s in SPLITS}
        | {f"results/{kind}/arc/easyhard/seed0/{model}/metrics.json" for kind in ("oracle", "easy") for model in ("tiny-weak", "tiny-strong")},
    }


def test_no_op_resave_of_the_config_reruns_nothing(default_run):
    config = default_run / "config/config.yaml"
    config.write_text(config.read_text())  # same content, new modification time
    assert planned(default_run) == {}


def test_student_learning_rate_reruns_only_that_models_students(default_run, tmp_path):
    # tiny-strong is the strong model of the generation track's (tiny-weak, tiny-strong) pair, and
    # also its oracle (ground truth, both splits) and easy-trained model (easy-hard split).
    jobs = planned(default_run, *edit(default_run, tmp_path, "models:\n  tiny-strong: {lr: 2.0e-3}\n"))
    expected = {
        "generation_student": {
            f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d in DATASETS for s in SPLITS for t in ROUNDS
        },
        "generation_gold_model": {f"results/oracle/{d}/{s}/seed0/tiny-strong/metrics.json" for d in DATASETS for s in SPLITS}
        | {f"results/easy/{d}/easyhard/seed0/tiny-strong/metrics.json" for d in DATASETS},
        **reports(),
        **combine_ablation(labels=False),
    }
    assert_plan(jobs, expected)


def test_classification_student_learning_rate_reruns_only_that_tracks_students(default_run, tmp_path):
    """tiny-cls-strong is the classification track's strong model and sandbox_binary's difficulty
    rater: its lr reruns that track's students and oracles, and sandbox_binary's ratings, its
    easy-hard split and everything trained on that split; nothing of the generation track."""
    jobs = planned(default_run, *edit(default_run, tmp_path, "models:\n  tiny-cls-strong: {lr: 2.0e-3}\n"))
    rated = "sandbox_binary/easyhard/seed0/tiny-cls-weak"
    expected = {
        "difficulty_fold": {f"results/difficulty/sandbox_binary/fold{k}.csv" for k in range(3)},
        "difficulty": {"results/difficulty/sandbox_binary.csv"},
        "difficulty_histogram": {"figures/sandbox_binary_difficulty.pdf"},
        "split": {"results/splits/sandbox_binary/easyhard/seed0/test.jsonl"},
        "classification_round": {f"results/weak/{rated}/round{t}/stats.json" for t in ROUNDS},
        "classification_labels": {f"results/labels/{rated}/T{t}.jsonl" for t in ROUNDS},
        "classification_student": {
            f"results/students/{d}/{s}/seed0/tiny-cls-weak_to_tiny-cls-strong/T{t}/metrics.json" for d in CLS_DATASETS for s in SPLITS for t in ROUNDS
        },
        "classification_oracle": {f"results/oracle/{d}/{s}/seed0/tiny-cls-strong/metrics.json" for d in CLS_DATASETS for s in SPLITS},
        "metrics": {f"results/metrics/{d}/{s}.csv" for d in CLS_DATASETS for s in SPLITS},
        "classification_table": {
            "results/tables/table1.csv",
            "results/tables/table2.csv",
            "results/tables/sandbox_binary_random.csv",
            "results/tables/sandbox_binary_easyhard.csv",
        },
        "pgr_figure": {f"figures/{d}_pgr.pdf" for d in CLS_DATASETS},
        **POOLED,
    }
    assert_plan(jobs, expected)


def test_plot_setting_reruns_only_that_plot(default_run, tmp_path):
    jobs = planned(default_run, *edit(default_run, tmp_path, "generation:\n  models: [tiny-weak, tiny-strong]\n  figure_measure: token\n"))
    assert_plan(jobs, {"pgr_figure": {f"figures/{d}_pgr.pdf" for d in DATASETS}})


def test_one_more_round_runs_only_the_new_round_and_its_consumers(default_run, tmp_path):
    jobs = planned(default_run, *edit(default_run, tmp_path, "generation:\n  models: [tiny-weak, tiny-strong]\n  rounds: 4\n"))
    runs = [(d, s) for d in DATASETS for s in SPLITS]
    expected = {
        "token_boosting_round": {f"results/weak/{d}/{s}/seed0/tiny-weak/round4/stats.json" for d, s in runs},
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T4.jsonl" for d, s in runs},
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T4/metrics.json" for d, s in runs},
        **reports(easy_vs_hard=False),  # the easy-vs-hard table uses no boosting round
        **combine_ablation(rounds=(4,)),
        "ablation_boosting_round": {f"results/ablations/boosting/{ABLATION_RUN}/tiny-weak/{v}/round4/stats.json" for v in ABLATION_VARIANTS},
        "ensemble_curve": {f"results/ablations/curves/{ABLATION_RUN}/tiny-weak/{v}.json" for v in ("token-L1", *ABLATION_VARIANTS)},
        "ablation_curve_table": {"results/tables/ablation_window_tiny-weak.csv", "results/tables/ablation_weighting_sandbox_mc.csv"},
    }
    expected["ablation_figure"] |= {"figures/ablation_window_tiny-weak.pdf", "figures/ablation_weighting_sandbox_mc.pdf"}
    assert_plan(jobs, expected)


@pytest.mark.parametrize("size", ["n_test: 40", "n_val: 12"])
def test_split_size_reruns_that_datasets_splits_and_downstream_only(default_run, tmp_path, size):
    jobs = planned(default_run, *edit(default_run, tmp_path, f"datasets:\n  quartz: {{{size}}}\n"))
    runs = [("quartz", s) for s in SPLITS]
    arc = arc_ood_evaluations()  # arc's models are also evaluated on quartz's (rewritten) test part
    expected = {
        "split": {f"results/splits/quartz/{s}/seed0/test.jsonl" for s in SPLITS},
        "token_boosting_round": {f"results/weak/{d}/{s}/seed0/tiny-weak/round{t}/stats.json" for d, s in runs for t in ROUNDS},
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T{t}.jsonl" for d, s in runs for t in ROUNDS}
        | arc["ensemble_pseudo_answers"],
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d, s in runs for t in ROUNDS}
        | arc["generation_student"],
        "generation_gold_model": {f"results/oracle/quartz/{s}/seed0/tiny-strong/metrics.json" for s in SPLITS}
        | {f"results/{kind}/quartz/easyhard/seed0/{model}/metrics.json" for kind in ("oracle", "easy") for model in ("tiny-weak", "tiny-strong")}
        | arc["generation_gold_model"],
        **reports(datasets=("quartz", "arc")),
    }
    assert_plan(jobs, expected)


@pytest.mark.parametrize("setting", ["max_new_tokens: 6", "decode: sample", "temperature: 0.5", "choice_mapping: teacher_forced"])
def test_decoding_settings_rerun_the_pseudo_labels_and_their_students(default_run, tmp_path, setting):
    """The labels come from the decoded answers: every decoding setting reaches the label jobs."""
    jobs = planned(default_run, *edit(default_run, tmp_path, f"generation:\n  models: [tiny-weak, tiny-strong]\n  {setting}\n"))
    runs = [(d, s) for d in DATASETS for s in SPLITS]
    expected = {
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T{t}.jsonl" for d, s in runs for t in ROUNDS},
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d, s in runs for t in ROUNDS},
        **reports(easy_vs_hard=False),
        **combine_ablation(),
    }
    assert_plan(jobs, expected)


def _folds(dataset):
    return {frozenset({f"results/difficulty/{dataset}/fold{k}.csv"}) for k in range(3)}


def test_difficulty_error_reruns_only_that_datasets_ratings(default_run, tmp_path):
    """datasets.<name>.difficulty_error reaches that dataset's folds alone; eval.choice_eos reaches the
    folds rated by option (sandbox_mc's), not those rated by token error (quartz's, arc's)."""
    jobs = planned(default_run, *edit(default_run, tmp_path, "datasets:\n  quartz: {difficulty_error: option}\n"))
    assert {frozenset(o for o in job if o.endswith(".csv")) for job in jobs["difficulty_fold"]} == _folds("quartz")
    assert len(jobs["split"]) == 1 and "results/splits/quartz/easyhard/seed0/test.jsonl" in next(
        iter(jobs["split"])
    )  # the random split reads no rating
    jobs = planned(default_run, *edit(default_run, tmp_path, "eval:\n  choice_eos: true\n"))
    assert {frozenset(o for o in job if o.endswith(".csv")) for job in jobs["difficulty_fold"]} == _folds("sandbox_mc")


# --------------------------------------------------------------------- operational settings
SMALL = """
datasets:
  sciq: {max_items: 60, n_test: 10, n_val: 5, epochs: 1}
  quartz: {max_items: 60, n_test: 10, n_val: 5, epochs: 1}
  arc: {max_items: 60, n_test: 10, n_val: 5, epochs: 1}
  sandbox_mc: {n_items: 200, pretrain_examples: 200, n_test: 20, n_val: 5, epochs: 1}
  sandbox_binary: {n_items: 200, n_test: 20, n_val: 5, epochs: 1}
models:
  tiny-weak: {pretrain_steps: 6}
difficulty: {n_folds: 2}
training: {checkpoint_every: 1, progress_interval: 5}
"""
SMALL_TARGET = "results/difficulty/quartz/fold0.csv"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A completed tiny run (dataset, corpus, tokenizer, a pretrained tiny model, one difficulty
    fold): every training job with checkpoints every step."""
    from conftest import copy_workflow

    workdir = copy_workflow(tmp_path_factory.mktemp("small_run"))
    (workdir / "small.yaml").write_text(SMALL)
    snakemake(SMALL_TARGET, "-c1", "--configfile", "small.yaml", cwd=workdir)
    return workdir


@pytest.mark.parametrize("edit_text", ["training: {checkpoint_every: 7}", "training: {checkpoint_every: 0}", "training: {progress_interval: 60}"])
def test_operational_settings_rerun_nothing(small_run, edit_text):
    (small_run / "edit.yaml").write_text(edit_text + "\n")
    assert planned(small_run, SMALL_TARGET, "--configfile", "small.yaml", "edit.yaml") == {}
    # control: a value that does change the model plans the fold again
    (small_run / "edit.yaml").write_text("models:\n  tiny-weak: {lr: 2.0e-3}\n")
    assert set(planned(small_run, SMALL_TARGET, "--configfile", "small.yaml", "edit.yaml")) == {"difficulty_fold"}


def test_completed_training_jobs_leave_no_checkpoint_folders(small_run):
    leftovers = [p for p in (small_run / ".checkpoints").rglob("*")] if (small_run / ".checkpoints").exists() else []
    assert leftovers == []


def test_no_rule_takes_an_operational_setting_as_params(repo):
    """The environment carries them (rules/common.smk OPERATIONAL_ENVIRONMENT); a params value
    would make every training job rerun when one is edited."""
    for path in (repo / "rules").glob("*.smk"):
        text = path.read_text()
        for key in ("checkpoint_every", "progress_interval"):
            assert f'"{key}"' not in text.replace(f'config["training"]["{key}"]', ""), f"{path.name} passes {key}"
            assert f"{key}=" not in text, f"{path.name} passes {key}"
