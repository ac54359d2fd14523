"""The AArch64 + NEON target under emulation (issue #6).

Each model is compiled with ``target="aarch64"`` (llc-22 -> AArch64 object, C API wrapper,
embedded weights), linked with the generated C harness by ``aarch64-linux-gnu-gcc`` and run
under ``qemu-aarch64``; its outputs are compared with the host JIT build of the same model
and with onnxruntime (max relative error <= 1e-4; int/bool outputs exactly).

Op-level cases run in seconds; the model families (MobileNetV2, ResNet-50, BERT; reduced
sizes, see `_FAMILIES`) are marked slow. Run with ``-s`` to see the errors per case.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.codegen import aarch64
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime

MISSING = aarch64.missing_tools()
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason="AArch64 toolchain missing: " + ", ".join(MISSING)
    + " (bash scripts/setup.sh installs llvm-22 gcc-aarch64-linux-gnu qemu-user)")

RTOL = 1e-4
RNG = np.random.default_rng(6)


def _rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _compare(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> float:
    """Run `model` on AArch64 under qemu, on the host and in onnxruntime; return the error."""
    arm = dnnf.compile(model, target="aarch64")
    host = dnnf.compile(model)
    ours = arm.run(feeds)
    expected_host = host.run(feeds)
    expected_ort = run_onnxruntime(model, feeds)
    worst = 0.0
    for i, (a, h, e) in enumerate(zip(ours, expected_host, expected_ort, strict=True)):
        assert a.shape == e.shape, f"output {i}: shape {a.shape} != {e.shape}"
        assert a.dtype == h.dtype, f"output {i}: dtype {a.dtype} != {h.dtype}"
        if a.dtype.kind in "biu":
            np.testing.assert_array_equal(a, h)
            np.testing.assert_array_equal(a, e)
            continue
        err_host, err_ort = max_rel_error(a, h), max_rel_error(a, e)
        assert err_host <= RTOL, f"output {i}: aarch64 vs host max rel error {err_host:.3g}"
        assert err_ort <= RTOL, f"output {i}: aarch64 vs onnxruntime max rel error {err_ort:.3g}"
        worst = max(worst, err_host, err_ort)
    print(f"\nmax relative error (aarch64 under qemu vs host / onnxruntime): {worst:.3g}")
    return worst


# ------------------------------------------------------------------------ op-level cases


def _conv_bn_relu() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("Conv", ["x", "w", "cb"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
             helper.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["n"]),
             helper.make_node("Relu", ["n"], ["y"])]
    inits = {"w": _rand(12, 6, 3, 3), "cb": _rand(12), "g": _rand(12) + 2, "b": _rand(12),
             "m": _rand(12), "v": np.abs(_rand(12)) + 0.5}
    x = _rand(1, 6, 10, 9)
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


def _conv3d_relu_pool() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """A C3D block: the 3-D conv tile is a contraction over NEON's 4 lanes of channels."""
    nodes = [helper.make_node("Conv", ["x", "w", "cb"], ["c"], pads=[1, 1, 1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2, 2], strides=[2, 2, 2])]
    x = _rand(1, 5, 4, 6, 10)
    return make_model(nodes, {"x": x}, ["y"], {"w": _rand(12, 5, 3, 3, 3), "cb": _rand(12)}), \
        {"x": x}


def _conv_lrn_pool_pointwise() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """AlexNet's conv + ReLU + LRN (one loop nest through the LRN's channel pad; x^0.75 as
    square roots) and Inception's pool branch (a 3x3 max pool as a 1x1 conv's prologue)."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("LRN", ["r"], ["n"], size=5, alpha=1e-2, beta=0.75, bias=1.0),
             helper.make_node("MaxPool", ["n"], ["p"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["p", "w2"], ["d"]),
             helper.make_node("Relu", ["d"], ["y"])]
    x = _rand(1, 3, 11, 9)
    return make_model(nodes, {"x": x}, ["y"], {"w": _rand(10, 3, 3, 3),
                                               "w2": _rand(6, 10, 1, 1)}), {"x": x}


def _matmul_add_gelu() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("MatMul", ["x", "w"], ["p"]),
             helper.make_node("Add", ["p", "b"], ["a"]),
             helper.make_node("Div", ["a", "sqrt2"], ["d"]),
             helper.make_node("Erf", ["d"], ["e"]),
             helper.make_node("Add", ["e", "one"], ["e1"]),
             helper.make_node("Mul", ["a", "e1"], ["h"]),
             helper.make_node("Mul", ["h", "half"], ["y"])]
    inits = {"w": _rand(24, 20), "b": _rand(20), "sqrt2": np.float32(np.sqrt(2.0)),
             "one": np.float32(1.0), "half": np.float32(0.5)}
    x = _rand(2, 7, 24)
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


def _softmax() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    x = _rand(3, 5, 33) * 4
    return make_model([helper.make_node("Softmax", ["x"], ["y"], axis=-1)], {"x": x}, ["y"]), \
        {"x": x}


def _pooling() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("MaxPool", ["x"], ["m"], kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("AveragePool", ["m"], ["a"], kernel_shape=[2, 2], strides=[1, 1]),
             helper.make_node("GlobalAveragePool", ["a"], ["y"])]
    x = _rand(1, 8, 13, 11)
    return make_model(nodes, {"x": x}, ["a", "y"]), {"x": x}


def _broadcasting() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("Add", ["x", "row"], ["s"]),
             helper.make_node("Mul", ["s", "col"], ["p"]),
             helper.make_node("Sub", ["p", "k"], ["d"]),
             helper.make_node("Sigmoid", ["d"], ["y"]),
             helper.make_node("Max", ["y", "col"], ["z"])]
    feeds = {"x": _rand(2, 3, 5, 7), "row": _rand(7), "col": _rand(3, 5, 1)}
    return make_model(nodes, feeds, ["y", "z"], {"k": _rand(1, 3, 1, 1)}), feeds


def _int64_bool() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("Equal", ["ids", "two"], ["eq"]),
             helper.make_node("Where", ["eq", "x", "zero"], ["w"]),
             helper.make_node("Cast", ["eq"], ["eqi"], to=onnx.TensorProto.INT64),
             helper.make_node("Add", ["ids", "eqi"], ["ids2"]),
             helper.make_node("Gather", ["table", "ids2"], ["g"], axis=0),
             helper.make_node("Relu", ["g"], ["y"]),
             helper.make_node("Not", ["eq"], ["ne"])]
    feeds = {"ids": RNG.integers(0, 4, (2, 6)).astype(np.int64), "x": _rand(2, 6)}
    inits = {"two": np.int64(2), "zero": np.float32(0.0), "table": _rand(5, 8)}
    return make_model(nodes, feeds, ["w", "y", "ids2", "ne"], inits), feeds


def _same_value_twice() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    nodes = [helper.make_node("Tanh", ["x"], ["t"]),
             helper.make_node("Identity", ["t"], ["u"])]
    x = _rand(4, 9)
    return make_model(nodes, {"x": x}, ["t", "u"]), {"x": x}



def _conv_transpose_prime_width() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """A stride-2 ConvTranspose (a named conv over the zero-stuffed input, 25 columns) into a
    3x3 conv on a 23-wide map: full 4-column register tiles and a peeled narrower one."""
    nodes = [helper.make_node("ConvTranspose", ["x", "wt", "bt"], ["u"], strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["u", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    x = _rand(1, 6, 7, 12)
    return make_model(nodes, {"x": x}, ["y"], {"wt": _rand(6, 5, 3, 3), "bt": _rand(5),
                                               "w": _rand(8, 5, 3, 3)}), {"x": x}

OP_CASES: dict[str, Callable[[], tuple[onnx.ModelProto, dict[str, np.ndarray]]]] = {
    "conv_bn_relu": _conv_bn_relu, "conv3d_relu_pool": _conv3d_relu_pool,
    "conv_lrn_pool_pointwise": _conv_lrn_pool_pointwise, "matmul_add_gelu": _matmul_add_gelu, "softmax": _softmax,
    "pooling": _pooling, "broadcasting": _broadcasting, "int64_bool": _int64_bool,
    "same_value_twice": _same_value_twice,
    "conv_transpose_prime_width": _conv_transpose_prime_width,
}


@pytest.mark.parametrize("case", list(OP_CASES))
def test_op_case_under_qemu(case: str) -> None:
    model, feeds = OP_CASES[case]()
    _compare(model, feeds)


# ------------------------------------------------------------------------ C API artefacts


def test_save_writes_c_api_and_aarch64_objects(tmp_path: Path) -> None:
    model, _ = _conv_bn_relu()
    cm = dnnf.compile(model, target="aarch64")
    files = cm.save(tmp_path, cpu="cortex-a76", mattr="+dotprod,+fp16")
    header = files["header"].read_text()
    for text in ("dnnf_model *dnnf_init(void);", "int dnnf_run(dnnf_model *model",
                 "void dnnf_free(dnnf_model *model);", "#define DNNF_INPUT_0_SHAPE {1, 6, 10, 9}",
                 "#define DNNF_OUTPUT_0_DTYPE DNNF_FLOAT32", "size_t dnnf_workspace_bytes(void);"):
        assert text in header
    # The padded conv tile lives in the workspace, which dnnf_init allocates once.
    assert cm.workspace_bytes > 0
    assert f"#define WORKSPACE_BYTES {cm.workspace_bytes}u" in files["source"].read_text()
    for key in ("object", "shared", "kernels"):
        elf = files[key].read_bytes()[:20]
        assert elf[:4] == b"\x7fELF"
        assert int.from_bytes(elf[18:20], "little") == 183  # EM_AARCH64
    assert ".incbin" in files["weights_asm"].read_text()


def test_missing_tool_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aarch64.shutil, "which", lambda tool: None)
    with pytest.raises(dnnf.CompileError, match="apt-get install gcc-aarch64-linux-gnu"):
        aarch64.require(aarch64.CROSS_CC)


# ------------------------------------------------------------------------ model families


def _export(module: Any, example: np.ndarray) -> onnx.ModelProto:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    with torch.no_grad():
        module(torch.from_numpy(example))
        torch.onnx.export(module, (torch.from_numpy(example),), buffer, dynamo=False,
                          opset_version=17, input_names=["input"], output_names=["output"])
    return onnx.load_from_string(buffer.getvalue())


def _family(name: str) -> tuple[Any, np.ndarray]:
    """Reduced members of the model_zoo families (same structure, smaller width/size)."""
    pytest.importorskip("torch")
    import torch

    from dnnfusion_mlir import _zoo_text, _zoo_vision

    torch.manual_seed(0)
    if name == "mobilenet_v2":
        return _zoo_vision.mobilenet_v2(width=0.35, classes=10).eval(), _rand(1, 3, 48, 48)
    if name == "resnet50":
        return _zoo_vision.resnet50(width=8, classes=10).eval(), _rand(1, 3, 32, 32)
    cfg = _zoo_text.Config(vocab=200, hidden=96, heads=4, ffn=256, layers=2, seq=32)
    return _zoo_text.Encoder(cfg).eval(), RNG.integers(0, 200, (1, 32)).astype(np.int64)


_FAMILIES = ("mobilenet_v2", "resnet50", "bert")


@pytest.mark.slow
@pytest.mark.parametrize("name", _FAMILIES)
def test_family_under_qemu(name: str) -> None:
    module, example = _family(name)
    model = _export(module, example)
    _compare(model, {"input": example})
