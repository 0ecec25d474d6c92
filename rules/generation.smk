# EnsemW2S-AdaBoost (paper Algorithm 1): token-level boosting rounds of each weak model on the easy
# (weak-training) part, then ensemble pseudo-answers for the hard questions with the first t experts.


rule token_boosting_round:
    input:
        easy=split_part("weak_train"),
        model=lambda wc: model_inputs(wc.weak),
        previous=lambda wc: [f"{round_dir(wc, int(wc.t) - 1)}/stats.json"] if int(wc.t) > 1 else [],
    output:
        model=directory(f"{ROUND_DIR}/model"),
        stats=f"{ROUND_DIR}/stats.json",
    log:
        "results/logs/weak/{dataset}/{split}/seed{seed}/{weak}/round{t}.log",
    wildcard_constraints:
        **GEN_CONSTRAINTS,
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            **generation_training_params(weak_model),
            t=lambda wc: int(wc.t),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(weak_model),
            on_reject=GENERATION.get("on_reject"),
            round1=GENERATION.get("round1"),
            eos_unit=GENERATION.get("eos_unit"),
            unit=GENERATION.get("unit"),
            window=GENERATION.get("window"),
            sample_error=GENERATION.get("sample_error"),
            draw_weight=GENERATION.get("draw_weight"),
            checkpoint_dir=lambda wc: checkpoint_dir(round_dir(wc, wc.t)),
            save_dtype=config["training"]["save_dtype"],
        ),
    script:
        "../scripts/token_boosting_round.py"


rule ensemble_pseudo_answers:
    input:
        unpack(ood_parts),
        unpack(previous_ensemble),
        hard=split_part("strong_train"),
        test=split_part("test"),
        val=split_part("val"),
        easy_test=split_part("easy_test"),
        stats=lambda wc: [f"{round_dir(wc, s)}/stats.json" for s in range(1, int(wc.t) + 1)],
        experts=lambda wc: [f"{round_dir(wc, s)}/model" for s in range(1, int(wc.t) + 1)],
    output:
        labels="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.jsonl",
        metrics="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.metrics.json",
        choices="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.choices.csv",
    log:
        "results/logs/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.log",
    wildcard_constraints:
        **GEN_CONSTRAINTS,
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            max_new_tokens=GENERATION.get("max_new_tokens"),
            combine=GENERATION.get("combine"),
            expert_weights="alpha",  # plain-ensemble baselines: uniform (rules/baselines.smk)
            decode=GENERATION.get("decode"),
            temperature=GENERATION.get("temperature"),
            choice_nll=GENERATION.get("choice_nll"),
            choice_mapping=GENERATION.get("choice_mapping"),
            choice_eos=config["eval"]["choice_eos"],
            eos_unit=GENERATION.get("eos_unit"),
            seed=lambda wc: int(wc.seed),
            max_length=config["training"]["max_length"],
            eval_batch_size=config["training"]["eval_batch_size"],
            mixed_precision=config["training"]["mixed_precision"],
        ),
    script:
        "../scripts/ensemble_pseudo_answers.py"
