"""Make every fusion block one loop nest: tile the block's root, fuse its producers in.

Matches: private functions tagged `dnnf.fused` (outlined by `dnnf-fusion-plan`) after
lowering to linalg on tensors (and, in the compile pipeline, element-wise fusion and the
NHWC conv rewrite), with more than one loop nest.
Rewrites: the op computing the block's last result is tiled with `scf.forall` over its
outer parallel loops (`CONV_ROW_TILE` output rows for conv/pool blocks, `ROW_TILE` rows
otherwise); every other tileable op whose uses all end up inside the loop is fused into it,
nearest producer first (codegen/block_fusion.py), slices bubbled through reshapes, and a
cheap producer read by several fused ops duplicated once per reader. Weight-side producers
(a conv filter, a matmul right-hand side), anything feeding a `tensor.pad` and values read
outside the loop stay outside. A block whose loop nests would grow is left as it was.
Sound because: tile-and-fuse computes, per tile, exactly the producer slice the consumer
tile reads (TilingInterface), so every element gets the value the untiled op computes.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.block_fusion import fuse_blocks

NAME = "dnnf-fuse-blocks"
DESCRIPTION = "Tile-and-fuse each outlined fusion block into one scf.forall loop nest."


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    fuse_blocks(op.opview)
