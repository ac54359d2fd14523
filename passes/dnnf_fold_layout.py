"""Fold Reorganize/Shuffle chains: transposes, reshape-family chains, transposes into Gemm.

Matches: `dnnf.transpose` of a `dnnf.transpose`, or with the identity permutation; a
reshape-family op (`dnnf.reshape`/`flatten`/`squeeze`/`unsqueeze`) of another, or one whose
result type equals its input's; a 2-D `dnnf.matmul` or `dnnf.gemm` with an operand produced
by a 2-D `dnnf.transpose` (perm [1, 0]).
Rewrites: to one transpose with the composed permutation (or nothing); to one `dnnf.reshape`
of the chain's input (or nothing); to `dnnf.gemm` reading the untransposed operand with
`trans_a`/`trans_b` set (the Gemm lowering folds them into its indexing maps).
Sound because: Reorganize and Shuffle ops only move elements, so a chain is determined by its
input and final shape/permutation, and op(A) @ op(B) with transA/transB is exactly the
matrix product of the transposed operands. Element values are never recomputed (exact).
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.constant_values import defined_by, is_f32, producer, shape_of
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.rewriting import Rule, apply_rules, rule

NAME = "dnnf-fold-layout"
DESCRIPTION = "Fold transpose/reshape chains and 2-D transposes into Gemm."

RESHAPE_FAMILY = ("dnnf.reshape", "dnnf.flatten", "dnnf.squeeze", "dnnf.unsqueeze")


def _perm(op: ir.Operation) -> list[int]:
    return [int(p) for p in ir.DenseI64ArrayAttr(op.attributes["perm"])]


@rule("dnnf.transpose")
def rule_transpose_transpose(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """transpose(transpose(x, p1), p2) -> transpose(x, q), q[i] = p1[p2[i]]; x if q = id.

    Precondition: none (the inner transpose stays only if something else reads it).
    """
    inner = defined_by(op.operands[0], "dnnf.transpose")
    if inner is None:
        return False
    p1, p2 = _perm(inner), _perm(op)
    composed = [p1[i] for i in p2]
    source = inner.operands[0]
    if composed == list(range(len(composed))):
        rewriter.replace_op(op, [source])
        return True
    with rewriter.ip, op.location:
        new = dnnf.TransposeOp(source, ir.DenseI64ArrayAttr.get(composed), op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.transpose")
def rule_identity_transpose(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """transpose(x, [0, 1, ..., n-1]) -> x.

    Precondition: the permutation is the identity.
    """
    if _perm(op) != list(range(len(_perm(op)))):
        return False
    rewriter.replace_op(op, [op.operands[0]])
    return True


def reshape_chain(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """r2(r1(x)) -> reshape(x) with r2's result type, for r1, r2 in the reshape family.

    Precondition: none (row-major element order is kept by every reshape-family op, so the
    chain only depends on x and the final shape; r1 stays if something else reads it).
    """
    inner = producer(op.operands[0])
    if inner is None or inner.name not in RESHAPE_FAMILY:
        return False
    source = inner.operands[0]
    if source.type == op.results[0].type:
        rewriter.replace_op(op, [source])
        return True
    with rewriter.ip, op.location:
        new = dnnf.ReshapeOp(source, op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


def reshape_identity(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """r(x) -> x for a reshape-family op r whose result type equals x's type.

    Precondition: identical static types (same shape, same element type).
    """
    if op.operands[0].type != op.results[0].type:
        return False
    rewriter.replace_op(op, [op.operands[0]])
    return True


def _i64_flags(*flags: int) -> list[ir.IntegerAttr]:
    i64 = ir.IntegerType.get_signless(64)
    return [ir.IntegerAttr.get(i64, int(f)) for f in flags]


def _untransposed(value: ir.Value) -> ir.Value | None:
    """x when `value` = transpose(x, [1, 0]) of a 2-D x, else None."""
    t = defined_by(value, "dnnf.transpose")
    if t is None or _perm(t) != [1, 0]:
        return None
    return t.operands[0]


@rule("dnnf.matmul")
def rule_transpose_into_matmul(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """matmul(transpose(A), B) -> gemm(A, B, trans_a=1) (and likewise for B / trans_b).

    Precondition: both operands 2-D f32 and at least one is a [1, 0] transpose; otherwise
    (batched or vector operands) the MatMul is left alone.
    """
    lhs, rhs = op.operands[0], op.operands[1]
    if len(shape_of(lhs)) != 2 or len(shape_of(rhs)) != 2 or not is_f32(lhs, rhs):
        return False
    a, b = _untransposed(lhs), _untransposed(rhs)
    if a is None and b is None:
        return False
    flag = _i64_flags(a is not None, b is not None)
    one = ir.FloatAttr.get_f32(1.0)
    with rewriter.ip, op.location:
        new = dnnf.GemmOp(lhs if a is None else a, rhs if b is None else b, one, one, *flag,
                          op.results[0].type)
    rewriter.replace_op(op, [new.out])
    return True


@rule("dnnf.gemm")
def rule_transpose_into_gemm(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """gemm(transpose(A), B, ta, tb) -> gemm(A, B, 1 - ta, tb) (and likewise for B).

    Precondition: an operand is a [1, 0] transpose (Gemm operands are always 2-D).
    """
    a, b = _untransposed(op.operands[0]), _untransposed(op.operands[1])
    if a is None and b is None:
        return False
    attrs = op.attributes
    ta = ir.IntegerAttr(attrs["trans_a"]).value ^ int(a is not None)
    tb = ir.IntegerAttr(attrs["trans_b"]).value ^ int(b is not None)
    lhs = op.operands[0] if a is None else a
    rhs = op.operands[1] if b is None else b
    bias = op.operands[2] if len(op.operands) > 2 else None
    with rewriter.ip, op.location:
        new = dnnf.GemmOp(lhs, rhs, attrs["alpha"], attrs["beta"], *_i64_flags(ta, tb),
                          op.results[0].type, bias=bias)
    rewriter.replace_op(op, [new.out])
    return True


RULES = [
    rule_transpose_transpose,
    rule_identity_transpose,
    *(Rule("reshape_chain", root, reshape_chain) for root in RESHAPE_FAMILY),
    *(Rule("reshape_identity", root, reshape_identity) for root in RESHAPE_FAMILY),
    rule_transpose_into_matmul,
    rule_transpose_into_gemm,
]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
