"""Deep belief networks: RBMs stacked and trained greedily, layer by layer (Hinton & Salakhutdinov 2006)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_random_state

from .rbm import RBM, set_parameters


def hidden_probs(rbm, V):
    """P(h = 1 | v) = sigmoid(v W^T + b) from any fitted RBM with scikit-learn's attributes."""
    return expit(V @ rbm.components_.T + rbm.intercept_hidden_)


def visible_probs(rbm, H):
    """P(v = 1 | h) = sigmoid(h W + c)."""
    return expit(H @ rbm.components_ + rbm.intercept_visible_)


class DBN:
    """A stack of RBMs with layer_sizes hidden units, trained greedily.

    Layer l is trained on P(h | v) of layer l - 1 (or on samples from it, propagate="samples").
    rbm_params go to every layer; layer_params, a list of dicts, overrides them per layer.
    rbm is the estimator class (deeprg's RBM, or scikit-learn's BernoulliRBM).
    Layers are indexed from 0 (the first hidden layer) to len(layer_sizes) - 1.
    """

    def __init__(self, layer_sizes, *, rbm=RBM, layer_params=None, propagate="probabilities", **rbm_params):
        sizes = list(layer_sizes)
        if not sizes or any(isinstance(n, bool) or not isinstance(n, Integral) or n < 1 for n in sizes):
            raise ValueError(f"layer_sizes must be a non-empty list of integers >= 1, got {layer_sizes!r}")
        if propagate not in ("probabilities", "samples"):
            raise ValueError(f"propagate must be 'probabilities' or 'samples', got {propagate!r}")
        layer_params = list(layer_params) if layer_params is not None else [{}] * len(sizes)
        if len(layer_params) != len(sizes):
            raise ValueError(f"layer_params must have one dict per layer ({len(sizes)}), got {len(layer_params)}")
        self.layer_sizes = sizes
        self.propagate = propagate
        self.rbm_params = rbm_params
        self.layer_params = layer_params
        self.rbms = [rbm(n_components=n, **(rbm_params | extra)) for n, extra in zip(sizes, layer_params)]

    def _layer(self, layer):
        n = len(self.rbms)
        if not -n <= layer < n:
            raise ValueError(f"layer must be in [{-n}, {n - 1}], got {layer}")
        return layer % n

    def fit(self, X, progress=False):
        """Train each layer on the previous layer's output."""
        data = X
        for i, rbm in enumerate(self.rbms):
            if isinstance(rbm, RBM):
                rbm.fit(data, progress=progress)
            else:
                rbm.fit(data)
            data = hidden_probs(rbm, data)
            if self.propagate == "samples":
                rng = check_random_state(getattr(rbm, "random_state", None))
                data = (rng.random_sample(data.shape) < data).astype(data.dtype)
        return self

    def transform(self, X, layer=-1):
        """P(h | v) propagated up to `layer` (mean-field up pass)."""
        data = np.asarray(X)
        for rbm in self.rbms[: self._layer(layer) + 1]:
            data = hidden_probs(rbm, data)
        return data

    def down(self, H, layer=-1):
        """Mean-field down pass from the units of `layer` to the visible layer."""
        data = H
        for rbm in reversed(self.rbms[: self._layer(layer) + 1]):
            data = visible_probs(rbm, data)
        return data

    def reconstruct(self, X, layer=-1):
        """Up to `layer`, then down through the transposed weights: P(v) of the reconstruction."""
        return self.down(self.transform(X, layer), layer)

    def sample(self, n_samples, n_gibbs=1000, random_state=None):
        """n_samples visible configurations: n_gibbs Gibbs sweeps in the top RBM from random
        hidden states, then a mean-field down pass; returns P(v = 1)."""
        rng = check_random_state(random_state)
        top = self.rbms[-1]
        h = (rng.random_sample((n_samples, top.components_.shape[0])) < 0.5).astype(float)
        for _ in range(n_gibbs):
            v = (rng.random_sample((n_samples, top.components_.shape[1])) < visible_probs(top, h)).astype(float)
            h = (rng.random_sample(h.shape) < hidden_probs(top, v)).astype(float)
        return self.down(visible_probs(top, h), len(self.rbms) - 2) if len(self.rbms) > 1 else visible_probs(top, h)

    def receptive_fields(self, layer=-1, dtype=None):
        """Effective receptive fields of the units of `layer` (Appendix B of Mehta & Schwab):
        r_0 = W_0, r_l = W_l r_{l-1}, shape (n_units, n_visible); row j is unit j's field. With a
        dtype (e.g. float64) the products are taken in it, so that their rounding does not depend
        on the number of BLAS threads at the precision of the weights."""
        cast = (lambda W: np.asarray(W)) if dtype is None else (lambda W: np.asarray(W, dtype))
        fields = cast(self.rbms[0].components_)
        for rbm in self.rbms[1: self._layer(layer) + 1]:
            fields = cast(rbm.components_) @ fields
        return np.asarray(fields)

    def pipeline(self):
        """The fitted layers as a scikit-learn Pipeline (its transform is self.transform)."""
        return make_pipeline(*self.rbms)

    # ----------------------------------------------------------------- persistence
    def to_arrays(self) -> dict:
        """Parameters as float32 arrays, for the store."""
        arrays = {}
        for i, rbm in enumerate(self.rbms):
            arrays[f"W{i}"] = np.asarray(rbm.components_, np.float32)
            arrays[f"b{i}"] = np.asarray(rbm.intercept_hidden_, np.float32)
            arrays[f"c{i}"] = np.asarray(rbm.intercept_visible_, np.float32)
        return arrays

    def load_arrays(self, arrays: dict):
        """Set the parameters of an unfitted DBN of the same shape from to_arrays() output."""
        for i, rbm in enumerate(self.rbms):
            W = arrays[f"W{i}"]
            if W.shape[0] != self.layer_sizes[i]:
                raise ValueError(f"layer {i} has {self.layer_sizes[i]} units but the stored weights have {W.shape[0]}")
            set_parameters(rbm, W, arrays[f"b{i}"], arrays[f"c{i}"])
        return self
