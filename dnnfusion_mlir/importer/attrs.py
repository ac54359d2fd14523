"""Small helpers that build MLIR attributes for `dnnf` op fields."""

from __future__ import annotations

from collections.abc import Iterable

from dnnfusion_mlir._mlir import ir


def i64(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def f32(value: float) -> ir.FloatAttr:
    return ir.FloatAttr.get_f32(float(value))


def string(value: str) -> ir.StringAttr:
    return ir.StringAttr.get(value)


def i64_array(values: Iterable[int]) -> ir.Attribute:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def f32_array(values: Iterable[float]) -> ir.Attribute:
    return ir.DenseF32ArrayAttr.get([float(v) for v in values])
