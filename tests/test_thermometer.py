"""The neural-network thermometer reads equilibrium samples in the right order."""

import numpy as np

from deeprg import ising
from deeprg.thermometer import Thermometer


def test_thermometer_orders_temperatures():
    temperatures = (1.0, 2.0, 3.0, 4.0)
    reader = Thermometer(8, temperatures, n_per_T=300, seed=0)
    readings = [reader.temperature(ising.sample(8, T, 200, seed=7)).mean() for T in temperatures]
    assert np.all(np.diff(readings) > 0)
    assert min(temperatures) <= min(readings) and max(readings) <= max(temperatures)
