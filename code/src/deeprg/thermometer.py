"""A neural-network thermometer (Iso, Shiba & Yokoo 2018; Veiga & Vicente 2020): a classifier
trained on labelled equilibrium configurations, read as a temperature.

The temperature of a configuration is the expectation of T under the classifier's
probabilities over the training temperatures; of a set of configurations, the mean of that."""

from __future__ import annotations

import numpy as np

from . import ising

THERMOMETER = {"hidden_layer_sizes": [64], "max_iter": 300}  # scikit-learn MLPClassifier, ReLU, Adam


class Thermometer:
    """Fit on n_per_T samples of the L x L torus at each temperature (scikit-learn's
    MLPClassifier with THERMOMETER's settings); `temperature` reads it."""

    def __init__(self, L: int, temperatures, n_per_T: int = 1000, seed: int = 0):
        from sklearn.neural_network import MLPClassifier

        self.temperatures = np.asarray(temperatures, float)
        configs = np.concatenate([ising.sample(L, T, n_per_T, seed=seed) for T in self.temperatures])
        labels = np.repeat(np.arange(len(self.temperatures)), n_per_T)
        self.classifier = MLPClassifier(**THERMOMETER, random_state=seed).fit(configs.reshape(len(configs), -1), labels)

    def temperature(self, configs) -> np.ndarray:
        """Per configuration, sum_T T P(T | s) under the classifier."""
        p = self.classifier.predict_proba(np.reshape(configs, (len(configs), -1)))
        return p @ self.temperatures[self.classifier.classes_]
