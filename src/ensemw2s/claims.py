"""The paper's claims as data (resources/paper/claims.csv; columns in resources/paper/README.md).

``load_claims`` checks the file before anyone compares results with it, so that a typo in an
enumerated column cannot silently drop a claim from a comparison.  Errors name the file, the line
(header = line 1) and the column.
"""

from __future__ import annotations

import csv
import os
import re

import pandas as pd

COLUMNS = (
    "id",
    "quote",
    "source",
    "location",
    "value",
    "unit",
    "kind",
    "track",
    "measure",
    "who",
    "comparison",
    "relative",
    "split",
    "datasets",
    "pairs",
    "aggregate",
    "round",
    "notes",
)
# Allowed values of the enumerated columns; "" = not stated by the paper (or, for unit and
# relative, a qualitative claim).
ALLOWED = {
    "source": {"arxiv-2410.04571", "acl2026-abstract"},
    "unit": {"percent_points", "percent_relative", "ratio", "count", ""},
    "kind": {"quantitative", "qualitative"},
    "track": {"classification", "generation"},
    "measure": {"accuracy", "option_accuracy", "token_accuracy", "token_error", "pgr", ""},
    "who": {"weak_ensemble", "student", "pgr", "oracle", "hard_vs_easy_training"},
    "relative": {"absolute", "relative", ""},
    "split": {"random", "easyhard", "id", "ood", "any"},
    "aggregate": {"mean_over_pairs", "max_over_pairs", "each_pair", "most_pairs", "some_pairs", "single"},
}
DATASETS = {"sciq", "quartz", "arc"}
REQUIRED = ("id", "quote", "location", "comparison", "pairs")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
ROUND = re.compile(r"best|final|all_n_ge_2|[1-9]\d*(;[1-9]\d*)*|")
PAIR = re.compile(r"[\w.*-]+(->[\w.*-]+)?")  # a weak->strong pair ("*" = any model) or one model


def _row_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    """(column, problem) for every rule this row breaks."""
    problems = [(column, "is empty") for column in REQUIRED if not row[column]]
    problems += [(column, f"{row[column]!r} is not one of {sorted(allowed)}") for column, allowed in ALLOWED.items() if row[column] not in allowed]
    if row["id"] and not SLUG.fullmatch(row["id"]):
        problems.append(("id", f"{row['id']!r} is not a lowercase slug (a-z, 0-9, '-')"))
    if unknown := [d for d in row["datasets"].split(";") if row["datasets"] and d not in DATASETS]:
        problems.append(("datasets", f"{unknown} not among {sorted(DATASETS)} (';'-separated, empty = not stated)"))
    if row["pairs"] != "all" and not all(PAIR.fullmatch(pair) for pair in row["pairs"].split(";")):
        problems.append(("pairs", f"{row['pairs']!r} is not 'all' or ';'-separated weak->strong pairs / models"))
    if not ROUND.fullmatch(row["round"]):
        problems.append(("round", f"{row['round']!r} is not best, final, all_n_ge_2, ';'-separated rounds or empty"))
    if row["value"]:
        try:
            float(row["value"])
        except ValueError:
            problems.append(("value", f"{row['value']!r} is not a number"))
    if row["kind"] == "quantitative":
        problems += [(column, "is empty on a quantitative claim") for column in ("value", "unit", "relative") if not row[column]]
    elif row["kind"] == "qualitative" and row["value"]:
        problems.append(("value", "is set on a qualitative claim"))
    return problems


def load_claims(path: str | os.PathLike) -> pd.DataFrame:
    """The claims of ``path``, one row each, ``value`` as float (NaN where empty); ValueError listing
    every problem as ``path:line: column: problem``."""
    errors, rows, first_line = [], [], {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if tuple(header) != COLUMNS:
            raise ValueError(f"{path}:1: header: columns are {header}, expected exactly {list(COLUMNS)}")
        for fields in reader:
            line = reader.line_num  # the record's last line: a quoted field may span lines
            if len(fields) != len(COLUMNS):
                errors.append(f"{path}:{line}: row: {len(fields)} fields, expected {len(COLUMNS)}")
                continue
            row = dict(zip(COLUMNS, fields))
            errors += [f"{path}:{line}: {column}: {problem}" for column, problem in _row_problems(row)]
            if row["id"] in first_line:
                errors.append(f"{path}:{line}: id: {row['id']!r} repeats line {first_line[row['id']]}")
            first_line.setdefault(row["id"], line)
            rows.append(row)
    if errors:
        raise ValueError("\n".join(errors))
    for row in rows:
        row["value"] = float(row["value"]) if row["value"] else float("nan")
    return pd.DataFrame(rows, columns=list(COLUMNS))
