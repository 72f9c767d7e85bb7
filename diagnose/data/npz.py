"""``.npz`` files: the arrays of a ``numpy.savez`` archive, with ``X`` memory-mapped when stored uncompressed.

A float32 ``X`` stays on disk and its pages are read when used (and shared by local worker processes);
any other dtype is converted to float32 straight from the map, without a full copy in the stored dtype
first. Object (pickled) arrays are never loaded.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError


def load_npz(path: Path, padding: str = "auto", pad_value: float | None = None, layout: str | None = None) -> Dataset:
    """The Dataset of an ``.npz`` holding ``X`` and ``y`` (and optionally ``lengths``, ``groups``, ``ids``: series
    ids shown in reports); ``padding``, ``pad_value`` and ``layout`` as for :class:`Dataset`."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"cannot read {path.name}: not a valid .npz file (save it with numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            missing = [k for k in ("X", "y") if k not in names]
            if missing:
                raise DataError(f"{path.name} lacks array(s) {', '.join(missing)}; found: {', '.join(names) or 'none'}")
            X = map_npz_member(path, "X")
            arrays = {
                k: archive[k]
                for k in ("y", "lengths", "groups", "ids") + (() if X is not None else ("X",))
                if k in names
            }
            if X is not None:
                arrays["X"] = X
    except DataError:
        raise
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(
                f"{path.name} holds object (pickled) arrays, which are never loaded: save numeric X and string or numeric y"
            ) from None
        raise DataError(f"cannot read {path.name}: {err}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"cannot read {path.name}: not a valid .npz file ({err})") from None
    ignored = [k for k in names if k not in ("X", "y", "lengths", "groups", "ids")]
    meta = {"notes": [f"ignored arrays: {', '.join(ignored)}"]} if ignored else {}
    if "ids" in arrays:
        ids = np.asarray(arrays["ids"]).ravel()
        if len(ids) != len(arrays["y"]):
            raise DataError(f"{path.name}: ids must hold one id per series ({len(arrays['y'])}); got {len(ids)}")
        meta["series_ids"] = [str(i) for i in ids.tolist()]
    return Dataset(
        arrays["X"],
        arrays["y"],
        lengths=arrays.get("lengths"),
        groups=arrays.get("groups"),
        meta=meta,
        padding=padding,
        pad_value=pad_value,
        layout=layout,
    )


class MappedArray(np.memmap):
    """A copy-on-write memory map of an array in a file, which local worker processes map again.

    Sent to a local process pool (``multiprocessing``'s pickler) the whole array travels as its file
    name, offset and shape, and the worker maps the same file: no copy per worker. Any other pickling
    (Dask, caches) and any view or slice of it pickles as an ordinary array, data included.
    """

    _origin: tuple | None = None

    @classmethod
    def open(cls, filename: str | Path, dtype, shape: tuple, offset: int, order: str) -> MappedArray:
        filename = os.fspath(filename)
        arr = cls(filename, dtype=dtype, mode="c", offset=offset, shape=shape, order=order)
        st = os.stat(filename)
        arr._origin = (
            filename,
            np.dtype(dtype).str,
            tuple(shape),
            int(offset),
            order,
            (st.st_size, st.st_mtime_ns),
            arr.__array_interface__["data"][0],
            arr.strides,
        )
        return arr

    def __array_finalize__(self, obj) -> None:
        super().__array_finalize__(obj)
        self._origin = None  # views and results are not the mapped array itself

    def __reduce__(self):
        return np.asarray(self).__reduce__()

    def _whole(self) -> bool:
        o = self._origin
        return o is not None and self.__array_interface__["data"][0] == o[6] and self.strides == o[7]


def _remap(filename: str, dtype: str, shape: tuple, offset: int, order: str, stamp: tuple) -> np.ndarray:
    st = os.stat(filename)
    if (st.st_size, st.st_mtime_ns) != tuple(stamp):
        raise DataError(f"{filename} changed after it was loaded: load it again")
    return MappedArray.open(filename, dtype, shape, offset, order)


def _reduce_mapped(arr: MappedArray):
    if arr._whole():
        return _remap, arr._origin[:6]
    return np.asarray(arr).__reduce__()


def _register_mapped_pickling() -> None:
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(MappedArray, _reduce_mapped)


def map_npz_member(path: str | Path, name: str) -> np.ndarray | None:
    """Memory-map array ``name`` of an ``.npz`` file when it is stored uncompressed; else ``None``.

    Read only from the file (copy-on-write: writing to the array never changes the file). Object
    arrays, compressed members (``numpy.savez_compressed``), empty arrays and ``.npy`` format versions
    other than 1.0 and 2.0 give ``None``: the caller then reads the array normally.
    """
    from numpy.lib import format as npy

    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(f"{name}.npy")
        except KeyError:
            return None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:  # compressed or encrypted
            return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        fh.seek(start)
        try:
            version = npy.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(fh)
            else:
                return None
        except ValueError:
            return None
        offset = fh.tell()
    count = int(np.prod(shape, dtype=np.int64))
    if dtype.hasobject or count == 0 or offset + count * dtype.itemsize > start + info.file_size:
        return None
    return MappedArray.open(path, dtype, tuple(shape), offset, "F" if fortran else "C")


_register_mapped_pickling()
