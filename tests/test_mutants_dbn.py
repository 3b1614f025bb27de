"""deeprg.dbn: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM

from deeprg.dbn import DBN
from deeprg.rbm import RBM


@pytest.fixture(scope="module")
def X():
    return (np.random.default_rng(0).random((60, 12)) < 0.5).astype(np.float64)


class RecordingRBM(RBM):
    """deeprg's RBM that keeps a copy of the data it was trained on."""

    def fit(self, X, y=None, *, progress=False):
        self.training_data_ = np.array(X, copy=True)
        return super().fit(X, y, progress=progress)


def fixed(layers):
    """A DBN with given (W, b, c) per layer, in float64."""
    net = DBN([W.shape[0] for W, _, _ in layers])
    return net.load_arrays({f"{k}{i}": np.asarray(a, np.float64)
                            for i, layer in enumerate(layers) for k, a in zip("Wbc", layer)})


def test_layer_sizes_of_one_are_allowed_and_booleans_are_not():
    assert DBN([1, 3]).layer_sizes == [1, 3]
    with pytest.raises(ValueError, match="layer_sizes"):
        DBN([True])


def test_parameters_are_kept_as_given():
    net = DBN([3, 2], layer_params=[{"penalty": "l1"}, {}], learning_rate=0.05)
    assert net.rbm_params == {"learning_rate": 0.05}
    assert net.layer_params == [{"penalty": "l1"}, {}]


def test_the_lowest_negative_layer_index_is_the_first_layer(X):
    net = DBN([4, 3], n_iter=1, random_state=0).fit(X)
    np.testing.assert_array_equal(net.transform(X, layer=-2), net.transform(X, layer=0))
    with pytest.raises(ValueError, match=r"layer must be in \[-2, 1\], got -3"):
        net.transform(X, layer=-3)


def test_fit_shows_a_progress_bar_only_when_asked(X, capsys):
    DBN([3], n_iter=1, random_state=0).fit(X)
    assert capsys.readouterr().err == ""
    DBN([3], n_iter=1, random_state=0).fit(X, progress=True)
    assert "RBM 12->3" in capsys.readouterr().err


def test_sampled_propagation_draws_from_the_layers_random_state(X):
    """The binary data of layer 2 come from the first layer's random_state: the same each fit."""
    nets = [DBN([4, 3], rbm=RecordingRBM, n_iter=1, random_state=0, propagate="samples").fit(X) for _ in range(2)]
    np.testing.assert_array_equal(nets[0].rbms[1].training_data_, nets[1].rbms[1].training_data_)


def test_sample_is_reproducible_and_its_default_is_a_thousand_sweeps():
    net = fixed([(np.full((2, 3), 0.5), np.zeros(2), np.zeros(3))])
    a = net.sample(4, random_state=0)
    np.testing.assert_array_equal(a, net.sample(4, random_state=0))
    np.testing.assert_array_equal(a, net.sample(4, n_gibbs=1000, random_state=0))


def test_sample_shapes_for_one_and_two_layers():
    rng = np.random.default_rng(1)
    one = fixed([(rng.normal(size=(2, 5)), np.zeros(2), np.zeros(5))])
    assert one.sample(3, n_gibbs=2, random_state=0).shape == (3, 5)
    two = fixed([(rng.normal(size=(4, 5)), np.zeros(4), np.zeros(5)),
                 (rng.normal(size=(2, 4)), np.zeros(2), np.zeros(4))])
    assert two.sample(3, n_gibbs=2, random_state=0).shape == (3, 5)


def test_sample_starts_from_random_hidden_states():
    """With no sweep the output is P(v | h) of the random starting h: rows differ."""
    net = fixed([(np.array([[4.0, 4.0, 4.0]]), np.zeros(1), np.zeros(3))])
    out = net.sample(50, n_gibbs=0, random_state=0)
    assert len(np.unique(out[:, 0])) == 2


def test_sample_runs_independent_chains():
    """Visible biases of -20 keep v = 0, so each sweep draws every chain's h afresh with
    P(h = 1) = 1/2; a weight of 10 makes the output tell h = 1 (sigmoid(-10)) from h = 0
    (sigmoid(-20)). Fifty independent chains all ending in one state: chance 2^-49."""
    net = fixed([(np.array([[10.0]]), np.zeros(1), np.array([-20.0]))])
    assert len(np.unique(net.sample(50, n_gibbs=1, random_state=0))) == 2


def test_sample_draws_from_the_top_rbm():
    """One hidden unit over 20 visible ones (weights 2, visible biases 0) with the hidden bias
    b = -20 ln((1 + e^2) / 2) that makes P(h = 1) = 1/2 exactly (so the random start is already
    stationary, however slowly the chain mixes). The output's first column, P(v = 1 | h) =
    sigmoid(2 h), then has mean (1/2 + sigmoid(2)) / 2; n rows of independent chains put its
    sample mean within 5 standard errors (sd (sigmoid(2) - 1/2) / 2 / sqrt(n))."""
    w, n_visible = 2.0, 20
    b = -n_visible * np.log((1 + np.exp(w)) / 2)
    net = fixed([(np.full((1, n_visible), w), np.array([b]), np.zeros(n_visible))])
    n = 400
    out = net.sample(n, n_gibbs=20, random_state=0)[:, 0]
    s = 1 / (1 + np.exp(-w))
    assert abs(out.mean() - (0.5 + s) / 2) < 5 * (s - 0.5) / 2 / np.sqrt(n)
    assert len(np.unique(out)) == 2


def test_to_arrays_is_float32_whatever_the_rbms_dtype(X):
    net = DBN([3], rbm=BernoulliRBM, n_iter=1, random_state=0).fit(X)
    assert net.rbms[0].components_.dtype == np.float64
    assert all(a.dtype == np.float32 for a in net.to_arrays().values())


def test_load_arrays_names_the_stored_number_of_units():
    arrays = {"W0": np.zeros((3, 5)), "b0": np.zeros(3), "c0": np.zeros(5)}
    with pytest.raises(ValueError, match="layer 0 has 2 units but the stored weights have 3"):
        DBN([2]).load_arrays(arrays)
