"""One mapping from the keys the workflow uses (splits, measures, roles, round selections,
tracks, distributions) to the words a reader sees, used by tables and figures alike.  Keys it
does not know (model names, dataset names) are shown as they are."""

from __future__ import annotations

LABELS = {
    # splits
    "random": "random",
    "easyhard": "easy-hard",
    # accuracy measures (generation: option-wise, acc_norm, token-wise; classification: the label's)
    "option": "option accuracy",
    "option_norm": "acc_norm",
    "token": "token accuracy",
    "acc": "accuracy",
    "option-wise": "option accuracy",
    "option_norm-wise": "acc_norm",
    "token-wise": "token accuracy",
    "soft_acc": "soft vote",
    "hard_acc": "hard vote",
    "token_error": "token error",
    # roles (columns of the paper's tables)
    "weak": "weak",
    "weak_ensemble": "weak ensemble",
    "baseline": "w2s baseline",
    "ensemble": "w2s ensemble",
    "oracle": "oracle",
    "baseline_pgr": "PGR baseline",
    "ensemble_pgr": "PGR ensemble",
    "improvement": "improvement",
    "easy_trained": "strong on easy",
    # round selections
    "best": "best",
    "final": "final",
    "val_selected": "val-selected",
    # ID / OOD
    "expert_gain": "expert gain",
    "student_gain": "student gain",
    # tracks
    "classification": "classification",
    "generation": "generation",
}

# The file of each accuracy measure's table: option accuracy in the main file (``table3.md``),
# the others beside it (``table3_token.md``, ``table3_norm.md``).
MEASURE_SUFFIXES = {"option": "", "token": "_token", "option_norm": "_norm"}


def label(key) -> str:
    """The reader's name of ``key``; unknown keys (models, datasets) unchanged."""
    return LABELS.get(str(key), str(key))


def pair_label(weak: str, strong: str, sep: str = " → ") -> str:
    return f"{weak}{sep}{strong}"


# The Snakemake report (rules/common.smk: report_labels) names every entry by the paper artifact
# it reproduces and sorts a subcategory's entries by their labels as text, first label first: the
# first label is the artifact's place in this list (zero-padded, so text order is paper order).
# The claims come first, then the paper's tables and figures in their numbering, then what the
# paper does not have: the ID / OOD evaluation (published version) and plain-ensemble baselines;
# last, the artifacts of datasets the paper has not (the sandbox), "like" their paper twin.
REPORT_ORDER = (
    "claims",
    "claims (units)",
    *(f"Table {n}" for n in range(1, 9)),
    *(f"Figure {n}" for n in (2, 3, 4, 5, 7, 8, 9, 10)),
    "Figures 11-12",
    "Appendix G.2",
    *(f"Figure {n}" for n in range(13, 18)),
    "ID vs OOD",
    "baselines",
)
# The paper's per-dataset figures, by kind: {kind: {dataset or "dataset/split": figure}}.  A
# dataset the paper has not is named after the figure of its track's first paper dataset.
PAPER_FIGURES = {
    "PGR figure": {"sciq": "Figure 2", "quartz": "Figure 4", "arc": "Figure 15"},
    "difficulty histogram": {"sciq": "Figure 7", "arc": "Figure 8", "quartz": "Figure 9"},
    "bars": {"quartz/random": "Figure 13", "quartz/easyhard": "Figure 14", "arc/random": "Figure 16", "arc/easyhard": "Figure 17"},
}
PAPER_TWIN = {"classification": "sciq", "generation": "quartz"}


def paper_figure(kind: str, dataset: str, track: str, split: str = "") -> str:
    """The paper's number of a dataset's figure ("Figure 4"), or its twin's ("like Figure 4")."""
    figures = PAPER_FIGURES[kind]
    key = f"{dataset}/{split}" if split else dataset
    twin = f"{PAPER_TWIN[track]}/{split}" if split else PAPER_TWIN[track]
    return figures[key] if key in figures else f"like {figures[twin]}"


def report_order(artifact: str) -> str:
    """``artifact``'s place in :data:`REPORT_ORDER` ("like ..." ones after all the paper's), as
    text that sorts as the number does."""
    twin = artifact.removeprefix("like ")
    place = REPORT_ORDER.index(twin) + 1 + (len(REPORT_ORDER) if twin != artifact else 0)
    return f"{place:02d}"
