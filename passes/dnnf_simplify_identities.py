"""Remove operations that return one of their operands unchanged.

Matches: X*1, 1*X, X+0, 0+X, X-0, X/1, X^1 (the constant inline, every element 1 or 0),
`dnnf.identity`, inference `dnnf.dropout`.
Rewrites: each into X.
Sound because: these are exact IEEE identities (X+0 only turns -0.0 into +0.0), and each
rule checks that X already has the result's type, so broadcasting against the constant
neither changes the shape nor the element type of the result.
"""

from __future__ import annotations

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.rewriting import apply_rules, rule
from dnnfusion_mlir.rule_utils import const_array

NAME = "dnnf-simplify-identities"
DESCRIPTION = "Remove X*1, X+0, X-0, X/1, X^1, Identity and inference Dropout."


def _forward(op: ir.Operation, rewriter: rewrite.PatternRewriter, neutral: float,
             positions: tuple[int, ...]) -> bool:
    """Replace binary `op` by its other operand when the one at a position is `neutral`."""
    for i in positions:
        value = const_array(op.operands[i])
        kept = op.operands[1 - i]
        if value is None or not np.all(value == neutral) or kept.type != op.results[0].type:
            continue
        rewriter.replace_op(op, [kept])
        return True
    return False


@rule("dnnf.mul")
def rule_mul_by_one(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X*1 -> X and 1*X -> X. Precondition: 1 is an all-ones constant, type(X) == type(result)."""
    return _forward(op, rewriter, 1, (1, 0))


@rule("dnnf.add")
def rule_add_zero(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X+0 -> X and 0+X -> X. Precondition: all-zeros constant, type(X) == type(result)."""
    return _forward(op, rewriter, 0, (1, 0))


@rule("dnnf.sub")
def rule_sub_zero(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X-0 -> X. Precondition: the subtrahend is all zeros, type(X) == type(result)."""
    return _forward(op, rewriter, 0, (1,))


@rule("dnnf.div")
def rule_div_by_one(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X/1 -> X. Precondition: the divisor is all ones, type(X) == type(result)."""
    return _forward(op, rewriter, 1, (1,))


@rule("dnnf.pow")
def rule_pow_one(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """X^1 -> X. Precondition: the exponent is all ones, type(X) == type(result)."""
    return _forward(op, rewriter, 1, (1,))


def _drop_unary(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    if op.operands[0].type != op.results[0].type:
        return False
    rewriter.replace_op(op, [op.operands[0]])
    return True


@rule("dnnf.identity")
def rule_identity(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """Identity(X) -> X. Precondition: operand and result types are equal."""
    return _drop_unary(op, rewriter)


@rule("dnnf.dropout")
def rule_dropout(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """Dropout(X) -> X. Precondition: inference mode (the only form the importer emits)."""
    return _drop_unary(op, rewriter)


RULES = [rule_mul_by_one, rule_add_zero, rule_sub_zero, rule_div_by_one, rule_pow_one,
         rule_identity, rule_dropout]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
