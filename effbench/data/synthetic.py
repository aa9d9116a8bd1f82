"""The entropy-gate paper's synthetic sequence task (its §3.1), made exact.

Generative story for one sequence of length L over vocabulary V:
  1. label y ~ Bernoulli(1/2); every position gets a background token, uniform over the
     V - 2*n_signal tokens outside both class signal sets;
  2. with probability `signal_prob`, n ~ Uniform{signal_min..signal_max} distinct positions
     get a token drawn uniformly from the class-y signal set S_y;
  3. every position is, independently with probability `noise_rate`, overwritten by a noise
     token: with probability `flip_share` a token of the *other* class's set S_{1-y}
     (a distractor), otherwise a token uniform over the whole vocabulary.
The paper gives the rates but not steps 1 and 3 in detail; this is the reading we use.
Because the story is explicit, the Bayes-optimal posterior is computable exactly
(`bayes_posterior`), which gives the ceiling any model's accuracy is read against.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import comb, expit


@dataclass(frozen=True)
class SyntheticSpec:
    seq_len: int = 64
    vocab_size: int = 500
    n_signal: int = 10          # tokens per class signal set
    signal_prob: float = 0.6
    signal_min: int = 1
    signal_max: int = 3
    noise_rate: float = 0.15
    flip_share: float = 0.1     # share of noise tokens drawn from the other class's set
    n_train: int = 3000
    n_val: int = 800

    @classmethod
    def from_config(cls, cfg: dict) -> "SyntheticSpec":
        return cls(**{k: cfg[k] for k in asdict(cls()) if k in cfg})

    def __post_init__(self):
        if 2 * self.n_signal >= self.vocab_size:
            raise ValueError("vocab_size must exceed the two signal sets")
        if not 1 <= self.signal_min <= self.signal_max <= self.seq_len:
            raise ValueError("need 1 <= signal_min <= signal_max <= seq_len")


def signal_sets(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """Two disjoint class signal sets, shape (2, n_signal)."""
    chosen = rng.permutation(spec.vocab_size)[: 2 * spec.n_signal]
    return chosen.reshape(2, spec.n_signal)


def _sample(spec: SyntheticSpec, sets: np.ndarray, n: int, rng: np.random.Generator) -> dict:
    L, V = spec.seq_len, spec.vocab_size
    background = np.setdiff1d(np.arange(V), sets.ravel())
    labels = rng.integers(0, 2, n)
    tokens = background[rng.integers(0, background.size, (n, L))]

    has_signal = rng.random(n) < spec.signal_prob
    n_sig = rng.integers(spec.signal_min, spec.signal_max + 1, n) * has_signal
    ranks = np.argsort(np.argsort(rng.random((n, L)), axis=1), axis=1)
    injected = ranks < n_sig[:, None]
    own = sets[labels][np.arange(n)[:, None], rng.integers(0, spec.n_signal, (n, L))]
    tokens = np.where(injected, own, tokens)

    noisy = rng.random((n, L)) < spec.noise_rate
    flip = rng.random((n, L)) < spec.flip_share
    other = sets[1 - labels][np.arange(n)[:, None], rng.integers(0, spec.n_signal, (n, L))]
    noise_tok = np.where(flip, other, rng.integers(0, V, (n, L)))
    tokens = np.where(noisy, noise_tok, tokens)

    in_own = np.isin(tokens, sets[0]) & (labels[:, None] == 0) | np.isin(tokens, sets[1]) & (labels[:, None] == 1)
    in_other = np.isin(tokens, sets[0]) & (labels[:, None] == 1) | np.isin(tokens, sets[1]) & (labels[:, None] == 0)
    return {
        "tokens": tokens.astype(np.int64),
        "labels": labels.astype(np.int64),
        "injected": injected & ~noisy,   # the injected signal positions that survived noise
        "signal_mask": in_own,           # positions holding a token of the true class's set
        "distractor_mask": in_other,     # positions holding a token of the other class's set
    }


def generate(spec: SyntheticSpec, seed: int) -> dict:
    """Train and validation splits plus the signal sets; deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    sets = signal_sets(spec, rng)
    train = _sample(spec, sets, spec.n_train, rng)
    val = _sample(spec, sets, spec.n_val, rng)
    out = {"signal_sets": sets}
    for split, arrays in (("train", train), ("val", val)):
        for key, arr in arrays.items():
            out[f"{split}_{key}"] = arr
    return out


def idf_weights(train_tokens: np.ndarray, vocab_size: int) -> np.ndarray:
    """Static IDF-like scaling log(N / (1 + df)) on the training split, mean-normalised.

    The paper names the scaling but gives no formula; this is the one we use.
    """
    n = train_tokens.shape[0]
    df = np.zeros(vocab_size)
    for row in train_tokens:
        df[np.unique(row)] += 1
    idf = np.log(n / (1.0 + df))
    return idf / idf.mean()


def _position_likelihoods(spec: SyntheticSpec, sets: np.ndarray, tokens: np.ndarray, y: int):
    """Per-position token likelihoods under class y: (background position, signal position)."""
    r, f, V, ns = spec.noise_rate, spec.flip_share, spec.vocab_size, spec.n_signal
    n_bg = V - 2 * ns
    in_own = np.isin(tokens, sets[y])
    in_other = np.isin(tokens, sets[1 - y])
    uniform_noise = r * (1 - f) / V
    flip_noise = np.where(in_other, r * f / ns, 0.0)
    bg = np.where(in_own | in_other, 0.0, (1 - r) / n_bg) + flip_noise + uniform_noise
    sig = np.where(in_own, (1 - r) / ns, 0.0) + flip_noise + uniform_noise
    return bg, sig


def _log_likelihood(spec: SyntheticSpec, sets: np.ndarray, tokens: np.ndarray, y: int) -> np.ndarray:
    bg, sig = _position_likelihoods(spec, sets, tokens, y)
    ratio = sig / bg
    # elementary symmetric polynomials e_0..e_max of the per-position ratios: the sum over
    # all placements of n signal positions of the product of their ratios
    e = np.zeros((tokens.shape[0], spec.signal_max + 1))
    e[:, 0] = 1.0
    for i in range(tokens.shape[1]):
        e[:, 1:] = e[:, 1:] + e[:, :-1] * ratio[:, i: i + 1]
    n_range = np.arange(spec.signal_min, spec.signal_max + 1)
    p_n = spec.signal_prob / n_range.size
    mix = (1 - spec.signal_prob) * e[:, 0] + (p_n * e[:, n_range] / comb(spec.seq_len, n_range)).sum(1)
    return np.log(bg).sum(1) + np.log(mix)


def bayes_posterior(spec: SyntheticSpec, sets: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Exact P(y=1 | tokens) under the generative story (equal class priors)."""
    return expit(_log_likelihood(spec, sets, tokens, 1) - _log_likelihood(spec, sets, tokens, 0))


def bayes_accuracy(spec: SyntheticSpec, sets: np.ndarray, tokens: np.ndarray, labels: np.ndarray) -> dict:
    """The Bayes classifier's accuracy on these examples and its expected accuracy."""
    post = bayes_posterior(spec, sets, tokens)
    return {
        "bayes_accuracy": float(((post > 0.5) == labels).mean()),
        "bayes_expected_accuracy": float(np.maximum(post, 1 - post).mean()),
    }
