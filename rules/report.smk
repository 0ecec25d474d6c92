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


# SciQ classification track: Tables 1 (random split) and 2 (easy-hard), Figure 2.
SCIQ_TABLES = {"table1": "random", "table2": "easyhard"}


localrules:
    classification_table,
    classification_figure,


rule classification_table:
    input:
        lambda wc: classification_metrics_files(SCIQ_TABLES[wc.table]),
    output:
        multiext("results/tables/{table}", ".csv", ".md", ".tex", "_rounds.csv", "_rounds.md", "_rounds.tex"),
    params:
        stem=lambda wc: f"results/tables/{wc.table}",
        models=CLS_MODELS,
        caption=lambda wc: (
            f"Weak-to-strong generalization on {CLS_DATASET} ({SCIQ_TABLES[wc.table]} split) with AdaBoost ensembles "
            f"of weak classifiers; test accuracy, mean ± SEM over {len(config['seeds'])} seed(s)."
        ),
    log:
        "results/logs/tables/{table}.log",
    wildcard_constraints:
        table="|".join(SCIQ_TABLES),
    conda:
        ENV
    script:
        "../scripts/classification_table.py"


rule classification_figure:
    input:
        [f"results/tables/{table}.csv" for table in SCIQ_TABLES],
    output:
        f"figures/{CLS_DATASET}_pgr.pdf",
    params:
        splits=list(SCIQ_TABLES.values()),
        round=CLS["figure_round"],
        title=f"{CLS_DATASET}: weak-to-strong transfer, single weak model vs AdaBoost ensemble ({CLS['figure_round']} round)",
    log:
        f"results/logs/figures/{CLS_DATASET}_pgr.log",
    conda:
        ENV
    script:
        "../scripts/classification_figure.py"
