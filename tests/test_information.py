"""The information view: the cross-validated mutual-information estimator against exact answers
(enumerated small tori, a synthetic channel), the geometry of block, buffer and environment, and
the measurement of filters and RBM units on Ising data."""

from itertools import product
from math import comb
from types import SimpleNamespace

import numpy as np
import pytest

from deeprg import information as inf
from deeprg import ising
from deeprg.exact import T_C, boltzmann_weights

# Tolerances from the bias study (40 repeats per case; reported in the issue): at n = 5000 the
# estimate of the 4 x 4 torus case (I = 0.68 bits, 12 environment spins) has bias -0.003 bits
# and standard deviation 0.014 bits, the synthetic d = 24 case bias -0.005 and deviation 0.010:
# 0.06 bits is |bias| + 4 standard deviations.
TOLERANCE_5000 = 0.06


def _exact_samples(m, n, T, size, seed):
    """size independent configurations drawn from the exact Boltzmann distribution, flattened."""
    configs, prob = boltzmann_weights(m, n, T)
    idx = np.random.default_rng(seed).choice(len(prob), size=size, p=prob)
    return configs[idx].reshape(size, -1)


# --------------------------------------------------------------------------- estimator
def test_estimator_against_exact_enumeration():
    """4 x 4 torus at T = 2.451, majority rule on a 2 x 2 block, environment beyond a buffer of 0."""
    shape, corner = (4, 4), (0, 0)
    exact = inf.enumerated_filter_information(4, 4, 2.451, np.ones(4), 2, corner, 0)
    assert 0.6 < exact < 0.75
    s = _exact_samples(4, 4, 2.451, 5000, seed=0)
    h = inf.sign_filter(s[:, inf.block_sites(shape, 2, corner)], np.ones(4), seed=1)
    est = inf.mutual_information(h, s[:, inf.environment_sites(shape, 2, corner, 0)])
    assert est.bits == pytest.approx(exact, abs=TOLERANCE_5000)
    assert est.error == pytest.approx(0.012, rel=0.3)  # the measured spread of the estimate
    assert est.bits == pytest.approx(est.entropy - est.conditional)
    assert est.entropy == pytest.approx(1.0, abs=0.01) and est.n == 5000


def test_estimator_on_a_noisy_linear_channel():
    """E: 24 independent +-1 spins, H ~ Bernoulli(sigmoid(beta sum E)): H(H) = 1 bit and
    H(H | E) = sum_k Binomial(k; 24, 1/2) h2(sigmoid(beta (2k - 24))) exactly."""
    d, beta, n = 24, 0.3, 5000
    k = np.arange(d + 1)
    q = 1 / (1 + np.exp(-beta * (2 * k - d)))
    h2 = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
    exact = 1 - sum(comb(d, int(i)) / 2**d * h for i, h in zip(k, h2))
    rng = np.random.default_rng(0)
    E = rng.choice(np.array([-1, 1]), size=(n, d))
    H = (rng.random(n) < 1 / (1 + np.exp(-beta * E.sum(axis=1)))).astype(int)
    assert inf.mutual_information(H, E).bits == pytest.approx(exact, abs=TOLERANCE_5000)
    # a three-valued H: the multinomial model, same channel with a coin splitting H = 1 in two
    H3 = np.where(H == 1, 1 + (rng.random(n) < 0.5), 0)
    est = inf.mutual_information(H3, E)
    assert est.bits == pytest.approx(exact, abs=TOLERANCE_5000) and est.entropy == pytest.approx(1.5, abs=0.02)


def test_independent_and_constant_labels():
    rng = np.random.default_rng(1)
    E = rng.choice(np.array([-1, 1]), size=(3000, 10))
    est = inf.mutual_information(rng.choice(np.array([-1, 1]), size=3000), E)
    assert abs(est.bits) < 4 * est.error + 0.002
    assert inf.mutual_information(np.ones(3000), E).bits == 0.0
    # a class too rare to reach every training fold is predicted by the marginal there
    rare = np.zeros(3000, int)
    rare[:2] = 1
    assert abs(inf.mutual_information(rare, E).bits) < 0.01


def test_exact_mutual_information():
    assert inf.exact_mutual_information([[0.5, 0], [0, 0.5]]) == pytest.approx(1.0)
    assert inf.exact_mutual_information(np.full((4, 2), 1 / 8)) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------- geometry and filters
def test_distances_wrap_around_the_torus():
    d = inf.block_distance((6, 7), 2, (5, 6))
    assert d[5, 6] == d[0, 0] == d[5, 0] == d[0, 6] == 0
    assert d[1, 1] == 1 and d[3, 3] == 3 and d[2, 4] == 2 and d.max() == 3
    assert set(inf.block_sites((6, 7), 2, (5, 6))) == {41, 35, 6, 0}
    ring = inf.environment_sites((6, 7), 2, (5, 6), 1)
    assert (d.ravel()[ring] == 2).all() and len(ring) == (d == 2).sum()
    assert len(inf.environment_sites((6, 7), 2, (5, 6), 1, ring=False)) == (d > 1).sum()


def test_ring_carries_all_the_environment_information():
    """Markov property: I(H : E) = I(H : E_1) exactly on a 4 x 5 torus whose environment beyond a
    buffer of 0 (16 spins) is larger than its ring (12 spins)."""
    full = inf.enumerated_filter_information(4, 5, T_C, np.ones(4), 2, (0, 0), 0)
    ring = inf.enumerated_filter_information(4, 5, T_C, np.ones(4), 2, (0, 0), 0, ring=True)
    assert len(inf.environment_sites((4, 5), 2, (0, 0), 0, ring=False)) == 16
    assert len(inf.environment_sites((4, 5), 2, (0, 0), 0)) == 12
    assert ring == pytest.approx(full, abs=1e-12) and full > 0.5


def test_sign_filters_cover_every_threshold_function():
    """The 10 classes of tie-free sign(lambda . s) on a 2 x 2 block hold all 104 such functions
    (the threshold functions of 3 variables), and weights up to 5 find no more."""
    reps = inf.sign_filters(2)
    assert len(reps) == 10 and len(inf.sign_filters(2, max_weight=5)) == 10
    states = np.array(list(product((-1, 1), repeat=4)))
    functions = set()
    for lam in reps:
        for perm in inf.block_symmetries(2):
            for sign in (1, -1):
                functions.add(tuple(sign * np.sign(states[:, perm] @ lam)))
    assert len(functions) == 104
    h = inf.sign_filter(np.array([[1, 1, -1, -1]] * 400), np.ones(4), seed=0)
    assert set(h) == {-1, 1} and abs(h.mean()) < 0.2  # ties by a fair coin


# --------------------------------------------------------------------------- on Ising data
@pytest.fixture(scope="module")
def ising_16():
    return ising.sample(16, 2.451, 3000, seed=3)


def test_more_buffer_less_information(ising_16):
    """Majority rule at T = 2.451: I(H : E) falls as the buffer widens, beyond 3 standard errors."""
    blocks = np.array([[0, 0], [2, 5], [5, 2], [7, 7]])
    infos = [inf.filter_information(ising_16, np.ones(4), 2, w, blocks) for w in (0, 1, 2)]
    for near, far in zip(infos, infos[1:]):
        diff = near.mean_terms - far.mean_terms
        assert diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert all(0 < i.mean < 1 for i in infos)


def test_units_of_a_hand_made_rbm(ising_16):
    """Unit 0 is majority rule on block (0, 0), made stochastic; unit 1 adds to its block's sum
    three spins far beyond the buffer (in three other blocks, each with less of its w^2), so it
    knows more of its environment than its block filter by reading it; unit 2 is silent."""
    W = np.zeros((3, 256))
    W[0, inf.block_sites((16, 16), 2, (0, 0))] = 10.0  # input 5 sum_V s: majority, ties at 1/2
    W[1, inf.block_sites((16, 16), 2, (8, 8))] = 20.0
    W[1, [0 * 16 + 8, 8 * 16 + 0, 0]] = 30.0  # sites (0, 8), (8, 0), (0, 0): distance >= 6
    rbm = SimpleNamespace(components_=W, intercept_hidden_=np.array([-20.0, -85.0, -50.0]))
    u = inf.unit_information(ising_16, rbm, 2, 1)
    assert u.corners.tolist() == [[0, 0], [8, 8], [0, 0]]
    assert u.share_block[:2] == pytest.approx([1.0, 1600 / 4300])
    assert u.share_environment[:2] == pytest.approx([0.0, 2700 / 4300])
    majority = inf.filter_information(ising_16, np.ones(4), 2, 1, np.array([[0, 0]])).bits[0]
    for estimates in (u.sampled, u.local, u.block_filter):
        assert estimates.bits[0] == pytest.approx(majority, abs=0.05)
    # unit 1 without its reads of E (frozen at their means) is majority rule on its block again
    assert u.local.bits[1] == pytest.approx(majority, abs=0.05)
    assert u.block_filter.bits[1] == pytest.approx(majority, abs=0.05)
    assert u.sampled.bits[1] > majority + 0.2 and u.sampled.entropy[1] > 0.95
    assert u.sampled.bits[2] == u.sampled.entropy[2] == u.local.bits[2] == 0.0
    assert u.sampled.mean == pytest.approx(u.sampled.bits.mean())


def test_rsmi_filter_picks_a_ferromagnetic_filter(ising_16):
    best, candidates, estimates = inf.rsmi_filter(ising_16[:1000], 2, 1, np.array([[0, 0], [4, 4]]),
                                                  candidates=[[1, 1, 1, 1], [-1, 1, 1, 1], [1, 0, 0, 0]])
    assert best.tolist() in ([1, 1, 1, 1], [1, 0, 0, 0])
    assert estimates[1].bits < estimates[0].bits


def test_box_majority_sees_the_same_environment_and_more_of_the_block(ising_16):
    """The box of side b + 2w around a block has, at buffer 0, the block's environment at buffer w;
    at w = 0 the box is the block, and box majority is majority rule, coins and folds included;
    at w = 1 it reads the buffer and knows more than majority rule of the block."""
    for corner, w in (((0, 0), 1), ((6, 14), 2)):
        box = tuple((np.array(corner) - w) % 16)
        assert np.array_equal(np.sort(inf.environment_sites((16, 16), 2 + 2 * w, box, 0)),
                              np.sort(inf.environment_sites((16, 16), 2, corner, w)))
    blocks = np.array([[0, 0], [3, 7], [7, 2]])
    same = inf.box_majority_information(ising_16, 2, 0, blocks, seed=5)
    majority0 = inf.filter_information(ising_16, np.ones(4), 2, 0, blocks, seed=5)
    np.testing.assert_array_equal(same.bits, majority0.bits)
    assert same.corners.tolist() == [[0, 0], [6, 14], [14, 4]]
    majority = inf.filter_information(ising_16, np.ones(4), 2, 1, blocks, keep_terms=True)
    box = inf.box_majority_information(ising_16, 2, 1, blocks)
    c = inf.compare_estimates(box, majority)
    assert c.difference > 0.1 and c.difference > 5 * c.error and c.above == 3
    with pytest.raises(ValueError, match="a box of side b \\+ 2 buffer = 18 does not fit"):
        inf.box_majority_information(ising_16, 2, 8, blocks)


def test_compare_estimates_pairs_each_variable_with_its_block():
    """Three variables on blocks a, b, a against a reference on blocks a, b, c, with hand-made
    per-sample terms: the difference is the mean over the variables of their bits minus the
    reference's on their block; its error comes from the paired terms, in which the noise the two
    share (the column `shared`) cancels."""
    rng = np.random.default_rng(0)
    n = 4000
    shared = rng.normal(0, 1, n)
    ref_terms = np.stack([0.5 + shared, 0.3 + shared, 0.9 + rng.normal(0, 1, n)])
    ref_terms -= ref_terms.mean(axis=1, keepdims=True) - [[0.5], [0.3], [0.9]]  # means exactly 0.5, 0.3, 0.9

    def estimates(corners, terms, keep=False):
        parts = [inf.InformationEstimate(float(t.mean()), float(t.std(ddof=1) / np.sqrt(n)), 1.0,
                                         1.0 - float(t.mean()), t) for t in terms]
        return inf.Estimates.collect(corners, parts, keep_terms=keep)

    reference = estimates([[0, 0], [0, 2], [2, 0]], ref_terms, keep=True)
    assert reference.terms.shape == (3, n) and np.allclose(reference.terms.mean(axis=0), reference.mean_terms)
    # variable 0: 0.2 bits above its block's reference (0.5), with small noise of its own
    # variable 1: the reference itself on block b; variable 2: 0.4 below block a's, with its own noise
    terms = np.stack([ref_terms[0] + 0.2 + rng.normal(0, 0.05, n), ref_terms[1],
                      ref_terms[0] - 0.4 + rng.normal(0, 0.05, n)])
    units = estimates([[0, 0], [0, 2], [0, 0]], terms)
    c = inf.compare_estimates(units, reference)
    expected = np.mean(units.bits - reference.bits[[0, 1, 0]])
    assert c.difference == pytest.approx(expected) and c.difference == pytest.approx(-0.2 / 3, abs=0.01)
    assert c.error < 0.003 < reference.error[0]  # the shared noise cancels in the pairs
    assert (c.n, c.above, c.below) == (3, 1, 1) and c.fraction_above == c.fraction_below == pytest.approx(1 / 3)
    assert c.spread_error == pytest.approx(np.std(units.bits - reference.bits[[0, 1, 0]], ddof=1) / np.sqrt(3))
    assert inf.compare_estimates(units, reference, n_sigma=1e3).above == 0
    with pytest.raises(ValueError, match="reference must keep its per-sample terms"):
        inf.compare_estimates(units, estimates([[0, 0], [0, 2]], ref_terms[:2]))
    with pytest.raises(ValueError, match=r"reference has no block at corner \(0, 0\) \(and 1 more\)"):
        inf.compare_estimates(units, estimates([[0, 2]], ref_terms[1:2], keep=True))
    with pytest.raises(ValueError, match="measured on the same samples, got 4000 and 10"):
        inf.compare_estimates(units, estimates([[0, 0], [0, 2]], ref_terms[:2, :10], keep=True))


# --------------------------------------------------------------------------- argument checks
SPINS = np.ones((2, 6, 6), np.int8)


@pytest.mark.parametrize("call, message", [
    (lambda: inf.mutual_information(np.ones((3, 2)), np.ones((3, 2))), "labels must be a 1-d array"),
    (lambda: inf.mutual_information([1, -1, 1], np.ones((4, 2))), r"features must have shape \(3, d >= 1\), got \(4,"),
    (lambda: inf.mutual_information([1, -1, 1], np.ones((3, 1)), n_folds=1), "n_folds must be an integer >= 2, got 1"),
    (lambda: inf.mutual_information([1, -1, 1], np.ones((3, 1)), C=-1), "C must be a finite number > 0, got -1"),
    (lambda: inf.mutual_information([1, -1, 1], np.ones((3, 1)), groups=[1, 2]), r"groups must have shape \(3,\)"),
    (lambda: inf.exact_mutual_information([[0.5, 0.6]]), "joint must be a 2-d table of probabilities"),
    (lambda: inf.block_distance((4, 4), 5, (0, 0)), "b must be at most min"),
    (lambda: inf.block_distance((4, 4), 2, (4, 0)), r"corner must lie on the 4 x 4 lattice, got \(4, 0\)"),
    (lambda: inf.environment_sites((4, 4), 2, (0, 0), -1), "buffer must be an integer >= 0, got -1"),
    (lambda: inf.environment_sites((4, 4), 2, (0, 0), 1), "buffer = 1 leaves no environment"),
    (lambda: inf.sign_filter(np.ones((5, 4)), np.ones(3)), r"weights must have shape \(4,\)"),
    (lambda: inf.sign_filters(3, max_weight=3), "b = 3 with max_weight = 3 needs 40353607"),
    (lambda: inf.filter_information(SPINS, np.ones(4), 4, 0), r"b must divide the lattice sides \(6, 6\), got 4"),
    (lambda: inf.filter_information(SPINS, np.ones(4), 2, 0, [[3, 0]]), "blocks must be integer"),
    (lambda: inf.filter_information(np.zeros((2, 6, 6)), np.ones(4), 2, 0), "configs must contain only"),
    (lambda: inf.rsmi_filter(SPINS, 2, 0, candidates=np.ones((2, 3))), r"candidates must have shape \(k >= 1, 4\)"),
    (lambda: inf.unit_blocks(np.ones((2, 10)), (4, 4), 2), r"weights must have shape \(n_units, 16\), got \(2, 10\)"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
