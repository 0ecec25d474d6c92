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
