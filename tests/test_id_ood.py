"""The ID vs OOD table (published version): which part plays which role, and the two gains."""

import math

import pandas as pd
import pytest

from ensemw2s import report
from ensemw2s.splits import ID_SPLIT


def _tidy(easyhard=ID_SPLIT):
    """Two seeds, T = 1..3 of one pair on the random split and ``easyhard`` (the ID / OOD variant by default)."""
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
                row["transfer_val_option"] = 0.5 + (0.05 if t == 2 else 0)
                rows.append(row)
    return pd.DataFrame(rows)


def test_each_distribution_reads_its_own_part():
    easy = {("0", "s"): {"test": {"option_accuracy": 0.55}, "easy_test": {"option_accuracy": 0.75}}}
    rows = report.id_ood_rows(_tidy(), track="generation", selection="best", easy=easy)
    assert sorted(set(zip(rows["split"], rows["distribution"], rows["part"]))) == [
        ("easyhard-id", "ID", "easy_test"),
        ("easyhard-id", "OOD (difficulty)", "test"),
        ("random", "ID", "test"),
    ]
    ood = rows[(rows["distribution"] == "OOD (difficulty)") & (rows["seed"] == 0)].iloc[0]
    assert ood["t"] == 3 and ood["weak_single"] == 0.5 and ood["weak_ensemble"] == pytest.approx(0.53)
    assert ood["expert_gain"] == pytest.approx(0.03) and ood["student_gain"] == pytest.approx(0.06)
    assert ood["easy_trained"] == 0.55
    in_dist = rows[(rows["split"] == ID_SPLIT) & (rows["distribution"] == "ID") & (rows["seed"] == 0)].iloc[0]
    assert in_dist["weak_single"] == 0.7 and in_dist["easy_trained"] == 0.75 and in_dist["oracle"] == pytest.approx(1.0)
    assert math.isnan(rows[rows["split"] == "random"]["easy_trained"].iloc[0])  # no easy-trained model on the random split
    # val_selected picks T = 2 (the val peak), whatever test says
    assert set(report.id_ood_rows(_tidy(), track="generation", selection="val_selected")["t"]) == {2}


def test_the_id_ood_variant_is_read_in_place_of_the_main_easy_hard_split():
    """Where the variant ran (n_easy_test > 0), its rows are the easy-hard ID / OOD rows and the main
    easy-hard split's are not read; where it did not, the main split gives the OOD row."""
    main = _tidy("easyhard")
    main = main[main["split"] == "easyhard"].drop(columns=[c for c in main if "easy_test" in c])  # the main split: no easy_test
    main[[c for c in main if c.endswith("option")]] -= 0.1
    both = pd.concat([_tidy(), main], ignore_index=True)
    assert report.id_ood_split(both) == ID_SPLIT and set(report.id_ood_frame(both)["split"]) == {"random", ID_SPLIT}
    rows = report.id_ood_rows(both, track="generation")
    assert set(rows["split"]) == {"random", ID_SPLIT}
    ood = rows[(rows["distribution"] == "OOD (difficulty)") & (rows["seed"] == 0)]
    assert len(ood) == 1 and ood["weak_single"].iloc[0] == 0.5
    without = pd.concat([_tidy()[lambda f: f["split"] == "random"], main], ignore_index=True)
    rows = report.id_ood_rows(without, track="generation")
    assert set(zip(rows["split"], rows["distribution"])) == {("random", "ID"), ("easyhard", "OOD (difficulty)")}
    assert rows[(rows["distribution"] == "OOD (difficulty)") & (rows["seed"] == 0)]["weak_single"].iloc[0] == pytest.approx(0.4)


def test_id_ood_table_aggregates_seeds_and_skips_unevaluated_parts():
    tidy = _tidy().drop(columns=[c for c in _tidy().columns if "easy_test" in c])  # n_easy_test: 0
    rows = report.id_ood_rows(tidy, track="generation")
    assert set(rows["distribution"]) == {"ID", "OOD (difficulty)"} and set(rows[rows["distribution"] == "ID"]["split"]) == {"random"}
    numeric, shown = report.id_ood_table(rows)
    assert len(numeric) == 2 and (numeric["n_seeds"] == 2).all()
    assert numeric["student_gain_sem"].gt(0).all()  # the seeds differ
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
