"""Tile and vectorise every linalg-on-tensors op: the code generator's schedule.

Matches: a module of linalg on tensors as `convert-dnnf-to-linalg` leaves it (after
`dnnf-fuse-elementwise` in the compile pipeline), fusion blocks outlined as `dnnf.fused`
functions.
Rewrites: (codegen/schedule.py, `apply_schedule`, for the host's vector unit; the
`DNNF_HOST_VECTOR_BITS` environment variable fixes it) NCHW convs, depthwise convs and
pools become channels-last ones between transposes; matmul weights of `@main` tagged
`dnnf.weight` are packed into column panels; each fusion block becomes one loop nest
(`dnnf-fuse-blocks`); then every op is tiled to its register tile and vectorised by a
transform-dialect script: conv/pool tiles of one output row, one kernel tap and the full
column count (a width the tile does not divide has its last tile peeled), matmul register
tiles, unit tiles with a vector innermost loop for other generics; inside a block an LRN's
window sum is fused into its scale's vector tile.
Sound because: tiling, peeling and tile-and-fuse only partition iteration spaces (each tile
computes, through TilingInterface, exactly the slice its consumer reads); vectorisation
performs the same per-element operations on vectors; the channels-last rewrite transposes
an op's input, weight and result consistently; weight packing is a permutation the runtime
applies when it binds the weight. A reduction vectorised along its reduced loop (a
`vector.reduction`) adds in another order than the scalar loop: equal within float
tolerance.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.schedule import apply_schedule

NAME = "dnnf-vectorize"
DESCRIPTION = "Tile, fuse within blocks and vectorise linalg ops for the host vector unit."


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_schedule(op.opview, "host", fuse_elementwise=False)
