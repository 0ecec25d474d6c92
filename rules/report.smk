# Tables and figures: cheap, local, never retrain anything.


localrules:
    difficulty_histogram,


rule difficulty_histogram:
    input:
        "results/difficulty/{dataset}.csv",
    output:
        "figures/{dataset}_difficulty.pdf",
    params:
        bins=config["difficulty"]["histogram_bins"],
        rater=rater,
    log:
        "results/logs/figures/{dataset}_difficulty.log",
    conda:
        ENV
    script:
        "../scripts/plot_difficulty.py"
