# SciQ classification track (paper Sec. 3.1, App. F, Algorithm 2): boosting rounds of weak
# classifiers, their alpha-weighted votes as pseudo-labels, weak-to-strong students, oracles and
# per-seed metrics.  Round t reads round t-1's stats (D_t); every round exists whether or not it
# is accepted, so the DAG never depends on results.
localrules:
    classification_labels,


rule classification_round:
    input:
        unpack(split_parts),
        model=lambda wc: model_inputs(wc.weak),
        previous=previous_round,
    output:
        **({"expert": directory(f"{ROUND_DIR}/model")} if CLASSIFICATION["save_experts"] else {}),
        predictions=f"{ROUND_DIR}/predictions.csv",
        stats=f"{ROUND_DIR}/stats.json",
    log:
        "results/logs/weak/{dataset}/{split}/seed{seed}/{weak}/round{t}.log",
    wildcard_constraints:
        **CLS_CONSTRAINTS,
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            **({"save_dtype": config["training"]["save_dtype"]} if CLASSIFICATION["save_experts"] else {}),
            **classification_training_params(weak_model),
            t=lambda wc: int(wc.t),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(weak_model),
            # round 1 is the single-weak baseline: all weak-training data, uniformly
            weighting=lambda wc: "uniform" if int(wc.t) == 1 else CLASSIFICATION["weighting"],
            # what follows a rejected round (rounds >= 2 only): break = every later round is stopped; continue = train on;
            # retry = train the round again with another seed, at most max_retries times, then as break
            on_reject=lambda wc: CLASSIFICATION["on_reject"] if int(wc.t) > 1 else "none",
            max_retries=lambda wc: CLASSIFICATION["max_retries"] if int(wc.t) > 1 and CLASSIFICATION["on_reject"] == "retry" else NOT_PASSED,
            checkpoint_dir=lambda wc: checkpoint_dir(round_dir(wc, wc.t)),
        ),
    script:
        "../scripts/classification_round.py"


rule classification_labels:
    input:
        stats=lambda wc: round_files(wc, "stats.json", range(1, int(wc.t) + 1)),
        predictions=lambda wc: round_files(wc, "predictions.csv", range(1, int(wc.t) + 1)),
    output:
        labels="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.jsonl",
        metrics="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.metrics.json",
        predictions="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.predictions.csv",
    log:
        "results/logs/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.log",
    wildcard_constraints:
        **CLS_CONSTRAINTS,
    conda:
        ENV
    params:
        settings=job_settings(
            vote=CLASSIFICATION["combine"],  # the job setting keeps its name: renaming the config key reruns nothing
            expert_weights="alpha",  # plain-ensemble baselines: uniform (rules/baselines.smk)
        ),
    script:
        "../scripts/classification_labels.py"


rule classification_student:
    input:
        unpack(split_parts),
        labels="results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.jsonl",
        # the experts whose vote the labels are: their vote on the evaluation parts is the
        # supervisor the student's agreement is measured against
        round_stats=lambda wc: round_files(wc, "stats.json", range(1, int(wc.t) + 1)),
        round_predictions=lambda wc: round_files(wc, "predictions.csv", range(1, int(wc.t) + 1)),
        model=lambda wc: model_inputs(wc.strong),
    output:
        metrics="results/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}/metrics.json",
        predictions="results/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}/predictions.csv",
    log:
        "results/logs/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}.log",
    wildcard_constraints:
        **CLS_CONSTRAINTS,
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(strong_model),
    params:
        settings=job_settings(
            **classification_training_params(strong_model),
            # every student of a (split, seed) shares one seed: the pseudo-labels are the only difference
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(strong_model),
            loss=CLASSIFICATION["student_loss"],
            vote=CLASSIFICATION["combine"],  # the job setting keeps its name: renaming the config key reruns nothing
            expert_weights="alpha",  # the supervisor's vote, as its labels' (rules/baselines.smk: uniform)
            aux_coef=CLASSIFICATION["logconf_aux_coef"],
            warmup_frac=CLASSIFICATION["logconf_warmup_frac"],
            logconf_threshold=CLASSIFICATION["logconf_threshold"],
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/T{wc.t}",
        ),
    script:
        "../scripts/classification_student.py"


rule classification_oracle:
    input:
        unpack(split_parts),
        model=lambda wc: model_inputs(wc.model),
    output:
        metrics="results/oracle/{dataset}/{split}/seed{seed}/{model}/metrics.json",
        predictions="results/oracle/{dataset}/{split}/seed{seed}/{model}/predictions.csv",
    log:
        "results/logs/oracle/{dataset}/{split}/seed{seed}/{model}.log",
    wildcard_constraints:
        dataset=CLS_CONSTRAINTS["dataset"],
        model=CLS_CONSTRAINTS["strong"],
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(model_wildcard),
    params:
        settings=job_settings(
            **classification_training_params(model_wildcard),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(model_wildcard),
            loss="xent",  # ground-truth labels: plain cross-entropy
            aux_coef=CLASSIFICATION["logconf_aux_coef"],
            warmup_frac=CLASSIFICATION["logconf_warmup_frac"],
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/oracle/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.model}",
        ),
    script:
        "../scripts/classification_student.py"
