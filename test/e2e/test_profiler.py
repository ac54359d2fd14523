"""Profiling-based fusion decisions (fusion/profiler.py, DESIGN.md §4): the first plan of a
model measures its Y cells into the database, the second measures nothing and plans the
same; the standalone block modules compute the same values fused and unfused; a candidate
that does not compile falls back without recording anything. Timings are never asserted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import ECG
from dnnfusion_mlir.fusion import profiler as profiling
from dnnfusion_mlir.fusion.options import FusionOptions, fusion_options
from dnnfusion_mlir.fusion.plan import FusionPlan, Planner, plan_fusion
from dnnfusion_mlir.fusion.profile_db import ENV_VAR, ProfileDB
from dnnfusion_mlir.fusion.profiler import Profiler, profiler_for
from dnnfusion_mlir.fusion.table import Cell
from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.pipeline import FUSION_PASSES, REWRITE_PASSES, run_passes
from dnnfusion_mlir.rewriting import rewrite_options, weight_table
from dnnfusion_mlir.runtime.memref import ALIGNMENT, aligned
from dnnfusion_mlir.testing import make_model, run_onnxruntime


def conv_relu_transpose() -> onnx.ModelProto:
    """conv -> relu (G) -> transpose: the shuffle joins the M2M block by a Y cell."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Transpose", ["r"], ["y"], perm=[0, 2, 3, 1])]
    weights = {"w": rng.standard_normal((8, 4, 3, 3)).astype(np.float32),
               "b": rng.standard_normal(8).astype(np.float32)}
    return make_model(nodes, {"x": ((1, 4, 8, 8), np.float32)}, ["y"], weights)


def attention() -> onnx.ModelProto:
    """matmul -> softmax -> matmul: CORF Y cells between Many-to-Many ops."""
    rng = np.random.default_rng(1)
    nodes = [helper.make_node("MatMul", ["q", "k"], ["s"]),
             helper.make_node("Softmax", ["s"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    weights = {"k": rng.standard_normal((16, 16)).astype(np.float32),
               "v": rng.standard_normal((16, 16)).astype(np.float32)}
    return make_model(nodes, {"q": ((8, 16), np.float32)}, ["y"], weights)


MANY_TO_MANY = MappingType.MANY_TO_MANY
MODELS = {"conv_relu_transpose": conv_relu_transpose, "attention": attention}


def _plan_shape(plan: FusionPlan) -> list[list[str]]:
    return [[plan.ecg.nodes[n].name for n in b.nodes] for b in plan.blocks]


def _profiled_plans(model: onnx.ModelProto, profiler: Profiler) -> list[list[list[str]]]:
    """Import + rewrite `model`, then run the fusion-plan pass deciding Y cells by
    `profiler`; returns each plan's blocks as op names."""
    imported = import_onnx(model)
    with imported.module.context, ir.Location.unknown():
        with rewrite_options(True), weight_table(imported.weights):
            run_passes(imported.module, REWRITE_PASSES)
        with fusion_options(FusionOptions(corf=True, profitable=profiler)) as opts:
            run_passes(imported.module, FUSION_PASSES)
        return [_plan_shape(p) for p in opts.plans]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_second_plan_measures_nothing_and_agrees(name: str, tmp_path: Path) -> None:
    path = tmp_path / "profile.sqlite"
    first = Profiler(ProfileDB(path), repeats=2)
    plans = _profiled_plans(MODELS[name](), first)
    assert first.measured >= 1
    assert first.fallbacks == 0
    assert len(ProfileDB(path)) == first.measured
    second = Profiler(ProfileDB(path), repeats=2)
    assert _profiled_plans(MODELS[name](), second) == plans
    assert second.measured == 0
    assert second.hits == first.measured + first.hits  # every Y cell from the database


def _planner(model: onnx.ModelProto) -> tuple[Planner, ir.Module]:
    imported = import_onnx(model)
    with imported.module.context:
        main = imported.module.body.operations[0].operation
        return Planner(ECG(main), corf=True), imported.module


def _variants(model: onnx.ModelProto, members: list[int]
              ) -> tuple[profiling.Kernel, profiling.Kernel, profiling.SubGraph]:
    """`members` of `model` compiled as one block and op by op (as `Profiler` does)."""
    planner, module = _planner(model)
    with module.context:
        sub = profiling.extract(planner, members)
        fused = profiling.compile_partitioned(
            profiling.build_module(sub), [(list(range(len(members))), MANY_TO_MANY)])
        unfused = profiling.compile_partitioned(
            profiling.build_module(sub), [([i], m) for i, m in enumerate(sub.mappings)])
    return fused, unfused, sub


def _feed(kernel: profiling.Kernel, given: dict[int, np.ndarray]) -> list[np.ndarray]:
    rng = np.random.default_rng(2)
    feed = [given.get(i, rng.standard_normal(shape).astype(dtype))
            for i, (shape, dtype) in enumerate(kernel.inputs)]
    for i, prepack in kernel.prepacked.items():  # weights the kernel expects pre-packed
        feed[i] = prepack.apply(feed[i])
    return feed


def test_block_modules_compute_the_model() -> None:
    model = conv_relu_transpose()
    fused, unfused, sub = _variants(model, [0, 1, 2])
    assert sub.weights == [False, True]  # x, W
    assert len(sub.constants) == 1  # the bias, cloned into the module
    weight = onnx.numpy_helper.to_array(model.graph.initializer[0])
    x = np.random.default_rng(3).standard_normal((1, 4, 8, 8)).astype(np.float32)
    expected = run_onnxruntime(model, {"x": x})[0]
    for kernel in (fused, unfused):
        got = kernel.runner.run(_feed(kernel, {0: x, 1: weight}))[0]
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("members", [[0, 1], [1, 2], [0, 1, 2]])
def test_fused_and_unfused_block_modules_agree(members: list[int]) -> None:
    fused, unfused, sub = _variants(attention(), members)
    assert len(sub.outputs) == 1
    assert fused.inputs == unfused.inputs
    assert fused.outputs == unfused.outputs
    np.testing.assert_allclose(fused.runner.run(_feed(fused, {}))[0],
                               unfused.runner.run(_feed(unfused, {}))[0], rtol=1e-4, atol=1e-5)


def test_timing_respects_repeats_and_budget() -> None:
    fused, unfused, _ = _variants(attention(), [1, 2])
    times, samples = profiling.time_kernels([fused, unfused], repeats=3, budget=60.0)
    assert samples == 1 + 3
    assert all(t > 0 for t in times)
    _, samples = profiling.time_kernels([fused, unfused], repeats=3, budget=0.0)
    assert samples == 1  # over budget: the warm-up call is the only sample


def test_timing_feeds_are_aligned_so_no_call_copies_them() -> None:
    # numpy places large arrays 16 bytes past a page start; such a feed would be copied to
    # an aligned buffer by every timed call, and that copy timed with the kernel.
    rng = np.random.default_rng(0)
    for shape, dtype in [((1, 96, 27, 27), np.float32), ((7,), np.float32), ((3, 5), np.int64)]:
        feed = profiling._random((shape, np.dtype(dtype)), rng)
        assert feed.shape == shape
        assert feed.dtype == dtype
        assert feed.ctypes.data % ALIGNMENT == 0
        assert aligned(feed) is feed


@pytest.mark.parametrize("answer", [True, False])
def test_compile_failure_falls_back_and_records_nothing(
        answer: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise errors.LoweringError("cannot compile this block alone")

    asked: list[int] = []

    def fallback(_p: Planner, _block: list[int], cand: int, _cell: Cell) -> bool:
        asked.append(cand)
        return answer

    monkeypatch.setattr(profiling, "compile_partitioned", broken)
    db = ProfileDB(tmp_path / "p.sqlite")
    profiler = Profiler(db, fallback=fallback)
    planner, module = _planner(conv_relu_transpose())
    with module.context:
        plan = plan_fusion(planner.ecg, profiler, corf=True)
    assert asked
    assert profiler.fallbacks == len(asked)
    assert profiler.measured == 0
    assert len(db) == 0
    assert [d.fused for d in plan.decisions if d.reason in ("profitable", "not profitable")
            ] == [answer] * len(asked)


def test_profile_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert profiler_for(False) is None
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.sqlite"))
    default = profiler_for(True)
    assert default is not None
    assert default.db.path == tmp_path / "env.sqlite"
    assert profiler_for(None) is None
    made = profiler_for(str(tmp_path / "given.sqlite"))
    assert made is not None
    assert made.db.path == tmp_path / "given.sqlite"
    db = ProfileDB(tmp_path / "own.sqlite")
    given = profiler_for(db)
    assert given is not None
    assert given.db is db
    with pytest.raises(errors.CompileError, match="target 'host'"):
        profiler_for(db, target="aarch64")
