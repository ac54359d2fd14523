"""The DNNFusion model families (dnnfusion_mlir.model_zoo), exported from PyTorch to ONNX,
compiled by us and compared with onnxruntime (max relative error <= 1e-4); our kernels are
at most the nodes of onnxruntime's optimised graph on this machine.

Run with `-s` to see per family: ONNX nodes, our ops after import, kernels, times;
`python -m dnnfusion_mlir.tools.model_report` writes the same to docs/model-families.md.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from dnnfusion_mlir import model_zoo
from dnnfusion_mlir.tools.model_report import evaluate

RTOL = 1e-4
# Compile + run above ~60 s on 2 busy cores (measured: 65-180 s under `-n 2`).
SLOW = frozenset({"efficientnet_b0", "resnet50", "densenet", "squeezenet"})


def _params() -> list:
    return [pytest.param(name, marks=pytest.mark.slow if name in SLOW else ())
            for name in model_zoo.FAMILIES]


@pytest.mark.parametrize("name", _params())
def test_family_matches_onnxruntime(name: str) -> None:
    r = evaluate(name)
    print(f"\n{name}: onnx_nodes={r.onnx_nodes} ops_after_import={r.ops_after_import} "
          f"kernels={r.kernels} onnxruntime_nodes={r.ort_kernels} "
          f"compile={r.compile_s:.1f}s run={r.run_s:.3f}s "
          f"max_rel_error={r.max_rel_error:.2e}")
    assert r.max_rel_error <= RTOL, f"{name}: max relative error {r.max_rel_error:.3g} > {RTOL}"
    assert r.kernels <= r.ort_kernels, \
        f"{name}: {r.kernels} kernels, onnxruntime's optimised graph has {r.ort_kernels} nodes"
