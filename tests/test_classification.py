"""SciQ track: votes, training an expert / a logconf student on a tiny model, the per-seed and
summary tables, and the figure."""

import math

import numpy as np
import pandas as pd
import pytest

from ensemw2s import classification
from ensemw2s.train import TrainSettings

PROBS = [[0.9, 0.2, 0.6], [0.3, 0.4, 0.1]]


def test_soft_vote():
    np.testing.assert_allclose(classification.soft_vote(PROBS, [1.0, 3.0]), [0.45, 0.35, 0.225])
    np.testing.assert_allclose(classification.soft_vote(PROBS[:1], [0.7]), PROBS[0])  # t = 1: the baseline
    np.testing.assert_allclose(classification.soft_vote(PROBS, [0.0, 0.0]), PROBS[0])  # nothing accepted
    np.testing.assert_allclose(classification.soft_vote(PROBS, [2.0, 0.0]), PROBS[0])  # rejected round ignored


def test_hard_vote():
    # h1 = [1, 0, 1], h2 = [0, 0, 0]; score = a1 (2 h1 - 1) + a2 (2 h2 - 1)
    np.testing.assert_array_equal(classification.hard_vote(PROBS, [1.0, 3.0]), [0, 0, 0])
    np.testing.assert_array_equal(classification.hard_vote(PROBS, [3.0, 1.0]), [1, 0, 1])
    # ties (equal alphas, disagreeing experts) are broken by the soft vote: 0.6 -> 1, 0.35 -> 0
    np.testing.assert_array_equal(classification.hard_vote(PROBS, [1.0, 1.0]), [1, 0, 0])
    np.testing.assert_array_equal(classification.hard_vote(PROBS[:1], [0.0]), [1, 0, 1])


def test_vote_input_errors():
    with pytest.raises(ValueError, match="2 experts but 1 alphas"):
        classification.soft_vote(PROBS, [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        classification.hard_vote(PROBS, [1.0, -1.0])
    with pytest.raises(ValueError, match="unknown vote"):
        classification.vote(PROBS, [1.0, 1.0], "median")


def test_resample_is_seeded_and_follows_the_weights():
    weights = [0.0, 0.0, 1.0, 0.0]
    assert classification.resample_indices(weights, 3).tolist() == [2, 2, 2, 2]
    uniform = np.full(50, 0.02)
    assert classification.resample_indices(uniform, 1).tolist() == classification.resample_indices(uniform, 1).tolist()


def test_logconf_schedule_and_targets():
    import torch

    assert classification.logconf_coefficient(0, 100, 0.5, 0.1) == 0.0
    assert classification.logconf_coefficient(5, 100, 0.5, 0.1) == pytest.approx(0.025)  # warm-up: step fraction
    assert classification.logconf_coefficient(50, 100, 0.5, 0.1) == pytest.approx(0.5)
    student = torch.tensor([0.9, 0.8, 0.3, 0.1])
    weak = torch.tensor([[0.4, 0.6], [0.6, 0.4], [0.5, 0.5], [0.5, 0.5]])  # mean weak p1 = 0.5
    target = classification.logconf_targets(student, weak, 1.0)
    # half of the batch hardened to class 1: the two with the highest student p1
    np.testing.assert_allclose(target[:, 1].numpy(), [1, 1, 0, 0])
    np.testing.assert_allclose(classification.logconf_targets(student, weak, 0.0).numpy(), weak.numpy())


@pytest.fixture
def saved_tiny_model(tmp_path, tiny_model, tokenizer):
    from ensemw2s.models import save_model

    save_model(tiny_model, tokenizer, tmp_path / "tiny")
    return str(tmp_path / "tiny")


def _records(n=12):
    return [{"id": str(i), "question": f"What is {i}?", "binary_answer": f"answer {i % 3}", "binary_label": i % 2} for i in range(n)]


@pytest.mark.parametrize("weighting", ["uniform", "loss", "resample"])
def test_train_expert_runs_each_weighting(saved_tiny_model, weighting):
    records = _records()
    weights = np.linspace(1, 2, len(records))
    settings = TrainSettings(epochs=1, lr=1e-3, batch_size=4, seed=0)
    model, tokenizer, summary = classification.train_expert(saved_tiny_model, records, weights / weights.sum(), 2, settings, 64, weighting)
    assert summary["steps"] == 3
    p = classification.predict(model, tokenizer, records, 64, 8)
    assert len(p) == len(records) and all(0 <= x <= 1 for x in p)


def test_logconf_student_trains(saved_tiny_model):
    records = _records()
    settings = TrainSettings(epochs=2, lr=1e-3, batch_size=4, seed=0, micro_batch_size=2)
    _, _, summary = classification.train_student(saved_tiny_model, records, [0.8, 0.3] * 6, settings, 64, loss="logconf")
    assert summary["steps"] == 6 and math.isfinite(summary["final_loss"])
    with pytest.raises(ValueError, match="unknown student loss"):
        classification.train_student(saved_tiny_model, records, [0.5] * 12, settings, 64, loss="hinge")


def _round_predictions(p_test):
    """A round's predictions: 2 test items (labels 1, 0), 2 val, 2 weak-train, 2 strong-train."""
    rows = []
    for part in classification.PARTS:
        for i, (label, p) in enumerate(zip([1, 0], p_test)):
            rows.append({"part": part, "id": f"{part}{i}", "label": label, "p_label1": p})
    return pd.DataFrame(rows)


def _seed_table(seed, transfer):
    stats = [
        {"epsilon": 0.25, "alpha": math.log(3), "accepted": True, "train_error": 0.25},
        {"epsilon": 0.5, "alpha": 0.0, "accepted": False, "train_error": 0.5},
    ]
    predictions = [_round_predictions([0.9, 0.6]), _round_predictions([0.2, 0.1])]  # round 1: 1/2 right
    students = [{"test_acc": transfer[0], "val_acc": 0.5}, {"test_acc": transfer[1], "val_acc": 0.6}]
    table = classification.seed_table("w", "s", stats, predictions, students, {"test_acc": 0.9, "val_acc": 0.9})
    table.insert(0, "seed", seed)
    return table


def test_seed_table_and_summary():
    table = _seed_table(0, [0.6, 0.7])
    assert table["t"].tolist() == [1, 2]
    assert table["weak_acc"].tolist() == [0.5, 0.5]
    # round 2 is rejected (alpha 0): the ensemble stays the round-1 expert
    assert table["ensemble_acc"].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(table["pgr"], [0.25, 0.5])
    per_seed = pd.concat([table, _seed_table(1, [0.7, 0.8])], ignore_index=True)
    pairs, rounds = classification.summarise(per_seed, ["w", "s"])
    assert len(pairs) == 1 and len(rounds) == 2
    pair = pairs.iloc[0]
    assert pair["baseline_acc"] == pytest.approx(0.65) and pair["baseline_acc_sem"] == pytest.approx(0.05)
    assert (pair["best_t"], pair["final_t"], pair["val_t"]) == (2, 2, 2)
    assert pair["best_acc"] == pytest.approx(0.75) and pair["alpha_2"] == 0.0 and pair["train_err_1"] == 0.25
    shown = classification.display_pairs(pairs)
    assert shown.loc[0, "transfer baseline (T=1)"] == "0.650 ± 0.050"
    summary = classification.figure_summary(pairs, "random", "val")
    assert summary.loc[0, "ensemble_acc"] == pytest.approx(0.75)


def test_undefined_pgr_is_flagged():
    table = _seed_table(0, [0.6, 0.7])
    stats_oracle_below = classification.seed_table(
        "w", "s", [{"epsilon": 0.1, "alpha": 1.0, "accepted": True, "train_error": 0.1}], [_round_predictions([0.9, 0.1])],
        [{"test_acc": 0.5, "val_acc": 0.5}], {"test_acc": 0.8, "val_acc": 0.8},
    )
    assert stats_oracle_below["pgr_undefined"].all() and stats_oracle_below["pgr"].isna().all()  # weak 1.0 > oracle 0.8
    assert not table["pgr_undefined"].any()


def test_pgr_figure(tmp_path):
    from ensemw2s.plots import pgr_figure

    rows = []
    for split in ("random", "easyhard"):
        for weak, strong, rank in (("a", "b", 1), ("a", "c", 2), ("b", "c", 2)):
            rows.append({"split": split, "weak": weak, "strong": strong, "strong_rank": rank, "weak_acc": 0.6, "oracle_acc": 0.8, "baseline_acc": 0.65, "ensemble_acc": 0.7, "baseline_pgr": 0.25, "ensemble_pgr": float("nan"), "ensemble_acc_sem": 0.01})
    pgr_figure(pd.DataFrame(rows), str(tmp_path / "f.pdf"), "test")
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match="lacks columns"):
        pgr_figure(pd.DataFrame(rows).drop(columns="oracle_acc"), str(tmp_path / "g.pdf"), "test")


def test_expert_is_reproducible_across_processes(saved_tiny_model):
    """The classifier head is seeded: the same job in two fresh processes gives the same expert."""
    import subprocess
    import sys

    code = (
        "from ensemw2s import classification; from ensemw2s.train import TrainSettings; "
        f"records = [{{'id': str(i), 'question': f'q {{i}}', 'binary_answer': 'a', 'binary_label': i % 2}} for i in range(8)]; "
        f"m, tok, _ = classification.train_expert({saved_tiny_model!r}, records, None, 1, TrainSettings(epochs=1, lr=1e-3, batch_size=4, seed=3), 32, 'uniform'); "
        "print(classification.predict(m, tok, records, 32, 8))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")
