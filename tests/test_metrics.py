"""PGR edge cases, mean ± SEM, round selection and table files."""

import math

import pandas as pd
import pytest

from ensemw2s import metrics
from ensemw2s.metrics import mean_sem, pgr, select_rounds
from ensemw2s.tables import format_mean_sem, write_table


def test_pgr():
    assert pgr(0.7, 0.6, 0.8) == pytest.approx(0.5)
    assert pgr(0.5, 0.6, 0.8) == pytest.approx(-0.5)  # transfer below weak: negative
    assert pgr(0.9, 0.6, 0.8) == pytest.approx(1.5)  # transfer above the oracle: beyond 1
    assert math.isnan(pgr(0.7, 0.6, 0.6))  # no gap to recover
    assert math.isnan(pgr(0.7, 0.8, 0.6))  # oracle below weak
    assert math.isnan(pgr(float("nan"), 0.6, 0.8))
    assert math.isnan(pgr(0.7, 0.6, float("nan")))


def test_mean_sem():
    mean, sem = mean_sem([1.0, 2.0, 3.0])
    assert mean == pytest.approx(2.0) and sem == pytest.approx(1 / math.sqrt(3))
    mean, sem = mean_sem([0.5])  # one seed: no spread, the SEM is undefined (NaN), never 0
    assert mean == 0.5 and math.isnan(sem)
    mean, sem = mean_sem([float("nan"), 0.5])  # one defined value left
    assert mean == 0.5 and math.isnan(sem)
    assert mean_sem([float("nan"), 1.0, 3.0]) == pytest.approx((2.0, 1.0))  # NaN dropped
    assert all(math.isnan(v) for v in mean_sem([float("nan")]))
    assert all(math.isnan(v) for v in mean_sem([]))


def test_select_rounds():
    table = pd.DataFrame({"t": [1, 2, 3, 4], "test": [0.5, 0.7, 0.7, 0.6], "val": [0.6, 0.5, 0.6, 0.4]})
    # best and val_selected among the ensemble rounds t >= 2 (round 1's val 0.6 ties round 3's but
    # is the baseline); ties -> the earlier round
    assert select_rounds(table) == {"best": 2, "final": 4, "val_selected": 3}
    table.loc[0, "test"] = 0.9  # the baseline is never the "best" ensemble round
    assert select_rounds(table)["best"] == 2
    assert select_rounds(table.iloc[:1]) == {"best": 1, "final": 1, "val_selected": 1}  # T = 1: the baseline
    table["val"] = float("nan")
    assert select_rounds(table)["val_selected"] == 4  # nothing to select on: final
    with pytest.raises(ValueError, match="'score'"):
        select_rounds(table, score="score")


def test_format_mean_sem():
    assert format_mean_sem(0.7123, 0.0131) == "0.712 ± 0.013"
    assert format_mean_sem(float("nan"), 0.1) == "n/a"
    assert format_mean_sem(0.5, float("nan"), digits=2) == "0.50"  # one seed: no SEM, the plain value, never ± 0
    assert format_mean_sem(0.05, 0.01, signed=True) == "+0.050 ± 0.010"


def test_write_table_writes_four_formats(tmp_path):
    numbers = pd.DataFrame({"pair": ["a_b"], "acc": [0.5], "acc_sem": [0.01]})
    shown = pd.DataFrame({"pair": ["a_b"], "acc": [format_mean_sem(0.5, 0.01)]})
    write_table(numbers, str(tmp_path / "t"), "Caption 50%", display=shown)
    assert pd.read_csv(tmp_path / "t.csv")["acc"].tolist() == [0.5]
    markdown = (tmp_path / "t.md").read_text()
    assert "| a_b | 0.500 ± 0.010 |" in markdown and markdown.startswith("Caption 50%")
    latex = (tmp_path / "t.tex").read_text()
    assert r"a\_b & 0.500 $\pm$ 0.010 \\" in latex and r"\caption{Caption 50\%}" in latex
    # booktabs rules, text left- and numbers right-aligned (pandas' Styler.to_latex)
    assert [r"\toprule", r"\midrule", r"\bottomrule"] == [line for line in latex.splitlines() if line.endswith("rule")]
    assert r"\begin{tabular}{lr}" in latex and "|---|---:|" in markdown
    # the page the Snakemake report shows: caption (escaped) above the table as shown, numbers right
    page = (tmp_path / "t.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page and "<caption>Caption 50%</caption>" in page
    assert ">0.500 ± 0.010</td>" in page and "td.col1 {\n  text-align: right;" in page
    write_table(numbers, str(tmp_path / "again"), "Caption 50%", display=shown)
    assert (tmp_path / "again.html").read_text() == page  # no random ids: the same table, the same file
    assert not list(tmp_path.glob("*.part"))


def test_classifier_accuracy():
    assert metrics.accuracy([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="one probability per label"):
        metrics.accuracy([0.9], [1, 0])


def test_student_supervisor_agreement_compares_the_two_predictions_not_the_gold_labels():
    # thresholded as accuracy: (1, 0, 1, 0) against (1, 0, 0, 0), so 3 of 4 agree
    assert metrics.agreement([0.9, 0.2, 0.6, 0.4], [0.7, 0.4, 0.5, 0.1]) == 0.75
    assert metrics.agreement([0.51, 0.49], [0.99, 0.01]) == 1.0  # confidence does not matter
    with pytest.raises(ValueError, match="one supervisor prediction per prediction"):
        metrics.agreement([0.9], [0.1, 0.2])
    # the generation track's: chosen options, compared as they are
    assert metrics.choice_agreement([0, 1, 2, 1], [0, 1, 1, 1]) == 0.75
    with pytest.raises(ValueError, match="at least one"):
        metrics.choice_agreement([], [])
