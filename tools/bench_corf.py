"""Benchmark: CORF fusion of consecutive Many-to-Many ops, forced on vs the default plan.

Run ``python -m dnnfusion_mlir.tools.bench_corf``. Six model-sized cases: pointwise conv
1x1 (24 -> 144 channels, 48x48) -> depthwise 3x3 (MobileNetV2), 3x3 conv + ReLU -> 1x1 conv
(32 -> 32 -> 64 channels, 28x28; ResNet), 3x3 conv + ReLU -> 2x2 max pool (32 -> 64
channels, 32x32; VGG), 5x5 conv + ReLU -> LRN (48 -> 144 channels, 15x15; AlexNet's second
layer), 3x3 max pool (stride 1, padded) -> 1x1 conv + ReLU (64 -> 16 channels, 16x16;
Inception's pool branch), and attention (seq 128, head 64: q k^T * s -> softmax -> . v). For
each, prints the plan's blocks, loop nests and the median time of the default plan
(analytic cost model), of the plan where every Y cell is forced to fuse, and of the default
plan without CORF pairs, with onnxruntime's time on one thread. Not a test: numbers depend
on the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from unittest import mock

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.bench import Runner, time_round_robin
from dnnfusion_mlir.fusion import plan
from dnnfusion_mlir.passes import dnnf_fusion_plan
from dnnfusion_mlir.testing import make_model, max_rel_error

Case = tuple[onnx.ModelProto, dict[str, np.ndarray]]


def _image_case(seed: int, weights: dict[str, tuple[tuple[int, ...], float]],
                nodes: list[onnx.NodeProto], image: tuple[int, ...]) -> Case:
    """A model of `nodes` from input "x" of shape `image` to "y"; each weight a standard
    normal of its shape times its scale, drawn (in order, then x) from `seed`."""
    rng = np.random.default_rng(seed)
    inits = {name: rng.standard_normal(shape).astype(np.float32) * scale
             for name, (shape, scale) in weights.items()}
    feeds = {"x": rng.standard_normal(image).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


def pointwise_depthwise(cin: int = 24, expand: int = 144, size: int = 48) -> Case:
    """MobileNet's expand 1x1 conv (`cin` -> `expand` channels) then depthwise 3x3."""
    return _image_case(0, {"w1": ((expand, cin, 1, 1), 0.2), "w2": ((expand, 1, 3, 3), 0.3)}, [
        helper.make_node("Conv", ["x", "w1"], ["e"]),
        helper.make_node("Conv", ["e", "w2"], ["y"], group=expand, pads=[1, 1, 1, 1]),
    ], (1, cin, size, size))


def conv_pointwise(cin: int = 32, mid: int = 32, cout: int = 64, size: int = 28) -> Case:
    """ResNet's 3x3 conv + ReLU -> 1x1 conv (+ bias): the pair the default plan fuses."""
    weights = {"w1": ((mid, cin, 3, 3), 0.1), "w2": ((cout, mid, 1, 1), 0.2),
               "b2": ((cout,), 1.0)}
    return _image_case(2, weights, [
        helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Conv", ["r", "w2", "b2"], ["y"]),
    ], (1, cin, size, size))


def conv_pool(cin: int = 32, cout: int = 64, size: int = 32) -> Case:
    """VGG's 3x3 conv + ReLU -> 2x2 max pool (stride 2)."""
    return _image_case(3, {"w": ((cout, cin, 3, 3), 0.1)}, [
        helper.make_node("Conv", ["x", "w"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
    ], (1, cin, size, size))


def conv_lrn(cin: int = 48, cout: int = 144, size: int = 15) -> Case:
    """AlexNet's 5x5 conv + ReLU -> LRN (size 5, beta 0.75) over the conv's channels."""
    return _image_case(4, {"w": ((cout, cin, 5, 5), 0.05)}, [
        helper.make_node("Conv", ["x", "w"], ["a"], pads=[2, 2, 2, 2]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("LRN", ["r"], ["y"], size=5, alpha=1e-4, beta=0.75, bias=2.0),
    ], (1, cin, size, size))


def pool_pointwise(cin: int = 64, cout: int = 16, size: int = 16) -> Case:
    """Inception's pool branch: 3x3 max pool (stride 1, pad 1) -> 1x1 conv + ReLU."""
    return _image_case(5, {"w": ((cout, cin, 1, 1), 0.1)}, [
        helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["p", "w"], ["a"]),
        helper.make_node("Relu", ["a"], ["y"]),
    ], (1, cin, size, size))


def attention(seq: int = 128, head: int = 64) -> Case:
    """One attention head: q k^T / sqrt(head) -> softmax -> . v."""
    rng = np.random.default_rng(1)
    inits = {"kt": rng.standard_normal((head, seq)).astype(np.float32),
             "v": rng.standard_normal((seq, head)).astype(np.float32),
             "s": np.array(1.0 / np.sqrt(head), np.float32)}
    nodes = [helper.make_node("MatMul", ["q", "kt"], ["a"]),
             helper.make_node("Mul", ["a", "s"], ["b"]),
             helper.make_node("Softmax", ["b"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    feeds = {"q": rng.standard_normal((seq, head)).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


def compile_default_and_forced(model: onnx.ModelProto) -> dict[str, dnnf.CompiledModel]:
    """The default plan (analytic cost model), the plan with every Y cell fused, and the
    default plan without CORF (no two Many-to-Many ops share a block)."""
    default = dnnf.compile(model)
    with mock.patch.object(dnnf_fusion_plan, "analytic", return_value=True):
        forced = dnnf.compile(model)
    with mock.patch.object(plan, "CORF_PAIRS", frozenset()):
        no_corf = dnnf.compile(model)
    return {"default": default, "CORF forced": forced, "no CORF": no_corf}


def _describe(cm: dnnf.CompiledModel) -> str:
    return " | ".join(
        f"{'+'.join(o['op'].removeprefix('dnnf.') for o in b['ops'])}:{b['kernels']}"
        for b in cm.stats["blocks"])


def run_case(name: str, model: onnx.ModelProto, feeds: dict[str, np.ndarray],
             repeat: int) -> None:
    """Print one case: blocks and median times of both plans and onnxruntime (round robin)."""
    session = ort.InferenceSession(model.SerializeToString(), _one_thread(),
                                   providers=["CPUExecutionProvider"])
    names = list(feeds)
    arrays = [feeds[n] for n in names]
    variants = compile_default_and_forced(model)
    runners: dict[str, Runner] = {
        "onnxruntime": lambda a: list(session.run(None, dict(zip(names, a, strict=True)))),
        **{label: _runner(cm) for label, cm in variants.items()}}
    times = time_round_robin(runners, arrays, warmup=1, repeat=repeat)
    expected = runners["onnxruntime"](arrays)[0]
    print(f"{name}: onnxruntime {np.median(times['onnxruntime']):.3f} ms")
    for label, cm in variants.items():
        err = max_rel_error(cm(*arrays)[0], expected)
        print(f"  {label:12s} {np.median(times[label]):8.3f} ms  kernels "
              f"{cm.stats['kernels']:2d}  err {err:.1e}  blocks: {_describe(cm)}")


def _runner(cm: dnnf.CompiledModel) -> Runner:
    def run(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return cm(*arrays)
    return run


def _one_thread() -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return options


def main(argv: Sequence[str] | None = None) -> None:
    """Run every case."""
    for name, build in (("pointwise->depthwise", pointwise_depthwise),
                        ("conv3x3->pointwise", conv_pointwise), ("conv->maxpool", conv_pool),
                        ("conv->lrn", conv_lrn), ("maxpool->pointwise", pool_pointwise),
                        ("attention", attention)):
        model, feeds = build()
        run_case(name, model, feeds, repeat=50)


if __name__ == "__main__":
    main()
