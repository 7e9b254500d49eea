"""Checkpoints: one ``.npz`` file per run, written atomically, read back with clear errors.

A checkpoint holds everything a run needs to continue *bit for bit* (lesson 12 resumes one):

    generator.<name>, critic.<name>          the networks' state dicts (host arrays, torch names)
    generator_optimizer.<name>,
    critic_optimizer.<name>                  the optimizers' state dicts
    meta.format                              FORMAT (a version number)
    meta.step                                generator steps done
    meta.config                              the TrainConfig as a JSON string
    meta.rng_state                           the training random generator's state, JSON
    meta.history                             the history so far, JSON
    meta.elapsed                             [wall seconds, training seconds] so far

Everything is a plain array (strings are NumPy unicode arrays), so the file loads with
``allow_pickle=False``: opening a checkpoint never runs code.

Writing is atomic: the arrays go to a temporary file in the same folder, which is flushed and
fsync'ed, then ``os.replace``'d over the old checkpoint. A crash at any moment leaves either the
old checkpoint or the new one on disk, never a torn file.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np  # host-side by design: checkpoints are host files

__all__ = [
    "FORMAT",
    "CheckpointError",
    "CheckpointMismatchError",
    "Checkpoint",
    "write_npz_atomic",
    "write_text_atomic",
    "write_atomic",
    "read_npz",
    "save",
    "load",
]

FORMAT = 1
_GROUPS = ("generator", "critic", "generator_optimizer", "critic_optimizer")
_META = ("meta.format", "meta.step", "meta.config", "meta.rng_state", "meta.history", "meta.elapsed")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: missing, truncated, corrupt, or not a minigan checkpoint."""


class CheckpointMismatchError(CheckpointError):
    """A readable checkpoint that does not belong to this run (other architecture or settings).

    ``differences``: (setting, value in the checkpoint, value now) for each differing setting,
    as data (empty when the networks or optimizers themselves do not fit); ``path`` the file."""

    def __init__(self, message: str, differences: list[tuple[str, Any, Any]] | None = None,
                 path: Path | None = None):
        super().__init__(message)
        self.differences = list(differences or [])
        self.path = path


@dataclass
class Checkpoint:
    """The contents of a checkpoint, as host objects."""

    step: int
    config: dict[str, Any]
    rng_state: dict[str, Any]
    history_json: str
    generator: dict[str, np.ndarray]
    critic: dict[str, np.ndarray]
    generator_optimizer: dict[str, np.ndarray]
    critic_optimizer: dict[str, np.ndarray]
    elapsed: tuple[float, float] = (0.0, 0.0)
    path: Path | None = field(default=None, compare=False)


def write_atomic(path: str | os.PathLike, write: Callable[[Any], None]) -> Path:
    """Write a file so that ``path`` is never half-written: ``write(handle)`` fills a binary
    temporary file in the same folder (same file system, so the rename is atomic), which is
    fsync'ed and then renamed over ``path``; the folder is fsync'ed too where the OS allows it,
    so the rename survives a power cut. On any error (Ctrl-C included) the temporary file is
    removed and ``path`` is untouched. The one atomic writer of the package: checkpoints,
    snapshots, the classifier's weights and ``config.json`` all go through it."""
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    temporary = Path(handle.name)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # NamedTemporaryFile makes the file private (0600); give it the mode a plain open() would.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def write_npz_atomic(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` (.npz, uncompressed) atomically (:func:`write_atomic`)."""
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise TypeError(f"checkpoint entry {key!r} must be a host numpy array, "
                            f"got {type(value).__name__}")
        if value.dtype == object:
            raise TypeError(f"checkpoint entry {key!r} has dtype object, which would need pickling")
    return write_atomic(path, lambda handle: np.savez(handle, **arrays))


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`write_atomic`)."""
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# An .npz is a zip archive: a local file header, or the end record of an empty archive.
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an .npz file, read fully (so damage shows up here, not later).

    Raises :class:`CheckpointError` naming the file and the problem for a missing, truncated or
    corrupt file, or one that would need pickle to load.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: no such file")
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start not in _ZIP_STARTS:
        raise CheckpointError(
            f"checkpoint {path} is not a minigan checkpoint (not an .npz archive: it starts with {start!r})"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(
            f"checkpoint {path} cannot be read (truncated or corrupt?): {type(error).__name__}: {error}"
        ) from error


def save(path: str | os.PathLike, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically (see :func:`write_npz_atomic`)."""
    arrays: dict[str, np.ndarray] = {
        "meta.format": np.array(FORMAT, dtype=np.int64),
        "meta.step": np.array(int(checkpoint.step), dtype=np.int64),
        "meta.config": np.array(json.dumps(checkpoint.config, sort_keys=True)),
        "meta.rng_state": np.array(json.dumps(checkpoint.rng_state)),
        "meta.history": np.array(checkpoint.history_json),
        "meta.elapsed": np.array(checkpoint.elapsed, dtype=np.float64),
    }
    for group in _GROUPS:
        for name, value in getattr(checkpoint, group).items():
            arrays[f"{group}.{name}"] = np.asarray(value)
    return write_npz_atomic(path, arrays)


def load(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save`; :class:`CheckpointError` if it is not one."""
    path = Path(path)
    arrays = read_npz(path)
    missing = [key for key in _META if key not in arrays]
    if missing:
        raise CheckpointError(
            f"checkpoint {path} is not a minigan training checkpoint: missing {', '.join(missing)}"
        )
    for key in ("meta.format", "meta.step"):
        value = arrays[key]
        if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
            raise CheckpointError(
                f"checkpoint {path}: {key} must be a non-negative integer, got {value!r} (dtype {value.dtype})"
            )
    version = int(arrays["meta.format"])
    if version != FORMAT:
        raise CheckpointError(f"checkpoint {path} has format {version}; this minigan reads format {FORMAT}")
    try:
        config = json.loads(str(arrays["meta.config"]))
        rng_state = json.loads(str(arrays["meta.rng_state"]))
    except json.JSONDecodeError as error:
        raise CheckpointError(
            f"checkpoint {path}: its config or random state is not valid JSON ({error})"
        ) from error
    groups: dict[str, dict[str, np.ndarray]] = {group: {} for group in _GROUPS}
    for key, value in arrays.items():
        if key.startswith("meta."):
            continue
        group, _, name = key.partition(".")
        if group not in groups or not name:
            raise CheckpointError(f"checkpoint {path}: unexpected entry {key!r}")
        groups[group][name] = value
    elapsed = arrays["meta.elapsed"]
    if elapsed.shape != (2,):
        raise CheckpointError(f"checkpoint {path}: meta.elapsed has shape {elapsed.shape}, expected (2,)")
    return Checkpoint(
        step=int(arrays["meta.step"]),
        config=config,
        rng_state=rng_state,
        history_json=str(arrays["meta.history"]),
        elapsed=(float(elapsed[0]), float(elapsed[1])),
        path=path,
        **groups,
    )
