# Tokenizers (trained BPE or shipped files) and tiny models built from the registry.


rule tokenizer:
    input:
        lambda wc: corpus_files(config["tokenizers"][wc.tokenizer]["corpus"]) if "vocab_size" in config["tokenizers"][wc.tokenizer] else [],
    output:
        directory("results/tokenizers/{tokenizer}"),
    log:
        "results/logs/tokenizers/{tokenizer}.log",
    conda:
        ENV
    params:
        settings=job_settings(
            vocab_size=lambda wc: config["tokenizers"][wc.tokenizer].get("vocab_size", 0),
            split_digits=lambda wc: config["tokenizers"][wc.tokenizer]["split_digits"],
            path=lambda wc: config["tokenizers"][wc.tokenizer].get("path", ""),
        ),
    script:
        "../scripts/prepare_tokenizer.py"


rule tiny_model:
    input:
        tokenizer=lambda wc: f"results/tokenizers/{MODELS[wc.model]['tokenizer']}",
        corpus=lambda wc: corpus_files(MODELS[wc.model]["pretrain_corpus"]),
    output:
        directory("results/models/{model}"),
    log:
        "results/logs/models/{model}.log",
    wildcard_constraints:
        model="|".join(TINY_MODELS) if TINY_MODELS else "(?!)",
    conda:
        ENV
    threads: 1  # a tiny model gains little from a second thread; two jobs at once use both cores better
    params:
        settings=job_settings(
            family=model_setting(model_wildcard, "family"),
            hidden_size=model_setting(model_wildcard, "hidden_size"),
            num_layers=model_setting(model_wildcard, "num_layers"),
            num_heads=model_setting(model_wildcard, "num_heads"),
            intermediate_size=model_setting(model_wildcard, "intermediate_size"),
            init_seed=model_setting(model_wildcard, "init_seed"),
            pretrain_steps=model_setting(model_wildcard, "pretrain_steps"),
            pretrain_lr=model_setting(model_wildcard, "pretrain_lr"),
            pretrain_batch_size=model_setting(model_wildcard, "pretrain_batch_size"),
            pretrain_seq_len=model_setting(model_wildcard, "pretrain_seq_len"),
            max_length=config["training"]["max_length"],
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/models/{wc.model}",
        ),
    script:
        "../scripts/build_tiny_model.py"
