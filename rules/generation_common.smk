# Config look-ups and input functions of the generation track (rules/generation.smk,
# rules/students.smk, rules/report.smk), the twin of rules/classification_common.smk.

GEN_CONSTRAINTS = dict(
    dataset=alternatives(GEN.datasets),
    weak=alternatives(GEN.weak),
    strong=alternatives(GEN.strong),
    t=r"\d+",
)
# Paper table numbers: (random, easy-hard, one-run improvements) per dataset; other datasets (the
# sandbox) get tables named after themselves.
GEN_TABLE_NUMBERS = {"quartz": (3, 4, 5), "arc": (6, 7, 8)}
GEN_TABLE_KINDS = ("random", "easyhard", "one_run")


def generation_tables(dataset):
    """{kind: (stem, title)} of a dataset's generation tables."""
    if dataset in GEN_TABLE_NUMBERS:
        return {kind: (f"results/tables/table{n}", f"Table {n}") for kind, n in zip(GEN_TABLE_KINDS, GEN_TABLE_NUMBERS[dataset])}
    return {kind: (f"results/tables/{dataset}_{kind}", f"{dataset} ({kind.replace('_', ' ')})") for kind in GEN_TABLE_KINDS}


def easy_vs_hard_inputs(wc):
    runs = [(dataset, seed, model) for dataset in GEN.datasets for seed in config["seeds"] for model in GEN.models]
    return {
        "easy": [f"results/easy/{d}/easyhard/seed{seed}/{m}/metrics.json" for d, seed, m in runs],
        "hard": [f"results/oracle/{d}/easyhard/seed{seed}/{m}/metrics.json" for d, seed, m in runs],
    }


def generation_targets():
    targets = []
    for dataset in GEN.datasets:
        for stem, _ in generation_tables(dataset).values():
            targets.extend(f"{stem}.{ext}" for ext in ("csv", "md", "tex"))
        targets.append(f"figures/{dataset}_pgr.pdf")
        targets.extend(f"figures/{dataset}_{split}_bars.pdf" for split in SPLIT_KINDS)
    if GEN.datasets:
        targets.append("figures/weak_ensemble_gain.pdf")
        targets.extend(f"results/tables/easy_vs_hard.{ext}" for ext in ("csv", "md", "tex"))
    return targets
