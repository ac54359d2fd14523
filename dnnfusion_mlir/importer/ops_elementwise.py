"""Converters for element-wise ONNX ops (One-to-One): activations, arithmetic, Where, Cast."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.registry import converter
from dnnfusion_mlir.types import tensor_type

F32 = (np.float32,)
NUMERIC = (np.float32, np.int64, np.int32)
ANY = (np.float32, np.int64, np.int32, np.bool_)

_UNARY_F32 = {
    "Relu": dnnf.ReluOp, "Sigmoid": dnnf.SigmoidOp, "Tanh": dnnf.TanhOp, "Erf": dnnf.ErfOp,
    "Exp": dnnf.ExpOp, "Log": dnnf.LogOp, "Sqrt": dnnf.SqrtOp,
    "Reciprocal": dnnf.ReciprocalOp, "HardSwish": dnnf.HardSwishOp,
    "Softplus": dnnf.SoftplusOp, "Sin": dnnf.SinOp, "Cos": dnnf.CosOp,
}
_UNARY_NUMERIC = {"Neg": dnnf.NegOp, "Abs": dnnf.AbsOp}
_BINARY = {"Add": dnnf.AddOp, "Sub": dnnf.SubOp, "Mul": dnnf.MulOp, "Div": dnnf.DivOp}


@converter(*_UNARY_F32)
def convert_unary_f32(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    return [ctx.build(_UNARY_F32[ctx.op_type], ctx.input(0), ctx.out_type()).out]


@converter(*_UNARY_NUMERIC)
def convert_unary_numeric(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(NUMERIC)
    return [ctx.build(_UNARY_NUMERIC[ctx.op_type], ctx.input(0), ctx.out_type()).out]


@converter("Identity")
def convert_identity(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    return [ctx.build(dnnf.IdentityOp, ctx.input(0), ctx.out_type()).out]


@converter("Dropout")
def convert_dropout(ctx: NodeContext) -> list[ir.Value]:
    """Inference Dropout (or training with ratio 0): the identity, and an all-true mask.

    Training mode with a `seed` attribute is deterministic: the mask is drawn at compile time
    with the numpy generator ONNX's reference uses, and the output is x * (mask / (1 - ratio)).
    """
    ctx.require_dtypes(F32)
    training = ctx.const(2)
    ratio = ctx.const(1)
    if ctx.has_input(2) and training is None:
        raise ctx.unsupported("training_mode must be a compile-time constant")
    if training is not None and bool(training):
        if ctx.has_input(1) and ratio is None:
            raise ctx.unsupported("ratio must be a compile-time constant in training mode")
        drop = np.float32(0.5 if ratio is None else ratio)
        if drop != 0.0:
            return _seeded_dropout(ctx, drop)
    out = ctx.build(dnnf.DropoutOp, ctx.input(0), ctx.out_type()).out
    return _with_mask(ctx, out, np.ones(ctx.out_shape(0), dtype=np.bool_))


def _with_mask(ctx: NodeContext, out: ir.Value, mask: np.ndarray) -> list[ir.Value]:
    """`out`, plus the mask as a constant when the node has the optional mask output."""
    if len(ctx.node.output) < 2 or not ctx.node.output[1]:
        return [out]
    return [out, ctx.constant(f"{ctx.name}__mask", mask)]


def _seeded_dropout(ctx: NodeContext, drop: np.float32) -> list[ir.Value]:
    """Training Dropout with a fixed seed: the mask as onnx.reference draws it."""
    seed = ctx.attr("seed")
    if seed is None:
        raise ctx.unsupported("training_mode=True with a non-zero ratio and no seed "
                              "attribute is random; only seeded training Dropout is compiled")
    if not 0.0 <= drop < 1.0:
        raise ctx.unsupported(f"ratio {float(drop)} is outside [0, 1)")
    shape = ctx.in_shape(0)
    # onnx/reference/ops/op_dropout.py: RandomState(seed).uniform(0, 1, shape) >= ratio.
    mask = np.random.RandomState(int(seed)).uniform(0, 1.0, shape) >= drop
    scale = np.float32(1.0) / (np.float32(1.0) - drop)
    weight = ctx.constant(f"{ctx.name}__keep_scale", mask.astype(np.float32) * scale)
    out = ctx.build(dnnf.MulOp, ctx.input(0), weight, ctx.out_type()).out
    return _with_mask(ctx, out, mask)


@converter(*_BINARY)
def convert_binary(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(NUMERIC, inputs=(0, 1))
    op = _BINARY[ctx.op_type]
    return [ctx.build(op, ctx.input(0), ctx.input(1), ctx.out_type()).out]


@converter("Pow")
def convert_pow(ctx: NodeContext) -> list[ir.Value]:
    """Float base: `math.powf` with an f32 exponent. Integer base (the result keeps its type,
    as ONNX says): an integer exponent is exact integer power; a float exponent is computed
    in f32 and truncated, as the reference's pow-then-astype (exact below 2**24)."""
    ctx.require_dtypes(NUMERIC, inputs=(0, 1))
    base, base_dtype = ctx.input(0), ctx.in_dtype(0)
    if base_dtype == np.float32 or ctx.in_dtype(1) == np.float32:
        if base_dtype != np.float32:
            base = _cast(ctx, base, ctx.in_shape(0), np.float32)
        exponent = _exponent_as(ctx, np.float32)
        out_f32 = tensor_type(ctx.out_shape(), np.dtype(np.float32))
        result = ctx.build(dnnf.PowOp, base, exponent, out_f32).out
        if base_dtype == np.float32:
            return [result]
        return [ctx.build(dnnf.CastOp, result, ctx.out_type()).out]
    exponent = _exponent_as(ctx, base_dtype)
    return [ctx.build(dnnf.PowOp, base, exponent, ctx.out_type()).out]


def _cast(ctx: NodeContext, value: ir.Value, shape: tuple[int, ...],
          dtype: npt.DTypeLike) -> ir.Value:
    return ctx.build(dnnf.CastOp, value, tensor_type(shape, np.dtype(dtype))).out


def _exponent_as(ctx: NodeContext, dtype: npt.DTypeLike) -> ir.Value:
    """The exponent (input 1) converted to `dtype`: folded if constant, else a cast."""
    if ctx.in_dtype(1) == np.dtype(dtype):
        return ctx.input(1)
    const_exponent = ctx.const(1)
    if const_exponent is not None:
        name = f"{ctx.node.input[1]}__{np.dtype(dtype).name}"
        return ctx.constant(name, const_exponent.astype(dtype))
    return _cast(ctx, ctx.input(1), ctx.in_shape(1), dtype)


@converter("Equal")
def convert_equal(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY, inputs=(0, 1))
    return [ctx.build(dnnf.EqualOp, ctx.input(0), ctx.input(1), ctx.out_type()).out]


@converter("Where")
def convert_where(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes((np.bool_,), inputs=(0,))
    ctx.require_dtypes(ANY, inputs=(1, 2))
    op = ctx.build(dnnf.WhereOp, ctx.input(0), ctx.input(1), ctx.input(2), ctx.out_type())
    return [op.out]


@converter("Cast")
def convert_cast(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    return [ctx.build(dnnf.CastOp, ctx.input(0), ctx.out_type()).out]


@converter("LeakyRelu")
def convert_leaky_relu(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    alpha = attrs.f32(ctx.attr("alpha", 0.01))
    return [ctx.build(dnnf.LeakyReluOp, ctx.input(0), alpha, ctx.out_type()).out]


@converter("HardSigmoid")
def convert_hard_sigmoid(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(F32)
    alpha, beta = attrs.f32(ctx.attr("alpha", 0.2)), attrs.f32(ctx.attr("beta", 0.5))
    return [ctx.build(dnnf.HardSigmoidOp, ctx.input(0), alpha, beta, ctx.out_type()).out]


@converter("Clip")
def convert_clip(ctx: NodeContext) -> list[ir.Value]:
    # Clip-6 (min/max attributes) never reaches us: the loader converts opsets < 13.
    ctx.require_dtypes(F32)
    lo_c, hi_c = ctx.const(1), ctx.const(2)
    if (ctx.has_input(1) and lo_c is None) or (ctx.has_input(2) and hi_c is None):
        return [_clip_runtime(ctx)]
    lo = float(lo_c) if lo_c is not None else -np.inf
    hi = float(hi_c) if hi_c is not None else np.inf
    op = ctx.build(dnnf.ClipOp, ctx.input(0), attrs.f32(lo), attrs.f32(hi), ctx.out_type())
    return [op.out]


def _clip_runtime(ctx: NodeContext) -> ir.Value:
    """Clip with min/max computed at run time: Min(Max(x, min), max), as ONNX defines it
    (so min > max gives max everywhere)."""
    out = ctx.input(0)
    if ctx.has_input(1):
        out = ctx.build(dnnf.MaxOp, out, ctx.input(1), ctx.out_type()).out
    if ctx.has_input(2):
        out = ctx.build(dnnf.MinOp, out, ctx.input(2), ctx.out_type()).out
    return out
