"""deeprg.store: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from deeprg import store
from deeprg.store import Store, artifact_name


def test_default_root_is_deeprg_data_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path))
    assert store.default_root() == tmp_path


def test_default_root_is_the_repositorys_data_else_the_working_directorys(monkeypatch, tmp_path):
    """data/ beside _quarto.yml three folders above the package's store.py (code/src/deeprg/)."""
    monkeypatch.delenv("DEEPRG_DATA", raising=False)
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "code/src/deeprg").mkdir(parents=True)
    (repo / "_quarto.yml").write_text("")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(store, "__file__", str(repo / "code/src/deeprg/store.py"))
    assert store.default_root() == repo / "data"
    (repo / "_quarto.yml").unlink()
    assert store.default_root() == elsewhere / "data"


def test_artifact_name_is_kind_label_and_ten_hex_digits_of_the_config_with_its_kind():
    config = {"L": 8, "T": 2.5}
    canonical = json.dumps({"kind": "ising", **config}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    assert artifact_name("ising", config, "L8") == f"ising-L8-{digest}"
    assert artifact_name("ising", config) == f"ising-{digest}"
    assert store.canonical({"b": Path("x/y"), "a": [1, 2]}) == '{"a":[1,2],"b":"x/y"}'  # str() of the rest


def test_sidecar_fields(tmp_store):
    before = datetime.now().astimezone()
    data = tmp_store.save("x", {"w": np.zeros(3)}, {"a": 1}, {"path": Path("p"), "n": np.int64(3)})
    sidecar = json.loads(tmp_store.paths("x")[1].read_text())
    assert sidecar["file"] == data.name == "x.npz"
    assert sidecar["info"] == {"path": "p", "n": "3"}  # what json cannot write is written as str()
    assert {"deeprg", "numpy", "numba", "scikit-learn", "python"} == set(sidecar["versions"])
    created = datetime.fromisoformat(sidecar["created"])
    assert created.utcoffset() == timedelta(0)  # UTC, with its offset
    assert abs(created - before) < timedelta(minutes=5)


def test_files_are_written_world_readable_through_hidden_temporaries_in_the_same_folder(tmp_store, monkeypatch):
    """The sidecar is linked into place first (claiming the name), the .npz renamed last (the
    commit); both from hidden temporaries beside them, none left behind."""
    moves = []
    replace, link = os.replace, os.link

    def recording(kind, real):
        def move(src, dst):
            assert not tmp_store.paths("x")[0].exists()  # the .npz is always the last to appear
            moves.append((kind, Path(src), Path(dst)))
            return real(src, dst)
        return move

    monkeypatch.setattr(store.os, "replace", recording("replace", replace))
    monkeypatch.setattr(store.os, "link", recording("link", link))
    data = tmp_store.save("x", {"w": np.zeros(3)}, {})
    assert [(kind, dst.name) for kind, _, dst in moves] == [("link", "x.json"), ("replace", "x.npz")]
    for _, src, dst in moves:
        assert src.parent == dst.parent and src.name.startswith("." + dst.name) and src.name.endswith(".tmp")
        assert dst.stat().st_mode & 0o777 == 0o644
    assert data == moves[1][2]
    assert sorted(p.name for p in tmp_store.folder("x").iterdir()) == ["x.json", "x.npz"]


def test_save_creates_missing_parent_folders(tmp_path):
    s = Store(tmp_path / "a" / "b")
    s.save("x", {"w": np.zeros(1)}, {})
    assert s.exists("x")


def test_only_int8_plus_minus_one_arrays_are_bit_packed_and_all_round_trip(tmp_store):
    rng = np.random.default_rng(0)
    arrays = {
        "s": rng.choice(np.array([-1, 1], np.int8), size=(3, 5)),  # 15 spins: not a whole number of bytes
        "one": np.array([1], np.int8),
        "f": rng.choice([-1.0, 1.0], size=4),  # float +-1: kept as it is
        "i": np.array([0, 1, 2], np.int8),  # int8 but not spins
    }
    tmp_store.save("x", arrays, {})
    with np.load(tmp_store.paths("x")[0]) as npz:
        assert sorted(npz.files) == ["f", "i", "one__spins", "one__spins_shape", "s__spins", "s__spins_shape"]
    loaded, _ = tmp_store.load("x")
    assert sorted(loaded) == sorted(arrays)
    for key, a in arrays.items():
        assert loaded[key].dtype == a.dtype, key
        np.testing.assert_array_equal(loaded[key], a)


def test_cached_stores_under_the_label_and_keeps_the_config(tmp_store):
    arrays, sidecar = tmp_store.cached("k", {"a": 1}, lambda: ({"w": np.ones(2)}, {}), label="lbl")
    assert tmp_store.exists(artifact_name("k", {"a": 1}, "lbl"))
    assert sidecar["config"] == {"a": 1}
