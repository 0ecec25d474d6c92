"""Figures: every plot function takes tidy data and a path, and writes one PDF atomically."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .files import atomic_path  # noqa: E402


def save_figure(figure, path: str) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="pdf", bbox_inches="tight")
    plt.close(figure)


def difficulty_histogram(difficulty, dataset: str, path: str, bins: int = 20, rater: str = "") -> None:
    """Paper Figs 7-9: the distribution of k-fold difficulty ratings."""
    sns.set_theme(style="whitegrid")
    figure, axis = plt.subplots(figsize=(5, 3.2))
    sns.histplot(x=difficulty, bins=bins, binrange=(0, 1), ax=axis, color="#4C72B0")
    axis.set_xlabel("difficulty rating (k-fold cross-validated error)")
    axis.set_ylabel("items")
    axis.set_title(f"{dataset}: difficulty ratings" + (f" ({rater})" if rater else ""))
    save_figure(figure, path)
