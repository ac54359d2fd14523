"""Element types we support, and conversions between numpy dtypes and MLIR types."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir._mlir import ir

# numpy dtype -> MLIR element type spelling. Booleans are i1 (stored one byte per element).
_ELEMENT_NAMES: dict[np.dtype, str] = {
    np.dtype(np.float32): "f32",
    np.dtype(np.int64): "i64",
    np.dtype(np.int32): "i32",
    np.dtype(np.bool_): "i1",
}
_DTYPES = {name: dtype for dtype, name in _ELEMENT_NAMES.items()}


def is_supported(dtype: np.dtype) -> bool:
    """Whether tensors of `dtype` can flow through the compiler."""
    return np.dtype(dtype) in _ELEMENT_NAMES


def element_name(dtype: np.dtype) -> str:
    """MLIR spelling of a supported numpy dtype (KeyError otherwise)."""
    return _ELEMENT_NAMES[np.dtype(dtype)]


def element_type(dtype: np.dtype) -> ir.Type:
    """MLIR element type of a supported numpy dtype, in the current context."""
    return ir.Type.parse(element_name(dtype))


def tensor_type(shape: Sequence[int], dtype: np.dtype) -> ir.RankedTensorType:
    """`tensor<shape x dtype>` in the current context."""
    return ir.RankedTensorType.get(list(shape), element_type(dtype))


def tensor_type_text(shape: Sequence[int], dtype: np.dtype | str) -> str:
    """Textual `tensor<...>` type, for kernel templates."""
    elem = dtype if isinstance(dtype, str) else element_name(dtype)
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{elem}>"


def dtype_of(element: ir.Type | str) -> np.dtype:
    """numpy dtype of an MLIR element type (KeyError if unsupported)."""
    return _DTYPES[str(element)]


def shape_and_dtype(value_type: ir.Type) -> tuple[tuple[int, ...], np.dtype]:
    """Static shape and numpy dtype of a ranked tensor type."""
    ranked = ir.RankedTensorType(value_type)
    return tuple(ranked.shape), dtype_of(ranked.element_type)
