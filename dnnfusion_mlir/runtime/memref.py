"""Ranked memref descriptors for numpy arrays, built once per static shape.

The `_mlir_ciface_` entry takes a pointer to each descriptor
`{allocated, aligned, offset, sizes[rank], strides[rank]}`. Shapes are static, so each
argument's descriptor is created once and only its data pointers change between calls.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

import numpy as np


@cache
def descriptor_class(rank: int) -> type[ctypes.Structure]:
    """The C layout of a rank-`rank` memref descriptor (element type erased)."""
    fields: list[tuple[str, type]] = [
        ("allocated", ctypes.c_void_p),
        ("aligned", ctypes.c_void_p),
        ("offset", ctypes.c_longlong),
    ]
    if rank:
        fields += [("sizes", ctypes.c_longlong * rank), ("strides", ctypes.c_longlong * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


class ArgumentPack:
    """The packed `void*` argument array of one entry point with static argument shapes."""

    def __init__(self, shapes: Sequence[tuple[int, ...]]) -> None:
        self._descs = []
        for shape in shapes:
            desc = descriptor_class(len(shape))()
            strides = [int(s) for s in np.cumprod((1, *shape[:0:-1]))[::-1]] if shape else []
            for i, (size, stride) in enumerate(zip(shape, strides, strict=True)):
                desc.sizes[i] = size
                desc.strides[i] = stride
            self._descs.append(desc)
        # The ciface takes one pointer per argument, to a pointer to the descriptor.
        self._ptrs = [ctypes.pointer(d) for d in self._descs]
        self.packed = (ctypes.c_void_p * len(shapes))()
        for i, p in enumerate(self._ptrs):
            self.packed[i] = ctypes.addressof(p)

    def bind(self, index: int, array: np.ndarray, address: int | None = None) -> None:
        """Point argument `index` at `array` (C-contiguous, of the declared shape), whose
        data `address` the caller may pass if it has it."""
        address = data_address(array) if address is None else address
        self._descs[index].allocated = address
        self._descs[index].aligned = address


def data_address(array: np.ndarray) -> int:
    """Address of a C-contiguous array's first element.

    `ndarray.ctypes.data` builds a ctypes helper object per call (microseconds, several
    per model call); a writable buffer's address through `c_char.from_buffer` costs a
    fifth of that. Read-only and empty arrays take the slow way.
    """
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(cast(Any, array)))
    except (TypeError, ValueError, BufferError):
        return int(array.ctypes.data)


#: Byte alignment of the buffers we hand to compiled code: one cache line, one AVX-512
#: vector. numpy only guarantees 16, so a vector load could straddle two cache lines.
ALIGNMENT = 64


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on an `ALIGNMENT` boundary."""
    return aligned_empty_at(shape, dtype)[0]


def aligned_empty_at(shape: tuple[int, ...],
                     dtype: np.dtype | type) -> tuple[np.ndarray, int]:
    """`aligned_empty` and the address of its data."""
    dt = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
    raw = np.empty(math.prod(shape) * dt.itemsize + ALIGNMENT, dtype=np.uint8)
    base = data_address(raw)
    start = -base % ALIGNMENT
    return np.ndarray(shape, dt, raw, start), base + start


def aligned(array: np.ndarray) -> np.ndarray:
    """`array` itself when C-contiguous and aligned, else an aligned copy."""
    return aligned_at(array)[0]


def aligned_at(array: np.ndarray) -> tuple[np.ndarray, int]:
    """`aligned` and the address of its data."""
    if array.flags.c_contiguous:
        address = data_address(array)
        if address % ALIGNMENT == 0:
            return array, address
    out, address = aligned_empty_at(array.shape, array.dtype)
    out[...] = array
    return out, address

