# Config look-ups and input functions of the generation track (rules/generation.smk,
# rules/students.smk, rules/report.smk), the twin of rules/classification_common.smk.

GEN_CONSTRAINTS = dict(
    dataset=alternatives(GEN.datasets),
    weak=alternatives(GEN.weak),
    strong=alternatives(GEN.strong),
    t=r"\d+",
)


def generation_training_params(model_of):
    """training_params with the generation block's training choices (the twin of
    classification_training_params): its lr schedule and gradient clipping, for a job's job_settings."""
    return training_params(model_of, GENERATION)


# Paper table numbers: (random, easy-hard, one-run improvements) per dataset; other datasets (the
# sandbox) get tables named after themselves.
GEN_TABLE_NUMBERS = {"quartz": (3, 4, 5), "arc": (6, 7, 8)}
GEN_TABLE_KINDS = ("random", "easyhard", "one_run")
# One shown table per accuracy measure (ensemw2s.labels.MEASURE_SUFFIXES): option accuracy in
# {stem}.md/.tex, token accuracy in {stem}_token.*, acc_norm in {stem}_norm.*; {stem}.csv has all.
GEN_MEASURE_FILES = [f"{suffix}.{ext}" for suffix in ("", "_token", "_norm") for ext in ("md", "tex", "html")]


def generation_tables(dataset):
    """{kind: (stem, title)} of a dataset's generation tables."""
    if dataset in GEN_TABLE_NUMBERS:
        return {kind: (f"results/tables/table{n}", f"Table {n}") for kind, n in zip(GEN_TABLE_KINDS, GEN_TABLE_NUMBERS[dataset])}
    return {kind: (f"results/tables/{dataset}_{kind}", f"{dataset} ({kind.replace('_', ' ')})") for kind in GEN_TABLE_KINDS}


def student_inputs(labels, supervisor):
    """A generation student's inputs: the pseudo-answers ``labels`` (a pattern or an input
    function) for the hard questions, the options the same ensemble chose on the evaluation parts
    (``supervisor``, for the student's agreement), the parts it is evaluated on, and the strong model."""
    return {
        "labels": labels,
        "supervisor": supervisor,
        "hard": split_part("strong_train"),
        "test": split_part("test"),
        "val": split_part("val"),
        "easy_test": split_part("easy_test"),
        "model": lambda wc: model_inputs(wc.strong),
    }


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
            targets.extend([f"{stem}.csv"] + [stem + tail for tail in GEN_MEASURE_FILES])
        targets.extend(f"figures/{dataset}_pgr.{ext}" for ext in FIGURE_FILES)
        targets.extend(f"figures/{dataset}_{split}_bars.{ext}" for split in SPLIT_KINDS for ext in FIGURE_FILES)
    if GEN.datasets:
        targets.extend(f"figures/weak_ensemble_gain.{ext}" for ext in FIGURE_FILES)
        targets.extend(["results/tables/easy_vs_hard.csv"] + [f"results/tables/easy_vs_hard{tail}" for tail in GEN_MEASURE_FILES])
    return targets


# ------------------------------------------- Appendix G.2's ablations (rules/ablations.smk)
# A boosting variant names what a round weights: "token-L{L}" (answer tokens, error over a window
# of L tokens; token-L1 is the paper's) or "sample-{any|mean}" (one weight per example, its error
# 1[any token wrong] or the share wrong).  The main rounds (results/weak/) are the variant of
# generation.unit / window / sample_error; other variants' rounds live under
# results/ablations/boosting/, and every ablation reads the main rounds for the main variant.
ABLATIONS = config["ablations"]
ABLATION_ROUND_DIR = "results/ablations/boosting/{dataset}/{split}/seed{seed}/{weak}/{variant}/round{t}"
# Ablations of a dataset or weak model the generation track does not run are off (a warning says so).
ABLATION_DATASETS = [d for d in ABLATIONS["datasets"] if d in GEN.datasets]
WINDOW_MODELS = [m for m in ABLATIONS["window_models"] if m in GEN.weak]


def boosting_variant(unit, window=1, sample_error="any"):
    return f"sample-{sample_error}" if unit == "sample" else f"token-L{window}"


def variant_unit(variant):
    return variant.partition("-")[0]


def variant_window(variant):
    return int(variant.removeprefix("token-L")) if variant_unit(variant) == "token" else 1


def variant_sample_error(variant):
    return variant.removeprefix("sample-") if variant_unit(variant) == "sample" else GENERATION.get("sample_error", "any")


MAIN_VARIANT = boosting_variant(GENERATION.get("unit", "token"), GENERATION.get("window", 1), GENERATION.get("sample_error", "any"))
WINDOW_VARIANTS = [boosting_variant("token", window) for window in ABLATIONS["windows"]] if WINDOW_MODELS else []
WEIGHTING_VARIANTS = [boosting_variant("token")] + [boosting_variant("sample", sample_error=e) for e in ABLATIONS["sample_errors"]]
WEIGHTING_VARIANTS = WEIGHTING_VARIANTS if ABLATIONS["sample_errors"] else []
# The variants the ablations train (every other one is the main rounds).
ABLATION_VARIANTS = [v for v in dict.fromkeys(WINDOW_VARIANTS + WEIGHTING_VARIANTS) if v != MAIN_VARIANT]
# The second combination of the experts: both combinations' T = 1 are the one round-1 expert, so
# T = 1 always reads the main labels and students.
OTHER_COMBINES = [c for c in ABLATIONS["combine"] if c != GENERATION.get("combine")]


def _check_ablations():
    for dataset in ABLATIONS["datasets"]:
        if dataset in CLS.datasets and not ABLATIONS["baselines"]:
            logger.warning(
                f"config key ablations.datasets: {dataset!r} is a classification dataset, where only ablations.baselines run, and that is empty"
            )
        elif dataset not in GEN.datasets + CLS.datasets:
            logger.warning(
                f"config key ablations.datasets: {dataset!r} is not one of generation.datasets or classification.datasets: its ablations are off"
            )
    for model in ABLATIONS["window_models"]:
        if model not in GEN.weak:
            logger.warning(
                f"config key ablations.window_models: {model!r} is not a weak model of generation.models ({', '.join(GEN.weak)}): its window ablation is off"
            )
    if GENERATION.get("unit") == "sample" and GENERATION.get("window", 1) != 1:
        raise ValueError(f"config key generation.window: {GENERATION['window']} needs generation.unit: token (an example is one unit)")


_check_ablations()


def variant_round_dir(wc, variant, t):
    """The folder of round ``t`` of boosting ``variant`` for the job ``wc``: the main rounds for
    the main variant, the ablation's own rounds otherwise."""
    if variant == MAIN_VARIANT:
        return round_dir(wc, t)
    return ABLATION_ROUND_DIR.format(dataset=wc.dataset, split=wc.split, seed=wc.seed, weak=wc.weak, variant=variant, t=t)


def variant_rounds(wc, what):
    """``what`` (stats.json or model) of rounds 1..T of ``wc.variant``."""
    return [f"{variant_round_dir(wc, wc.variant, t)}/{what}" for t in range(1, GEN.rounds + 1)]


def _main_combine(combine, t):
    """T = 1 (one expert) and the main combination are the main run's jobs."""
    return int(t) == 1 or combine == GENERATION.get("combine")


def combine_label_file(run, combine, t, ext):
    """The labels (``ext`` jsonl), their metrics (metrics.json) or choices (choices.csv) of the experts of ``run``
    (dataset/split/seed{s}/weak) combined by ``combine``: the main run's where it has them."""
    if _main_combine(combine, t):
        return f"results/labels/{run}/T{t}.{ext}"
    return f"results/ablations/combine/labels/{run}/{combine}/T{t}.{ext}"


def combine_student_file(run, combine, t):
    """The metrics of the student of ``run`` (dataset/split/seed{s}/weak_to_strong) on them."""
    if _main_combine(combine, t):
        return f"results/students/{run}/T{t}/metrics.json"
    return f"results/ablations/combine/students/{run}/{combine}/T{t}/metrics.json"


def combine_labels(wc):
    """The labels a combine-ablation student learns."""
    return combine_label_file(f"{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}", wc.combine, wc.t, "jsonl")


def combine_choices(wc):
    """The options the same ensemble chose on the evaluation parts (the student's supervisor)."""
    return combine_label_file(f"{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}", wc.combine, wc.t, "choices.csv")


def combine_results(wc):
    """Label metrics and students of every (seed, pair, T, combination) of ``wc.dataset``."""
    labels, students = [], []
    for split in ABLATIONS["splits"]:
        for seed in config["seeds"]:
            for t in range(1, GEN.rounds + 1):
                for combine in ABLATIONS["combine"]:
                    run = f"{wc.dataset}/{split}/seed{seed}"
                    labels.extend(combine_label_file(f"{run}/{weak}", combine, t, "metrics.json") for weak in GEN.weak)
                    students.extend(combine_student_file(f"{run}/{weak}_to_{strong}", combine, t) for weak, strong in GEN.pairs)
    # T = 1 and the main combination are listed once per combination: each file once
    return {"labels": list(dict.fromkeys(labels)), "students": list(dict.fromkeys(students))}


def curve_files(datasets, weaks, variants):
    return [
        f"results/ablations/curves/{dataset}/{split}/seed{seed}/{weak}/{variant}.json"
        for dataset in datasets
        for split in ABLATIONS["splits"]
        for seed in config["seeds"]
        for weak in weaks
        for variant in variants
    ]


# The report's names of an ablation (wildcard kind): the paper's artifact and what it shows.
ABLATION_ARTIFACTS = {"combine": "Figure 10", "window": "Figures 11-12", "weighting": "Appendix G.2"}
ABLATION_SHOWS = {"combine": "probability vs logit combination", "window": "error window L", "weighting": "token- vs sample-level weighting"}


def ablation_shows(wc, what):
    # the window ablation is one weak model's ({name}) over every ablation dataset
    model = f" of {wc.name}" if wc.kind == "window" else ""
    return f"{ABLATION_SHOWS[wc.kind]}{model} ({what})"


def ablation_dataset(wc):
    return "all" if wc.kind == "window" else wc.name


def ablation_targets():
    targets = []
    for dataset in ABLATION_DATASETS:
        targets.extend(f"figures/ablation_combine_{dataset}.{ext}" for ext in FIGURE_FILES)
        targets.extend(f"results/tables/ablation_combine_{dataset}.{ext}" for ext in TABLE_FILES)
        if WEIGHTING_VARIANTS:
            targets.extend(f"figures/ablation_weighting_{dataset}.{ext}" for ext in FIGURE_FILES)
            targets.extend(f"results/tables/ablation_weighting_{dataset}.{ext}" for ext in TABLE_FILES)
    if ABLATION_DATASETS:
        for model in WINDOW_MODELS:
            targets.extend(f"figures/ablation_window_{model}.{ext}" for ext in FIGURE_FILES)
            targets.extend(f"results/tables/ablation_window_{model}.{ext}" for ext in TABLE_FILES)
    return targets
