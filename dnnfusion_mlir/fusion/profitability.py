"""Analytic profitability of a Y cell (DESIGN.md §4): bytes saved vs recomputation.

Fusing a producer into a consumer saves writing the intermediate and reading it back
(2x its bytes when nothing else reads it, 1x when it must still be stored as a block
output). It costs recomputation when the consumer reads each producer element more than
once *per tile* of the fused kernel, because the producer is then evaluated once per read:

* a broadcasting (One-to-Many) edge: output elements / producer elements;
* a windowed op (conv, pooling) over rows: ceil(kernel_h / stride_h) (our block tiles are
  output rows, so only the row window is recomputed) — when the windowed op joins a block,
  the whole block is recomputed that often, not only the op it reads;
* the right-hand operand of a matmul/gemm (every row tile reads all of it): rows / row tile;
* other Many-to-Many ops (reductions, softmax, normalisation, the left matmul operand): 1,
  since their tiles cover disjoint rows of the input.

Costs are in byte-equivalents: one FLOP costs `FLOP_COST` bytes (a machine balance of
about 4 FLOPs per byte of DRAM traffic). Fuse when saved >= recomputed.
"""

from __future__ import annotations

import math

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import EcgNode, attr_ints, window
from dnnfusion_mlir.fusion.plan import Planner
from dnnfusion_mlir.fusion.table import Cell

FLOP_COST = 0.25
#: Rows of a matmul computed per block tile (codegen.block_fusion picks the same).
ROW_TILE = 8
_WINDOWED = ("dnnf.conv", "dnnf.max_pool", "dnnf.average_pool", "dnnf.conv_transpose")
_MATMUL = ("dnnf.matmul", "dnnf.gemm")


def reuse_factor(consumer: EcgNode, operand: int) -> int:
    """How often one element of `consumer`'s operand `operand` is recomputed if fused."""
    op = consumer.op
    if consumer.operand_mappings[operand] == MappingType.ONE_TO_MANY:
        produced = math.prod(ir.RankedTensorType(op.operands[operand].type).shape) or 1
        return max(1, consumer.elements[0] // produced)
    if consumer.name in _WINDOWED and operand == 0:
        kernel = window(op) or [1]
        strides = attr_ints(op, "strides") or [1] * len(kernel)
        return max(1, math.ceil(kernel[0] / max(strides[0], 1)))
    if consumer.name in _MATMUL and operand == 1:
        rows = consumer.shapes[0][-2] if len(consumer.shapes[0]) >= 2 else 1
        return max(1, rows // ROW_TILE)
    return 1


def _cost(node: EcgNode) -> float:
    """Byte-equivalents of evaluating `node` once."""
    return node.flops * FLOP_COST + node.bytes_moved


def _edge_terms(producer: EcgNode, consumer: EcgNode, inside: set[int],
                upstream: float | None = None) -> tuple[float, float]:
    """(bytes saved, byte-equivalents recomputed) for one producer -> consumer edge.

    `upstream` is the cost of everything recomputed with the producer (the block it is the
    result of, when the consumer joins a block); default: the producer alone."""
    saved = 0.0
    recompute = 0.0
    external = any(not isinstance(c, int) or (c not in inside and c != consumer.index)
                   for c in producer.consumers)
    cost = _cost(producer) if upstream is None else upstream
    for i, p in enumerate(consumer.producers):
        if p != producer.index:
            continue
        size = float(sum(producer.bytes))
        saved += size if external else 2 * size
        recompute += (reuse_factor(consumer, i) - 1) * cost
    return saved, recompute


def analytic(planner: Planner, block: list[int], cand: int, _cell: Cell) -> bool:
    """Profitability of adding node `cand` to `block` (successor or predecessor)."""
    nodes = planner.nodes
    members = set(block)
    saved = recompute = 0.0
    # A consumer re-reading the block's result recomputes the whole block per re-read
    # (e.g. a conv under an overlapping pool), not just the op it reads.
    whole = sum(_cost(nodes[b]) for b in block)
    for b in block:
        for c in planner.succ(b):
            if c == cand:  # block -> candidate edge
                s, r = _edge_terms(nodes[b], nodes[c], members, whole)
                saved, recompute = saved + s, recompute + r
    for c in planner.succ(cand):
        if c in members:  # candidate -> block edge
            s, r = _edge_terms(nodes[cand], nodes[c], members)
            saved, recompute = saved + s, recompute + r
    return saved >= recompute


__all__ = ["FLOP_COST", "ROW_TILE", "analytic", "reuse_factor"]
