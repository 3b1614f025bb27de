"""Locality measures on fields with known answers, and majority-rule block spins."""

import numpy as np
import pytest

from deeprg import rg

SHAPE = (40, 40)


def block(b, corner=(38, 37)):
    """A b x b block of ones whose corner sits near the boundary, so it wraps around the torus."""
    f = np.zeros(SHAPE)
    for i in range(b):
        for j in range(b):
            f[(corner[0] + i) % 40, (corner[1] + j) % 40] = 1.0
    return f.reshape(1, -1)


@pytest.mark.parametrize("b", [1, 2, 4, 8])
def test_block_fields(b):
    assert rg.radius_of_gyration(block(b), SHAPE)[0] == pytest.approx(np.sqrt((b * b - 1) / 6))
    assert rg.participation_ratio(block(b))[0] == pytest.approx(b * b / 1600)
    assert rg.locality(-3 * block(b), SHAPE)[0] == rg.locality(block(b), SHAPE)[0]


def test_delta_and_uniform_fields():
    assert rg.locality(block(1), SHAPE)[0] == pytest.approx(1.0)
    assert rg.locality(np.ones((1, 1600)), SHAPE)[0] == pytest.approx(0.0, abs=1e-12)
    assert rg.participation_ratio(np.ones((1, 1600)))[0] == pytest.approx(1.0)
    noise = np.random.default_rng(0).normal(size=(50, 1600))
    assert rg.locality(noise, SHAPE).max() < 0.1


def test_locality_orders_blocks_by_size():
    values = [rg.locality(block(b), SHAPE)[0] for b in (1, 2, 4, 8, 16)]
    assert values == sorted(values, reverse=True)


def test_bad_fields():
    with pytest.raises(ValueError, match="fields must have shape"):
        rg.locality(np.ones((2, 10)), SHAPE)
    with pytest.raises(ValueError, match="identically zero"):
        rg.locality(np.zeros((1, 1600)), SHAPE)


def test_block_spins_majority_and_ties():
    s = np.ones((1, 4, 4), np.int8)
    s[0, :2, :2] = -1
    s[0, 0, 2:] = -1  # top-right block: two -1 of four, a tie
    out = rg.block_spins(s, 2, seed=0)
    assert out.shape == (1, 2, 2) and out[0, 0, 0] == -1 and out[0, 1, 1] == 1
    ties = np.array([rg.block_spins(s, 2, seed=k)[0, 0, 1] for k in range(50)])
    assert set(ties) == {-1, 1}
    with pytest.raises(ValueError, match="b must divide"):
        rg.block_spins(s, 3)


def _independent_rbm(c):
    """An RBM with no weights: P(v = 1 | h) = sigmoid(c) whatever h."""
    from deeprg.rbm import RBM, set_parameters

    return set_parameters(RBM(3), np.zeros((3, len(c))), np.zeros(3), np.asarray(c, float))


@pytest.mark.parametrize("mean_field", [False, True])
def test_rbm_flow_steps(mean_field):
    rng = np.random.default_rng(0)
    v = (rng.random((4000, 16)) < 0.5).astype(np.float32)
    c = np.linspace(-2, 2, 16)
    steps = list(rg.rbm_flow(_independent_rbm(c), v, 2, (4, 4), mean_field=mean_field, seed=1))
    assert len(steps) == 3 and all(s.shape == (4000, 4, 4) and s.dtype == np.int8 for s in steps)
    if not mean_field:
        np.testing.assert_array_equal(steps[0].reshape(4000, 16), 2 * v - 1)
    p = 1 / (1 + np.exp(-c))
    for s in steps[1:]:  # one step forgets the start: v ~ Bernoulli(sigmoid(c))
        freq = (s.reshape(4000, 16) > 0).mean(axis=0)
        assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / 4000))
    again = list(rg.rbm_flow(_independent_rbm(c), v, 2, (4, 4), mean_field=mean_field, seed=1))
    assert all(np.array_equal(a, b) for a, b in zip(steps, again))


def test_rbm_flow_bad_steps():
    with pytest.raises(ValueError, match="n_steps"):
        next(rg.rbm_flow(_independent_rbm(np.zeros(4)), np.zeros((1, 4)), -1, (2, 2)))
