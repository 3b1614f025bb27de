"""The results store: naming, bit-packing, checksums, atomic writes, no recomputation."""

import json
import subprocess
import sys

import numpy as np
import pytest

from deeprg.store import CorruptArtifactError, Store, artifact_name


def spins(n=50, L=12, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, L, L))


def test_roundtrip_packs_spins_and_keeps_other_arrays(tmp_store):
    s, w = spins(), np.arange(6, dtype=np.float32).reshape(2, 3)
    path = tmp_store.save("x", {"configs": s, "weights": w}, {"a": 1}, {"tau": 0.5})
    arrays, sidecar = tmp_store.load("x")
    np.testing.assert_array_equal(arrays["configs"], s)
    assert arrays["configs"].dtype == np.int8
    np.testing.assert_array_equal(arrays["weights"], w)
    assert arrays["weights"].dtype == np.float32
    assert sidecar["config"] == {"a": 1} and sidecar["info"] == {"tau": 0.5}
    assert {"deeprg", "numpy", "numba", "scikit-learn"} <= set(sidecar["versions"])
    assert path.stat().st_size < s.size / 8 + 2000  # about one bit per spin
    assert not list(tmp_store.root.glob(".*tmp"))  # no temporary files left behind


def test_name_is_readable_and_hashes_the_full_config():
    a = artifact_name("ising", {"L": 40, "T": 2.451, "seed": 0}, "L40")
    b = artifact_name("ising", {"L": 40, "T": 2.451, "seed": 1}, "L40")
    assert a.startswith("ising-L40-") and a != b
    assert a == artifact_name("ising", {"seed": 0, "T": 2.451, "L": 40}, "L40")


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "drop_sidecar", "bad_json", "drop_data"])
def test_damaged_artifacts_are_detected_never_used_nor_overwritten(tmp_store, damage):
    def compute():
        return {"configs": spins()}, {}

    tmp_store.cached("k", {"a": 1}, compute)
    name = artifact_name("k", {"a": 1})
    data, meta = tmp_store.paths(name)
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif damage == "flip_byte":
        raw = bytearray(data.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        data.write_bytes(bytes(raw))
    elif damage == "drop_sidecar":
        meta.unlink()
    elif damage == "bad_json":
        meta.write_text(meta.read_text()[:20])
    else:
        data.unlink()
    left = {p: p.read_bytes() for p in tmp_store.root.iterdir()}
    with pytest.raises(CorruptArtifactError, match="delete|truncated"):
        tmp_store.load(name)
    with pytest.raises(CorruptArtifactError):
        tmp_store.cached("k", {"a": 1}, compute)
    assert {p: p.read_bytes() for p in tmp_store.root.iterdir()} == left


def test_cached_computes_once(tmp_store):
    calls = []

    def compute():
        calls.append(1)
        return {"configs": spins()}, {"note": "first"}

    first, _ = tmp_store.cached("ising", {"L": 12}, compute, "L12")
    second, sidecar = tmp_store.cached("ising", {"L": 12}, compute, "L12")
    assert len(calls) == 1 and sidecar["info"] == {"note": "first"}
    np.testing.assert_array_equal(first["configs"], second["configs"])


def test_save_refuses_to_overwrite(tmp_store):
    tmp_store.save("x", {"configs": spins()}, {})
    with pytest.raises(FileExistsError, match="already exists"):
        tmp_store.save("x", {"configs": spins(seed=1)}, {})


def test_failed_write_leaves_nothing(tmp_store):
    class Boom:
        def __array__(self, *a, **k):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="^boom$") as err:
        tmp_store.save("x", {"bad": np.array([1.0]), "worse": Boom()}, {})
    assert type(err.value) is RuntimeError  # the array's own error passed through, not a store error
    assert not tmp_store.exists("x") and not list(tmp_store.root.glob("*"))


def test_cli_sample_writes_then_finds(tmp_store):
    cmd = [sys.executable, "-m", "deeprg.cli", "sample", "--L", "8", "--T", "3.0", "--n", "20", "--seed", "4"]
    out1 = subprocess.run(cmd, capture_output=True, text=True, check=True)
    files = sorted(p.name for p in tmp_store.root.iterdir())
    assert len(files) == 2 and files[0].startswith("ising-L8-T3.0000-n20-wolff-seed4-")
    meta = json.loads((tmp_store.root / files[0]).read_text())
    assert meta["info"]["thin_sweeps"] >= 1 and "tau_energy" in meta["info"]
    out2 = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert out1.stdout == out2.stdout and sorted(p.name for p in tmp_store.root.iterdir()) == files
    assert "20/20" in out1.stderr  # the progress bar


def test_committed_paper_data_set_is_valid():
    """data/ holds the paper's 20,000 samples at T = 2.451; they load, verify and match exact results."""
    from deeprg import exact, experiments, ising

    data = experiments.ising_samples(store=Store(), progress=False)
    assert data.configs.shape == (20_000, 40, 40)
    th = ising.thermodynamics(data.configs, experiments.PAPER_T)
    for key, value in [("energy", exact.energy_per_spin(40, 2.451)),
                       ("specific_heat", exact.specific_heat_per_spin(40, 2.451))]:
        assert abs(th[key][0] - value) < 4 * th[key][1], (key, th[key], value)


def test_object_arrays_are_refused_before_writing(tmp_store):
    with pytest.raises(ValueError, match="dtype object"):
        tmp_store.save("x", {"names": np.array(["a", None], dtype=object)}, {})
    assert not tmp_store.exists("x")


def test_cli_train_and_sweep_find_the_committed_results():
    """`deeprg train` and `deeprg sweep` load what data/ holds instead of retraining."""
    train = subprocess.run([sys.executable, "-m", "deeprg.cli", "train", "--penalty", "l1"],
                           capture_output=True, text=True, check=True, timeout=120)
    assert train.stdout.startswith("dbn-deeprg-400-100-25-l1-seed0-")
    sweep = subprocess.run([sys.executable, "-m", "deeprg.cli", "sweep"],
                           capture_output=True, text=True, check=True, timeout=120)
    assert "locality" in sweep.stdout and "l1" in sweep.stdout
    by_temperature = subprocess.run([sys.executable, "-m", "deeprg.cli", "sweep", "--temperature"],
                                    capture_output=True, text=True, check=True, timeout=120)
    assert "2.269185" in by_temperature.stdout and "3.000000" in by_temperature.stdout
