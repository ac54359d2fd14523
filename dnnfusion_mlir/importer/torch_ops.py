"""Aten converters for element-wise ops (One-to-One): activations, arithmetic with the
tensor and scalar forms (and `alpha`), comparisons, where/masked_fill, casts and the
identity-like ops (clone, contiguous, dropout in inference).

GELU keeps PyTorch's formulas, spelled with dnnf ops: erf form for approximate="none",
tanh form for approximate="tanh". Neural-network ops live in torch_ops_nn.py, data movement
in torch_ops_shape.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.torch_node import AtenContext, aten

F32, BOOL = np.dtype(np.float32), np.dtype(np.bool_)
_UNARY = {
    "aten.relu": dnnf.ReluOp, "aten.sigmoid": dnnf.SigmoidOp, "aten.tanh": dnnf.TanhOp,
    "aten.erf": dnnf.ErfOp, "aten.exp": dnnf.ExpOp, "aten.log": dnnf.LogOp,
    "aten.sqrt": dnnf.SqrtOp, "aten.reciprocal": dnnf.ReciprocalOp, "aten.neg": dnnf.NegOp,
    "aten.abs": dnnf.AbsOp, "aten.hardswish": dnnf.HardSwishOp,
}
_BINARY = {"add": dnnf.AddOp, "sub": dnnf.SubOp, "mul": dnnf.MulOp, "div": dnnf.DivOp}
# Comparisons map to dnnf ops by name; those the dialect lacks are reported unsupported.
_COMPARE = {"eq": "EqualOp", "lt": "LessOp", "gt": "GreaterOp", "le": "LessOrEqualOp",
            "ge": "GreaterOrEqualOp"}


def cast_to(ctx: AtenContext, i: int, dtype: np.dtype) -> ir.Value:
    """Operand `i` (tensor or number) as a tensor of element type `dtype`."""
    value = ctx.arg(i)
    if isinstance(value, bool | int | float):
        return ctx.scalar(value, dtype)
    if isinstance(value, np.ndarray):
        return ctx.constant(value.astype(dtype, copy=False))
    tensor = ctx.tensor(i)
    if ctx.dtype(i) == np.dtype(dtype):
        return tensor
    return ctx.build(dnnf.CastOp, tensor, ctx.type_like(ctx.shape(i), dtype)).out


def binary(ctx: AtenContext, op: type, lhs: ir.Value, rhs: ir.Value,
           dtype: np.dtype | None = None) -> ir.Value:
    """`op(lhs, rhs)` with a numpy-broadcast result type."""
    shape = np.broadcast_shapes(tuple(ir.RankedTensorType(lhs.type).shape),
                                tuple(ir.RankedTensorType(rhs.type).shape))
    return ctx.build(op, lhs, rhs, ctx.type_like(shape, dtype)).out


def unary(ctx: AtenContext, op: type, x: ir.Value) -> ir.Value:
    """`op(x)` with x's type."""
    return ctx.build(op, x, x.type).out


@aten(*_UNARY)
def convert_unary(ctx: AtenContext) -> list[Any]:
    x = cast_to(ctx, 0, ctx.out_dtype())
    return [unary(ctx, _UNARY[ctx.name], x)]


@aten("aten.rsqrt")
def convert_rsqrt(ctx: AtenContext) -> list[Any]:
    return [unary(ctx, dnnf.ReciprocalOp, unary(ctx, dnnf.SqrtOp, ctx.tensor(0)))]


@aten("aten.silu")
def convert_silu(ctx: AtenContext) -> list[Any]:
    x = ctx.tensor(0)
    return [binary(ctx, dnnf.MulOp, x, unary(ctx, dnnf.SigmoidOp, x))]


@aten("aten.gelu")
def convert_gelu(ctx: AtenContext) -> list[Any]:
    x, mode = ctx.tensor(0), ctx.arg(1, "none")
    if mode == "none":  # 0.5 x (1 + erf(x / sqrt 2))
        inner = unary(ctx, dnnf.ErfOp, binary(ctx, dnnf.MulOp, x, ctx.scalar(1 / math.sqrt(2))))
    elif mode == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = binary(ctx, dnnf.MulOp, binary(ctx, dnnf.MulOp, x, x), x)
        poly = binary(ctx, dnnf.AddOp, x, binary(ctx, dnnf.MulOp, cube, ctx.scalar(0.044715)))
        scaled = binary(ctx, dnnf.MulOp, poly, ctx.scalar(math.sqrt(2 / math.pi)))
        inner = unary(ctx, dnnf.TanhOp, scaled)
    else:
        raise ctx.unsupported(f"approximate='{mode}'")
    half_x = binary(ctx, dnnf.MulOp, x, ctx.scalar(0.5))
    return [binary(ctx, dnnf.MulOp, half_x, binary(ctx, dnnf.AddOp, inner, ctx.scalar(1.0)))]


@aten("aten.hardsigmoid")
def convert_hardsigmoid(ctx: AtenContext) -> list[Any]:
    op = ctx.build(dnnf.HardSigmoidOp, ctx.tensor(0), attrs.f32(1 / 6), attrs.f32(0.5),
                   ctx.out_type())
    return [op.out]


@aten("aten.leaky_relu")
def convert_leaky_relu(ctx: AtenContext) -> list[Any]:
    alpha = attrs.f32(ctx.number(1, 0.01))
    return [ctx.build(dnnf.LeakyReluOp, ctx.tensor(0), alpha, ctx.out_type()).out]


@aten("aten.clamp", "aten.hardtanh", "aten.relu6", "aten.clamp_min", "aten.clamp_max")
def convert_clamp(ctx: AtenContext) -> list[Any]:
    defaults = {"aten.hardtanh": (-1.0, 1.0), "aten.relu6": (0.0, 6.0)}
    lo, hi = defaults.get(ctx.name, (None, None))
    if ctx.name == "aten.clamp_max":
        hi = ctx.number(1)
    elif ctx.name != "aten.relu6":
        lo = ctx.number(1) if ctx.arg(1) is not None else lo
        hi = ctx.number(2) if ctx.arg(2) is not None else hi
    if ctx.out_dtype() != np.float32:
        raise ctx.unsupported(f"clamp of {ctx.out_dtype()} tensors")
    lo_f = -np.inf if lo is None else float(lo)
    hi_f = np.inf if hi is None else float(hi)
    op = ctx.build(dnnf.ClipOp, ctx.tensor(0), attrs.f32(lo_f), attrs.f32(hi_f), ctx.out_type())
    return [op.out]


@aten(*(f"aten.{n}.{form}" for n in _BINARY for form in ("Tensor", "Scalar")),
      "aten.rsub.Scalar", "aten.rsub.Tensor")
def convert_arith(ctx: AtenContext) -> list[Any]:
    base = ctx.name.split(".")[1]
    dtype = ctx.out_dtype()
    lhs, rhs = cast_to(ctx, 0, dtype), cast_to(ctx, 1, dtype)
    alpha = ctx.number(2, 1) if base in ("add", "sub", "rsub") else 1
    if base == "rsub":  # other - alpha * self
        lhs, rhs, base = rhs, lhs, "sub"
        if alpha != 1:
            rhs, alpha = binary(ctx, dnnf.MulOp, rhs, ctx.scalar(alpha)), 1
    if alpha != 1:
        rhs = binary(ctx, dnnf.MulOp, rhs, ctx.scalar(alpha))
    if base == "div" and len(ctx.args) > 2 and ctx.arg(2) is not None:
        raise ctx.unsupported(f"rounding_mode='{ctx.arg(2)}'")
    return [binary(ctx, _BINARY[base], lhs, rhs)]


@aten("aten.div.Tensor_mode", "aten.div.Scalar_mode")
def convert_div_mode(ctx: AtenContext) -> list[Any]:
    if ctx.arg(2) is not None:
        raise ctx.unsupported(f"rounding_mode='{ctx.arg(2)}'")
    dtype = ctx.out_dtype()
    return [binary(ctx, dnnf.DivOp, cast_to(ctx, 0, dtype), cast_to(ctx, 1, dtype))]


@aten("aten.pow.Tensor_Scalar", "aten.pow.Tensor_Tensor", "aten.pow.Scalar")
def convert_pow(ctx: AtenContext) -> list[Any]:
    if ctx.out_dtype() != np.float32:
        raise ctx.unsupported(f"pow of {ctx.out_dtype()} tensors")
    base, exponent = cast_to(ctx, 0, F32), cast_to(ctx, 1, F32)
    if ctx.name == "aten.pow.Tensor_Scalar" and ctx.number(1) == 2:
        return [binary(ctx, dnnf.MulOp, base, base)]
    return [binary(ctx, dnnf.PowOp, base, exponent)]


@aten(*(f"aten.{n}.{form}" for n in _COMPARE for form in ("Tensor", "Scalar")))
def convert_compare(ctx: AtenContext) -> list[Any]:
    op = getattr(dnnf, _COMPARE[ctx.name.split(".")[1]], None)
    if op is None:
        raise ctx.unsupported("the dnnf dialect has no op for this comparison")
    dtypes = [ctx.dtype(i) if ctx.is_tensor(i) else np.asarray(ctx.arg(i)).dtype
              for i in (0, 1)]
    common = np.result_type(*dtypes)
    if common == np.float64:
        common = np.dtype(np.float32)
    return [binary(ctx, op, cast_to(ctx, 0, common), cast_to(ctx, 1, common), BOOL)]


@aten("aten.where.self", "aten.where.ScalarSelf", "aten.where.ScalarOther",
      "aten.where.Scalar")
def convert_where(ctx: AtenContext) -> list[Any]:
    cond, dtype = ctx.tensor(0), ctx.out_dtype()
    lhs, rhs = cast_to(ctx, 1, dtype), cast_to(ctx, 2, dtype)
    return [ctx.build(dnnf.WhereOp, cond, lhs, rhs, ctx.out_type()).out]


@aten("aten.masked_fill.Scalar", "aten.masked_fill.Tensor")
def convert_masked_fill(ctx: AtenContext) -> list[Any]:
    x, mask = ctx.tensor(0), ctx.tensor(1)
    fill = cast_to(ctx, 2, ctx.out_dtype())
    return [ctx.build(dnnf.WhereOp, mask, fill, x, ctx.out_type()).out]


@aten("aten.clone", "aten.contiguous", "aten.detach", "aten.alias", "aten.lift_fresh_copy",
      "aten.dropout", "aten.feature_dropout", "aten.alpha_dropout")
def convert_identity(ctx: AtenContext) -> list[Any]:
    if ctx.name.endswith("dropout") and ctx.arg(2) is True:
        raise ctx.unsupported("dropout in training mode (call module.eval())")
    return [ctx.arg(0)]


@aten("aten.to.dtype", "aten._to_copy", "aten.type_as", "aten.to.dtype_layout",
      "aten.to.other", "prims.convert_element_type")
def convert_cast(ctx: AtenContext) -> list[Any]:
    if ctx.dtype(0) == ctx.out_dtype():
        return [ctx.arg(0)]
    if ctx.const(0) is not None:
        return [ctx.const(0).astype(ctx.out_dtype())]  # type: ignore[union-attr]
    return [ctx.build(dnnf.CastOp, ctx.tensor(0), ctx.out_type()).out]
