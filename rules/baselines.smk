# Plain ensembles as baselines (beyond the paper): would any ensemble of T weak models do as well as
# EnsemW2S-AdaBoost?  Bagging and seeds ensembles and a compute-matched single model
# (ensemw2s.baselines) reach the same labels, students and table columns as the boosted ensemble,
# through the same decoding and student rules; T = 1 of each is the main run's single weak model.


rule plain_ensemble_member:
    input:
        easy=split_part("weak_train"),
        model=lambda wc: model_inputs(wc.weak),
    output:
        model=directory(f"{BASELINE_EXPERT_DIR}/model"),
        stats=f"{BASELINE_EXPERT_DIR}/stats.json",
    log:
        "results/logs/baselines/experts/{dataset}/{split}/seed{seed}/{weak}/{kind}/expert{t}.log",
    wildcard_constraints:
        **{key: BASELINE_CONSTRAINTS[key] for key in ("dataset", "split", "weak", "kind", "t")},
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            **generation_training_params(weak_model),
            kind=lambda wc: wc.kind,
            t=lambda wc: int(wc.t),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(weak_model),
            save_dtype=config["training"]["save_dtype"],
            checkpoint_dir=lambda wc: checkpoint_dir(baseline_expert_dir(wc, wc.kind, wc.t)),
        ),
    script:
        "../scripts/plain_ensemble_member.py"


use rule ensemble_pseudo_answers as plain_ensemble_labels with:
    input:
        unpack(ood_parts),
        hard=split_part("strong_train"),
        test=split_part("test"),
        val=split_part("val"),
        easy_test=split_part("easy_test"),
        stats=baseline_experts("stats.json"),
        experts=baseline_experts("model"),
    output:
        labels="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.jsonl",
        metrics="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.metrics.json",
        choices="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.choices.csv",
    log:
        "results/logs/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.log",
    wildcard_constraints:
        **{key: BASELINE_CONSTRAINTS[key] for key in ("dataset", "split", "weak", "kind", "t")},
    params:
        settings=rules.ensemble_pseudo_answers.params.settings.updated(expert_weights="uniform"),


use rule generation_student as plain_ensemble_student with:
    input:
        unpack(ood_parts),
        **student_inputs(baseline_labels("jsonl"), baseline_labels("choices.csv")),
    output:
        metrics="results/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}/metrics.json",
        choices="results/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}/choices.csv",
    log:
        "results/logs/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}.log",
    wildcard_constraints:
        **BASELINE_CONSTRAINTS,
    params:
        settings=rules.generation_student.params.settings.updated(
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/baselines/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/{wc.kind}/T{wc.t}",
        ),


localrules:
    baselines_table,
    baselines_figure,


rule baselines_table:
    """Per T: the single weak model, the compute-matched model, the seeds and bagging ensembles and
    EnsemW2S-AdaBoost, each with its student, PGR, and bootstrap intervals of the gains."""
    input:
        unpack(baseline_results),
    output:
        *reported_files(
            "results/tables/baselines_{dataset}",
            TABLE_SUFFIXES,
            caption="../report/baselines.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="baselines",
            artifact="baselines",
            shows="boosting vs plain ensembles (table)",
            dataset="{dataset}",
        ),
    log:
        "results/logs/tables/baselines_{dataset}.log",
    wildcard_constraints:
        dataset=BASELINE_CONSTRAINTS["dataset"],
    conda:
        ENV
    params:
        settings=job_settings(
            methods=["boosting", *BASELINES],
            bootstrap_resamples=config["eval"]["bootstrap_resamples"],
            caption=lambda wc: (
                f"Plain ensembles as baselines on {wc.dataset}: weak ensemble and student test accuracy per T (mean ± SEM over "
                f"{len(config['seeds'])} seed(s)); gains over the single weak model (T = 1) with 95 % paired-bootstrap intervals over test items."
            ),
        ),
    script:
        "../scripts/baselines_table.py"


rule baselines_figure:
    input:
        "results/tables/baselines_{dataset}.csv",
    output:
        *reported_files(
            "figures/baselines_{dataset}",
            FIGURE_SUFFIXES,
            caption="../report/baselines.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="baselines",
            artifact="baselines",
            shows="boosting vs plain ensembles (figure)",
            dataset="{dataset}",
        ),
    log:
        "results/logs/figures/baselines_{dataset}.log",
    wildcard_constraints:
        dataset=BASELINE_CONSTRAINTS["dataset"],
    conda:
        ENV
    params:
        settings=job_settings(title=lambda wc: f"{wc.dataset}: boosting vs plain ensembles of T weak models"),
    script:
        "../scripts/baselines_figure.py"
