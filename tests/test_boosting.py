"""AdaBoost arithmetic against rounds computed by hand (SAMME, K = 2, and EnsemW2S Algorithm 1)."""

import math

import numpy as np
import pytest

from ensemw2s import boosting


def test_three_hand_computed_rounds_with_a_rejected_one():
    d1 = boosting.uniform_weights(4)
    # round 1: one of four wrong -> eps 1/4, alpha log 3, the wrong item's weight tripled
    r1 = boosting.boosting_round(d1, [True, False, False, False])
    assert r1.accepted and r1.epsilon == pytest.approx(0.25) and r1.alpha == pytest.approx(math.log(3))
    np.testing.assert_allclose(r1.next_weights, [0.5, 1 / 6, 1 / 6, 1 / 6])
    # round 2: wrong on exactly half the weight -> rejected, alpha 0, weights handed on unchanged
    r2 = boosting.boosting_round(r1.next_weights, [True, False, False, False])
    assert not r2.accepted and r2.epsilon == pytest.approx(0.5) and r2.alpha == 0.0
    np.testing.assert_allclose(r2.next_weights, r1.next_weights)
    # round 3 continues from the last accepted weights: eps 1/6, alpha log 5
    r3 = boosting.boosting_round(r2.next_weights, [False, True, False, False])
    assert r3.accepted and r3.epsilon == pytest.approx(1 / 6) and r3.alpha == pytest.approx(math.log(5))
    np.testing.assert_allclose(r3.next_weights, [0.3, 0.5, 0.1, 0.1])
    assert r3.next_weights.sum() == pytest.approx(1.0)


def test_zero_error_gives_a_large_finite_alpha():
    result = boosting.boosting_round(boosting.uniform_weights(5), np.zeros(5, dtype=bool))
    assert result.accepted and result.epsilon == 0.0
    assert math.isfinite(result.alpha) and result.alpha == pytest.approx(math.log((1 - 1e-10) / 1e-10))
    assert np.all(np.isfinite(result.next_weights)) and result.next_weights.sum() == pytest.approx(1.0)
    assert math.isfinite(boosting.alpha(1.0))  # clipped on both sides


def test_all_wrong_is_rejected():
    result = boosting.boosting_round([0.2, 0.8], [True, True])
    assert not result.accepted and result.alpha == 0.0 and result.epsilon == 1.0
    np.testing.assert_allclose(result.next_weights, [0.2, 0.8])


def test_weighted_error_and_unnormalised_weights():
    assert boosting.weighted_error([1, 1, 2], [False, False, True]) == pytest.approx(0.5)
    assert boosting.weighted_error([2, 6], [True, False]) == pytest.approx(0.25)


def test_reweight_is_stable_for_huge_alpha():
    weights = boosting.reweight([0.5, 0.25, 0.25], [False, True, False], 1000.0)
    assert np.all(np.isfinite(weights))
    np.testing.assert_allclose(weights, [0.0, 1.0, 0.0], atol=1e-12)
    # zero weights stay zero and do not produce NaN
    np.testing.assert_allclose(boosting.reweight([0.0, 1.0], [True, False], 2.0), [0.0, 1.0])


def test_ensemw2s_alpha_and_rejection_against_the_pretrained_error():
    # log((1 - 0.2) / 0.2) + log(1 / (1 - 0.4) - 1) = log 4 + log(2/3)
    assert boosting.alpha(0.2, 0.4) == pytest.approx(math.log(8 / 3))
    d = boosting.uniform_weights(20)
    wrong = np.zeros(20, dtype=bool)
    wrong[:9] = True  # eps 0.45 >= eps_pre 0.4: rejected although < 0.5
    assert not boosting.boosting_round(d, wrong, epsilon_pre=0.4).accepted
    wrong[:] = False
    wrong[:4] = True  # eps 0.2 < 0.4: accepted with the Algorithm 1 alpha
    result = boosting.boosting_round(d, wrong, epsilon_pre=0.4)
    assert result.accepted and result.alpha == pytest.approx(math.log(8 / 3))


def test_round_result_round_trips_through_json():
    import json

    result = boosting.boosting_round(boosting.uniform_weights(3), [True, False, False])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["accepted"] is True and isinstance(data["next_weights"], list)
    again = boosting.RoundResult.from_dict(data)
    np.testing.assert_allclose(again.next_weights, result.next_weights)
    with pytest.raises(ValueError, match="'alpha'"):
        boosting.RoundResult.from_dict({"epsilon": 0.1}, "stats.json")


@pytest.mark.parametrize("weights", [[], [-1.0, 2.0], [0.0, 0.0], [float("nan"), 1.0]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        boosting.weighted_error(weights, [False] * len(weights))


def test_mismatched_wrong_is_refused():
    with pytest.raises(ValueError, match="shape"):
        boosting.boosting_round([0.5, 0.5], [True])


@pytest.mark.parametrize("epsilon_pre", [None, 0.37, 0.8125, 0.6])
@pytest.mark.parametrize("seed", range(20))
def test_an_expert_repeating_the_previous_mistakes_sits_exactly_on_the_threshold_and_is_rejected(seed, epsilon_pre):
    """After D_{t+1} ∝ D_t·exp(α_t·1[wrong]) the same mistakes weigh exactly the threshold (0.5
    for SAMME, ε_pre for Algorithm 1): a rejection, never decided by floating-point rounding."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 200))
    weights = rng.random(n) + 0.01
    wrong = rng.random(n) < 0.2
    wrong[0] = True
    wrong[1] = False
    first = boosting.boosting_round(weights, wrong, epsilon_pre)
    assume_accepted = first.accepted
    assert assume_accepted
    again = boosting.boosting_round(first.next_weights, wrong, epsilon_pre)
    threshold = 0.5 if epsilon_pre is None else epsilon_pre
    assert again.epsilon == pytest.approx(threshold, rel=1e-9)
    assert not again.accepted and again.alpha == 0.0
    np.testing.assert_allclose(again.next_weights, first.next_weights)


def test_alpha_is_never_negative_and_paper_alpha_is_half():
    assert boosting.alpha(0.5) == 0.0 and boosting.alpha(0.5 + 1e-16) == 0.0
    assert boosting.alpha(0.4, 0.4) == 0.0
    assert boosting.paper_alpha(boosting.alpha(0.25)) == pytest.approx(0.5 * math.log(3))


def test_on_reject_break_stops_every_later_round_and_continue_does_not():
    accepted = {"round": 1, "accepted": True, "next_weights": [0.5, 0.5]}
    rejected = {"round": 2, "accepted": False, "n_units": 2, "next_weights": [0.5, 0.5]}
    assert boosting.stopped_at(None, "break") is None
    assert boosting.stopped_at(accepted, "break") is None
    assert boosting.stopped_at(rejected, "break") == 2
    assert boosting.stopped_at(rejected, "continue") is None
    stopped = boosting.stopped_round_stats(3, rejected, 2)
    assert stopped["status"] == "stopped" and stopped["alpha"] == 0.0 and not stopped["accepted"]
    assert boosting.stopped_at(stopped, "break") == 2  # round 4 is stopped at round 2 as well
    with pytest.raises(ValueError, match="on_reject"):
        boosting.stopped_at(rejected, "skip")


def test_round_alphas_give_rejected_and_stopped_rounds_no_vote():
    rounds = [{"alpha": 1.5, "accepted": True}, {"alpha": 0.7, "accepted": False}, {"alpha": 0.0, "accepted": False, "status": "stopped"}]
    assert boosting.round_alphas(rounds) == [1.5, 0.0, 0.0]
    assert boosting.vote_weights(boosting.round_alphas(rounds)) == [1.5, 0.0, 0.0]


def test_an_expert_without_a_vote_leaves_the_ensemble_as_it_was():
    """T rounds are the T − 1 ensemble exactly when expert T weighs 0 and the others keep their
    normalised weights: a rejected round 2 after an accepted round 1 (weights [α_1, 0] against the
    baseline's [1]), a rejected round after two accepted ones, no accepted round at all."""
    assert boosting.adds_no_vote([1.5, 0.0]) and boosting.adds_no_vote([1.5, 0.7, 0.0]) and boosting.adds_no_vote([0.0, 0.0, 0.0])
    assert not boosting.adds_no_vote([1.5])  # T = 1: nothing before it
    assert not boosting.adds_no_vote([1.5, 0.7])  # expert 2 votes
    assert not boosting.adds_no_vote([0.0, 0.7])  # the first vote after a rejected round 1: expert 1 loses its weight
    assert not boosting.adds_no_vote([1.5, 0.0, 0.7])


def test_trained_and_stopped_rounds_write_the_same_stats_keys():
    """boosting.ROUND_KEYS is the stats contract of both tracks: a trained round's record and a
    stopped round's carry every key, each track's own keys beside them."""
    result = boosting.boosting_round(boosting.uniform_weights(4), [True, False, False, False])
    trained = boosting.round_record(1, result, None, train_error=0.25, n_units=4, training={"steps": 1})
    stopped = boosting.stopped_round_stats(3, {**trained, "accepted": False}, 2, training=None)
    assert set(trained) == set(stopped) == {*boosting.ROUND_KEYS, "training"}
    assert trained["n_accepted"] == 1 and stopped["n_accepted"] == 1 and stopped["n_units"] == 4
