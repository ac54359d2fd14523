"""Turn numpy constants into `dnnf.constant` ops.

Small tensors become inline `dense<...>` attributes so rewrites can read their values;
anything larger becomes `dense_resource<...>` backed by the numpy buffer (no textual copy),
so importing a 100 MB model costs one pass over the weights, not a giant printed literal.
"""

from __future__ import annotations

import re

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.types import tensor_type

INLINE_MAX_ELEMENTS = 16


def dense_attr(array: np.ndarray, ttype: ir.RankedTensorType) -> ir.Attribute:
    """An inline `dense<...>` attribute holding `array`."""
    data = np.ascontiguousarray(array)
    return ir.DenseElementsAttr.get(data, type=ttype)


def resource_name(hint: str, taken: set[str]) -> str:
    """A unique resource key derived from an ONNX tensor name."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", hint) or "w"
    if base[0].isdigit():
        base = "w_" + base
    name, i = base, 0
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


class ConstantPool:
    """Creates (and de-duplicates by ONNX name) `dnnf.constant` ops at a fixed point."""

    def __init__(self, insertion_block: ir.Block) -> None:
        self._block = insertion_block
        self._values: dict[str, ir.Value] = {}
        self._names: set[str] = set()
        self.weights: dict[str, np.ndarray] = {}

    def get(self, name: str, array: np.ndarray) -> ir.Value:
        """The SSA value of constant `name`, creating its op on first use."""
        if name in self._values:
            return self._values[name]
        # ascontiguousarray turns a 0-d array into shape (1,); keep scalars rank 0.
        data = np.ascontiguousarray(array).reshape(np.shape(array))
        if data.dtype == np.float64:
            data = data.astype(np.float32)
        ttype = tensor_type(data.shape, data.dtype)
        if data.size <= INLINE_MAX_ELEMENTS:
            attr = dense_attr(data, ttype)
        else:
            key = resource_name(name, self._names)
            # get_from_buffer does not copy: the blob references `data`'s buffer (holding a
            # Py_buffer on it until the context drops the blob), and `weights` keeps the array
            # for the runtime. Contiguous arrays, including the loader's read-only views of
            # the model's raw bytes, pass through ascontiguousarray above uncopied.
            self.weights[key] = data
            attr = ir.DenseResourceElementsAttr.get_from_buffer(memoryview(data), key, ttype)  # type: ignore[arg-type]
        with ir.InsertionPoint.at_block_begin(self._block), ir.Location.name(name):
            if data.size == 0:
                # An empty attribute is falsy, which the generated builder takes for "missing".
                value = ir.Operation.create("dnnf.constant", results=[ttype],
                                            attributes={"value": attr}).result
            else:
                value = dnnf.ConstantOp(attr, ttype).out
        self._values[name] = value
        return value
