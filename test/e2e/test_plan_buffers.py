"""The static memory plan (`dnnf-plan-buffers`): the workspace allocated once, buffers reused by
lifetime, results unchanged; and the placement itself on generated lifetimes."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.passes.dnnf_plan_buffers import ALIGN, Buffer, place
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime

MAP = (1, 8, 16, 16)  # 8 KiB of f32
MAP_BYTES = 8 * 16 * 16 * 4


def _residual() -> tuple[object, dict[str, np.ndarray]]:
    """conv -> relu -> conv -> + x -> relu -> reshape -> sigmoid: block outputs, a residual
    read late, and the blocks' tile buffers all go through the plan."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(MAP).astype(np.float32)
    inits = {"w1": rng.uniform(-0.2, 0.2, (8, 8, 3, 3)).astype(np.float32),
             "w2": rng.uniform(-0.2, 0.2, (8, 8, 3, 3)).astype(np.float32),
             "shape": np.array([1, 8, 256], np.int64)}
    n = helper.make_node
    nodes = [n("Conv", ["x", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("Relu", ["c1"], ["r1"]),
             n("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("Add", ["c2", "x"], ["s"]),
             n("Relu", ["s"], ["r2"]),
             n("Reshape", ["r2", "shape"], ["f"]),
             n("Sigmoid", ["f"], ["y"])]
    return make_model(nodes, {"x": x}, ["y"], inits), {"x": x}


def _chain() -> tuple[object, dict[str, np.ndarray]]:
    """Five element-wise ops in a row. Unfused, bufferization writes them alternately into
    the output and into two 8 KiB buffers (ops 1 and 3), which are never live together."""
    x = np.random.default_rng(1).standard_normal(MAP).astype(np.float32)
    names = ["x", "a", "b", "c", "d", "y"]
    ops = ["Sigmoid", "Tanh", "Exp", "Sigmoid", "Tanh"]
    nodes = [helper.make_node(op, [names[i]], [names[i + 1]]) for i, op in enumerate(ops)]
    return make_model(nodes, {"x": x}, ["y"]), {"x": x}


def _calls(cm: dnnf.CompiledModel, name: str) -> int:
    return len(re.findall(rf"llvm\.call @{name}\(", cm.mlir("llvm")))


@pytest.mark.parametrize("fuse", [True, False])
def test_no_allocation_per_call_and_same_results(fuse: bool) -> None:
    """The arena is the entry's workspace argument: a call allocates nothing, and its
    results do not depend on what an earlier call (or anyone) left in the workspace."""
    model, feeds = _residual()
    cm = dnnf.compile(model, fuse=fuse)
    assert _calls(cm, "malloc") == 0
    assert _calls(cm, "free") == 0
    assert 0 < cm.stats["arena_bytes"] < cm.stats["buffer_bytes"]
    assert cm.workspace_bytes == cm.stats["workspace_bytes"] == cm.stats["arena_bytes"]
    (workspace,) = cm._runner._workspace
    assert workspace.nbytes == cm.workspace_bytes
    assert workspace.ctypes.data % ALIGN == 0
    (expected,) = run_onnxruntime(model, feeds)
    for fill in (0x00, 0xFF, 0x7F):  # zeros, NaNs, huge values left in every buffer
        workspace[...] = fill
        (got,) = cm(feeds["x"])
        assert max_rel_error(got, expected) <= 1e-5


def test_concurrent_calls_are_serialised() -> None:
    """Calls share the argument descriptors and the workspace; calls from several threads
    at once must each get their own inputs' results."""
    model, _ = _residual()
    cm = dnnf.compile(model)
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal(MAP).astype(np.float32) for _ in range(4)]
    expected = [cm(x)[0] for x in xs]

    def work(k: int) -> bool:
        return all(np.array_equal(cm(xs[k])[0], expected[k]) for _ in range(20))

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(4)))


def test_unfused_chain_buffers_share_one_slot() -> None:
    model, feeds = _chain()
    cm = dnnf.compile(model, fuse=False)
    assert cm.stats["kernels"] == 5
    assert cm.stats["buffer_bytes"] == 2 * MAP_BYTES
    assert cm.stats["arena_bytes"] == MAP_BYTES  # two buffers, one slot
    (got,) = cm(feeds["x"])
    (expected,) = run_onnxruntime(model, feeds)
    assert max_rel_error(got, expected) <= 1e-5
    fused = dnnf.compile(model)
    assert fused.stats["kernels"] == 1
    assert fused.stats["arena_bytes"] == 0


LIFETIMES = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8), st.integers(1, 5000)),
                     min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(LIFETIMES)
def test_placement_never_overlaps_live_buffers(spans: list[tuple[int, int, int]]) -> None:
    buffers = [Buffer(None, -(-size // ALIGN) * ALIGN, first, first + length)  # type: ignore[arg-type]
               for first, length, size in spans]
    total = place(buffers)
    for i, a in enumerate(buffers):
        assert a.offset % ALIGN == 0
        assert a.offset + a.size <= total
        for b in buffers[i + 1:]:
            live_together = a.first <= b.last and b.first <= a.last
            if live_together:
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
    # Never more than every buffer side by side, never less than what is live at once.
    assert total <= sum(b.size for b in buffers)
    peak = max(sum(b.size for b in buffers if b.first <= t <= b.last)
               for t in range(0, 40))
    assert total >= peak
