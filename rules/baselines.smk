# Plain ensembles as baselines (beyond the paper): would any ensemble of T weak models do as well as
# EnsemW2S-AdaBoost?  Bagging and seeds ensembles and a compute-matched single model
# (ensemw2s.baselines) reach the same labels, students and table columns as the boosted ensemble,
# through the same decoding / vote and student rules of each track; T = 1 of each is the main run's
# single weak model.  Input functions: rules/baselines_common.smk.


# ---------------------------------------------------------------------------- generation track


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
        **{key: BASELINE_CONSTRAINTS["generation"][key] for key in ("dataset", "split", "weak", "kind", "t")},
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
        **{key: BASELINE_CONSTRAINTS["generation"][key] for key in ("dataset", "split", "weak", "kind", "t")},
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
        **BASELINE_CONSTRAINTS["generation"],
    params:
        settings=rules.generation_student.params.settings.updated(
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/baselines/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/{wc.kind}/T{wc.t}",
        ),


# ------------------------------------------------------------------------ classification track
rule plain_classifier_member:
    input:
        unpack(split_parts),
        model=lambda wc: model_inputs(wc.weak),
    output:
        predictions=f"{BASELINE_EXPERT_DIR}/predictions.csv",
        stats=f"{BASELINE_EXPERT_DIR}/stats.json",
    log:
        "results/logs/baselines/experts/{dataset}/{split}/seed{seed}/{weak}/{kind}/expert{t}.log",
    wildcard_constraints:
        **{key: BASELINE_CONSTRAINTS["classification"][key] for key in ("dataset", "split", "weak", "kind", "t")},
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            **classification_training_params(weak_model),
            kind=lambda wc: wc.kind,
            t=lambda wc: int(wc.t),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(weak_model),
            checkpoint_dir=lambda wc: checkpoint_dir(baseline_expert_dir(wc, wc.kind, wc.t)),
        ),
    script:
        "../scripts/plain_classifier_member.py"


use rule classification_labels as plain_classifier_labels with:
    input:
        stats=baseline_experts("stats.json"),
        predictions=baseline_experts("predictions.csv"),
    output:
        labels="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.jsonl",
        metrics="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.metrics.json",
        predictions="results/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.predictions.csv",
    log:
        "results/logs/baselines/labels/{dataset}/{split}/seed{seed}/{weak}/{kind}/T{t}.log",
    wildcard_constraints:
        **{key: BASELINE_CONSTRAINTS["classification"][key] for key in ("dataset", "split", "weak", "kind", "t")},
    params:
        settings=rules.classification_labels.params.settings.updated(expert_weights="uniform"),


use rule classification_student as plain_classifier_student with:
    input:
        unpack(split_parts),
        labels=baseline_labels("jsonl"),
        round_stats=baseline_experts("stats.json"),
        round_predictions=baseline_experts("predictions.csv"),
        model=lambda wc: model_inputs(wc.strong),
    output:
        metrics="results/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}/metrics.json",
        predictions="results/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}/predictions.csv",
    log:
        "results/logs/baselines/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{kind}/T{t}.log",
    wildcard_constraints:
        **BASELINE_CONSTRAINTS["classification"],
    params:
        settings=rules.classification_student.params.settings.updated(
            expert_weights="uniform",
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/baselines/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/{wc.kind}/T{wc.t}",
        ),


# ---------------------------------------------------------------------------------- both tracks
localrules:
    plain_classifier_labels,
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
            category=report_track,
            subcategory="baselines",
            artifact="baselines",
            shows="boosting vs plain ensembles (table)",
            dataset="{dataset}",
        ),
    log:
        "results/logs/tables/baselines_{dataset}.log",
    wildcard_constraints:
        dataset=alternatives(BASELINE_TABLE_DATASETS),
    conda:
        ENV
    params:
        settings=job_settings(
            methods=["boosting", *BASELINES],
            track=lambda wc: track_of(wc.dataset),
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
            category=report_track,
            subcategory="baselines",
            artifact="baselines",
            shows="boosting vs plain ensembles (figure)",
            dataset="{dataset}",
        ),
    log:
        "results/logs/figures/baselines_{dataset}.log",
    wildcard_constraints:
        dataset=alternatives(BASELINE_TABLE_DATASETS),
    conda:
        ENV
    params:
        settings=job_settings(title=lambda wc: f"{wc.dataset}: boosting vs plain ensembles of T weak models"),
    script:
        "../scripts/baselines_figure.py"
