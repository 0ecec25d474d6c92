# Random (Burns et al.) and easy-hard splits per dataset and seed, and the easy-hard variant
# ID_SPLIT (easy_test held out of weak training) of the ID / OOD artifact (rules/common.smk).


rule split:
    input:
        data=dataset_file,
        difficulty=lambda wc: [f"results/difficulty/{wc.dataset}.csv"] if wc.split != "random" else [],
    output:
        **{part: f"results/splits/{{dataset}}/{{split}}/seed{{seed}}/{part}.jsonl" for part in SPLIT_PARTS},
    log:
        "results/logs/splits/{dataset}/{split}/seed{seed}.log",
    conda:
        ENV
    params:
        settings=job_settings(
            kind=lambda wc: wc.split,
            seed=lambda wc: int(wc.seed),
            n_test=dataset_setting("n_test"),
            n_val=dataset_setting("n_val"),
            n_easy_test=lambda wc: config["datasets"][wc.dataset]["n_easy_test"] if wc.split == ID_SPLIT else 0,
            tie_break=lambda wc: config["difficulty"]["tie_break"] if wc.split != "random" else "none",
        ),
    script:
        "../scripts/make_split.py"
