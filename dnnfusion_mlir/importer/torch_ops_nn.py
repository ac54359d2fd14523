"""Aten converters for neural-network ops (Many-to-Many, plus inference batch norm):
convolution, linear/addmm/mm/bmm/matmul, batch and layer norm, softmax, pooling,
reductions, and scaled_dot_product_attention decomposed into matmul/softmax dnnf ops.

Attributes follow the ONNX importer's conventions: conv and pool pads explicit as
[begins..., ends...], spatial attributes one value per spatial dim, axes non-negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.torch_node import AtenContext, aten
from dnnfusion_mlir.importer.torch_ops import binary, unary
from dnnfusion_mlir.importer.torch_ops_shape import transpose

_REDUCE = {"mean": dnnf.ReduceMeanOp, "sum": dnnf.ReduceSumOp, "amax": dnnf.ReduceMaxOp,
           "max": dnnf.ReduceMaxOp}


def _spatial(ctx: AtenContext, i: int, rank: int, default: int) -> list[int]:
    """A per-spatial-dim list operand (one value broadcast; empty means `default`)."""
    values = ctx.ints(i) if ctx.arg(i) not in (None, []) else [default]
    if len(values) == 1:
        values = values * rank
    if len(values) != rank:
        raise ctx.unsupported(f"operand {i} has {len(values)} values for {rank} spatial dims")
    return values


def _conv_pads(ctx: AtenContext, kernel: Sequence[int], dilations: Sequence[int]) -> list[int]:
    """Explicit pads (begins then ends) from torch's symmetric or 'same'/'valid' padding."""
    padding = ctx.arg(4)
    if padding == "valid":
        return [0] * (2 * len(kernel))
    if padding == "same":  # torch puts the odd pad at the end
        totals = [d * (k - 1) for k, d in zip(kernel, dilations, strict=True)]
        return [t // 2 for t in totals] + [t - t // 2 for t in totals]
    pads = _spatial(ctx, 4, len(kernel), 0)
    return pads + pads


@aten("aten.convolution", "aten.conv1d", "aten.conv2d", "aten.conv3d", "aten.conv2d.padding",
      "aten.conv1d.padding", "aten.conv3d.padding", "aten._convolution")
def convert_conv(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0) - 2
    if not 1 <= rank <= 3:
        raise ctx.unsupported(f"{rank} spatial dimensions (supported: 1 to 3)")
    full = ctx.name in ("aten.convolution", "aten._convolution")
    if full and ctx.arg(6):  # transposed=True
        from dnnfusion_mlir.importer.torch_ops_extra import convert_conv_transpose

        return convert_conv_transpose(ctx)
    kernel = list(ctx.shape(1)[2:])
    strides = _spatial(ctx, 3, rank, 1)
    dilations = _spatial(ctx, 5, rank, 1)
    pads = _conv_pads(ctx, kernel, dilations)
    group = int(ctx.arg(8 if full else 6, 1))
    bias = ctx.tensor(2) if ctx.arg(2) is not None else None
    op = ctx.build(dnnf.ConvOp, ctx.tensor(0), ctx.tensor(1), attrs.i64_array(strides),
                   attrs.i64_array(pads), attrs.i64_array(dilations), attrs.i64(group),
                   ctx.out_type(), bias=bias)
    return [op.out]


def matmul_shape(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """numpy.matmul's result shape for operands of rank >= 2."""
    batch = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
    return (*batch, a[-2], b[-1])


def matmul(ctx: AtenContext, a: ir.Value, b: ir.Value) -> ir.Value:
    """`dnnf.matmul` of two rank >= 2 tensors."""
    shape = matmul_shape(ir.RankedTensorType(a.type).shape, ir.RankedTensorType(b.type).shape)
    return ctx.build(dnnf.MatMulOp, a, b, ctx.type_like(shape)).out


@aten("aten.linear")
def convert_linear(ctx: AtenContext) -> list[Any]:
    bias = ctx.tensor(2) if ctx.arg(2) is not None else None
    if ctx.rank(0) == 2 and ctx.rank(1) == 2:
        one, zero = attrs.f32(1.0), attrs.i64(0)
        op = ctx.build(dnnf.GemmOp, ctx.tensor(0), ctx.tensor(1), one, one, zero, attrs.i64(1),
                       ctx.out_type(), bias=bias)
        return [op.out]
    weight = ctx.arg(1)
    weight_t = transpose(ctx, weight, list(range(ctx.rank(1)))[::-1])
    product = ctx.build(dnnf.MatMulOp, ctx.tensor(0), ctx.as_tensor(weight_t, "weight"),
                        ctx.out_type()).out
    return [product if bias is None else binary(ctx, dnnf.AddOp, product, bias)]


@aten("aten.addmm")
def convert_addmm(ctx: AtenContext) -> list[Any]:
    beta, alpha = attrs.f32(ctx.number(3, 1)), attrs.f32(ctx.number(4, 1))
    zero = attrs.i64(0)
    op = ctx.build(dnnf.GemmOp, ctx.tensor(1), ctx.tensor(2), alpha, beta, zero, zero,
                   ctx.out_type(), bias=ctx.tensor(0))
    return [op.out]


@aten("aten.mm", "aten.bmm", "aten.matmul")
def convert_matmul(ctx: AtenContext) -> list[Any]:
    return [ctx.build(dnnf.MatMulOp, ctx.tensor(0), ctx.tensor(1), ctx.out_type()).out]


def _param(ctx: AtenContext, i: int, shape: Sequence[int], fill: float) -> ir.Value:
    """Operand `i`, or a constant of `fill` when torch passes None (affine=False)."""
    if ctx.arg(i) is None:
        return ctx.constant(np.full(tuple(shape), fill, dtype=np.float32))
    return ctx.tensor(i)


@aten("aten.batch_norm", "aten.native_batch_norm", "aten._native_batch_norm_legit_no_training")
def convert_batch_norm(ctx: AtenContext) -> list[Any]:
    legit = ctx.name == "aten._native_batch_norm_legit_no_training"
    if not legit and ctx.arg(5):
        raise ctx.unsupported("batch norm in training mode (call module.eval())")
    eps = ctx.number(6 if legit else 7)
    channels = [ctx.shape(0)[1]]
    operands = [ctx.tensor(0), _param(ctx, 1, channels, 1.0), _param(ctx, 2, channels, 0.0),
                ctx.tensor(3), ctx.tensor(4)]
    out = ctx.build(dnnf.BatchNormOp, *operands, attrs.f32(eps), ctx.out_type()).out
    return [out] if ctx.name == "aten.batch_norm" else [out, None, None]


@aten("aten.layer_norm", "aten.native_layer_norm")
def convert_layer_norm(ctx: AtenContext) -> list[Any]:
    normalized = ctx.ints(1)
    axis = ctx.rank(0) - len(normalized)
    scale = _param(ctx, 2, normalized, 1.0)
    bias = ctx.tensor(3) if ctx.arg(3) is not None else None
    op = ctx.build(dnnf.LayerNormOp, ctx.tensor(0), scale, attrs.i64(axis),
                   attrs.f32(ctx.number(4)), ctx.out_type(), bias=bias)
    return [op.out] if ctx.name == "aten.layer_norm" else [op.out, None, None]


@aten("aten.softmax.int", "aten._softmax", "aten.log_softmax.int", "aten._log_softmax")
def convert_softmax(ctx: AtenContext) -> list[Any]:
    axis = ctx.axis(int(ctx.arg(1)), ctx.rank(0))
    out = ctx.build(dnnf.SoftmaxOp, ctx.tensor(0), attrs.i64(axis), ctx.out_type()).out
    return [unary(ctx, dnnf.LogOp, out) if "log_" in ctx.name else out]


@aten("aten.max_pool2d", "aten.max_pool1d", "aten.max_pool3d",
      "aten.max_pool2d_with_indices")
def convert_max_pool(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0) - 2
    kernel = _spatial(ctx, 1, rank, 1)
    strides = _spatial(ctx, 2, rank, 0)
    strides = kernel if not any(strides) else strides
    pads = _spatial(ctx, 3, rank, 0)
    dilations = _spatial(ctx, 4, rank, 1)
    op = ctx.build(dnnf.MaxPoolOp, ctx.tensor(0), attrs.i64_array(kernel),
                   attrs.i64_array(strides), attrs.i64_array(pads + pads),
                   attrs.i64_array(dilations), ctx.out_type())
    return [op.out, None]


@aten("aten.avg_pool2d", "aten.avg_pool1d", "aten.avg_pool3d")
def convert_avg_pool(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0) - 2
    kernel = _spatial(ctx, 1, rank, 1)
    strides = _spatial(ctx, 2, rank, 0)
    strides = kernel if not any(strides) else strides
    pads = _spatial(ctx, 3, rank, 0)
    if ctx.arg(6) is not None:
        raise ctx.unsupported("divisor_override")
    include = attrs.i64(1 if ctx.arg(5, True) else 0)
    op = ctx.build(dnnf.AveragePoolOp, ctx.tensor(0), attrs.i64_array(kernel),
                   attrs.i64_array(strides), attrs.i64_array(pads + pads), include,
                   ctx.out_type())
    return [op.out]


@aten("aten.adaptive_avg_pool2d", "aten.adaptive_avg_pool1d", "aten._adaptive_avg_pool2d")
def convert_adaptive_avg_pool(ctx: AtenContext) -> list[Any]:
    in_sp, out_sp = ctx.shape(0)[2:], ctx.out_shape()[2:]
    if in_sp == out_sp:
        return [ctx.arg(0)]
    if all(o == 1 for o in out_sp):
        return [ctx.build(dnnf.GlobalAveragePoolOp, ctx.tensor(0), ctx.out_type()).out]
    if any(i % o for i, o in zip(in_sp, out_sp, strict=True)):
        raise ctx.unsupported(f"output size {list(out_sp)} does not divide {list(in_sp)}")
    kernel = [i // o for i, o in zip(in_sp, out_sp, strict=True)]
    op = ctx.build(dnnf.AveragePoolOp, ctx.tensor(0), attrs.i64_array(kernel),
                   attrs.i64_array(kernel), attrs.i64_array([0] * 2 * len(kernel)),
                   attrs.i64(0), ctx.out_type())
    return [op.out]


@aten("aten.mean.dim", "aten.sum.dim_IntList", "aten.amax", "aten.mean", "aten.sum",
      "aten.max", "aten.max.dim")
def convert_reduce(ctx: AtenContext) -> list[Any]:
    rank = ctx.rank(0)
    kind = ctx.name.split(".")[1]
    has_dims = ctx.name in ("aten.mean.dim", "aten.sum.dim_IntList", "aten.amax",
                            "aten.max.dim")
    dims = ctx.ints(1) if has_dims and ctx.arg(1) not in (None, []) else list(range(rank))
    keep = bool(ctx.arg(2, False)) if has_dims else False
    axes = sorted({ctx.axis(d, rank) for d in dims})
    if not axes:
        return [ctx.arg(0)] + ([None] if ctx.name == "aten.max.dim" else [])
    op = ctx.build(_REDUCE[kind], ctx.tensor(0), attrs.i64_array(axes),
                   attrs.i64(1 if keep else 0), ctx.out_type())
    return [op.out, None] if ctx.name == "aten.max.dim" else [op.out]


def _attention_bias(ctx: AtenContext, shape: tuple[int, ...]) -> ir.Value | None:
    """Additive mask for the scores (-inf where masked out), or None."""
    length, source = shape[-2], shape[-1]
    mask, causal = ctx.arg(3), bool(ctx.arg(5, False))
    bias: ir.Value | None = None
    if causal:
        tri = np.triu(np.full((length, source), -np.inf, np.float32), 1)
        bias = ctx.constant(tri)
    if mask is None:
        return bias
    if isinstance(mask, np.ndarray) and mask.dtype == np.bool_:
        extra = ctx.constant(np.where(mask, 0.0, -np.inf).astype(np.float32))
    elif ctx.dtype(3) == np.bool_:
        mask_shape = ctx.shape(3)
        extra = ctx.build(dnnf.WhereOp, ctx.tensor(3), ctx.scalar(0.0, np.dtype(np.float32)),
                          ctx.scalar(-np.inf, np.dtype(np.float32)), ctx.type_like(mask_shape)).out
    else:
        extra = ctx.tensor(3)
    return extra if bias is None else binary(ctx, dnnf.AddOp, bias, extra)


@aten("aten.scaled_dot_product_attention")
def convert_attention(ctx: AtenContext) -> list[Any]:
    if ctx.number(4, 0.0) != 0.0:
        raise ctx.unsupported("dropout_p != 0 (inference only)")
    if ctx.arg(7, False):
        raise ctx.unsupported("enable_gqa=True")
    q, k, v = ctx.tensor(0), ctx.tensor(1), ctx.tensor(2)
    rank = ctx.rank(1)
    perm = list(range(rank))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    scores = matmul(ctx, q, transpose(ctx, k, perm))
    scale = ctx.arg(6)
    scale = 1 / math.sqrt(ctx.shape(0)[-1]) if scale is None else float(scale)
    scores = binary(ctx, dnnf.MulOp, scores, ctx.scalar(scale))
    bias = _attention_bias(ctx, tuple(ir.RankedTensorType(scores.type).shape))
    if bias is not None:
        scores = binary(ctx, dnnf.AddOp, scores, bias)
    axis = attrs.i64(len(ir.RankedTensorType(scores.type).shape) - 1)
    probs = ctx.build(dnnf.SoftmaxOp, scores, axis, scores.type).out
    return [ctx.build(dnnf.MatMulOp, probs, v, ctx.out_type()).out]
