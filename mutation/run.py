"""Mutation testing of deeprg's core rooms with mutmut 3, in a scratch copy of the tree.

    python mutation/run.py [--dir /tmp/deeprg-mutation] [--modules fmt.py rbm/partition.py ...]
                           [--sample N --seed S] [--max-children 2] [--no-njit] [--fresh] [--recheck]

Copies code/src/deeprg, tests/, pytest.ini, data/ and mutation/setup.cfg into --dir (never
touching this tree), runs `mutmut run` there on the chosen modules' mutants, then mutates the
@njit kernels of rbm/kernels.py itself (mutmut skips decorated functions): one mutant at a time,
JIT on, written into a second copy of the package and tested in a fresh process. Ends with a
table of killed / survived / timeout / no tests per module and writes the survivors' diffs to
--dir/survivors.txt. A later run in the same --dir reuses mutmut's results for unchanged
functions (--recheck tests the survivors again, e.g. after adding tests); --fresh starts over.
--sample N tests N mutants per module (and N of the jitted ones) drawn with --seed, the same
ones each run; --sample 0 tests every mutant. Timeouts and crashes count as kills.
"""

import argparse
import difflib
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["exact.py", "ising/observables.py", "ising/autocorr.py", "rbm/estimator.py",
           "rbm/kernels.py", "rbm/partition.py", "dbn.py", "rg.py", "store.py", "fmt.py",
           "baselines.py", "mcrg.py", "converge.py", "gibbs.py", "information.py", "codes.py"]
# The tests that exercise the jitted kernels of each module (run in full for each such mutant).
NJIT_TESTS = {"rbm/kernels.py": ["tests/test_rbm_kernels.py",
                                 "tests/test_rbm.py::test_update_weights_is_the_documented_momentum_step",
                                 "tests/test_rbm.py::test_one_mini_batch_update_is_the_documented_formula",
                                 "tests/test_mutants_kernels.py"]}
INTERRUPTED = (None, -15, -2, 2)  # no verdict yet, or the run was stopped
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def stage(work: Path, fresh: bool):
    """The package, tests, pytest.ini, data/ and the mutmut config, copied into `work`."""
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for src, dst in [(ROOT / "code/src/deeprg", work / "src/deeprg"), (ROOT / "tests", work / "tests")]:
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=ignore)  # copy2 keeps mtimes: mutmut sees unchanged files
    shutil.copy2(ROOT / "pytest.ini", work / "pytest.ini")
    shutil.copytree(ROOT / "data", work / "data", dirs_exist_ok=True)  # tests read the committed artifacts
    # setup.cfg with the test-file globs expanded (pytest.main does not expand them)
    lines = []
    for line in (ROOT / "mutation/setup.cfg").read_text().splitlines():
        if line.startswith("    ") and "*" in line:
            lines += [f"    {p}" for p in sorted(glob.glob(line.strip(), root_dir=work))]
        else:
            lines.append(line)
    (work / "setup.cfg").write_text("\n".join(lines) + "\n")


def environment(work: Path, package_parent: Path) -> dict:
    env = {**os.environ, **THREADS, "DEEPRG_DATA": str(work / "data"),
           # subprocesses started by tests (python -m deeprg.cli) import the mutated copy too
           "PYTHONPATH": str(package_parent)}
    env.pop("MUTANT_UNDER_TEST", None)
    return env


def mutant_names(work: Path, modules, sample: int, seed: int, recheck: bool = False):
    """Every mutmut mutant name of `modules` (as mutmut names them), or `sample` of each."""
    os.chdir(work)  # mutmut reads its config from the working directory
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    chosen, pending = [], []
    for module in modules:
        path = Path("src/deeprg") / module
        mutated = mutate_file_contents(str(path), path.read_text())
        names = [get_mutant_name(path, n) for n in mutated.mutant_names]
        if sample and len(names) > sample:
            names = sorted(random.Random(f"{seed}:{module}").sample(names, sample))
        chosen.append((module, names))
        # an earlier run's verdict stands if its function is unchanged (mutmut reruns any mutant
        # named on its command line, so only the undecided ones are passed to it)
        meta = Path("mutants") / (str(path) + ".meta")
        old = json.loads(meta.read_text()) if meta.exists() else {}
        unchanged = {f for f, h in mutated.hash_by_function_name.items() if old.get("hash_by_function_name", {}).get(f) == h}
        codes = old.get("exit_code_by_key", {})
        redo = INTERRUPTED + ((0,) if recheck else ())  # --recheck: the survivors too (after adding tests)
        pending += [n for n in names
                    if n.partition("__mutmut_")[0].rpartition(".")[2] not in unchanged or codes.get(n) in redo]
    return chosen, pending


def run_mutmut(work: Path, names, max_children: int):
    if not names:
        return
    # exists before Python starts: a PYTHONPATH entry missing at start-up is cached as "no such
    # folder" and the package would then be imported from this tree instead of the mutated copy
    (work / "mutants/src").mkdir(parents=True, exist_ok=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    cmd = [str(mutmut), "run", "--max-children", str(max_children), *names]
    subprocess.run(cmd, cwd=work, env=environment(work, work / "mutants/src"), check=False)


def mutmut_results(work: Path, chosen):
    from mutmut.stats import status_by_exit_code

    results = {}
    for module, names in chosen:
        meta = json.loads((work / "mutants/src/deeprg" / (module + ".meta")).read_text())
        codes = meta["exit_code_by_key"]
        results[module] = {n: status_by_exit_code[codes.get(n)] for n in names}
    return results


# --- @njit functions: mutmut's operators, applied one at a time to a plain copy, JIT on ------

def njit_mutants(source: str):
    """(function name, mutated module source) for each mutmut mutation inside an @njit function."""
    import libcst as cst
    from mutmut.mutation.file_mutation import create_mutations, deep_replace

    def is_njit(decorator):
        d = decorator.decorator
        d = d.func if isinstance(d, cst.Call) else d
        return isinstance(d, cst.Name) and d.value in ("njit", "jit")

    module = cst.parse_module(source)
    jitted = {s.name.value: s.decorators for s in module.body
              if isinstance(s, cst.FunctionDef) and any(map(is_njit, s.decorators))}

    class Strip(cst.CSTTransformer):
        def __init__(self, put_back):
            self.put_back = put_back

        def leave_FunctionDef(self, original, updated):
            if original.name.value in jitted:
                return updated.with_changes(decorators=jitted[original.name.value] if self.put_back else [])
            return updated

    bare = module.visit(Strip(False)).code
    tree, mutations, _, _ = create_mutations("kernels.py", bare)
    for mutation in mutations:
        function = mutation.contained_by_top_level_function
        if function is None or function.name.value not in jitted:
            continue
        mutated = deep_replace(tree, mutation.original_node, mutation.mutated_node)
        yield function.name.value, mutated.visit(Strip(True)).code


def run_njit(work: Path, module: str, sample: int, seed: int, timeout: float):
    source = (work / "src/deeprg" / module).read_text()
    copy = work / "njit"
    mutants = list(njit_mutants(source))
    stem = "deeprg." + module[:-3].replace("/", ".")
    named = [(f"{stem}.{function}__njit_{i + 1}", code) for i, (function, code) in enumerate(mutants)]
    if sample and len(named) > sample:
        named = sorted(random.Random(f"{seed}:{module}:njit").sample(named, sample))
    tests = [t for t in NJIT_TESTS.get(module, []) if (work / t.partition("::")[0]).exists()]
    results, diffs = {}, {}
    for name, code in named:
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(work / "src/deeprg", copy / "deeprg",
                        ignore=shutil.ignore_patterns("__pycache__"))
        (copy / "deeprg" / module).write_text(code)
        env = environment(work, copy)
        env["NUMBA_CACHE_DIR"] = str(work / "njit-cache" / name)  # never a stale compiled kernel
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-pno:cacheprovider",
               "--rootdir", str(work), *tests]
        try:
            rc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=timeout).returncode
            # a crash (negative: killed by a signal, e.g. an out-of-bounds write) fails the suite too
            status = {0: "survived", 5: "no tests"}.get(rc, "killed" if rc in (1, 3) or rc < 0 else f"suspicious ({rc})")
        except subprocess.TimeoutExpired:
            status = "timeout"
        shutil.rmtree(work / "njit-cache" / name, ignore_errors=True)
        results[name] = status
        print(f"    {status:10s} {name}", flush=True)
        if status != "killed":
            diffs[name] = "".join(difflib.unified_diff(source.splitlines(True), code.splitlines(True),
                                                       f"a/{module}", f"b/{module}", n=1))
    shutil.rmtree(copy, ignore_errors=True)
    return results, diffs


def mutmut_diff(work: Path, name: str) -> str:
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "show", name], cwd=work, capture_output=True, text=True)
    return out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path(os.environ.get("MUTATION_DIR", "/tmp/deeprg-mutation")))
    p.add_argument("--modules", nargs="+", default=MODULES, help="paths under code/src/deeprg")
    p.add_argument("--sample", type=int, default=0, help="mutants per module (default 0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-children", type=int, default=2)
    p.add_argument("--no-njit", action="store_true", help="skip the @njit kernels")
    p.add_argument("--njit-timeout", type=float, default=600.0, help="seconds per jitted mutant")
    p.add_argument("--fresh", action="store_true", help="forget earlier results in --dir")
    p.add_argument("--recheck", action="store_true", help="test the surviving mutants again (new tests)")
    args = p.parse_args()
    work = args.dir.resolve()
    if work == ROOT or ROOT in work.parents:
        sys.exit("--dir must be outside the repository: mutants are never written into it")
    start = time.time()
    stage(work, args.fresh)
    chosen, pending = mutant_names(work, args.modules, args.sample, args.seed, args.recheck)
    print(f"mutmut: {sum(len(n) for _, n in chosen)} mutants in {len(chosen)} modules, "
          f"{len(pending)} without an earlier verdict", flush=True)
    run_mutmut(work, pending, args.max_children)
    results = mutmut_results(work, chosen)
    # mutmut forgets all verdicts when its test selection changes (a new tests/test_mutants_*.py):
    # test again what it forgot
    forgotten = [n for r in results.values() for n, s in r.items() if s == "not checked"]
    if forgotten:
        print(f"mutmut: {len(forgotten)} verdicts were reset (new tests?); testing those again", flush=True)
        run_mutmut(work, forgotten, args.max_children)
        results = mutmut_results(work, chosen)
    diffs = {n: mutmut_diff(work, n) for r in results.values() for n, s in r.items() if s != "killed"}
    if not args.no_njit:
        for module in args.modules:
            if module in NJIT_TESTS:
                print(f"@njit functions of {module}:", flush=True)
                r, d = run_njit(work, module, args.sample, args.seed, args.njit_timeout)
                results[module] = {**results.get(module, {}), **r}
                diffs.update(d)
    print(f"\n{'module':24s} {'mutants':>8s} {'killed':>7s} {'survived':>9s} {'timeout':>8s} {'no tests':>9s} {'other':>6s}")
    for module, r in results.items():
        counts = [sum(s == k for s in r.values()) for k in ("killed", "survived", "timeout", "no tests")]
        print(f"{module:24s} {len(r):8d} {counts[0]:7d} {counts[1]:9d} {counts[2]:8d} {counts[3]:9d} "
              f"{len(r) - sum(counts):6d}")
    (work / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True))
    (work / "survivors.txt").write_text("\n".join(f"## {n}: {next(r[n] for r in results.values() if n in r)}\n{d}"
                                                  for n, d in sorted(diffs.items())))
    print(f"\n{time.time() - start:.0f} s; statuses in {work}/results.json, "
          f"diffs of the mutants not killed in {work}/survivors.txt")


if __name__ == "__main__":
    main()
