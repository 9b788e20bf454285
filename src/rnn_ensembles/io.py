"""File helpers shared by every stage: atomic writes and checked HDF5 reads."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import h5py
import numpy as np

# How HDF5 reports a file shorter than its header says.
TRUNCATED = re.compile(r"truncated file: eof = (?P<eof>\d+).*stored_eof = (?P<stored>\d+)")


class DataFileError(ValueError):
    """A file given to the workflow is not what the stage expects; the message names it."""


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary sibling of ``path`` to write to; rename it onto ``path`` on success.

    A job killed while writing leaves no half-written output under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def partial_path(path) -> Path:
    """The temporary name :func:`atomic_path` writes ``path`` under: hidden, same folder
    (so that the rename is atomic), same suffix (some writers, Keras, insist on it)."""
    path = Path(path)
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def write_json(path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path, kind: str, keys=()) -> dict:
    """Read a JSON object written by a stage, checking that it has ``keys``."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataFileError(f"{path}: {kind} file does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataFileError(f"{path}: not a readable {kind} file ({err})") from None
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a {kind} object, found {type(data).__name__}")
    absent = [key for key in keys if key not in data]
    if absent:
        raise DataFileError(f"{path}: {kind} file lacks {', '.join(absent)}")
    return data


def read_table(path, kind: str, index: bool = False):
    """Read a TSV table written by a stage as a pandas DataFrame (its first column as the
    index with ``index``, as the distance matrices are written)."""
    import pandas as pd  # not at import: the numpy-only jobs start faster without it

    try:
        return pd.read_csv(path, sep="\t", index_col=0 if index else None)
    except FileNotFoundError:
        raise DataFileError(f"{path}: {kind} table does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataFileError(f"{path}: not a readable {kind} table ({err})") from None


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def attribute_value(value):
    """An HDF5-storable form of a parameter: scalars as is, anything else as JSON text."""
    if value is None:
        return "null"
    if isinstance(value, str | int | float | bool | np.generic):
        return value
    return json.dumps(value, default=_json_default)


def open_h5(path, kind: str) -> h5py.File:
    """Open an HDF5 file for reading, turning h5py's errors into one naming the file."""
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise DataFileError(f"{path}: {kind} file does not exist") from None
    except OSError as err:
        cut = TRUNCATED.search(str(err))
        if cut:
            raise DataFileError(
                f"{path}: {kind} file is truncated ({cut['eof']} of {cut['stored']} bytes): "
                "cut short by a killed job or a full disk; delete it and rerun to remake it"
            ) from None
        raise DataFileError(f"{path}: not a readable HDF5 {kind} file ({err})") from None


def check_format(handle: h5py.File, kind: str, version: int) -> None:
    """Refuse a file written for another stage or another format version."""
    # numpy scalars as plain values, so that the message shows 99, not np.int64(99)
    found_kind, found = (
        value.item() if isinstance(value, np.generic) else value
        for value in (handle.attrs.get("content"), handle.attrs.get("format_version"))
    )
    if found_kind != kind:
        raise DataFileError(
            f"{handle.filename}: expected a {kind} file, found content={found_kind!r}"
        )
    if found != version:
        raise DataFileError(
            f"{handle.filename}: {kind} format version {found!r} is not supported "
            f"(this version reads format {version})"
        )


def read_array(group, name: str, ndim: int | None = None, shape=None) -> np.ndarray:
    """Read ``group[name]``, checking its presence, rank and shape (``None`` entries match any)."""
    where = f"{group.file.filename}:{group.name.rstrip('/')}/{name}"
    if name not in group:
        raise DataFileError(f"{where}: array is missing")
    data = group[name]
    if not isinstance(data, h5py.Dataset):
        raise DataFileError(f"{where}: is a group, expected an array")
    if data.dtype.kind not in "biufc":
        raise DataFileError(f"{where}: holds {data.dtype} values, expected numbers")
    if ndim is not None and data.ndim != ndim:
        raise DataFileError(f"{where}: has {data.ndim} dimensions {data.shape}, expected {ndim}")
    if shape is not None and any(
        want is not None and want != got for want, got in zip(shape, data.shape, strict=True)
    ):
        expected = tuple("any" if s is None else s for s in shape)
        raise DataFileError(f"{where}: has shape {data.shape}, expected {expected}")
    try:
        return data[()]
    except OSError as err:
        raise DataFileError(f"{where}: cannot be read, the file may be truncated ({err})") from None
