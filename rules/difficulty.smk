# Difficulty ratings (paper Appendix E): one job per cross-validation fold, then a merge.


rule difficulty_fold:
    input:
        data=dataset_file,
        model=lambda wc: model_inputs(rater(wc)),
    output:
        "results/difficulty/{dataset}/fold{fold}.csv",
    log:
        "results/logs/difficulty/{dataset}/fold{fold}.log",
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(rater),
    params:
        settings=job_settings(
            # the rater trains as its dataset's track does (App. G.1)
            **rater_training_params(rater),
            task=dataset_setting("task"),
            fold=lambda wc: int(wc.fold),
            n_folds=config["difficulty"]["n_folds"],
            seed=config["difficulty"]["seed"],
            epochs=epochs_of(rater),
            # each setting only where it matters (a SciQ fold does not rerun on an edit of another)
            eos_unit=lambda wc: config["datasets"][wc.dataset]["task"] == "generation" and GENERATION.get("eos_unit", False),
            error=generation_difficulty_error,
            choice_eos=lambda wc: generation_difficulty_error(wc) == "option" and config["eval"]["choice_eos"],
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/difficulty/{wc.dataset}/fold{wc.fold}",
        ),
    script:
        "../scripts/rate_difficulty_fold.py"


rule difficulty:
    input:
        data=dataset_file,
        folds=expand("results/difficulty/{{dataset}}/fold{fold}.csv", fold=range(config["difficulty"]["n_folds"])),
    output:
        table="results/difficulty/{dataset}.csv",
        summary="results/difficulty/{dataset}.json",
    log:
        "results/logs/difficulty/{dataset}.log",
    conda:
        ENV
    script:
        "../scripts/merge_difficulty.py"
