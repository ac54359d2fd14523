"""Kernel templates: how one `dnnf` op becomes linalg/tensor/arith/math text.

A kernel function receives a `KernelOp` (operand/result types and decoded attributes of
one op) and returns the body of a private `func.func` whose arguments are the op's operands
and whose results are the op's results. The conversion pass instantiates each distinct body
once, calls it in place of the op and inlines it, so templates stay small, readable MLIR.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dnnfusion_mlir._mlir import ir


@dataclass(frozen=True)
class TType:
    """A static ranked tensor type in text form."""

    shape: tuple[int, ...]
    elem: str

    @property
    def text(self) -> str:
        return "tensor<" + "".join(f"{d}x" for d in self.shape) + self.elem + ">"

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_float(self) -> bool:
        return self.elem.startswith("f")

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def with_shape(self, shape: tuple[int, ...] | list[int]) -> TType:
        return TType(tuple(shape), self.elem)

    def with_elem(self, elem: str) -> TType:
        return TType(self.shape, elem)

    @staticmethod
    def of(value_type: ir.Type) -> TType:
        ranked = ir.RankedTensorType(value_type)
        return TType(tuple(ranked.shape), str(ranked.element_type))


def decode_attr(attr: ir.Attribute) -> Any:
    """Python value of an op attribute (int, float, str, list)."""
    for cls, conv in (
        (ir.DenseI64ArrayAttr, list),
        (ir.DenseF32ArrayAttr, list),
        (ir.IntegerAttr, lambda a: a.value),
        (ir.FloatAttr, lambda a: a.value),
        (ir.StringAttr, lambda a: a.value),
    ):
        if isinstance(attr, cls):
            return conv(attr)
    return attr


class KernelOp:
    """The view of a `dnnf` op that kernel templates use."""

    def __init__(self, op: ir.OpView) -> None:
        self.name: str = op.operation.name
        self.operand_names = _operand_field_names(op)
        self.in_types = [TType.of(v.type) for v in op.operation.operands]
        self.out_types = [TType.of(r.type) for r in op.operation.results]
        self.args = [f"%arg{i}" for i in range(len(self.in_types))]
        self.attrs: dict[str, Any] = {
            name: decode_attr(op.operation.attributes[name]) for name in op.operation.attributes
        }
        self._counter = 0

    def operand(self, field: str) -> tuple[str, TType] | None:
        """(SSA name, type) of the operand declared as `field`, or None if absent."""
        for i, name in enumerate(self.operand_names):
            if name == field:
                return self.args[i], self.in_types[i]
        return None

    def fresh(self, hint: str = "v") -> str:
        """A new SSA name for the body being built."""
        self._counter += 1
        return f"%{hint}{self._counter}"

    @property
    def out(self) -> TType:
        return self.out_types[0]


def _operand_field_names(op: ir.OpView) -> list[str]:
    """Field name of each operand, expanding variadic/optional segments."""
    from dnnfusion_mlir._mlir import dialect_ext as ext

    defs = [f for f in getattr(type(op), "_fields", []) if isinstance(f, ext.OperandDef)]
    operands = op.operation.operands
    if "operandSegmentSizes" not in op.operation.attributes:
        return [d.name for d in defs][: len(operands)]
    sizes = list(ir.DenseI32ArrayAttr(op.operation.attributes["operandSegmentSizes"]))
    names: list[str] = []
    for d, n in zip(defs, sizes, strict=True):
        names.extend([d.name] * n)
    return names


KernelFn = Callable[[KernelOp], str]
KERNELS: dict[str, KernelFn] = {}

_FAMILIES = (
    "dnnfusion_mlir.codegen.kernels_elementwise",
    "dnnfusion_mlir.codegen.kernels_nn",
    "dnnfusion_mlir.codegen.kernels_pool",
    "dnnfusion_mlir.codegen.kernels_shape",
    "dnnfusion_mlir.codegen.kernels_resample",
    "dnnfusion_mlir.codegen.kernels_reduce",
    "dnnfusion_mlir.codegen.kernels_extra",
    "dnnfusion_mlir.codegen.kernels_extra_nn",
)


def kernel(*op_names: str) -> Callable[[KernelFn], KernelFn]:
    """Register the decorated template for `dnnf.<name>` ops."""

    def register(fn: KernelFn) -> KernelFn:
        for name in op_names:
            full = name if name.startswith("dnnf.") else f"dnnf.{name}"
            if full in KERNELS:
                raise RuntimeError(f"two kernels for {full}")
            KERNELS[full] = fn
        return fn

    return register


def load_all() -> dict[str, KernelFn]:
    """Import every kernel family and return the table."""
    for module in _FAMILIES:
        importlib.import_module(module)
    return KERNELS
