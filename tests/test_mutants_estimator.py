"""deeprg.rbm.estimator: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg.rbm import RBM
from deeprg.rbm.estimator import HINTON_MOMENTUM


def test_hinton_momentum_switches_after_its_epochs():
    """rbm.m's schedule: momentum 0.5 for the first 5 epochs, 0.9 from then on."""
    start, epochs, final = HINTON_MOMENTUM
    rbm = RBM(momentum="hinton")
    rbm.n_epochs_ = epochs - 1
    assert rbm._momentum() == start
    rbm.n_epochs_ = epochs
    assert rbm._momentum() == final


def test_the_monitor_records_a_reconstruction_error_in_the_unit_interval():
    X = (np.random.default_rng(0).random((60, 9)) < 0.5).astype(float)
    rbm = RBM(n_components=3, n_iter=2, batch_size=20, monitor=True, random_state=0).fit(X)
    for entry in rbm.history_:
        assert isinstance(entry["reconstruction_error"], float) and 0 < entry["reconstruction_error"] < 1


def test_the_pseudo_likelihood_flips_sites_chosen_by_the_random_state():
    """As scikit-learn's: the site flipped in each row depends on random_state, so two copies of
    one model with different random states score some rows differently (and each is repeatable)."""
    X = (np.random.default_rng(1).random((40, 16)) < 0.5).astype(float)
    a = RBM(n_components=4, n_iter=1, random_state=0).fit(X)
    b = RBM(n_components=4, n_iter=1, random_state=0).fit(X)
    b.random_state = 7
    assert np.array_equal(a.score_samples(X), a.score_samples(X))
    assert not np.array_equal(a.score_samples(X), b.score_samples(X))


def test_the_generator_is_seeded_from_scikit_learns_random_state_as_documented():
    """_generator draws its seed as check_random_state(random_state).randint(2**31 - 1): the stream
    every committed network was trained with (a different bound gives another stream, which only
    `make verify` would otherwise notice)."""
    for seed in (0, 7):
        want = np.random.default_rng(np.random.RandomState(seed).randint(2**31 - 1)).random(5)
        np.testing.assert_array_equal(RBM._generator(seed).random(5), want)
