"""Conv and pooling blocks on maps whose row tile (4, or half the rows) does not divide the
rows (AlexNet's 31-, 15- and 7-row maps): the root's row loop is peeled (codegen/block_fusion.py), tiles of 4
(or 3) rows plus a shorter last tile. Against onnxruntime and unfused, with padding at
both ends of the map so the last tile's halo reaches the bottom padding."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.codegen import block_fusion
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime


def _alexnet_stem() -> tuple[object, dict[str, np.ndarray]]:
    """11x11/4 conv (pad 2) + ReLU on a 127x127 image: 31 rows; 3x3/2 max pool: 15 rows;
    5x5 conv (pad 2) + ReLU: 15 rows; 3x3/2 pool: 7 rows; 3x3 conv (pad 1) + ReLU: 7 rows."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 127, 127)).astype(np.float32)

    def weight(shape: tuple[int, ...]) -> np.ndarray:
        return rng.uniform(-0.2, 0.2, shape).astype(np.float32)

    inits = {"w1": weight((16, 3, 11, 11)), "b1": weight((16,)),
             "w2": weight((24, 16, 5, 5)), "b2": weight((24,)),
             "w3": weight((16, 24, 3, 3)), "b3": weight((16,))}
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[11, 11], strides=[4, 4],
          pads=[2, 2, 2, 2], name="conv1"),
        n("Relu", ["c1"], ["r1"]),
        n("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], name="pool1"),
        n("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[5, 5], pads=[2, 2, 2, 2],
          name="conv2"),
        n("Relu", ["c2"], ["r2"]),
        n("MaxPool", ["r2"], ["p2"], kernel_shape=[3, 3], strides=[2, 2], name="pool2"),
        n("Conv", ["p2", "w3", "b3"], ["c3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
          name="conv3"),
        n("Relu", ["c3"], ["y"]),
    ]
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


@pytest.mark.parametrize("fuse", [True, False])
def test_peeled_row_tiles_match_onnxruntime(fuse: bool) -> None:
    model, feeds = _alexnet_stem()
    cm = dnnf.compile(model, fuse=fuse)
    (got,) = cm(feeds["x"])
    (expected,) = run_onnxruntime(model, feeds)
    assert got.shape == (1, 16, 7, 7)
    assert max_rel_error(got, expected) <= 1e-4  # sums of up to 600 products
    if fuse:
        (unfused,) = dnnf.compile(model, fuse=False)(feeds["x"])
        assert max_rel_error(got, unfused) <= 1e-4


def test_peeled_blocks_stay_one_loop_nest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block is one loop nest (the peeled last tile is not counted as a nest), and
    the conv and pool blocks were peeled, not tiled by single rows."""
    peeled: list[str] = []
    original = block_fusion._peel_step

    def record(mark: str) -> list[str]:
        peeled.append(mark)
        return original(mark)

    monkeypatch.setattr(block_fusion, "_peel_step", record)
    model, _ = _alexnet_stem()
    cm = dnnf.compile(model)
    assert cm.stats["kernels"] == len(cm.stats["blocks"])
    # conv1 (31 rows), pool1 and conv2 (15), pool2 and conv3 (7): the blocks whose root
    # rows have no divisor up to the tile size; block fusion plans on a trial copy first.
    assert len(set(peeled)) >= 3


def test_failed_peeling_falls_back_to_dividing_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop that was to be peeled but was not (here: the peel step only finds the loop)
    must not keep its partial last tile with dynamic shapes: such blocks are re-tiled by
    divisors."""
    calls: list[bool] = []
    original = block_fusion.root_tiles

    def spy(info: block_fusion.LoopInfo, windowed: bool, peel: bool = True,
            min_parallel: int = 4) -> list[int]:
        calls.append(peel)
        return original(info, windowed, peel, min_parallel)

    monkeypatch.setattr(block_fusion, "_peel_step", lambda mark: [
        f"%loop = transform.structured.match attributes {{{mark}}} in %r "
        ": (!transform.any_op) -> !transform.any_op"])
    monkeypatch.setattr(block_fusion, "root_tiles", spy)
    model, feeds = _alexnet_stem()
    cm = dnnf.compile(model)
    (got,) = cm(feeds["x"])
    (expected,) = run_onnxruntime(model, feeds)
    assert max_rel_error(got, expected) <= 1e-4
    assert cm.stats["kernels"] == len(cm.stats["blocks"])
    assert False in calls  # the second run planned dividing tiles
