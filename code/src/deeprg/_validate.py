"""Argument checks shared by the package: each raises ValueError naming the parameter and value."""

from __future__ import annotations

import numbers

import numpy as np


def check_size(value, name: str = "L", minimum: int = 2) -> int:
    """An integer >= minimum (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_temperature(value, name: str = "T") -> float:
    """A finite float > 0."""
    return check_positive(value, name)


def check_positive(value, name: str) -> float:
    """A finite float > 0."""
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if not np.isfinite(t) or t <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return t


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_spins(configs, name: str = "configs") -> np.ndarray:
    """An array of +-1 spins with at least 2 dimensions, returned as int8."""
    a = np.asarray(configs)
    if a.ndim < 2 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty array of shape (..., L, L), got shape {a.shape}")
    ok = (a == 1) | (a == -1)
    if not ok.all():
        bad = a[~ok].ravel()[0].item()
        raise ValueError(f"{name} must contain only +-1 spins, found {bad!r}")
    return a.astype(np.int8, copy=False)
