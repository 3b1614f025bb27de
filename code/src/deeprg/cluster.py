"""`deeprg reproduce --scheduler local:N | ADDRESS`: the recompute as a Dask distributed task graph.

The steps of `deeprg reproduce` (cli._steps) are lists of calls (Call) of the package's own
functions. Serially (the default) each step runs its calls in order. With a scheduler, every
independent unit of work becomes a Dask task with its dependencies:

- data: each data set a unit needs (experiments.ising_samples, held_out_samples);
- training: each DBN (penalty_dbns split by penalty), each sweep point (every seed, penalty,
  temperature, epoch count: the jobs that the sweeps hand to sweep._compute_missing, taken from
  there while the sweep is planned, so their configuration is never written twice), each run
  trained to the stopping rule, the flows, the trace-condition fits, the sampler validation;
- tables: the per-layer tables of every network and seed (penalty_tables split into
  network_tables), the MCRG of the networks;
- checks: the AIS rechecks (sweep points of their own) and the evaluations of first layers.

Each unit is first probed: run in this process with store.PROBE set, so that nothing is
computed (the first artifact it would make raises MissingArtifact) and with sweep.PLANNER set, so
that a sweep hands over the points it misses instead of computing them. A unit that runs through
is stored already and is skipped (so an interrupted run resumes, submitting only what is
missing); a sweep's missing points become tasks, and when they are done it is probed again,
which assembles its table from the store or hands over the points it could only name then
(ais_recheck_flagged's flagged points); any other missing unit becomes one task. Dependencies
order the work so that no two tasks compute the same artifact; correctness does not rest on
them: every artifact goes to the shared store ($DEEPRG_DATA), whose writes are safe against
concurrent writers and readers (deeprg.store).

Every task runs with BLAS pinned to one thread (threadpoolctl; code that pins its own, the DBNs'
2 threads, still does), so each artifact has the same bits as the serial run's under the same
pinning. `local:N` starts a distributed.LocalCluster of N single-threaded worker processes whose
BLAS and OpenMP libraries start with one thread; an ADDRESS (tcp://host:8786, host:port) or a
scheduler file (*.json, as `dask scheduler --scheduler-file` writes) connects to a running
scheduler whose workers must see the same DEEPRG_DATA folder and have deeprg installed.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import hashlib
import importlib.util
import inspect
import io
import os
import re
import sys
import time
import traceback
import uuid
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

from . import converge, experiments, sweep
from .store import PROBE, MissingArtifact, Store, artifact_name, canonical

PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # local workers' BLAS
UNKEYED = ("store", "progress", "n_jobs")  # arguments that do not change what a call computes
STAGES = ("data", "training", "tables", "checks")
PRIORITY = {"data": 40, "training": 20, "tables": 10, "checks": 0}  # among ready tasks, earlier stages first
LONG_PRIORITY = 30  # the runs trained to the stopping rule take longest: start them before other trainings
CHECK_KINDS = ("aischeck", "sandwich")  # sweep points retrained only to judge their likelihood
LOST_PAUSE = 1.0  # seconds between looks for a finished task's artifact (up to the store's latency_wait)
CONNECT_TIMEOUT = 20  # seconds to reach a scheduler at an ADDRESS
# Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which also stops glibc from
# raising its mmap threshold above 128 kB: every larger numpy temporary (a mini-batch of 100 x 1600
# floats) is then mapped and unmapped afresh, and the ordered-phase points of the tiny run took
# 7.0 s instead of 1.5 s. Local workers start without it; in workers of other clusters, where it
# is set, the first task sets the two thresholds to what glibc's own rule reaches (_malloc_as_glibc).
NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


class SchedulerError(RuntimeError):
    """The scheduler cannot be started or reached (a one-line message for the command line)."""


# ----------------------------------------------------------------------------- calls and steps
class Call:
    """func(*args, **kwargs) of a package function, to be run later; arguments that are Calls
    (a data set a step trains on) are evaluated first, where the call runs."""

    def __init__(self, func, *args, **kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, **override):
        args = [a() if isinstance(a, Call) else a for a in self.args]
        kwargs = {k: v() if isinstance(v, Call) else v for k, v in (self.kwargs | override).items()}
        return self.func(*args, **kwargs)

    def arguments(self) -> dict:
        """The arguments with the function's defaults filled in (keyword arguments of a
        **kwargs parameter among them), but those that do not change the result (UNKEYED)."""
        bound = inspect.signature(self.func).bind(*self.args, **self.kwargs)
        bound.apply_defaults()
        arguments = {}
        for name, value in bound.arguments.items():
            kind = inspect.signature(self.func).parameters[name].kind
            arguments |= value if kind is inspect.Parameter.VAR_KEYWORD else {name: value}
        return {name: value for name, value in arguments.items() if name not in UNKEYED}

    def key(self) -> str:
        """What the call computes, for the task graph: the function and its arguments."""
        arguments = {k: v.key() if isinstance(v, Call) else v for k, v in self.arguments().items()}
        digest = hashlib.sha256(canonical({"func": self.name, "arguments": arguments}).encode()).hexdigest()[:10]
        return f"{self.func.__name__}-{digest}"

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def __repr__(self):
        def show(v):
            return repr(v.item() if hasattr(v, "item") and getattr(v, "ndim", None) == 0 else v)

        shown = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items() if k not in UNKEYED]
        return f"{self.func.__name__}({', '.join(shown)})"


class Step:
    """One step of `deeprg reproduce`: its calls, run in order when called."""

    def __init__(self, *calls: Call):
        self.calls = calls

    def __call__(self):
        results = [call() for call in self.calls]
        return results[0] if len(results) == 1 else results


# ----------------------------------------------------------------------------- --scheduler
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})/?$")


def scheduler_spec(value: str) -> tuple[str, object]:
    """argparse type of --scheduler: ("local", N) for local:N, ("file", path) for a scheduler
    file (*.json), ("address", value) for [protocol://]host:port; else ArgumentTypeError."""
    if value.startswith("local:") or value == "local":
        n = value.partition(":")[2]
        if not re.fullmatch(r"[0-9]+", n) or int(n) < 1:
            raise argparse.ArgumentTypeError(f"{value!r}: local:N needs a number of workers N >= 1, e.g. local:4")
        return "local", int(n)
    if value.endswith(".json"):
        if not Path(value).is_file():
            raise argparse.ArgumentTypeError(f"{value!r}: no such scheduler file")
        return "file", value
    match = _ADDRESS.match(value)
    if not match or not 0 < int(match.group(1)) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is neither local:N nor a scheduler address "
                                         f"such as tcp://host:8786 or host:8786, nor a scheduler file (*.json)")
    return "address", value


@contextmanager
def client_for(scheduler, root: str):
    """A distributed.Client for scheduler: "local:N" or ("local", N) starts a LocalCluster of N
    single-threaded worker processes (BLAS pinned, DEEPRG_DATA=root); an address or scheduler
    file (as a string or scheduler_spec's value) connects to that scheduler; a Client is used
    as it is, a cluster object (LocalCluster, dask-jobqueue's SLURMCluster, ...) through a new
    Client. SchedulerError when distributed is missing, the value is bad or nothing answers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchedulerError("--scheduler needs Dask distributed: pip install 'deeprg[distributed]' "
                             "(or: pip install distributed)") from None
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if hasattr(scheduler, "scheduler_address"):  # a cluster object
        with Client(scheduler) as client:
            yield client
        return
    if isinstance(scheduler, str):
        try:
            scheduler = scheduler_spec(scheduler)
        except argparse.ArgumentTypeError as err:
            raise SchedulerError(str(err)) from None
    kind, where = scheduler
    if kind == "local":
        import dask

        env = PINNED | {"DEEPRG_DATA": root, "TQDM_DISABLE": "1"}
        with dask.config.set(NO_MALLOC_TRIM):  # for the workers' lifetime: a restarted worker reads it again
            try:
                cluster = LocalCluster(n_workers=where, threads_per_worker=1, processes=True, env=env)
            except Exception as err:  # noqa: BLE001 (ports, permissions: whatever it says, in one line)
                raise SchedulerError(f"could not start a local Dask cluster: {err}") from None
            with cluster, Client(cluster) as client:
                yield client
        return
    try:
        client = (Client(scheduler_file=where, timeout=CONNECT_TIMEOUT) if kind == "file"
                  else Client(where, timeout=CONNECT_TIMEOUT))
    except (OSError, TimeoutError, ValueError) as err:
        raise SchedulerError(f"cannot reach a Dask scheduler at {where}: {err}") from None
    with client:
        yield client


# ----------------------------------------------------------------------------- the task graph
class _Planned(Exception):
    """Raised by the planner in place of a sweep's computation: the points it needs first."""

    def __init__(self, units):
        self.units = units


def _point(store, kind, job, compute) -> tuple[str, Call, list]:
    """(key, call, data calls) of a sweep job (config, label, *args)."""
    config, label, *args = job
    T, n_samples, L = sweep._job_data(config, *args)
    data = [Call(experiments.ising_samples, L=L, T=T, n_samples=n_samples, progress=False),
            Call(experiments.held_out_samples, T, L=L)]
    return f"{kind}-{artifact_name(kind, config, label)}", Call(sweep._cached, store, kind, config, label, compute,
                                                                 *args), data


def _planner(store, kind, missing, compute):
    """sweep.PLANNER while probing: the missing points are handed over, not computed."""
    raise _Planned([_point(store, kind, job, compute) for job in missing])


def _expand(call: Call) -> list[Call]:
    """The units of a call: penalty_dbns one per network, penalty_tables one per network and
    seed (what the two functions loop over); any other call is one unit."""
    if call.func is experiments.penalty_dbns:
        arguments = inspect.signature(call.func).bind(*call.args, **call.kwargs).arguments
        seed, options = arguments.get("seed", 0), arguments.get("kwargs", {})
        return [Call(experiments.trained_dbn, "deeprg", seed=seed, penalty=penalty, **options)
                for _, penalty in experiments.DBN_PENALTIES]
    if call.func is experiments.penalty_tables:
        arguments = inspect.signature(call.func).bind(*call.args, **call.kwargs)
        arguments.apply_defaults()
        options = arguments.arguments["options"] | {"store": arguments.arguments["store"]}
        return [Call(experiments.network_tables, "deeprg", seed=seed, **params, **options)
                for params in experiments.penalty_table_settings(arguments.arguments["with_control"]).values()
                for seed in arguments.arguments["seeds"]]
    return [call]


def _stage(call: Call) -> str:
    if call.func in (experiments.ising_samples, experiments.held_out_samples):
        return "data"
    if call.func in (experiments.network_tables, experiments.network_mcrg):
        return "tables"
    if call.func in (converge.paper_evaluation, converge.converged_evaluation, converge.two_product_bracket):
        return "checks"
    if call.func is sweep._cached:
        return "checks" if call.args[1] in CHECK_KINDS else "training"
    return "training"


NETWORKS = ("trained_dbn", "sklearn_dbn", "sklearn_matched_dbn", "persistent_dbn")  # what network_mcrg measures


def _quiet(func, forwarding: bool = False) -> dict:
    """{"progress": False} for a function that takes `progress` (with forwarding, also one
    that passes its **kwargs on to such functions), else {}."""
    kinds = {p.name if p.kind is not inspect.Parameter.VAR_KEYWORD else "**"
             for p in inspect.signature(func).parameters.values()}
    return {"progress": False} if "progress" in kinds or (forwarding and "**" in kinds) else {}


class _NoBars(io.TextIOBase):
    """stderr without progress bars (tqdm redraws with carriage returns): a task's own bars
    would garble the run's bar, to whose terminal a local worker writes."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if "\r" not in text and text != "\n":
            self.stream.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()


_MALLOC_SET = []


def _malloc_as_glibc() -> None:
    """Where MALLOC_TRIM_THRESHOLD_ fixed glibc's thresholds (a Dask nanny's workers), set them
    once to the largest values glibc's dynamic rule gives: mmap above 32 MiB, trim above twice
    that (see NO_MALLOC_TRIM). Elsewhere, or without glibc, nothing."""
    if _MALLOC_SET or not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return
    _MALLOC_SET.append(True)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 64 << 20)
    except (OSError, AttributeError):  # not glibc
        pass


def _run(env: dict, call: Call, *after):
    """A task: call() with the run's store and one BLAS thread, returning nothing (every result
    goes to the store); after: the tasks it waits for."""
    from threadpoolctl import threadpool_limits

    os.environ.update(env)
    _malloc_as_glibc()
    with threadpool_limits(1), redirect_stderr(_NoBars(sys.stderr)):
        call(**_quiet(call.func))


class Graph:
    """The run's tasks on a distributed.Client: add_step each step, then wait()."""

    def __init__(self, client, store: Store, progress: bool = True):
        self.client, self.store, self.progress = client, store, progress
        latency = os.environ.get("DEEPRG_LATENCY_WAIT")
        self.env = {"DEEPRG_DATA": str(store.root)} | ({"DEEPRG_LATENCY_WAIT": latency} if latency else {})
        self.token = uuid.uuid4().hex[:8]  # task keys of this run only, should the scheduler serve others too
        self.futures, self.calls, self.labels, self.stages, self.after = {}, {}, {}, {}, {}
        self.ours = {}  # Dask key -> our key
        self.data_keys = []  # the data sets that steps make (the paper's data set, its held-out samples)
        self.stored = set()  # keys of data sets found stored
        self.waiting = {}  # (label, sweep call) -> keys of its points not yet done
        self.points = {}  # (label, sweep call) -> keys of all its points so far
        self.failed = {}  # our key -> future
        self.problems = {}  # step label -> what went wrong outside the tasks
        self.bar = self.completions = None

    # ---- adding tasks
    def _submit(self, key: str, call: Call, label: str, after=()) -> str:
        if key in self.futures:
            return key
        after = list(dict.fromkeys(after))
        stage = _stage(call)
        priority = LONG_PRIORITY if call.func is converge.train else PRIORITY[stage]
        future = self.client.submit(_run, self.env, call, *(self.futures[k] for k in after),
                                    key=f"{key}-{self.token}", priority=priority, pure=False)
        self.futures[key], self.ours[future.key] = future, key
        self.calls[key], self.labels[key], self.stages[key], self.after[key] = call, label, stage, after
        if self.completions is not None:
            self.completions.add(future)
            self.bar.total += 1
            self.bar.refresh()
        return key

    def _probe(self, call: Call):
        """Run call here with nothing computed (store.PROBE; sweeps hand their missing points to
        the planner): None when all it makes is stored (it has run, from the store), else why
        not: _Planned (the points a sweep needs first) or MissingArtifact (the call is a unit)."""
        probe, planner = PROBE.set(True), sweep.PLANNER.set(_planner)
        try:
            call(**_quiet(call.func, forwarding=call.func.__module__ == sweep.__name__))
        except (_Planned, MissingArtifact) as missing:
            return missing
        finally:
            sweep.PLANNER.reset(planner)
            PROBE.reset(probe)
        return None

    def _data(self, call: Call) -> list:
        """[key] of the task making a data set, [] when it is stored."""
        key = call.key()
        if key in self.stored or (key not in self.futures and self._probe(call) is None):
            self.stored.add(key)
            return []
        return [self._submit(key, call, repr(call))]

    def _trained(self, call: Call) -> list:
        """[call's key] if call is a task of this run, else []."""
        return [call.key()] if call.key() in self.futures else []

    def _dependencies(self, call: Call) -> list:
        """Keys a unit waits for: its data sets, and the training its result is made from when
        that is a task of this run (so that no two tasks train the same network)."""
        after = [key for v in (*call.args, *call.kwargs.values()) if isinstance(v, Call) for key in self._data(v)]
        if call.func is converge.train:
            a = call.arguments()
            return after + self._data(Call(experiments.ising_samples, L=a["L"], T=a["T"], n_samples=a["n_samples"],
                                           progress=False)) + self._data(Call(experiments.held_out_samples, a["T"],
                                                                              L=a["L"]))
        after += self.data_keys
        if call.func is experiments.network_tables:
            after += self._trained(Call(experiments.trained_dbn, *call.args,
                                        **{k: v for k, v in call.kwargs.items() if k != "store"}))
        elif call.func is converge.paper_evaluation:
            a = call.arguments()
            after += self._trained(Call(experiments.trained_dbn, "deeprg", seed=a["seed"],
                                        penalty=dict(experiments.DBN_PENALTIES)[a["penalty"]]))
        elif call.func in (converge.converged_evaluation, converge.two_product_bracket):
            a = call.arguments()
            variant = {k: a[k] for k in ("recipe", "schedule") if a.get(k) is not None}  # the flip run's
            after += self._trained(Call(converge.train, T=a["T"], seed=a["seed"], **variant))
        elif call.func is experiments.network_mcrg:
            after += [key for key, c in self.calls.items() if c.func.__name__ in NETWORKS]
        elif call.func is converge.field_table:  # measures whichever reference runs are stored
            after += [key for key, c in self.calls.items() if c.func is converge.train]
        return after

    def add_step(self, label: str, step) -> None:
        """The tasks of a step (a Step; any other callable is one unit): each of its units
        (_expand) that is not stored."""
        for call in (step.calls if isinstance(step, Step) else (Call(step),)):
            for unit in _expand(call):
                if _stage(unit) == "data":
                    self.data_keys += self._data(unit)
                else:
                    self._plan(label, unit)

    def _plan(self, label: str, call: Call, attempt: int = 0) -> None:
        """Probe the unit: stored, nothing to do; a sweep's missing points become tasks, and it
        is probed again when they are done (it then assembles its table from the store, or names
        further points); any other missing part makes the unit one task."""
        missing = self._probe(call)
        if missing is None:
            return
        if isinstance(missing, MissingArtifact):
            self._submit(call.key(), call, f"{label}: {call!r}", self._dependencies(call))
            return
        lost = [key for key, _, _ in missing.units if key in self.futures and self.futures[key].status == "finished"]
        if lost:  # done, yet not seen in the store: a shared file system may show it late
            if attempt * LOST_PAUSE < self.store.latency_wait:
                time.sleep(LOST_PAUSE)
                return self._plan(label, call, attempt + 1)
            self.problems[label] = (f"{len(lost)} task(s) finished but their artifacts are not in {self.store.root} "
                                    f"(e.g. {lost[0]}); on a shared file system, set DEEPRG_LATENCY_WAIT")
            return
        keys = []
        for key, point, data in missing.units:
            keys.append(self._submit(key, point, f"{label}: {point.args[1]} {point.args[3]}",
                                     [k for d in data for k in self._data(d)]))
        self.points.setdefault((label, call), set()).update(keys)
        status = {self.futures[key].status for key in keys}
        if "error" in status:  # failed already (as another sweep's point): reported there
            return
        pending = {key for key in keys if self.futures[key].status != "finished"}
        if pending:
            self.waiting[(label, call)] = pending
        else:  # all done already (as another sweep's points): probe again now
            self._plan(label, call)

    # ---- running them
    def wait(self) -> dict:
        """Run every task to the end (a failure does not stop the others); returns {label:
        traceback} of the units that failed themselves (not through a failed dependency)."""
        from distributed import as_completed
        from tqdm.auto import tqdm

        self.bar = tqdm(total=len(self.futures), disable=not self.progress, unit="task", desc="tasks",
                        dynamic_ncols=True)
        self.completions = as_completed(list(self.futures.values()))
        for future in self.completions:
            key = self.ours[future.key]
            if future.status == "error":
                self.failed[key] = future
            self.bar.update()
            self.bar.set_postfix_str(self.labels[key].split(": ", 1)[-1][:60], refresh=True)
            for sweep_call, keys in list(self.waiting.items()):
                keys.discard(key)
                if not keys:
                    del self.waiting[sweep_call]
                    if not self.points[sweep_call] & self.failed.keys():
                        self._plan(*sweep_call)
        self.bar.close()
        return {self.labels[key]: "".join(traceback.format_exception(type(future.exception()), future.exception(),
                                                                     future.traceback()))
                for key, future in self.failed.items() if not set(self.after[key]) & self.failed.keys()} | self.problems

    def counts(self) -> dict:
        return {stage: sum(s == stage for s in self.stages.values()) for stage in STAGES}


def reproduce(scheduler, steps=None, store: Store | None = None, progress: bool = True) -> int:
    """`deeprg reproduce` as a task graph on scheduler (see client_for: "local:N", an address, a
    scheduler file, a Client or a cluster object): the steps [(label, step)] (default: all of
    cli._steps()) into store (default: $DEEPRG_DATA, else data/), which the workers must see.
    Prints where it runs, the dashboard, a progress bar over the tasks and a summary with the
    traceback of each failed task. Returns the exit status: 0, or 1 when a task failed (the
    others still ran; a rerun resumes)."""
    if steps is None:
        from .cli import _steps

        steps = _steps()
    store = store or Store()
    store = Store(store.root.resolve(), store.latency_wait)
    store.root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    before = os.environ.get("DEEPRG_DATA")
    os.environ["DEEPRG_DATA"] = str(store.root)  # the steps' functions find their store there, here and on workers
    try:
        with client_for(scheduler, str(store.root)) as client:
            workers = len(client.nthreads())
            print(f"Dask scheduler {client.scheduler.address}: {workers} worker(s)"
                  + ("" if workers else " so far (tasks wait until workers join)"), flush=True)
            if client.dashboard_link:
                local = type(getattr(client, "cluster", None)).__name__ == "LocalCluster"
                needs = local and importlib.util.find_spec("bokeh") is None  # served here, by this environment
                print(f"dashboard: {client.dashboard_link}" + (" (its pages need bokeh: pip install 'bokeh>=3.1')"
                                                               if needs else ""), flush=True)
            print(f"artifacts: {store.root}", flush=True)
            graph = Graph(client, store, progress)
            for label, step in steps:
                graph.add_step(label, step)
            print("tasks: " + ", ".join(f"{n} {stage}" for stage, n in graph.counts().items())
                  + " (more when a sweep names further points)", flush=True)
            failures = graph.wait()
    finally:
        if before is None:
            os.environ.pop("DEEPRG_DATA", None)
        else:
            os.environ["DEEPRG_DATA"] = before
    done = len(graph.futures) - len(graph.failed)
    print(f"{done} of {len(graph.futures)} tasks done in {time.perf_counter() - start:.0f} s", flush=True)
    for label, text in failures.items():
        print(f"\nFAILED {label}\n{text}", flush=True)
    if graph.failed:
        print(f"{len(graph.failed)} task(s) failed ({len(failures) - len(graph.problems)} on their own, the others "
              f"through them); the rest is stored: rerun to resume", flush=True)
    return 1 if graph.failed or graph.problems else 0
