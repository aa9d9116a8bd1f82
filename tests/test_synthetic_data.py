import itertools

import numpy as np
import pytest
from scipy.special import comb

from effbench.data.synthetic import SyntheticSpec, _position_likelihoods, bayes_accuracy, bayes_posterior, generate, idf_weights


def test_generator_is_deterministic_and_shaped():
    spec = SyntheticSpec(n_train=50, n_val=20)
    a, b = generate(spec, 7), generate(spec, 7)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["train_tokens"].shape == (50, 64) and a["val_tokens"].shape == (20, 64)
    assert not np.array_equal(a["train_tokens"], generate(spec, 8)["train_tokens"])
    sets = a["signal_sets"]
    assert sets.shape == (2, 10) and len(set(sets.ravel())) == 20


def test_signal_and_noise_rates_match_the_spec():
    spec = SyntheticSpec(n_train=4000, n_val=10, noise_rate=0.0)
    d = generate(spec, 0)
    n_injected = d["train_injected"].sum(1)
    # P(signal) = 0.6, n ~ U{1,2,3}: mean 0.6 * 2 = 1.2 injected tokens per sequence
    assert abs(n_injected.mean() - 1.2) < 0.05
    assert abs((n_injected > 0).mean() - 0.6) < 0.03
    assert n_injected.max() == 3
    # without noise every class-set token of a sequence belongs to its own class
    assert d["train_distractor_mask"].sum() == 0
    np.testing.assert_array_equal(d["train_signal_mask"], d["train_injected"])


def _brute_force_likelihood(spec, sets, tokens, y):
    """Sum over every placement of the signal positions (tiny L only)."""
    bg, sig = _position_likelihoods(spec, sets, tokens[None, :], y)
    bg, sig = bg[0], sig[0]
    total = (1 - spec.signal_prob) * np.prod(bg)
    n_values = range(spec.signal_min, spec.signal_max + 1)
    for n in n_values:
        for q in itertools.combinations(range(spec.seq_len), n):
            inside = np.zeros(spec.seq_len, bool)
            inside[list(q)] = True
            total += spec.signal_prob / len(n_values) / comb(spec.seq_len, n) * np.prod(np.where(inside, sig, bg))
    return total


def test_bayes_posterior_equals_brute_force_enumeration():
    spec = SyntheticSpec(seq_len=6, vocab_size=12, n_signal=2, n_train=10, n_val=30, flip_share=0.3)
    d = generate(spec, 3)
    post = bayes_posterior(spec, d["signal_sets"], d["val_tokens"])
    for tokens, p in zip(d["val_tokens"], post):
        l1 = _brute_force_likelihood(spec, d["signal_sets"], tokens, 1)
        l0 = _brute_force_likelihood(spec, d["signal_sets"], tokens, 0)
        assert p == pytest.approx(l1 / (l0 + l1), rel=1e-9)


def test_likelihood_matches_the_generator_by_monte_carlo():
    """The exact likelihood describes what the sampler actually draws."""
    spec = SyntheticSpec(seq_len=2, vocab_size=5, n_signal=1, signal_max=2, noise_rate=0.3,
                         flip_share=0.4, n_train=200_000, n_val=10)
    d = generate(spec, 1)
    tokens, labels = d["train_tokens"], d["train_labels"]
    from effbench.data.synthetic import _log_likelihood
    for y in (0, 1):
        rows = tokens[labels == y]
        codes = rows[:, 0] * spec.vocab_size + rows[:, 1]
        freq = np.bincount(codes, minlength=spec.vocab_size ** 2) / len(rows)
        grid = np.array(list(itertools.product(range(5), range(5))))
        like = np.exp(_log_likelihood(spec, d["signal_sets"], grid, y))
        assert like.sum() == pytest.approx(1.0, abs=1e-9)
        np.testing.assert_allclose(freq, like, atol=4e-3)


def test_bayes_accuracy_is_a_ceiling_between_chance_and_one():
    spec = SyntheticSpec(n_train=10, n_val=2000)
    d = generate(spec, 0)
    r = bayes_accuracy(spec, d["signal_sets"], d["val_tokens"], d["val_labels"])
    assert 0.5 < r["bayes_expected_accuracy"] < 1
    assert abs(r["bayes_accuracy"] - r["bayes_expected_accuracy"]) < 0.04


def test_idf_is_log_n_over_one_plus_df_mean_normalised():
    tokens = np.array([[0, 1], [0, 2], [0, 0]])
    w = idf_weights(tokens, 4)
    raw = np.log(3 / (1 + np.array([3, 1, 1, 0])))
    np.testing.assert_allclose(w, raw / raw.mean())
