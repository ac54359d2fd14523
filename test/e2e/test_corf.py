"""CORF: fusing consecutive Many-to-Many ops (pointwise conv -> depthwise conv, attention's
matmul -> softmax -> matmul). The analytic cost model usually rejects these pairs (the
producer is recomputed per window row), so these tests force the Y decision to "fuse" and
check the blocks form and compute the same numbers as onnxruntime and as the default plan."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.passes import dnnf_fusion_plan
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime


def pointwise_depthwise() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """MobileNet's expand (1x1 conv) -> depthwise 3x3 pair."""
    rng = np.random.default_rng(0)
    inits = {"w1": rng.standard_normal((16, 8, 1, 1)).astype(np.float32),
             "w2": rng.standard_normal((16, 1, 3, 3)).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w1"], ["e"]),
             helper.make_node("Conv", ["e", "w2"], ["y"], group=16, pads=[1, 1, 1, 1])]
    feeds = {"x": rng.standard_normal((1, 8, 12, 12)).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


def attention() -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """scores = q k^T / 4, softmax, probs v."""
    rng = np.random.default_rng(1)
    inits = {"k": rng.standard_normal((16, 32)).astype(np.float32),
             "v": rng.standard_normal((32, 16)).astype(np.float32),
             "s": np.array(0.25, np.float32)}
    nodes = [helper.make_node("MatMul", ["q", "k"], ["a"]),
             helper.make_node("Mul", ["a", "s"], ["b"]),
             helper.make_node("Softmax", ["b"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    feeds = {"q": rng.standard_normal((32, 16)).astype(np.float32)}
    return make_model(nodes, feeds, ["y"], inits), feeds


@pytest.mark.parametrize(("build", "pair"), [
    (pointwise_depthwise, ["dnnf.conv", "dnnf.conv"]),
    (attention, ["dnnf.matmul", "dnnf.softmax", "dnnf.matmul"]),
])
def test_forced_corf_blocks_match_onnxruntime(build: object, pair: list[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    model, feeds = build()  # type: ignore[operator]
    expected = run_onnxruntime(model, feeds)[0]
    default = dnnf.compile(model)
    monkeypatch.setattr(dnnf_fusion_plan, "analytic", lambda *_: True)
    corf = dnnf.compile(model)
    ops = [[o["op"] for o in b["ops"] if o["op"] in pair] for b in corf.stats["blocks"]]
    assert pair in ops, corf.stats["blocks"]  # the Many-to-Many ops share one block
    for cm in (default, corf):
        assert max_rel_error(cm.run(feeds)[0], expected) <= 1e-4


def test_analytic_model_rejects_pointwise_depthwise() -> None:
    """The 1x1 conv would be recomputed for each of the 3 kernel rows: not profitable."""
    model, _ = pointwise_depthwise()
    blocks = dnnf.compile(model).stats["blocks"]
    assert [[o["op"] for o in b["ops"]] for b in blocks] == [["dnnf.conv"], ["dnnf.conv"]]
