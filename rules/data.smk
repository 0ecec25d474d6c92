# Datasets -> one normalised JSONL each; the label-free corpus for tokenizer and tiny-model pretraining.


rule dataset:
    input:
        local_dataset_files,
    output:
        "results/data/{dataset}.jsonl",
    log:
        "results/logs/data/{dataset}.log",
    conda:
        ENV
    params:
        settings=job_settings(
            dataset=lambda wc: wc.dataset,
            source=dataset_setting("source"),
            local_files=dataset_setting("local_files"),
            hub_path=dataset_setting("hub_path"),
            hub_configs=dataset_setting("hub_configs"),
            hub_splits=dataset_setting("hub_splits"),
            hub_revision=dataset_setting("revision"),
            fields=dataset_fields,
            max_items=dataset_setting("max_items"),
            seed=dataset_setting("seed"),
            task=dataset_setting("task"),
            n_items=dataset_setting("n_items"),
            min_digits=dataset_setting("min_digits"),
            max_digits=dataset_setting("max_digits"),
            n_choices=dataset_setting("n_choices"),
            no_carry_share=dataset_setting("no_carry_share"),
            operation=dataset_setting("operation"),
            min_operands=dataset_setting("min_operands"),
            max_operands=dataset_setting("max_operands"),
        ),
    script:
        "../scripts/prepare_dataset.py"


rule worked_examples:
    input:
        dataset_file,
    output:
        "results/corpus/{dataset}.worked.txt",
    log:
        "results/logs/corpus/{dataset}.worked.log",
    conda:
        ENV
    params:
        settings=job_settings(
            n_examples=dataset_setting("pretrain_examples"),
            operand_weights=dataset_setting("pretrain_operand_weights"),
            min_operands=dataset_setting("min_operands"),
            min_digits=dataset_setting("min_digits"),
            max_digits=dataset_setting("max_digits"),
            seed=dataset_setting("seed"),
        ),
    script:
        "../scripts/worked_examples.py"


rule judged_comparisons:
    input:
        dataset_file,
    output:
        "results/corpus/{dataset}.judged.txt",
    log:
        "results/logs/corpus/{dataset}.judged.log",
    conda:
        ENV
    params:
        settings=job_settings(
            min_digits=dataset_setting("min_digits"),
            max_digits=dataset_setting("max_digits"),
            seed=dataset_setting("seed"),
        ),
    script:
        "../scripts/judged_comparisons.py"


rule corpus:
    input:
        records=expand("results/data/{dataset}.jsonl", dataset=DATASETS),
        worked=expand("results/corpus/{dataset}.worked.txt", dataset=WORKED_EXAMPLE_DATASETS),
    output:
        "results/corpus/pretrain.txt",
    log:
        "results/logs/corpus.log",
    conda:
        ENV
    script:
        "../scripts/build_corpus.py"
