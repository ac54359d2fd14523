"""Converters for Many-to-Many reductions: Softmax, LayerNormalization, ReduceMean/Sum/Max
(ReduceMax of bools through int32).

Axes are normalised here (non-negative, sorted, unique; empty = all axes), and axes given
as a constant input (ReduceSum >= 13, every Reduce* >= 18) become the `axes` attribute.
Opset 13 semantics throughout: the loader converts models older than opset 13 to opset 17
(onnx.version_converter), which rewrites an old Softmax -- normalising over the flattened
block of dims >= axis -- into Flatten -> Softmax(axis=-1) -> Reshape before we see it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.registry import converter
from dnnfusion_mlir.types import tensor_type

F32 = (np.float32,)
_REDUCE = {"ReduceMean": dnnf.ReduceMeanOp, "ReduceSum": dnnf.ReduceSumOp,
           "ReduceMax": dnnf.ReduceMaxOp}
_REDUCE_DTYPES = {"ReduceMean": F32, "ReduceSum": (np.float32, np.int64, np.int32),
                  "ReduceMax": (np.float32, np.int64, np.int32, np.bool_)}
# First opset in which each op takes `axes` as an input rather than an attribute.
_AXES_INPUT_SINCE = {"ReduceMean": 18, "ReduceSum": 13, "ReduceMax": 18}


def normalize_axis(ctx: NodeContext, axis: int, rank: int) -> int:
    """`axis` in [0, rank), negative values counted from the end."""
    if not -rank <= axis < rank:
        raise ctx.unsupported(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def normalize_axes(ctx: NodeContext, axes: Iterable[int], rank: int) -> list[int]:
    """Sorted unique non-negative axes."""
    return sorted({normalize_axis(ctx, int(a), rank) for a in axes})


@converter("Softmax")
def convert_softmax(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    rank = len(ctx.in_shape(0))
    if rank == 0:
        raise ctx.unsupported("Softmax of a rank-0 tensor")
    axis = normalize_axis(ctx, ctx.attr("axis", -1), rank)
    op = ctx.build(dnnf.SoftmaxOp, ctx.input(0), attrs.i64(axis), ctx.out_type())
    return [op.out]


@converter("LayerNormalization")
def convert_layer_norm(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32, inputs=(0, 1, 2))
    if ctx.attr("stash_type", 1) != 1:
        raise ctx.unsupported("stash_type other than 1 (float32)")
    shape = ctx.in_shape(0)
    if not shape:
        raise ctx.unsupported("LayerNormalization of a rank-0 tensor")
    axis = normalize_axis(ctx, ctx.attr("axis", -1), len(shape))
    for i in (1, 2):
        if ctx.has_input(i) and np.broadcast_shapes(ctx.in_shape(i), shape) != tuple(shape):
            raise ctx.unsupported(f"input {i} of shape {list(ctx.in_shape(i))} does not "
                                  f"broadcast to {list(shape)}")
    bias = ctx.input(2) if ctx.has_input(2) else None
    op = ctx.build(dnnf.LayerNormOp, ctx.input(0), ctx.input(1), attrs.i64(axis),
                   attrs.f32(ctx.attr("epsilon", 1e-5)), ctx.out_type(), bias=bias)
    if not any(ctx.node.output[1:]):
        return [op.out]
    return [op.out, *_layer_norm_stats(ctx, axis)]


def _layer_norm_stats(ctx: NodeContext, axis: int) -> list[ir.Value]:
    """The optional Mean and InvStdDev outputs: mean and 1/sqrt(var + eps) over axes >= axis.

    Built from reductions and element-wise ops next to the fused LayerNorm (training graphs
    ask for them; inference graphs almost never do, so the kernel stays Y-only).
    """
    shape = ctx.in_shape(0)
    stat = tensor_type(tuple(shape[:axis]) + (1,) * (len(shape) - axis), np.dtype(np.float32))
    full = tensor_type(tuple(shape), np.dtype(np.float32))
    axes, keep = attrs.i64_array(list(range(axis, len(shape)))), attrs.i64(1)
    x = ctx.input(0)
    mean = ctx.build(dnnf.ReduceMeanOp, x, axes, keep, stat).out
    centred = ctx.build(dnnf.SubOp, x, mean, full).out
    square = ctx.build(dnnf.MulOp, centred, centred, full).out
    var = ctx.build(dnnf.ReduceMeanOp, square, axes, keep, stat).out
    eps = ctx.constant(f"{ctx.name}__epsilon",
                       np.array(ctx.attr("epsilon", 1e-5), dtype=np.float32))
    std = ctx.build(dnnf.SqrtOp, ctx.build(dnnf.AddOp, var, eps, stat).out, stat).out
    return [mean, ctx.build(dnnf.ReciprocalOp, std, stat).out]


def _reduce_axes(ctx: NodeContext) -> list[int] | None:
    """The axes as written in the model (attribute or constant input); None if absent."""
    if ctx.opset >= _AXES_INPUT_SINCE[ctx.op_type]:
        if ctx.attr("axes") is not None:
            raise ctx.unsupported(f"'axes' is an input, not an attribute, in opset {ctx.opset}")
        if not ctx.has_input(1):
            return None
        return [int(a) for a in ctx.require_const(1, "axes").reshape(-1)]
    axes = ctx.attr("axes")
    return None if axes is None else [int(a) for a in axes]


@converter(*_REDUCE)
def convert_reduce(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(_REDUCE_DTYPES[ctx.op_type])
    rank = len(ctx.in_shape(0))
    axes = _reduce_axes(ctx) or []
    keepdims = int(ctx.attr("keepdims", 1))
    if not axes and ctx.attr("noop_with_empty_axes", 0):
        # ONNX: with no axes and noop_with_empty_axes=1 the input passes through unchanged.
        return [ctx.build(dnnf.IdentityOp, ctx.input(0), ctx.out_type()).out]
    axes = normalize_axes(ctx, axes, rank) if axes else list(range(rank))
    if not axes:
        # Reducing a rank-0 tensor over all (no) axes is the identity too.
        return [ctx.build(dnnf.IdentityOp, ctx.input(0), ctx.out_type()).out]
    if ctx.in_dtype(0) == np.bool_:
        return [_reduce_bool(ctx, axes, keepdims)]
    op = ctx.build(_REDUCE[ctx.op_type], ctx.input(0), attrs.i64_array(axes),
                   attrs.i64(1 if keepdims else 0), ctx.out_type())
    return [op.out]


def _reduce_bool(ctx: NodeContext, axes: list[int], keepdims: int) -> ir.Value:
    """ReduceMax of bools (a logical or) as an i32 max between two casts: kernels never
    reduce i1 values (see kernels_elementwise.py on i1 in memory)."""
    i32 = np.dtype(np.int32)
    wide = ctx.build(dnnf.CastOp, ctx.input(0), tensor_type(ctx.in_shape(0), i32)).out
    reduced = ctx.build(_REDUCE[ctx.op_type], wide, attrs.i64_array(axes),
                        attrs.i64(1 if keepdims else 0),
                        tensor_type(ctx.out_shape(), i32)).out
    return ctx.build(dnnf.CastOp, reduced, ctx.out_type()).out
