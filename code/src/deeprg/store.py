"""The artifact cache in data/: arrays named by their configuration, checksummed, written atomically.

An artifact is two files: NAME.npz (compressed arrays; +-1 spin arrays are bit-packed) and
NAME.json (the config, the package versions, the creation time and the sha256 of NAME.npz).
NAME is "<kind>-<readable label>-<10 hex digits of the sha256 of the canonical config>".
Loading checks the checksum; a truncated, altered or half-written artifact raises
CorruptArtifactError and is never silently used or overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

SPIN_SUFFIX = "__spins"


class CorruptArtifactError(RuntimeError):
    """An artifact in the store is truncated, altered or incomplete."""


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


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """A folder of artifacts; see the module docstring for the format."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_root()

    def paths(self, name: str) -> tuple[Path, Path]:
        return self.root / f"{name}.npz", self.root / f"{name}.json"

    def exists(self, name: str) -> bool:
        data, meta = self.paths(name)
        return data.exists() or meta.exists()

    def save(self, name: str, arrays: dict, config: dict, info: dict | None = None) -> Path:
        """Write arrays and their sidecar atomically; refuse to overwrite an existing artifact."""
        data, meta = self.paths(name)
        if self.exists(name):
            raise FileExistsError(f"artifact {name!r} already exists in {self.root}; delete it to recompute")
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(data, lambda f: np.savez_compressed(f, **_encode(arrays)))
        sidecar = {
            "name": name, "config": json.loads(canonical(config)), "info": info or {},
            "versions": _versions(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "file": data.name, "sha256": _sha256(data),
        }
        _atomic_write(meta, lambda f: f.write(json.dumps(sidecar, indent=1, default=str).encode()))
        return data

    def metadata(self, name: str) -> dict:
        data, meta = self.paths(name)
        if not meta.exists():
            raise CorruptArtifactError(f"{data} has no sidecar {meta.name}: a partial write; delete it to recompute")
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError as err:
            raise CorruptArtifactError(f"sidecar {meta} is not valid JSON ({err}); delete it to recompute") from None

    def load(self, name: str) -> tuple[dict, dict]:
        """(arrays, sidecar) of an artifact whose checksum matches; else CorruptArtifactError."""
        data, _ = self.paths(name)
        sidecar = self.metadata(name)
        if not data.exists():
            raise CorruptArtifactError(f"{data} is missing but its sidecar exists; delete the sidecar to recompute")
        if _sha256(data) != sidecar.get("sha256"):
            raise CorruptArtifactError(f"{data} does not match the sha256 in its sidecar: truncated or altered")
        with np.load(data) as npz:
            return _decode(npz), sidecar

    def cached(self, kind: str, config: dict, compute, label: str = "") -> tuple[dict, dict]:
        """Load the artifact for (kind, config), or compute() -> (arrays, info), save and return it."""
        name = artifact_name(kind, config, label)
        if not self.exists(name):
            arrays, info = compute()
            try:
                self.save(name, arrays, config, info)
            except FileExistsError:
                pass  # another process stored it meanwhile (parallel sweeps); load and check theirs
        return self.load(name)
