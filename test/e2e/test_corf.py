"""CORF: fusing consecutive Many-to-Many ops (pointwise conv -> depthwise conv, attention's
matmul -> softmax -> matmul). The analytic cost model usually rejects these pairs (the
producer is recomputed per window row), so these tests force the Y decision to "fuse" and
check the blocks form and compute the same numbers as onnxruntime and as the default plan."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import max_rel_error, run_onnxruntime
from dnnfusion_mlir.tools import bench_corf


def pointwise_depthwise() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """MobileNet's expand (1x1 conv) -> depthwise 3x3 pair, test-sized."""
    return bench_corf.pointwise_depthwise(cin=8, expand=16, size=12)


def attention() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """scores = q k^T / 4, softmax, probs v, test-sized (head 16)."""
    return bench_corf.attention(seq=32, head=16)


@pytest.mark.parametrize(("build", "pair"), [
    (pointwise_depthwise, ["dnnf.conv", "dnnf.conv"]),
    (attention, ["dnnf.matmul", "dnnf.softmax", "dnnf.matmul"]),
])
def test_forced_corf_blocks_match_onnxruntime(build: object, pair: list[str]) -> None:
    model, feeds = build()  # type: ignore[operator]
    expected = run_onnxruntime(model, feeds)[0]
    plans = bench_corf.compile_default_and_forced(model)
    default, corf = plans["default"], plans["CORF forced"]
    ops = [[o["op"] for o in b["ops"] if o["op"] in pair] for b in corf.stats["blocks"]]
    assert pair in ops, corf.stats["blocks"]  # the Many-to-Many ops share one block
    for cm in (default, corf):
        assert max_rel_error(cm.run(feeds)[0], expected) <= 1e-4


def test_analytic_model_rejects_pointwise_depthwise() -> None:
    """The 1x1 conv would be recomputed for each of the 3 kernel rows: not profitable."""
    model, _ = pointwise_depthwise()
    blocks = dnnf.compile(model).stats["blocks"]
    assert [[o["op"] for o in b["ops"]] for b in blocks] == [["dnnf.conv"], ["dnnf.conv"]]


_CONV_RELU = ["dnnf.conv", "dnnf.relu"]


@pytest.mark.parametrize(("build", "ops"), [
    (lambda: bench_corf.conv_pointwise(cin=4, mid=8, cout=8, size=8),
     [*_CONV_RELU, "dnnf.conv"]),
    (lambda: bench_corf.conv_pool(cin=4, cout=8, size=8), [*_CONV_RELU, "dnnf.max_pool"]),
    (lambda: bench_corf.conv_lrn(cin=4, cout=12, size=19), [*_CONV_RELU, "dnnf.lrn"]),
    (lambda: bench_corf.pool_pointwise(cin=6, cout=4, size=10),
     ["dnnf.max_pool", *_CONV_RELU]),
])
def test_default_plan_fuses_halo_free_pairs(build: object, ops: list[str]) -> None:
    """A conv into a 1x1 conv, into an unpadded pooling or into an LRN (a window over the
    channels a row tile holds all of), or a pool into a 1x1 conv, reads no halo rows of the
    first op's result: the analytic model fuses the pair, the block is one loop nest (for
    the LRN: through its channel pad; 19 rows: a peeled last tile), and it computes what
    onnxruntime and the plan without CORF compute."""
    model, feeds = build()  # type: ignore[operator]
    expected = run_onnxruntime(model, feeds)[0]
    plans = bench_corf.compile_default_and_forced(model)
    default, no_corf = plans["default"], plans["no CORF"]
    assert [[o["op"] for o in b["ops"]] for b in default.stats["blocks"]] == [ops]
    assert default.stats["kernels"] == 1
    assert len(no_corf.stats["blocks"]) == 2
    assert default.stats["kernels"] < no_corf.stats["kernels"]
    for cm in (default, no_corf):
        assert max_rel_error(cm.run(feeds)[0], expected) <= 1e-4
