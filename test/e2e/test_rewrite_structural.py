"""Numerics of the structural rewrites (dnnf-fold-layout, dnnf-fold-into-weights,
dnnf-fold-weights): rewrite on vs off vs onnxruntime, and which rules fired."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
import pytest
from onnx import helper

from dnnfusion_mlir import compile as dnnf_compile
from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.pipeline import run_passes
from dnnfusion_mlir.rewriting import weight_table
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime

RNG = np.random.default_rng(7)
RTOL = 1e-4


def _rand(*shape: int, positive: bool = False) -> np.ndarray:
    data = RNG.standard_normal(shape).astype(np.float32)
    return np.abs(data) + np.float32(0.5) if positive else data


def _bn_params(channels: int, prefix: str = "bn") -> dict[str, np.ndarray]:
    return {f"{prefix}_g": _rand(channels), f"{prefix}_b": _rand(channels),
            f"{prefix}_m": _rand(channels), f"{prefix}_v": _rand(channels, positive=True)}


def _bn(x: str, y: str, prefix: str = "bn") -> onnx.NodeProto:
    names = [x] + [f"{prefix}_{s}" for s in "gbmv"]
    return helper.make_node("BatchNormalization", names, [y], name=prefix, epsilon=1e-3)


def _check(model: onnx.ModelProto, feeds: dict[str, np.ndarray], fired: Sequence[str],
           gone: Sequence[str] = ()) -> dict[str, int]:
    """Rewrite on and off both match onnxruntime; `fired` rules ran; `gone` ops vanished."""
    expected = run_onnxruntime(model, feeds)
    on, off = dnnf_compile(model, rewrite=True), dnnf_compile(model, rewrite=False)
    for cm in (on, off):
        for got, want in zip(cm.run(feeds), expected, strict=True):
            assert got.shape == want.shape
            assert max_rel_error(got, want) <= RTOL
    for name in fired:
        assert on.stats["rewrites"].get(name, 0) >= 1, on.stats["rewrites"]
    for op in gone:
        assert f'"dnnf.{op}"' not in on.mlir("rewritten"), op
    return on.stats["rewrites"]


@pytest.mark.parametrize(("group", "bias"), [(1, True), (1, False), (4, True)])
def test_conv_batchnorm(group: int, bias: bool) -> None:
    inits = {"w": _rand(20, 8 // group, 3, 3), **_bn_params(20)}
    conv_in = ["x", "w"]
    if bias:
        inits["cb"] = _rand(20)
        conv_in.append("cb")
    nodes = [helper.make_node("Conv", conv_in, ["c"], name="conv", pads=[1, 1, 1, 1],
                              group=group), _bn("c", "y")]
    feeds = {"x": _rand(2, 8, 6, 6)}
    _check(make_model(nodes, feeds, ["y"], inits), feeds, ["bn_into_conv"], ["batch_norm"])


@pytest.mark.parametrize(("trans_b", "beta", "bias_shape"),
                         [(0, 1.0, (24,)), (1, 0.5, (1, 24)), (1, 1.0, None)])
def test_gemm_batchnorm(trans_b: int, beta: float, bias_shape: tuple[int, ...] | None) -> None:
    inits = {"b": _rand(24, 12) if trans_b else _rand(12, 24), **_bn_params(24)}
    gemm_in = ["a", "b"]
    if bias_shape is not None:
        inits["c"] = _rand(*bias_shape)
        gemm_in.append("c")
    nodes = [helper.make_node("Gemm", gemm_in, ["g"], name="gemm", alpha=1.5, beta=beta,
                              transB=trans_b), _bn("g", "y")]
    feeds = {"a": _rand(5, 12)}
    _check(make_model(nodes, feeds, ["y"], inits), feeds, ["bn_into_gemm"], ["batch_norm"])


def test_matmul_batchnorm() -> None:
    inits = {"b": _rand(12, 20), **_bn_params(20)}
    nodes = [helper.make_node("MatMul", ["a", "b"], ["m"], name="mm"), _bn("m", "y")]
    feeds = {"a": _rand(6, 12)}
    _check(make_model(nodes, feeds, ["y"], inits), feeds, ["bn_into_matmul"],
           ["batch_norm", "matmul"])


def test_conv_batchnorm_with_second_use_is_not_folded() -> None:
    inits = {"w": _rand(4, 3, 1, 1), **_bn_params(4)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"), _bn("c", "n"),
             helper.make_node("Add", ["c", "n"], ["y"], name="add")]
    feeds = {"x": _rand(1, 3, 5, 5)}
    counts = _check(make_model(nodes, feeds, ["y"], inits), feeds, [])
    assert "bn_into_conv" not in counts


def test_conv_per_channel_mul_add_sub() -> None:
    inits = {"w": _rand(6, 3, 3, 3), "cb": _rand(6), "k": _rand(1, 6, 1, 1),
             "t": _rand(6, 1, 1), "u": np.array([0.25], np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w", "cb"], ["c"], name="conv"),
             helper.make_node("Mul", ["k", "c"], ["m"], name="mul"),
             helper.make_node("Add", ["m", "t"], ["a"], name="add"),
             helper.make_node("Sub", ["a", "u"], ["y"], name="sub")]
    feeds = {"x": _rand(2, 3, 7, 7)}
    _check(make_model(nodes, feeds, ["y"], inits), feeds,
           ["mul_into_conv", "add_into_conv", "sub_into_conv"])


def test_transpose_chains() -> None:
    nodes = [helper.make_node("Transpose", ["x"], ["t1"], name="t1", perm=[0, 2, 3, 1]),
             helper.make_node("Transpose", ["t1"], ["t2"], name="t2", perm=[0, 3, 1, 2]),
             helper.make_node("Relu", ["t2"], ["r"], name="relu"),
             helper.make_node("Transpose", ["r"], ["t3"], name="t3", perm=[1, 0, 2, 3]),
             helper.make_node("Transpose", ["t3"], ["y"], name="t4", perm=[0, 1, 3, 2])]
    feeds = {"x": _rand(2, 3, 4, 5)}
    counts = _check(make_model(nodes, feeds, ["y"]), feeds, ["transpose_transpose"])
    assert counts["transpose_transpose"] == 2


def test_reshape_chains() -> None:
    shape = np.array([3, 8], np.int64)
    nodes = [helper.make_node("Reshape", ["x", "s1"], ["r1"], name="r1"),
             helper.make_node("Unsqueeze", ["r1", "ax"], ["u"], name="u"),
             helper.make_node("Flatten", ["u"], ["f"], name="f", axis=1),
             helper.make_node("Squeeze", ["f"], ["sq"], name="sq"),
             helper.make_node("Exp", ["sq"], ["e"], name="exp"),
             helper.make_node("Reshape", ["e", "s2"], ["r2"], name="r2"),
             helper.make_node("Reshape", ["r2", "s3"], ["y"], name="r3")]
    feeds = {"x": _rand(2, 3, 4)}
    inits = {"s1": np.array([1, 24], np.int64), "ax": np.array([2], np.int64),
             "s2": shape, "s3": np.array([24], np.int64)}
    counts = _check(make_model(nodes, feeds, ["y"], inits), feeds, ["reshape_chain"],
                    ["unsqueeze", "flatten", "squeeze"])
    assert counts["reshape_chain"] >= 2


def test_reshape_chain_restoring_shape_disappears() -> None:
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="f", axis=1),
             helper.make_node("Reshape", ["f", "s"], ["r"], name="r"),
             helper.make_node("Sigmoid", ["r"], ["y"], name="sig")]
    feeds = {"x": _rand(2, 3, 4)}
    model = make_model(nodes, feeds, ["y"], {"s": np.array([2, 3, 4], np.int64)})
    _check(model, feeds, ["reshape_chain"], ["reshape", "flatten"])


@pytest.mark.parametrize("which", ["a", "b", "ab"])
def test_transpose_into_matmul(which: str) -> None:
    a, b = (_rand(7, 5), _rand(7, 9)) if "a" in which else (_rand(5, 7), _rand(7, 9))
    if "b" in which:
        b = np.ascontiguousarray(b.T)
    nodes, mm_in = [], ["a", "b"]
    for i, name in enumerate("ab"):
        if name in which:
            nodes.append(helper.make_node("Transpose", [name], [f"{name}t"], name=f"t{name}",
                                          perm=[1, 0]))
            mm_in[i] = f"{name}t"
    nodes.append(helper.make_node("MatMul", mm_in, ["y"], name="mm"))
    feeds = {"a": a, "b": b}
    _check(make_model(nodes, feeds, ["y"]), feeds, ["transpose_into_matmul"],
           ["transpose", "matmul"])


def test_compile_folds_weights_through_the_weight_table() -> None:
    """compile() hands the imported weights to the rewrites: no weight arithmetic is left."""
    inits = {"w": _rand(20, 4, 3, 3), **_bn_params(20)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"), _bn("c", "y")]
    feeds = {"x": _rand(1, 4, 5, 5)}
    model = make_model(nodes, feeds, ["y"], inits)
    _check(model, feeds, ["bn_into_conv", "fold_weights"], ["batch_norm", "mul", "sqrt"])


def test_fold_weights_with_table_materialises_folded_resources() -> None:
    """With the compiler's weight table, BN-folded conv weights become one new resource."""
    w, params = _rand(20, 4, 3, 3), _bn_params(20)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"), _bn("c", "y")]
    model = make_model(nodes, {"x": _rand(1, 4, 5, 5)}, ["y"], {"w": w, **params})
    imported = import_onnx(model)
    with imported.module.context, weight_table(imported.weights) as table:
        before = set(table)
        run_passes(imported.module, ["dnnf-fold-into-weights", "dnnf-fold-weights"])
        text = str(imported.module)
    added = sorted(set(table) - before)
    assert len(added) == 2, added  # folded weight and folded bias
    scale = params["bn_g"] / np.sqrt(params["bn_v"] + np.float32(1e-3))
    folded = {tuple(table[k].shape): table[k] for k in added}
    np.testing.assert_allclose(folded[(20, 4, 3, 3)], w * scale[:, None, None, None],
                               rtol=1e-5)
    np.testing.assert_allclose(folded[(20,)], params["bn_b"] - params["bn_m"] * scale,
                               rtol=1e-5, atol=1e-6)
    for op in ("batch_norm", "mul", "sqrt", "div", "reshape"):
        assert f'"dnnf.{op}"' not in text, op


@pytest.mark.parametrize("group", [1, 2])
def test_bn_folds_into_conv_transpose(group: int) -> None:
    """BatchNorm after ConvTranspose folds into its weights and bias (grouped too)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 4, 5, 5)).astype(np.float32)
    w = rng.standard_normal((4, 6 // group, 3, 3)).astype(np.float32)
    inits = {"w": w, "b": rng.standard_normal(6).astype(np.float32),
             "g": (rng.random(6) + 0.5).astype(np.float32),
             "beta": rng.standard_normal(6).astype(np.float32),
             "mu": rng.standard_normal(6).astype(np.float32),
             "var": (rng.random(6) + 0.5).astype(np.float32)}
    model = make_model([
        helper.make_node("ConvTranspose", ["x", "w", "b"], ["c"], strides=[2, 2], group=group),
        helper.make_node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["y"]),
    ], {"x": x}, ["y"], initializers=inits)
    cm = dnnf_compile(model)
    assert cm.stats["rewrites"].get("bn_into_conv_transpose") == 1
    assert "dnnf.batch_norm" not in cm.mlir("rewritten")
    expected = run_onnxruntime(model, {"x": x})[0]
    assert max_rel_error(cm(x)[0], expected) <= 1e-4
