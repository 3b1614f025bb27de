"""deeprg.baselines: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import baselines


class RecordingRng:
    """Stands in for a numpy Generator: picks index 0 first and records the k-means++ weights."""

    def __init__(self):
        self.p = []

    def integers(self, n):
        return 0

    def choice(self, n, p):
        self.p.append(np.asarray(p))
        return int(np.argmax(p))


def test_kmeans_plus_plus_weights_are_squared_hamming_distances():
    x = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]], float)
    rng = RecordingRng()
    seeds = baselines._seed_configurations(x, 2, rng)
    np.testing.assert_allclose(rng.p[0], np.array([0, 1, 4, 16]) / 21, rtol=1e-15)
    np.testing.assert_array_equal(seeds, x[[0, 3]])


def configs(n=40, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, 3, 3))


@pytest.mark.parametrize("max_iter", [1, 3])
def test_fit_mixture_stopped_by_max_iter_reports_its_iterations(max_iter):
    model = baselines.fit_mixture(configs(), k=2, tol=1e-300, max_iter=max_iter)
    assert (model.iterations, model.converged) == (max_iter, False)


def test_size_errors_name_l():
    with pytest.raises(ValueError, match="L must be an integer >= 2"):
        baselines.coins(1, 2.0)
    with pytest.raises(ValueError, match="L must be an integer >= 2"):
        baselines.fit_strip(1, 1, 0.5)


@pytest.mark.parametrize("c", [-1.0, -1.5, 1.0])
def test_fit_strip_refuses_correlations_outside_minus_one_to_one(c):
    with pytest.raises(ValueError, match="correlation must lie in"):
        baselines.fit_strip(1, 4, c)


def test_table_passes_k_to_the_mixture():
    options = dict(n_train=60, n_test=60, seed=0)
    row = baselines.table(4, [2.5], widths=(1,), mixture_temperatures=[2.5], k=1, **options).loc[2.5]
    assert row["mixture"] == baselines.mixture(4, 2.5, 1, **options).kl != baselines.mixture(4, 2.5, 2, **options).kl
