"""Swendsen's MCRG: operators on hand-made and brute-forced configurations, the RG matrix on
cases with a known answer, the kernels, and the 2D Ising exponents at T_c by majority rule."""

import numpy as np
import pytest

from deeprg import ising, mcrg, rg
from deeprg.exact import T_C

ALL = mcrg.EVEN_OPERATORS + mcrg.ODD_OPERATORS


def brute_force(config, op):
    """S = sum over sites and images of the product, by explicit loops with periodic indices."""
    L = config.shape[0]
    return sum(np.prod([config[(i + dr) % L, (j + dc) % L] for dr, dc in shape])
               for shape in op.shapes for i in range(L) for j in range(L))


# ------------------------------------------------------------------------ operators
def test_images_under_rotations_and_reflections():
    counts = {op.name: len(op.shapes) for op in ALL}
    assert counts == {"nn": 2, "nnn": 2, "third": 2, "plaquette": 1, "sqrt5": 4, "sqrt8": 2,
                      "distance3": 2, "diamond": 1, "tee": 4, "sqrt10": 4, "magnetisation": 1,
                      "corner": 4, "line": 2, "vee": 4, "diagonal": 2, "cross": 1}
    assert [op.odd for op in ALL] == [False] * 10 + [True] * 6
    # the same shape given in another orientation or position is the same operator
    assert mcrg.Operator("x", ((5, 5), (7, 4))).shapes == mcrg.EVEN_OPERATORS[4].shapes


@pytest.mark.parametrize("L", [7, 8])
def test_operators_on_hand_made_configurations(L):
    up = np.ones((1, L, L), np.int8)
    one_down = up.copy()
    one_down[0, 3, 2] = -1
    checker = np.fromfunction(lambda i, j: (-1) ** (i + j), (L, L)).astype(np.int8)[None]
    for op, all_up, flipped in zip(ALL, mcrg.operator_values(up, ALL)[0], mcrg.operator_values(one_down, ALL)[0]):
        m, k = len(op.shapes), len(op.offsets)
        assert all_up == m * L * L, op.name
        # the flipped spin sits in k places of each of the m images: m k products change sign
        assert flipped == m * (L * L - 2 * k), op.name
    if L % 2 == 0:  # checkerboard: prod_d s_{x+d} = (-1)^(k (i + j)) (-1)^(sum_d (r_d + c_d))
        for op, value in zip(ALL, mcrg.operator_values(checker, ALL)[0]):
            k = len(op.offsets)
            expected = 0 if k % 2 else L * L * sum((-1) ** sum(r + c for r, c in shape) for shape in op.shapes)
            assert value == expected, op.name
        assert mcrg.operator_values(checker, mcrg.EVEN_OPERATORS[:2])[0].tolist() == [-2 * L * L, 2 * L * L]


def test_operators_match_brute_force_on_random_configurations():
    s = np.where(np.random.default_rng(0).random((7, 7, 7)) < 0.5, -1, 1).astype(np.int8)
    values = mcrg.operator_values(s, ALL, chunk=3)
    expected = [[brute_force(c, op) for op in ALL] for c in s]
    np.testing.assert_array_equal(values, expected)


# ------------------------------------------------------------------ the RG matrix
def test_identity_kernel_gives_the_identity_matrix():
    s = ising.sample(16, T_C, 200, seed=1)
    v = mcrg.operator_values(s, mcrg.EVEN_OPERATORS)
    np.testing.assert_allclose(mcrg.rg_matrix(v, v), np.eye(10), atol=1e-9)
    result = mcrg.mcrg(s, lambda x: x, levels=1)
    assert result.sizes == (16, 16)
    np.testing.assert_allclose(result.lambda_t, 1, atol=1e-9)
    np.testing.assert_allclose(result.lambda_h, 1, atol=1e-9)
    np.testing.assert_allclose(result.spectrum_even, 1, atol=1e-9)
    np.testing.assert_allclose(result.lambda_t_err, 0, atol=1e-9)
    with pytest.raises(ValueError, match="b must be > 1"):
        result.y_t


def test_linear_block_operators_transform_couplings_contragrediently():
    """If S' = P S exactly, K' . S' = K . S forces K = P^T K', so T = dK'/dK = P^{-T}: this
    fixes which level A is measured at and the orientation of B."""
    rng = np.random.default_rng(2)
    fine = rng.normal(size=(500, 3)) @ rng.normal(size=(3, 3))
    Q = rng.normal(size=(3, 3))
    P = Q @ np.diag([0.5, 2.0, 1.5]) @ np.linalg.inv(Q)
    T = mcrg.rg_matrix(fine, fine @ P.T)
    np.testing.assert_allclose(T, np.linalg.inv(P).T, atol=1e-10)
    np.testing.assert_allclose(mcrg.rg_eigenvalues(fine, fine @ P.T), [2, 1 / 1.5, 0.5], atol=1e-10)


# ------------------------------------------------------------------------ kernels
def test_majority_kernel_draws_new_ties_each_call_and_is_seeded():
    s = np.ones((200, 4, 4), np.int8)
    s[:, ::2, :] = -1  # every block a tie
    k1, k2 = mcrg.majority_kernel(2, seed=5), mcrg.majority_kernel(2, seed=5)
    first, second = k1(s), k1(s)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, k2(s))
    assert abs(first.mean()) < 4 / np.sqrt(first.size)
    odd = np.where(np.random.default_rng(0).random((5, 9, 9)) < 0.5, -1, 1).astype(np.int8)
    np.testing.assert_array_equal(mcrg.majority_kernel(3, seed=1)(odd), rg.block_spins(odd, 3))


def hard_rbm(L, b, beta=50.0, seed=0):
    """Hidden unit j = block spin of block j, shuffled: W v + bias = beta * (sum of the block's
    spins), since sum_block s = 2 sum_block v - b^2. Returns W, bias and each unit's block site."""
    M = L // b
    sites = np.random.default_rng(seed).permutation(M * M)
    W = np.zeros((M * M, L * L))
    for j, site in enumerate(sites):
        mask = np.zeros((L, L))
        R, C = divmod(site, M)
        mask[R * b:(R + 1) * b, C * b:(C + 1) * b] = 1
        W[j] = 2 * beta * mask.ravel()
    return W, np.full(M * M, -beta * b * b), np.stack(divmod(sites, M), axis=1)


def test_rbm_kernel_with_block_fields_is_majority_rule():
    W, bias, sites = hard_rbm(12, 3)
    positions = mcrg.receptive_field_positions(W, 12, 3)
    np.testing.assert_array_equal(positions, sites)
    s = ising.sample(12, T_C, 50, seed=3)
    np.testing.assert_array_equal(mcrg.rbm_kernel(W, bias, positions)(s), rg.block_spins(s, 3))
    # a sequence of kernels, one per level: the RBM (12 -> 4), then majority rule (4 -> 2)
    levels = mcrg.block_levels(s, [mcrg.rbm_kernel(W, bias, positions), mcrg.majority_kernel(2)], 2)
    assert [x.shape for x in levels] == [(50, 12, 12), (50, 4, 4), (50, 2, 2)]


def test_rbm_kernel_samples_hidden_units():
    p = 0.8
    sites = np.stack(divmod(np.arange(16), 4), axis=1)
    kernel = mcrg.rbm_kernel(np.zeros((16, 64)), np.full(16, np.log(p / (1 - p))), sites, seed=0)
    out = kernel(np.ones((500, 8, 8), np.int8))
    assert out.shape == (500, 4, 4)
    frac = (out == 1).mean()
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / out.size)


# ------------------------------------------------------------------- validation
def test_bad_arguments():
    s = np.ones((30, 8, 8), np.int8)
    with pytest.raises(ValueError, match="offsets must be distinct"):
        mcrg.Operator("bad", ((0, 0), (0, 0)))
    with pytest.raises(ValueError, match="too small for operator 'distance3'"):
        mcrg.operator_values(np.ones((2, 6, 6), np.int8), mcrg.EVEN_OPERATORS)
    with pytest.raises(ValueError, match="configs must have shape"):
        mcrg.operator_values(np.ones((6, 6), np.int8), mcrg.EVEN_OPERATORS)
    with pytest.raises(ValueError, match="b must be an integer >= 1"):
        mcrg.majority_kernel(0)
    with pytest.raises(ValueError, match="levels must be an integer >= 1"):
        mcrg.block_levels(s, mcrg.majority_kernel(2), 0)
    with pytest.raises(ValueError, match="sequence of 2 callables"):
        mcrg.block_levels(s, [mcrg.majority_kernel(2)], 2)
    with pytest.raises(ValueError, match="kernel output must have shape"):
        mcrg.block_levels(s, lambda x: x[:, :3, :3], 1)
    with pytest.raises(ValueError, match="fine and coarse must have the same shape"):
        mcrg.rg_matrix(np.ones((5, 2)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="even must be a non-empty sequence of Operator with an even"):
        mcrg.mcrg(s, mcrg.majority_kernel(2), 1, even=mcrg.ODD_OPERATORS[:1])
    W, bias, sites = hard_rbm(12, 3)
    with pytest.raises(ValueError, match="positions must cover each site"):
        mcrg.rbm_kernel(W, bias, np.zeros_like(sites))
    with pytest.raises(ValueError, match="hidden_bias must have shape"):
        mcrg.rbm_kernel(W, bias[:3], sites)
    with pytest.raises(ValueError, match=r"configs must have shape \(n, 12, 12\)"):
        mcrg.rbm_kernel(W, bias, sites)(s)
    with pytest.raises(ValueError, match="same block site"):
        mcrg.receptive_field_positions(np.vstack([W[:1], W[:1]]), 12, 3)
    with pytest.raises(ValueError, match="b must divide L = 12"):
        mcrg.receptive_field_positions(W, 12, 5)


# ------------------------------------------- 2D Ising at T_c, majority rule b = 2
# Truncation allowances: MCRG with a finite set of operators and few blocking levels is biased.
# Each allowance is the largest deviation from the exact exponent in independent high-statistics
# runs (majority rule b = 2 at T_c; L = 32 and 64 with 20000 samples, L = 128 with 10000;
# every truncation k = 2 .. 10 even and k = 1 .. 6 odd operators), rounded up:
#   level 1 (from the nearest-neighbour Hamiltonian): y_t 0.959 .. 0.982 -> 0.05,
#                                                     y_h 1.8800 .. 1.8813 -> 0.007;
#   levels 2 to 4: y_t 0.983 .. 1.007 -> 0.02, y_h 1.8738 .. 1.8765 -> 0.002.
# Both exponents are tested against |y - exact| <= 4 jackknife sigma + allowance.
Y_T, Y_H = 1.0, 15 / 8
ALLOWANCE = {1: (0.05, 0.007), 2: (0.02, 0.002), 3: (0.02, 0.002)}


def check_exponents(result, levels):
    (yt, yt_err), (yh, yh_err) = result.y_t, result.y_h
    for level in levels:
        allow_t, allow_h = ALLOWANCE[level]
        t, dt = yt[level - 1, 1:], yt_err[level - 1, 1:]  # k >= 2: nn alone is not a truncation we claim
        h, dh = yh[level - 1], yh_err[level - 1]
        assert (np.abs(t - Y_T) <= 4 * dt + allow_t).all(), (level, t, dt)
        assert (np.abs(h - Y_H) <= 4 * dh + allow_h).all(), (level, h, dh)


def test_majority_rule_exponents_at_the_critical_point():
    s = ising.sample(64, T_C, 4000, seed=7)
    result = mcrg.mcrg(s, mcrg.majority_kernel(2, seed=0), levels=2)
    assert result.sizes == (64, 32, 16) and result.n_samples == 4000
    np.testing.assert_allclose(result.b, 2)
    check_exponents(result, levels=(1, 2))


def test_rbm_kernel_through_mcrg():
    """The hard RBM with 2 x 2 block fields is majority rule with ties broken by a fair coin
    (W v + bias = 0 on a tie), so MCRG through it must give the majority-rule exponents."""
    W, bias, sites = hard_rbm(32, 2)
    s = ising.sample(32, T_C, 4000, seed=8)
    result = mcrg.mcrg(s, mcrg.rbm_kernel(W, bias, mcrg.receptive_field_positions(W, 32, 2), seed=0), levels=1)
    assert result.sizes == (32, 16)
    check_exponents(result, levels=(1,))


@pytest.mark.slow
def test_majority_rule_exponents_three_levels_high_statistics():
    s = ising.sample(64, T_C, 20000, seed=11)
    check_exponents(mcrg.mcrg(s, mcrg.majority_kernel(2, seed=0), levels=3), levels=(1, 2, 3))


def test_block_correlations_scale_as_fine_correlations_at_twice_the_distance():
    """G_h(r) / G_v(2r) is flat in r (r >= 3) and near 2^eta = 2^(1/4), its value at the fixed
    point; one step from the nn Hamiltonian falls short by 0.009 .. 0.012 (r >= 3) in runs of
    20000 samples at L = 32 and 64, hence the allowance 0.015."""
    s = ising.sample(32, T_C, 2000, seed=5)
    first = mcrg.correlation_scaling(s, mcrg.majority_kernel(2, seed=1))
    r, (G_h, _), (G_v, _) = first["r"], first["G_h"], first["G_v"]
    assert first["b"] == 2 and r.tolist() == list(range(9))
    assert G_h[0] == G_v[0] == 1
    ratio, err = first["ratio"]
    far = r >= 3
    assert (np.abs(ratio[far] - ratio[-1]) <= 4 * np.hypot(err[far], err[-1])).all(), (ratio, err)
    assert (np.abs(ratio[far] - 2**0.25) <= 4 * err[far] + 0.015).all(), (ratio, err)


# ------------------------------------------------- placing units, stacked kernels
def hard_stack(L, n_layers, beta=50.0, seed=0):
    """A stack of RBMs whose layer l is majority rule of 2 x 2 blocks of layer l - 1, units
    shuffled and about half of them flipped (h_j = 1 when the block is down). With
    2 v_i - 1 = t_i S_{x_i} (input i at site x_i, orientation t_i), W_ji = 2 beta sigma_j t_i and
    b_j = -beta sigma_j sum_i t_i give W_j . v + b_j = beta sigma_j (sum of the block's spins).
    Returns weights, biases, and each layer's true sites (n, 2) and signs."""
    rng = np.random.default_rng(seed)
    weights, biases, sites, signs = [], [], [], []
    below_sites, below_signs, M = np.stack(divmod(np.arange(L * L), L), axis=1), np.ones(L * L), L
    for _ in range(n_layers):
        M //= 2
        site = np.stack(divmod(rng.permutation(M * M), M), axis=1)
        sign = rng.choice([-1, 1], size=M * M)
        inside = (below_sites[None, :, 0] // 2 == site[:, None, 0]) & (below_sites[None, :, 1] // 2 == site[:, None, 1])
        W = 2 * beta * sign[:, None] * below_signs[None, :] * inside
        weights.append(W)
        biases.append(-beta * sign * (inside * below_signs).sum(axis=1))
        sites.append(site)
        signs.append(sign)
        below_sites, below_signs = site, sign
    return weights, biases, sites, signs


def tie_free(n, L, levels, seed=0):
    """Configurations whose 2 x 2 block sums are never 0 at any of `levels` majority-rule
    steps: each coarse spin x becomes a 2 x 2 block of four x, or of three x and one -x."""
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array([-1, 1], np.int8), size=(n, L >> levels, L >> levels))
    for _ in range(levels):
        s = np.repeat(np.repeat(s, 2, axis=1), 2, axis=2)
        m = s.shape[-1] // 2
        flip = rng.random((n, m, m)) < 0.5
        where = rng.integers(4, size=(n, m, m))
        for k in range(4):
            s[:, k // 2::2, k % 2::2] *= np.where(flip & (where == k), -1, 1).astype(np.int8)
    return s


def test_assignment_recovers_a_permuted_hard_block_network():
    weights, _, sites, signs = hard_stack(16, 3, seed=4)
    placements = mcrg.layer_placements(weights, 16)
    for placement, site, sign, b in zip(placements, sites, signs, (2, 4, 8)):
        assert placement.b == b and placement.L == 16
        np.testing.assert_array_equal(placement.positions, site)
        np.testing.assert_array_equal(placement.signs, sign)
        np.testing.assert_allclose(placement.fraction, 1)
        np.testing.assert_allclose(placement.best, 1)
        assert placement.centre_shared == 0


def test_assignment_of_a_random_network_is_one_to_one_and_optimal():
    from itertools import permutations

    rng = np.random.default_rng(0)
    fields = rng.normal(size=(100, 400))
    placement = mcrg.assign_block_sites(fields, 20, 2)
    M = 10
    assert sorted(placement.positions[:, 0] * M + placement.positions[:, 1]) == list(range(M * M))
    assert ((placement.fraction > 0) & (placement.fraction <= placement.best + 1e-12)).all()
    q = mcrg.block_shares(fields, 20, 2)
    np.testing.assert_allclose(q.sum(axis=1), 1)
    sites = placement.positions[:, 0] * M + placement.positions[:, 1]
    np.testing.assert_allclose(placement.fraction, q[np.arange(100), sites])
    # the centre-of-mass rule collides on random fields, and the count says how often
    assert placement.centre_shared > 0
    with pytest.raises(ValueError, match="same block site"):
        mcrg.receptive_field_positions(fields, 20, 2)
    # optimal: no permutation of 4 units on a 2 x 2 block lattice does better
    small = rng.normal(size=(4, 16))
    q = mcrg.block_shares(small, 4, 2)
    got = mcrg.assign_block_sites(small, 4, 2)
    best = max(sum(q[j, k] for j, k in enumerate(perm)) for perm in permutations(range(4)))
    assert got.fraction.sum() == pytest.approx(best, rel=1e-12)
    signs = np.sign(small.reshape(4, 2, 2, 2, 2).sum(axis=(2, 4)).reshape(4, 4))
    np.testing.assert_array_equal(got.signs, signs[np.arange(4), got.positions[:, 0] * 2 + got.positions[:, 1]])


def test_stacked_hard_kernels_are_majority_rule_at_every_level():
    """Shuffled, partly flipped units read through the placements give exactly majority rule:
    the second RBM must see the first one's units in their own order and orientation."""
    L = 16
    weights, biases, _, _ = hard_stack(L, 3, seed=1)
    kernels = mcrg.stacked_kernels(weights, biases, mcrg.layer_placements(weights, L), seed=0)
    s = tie_free(40, L, 3, seed=2)
    levels = mcrg.block_levels(s, kernels, 3)
    expected = s
    for level in levels[1:]:
        expected = rg.block_spins(expected, 2)
        np.testing.assert_array_equal(level, expected)
    # reading the lattice in row-major order instead scrambles level 2
    wrong = mcrg.rbm_kernel(weights[1], biases[1], mcrg.layer_placements(weights, L)[1].positions)
    assert not np.array_equal(wrong(levels[1]), levels[2])


def test_rbm_kernel_defaults_are_row_major_and_unflipped():
    W, bias, sites = hard_rbm(12, 3)
    s = ising.sample(12, T_C, 30, seed=4)
    plain = mcrg.rbm_kernel(W, bias, sites, seed=3)(s)
    explicit = mcrg.rbm_kernel(W, bias, sites, seed=3, signs=np.ones(16, int),
                               input_positions=np.stack(divmod(np.arange(144), 12), axis=1),
                               input_signs=np.ones(144, int))(s)
    np.testing.assert_array_equal(plain, explicit)
    flipped = mcrg.rbm_kernel(-W, -bias, sites, seed=3, signs=-np.ones(16, int))(s)
    np.testing.assert_array_equal(flipped, plain)  # odd block sums: no ties, p = 0 or 1


def test_fit_operators_keeps_the_prefix_that_fits_each_level():
    assert [mcrg.fitting_prefix(mcrg.EVEN_OPERATORS, L) for L in (2, 3, 5, 6, 7)] == [0, 2, 6, 6, 10]
    assert [mcrg.fitting_prefix(mcrg.ODD_OPERATORS, L) for L in (1, 3, 5)] == [1, 2, 6]
    s = ising.sample(40, T_C, 600, seed=9)
    levels = mcrg.block_levels(s, mcrg.majority_kernel(2, seed=0), 3)
    fitted = mcrg.mcrg_levels(levels, n_blocks=10, fit_operators=True)
    plain = mcrg.mcrg_levels(levels[:3], n_blocks=10)
    assert fitted.sizes == (40, 20, 10, 5) and fitted.lambda_t.shape == (3, 10)
    np.testing.assert_array_equal(fitted.lambda_t[:2], plain.lambda_t)
    np.testing.assert_array_equal(fitted.lambda_h_err[:2], plain.lambda_h_err)
    assert np.isfinite(fitted.lambda_t[2, :6]).all() and np.isnan(fitted.lambda_t[2, 6:]).all()
    assert np.isfinite(fitted.spectrum_odd[2]).all()
    with pytest.raises(ValueError, match="too small for operator 'distance3'"):
        mcrg.mcrg_levels(levels, n_blocks=10)


def test_level_correlation_scaling_is_correlation_scaling_of_given_levels():
    s = ising.sample(16, T_C, 200, seed=6)
    direct = mcrg.correlation_scaling(s, mcrg.majority_kernel(2, seed=4))
    given = mcrg.level_correlation_scaling(s, mcrg.majority_kernel(2, seed=4)(s))
    for key in ("G_h", "G_v", "ratio"):
        np.testing.assert_array_equal(direct[key][0], given[key][0])
    with pytest.raises(ValueError, match="fine and coarse must have shapes"):
        mcrg.level_correlation_scaling(s, s[:, :5, :5])


def test_placement_and_stack_arguments():
    weights, biases, _, _ = hard_stack(8, 2)
    with pytest.raises(ValueError, match=r"fields must have \(L/b\)\^2 = 16 rows"):
        mcrg.assign_block_sites(weights[0][:5], 8, 2)
    with pytest.raises(ValueError, match=r"weights\[1\] must have 16 columns"):
        mcrg.layer_placements([weights[0], weights[0]], 8)
    with pytest.raises(ValueError, match=r"weights\[0\] must have 64 columns and a square number of rows"):
        mcrg.layer_placements([weights[0][:5]], 8)
    placements = mcrg.layer_placements(weights, 8)
    with pytest.raises(ValueError, match="the same length, got 2, 1, 2"):
        mcrg.stacked_kernels(weights, biases[:1], placements)
    sites = placements[0].positions
    with pytest.raises(ValueError, match="signs must be 16 values of"):
        mcrg.rbm_kernel(weights[0], biases[0], sites, signs=np.zeros(16))
    with pytest.raises(ValueError, match="input_positions must cover each site of the 8 x 8"):
        mcrg.rbm_kernel(weights[0], biases[0], sites, input_positions=np.zeros((64, 2), int))
    with pytest.raises(ValueError, match="input_signs must be 64 values"):
        mcrg.rbm_kernel(weights[0], biases[0], sites, input_signs=np.ones(3))
    with pytest.raises(ValueError, match="at least two levels"):
        mcrg.mcrg_levels([np.ones((5, 4, 4), np.int8)])


def test_frozen_block_lattice_gives_nan_not_an_error():
    """A kernel whose block spins never change leaves A = <S' S'>_c singular: no RG matrix."""
    s = ising.sample(16, T_C, 100, seed=2)
    frozen = lambda x: np.ones((len(x), 8, 8), np.int8)
    result = mcrg.mcrg(s, frozen, levels=1, n_blocks=5)
    assert np.isnan(result.lambda_t).all() and np.isnan(result.lambda_h_err).all()
    assert np.isnan(result.spectrum_odd).all()
