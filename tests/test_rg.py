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


# ----------------------------------------------------------------------------- compact part and background
T90 = np.log(10)  # t = ln(1 / (1 - q)) at q = 0.9


def gaussian(sigma, centre):
    """w = exp(-r^2 / (2 sigma^2)) on the 40 x 40 torus (minimum-image r), so w^2 is a Gaussian
    of s = sigma / sqrt 2: area 2 pi s^2 t = pi sigma^2 t and gyration
    s sqrt(2 (1 - (1 + t) / 10) / 0.9) for q = 0.9 (compact_part's docstring)."""
    d = [(np.arange(40) - c + 20) % 40 - 20 for c in centre]
    return np.exp(-(d[0][:, None] ** 2 + d[1][None, :] ** 2) / (2 * sigma**2)).reshape(1, -1)


@pytest.mark.parametrize("centre", [(20, 20), (20.5, 20.5), (20.3, 19.6), (0.3, 39.6)])
@pytest.mark.parametrize("order", rg.ORDERS)
def test_gaussian_blob_has_the_continuum_area_and_gyration(centre, order):
    # sigma = 3 and R = 10: the tail outside the window is 3e-6 of w^2; the lattice's
    # discretisation of the area, measured at these centres, is below 0.7 %
    part = rg.compact_part(gaussian(3.0, centre), SHAPE, radius=10, order=order)
    s = 3.0 / np.sqrt(2)
    assert part.area[0] == pytest.approx(2 * np.pi * s**2 * T90, rel=0.01)
    assert part.gyration[0] == pytest.approx(s * np.sqrt(2 * (1 - (1 + T90) / 10) / 0.9), rel=0.005)
    assert part.centre[0] == pytest.approx(centre, abs=1e-3)
    assert part.background[0] == pytest.approx(0.0, abs=1e-5)


def test_orders_agree_and_the_edge_changes_nothing():
    middle = rg.compact_part(gaussian(2.5, (20.3, 19.6)), SHAPE)
    edge = rg.compact_part(gaussian(2.5, (0.3, 39.6)), SHAPE)  # the same blob wrapped on the torus
    by_power = rg.compact_part(gaussian(2.5, (0.3, 39.6)), SHAPE, order="power")
    for name in ("area", "gyration", "background", "outside"):
        assert getattr(edge, name) == pytest.approx(getattr(middle, name), rel=1e-9, abs=1e-15)
        assert getattr(by_power, name) == pytest.approx(getattr(edge, name), rel=1e-9, abs=1e-15)
    assert tuple(edge.peak[0]) == (0, 0) and tuple(middle.peak[0]) == (20, 20)


@pytest.mark.parametrize("b", [1, 2, 3, 5])
def test_a_box_has_area_q_b2_by_power(b):
    for q in (0.5, 0.9, 1.0):
        assert rg.compact_part(block(b), SHAPE, q=q, order="power").area[0] == pytest.approx(q * b * b, rel=1e-12)
    whole = rg.compact_part(block(b), SHAPE, q=1.0, order="power")
    assert whole.gyration[0] == pytest.approx(np.sqrt((b * b - 1) / 6))  # radius_of_gyration's block
    assert whole.background[0] == 0.0 and whole.outside[0] == 0.0
    assert rg.compact_part(block(b), SHAPE, q=1.0).area[0] >= b * b  # a disc holding the box is larger


def test_delta_field():
    field = np.zeros((1, 1600))
    field[0, 3 * 40 + 38] = -2.0
    part = rg.compact_part(field, SHAPE)
    assert tuple(part.peak[0]) == (3, 38) and tuple(part.centre[0]) == (3, 38)
    assert part.area[0] == pytest.approx(0.9) and part.gyration[0] == 0.0


def test_background_is_the_share_of_white_noise():
    # 200 blobs (sigma = 2) plus white noise holding a share 0.3 of the expected sum w^2. The
    # estimate's sampling error is that of the mean of N - A chi-square(1) values:
    # 0.3 sqrt(2 / (N - A)) per field, A = 17^2; its mean must fall within 4 standard errors
    blob, n, share = gaussian(2.0, (20, 20)), 200, 0.3
    noise_var = share / (1 - share) * (blob**2).sum() / 1600
    fields = blob + np.random.default_rng(0).normal(0, np.sqrt(noise_var), (n, 1600))
    part = rg.compact_part(fields, SHAPE)
    error = share * np.sqrt(2 / (1600 - 17**2))
    assert abs(part.background.mean() - share) < 4 * error / np.sqrt(n)
    assert np.all(np.abs(part.background - share) < 5 * error)
    noiseless = rg.compact_part(blob, SHAPE).area[0]
    assert part.area.mean() == pytest.approx(noiseless, rel=0.02)  # the distance order is unbiased
    by_power = rg.compact_part(fields, SHAPE, order="power").area  # biased low: it picks the noise's peaks
    assert by_power.mean() < noiseless - 4 * by_power.std() / np.sqrt(n)


def test_pure_noise_has_a_large_area_and_background_near_one():
    noise = np.random.default_rng(1).normal(size=(100, 1600))
    part = rg.compact_part(noise, SHAPE)
    assert np.median(part.area) > 17**2 / 2 and np.all(part.background > 0.9)
    assert np.all(rg.compact_part(noise, SHAPE, order="power").area < 17**2 / 10)  # the documented bias
    uniform = rg.compact_part(np.ones((1, 1600)), SHAPE)
    assert uniform.background[0] == pytest.approx(1.0, abs=1e-12) and np.isnan(uniform.area[0])


def test_compact_part_ignores_sign_and_scale_and_matches_row_by_row():
    rng = np.random.default_rng(2)
    fields = gaussian(2.0, (5, 7)) * rng.choice([-1, 1], (3, 1600)) + rng.normal(0, 0.05, (3, 1600))
    one = rg.compact_part(fields, SHAPE)
    flipped = rg.compact_part(-3 * fields, SHAPE)
    rows = [rg.compact_part(f, SHAPE) for f in fields]
    for name in ("peak", "centre", "area", "gyration", "background", "outside"):
        assert np.allclose(getattr(flipped, name), getattr(one, name), rtol=1e-12, atol=1e-15)
        assert np.allclose(np.concatenate([getattr(r, name) for r in rows]), getattr(one, name), rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [({"q": 0.0}, "q must"), ({"q": 1.5}, "q must"), ({"q": "a"}, "q must"),
                                           ({"radius": -1}, "radius must"), ({"radius": 20}, "radius must"),
                                           ({"radius": 2.5}, "radius must"), ({"radius": True}, "radius must"),
                                           ({"order": "area"}, "order must")])
def test_compact_part_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rg.compact_part(block(2), SHAPE, **kwargs)
