"""Deep belief networks: greedy stacking, receptive fields (Appendix B), persistence."""

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM

from deeprg import ising
from deeprg.dbn import DBN, hidden_probs
from deeprg.rbm import RBM, spins_to_visible
from deeprg.store import Store


@pytest.fixture(scope="module")
def X():
    return spins_to_visible(ising.sample(8, 2.451, 600, seed=0))


@pytest.fixture(scope="module")
def dbn(X):
    return DBN((16, 8, 4), n_iter=3, random_state=0).fit(X)


def test_greedy_layers_train_on_the_layer_below(X, dbn):
    W = [rbm.components_ for rbm in dbn.rbms]
    assert [w.shape for w in W] == [(16, 64), (8, 16), (4, 8)]
    again = RBM(8, n_iter=3, random_state=0).fit(hidden_probs(dbn.rbms[0], X))
    np.testing.assert_array_equal(again.components_, dbn.rbms[1].components_)


def test_receptive_fields_are_products_of_weights(dbn):
    W0, W1, W2 = (rbm.components_ for rbm in dbn.rbms)
    np.testing.assert_allclose(dbn.receptive_fields(0), W0)
    # float32 products summed in another order differ by rounding relative to the largest
    # entry (cancellation makes small entries' relative error large), hence atol on that scale
    for layer, product in ((1, W1 @ W0), (-1, W2 @ W1 @ W0)):
        np.testing.assert_allclose(dbn.receptive_fields(layer), product, rtol=1e-5,
                                   atol=1e-5 * np.abs(product).max())


def test_transform_reconstruct_sample_and_pipeline(X, dbn):
    assert dbn.transform(X[:5], layer=1).shape == (5, 8)
    for layer in range(3):
        R = dbn.reconstruct(X[:5], layer)
        assert R.shape == (5, 64) and ((R >= 0) & (R <= 1)).all()
    np.testing.assert_allclose(dbn.pipeline().transform(X[:5]), dbn.transform(X[:5]), rtol=1e-5, atol=1e-6)
    assert dbn.sample(3, n_gibbs=10, random_state=0).shape == (3, 64)


def test_store_roundtrip_is_float32_and_checksummed(dbn, tmp_store, X):
    tmp_store.save("net", dbn.to_arrays(), {"layers": [16, 8, 4]})
    arrays, _ = tmp_store.load("net")
    assert all(a.dtype == np.float32 for a in arrays.values())
    loaded = DBN((16, 8, 4)).load_arrays(arrays)
    np.testing.assert_allclose(loaded.transform(X[:10]), dbn.transform(X[:10]), rtol=1e-6)
    with pytest.raises(ValueError, match="layer 0 has 10 units"):
        DBN((10, 8, 4)).load_arrays(arrays)


def test_stacks_scikit_learns_rbm(X):
    net = DBN((16, 4), rbm=BernoulliRBM, n_iter=2, random_state=0).fit(X)
    assert net.receptive_fields(1).shape == (4, 64)


class RecordingRBM(RBM):
    """deeprg's RBM that keeps a copy of the data it was trained on."""

    def fit(self, X, y=None, *, progress=False):
        self.training_data_ = np.array(X, copy=True)
        return super().fit(X, y, progress=progress)


def test_per_layer_parameters_and_sampled_propagation(X):
    net = DBN((16, 4), layer_params=[{"penalty": "l1"}, {"penalty": None}], n_iter=1, random_state=0,
              propagate="samples").fit(X)
    assert [r.penalty for r in net.rbms] == ["l1", None]


def test_sampled_propagation_trains_the_next_layer_on_draws_from_p_h_given_v(X):
    """With propagate="samples", layer 2 is trained on binary S drawn from P = P(h | v) of layer 1.
    Given X, each S_ij - P_ij is an independent centred Bernoulli variable of variance
    P_ij (1 - P_ij); so each unit's column sum of S - P, and the sum of (S - P)(2P - 1) (which
    a draw from 1 - P instead of P shifts by -sum (2P - 1)^2), lie within 4 of their standard
    deviations of 0. Layer 2 is then refit on those samples: the same weights, bit for bit."""
    net = DBN((16, 8), rbm=RecordingRBM, n_iter=3, random_state=0, propagate="samples").fit(X)
    np.testing.assert_array_equal(net.rbms[0].training_data_, X)
    S = net.rbms[1].training_data_
    P = hidden_probs(net.rbms[0], X).astype(np.float64)
    assert S.shape == P.shape and set(np.unique(S)) == {0.0, 1.0}
    D, var = S - P, P * (1 - P)
    assert (np.abs(D.sum(axis=0)) < 4 * np.sqrt(var.sum(axis=0))).all(), D.sum(axis=0) / np.sqrt(var.sum(axis=0))
    signed = 2 * P - 1
    assert abs((D * signed).sum()) < 4 * np.sqrt((signed**2 * var).sum())
    again = RBM(8, n_iter=3, random_state=0)
    np.testing.assert_array_equal(again.fit(S).components_, net.rbms[1].components_)


@pytest.mark.parametrize("kwargs,match", [
    (dict(layer_sizes=[]), "layer_sizes"), (dict(layer_sizes=[4, 0]), "layer_sizes"),
    (dict(layer_sizes=[4], propagate="means"), "propagate"),
    (dict(layer_sizes=[4, 2], layer_params=[{}]), "layer_params"),
])
def test_bad_dbn_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DBN(**kwargs)


def test_bad_layer_index(dbn):
    with pytest.raises(ValueError, match="layer must be in"):
        dbn.receptive_fields(3)


def test_receptive_fields_in_float64_are_float64_products(dbn):
    W0, W1, W2 = (rbm.components_.astype(np.float64) for rbm in dbn.rbms)
    fields = dbn.receptive_fields(-1, dtype=np.float64)
    assert fields.dtype == np.float64
    np.testing.assert_allclose(fields, W2 @ (W1 @ W0), rtol=1e-12, atol=1e-14 * np.abs(W2 @ W1 @ W0).max())
