"""Converters for the ops the model families need beyond the foundation: ConvTranspose, LRN,
Gelu, Min/Max/Sum/Mean (variadic, as chains of binary ops), comparisons
and logic (Less, Greater, ..., And, Or, Xor, Not), Tile and ConstantOfShape. (Softplus,
Sin and Cos share the float unary converter in ops_elementwise.py.)
"""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.ops_nn import resolve_pads
from dnnfusion_mlir.importer.registry import converter
from dnnfusion_mlir.types import tensor_type

F32 = (np.float32,)
NUMERIC = (np.float32, np.int64, np.int32)
BOOL = (np.bool_,)

_COMPARE = {"Less": dnnf.LessOp, "LessOrEqual": dnnf.LessOrEqualOp, "Greater": dnnf.GreaterOp,
            "GreaterOrEqual": dnnf.GreaterOrEqualOp}
_LOGIC = {"And": dnnf.AndOp, "Or": dnnf.OrOp, "Xor": dnnf.XorOp}
_VARIADIC = {"Max": dnnf.MaxOp, "Min": dnnf.MinOp, "Sum": dnnf.AddOp, "Mean": dnnf.AddOp}


@converter("Gelu")
def convert_gelu(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    approximate = ctx.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise ctx.unsupported(f"approximate='{approximate}' (supported: none, tanh)")
    op = ctx.build(dnnf.GeluOp, ctx.input(0), attrs.string(approximate), ctx.out_type())
    return [op.out]


@converter(*_COMPARE)
def convert_compare(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(NUMERIC, inputs=(0, 1))
    op = _COMPARE[ctx.op_type]
    return [ctx.build(op, ctx.input(0), ctx.input(1), ctx.out_type()).out]


@converter(*_LOGIC)
def convert_logic(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(BOOL, inputs=(0, 1))
    op = _LOGIC[ctx.op_type]
    return [ctx.build(op, ctx.input(0), ctx.input(1), ctx.out_type()).out]


@converter("Not")
def convert_not(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(BOOL)
    return [ctx.build(dnnf.NotOp, ctx.input(0), ctx.out_type()).out]


def _partial_type(ctx: NodeContext, shapes: list[tuple[int, ...]]) -> ir.RankedTensorType:
    """Type of the broadcast of `shapes` with the node's output element type."""
    return tensor_type(tuple(np.broadcast_shapes(*shapes)), ctx.out_dtype())


@converter(*_VARIADIC)
def convert_variadic(ctx: NodeContext) -> list[ir.Value]:
    """Max/Min/Sum/Mean of n inputs: a left-to-right chain of binary ops (Mean: then * 1/n)."""
    ctx.require_dtypes(F32 if ctx.op_type == "Mean" else NUMERIC, inputs=range(ctx.num_inputs))
    n = ctx.num_inputs
    if n == 0:
        raise ctx.unsupported("no inputs")
    acc, shapes = ctx.input(0), [ctx.in_shape(0)]
    op = _VARIADIC[ctx.op_type]
    for i in range(1, n):
        shapes.append(ctx.in_shape(i))
        acc = ctx.build(op, acc, ctx.input(i), _partial_type(ctx, shapes)).out
    if ctx.op_type == "Mean" and n > 1:
        scale = ctx.constant(f"{ctx.name}__1/{n}", np.array(1.0 / n, np.float32))
        acc = ctx.build(dnnf.MulOp, acc, scale, ctx.out_type()).out
    elif n == 1:
        acc = ctx.build(dnnf.IdentityOp, acc, ctx.out_type()).out
    return [acc]


@converter("ConvTranspose")
def convert_conv_transpose(ctx: NodeContext) -> list[ir.Value]:
    """Pads are made explicit from the result shape, which already holds output_padding
    and output_shape (ONNX shape inference), so the kernel only needs begins/ends."""
    ctx.require_dtypes(F32, inputs=(0, 1, 2))
    x_shape, w_shape, out_shape = ctx.in_shape(0), ctx.in_shape(1), ctx.out_shape()
    rank = len(x_shape) - 2
    if not 1 <= rank <= 3:
        raise ctx.unsupported(f"{rank} spatial dimensions (supported: 1 to 3)")
    group = int(ctx.attr("group", 1))
    if x_shape[1] != w_shape[0] or w_shape[0] % group:
        raise ctx.unsupported(f"weight {list(w_shape)} does not fit input {list(x_shape)}")
    strides = [int(v) for v in ctx.attr("strides", [1] * rank)]
    dilations = [int(v) for v in ctx.attr("dilations", [1] * rank)]
    kernel = list(w_shape[2:])
    full = [(i - 1) * s + (k - 1) * d + 1
            for i, s, k, d in zip(x_shape[2:], strides, kernel, dilations, strict=True)]
    begins = _conv_transpose_begins(ctx, full, out_shape[2:], rank)
    ends = [f - b - o for f, b, o in zip(full, begins, out_shape[2:], strict=True)]
    bias = ctx.input(2) if ctx.has_input(2) else None
    op = ctx.build(dnnf.ConvTransposeOp, ctx.input(0), ctx.input(1), attrs.i64_array(strides),
                   attrs.i64_array(begins + ends), attrs.i64_array(dilations),
                   attrs.i64(group), ctx.out_type(), bias=bias)
    return [op.out]


def _conv_transpose_begins(ctx: NodeContext, full: list[int], out: tuple[int, ...],
                           rank: int) -> list[int]:
    """Begin pads: from `pads`, or split as auto_pad / output_shape prescribe."""
    auto = ctx.attr("auto_pad", "NOTSET")
    if ctx.attr("output_shape") is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
        # ONNX: total = stride*(in-1) + output_padding + ((k-1)*d+1) - output_shape.
        extra = [int(v) for v in ctx.attr("output_padding", [0] * rank)]
        totals = [f + e - o for f, e, o in zip(full, extra, out, strict=True)]
        # As ONNX's reference: SAME_UPPER begins with the smaller half (floor), NOTSET (with
        # output_shape) and SAME_LOWER with the larger one.
        upper = auto == "SAME_UPPER"
        return [t // 2 if upper else t - t // 2 for t in totals]
    if auto == "VALID":
        return [0] * rank
    return list(resolve_pads(ctx, [1] * rank, [1] * rank, [1] * rank, [1] * rank)[:rank])


@converter("LRN")
def convert_lrn(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    if len(ctx.in_shape(0)) < 3:
        raise ctx.unsupported("LRN needs an (N, C, spatial...) input")
    size = int(ctx.attr("size", 0))
    if size < 1:
        raise ctx.unsupported(f"size must be positive, got {size}")
    op = ctx.build(dnnf.LrnOp, ctx.input(0), attrs.i64(size),
                   attrs.f32(ctx.attr("alpha", 1e-4)), attrs.f32(ctx.attr("beta", 0.75)),
                   attrs.f32(ctx.attr("bias", 1.0)), ctx.out_type())
    return [op.out]


@converter("Tile")
def convert_tile(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes((np.float32, np.int64, np.int32, np.bool_))
    ctx.require_const(1, "repeats")
    return [ctx.build(dnnf.TileOp, ctx.input(0), ctx.out_type()).out]


@converter("ConstantOfShape")
def convert_constant_of_shape(ctx: NodeContext) -> list[ir.Value]:
    """Static shapes only (the loader folded the shape); the fill value is an attribute."""
    ctx.require_const(0, "shape")
    tensor = ctx.attr("value")
    value = numpy_helper.to_array(tensor).reshape(-1)[0] if tensor is not None else 0.0
    elem = ctx.out_type().element_type
    if ctx.out_dtype() == np.float32:
        attr = ir.FloatAttr.get(elem, float(value))
    else:
        attr = ir.IntegerAttr.get(elem, int(value))
    return [ctx.build(dnnf.FillOp, attr, ctx.out_type()).out]

