# Config look-ups and input functions of the classification track (rules/classification.smk,
# rules/report.smk), the twin of rules/generation_common.smk.  Kept apart from the rules, as
# snakemake --lint asks.
CLS_CONSTRAINTS = dict(
    dataset=alternatives(CLS.datasets),
    weak=alternatives(CLS.weak),
    strong=alternatives(CLS.strong),
    t=r"\d+",
)


def classification_training_params(model_of):
    """training_params plus the track's training choices (Burns et al.'s by default), for a job's job_settings:
    lr schedule, gradient clipping (0 = none), dropout (a probability, or "keep" = the model's
    own) and the classifier head's initialisation."""
    settings = training_params(model_of, CLASSIFICATION)
    dropout = CLASSIFICATION["dropout"]
    settings.update(
        dropout="keep" if dropout is None or dropout == "keep" else float(dropout),
        head_init=CLASSIFICATION["head_init"],
    )
    return settings


def split_parts(wc):
    """Every part of the job's split, and the other datasets' test parts it is evaluated on."""
    return dict(zip(SPLIT_PARTS, split_files(wc.dataset, wc.split, wc.seed))) | ood_parts(wc)


def round_files(wc, what, rounds):
    return [f"{round_dir(wc, t)}/{what}" for t in rounds]


def previous_round(wc):
    t = int(wc.t)
    return round_files(wc, "stats.json", [t - 1]) if t > 1 else []


# Paper Tables 1 (random split) and 2 (easy-hard) are SciQ's; other datasets (the sandbox) get
# tables named after themselves.  {table stem name: (dataset, split, title)}
CLS_TABLES = {
    (f"table{1 + i}" if dataset == "sciq" else f"{dataset}_{split}"): (dataset, split, f"Table {1 + i}" if dataset == "sciq" else dataset)
    for dataset in CLS.datasets
    for i, split in enumerate(SPLIT_KINDS)
}


def classification_table_names(dataset):
    return [name for name, (d, _, _) in CLS_TABLES.items() if d == dataset]


def classification_table_dataset(wc):
    """The dataset of table ``wc.table``: its subcategory in the Snakemake report."""
    return CLS_TABLES[wc.table][0]


def classification_targets():
    targets = [f"results/tables/{table}.{ext}" for table in CLS_TABLES for ext in TABLE_FILES]
    return targets + [f"figures/{dataset}_pgr.{ext}" for dataset in CLS.datasets for ext in FIGURE_FILES]
