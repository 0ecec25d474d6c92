"""Exact partial reruns on the completed default run: one edited config value plans exactly the jobs
that use it and their downstream, nothing else (dry-runs: the shared default run stays complete)."""

import ast
import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import planned, snakemake
from ensemw2s.splits import ID_SPLIT

pytestmark = pytest.mark.workflow

DATASETS = ("sandbox_mc", "quartz", "arc")  # the generation track of the default config
CLS_DATASETS = ("sandbox_binary", "sciq")  # the classification track
SPLITS = ("random", "easyhard")
# The datasets whose ID / OOD evaluation runs its own easy-hard variant (n_easy_test > 0): the sandbox
WITH_ID_SPLIT = ("sandbox_mc",)


def splits_of(dataset: str) -> tuple[str, ...]:
    """The splits a dataset's runs use: the main two, and the ID / OOD variant where it has one."""
    return SPLITS + ((ID_SPLIT,) if dataset in WITH_ID_SPLIT else ())


N_FOLDS = 3  # difficulty.n_folds of the default config
GEN_ROUNDS = (1, 2)  # generation.rounds
CLS_ROUNDS = (1, 2, 3)  # classification.rounds
# Appendix G.2's ablations in the default config: sandbox_mc, random split, windows 1-2, both sample errors
ABLATION_RUN = "sandbox_mc/random/seed0"
ABLATION_VARIANTS = ("token-L2", "sample-any", "sample-mean")  # trained by the ablations (token-L1: the main rounds)


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
        "metrics": {f"results/metrics/{d}/{s}.csv" for d in datasets for s in splits_of(d)},
        "gain_intervals": {f"results/metrics/{d}/{s}.intervals.csv" for d in datasets for s in SPLITS},  # the main tables' splits
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


BASELINE_KINDS = ("bagging", "seeds", "compute")  # ablations.baselines of the default config, on ABLATION_RUN


# Each track's baselines (ablations.datasets, random split): dataset, weak model, pair and rule prefix
BASELINE_RUNS = {
    "generation": ("sandbox_mc", "tiny-weak", "tiny-weak_to_tiny-strong", "plain_ensemble"),
    "classification": ("sandbox_binary", "tiny-cls-weak", "tiny-cls-weak_to_tiny-cls-strong", "plain_classifier"),
}


def baselines(rounds=(2,), members=False, labels=True, track="generation") -> dict[str, set[str]]:
    """The plain-ensemble baselines' jobs of ``rounds`` (T = 1 is the main run's) of a track and their table and figure."""
    dataset, weak, pair, rule = BASELINE_RUNS[track]
    run = f"{dataset}/random/seed0"
    expected = {
        f"{rule}_student": {f"results/baselines/students/{run}/{pair}/{k}/T{t}/metrics.json" for k in BASELINE_KINDS for t in rounds},
        "baselines_table": {f"results/tables/baselines_{dataset}.csv"},
        "baselines_figure": {f"figures/baselines_{dataset}.pdf"},
    }
    if labels:
        expected[f"{rule}_labels"] = {f"results/baselines/labels/{run}/{weak}/{k}/T{t}.jsonl" for k in BASELINE_KINDS for t in rounds}
    if members:
        expected[f"{rule}_member"] = {f"results/baselines/experts/{run}/{weak}/{k}/expert{t}/stats.json" for k in BASELINE_KINDS for t in rounds}
    return expected


def combine_ablation(rounds=(2,), labels=True) -> dict[str, set[str]]:
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
        "ensemble_pseudo_answers": {f"results/labels/arc/{s}/seed0/tiny-weak/T{t}.jsonl" for s in SPLITS for t in GEN_ROUNDS},
        "generation_student": {f"results/students/arc/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for s in SPLITS for t in GEN_ROUNDS},
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
            f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d in DATASETS for s in splits_of(d) for t in GEN_ROUNDS
        },
        "generation_gold_model": {f"results/oracle/{d}/{s}/seed0/tiny-strong/metrics.json" for d in DATASETS for s in splits_of(d)}
        | {f"results/easy/{d}/{s}/seed0/tiny-strong/metrics.json" for d in DATASETS for s in splits_of(d) if s != "random"},
        **reports(),
        **combine_ablation(labels=False),
        **baselines(labels=False),
    }
    assert_plan(jobs, expected)


def test_classification_student_learning_rate_reruns_only_that_tracks_students(default_run, tmp_path):
    """tiny-cls-strong is the classification track's strong model and sandbox_binary's difficulty
    rater: its lr reruns that track's students and oracles, and sandbox_binary's ratings, its
    easy-hard split and everything trained on that split; nothing of the generation track."""
    jobs = planned(default_run, *edit(default_run, tmp_path, "models:\n  tiny-cls-strong: {lr: 2.0e-3}\n"))
    rated = [f"sandbox_binary/{s}/seed0/tiny-cls-weak" for s in splits_of("sandbox_binary") if s != "random"]
    expected = {
        "difficulty_fold": {f"results/difficulty/sandbox_binary/fold{k}.csv" for k in range(N_FOLDS)},
        "difficulty": {"results/difficulty/sandbox_binary.csv"},
        "difficulty_histogram": {"figures/sandbox_binary_difficulty.pdf"},
        "split": {f"results/splits/sandbox_binary/{s}/seed0/test.jsonl" for s in splits_of("sandbox_binary") if s != "random"},
        "classification_round": {f"results/weak/{r}/round{t}/stats.json" for r in rated for t in CLS_ROUNDS},
        "classification_labels": {f"results/labels/{r}/T{t}.jsonl" for r in rated for t in CLS_ROUNDS},
        "classification_student": {
            f"results/students/{d}/{s}/seed0/tiny-cls-weak_to_tiny-cls-strong/T{t}/metrics.json"
            for d in CLS_DATASETS
            for s in splits_of(d)
            for t in CLS_ROUNDS
        },
        "classification_oracle": {f"results/oracle/{d}/{s}/seed0/tiny-cls-strong/metrics.json" for d in CLS_DATASETS for s in splits_of(d)},
        "metrics": {f"results/metrics/{d}/{s}.csv" for d in CLS_DATASETS for s in splits_of(d)},
        "gain_intervals": {f"results/metrics/{d}/{s}.intervals.csv" for d in CLS_DATASETS for s in SPLITS},
        "classification_table": {
            "results/tables/table1.csv",
            "results/tables/table2.csv",
            "results/tables/sandbox_binary_random.csv",
            "results/tables/sandbox_binary_easyhard.csv",
        },
        "pgr_figure": {f"figures/{d}_pgr.pdf" for d in CLS_DATASETS},
        **POOLED,
        **baselines(rounds=(2, 3), labels=False, track="classification"),
    }
    assert_plan(jobs, expected)


def test_plot_setting_reruns_only_that_plot(default_run, tmp_path):
    jobs = planned(default_run, *edit(default_run, tmp_path, "generation:\n  models: [tiny-weak, tiny-strong]\n  figure_measure: token\n"))
    assert_plan(jobs, {"pgr_figure": {f"figures/{d}_pgr.pdf" for d in DATASETS}})


def test_one_more_round_runs_only_the_new_round_and_its_consumers(default_run, tmp_path):
    jobs = planned(default_run, *edit(default_run, tmp_path, "generation:\n  models: [tiny-weak, tiny-strong]\n  rounds: 3\n"))
    runs = [(d, s) for d in DATASETS for s in splits_of(d)]
    expected = {
        "token_boosting_round": {f"results/weak/{d}/{s}/seed0/tiny-weak/round3/stats.json" for d, s in runs},
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T3.jsonl" for d, s in runs},
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T3/metrics.json" for d, s in runs},
        **reports(easy_vs_hard=False),  # the easy-vs-hard table uses no boosting round
        **combine_ablation(rounds=(3,)),
        **baselines(rounds=(3,), members=True),
        "ablation_boosting_round": {f"results/ablations/boosting/{ABLATION_RUN}/tiny-weak/{v}/round3/stats.json" for v in ABLATION_VARIANTS},
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
        "token_boosting_round": {f"results/weak/{d}/{s}/seed0/tiny-weak/round{t}/stats.json" for d, s in runs for t in GEN_ROUNDS},
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T{t}.jsonl" for d, s in runs for t in GEN_ROUNDS}
        | arc["ensemble_pseudo_answers"],
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d, s in runs for t in GEN_ROUNDS}
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
    runs = [(d, s) for d in DATASETS for s in splits_of(d)]
    expected = {
        "ensemble_pseudo_answers": {f"results/labels/{d}/{s}/seed0/tiny-weak/T{t}.jsonl" for d, s in runs for t in GEN_ROUNDS},
        "generation_student": {f"results/students/{d}/{s}/seed0/tiny-weak_to_tiny-strong/T{t}/metrics.json" for d, s in runs for t in GEN_ROUNDS},
        **reports(easy_vs_hard=False),
        **combine_ablation(),
        **baselines(),
    }
    assert_plan(jobs, expected)


def _folds(dataset):
    return {frozenset({f"results/difficulty/{dataset}/fold{k}.csv"}) for k in range(N_FOLDS)}


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


# ------------------------------------------------------------------ every value, every rule
# Snakemake decides "params changed" by comparing the set of repr'd params values it recorded for an
# output (.snakemake/metadata) with the job's values now (persistence.params_changed).  Editing a
# record is therefore the same, to Snakemake, as editing the config value behind it, which lets one
# dry-run test an edit of every value of every rule of the default DAG at once.


def output_records(workdir: Path) -> dict[str, tuple[Path, dict]]:
    """Each output's Snakemake record: {output path: (record file, record)}.  The record's file name
    is the output path, urlsafe-base64 encoded (split into folders where it is longer than a name may be)."""
    root = workdir / ".snakemake/metadata"
    records = {}
    for file in root.rglob("*"):
        if file.is_file():
            path = base64.urlsafe_b64decode("".join(file.relative_to(root).parts)).decode()
            if (workdir / path).exists():  # a record outlives an output no rule writes any more
                records[path] = (file, json.loads(file.read_text()))
    return records


class Job:
    """One job of the run, from its outputs' records: rule, outputs, the record edited (its first output)."""

    def __init__(self, rule: str, outputs: list[str], file: Path, record: dict):
        self.rule, self.outputs, self.file, self.record = rule, outputs, file, record
        self.upstream: set[Job] = set()


def run_jobs(records) -> list[Job]:
    """The run's jobs, each knowing the jobs upstream of it (through its records' inputs)."""
    grouped: dict[tuple, list[str]] = {}
    for path, (_, record) in sorted(records.items()):
        grouped.setdefault((record["rule"], record["job_hash"], record["endtime"]), []).append(path)
    jobs = [Job(key[0], paths, *records[paths[0]]) for key, paths in grouped.items()]
    producer = {path: job for job in jobs for path in job.outputs}
    direct = {job: {producer[p] for p in job.record["input"] if p in producer} for job in jobs}

    def upstream(job: Job) -> set[Job]:
        if not job.upstream:
            for parent in direct[job]:
                job.upstream |= {parent} | upstream(parent)
        return job.upstream

    for job in jobs:
        upstream(job)
    return jobs


def named_settings(job: Job) -> dict:
    """The one named settings dict a job's record holds (empty for a rule without params)."""
    values = job.record["params"]
    assert len(values) <= 1, (
        f"rule {job.rule}: {len(values)} params values recorded {values}: Snakemake keeps them as a set without names, so equal "
        "values hide each other's edits; pass one `settings=job_settings(...)` (rules/common.smk)"
    )
    settings = ast.literal_eval(values[0]) if values else {}
    assert isinstance(settings, dict), f"rule {job.rule}: its params value is not a dict of named settings: {values[0]}"
    return settings


def edited_before(settings: dict, key: str) -> dict | None:
    """The record as it was before an edit of ``key`` that made it equal to another value of the job."""
    other = next((value for name, value in settings.items() if name != key and value != settings[key]), None)
    return None if other is None else {**settings, key: other}


def swapped_before(settings: dict) -> dict | None:
    """The record as it was before an edit that swapped two of the job's (different) values."""
    names = list(settings)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if settings[a] != settings[b]:
                return {**settings, a: settings[b], b: settings[a]}
    return None


def packed(edits: list[tuple[Job, dict]]) -> list[dict[Job, dict]]:
    """The edits grouped into dry-runs where no edited job is upstream of another: a job below an
    edited one is planned for its updated input, and Snakemake then reports no other reason."""
    runs: list[dict[Job, dict]] = []
    for job, before in edits:
        for run in runs:
            if job not in run and not any(job in other.upstream or other in job.upstream for other in run):
                run[job] = before
                break
        else:
            runs.append({job: before})
    return runs


def dry_run_reasons(workdir: Path) -> dict[str, str]:
    """{output path: the reason line of the planned job that writes it} of ``snakemake -n`` (rule
    ``all``'s block, which has no output, names none)."""
    reasons, outputs = {}, []
    for line in snakemake("-n", cwd=workdir).stdout.splitlines():
        if re.match(r"^(local)?rule \S+:$", line):
            outputs = []
        elif line.startswith("    output: "):
            outputs = line[len("    output: ") :].split(", ")
        elif line.startswith("    reason: "):
            reasons.update(dict.fromkeys(outputs, line[len("    reason: ") :]))
    return reasons


def not_replanned_for_params(workdir: Path, run: dict[Job, dict]) -> list[str]:
    """Write each job's settings-before-the-edit into its record, dry-run, restore: the jobs that
    Snakemake does not plan for changed params."""
    originals = {job.file: job.file.read_text() for job in run}
    try:
        for job, before in run.items():
            job.file.write_text(json.dumps({**job.record, "params": [repr(before)]}))
        reasons = dry_run_reasons(workdir)
    finally:
        for file, text in originals.items():
            file.write_text(text)
    return [
        f"{job.rule} {job.outputs[0]}: {reasons.get(job.outputs[0], 'not planned')}"
        for job in run
        if "Params have changed" not in reasons.get(job.outputs[0], "")
    ]


def test_every_value_of_every_rule_is_recorded_by_name_and_any_edit_of_it_replans_the_job(default_run):
    """Table-driven over the rules of the default run: for every value a job uses, an edit that makes
    it equal to another value of the same job, and one that swaps two values, are seen by
    ``snakemake -n`` as changed params.  A rule's edits are spread over its jobs."""
    by_rule: dict[str, list[Job]] = {}
    for job in run_jobs(output_records(default_run)):
        by_rule.setdefault(job.rule, []).append(job)
    assert {"difficulty_fold", "split", "token_boosting_round", "classification_round", "generation_student"} <= set(by_rule)
    edits = []
    for jobs in by_rule.values():
        for i, key in enumerate(named_settings(jobs[0])):
            job = jobs[i % len(jobs)]
            before = edited_before(named_settings(job), key)
            if before is not None:
                edits.append((job, before))
        before = swapped_before(named_settings(jobs[-1]))
        if before is not None:
            edits.append((jobs[-1], before))
    assert len(edits) > 200, len(edits)
    missed = [line for run in packed(edits) for line in not_replanned_for_params(default_run, run)]
    assert not missed, "edits not seen by snakemake -n:\n" + "\n".join(missed)
    assert planned(default_run) == {}  # the run is left complete


def test_an_edit_equal_to_another_value_of_the_job_replans_it(default_run, tmp_path):
    """The two edits that Snakemake's unnamed params set missed: tiny-weak's epochs 2 -> 3 (fold 2 of a
    3-fold rating had {fold: 2, epochs: 2, n_folds: 3} = {2, 3} before and after) and sciq's n_val
    10 -> 40 (the easy-hard split's n_test is 40)."""
    jobs = planned(default_run, *edit(default_run, tmp_path, "models:\n  tiny-weak: {epochs: 3}\n"))
    folds = {f"results/difficulty/{d}/fold{k}.csv" for d in DATASETS for k in range(N_FOLDS)}
    assert folds <= set().union(*jobs["difficulty_fold"]), sorted(folds - set().union(*jobs["difficulty_fold"]))
    jobs = planned(default_run, *edit(default_run, tmp_path, "datasets:\n  sciq: {n_val: 40}\n"))
    assert {frozenset(split_files_of("sciq", split)) for split in SPLITS} <= jobs["split"]


def split_files_of(dataset: str, split: str) -> list[str]:
    return [f"results/splits/{dataset}/{split}/seed0/{part}.jsonl" for part in ("weak_train", "strong_train", "val", "test", "easy_test")]


def test_a_truncated_label_file_fails_the_jobs_that_read_it_naming_it_and_the_next_run_plans_them(default_run, tmp_path):
    """Half of a T-1 label file cut (whole lines), then a run: the jobs that read it (its students, and
    the T label job that reuses it where round T adds no vote) fail naming it, and the next dry-run
    plans them and the tables again: never "nothing to be done" over outputs that no longer exist."""
    work = tmp_path / "run"
    shutil.copytree(default_run, work, symlinks=True)
    labels = work / "results/labels/sandbox_mc/random/seed0/tiny-weak"
    reusing = [t for t in GEN_ROUNDS[1:] if "same_ensemble_as_t" in json.loads((labels / f"T{t}.metrics.json").read_text())]
    source = f"T{reusing[0] - 1 if reusing else 2}.jsonl"
    lines = (labels / source).read_text().splitlines(keepends=True)
    (labels / source).write_text("".join(lines[: len(lines) // 2]))

    result = snakemake("-c2", cwd=work, check=False)
    assert result.returncode != 0
    failed_logs = re.findall(r"Error in rule \S+:\n(?:    .*\n)*?    log: (results/logs/\S+\.log)", result.stdout + result.stderr)
    assert failed_logs, result.stderr[-3000:]
    for log in failed_logs:
        text = (work / log).read_text()
        assert f"labels/sandbox_mc/random/seed0/tiny-weak/{source}" in text and "rows for the" in text, (log, text[-2000:])

    jobs = planned(work)
    assert "metrics" in jobs and "generation_student" in jobs, sorted(jobs)
    assert any("results/metrics/sandbox_mc/random.csv" in job for job in jobs["metrics"])
