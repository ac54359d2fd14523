"""Helpers shared by the algebraic rewrite rules: reading constants, shapes, uses, proofs.

Constant VALUES are only visible for inline `dense<...>` attributes (the importer keeps
tensors of at most `INLINE_MAX_ELEMENTS` inline); a `dense_resource<...>` weight reads as
"not a known constant", so every rule that needs values simply does not fire on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer.constants import INLINE_MAX_ELEMENTS
from dnnfusion_mlir.types import tensor_type

_VALUE_DTYPES = {"f32": np.float32, "i64": np.int64, "i32": np.int32}
# Producers whose results are never negative (NaN stays NaN through the rules using this).
NONNEGATIVE_OPS = frozenset({"dnnf.relu", "dnnf.exp", "dnnf.abs", "dnnf.sigmoid", "dnnf.sqrt"})

__all__ = ["INLINE_MAX_ELEMENTS"]


def producer(value: ir.Value, *names: str) -> ir.Operation | None:
    """The op defining `value` if it is one of `names` (any op when none given), else None."""
    if not isinstance(value, ir.OpResult):
        return None
    op = value.owner.operation
    if names and str(op.name) not in names:
        return None
    return op


def single_use(value: ir.Value) -> bool:
    """Whether `value` has exactly one use."""
    return sum(1 for _ in value.uses) == 1


def shape(value: ir.Value) -> tuple[int, ...]:
    """Static shape of a tensor value."""
    return tuple(ir.RankedTensorType(value.type).shape)


def element(value: ir.Value) -> str:
    """Element type spelling of a tensor value (`f32`, `i64`, ...)."""
    return str(ir.RankedTensorType(value.type).element_type)


def is_f32(*values: ir.Value) -> bool:
    """Whether every value is an f32 tensor."""
    return all(element(v) == "f32" for v in values)


def const_array(value: ir.Value) -> np.ndarray | None:
    """The value of an inline `dnnf.constant` (f32/i64/i32), or None if not readable."""
    op = producer(value, "dnnf.constant")
    if op is None:
        return None
    attr = op.attributes["value"]
    dtype = _VALUE_DTYPES.get(element(value))
    if dtype is None or not isinstance(attr, ir.DenseElementsAttr):
        return None
    return np.asarray(attr, dtype=dtype).reshape(shape(value))


def broadcast(*shapes: Sequence[int]) -> tuple[int, ...] | None:
    """numpy broadcast of `shapes`, or None if incompatible."""
    try:
        return tuple(np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        return None


def result_type(shape_: Sequence[int], like: ir.Value) -> ir.RankedTensorType:
    """A tensor type of `shape_` with the element type of `like`."""
    return ir.RankedTensorType.get(list(shape_), ir.RankedTensorType(like.type).element_type)


def make_constant(array: np.ndarray) -> ir.Value:
    """A new inline `dnnf.constant` at the current insertion point (caller sets it)."""
    data = np.array(array, copy=True)
    ttype = tensor_type(data.shape, data.dtype)
    return dnnf.ConstantOp(ir.DenseElementsAttr.get(data, type=ttype), ttype).out


def small(array: np.ndarray) -> bool:
    """Whether a folded constant may stay inline (so later rules can read it)."""
    return array.size <= INLINE_MAX_ELEMENTS


def nonnegative(value: ir.Value, depth: int = 4) -> bool:
    """Provably x >= 0 (or NaN) for every element: see NONNEGATIVE_OPS, constants, y*y."""
    arr = const_array(value)
    if arr is not None:
        return bool(np.all((arr >= 0) | np.isnan(arr)))
    op = producer(value)
    if op is None or depth == 0:
        return False
    if str(op.name) in NONNEGATIVE_OPS:
        return True
    if str(op.name) == "dnnf.mul":
        lhs, rhs = op.operands[0], op.operands[1]
        return lhs == rhs or (nonnegative(lhs, depth - 1) and nonnegative(rhs, depth - 1))
    if str(op.name) == "dnnf.add":
        return all(nonnegative(v, depth - 1) for v in op.operands)
    return False


def other_operand(op: ir.Operation, index: int) -> ir.Value:
    """The operand of binary `op` that is not at `index`."""
    return op.operands[1 - index]


def constant_side(op: ir.Operation) -> tuple[int, np.ndarray] | None:
    """(position, value) of a binary op's inline constant operand (rhs preferred)."""
    for i in (1, 0):
        arr = const_array(op.operands[i])
        if arr is not None:
            return i, arr
    return None


def elements(value: ir.Value) -> int:
    """Element count of a tensor value."""
    return math.prod(shape(value))
