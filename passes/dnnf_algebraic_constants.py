"""Reassociate chains of constant operands so the constants fold into one.

Matches: (X+c1)+c2 and (X*c1)*c2 (either operand order), X/c with c constant and nonzero,
X-c next to an add/sub of a constant; c, c1, c2 inline f32 `dnnf.constant`s.
Rewrites: X+(c1+c2), X*(c1*c2) with the constant folded; X*(1/c); X+(-c).
Sound because: numpy broadcasting is associative in shapes, so the result type is unchanged;
reassociation and the reciprocal change rounding only (fast-math rules); X-c == X+(-c)
exactly. The inner op must have a single use, so no op is duplicated and the op count
drops by one per merge.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.rewriting import apply_rules, rule
from dnnfusion_mlir.rule_utils import (
    constant_side,
    is_f32,
    make_constant,
    producer,
    single_use,
    small,
)

NAME = "dnnf-algebraic-constants"
DESCRIPTION = "Fold chains of constant adds/muls; X/c -> X*(1/c); X-c -> X+(-c) to merge."

Builder = Callable[..., ir.OpView]


def _merge_chain(op: ir.Operation, rewriter: rewrite.PatternRewriter, kind: str,
                 combine: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 build: Builder) -> bool:
    """(X op c1) op c2 -> X op (c1 op c2) for an associative, commutative `op`."""
    outer = constant_side(op)
    if outer is None or not is_f32(op.results[0]):
        return False
    pos2, c2 = outer
    inner = producer(op.operands[1 - pos2], kind)
    if inner is None or not single_use(inner.results[0]):
        return False
    side = constant_side(inner)
    if side is None:
        return False
    pos1, c1 = side
    folded = np.asarray(combine(c1, c2), np.float32)
    if not small(folded):
        return False
    with rewriter.ip, op.location:
        new = build(inner.operands[1 - pos1], make_constant(folded), op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.add", fast_math=True)
def rule_reassociate_add_constants(op: ir.Operation,
                                   rewriter: rewrite.PatternRewriter) -> bool:
    """(X+c1)+c2 -> X+(c1+c2), any operand order.

    Precondition: c1, c2 inline f32 constants, their broadcast sum has <= 16 elements, the
    inner add has a single use. Reassociation: equal within float rounding.
    """
    return _merge_chain(op, rewriter, "dnnf.add", np.add, dnnf.AddOp)


@rule("dnnf.mul", fast_math=True)
def rule_reassociate_mul_constants(op: ir.Operation,
                                   rewriter: rewrite.PatternRewriter) -> bool:
    """(X*c1)*c2 -> X*(c1*c2), any operand order.

    Precondition: c1, c2 inline f32 constants, their broadcast product has <= 16 elements,
    the inner mul has a single use. Reassociation: equal within float rounding.
    """
    return _merge_chain(op, rewriter, "dnnf.mul", np.multiply, dnnf.MulOp)


@rule("dnnf.div", fast_math=True)
def rule_div_by_constant(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X/c -> X*(1/c).

    Precondition: c an inline f32 constant with no zero element and a finite reciprocal
    (1/c rounds once: equal within float rounding).
    """
    side = constant_side(op)
    if side is None or side[0] != 1 or not is_f32(op.results[0]):
        return False
    c = side[1]
    with np.errstate(all="ignore"):
        inverse = np.asarray(np.float32(1) / c, np.float32)
    if np.any(c == 0) or not np.all(np.isfinite(inverse)):
        return False
    with rewriter.ip, op.location:
        new = dnnf.MulOp(op.operands[0], make_constant(inverse), op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


def _adds_constant(op: ir.Operation | None) -> bool:
    """Whether `op` is an add of a constant, or a sub of a constant subtrahend."""
    if op is None or str(op.name) not in ("dnnf.add", "dnnf.sub"):
        return False
    side = constant_side(op)
    return side is not None and (str(op.name) == "dnnf.add" or side[0] == 1)


def _merge_enabled(op: ir.Operation) -> bool:
    """X-c has a constant-adding neighbour it can merge with once it is an add."""
    lhs = producer(op.operands[0])
    if _adds_constant(lhs) and single_use(op.operands[0]):
        return True
    uses = list(op.results[0].uses)
    return len(uses) == 1 and _adds_constant(uses[0].owner.operation)


@rule("dnnf.sub")
def rule_sub_constant_to_add(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X-c -> X+(-c) where it enables merging with a neighbouring add/sub of a constant.

    Precondition: c an inline f32 constant; X is a single-use add/sub of a constant, or the
    only user of X-c is one. Exact in IEEE arithmetic (negation is exact).
    """
    side = constant_side(op)
    if side is None or side[0] != 1 or not is_f32(op.results[0]) or not _merge_enabled(op):
        return False
    with rewriter.ip, op.location:
        new = dnnf.AddOp(op.operands[0], make_constant(-side[1]), op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


RULES = [rule_reassociate_add_constants, rule_reassociate_mul_constants,
         rule_div_by_constant, rule_sub_constant_to_add]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
