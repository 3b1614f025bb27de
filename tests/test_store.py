"""The results store: naming, bit-packing, checksums, atomic writes, no recomputation."""

import errno
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from deeprg import store as store_module
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
    assert not list(tmp_store.root.rglob(".*tmp"))  # no temporary files left behind


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
    left = {p: p.read_bytes() for p in tmp_store.root.rglob("*") if p.is_file()}
    with pytest.raises(CorruptArtifactError, match="delete|truncated"):
        tmp_store.load(name)
    with pytest.raises(CorruptArtifactError):
        tmp_store.cached("k", {"a": 1}, compute)
    assert {p: p.read_bytes() for p in tmp_store.root.rglob("*") if p.is_file()} == left


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
    assert not tmp_store.exists("x") and not [p for p in tmp_store.root.rglob("*") if p.is_file()]


def test_cli_sample_writes_then_finds(tmp_store):
    cmd = [sys.executable, "-m", "deeprg.cli", "sample", "--L", "8", "--T", "3.0", "--n", "20", "--seed", "4"]
    out1 = subprocess.run(cmd, capture_output=True, text=True, check=True)
    files = sorted(p.relative_to(tmp_store.root).as_posix() for p in tmp_store.root.rglob("*") if p.is_file())
    assert len(files) == 2 and files[0].startswith("ising/ising-L8-T3.0000-n20-wolff-seed4-")  # in its family's folder
    meta = json.loads((tmp_store.root / files[0]).read_text())
    assert meta["info"]["thin_sweeps"] >= 1 and "tau_energy" in meta["info"]
    out2 = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert out1.stdout == out2.stdout
    assert sorted(p.relative_to(tmp_store.root).as_posix() for p in tmp_store.root.rglob("*") if p.is_file()) == files
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


# ----------------------------------------------------------------------------- concurrent writers and readers
RACER = r"""
import json, sys, time
from pathlib import Path
import numpy as np
from deeprg.store import Store, artifact_name

root, role, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = Store(root)
store.save(f"ready-{role}", {}, {})  # imports done (numba's too, for the sidecar's versions)
while not (root / "go").exists():
    time.sleep(0.001)
seen = {}
if role == "reader":  # load every artifact as soon as either of its files shows
    while len(seen) < n:
        for i in range(n):
            name = artifact_name("race", {"i": i})
            if i not in seen and store.exists(name):
                arrays, sidecar = store.load(name)
                seen[i] = [float(arrays["w"][0]), sidecar["info"]["writer"]]
else:  # store every artifact, each writer with its own content
    writer = int(role)
    rng = np.random.default_rng(writer)

    def compute():
        time.sleep(rng.uniform(0, 0.002))
        w = np.full(5000, float(writer)) + rng.normal(0, 1e-3, 5000) * (np.arange(5000) > 0)  # w[0]: the writer
        return {"w": w}, {"writer": writer}

    for i in range(n):
        arrays, sidecar = store.cached("race", {"i": i}, compute)
        seen[i] = [float(arrays["w"][0]), sidecar["info"]["writer"]]
print(json.dumps(seen))
"""


def test_racing_processes_never_see_a_half_written_artifact(tmp_path):
    """Two processes store the same 100 artifacts at the same moments (each its own content)
    while a third loads each one as soon as either of its files appears: nobody meets a
    CorruptArtifactError, every process gets the same winner's arrays with that winner's
    sidecar, and no temporary is left. (The store of before, .npz then sidecar and either file
    counting as present, fails this within the first few artifacts.)"""
    n = 100
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path), role, str(n)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=os.environ | {"OPENBLAS_NUM_THREADS": "1"})
             for role in ("0", "1", "reader")]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.rglob("ready-*.npz"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.01)  # all at the start line
    (tmp_path / "go").touch()
    start = time.monotonic()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        results.append({int(i): tuple(v) for i, v in json.loads(out).items()})
    print(f"raced in {time.monotonic() - start:.1f} s")
    assert results[0] == results[1] == results[2] and len(results[0]) == n
    assert all(value == writer for value, writer in results[0].values())  # arrays and sidecar of one writer
    assert {writer for _, writer in results[0].values()} <= {0, 1}
    store = Store(tmp_path)
    for i in range(n):
        arrays, sidecar = store.load(artifact_name("race", {"i": i}))
        assert arrays["w"][0] == sidecar["info"]["writer"] == results[0][i][1]
    assert not [p.name for p in tmp_path.rglob(".*")]  # no temporaries left, in any folder


def test_the_loser_of_a_race_to_store_keeps_nothing_and_loads_the_winners(tmp_store, monkeypatch):
    """A writer that finds the sidecar claimed while it stored its own gets FileExistsError
    from save, leaves none of its files, and cached() returns the winner's artifact."""
    name = artifact_name("k", {"a": 1})
    link = os.link

    def winner_first(src, dst):  # the other process claims the name just before we do
        monkeypatch.setattr(store_module.os, "link", link)
        Store(tmp_store.root).save(name, {"w": np.zeros(3)}, {"a": 1}, {"who": "winner"})
        return link(src, dst)

    monkeypatch.setattr(store_module.os, "link", winner_first)
    with monkeypatch.context() as both_saw_it_missing:
        both_saw_it_missing.setattr(Store, "exists", lambda self, n: False)
        with pytest.raises(FileExistsError, match="stored by another process"):
            tmp_store.save(name, {"w": np.ones(3)}, {"a": 1}, {"who": "loser"})
    assert sorted(p.name for p in tmp_store.folder(name).iterdir()) == [f"{name}.json", f"{name}.npz"]
    arrays, sidecar = tmp_store.cached("k", {"a": 1}, lambda: ({"w": np.ones(3)}, {"who": "loser"}))
    assert sidecar["info"] == {"who": "winner"} and (arrays["w"] == 0).all()


def test_a_reader_waits_for_the_npz_of_a_write_in_progress(tmp_store):
    """Sidecar there, .npz still a writer's temporary: load waits for the rename rather than
    calling the artifact damaged."""
    tmp_store.save("x", {"w": np.arange(3.0)}, {})
    data, _ = tmp_store.paths("x")
    staged = data.with_name(".x.npz.abc.tmp")
    data.rename(staged)
    renamer = threading.Timer(0.5, lambda: staged.rename(data))
    renamer.start()
    start = time.monotonic()
    arrays, _ = tmp_store.load("x")
    renamer.join()
    assert 0.4 < time.monotonic() - start < 5 and (arrays["w"] == np.arange(3.0)).all()


def test_latency_wait_finds_a_file_that_shows_late_and_no_wait_reports_it_at_once(tmp_path, monkeypatch):
    data = Store(tmp_path).save("x", {"w": np.arange(3.0)}, {})
    hidden = tmp_path / "elsewhere"
    data.rename(hidden)
    start = time.monotonic()
    with pytest.raises(CorruptArtifactError, match="missing but its sidecar exists"):
        Store(tmp_path).load("x")  # no temporary, no latency wait: damaged, said at once
    assert time.monotonic() - start < 1
    monkeypatch.setenv("DEEPRG_LATENCY_WAIT", "5")
    timer = threading.Timer(0.3, lambda: hidden.rename(data))  # another node's write shows late
    timer.start()
    arrays, _ = Store(tmp_path).load("x")
    timer.join()
    assert (arrays["w"] == np.arange(3.0)).all()


def test_an_interrupted_save_withdraws_its_sidecar(tmp_store, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tmp_store.save("x", {"w": np.zeros(3)}, {})
    assert not [p for p in tmp_store.root.rglob("*") if p.is_file()] and not tmp_store.exists("x")


@pytest.mark.parametrize("link", ["unsupported", "eexist_after_success"])
def test_file_systems_without_hard_links_and_nfs_retransmitted_links(tmp_store, monkeypatch, link):
    """No hard links (EPERM): the sidecar is renamed into place after a check. A link that
    succeeded but answers EEXIST (an NFS retransmission) counts as the success it was."""
    real = os.link

    def fake(src, dst):
        if link == "unsupported":
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real(src, dst)
        raise FileExistsError(errno.EEXIST, "File exists")

    monkeypatch.setattr(store_module.os, "link", fake)
    tmp_store.save("x", {"w": np.arange(4.0)}, {"a": 1})
    arrays, sidecar = tmp_store.load("x")
    assert (arrays["w"] == np.arange(4.0)).all() and sidecar["config"] == {"a": 1}
    assert sorted(p.name for p in tmp_store.folder("x").iterdir()) == ["x.json", "x.npz"]
    with pytest.raises(FileExistsError):
        tmp_store.save("x", {"w": np.zeros(1)}, {})


def test_under_probe_nothing_is_computed_or_written(tmp_store):
    """store.PROBE (deeprg.cluster's check of what a call would compute): a stored artifact
    loads, a missing one raises MissingArtifact before compute() runs, save writes nothing."""
    from deeprg.store import PROBE, MissingArtifact

    tmp_store.cached("k", {"a": 1}, lambda: ({"w": np.ones(2)}, {}))
    token = PROBE.set(True)
    try:
        arrays, _ = tmp_store.cached("k", {"a": 1}, lambda: pytest.fail("computed"))
        assert (arrays["w"] == 1).all()
        with pytest.raises(MissingArtifact, match=artifact_name("k", {"a": 2})):
            tmp_store.cached("k", {"a": 2}, lambda: pytest.fail("computed"))
        with pytest.raises(MissingArtifact):
            tmp_store.save("x", {"w": np.zeros(1)}, {})
    finally:
        PROBE.reset(token)
    assert sorted(p for p in tmp_store.root.rglob("*") if p.is_file()) == sorted(tmp_store.paths(
        artifact_name("k", {"a": 1})))


def test_an_artifact_lives_in_its_familys_folder_and_an_old_flat_one_is_still_found(tmp_store):
    tmp_store.save("sweep-a-1", {"w": np.ones(2)}, {"a": 1})
    assert sorted(p.relative_to(tmp_store.root).as_posix() for p in tmp_store.root.rglob("*")) == [
        "sweep", "sweep/sweep-a-1.json", "sweep/sweep-a-1.npz"]
    flat = Store(tmp_store.root / "old")
    flat.save("ising-b-2", {"w": np.zeros(2)}, {"b": 2})
    for path in flat.paths("ising-b-2"):  # a store written before the folders: files at its top
        path.rename(flat.root / path.name)
    (flat.root / "ising").rmdir()
    assert flat.exists("ising-b-2") and flat.paths("ising-b-2")[0].parent == flat.root
    arrays, sidecar = flat.load("ising-b-2")
    assert (arrays["w"] == 0).all() and sidecar["config"] == {"b": 2}


def test_the_data_index_names_every_family_folder_and_is_current():
    """data/README.md is what index_markdown writes, and every folder of data/ (but the
    git-ignored checkpoints) is a family it describes."""
    root = store_module.default_root()
    folders = {p.name for p in root.iterdir() if p.is_dir()} - {"checkpoints"}
    assert folders <= set(store_module.FAMILIES), folders - set(store_module.FAMILIES)
    assert (root / "README.md").read_text() == store_module.index_markdown()
    assert (root / store_module.INDEX).read_text() == store_module.index_csv(), "run python -m deeprg.store"


def test_the_artifact_index_lists_each_artifact_with_its_size_maker_and_readers(tmp_path):
    """index_rows: one row per artifact (checkpoints excepted) with the bytes of its two files,
    its family's function and the chapters that readers.json says load it."""
    store = Store(tmp_path)
    store.save("ising-a-1", {"w": np.zeros(3)}, {"a": 1})
    store.save("sweep-b-2", {"w": np.ones(2)}, {"b": 2})
    Store(tmp_path / "checkpoints").save("trajectory-c-3", {"w": np.zeros(1)}, {"c": 3})
    (tmp_path / store_module.READERS).write_text(json.dumps({"report/x.qmd": ["ising-a-1"], "index.qmd": ["ising-a-1"]}))
    rows = {row["artifact"]: row for row in store_module.index_rows(tmp_path)}
    assert set(rows) == {"ising-a-1", "sweep-b-2"}
    data, meta = store.paths("ising-a-1")
    assert rows["ising-a-1"]["bytes"] == data.stat().st_size + meta.stat().st_size
    assert rows["ising-a-1"]["made by"] == "experiments.ising_samples"
    assert rows["ising-a-1"]["read by"] == "index.qmd report/x.qmd" and rows["sweep-b-2"]["read by"] == ""
    assert store_module.index_csv(tmp_path).splitlines()[0] == "artifact,folder,bytes,made by,read by"


def test_load_records_what_it_reads_where_the_read_log_is_set(tmp_path, monkeypatch):
    """With DEEPRG_READ_LOG set, every load appends the artifact's name to that file (how
    verify --readers learns which chapter reads what); without it nothing is written."""
    store = Store(tmp_path / "data")
    store.save("ising-a-1", {"w": np.zeros(3)}, {"a": 1})
    store.load("ising-a-1")
    log = tmp_path / "read.log"
    assert not log.exists()
    monkeypatch.setenv(store_module.READ_LOG, str(log))
    store.load("ising-a-1")
    store.load("ising-a-1")
    assert log.read_text().split() == ["ising-a-1", "ising-a-1"]
