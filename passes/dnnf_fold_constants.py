"""Fold `dnnf` ops whose operands are all inline constants into one constant.

Matches: an element-wise, shape (reshape/flatten/squeeze/unsqueeze/expand/transpose/concat)
or reduction `dnnf` op whose every operand is a `dnnf.constant` holding an inline
`dense<...>` f32/i64/i32 value, whose results have those element types and at most
INLINE_MAX_ELEMENTS (16) elements each. Applied to a fixpoint, a whole all-constant
sub-graph (e.g. shape arithmetic) becomes one constant.
Rewrites: the op into `dnnf.constant` ops holding the numpy-evaluated results.
Sound because: numpy evaluates each op with the same semantics and element type as the
lowering (f32 stays f32; integer division and Pow are not folded since their rounding
rules differ); `dense_resource` operands are skipped (their bytes are not in the IR), and
large results are not folded so constants stay readable by later rules.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.rewriting import Rule, apply_rules
from dnnfusion_mlir.rule_utils import const_array, make_constant, shape, small

NAME = "dnnf-fold-constants"
DESCRIPTION = "Evaluate dnnf ops whose operands are all small inline constants."

Evaluator = Callable[[ir.Operation, list[np.ndarray]], list[np.ndarray]]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)), x.dtype)


_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "neg": np.negative, "abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "reciprocal": np.reciprocal, "relu": lambda x: np.maximum(x, x.dtype.type(0)),
    "sigmoid": _sigmoid, "tanh": np.tanh, "identity": np.copy, "dropout": np.copy,
    "cast": np.copy, "reshape": np.copy, "flatten": np.copy, "squeeze": np.copy,
    "unsqueeze": np.copy,
}
_FLOAT_ONLY = frozenset({"exp", "log", "sqrt", "reciprocal", "sigmoid", "tanh", "div",
                         "reduce_mean"})
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
}


def _axes(op: ir.Operation) -> tuple[int, ...]:
    return tuple(ir.DenseI64ArrayAttr(op.attributes["axes"]))


def _reduce(op: ir.Operation, fn: Callable[..., np.ndarray], x: np.ndarray) -> np.ndarray:
    keep = bool(ir.IntegerAttr(op.attributes["keepdims"]).value)
    return np.asarray(fn(x, axis=_axes(op), keepdims=keep))


def _evaluate(op: ir.Operation, args: list[np.ndarray]) -> np.ndarray | None:
    """numpy value of `op` on constant `args` (before the cast to the result type)."""
    kind = str(op.name).removeprefix("dnnf.")
    if kind in _UNARY:
        return np.asarray(_UNARY[kind](args[0]))
    if kind in _BINARY:
        return np.asarray(_BINARY[kind](args[0], args[1]))
    if kind == "expand":
        return np.broadcast_to(args[0], shape(op.results[0]))
    if kind == "transpose":
        return np.transpose(args[0], tuple(ir.DenseI64ArrayAttr(op.attributes["perm"])))
    if kind in ("concat", "concat_pair"):
        return np.concatenate(args, axis=int(ir.IntegerAttr(op.attributes["axis"]).value))
    reducers: dict[str, Callable[..., np.ndarray]] = {
        "reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max}
    if kind in reducers:
        return _reduce(op, reducers[kind], args[0])
    return None


def rule_fold_constants(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """op(c1, ..., cn) -> c, with c = numpy(op)(c1, ..., cn).

    Precondition: every operand is an inline f32/i64/i32 constant, the result is one tensor
    of f32/i64/i32 with at most 16 elements, and float-only ops see float operands.
    """
    kind = str(op.name).removeprefix("dnnf.")
    maybe = [const_array(v) for v in op.operands]
    args = [a for a in maybe if a is not None]
    if len(op.results) != 1 or not args or len(args) != len(maybe):
        return False
    out = op.results[0]
    target = const_array_dtype(out)
    if target is None or (kind in _FLOAT_ONLY and any(a.dtype.kind != "f" for a in args)):
        return False
    with np.errstate(all="ignore"):
        value = _evaluate(op, args)
    if value is None:
        return False
    value = np.asarray(value).astype(target).reshape(shape(out))
    if not small(value):
        return False
    with rewriter.ip, op.location:
        folded = make_constant(value)
    rewriter.replace_op(op, [folded])
    return True


def const_array_dtype(value: ir.Value) -> type | None:
    """numpy dtype a folded result of `value`'s type is stored as (None: not foldable)."""
    text = str(ir.RankedTensorType(value.type).element_type)
    return {"f32": np.float32, "i64": np.int64, "i32": np.int32}.get(text)


FOLDABLE = sorted({*_UNARY, *_BINARY, "expand", "transpose", "concat", "concat_pair",
                   "reduce_sum", "reduce_mean", "reduce_max"})
RULES = [Rule("fold_constants", f"dnnf.{kind}", rule_fold_constants) for kind in FOLDABLE]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
