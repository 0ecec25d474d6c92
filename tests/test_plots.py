"""Figures are reproducible: the same data gives byte-identical PDFs (no creation date inside)."""

import time

import pandas as pd

from ensemw2s import plots


def _figures(path_prefix):
    plots.difficulty_histogram([0.1, 0.2, 0.2, 0.7, 0.9], "quartz", f"{path_prefix}_hist.pdf", bins=5, rater="tiny-weak")
    frame = pd.DataFrame(
        {"pair": ["a→b", "a→b", "a→c", "a→c"], "kind": ["baseline", "ensemble"] * 2, "acc": [0.5, 0.6, 0.55, 0.65], "split": ["random"] * 4}
    )
    plots.grouped_bars(frame, "pair", "acc", hue="kind", panel="split", path=f"{path_prefix}_bars.pdf", title="bars", ylabel="accuracy")


def test_same_figure_twice_gives_the_same_bytes(tmp_path):
    _figures(tmp_path / "first")
    time.sleep(1.1)  # a creation date, if written, would differ (it has one-second resolution)
    _figures(tmp_path / "second")
    for name in ("hist", "bars"):
        first, second = ((tmp_path / f"{run}_{name}.pdf").read_bytes() for run in ("first", "second"))
        assert first.startswith(b"%PDF") and b"/CreationDate" not in first
        assert first == second, name
