"""Aten converters for data movement: Reorganize (view, reshape, flatten, squeeze,
unsqueeze), Shuffle (permute, transpose, t), One-to-Many (expand, embedding), One-to-One
(cat, slice, select), plus tensor factories (arange, full, zeros, ones) as constants and
integer arithmetic on static sizes.

Axes are normalised the way the ONNX importer does (non-negative, sorted); result shapes
come from torch's static types, so reshape-like ops need no shape operand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.torch_node import AtenContext, aten


@aten("aten.view", "aten.reshape", "aten._unsafe_view", "aten.flatten.using_ints",
      "aten.view_as", "aten.reshape_as", "aten.unflatten.int")
def convert_reshape(ctx: AtenContext) -> list[Any]:
    if ctx.shape(0) == ctx.out_shape():
        return [ctx.arg(0)]
    return [ctx.build(dnnf.ReshapeOp, ctx.tensor(0), ctx.out_type()).out]


@aten("aten.squeeze", "aten.squeeze.dim", "aten.squeeze.dims")
def convert_squeeze(ctx: AtenContext) -> list[Any]:
    shape = ctx.shape(0)
    if ctx.name == "aten.squeeze":
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = sorted({ctx.axis(a, len(shape)) for a in ctx.ints(1)})
        axes = [a for a in axes if shape[a] == 1]  # torch ignores non-1 dims
    if not axes:
        return [ctx.arg(0)]
    op = ctx.build(dnnf.SqueezeOp, ctx.tensor(0), attrs.i64_array(axes), ctx.out_type())
    return [op.out]


@aten("aten.unsqueeze")
def convert_unsqueeze(ctx: AtenContext) -> list[Any]:
    axis = ctx.axis(ctx.ints(1)[0], ctx.rank(0) + 1)
    op = ctx.build(dnnf.UnsqueezeOp, ctx.tensor(0), attrs.i64_array([axis]), ctx.out_type())
    return [op.out]


def transpose(ctx: AtenContext, x: Any, perm: list[int]) -> Any:
    """`x` permuted by `perm` (a constant array is permuted at import time)."""
    if perm == sorted(perm):
        return x
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(np.transpose(x, perm))
    shape = ir.RankedTensorType(x.type).shape
    result = ir.RankedTensorType.get([shape[p] for p in perm],
                                     ir.RankedTensorType(x.type).element_type)
    return ctx.build(dnnf.TransposeOp, x, attrs.i64_array(perm), result).out


@aten("aten.permute")
def convert_permute(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0)
    return [transpose(ctx, ctx.arg(0), [ctx.axis(p, rank) for p in ctx.ints(1)])]


@aten("aten.transpose.int", "aten.t", "aten.numpy_T")
def convert_transpose(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0)
    perm = list(range(rank))
    if rank >= 2:
        a, b = (ctx.axis(ctx.ints(1)[0], rank), ctx.axis(ctx.ints(2)[0], rank)) \
            if ctx.name == "aten.transpose.int" else (0, 1)
        perm[a], perm[b] = perm[b], perm[a]
    return [transpose(ctx, ctx.arg(0), perm if ctx.name != "aten.numpy_T" else perm[::-1])]


@aten("aten.expand", "aten.broadcast_to", "aten.expand_as")
def convert_expand(ctx: AtenContext) -> list[Any]:
    if ctx.shape(0) == ctx.out_shape():
        return [ctx.arg(0)]
    return [ctx.build(dnnf.ExpandOp, ctx.tensor(0), ctx.out_type()).out]


@aten("aten.cat", "aten.concat")
def convert_cat(ctx: AtenContext) -> list[Any]:
    parts = [p for p in ctx.arg(0) if not (isinstance(p, np.ndarray) and p.size == 0)]
    axis = ctx.axis(int(ctx.arg(1, 0)), len(ctx.out_shape()))
    inputs = [ctx.as_tensor(p, "cat operand") for p in parts]
    return [attrs.concat(ctx.build, inputs, axis, ctx.out_type())]


def slice_along(ctx: AtenContext, x: Any, axis: int, start: int, step: int,
                out_shape: tuple[int, ...]) -> Any:
    """A `dnnf.slice` of `x` along one axis with full-rank starts/steps."""
    rank = len(out_shape)
    starts, steps = [0] * rank, [1] * rank
    starts[axis], steps[axis] = start, step
    op = ctx.build(dnnf.SliceOp, x, attrs.i64_array(starts), attrs.i64_array(steps),
                   ctx.type_like(out_shape))
    return op.out


@aten("aten.slice.Tensor")
def convert_slice(ctx: AtenContext) -> list[Any]:
    shape = ctx.shape(0)
    axis = ctx.axis(int(ctx.arg(1, 0)), len(shape))
    start, end, step = ctx.arg(2), ctx.arg(3), int(ctx.arg(4, 1) or 1)
    if step <= 0:
        raise ctx.unsupported(f"step {step} (only positive steps)")
    picked = range(*slice(start, end, step).indices(shape[axis]))
    if len(picked) == shape[axis]:
        return [ctx.arg(0)]
    out = list(shape)
    out[axis] = len(picked)
    return [slice_along(ctx, ctx.tensor(0), axis, picked.start if len(picked) else 0, step,
                        tuple(out))]


@aten("aten.select.int")
def convert_select(ctx: AtenContext) -> list[Any]:
    shape = ctx.shape(0)
    axis = ctx.axis(int(ctx.arg(1)), len(shape))
    index = int(ctx.arg(2)) % shape[axis]
    kept = list(shape)
    kept[axis] = 1
    part = slice_along(ctx, ctx.tensor(0), axis, index, 1, tuple(kept))
    op = ctx.build(dnnf.SqueezeOp, part, attrs.i64_array([axis]), ctx.out_type())
    return [op.out]


@aten("aten.embedding", "aten.index_select")
def convert_gather(ctx: AtenContext) -> list[Any]:
    if ctx.name == "aten.embedding":
        data, indices, axis = ctx.tensor(0), ctx.tensor(1), 0
    else:
        data, indices = ctx.tensor(0), ctx.tensor(2)
        axis = ctx.axis(int(ctx.arg(1)), ctx.rank(0))
    if ctx.dtype(1 if ctx.name == "aten.embedding" else 2) not in (np.int64, np.int32):
        raise ctx.unsupported("indices must be int64 or int32")
    return [ctx.build(dnnf.GatherOp, data, indices, attrs.i64(axis), ctx.out_type()).out]


@aten("aten.arange", "aten.arange.start", "aten.arange.start_step")
def convert_arange(ctx: AtenContext) -> list[Any]:
    nums = [a for a in ctx.args[:3] if isinstance(a, int | float) and not isinstance(a, bool)]
    count = {"aten.arange": 1, "aten.arange.start": 2}.get(ctx.name, 3)
    values = np.arange(*nums[:count])
    return [values.astype(ctx.out_dtype()).reshape(ctx.out_shape())]


@aten("aten.full", "aten.zeros", "aten.ones", "aten.empty.memory_format", "aten.full_like",
      "aten.zeros_like", "aten.ones_like", "aten.empty_like", "aten.scalar_tensor",
      "aten.new_zeros", "aten.new_ones", "aten.new_full", "prim.NumToTensor.Scalar")
def convert_factory(ctx: AtenContext) -> list[Any]:
    value: float = 0
    if "ones" in ctx.name:
        value = 1
    elif ctx.name in ("aten.full", "aten.scalar_tensor", "prim.NumToTensor.Scalar"):
        value = ctx.number(1 if ctx.name == "aten.full" else 0)
    elif ctx.name in ("aten.full_like", "aten.new_full"):
        value = ctx.number(1 if ctx.name == "aten.full_like" else 2)
    return [np.full(ctx.out_shape(), value, dtype=ctx.out_dtype())]


@aten("aten.size.int")
def convert_size(ctx: AtenContext) -> list[Any]:
    shape = ctx.shape(0)
    return [shape[ctx.axis(int(ctx.arg(1)), len(shape))]]


_INT_OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
            "floordiv": lambda a, b: a // b, "div": lambda a, b: a / b}


@aten(*(f"aten.{n}.{t}" for n in _INT_OPS for t in ("int", "float", "float_int")),
      "aten.Int.Tensor", "aten.Float.Tensor", "aten.Int.Scalar", "aten.Float.Scalar")
def convert_scalar_math(ctx: AtenContext) -> list[Any]:
    parts = ctx.name.split(".")
    if parts[1] in ("Int", "Float"):
        cast = int if parts[1] == "Int" else float
        return [cast(ctx.number(0))]
    return [_INT_OPS[parts[1]](ctx.number(0), ctx.number(1))]
