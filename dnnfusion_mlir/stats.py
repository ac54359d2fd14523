"""Compile statistics: op counts, kernels and intermediate bytes (DESIGN.md §5).

Counts never include constants/weights. A kernel is one loop nest after lowering: a linalg
structured op other than `linalg.fill` (fills initialise accumulators inside their consumer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir

_NOT_KERNELS = {"linalg.fill", "linalg.yield", "linalg.index"}


def _walk(module: ir.Module) -> list[ir.Operation]:
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        found.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


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


def count_kernels(module: ir.Module) -> int:
    """Loop nests in a linalg-level module."""
    return sum(1 for o in _walk(module)
               if o.name.startswith("linalg.") and o.name not in _NOT_KERNELS)
