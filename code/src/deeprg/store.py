"""The artifact cache in data/: arrays named by their configuration, checksummed, written atomically.

An artifact is two files: NAME.npz (compressed arrays; +-1 spin arrays are bit-packed) and
NAME.json (the config, the package versions, the creation time and the sha256 of NAME.npz).
NAME is "<kind>-<readable label>-<10 hex digits of the sha256 of the canonical config>", and
both files live in the folder named by NAME's first word (Store.folder; FAMILIES says what each
folder holds, and data/README.md lists them).
Loading checks the checksum; a truncated, altered or half-written artifact raises
CorruptArtifactError and is never silently used or overwritten.

Concurrent writers and readers (joblib workers, Dask workers on other machines sharing the
folder) never see a half-written artifact. Store.save writes both files as hidden temporaries
in the same folder (each fsynced), then publishes them in a fixed order:

1. the sidecar, by os.link of its temporary to NAME.json: atomic, and it fails if NAME.json
   exists, so of two processes storing the same artifact exactly one claims it (the other gets
   FileExistsError and loads the winner's); the sidecar holds the sha256 of that writer's .npz;
2. the arrays, by os.replace of the temporary .npz to NAME.npz: the commit.

So the sidecar always names the .npz that follows it; a reader that finds NAME.json without
NAME.npz is looking at a write in progress while the writer's temporary .npz (.NAME.npz*.tmp)
exists, and waits for the rename (at most AWAIT_SECONDS); without a temporary it is a damaged
artifact. An .npz without its sidecar cannot come from a save and is reported as damaged.

Why links and renames rather than fcntl locks: on shared file systems link(2) with EEXIST and
rename(2) within a folder are atomic (NFSv3/v4, Lustre, GPFS, BeeGFS; the classic NFS-safe
lock-file idiom), whereas POSIX/BSD locks are node-local or unsupported on common cluster mounts
(BeeGFS and Lustre by default, NFS without lockd) and would silently fail to exclude. (link's
EEXIST after an NFS retransmission of a link that did succeed is recognised by comparing the
two files.) A file system without hard links falls back to check-then-rename. Clients that
cache directory entries (NFS attribute caching) may see a file only seconds after another node
wrote it: DEEPRG_LATENCY_WAIT (seconds, default 0) makes a reader wait that long for a missing
half of an artifact before calling it damaged, as Snakemake's --latency-wait does.
"""

from __future__ import annotations

import contextvars
import errno
import glob
import hashlib
import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

SPIN_SUFFIX = "__spins"
AWAIT_SECONDS = 60.0  # longest wait for the .npz of a write in progress (its sidecar is there)


class CorruptArtifactError(RuntimeError):
    """An artifact in the store is truncated, altered or incomplete."""


class MissingArtifact(LookupError):
    """Raised under PROBE where an artifact would be computed: it is not stored yet."""


# deeprg.cluster sets this while it runs a call in its own process only to learn whether
# everything the call makes is stored: then cached() and save() raise MissingArtifact
# instead of computing or writing
PROBE = contextvars.ContextVar("deeprg_store_probe", default=False)


# What each family folder of the store holds, and which function makes it (data/README.md).
FAMILIES = {
    "aischeck": "sweep points retrained and their ln Z estimated again by AIS (sweep.ais_recheck)",
    "checkpoints": "checkpoints of long trainings in progress (converge.train; git-ignored, deleted when a run ends)",
    "converged": "the checks of the reference runs trained to a stopping rule (converge.train)",
    "dbn": "trained deep belief networks, float32 weights (experiments.trained_dbn)",
    "epochs": "first layers measured every few epochs along the paper's 200 (sweep.measured_by_epoch)",
    "evaluation": "first layers judged by the AIS/RAISE sandwich, their own samples and field sizes (converge.evaluate)",
    "explorer": "8-bit first-layer fields at snapshot epochs, for the receptive-field explorer (sweep.explorer_fields)",
    "fields": "fields of the reference runs measured as the paper's networks are (converge.field_table)",
    "flow": "RBM flows beside real RG flows on small tori (experiments.rbm_flow)",
    "information": "mutual information of units and blocks with their distant environment (experiments.information_table)",
    "ising": "Ising samples, bit-packed spins, with their autocorrelation times (experiments.ising_samples)",
    "ladder": "the swap rates of the tempered runs' replica ladders, on the networks they returned (converge.swap_acceptance)",
    "mcrg": "Swendsen's Monte Carlo RG of networks and majority rule at T_c (experiments.network_mcrg)",
    "ordered": "first layers trained on symmetrised ordered-phase data (sweep.ordered_phase)",
    "permuted": "first layers trained on the paper's data with its sites scrambled: the permuted control (sweep.permuted_control)",
    "sandwich": "sweep points retrained and their KL bracketed by AIS and RAISE (sweep.sandwich_check)",
    "scale": "first layers on 32 x 32 to 128 x 128 tori for the scale test (sweep.scale_test)",
    "sizes": "receptive-field sizes and backgrounds per network and layer (sizes.network_sizes)",
    "sklearn": "scikit-learn's BernoulliRBM at several learning rates (experiments.sklearn_learning_rates)",
    "sweep": "first layers of the penalty and temperature sweeps, one per point and seed (sweep.temperature_sweep)",
    "tables": "per-layer tables of a DBN on held-out data: summary, fields, block scores (experiments.network_tables); tiling, decoding and reconstruction beside blocks and PCA (codes.penalty_codes)",
    "trace": "the trace condition measured on small tori, trained and exact (experiments.trace_condition)",
    "validation": "the samplers checked against exact results (experiments.sampler_validation)",
    "weights": "float32 weights of the reference runs, seed 0 only committed (converge.weights)",
}


READ_LOG = "DEEPRG_READ_LOG"  # environment variable: a file to which every Store.load appends its artifact's name
READERS = "readers.json"  # in the data folder: chapter -> the artifacts its cells load (python -m deeprg.verify --readers)
INDEX = "index.csv"  # in the data folder: one row per artifact (index_rows)


def _maker(family: str) -> str:
    """The function that makes a family's artifacts, as FAMILIES names it in parentheses."""
    text = FAMILIES.get(family, "")
    return text[text.rfind("(") + 1:-1] if text.endswith(")") else ""


def index_rows(root: Path | None = None) -> list[dict]:
    """One row per committed artifact of the store at root (checkpoints/ excepted): its name,
    family folder, size in bytes of its two files, the function that makes it (FAMILIES) and the
    chapters whose cells load it (READERS, as recorded by `python -m deeprg.verify --readers`)."""
    root = Path(root or default_root())
    readers_file = root / READERS
    readers = json.loads(readers_file.read_text()) if readers_file.exists() else {}
    read_by = {}
    for chapter, names in readers.items():
        for name in names:
            read_by.setdefault(name, []).append(chapter)
    rows = []
    for meta in sorted(root.glob("*/*.json")):
        family, name = meta.parent.name, meta.stem
        if family == "checkpoints":
            continue
        data = meta.with_suffix(".npz")
        rows.append({"artifact": name, "folder": family,
                     "bytes": meta.stat().st_size + (data.stat().st_size if data.exists() else 0),
                     "made by": _maker(family), "read by": " ".join(sorted(read_by.get(name, [])))})
    return rows


def index_csv(root: Path | None = None) -> str:
    """data/index.csv: index_rows as CSV."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, ["artifact", "folder", "bytes", "made by", "read by"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(index_rows(root))
    return out.getvalue()


def index_markdown() -> str:
    """data/README.md: what each family folder of the store holds (FAMILIES)."""
    lines = ["# data/: the results the book loads", "",
             "Each result is an artifact of two files, NAME.npz (arrays) and NAME.json (its configuration,",
             "package versions and checksum), in the folder of its family, the first word of NAME.",
             "`deeprg reproduce` recomputes what is missing. This index, and `index.csv` beside it (one row",
             "per artifact: its folder, size, the function that makes it and the chapters that read it), are",
             "written by `python -m deeprg.store`; the chapters come from `readers.json`, recorded by",
             "`python -m deeprg.verify --readers`. Tests check that all three are current.", "",
             "| folder | holds (made by) |", "|---|---|"]
    lines += [f"| `{family}/` | {text} |" for family, text in sorted(FAMILIES.items())]
    return "\n".join(lines) + "\n"


def default_root() -> Path:
    """$DEEPRG_DATA, else data/ of the repository this package lives in, else ./data."""
    if os.environ.get("DEEPRG_DATA"):
        return Path(os.environ["DEEPRG_DATA"])
    repo = Path(__file__).resolve().parents[3]
    if (repo / "_quarto.yml").exists():
        return repo / "data"
    return Path.cwd() / "data"


def canonical(config: dict) -> str:
    """The config as sorted, compact JSON: what the hash is taken of."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)


def artifact_name(kind: str, config: dict, label: str = "") -> str:
    digest = hashlib.sha256(canonical({"kind": kind, **config}).encode()).hexdigest()[:10]
    return "-".join(part for part in (kind, label, digest) if part)


def _versions() -> dict:
    import numba
    import sklearn

    from . import __version__

    return {"deeprg": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "scikit-learn": sklearn.__version__, "python": platform.python_version()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_spins(a: np.ndarray) -> bool:
    return a.dtype == np.int8 and a.size > 0 and np.isin(a, (-1, 1)).all()


def _encode(arrays: dict) -> dict:
    out = {}
    for key, a in arrays.items():
        a = np.asarray(a)
        if a.dtype.hasobject:
            raise ValueError(f"array {key!r} has dtype object, which cannot be stored without pickle; "
                             f"convert it (e.g. strings with .astype(str))")
        if _is_spins(a):
            out[key + SPIN_SUFFIX] = np.packbits(a.reshape(-1) > 0)
            out[key + SPIN_SUFFIX + "_shape"] = np.array(a.shape, np.int64)
        else:
            out[key] = a
    return out


def _decode(npz) -> dict:
    arrays = {}
    for key in npz.files:
        if key.endswith(SPIN_SUFFIX):
            shape = tuple(npz[key + "_shape"])
            bits = np.unpackbits(npz[key], count=int(np.prod(shape)))
            arrays[key[: -len(SPIN_SUFFIX)]] = (2 * bits.astype(np.int8) - 1).reshape(shape)
        elif not key.endswith(SPIN_SUFFIX + "_shape"):
            arrays[key] = npz[key]
    return arrays


def _staged(path: Path, write) -> Path:
    """A hidden temporary beside path (same folder, so a rename or link stays atomic) holding
    what write(f) writes, fsynced and world-readable."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def _publish_exclusive(tmp: Path, path: Path) -> None:
    """Make tmp's content appear at path atomically, unless path exists: FileExistsError."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        try:  # NFS: a retransmitted link that had succeeded answers EEXIST; then path is tmp
            if os.path.samefile(tmp, path):
                return
        except OSError:
            pass
        raise
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        if path.exists():  # no hard links here (some FUSE/SMB mounts): check, then rename
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.replace(tmp, path)


class Store:
    """A folder of artifacts; see the module docstring for the format."""

    def __init__(self, root: str | os.PathLike | None = None, latency_wait: float | None = None):
        self.root = Path(root) if root is not None else default_root()
        # seconds to wait for a missing half of an artifact (shared file systems that cache entries)
        self.latency_wait = (float(os.environ.get("DEEPRG_LATENCY_WAIT") or 0) if latency_wait is None
                             else latency_wait)

    def folder(self, name: str) -> Path:
        """The family folder of an artifact: root / the first word of its name, its kind's
        (ising/, sweep/, scale/, weights/, ...; data/README.md says what each holds)."""
        return self.root / name.split("-", 1)[0]

    def paths(self, name: str) -> tuple[Path, Path]:
        """(.npz, .json) of an artifact, in its family folder; or at the top of the store, where a
        store written before the folders existed keeps it (so nothing computed then is lost)."""
        folder = self.folder(name)
        if not (folder / f"{name}.json").exists() and (self.root / f"{name}.json").exists():
            folder = self.root
        return folder / f"{name}.npz", folder / f"{name}.json"

    def exists(self, name: str) -> bool:
        """Whether either file is there: the artifact is stored, being stored by another
        process (load waits for it), or damaged (load raises); never to be written again."""
        data, meta = self.paths(name)
        return data.exists() or meta.exists()

    def _appears(self, path: Path) -> bool:
        """Whether path exists, waiting while a writer's temporary of it is there (at most
        AWAIT_SECONDS: a write in progress), then up to self.latency_wait."""
        start, pause = time.monotonic(), 0.005
        staged = os.path.join(glob.escape(str(path.parent)), glob.escape("." + path.name) + "*.tmp")
        while not path.exists():
            waited = time.monotonic() - start
            if not ((glob.glob(staged) and waited < AWAIT_SECONDS) or waited < self.latency_wait):
                return False
            time.sleep(pause)
            pause = min(2 * pause, 0.25)
        return True

    def save(self, name: str, arrays: dict, config: dict, info: dict | None = None) -> Path:
        """Write arrays and their sidecar (see the module docstring: the sidecar claims the
        name, the .npz commits); refuse to overwrite an existing artifact (FileExistsError,
        also when another process stores the same name first)."""
        data, meta = self.paths(name)
        if self.exists(name):
            raise FileExistsError(f"artifact {name!r} already exists in {self.root}; delete it to recompute")
        if PROBE.get():
            raise MissingArtifact(name)
        data.parent.mkdir(parents=True, exist_ok=True)
        staged = _staged(data, lambda f: np.savez_compressed(f, **_encode(arrays)))
        try:
            sidecar = {
                "name": name, "config": json.loads(canonical(config)), "info": info or {},
                "versions": _versions(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "file": data.name, "sha256": _sha256(staged),
            }
            staged_meta = _staged(meta, lambda f: f.write(json.dumps(sidecar, indent=1, default=str).encode()))
            try:
                _publish_exclusive(staged_meta, meta)
            except FileExistsError:
                raise FileExistsError(f"artifact {name!r} was stored by another process meanwhile") from None
            finally:
                staged_meta.unlink(missing_ok=True)
            try:
                os.replace(staged, data)
            except BaseException:
                meta.unlink(missing_ok=True)  # withdraw the claim: no sidecar without its .npz
                raise
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return data

    def metadata(self, name: str) -> dict:
        data, meta = self.paths(name)
        if not self._appears(meta):
            raise CorruptArtifactError(f"{data} has no sidecar {meta.name}: a partial write; delete it to recompute")
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError as err:
            raise CorruptArtifactError(f"sidecar {meta} is not valid JSON ({err}); delete it to recompute") from None

    def load(self, name: str) -> tuple[dict, dict]:
        """(arrays, sidecar) of an artifact whose checksum matches; else CorruptArtifactError."""
        data, _ = self.paths(name)
        sidecar = self.metadata(name)
        if not self._appears(data):  # the sidecar comes first: wait while its .npz is being renamed into place
            raise CorruptArtifactError(f"{data} is missing but its sidecar exists; delete the sidecar to recompute")
        if _sha256(data) != sidecar.get("sha256"):
            raise CorruptArtifactError(f"{data} does not match the sha256 in its sidecar: truncated or altered")
        if os.environ.get(READ_LOG):
            with open(os.environ[READ_LOG], "a") as log:
                log.write(name + "\n")
        with np.load(data) as npz:
            return _decode(npz), sidecar

    def cached(self, kind: str, config: dict, compute, label: str = "") -> tuple[dict, dict]:
        """Load the artifact for (kind, config), or compute() -> (arrays, info), save and return it."""
        name = artifact_name(kind, config, label)
        if not self.exists(name):
            if PROBE.get():
                raise MissingArtifact(name)
            arrays, info = compute()
            try:
                self.save(name, arrays, config, info)
            except FileExistsError:
                pass  # another process stored it meanwhile (parallel sweeps); load and check theirs
        return self.load(name)


if __name__ == "__main__":
    (default_root() / "README.md").write_text(index_markdown())
    (default_root() / INDEX).write_text(index_csv())
