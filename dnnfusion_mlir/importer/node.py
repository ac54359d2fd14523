"""What a converter sees of one ONNX node: its inputs as MLIR values or constants,
its attributes, static output types, and a builder for `dnnf` ops at the node's location."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.importer.constants import ConstantPool
from dnnfusion_mlir.types import is_supported, tensor_type


class NodeContext:
    """One ONNX node during import (see importer/onnx_importer.py)."""

    def __init__(
        self,
        node: onnx.NodeProto,
        values: dict[str, ir.Value],
        constants: dict[str, np.ndarray],
        shapes: dict[str, tuple[int, ...]],
        dtypes: dict[str, np.dtype],
        pool: ConstantPool,
        opset: int,
    ) -> None:
        self.node = node
        self.opset = opset
        self._values = values
        self._constants = constants
        self._shapes = shapes
        self._dtypes = dtypes
        self._pool = pool
        self._attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # ------------------------------------------------------------ identity
    @property
    def name(self) -> str:
        return self.node.name

    @property
    def op_type(self) -> str:
        return self.node.op_type

    def error(self, cls: type[errors.CompileError], reason: str) -> errors.CompileError:
        """An error of class `cls` naming this node (raise it)."""
        return cls(reason, node=self.name, op_type=self.op_type)

    def unsupported(self, reason: str) -> errors.CompileError:
        """An UnsupportedOpError naming this node (raise it)."""
        return self.error(errors.UnsupportedOpError, reason)

    # ------------------------------------------------------------ inputs
    @property
    def num_inputs(self) -> int:
        """Number of inputs, not counting trailing empty (omitted) ones."""
        names = list(self.node.input)
        while names and not names[-1]:
            names.pop()
        return len(names)

    def has_input(self, i: int) -> bool:
        return i < len(self.node.input) and bool(self.node.input[i])

    def input(self, i: int) -> ir.Value:
        """MLIR value of input `i` (constants are materialised as `dnnf.constant`)."""
        name = self.node.input[i]
        if name in self._values:
            return self._values[name]
        if name in self._constants:
            return self._pool.get(name, self._constants[name])
        raise self.unsupported(f"input {i} ('{name}') is not defined")

    def constant(self, name: str, array: np.ndarray) -> ir.Value:
        """A new (or cached, by `name`) constant tensor built from `array`."""
        return self._pool.get(name, array)

    def const(self, i: int) -> np.ndarray | None:
        """Value of input `i` if it is known at compile time, else None."""
        if not self.has_input(i):
            return None
        return self._constants.get(self.node.input[i])

    def require_const(self, i: int, what: str) -> np.ndarray:
        """Value of input `i`, which must be a compile-time constant."""
        value = self.const(i)
        if value is None:
            raise self.unsupported(f"{what} (input {i}) must be a compile-time constant")
        return value

    def in_shape(self, i: int) -> tuple[int, ...]:
        return self._shapes[self.node.input[i]]

    def in_dtype(self, i: int) -> np.dtype:
        return self._dtypes[self.node.input[i]]

    # ------------------------------------------------------------ outputs
    def out_shape(self, i: int = 0) -> tuple[int, ...]:
        return self._shapes[self.node.output[i]]

    def out_dtype(self, i: int = 0) -> np.dtype:
        return self._dtypes[self.node.output[i]]

    def out_type(self, i: int = 0) -> ir.RankedTensorType:
        dtype = self.out_dtype(i)
        if not is_supported(dtype):
            raise self.error(errors.DTypeError, f"output {i} has element type {dtype}")
        return tensor_type(self.out_shape(i), dtype)

    # ------------------------------------------------------------ attributes
    def attr(self, name: str, default: Any = None) -> Any:
        """Attribute value (bytes decoded to str), or `default`."""
        value = self._attrs.get(name, default)
        return value.decode() if isinstance(value, bytes) else value

    # ------------------------------------------------------------ building
    def build(self, op_cls: type, *operands: Any, **fields: Any) -> ir.OpView:
        """Create `op_cls(*operands, **fields)` at this node's location."""
        with ir.Location.name(self.name):
            return op_cls(*operands, **fields)

    def require_dtypes(self, allowed: Sequence[Any], inputs: Sequence[int] = (0,)) -> None:
        """Raise DTypeError unless inputs `inputs` have one of the `allowed` dtypes."""
        allowed_set = {np.dtype(a) for a in allowed}
        for i in inputs:
            if self.has_input(i) and self.in_dtype(i) not in allowed_set:
                names = ", ".join(sorted(str(a) for a in allowed_set))
                raise self.error(
                    errors.DTypeError,
                    f"input {i} has element type {self.in_dtype(i)}; supported: {names}",
                )
