"""A Bernoulli-Bernoulli restricted Boltzmann machine with L1/L2 penalties, as a scikit-learn estimator."""

from __future__ import annotations

import time
import warnings
import zlib
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import kernels, partition

_PENALTIES = {None: kernels.NO_PENALTY, "l1": kernels.L1, "l2": kernels.L2}
HINTON_MOMENTUM = (0.5, 5, 0.9)  # rbm.m: momentum 0.5 for the first 5 epochs, then 0.9
_MONITOR_ROWS = 1000


class TrainingDivergedError(FloatingPointError):
    """The weights became NaN or infinite during training."""


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Bernoulli RBM trained by contrastive divergence, as in Hinton & Salakhutdinov's rbm.m.

    The model is p(v, h) = exp(-E(v, h)) / Z over v in {0, 1}^n_features, h in {0, 1}^n_components,
    with E(v, h) = -v.c - h.b - h W v, W = components_, b = intercept_hidden_,
    c = intercept_visible_. Inputs are probabilities in [0, 1]; Ising spins s = +-1 enter
    as v = (s + 1) / 2 (spins_to_visible). Negative inputs raise a ValueError; inputs above
    1 are used as given, with a warning.

    Each mini-batch (reshuffled every epoch) makes one update
    inc <- momentum inc + learning_rate (<h v>_data - <h v>_model - alpha R(W)),
    W <- W + inc, where <h v>_data uses P(h | v) and <h v>_model = <P(h | v') v'> over
    the chains' visible states v'. CD-k starts the chains at the data and samples the
    hidden units; CD-1 keeps v' as probabilities, as rbm.m does, while for k > 1 v' is
    sampled so the chain is a true Gibbs chain whose statistics tend to the model's as
    k grows. Persistent CD carries sampled chains over between updates. R(W) = sign(W) for penalty "l1", W for "l2"; biases are not
    penalised. The defaults are rbm.m's: learning rate 0.1, batches of 100, momentum
    0.5 for five epochs then 0.9, init 0.1 N(0, 1), L2 weight cost 2e-4.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    learning_rate : float, default=0.1
        Step size for weights and both biases.
    batch_size : int, default=100
    n_iter : int, default=10
        Epochs of fit.
    penalty : {"l1", "l2"} or None, default="l2"
        Weight penalty; its gradient is scaled by the learning rate, as in rbm.m.
    alpha : float, default=2e-4
        Penalty strength (rbm.m's weightcost).
    proximal : bool, default=False
        With penalty="l1", apply it as a soft threshold of lr * alpha after each step
        (exact zeros) instead of the subgradient alpha sign(W).
    momentum : float in [0, 1) or "hinton", default="hinton"
        "hinton" is 0.5 for the first five epochs, then 0.9.
    cd_k : int, default=1
        Gibbs steps in the negative phase.
    persistent : bool, default=False
        Persistent CD (Tieleman 2008) instead of CD-k.
    global_flip : bool, default=False
        With persistent=True, after each update's Gibbs sweeps propose v -> 1 - v for every
        chain, accepted with probability min(1, exp(F(v) - F(1 - v))): a Metropolis move that
        leaves any RBM's p(v) invariant and lets the chains cross between the two magnetised
        states of the ordered phase, which Gibbs sweeps do not (the Ising data's spin-flip
        symmetry, used as a proposal; the model need not have it).
    n_temperatures : int, default=1
        With persistent=True and more than 1, parallel tempering (Desjardins et al. 2010): each
        chain has replicas at inverse temperatures beta from 1 down to min_beta (evenly spaced),
        distributed as p_beta(v) ~ exp(-F_beta(v)), F_beta(v) = -beta v.c - sum_j
        log(1 + exp(beta (W v + b)_j)); every update gives each replica cd_k Gibbs sweeps at its
        beta, then proposes swaps between neighbouring betas (even pairs, odd pairs in turn),
        accepted by the Metropolis rule, and uses the beta = 1 replicas as the negative phase.
        swap_acceptance_ keeps each pair's running acceptance rate.
    min_beta : float in (0, 1), default=0.5
        The hottest replica's inverse temperature.
    init_scale : float, default=0.1
        Standard deviation of the initial weights (0.1 in rbm.m, 0.01 in scikit-learn).
    visible_bias_init : {"zero", "data"}, default="zero"
        "data" starts c at log(p / (1 - p)) of the training data's means (clipped to
        [1e-3, 1 - 1e-3]), as Hinton's practical guide suggests.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the parameters and of all computations.
    monitor : bool, default=False
        After each epoch, add reconstruction_error and pseudo_likelihood on 1000 training
        rows to history_. At 5,000 rows per epoch this costs over a quarter of the epoch's time;
        it does not change the weights.
    verbose : int, default=0
        Print one line per epoch.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    history_ : list of dict
        Per epoch: epoch, sparsity (fraction of |w| < 1e-3), seconds (training time of the
        epoch) and, with monitor=True, reconstruction_error (mean squared error of P(v|h),
        h sampled from P(h|v), on up to 1000 training rows fixed at the first fit) and
        pseudo_likelihood (score_samples mean on those rows).
    n_epochs_ : int
    random_state_ : numpy.random.Generator
        The generator of training and of gibbs: successive calls continue one stream.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "penalty": [StrOptions({"l1", "l2"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "proximal": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="left"), StrOptions({"hinton"})],
        "cd_k": [Interval(Integral, 1, None, closed="left")],
        "persistent": ["boolean"],
        "global_flip": ["boolean"],
        "n_temperatures": [Interval(Integral, 1, None, closed="left")],
        "min_beta": [Interval(Real, 0, 1, closed="neither")],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "visible_bias_init": [StrOptions({"zero", "data"})],
        "dtype": [StrOptions({"float32", "float64"})],
        "monitor": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=256, *, learning_rate=0.1, batch_size=100, n_iter=10, penalty="l2",
                 alpha=2e-4, proximal=False, momentum="hinton", cd_k=1, persistent=False, global_flip=False, n_temperatures=1,
                 min_beta=0.5, init_scale=0.1,
                 visible_bias_init="zero", dtype="float32", monitor=False, verbose=0, random_state=None):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.penalty = penalty
        self.alpha = alpha
        self.proximal = proximal
        self.momentum = momentum
        self.cd_k = cd_k
        self.persistent = persistent
        self.global_flip = global_flip
        self.n_temperatures = n_temperatures
        self.min_beta = min_beta
        self.init_scale = init_scale
        self.visible_bias_init = visible_bias_init
        self.dtype = dtype
        self.monitor = monitor
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _validate_X(self, X, reset):
        """X as a C-ordered array of self.dtype; negative values raise (the positive_only input
        tag's error), values above 1 warn."""
        X = validate_data(self, X, reset=reset, dtype=np.dtype(self.dtype), order="C")
        if X.size and X.min() < 0:
            raise ValueError(f"Negative values in data passed to {type(self).__name__} (minimum {X.min():.4g}): "
                             "inputs are probabilities in [0, 1]; map Ising spins s = +-1 to "
                             "v = (s + 1) / 2 (deeprg.rbm.spins_to_visible)")
        if X.size and X.max() > 1:
            warnings.warn(f"X has values up to {X.max():.4g}, above 1: {type(self).__name__} models "
                          "probabilities in [0, 1] and uses such values as given", UserWarning)
        return X

    # ------------------------------------------------------------------ conditionals
    def _hidden_probs(self, V, out=None):
        """P(h = 1 | v) = sigmoid(v W^T + b), rows of V (written into out if given)."""
        H = np.matmul(V, self.components_.T, out=out)
        kernels.sigmoid_bias(H, self.intercept_hidden_)
        return H

    def _visible_probs(self, H, out=None):
        """P(v = 1 | h) = sigmoid(h W + c)."""
        V = np.matmul(H, self.components_, out=out)
        kernels.sigmoid_bias(V, self.intercept_visible_)
        return V

    @staticmethod
    def _generator(random_state):
        """A numpy Generator seeded from scikit-learn's random_state."""
        return np.random.default_rng(check_random_state(random_state).randint(2**31 - 1))

    def _sample(self, P, rng):
        """Bernoulli(P) states; the uniforms are float64 so float32 and float64 models draw alike."""
        return (rng.random(P.shape) < P).astype(P.dtype)

    def transform(self, X):
        """P(h = 1 | v) for each row of X, shape (n_samples, n_components)."""
        check_is_fitted(self)
        return self._hidden_probs(self._validate_X(X, reset=False))

    def reconstruct(self, X):
        """P(v = 1 | h) with h = P(h = 1 | v): the mean-field reconstruction of X."""
        return self._visible_probs(self.transform(X))

    def gibbs(self, v):
        """One Gibbs step v -> h -> v with sampled states; returns the new visible sample.

        Draws from random_state_, continuing the stream of the fit: each call gives a fresh
        sample, and the same random_state gives the same sequence of samples after the same fit."""
        check_is_fitted(self)
        v = self._validate_X(v, reset=False)
        if not hasattr(self, "random_state_"):  # parameters set directly, as set_parameters does
            self.random_state_ = self._generator(self.random_state)
        rng = self.random_state_
        return self._sample(self._visible_probs(self._sample(self._hidden_probs(v), rng)), rng)

    def free_energy(self, X):
        """F(v) = -v.c - sum_j log(1 + exp(b_j + (W v)_j)), so that p(v) = exp(-F(v)) / Z."""
        check_is_fitted(self)
        return self._free_energy(self._validate_X(X, reset=False))

    def _free_energy(self, V):
        return partition.free_energy(self.components_, self.intercept_hidden_, self.intercept_visible_, V)

    def score_samples(self, X):
        """Pseudo-likelihood as scikit-learn's BernoulliRBM defines it: for one random feature i
        per row, n_features * log sigmoid(F(v with v_i flipped) - F(v)).

        The feature is drawn from a hash of the row and random_state, not from a stream, so
        a row scores the same whatever rows come with it (BernoulliRBM's score depends on
        the rows' order)."""
        check_is_fitted(self)
        v = self._validate_X(X, reset=False)
        salt = str(check_random_state(self.random_state).randint(2**31 - 1)).encode()
        flip = np.array([zlib.crc32(row.tobytes(), zlib.crc32(salt)) for row in v], np.int64) % v.shape[1]
        v_ = v.copy()
        v_[np.arange(v.shape[0]), flip] = 1 - v_[np.arange(v.shape[0]), flip]
        return -v.shape[1] * np.logaddexp(0, -(self._free_energy(v_) - self._free_energy(v)))

    def log_partition(self, method="auto", **ais_options):
        """(ln Z, standard error): exact enumeration over the smaller layer when it has at most
        20 units ("exact"), else annealed importance sampling ("ais"; see partition.ais)."""
        check_is_fitted(self)
        W, b, c = (np.asarray(a, np.float64) for a in (self.components_, self.intercept_hidden_, self.intercept_visible_))
        if method not in {"auto", "exact", "ais"}:
            raise ValueError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")
        if method == "exact" or (method == "auto" and min(W.shape) <= partition.MAX_ENUMERATED_UNITS):
            return partition.exact_log_partition(W, b, c), 0.0
        return partition.ais(W, b, c, **ais_options)

    def log_likelihood(self, X, **ais_options):
        """Mean log p(v) over the rows of X, -<F(v)> - ln Z (ln Z as log_partition computes it)."""
        log_z, _ = self.log_partition(**ais_options)
        return float(-self.free_energy(X).mean() - log_z)

    # ------------------------------------------------------------------ training
    def _initialise(self, X, rng):
        dtype = np.dtype(self.dtype)
        n_features = X.shape[1]
        self.components_ = (self.init_scale * rng.standard_normal((self.n_components, n_features))).astype(dtype)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype)
        if self.visible_bias_init == "data":
            self.intercept_visible_ = partition.data_log_odds(X).astype(dtype)
        else:
            self.intercept_visible_ = np.zeros(n_features, dtype)
        self._increments = [np.zeros_like(self.components_), np.zeros_like(self.intercept_hidden_),
                            np.zeros_like(self.intercept_visible_)]
        self._chain = None
        monitored = rng.permutation(len(X))[:_MONITOR_ROWS]  # drawn either way: monitor keeps the weights
        self._monitor = X[monitored] if self.monitor else None
        self._n_features_out = self.n_components
        self.history_ = []
        self.n_epochs_ = 0
        self.random_state_ = rng

    def _momentum(self):
        if self.momentum == "hinton":
            start, epochs, final = HINTON_MOMENTUM
            return start if self.n_epochs_ < epochs else final
        return float(self.momentum)

    def _negative_phase(self, H_data, V_neg, H_neg, rng):
        """Run the chains: their visible states into V_neg, P(h | V_neg) into H_neg."""
        if self.persistent and self.n_temperatures > 1:
            self._tempered_phase(H_data, V_neg, H_neg, rng)
            return
        if self.persistent:
            if self._chain is None or len(self._chain) != len(V_neg):
                self._chain = self._sample(H_data, rng)
            H = self._chain
            for _ in range(self.cd_k):
                V_neg[:] = self._sample(self._visible_probs(H, out=V_neg), rng)
                H = self._sample(self._hidden_probs(V_neg, out=H_neg), rng)
            if self.global_flip:
                self._flip(V_neg, H_neg, H, rng)
            self._chain = H
            return
        H = self._sample(H_data, rng)
        for step in range(self.cd_k):
            self._visible_probs(H, out=V_neg)
            if self.cd_k > 1:
                V_neg[:] = self._sample(V_neg, rng)
            self._hidden_probs(V_neg, out=H_neg)
            if step + 1 < self.cd_k:
                H = self._sample(H_neg, rng)

    def _tempered_phase(self, H_data, V_neg, H_neg, rng):
        """Parallel tempering (see n_temperatures): the replicas' visible states persist in
        self._replicas, shape (n_temperatures, chains, n_features), hottest last."""
        W, b, c = self.components_, self.intercept_hidden_, self.intercept_visible_
        betas = np.linspace(1.0, self.min_beta, self.n_temperatures)
        replicas = getattr(self, "_replicas", None)
        if replicas is None or replicas.shape[1] != len(V_neg):
            start = self._sample(self._visible_probs(self._sample(H_data, rng)), rng)
            replicas = self._replicas = np.repeat(start[None], len(betas), axis=0)
            self._swap_parity, self.swap_acceptance_ = 0, np.zeros(len(betas) - 1)
            self._swap_counts = np.zeros(len(betas) - 1)
        A = np.empty((len(betas), len(V_neg), len(b)), np.float64)  # W v + b of each replica after its sweeps
        for k, beta in enumerate(betas):
            V = replicas[k]
            for _ in range(self.cd_k):
                P = np.matmul(V, W.T, out=H_neg)
                P += b
                H = self._sample(expit(beta * P), rng)
                Q = np.matmul(H, W, out=V_neg)
                Q += c
                V = self._sample(expit(beta * Q), rng)
            replicas[k] = V
            A[k] = V @ W.T + b
        cv = replicas.astype(np.float64) @ c.astype(np.float64)

        def free(k, beta):  # F_beta of replica k's states
            return -beta * cv[k] - np.logaddexp(0, beta * A[k]).sum(axis=1)

        for k in range(self._swap_parity, len(betas) - 1, 2):
            log_ratio = free(k, betas[k]) + free(k + 1, betas[k + 1]) - free(k + 1, betas[k]) - free(k, betas[k + 1])
            accepted = np.flatnonzero(np.log(rng.random(len(log_ratio))) < log_ratio)
            for array in (replicas, A, cv):  # chain i's states at betas k and k + 1 trade places
                array[k, accepted], array[k + 1, accepted] = array[k + 1, accepted], array[k, accepted].copy()
            self._swap_counts[k] += 1
            self.swap_acceptance_[k] += (len(accepted) / len(log_ratio) - self.swap_acceptance_[k]) / self._swap_counts[k]
        self._swap_parity ^= 1
        V_neg[:] = replicas[0]
        H_neg[:] = expit(A[0])

    def _flip(self, V, P, H, rng):
        """The global-flip move on the chains' visible states V (see global_flip), in place: an
        accepted row gets 1 - v, P(h | 1 - v) in P and a hidden sample from it in H. With
        a = W v + b, W (1 - v) + b = W 1 + 2 b - a, so the proposal costs one product."""
        W, b, c = (np.asarray(p, np.float64) for p in (self.components_, self.intercept_hidden_, self.intercept_visible_))
        V64 = np.asarray(V, np.float64)
        a = V64 @ W.T + b
        a_flipped = W.sum(axis=1) + 2 * b - a
        log_ratio = (V64 @ c + np.logaddexp(0, a).sum(axis=1)) - ((1 - V64) @ c + np.logaddexp(0, a_flipped).sum(axis=1))
        accepted = np.log(rng.random(len(V))) < -log_ratio  # exp(F(v) - F(1 - v)) = p(1 - v) / p(v)
        if accepted.any():
            V[accepted] = 1 - V[accepted]
            P[accepted] = 1 / (1 + np.exp(-a_flipped[accepted]))
            H[accepted] = self._sample(P[accepted], rng)

    def _epoch(self, X, rng):
        W, b, c = self.components_, self.intercept_hidden_, self.intercept_visible_
        inc_W, inc_b, inc_c = self._increments
        momentum, lr = self._momentum(), self.learning_rate
        penalty = kernels.L1_PROXIMAL if (self.penalty == "l1" and self.proximal) else _PENALTIES[self.penalty]
        order = rng.permutation(len(X))
        n = min(self.batch_size, len(X))
        VV = np.empty((2 * n, X.shape[1]), W.dtype)  # [v_data; v_model]
        HH = np.empty((2 * n, W.shape[0]), W.dtype)  # [h_data; -h_model]
        G = np.empty_like(W)
        for start in range(0, len(X), self.batch_size):
            rows = order[start:start + self.batch_size]
            m = len(rows)
            V, H = VV[: 2 * m], HH[: 2 * m]
            np.take(X, rows, axis=0, out=V[:m])
            self._hidden_probs(V[:m], out=H[:m])
            self._negative_phase(H[:m], V[m:], H[m:], rng)
            np.negative(H[m:], out=H[m:])
            np.matmul(H.T, V, out=G)  # h_data^T v_data - h_model^T v_model, one product
            kernels.update_weights(W, inc_W, G, 1.0 / m, lr, momentum, self.alpha, penalty)
            inc_b *= momentum
            inc_b += (lr / m) * H.sum(axis=0)
            inc_c *= momentum
            inc_c += (lr / m) * (V[:m].sum(axis=0) - V[m:].sum(axis=0))
            b += inc_b
            c += inc_c

    def _record(self, seconds):
        self.n_epochs_ += 1
        if not (np.isfinite(self.components_).all() and np.isfinite(self.intercept_hidden_).all()
                and np.isfinite(self.intercept_visible_).all()):
            raise TrainingDivergedError(
                f"training diverged at epoch {self.n_epochs_}: the weights are no longer finite; "
                f"try a smaller learning_rate (now {self.learning_rate})")
        entry = {"epoch": self.n_epochs_}
        if self._monitor is not None:
            V = self._monitor
            recon = self._visible_probs(self._sample(self._hidden_probs(V), np.random.default_rng(self.n_epochs_)))
            entry["reconstruction_error"] = float(np.mean((V - recon) ** 2))
            entry["pseudo_likelihood"] = float(self.score_samples(V).mean())
        entry |= {"sparsity": float(np.mean(np.abs(self.components_) < 1e-3)), "seconds": seconds}
        self.history_.append(entry)
        if self.verbose:
            print(f"[{type(self).__name__}] epoch {self.n_epochs_}: "
                  + ", ".join(f"{key.replace('_', ' ')} {value:.4g}" for key, value in entry.items() if key != "epoch"))

    def _train(self, X, n_epochs, progress):
        from tqdm.auto import trange

        for _ in trange(n_epochs, disable=not progress, desc=f"RBM {X.shape[1]}->{self.n_components}",
                        unit="epoch", leave=False):
            start = time.perf_counter()
            self._epoch(X, self.random_state_)
            self._record(time.perf_counter() - start)

    def _check_chains(self):
        if self.global_flip and not self.persistent:
            raise ValueError("global_flip=True needs persistent chains: set persistent=True "
                             f"(got persistent={self.persistent!r})")
        if self.n_temperatures > 1 and not self.persistent:
            raise ValueError(f"n_temperatures={self.n_temperatures} needs persistent chains: set persistent=True "
                             f"(got persistent={self.persistent!r})")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, progress=False):
        """Train for n_iter epochs from a fresh initialisation; progress shows a bar."""
        self._check_chains()
        X = self._validate_X(X, reset=True)
        self._initialise(X, self._generator(self.random_state))
        self._train(X, self.n_iter, progress)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One epoch over X (initialising on the first call)."""
        self._check_chains()
        first = not hasattr(self, "components_")
        X = self._validate_X(X, reset=first)
        if first:
            self._initialise(X, self._generator(self.random_state))
        self._train(X, 1, False)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = [self.dtype]
        return tags
