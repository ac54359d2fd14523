"""`dnnfusion_mlir.bench` and `dnnf-bench` on a tiny model: structure of the result, never
timing values (they depend on the machine)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper

from dnnfusion_mlir import bench as bench_lib
from dnnfusion_mlir.bench import FUSED, ORT, UNFUSED, BenchResult, bench
from dnnfusion_mlir.testing import make_model
from dnnfusion_mlir.tools import _bench_processes as bench_processes
from dnnfusion_mlir.tools import bench as bench_tool
from dnnfusion_mlir.tools._cli import run_cli

REPEAT = 2


@pytest.fixture(scope="module")
def tiny() -> onnx.ModelProto:
    """Add a bias, Relu, multiply by the input, Tanh: four element-wise nodes."""
    bias = np.linspace(-1, 1, 64, dtype=np.float32)
    return make_model(
        [helper.make_node("Add", ["x", "b"], ["t"]), helper.make_node("Relu", ["t"], ["u"]),
         helper.make_node("Mul", ["u", "x"], ["v"]), helper.make_node("Tanh", ["v"], ["y"])],
        {"x": ((4, 64), np.float32)}, ["y"], initializers={"b": bias})


@pytest.fixture(scope="module")
def result(tiny: onnx.ModelProto) -> BenchResult:
    return bench(tiny, name="tiny", repeat=REPEAT, warmup=1)


def _optimized_node_count(model: onnx.ModelProto, path: Path) -> int:
    """Nodes of onnxruntime's optimised graph, built here independently of the library."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.optimized_model_filepath = str(path)
    options.log_severity_level = 3
    ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return len(onnx.load(str(path)).graph.node)


def test_kernel_counts(result: BenchResult, tiny: onnx.ModelProto, tmp_path: Path) -> None:
    fused, unfused = result.variants[FUSED].kernels, result.variants[UNFUSED].kernels
    for count in (fused, unfused, result.ort_nodes, result.ort_nodes_no_constant):
        assert isinstance(count, int)
        assert count > 0
    assert fused <= unfused
    assert result.ort_nodes == _optimized_node_count(tiny, tmp_path / "opt.onnx")
    assert result.variants[ORT].kernels == result.ort_nodes
    assert result.ort_nodes_no_constant <= result.ort_nodes


def test_times_ratios_and_errors(result: BenchResult) -> None:
    assert list(result.variants) == [FUSED, UNFUSED, ORT]
    for variant in result.variants.values():
        assert len(variant.times_ms) == REPEAT
        assert all(t > 0 and math.isfinite(t) for t in variant.times_ms)
        assert variant.min_ms <= variant.median_ms
        assert variant.compile_s >= 0
        ratio = result.time_ratio(variant.name)
        assert ratio > 0
        assert math.isfinite(ratio)
    assert result.time_ratio(ORT) == 1.0
    assert math.isfinite(result.time_ratio(FUSED, UNFUSED))
    assert result.kernel_ratio == result.variants[FUSED].kernels / result.ort_nodes_no_constant
    assert 0 <= result.max_rel_error <= 1e-4
    assert result.variants[ORT].max_rel_error == 0.0


def test_json_has_every_number(result: BenchResult) -> None:
    data = json.loads(json.dumps(result.to_dict()))
    assert data["model"] == "tiny"
    assert data["repeat"] == REPEAT
    assert data["jit_threads"] == 1
    assert data["variants"][FUSED]["kernels"] == result.variants[FUSED].kernels
    assert data["variants"][ORT]["kernels"] == result.ort_nodes
    for variant in data["variants"].values():
        assert {"median_ms", "min_ms", "times_ms", "compile_s", "time_vs_onnxruntime"} <= set(
            variant)
    assert data["kernel_ratio_fused_vs_onnxruntime"] == result.kernel_ratio
    assert data["fused_vs_unfused_time"] == result.time_ratio(FUSED, UNFUSED)
    assert data["fused_vs_unfused_paired"] == list(result.paired_ratio(FUSED))


def test_tables(result: BenchResult) -> None:
    text = bench_lib.format_result(result)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("variant"))
    assert lines[start].split()[:3] == ["variant", "kernels", "median"]
    # Each row: the variant name, then kernels, median, min, ratio and compile time.
    rows = {line.rsplit(None, 5)[0]: line.rsplit(None, 5)[1:] for line in lines[start + 1:start + 4]}
    assert list(rows) == [FUSED, UNFUSED, ORT]
    assert rows[ORT][0] == str(result.ort_nodes)
    assert rows[FUSED][0] == str(result.variants[FUSED].kernels)
    assert rows[ORT][3] == "1.00x"
    assert "note:" not in text
    summary = bench_lib.format_summary([result, result]).splitlines()
    assert summary[0].split()[:3] == ["model", "fused", "kernels"]
    assert summary[1].split()[:4] == ["tiny", str(result.variants[FUSED].kernels),
                                      str(result.variants[UNFUSED].kernels),
                                      str(result.ort_nodes)]
    assert summary[-1].startswith(f"geometric mean of kernels fused / onnxruntime: "
                                  f"{result.kernel_ratio:.2f} (2 models)")


def test_paired_ratio_cancels_drift() -> None:
    """Fused is 0.9x of unfused in every round while the machine slows down 3x over the
    run: the ratio of medians is off, the per-round ratio is not."""
    slow = [1.0 + 2.0 * i / 99 for i in range(100)]
    unfused = [10.0 * f for f in slow]
    fused = [9.0 * f for f in slow]
    variants = {FUSED: bench_lib.Variant(FUSED, 1, 0.0, fused),
                UNFUSED: bench_lib.Variant(UNFUSED, 2, 0.0, unfused),
                ORT: bench_lib.Variant(ORT, 1, 0.0, unfused)}
    result = BenchResult("drift", 1, 100, 0, 0, variants, 1, 1)
    assert result.paired_ratio(FUSED) == pytest.approx((0.9, 0.9, 0.9))
    shuffled = dict(variants)
    shuffled[FUSED] = bench_lib.Variant(FUSED, 1, 0.0, fused[50:] + fused[:50])
    skewed = BenchResult("drift", 1, 100, 0, 0, shuffled, 1, 1)
    assert skewed.time_ratio(FUSED, UNFUSED) == pytest.approx(0.9)  # same medians
    _, low, high = skewed.paired_ratio(FUSED)
    assert low < 0.9 < high  # rounds no longer paired: a wide interval, honestly
    assert "per round: 0.90x [0.90, 0.90]" in bench_lib.format_result(result)


def test_median_interval() -> None:
    ordered = list(range(100))
    low, high = bench_lib.median_interval(ordered)
    assert (low, high) == (39, 60)  # the 40th and 61st of 100: P(40 <= Bin(100, 1/2) <= 60)
    assert bench_lib.median_interval([3.0]) == (3.0, 3.0)
    assert bench_lib.median_interval([1.0, 2.0]) == (1.0, 2.0)


def test_geometric_mean_and_threads_note() -> None:
    assert bench_lib.geometric_mean([1.0, 4.0]) == pytest.approx(2.0)
    assert math.isnan(bench_lib.geometric_mean([]))
    assert bench_lib.geometric_mean([2.0, math.nan, 8.0]) == pytest.approx(4.0)
    assert bench_lib.threads_note(1) is None
    note = bench_lib.threads_note(4)
    assert note is not None
    assert "4 intra-op threads" in note
    assert "single-threaded" in note


def test_bad_arguments(tiny: onnx.ModelProto) -> None:
    with pytest.raises(ValueError, match="repeat >= 1"):
        bench(tiny, repeat=0)
    with pytest.raises(ValueError, match="copies >= 1"):
        bench(tiny, copies=0)


def test_copies_take_the_median_copy_per_round(tiny: onnx.ModelProto,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Three compiled copies of each of ours, each timed every round; the variant's round
    time is the median of its copies' (fake, distinct) times."""
    fake = {f"{FUSED} #0": [1.0, 5.0], f"{FUSED} #1": [3.0, 4.0], f"{FUSED} #2": [2.0, 9.0],
            f"{UNFUSED} #0": [6.0, 6.0], f"{UNFUSED} #1": [7.0, 8.0],
            f"{UNFUSED} #2": [8.0, 7.0], ORT: [1.5, 1.5]}
    timed: list[str] = []

    def round_robin(runners: dict, arrays: list, warmup: int, repeat: int) -> dict:
        timed.extend(runners)
        for run in runners.values():
            run(arrays)  # every copy is a working compiled model
        return fake

    monkeypatch.setattr(bench_lib, "time_round_robin", round_robin)
    r = bench(tiny, name="tiny", repeat=2, warmup=0, copies=3)
    assert sorted(timed) == sorted(fake)
    assert r.copies == 3
    assert r.variants[FUSED].times_ms == [2.0, 5.0]
    assert r.variants[UNFUSED].times_ms == [7.0, 7.0]
    assert r.variants[ORT].times_ms == [1.5, 1.5]
    assert r.variants[FUSED].max_rel_error <= 1e-6
    assert "copies: 3" in bench_lib.format_result(r)
    assert r.to_dict()["copies"] == 3


def test_cli_json_and_check_exit(tiny: onnx.ModelProto, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    model, out = str(tmp_path / "tiny.onnx"), str(tmp_path / "out.json")
    onnx.save(tiny, model)
    args = [model, "--repeat", "1", "--warmup", "0", "--threads", "2", "--json", out]
    assert run_cli(bench_tool._main, args) == 0
    text = capsys.readouterr().out
    assert "note: onnxruntime runs with 2 intra-op threads" in text
    data = json.loads(Path(out).read_text())
    assert data["threads"] == 2
    assert data["model"] == model
    # Every error exceeds a negative tolerance: the check fails unless --no-check.
    assert run_cli(bench_tool._main, [*args, "--rtol", "-1"]) == 1
    assert "check failed: " in capsys.readouterr().err
    assert run_cli(bench_tool._main, [*args, "--rtol", "-1", "--no-check"]) == 0
    assert run_cli(bench_tool._main, [*args, "--copies", "2"]) == 0
    assert json.loads(Path(out).read_text())["copies"] == 2


@pytest.mark.parametrize(("args", "message"), [
    (["--family", "nope"], "unknown model family 'nope'; one of: mobilenet_v2, "),
    ([os.path.join("no", "such.onnx")], "cannot read"),
])
def test_cli_errors_are_one_line(args: list[str], message: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(bench_tool._main, args) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert message in err


def test_cli_all_families_summary(tiny: onnx.ModelProto, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """--all-families over two stand-in families: a summary row each, the mean, the JSON."""
    monkeypatch.setattr(bench_tool.model_zoo, "FAMILIES", {"one": None, "two": None})
    monkeypatch.setattr(bench_tool, "family_model", lambda name: tiny)
    out = tmp_path / "all.json"
    assert run_cli(bench_tool._main, ["--all-families", "--repeat", "1", "--json",
                                      str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("model  "))
    assert [line.split()[0] for line in lines[start + 1:start + 3]] == ["one", "two"]
    assert lines[start + 3].startswith("geometric mean of kernels fused / onnxruntime: ")
    data = json.loads(out.read_text())
    assert [r["model"] for r in data["results"]] == ["one", "two"]
    assert data["failed"] == {}
    ratios = [r["kernel_ratio_fused_vs_onnxruntime"] for r in data["results"]]
    assert data["geomean_kernel_ratio_fused_vs_onnxruntime"] == pytest.approx(
        math.sqrt(ratios[0] * ratios[1]))


def test_cli_processes(tiny: onnx.ModelProto, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """--processes 2: two child processes, each with its own JSON; one summary row whose
    median, min and max are those of the children's per-round ratios."""
    model, out = str(tmp_path / "tiny.onnx"), tmp_path / "procs.json"
    onnx.save(tiny, model)
    args = [model, "--repeat", "2", "--warmup", "0", "--processes", "2", "--json", str(out)]
    assert run_cli(bench_tool._main, args) == 0
    text = capsys.readouterr().out
    assert "across 2 processes" in text
    data = json.loads(out.read_text())
    assert len(data["processes"]) == 2
    assert all(run["model"] == model and run["repeat"] == 2 for run in data["processes"])
    paired = [run["fused_vs_unfused_paired"][0] for run in data["processes"]]
    summary = data["across_processes"][model]
    assert summary["fused_vs_unfused_paired"] == paired
    assert (summary["min"], summary["max"]) == (min(paired), max(paired))
    row = next(line for line in text.splitlines() if line.startswith(model))
    assert row.split()[1] == f"{summary['median']:.2f}x"


def test_cli_processes_child_failure_and_bad_count(tiny: onnx.ModelProto, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A child whose check fails makes the parent fail with one line; N < 1 is refused."""
    model = str(tmp_path / "tiny.onnx")
    onnx.save(tiny, model)
    args = [model, "--repeat", "1", "--warmup", "0", "--processes", "2", "--rtol", "-1"]
    assert run_cli(bench_tool._main, args) == 1
    err = capsys.readouterr().err.splitlines()
    assert "error: process 1 of 2 failed (exit code 1)" in err[-1]
    with pytest.raises(SystemExit):
        bench_tool._main([model, "--processes", "0"])
    with pytest.raises(SystemExit):
        bench_tool._main([model, "--copies", "0"])


def test_child_argv_drops_parent_options() -> None:
    assert bench_processes.child_argv(
        ["m.onnx", "--processes", "3", "--json=o.json", "--repeat", "5", "--json", "p"]) == [
        "m.onnx", "--repeat", "5"]


def test_round_robin_times_each_variant_warm_in_rotating_order() -> None:
    """Every timed run directly follows an untimed run of the same variant, and each
    variant is first in some round (no variant always inherits another's cache)."""
    calls: list[str] = []

    def runner(name: str) -> bench_lib.Runner:
        def run(_arrays: list[np.ndarray]) -> list[np.ndarray]:
            calls.append(name)
            return []
        return run

    names = ["a", "b", "c"]
    times = bench_lib.time_round_robin({n: runner(n) for n in names}, [], warmup=1, repeat=3)
    assert {n: len(t) for n, t in times.items()} == dict.fromkeys(names, 3)
    timed = calls[len(names):]  # after the warm-up round
    pairs = [timed[i:i + 2] for i in range(0, len(timed), 2)]
    assert all(p[0] == p[1] for p in pairs)  # warm run, then the timed run
    firsts = {pairs[r * len(names)][0] for r in range(3)}
    assert firsts == set(names)
