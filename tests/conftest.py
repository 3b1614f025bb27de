import os

import pytest



@pytest.fixture
def tmp_store(tmp_path, monkeypatch):
    """A Store in a temporary folder, also set as DEEPRG_DATA for code that builds its own."""
    from deeprg.store import Store

    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path))
    return Store(tmp_path)
