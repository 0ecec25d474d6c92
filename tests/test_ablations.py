"""Appendix G.2's ablations in the library: windowed and per-example boosting errors, the
per-round ensemble curve, and the ablation tables (the workflow's side: tests/test_sandbox_run.py)."""

import json

import numpy as np
import pytest

from ensemw2s import boosting, ensemble, evaluate, generation, report
from ensemw2s.train import ModelSpec, TrainSettings


# ------------------------------------------------------------------------------ unit errors
def test_windowed_error_is_the_share_wrong_among_the_last_l_tokens_of_its_answer():
    # two answers of 4 and 3 tokens; the window never reaches into the previous answer
    wrong = np.array([True, False, False, True, False, True, False])
    lengths = [4, 3]
    np.testing.assert_allclose(generation.windowed_errors(wrong, lengths, 2), [1.0, 0.5, 0.0, 0.5, 0.0, 0.5, 0.5])
    np.testing.assert_allclose(generation.windowed_errors(wrong, lengths, 3), [1.0, 0.5, 1 / 3, 1 / 3, 0.0, 0.5, 1 / 3])
    # L at least the longest answer: each token's error is its answer prefix's share of mistakes
    np.testing.assert_allclose(generation.windowed_errors(wrong, lengths, 8), [1.0, 0.5, 1 / 3, 0.5, 0.0, 0.5, 1 / 3])
    with pytest.raises(ValueError, match="7 token mistakes for 6"):
        generation.windowed_errors(wrong, [3, 3], 2)


def test_window_one_is_the_token_mistakes_themselves():
    wrong = np.array([True, False, True, True])
    errors = generation.unit_errors(wrong, [1, 3], generation.BoostingSettings(window=1))
    assert errors.dtype == bool and np.array_equal(errors, wrong)  # the indicator path of boosting, as before


def test_sample_level_error_and_weights_are_per_example():
    wrong = np.array([False, True, False, False, False, True])
    lengths = [2, 3, 1]
    anyone = generation.unit_errors(wrong, lengths, generation.BoostingSettings(unit="sample"))
    assert anyone.tolist() == [True, False, True]
    share = generation.unit_errors(wrong, lengths, generation.BoostingSettings(unit="sample", sample_error="mean"))
    np.testing.assert_allclose(share, [0.5, 0.0, 1.0])
    # an example's draw count trains every one of its tokens
    assert generation.unit_token_weights([2, 0, 1], lengths, generation.BoostingSettings(unit="sample")) == [[2.0, 2.0], [0.0, 0.0, 0.0], [1.0]]
    assert generation.BoostingSettings(unit="sample").n_units(lengths) == 3
    assert generation.BoostingSettings().n_units(lengths) == 6


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(window=0), "window must be an integer"),
        (dict(window=2.0), "window must be an integer"),
        (dict(unit="sample", window=2), "needs unit: token"),
        (dict(unit="sentence"), "unit must be one of"),
        (dict(unit="sample", sample_error="max"), "sample_error must be one of"),
    ],
)
def test_boosting_unit_settings_are_checked(settings, message):
    with pytest.raises(ValueError, match=message):
        generation.BoostingSettings(**settings)


def test_fractional_errors_enter_epsilon_and_the_weight_update():
    weights = np.array([0.25, 0.25, 0.5])
    errors = np.array([1.0, 0.5, 0.0])
    assert boosting.weighted_error(weights, errors) == pytest.approx(0.375)
    result = boosting.boosting_round(weights, errors, epsilon_pre=0.6)
    raised = weights * np.exp(result.alpha * errors)
    np.testing.assert_allclose(result.next_weights, raised / raised.sum())
    with pytest.raises(ValueError, match="share in"):
        boosting.weighted_error(weights, [1.5, 0.0, 0.0])
    # booleans keep the masked sum they always had: the same bits
    wrong = np.array([True, False, True])
    assert boosting.weighted_error(weights, wrong) == float(weights[wrong].sum() / weights.sum())


# ------------------------------------------------------------------- rounds of each variant
@pytest.fixture
def saved_model(tmp_path, tiny_model, tokenizer):
    from ensemw2s.models import save_model

    save_model(tiny_model, tokenizer, tmp_path / "tiny")
    return str(tmp_path / "tiny")


def _records(n=10):
    return [{"id": str(i), "question": f"Which is larger, {i} or {i + 7}?", "choices": [str(i), str(i + 7)], "gold": 1} for i in range(n)]


def _rounds(spec, boost, t_max=2):
    settings = TrainSettings(epochs=1, lr=5e-3, batch_size=4, seed=0)
    previous, stats = None, []
    for t in range(1, t_max + 1):
        _, _, previous = generation.token_boosting_round(t, spec, _records(), settings=settings, previous=previous, seed=0, boost=boost)
        stats.append(previous)
    return stats


def test_window_one_rounds_equal_token_level_rounds_bit_for_bit(saved_model):
    spec = ModelSpec(saved_model, max_length=64, eval_batch_size=8)
    token = _rounds(spec, generation.BoostingSettings())
    window_one = _rounds(spec, generation.BoostingSettings(unit="token", window=1))
    assert json.dumps(token, sort_keys=True) == json.dumps(window_one, sort_keys=True)
    # ... and the window reaches the round: L = 4 weighs the same tokens by other errors
    window_four = _rounds(spec, generation.BoostingSettings(window=4))
    assert window_four[0]["n_units"] == token[0]["n_units"]
    assert window_four[0]["epsilon_pre"] != token[0]["epsilon_pre"] or window_four[0]["next_weights"] != token[0]["next_weights"]
    assert window_four[0]["units"] == {"unit": "token", "window": 4, "sample_error": None}


def test_sample_level_rounds_weight_examples(saved_model):
    spec = ModelSpec(saved_model, max_length=64, eval_batch_size=8)
    stats = _rounds(spec, generation.BoostingSettings(unit="sample"))
    assert [s["n_units"] for s in stats] == [10, 10] and len(stats[1]["next_weights"]) == 10
    assert stats[0]["units"]["unit"] == "sample"


# ----------------------------------------------------------------------------- ensemble curve
def test_ensemble_curve_scores_each_prefix_once_and_loads_only_voting_experts(tokenizer, monkeypatch):
    from ensemw2s.models import build_tiny_model

    mixtures, real_mixture = [], ensemble.mixture_logprobs

    def spy(models, weights, combine):
        mixtures.append((len(models), list(weights), combine))
        return real_mixture(models, weights, combine)

    monkeypatch.setattr(generation.ensemble, "mixture_logprobs", spy)

    experts = {s: build_tiny_model({"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=s) for s in (1, 2, 3)}
    loaded = []

    def load(s):
        loaded.append(s)
        return experts[s]

    scoring = generation.EvalSettings(max_length=64, batch_size=8)
    parts = {"test": _records(6)}
    curve = generation.ensemble_curve(load, [0.7, 0.0, 1.3], tokenizer, parts=parts, combine="prob", scoring=scoring)
    assert [row["t"] for row in curve] == [1, 2, 3] and sorted(loaded) == [1, 3]  # round 2 has no vote
    assert curve[1]["test"] == curve[0]["test"] and curve[1]["experts_voting"] == 1
    assert mixtures == [(1, [1.0], "prob"), (2, [0.7, 1.3], "prob")]  # the rounds' alphas, not equal votes
    alone = generation.evaluate_parts(real_mixture([experts[1], experts[3]], [0.7, 1.3], "prob"), tokenizer, parts, scoring=scoring)
    assert curve[2]["test"] == alone["test"] and curve[2]["ensemble_weights"] == [0.7, 0.0, 1.3]


def test_score_parts_reports_agreement_with_the_supervisors_choices_in_record_order(tokenizer, tmp_path):
    from ensemw2s.models import build_tiny_model

    model = build_tiny_model({"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=0)
    scoring = generation.EvalSettings(max_length=64, batch_size=8)
    parts = {"test": _records(8), "val": _records(3)}
    metrics, chosen = generation.score_parts(evaluate.model_logprobs(model), tokenizer, parts, scoring=scoring)
    assert "agreement" not in metrics["test"] and [len(chosen[p]) for p in parts] == [8, 3]
    assert metrics["test"]["option_accuracy"] == np.mean([c == r["gold"] for c, r in zip(chosen["test"], parts["test"])])
    # the choices file comes back in each part's record order, whatever its row order
    path = tmp_path / "choices.csv"
    generation.choices_frame(parts, chosen).sample(frac=1.0, random_state=0).to_csv(path, index=False)
    assert generation.read_choices(path, parts) == chosen
    assert generation.read_choices(path, {"test": parts["test"], "easy_test": _records(2)}) == {"test": chosen["test"]}  # a part it lacks
    with pytest.raises(ValueError, match="8 rows for the 7 records of the part"):
        generation.read_choices(path, {"test": _records(7)})
    # a supervisor that flips the first three test choices agrees on 5 of 8; val has none, so no agreement
    flipped = {"test": [1 - c if i < 3 else c for i, c in enumerate(chosen["test"])]}
    metrics, again = generation.score_parts(evaluate.model_logprobs(model), tokenizer, parts, scoring=scoring, supervisor=flipped)
    assert again == chosen and metrics["test"]["agreement"] == 5 / 8 and "agreement" not in metrics["val"]


# --------------------------------------------------------------------------------- the tables
def _metrics(option, token=0.5):
    part = {"option_accuracy": option, "option_norm_accuracy": option, "token_accuracy": token, "n": 10}
    return {"test": part, "val": part}


def test_combine_rows_share_t1_and_join_each_combination():
    run = {"dataset": "d", "split": "random", "seed": "0", "weak": "w"}
    labels = [
        {"run": {**run, "t": "1"}, "pseudo_label_accuracy": 0.6, **_metrics(0.6)},
        {"run": {**run, "t": "2"}, "pseudo_label_accuracy": 0.7, **_metrics(0.7)},
        {"run": {**run, "t": "2", "combine": "logit"}, "pseudo_label_accuracy": 0.65, **_metrics(0.65)},
    ]
    pair = {**run, "strong": "s"}
    students = [
        {"run": {**pair, "t": "1"}, **_metrics(0.61)},
        {"run": {**pair, "t": "2"}, **_metrics(0.72)},
        {"run": {**pair, "t": "2", "combine": "logit"}, **_metrics(0.66)},
    ]
    tidy = report.combine_rows(labels, students, combines=["prob", "logit"], main_combine="prob")
    # T = 1 (one expert) stands for both combinations
    assert sorted(zip(tidy["t"], tidy["combine"])) == [(1, "logit"), (1, "prob"), (2, "logit"), (2, "prob")]
    logit = tidy[(tidy["combine"] == "logit") & (tidy["t"] == 2)].iloc[0]
    assert logit["ensemble_option"] == 0.65 and logit["transfer_option"] == 0.66
    numeric, shown = report.combine_table(tidy)
    assert set(shown["combine"]) <= {"prob", "logit"} and "student option acc" in shown
    with pytest.raises(ValueError, match="no ensemble labels"):
        report.combine_rows(labels[:2], students, combines=["prob", "logit"], main_combine="prob")


def test_curve_table_counts_accepted_seeds_and_token_error():
    def curve(seed, variant, accepted):
        rows = []
        for t, ok in enumerate(accepted, start=1):
            stats = {
                "status": "accepted" if ok else "rejected",
                "accepted": ok,
                "alpha": 1.0 if ok else 0.0,
                "epsilon": 0.3,
                "epsilon_pre": 0.4,
                "n_units": 9,
            }
            rows.append({"t": t, "experts_voting": 1, "round": stats, **_metrics(0.5 + 0.1 * t, token=0.6 + 0.1 * t)})
        return {"run": {"dataset": "d", "split": "random", "seed": str(seed), "weak": "w", "variant": variant}, "rows": rows}

    tidy = report.curve_rows([curve(0, "token-L1", [True, True]), curve(1, "token-L1", [True, False]), curve(0, "token-L2", [True, False])])
    numeric, shown = report.curve_table(tidy)
    row = numeric[(numeric["variant"] == "token-L1") & (numeric["t"] == 2)].iloc[0]
    assert row["accepted_seeds"] == 1 and row["n_seeds"] == 2
    assert row["ensemble_token_error"] == pytest.approx(0.2)
    assert shown.loc[(shown["variant"] == "token-L1") & (shown["T"] == 2), "accepted"].item() == "1/2"
