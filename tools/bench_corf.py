"""Benchmark: CORF fusion of consecutive Many-to-Many ops, forced on vs the default plan.

Run ``python -m dnnfusion_mlir.tools.bench_corf``. Two MobileNet/BERT-sized cases:
pointwise conv 1x1 (24 -> 144 channels, 48x48) -> depthwise 3x3, and attention
(seq 128, head 64: q k^T * s -> softmax -> . v). For each, prints the plan's blocks, loop
nests and the median time of the default plan (analytic cost model) and of the plan where
every Y cell is forced to fuse (so the CORF pair is one block), with onnxruntime's time
on one thread. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from unittest import mock

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.passes import dnnf_fusion_plan
from dnnfusion_mlir.testing import make_model, max_rel_error


def pointwise_depthwise() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """1x1 conv 24 -> 144 channels then depthwise 3x3 on 48x48."""
    rng = np.random.default_rng(0)
    inits = {"w1": rng.standard_normal((144, 24, 1, 1)).astype(np.float32) * 0.2,
             "w2": rng.standard_normal((144, 1, 3, 3)).astype(np.float32) * 0.3}
    nodes = [helper.make_node("Conv", ["x", "w1"], ["e"]),
             helper.make_node("Conv", ["e", "w2"], ["y"], group=144, pads=[1, 1, 1, 1])]
    feeds = {"x": rng.standard_normal((1, 24, 48, 48)).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


def attention() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """One head of BERT-base attention at sequence length 128."""
    rng = np.random.default_rng(1)
    inits = {"kt": rng.standard_normal((64, 128)).astype(np.float32),
             "v": rng.standard_normal((128, 64)).astype(np.float32),
             "s": np.array(0.125, np.float32)}
    nodes = [helper.make_node("MatMul", ["q", "kt"], ["a"]),
             helper.make_node("Mul", ["a", "s"], ["b"]),
             helper.make_node("Softmax", ["b"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    feeds = {"q": rng.standard_normal((128, 64)).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def _describe(cm: dnnf.CompiledModel) -> str:
    return " | ".join(
        f"{'+'.join(o['op'].removeprefix('dnnf.') for o in b['ops'])}:{b['kernels']}"
        for b in cm.stats["blocks"])


def run_case(name: str, model: onnx.ModelProto, feeds: dict[str, np.ndarray],
             repeat: int) -> None:
    """Print one case: blocks and times of the default and forced-CORF plans."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    expected = session.run(None, feeds)[0]
    print(f"{name}: onnxruntime {_median_ms(lambda: session.run(None, feeds), repeat):.3f} ms")
    default = dnnf.compile(model)
    with mock.patch.object(dnnf_fusion_plan, "analytic", return_value=True):
        forced = dnnf.compile(model)
    for label, cm in (("default", default), ("CORF forced", forced)):
        err = max_rel_error(cm.run(feeds)[0], expected)
        ms = _median_ms(partial(cm.run, feeds), repeat)
        print(f"  {label:12s} {ms:8.3f} ms  kernels {cm.stats['kernels']:2d}  "
              f"err {err:.1e}  blocks: {_describe(cm)}")


def main(argv: Sequence[str] | None = None) -> None:
    """Run both cases."""
    for name, build in (("pointwise->depthwise", pointwise_depthwise),
                        ("attention", attention)):
        model, feeds = build()
        run_case(name, model, feeds, repeat=50)


if __name__ == "__main__":
    main()
