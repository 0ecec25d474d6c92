"""Figures: every plot function takes tidy data and a path, and writes one PDF atomically."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .files import atomic_path  # noqa: E402

# No creation date in the PDF: the same data (and the same matplotlib) gives byte-identical files.
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": "ensemw2s"}


def save_figure(figure, path: str) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="pdf", bbox_inches="tight", metadata=PDF_METADATA)
    plt.close(figure)


def difficulty_histogram(difficulty, dataset: str, path: str, *, bins: int = 20, rater: str = "") -> None:
    """Paper Figs 7-9: the distribution of k-fold difficulty ratings."""
    sns.set_theme(style="whitegrid")
    figure, axis = plt.subplots(figsize=(5, 3.2))
    sns.histplot(x=difficulty, bins=bins, binrange=(0, 1), ax=axis, color="#4C72B0")
    axis.set_xlabel("difficulty rating (k-fold cross-validated error)")
    axis.set_ylabel("items")
    axis.set_title(f"{dataset}: difficulty ratings" + (f" ({rater})" if rater else ""))
    save_figure(figure, path)


SPLIT_TITLES = {"random": "random split", "easyhard": "easy-hard split"}


def _sem(summary, column):
    sem_column = f"{column}_sem"
    return summary[sem_column].fillna(0.0).to_numpy() if sem_column in summary.columns else None


def pgr_figure(summary, path: str, title: str) -> None:
    """Paper Figs 2, 4, 15: weak-to-strong transfer per (weak, strong) pair, one row per split.

    ``summary`` has one row per (split, weak, strong) with ``strong_rank`` (x-axis order),
    ``weak_acc``, ``oracle_acc``, ``baseline_acc``, ``ensemble_acc``, ``baseline_pgr``,
    ``ensemble_pgr`` and optional ``*_sem`` columns (error bars).  Panels per split: (a) bars of
    baseline vs ensemble transfer accuracy per pair, with the weak and oracle accuracies as
    markers; (b) accuracy against the strong model, one colour per weak model (solid: ensemble,
    dashed: baseline, dotted: oracle); (c) PGR against the strong model (NaN PGRs are gaps).
    """
    import numpy as np

    required = {"split", "weak", "strong", "strong_rank", "weak_acc", "oracle_acc", "baseline_acc", "ensemble_acc", "baseline_pgr", "ensemble_pgr"}
    missing = required - set(summary.columns)
    if missing:
        raise ValueError(f"pgr_figure: summary lacks columns {sorted(missing)}")
    if summary.empty:
        raise ValueError("pgr_figure: the summary has no rows")
    sns.set_theme(style="whitegrid")
    splits = [s for s in ("random", "easyhard") if s in set(summary["split"])] + sorted(set(summary["split"]) - {"random", "easyhard"})
    figure, axes = plt.subplots(len(splits), 3, figsize=(16, 4.2 * len(splits)), squeeze=False, gridspec_kw={"width_ratios": [1.6, 1, 1]})
    weak_models = list(dict.fromkeys(summary.sort_values("strong_rank")["weak"]))
    palette = dict(zip(weak_models, sns.color_palette("colorblind", len(weak_models))))
    for row, split in enumerate(splits):
        data = summary[summary["split"] == split].sort_values(["strong_rank", "weak"]).reset_index(drop=True)
        split_name = SPLIT_TITLES.get(split, split)
        bars, acc_axis, pgr_axis = axes[row]
        positions = np.arange(len(data))
        width = 0.38
        bars.bar(
            positions - width / 2,
            data["baseline_acc"],
            width,
            yerr=_sem(data, "baseline_acc"),
            color="#4C72B0",
            label="baseline (single weak)",
            capsize=2,
        )
        bars.bar(
            positions + width / 2, data["ensemble_acc"], width, yerr=_sem(data, "ensemble_acc"), color="#8C8C8C", label="ensemble (ours)", capsize=2
        )
        bars.scatter(positions, data["weak_acc"], marker="_", s=300, color="#C44E52", zorder=3, label="weak")
        bars.scatter(positions, data["oracle_acc"], marker="_", s=300, color="black", zorder=3, label="oracle")
        bars.set_xticks(positions, [f"{w}\n→ {s}" for w, s in zip(data["weak"], data["strong"])], fontsize=7, rotation=30, ha="right")
        bars.set_ylabel("test accuracy")
        low = float(np.nanmin(data[["baseline_acc", "ensemble_acc", "weak_acc", "oracle_acc"]].to_numpy()))
        bars.set_ylim(max(0.0, low - 0.1), 1.1)  # headroom above 1 keeps the legend off the bars
        bars.set_title(f"({chr(97 + 3 * row)}) {split_name}: transfer accuracy")
        bars.legend(fontsize=7, loc="upper left", ncol=4)
        strong_ticks = data.drop_duplicates("strong_rank").sort_values("strong_rank")
        for weak, group in data.groupby("weak", sort=False):
            color = palette[weak]
            x = group["strong_rank"].to_numpy()
            acc_axis.errorbar(
                x, group["ensemble_acc"], yerr=_sem(group, "ensemble_acc"), color=color, marker="o", label=f"{weak} ensemble", capsize=2
            )
            acc_axis.errorbar(
                x,
                group["baseline_acc"],
                yerr=_sem(group, "baseline_acc"),
                color=color,
                marker="s",
                linestyle="--",
                label=f"{weak} baseline",
                capsize=2,
            )
            pgr_axis.errorbar(
                x, group["ensemble_pgr"], yerr=_sem(group, "ensemble_pgr"), color=color, marker="o", label=f"{weak} ensemble", capsize=2
            )
            pgr_axis.errorbar(
                x,
                group["baseline_pgr"],
                yerr=_sem(group, "baseline_pgr"),
                color=color,
                marker="s",
                linestyle="--",
                label=f"{weak} baseline",
                capsize=2,
            )
        oracle = data.groupby("strong_rank")["oracle_acc"].mean()
        acc_axis.plot(oracle.index, oracle.to_numpy(), color="black", linestyle=":", marker="^", label="oracle")
        for axis, name in ((acc_axis, "test accuracy"), (pgr_axis, "PGR")):
            axis.set_xticks(strong_ticks["strong_rank"], strong_ticks["strong"], fontsize=7, rotation=30, ha="right")
            axis.set_xlabel("strong model")
            axis.set_ylabel(name)
            axis.legend(fontsize=6)
        pgr_axis.axhline(0.0, color="grey", linewidth=0.8)
        pgr_axis.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
        acc_axis.set_title(f"({chr(98 + 3 * row)}) {split_name}: accuracy vs strong model")
        pgr_axis.set_title(f"({chr(99 + 3 * row)}) {split_name}: PGR vs strong model")
    figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)


def grouped_bars(frame, x: str, y: str, *, hue: str, panel: str | None, path: str, title: str, ylabel: str, error: str | None = None) -> None:
    """Grouped bars of ``y`` per ``x`` coloured by ``hue``, one panel per value of ``panel``;
    ``error`` names a column of error-bar half-widths (e.g. SEM)."""
    import numpy as np

    sns.set_theme(style="whitegrid")
    panels = list(dict.fromkeys(frame[panel])) if panel else [None]
    groups = list(dict.fromkeys(frame[x]))
    hues = list(dict.fromkeys(frame[hue]))
    colours = dict(zip(hues, sns.color_palette("colorblind", len(hues))))
    figure, axes = plt.subplots(1, len(panels), figsize=(max(5.0, 1.1 * len(groups) * len(hues) / 2 + 2) * len(panels), 3.8), squeeze=False)
    width = 0.8 / len(hues)
    for axis, name in zip(axes[0], panels):
        data = frame if name is None else frame[frame[panel] == name]
        for k, label in enumerate(hues):
            rows = data[data[hue] == label].set_index(x).reindex(groups)
            positions = np.arange(len(groups)) + (k - (len(hues) - 1) / 2) * width
            axis.bar(positions, rows[y], width, yerr=rows[error] if error else None, capsize=2, color=colours[label], label=label)
        axis.set_xticks(np.arange(len(groups)), groups, fontsize=7)
        axis.set_ylabel(ylabel)
        axis.set_title(title if name is None else f"{title}: {name}", fontsize=9)
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    save_figure(figure, path)


def _panel_grid(n_rows: int, n_columns: int, width: float = 4.6, height: float = 3.2):
    return plt.subplots(n_rows, n_columns, figsize=(width * n_columns, height * n_rows), squeeze=False)


def variant_curves(table, path: str, *, hue: str, panel: str, measures: dict[str, str], title: str) -> None:
    """Appendix G.2's Figures 11-12 (and the weighting ablation): one line per ``hue`` value
    (a window L, a weighting) of each measure against the boosting round t, one row of panels
    per ``panel`` value (dataset / split / weak model); error bars are the ``{measure}_sem``
    columns (none with one seed).  Hollow markers: rounds that no seed accepted."""
    import numpy as np

    sns.set_theme(style="whitegrid")
    panels = list(dict.fromkeys(table[panel]))
    hues = list(dict.fromkeys(table[hue]))
    colours = dict(zip(hues, sns.color_palette("colorblind", len(hues))))
    styles = dict(zip(hues, ["-", "--", "-.", ":"] * len(hues)))  # equal curves stay visible on each other
    figure, axes = _panel_grid(len(panels), len(measures), width=6.0, height=3.6)
    for row, name in enumerate(panels):
        data = table[table[panel] == name]
        for column, (measure, label) in enumerate(measures.items()):
            axis = axes[row][column]
            for value in hues:
                line = data[data[hue] == value].sort_values("t")
                sem = line[f"{measure}_sem"].fillna(0.0).to_numpy() if f"{measure}_sem" in line else None
                axis.errorbar(
                    line["t"], line[measure], yerr=sem, color=colours[value], linestyle=styles[value], marker="o", capsize=2, label=str(value)
                )
                if "accepted_seeds" in line:
                    rejected = line[(line["accepted_seeds"] == 0) & (line["t"] > 1)]
                    axis.scatter(rejected["t"], rejected[measure], s=60, facecolor="white", edgecolor=colours[value], zorder=3)
            axis.set_xticks(np.unique(data["t"]))
            axis.set_xlabel("round t (ensemble of rounds 1..t)", fontsize=8)
            axis.set_ylabel(label, fontsize=8)
            axis.set_title(name, fontsize=9)
            axis.legend(fontsize=7, title=hue, title_fontsize=7)
    figure.suptitle(title + "\n(hollow: a round no seed accepted; its ensemble equals the previous one)", fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def variant_bars(table, path: str, *, hue: str, x: str, panel: str, measures: dict[str, str], title: str, zero_line: bool = False) -> None:
    """Bars of each measure per ``x`` coloured by ``hue``, one row of panels per ``panel`` value:
    Appendix G.2's Figure 10 (x: pair and round, hue: the combination, rows: splits) and the ID /
    OOD gains (``zero_line``: differences, drawn around 0 on their own scale)."""
    import numpy as np

    sns.set_theme(style="whitegrid")
    panels = list(dict.fromkeys(table[panel]))
    hues = list(dict.fromkeys(table[hue]))
    colours = dict(zip(hues, sns.color_palette("colorblind", len(hues))))
    width = 0.8 / len(hues)
    most = max(table.groupby(panel)[x].nunique())
    figure, axes = _panel_grid(len(panels), len(measures), width=max(5.4, 0.3 * most * len(hues) + 2.5), height=3.8)
    for row, name in enumerate(panels):
        data = table[table[panel] == name]
        groups = list(dict.fromkeys(data[x]))  # each panel its own groups (a track's datasets)
        for column, (measure, label) in enumerate(measures.items()):
            axis = axes[row][column]
            for k, value in enumerate(hues):
                bars = data[data[hue] == value].set_index(x).reindex(groups)
                sem = bars[f"{measure}_sem"].fillna(0.0).to_numpy() if f"{measure}_sem" in bars else None
                positions = np.arange(len(groups)) + (k - (len(hues) - 1) / 2) * width
                axis.bar(positions, bars[measure], width, yerr=sem, capsize=2, color=colours[value], label=str(value))
            if zero_line:
                axis.axhline(0.0, color="black", linewidth=0.8)
            else:
                low = float(np.nanmin(data[measure].to_numpy()))
                axis.set_ylim(max(0.0, low - 0.1), min(1.05, float(np.nanmax(data[measure].to_numpy())) + 0.08))
            axis.set_xticks(np.arange(len(groups)), groups, fontsize=7)
            axis.set_ylabel(label, fontsize=8)
            axis.set_title(name, fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, fontsize=7, title=hue, title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 0.95))
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def baselines_figure(table, path: str, *, title: str, labels: dict[str, str]) -> None:
    """Weak ensemble and student test accuracy per T (T >= 2) for each method, one row of two panels
    per (split, pair); the single weak model (T = 1) and its student as dashed lines.  Bars start at
    0; error bars (SEM) only where there are >= 2 seeds."""
    import numpy as np

    sns.set_theme(style="whitegrid")
    runs = list(dict.fromkeys(zip(table["split"], table["weak"], table["strong"])))
    methods = [m for m in dict.fromkeys(table["method"])]
    colours = dict(zip(methods, sns.color_palette("colorblind", len(methods))))
    figure, axes = _panel_grid(len(runs), 2)
    for row, (split, weak, strong) in enumerate(runs):
        data = table[(table["split"] == split) & (table["weak"] == weak) & (table["strong"] == strong)]
        rounds = sorted(t for t in set(data["t"]) if t > 1)
        width = 0.8 / len(methods)
        for axis, column, name in zip(axes[row], ("ensemble", "student"), ("weak ensemble", "student")):
            single = data[data["t"] == 1][column].iloc[0]
            axis.axhline(
                single, color="0.3", linestyle="--", linewidth=1, label=f"single weak (T = 1){'' if column == 'ensemble' else ': its student'}"
            )
            for k, method in enumerate(methods):
                rows = data[data["method"] == method].set_index("t").reindex(rounds)
                errors = rows[f"{column}_sem"].where(rows["n_seeds"] >= 2)
                positions = np.arange(len(rounds)) + (k - (len(methods) - 1) / 2) * width
                axis.bar(
                    positions,
                    rows[column],
                    width,
                    yerr=None if errors.isna().all() else errors,
                    capsize=2,
                    color=colours[method],
                    label=labels[method],
                )
            axis.set_xticks(np.arange(len(rounds)), [f"T = {t}" for t in rounds])
            axis.set_ylim(0, 1)
            axis.set_ylabel("test accuracy")
            axis.set_title(f"{name}: {weak} → {strong} ({labels.get(split, split)})", fontsize=9)
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)
