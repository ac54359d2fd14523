"""Horizontal fusion (dnnf-fuse-siblings) end to end: an Inception module's three 1x1
convs and attention's Q/K/V projections each become one op in fused compiles, the slices
of the merged result fold into their readers (no copy kernels), and the numbers match
onnxruntime and the unfused compile (which keeps one kernel per ONNX node)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime


def _weights(rng: np.random.Generator, **shapes: list[int]) -> dict[str, np.ndarray]:
    return {k: rng.uniform(-0.5, 0.5, s).astype(np.float32) for k, s in shapes.items()}


def inception_module() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """1x1 / 1x1-3x3 / 1x1-5x5 / maxpool-1x1 branches with ReLUs, concatenated."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 8, 10, 10)).astype(np.float32)
    inits = _weights(rng, w1=[6, 8, 1, 1], b1=[6], w3a=[4, 8, 1, 1], b3a=[4],
                     w3=[6, 4, 3, 3], w5a=[2, 8, 1, 1], w5=[4, 2, 5, 5], wp=[3, 8, 1, 1])
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], name="b1"), n("Relu", ["c1"], ["r1"]),
        n("Conv", ["x", "w3a", "b3a"], ["c3a"], name="b3a"), n("Relu", ["c3a"], ["r3a"]),
        n("Conv", ["r3a", "w3"], ["c3"], pads=[1] * 4), n("Relu", ["c3"], ["r3"]),
        n("Conv", ["x", "w5a"], ["c5a"], name="b5a"), n("Relu", ["c5a"], ["r5a"]),
        n("Conv", ["r5a", "w5"], ["c5"], pads=[2] * 4), n("Relu", ["c5"], ["r5"]),
        n("MaxPool", ["x"], ["p"], kernel_shape=[3, 3], pads=[1] * 4),
        n("Conv", ["p", "wp"], ["cp"]), n("Relu", ["cp"], ["rp"]),
        n("Concat", ["r1", "r3", "r5", "rp"], ["y"], axis=1),
    ]
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


def qkv_attention() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """Separate Q, K, V projections with biases, two heads, softmax(q k^T) v."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 8)).astype(np.float32)
    inits = _weights(rng, wq=[8, 8], bq=[8], wk=[8, 8], bk=[8], wv=[8, 8], bv=[8])
    inits["heads"] = np.array([2, 6, 2, 4], np.int64)
    inits["merge"] = np.array([2, 6, 8], np.int64)
    n = helper.make_node
    nodes = []
    for p in "qkv":
        nodes += [n("MatMul", ["x", f"w{p}"], [f"{p}m"], name=f"{p}_proj"),
                  n("Add", [f"{p}m", f"b{p}"], [f"{p}b"]),
                  n("Reshape", [f"{p}b", "heads"], [f"{p}r"]),
                  n("Transpose", [f"{p}r"], [f"{p}t"],
                    perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3])]
    nodes += [n("MatMul", ["qt", "kt"], ["s"]), n("Softmax", ["s"], ["a"], axis=-1),
              n("MatMul", ["a", "vt"], ["o"]), n("Transpose", ["o"], ["ot"], perm=[0, 2, 1, 3]),
              n("Reshape", ["ot", "merge"], ["y"])]
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


def _merged_nodes(cm: dnnf.CompiledModel, op: str) -> list[str]:
    """Node names of the `op`s in the fused blocks that stand for several model nodes."""
    return [o["node"] for b in cm.stats["blocks"] for o in b["ops"]
            if o["op"] == op and "+" in o["node"]]


def test_inception_branches_merge_and_match() -> None:
    model, feeds = inception_module()
    expected = run_onnxruntime(model, feeds)[0]
    fused, unfused = dnnf.compile(model), dnnf.compile(model, fuse=False)
    assert _merged_nodes(fused, "dnnf.conv") == ["b1+b3a+b5a"]
    # One loop nest per conv block (the merged conv + ReLU; each 3x3/5x5/pool-1x1 block),
    # the pool, and no copy for any slice of the merged result.
    assert fused.stats["kernels"] <= 5, fused.stats["blocks"]
    assert max_rel_error(fused.run(feeds)[0], expected) <= 1e-4
    assert max_rel_error(unfused.run(feeds)[0], expected) <= 1e-4


def test_qkv_projections_merge_and_match() -> None:
    model, feeds = qkv_attention()
    expected = run_onnxruntime(model, feeds)[0]
    fused = dnnf.compile(model)
    assert _merged_nodes(fused, "dnnf.matmul") == ["q_proj+k_proj+v_proj"]
    assert max_rel_error(fused.run(feeds)[0], expected) <= 1e-4
    assert max_rel_error(dnnf.compile(model, fuse=False).run(feeds)[0], expected) <= 1e-4
