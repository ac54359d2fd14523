"""Factor common multiplicands out of sums and constant scales out of reductions.

Matches: A*B + A*C and A*B - A*C (A the same SSA value, any operand order of each mul,
both muls single-use, f32); ReduceSum/ReduceMean(c*X) with c an inline f32 constant that
is constant along the reduced axes, X of the product's shape, the mul single-use.
Rewrites: A*(B+C), A*(B-C); c'*Reduce(X), c' = c with the reduced axes dropped when
keepdims = 0.
Sound because: distributivity holds up to float rounding (fast-math); broadcasting is
associative in shapes so result types are unchanged; c is the same for every element that
a reduction combines, so it factors out of the sum (and the mean). Each rewrite removes one
op and moves a multiply to the smaller tensor, lowering the ECG cost.
"""

from __future__ import annotations

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.rewriting import apply_rules, rule
from dnnfusion_mlir.rule_utils import (
    broadcast,
    constant_side,
    is_f32,
    make_constant,
    producer,
    result_type,
    shape,
    single_use,
)

NAME = "dnnf-algebraic-distribute"
DESCRIPTION = "A*B + A*C -> A*(B+C) (and Sub); Reduce(c*X) -> c*Reduce(X)."


def _common_factor(lhs: ir.Operation, rhs: ir.Operation
                   ) -> tuple[ir.Value, ir.Value, ir.Value] | None:
    """(A, B, C) with lhs = A*B and rhs = A*C (either operand order), or None."""
    for i in (0, 1):
        for j in (0, 1):
            if lhs.operands[i] == rhs.operands[j]:
                return lhs.operands[i], lhs.operands[1 - i], rhs.operands[1 - j]
    return None


def _factor(op: ir.Operation, rewriter: rewrite.PatternRewriter, combine: type) -> bool:
    """op(A*B, A*C) -> A*combine(B, C) for op in {add, sub}."""
    lhs = producer(op.operands[0], "dnnf.mul")
    rhs = producer(op.operands[1], "dnnf.mul")
    if lhs is None or rhs is None or lhs == rhs or not is_f32(op.results[0]):
        return False
    if not (single_use(lhs.results[0]) and single_use(rhs.results[0])):
        return False
    found = _common_factor(lhs, rhs)
    if found is None:
        return False
    a, b, c = found
    inner = broadcast(shape(b), shape(c))
    if inner is None or broadcast(shape(a), inner) != shape(op.results[0]):
        return False
    with rewriter.ip, op.location:
        summed = combine(b, c, result_type(inner, b))
        new = dnnf.MulOp(a, summed.out, op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.add", fast_math=True)
def rule_factor_add(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """A*B + A*C -> A*(B+C).

    Precondition: both products share the operand A (same value), each has no other use, f32.
    Distributivity: equal within float rounding.
    """
    return _factor(op, rewriter, dnnf.AddOp)


@rule("dnnf.sub", fast_math=True)
def rule_factor_sub(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """A*B - A*C -> A*(B-C).

    Precondition: as for factor_add. Distributivity: equal within float rounding.
    """
    return _factor(op, rewriter, dnnf.SubOp)


def _scale_after_reduce(c: np.ndarray, rank: int, axes: tuple[int, ...], keepdims: bool
                        ) -> np.ndarray | None:
    """c reshaped to multiply the reduction's result, or None if c varies along `axes`."""
    if c.ndim > rank:
        return None
    full = c.reshape((1,) * (rank - c.ndim) + c.shape)
    if any(full.shape[a] != 1 for a in axes):
        return None
    if keepdims:
        return c
    return c.reshape(()) if c.size == 1 else full.reshape(
        [d for i, d in enumerate(full.shape) if i not in axes])


def _pull_scale(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    mul = producer(op.operands[0], "dnnf.mul")
    if mul is None or not single_use(mul.results[0]) or not is_f32(op.results[0]):
        return False
    side = constant_side(mul)
    if side is None:
        return False
    x = mul.operands[1 - side[0]]
    if shape(x) != shape(mul.results[0]):
        return False
    rank = len(shape(x))
    axes = tuple(a % rank for a in ir.DenseI64ArrayAttr(op.attributes["axes"]))
    keep = bool(ir.IntegerAttr(op.attributes["keepdims"]).value)
    scale = _scale_after_reduce(side[1], rank, axes, keep)
    if scale is None:
        return False
    attrs = {name: op.attributes[name] for name in op.attributes}
    with rewriter.ip, op.location:
        reduced = ir.Operation.create(str(op.name), results=[op.results[0].type],
                                      operands=[x], attributes=attrs)
        new = dnnf.MulOp(reduced.results[0], make_constant(scale), op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.reduce_sum", fast_math=True)
def rule_reduce_sum_of_scaled(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """ReduceSum(c*X) -> c*ReduceSum(X).

    Precondition: c an inline f32 constant of size 1 along every reduced axis, c*X has X's
    shape, the product has no other use. Distributivity: equal within float rounding.
    """
    return _pull_scale(op, rewriter)


@rule("dnnf.reduce_mean", fast_math=True)
def rule_reduce_mean_of_scaled(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """ReduceMean(c*X) -> c*ReduceMean(X).

    Precondition: as for reduce_sum_of_scaled (the mean is a sum times 1/n).
    """
    return _pull_scale(op, rewriter)


RULES = [rule_factor_add, rule_factor_sub, rule_reduce_sum_of_scaled,
         rule_reduce_mean_of_scaled]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
