"""SciQ track: votes, training an expert / a logconf student on a tiny model, the ensemble's
metrics, the tidy rows and Tables 1-2 built from them (ensemw2s.report), and the figure."""

import math

import numpy as np
import pandas as pd
import pytest

from ensemw2s import boosting, classification, losses, report
from ensemw2s.train import ModelSpec, TrainSettings

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

    assert losses.logconf_coefficient(0, 100, 0.5, warmup_frac=0.1) == 0.0
    assert losses.logconf_coefficient(5, 100, 0.5, warmup_frac=0.1) == pytest.approx(0.025)  # warm-up: step fraction
    assert losses.logconf_coefficient(50, 100, 0.5, warmup_frac=0.1) == pytest.approx(0.5)
    student = torch.tensor([0.9, 0.8, 0.3, 0.1])
    weak = torch.tensor([[0.4, 0.6], [0.6, 0.4], [0.5, 0.5], [0.5, 0.5]])  # mean weak p1 = 0.5
    target = losses.logconf_targets(student, weak, 1.0)
    # half of the batch hardened to class 1: the two with the highest student p1
    np.testing.assert_allclose(target[:, 1].numpy(), [1, 1, 0, 0])
    np.testing.assert_allclose(losses.logconf_targets(student, weak, 0.0).numpy(), weak.numpy())


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
    spec = ModelSpec(saved_tiny_model, max_length=64, eval_batch_size=8)
    model, tokenizer, summary = classification.train_expert(spec, records, weights / weights.sum(), settings=settings, t=2, weighting=weighting)
    assert summary["steps"] == 3
    p = classification.predict(model, tokenizer, records, spec=spec)
    assert len(p) == len(records) and all(0 <= x <= 1 for x in p)


def test_logconf_student_trains(saved_tiny_model):
    records = _records()
    settings = TrainSettings(epochs=2, lr=1e-3, batch_size=4, seed=0, micro_batch_size=2)
    spec = ModelSpec(saved_tiny_model, max_length=64)
    _, _, summary = classification.train_student(spec, records, [0.8, 0.3] * 6, settings=settings, loss="logconf")
    assert summary["steps"] == 6 and math.isfinite(summary["final_loss"])
    with pytest.raises(ValueError, match="unknown student loss"):
        classification.train_student(spec, records, [0.5] * 12, settings=settings, loss="hinge")


def _round_predictions(p_test):
    """A round's predictions: 2 test items (labels 1, 0), 2 val, 2 weak-train, 2 strong-train."""
    rows = []
    for part in classification.PARTS:
        for i, (label, p) in enumerate(zip([1, 0], p_test)):
            rows.append({"part": part, "id": f"{part}{i}", "label": label, "p_label1": p})
    return pd.DataFrame(rows)


def test_the_supervisor_is_the_experts_vote_on_each_part_in_the_parts_order():
    predictions = [_round_predictions([0.9, 0.2]), _round_predictions([0.3, 0.0])]
    alphas = [1.0, 3.0]
    parts = {"test": [{"id": "test1"}, {"id": "test0"}], "val": [{"id": "val0"}, {"id": "val1"}], "ood_x": [{"id": "x"}]}
    supervisor = classification.supervisor_probabilities(predictions, alphas, parts, kind="soft")
    assert set(supervisor) == {"test", "val"}  # the rounds did not predict ood_x
    assert supervisor["test"] == pytest.approx([(1 * 0.2 + 3 * 0.0) / 4, (1 * 0.9 + 3 * 0.3) / 4])  # records' order
    voted = classification.ensemble_part(predictions, alphas, "val", kind="hard")["p_label1"].tolist()
    assert classification.supervisor_probabilities(predictions, alphas, parts, kind="hard")["val"] == voted
    with pytest.raises(ValueError, match="rows for the 1 records of the part: 1 not in the part"):
        classification.supervisor_probabilities(predictions, alphas, {"test": [{"id": "test0"}]})


def _tidy(stats, predictions, transfer, oracle=0.9, kind="soft", seed=0, val=None):
    """The tidy rows of one (seed, w -> s) from run-keyed results, as the workflow's jobs write them."""
    run = {"dataset": "d", "split": "random", "seed": str(seed), "weak": "w"}
    rounds = [{"run": {**run, "t": str(t)}, **s} for t, s in enumerate(stats, start=1)]
    alphas = [float(s["alpha"]) for s in stats]
    labels = [{"run": {**run, "t": str(t)}, **classification.ensemble_metrics(predictions[:t], alphas[:t], kind)} for t in range(1, len(stats) + 1)]
    val = val or [0.5 + 0.1 * i for i in range(len(transfer))]
    students = [
        {"run": {**run, "strong": "s", "t": str(t)}, "test": {"accuracy": acc}, "val": {"accuracy": v}}
        for t, (acc, v) in enumerate(zip(transfer, val), start=1)
    ]
    oracles = [
        {"run": {"dataset": "d", "split": "random", "seed": str(seed), "model": "s"}, "test": {"accuracy": oracle}, "val": {"accuracy": oracle}}
    ]
    return report.tidy_rows(students, labels, rounds, oracles=oracles, measures=report.CLASSIFICATION)


def _two_rounds(seed, transfer):
    stats = [
        {"epsilon": 0.25, "alpha": math.log(3), "accepted": True, "train_error": 0.25},
        {"epsilon": 0.5, "alpha": 0.0, "accepted": False, "train_error": 0.5},
    ]
    predictions = [_round_predictions([0.9, 0.6]), _round_predictions([0.2, 0.1])]  # round 1: 1/2 right
    return _tidy(stats, predictions, transfer, seed=seed)


def _tables(tidy):
    tables = report.classification_tables(tidy, ["w", "s"])
    (pairs, shown), (rounds, _) = tables["pairs"], tables["rounds"]
    assert shown.equals(report.classification_table(pairs))
    return pairs, rounds, None


def test_tidy_rows_and_tables_1_2():
    table = _two_rounds(0, [0.6, 0.7])
    assert table["t"].tolist() == [1, 2]
    assert table["weak_acc"].tolist() == [0.5, 0.5]
    # round 2 is rejected (alpha 0): the ensemble stays the round-1 expert
    assert table["ensemble_acc"].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(table["pgr"], [0.25, 0.5])
    tidy = pd.concat([table, _two_rounds(1, [0.7, 0.8])], ignore_index=True)
    pairs, rounds, _ = _tables(tidy)
    assert len(pairs) == 1 and len(rounds) == 2
    pair = pairs.iloc[0]
    assert pair["baseline_acc"] == pytest.approx(0.65) and pair["baseline_acc_sem"] == pytest.approx(0.05)
    assert (pair["best_t"], pair["final_t"], pair["val_selected_t"]) == (2, 2, 2)
    assert pair["best_acc"] == pytest.approx(0.75) and pair["paper_alpha_2"] == 0.0 and pair["train_err_1"] == 0.25
    assert pair["paper_alpha_1"] == pytest.approx(0.5 * math.log(3))  # Algorithm 2's ½ ln((1 − ε)/ε), ε = 0.25
    shown = report.classification_table(pairs)
    # the paper's layout: weak per round, α_t and Err_t per round, then the students, oracle and PGRs
    assert list(shown.columns) == [
        "weak model",
        "strong model",
        "weak (T=1)",
        "weak (T=2)",
        "α_1",
        "α_2",
        "Err_1",
        "Err_2",
        "w2s baseline",
        "T",
        "w2s ensemble",
        "oracle",
        "PGR baseline",
        "PGR ensemble",
    ]
    assert shown.loc[0, "w2s baseline"] == "0.650 ± 0.050" and shown.loc[0, "w2s ensemble"] == "0.750 ± 0.050"
    assert shown.loc[0, "α_1"] == "0.549 ± 0.000" and shown.loc[0, "weak (T=1)"] == "0.500 ± 0.000"
    # one seed: the SEM is undefined, so the plain value, never "± 0.000" nor "± n/a"
    one_seed = report.classification_table(_tables(table)[0])
    assert one_seed.loc[0, "w2s baseline"] == "0.600" and "±" not in "".join(one_seed.astype(str).to_numpy().ravel())
    _, aggregated = report.split_summaries({"random": tidy}, report.CLASSIFICATION)
    summary = report.pgr_figure_frame(aggregated, ["w", "s"], "acc", selection="val_selected")
    assert summary.loc[0, "ensemble_acc"] == pytest.approx(0.75)


def test_results_are_joined_by_run_key_not_by_position():
    table = _two_rounds(0, [0.6, 0.7])
    stats = [{"epsilon": 0.25, "alpha": 1.0, "accepted": True, "train_error": 0.25}] * 2
    run = {"dataset": "d", "split": "random", "seed": "0", "weak": "w"}
    rounds = [{"run": {**run, "t": str(t)}, **s} for t, s in enumerate(stats, start=1)]
    labels = [{"run": {**run, "t": str(t)}, **classification.ensemble_metrics([_round_predictions([0.9, 0.6])] * t, [1.0] * t)} for t in (1, 2)]
    students = [{"run": {**run, "strong": "s", "t": t}, "test": {"accuracy": a}, "val": {"accuracy": a}} for t, a in (("2", 0.7), ("1", 0.6))]
    oracles = [{"run": {"dataset": "d", "split": "random", "seed": "0", "model": "s"}, "test": {"accuracy": 0.9}, "val": {"accuracy": 0.9}}]
    shuffled = report.tidy_rows(students, labels[::-1], rounds[::-1], oracles=oracles, measures=report.CLASSIFICATION)
    assert shuffled["transfer_acc"].tolist() == table["transfer_acc"].tolist() == [0.6, 0.7]
    with pytest.raises(ValueError, match="no 'run' key"):
        report.tidy_rows(students, labels, [{k: v for k, v in rounds[0].items() if k != "run"}], oracles=oracles, measures=report.CLASSIFICATION)
    with pytest.raises(ValueError, match="two round results"):
        report.tidy_rows(students, labels, rounds + rounds[:1], oracles=oracles, measures=report.CLASSIFICATION)


def test_undefined_pgr_is_flagged():
    table = _two_rounds(0, [0.6, 0.7])
    stats = [{"epsilon": 0.1, "alpha": 1.0, "accepted": True, "train_error": 0.1}]
    oracle_below = _tidy(stats, [_round_predictions([0.9, 0.1])], [0.5], oracle=0.8)
    assert oracle_below["pgr"].isna().all()  # weak 1.0 > oracle 0.8
    assert not table["pgr"].isna().any()
    pairs, _, _ = _tables(oracle_below)
    assert pairs.loc[0, "pgr_undefined_seeds"] == 1


def test_pgr_figure(tmp_path):
    from ensemw2s.plots import pgr_figure

    rows = []
    for split in ("random", "easyhard"):
        for weak, strong, rank in (("a", "b", 1), ("a", "c", 2), ("b", "c", 2)):
            rows.append(
                {
                    "split": split,
                    "weak": weak,
                    "strong": strong,
                    "strong_rank": rank,
                    "weak_acc": 0.6,
                    "oracle_acc": 0.8,
                    "baseline_acc": 0.65,
                    "ensemble_acc": 0.7,
                    "baseline_pgr": 0.25,
                    "ensemble_pgr": float("nan"),
                    "ensemble_acc_sem": 0.01,
                }
            )
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
        "from ensemw2s.train import ModelSpec; "
        f"spec = ModelSpec({saved_tiny_model!r}, max_length=32, eval_batch_size=8); "
        "m, tok, _ = classification.train_expert(spec, records, None, settings=TrainSettings(epochs=1, lr=1e-3, batch_size=4, seed=3), t=1, weighting='uniform'); "
        "print(classification.predict(m, tok, records, spec=spec))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")


# ------------------------------------------------------------------------- rejection and stopping
LABELS = [1, 0, 1, 0]


def _parts():
    return {part: [{"id": f"{part}{i}", "binary_label": y} for i, y in enumerate(LABELS)] for part in classification.PARTS}


def _trained_predictions(p_label1):
    parts = _parts()
    return classification.predictions_frame(parts, {part: p_label1 for part in parts})


def _wrong(p_label1):
    return (np.asarray(p_label1) > 0.5) != np.asarray(LABELS, dtype=bool)


def test_a_rejected_round_stops_every_later_round_and_the_vote_stays_unchanged():
    """Round 1 is wrong on item 0; round 2 repeats exactly that mistake, so under D_2 its error
    sits on the threshold 0.5 and it is rejected (α = 0); under break, rounds 3 and 4 are stopped:
    nothing trained, α = 0, and the ensemble of 4 rounds is the ensemble up to round 2."""
    p1 = [0.2, 0.1, 0.9, 0.3]  # wrong on item 0
    p2 = [0.4, 0.45, 0.6, 0.2]  # the same mistakes, other probabilities
    stats = [classification.round_stats(1, np.full(4, 0.25), _wrong(p1), previous=None)]
    assert stats[0]["status"] == "accepted" and stats[0]["epsilon"] == 0.25
    stats.append(classification.round_stats(2, stats[0]["next_weights"], _wrong(p2), previous=stats[0]))
    assert stats[1]["epsilon"] == pytest.approx(0.5)
    assert (stats[1]["status"], stats[1]["alpha"], stats[1]["accepted"]) == ("rejected", 0.0, False)
    assert boosting.stopped_round(2, stats[0], "break") is None  # after an accepted round: train
    assert boosting.stopped_round(3, stats[1], "continue") is None  # continue: round 3 trains
    for t in (3, 4):
        stopped = boosting.stopped_round(t, stats[-1], "break")
        assert (stopped["status"], stopped["stopped_at"], stopped["alpha"], stopped["round"]) == ("stopped", 2, 0.0, t)
        assert math.isnan(stopped["epsilon"]) and math.isnan(stopped["train_error"])
        assert stopped["next_weights"] == stats[1]["next_weights"]
        stats.append(stopped)
    predictions = [_trained_predictions(p1), _trained_predictions(p2)]
    predictions += [classification.predictions_frame(_parts(), classification.stopped_probabilities(_parts())) for _ in range(2)]
    assert predictions[2]["p_label1"].isna().all()
    alphas = [s["alpha"] for s in stats]
    for kind in classification.VOTES:
        up_to_stop = classification.ensemble_part(predictions[:2], alphas[:2], "test", kind=kind)
        for t in (3, 4):
            pd.testing.assert_frame_equal(classification.ensemble_part(predictions[:t], alphas[:t], "test", kind=kind), up_to_stop)
    table = _tidy(stats, predictions, [0.6] * 4)
    assert table["status"].tolist() == ["accepted", "rejected", "stopped", "stopped"]
    assert table["paper_alpha"].tolist() == [pytest.approx(0.5 * math.log(3)), 0.0, 0.0, 0.0]
    assert table["ensemble_soft_acc"].nunique() == 1 and table["ensemble_hard_acc"].nunique() == 1


class _FakeExperts:
    """train_expert / predict stand-ins: attempt k's expert predicts ``p_label1[k]`` on every part;
    every call's seed, weights and checkpoint folder are recorded."""

    def __init__(self, monkeypatch, *p_label1):
        self.p_label1, self.calls = p_label1, []
        monkeypatch.setattr(classification, "train_expert", self.train_expert)
        monkeypatch.setattr(classification, "predict", lambda model, tokenizer, records, *, spec, desc="": list(self.p_label1[model]))

    def train_expert(self, spec, records, weights, *, settings, t, **kwargs):
        self.calls.append({"seed": settings.seed, "weights": list(weights), "checkpoint_dir": settings.checkpoint_dir})
        return len(self.calls) - 1, None, {"attempt": len(self.calls) - 1}


def _round_after(p_label1):
    """Round 1's stats (uniform D_1, wrong where ``p_label1`` is)."""
    return classification.round_stats(1, np.full(4, 0.25), _wrong(p_label1), previous=None)


def test_on_reject_retry_keeps_the_first_accepted_attempt(monkeypatch):
    """Algorithm 2's "h_t such that ε_t < ½": round 2's first expert repeats round 1's mistake
    (ε = ½ under D_2: rejected), its retry with the next seed errs elsewhere (ε < ½): the retry is
    kept, α and D_3 are its own, and the stats list both attempts."""
    round1 = _round_after([0.2, 0.1, 0.9, 0.3])  # wrong on item 0: D_2 = (1/2, 1/6, 1/6, 1/6)
    fake = _FakeExperts(monkeypatch, [0.4, 0.45, 0.6, 0.2], [0.9, 0.8, 0.9, 0.3])  # attempt 0: item 0 wrong; attempt 1: item 1
    settings = TrainSettings(epochs=1, lr=1e-3, batch_size=2, seed=2, checkpoint_dir=".checkpoints/round2")
    model, _, stats, probabilities = classification.boosting_round(
        2, None, _parts(), previous=round1, settings=settings, on_reject="retry", max_retries=3
    )
    assert model == 1 and [c["seed"] for c in fake.calls] == [2, 2 + boosting.RETRY_SEED_STRIDE]
    assert [c["checkpoint_dir"] for c in fake.calls] == [".checkpoints/round2", ".checkpoints/round2.retry1"]
    assert all(c["weights"] == pytest.approx(round1["next_weights"]) for c in fake.calls)  # the same D_2
    assert [(a["attempt"], a["seed"], a["accepted"]) for a in stats["attempts"]] == [(0, 2, False), (1, 2 + boosting.RETRY_SEED_STRIDE, True)]
    assert [a["epsilon"] for a in stats["attempts"]] == pytest.approx([0.5, 1 / 6])
    assert stats["kept_attempt"] == 1 and stats["status"] == "accepted" and stats["training"] == {"attempt": 1}
    assert stats["epsilon"] == pytest.approx(1 / 6) and stats["alpha"] == pytest.approx(boosting.alpha(1 / 6))
    kept_wrong = _wrong([0.9, 0.8, 0.9, 0.3])
    assert stats["next_weights"] == pytest.approx(boosting.reweight(round1["next_weights"], kept_wrong, boosting.alpha(1 / 6)).tolist())
    assert all(probabilities[part] == [0.9, 0.8, 0.9, 0.3] for part in classification.PARTS)  # the kept expert's
    assert boosting.stopped_round(3, stats, "retry") is None  # accepted: round 3 trains


def test_on_reject_retry_stops_as_break_after_max_retries(monkeypatch):
    """Every attempt rejected: 1 + max_retries trainings, the last one stands for the rejected
    round (α = 0, D handed on), and the next round is stopped at it, as under break."""
    round1 = _round_after([0.2, 0.1, 0.9, 0.3])
    fake = _FakeExperts(monkeypatch, *[[0.4, 0.45, 0.6, 0.2]] * 5)  # the same mistake, every time
    settings = TrainSettings(epochs=1, lr=1e-3, batch_size=2, seed=2)
    _, _, stats, _ = classification.boosting_round(2, None, _parts(), previous=round1, settings=settings, on_reject="retry", max_retries=2)
    assert len(fake.calls) == 3 and [a["seed"] for a in stats["attempts"]] == [2 + k * boosting.RETRY_SEED_STRIDE for k in range(3)]
    assert not any(a["accepted"] for a in stats["attempts"]) and stats["kept_attempt"] == 2
    assert (stats["status"], stats["alpha"]) == ("rejected", 0.0) and stats["next_weights"] == pytest.approx(round1["next_weights"])
    assert all(c["checkpoint_dir"] == "" for c in fake.calls)  # no checkpoints asked for: none for the retries either
    stopped = boosting.stopped_round(3, stats, "retry")
    assert (stopped["status"], stopped["stopped_at"]) == ("stopped", 2)
    # break and continue train once and record no attempts; round 1, the baseline, is never retried
    for on_reject in ("break", "continue"):
        fake.calls.clear()
        _, _, once, _ = classification.boosting_round(2, None, _parts(), previous=round1, settings=settings, on_reject=on_reject, max_retries=2)
        assert len(fake.calls) == 1 and "attempts" not in once and once["status"] == "rejected"
    fake = _FakeExperts(monkeypatch, *[[0.1, 0.9, 0.1, 0.9]] * 3)  # every item wrong: ε = 1
    _, _, baseline, _ = classification.boosting_round(1, None, _parts(), previous=None, settings=settings, on_reject="retry", max_retries=2)
    assert len(fake.calls) == 1 and baseline["status"] == "rejected" and "attempts" not in baseline
    with pytest.raises(ValueError, match="on_reject"):
        classification.boosting_round(2, None, _parts(), previous=round1, settings=settings, on_reject="again")


def test_max_retries_reaches_only_the_rounds_that_retry():
    """classification.max_retries is in the settings of rounds t >= 2 under on_reject: retry only,
    so editing it reruns nothing under break or continue."""
    from conftest import rule_settings

    rounds = [{"dataset": "sandbox_binary", "split": "random", "seed": "0", "weak": "tiny-cls-weak", "t": t} for t in ("1", "2")]
    first, second = rule_settings("classification_round", rounds, {"classification": {"on_reject": "retry", "max_retries": 5}})
    assert (first["on_reject"], second["on_reject"], second["max_retries"]) == ("none", "retry", 5) and "max_retries" not in first
    assert not any("max_retries" in settings for settings in rule_settings("classification_round", rounds, {"classification": {"max_retries": 5}}))


def test_the_vote_refuses_nan_predictions_of_a_voting_expert():
    with pytest.raises(ValueError, match="non-finite"):
        classification.soft_vote([[0.9, 0.1], [float("nan"), 0.2]], [1.0, 1.0])
    np.testing.assert_allclose(classification.soft_vote([[0.9, 0.1], [float("nan"), 0.2]], [1.0, 0.0]), [0.9, 0.1])


def test_stopped_round_marker(tmp_path):
    stats = {"round": 4, "stopped_at": 2}
    from ensemw2s.files import read_json

    boosting.write_stopped_marker(tmp_path / "model", stats["round"], stats["stopped_at"])
    assert read_json(tmp_path / "model" / boosting.STOPPED_MARKER)["stopped_at"] == 2


def test_ensemble_metrics_report_both_votes():
    """Three experts: the soft vote follows the confident one, the hard vote the α-majority."""
    p = [[0.99, 0.01, 0.99, 0.01], [0.4, 0.6, 0.4, 0.6], [0.4, 0.6, 0.4, 0.6]]  # expert 1 right; 2 and 3 all wrong
    stats = [{"epsilon": 0.2, "alpha": 1.0, "accepted": True, "train_error": 0.2}] * 3
    predictions = [_trained_predictions(probs) for probs in p]
    for kind in classification.VOTES:
        table = _tidy(stats, predictions, [0.6] * 3, kind=kind)
        # soft, T = 3: (0.99 + 0.8) / 3 = 0.597 > 0.5 on the label-1 items -> right; hard: 1 vs 2 -> wrong
        assert table["ensemble_soft_acc"].tolist() == [1.0, 1.0, 1.0]
        assert table["ensemble_hard_acc"].tolist() == [1.0, 1.0, 0.0]  # T = 2: a tie, broken by the soft vote
        assert table["ensemble_acc"].tolist() == table[f"ensemble_{kind}_acc"].tolist()
        assert table["experts_voting"].tolist() == [1, 2, 3] and (table["vote"] == kind).all()
    pairs, rounds, _ = _tables(table)
    # the printed table shows one accuracy (the students' vote); both votes stay in its CSV
    assert {"best_weak_ensemble_soft_acc", "best_weak_ensemble_hard_acc"} <= set(pairs.columns)
    assert set(report.rounds_table(rounds, report.CLASSIFICATION).columns) >= {
        "weak ensemble acc, soft vote",
        "weak ensemble acc, hard vote",
        "stopped",
    }


# ----------------------------------------------------------------------- Burns et al.'s training
@pytest.fixture
def saved_gpt2_model(tmp_path, tokenizer):
    """A tiny GPT-2 (dropout probabilities 0.1 in its config) saved as a model source."""
    from ensemw2s.models import build_tiny_model, save_model

    model = build_tiny_model({"family": "gpt2", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=0)
    assert model.config.resid_pdrop == 0.1
    save_model(model, tokenizer, tmp_path / "gpt2")
    return str(tmp_path / "gpt2")


@pytest.mark.parametrize("source", ["saved_gpt2_model", "saved_tiny_model"])
def test_dropout_off_and_zero_head(source, request, tokenizer):
    import torch

    from ensemw2s import models

    path = request.getfixturevalue(source)
    model = models.load_classifier(path, tokenizer, seed=0, dropout=0.0, head_init="zero")
    names = [n for n in vars(model.config) if ("dropout" in n or "pdrop" in n) and isinstance(getattr(model.config, n), float)]
    assert names and all(getattr(model.config, n) == 0.0 for n in names)
    assert all(m.p == 0.0 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    head = models.classifier_head(model)
    assert torch.count_nonzero(head.weight) == 0 and (head.bias is None or torch.count_nonzero(head.bias) == 0)
    default = models.load_classifier(path, tokenizer, seed=0)  # the model's own dropout, a seeded random head
    assert torch.count_nonzero(models.classifier_head(default).weight) > 0
    if source == "saved_gpt2_model":
        assert default.config.resid_pdrop == 0.1 and any(m.p == 0.1 for m in default.modules() if isinstance(m, torch.nn.Dropout))
    with pytest.raises(ValueError, match="head_init"):
        models.load_classifier(path, tokenizer, seed=0, head_init="xavier")


def test_logconf_batch_threshold_equals_the_single_batch_threshold_under_micro_batching(saved_tiny_model):
    """With threshold="batch", splitting each batch of 4 into micro-batches of 2 gives the same
    training as the whole batch at once (the hardening threshold and the gradient are both the
    whole batch's); the threshold of the concatenated predictions is the single-batch one."""
    import torch

    p1, weak = torch.tensor([0.9, 0.8, 0.3, 0.1]), torch.tensor([[0.4, 0.6], [0.6, 0.4], [0.5, 0.5], [0.5, 0.5]])
    halves = losses.logconf_threshold(torch.cat([p1[:2], p1[2:]]), torch.cat([weak[:2], weak[2:]]))
    assert halves == losses.logconf_threshold(p1, weak)
    records = _records()
    targets = [0.8, 0.3, 0.6, 0.1] * 3
    states = {}
    for micro in (0, 2):
        settings = TrainSettings(epochs=2, lr=1e-2, batch_size=4, seed=0, micro_batch_size=micro)
        model, _, _ = classification.train_student(
            ModelSpec(saved_tiny_model, max_length=64), records, targets, settings=settings, loss="logconf", threshold="batch"
        )
        states[micro] = {k: v.clone() for k, v in model.state_dict().items()}
    for key, value in states[0].items():
        # The attention's key bias has no gradient but rounding noise (softmax ignores a shift
        # shared by every key), which Adam's normalised update turns into steps of up to 1e-4.
        assert torch.allclose(value, states[2][key], atol=1e-4 if key.endswith("query_key_value.bias") else 1e-5), key
    with pytest.raises(ValueError, match="logconf threshold"):
        classification.train_student(
            ModelSpec(saved_tiny_model, max_length=64), records, targets, settings=settings, loss="logconf", threshold="global"
        )


def test_tables_follow_the_weak_to_strong_model_order_not_the_alphabet():
    frame = pd.DataFrame({"weak": ["pythia-160m", "pythia-70m", "pythia-70m"], "strong": ["pythia-410m", "pythia-410m", "pythia-160m"], "t": 1})
    ordered = report.by_model_order(frame, ["pythia-70m", "pythia-160m", "pythia-410m"], ["t"])
    assert list(zip(ordered["weak"], ordered["strong"])) == [
        ("pythia-70m", "pythia-160m"),
        ("pythia-70m", "pythia-410m"),
        ("pythia-160m", "pythia-410m"),
    ]


def test_resampling_agrees_with_the_weighted_loss_in_expectation():
    """AdaBoost by resampling (classification.weighting: resample) and the D_t-weighted loss
    (loss) train on the same objective in expectation: the mean loss over the n items drawn from D_t,
    averaged over draws (seeds), equals the weighted loss train_classifier minimises, for a fixed
    model."""
    import torch

    from ensemw2s.losses import ClassifierBatch, classifier_loss_count, classifier_loss_sum
    from ensemw2s.train import normalised_weights

    n = 8
    table = torch.tensor([[3.0, -3.0], [2.0, 0.0], [0.0, 0.0], [-1.0, 2.0], [1.0, 1.0], [0.0, 3.0], [2.0, 2.0], [-2.0, 1.0]])  # fixed logits

    class Fixed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(1))

        def forward(self, input_ids, attention_mask):
            return type("Out", (), {"logits": table[input_ids[:, 0]] + self.anchor})()

    labels = torch.tensor([[0.0, 1.0]] * n)  # example 0 (the heaviest) costs most
    weights = np.array([8.0, 1.0, 1.0, 4.0, 1.0, 0.5, 2.0, 1.0])
    weights /= weights.sum()

    def mean_loss(indices, w):
        idx = torch.as_tensor(indices)
        batch = ClassifierBatch(idx[:, None], torch.ones(len(idx), 1, dtype=torch.long), labels[idx], torch.as_tensor(w, dtype=torch.float32))
        return float(classifier_loss_sum(Fixed(), batch)) / classifier_loss_count(batch)

    weighted = mean_loss(range(n), normalised_weights(weights, "D_t"))
    draws = [mean_loss(classification.resample_indices(weights, seed), [1.0] * n) for seed in range(4000)]
    uniform = mean_loss(range(n), [1.0] * n)
    assert weighted - uniform > 0.5  # the weights matter here
    assert np.mean(draws) == pytest.approx(weighted, abs=4 * np.std(draws) / np.sqrt(len(draws)))
    assert classification.resample_indices(weights, 5).size == n  # n draws per round
    assert classification.resample_indices(weights, 5).tolist() != classification.resample_indices(weights, 6).tolist()  # seeded per round
