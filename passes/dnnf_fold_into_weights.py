"""Fold per-channel affine maps (inference BatchNorm, constant Mul/Add) into weights and bias.

Matches: `dnnf.batch_norm` whose input is a single-use `dnnf.conv`, `dnnf.conv_transpose`,
`dnnf.gemm` or 2-D `dnnf.matmul` with constant weights (and bias) and constant [C] BN
parameters; `dnnf.mul`, `dnnf.add` or `dnnf.sub` (conv on the left) of a single-use
`dnnf.conv` and a constant that varies at most along the channel dim (dim 1) and does
not broadcast the conv result.
Rewrites: into the producer with new weights W' = W * s and bias b' = b * s + t (BN:
s = gamma / sqrt(var + eps), t = beta - mean * s; Mul: s = c, t = 0; Add/Sub: s = 1,
t = +-c), s laid along W's output-channel axis. W' and b' are emitted as `dnnf` ops over
the constants; `dnnf-fold-weights` evaluates them at compile time (resources through the
compiler's weight table). ConvTranspose weights are [C_in, C_out/group, k...]: s is laid
along axis 1 of each group's slice.
Sound because: each map is per output channel affine and conv/gemm/matmul are linear in
their weights, so (x*W + b)*s + t = x*(W*s) + (b*s + t) channel by channel; the single-use
requirement keeps the unscaled result from being needed elsewhere. Reassociation changes
rounding only (float tolerance).
"""

from __future__ import annotations

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.constant_values import (
    binary,
    defined_by,
    f32_tensor,
    has_single_use,
    is_constant,
    is_f32,
    reshape,
    shape_of,
    splat_f32,
    unary,
)
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.rewriting import Rule, apply_rules, rule

NAME = "dnnf-fold-into-weights"
DESCRIPTION = "Fold BatchNorm and per-channel Mul/Add into Conv/Gemm/MatMul weights."


def _foldable_producer(value: ir.Value, name: str) -> ir.Operation | None:
    """The producer `name` of `value` when single-use, f32, with constant operands 1.."""
    op = defined_by(value, name)
    if op is None or not has_single_use(value) or not is_f32(*op.operands):
        return None
    return op if all(is_constant(v) for v in list(op.operands)[1:]) else None


def _bn_params_ok(bn: ir.Operation, channels: int) -> bool:
    """BN parameters constant, f32 and of shape [channels]."""
    params = list(bn.operands)[1:5]
    return all(is_constant(p) and shape_of(p) == (channels,) for p in params) and is_f32(*params)


def _bn_affine(bn: ir.Operation) -> tuple[ir.Value, ir.Value]:
    """Emit s = gamma / sqrt(var + eps) and t = beta - mean * s (both [C])."""
    gamma, beta, mean, var = list(bn.operands)[1:5]
    eps = ir.FloatAttr(bn.attributes["epsilon"]).value
    std = unary(dnnf.SqrtOp, binary(dnnf.AddOp, var, splat_f32(eps, shape_of(var))))
    s = binary(dnnf.DivOp, gamma, std)
    return s, binary(dnnf.SubOp, beta, binary(dnnf.MulOp, mean, s))


def _scaled_bias(bias: ir.Value | None, s: ir.Value, t: ir.Value | None) -> ir.Value | None:
    """b * s + t, dropping absent terms (None when both b and t are absent)."""
    scaled = binary(dnnf.MulOp, bias, s) if bias is not None else None
    if scaled is None or t is None:
        return scaled if t is None else t
    return binary(dnnf.AddOp, scaled, t)


def _rebuild_conv(conv: ir.Operation, weight: ir.Value, bias: ir.Value | None) -> ir.Value:
    """A copy of `conv` with new weight and bias (bias broadcast to [C] if needed)."""
    channels = shape_of(conv.results[0])[1]
    if bias is not None and shape_of(bias) != (channels,):
        bias = dnnf.ExpandOp(reshape(bias, [1]), f32_tensor([channels])).out
    a = conv.attributes
    return dnnf.ConvOp(conv.operands[0], weight, a["strides"], a["pads"], a["dilations"],
                       a["group"], conv.results[0].type, bias=bias).out


def _conv_bias(conv: ir.Operation) -> ir.Value | None:
    return conv.operands[2] if len(conv.operands) > 2 else None


def _conv_affine(conv: ir.Operation, s: ir.Value | None, t: ir.Value | None) -> ir.Value:
    """conv(x, W * s, b * s + t) with s, t of shape [C] or [1] (None: 1 and 0)."""
    weight, bias = conv.operands[1], _conv_bias(conv)
    if s is None:
        assert t is not None
        return _rebuild_conv(conv, weight, t if bias is None else binary(dnnf.AddOp, bias, t))
    rank = len(shape_of(weight))
    weight = binary(dnnf.MulOp, weight, reshape(s, [shape_of(s)[0]] + [1] * (rank - 1)))
    return _rebuild_conv(conv, weight, _scaled_bias(bias, s, t))


@rule("dnnf.batch_norm")
def rule_bn_into_conv(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """BN(conv(x, W, b)) -> conv(x, W * s[:, None, ...], b * s + t), s, t as in the module doc.

    Precondition: conv result single-use (the BN), W, b and BN parameters constant, f32.
    """
    conv = _foldable_producer(op.operands[0], "dnnf.conv")
    if conv is None or not _bn_params_ok(op, shape_of(conv.results[0])[1]):
        return False
    with rewriter.ip, op.location:
        s, t = _bn_affine(op)
        new = _conv_affine(conv, s, t)
    rewriter.replace_op(op, [new])
    return True


@rule("dnnf.batch_norm")
def rule_bn_into_conv_transpose(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """BN(conv_transpose(x, W, b)) -> conv_transpose(x, W * s', b * s + t).

    W is [C_in, C_out/g, k...]; viewed as [g, C_in/g, C_out/g, k...] it is scaled by s viewed
    as [g, 1, C_out/g, 1...]. Precondition: result single-use (the BN), W, b and BN
    parameters constant, f32.
    """
    conv = _foldable_producer(op.operands[0], "dnnf.conv_transpose")
    if conv is None or not _bn_params_ok(op, shape_of(conv.results[0])[1]):
        return False
    weight, bias = conv.operands[1], _conv_bias(conv)
    w_shape = list(shape_of(weight))
    group = ir.IntegerAttr(conv.attributes["group"]).value
    c_in, per_group, kernel = w_shape[0], w_shape[1], w_shape[2:]
    with rewriter.ip, op.location:
        s, t = _bn_affine(op)
        grouped = reshape(weight, [group, c_in // group, per_group, *kernel])
        s_view = reshape(s, [group, 1, per_group] + [1] * len(kernel))
        weight = reshape(binary(dnnf.MulOp, grouped, s_view), w_shape)
        a = conv.attributes
        new = dnnf.ConvTransposeOp(conv.operands[0], weight, a["strides"], a["pads"],
                                   a["dilations"], a["group"], conv.results[0].type,
                                   bias=_scaled_bias(bias, s, t)).out
    rewriter.replace_op(op, [new])
    return True


@rule("dnnf.batch_norm")
def rule_bn_into_gemm(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """BN(gemm(A, B, C)) -> gemm(A, B * s, beta * C * s + t, beta=1), s along B's N axis.

    Precondition: gemm result single-use (the BN), B, C and BN parameters constant, f32.
    """
    gemm = _foldable_producer(op.operands[0], "dnnf.gemm")
    if gemm is None or not _bn_params_ok(op, shape_of(gemm.results[0])[1]):
        return False
    a = gemm.attributes
    beta = ir.FloatAttr(a["beta"]).value
    bias = gemm.operands[2] if len(gemm.operands) > 2 and beta != 0.0 else None
    with rewriter.ip, op.location:
        s, t = _bn_affine(op)
        if bias is not None and beta != 1.0:
            bias = binary(dnnf.MulOp, bias, splat_f32(beta, [1]))
        trans_b = ir.IntegerAttr(a["trans_b"]).value
        s_b = reshape(s, [shape_of(s)[0], 1]) if trans_b else s
        weight = binary(dnnf.MulOp, gemm.operands[1], s_b)
        new = dnnf.GemmOp(gemm.operands[0], weight, a["alpha"], ir.FloatAttr.get_f32(1.0),
                          a["trans_a"], a["trans_b"], gemm.results[0].type,
                          bias=_scaled_bias(bias, s, t))
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.batch_norm")
def rule_bn_into_matmul(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """BN(matmul(A, B)) -> gemm(A, B * s, bias=t) for 2-D A, B (channel = column of B).

    Precondition: matmul result single-use (the BN), B and BN parameters constant, f32,
    both operands 2-D (for batched matmuls BN's channel is a row of A, not foldable into B).
    """
    mm = _foldable_producer(op.operands[0], "dnnf.matmul")
    if mm is None or len(shape_of(mm.operands[0])) != 2 or len(shape_of(mm.operands[1])) != 2:
        return False
    if not _bn_params_ok(op, shape_of(mm.results[0])[1]):
        return False
    one = ir.FloatAttr.get_f32(1.0)
    zero = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 0)
    with rewriter.ip, op.location:
        s, t = _bn_affine(op)
        weight = binary(dnnf.MulOp, mm.operands[1], s)
        new = dnnf.GemmOp(mm.operands[0], weight, one, one, zero, zero, mm.results[0].type,
                          bias=t)
    rewriter.replace_op(op, [new.out])
    return True


def _channel_operand(op: ir.Operation, conv_on_left_only: bool
                     ) -> tuple[ir.Operation, ir.Value] | None:
    """(conv, c) when `op` combines a foldable conv with a per-channel constant c."""
    pairs = [(0, 1)] if conv_on_left_only else [(0, 1), (1, 0)]
    for i, j in pairs:
        conv = _foldable_producer(op.operands[i], "dnnf.conv")
        c = op.operands[j]
        if conv is None or not is_constant(c) or not is_f32(c):
            continue
        out, cshape = shape_of(conv.results[0]), shape_of(c)
        if len(cshape) > len(out) or op.results[0].type != conv.results[0].type:
            continue
        padded = (1,) * (len(out) - len(cshape)) + cshape
        if all(d == 1 for k, d in enumerate(padded) if k != 1) and padded[1] in (1, out[1]):
            return conv, c
    return None


def _channel_vector(c: ir.Value) -> ir.Value:
    """A per-channel constant as a vector: [C] or [1]."""
    return reshape(c, [int(np.prod(shape_of(c), dtype=np.int64))])


def mul_into_conv(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """conv(x, W, b) * c -> conv(x, W * c[:, None, ...], b * c), c per output channel.

    Precondition: conv result single-use, W, b, c constant f32, c constant along every dim
    but the channel dim and not broadcasting the conv result.
    """
    found = _channel_operand(op, conv_on_left_only=False)
    if found is None:
        return False
    with rewriter.ip, op.location:
        new = _conv_affine(found[0], _channel_vector(found[1]), None)
    rewriter.replace_op(op, [new])
    return True


def add_into_conv(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """conv(x, W, b) + c -> conv(x, W, b + c); conv - c -> conv(x, W, b - c).

    Precondition: as `mul_into_conv`; for Sub the conv must be the left operand.
    """
    is_sub = op.name == "dnnf.sub"
    found = _channel_operand(op, conv_on_left_only=is_sub)
    if found is None:
        return False
    with rewriter.ip, op.location:
        t = _channel_vector(found[1])
        new = _conv_affine(found[0], None, unary(dnnf.NegOp, t) if is_sub else t)
    rewriter.replace_op(op, [new])
    return True


RULES = [
    rule_bn_into_conv,
    rule_bn_into_conv_transpose,
    rule_bn_into_gemm,
    rule_bn_into_matmul,
    Rule("mul_into_conv", "dnnf.mul", mul_into_conv),
    Rule("add_into_conv", "dnnf.add", add_into_conv),
    Rule("sub_into_conv", "dnnf.sub", add_into_conv),
]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
