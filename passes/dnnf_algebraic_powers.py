"""Merge exponentials, square roots and powers.

Matches: exp(a)*exp(b) (each exp single-use, or one exp used exactly twice by the mul);
sqrt(x)*sqrt(x) (one sqrt or two of the same x) with x >= 0 provable; (x^a)^b with a, b
inline f32 constants of one element and the inner pow single-use, where x >= 0 is provable
or a and b are both integer-valued.
Rewrites: exp(a+b); x; x^(a*b).
Sound because: e^a*e^b = e^(a+b); sqrt(x)^2 = x for x >= 0 (for x < 0 it is NaN, hence the
proof: x from relu/exp/abs/sigmoid/sqrt, a non-negative constant, y*y, or sums/products of
those); (x^a)^b = x^(ab) for x >= 0 and any real a, b (IEEE pow conventions at 0 agree),
and for any x when a and b are integers. All change rounding (and exp/pow overflow points)
only, so they are fast-math rules.
"""

from __future__ import annotations

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.rewriting import apply_rules, rule
from dnnfusion_mlir.rule_utils import (
    broadcast,
    const_array,
    is_f32,
    make_constant,
    nonnegative,
    producer,
    result_type,
    shape,
    single_use,
)

NAME = "dnnf-algebraic-powers"
DESCRIPTION = "exp(a)*exp(b) -> exp(a+b); sqrt(x)*sqrt(x) -> x; (x^a)^b -> x^(ab)."


def _only_used_by(value: ir.Value, op: ir.Operation) -> bool:
    """Every use of `value` is an operand of `op`."""
    return all(u.owner.operation == op for u in value.uses)


@rule("dnnf.mul", fast_math=True)
def rule_exp_product(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """exp(a)*exp(b) -> exp(a+b).

    Precondition: both factors are dnnf.exp results used only by this mul, f32. Equal
    within float rounding (and overflows no earlier).
    """
    lhs = producer(op.operands[0], "dnnf.exp")
    rhs = producer(op.operands[1], "dnnf.exp")
    if lhs is None or rhs is None or not is_f32(op.results[0]):
        return False
    if not (_only_used_by(lhs.results[0], op) and _only_used_by(rhs.results[0], op)):
        return False
    a, b = lhs.operands[0], rhs.operands[0]
    if broadcast(shape(a), shape(b)) != shape(op.results[0]):
        return False
    with rewriter.ip, op.location:
        total = dnnf.AddOp(a, b, op.results[0].type)
        new = dnnf.ExpOp(total.out, op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.mul", fast_math=True)
def rule_sqrt_square(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """sqrt(x)*sqrt(x) -> x.

    Precondition: both factors are sqrt of the same value x, x >= 0 provable (see
    rule_utils.nonnegative), type(x) == type(result). Equal within float rounding.
    """
    lhs = producer(op.operands[0], "dnnf.sqrt")
    rhs = producer(op.operands[1], "dnnf.sqrt")
    if lhs is None or rhs is None or lhs.operands[0] != rhs.operands[0]:
        return False
    x = lhs.operands[0]
    if x.type != op.results[0].type or not nonnegative(x):
        return False
    rewriter.replace_op(op, [x])
    return True


def _integer_valued(value: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(value)) and np.all(value == np.round(value)))


@rule("dnnf.pow", fast_math=True)
def rule_pow_of_pow(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """(x^a)^b -> x^(a*b).

    Precondition: a, b inline f32 constants of one element each, the inner pow single-use,
    and x >= 0 provable or both a and b integer-valued. Equal within float rounding.
    """
    inner = producer(op.operands[0], "dnnf.pow")
    b = const_array(op.operands[1])
    if inner is None or b is None or not single_use(inner.results[0]):
        return False
    a = const_array(inner.operands[1])
    x = inner.operands[0]
    if a is None or a.size != 1 or b.size != 1 or not is_f32(x, op.results[0]):
        return False
    if not (nonnegative(x) or (_integer_valued(a) and _integer_valued(b))):
        return False
    exponent = np.asarray(a * b, np.float32)
    if broadcast(shape(x), exponent.shape) != shape(op.results[0]):
        return False
    with rewriter.ip, op.location:
        new = dnnf.PowOp(x, make_constant(exponent), result_type(shape(op.results[0]), x))
    rewriter.replace_op(op, [new.out])
    return True


RULES = [rule_exp_product, rule_sqrt_square, rule_pow_of_pow]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
