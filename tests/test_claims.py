"""The paper's claims (resources/paper/claims.csv): the file is valid, its quotes are the paper's words,
its numbers are in its quotes, and the validator names the line and column of a bad row."""

import csv
import re

import pytest

from conftest import REPO
from ensemw2s.claims import COLUMNS, load_claims

CLAIMS = REPO / "resources/paper/claims.csv"
PAPER = REPO.parent / "shared/paper"  # CI and the project's machines keep the paper beside the repository
PAPER_FILES = {"arxiv-2410.04571": "ensemw2s-2410.04571.md", "acl2026-abstract": "ensemw2s-acl2026-abstract.md"}


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _numbers(text: str) -> set[float]:
    return {float(number) for number in re.findall(r"\d+(?:\.\d+)?", text)}


def test_shipped_claims_load():
    claims = load_claims(CLAIMS)
    assert len(claims) >= 15
    assert set(claims["source"]) == set(PAPER_FILES)
    assert claims.loc[claims["kind"] == "quantitative", "value"].notna().all()


@pytest.mark.skipif(not PAPER.is_dir(), reason=f"the paper's text is not at {PAPER} (CI keeps shared/paper/ beside the repository)")
def test_every_quote_is_verbatim_in_its_source():
    papers = {source: _normalised((PAPER / name).read_text(encoding="utf-8")) for source, name in PAPER_FILES.items()}
    claims = load_claims(CLAIMS)
    missing = [claim.id for claim in claims.itertuples() if _normalised(claim.quote) not in papers[claim.source]]
    assert not missing, f"quotes not found verbatim in their source: {missing}"


def test_every_value_is_stated_in_its_quote():
    claims = load_claims(CLAIMS)
    quantitative = claims[claims["kind"] == "quantitative"]
    assert not quantitative.empty
    missing = [claim.id for claim in quantitative.itertuples() if claim.value not in _numbers(claim.quote)]
    assert not missing, f"values not in their quote: {missing}"


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# A valid row (line 2 of the test files); each case below breaks one column of a copy (line 3).
GOOD = {
    "id": "good",
    "quote": "up to 14% over baselines",
    "source": "arxiv-2410.04571",
    "location": "§1",
    "value": "14",
    "unit": "percent_points",
    "kind": "quantitative",
    "track": "classification",
    "measure": "accuracy",
    "who": "student",
    "comparison": "ensemble-supervised minus baseline student",
    "relative": "absolute",
    "split": "any",
    "datasets": "sciq",
    "pairs": "all",
    "aggregate": "max_over_pairs",
    "round": "best",
    "notes": "",
}


@pytest.mark.parametrize(
    "change, column",
    [
        ({"split": "hard"}, "split"),
        ({"value": "14%"}, "value"),
        ({"value": ""}, "value"),  # quantitative without a value
        ({"kind": "qualitative"}, "value"),  # qualitative with a value
        ({"datasets": "sciq;gsm8k"}, "datasets"),
        ({"round": "T2"}, "round"),
        ({"id": "good"}, "id"),  # repeats line 2
        ({"quote": ""}, "quote"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column(tmp_path, change, column):
    path = _write(tmp_path / "claims.csv", [GOOD, GOOD | {"id": "bad"} | change])
    with pytest.raises(ValueError, match=rf"claims\.csv:3: {column}: "):
        load_claims(path)
    assert len(load_claims(_write(tmp_path / "ok.csv", [GOOD]))) == 1


def test_a_wrong_header_is_line_1(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(",".join(reversed(COLUMNS)) + "\n")
    with pytest.raises(ValueError, match=r"claims\.csv:1: header: "):
        load_claims(path)
