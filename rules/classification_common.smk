# Config look-ups and input functions of the SciQ classification track (rules/classification.smk).
# Kept apart from the rules, as snakemake --lint asks.
import re

CLS = config["classification"]
CLS_DATASETS = CLS["datasets"]
CLS_MODELS = CLS["models"]
CLS_ROUNDS = range(1, CLS["rounds"] + 1)
CLS_PAIRS = [(weak, strong) for i, weak in enumerate(CLS_MODELS) for strong in CLS_MODELS[i + 1 :]]
CLS_WEAK = list(dict.fromkeys(weak for weak, _ in CLS_PAIRS))
CLS_STRONG = list(dict.fromkeys(strong for _, strong in CLS_PAIRS))


def _check_classification():
    for dataset in CLS_DATASETS:
        if dataset not in config["datasets"] or config["datasets"][dataset]["task"] != "classification":
            raise ValueError(f"config key classification.datasets: {dataset!r} is not a key of datasets with task: classification")
    for name in CLS_MODELS:
        if name not in MODELS:
            raise ValueError(f"config key classification.models: {name!r} is not a key of models ({', '.join(MODELS)})")


_check_classification()

CLS_CONSTRAINTS = dict(
    dataset=alternatives(CLS_DATASETS),
    weak=alternatives(CLS_WEAK),
    strong=alternatives(CLS_STRONG),
    t=r"\d+",
)
ROUND_DIR = "results/weak/{dataset}/{split}/seed{seed}/{weak}/round{t}"


def classification_training_params(model_of):
    """training_params plus the track's training choices (Burns et al.'s by default), each a leaf:
    lr schedule, gradient clipping (0 = none), dropout (a probability, or "keep" = the model's
    own) and the classifier head's initialisation."""
    settings = training_params(model_of)
    dropout = CLS["dropout"]
    settings.update(
        lr_schedule=CLS["lr_schedule"],
        max_grad_norm=CLS["max_grad_norm"],
        dropout="keep" if dropout is None or dropout == "keep" else float(dropout),
        head_init=CLS["head_init"],
    )
    return settings


def split_parts(wc):
    return dict(zip(SPLIT_PARTS, split_files(wc.dataset, wc.split, wc.seed)))


def round_files(wc, what, rounds):
    return [f"{round_dir(wc, t)}/{what}" for t in rounds]


def previous_round(wc):
    t = int(wc.t)
    return round_files(wc, "stats.json", [t - 1]) if t > 1 else []


# Paper Tables 1 (random split) and 2 (easy-hard) are SciQ's; other datasets (the sandbox) get
# tables named after themselves.  {table stem name: (dataset, split, title)}
CLS_TABLES = {
    (f"table{1 + i}" if dataset == "sciq" else f"{dataset}_{split}"): (dataset, split, f"Table {1 + i}" if dataset == "sciq" else dataset)
    for dataset in CLS_DATASETS
    for i, split in enumerate(SPLIT_KINDS)
}


def classification_table_names(dataset):
    return [name for name, (d, _, _) in CLS_TABLES.items() if d == dataset]


def classification_table_dataset(wc):
    """The dataset of table ``wc.table``: its subcategory in the Snakemake report."""
    return CLS_TABLES[wc.table][0]


def classification_metrics_files(dataset, split):
    return [f"results/metrics/{dataset}/{split}/seed{seed}.csv" for seed in config["seeds"]]


def seed_metric_inputs(wc):
    base = f"{wc.dataset}/{wc.split}/seed{wc.seed}"
    return dict(
        stats=[f"results/weak/{base}/{weak}/round{t}/stats.json" for weak in CLS_WEAK for t in CLS_ROUNDS],
        predictions=[f"results/weak/{base}/{weak}/round{t}/predictions.csv" for weak in CLS_WEAK for t in CLS_ROUNDS],
        students=[f"results/students/{base}/{weak}_to_{strong}/T{t}/metrics.json" for weak, strong in CLS_PAIRS for t in CLS_ROUNDS],
        oracles=[f"results/oracle/{base}/{strong}/metrics.json" for strong in CLS_STRONG],
    )
