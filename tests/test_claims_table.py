"""The claims table (ensemw2s.claims_table): each claim's test, on synthetic tidy metrics where the
answer is known: a claim that reproduces, one that does not, and the not-comparable cases."""

import math

import pandas as pd
import pytest

from conftest import REPO
from ensemw2s import claims_table as ct
from ensemw2s.claims import load_claims
from ensemw2s.splits import ID_SPLIT

MEASURES = {"classification": ("acc",), "generation": ("option", "option_norm", "token")}
TRACKS = {"sciq": "classification", "sandbox_binary": "classification", "quartz": "generation", "arc": "generation", "sandbox_mc": "generation"}


def tidy(dataset, *, student_gain=0.05, expert_gain=0.03, seeds=(0, 1, 2), rounds=3, pairs=(("w", "s"),), oracle=0.9):
    """Tidy rows of ``dataset``, both splits: weak 0.6, the weak ensemble + ``expert_gain`` (+ 0.002 ×
    seed) per round after the first, the student 0.7 at T = 1 and + ``student_gain`` (+ 0.001 × seed) at T >= 2, the
    oracle ``oracle``; the same on easy_test, 0.1 higher."""
    rows = []
    for split in ("random", "easyhard"):
        for weak, strong in pairs:
            for seed in seeds:
                for t in range(1, rounds + 1):
                    row = {"dataset": dataset, "split": split, "seed": seed, "weak": weak, "strong": strong, "t": t}
                    for m in MEASURES[TRACKS[dataset]]:
                        for part, shift in (("", 0.0), ("easy_test_", 0.1), ("val_", 0.0)):
                            row[f"weak_{part}{m}"] = 0.6 + shift
                            row[f"ensemble_{part}{m}"] = 0.6 + shift + (expert_gain + 0.002 * seed) * (t - 1)
                            row[f"transfer_{part}{m}"] = 0.7 + shift + ((student_gain + 0.001 * seed) if t > 1 else 0.0)
                            row[f"oracle_{part}{m}"] = oracle + shift
                    rows.append(row)
    return pd.DataFrame(rows)


def claim(**changes):
    base = {
        "id": "c",
        "quote": "we observe an improvement",
        "location": "§4",
        "value": float("nan"),
        "unit": "",
        "kind": "qualitative",
        "track": "classification",
        "measure": "accuracy",
        "who": "student",
        "comparison": "student supervised by the weak ensemble at the best round minus student supervised by the single weak expert (T=1) > 0",
        "relative": "",
        "split": "random",
        "datasets": "sciq",
        "pairs": "all",
        "aggregate": "each_pair",
        "round": "best",
    }
    return base | changes


PAPER_RUN = ct.Run(tracks=TRACKS, sandbox=["sandbox_binary", "sandbox_mc"], paper_models={"classification": True, "generation": True})
TINY_RUN = ct.Run(tracks=TRACKS, sandbox=["sandbox_binary", "sandbox_mc"], paper_models={"classification": False, "generation": False})
MEAN_GAIN = dict(kind="quantitative", unit="percent_points", relative="absolute", aggregate="mean_over_pairs", comparison="student supervised by the weak ensemble at the best round minus student supervised by the single weak expert (T=1)")  # fmt: skip


def test_a_directional_claim_reproduces_and_its_reverse_does_not():
    data = pd.concat([tidy("sciq", pairs=(("w", "s"), ("w", "m"))), tidy("sandbox_binary")])
    j = ct.judge(claim(), data, PAPER_RUN)
    assert (j.verdict, j.n_units, j.n_holding, j.reason) == ("reproduced", 2, 2, "")
    assert j.rule == "ensemble-supervised − baseline student > 0 on every pair (a sign test), on seed means"
    assert j.target == "results/metrics/sciq/random.csv"
    worse = ct.judge(claim(), tidy("sciq", student_gain=-0.02), PAPER_RUN)
    assert worse.verdict == "not reproduced" and worse.n_holding == 0


def test_the_aggregate_says_on_how_many_pairs_a_direction_must_hold():
    mixed = pd.concat([tidy("sciq", pairs=(("w", "s"),)), tidy("sciq", pairs=(("w", "m"),), student_gain=-0.02)])  # +5.1 and −1.9 points
    verdicts = {aggregate: ct.judge(claim(aggregate=aggregate), mixed, PAPER_RUN).verdict for aggregate in ct.AGGREGATES}
    assert verdicts == {
        "each_pair": "not reproduced",
        "single": "not reproduced",
        "most_pairs": "not reproduced",  # 1 of 2 is not more than half
        "some_pairs": "reproduced",
        "mean_over_pairs": "reproduced",  # (5.1 − 1.9) / 2 > 0
        "max_over_pairs": "reproduced",
    }
    assert ct.judge(claim(pairs="w->m"), mixed, PAPER_RUN).reproduced.startswith("0/1 hold (from -1.90 to -1.90")  # the named pair only


def test_a_quantitative_claim_needs_the_sign_and_the_paper_value_in_the_interval():
    data = tidy("sciq", student_gain=0.05)  # 5 points + 0.1 × seed: mean 5.1, SEM 0.058 over 3 seeds
    hit = ct.judge(claim(**MEAN_GAIN, value=5.1), data, PAPER_RUN)
    assert hit.verdict == "reproduced" and hit.estimate == pytest.approx(5.1) and hit.ci_low < 5.1 < hit.ci_high
    assert hit.reproduced.startswith("+5.10 ± 0.06 (mean over 1 pair(s); 3 seed(s))")
    far = ct.judge(claim(**MEAN_GAIN, value=7.0), data, PAPER_RUN)
    assert far.verdict == "not reproduced" and far.reason == ""
    one_seed = ct.judge(claim(**MEAN_GAIN, value=5.0), tidy("sciq", seeds=(0,)), PAPER_RUN)
    assert (one_seed.verdict, one_seed.reason) == ("not comparable", "one seed: no interval") and one_seed.estimate == pytest.approx(5.0)


def test_the_unit_values_are_what_each_reproduced_value_aggregates():
    """claims_units.csv: one row per claim scope, unit and seed, the value computed from the
    accuracies beside it; the claims table's mean over pairs is their per-seed mean, averaged."""
    data = pd.concat([tidy("sciq", pairs=(("w", "s"), ("w", "m"))), tidy("sandbox_binary", student_gain=-0.01)])
    claims = pd.DataFrame([claim(**MEAN_GAIN, id="mean", value=5.0), claim(id="direction")])
    table, units = ct.judged_claims(claims, data, PAPER_RUN)
    assert list(units.columns) == list(ct.UNIT_VALUE_COLUMNS)
    assert units.groupby(["id", "scope"]).size().to_dict() == {
        ("direction", "paper: sciq"): 6,  # 2 pairs × 3 seeds, the best round each (T = 2: the first of equal students)
        ("direction", "sandbox: direction only (sandbox_binary)"): 3,
        ("mean", "paper: sciq"): 6,
    }
    assert (units["value"] == 100 * (units["student"] - units["baseline"])).all()
    mean = units[units["id"] == "mean"]
    assert table.loc[table["id"] == "mean", "estimate"].item() == pytest.approx(mean.groupby("seed")["value"].mean().mean())
    assert set(mean["t"]) == {2} and set(mean["quantity"]) == {"student_gain"} and set(mean["unit"]) == {"points"}


def test_a_one_unit_gain_carries_its_bootstrap_interval():
    """A claim whose value is one pair's gain on a main test set shows that unit's paired bootstrap
    interval (results/metrics/*/*.intervals.csv, all seeds); claims_units.csv has it per unit."""
    data = tidy("sciq", pairs=(("w", "s"), ("w", "m")))
    rows = []
    for strong, low in (("s", 0.01), ("m", 0.02)):
        for t in (1, 2, 3):
            row = {"dataset": "sciq", "split": "random", "weak": "w", "strong": strong, "t": t, "seed": "all"}
            for gain in ("expert_gain", "student_gain", "pgr", "baseline_pgr"):
                row |= {gain: 0.0, f"{gain}_low": low, f"{gain}_high": low + 0.05}
            rows.append(row)
    intervals = pd.DataFrame(rows)
    table, units = ct.judged_claims(
        pd.DataFrame([claim(**(MEAN_GAIN | {"aggregate": "max_over_pairs"}), value=5.0)]), data, PAPER_RUN, intervals=intervals
    )
    assert (table["boot_low"].item(), table["boot_high"].item()) == pytest.approx((1.0, 6.0))  # pair w -> s: the largest gain, in points
    assert "95 % bootstrap [1.00, 6.00]" in table["reproduced value"].item()
    assert dict(zip(units["strong"], units["boot_low"].round(6))) == {"s": 1.0, "m": 2.0}
    # the mean over two pairs is no one unit's: no interval (no joint bootstrap over pairs)
    mean = ct.judge(claim(**MEAN_GAIN, value=5.0), data, PAPER_RUN, intervals=intervals)
    assert math.isnan(mean.boot_low) and "bootstrap" not in mean.reproduced


def test_tiny_models_make_paper_claims_not_comparable_but_the_sandbox_judges_the_direction():
    data = pd.concat([tidy("sciq"), tidy("sandbox_binary", student_gain=-0.01)])
    table = ct.claims_table(pd.DataFrame([claim()]), data, TINY_RUN)
    assert list(table["scope"]) == ["paper: sciq", "sandbox: direction only (sandbox_binary)"]
    assert list(table["verdict"]) == ["not comparable", "not reproduced"]
    assert table["reason"].iloc[0] == ct.TINY and table["estimate"].iloc[0] == pytest.approx(5.1)  # the value is still shown
    # a value claim, or one about named pairs, is not a direction claim: no sandbox row
    assert len(ct.claims_table(pd.DataFrame([claim(**MEAN_GAIN, value=5.0)]), data, TINY_RUN)) == 1
    assert len(ct.claims_table(pd.DataFrame([claim(pairs="gpt2->*")]), data, TINY_RUN)) == 1


def test_missing_datasets_and_untestable_claims_are_not_comparable():
    assert (
        ct.judge(claim(track="generation", measure="option_accuracy", datasets="quartz;arc"), tidy("quartz"), PAPER_RUN).reason
        == "arc not in this run"
    )
    trend = ct.judge(claim(comparison="baseline and ensemble-supervised student accuracies increase with model capability"), tidy("sciq"), PAPER_RUN)
    assert (trend.verdict, trend.reason, trend.target) == ("not comparable", "qualitative (a trend over model sizes; no test stated)", "")
    unknown = ct.judge(claim(comparison="something the tests do not know"), tidy("sciq"), PAPER_RUN)
    assert (unknown.verdict, unknown.reason) == ("not comparable", "qualitative")
    pairs = ct.judge(claim(pairs="gpt2->*"), tidy("sciq"), PAPER_RUN)
    assert pairs.verdict == "not comparable" and pairs.reason.startswith("no results of pairs gpt2->*")
    fig5 = ct.judge(claim(who="hard_vs_easy_training", comparison="accuracy on the hard test ..."), tidy("sciq"), PAPER_RUN)
    assert fig5.target == "results/tables/easy_vs_hard.csv" and "Figure 5" in fig5.reason


def test_rounds_thresholds_contrasts_and_id_ood():
    data = tidy("sciq", rounds=3)
    every = claim(
        round="all_n_ge_2", comparison="student supervised by the weak ensemble at every round T >= 2 minus the baseline student (T = 1) > 0"
    )
    j = ct.judge(every, data, PAPER_RUN)
    assert (j.verdict, j.n_units) == ("reproduced", 2)  # T = 2 and 3
    listed = ct.judge(
        claim(who="weak_ensemble", round="2;3;4;5", comparison="weak ensemble minus single weak expert (T=1) > 0 at each of T = 2, 3, 4, 5"),
        data,
        PAPER_RUN,
    )
    assert listed.verdict == "reproduced" and listed.notes == ["T = 4, 5 not run"]
    # PGR: (0.751 − 0.6) / (0.9 − 0.6) = 50.3 % (seed mean): not >= 100 % on any pair; "well below 100 %" holds
    full = ct.judge(
        claim(who="pgr", measure="pgr", aggregate="some_pairs", comparison="PGR of the student supervised by the weak ensemble >= 100%"),
        data,
        PAPER_RUN,
    )
    assert full.paper_value == "direction: >= 100 %" and full.verdict == "not reproduced" and full.reproduced.startswith("0/1 hold (from +50.33 %")
    below = ct.judge(
        claim(who="pgr", measure="pgr", comparison="PGR of the student supervised by the weak ensemble well below 100%"), data, PAPER_RUN
    )
    assert below.verdict == "reproduced"
    undefined = ct.judge(claim(who="pgr", measure="pgr", comparison="PGR of the student supervised by the weak ensemble well below 100%"), tidy("sciq", oracle=0.5), PAPER_RUN)  # fmt: skip
    assert undefined.verdict == "not comparable" and undefined.reason.startswith("undefined on every unit")
    # a contrast: the same gain on both splits, so "easy-hard > random" fails
    contrast = claim(track="generation", measure="option_accuracy", datasets="quartz", split="any", aggregate="mean_over_pairs",
                     comparison="student gain (ensemble- minus baseline-supervised) on easy-hard > on random")  # fmt: skip
    c = ct.judge(contrast, tidy("quartz"), PAPER_RUN)
    assert c.verdict == "not reproduced" and c.estimate == pytest.approx(0.0, abs=1e-9)
    # ID: the random test and easy_test; a quantitative expert gain with measure not stated (option)
    acl = claim(**MEAN_GAIN | dict(who="weak_ensemble", comparison="weak ensemble minus single weak expert (T=1)"), value=3.0,
                track="generation", measure="", split="id", datasets="", round="")  # fmt: skip
    a = ct.judge(acl, pd.concat([tidy("quartz"), tidy("arc")]), PAPER_RUN)
    assert a.scope == "paper: quartz, arc" and a.target == "results/tables/id_ood.csv"
    # the best round is T = 2 (the students tie at T = 2 and 3: the earlier): 3 points + 0.2 × seed, both datasets
    assert a.estimate == pytest.approx(3.2) and a.ci_low < 3.0 < a.ci_high and a.verdict == "reproduced"
    assert a.notes == ["round not stated: the best round, as the paper's plots"]
    assert ct.judge(acl | {"value": 6.0}, pd.concat([tidy("quartz"), tidy("arc")]), PAPER_RUN).verdict == "not reproduced"


def test_id_and_ood_claims_read_the_id_ood_variant_split_where_it_ran():
    """As id_ood_table: where the easy-hard variant ID_SPLIT ran (n_easy_test > 0), ID reads its
    easy_test and OOD its hard test, never the main easy-hard split's; where it did not, OOD reads
    the main split's hard test.  Expert gains: random 3 points, the variant 5, the main split 9
    (+ 0.2 × seed each)."""
    random_rows = tidy("quartz")[lambda f: f["split"] == "random"]
    variant = tidy("quartz", expert_gain=0.05)[lambda f: f["split"] == "easyhard"].assign(split=ID_SPLIT)
    main = tidy("quartz", expert_gain=0.09)[lambda f: f["split"] == "easyhard"]
    main = main.drop(columns=[c for c in main if "easy_test" in c])  # the main split holds no item out
    gain = claim(**MEAN_GAIN | dict(who="weak_ensemble", comparison="weak ensemble minus single weak expert (T=1)"), value=5.0,
                 track="generation", measure="", datasets="quartz", round="")  # fmt: skip
    both = pd.concat([random_rows, variant, main])
    ood = ct.judge(gain | {"split": "ood"}, both, PAPER_RUN)
    assert ood.estimate == pytest.approx(5.2) and ood.n_units == 1 and ood.target == "results/tables/id_ood.csv"
    in_dist = ct.judge(gain | {"split": "id"}, both, PAPER_RUN)
    assert in_dist.estimate == pytest.approx((3.2 + 5.2) / 2) and in_dist.n_units == 2  # the random test and the variant's easy_test
    assert ct.judge(gain | {"split": "ood"}, pd.concat([random_rows, main]), PAPER_RUN).estimate == pytest.approx(9.2)
    assert ct.judge(gain | {"split": "easyhard"}, both, PAPER_RUN).estimate == pytest.approx(9.2)  # the main tables' split


def test_shipped_claims_all_get_a_row_and_a_known_verdict():
    claims = load_claims(REPO / "resources/paper/claims.csv")
    data = pd.concat([tidy(dataset) for dataset in TRACKS])
    table = ct.claims_table(claims, data, TINY_RUN)
    paper = table[table["scope"].str.startswith("paper")]
    assert list(paper["id"]) == list(claims["id"])  # one row per claim, in order
    assert set(table["verdict"]) <= {"reproduced", "not reproduced", "not comparable"}
    assert (paper["verdict"] == "not comparable").all()  # tiny models
    assert set(paper["reason"]) - {ct.TINY} <= {ct.ABLATION} | {t.reason for t in ct.TESTS} | {"qualitative"}
    sandbox = table[table["scope"].str.startswith(ct.SANDBOX_SCOPE)]
    assert len(sandbox) >= 8 and (sandbox["verdict"] == "reproduced").all()  # every direction holds in the synthetic run
    # on the paper's models every claim with a test is judged
    judged = ct.claims_table(claims, data, PAPER_RUN)
    judged = judged[judged["scope"].str.startswith("paper")]
    assert (judged["verdict"] != "not comparable").sum() >= 25
