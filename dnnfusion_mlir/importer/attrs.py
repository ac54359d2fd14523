"""Small helpers that build MLIR attributes for `dnnf` op fields, and shared op builders."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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


def concat(build: Callable[..., ir.OpView], inputs: Sequence[ir.Value], axis: int,
           out_type: ir.Type) -> ir.Value:
    """`dnnf.concat` of `inputs` along `axis`, built with `build(op_cls, *fields)`.

    IRDL makes a variadic operand homogeneous, so inputs of different types are concatenated
    pairwise with `dnnf.concat_pair` instead.
    """
    from dnnfusion_mlir.dialects import dnnf

    if len(inputs) == 1:
        return inputs[0]
    if len({str(v.type) for v in inputs}) == 1:
        return build(dnnf.ConcatOp, list(inputs), i64(axis), out_type).out
    acc = inputs[0]
    for value in inputs[1:]:
        shape = list(ir.RankedTensorType(acc.type).shape)
        shape[axis] += ir.RankedTensorType(value.type).shape[axis]
        result = ir.RankedTensorType.get(shape, ir.RankedTensorType(acc.type).element_type)
        acc = build(dnnf.ConcatPairOp, acc, value, i64(axis), result).out
    return acc
