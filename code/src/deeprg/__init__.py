"""deeprg: a replication of Mehta & Schwab (2014), variational RG and deep learning."""

__version__ = "0.1.0"
