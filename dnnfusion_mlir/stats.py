"""Compile statistics: op counts, fusion blocks and intermediate bytes (DESIGN.md §5).

Counts never include constants/weights. Kernels (loop nests one run executes) are counted
by `codegen.block_fusion.count_loop_nests`, at the same point with and without fusion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ir


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


def _walk_op(root: ir.Operation) -> list[ir.Operation]:
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        found.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    return found


def fusion_stats(plans: list[Any]) -> dict[str, Any]:
    """`blocks` (ops and mapping types per block), intermediate bytes after fusion and the
    peak bytes of live block outputs when buffers are reused once their last reader ran.

    `plans` are `fusion.plan.FusionPlan`s (one per entry function).
    """
    blocks: list[dict[str, Any]] = []
    fused_bytes = 0
    peak = 0
    for plan in plans:
        nodes = plan.ecg.nodes
        owner = plan.block_of()
        last_use: dict[int, int] = {}  # producing node -> index of the last block reading it
        for block in plan.blocks:
            for n in block.outputs:
                readers = [owner[c] for c in nodes[n].consumers if isinstance(c, int)]
                if "return" not in nodes[n].consumers:
                    last_use[n] = max(readers, default=block.id)
        live = 0
        for block in plan.blocks:
            live += sum(sum(nodes[n].bytes) for n in block.outputs if n in last_use)
            peak = max(peak, live)
            live -= sum(sum(nodes[n].bytes) for n, last in last_use.items() if last == block.id)
        fused_bytes += sum(sum(nodes[n].bytes) for n in last_use)
        blocks += [{
            "id": b.id, "name": f"dnnf_block_{b.id}", "mapping": b.mapping.value,
            "ops": [{"index": n, "op": nodes[n].name, "node": nodes[n].location,
                     "mapping": nodes[n].mapping.value} for n in b.nodes],
            "outputs": b.outputs,
        } for b in plan.blocks]
    return {"blocks": blocks, "intermediate_bytes_fused": fused_bytes,
            "peak_intermediate_bytes": peak}
