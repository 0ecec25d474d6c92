"""Figures are reproducible: the same data gives byte-identical PDFs (no creation date inside) and
PNG previews."""

import time

import pandas as pd

from ensemw2s import plots


def _figures(path_prefix):
    plots.difficulty_histogram([0.1, 0.2, 0.2, 0.7, 0.9], "quartz", f"{path_prefix}_hist.pdf", bins=5, rater="tiny-weak")
    frame = pd.DataFrame(
        {"pair": ["a→b", "a→b", "a→c", "a→c"], "kind": ["baseline", "ensemble"] * 2, "acc": [0.5, 0.6, 0.55, 0.65], "split": ["random"] * 4}
    )
    plots.bar_panels(frame, x="pair", y="acc", hue="kind", panel="split", path=f"{path_prefix}_bars.pdf", title="bars", ylabel="accuracy")


def test_same_figure_twice_gives_the_same_bytes(tmp_path):
    _figures(tmp_path / "first")
    time.sleep(1.1)  # a creation date, if written, would differ (it has one-second resolution)
    _figures(tmp_path / "second")
    for name in ("hist", "bars"):
        first, second = ((tmp_path / f"{run}_{name}.pdf").read_bytes() for run in ("first", "second"))
        assert first.startswith(b"%PDF") and b"/CreationDate" not in first
        assert first == second, name
        # the PNG beside it (the report shows it): as reproducible
        first, second = ((tmp_path / f"{run}_{name}.png").read_bytes() for run in ("first", "second"))
        assert first.startswith(b"\x89PNG") and first == second, name


# ------------------------------------------------- figures a reader trusts (paper scale: 6 pairs)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ensemw2s import labels, report  # noqa: E402

WEAK, STRONG = ("pythia-70m", "pythia-160m", "pythia-410m"), ("pythia-1b", "pythia-2.8b", "pythia-6.9b")
PAIRS = [(w, s) for w in WEAK for s in STRONG][:6]  # the paper's six generation pairs
RAW_KEYS = {k for k in labels.LABELS if labels.label(k) != k}


def _tidy_summary(seeds: int) -> pd.DataFrame:
    """A synthetic pgr_figure frame: 6 pairs, both splits, one row per seed."""
    rng = np.random.default_rng(0)
    rows = []
    for split in ("random", "easyhard"):
        for weak, strong in PAIRS:
            for seed in range(seeds):
                weak_acc, oracle = 0.55 + rng.normal(0, 0.01), 0.8 + rng.normal(0, 0.01)
                base, ens = 0.65 + rng.normal(0, 0.02), 0.7 + rng.normal(0, 0.02)
                rows.append(
                    {
                        "seed": seed,
                        "split": split,
                        "weak": weak,
                        "strong": strong,
                        "strong_rank": STRONG.index(strong) + 3,
                        "weak_acc": weak_acc,
                        "oracle_acc": oracle,
                        "baseline_acc": base,
                        "ensemble_acc": ens,
                        "baseline_pgr": (base - weak_acc) / (oracle - weak_acc),
                        "ensemble_pgr": (ens - weak_acc) / (oracle - weak_acc),
                    }
                )
    return pd.DataFrame(rows)


def _id_ood_rows(seeds: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for track, datasets in (("generation", ("quartz", "arc")), ("classification", ("sciq",))):
        for dataset in datasets:
            for split, distribution, _ in report.DISTRIBUTIONS:
                for weak, strong in PAIRS:
                    for seed in range(seeds):
                        rows.append(
                            {"track": track, "dataset": dataset, "split": split, "distribution": distribution, "weak": weak, "strong": strong}
                            | {"seed": seed, "expert_gain": rng.normal(0.02, 0.01), "student_gain": rng.normal(0.01, 0.01)}
                        )
    return pd.DataFrame(rows)


def _draw_all(seeds: int, out, monkeypatch) -> list:
    """Every redesigned figure at paper scale; returns the figures (kept open, drawn)."""
    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path: (figure.savefig(path, dpi=60), figures.append(figure)))
    plots.pgr_figure(_tidy_summary(seeds), str(out / f"pgr_{seeds}.png"), "pgr")
    bars = pd.DataFrame(
        [
            {"seed": r["seed"], "pair": labels.pair_label(r["weak"], r["strong"]), "measure": labels.label(m), "model": labels.label(role)}
            | {"accuracy": r[f"{role}_acc"]}
            for _, r in _tidy_summary(seeds).query("split == 'random'").iterrows()
            for m in ("option", "option_norm", "token")
            for role in ("weak", "baseline", "ensemble", "oracle")
        ]
    )
    plots.bar_panels(bars, x="pair", y="accuracy", hue="model", panel="measure", path=str(out / f"bars_{seeds}.png"), title="bars", ylabel="acc")
    frame, order = report.id_ood_figure_frame(_id_ood_rows(seeds))
    measures = {"expert_gain": "expert gain", "student_gain": "student gain"}
    plots.gain_panels(
        frame, path=str(out / f"idood_{seeds}.png"), title="id", measures=measures, group="group", hue="hue", panel="panel", hue_order=order
    )
    for figure in figures:
        figure.canvas.draw()
    return figures


def _error_bars(axis) -> int:
    """Vertical error-bar segments seaborn draws: two consecutive points of a line at one x and
    different heights (its caps and the bars' outlines are horizontal or patches)."""

    def vertical(line) -> bool:
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        return any(x[i] == x[i + 1] and y[i] != y[i + 1] for i in range(len(x) - 1) if np.isfinite([x[i], x[i + 1], y[i], y[i + 1]]).all())

    return sum(vertical(line) for line in axis.lines) + sum(len(c.get_segments()) for c in axis.collections if isinstance(c, LineCollection))


def _texts(axis) -> list[str]:
    legend = axis.get_legend()
    return [t.get_text() for t in axis.get_xticklabels()] + ([t.get_text() for t in legend.get_texts()] if legend else [])


@pytest.mark.parametrize("seeds", [1, 3])
def test_figures_at_paper_scale(seeds, tmp_path, monkeypatch):
    figures = _draw_all(seeds, tmp_path, monkeypatch)
    try:
        renderer = figures[0].canvas.get_renderer()
        bar_axes = []
        for figure in figures:
            texts = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
            for axis in figure.axes:
                if not axis.get_visible() or not axis.axison:
                    continue
                texts += _texts(axis)
                # no overlapping tick labels (text bounding boxes after draw)
                boxes = [t.get_window_extent(renderer) for t in axis.get_xticklabels() if t.get_text()]
                for a, b in zip(boxes, boxes[1:]):
                    assert not a.overlaps(b), f"overlapping ticks in {axis.get_title()!r}"
                if axis.patches:  # a bar panel: from 0, or around a marked zero line
                    bar_axes.append(axis)
                    low = axis.get_ylim()[0]
                    zero_line = any(isinstance(ln, Line2D) and np.allclose(ln.get_ydata(), 0.0) for ln in axis.lines)
                    assert low == 0.0 or (low < 0 and zero_line), axis.get_title()
            assert not (set(texts) & RAW_KEYS), set(texts) & RAW_KEYS
        counts = [_error_bars(axis) for axis in bar_axes]
        assert (sum(counts) == 0) if seeds == 1 else all(c > 0 for c in counts), [(a.get_title(), c) for a, c in zip(bar_axes, counts)]
    finally:
        for figure in figures:
            plt.close(figure)


def test_a_zero_gain_is_labelled_not_left_as_an_empty_slot():
    figure, axis = plt.subplots()
    try:
        axis.bar([0, 1, 2], [0.0, 0.02, -0.01])
        plots._mark_zero_bars(axis)
        assert [t.get_text() for t in axis.texts] == ["0", "", ""]
    finally:
        plt.close(figure)
