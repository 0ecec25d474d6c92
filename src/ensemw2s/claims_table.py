"""The paper's claims (resources/paper/claims.csv) judged against a run's tidy metrics.

A claim's ``who`` and ``comparison`` columns pick its test from :data:`TESTS` (the first entry whose
``who`` matches and whose pattern occurs in the comparison): the quantity compared
(:data:`QUANTITIES`, a column expression over per-seed rows, accuracy differences in points, PGR
in %) and, for a directional claim, the relation it states (in the comparison's words, or ``> 0``,
``>= 100%`` at its end).  The other columns say where the quantity is read:

- ``measure``: the accuracy (:data:`MEASURES`; PGR and "not stated" read the track's round-selecting
  one, the binary label's or the option-wise accuracy);
- ``split``: the split's test set (``any``: both splits; ``id``: the random split's test and the
  easy_test of the easy-hard variant ``splits.ID_SPLIT``; ``ood``: the hard test of that variant,
  or of the main easy-hard split where no variant ran, as ``id_ood_table``);
- ``round``: the ensemble rounds (``best``: the round with the best seed-mean student on that test,
  the paper's plots; ``final``; ``all_n_ge_2``; listed rounds; empty: ``best``);
- ``datasets`` and ``pairs``: the units (one unit = a dataset, split, pair and round);
- ``aggregate``: how units combine (:data:`AGGREGATES`).

A quantitative claim is reproduced when the reproduced value has the paper's sign and the paper's
value lies in its 95 % interval, mean ± t·SEM over seeds (the variance of training seeds, which the
paper's own seeds carry too).  A value that is one unit's (a pair's gain or PGR on a main test set)
also shows that unit's paired bootstrap interval over test items (``ensemw2s.gains``: test-item
sampling, all seeds combined), as do the unit rows of :func:`unit_values`; a mean over several
pairs has none.  A directional claim is reproduced when its relation holds on the units its
aggregate names (seed means).

Scope: a claim is judged on the paper's datasets it names; on a run whose models are not the paper's
(registry entries without ``hub``) that row is ``not comparable``.  The method's direction (ensemble
beats single weak, ensemble-supervised student beats the baseline at the chosen or every round,
PGR improves) is also judged on every sandbox dataset of the claim's track ("sandbox: direction
only").
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import numpy as np
import pandas as pd

from .gains import ALL_SEEDS
from .metrics import mean_sem, pgr, select_rounds
from .report import TRACK_MEASURES, id_ood_frame
from .splits import ID_SPLIT

PAPER_DATASETS = {"classification": ("sciq",), "generation": ("quartz", "arc")}  # "datasets" empty = the track's
TINY = "tiny models, not the paper's"
SANDBOX_SCOPE = "sandbox: direction only"

# ------------------------------------------------------------------------------------ quantities
# claim measure -> tidy measure (None: the track's round-selecting measure); token error is read
# through token accuracy, so "error of single − error of ensemble" is "ensemble − single" accuracy.
MEASURES = {"accuracy": "acc", "option_accuracy": "option", "token_accuracy": "token", "token_error": "token", "pgr": None, "": None}


def _pgr_points(student: pd.Series, weak: pd.Series, oracle: pd.Series) -> pd.Series:
    return pd.Series([100 * pgr(s, w, o) for s, w, o in zip(student, weak, oracle)], index=student.index, dtype=float)


@dataclass(frozen=True)
class Quantity:
    words: str
    unit: str  # "points" (accuracy × 100) or "%" (PGR × 100)
    compute: Callable[[pd.DataFrame], pd.Series]


# Columns of the unit rows (:func:`unit_rows`): weak_single (round 1's expert), weak_ensemble (the
# T-round ensemble), student (trained on its labels), baseline (trained on the single expert's), oracle.
QUANTITIES = {
    "expert_gain": Quantity("weak ensemble − single weak expert", "points", lambda u: 100 * (u["weak_ensemble"] - u["weak_single"])),
    "student_gain": Quantity("ensemble-supervised − baseline student", "points", lambda u: 100 * (u["student"] - u["baseline"])),
    "student_minus_oracle": Quantity("ensemble-supervised student − oracle", "points", lambda u: 100 * (u["student"] - u["oracle"])),
    "ensemble_pgr": Quantity("PGR of the ensemble-supervised student", "%", lambda u: _pgr_points(u["student"], u["weak_single"], u["oracle"])),
    "baseline_pgr": Quantity("PGR of the baseline student", "%", lambda u: _pgr_points(u["baseline"], u["weak_single"], u["oracle"])),
    "pgr_gain": Quantity(
        "PGR of the ensemble-supervised − of the baseline student",
        "%",
        lambda u: _pgr_points(u["student"], u["weak_single"], u["oracle"]) - _pgr_points(u["baseline"], u["weak_single"], u["oracle"]),
    ),
    "oracle_gap": Quantity("oracle − single weak expert", "points", lambda u: 100 * (u["oracle"] - u["weak_single"])),
}
# Quantities with a paired bootstrap interval per unit (ensemw2s.gains, its column): on a main
# split's test part, in the track's round-selecting measure, all seeds combined.
BOOTSTRAPPED = {"expert_gain": "expert_gain", "student_gain": "student_gain", "ensemble_pgr": "pgr", "baseline_pgr": "baseline_pgr"}
# The method's direction: these quantities > 0 on pairs = "all" are judged on the sandbox too.
DIRECTION_QUANTITIES = ("expert_gain", "student_gain", "pgr_gain")


# ----------------------------------------------------------------------------------------- tests
@dataclass(frozen=True)
class Test:
    """``who`` and a regex searched in the comparison -> what to compute.  ``quantity`` None: no
    computation from the tidy metrics (``reason`` says why).  ``relation``: stated in words (else
    parsed from the comparison; none: a quantitative value claim).  ``contrast``: the quantity on
    the easy-hard split minus on the random split, per (dataset, pair).  ``also``: a second
    relation each unit must meet.  ``per_dataset``: a max-over-pairs claim holds on each dataset.
    ``note``: added to the rule (a reading the paper leaves open)."""

    who: str
    pattern: str
    quantity: str | None
    relation: tuple[str, float] | None = None
    contrast: bool = False
    also: tuple[str, str, float] | None = None
    per_dataset: bool = False
    note: str = ""
    reason: str = "qualitative"
    target: str = ""


ABLATION = "ablation (Appendix G.2): compared in the ablation tables, not in the tidy metrics"
TESTS = (
    Test("student", r"increase with model capability", None, reason="qualitative (a trend over model sizes; no test stated)"),
    Test(
        "student",
        r"vs the oracle .*about equal or better",
        "student_minus_oracle",
        relation=(">=", -1.0),
        note=" ('about equal': within 1 point, a tolerance the paper does not state)",
    ),
    Test("student", r"minus the oracle", "student_minus_oracle"),
    Test("student", r"on easy-hard > on random", "student_gain", relation=(">", 0.0), contrast=True),
    Test("student", r"while the expert gain is > 0", "student_gain", also=("expert_gain", ">", 0.0)),
    Test("student", r"minus the baseline student|minus student supervised by the single weak expert", "student_gain"),
    Test("weak_ensemble", r"each of its single experts", None, reason="the tidy metrics hold the first expert's (T = 1) accuracy only"),
    Test("weak_ensemble", r"logits", None, reason=ABLATION, target="results/tables/ablation_combine_{dataset}.csv"),
    Test("weak_ensemble", r"window length", None, reason=ABLATION, target="results/tables/ablation_window_{model}.csv"),
    Test("weak_ensemble", r"token-level weights", None, reason=ABLATION, target="results/tables/ablation_weighting_{dataset}.csv"),
    Test("weak_ensemble", r"decreases as the weak model grows", None, reason="qualitative (a trend over weak model sizes; no test stated)"),
    Test("weak_ensemble", r"^token error of the single weak expert", "expert_gain", target="figures/weak_ensemble_gain.pdf"),
    Test("weak_ensemble", r"^weak ensemble minus single weak expert", "expert_gain"),
    Test("pgr", r"minus PGR of the baseline student", "pgr_gain"),
    Test("pgr", r"^PGR of the baseline student", "baseline_pgr"),
    Test("pgr", r"well below 100%", "ensemble_pgr", relation=("<", 100.0), note=" ('well below' is not quantified)"),
    Test("pgr", r"PGR on easy-hard < PGR on random", "ensemble_pgr", relation=("<", 0.0), contrast=True),
    Test("pgr", r"on each dataset for some pair", "ensemble_pgr", per_dataset=True),
    Test("pgr", r"increases with model size", None, reason="qualitative (a trend over model sizes; no test stated)"),
    Test("pgr", r"pairs whose strong model is", None, reason="qualitative (a contrast between model groups; no test stated)"),
    Test("pgr", r"^PGR of the student supervised by the weak ensemble", "ensemble_pgr"),
    Test("oracle", r"oracle minus single weak expert.*larger on easy-hard than on random", "oracle_gap", relation=(">", 0.0), contrast=True),
    Test("oracle", r"oracle accuracy of", None, reason="qualitative ('large and positive' between two named models; no test stated)"),
    Test(
        "hard_vs_easy_training",
        r"",
        None,
        reason="Figure 5's easy-trained models are not in the tidy metrics",
        target="results/tables/easy_vs_hard.csv",
    ),
)
# A relation at the end of the comparison, or before " (", " on each", " at each": "> 0", ">= 100%".
RELATION = re.compile(r"(>=|<=|>|<) (-?\d+(?:\.\d+)?)%?(?=$| \(| on each| at each)")
RELATIONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def find_test(who: str, comparison: str) -> Test | None:
    """The first :data:`TESTS` entry of ``who`` whose pattern occurs in ``comparison``."""
    return next((test for test in TESTS if test.who == who and re.search(test.pattern, comparison)), None)


def claim_relation(test: Test, comparison: str) -> tuple[str, float] | None:
    if test.relation is not None:
        return test.relation
    match = RELATION.search(comparison)
    return (match.group(1), float(match.group(2))) if match else None


# ----------------------------------------------------------------------------------- aggregates
# aggregate -> (words, needs how many holding units of n): for directional claims on unit seed means.
AGGREGATES = {
    "each_pair": ("on every pair (a sign test)", lambda k, n: k == n),
    "single": ("on the named pair", lambda k, n: k == n),
    "most_pairs": ("on most pairs (more than half)", lambda k, n: 2 * k > n),
    "some_pairs": ("on at least one pair", lambda k, n: k >= 1),
    "mean_over_pairs": ("for the mean over pairs", None),
    "max_over_pairs": ("for the largest pair", None),
}
# 97.5 % quantiles of Student's t (degrees of freedom 1-30; 1.96 beyond): the 95 % interval over seeds.
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131)
T975 += (2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def interval95(mean: float, sem: float, n: int) -> tuple[float, float]:
    """mean ± t(0.975, n − 1) · SEM; NaN with fewer than two seeds."""
    if n < 2 or math.isnan(sem):
        return float("nan"), float("nan")
    half = (T975[n - 2] if n - 1 <= len(T975) else 1.96) * sem
    return mean - half, mean + half


# ------------------------------------------------------------------------------------ unit rows
def _column(role: str, part: str, measure: str) -> str:
    return f"{role}_{measure}" if part == "test" else f"{role}_{part}_{measure}"


SPLIT_PARTS = {
    "random": [("random", "test")],
    "easyhard": [("easyhard", "test")],
    "any": [("random", "test"), ("easyhard", "test")],
    "id": [("random", "test"), (ID_SPLIT, "easy_test")],
    "ood": [(ID_SPLIT, "test"), ("easyhard", "test")],
}
# id / ood claims read report.id_ood_frame (each dataset's random split and its ID / OOD easy-hard
# split: the variant ID_SPLIT where it ran, else the main one), as id_ood_table does.
ID_OOD_CLAIM_SPLITS = ("id", "ood")


def pick_rounds(by_round: pd.DataFrame, spec: str) -> tuple[list[int], str]:
    """The rounds ``spec`` names among those run (``by_round``: t and the seed-mean student score),
    and a note when the claim's rounds were not all run."""
    run = sorted(int(t) for t in by_round["t"])
    if spec in ("", "best", "final"):
        return [select_rounds(by_round, score="score", val="score")[spec or "best"]], ""
    wanted = [t for t in run if t >= 2] if spec == "all_n_ge_2" else [int(t) for t in spec.split(";")]
    kept = [t for t in wanted if t in run]
    if spec != "all_n_ge_2" and len(kept) < len(wanted):
        missing = ", ".join(str(t) for t in wanted if t not in run)
        if not kept:
            return [max(run)], f"T = {missing} not run: the final round T = {max(run)} instead"
        return kept, f"T = {missing} not run"
    return kept, ""


def unit_rows(tidy: pd.DataFrame, *, measure: str, parts: Sequence[tuple[str, str]], rounds: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per (dataset, split, part, pair, round, seed) of ``tidy`` (rows of any datasets):
    the single weak expert, the weak ensemble of ``t`` rounds, its student, the baseline student
    (t = 1) and the oracle, on ``measure`` of each (split, part); rounds chosen per (dataset,
    split, part, pair) on the seed-mean student.  Also the notes of :func:`pick_rounds`."""
    rows, notes = [], []
    for split, part in parts:
        score = _column("transfer", part, measure)
        data = tidy[tidy["split"] == split]
        if data.empty or score not in data or data[score].isna().all():
            continue
        for (dataset, weak, strong), pair in data.groupby(["dataset", "weak", "strong"], sort=False):
            by_round = pair.groupby("t", as_index=False)[score].mean().rename(columns={score: "score"})
            chosen, note = pick_rounds(by_round, rounds)
            notes.append(note)
            for seed, runs in pair.groupby("seed", sort=False):
                baseline = runs[runs["t"] == 1].iloc[0]
                for t in chosen:
                    pick = runs[runs["t"] == t].iloc[0]
                    rows.append(
                        {
                            "dataset": dataset,
                            "split": split,
                            "part": part,
                            "weak": weak,
                            "strong": strong,
                            "t": t,
                            "seed": int(seed),
                            "weak_single": float(baseline[_column("weak", part, measure)]),
                            "weak_ensemble": float(pick[_column("ensemble", part, measure)]),
                            "student": float(pick[score]),
                            "baseline": float(baseline[score]),
                            "oracle": float(baseline[_column("oracle", part, measure)]),
                        }
                    )
    return pd.DataFrame(rows), sorted({note for note in notes if note})


def _pair_matches(weak: str, strong: str, patterns: str) -> bool:
    if patterns == "all":
        return True
    return any(fnmatchcase(f"{weak}->{strong}", p) if "->" in p else p in (weak, strong) for p in patterns.split(";"))


UNIT_KEYS = ["dataset", "split", "part", "weak", "strong", "t"]


def claim_values(units: pd.DataFrame, test: Test) -> tuple[pd.DataFrame, list[str]]:
    """Per-seed values of the test's quantity: columns ``keys`` + seed + value (+ also); the keys
    of one unit.  A contrast's unit is (dataset, pair): easy-hard minus random, same seed."""
    values = units.assign(value=QUANTITIES[test.quantity].compute(units))
    if test.also:
        values["also"] = QUANTITIES[test.also[0]].compute(units)
    if not test.contrast:
        return values, UNIT_KEYS
    keys = ["dataset", "weak", "strong"]
    by_split = values.pivot_table(index=[*keys, "seed"], columns="split", values="value", aggfunc="mean")
    if not {"random", "easyhard"} <= set(by_split.columns):
        return values.iloc[0:0], keys
    return (by_split["easyhard"] - by_split["random"]).rename("value").dropna().reset_index(), keys


# -------------------------------------------------------------------------------------- judging
@dataclass
class Judgement:
    scope: str
    paper_value: str = ""
    reproduced: str = "n/a"
    rule: str = ""
    verdict: str = "not comparable"
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    target: str = ""
    estimate: float = float("nan")
    sem: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n_seeds: int = 0
    n_units: int = 0
    n_holding: float = float("nan")
    values: pd.DataFrame | None = None  # the per-seed values of the claim's units (:data:`UNIT_VALUE_COLUMNS`)
    boot_low: float = float("nan")  # the paired bootstrap interval of a one-unit value (:data:`BOOTSTRAPPED`)
    boot_high: float = float("nan")


@dataclass(frozen=True)
class Run:
    """What the claims are judged against: every dataset's track, the sandbox datasets, whether
    each track runs the paper's models (hub entries), and the table that shows each (dataset,
    split) (``tables``; ``rounds_tables`` per round, the classification track's)."""

    tracks: Mapping[str, str]
    sandbox: Sequence[str] = ()
    paper_models: Mapping[str, bool] = field(default_factory=dict)
    tables: Mapping[str, str] = field(default_factory=dict)
    rounds_tables: Mapping[str, str] = field(default_factory=dict)


def _signed(value: float, unit: str) -> str:
    return "n/a" if math.isnan(value) else f"{value:+.2f}{' %' if unit == '%' else ''}"


def _pm(mean: float, sem: float, unit: str) -> str:
    """ "+3.21 ± 1.05" (points) or "+45.00 ± 3.00 %" (PGR); "± n/a" with one seed."""
    spread = "n/a" if math.isnan(sem) else f"{sem:.2f}"
    return "n/a" if math.isnan(mean) else f"{mean:+.2f} ± {spread}{' %' if unit == '%' else ''}"


def _units_words(values: pd.DataFrame, keys: Sequence[str]) -> str:
    """ "2 pairs × 2 splits × 3 rounds": how many units, by what varies among them."""
    if values.empty:
        return "0 units"
    parts = [f"{len(values.drop_duplicates(['weak', 'strong']))} pair(s)"]
    for key, word in (("dataset", "dataset(s)"), ("split", "split(s)"), ("t", "round(s)")):
        n = values[key].nunique() if key in keys else 1
        if n > 1:
            parts.append(f"{n} {word}")
    return " × ".join(parts)


def _unit_name(row: pd.Series, keys: Sequence[str]) -> str:
    name = f"{row['weak']}→{row['strong']}"
    extra = [str(row["dataset"])] + ([str(row["split"])] if "split" in keys else []) + ([f"T={int(row['t'])}"] if "t" in keys else [])
    return f"{name} ({', '.join(extra)})"


def _relation_words(relation: tuple[str, float], unit: str) -> str:
    return f"{relation[0]} {relation[1]:g}{' %' if unit == '%' else ''}"


def rule_words(claim: Mapping, test: Test) -> str:
    """The judging rule of a claim whose test computes a quantity, in words."""
    quantity, relation = QUANTITIES[test.quantity], claim_relation(test, claim["comparison"])
    what = f"{quantity.words}{', easy-hard minus random,' if test.contrast else ''}"
    agg_words = AGGREGATES[claim["aggregate"]][0]
    if relation is None:
        return (
            f"{what} ({quantity.unit}) {agg_words}: the paper's sign, and the paper's value within the 95 % interval "
            "(mean ± t·SEM over seeds: training-seed variance; a bootstrap interval beside the value is test-item sampling)"
        )
    rule = f"{what} {_relation_words(relation, quantity.unit)} {agg_words}, on seed means{test.note}"
    if test.also:
        rule += f", with {QUANTITIES[test.also[0]].words} {_relation_words(test.also[1:], QUANTITIES[test.also[0]].unit)}"
    return rule + (", on each dataset" if test.per_dataset else "")


def _with_bootstrap(values: pd.DataFrame, test: Test, boot: pd.DataFrame | None) -> pd.DataFrame:
    """``values`` with each unit's bootstrap interval (``boot_low``, ``boot_high``, in the
    quantity's unit) from ``boot`` (:func:`ensemw2s.gains.gain_intervals` rows of all seeds, with
    ``dataset`` and ``split``); NaN where the unit has none (another part, a contrast)."""
    values = values.assign(boot_low=float("nan"), boot_high=float("nan"))
    if boot is None or test.contrast or test.quantity not in BOOTSTRAPPED:
        return values
    column = BOOTSTRAPPED[test.quantity]
    lookup = {(r["dataset"], r["split"], r["weak"], r["strong"], int(r["t"])): r for r in boot.to_dict("records")}
    for index, row in values.iterrows():
        found = lookup.get((row["dataset"], row["split"], row["weak"], row["strong"], int(row["t"])))
        if found is not None and row["part"] == "test":
            values.loc[index, ["boot_low", "boot_high"]] = 100 * found[f"{column}_low"], 100 * found[f"{column}_high"]
    return values


def _judge_values(claim: Mapping, test: Test, values: pd.DataFrame, keys: Sequence[str], j: Judgement, boot: pd.DataFrame | None = None) -> None:
    """Fill ``j`` (value, rule, verdict) from the per-seed values of the claim's units.  Undefined
    values (a PGR where oracle <= weak) are left out, and counted in the reproduced value.  A value
    that is one unit's gets that unit's bootstrap interval (``boot``, :func:`_with_bootstrap`)."""
    quantity = QUANTITIES[test.quantity]
    values = _with_bootstrap(values, test, boot)
    relation = claim_relation(test, claim["comparison"])
    aggregate, enough = claim["aggregate"], AGGREGATES[claim["aggregate"]][1]
    per_unit = values.groupby(list(keys), sort=False).agg(value=("value", lambda v: mean_sem(v)[0]))
    if test.also:
        per_unit["also"] = values.groupby(list(keys), sort=False)["also"].mean()
    per_unit = per_unit.reset_index()
    undefined = int(per_unit["value"].isna().sum())
    per_unit = per_unit.dropna(subset=["value"]).reset_index(drop=True)
    j.values = values.assign(quantity=test.quantity, unit=quantity.unit, contrast=test.contrast)
    values = values.dropna(subset=["value"])
    j.n_units, j.n_seeds = len(per_unit), int(values["seed"].nunique())
    over = f"{_units_words(per_unit, keys)}; {j.n_seeds} seed(s)" + (f"; {undefined} unit(s) undefined, left out" if undefined else "")
    if per_unit.empty:
        j.reason = "undefined on every unit (PGR: oracle <= weak)" if undefined else ""
        return
    if aggregate == "max_over_pairs":
        groups = per_unit.groupby("dataset", sort=False) if test.per_dataset else [("", per_unit)]
        best = [group.loc[group["value"].idxmax()] for _, group in groups]
        top = max(best, key=lambda row: row["value"])
        chosen = values.merge(top[list(keys)].to_frame().T.astype(per_unit[list(keys)].dtypes.to_dict()), on=list(keys))["value"]
        j.estimate, j.sem = mean_sem(chosen)
        j.ci_low, j.ci_high = interval95(j.estimate, j.sem, len(chosen))
        _one_unit_bootstrap(j, values, keys, top)
        where = "; ".join(f"{_signed(row['value'], quantity.unit)} at {_unit_name(row, keys)}" for row in best)
        j.reproduced = f"max {_pm(j.estimate, j.sem, quantity.unit)}{_boot_words(j, quantity.unit)} ({where}; of {over})"
        scores = [row["value"] for row in best]
    elif aggregate == "mean_over_pairs":
        per_seed = values.groupby("seed")["value"].mean()
        j.estimate, j.sem = mean_sem(per_seed)
        j.ci_low, j.ci_high = interval95(j.estimate, j.sem, len(per_seed))
        if len(per_unit) == 1:
            _one_unit_bootstrap(j, values, keys, per_unit.iloc[0])
        j.reproduced = f"{_pm(j.estimate, j.sem, quantity.unit)}{_boot_words(j, quantity.unit)} (mean over {over})"
        scores = [j.estimate]
    if relation is None:  # a quantitative value claim
        paper = float(claim["value"])
        if enough is not None:
            j.reason = f"aggregate {aggregate} of a value: not implemented"
        elif math.isnan(j.ci_low):
            j.reason = "one seed: no interval"
        else:
            same_sign = np.sign(j.estimate) == np.sign(paper)
            j.verdict = "reproduced" if same_sign and j.ci_low <= paper <= j.ci_high else "not reproduced"
        return
    holds = RELATIONS[relation[0]]
    if enough is None:  # the mean, or the largest pair (of each dataset), against the relation
        ok = all(holds(score, relation[1]) for score in scores)
        j.n_holding = float(ok)
        j.verdict = "reproduced" if ok else "not reproduced"
        return
    ok = per_unit["value"].apply(lambda v: holds(v, relation[1]))
    if test.also:
        ok = ok & per_unit["also"].apply(lambda v: RELATIONS[test.also[1]](v, test.also[2]))
    j.n_holding = int(ok.sum())
    j.estimate = float(per_unit["value"].mean())
    if len(per_unit) == 1:
        _one_unit_bootstrap(j, values, keys, per_unit.iloc[0])
    low, high = per_unit["value"].min(), per_unit["value"].max()
    j.reproduced = f"{j.n_holding}/{j.n_units} hold (from {_signed(low, quantity.unit)} to {_signed(high, quantity.unit)}; {over})"
    j.reproduced += _boot_words(j, quantity.unit)
    j.verdict = "reproduced" if enough(j.n_holding, j.n_units) else "not reproduced"


def _one_unit_bootstrap(j: Judgement, values: pd.DataFrame, keys: Sequence[str], unit: pd.Series) -> None:
    """``j``'s bootstrap interval: that of ``unit`` (one of ``values``' units), where it has one."""
    rows = values
    for key in keys:
        rows = rows[rows[key].astype(str) == str(unit[key])]
    if not rows.empty:
        j.boot_low, j.boot_high = float(rows["boot_low"].iloc[0]), float(rows["boot_high"].iloc[0])


def _boot_words(j: Judgement, unit: str) -> str:
    if math.isnan(j.boot_low) or math.isnan(j.boot_high):
        return ""
    return f"; 95 % bootstrap [{j.boot_low:.2f}, {j.boot_high:.2f}]{' %' if unit == '%' else ''}"


def _target(claim: Mapping, test: Test, datasets: Sequence[str], run: Run) -> str:
    if test.target:
        if "{dataset}" in test.target:
            return "; ".join(test.target.format(dataset=d) for d in datasets)
        if "{model}" in test.target:
            return "; ".join(test.target.format(model=m) for m in claim["pairs"].split(";"))
        return test.target
    if claim["split"] in ("id", "ood"):
        return "results/tables/id_ood.csv"
    splits = ["random", "easyhard"] if claim["split"] == "any" or test.contrast else [claim["split"]]
    per_round = claim["round"] not in ("", "best", "final")
    found = []
    for dataset in datasets:
        for split in splits:
            key = f"{dataset}/{split}"
            found.append((run.rounds_tables if per_round else {}).get(key) or run.tables.get(key) or f"results/metrics/{key}.csv")
    return "; ".join(dict.fromkeys(found))


def _short(quote: str, limit: int = 90) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1].rstrip() + "…"


def judge(
    claim: Mapping,
    tidy: pd.DataFrame,
    run: Run,
    *,
    datasets: Sequence[str] | None = None,
    sandbox: bool = False,
    intervals: pd.DataFrame | None = None,
) -> Judgement:
    """One claim on ``datasets`` (default: the paper's datasets it names) of the tidy metrics;
    ``intervals``: every (dataset, split)'s :func:`ensemw2s.gains.gain_intervals` rows, with
    ``dataset`` and ``split`` columns (the units' bootstrap intervals)."""
    test = find_test(claim["who"], claim["comparison"])
    track = claim["track"]
    named = datasets or [d for d in claim["datasets"].split(";") if d] or list(PAPER_DATASETS[track])
    j = Judgement(scope=f"{SANDBOX_SCOPE} ({', '.join(named)})" if sandbox else f"paper: {', '.join(named)}")
    relation = claim_relation(test, claim["comparison"]) if test else None
    if claim["kind"] == "quantitative":
        unit = "%" if claim["measure"] == "pgr" else "points"
        j.paper_value = f"{relation[0]} {claim['value']:g} {unit}" if relation else f"{claim['value']:g} {unit}"
    else:
        unit = QUANTITIES[test.quantity].unit if test and test.quantity else "points"
        j.paper_value = f"direction: {_relation_words(relation, unit)}" if relation else "qualitative"
    if test is None or test.quantity is None:
        j.reason = test.reason if test else "qualitative"
        j.rule = "none: " + j.reason
        j.target = _target(claim, test, named, run) if test and test.target else ""
        return j
    j.target, j.rule = _target(claim, test, named, run), rule_words(claim, test)
    in_run = [d for d in named if run.tracks.get(d) == track and d in set(tidy["dataset"])]
    missing = [d for d in named if d not in in_run]
    measure = MEASURES.get(claim["measure"]) or TRACK_MEASURES[track].select_on
    data = tidy[tidy["dataset"].isin(in_run)]
    data = data[np.array([_pair_matches(w, s, claim["pairs"]) for w, s in zip(data["weak"], data["strong"])], dtype=bool)]
    parts = SPLIT_PARTS["any"] if test.contrast else SPLIT_PARTS[claim["split"]]
    if claim["split"] in ID_OOD_CLAIM_SPLITS and not test.contrast and not data.empty:
        data = id_ood_frame(data)
    if measure in TRACK_MEASURES[track].keys and not data.empty:
        units, j.notes = unit_rows(data, measure=measure, parts=parts, rounds=claim["round"])
        if not units.empty:
            values, keys = claim_values(units, test)
            boot = None
            if intervals is not None and measure == TRACK_MEASURES[track].select_on:
                boot = intervals[intervals["seed"].astype(str) == ALL_SEEDS]
            if not values.empty:
                _judge_values(claim, test, values, keys, j, boot)
    if claim["measure"] == "token_error":
        j.notes.append("token error read as token accuracy: error(single) − error(ensemble) = accuracy(ensemble) − accuracy(single)")
    if claim["split"] == "any" and not test.contrast:
        j.notes.append("split not stated: both splits' units")
    if claim["round"] == "":
        j.notes.append("round not stated: the best round, as the paper's plots")
    # why the verdict cannot stand, the most basic reason first (the value above is still shown)
    reasons = [
        (claim["relative"] == "relative", "relative change: not implemented (the claims read as points)"),
        (measure not in TRACK_MEASURES[track].keys, f"measure {claim['measure']} is not one of the {track} track's"),
        (bool(missing), f"{', '.join(missing)} not in this run"),
        (not sandbox and not run.paper_models.get(track, False), TINY),
        (j.n_units == 0 and not j.reason, f"no results of pairs {claim['pairs']} on {', '.join(named)} ({claim['split']} split)"),
        (bool(j.reason), j.reason),  # from the values: undefined everywhere, one seed
    ]
    j.reason = next((reason for applies, reason in reasons if applies), "")
    if j.reason:
        j.verdict = "not comparable"
    return j


def is_direction_claim(claim: Mapping) -> bool:
    """The method's direction, judged on the sandbox too: ensemble beats single weak, ensemble-
    supervised student beats the baseline (at the chosen or every round), PGR improves; all pairs."""
    test = find_test(claim["who"], claim["comparison"])
    return bool(
        test
        and claim["kind"] == "qualitative"
        and claim["pairs"] == "all"
        and test.quantity in DIRECTION_QUANTITIES
        and not test.contrast
        and not test.also
        and claim_relation(test, claim["comparison"]) == (">", 0.0)
    )


# The values behind each reproduced value: one row per claim scope, unit (dataset, split, test
# part, pair, round; a contrast's unit is a dataset and pair, its value easy-hard minus random)
# and seed, with the unit's bootstrap interval over all seeds where it has one (BOOTSTRAPPED) and
# the accuracies it is computed from; undefined values (a PGR where oracle <= weak) kept as NaN.
ACCURACIES = ("weak_single", "weak_ensemble", "student", "baseline", "oracle")
UNIT_VALUE_COLUMNS = (
    *("id", "scope", "quantity", "unit", "contrast", "dataset", "split", "part", "weak", "strong", "t", "seed", "value"),
    *("boot_low", "boot_high", *ACCURACIES),
)


def unit_values(judged: Sequence[tuple[str, Judgement]]) -> pd.DataFrame:
    """The per-seed values of every (claim id, judgement) that computed any: :data:`UNIT_VALUE_COLUMNS`."""
    frames = [j.values.assign(id=claim_id, scope=j.scope) for claim_id, j in judged if j.values is not None]
    if not frames:
        return pd.DataFrame(columns=UNIT_VALUE_COLUMNS)
    units = pd.concat(frames, ignore_index=True).reindex(columns=UNIT_VALUE_COLUMNS)
    return units.astype({"t": "Int64", "seed": "Int64"})  # a contrast's unit has no round


COLUMNS = ("id", "claim", "location", "scope", "paper value", "reproduced value", "rule", "verdict", "reason", "notes", "target")
NUMERIC = ("estimate", "sem", "ci_low", "ci_high", "boot_low", "boot_high", "n_seeds", "n_units", "n_holding")


def claims_table(claims: pd.DataFrame, tidy: pd.DataFrame, run: Run, *, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim (its paper scope), then one per (direction claim, sandbox dataset of its
    track) right below it: :data:`COLUMNS` as text, :data:`NUMERIC` as numbers."""
    return judged_claims(claims, tidy, run, intervals=intervals)[0]


def judged_claims(claims: pd.DataFrame, tidy: pd.DataFrame, run: Run, *, intervals: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims table (:func:`claims_table`) and the per-seed unit values behind its reproduced
    values (:func:`unit_values`): the paper's headline quantities, unit by unit.  ``intervals``:
    as :func:`judge`'s."""
    rows, judged = [], []
    for claim in claims.to_dict("records"):
        scopes = [(None, False)]
        if is_direction_claim(claim):
            scopes += [([d], True) for d in run.sandbox if run.tracks.get(d) == claim["track"]]
        for datasets, sandbox in scopes:
            j = judge(claim, tidy, run, datasets=datasets, sandbox=sandbox, intervals=intervals)
            judged.append((claim["id"], j))
            rows.append(
                {
                    "id": claim["id"],
                    "claim": _short(claim["quote"]),
                    "location": claim["location"],
                    "scope": j.scope,
                    "paper value": j.paper_value,
                    "reproduced value": j.reproduced,
                    "rule": j.rule,
                    "verdict": j.verdict,
                    "reason": j.reason,
                    "notes": "; ".join(j.notes),
                    "target": j.target,
                    **{name: getattr(j, name) for name in NUMERIC},
                }
            )
    return pd.DataFrame(rows, columns=[*COLUMNS, *NUMERIC]), unit_values(judged)


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    return {verdict: int(n) for verdict, n in table["verdict"].value_counts().items()}
