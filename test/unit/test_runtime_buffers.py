"""Buffers handed to compiled code start on a cache line (runtime/memref.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dnnfusion_mlir.runtime.memref import (
    ALIGNMENT,
    aligned,
    aligned_at,
    aligned_empty,
    aligned_empty_at,
    data_address,
)


@pytest.mark.parametrize(("shape", "dtype"), [((3, 5), np.float32), ((), np.float32),
                                              ((0, 4), np.float32), ((7,), np.bool_),
                                              ((2, 3), np.int64)])
def test_aligned_empty(shape: tuple[int, ...], dtype: type) -> None:
    a = aligned_empty(shape, dtype)
    assert a.shape == shape
    assert a.dtype == np.dtype(dtype)
    assert a.flags.c_contiguous
    assert a.ctypes.data % ALIGNMENT == 0 or a.size == 0
    b, address = aligned_empty_at(shape, dtype)
    assert address == b.ctypes.data
    assert address % ALIGNMENT == 0


def test_aligned_copies_only_when_needed() -> None:
    raw = np.arange(40, dtype=np.float32)
    base = aligned(raw)
    assert aligned(base) is base  # already aligned and contiguous: no copy
    shifted = base[1:17]  # 4 bytes past a cache line
    assert shifted.ctypes.data % ALIGNMENT != 0
    fixed = aligned(shifted)
    assert fixed.ctypes.data % ALIGNMENT == 0
    np.testing.assert_array_equal(fixed, shifted)
    strided = aligned(base[::2])
    assert strided.flags.c_contiguous
    np.testing.assert_array_equal(strided, raw[::2])


def test_data_address_of_writable_read_only_and_empty_arrays() -> None:
    """The fast address (through the buffer protocol) is numpy's own; arrays that do not
    export a writable buffer fall back to `ndarray.ctypes`."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert data_address(a) == a.ctypes.data
    assert data_address(a[1:]) == a.ctypes.data + 16
    frozen = a.copy()
    frozen.flags.writeable = False
    assert data_address(frozen) == frozen.ctypes.data
    empty = np.empty((0, 3), np.float32)
    assert data_address(empty) == empty.ctypes.data
    fixed, address = aligned_at(frozen[:, 1:].copy()[1:])
    assert address == fixed.ctypes.data
    assert address % ALIGNMENT == 0
