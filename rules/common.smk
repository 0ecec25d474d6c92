import math
import os
import re

from ensemw2s.labels import label, paper_figure, report_order

# Helpers shared by every stage: config look-ups (each returning one leaf value), model sources,
# resources, and the target lists.  No rule lives here.

SPLIT_KINDS = ["random", "easyhard"]  # the main artifacts' splits (ensemw2s.splits.SPLIT_KINDS)
# The easy-hard split with datasets.<name>.n_easy_test easy items held out of weak training as
# easy_test (ensemw2s.splits.ID_SPLIT): run for the ID / OOD artifact alone, so the main easy-hard
# split's weak models train on the whole easy half (Appendix E), as with n_easy_test: 0.
ID_SPLIT = "easyhard-id"
SPLIT_PARTS = ["weak_train", "strong_train", "val", "test", "easy_test"]  # ensemw2s.splits.PARTS
CHECKPOINT_ROOT = ".checkpoints"  # resumable training state: not a declared output
ENV = "../envs/ensemw2s.yaml"

DATASETS = list(config["datasets"])
MODELS = config["models"]
# An entry with `body` trains from another entry's weights (the pretrained LM that entry builds or
# loads) with settings of its own: no model of its own is built or fetched.
TINY_MODELS = [name for name, entry in MODELS.items() if "hub" not in entry and "body" not in entry]
HUB_MODELS = [name for name, entry in MODELS.items() if "hub" in entry]
# Sandbox datasets whose solved comparisons join the tiny models' pretraining corpus.
WORKED_EXAMPLE_DATASETS = [d for d, e in config["datasets"].items() if e["source"] == "sandbox" and e.get("pretrain_examples", 0)]
TRAINED_TOKENIZERS = [name for name, entry in config["tokenizers"].items() if "vocab_size" in entry]
# Sandbox datasets that write judged comparisons (results/corpus/<name>.judged.txt) for pretraining.
JUDGED_DATASETS = [d for d, e in config["datasets"].items() if e["source"] == "sandbox" and e.get("judged_comparisons", False)]
# The corpora a tiny model pretrains on, or a BPE tokenizer trains on (models.<name>.pretrain_corpus,
# tokenizers.<name>.corpus): the pooled label-free text, or a sandbox dataset's judged comparisons.
CORPORA = {"pooled": "results/corpus/pretrain.txt"} | {f"{d}.judged": f"results/corpus/{d}.judged.txt" for d in JUDGED_DATASETS}


def corpus_files(names):
    """The files of the named corpora (CORPORA), in order."""
    return [CORPORA[name] for name in names]


def weights_of(name):
    """The registry entry whose weights model ``name`` loads: its ``body``, else itself."""
    return MODELS.get(name, {}).get("body", name)


# Datasets with a built-in layout (ensemw2s.data.NORMALISERS): only they load without a field mapping.
BUILTIN_LAYOUTS = ("sciq", "arc", "quartz")


def _check_references():
    """Cross-references the schema cannot express, reported with the config key at fault."""
    for dataset, entry in config["datasets"].items():
        if entry["source"] in ("local", "hub") and dataset not in BUILTIN_LAYOUTS and not entry.get("fields"):
            raise ValueError(
                f"config key datasets.{dataset}.fields: required, but missing: {dataset!r} has no built-in layout "
                f"(only {', '.join(BUILTIN_LAYOUTS)} do); map your rows' fields (source: jsonl for local files; docs/extending.md)"
            )
        if entry["difficulty_rater"] not in MODELS:
            raise ValueError(
                f"config key datasets.{dataset}.difficulty_rater: {entry['difficulty_rater']!r} " f"is not a key of models ({', '.join(MODELS)})"
            )
        if entry.get("pretrain_examples") and entry.get("operation") != "largest":
            raise ValueError(
                f"config key datasets.{dataset}.pretrain_examples: worked examples are comparisons of "
                f"operation: largest, not of {entry.get('operation')!r} (set pretrain_examples: 0)"
            )
        for other in entry.get("ood_datasets", []):
            if other == dataset or other not in config["datasets"] or config["datasets"][other]["task"] != entry["task"]:
                raise ValueError(f"config key datasets.{dataset}.ood_datasets: {other!r} is not another key of datasets with task: {entry['task']}")
        if entry.get("operation") == "largest" and entry["min_operands"] > entry["max_operands"]:
            raise ValueError(f"config key datasets.{dataset}.max_operands: {entry['max_operands']} < min_operands {entry['min_operands']}")
        if entry.get("judged_comparisons") and entry.get("operation") != "max":
            raise ValueError(
                f"config key datasets.{dataset}.judged_comparisons: judged comparisons are of operation: max, "
                f"not of {entry.get('operation')!r} (set judged_comparisons: false)"
            )
    for key, entries, field in (("tokenizers", config["tokenizers"], "corpus"), ("models", MODELS, "pretrain_corpus")):
        for name, entry in entries.items():
            for corpus in entry.get(field, []):
                if corpus not in CORPORA:
                    raise ValueError(f"config key {key}.{name}.{field}: {corpus!r} is not a corpus ({', '.join(CORPORA)})")
    for name, entry in MODELS.items():
        if "body" in entry and (entry["body"] not in MODELS or "body" in MODELS[entry["body"]]):
            raise ValueError(f"config key models.{name}.body: {entry['body']!r} is not a key of models without a body of its own")
    for name in TINY_MODELS:
        tokenizer = MODELS[name]["tokenizer"]
        if tokenizer not in config["tokenizers"]:
            raise ValueError(f"config key models.{name}.tokenizer: {tokenizer!r} is not a key of tokenizers " f"({', '.join(config['tokenizers'])})")


_check_references()


# ---------------------------------------------------------------------------------- the tracks
# Both tracks are described alike: the datasets they run, their weak -> strong model list, its
# pairs, and the number of boosting rounds.  Each track's own helpers are in
# rules/classification_common.smk and rules/generation_common.smk.
CLASSIFICATION = config["classification"]
GENERATION = config.get("generation", {})


class Track:
    def __init__(self, name, block):
        self.name = name
        self.datasets = list(block.get("datasets", []))
        self.models = list(block.get("models", []))
        self.pairs = [(weak, strong) for i, weak in enumerate(self.models) for strong in self.models[i + 1 :]]
        self.weak = list(dict.fromkeys(weak for weak, _ in self.pairs))
        self.strong = list(dict.fromkeys(strong for _, strong in self.pairs))
        self.rounds = int(block.get("rounds", 0))
        for dataset in self.datasets:
            if dataset not in config["datasets"] or config["datasets"][dataset]["task"] != name:
                raise ValueError(f"config key {name}.datasets: {dataset!r} is not a key of datasets with task: {name}")
        for model in self.models:
            if model not in MODELS:
                raise ValueError(f"config key {name}.models: {model!r} is not a key of models ({', '.join(MODELS)})")


TRACKS = {"classification": Track("classification", CLASSIFICATION), "generation": Track("generation", GENERATION)}
CLS, GEN = TRACKS["classification"], TRACKS["generation"]


def track_of(dataset):
    """The track that runs ``dataset`` (each dataset's task names it)."""
    return config["datasets"][dataset]["task"]


ROUND_DIR = "results/weak/{dataset}/{split}/seed{seed}/{weak}/round{t}"


def round_dir(wc, t):
    """ROUND_DIR of round ``t`` of the job ``wc`` (dataset, split, seed, weak)."""
    return ROUND_DIR.format(dataset=wc.dataset, split=wc.split, seed=wc.seed, weak=wc.weak, t=t)


def previous_ensemble(wc):
    """The labels, metrics and choices of the same ensemble job at T − 1 (none at T = 1): when round T adds no
    vote (rejected or stopped), the ensemble of T rounds is that of T − 1, and its labels are
    reused rather than decoded again.  Not for the combination ablation's jobs (wildcard
    ``combine``): they are asked for at one T only, and a T − 1 input would add a decoding job."""
    t = int(wc.t)
    if t == 1 or hasattr(wc, "combine"):
        return {}
    stem = f"results/labels/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}"
    return {
        "previous_labels": f"{stem}/T{t - 1}.jsonl",
        "previous_metrics": f"{stem}/T{t - 1}.metrics.json",
        "previous_choices": f"{stem}/T{t - 1}.choices.csv",
    }


def run_results(wc):
    """Every per-job result of one (dataset, split), for its tidy metrics: each file carries its
    run key, so the collector joins them by key (ensemw2s.report.tidy_rows), never by position."""
    track = TRACKS[track_of(wc.dataset)]
    base = f"{wc.dataset}/{wc.split}"
    seeds, rounds = config["seeds"], range(1, track.rounds + 1)
    return {
        "students": [
            f"results/students/{base}/seed{seed}/{weak}_to_{strong}/T{t}/metrics.json"
            for seed in seeds
            for weak, strong in track.pairs
            for t in rounds
        ],
        "labels": [f"results/labels/{base}/seed{seed}/{weak}/T{t}.metrics.json" for seed in seeds for weak in track.weak for t in rounds],
        "rounds": [f"results/weak/{base}/seed{seed}/{weak}/round{t}/stats.json" for seed in seeds for weak in track.weak for t in rounds],
        "oracles": [f"results/oracle/{base}/seed{seed}/{strong}/metrics.json" for seed in seeds for strong in track.strong],
    }


# The per-item results each track's label, student and oracle jobs write beside their metrics
# (ensemw2s.gains.item_file).
ITEM_FILES = {"generation": "choices.csv", "classification": "predictions.csv"}


def item_results(wc):
    """run_results' students, labels and oracles, and the per-item results each writes beside its
    metrics (generation choices.csv, classification predictions.csv; ensemw2s.gains.item_file):
    what the gains' bootstrap intervals resample."""
    results = {role: run_results(wc)[role] for role in ("students", "labels", "oracles")}
    suffix = ITEM_FILES[track_of(wc.dataset)]
    items = {f"{role}_items": [path.removesuffix("metrics.json") + suffix for path in paths] for role, paths in results.items()}
    return results | items


def _check_split_sizes():
    """n_val >= 1 where a track uses the dataset (both report the round chosen on validation).
    n_test + n_val larger than the pool fails in the split job (scripts/make_split.py), naming the keys."""
    for dataset, entry in config["datasets"].items():
        if dataset in GEN.datasets + CLS.datasets and entry.get("n_val", 0) < 1:
            raise ValueError(
                f"config key datasets.{dataset}.n_val: {entry.get('n_val', 0)}, but the {track_of(dataset)} track "
                f"uses {dataset} and reports the round chosen on the validation split: set n_val >= 1"
            )


_check_split_sizes()


# ----------------------------------------------------------------------- parse-time warnings
# Known sizes of hub checkpoints whose id carries no "70m" / "1.4b" size (GPT-2 family).
NAMED_SIZES = {"gpt2": 124e6, "gpt2-medium": 355e6, "gpt2-large": 774e6, "gpt2-xl": 1.5e9, "distilgpt2": 82e6}


def model_size(name):
    """Parameter count of a registry entry, or None when unknown: tiny models from their
    architecture (non-embedding parameters), hub models from a size in their id (70m, 1.4b, xl)."""
    entry = MODELS.get(MODELS.get(name, {}).get("body", name), {})  # a body entry: its body's size
    if "hub" not in entry:
        if not {"hidden_size", "num_layers"} <= set(entry):
            return None
        hidden = entry["hidden_size"]
        inner = entry.get("intermediate_size") or 4 * hidden
        return entry["num_layers"] * (4 * hidden * hidden + 2 * hidden * inner)
    repo = entry["hub"].rpartition(chr(47))[2].lower()  # the name after the owner
    match = re.search(r"(?:^|[-_.])(\d+(?:\.\d+)?)([mb])(?:$|[-_.])", repo)
    if match:
        return float(match.group(1)) * (1e6 if match.group(2) == "m" else 1e9)
    return NAMED_SIZES.get(repo)


def _warn_model_order(key, names):
    """Weak -> strong lists: warn (naming the config key) when a later model is smaller."""
    sizes = [(name, model_size(name)) for name in names]
    known = [(name, size) for name, size in sizes if size is not None]
    for (weak, weak_size), (strong, strong_size) in zip(known, known[1:]):
        if strong_size < weak_size:
            logger.warning(
                f"config key {key}: {strong!r} (~{strong_size:.3g} parameters) comes after {weak!r} "
                f"(~{weak_size:.3g}); the list is ordered weak -> strong, so {weak!r} is treated as the "
                f"weak model of a pair with a smaller strong model. Reorder the list if that is not meant."
            )


def _warn_what_is_off():
    """Empty settings that silently turn a part of the workflow off: say what they turn off."""
    if "generation" not in config:
        logger.warning(
            "config has no generation block: the generation track (Tables 3-8, figures quartz/arc_pgr, weak_ensemble_gain, easy_vs_hard) is off"
        )
    elif not GEN.datasets:
        logger.warning(
            "config key generation.datasets is empty: the generation track is off (no token boosting, "
            "Tables 3-8, figures {quartz,arc}_pgr / _bars, weak_ensemble_gain, easy_vs_hard)"
        )
    used = set(GEN.datasets) | set(CLS.datasets)
    for dataset in config["datasets"]:
        if dataset not in used:
            logger.warning(
                f"config key datasets.{dataset}: no track uses it; only its records are built (results/data/{dataset}.jsonl, part of the tiny models' pretraining corpus)"
            )


for _track in TRACKS.values():
    _warn_model_order(f"{_track.name}.models", _track.models)
_warn_what_is_off()


# Snakemake report (snakemake --report): figures and tables are grouped by track (category), then
# dataset (subcategory); artifacts that pool the generation datasets get this subcategory.
ALL_DATASETS_SUBCATEGORY = "all datasets"
# The report lists categories sorted by name: the number puts the claims first and the tracks in
# paper order (report/workflow.rst says so).
REPORT_CATEGORIES = {
    "claims": "1. claims",
    "classification": "2. classification",
    "generation": "3. generation",
    "both tracks": "4. both tracks",
}
# The files of a table (ensemw2s.tables.write_table) and of a figure (ensemw2s.plots.save_figure);
# the report shows the HTML and the PNG rendered, and lists the CSV and the PDF beside them.
TABLE_FILES = ("csv", "md", "tex", "html")
FIGURE_FILES = ("pdf", "png")
TABLE_SUFFIXES = [f".{ext}" for ext in TABLE_FILES]
FIGURE_SUFFIXES = [f".{ext}" for ext in FIGURE_FILES]


# The files the report shows or lists (the rest, .md and .tex, sit beside them in results/tables/).
REPORTED_SUFFIXES = (".csv", ".html", ".pdf", ".png")


def reported_files(stem, suffixes, *, caption, category, subcategory, artifact, shows, dataset="", split=""):
    """The output files ``stem + suffix`` of a table or figure, each the report shows or lists
    (REPORTED_SUFFIXES) marked for it with its caption, category and labels (report_labels, its
    format from the suffix)."""

    def marked(path, fmt):
        labels = report_labels(fmt, artifact, shows, dataset=dataset, split=split)
        return report(path, caption=caption, category=category, subcategory=subcategory, labels=labels)

    return [marked(stem + suffix, suffix.removeprefix(".").upper()) if suffix in REPORTED_SUFFIXES else stem + suffix for suffix in suffixes]


def report_track(wc):
    """The report category of a dataset's artifacts: the track that uses ``wc.dataset``."""
    return REPORT_CATEGORIES[track_of(wc.dataset)]


def table_artifact(title, twin):
    """The report's artifact of a table titled ``title``: the paper's "Table n", or, on a dataset
    the paper has not, "like" its ``twin`` (the paper's table of the same kind)."""
    return title if title.startswith("Table ") else f"like {twin}"


def report_labels(fmt, artifact, shows, dataset="", split=""):
    """``labels`` of a report entry: the report shows them as columns instead of the file's path,
    and sorts a subcategory's entries by them, first label first.  "#": the artifact's place in
    paper order (ensemw2s.labels.REPORT_ORDER); the artifact ("Table 3"), what it shows, its
    dataset and split (wildcards in braces, or functions of them; splits as ensemw2s.labels names
    them); ``fmt``: HTML / PNG, shown rendered, or CSV / PDF, the files themselves (every table and
    figure is in the report both ways)."""

    def labels(wc):
        def value(item):
            return item(wc) if callable(item) else item.format(**dict(wc.items()))

        named = value(artifact)
        return {
            "#": report_order(named),
            "artifact": named,
            "shows": value(shows),
            "dataset": value(dataset),
            "split": label(value(split)),
            "format": fmt,
        }

    return labels


def alternatives(names):
    """A wildcard regex matching exactly these names (never anything, if empty)."""
    return "|".join(re.escape(name) for name in names) if names else "(?!)"


def weak_model(wc):
    return wc.weak


def strong_model(wc):
    return wc.strong


def checkpoint_dir(output_dir):
    """One layout for every training job: .checkpoints/ + the job's output folder under results/
    (results/weak/... -> .checkpoints/weak/...)."""
    return f"{CHECKPOINT_ROOT}/{output_dir.removeprefix('results/')}"


def split_part(part):
    return lambda wc: f"results/splits/{wc.dataset}/{wc.split}/seed{wc.seed}/{part}.jsonl"


wildcard_constraints:
    dataset="|".join(DATASETS),
    split=alternatives(SPLIT_KINDS + [ID_SPLIT]),
    seed=r"\d+",
    fold=r"\d+",


def dataset_setting(key):
    return lambda wc: config["datasets"][wc.dataset][key]


def epochs_of(model_of):
    """Fine-tuning epochs of the model ``model_of(wc)`` on ``wc.dataset``: the registry's
    models.<name>.epochs where set, else datasets.<dataset>.epochs."""
    return lambda wc: MODELS[model_of(wc)].get("epochs", config["datasets"][wc.dataset]["epochs"])


def model_setting(model_of, key):
    """A leaf of the model registry; ``model_of(wc)`` names the model."""
    return lambda wc: MODELS[model_of(wc)][key]


def model_source(name):
    """What from_pretrained loads: the hub id (``id@revision`` when the entry pins one, see
    ensemw2s.models.hub_source), or the directory the tiny_model rule writes."""
    name = MODELS[name].get("body", name)  # weights_of(name), inline: tests run this function alone
    entry = MODELS[name]
    if "hub" not in entry:
        return f"results/models/{name}"
    revision = entry.get("revision", "main")
    return entry["hub"] if revision == "main" else f"{entry['hub']}@{revision}"


def model_inputs(name):
    """What a job loading model ``name`` waits for: the tiny model's directory, or the marker of
    the hub model's prefetch into the cache (rules/prefetch.smk)."""
    name = weights_of(name)
    return [f"results/hub/models/{name}.json"] if "hub" in MODELS[name] else [f"results/models/{name}"]


def is_gpu_model(name):
    return 1 if "hub" in MODELS[weights_of(name)] else 0


# Retries (the slurm profile sets `retries`): attempt 2, 3, ... asks for more memory and time.  A
# job that hit its time limit resumes from its checkpoint, so the extra time finishes it.
RETRY_MEM_GROWTH = 0.5  # mem_mb x (1 + 0.5 (attempt - 1))
RETRY_RUNTIME_GROWTH = 1.0  # runtime x attempt


def retry_scaled(base, attempt, growth):
    return int(math.ceil(base * (1 + growth * (attempt - 1))))


def model_resources(model_of):
    """The portable resources of a job that loads the model ``model_of(wc)``: a GPU for hub models,
    and the registry's mem_mb / runtime (scaled by model size there), raised with ``attempt``."""
    return {
        "gpu": lambda wc: is_gpu_model(model_of(wc)),
        "mem_mb": lambda wc, attempt: retry_scaled(MODELS[model_of(wc)]["mem_mb"], attempt, RETRY_MEM_GROWTH),
        "runtime": lambda wc, attempt: retry_scaled(MODELS[model_of(wc)]["runtime"], attempt, RETRY_RUNTIME_GROWTH),
    }


# Hub access: one cache for every job (config key hub_cache, else the environment's HF_HOME);
# compute jobs never download (the prefetch rules do), so they fail fast and clearly on a miss.
# The cache's location is not a params value: moving it changes no result.
# (Set, never read, here: the linter's envvars advice is about variables a workflow requires.)
HUB_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
if config.get("hub_cache"):
    HUB_ENVIRONMENT["HF_HOME"] = os.path.abspath(config["hub_cache"])
os.environ.update(HUB_ENVIRONMENT)

# Operational settings (docs/reproducibility.md): values that cannot change an output
# reach the jobs through the environment (ensemw2s.runtime.OPERATIONAL), never through params, so
# editing one reruns nothing.  SLURM jobs re-read the config and set them again.
OPERATIONAL_ENVIRONMENT = {
    "ENSEMW2S_CHECKPOINT_EVERY": str(config["training"]["checkpoint_every"]),
    "ENSEMW2S_PROGRESS_INTERVAL": str(config["training"]["progress_interval"]),
}
os.environ.update(OPERATIONAL_ENVIRONMENT)


def model_wildcard(wc):
    return wc.model


def rater(wc):
    return config["datasets"][wc.dataset]["difficulty_rater"]


def generation_difficulty_error(wc):
    """token | option for a generation dataset's rating; none for classification (one measure)."""
    entry = config["datasets"][wc.dataset]
    return entry["difficulty_error"] if entry["task"] == "generation" else "none"


# A job_settings value that evaluates to NOT_PASSED leaves its key out of that job's settings: a
# setting that only some of a rule's jobs use (one track's, in a rule serving both) reaches only them.
NOT_PASSED = object()


class JobSettings:
    """A job's config values as one named ``params`` value (``settings=job_settings(...)``).

    Snakemake records a job's params as a *set* of ``repr``'d values without their names
    (``persistence.params_changed``), so two equal leaf values hide each other's edits (fold 2,
    epochs 2 -> 3 leaves {2, 3}); one dict keeps the names, so any edit of any value changes the
    record.  Values are leaves or functions of the job's wildcards.  Scripts read the dict through
    ``ensemw2s.runtime.job_settings``."""

    def __init__(self, values):
        self.values = dict(values)

    def __call__(self, wildcards):
        settings = {name: value(wildcards) if callable(value) else value for name, value in self.values.items()}
        return {name: value for name, value in settings.items() if value is not NOT_PASSED}

    def updated(self, **changes):
        """The same settings with ``changes``: a derived rule's params (``use rule`` ... ``with``)."""
        return JobSettings(self.values | changes)


def job_settings(**values):
    return JobSettings(values)


def training_params(model_of, track):
    """The training settings of the model ``model_of(wc)`` in a track, for a job's ``job_settings``:
    the model's, the shared ``training`` block's, and the ones each track sets under the same name
    in its own block ``track`` (GENERATION or CLASSIFICATION): ``lr_schedule`` and ``max_grad_norm``.
    The tracks' own helpers (generation_training_params, classification_training_params) call it."""
    settings = {key: model_setting(model_of, key) for key in ("lr", "batch_size", "micro_batch_size", "trust_remote_code")}
    for key in ("max_length", "eval_batch_size", "weight_decay", "warmup_ratio"):
        settings[key] = config["training"][key]
    settings["lr_schedule"] = track.get("lr_schedule")
    settings["mixed_precision"] = config["training"]["mixed_precision"]
    settings["model_source"] = lambda wc: model_source(model_of(wc))
    settings["max_grad_norm"] = track.get("max_grad_norm")
    return settings


def rater_training_params(model_of):
    """The training settings of a difficulty rater (paper App. G.1: "the same training parameters as
    used in the training of the actual w2s results"): those of the track whose task ``wc.dataset``
    has, classification_training_params (lr schedule, clipping, dropout, head init of the
    classification block) or generation_training_params (lr schedule and clipping of the generation
    block).  A key of the other track only is not passed, so an edit of classification.* never reruns
    a generation dataset's folds."""
    by_track = {"classification": classification_training_params(model_of), "generation": generation_training_params(model_of)}
    keys = dict.fromkeys(key for settings in by_track.values() for key in settings)

    def of_the_track(key):
        def value(wc):
            setting = by_track[track_of(wc.dataset)].get(key, NOT_PASSED)
            return setting(wc) if callable(setting) else setting

        return value

    return {key: of_the_track(key) for key in keys}


def dataset_file(wc):
    return f"results/data/{wc.dataset}.jsonl"


def local_dataset_files(wc):
    """The files of a local or JSONL dataset, the marker of a hub dataset's prefetch, or nothing for
    the generated sandbox."""
    entry = config["datasets"][wc.dataset]
    if entry["source"] == "sandbox":
        return []
    return [f"results/hub/datasets/{wc.dataset}.json"] if entry["source"] == "hub" else entry["local_files"]


def dataset_fields(wc):
    """The field mapping of a dataset that sets one (datasets.<name>.fields), else not passed: a
    built-in layout's jobs keep the settings they had."""
    return config["datasets"][wc.dataset].get("fields") or NOT_PASSED


def ood_parts(wc):
    """The other datasets' test parts a job of ``wc.dataset`` is also evaluated on (config
    datasets.<name>.ood_datasets; out of distribution by dataset): their random split's, same seed."""
    others = config["datasets"][wc.dataset]["ood_datasets"]
    return {f"ood_{other}": f"results/splits/{other}/random/seed{wc.seed}/test.jsonl" for other in others}


def split_files(dataset, split, seed):
    return [f"results/splits/{dataset}/{split}/seed{seed}/{part}.jsonl" for part in SPLIT_PARTS]


# Every dataset a track runs, for the ID vs OOD table (rules/report.smk).
ID_OOD_DATASETS = [d for d in DATASETS if d in GEN.datasets + CLS.datasets]


def id_ood_split(dataset):
    """The easy-hard split the ID / OOD artifact reads for ``dataset``: ID_SPLIT (its own weak,
    boosting and student runs, easy_test held out) where n_easy_test > 0, else the main easy-hard
    split (no ID row there; nothing more runs)."""
    return ID_SPLIT if config["datasets"][dataset]["n_easy_test"] else "easyhard"


def id_ood_metrics():
    """The tidy metrics of the ID / OOD evaluation: each dataset's random split and id_ood_split."""
    return [f"results/metrics/{dataset}/{split}.csv" for dataset in ID_OOD_DATASETS for split in ("random", id_ood_split(dataset))]


def id_ood_inputs(wc):
    """The ID / OOD evaluation's tidy metrics (id_ood_metrics), and the generation track's
    easy-trained models on each dataset's id_ood_split."""
    return {
        "metrics": id_ood_metrics(),
        "easy": [
            f"results/easy/{dataset}/{id_ood_split(dataset)}/seed{seed}/{model}/metrics.json"
            for dataset in GEN.datasets
            for seed in config["seeds"]
            for model in GEN.models
        ],
    }


# The claims table (rules/report.smk): the paper's claims judged against every dataset's tidy metrics.
def claims_metrics():
    """Every dataset's tidy metrics of the main splits, and of the ID / OOD split where it has its own."""
    main = [f"results/metrics/{dataset}/{split}.csv" for dataset in ID_OOD_DATASETS for split in SPLIT_KINDS]
    return list(dict.fromkeys(main + id_ood_metrics()))


CLAIMS_TABLE = [f"results/tables/claims.{ext}" for ext in TABLE_FILES] + ["results/tables/claims_units.csv"]


def paper_models():
    """{track: whether it runs hub models}: tiny models make a claim about the paper's not comparable."""
    return {name: bool(track.models) and all("hub" in MODELS[weights_of(m)] for m in track.models) for name, track in TRACKS.items()}


def claims_tables():
    """({"dataset/split": the table that shows its numbers}, the same per boosting round): the
    claims table's ``target`` column (classification: Tables 1/2 and their _rounds views;
    generation: Tables 3/4, 6/7 or the dataset's own; CLS_TABLES, generation_tables)."""
    tables = {f"{d}/{split}": f"results/tables/{name}.csv" for name, (d, split, _) in CLS_TABLES.items()}
    rounds = {f"{d}/{split}": f"results/tables/{name}_rounds.csv" for name, (d, split, _) in CLS_TABLES.items()}
    for dataset in GEN.datasets:
        for split in SPLIT_KINDS:
            tables[f"{dataset}/{split}"] = f"{generation_tables(dataset)[split][0]}.csv"
    return tables, rounds


def job_results():
    """Every per-job result a table or figure reads (students, labels, rounds, oracles, curves):
    targets of ``all`` themselves.  Snakemake does not re-create a missing input of an output that
    is up to date (it takes it for a removed intermediate), so without this a job that failed (its
    outputs removed) would be left missing under tables still showing its old numbers; as a target,
    the next run plans it again, and the tables that read it are rebuilt from what it writes."""
    from types import SimpleNamespace

    files = []
    for dataset in ID_OOD_DATASETS:
        for split in SPLIT_KINDS:
            files.extend(path for paths in run_results(SimpleNamespace(dataset=dataset, split=split)).values() for path in paths)
    files.extend(id_ood_inputs(None)["easy"])
    files.extend(path for paths in easy_vs_hard_inputs(None).values() for path in paths)
    for dataset in ABLATION_DATASETS:
        files.extend(path for paths in combine_results(SimpleNamespace(dataset=dataset)).values() for path in paths)
        if BASELINES:
            files.extend(path for paths in baseline_results(SimpleNamespace(dataset=dataset)).values() for path in paths)
    files.extend(curve_files(ABLATION_DATASETS, WINDOW_MODELS, WINDOW_VARIANTS) + curve_files(ABLATION_DATASETS, GEN.weak, WEIGHTING_VARIANTS))
    return list(dict.fromkeys(files))


def all_targets():
    """Every artifact of the datasets the tracks use (a registered dataset no track names, such as
    the sandbox under config/paper.yaml, builds nothing)."""
    targets = []
    for dataset in [d for d in DATASETS if d in GEN.datasets + CLS.datasets]:
        targets.append(f"results/difficulty/{dataset}.csv")
        targets.extend(f"figures/{dataset}_difficulty.{ext}" for ext in FIGURE_FILES)
        for split in SPLIT_KINDS:
            for seed in config["seeds"]:
                targets.extend(split_files(dataset, split, seed))
    if ID_OOD_DATASETS:
        targets.extend([f"results/tables/id_ood.{ext}" for ext in TABLE_FILES] + [f"figures/id_ood.{ext}" for ext in FIGURE_FILES])
        targets = CLAIMS_TABLE + targets  # first: the paper's claims, judged
    return targets + classification_targets() + generation_targets() + ablation_targets() + baseline_targets() + job_results()
