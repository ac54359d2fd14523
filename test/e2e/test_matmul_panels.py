"""Matmul weights packed in column panels (codegen/pack_matmul.py), end to end: MatMul +
bias + ReLU, then a Gemm with transB (PyTorch's Linear), fused and unfused, against
onnxruntime; the bound weights are the packed `[N/P, K, P]` arrays."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.codegen.schedule import panel_width
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime


def _mlp() -> tuple[object, dict[str, np.ndarray], int]:
    """x [2, 5, 24] @ w1 [24, 4P] + b1, ReLU, Gemm(transB) with w2 [2P, 4P] on the rows."""
    p = panel_width()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 24)).astype(np.float32)
    inits = {"w1": rng.uniform(-0.5, 0.5, (24, 4 * p)).astype(np.float32),
             "b1": rng.uniform(-0.5, 0.5, 4 * p).astype(np.float32),
             "rows": np.array([10, 4 * p], np.int64),
             "w2": rng.uniform(-0.5, 0.5, (2 * p, 4 * p)).astype(np.float32),
             "b2": rng.uniform(-0.5, 0.5, 2 * p).astype(np.float32)}
    n = helper.make_node
    nodes = [n("MatMul", ["x", "w1"], ["m"], name="fc1"), n("Add", ["m", "b1"], ["a"]),
             n("Relu", ["a"], ["r"]), n("Reshape", ["r", "rows"], ["r2"]),
             n("Gemm", ["r2", "w2", "b2"], ["y"], transB=1, name="fc2")]
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}, p


@pytest.mark.parametrize("fuse", [True, False])
def test_packed_mlp_matches_onnxruntime(fuse: bool) -> None:
    model, feeds, p = _mlp()
    cm = dnnf.compile(model, fuse=fuse)
    (got,) = cm(feeds["x"])
    (expected,) = run_onnxruntime(model, feeds)
    assert max_rel_error(got, expected) <= 1e-5
    shapes = sorted(w.shape for w in cm.weights)
    assert (2, 4 * p, p) in shapes  # w2 [2P, 4P], transposed: 2 panels over K = 4P
    assert (4, 24, p) in shapes  # w1 [24, 4P]: 4 panels over K = 24
