"""The ID vs OOD table (published version): which part plays which role, and the two gains."""

import math

import pandas as pd
import pytest

from ensemw2s import report
from ensemw2s.splits import ID_SPLIT


def _tidy(easyhard=ID_SPLIT):
    """Two seeds, T = 1..3 of one pair on the random split and ``easyhard`` (the ID / OOD variant by
    default).  Option accuracy: the student peaks at T = 3 on test and T = 2 on val; token
    accuracy: the student peaks at T = 2 on test and T = 3 on val."""
    rows = []
    for split in ("random", easyhard):
        for seed in (0, 1):
            for t in (1, 2, 3):
                row = {"dataset": "d", "split": split, "seed": seed, "weak": "w", "strong": "s", "t": t}
                for part, base in (("", 0.5), ("easy_test_", 0.7)):
                    if split == "random" and part:
                        continue  # the random split has no easy_test
                    row[f"weak_{part}option"] = base
                    row[f"ensemble_{part}option"] = base + 0.01 * t
                    row[f"transfer_{part}option"] = base + 0.1 + (0.02 * t + 0.001 * seed if t > 1 else 0)
                    row[f"oracle_{part}option"] = base + 0.3
                    row[f"weak_{part}token"] = base - 0.2
                    row[f"ensemble_{part}token"] = base - 0.2 + 0.05 * (t > 1)
                    row[f"transfer_{part}token"] = base - 0.1 + {1: 0.0, 2: 0.04, 3: 0.01}[t]
                    row[f"oracle_{part}token"] = base
                row["transfer_val_option"] = 0.5 + (0.05 if t == 2 else 0)
                row["transfer_val_token"] = 0.3 + (0.05 if t == 3 else 0)
                rows.append(row)
    return pd.DataFrame(rows)


def _row(rows, **where):
    match = rows
    for column, value in where.items():
        match = match[match[column] == value]
    assert len(match) == 1, where
    return match.iloc[0]


def test_each_distribution_reads_its_own_part():
    easy = {("0", "s"): {"test": {"option_accuracy": 0.55, "token_accuracy": 0.35}, "easy_test": {"option_accuracy": 0.75, "token_accuracy": 0.45}}}
    rows = report.id_ood_rows(_tidy(), track="generation", selections=("best",), easy=easy)
    token_easy = _row(rows, distribution="OOD (difficulty)", measure="token error", seed=0)["easy_trained"]
    assert token_easy == pytest.approx(0.65)  # the easy-trained model's token error: 1 − its token accuracy
    rows = rows[rows["measure"] == "option accuracy"]
    assert sorted(set(zip(rows["split"], rows["distribution"], rows["part"]))) == [
        ("easyhard-id", "ID", "easy_test"),
        ("easyhard-id", "OOD (difficulty)", "test"),
        ("random", "ID", "test"),
    ]
    ood = _row(rows, distribution="OOD (difficulty)", seed=0)
    assert ood["t"] == 3 and ood["weak_single"] == 0.5 and ood["weak_ensemble"] == pytest.approx(0.53)
    assert ood["expert_gain"] == pytest.approx(0.03) and ood["student_gain"] == pytest.approx(0.06)
    assert ood["easy_trained"] == 0.55 and ood["t_chosen_on"] == "test"
    in_dist = _row(rows, split="easyhard-id", distribution="ID", seed=0)
    assert in_dist["weak_single"] == 0.7 and in_dist["easy_trained"] == 0.75 and in_dist["oracle"] == pytest.approx(1.0)
    assert math.isnan(rows[rows["split"] == "random"]["easy_trained"].iloc[0])  # no easy-trained model on the random split
    # val_selected picks T = 2 (the val peak), whatever test says
    val = report.id_ood_rows(_tidy(), track="generation", selections=("val_selected",))
    assert set(val[val["measure"] == "option accuracy"]["t"]) == {2} and set(val["t_chosen_on"]) == {"val"}


def test_token_error_and_the_val_chosen_round_sit_beside_option_accuracy_and_the_test_chosen_round():
    """Section 4.2.1 measures experts in token error: a token-error row shows 1 − token accuracy
    and its gains as error reductions; each measure's round is chosen on its own student, on the
    part (test) and on validation (val), and every row says which."""
    rows = report.id_ood_rows(_tidy(), track="generation")  # default: the test- and the val-chosen T
    assert set(zip(rows["measure"], rows["t_chosen_on"])) == {(m, on) for m in ("option accuracy", "token error") for on in ("test", "val")}
    chosen = {
        (m, on): set(rows[(rows["measure"] == m) & (rows["t_chosen_on"] == on)]["t"])
        for m in ("option accuracy", "token error")
        for on in ("test", "val")
    }
    assert chosen == {("option accuracy", "test"): {3}, ("option accuracy", "val"): {2}, ("token error", "test"): {2}, ("token error", "val"): {3}}
    token = _row(rows, distribution="OOD (difficulty)", measure="token error", t_chosen_on="test", seed=0)
    assert token["weak_single"] == pytest.approx(0.7) and token["weak_ensemble"] == pytest.approx(0.65)  # errors: 1 − 0.3, 1 − 0.35
    assert token["expert_gain"] == pytest.approx(0.05) and token["student_gain"] == pytest.approx(0.04)  # reductions: positive = better
    assert token["ensemble_student"] == pytest.approx(0.56) and token["oracle"] == pytest.approx(0.5)
    numeric, shown = report.id_ood_table(rows)
    assert len(numeric) == 3 * 2 * 2  # distributions x measures x how T was chosen
    assert {"measure", "T chosen on", "T"} <= set(shown) and set(shown["T chosen on"]) == {"test", "val"}
    # classification: one measure, accuracy; the figure_round final adds the last round's rows
    tidy = _tidy().rename(columns=lambda c: c.replace("_option", "_acc").replace("option", "acc"))
    rows = report.id_ood_rows(
        tidy.drop(columns=[c for c in tidy if "token" in c]), track="classification", selections=("best", "val_selected", "final")
    )
    assert set(rows["measure"]) == {"accuracy"} and set(rows["t_chosen_on"]) == {"test", "val", "last round"}


def test_the_id_ood_variant_is_read_in_place_of_the_main_easy_hard_split():
    """Where the variant ran (n_easy_test > 0), its rows are the easy-hard ID / OOD rows and the main
    easy-hard split's are not read; where it did not, the main split gives the OOD row."""
    main = _tidy("easyhard")
    main = main[main["split"] == "easyhard"].drop(columns=[c for c in main if "easy_test" in c])  # the main split: no easy_test
    main[[c for c in main if c.endswith("option") or c.endswith("token")]] -= 0.1
    both = pd.concat([_tidy(), main], ignore_index=True)
    assert report.id_ood_split(both) == ID_SPLIT and set(report.id_ood_frame(both)["split"]) == {"random", ID_SPLIT}
    rows = report.id_ood_rows(both, track="generation")
    assert set(rows["split"]) == {"random", ID_SPLIT}
    assert _row(rows, distribution="OOD (difficulty)", measure="option accuracy", t_chosen_on="test", seed=0)["weak_single"] == 0.5
    without = pd.concat([_tidy()[lambda f: f["split"] == "random"], main], ignore_index=True)
    rows = report.id_ood_rows(without, track="generation")
    assert set(zip(rows["split"], rows["distribution"])) == {("random", "ID"), ("easyhard", "OOD (difficulty)")}
    assert _row(rows, distribution="OOD (difficulty)", measure="option accuracy", t_chosen_on="test", seed=0)["weak_single"] == pytest.approx(0.4)


def test_id_ood_table_aggregates_seeds_and_skips_unevaluated_parts():
    tidy = _tidy().drop(columns=[c for c in _tidy().columns if "easy_test" in c])  # n_easy_test: 0
    rows = report.id_ood_rows(tidy, track="generation", selections=("best",))
    assert set(rows["distribution"]) == {"ID", "OOD (difficulty)"} and set(rows[rows["distribution"] == "ID"]["split"]) == {"random"}
    numeric, shown = report.id_ood_table(rows)
    assert len(numeric) == 2 * 2 and (numeric["n_seeds"] == 2).all()  # 2 distributions x 2 measures
    assert numeric[numeric["measure"] == "option accuracy"]["student_gain_sem"].gt(0).all()  # the seeds differ
    assert "expert gain" in shown and "student gain" in shown
    with pytest.raises(ValueError, match="no ID / OOD results"):
        report.id_ood_table(rows.iloc[0:0])


def test_other_datasets_test_parts_are_ood_by_dataset_rows():
    tidy = _tidy()
    for role in ("weak", "ensemble", "transfer", "oracle"):
        tidy[f"{role}_ood_other_option"] = tidy[f"{role}_option"] - 0.2
        tidy[f"{role}_ood_other_option_norm"] = 0.0  # another measure of the same part: not a dataset named other_option
    rows = report.id_ood_rows(tidy, track="generation")
    ood = rows[rows["distribution"] == "OOD (dataset other)"]
    assert sorted(set(zip(ood["split"], ood["part"]))) == [("easyhard-id", "ood_other"), ("random", "ood_other")]
    assert ood["weak_single"].eq(0.3).all() and set(rows["distribution"]) == {"ID", "OOD (difficulty)", "OOD (dataset other)"}


def test_ood_parts_are_read_beside_the_split_parts():
    from ensemw2s import splits

    paths = {"test": "t", "val": "v", "ood_quartz": "q"}
    content = {"t": [1], "v": [2], "q": [3]}
    assert splits.read_parts(paths, content.get) == {"test": [1], "val": [2], "ood_quartz": [3]}
