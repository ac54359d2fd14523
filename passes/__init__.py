"""Our passes, one per module. PASSES maps each pass name to "module:attr" (lazy, sorted).

Each module defines NAME (== the key, file stem = NAME with underscores), DESCRIPTION and
`run(op, pass_)`; `dnnf-opt` and the compile pipeline look passes up here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PASSES: dict[str, str] = {
    "convert-dnnf-to-linalg": "dnnfusion_mlir.passes.convert_dnnf_to_linalg:run",
    "dnnf-algebraic-constants": "dnnfusion_mlir.passes.dnnf_algebraic_constants:run",
    "dnnf-algebraic-distribute": "dnnfusion_mlir.passes.dnnf_algebraic_distribute:run",
    "dnnf-algebraic-powers": "dnnfusion_mlir.passes.dnnf_algebraic_powers:run",
    "dnnf-approximate-math": "dnnfusion_mlir.passes.dnnf_approximate_math:run",
    "dnnf-fold-constants": "dnnfusion_mlir.passes.dnnf_fold_constants:run",
    "dnnf-fold-into-weights": "dnnfusion_mlir.passes.dnnf_fold_into_weights:run",
    "dnnf-fold-layout": "dnnfusion_mlir.passes.dnnf_fold_layout:run",
    "dnnf-fold-weights": "dnnfusion_mlir.passes.dnnf_fold_weights:run",
    "dnnf-fuse-blocks": "dnnfusion_mlir.passes.dnnf_fuse_blocks:run",
    "dnnf-fuse-elementwise": "dnnfusion_mlir.passes.dnnf_fuse_elementwise:run",
    "dnnf-fuse-siblings": "dnnfusion_mlir.passes.dnnf_fuse_siblings:run",
    "dnnf-fusion-plan": "dnnfusion_mlir.passes.dnnf_fusion_plan:run",
    "dnnf-hoist-weights": "dnnfusion_mlir.passes.dnnf_hoist_weights:run",
    "dnnf-plan-buffers": "dnnfusion_mlir.passes.dnnf_plan_buffers:run",
    "dnnf-print-ecg": "dnnfusion_mlir.passes.dnnf_print_ecg:run",
    "dnnf-simplify-identities": "dnnfusion_mlir.passes.dnnf_simplify_identities:run",
    "dnnf-vectorize": "dnnfusion_mlir.passes.dnnf_vectorize:run",
}


def pass_module(name: str) -> ModuleType:
    """The module implementing pass `name` (KeyError if unknown)."""
    return importlib.import_module(PASSES[name].split(":")[0])
