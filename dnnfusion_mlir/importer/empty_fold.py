"""Zero-size tensors are compile-time constants: fold the nodes that make or read them.

A tensor with a 0 in its static shape has exactly one value, so it never needs a kernel (and
the tiling schedule cannot tile one). Used by `const_fold.fold_constants`:

- a node whose outputs are all zero-size folds to empty arrays, whatever its inputs;
- a node whose run-time inputs are all zero-size (the rest constant) is evaluated with the
  ONNX reference on empty arrays: a reduction over an empty axis, a MatMul with inner size
  0... give ordinary constants (the reduction's identity, zeros).

What is left is a zero-size constant feeding a node with other run-time inputs; Concat drops
those operands (ops_shape.py), anything else is rejected by the importer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import helper

EMPTY_FOLD_LIMIT = 1 << 20
"""A constant computed from zero-size inputs may have at most this many elements."""

Evaluate = Callable[[onnx.NodeProto, dict[str, np.ndarray]], "list[np.ndarray] | None"]


def empty_value(name: str, shapes: dict[str, tuple[int, ...]],
                types: dict[str, int]) -> np.ndarray | None:
    """The value of `name` if its static shape has a zero and its element type is known."""
    shape, elem = shapes.get(name), types.get(name)
    if shape is None or 0 not in shape or not elem or elem == onnx.TensorProto.STRING:
        return None
    try:
        return np.zeros(shape, dtype=helper.tensor_dtype_to_np_dtype(elem))
    except (KeyError, ValueError, TypeError):
        return None


def fold_empty(node: onnx.NodeProto, consts: dict[str, np.ndarray],
               shapes: dict[str, tuple[int, ...]], types: dict[str, int],
               evaluate: Evaluate) -> list[np.ndarray] | None:
    """Output values of `node` decided by zero-size tensors (see the module doc), or None."""
    outputs = [name for name in node.output if name]
    empties = [empty_value(name, shapes, types) for name in outputs]
    if outputs and all(e is not None for e in empties):
        by_name = dict(zip(outputs, empties, strict=True))
        return [by_name.get(name, np.zeros(0)) for name in node.output]  # type: ignore[misc]
    feeds: dict[str, np.ndarray] = {}
    read_empty = False
    for name in (n for n in node.input if n):
        if name in consts:
            feeds[name] = consts[name]
            continue
        value = empty_value(name, shapes, types)
        if value is None:
            return None
        feeds[name], read_empty = value, True
    if not read_empty or not _small_outputs(outputs, shapes):
        return None
    return evaluate(node, feeds)


def _small_outputs(outputs: list[str], shapes: dict[str, tuple[int, ...]]) -> bool:
    """Every output has a known shape and they hold at most EMPTY_FOLD_LIMIT elements."""
    if not all(name in shapes for name in outputs):
        return False
    return sum(int(np.prod(shapes[name])) for name in outputs) <= EMPTY_FOLD_LIMIT
