"""The public Python API: compile, call, run by name, stats and stage texts."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.compiler import CompiledModel
from dnnfusion_mlir.testing import make_model, run_onnxruntime


@pytest.fixture(scope="module")
def chain() -> tuple:
    bias = np.linspace(-1, 1, 64, dtype=np.float32)
    model = make_model(
        [helper.make_node("Add", ["x", "b"], ["t"]), helper.make_node("Relu", ["t"], ["u"]),
         helper.make_node("Mul", ["u", "x"], ["v"]), helper.make_node("Sigmoid", ["v"], ["y"])],
        {"x": ((4, 64), np.float32)}, ["y", "t"], initializers={"b": bias},
    )
    return model, np.random.default_rng(0).standard_normal((4, 64)).astype(np.float32)


def test_stats_and_stages(chain: tuple) -> None:
    model, _ = chain
    cm = dnnf.compile(model)
    assert cm.stats["onnx_nodes"] == 4
    assert cm.stats["ops_after_import"] == 4  # the bias constant is not counted
    # One block (all One-to-One); t is also a graph output, so two loop nests remain.
    assert [len(b["ops"]) for b in cm.stats["blocks"]] == [4]
    assert cm.stats["kernels"] == 2
    assert dnnf.compile(model, fuse=False).stats["kernels"] == 4
    # t is a graph output; u and v are the two 4x64 f32 intermediates, gone after fusion.
    assert cm.stats["intermediate_bytes"] == 2 * 4 * 64 * 4
    assert cm.stats["intermediate_bytes_fused"] == 0
    assert '"dnnf.sigmoid"' in cm.mlir("dnnf")
    assert "linalg.generic" in cm.mlir("linalg")
    assert "llvm.func" in cm.mlir("llvm")
    assert "define void @_mlir_ciface_main" in cm.llvm_ir()
    with pytest.raises(ValueError, match="unknown stage"):
        cm.mlir("nope")


def test_call_and_run_by_name_match_onnxruntime(chain: tuple) -> None:
    model, x = chain
    cm = dnnf.compile(model)
    expected = run_onnxruntime(model, {"x": x})
    for got in (cm(x), cm.run({"x": x})):
        for a, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def test_fuse_reduces_kernels_same_result(chain: tuple) -> None:
    model, x = chain
    unfused, fused = dnnf.compile(model, fuse=False), dnnf.compile(model, fuse=True)
    assert fused.stats["kernels"] < unfused.stats["kernels"]
    for a, b in zip(unfused(x), fused(x), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_outputs_are_fresh_arrays(chain: tuple) -> None:
    model, x = chain
    cm: CompiledModel = dnnf.compile(model)
    first = cm(x)[0].copy()
    second = cm(x + 1.0)[0]
    assert not np.allclose(first, second)
    np.testing.assert_allclose(cm(x)[0], first)


def test_outputs_that_are_one_value_and_inputs_returned() -> None:
    """Two graph outputs folded into one SSA value, and an output that is the input."""
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    model = make_model(
        [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Identity", ["a"], ["b"]),
         helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
         helper.make_node("Transpose", ["t"], ["back"], perm=[1, 0])],
        {"x": x}, ["a", "b", "back"])
    a, b, back = dnnf.compile(model)(x)
    np.testing.assert_array_equal(a, np.maximum(x, 0))
    np.testing.assert_array_equal(b, a)
    assert b is not a
    np.testing.assert_array_equal(back, x)


def test_rewrite_stats_reported() -> None:
    """Rewrites are counted per rule and FLOPs are estimated before and after."""
    x = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    model = make_model([helper.make_node("Mul", ["x", "one"], ["a"]),
                        helper.make_node("Identity", ["a"], ["y"])],
                       {"x": x}, ["y"], initializers={"one": np.ones((8,), np.float32)})
    cm = dnnf.compile(model)
    assert cm.stats["rewrites"].get("identity", 0) >= 1
    assert cm.stats["ops_after_rewrite"] < cm.stats["ops_after_import"]
    assert cm.stats["flops_after_rewrite"] <= cm.stats["flops_before_rewrite"]
    off = dnnf.compile(model, rewrite=False)
    assert off.stats["rewrites"] == {}
    np.testing.assert_allclose(cm(x)[0], off(x)[0])


def test_inputs_and_weights_are_never_written() -> None:
    """Entry arguments are bufferized read-only (bufferization.writable = false)."""
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tiny_resnet.onnx"
    cm = dnnf.compile(str(path))
    assert "bufferization.writable = false" in cm.mlir("linalg")
    x = np.random.default_rng(5).standard_normal((1, 3, 64, 64)).astype(np.float32)
    x_before, w_before = x.copy(), [w.copy() for w in cm.weights]
    cm(x)
    np.testing.assert_array_equal(x, x_before)
    for w, before in zip(cm.weights, w_before, strict=True):
        np.testing.assert_array_equal(w, before)
