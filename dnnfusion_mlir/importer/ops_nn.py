"""Converters for neural-network ONNX ops (Many-to-Many, plus BatchNormalization: one op in
inference, batch statistics from reductions in training mode): Conv, BatchNormalization,
MatMul, Gemm, MaxPool, AveragePool, GlobalAveragePool.

Attributes are normalised here: defaults filled in, `auto_pad` resolved to explicit pads
(ONNX order: all begins, then all ends). `ceil_mode` needs no attribute: the loader's static
result shape already reflects it and the kernels pad the input far enough to cover it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.registry import converter
from dnnfusion_mlir.types import tensor_type

F32 = (np.float32,)


def _spatial_ints(ctx: NodeContext, name: str, rank: int, default: int) -> list[int]:
    """A per-spatial-dim attribute (strides, dilations), defaulted and length-checked."""
    values = [int(v) for v in ctx.attr(name, [default] * rank)]
    if len(values) != rank:
        raise ctx.unsupported(f"'{name}' has {len(values)} entries for {rank} spatial dims")
    if any(v < 1 for v in values):
        raise ctx.unsupported(f"'{name}' must be positive, got {values}")
    return values


def resolve_pads(
    ctx: NodeContext, in_spatial: Sequence[int], kernel: Sequence[int],
    strides: Sequence[int], dilations: Sequence[int],
) -> list[int]:
    """Explicit pads (begins then ends) from `pads` or `auto_pad`."""
    rank = len(in_spatial)
    auto = ctx.attr("auto_pad", "NOTSET")
    if auto == "VALID":
        return [0] * (2 * rank)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, s, d in zip(in_spatial, kernel, strides, dilations, strict=True):
            out = math.ceil(size / s)
            total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
            small = total // 2
            begin = small if auto == "SAME_UPPER" else total - small
            begins.append(begin)
            ends.append(total - begin)
        return begins + ends
    if auto != "NOTSET":
        raise ctx.unsupported(f"unknown auto_pad '{auto}'")
    pads = [int(p) for p in ctx.attr("pads", [0] * (2 * rank))]
    if len(pads) != 2 * rank or any(p < 0 for p in pads):
        raise ctx.unsupported(f"'pads' must be {2 * rank} non-negative values, got {pads}")
    return pads


def _check_spatial(ctx: NodeContext, lo: int = 1, hi: int = 3) -> int:
    """Number of spatial dims of input 0 (N, C, spatial...), which must be in [lo, hi]."""
    rank = len(ctx.in_shape(0)) - 2
    if not lo <= rank <= hi:
        raise ctx.unsupported(f"{rank} spatial dimensions (supported: {lo} to {hi})")
    return rank


@converter("Conv")
def convert_conv(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32, inputs=(0, 1, 2))
    rank = _check_spatial(ctx)
    c_in, w_shape = ctx.in_shape(0)[1], ctx.in_shape(1)
    kernel = [int(v) for v in ctx.attr("kernel_shape", w_shape[2:])]
    if list(kernel) != list(w_shape[2:]):
        raise ctx.unsupported(f"kernel_shape {kernel} does not match the weight {w_shape}")
    group = int(ctx.attr("group", 1))
    if group < 1 or c_in % group or w_shape[0] % group or w_shape[1] * group != c_in:
        raise ctx.unsupported(f"group={group} does not fit input channels {c_in} "
                              f"and weight shape {list(w_shape)}")
    strides = _spatial_ints(ctx, "strides", rank, 1)
    dilations = _spatial_ints(ctx, "dilations", rank, 1)
    pads = resolve_pads(ctx, ctx.in_shape(0)[2:], kernel, strides, dilations)
    bias = ctx.input(2) if ctx.has_input(2) else None
    op = ctx.build(dnnf.ConvOp, ctx.input(0), ctx.input(1), attrs.i64_array(strides),
                   attrs.i64_array(pads), attrs.i64_array(dilations), attrs.i64(group),
                   ctx.out_type(), bias=bias)
    return [op.out]


@converter("BatchNormalization")
def convert_batch_norm(ctx: NodeContext) -> list[ir.Value]:
    """Inference form: one `dnnf.batch_norm`. Training mode (opset 14+) normalises with the
    batch statistics and also returns the updated running mean and variance."""
    ctx.require_dtypes(F32, inputs=(0, 1, 2, 3, 4))
    if len(ctx.in_shape(0)) < 2:
        raise ctx.unsupported("input must have a channel dimension (rank >= 2)")
    training = bool(int(ctx.attr("training_mode", 0)))
    if len(ctx.node.output) > 3 or (any(ctx.node.output[1:]) and not training):
        raise ctx.unsupported("only training_mode=1 has running mean/var outputs (opset 14+)")
    operands = [ctx.input(i) for i in range(5)]
    eps = attrs.f32(ctx.attr("epsilon", 1e-5))
    if not training:
        return [ctx.build(dnnf.BatchNormOp, *operands, eps, ctx.out_type()).out]
    return _batch_norm_training(ctx, operands, eps)


def _batch_norm_training(ctx: NodeContext, operands: list[ir.Value],
                         eps: ir.FloatAttr) -> list[ir.Value]:
    """y = batch_norm(x) with the batch mean and (biased) variance over all dims but 1;
    running stats = input * momentum + batch stat * (1 - momentum), as ONNX's reference."""
    x, shape = operands[0], ctx.in_shape(0)
    rank, channels = len(shape), shape[1]
    axes = attrs.i64_array([0, *range(2, rank)])
    kept = tensor_type([1, channels] + [1] * (rank - 2), np.dtype(np.float32))
    per_channel = tensor_type([channels], np.dtype(np.float32))
    x_type = tensor_type(shape, np.dtype(np.float32))
    mean_kept = ctx.build(dnnf.ReduceMeanOp, x, axes, attrs.i64(1), kept).out
    diff = ctx.build(dnnf.SubOp, x, mean_kept, x_type).out
    square = ctx.build(dnnf.MulOp, diff, diff, x_type).out
    var_kept = ctx.build(dnnf.ReduceMeanOp, square, axes, attrs.i64(1), kept).out
    mean = ctx.build(dnnf.ReshapeOp, mean_kept, per_channel).out
    var = ctx.build(dnnf.ReshapeOp, var_kept, per_channel).out
    y = ctx.build(dnnf.BatchNormOp, x, *operands[1:3], mean, var, eps, ctx.out_type()).out
    momentum = float(ctx.attr("momentum", 0.9))
    results = [y]
    for i, (running, batch) in enumerate(((operands[3], mean), (operands[4], var)), start=1):
        if i < len(ctx.node.output) and ctx.node.output[i]:
            results.append(_blend(ctx, running, batch, momentum, per_channel))
    return results


def _blend(ctx: NodeContext, running: ir.Value, batch: ir.Value, momentum: float,
           out: ir.RankedTensorType) -> ir.Value:
    """running * momentum + batch * (1 - momentum)."""
    keep = ctx.constant(f"{ctx.name}__momentum", np.array(momentum, np.float32))
    take = ctx.constant(f"{ctx.name}__one_minus_momentum", np.array(1 - momentum, np.float32))
    a = ctx.build(dnnf.MulOp, running, keep, out).out
    b = ctx.build(dnnf.MulOp, batch, take, out).out
    return ctx.build(dnnf.AddOp, a, b, out).out


@converter("MatMul")
def convert_matmul(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32, inputs=(0, 1))
    if not ctx.in_shape(0) or not ctx.in_shape(1):
        raise ctx.unsupported("MatMul operands must have rank >= 1")
    return [ctx.build(dnnf.MatMulOp, ctx.input(0), ctx.input(1), ctx.out_type()).out]


@converter("Gemm")
def convert_gemm(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32, inputs=(0, 1, 2))
    if len(ctx.in_shape(0)) != 2 or len(ctx.in_shape(1)) != 2:
        raise ctx.unsupported("Gemm operands A and B must be 2-D")
    alpha, beta = attrs.f32(ctx.attr("alpha", 1.0)), attrs.f32(ctx.attr("beta", 1.0))
    trans_a, trans_b = attrs.i64(ctx.attr("transA", 0)), attrs.i64(ctx.attr("transB", 0))
    bias = ctx.input(2) if ctx.has_input(2) else None
    op = ctx.build(dnnf.GemmOp, ctx.input(0), ctx.input(1), alpha, beta, trans_a, trans_b,
                   ctx.out_type(), bias=bias)
    return [op.out]


def _pool_geometry(ctx: NodeContext) -> tuple[list[int], list[int], list[int], list[int]]:
    """(kernel_shape, strides, pads, dilations) of a pooling node, normalised."""
    rank = _check_spatial(ctx)
    kernel = [int(v) for v in ctx.attr("kernel_shape", [])]
    if len(kernel) != rank or any(k < 1 for k in kernel):
        raise ctx.unsupported(f"kernel_shape {kernel} does not fit {rank} spatial dims")
    strides = _spatial_ints(ctx, "strides", rank, 1)
    dilations = _spatial_ints(ctx, "dilations", rank, 1)
    pads = resolve_pads(ctx, ctx.in_shape(0)[2:], kernel, strides, dilations)
    return kernel, strides, pads, dilations


@converter("MaxPool")
def convert_max_pool(ctx: NodeContext) -> list[ir.Value]:
    """MaxPool; with the Indices output requested, `dnnf.max_pool_with_indices` (whose
    storage_order says how the spatial offset is flattened; it means nothing without it)."""
    ctx.require_dtypes(F32)
    kernel, strides, pads, dilations = _pool_geometry(ctx)
    geometry = [attrs.i64_array(v) for v in (kernel, strides, pads, dilations)]
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        order = int(ctx.attr("storage_order", 0))
        if order not in (0, 1):
            raise ctx.unsupported(f"storage_order={order} (must be 0 or 1)")
        op = ctx.build(dnnf.MaxPoolWithIndicesOp, ctx.input(0), *geometry, attrs.i64(order),
                       ctx.out_type(), ctx.out_type(1))
        return [op.out, op.indices]
    return [ctx.build(dnnf.MaxPoolOp, ctx.input(0), *geometry, ctx.out_type()).out]


@converter("AveragePool")
def convert_average_pool(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    kernel, strides, pads, dilations = _pool_geometry(ctx)
    include = attrs.i64(int(ctx.attr("count_include_pad", 0)) != 0)
    op = ctx.build(dnnf.AveragePoolOp, ctx.input(0), attrs.i64_array(kernel),
                   attrs.i64_array(strides), attrs.i64_array(pads), include, ctx.out_type(),
                   dilations=attrs.i64_array(dilations))
    return [op.out]


@converter("GlobalAveragePool")
def convert_global_average_pool(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    if len(ctx.in_shape(0)) < 3:
        raise ctx.unsupported("input must have at least one spatial dimension")
    return [ctx.build(dnnf.GlobalAveragePoolOp, ctx.input(0), ctx.out_type()).out]
