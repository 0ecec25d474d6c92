# Strong students of the generation track: trained on ensemble pseudo-answers (weak -> strong, for
# every t), on ground truth (the oracle: hard data), and on the easy data (the easy-vs-hard table).


rule generation_student:
    input:
        unpack(ood_parts),
        **student_inputs(
            "results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.jsonl",
            "results/labels/{dataset}/{split}/seed{seed}/{weak}/T{t}.choices.csv",
        ),
    output:
        metrics="results/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}/metrics.json",
        choices="results/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}/choices.csv",
    log:
        "results/logs/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/T{t}.log",
    wildcard_constraints:
        **GEN_CONSTRAINTS,
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(strong_model),
    params:
        settings=job_settings(
            **generation_training_params(strong_model),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(strong_model),
            choice_eos=config["eval"]["choice_eos"],
            eos_unit=GENERATION.get("eos_unit"),
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/T{wc.t}",
        ),
    script:
        "../scripts/generation_student.py"


rule generation_gold_model:
    """A model fine-tuned on ground truth: `oracle` on the hard (strong-training) part, `easy` on
    the easy (weak-training) part; evaluated on test and val."""
    input:
        unpack(ood_parts),
        train=lambda wc: f"results/splits/{wc.dataset}/{wc.split}/seed{wc.seed}/{'strong_train' if wc.trained_on == 'oracle' else 'weak_train'}.jsonl",
        test=split_part("test"),
        val=split_part("val"),
        easy_test=split_part("easy_test"),
        model=lambda wc: model_inputs(wc.model),
    output:
        metrics="results/{trained_on}/{dataset}/{split}/seed{seed}/{model}/metrics.json",
        choices="results/{trained_on}/{dataset}/{split}/seed{seed}/{model}/choices.csv",
    log:
        "results/logs/{trained_on}/{dataset}/{split}/seed{seed}/{model}.log",
    wildcard_constraints:
        trained_on="oracle|easy",
        dataset=alternatives(GEN.datasets),
        model=alternatives(GEN.models),
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(model_wildcard),
    params:
        settings=job_settings(
            **generation_training_params(model_wildcard),
            seed=lambda wc: int(wc.seed),
            epochs=epochs_of(model_wildcard),
            choice_eos=config["eval"]["choice_eos"],
            eos_unit=GENERATION.get("eos_unit"),
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/{wc.trained_on}/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.model}",
        ),
    script:
        "../scripts/generation_gold_model.py"
