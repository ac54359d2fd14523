"""Merge each block's element-wise chains, transposes and reshapes into single generics.

Matches: linalg ops inside fusion-block functions (`dnnf.fused`) after lowering.
Rewrites: (1) every `linalg.transpose` (a Shuffle op's lowering) becomes the equivalent
`linalg.generic`; (2) upstream element-wise fusion (`linalg-fuse-elementwise-ops`) merges
producer/consumer generics and propagates `tensor.expand_shape`/`collapse_shape` through
them, so inside a block Reorganize and Shuffle ops cost index arithmetic, not copy kernels
(DNNFusion's intra-block optimisation). Named conv/pool/matmul ops are shielded during (2)
— moved into private functions and inlined back — because the reshape propagation would
otherwise rewrite them into generics and lose their vectorising schedules.
Sound because: a generic with input map `perm` computes `out[i] = in[perm(i)]` (the
transpose), and element-wise fusion substitutes the producer's body for its value.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.block_ir import fuse_block_elementwise

NAME = "dnnf-fuse-elementwise"
DESCRIPTION = "Fuse element-wise chains, transposes and reshapes inside each fusion block."


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    fuse_block_elementwise(op.opview)
