"""Figures: every plot function takes tidy data and a path, and writes one PDF (and its PNG
preview, :func:`save_figure`) atomically."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .files import atomic_path  # noqa: E402
from .labels import label, pair_label  # noqa: E402

# No creation date in the PDF: the same data (and the same matplotlib) gives byte-identical files.
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": "ensemw2s"}
PNG_METADATA = {"Software": "ensemw2s"}  # matplotlib's version stays out of the file, as in the PDF
PNG_DPI = 100


def save_figure(figure, path: str) -> None:
    """Write ``path``: a PDF (the paper's figure) and, beside it, the same figure as PNG: the
    Snakemake report shows the PNG (it previews a PDF only where the browser has a PDF viewer);
    a ``.png`` path alone writes the PNG only (reviews, tests)."""
    stem, is_pdf = str(path).removesuffix(".pdf"), str(path).endswith(".pdf")
    if is_pdf:
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format="pdf", bbox_inches="tight", metadata=PDF_METADATA)
    with atomic_path(f"{stem}.png" if is_pdf else path) as tmp:
        figure.savefig(tmp, format="png", bbox_inches="tight", dpi=PNG_DPI, metadata=PNG_METADATA)
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


def _errorbar(frame, keys) -> str | None:
    """seaborn's ``errorbar``: the SEM where some bar has >= 2 seeds, none at one seed (a
    zero-height error bar would claim a precision no single run has)."""
    if "seed" not in frame or frame.empty:
        return None
    return "se" if frame.groupby(list(keys), dropna=False)["seed"].nunique().max() >= 2 else None


def _readable_ticks(axis) -> None:
    """Vertical category labels: long pair names never run into each other (each takes one
    line's height, whatever its length)."""
    for tick in axis.get_xticklabels():
        tick.set_rotation(90)
        tick.set_fontsize(7)


def _from_zero(axis, top: float | None = None) -> None:
    """Bars start at 0 (a truncated axis exaggerates differences)."""
    axis.set_ylim(0.0, top if top is not None else max(axis.get_ylim()[1], 1e-9))


def _pair_width(n_groups: int, n_hues: int) -> float:
    return max(5.0, 0.32 * n_groups * max(n_hues, 2) + 2.0)


def pgr_figure(summary, path: str, title: str) -> None:
    """Paper Figs 2, 4, 15: weak-to-strong transfer per (weak, strong) pair, one row per split.

    ``summary`` has one row per (split, weak, strong) and, where a ``seed`` column is given, per
    seed (error bars: the SEM over seeds, drawn by seaborn, only with >= 2 seeds), with
    ``strong_rank`` (x-axis order), ``weak_acc``, ``oracle_acc``, ``baseline_acc``,
    ``ensemble_acc``, ``baseline_pgr``, ``ensemble_pgr``.  Panels per split: (a) bars from 0 of
    baseline vs ensemble transfer accuracy per pair, the weak and oracle accuracies as markers;
    (b) accuracy against the strong model, one colour per weak model (solid: ensemble, dashed:
    baseline, dotted: oracle); (c) PGR against the strong model (0 and 1 marked).
    """
    import numpy as np

    required = {"split", "weak", "strong", "strong_rank", "weak_acc", "oracle_acc", "baseline_acc", "ensemble_acc", "baseline_pgr", "ensemble_pgr"}
    missing = required - set(summary.columns)
    if missing:
        raise ValueError(f"pgr_figure: summary lacks columns {sorted(missing)}")
    if summary.empty:
        raise ValueError("pgr_figure: the summary has no rows")
    summary = summary.copy()
    if "seed" not in summary:
        summary["seed"] = 0
    sns.set_theme(style="whitegrid")
    splits = [s for s in ("random", "easyhard") if s in set(summary["split"])] + sorted(set(summary["split"]) - {"random", "easyhard"})
    pairs = summary.sort_values(["strong_rank", "weak"]).drop_duplicates(["weak", "strong"])
    n_pairs = len(pairs)
    figure, axes = plt.subplots(
        len(splits), 3, figsize=(max(15.0, 0.55 * n_pairs + 11.0), 4.8 * len(splits)), squeeze=False, gridspec_kw={"width_ratios": [1.6, 1, 1]}
    )
    weak_models = list(dict.fromkeys(pairs["weak"]))
    palette = dict(zip(weak_models, sns.color_palette("colorblind", len(weak_models))))
    roles = {"baseline_acc": label("baseline"), "ensemble_acc": label("ensemble")}
    for row, split in enumerate(splits):
        data = summary[summary["split"] == split].sort_values(["strong_rank", "weak"]).reset_index(drop=True)
        data["pair"] = [pair_label(w, s) for w, s in zip(data["weak"], data["strong"])]
        order = list(dict.fromkeys(data["pair"]))
        bars, acc_axis, pgr_axis = axes[row]
        long = data.melt(id_vars=["seed", "pair"], value_vars=list(roles), var_name="role", value_name="accuracy")
        long["role"] = long["role"].map(roles)
        errorbar = _errorbar(long, ["pair", "role"])
        sns.barplot(
            long,
            x="pair",
            y="accuracy",
            hue="role",
            order=order,
            hue_order=list(roles.values()),
            palette=["#4C72B0", "#8C8C8C"],
            errorbar=errorbar,
            capsize=0.15,
            err_kws={"linewidth": 1},
            ax=bars,
        )
        means = data.groupby("pair", sort=False)[["weak_acc", "oracle_acc"]].mean().reindex(order)
        positions = np.arange(len(order))
        bars.scatter(positions, means["weak_acc"], marker="_", s=300, color="#C44E52", zorder=3, label=label("weak"))
        bars.scatter(positions, means["oracle_acc"], marker="_", s=300, color="black", zorder=3, label=label("oracle"))
        _readable_ticks(bars)
        bars.set_xlabel("weak → strong")
        bars.set_ylabel("test accuracy")
        _from_zero(bars, 1.15)  # headroom above 1 keeps the legend off the bars
        bars.set_title(f"({chr(97 + 3 * row)}) {label(split)} split: transfer accuracy")
        bars.legend(fontsize=7, loc="upper left", ncol=4)
        line_long = data.melt(
            id_vars=["seed", "weak", "strong_rank"], value_vars=["baseline_acc", "ensemble_acc", "baseline_pgr", "ensemble_pgr"], var_name="column"
        )
        line_long["student"] = line_long["column"].str.split("_").str[0].map(label)
        line_long = line_long.rename(columns={"weak": "weak model"})
        line_errorbar = _errorbar(line_long, ["weak model", "strong_rank", "column"])
        for axis, suffix in ((acc_axis, "_acc"), (pgr_axis, "_pgr")):
            sns.lineplot(
                line_long[line_long["column"].str.endswith(suffix)],
                x="strong_rank",
                y="value",
                hue="weak model",
                style="student",
                hue_order=weak_models,
                style_order=[label("ensemble"), label("baseline")],
                palette=palette,
                markers=True,
                dashes=[(None, None), (4, 2)],
                errorbar=line_errorbar,
                err_style="bars",
                err_kws={"capsize": 2},
                ax=axis,
            )
        oracle = data.groupby("strong_rank")["oracle_acc"].mean()
        acc_axis.plot(oracle.index, oracle.to_numpy(), color="black", linestyle=":", marker="^", label=label("oracle"))
        strong_ticks = data.drop_duplicates("strong_rank").sort_values("strong_rank")
        for axis, name in ((acc_axis, "test accuracy"), (pgr_axis, "PGR")):
            axis.set_xticks(strong_ticks["strong_rank"], strong_ticks["strong"])
            _readable_ticks(axis)
            axis.set_xlabel("strong model")
            axis.set_ylabel(name)
            axis.legend(fontsize=6)
        _from_zero(acc_axis, 1.05)
        pgr_axis.axhline(0.0, color="black", linewidth=0.9)
        pgr_axis.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
        acc_axis.set_title(f"({chr(98 + 3 * row)}) {label(split)}: accuracy")
        pgr_axis.set_title(f"({chr(99 + 3 * row)}) {label(split)}: PGR (0 weak, 1 oracle)")
    figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)


def bar_panels(
    frame, *, x: str, y: str, hue: str, panel: str | None, path: str, title: str, ylabel: str, rows: str | None = None, top: float | None = None
) -> None:
    """Bars from 0 of ``y`` per ``x`` coloured by ``hue``, one panel per value of ``panel`` (and
    one row of panels per value of ``rows``), aggregated by seaborn over the rows of each bar (one
    per seed): the mean, with the SEM as an error bar only where a bar has >= 2 seeds.  Values of
    ``x``/``hue``/``panel`` are shown as given (pass labels, ensemw2s.labels)."""
    sns.set_theme(style="whitegrid")
    panels = list(dict.fromkeys(frame[panel])) if panel else [None]
    row_values = list(dict.fromkeys(frame[rows])) if rows else [None]
    hues = list(dict.fromkeys(frame[hue]))
    palette = dict(zip(hues, sns.color_palette("colorblind", len(hues))))
    most = max(frame[frame[panel] == name][x].nunique() if panel else frame[x].nunique() for name in panels)
    figure, axes = plt.subplots(
        len(row_values), len(panels), figsize=(_pair_width(most, len(hues)) * len(panels), 3.9 * len(row_values)), squeeze=False
    )
    errorbar = _errorbar(frame, [k for k in (x, hue, panel, rows) if k])
    for r, row_value in enumerate(row_values):
        for c, name in enumerate(panels):
            axis = axes[r][c]
            data = frame if name is None else frame[frame[panel] == name]
            data = data if row_value is None else data[data[rows] == row_value]
            sns.barplot(
                data,
                x=x,
                y=y,
                hue=hue,
                hue_order=[h for h in hues if h in set(data[hue])],
                palette=palette,
                errorbar=errorbar,
                capsize=0.15,
                err_kws={"linewidth": 1},
                ax=axis,
            )
            _from_zero(axis, top)
            _readable_ticks(axis)
            axis.set_xlabel("")
            axis.set_ylabel(ylabel)
            axis.set_title(" / ".join(str(v) for v in (row_value, name) if v is not None) or title, fontsize=9)
            if axis.get_legend() is not None:
                axis.get_legend().remove()
    handles, labels_ = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels_, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 0.95))
    figure.suptitle(title + ("" if errorbar else " (one seed: no error bars)"), fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def _mark_zero_bars(axis) -> None:
    """A gain of exactly 0 draws no bar: label it "0" so that it does not read as a missing value."""
    for container in axis.containers:
        if hasattr(container, "datavalues"):
            axis.bar_label(container, labels=["0" if value == 0 else "" for value in container.datavalues], fontsize=7, padding=2)


def gain_panels(frame, *, path: str, title: str, measures: dict[str, str], group: str, hue: str, panel: str, hue_order) -> None:
    """Small multiples of differences (gains): one row of panels per ``panel`` value (a track),
    one column per measure; in each, the ``hue`` values present side by side per ``group`` (only
    the groups and hues that exist there), a marked zero line, a gain of exactly 0 labelled "0",
    SEM error bars only with >= 2 seeds."""
    sns.set_theme(style="whitegrid")
    panels = list(dict.fromkeys(frame[panel]))
    palette = dict(zip(hue_order, sns.color_palette("colorblind", len(hue_order))))
    most = max(frame[frame[panel] == name][group].nunique() for name in panels)
    n_hues = max(frame[frame[panel] == name][hue].nunique() for name in panels)
    figure, axes = plt.subplots(len(panels), len(measures), figsize=(_pair_width(most, n_hues) * len(measures), 4.2 * len(panels)), squeeze=False)
    handles = {}
    for r, name in enumerate(panels):
        for c, (measure, measure_label) in enumerate(measures.items()):
            axis = axes[r][c]
            data = frame[(frame[panel] == name) & frame[measure].notna()]  # only the pairs and parts that exist
            if data.empty:
                axis.set_axis_off()
                continue
            present = [h for h in hue_order if h in set(data[hue])]
            sns.barplot(
                data,
                x=group,
                y=measure,
                hue=hue,
                hue_order=present,
                palette=palette,
                errorbar=_errorbar(data, [group, hue]),
                capsize=0.15,
                err_kws={"linewidth": 1},
                ax=axis,
            )
            axis.axhline(0.0, color="black", linewidth=1.0)
            _mark_zero_bars(axis)
            low, high = axis.get_ylim()
            span = max(abs(low), abs(high), 0.01)
            axis.set_ylim(min(low, -0.1 * span), max(high, 0.1 * span))  # 0 always inside, marked
            _readable_ticks(axis)
            axis.set_xlabel("")
            axis.set_ylabel(measure_label, fontsize=8)
            axis.set_title(f"{name}: {measure_label}", fontsize=9)
            for handle, text in zip(*axis.get_legend_handles_labels()):
                handles.setdefault(text, handle)
            if axis.get_legend() is not None:
                axis.get_legend().remove()
    figure.legend(list(handles.values()), list(handles), fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 0.95))
    figure.suptitle(title, fontsize=10)
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
        for column, (measure, measure_label) in enumerate(measures.items()):
            axis = axes[row][column]
            for value in hues:
                line = data[data[hue] == value].sort_values("t")
                sem = line[f"{measure}_sem"].to_numpy() if f"{measure}_sem" in line and line[f"{measure}_sem"].notna().any() else None
                axis.errorbar(
                    line["t"], line[measure], yerr=sem, color=colours[value], linestyle=styles[value], marker="o", capsize=2, label=str(value)
                )
                if "accepted_seeds" in line:
                    rejected = line[(line["accepted_seeds"] == 0) & (line["t"] > 1)]
                    axis.scatter(rejected["t"], rejected[measure], s=60, facecolor="white", edgecolor=colours[value], zorder=3)
            axis.set_xticks(np.unique(data["t"]))
            axis.set_xlabel("round t (ensemble of rounds 1..t)", fontsize=8)
            axis.set_ylabel(measure_label, fontsize=8)
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
        for column, (measure, measure_label) in enumerate(measures.items()):
            axis = axes[row][column]
            for k, value in enumerate(hues):
                bars = data[data[hue] == value].set_index(x).reindex(groups)
                sem = bars[f"{measure}_sem"].to_numpy() if f"{measure}_sem" in bars and bars[f"{measure}_sem"].notna().any() else None
                positions = np.arange(len(groups)) + (k - (len(hues) - 1) / 2) * width
                axis.bar(positions, bars[measure], width, yerr=sem, capsize=2, color=colours[value], label=str(value))
            if zero_line:
                axis.axhline(0.0, color="black", linewidth=0.8)
            else:
                axis.set_ylim(0.0, min(1.05, float(np.nanmax(data[measure].to_numpy())) + 0.08))  # bars from 0
            axis.set_xticks(np.arange(len(groups)), groups, fontsize=7)
            axis.set_ylabel(measure_label, fontsize=8)
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
    methods = list(dict.fromkeys(table["method"]))
    colours = dict(zip(methods, sns.color_palette("colorblind", len(methods))))
    figure, axes = _panel_grid(len(runs), 2)
    for row, (split, weak, strong) in enumerate(runs):
        data = table[(table["split"] == split) & (table["weak"] == weak) & (table["strong"] == strong)]
        rounds = sorted(t for t in set(data["t"]) if t > 1)
        width = 0.8 / len(methods)
        for axis, column, name in zip(axes[row], ("ensemble", "student"), ("weak ensemble", "student")):
            single = data[data["t"] == 1][column].iloc[0]
            axis.axhline(single, color="0.3", linestyle="--", linewidth=1, label="single weak model (T = 1), and its student")
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
            axis.set_title(f"{name}\n{weak} → {strong} ({labels.get(split, split)})", fontsize=9)  # two lines: long model names
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)
