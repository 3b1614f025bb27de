"""`deeprg reproduce --scheduler` (deeprg.cluster): the --scheduler values, the task graph of the
tiny run, and real distributed.LocalClusters of 2 worker processes that must store the same
artifacts, bit for bit, as the serial path."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deeprg import cli, cluster, converge, experiments, sweep
from deeprg.store import Store

PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ----------------------------------------------------------------------------- --scheduler values
@pytest.mark.parametrize("value, spec", [
    ("local:1", ("local", 1)), ("local:16", ("local", 16)),
    ("tcp://10.0.0.5:8786", ("address", "tcp://10.0.0.5:8786")), ("node042:8786", ("address", "node042:8786")),
    ("tls://sched.example.org:8786", ("address", "tls://sched.example.org:8786")),
    ("tcp://[::1]:8786", ("address", "tcp://[::1]:8786"))])
def test_scheduler_values(value, spec):
    assert cluster.scheduler_spec(value) == spec


def test_a_scheduler_file(tmp_path):
    path = tmp_path / "scheduler.json"
    path.write_text("{}")
    assert cluster.scheduler_spec(str(path)) == ("file", str(path))


@pytest.mark.parametrize("value", ["local", "local:0", "local:-2", "local:two", "local:1.5", "local:\u00b2",
                                   "somewhere", "tcp://host", "host:0", "host:99999", "http://host:8786",
                                   "missing.json", "tcp://host:8786 extra"])
def test_bad_scheduler_values_are_a_usage_error_in_one_line(value, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["reproduce", "--tiny", "--scheduler", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("usage: deeprg reproduce")
    assert err.splitlines()[-1].startswith("deeprg reproduce: error: argument --scheduler:")
    assert not list(tmp_path.iterdir())  # nothing computed


def test_an_unreachable_scheduler_is_a_usage_error_too(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path))
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["reproduce", "--tiny", "--scheduler", "tcp://127.0.0.1:9"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("deeprg reproduce: error: cannot reach a Dask scheduler at "
                                           "tcp://127.0.0.1:9")
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".npz", ".json")]


# ----------------------------------------------------------------------------- the graph
class _Future:
    status = "pending"

    def __init__(self, key):
        self.key = key


class _Client:
    """Records what a Graph submits, in order."""

    def __init__(self):
        self.submitted = []

    def submit(self, func, env, call, *after, key, priority, pure):
        pickle.dumps((func, env, call))  # what a worker receives must pickle (by reference: package functions)
        self.submitted.append((key, call, [a.key for a in after], priority))
        return _Future(key)


def test_the_tiny_run_is_a_graph_of_units_with_their_dependencies(tmp_store):
    """Planned without running (an empty store): data sets first, each sweep point after the
    data set and held-out samples it trains on, the penalty DBNs split per network, the tables
    per network and seed after the network when it is a unit, the runs to the stopping rule
    after their data; no unit twice, each sweep point once even when several sweeps share it."""
    client = _Client()
    graph = cluster.Graph(client, tmp_store, progress=False)
    for label, step in cli._steps(tiny=True):
        graph.add_step(label, step)
    keys = [key for key, *_ in client.submitted]
    assert len(keys) == len(set(keys)) == len(graph.futures)
    position = {key: i for i, key in enumerate(keys)}
    ours = {f"{k}-{graph.token}": k for k in graph.futures}
    for key, call, after, priority in client.submitted:  # dependencies are submitted before their dependents
        assert all(position[a] < position[key] for a in after), graph.labels[ours[key]]
        stage = cluster._stage(call)
        assert priority == (cluster.LONG_PRIORITY if call.func is converge.train else cluster.PRIORITY[stage])
    counts = graph.counts()
    funcs = [call.func for _, call, _, _ in client.submitted]

    data = [c for c in funcs if c in (experiments.ising_samples, experiments.held_out_samples)]
    assert counts["data"] == len(data)
    assert all(not after for _, call, after, _ in client.submitted if call.func in data)
    # the tiny data sets: 9 temperatures of the fine grid (2 of them those of the other sweeps too)
    # at 20,000 samples, the paper's at 40,000 (Appendix A), and held-out samples at each of the 9
    assert counts["data"] == 9 + 1 + 9

    assert funcs.count(experiments.trained_dbn) == 3  # penalty_dbns: one unit per network
    tables = [(call, after) for _, call, after, _ in client.submitted if call.func is experiments.network_tables]
    assert len(tables) == 4 * len(cli.TINY["seeds"])  # L1, L2, none and the control, each seed
    dbns = {ours[k] for k, call, *_ in client.submitted if call.func is experiments.trained_dbn}
    for call, after in tables:
        wanted = {ours[a] for a in after} & dbns
        assert len(wanted) == (1 if call.kwargs["seed"] == 0 and "alpha" not in call.kwargs else 0), call

    points = [(call, after) for _, call, after, _ in client.submitted if call.func is sweep._cached]
    names = {call.args[1] + call.args[3] for call, _ in points}
    assert len(names) == len(points)  # shared points (the penalty sweep's at the paper's T) once
    for call, after in points:
        store, kind, config, label, compute, *args = call.args
        T, n_samples, L = sweep._job_data(config, *args)
        assert store.root == tmp_store.root and L == cli.TINY["L"]
        needed = {graph.calls[ours[a]].func.__name__: graph.calls[ours[a]].arguments() for a in after}
        assert needed["ising_samples"]["T"] == T and needed["ising_samples"]["n_samples"] == n_samples
        assert needed["held_out_samples"]["T"] == T
    assert {call.args[1] for call, _ in points} == {"sweep", "ordered", "epochs", "aischeck", "permuted", "sandwich",
                                                   "scale"}
    assert counts["checks"] == sum(call.args[1] in cluster.CHECK_KINDS for call, _ in points)

    runs = [(call, after) for _, call, after, _ in client.submitted if call.func is converge.train]
    assert sorted(call.kwargs["T"] for call, _ in runs) == sorted(converge.TEMPERATURES)
    for call, after in runs:
        assert {graph.calls[ours[a]].arguments()["T"] for a in after} == {call.kwargs["T"]}
    # sweeps wait for their points, to be planned again (and assembled) when those are done
    sweeps = [c for _, s in cli._steps(tiny=True) for c in s.calls if c.func.__module__ == sweep.__name__]
    assert len(graph.waiting) == len(sweeps)


def test_a_planned_sweep_with_every_point_stored_runs_through_in_the_planner(tmp_store, monkeypatch):
    """Resumed: a sweep whose points are all stored submits nothing and is not waited for."""
    loaded = []
    monkeypatch.setattr(Store, "exists", lambda self, name: True)
    monkeypatch.setattr(Store, "load", lambda self, name: loaded.append(name)
                        or ({"locality_per_epoch": np.ones(1)}, {"info": {"locality": 0.5}}))
    graph = cluster.Graph(_Client(), tmp_store, progress=False)
    graph.add_step("penalty sweep", cluster.Step(cluster.Call(sweep.penalty_sweep, L=8, n_hidden=4, n_iter=1,
                                                              seeds=(0,))))
    assert len(loaded) == 1 + 2 * 4 + 1  # none, L1 and L2 at each alpha, L1 at the paper's: the table was made
    assert not graph.futures and not graph.waiting


# ----------------------------------------------------------------------------- real local clusters
def test_workers_where_a_nanny_fixed_mallocs_thresholds_get_glibcs_own_back(monkeypatch):
    calls = []

    class Libc:
        def mallopt(self, parameter, value):
            calls.append((parameter, value))
            return 1

    monkeypatch.setattr(cluster.ctypes, "CDLL", lambda name: Libc())
    monkeypatch.setattr(cluster, "_MALLOC_SET", [])
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    cluster._malloc_as_glibc()
    assert not calls  # glibc's dynamic thresholds are untouched where nobody fixed them
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    cluster._malloc_as_glibc()
    cluster._malloc_as_glibc()  # once per process
    assert calls == [(cluster.M_MMAP_THRESHOLD, 32 << 20), (cluster.M_TRIM_THRESHOLD, 64 << 20)]


def test_a_tasks_own_progress_bars_stay_off_the_runs_terminal():
    import io

    out = io.StringIO()
    quiet = cluster._NoBars(out)
    for text in ("\rRBM 64->16:  50%|#####", "\n", "a warning: something\n"):
        assert quiet.write(text) == len(text)
    assert out.getvalue() == "a warning: something\n"


def _arrays_and_configs(root: Path) -> dict:
    """{artifact name: (arrays, config)} of every artifact under root (checkpoints/ too)."""
    out = {}
    for meta in sorted(root.rglob("*.json")):
        store = Store(meta.parent)
        arrays, sidecar = store.load(meta.stem)
        out[meta.relative_to(root).with_suffix("").as_posix()] = (arrays, sidecar["config"])
    return out


def _assert_same_artifacts(serial: Path, distributed: Path):
    """The same files, and in each artifact the same arrays (dtype, shape, every bit: NaN where
    NaN) and the same configuration; timings may differ: in the sidecars' info, and the arrays
    of seconds the scale test keeps (epoch_seconds: same shape, other values)."""
    files = lambda root: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())  # noqa: E731
    assert files(serial) == files(distributed)
    a, b = _arrays_and_configs(serial), _arrays_and_configs(distributed)
    assert a.keys() == b.keys() and a
    for name, (arrays, config) in a.items():
        other, other_config = b[name]
        assert config == other_config, name
        assert sorted(arrays) == sorted(other), name
        for key, value in arrays.items():
            assert value.dtype == other[key].dtype and value.shape == other[key].shape, (name, key)
            assert key.endswith("seconds") or value.tobytes() == other[key].tobytes(), (name, key)


def test_a_local_cluster_stores_what_the_serial_path_stores(tmp_path, monkeypatch, capsys):
    """Part of the tiny run (data sets, the three penalty DBNs, the penalty sweep: 16 tasks) on a
    LocalCluster of 2 worker processes, and serially, into two stores: the same artifacts. A
    task that fails is reported with its traceback, the others finish, the exit status is 1."""
    pytest.importorskip("distributed")
    steps = [step for step in cli._steps(tiny=True)
             if step[0] in ("paper data set", "held-out samples", "paper DBN and penalty variants", "penalty sweep")]
    serial, distributed = tmp_path / "serial", tmp_path / "distributed"
    monkeypatch.setenv("DEEPRG_DATA", str(serial))
    for _, step in steps:  # in this process (joblib's workers may have started with another $DEEPRG_DATA)
        for call in step.calls:
            call(**({"n_jobs": 1} if "n_jobs" in call.kwargs else {}))
    monkeypatch.setenv("DEEPRG_DATA", str(distributed))
    broken = ("a broken step", cluster.Step(cluster.Call(experiments.sampler_validation, L=0, n_samples=10)))
    assert cluster.reproduce("local:2", steps + [broken], progress=False) == 1
    out = capsys.readouterr().out
    assert "Dask scheduler tcp://" in out and "2 worker(s)" in out and f"artifacts: {distributed}" in out
    assert "FAILED a broken step: sampler_validation(L=0, n_samples=10)" in out
    assert "ValueError: L must be an integer >= 2" in out
    assert "1 task(s) failed (1 on their own" in out
    _assert_same_artifacts(serial, distributed)

    client = _Client()  # resumed: everything is stored, so nothing is submitted
    graph = cluster.Graph(client, Store(distributed), progress=False)
    for label, step in steps:
        graph.add_step(label, step)
    assert not client.submitted and not graph.waiting


@pytest.mark.slow  # three tiny recomputes in subprocesses (about 2 minutes on 2 busy cores); CI runs the slow tests
def test_reproduce_tiny_on_a_local_cluster_is_the_serial_run_bit_for_bit_and_resumes(tmp_path):
    """`deeprg reproduce --tiny` serially and with --scheduler local:2 (BLAS pinned to one
    thread in both) store the same artifacts bit for bit; the cluster run says where it runs;
    a second cluster run finds everything and writes nothing."""
    pytest.importorskip("distributed")
    env = os.environ | PINNED | {"TQDM_DISABLE": "1"}
    serial, distributed = tmp_path / "serial", tmp_path / "distributed"
    command = [sys.executable, "-m", "deeprg.cli", "reproduce", "--tiny"]
    run = subprocess.run(command, env=env | {"DEEPRG_DATA": str(serial)}, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    on_cluster = command + ["--scheduler", "local:2"]
    run = subprocess.run(on_cluster, env=env | {"DEEPRG_DATA": str(distributed)}, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 worker(s)" in run.stdout and "dashboard: http" in run.stdout and f"artifacts: {distributed}" in run.stdout
    assert "Traceback" not in run.stderr
    _assert_same_artifacts(serial, distributed)

    files = {p: p.stat().st_mtime_ns for p in distributed.rglob("*")}
    again = subprocess.run(on_cluster, env=env | {"DEEPRG_DATA": str(distributed)}, capture_output=True, text=True,
                           timeout=900)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in distributed.rglob("*")} == files
