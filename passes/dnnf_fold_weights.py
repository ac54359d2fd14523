"""Evaluate all-constant `dnnf` sub-graphs at compile time, weights included.

Matches: a `dnnf` op with a numpy evaluator (element-wise arithmetic, reshape family,
transpose, expand, cast) whose operands are all `dnnf.constant` values that can be read:
inline `dense<...>`, or `dense_resource<key>` with `key` in the active weight table
(`dnnfusion_mlir.rewriting.weight_table`, filled by the compiler with the imported weights).
Rewrites: the op into one `dnnf.constant` of its value: inline when small (or when no table
is active), else a new resource added to the weight table. Applied greedily, so whole
sub-graphs (the folded weights that `dnnf-fold-into-weights` emits) collapse bottom-up.
Sound because: the op is pure and evaluated with numpy in its own element type (f32
arithmetic for f32 tensors), so the constant equals the value the kernel would compute
up to float rounding; folds that would materialise a broadcast above 4096 elements beyond
their operands' size are skipped, so the module never grows by much.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.constant_values import EVALUATORS, evaluate, new_constant, resource_key
from dnnfusion_mlir.rewriting import Rule, apply_rules, current_weight_table

NAME = "dnnf-fold-weights"
DESCRIPTION = "Evaluate all-constant dnnf sub-graphs (dense and weight-table resources)."


def _hint(op: ir.Operation) -> str:
    """A resource-name hint: the first resource leaf's key, suffixed once."""
    for value in op.operands:
        owner = value.owner
        if not isinstance(owner, ir.Block) and owner.operation.name == "dnnf.constant":
            key = resource_key(owner.operation.attributes["value"])
            if key is not None:
                return f"{key.removesuffix('_folded')}_folded"
    return "folded"


def _resource_keys(op: ir.Operation, keys: set[str]) -> set[str]:
    """Every resource key a `dnnf.constant` nested in `op` refers to (added to `keys`)."""
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                if inner.operation.name == "dnnf.constant":
                    key = resource_key(inner.operation.attributes["value"])
                    if key is not None:
                        keys.add(key)
                _resource_keys(inner.operation, keys)
    return keys


def fold_weights(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """f(c1, ..., cn) -> c, c = f evaluated on the constants' values.

    Precondition: every operand is a readable constant and the evaluator accepts the types
    (integer division and i1 tensors are left alone).
    """
    value = evaluate(op)
    if value is None:
        return False
    with rewriter.ip, op.location:
        folded = new_constant(value, ir.RankedTensorType(op.results[0].type), _hint(op))
    rewriter.replace_op(op, [folded])
    return True


RULES = [Rule("fold_weights", root, fold_weights) for root in EVALUATORS]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module); drops intermediate folded weights nothing refers to."""
    table = current_weight_table()
    before = set(table) if table is not None else set()
    apply_rules(op, RULES)
    if table is not None:
        live = _resource_keys(op, set())
        for key in set(table) - before - live:
            del table[key]
