"""deeprg.exact: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import types

import pytest

from deeprg import exact


def test_a_bad_number_of_rows_is_refused_by_its_own_name():
    """m is checked as m (an integer >= 2), not as L: the message names the parameter given."""
    with pytest.raises(ValueError, match=r"^m must be an integer >= 2, got 1$"):
        exact.log_partition(4, 2.0, m=1)


@pytest.mark.parametrize("m, n", [(3, 7), (1, 21), (21, 1)])
def test_enumeration_refuses_more_than_20_sites_before_enumerating(m, n, monkeypatch):
    """The limit is on the number of sites m n, whatever the aspect ratio: 3 x 7 = 21 is refused
    before a single configuration is built (2^21 of them would be)."""
    def product(*args, **kwargs):
        raise AssertionError("enumerated past the limit")

    monkeypatch.setattr(exact, "itertools", types.SimpleNamespace(product=product))
    with pytest.raises(ValueError, match=r"m\*n must be <= 20 for enumeration, got 21"):
        exact.all_configurations(m, n)


def test_clipping_an_energy_at_either_end_of_the_range_gives_that_end():
    """u equal to the energy at an end of T_range is outside the open interval: with clip=True it
    gives that end (without, an error)."""
    L, T_range = 4, (0.5, 50.0)
    lo, hi = (exact.energy_per_spin(L, t) for t in T_range)
    assert exact.temperature_from_energy(L, hi, T_range, clip=True) == 50.0
    assert exact.temperature_from_energy(L, lo, T_range, clip=True) == 0.5
    with pytest.raises(ValueError, match="u must lie in"):
        exact.temperature_from_energy(L, hi, T_range)
