# Hub prefetch: each Hugging Face hub model and dataset a target needs is downloaded once, by a
# local job (the login node on a cluster), into one cache (HF_HOME, config key hub_cache).  Compute
# jobs run offline (rules/common.smk) and take the marker as input, so they start after it.
# Tiny models and shipped data need none of this: the default config's DAG has no prefetch job.


localrules:
    prefetch_model,
    prefetch_dataset,


rule prefetch_model:
    output:
        "results/hub/models/{model}.json",
    log:
        "results/logs/hub/models/{model}.log",
    wildcard_constraints:
        model=alternatives(HUB_MODELS),
    conda:
        ENV
    params:
        settings=job_settings(
            kind="model",
            repo=lambda wc: model_source(wc.model),  # id@revision when pinned
            trust_remote_code=model_setting(model_wildcard, "trust_remote_code"),
        ),
    script:
        "../scripts/prefetch_hub.py"


rule prefetch_dataset:
    output:
        "results/hub/datasets/{dataset}.json",
    log:
        "results/logs/hub/datasets/{dataset}.log",
    wildcard_constraints:
        dataset=alternatives([name for name, entry in config["datasets"].items() if entry["source"] == "hub"]),
    conda:
        ENV
    params:
        settings=job_settings(
            kind="dataset",
            repo=dataset_setting("hub_path"),
            hub_configs=dataset_setting("hub_configs"),
            hub_splits=dataset_setting("hub_splits"),
            revision=dataset_setting("revision"),
        ),
    script:
        "../scripts/prefetch_hub.py"
