"""Compile stages and the passes each runs, in one place (DESIGN.md §1).

Stage names are what `CompiledModel.mlir(stage)` accepts. Our passes are looked up by name in
`passes.PASSES`; anything else is an upstream pass handed to MLIR's pipeline parser.
"""

from __future__ import annotations

from collections.abc import Sequence

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ir, passmanager
from dnnfusion_mlir.passes import PASSES, pass_module

STAGES = ("dnnf", "rewritten", "fused", "linalg", "llvm")

# Stage -> passes that produce it from the previous stage.
REWRITE_PASSES: tuple[str, ...] = (
    "dnnf-fold-constants",
    "dnnf-simplify-identities",
    "dnnf-fold-layout",
    "dnnf-fold-into-weights",
    "dnnf-fold-weights",
    "dnnf-algebraic-constants",
    "dnnf-algebraic-distribute",
    "dnnf-algebraic-powers",
    # Algebraic rewrites can leave constant sub-graphs, X*1 / X^1 and new per-channel
    # scales (e.g. Div(c) -> Mul(1/c) after a conv) behind: clean up and fold again.
    "dnnf-fold-constants",
    "dnnf-simplify-identities",
    "dnnf-fold-into-weights",
    "dnnf-fold-weights",
)
LOWER_PASSES = ("dnnf-hoist-weights", "convert-dnnf-to-linalg")
FUSION_PASSES = ("dnnf-fuse-siblings", "dnnf-fusion-plan")
# Inside each outlined block: merge element-wise chains (and the transposes and reshapes
# between them) into single generics before the block is tiled into one loop nest.
BLOCK_ELEMENTWISE_FUSION = ("dnnf-fuse-elementwise",)


def build_pass_manager(names: Sequence[str]) -> passmanager.PassManager:
    """A module-level PassManager running `names` (ours or upstream) in order."""
    pm = passmanager.PassManager("builtin.module")
    for name in names:
        if name in PASSES:
            module = pass_module(name)
            pm.add(module.run, name=module.NAME, argument=module.NAME,
                   description=module.DESCRIPTION)
        else:
            pm.add(name)
    return pm


def run_passes(module: ir.Module, names: Sequence[str]) -> None:
    """Run `names` on `module`, turning MLIR diagnostics into a LoweringError."""
    if not names:
        return
    try:
        build_pass_manager(names).run(module.operation)
    except ir.MLIRError as exc:
        raise errors.LoweringError(_diagnostics(exc)) from exc


def _diagnostics(exc: ir.MLIRError) -> str:
    diags = getattr(exc, "error_diagnostics", None) or []
    if not diags:
        return str(exc)
    return "; ".join(f"{d.location}: {d.message}" for d in diags)
