"""Compile statistics: op counts, kernels and intermediate bytes (DESIGN.md §5).

Counts never include constants/weights. A kernel is one loop nest after lowering: a linalg
structured op other than `linalg.fill` (fills initialise accumulators inside their consumer).
Kernels that stay out-of-line functions (called from several places) count once per call
site, so the number is the loop nests one run executes, however the code is shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir

_NOT_KERNELS = {"linalg.fill", "linalg.yield", "linalg.index"}


def _walk(module: ir.Module) -> list[ir.Operation]:
    return _walk_op(module.operation)


def _bytes(value_type: ir.Type) -> int:
    ranked = ir.RankedTensorType(value_type)
    elem = str(ranked.element_type)
    width = {"f32": 4, "i64": 8, "i32": 4, "i1": 1}.get(elem, 4)
    return int(np.prod(ranked.shape, dtype=np.int64)) * width


def dnnf_stats(module: ir.Module, stage: str) -> dict[str, Any]:
    """`ops_after_<stage>` (non-constant dnnf ops) and, after import, intermediate bytes."""
    ops = [o for o in _walk(module)
           if o.name.startswith("dnnf.") and o.name not in ("dnnf.constant", "dnnf.yield")]
    stats: dict[str, Any] = {f"ops_after_{stage}": len(ops)}
    returned: set[str] = set()
    for op in _walk(module):
        if op.name == "func.return":
            returned.update(str(v.get_name()) for v in op.operands)
    stats["intermediate_bytes"] = sum(
        _bytes(r.type) for o in ops for r in o.results if str(r.get_name()) not in returned
    )
    return stats


def _is_kernel(op: ir.Operation) -> bool:
    return op.name.startswith("linalg.") and op.name not in _NOT_KERNELS


def count_kernels(module: ir.Module) -> int:
    """Loop nests one call of a linalg-level module runs (kernel functions per call site).

    Functions that are called are counted through their calls, once per call; the count is
    the sum over the uncalled (entry) functions, or over the whole module when it has no
    function.
    """
    own: dict[str, int] = {}
    callees: dict[str, list[str]] = {}
    loose = 0
    for op in module.body.operations:
        op = op.operation
        if op.name != "func.func":
            loose += sum(1 for o in _walk_op(op) if _is_kernel(o))
            continue
        name = ir.StringAttr(op.attributes["sym_name"]).value
        inner = _walk_op(op)
        own[name] = sum(1 for o in inner if _is_kernel(o))
        callees[name] = [ir.FlatSymbolRefAttr(o.attributes["callee"]).value
                         for o in inner if o.name == "func.call"]
    memo: dict[str, int] = {}

    def total(name: str, active: frozenset[str] = frozenset()) -> int:
        if name not in memo:
            if name in active:  # recursion: count the body once
                return own.get(name, 0)
            memo[name] = own.get(name, 0) + sum(
                total(c, active | {name}) for c in callees.get(name, []) if c in own)
        return memo[name]

    called = {c for cs in callees.values() for c in cs}
    return loose + sum(total(name) for name in own if name not in called)


def _walk_op(root: ir.Operation) -> list[ir.Operation]:
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        found.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    return found
