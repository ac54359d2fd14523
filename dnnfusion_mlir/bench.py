"""Ours (fused and unfused) against onnxruntime, in one process with the same thread count.

    result = bench(model, threads=1, repeat=20, warmup=3)   # model: .onnx path or ModelProto
    print(format_result(result))

onnxruntime runs with `intra_op_num_threads=threads`, one inter-op thread and every graph
optimisation (ORT_ENABLE_ALL); it writes its optimised graph to a temporary file, whose node
count is onnxruntime's kernel count. Our kernel count is `CompiledModel.stats["kernels"]`.
The three variants are timed round-robin (one timed run of each per round, right after an
untimed run of the same variant, in an order that rotates every round), so drift in the
machine's load or clock affects them alike and none is timed on another's cache contents.
`dnnf-bench` (tools/bench.py) is the CLI.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import onnx

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import max_rel_error
from dnnfusion_mlir.tools.run_model import random_inputs

ORT = "onnxruntime"
FUSED = "dnnf fused"
UNFUSED = "dnnf unfused"
Runner = Callable[[list[np.ndarray]], list[np.ndarray]]


@dataclass
class Variant:
    """One compiled form of the model: its kernel count, compile time and run times."""

    name: str
    kernels: int
    compile_s: float
    times_ms: list[float] = field(default_factory=list)
    max_rel_error: float = 0.0  # against onnxruntime's outputs (0 for onnxruntime itself)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def min_ms(self) -> float:
        return min(self.times_ms)


@dataclass
class BenchResult:
    """Everything one benchmark measured; `to_dict()` is what `--json` writes."""

    model: str
    threads: int
    repeat: int
    warmup: int
    seed: int
    variants: dict[str, Variant]
    ort_nodes: int  # nodes of onnxruntime's optimised graph
    ort_nodes_no_constant: int  # the same without Constant nodes (our counts skip constants)
    copies: int = 1  # compiled instances of each of ours; a round's time is their median

    def time_ratio(self, name: str, base: str = ORT) -> float:
        """Median time of variant `name` / median time of `base` (> 1: slower than base)."""
        return self.variants[name].median_ms / self.variants[base].median_ms

    def paired_ratio(self, name: str, base: str = UNFUSED) -> tuple[float, float, float]:
        """Median over rounds of (time of `name` / time of `base` in the same round), with
        a distribution-free 95% confidence interval of that median: (median, low, high).
        Both runs of a round are timed seconds apart, so drift of the machine's speed
        over the benchmark cancels in each ratio (it does not in `time_ratio`)."""
        ratios = sorted(a / b for a, b in zip(self.variants[name].times_ms,
                                              self.variants[base].times_ms, strict=True))
        return statistics.median(ratios), *median_interval(ratios)

    @property
    def kernel_ratio(self) -> float:
        """Our fused kernels / onnxruntime's non-Constant nodes (nan when it has none)."""
        if self.ort_nodes_no_constant == 0:
            return math.nan
        return self.variants[FUSED].kernels / self.ort_nodes_no_constant

    @property
    def max_rel_error(self) -> float:
        """The worse of fused and unfused against onnxruntime."""
        return max(self.variants[FUSED].max_rel_error, self.variants[UNFUSED].max_rel_error)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name, variant in self.variants.items():
            data["variants"][name].update(median_ms=variant.median_ms, min_ms=variant.min_ms,
                                          time_vs_onnxruntime=self.time_ratio(name))
        data.update(fused_vs_unfused_time=self.time_ratio(FUSED, UNFUSED),
                    fused_vs_unfused_paired=self.paired_ratio(FUSED),
                    kernel_ratio_fused_vs_onnxruntime=self.kernel_ratio,
                    max_rel_error=self.max_rel_error, jit_threads=1)
        return data


def count_nodes(model: onnx.ModelProto) -> tuple[int, int]:
    """(all nodes, nodes that are not Constant) of the main graph."""
    nodes = model.graph.node
    return len(nodes), sum(1 for n in nodes if n.op_type != "Constant")


def _ort_session(model: str | onnx.ModelProto, threads: int,
                 optimized_path: str) -> tuple[Any, float]:
    """An onnxruntime CPU session (ORT_ENABLE_ALL) saving its optimised graph; build time."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = optimized_path
    # Silence the warning that an ORT_ENABLE_ALL graph is specific to this machine: it is
    # only counted here, never reused.
    options.log_severity_level = 3
    source = model if isinstance(model, str) else model.SerializeToString()
    start = time.perf_counter()
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    return session, time.perf_counter() - start


def _ort_session_and_nodes(model: str | onnx.ModelProto, threads: int
                           ) -> tuple[Any, float, int, int]:
    """An onnxruntime session (`_ort_session`), its build time and its optimised graph's
    node counts (`count_nodes`)."""
    with tempfile.TemporaryDirectory(prefix="dnnf-bench-") as tmp:
        path = os.path.join(tmp, "optimized.onnx")
        session, seconds = _ort_session(model, threads, path)
        nodes, non_constant = count_nodes(onnx.load(path))
    return session, seconds, nodes, non_constant


def ort_kernels(model: str | onnx.ModelProto, threads: int = 1) -> int:
    """Nodes of onnxruntime's optimised graph that are not Constant (its kernel count, the
    one `kernel_ratio` divides by). It depends on the CPU: onnxruntime picks fusions by the
    instruction set it finds."""
    return _ort_session_and_nodes(model, threads)[3]


def _onnxruntime(model: str | onnx.ModelProto, threads: int,
                 names: Sequence[str]) -> tuple[Runner, Variant, int, int]:
    """onnxruntime's runner (inputs `names`, in order) and variant, plus its optimised
    graph's node counts."""
    session, seconds, nodes, non_constant = _ort_session_and_nodes(model, threads)

    def run(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return list(session.run(None, dict(zip(names, arrays, strict=True))))

    return run, Variant(ORT, nodes, seconds), nodes, non_constant


def _ours(model: str | onnx.ModelProto, fuse: bool,
          input_shapes: Mapping[str, Sequence[int]] | None) -> tuple[dnnf.CompiledModel, Variant]:
    """Our compiled model (fused or not) and its variant, timed from import to JIT."""
    start = time.perf_counter()
    cm = dnnf.compile(model, fuse=fuse, input_shapes=input_shapes)
    seconds = time.perf_counter() - start
    return cm, Variant(FUSED if fuse else UNFUSED, int(cm.stats["kernels"]), seconds)


def _runner(cm: dnnf.CompiledModel) -> Runner:
    def run(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return cm(*arrays)

    return run


def _copies(model: str | onnx.ModelProto, fuse: bool,
            input_shapes: Mapping[str, Sequence[int]] | None, copies: int
            ) -> tuple[list[dnnf.CompiledModel], Variant]:
    """`copies` compiled instances of one of ours, and its variant (the first's numbers)."""
    first, variant = _ours(model, fuse, input_shapes)
    return [first, *(_ours(model, fuse, input_shapes)[0] for _ in range(copies - 1))], variant


def worst_error(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> float:
    """Max relative error over all outputs; a differing output count or shape is an error."""
    if len(actual) != len(expected):
        raise ValueError(f"{len(actual)} outputs, onnxruntime has {len(expected)}")
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        if a.shape != e.shape:
            raise ValueError(f"output {i}: shape {list(a.shape)}, onnxruntime "
                             f"{list(e.shape)}")
    return max((max_rel_error(a, e) for a, e in zip(actual, expected, strict=True)),
               default=0.0)


def time_round_robin(runners: Mapping[str, Runner], arrays: list[np.ndarray], warmup: int,
                     repeat: int) -> dict[str, list[float]]:
    """Per-run milliseconds of each runner: `warmup` untimed rounds, then `repeat` timed.

    Every timed run directly follows an untimed run of the same runner, and the order of
    the runners rotates each round: each is timed with its own data in cache (the steady
    state of an inference loop), never right after another runner evicted it, and no
    runner always goes first.
    """
    for _ in range(warmup):
        for run in runners.values():
            run(arrays)
    times: dict[str, list[float]] = {name: [] for name in runners}
    order = list(runners)
    for r in range(repeat):
        for name in order[r % len(order):] + order[:r % len(order)]:
            run = runners[name]
            run(arrays)
            start = time.perf_counter()
            run(arrays)
            times[name].append((time.perf_counter() - start) * 1e3)
    return times


def bench(model: str | onnx.ModelProto, *, name: str | None = None, threads: int = 1,
          repeat: int = 10, warmup: int = 2, seed: int = 0,
          input_shapes: Mapping[str, Sequence[int]] | None = None,
          copies: int = 1) -> BenchResult:
    """Compile `model` fused and unfused, build onnxruntime, compare outputs, time all three.

    `copies` > 1 compiles each of ours that many times: every copy is timed in every round
    and the round's time of a variant is the median over its copies, so that where one
    compiled instance's code and buffers happen to land cannot decide the comparison (on
    this host three copies agreed within a process, docs/benchmarks.md). Compile times are
    the first copy's.
    """
    if threads < 1 or repeat < 1 or warmup < 0 or copies < 1:
        raise ValueError(f"need threads >= 1, repeat >= 1, warmup >= 0, copies >= 1 (got "
                         f"{threads}, {repeat}, {warmup}, {copies})")
    fused_cms, fused = _copies(model, True, input_shapes, copies)
    unfused_cms, unfused = _copies(model, False, input_shapes, copies)
    names = [spec.name for spec in fused_cms[0].inputs]
    ort_run, ort, nodes, non_constant = _onnxruntime(model, threads, names)
    arrays = random_inputs(fused_cms[0].inputs, seed)
    expected = ort_run(arrays)
    runners: dict[str, Runner] = {ORT: ort_run}
    for variant, cms in ((fused, fused_cms), (unfused, unfused_cms)):
        variant.max_rel_error = max(worst_error(cm(*arrays), expected) for cm in cms)
        runners.update({f"{variant.name} #{i}": _runner(cm) for i, cm in enumerate(cms)})
    times = time_round_robin(runners, arrays, warmup, repeat)
    ort.times_ms = times[ORT]
    for variant in (fused, unfused):
        per_copy = [times[f"{variant.name} #{i}"] for i in range(copies)]
        variant.times_ms = [statistics.median(round_) for round_ in zip(*per_copy, strict=True)]
    label = name or (model if isinstance(model, str) else model.graph.name)
    return BenchResult(label, threads, repeat, warmup, seed,
                       {v.name: v for v in (fused, unfused, ort)}, nodes, non_constant, copies)


def median_interval(ordered: Sequence[float]) -> tuple[float, float]:
    """A 95% confidence interval of the median of the sorted sample `ordered`: two order
    statistics, valid whatever the distribution of the sample (the number of values below
    the true median is Binomial(n, 1/2); its normal approximation picks the ranks)."""
    n = len(ordered)
    half = 0.98 * math.sqrt(n)  # 1.96 standard deviations of Binomial(n, 1/2)
    # Ranks (1-based) floor(n/2 - half) and ceil(1 + n/2 + half); n = 100: 40th and 61st.
    low = max(0, math.floor(n / 2 - half) - 1)
    high = min(n - 1, math.ceil(n / 2 + half))
    return ordered[low], ordered[high]


def geometric_mean(values: Sequence[float]) -> float:
    """Geometric mean of the finite positive values (nan if there are none)."""
    usable = [v for v in values if v > 0 and math.isfinite(v)]
    if not usable:
        return math.nan
    return math.exp(sum(math.log(v) for v in usable) / len(usable))


def threads_note(threads: int) -> str | None:
    """The caveat printed when onnxruntime gets more threads than our JIT code uses."""
    if threads <= 1:
        return None
    return (f"note: onnxruntime runs with {threads} intra-op threads; dnnf's JIT code is "
            f"single-threaded, so the dnnf rows use 1 thread")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, columns padded to their widest cell, first column left-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def format_result(r: BenchResult) -> str:
    """The per-model report: the variant table, then ratios, compile times and errors."""
    rows = [[v.name, str(v.kernels), f"{v.median_ms:.3f}", f"{v.min_ms:.3f}",
             f"{r.time_ratio(v.name):.2f}x", f"{v.compile_s:.3f}"] for v in r.variants.values()]
    fused, unfused = r.variants[FUSED], r.variants[UNFUSED]
    note = threads_note(r.threads)
    copies = f"  copies: {r.copies}" if r.copies > 1 else ""
    lines = [f"model: {r.model}  threads: {r.threads}  warmup: {r.warmup}  repeat: {r.repeat}"
             f"{copies}",
             *([note] if note else []),
             _table(["variant", "kernels", "median ms", "min ms", "time / onnxruntime",
                     "compile s"], rows),
             f"onnxruntime optimised graph: {r.ort_nodes} nodes, {r.ort_nodes_no_constant} "
             f"without Constant",
             f"fused / unfused time: {r.time_ratio(FUSED, UNFUSED):.2f}x; per round: "
             f"{_paired(r)}",
             f"kernels fused / onnxruntime: {r.kernel_ratio:.2f}",
             f"max relative error vs onnxruntime: fused {fused.max_rel_error:.2g}, "
             f"unfused {unfused.max_rel_error:.2g}"]
    return "\n".join(lines)


def _paired(r: BenchResult) -> str:
    """`paired_ratio` of fused vs unfused as text: median [95% interval]."""
    median, low, high = r.paired_ratio(FUSED)
    return f"{median:.2f}x [{low:.2f}, {high:.2f}]"


def format_summary(results: Sequence[BenchResult]) -> str:
    """One row per model, then the geometric mean of fused kernels / onnxruntime nodes."""
    rows = [[r.model, str(r.variants[FUSED].kernels), str(r.variants[UNFUSED].kernels),
             str(r.ort_nodes_no_constant), f"{r.time_ratio(FUSED):.2f}x",
             f"{r.time_ratio(UNFUSED):.2f}x", _paired(r), f"{r.max_rel_error:.2g}"]
            for r in results]
    header = ["model", "fused kernels", "unfused kernels", "ort nodes", "fused/ort time",
              "unfused/ort time", "fused/unfused per round [95%]", "max rel err"]
    mean = geometric_mean([r.kernel_ratio for r in results])
    return (_table(header, rows)
            + f"\ngeometric mean of kernels fused / onnxruntime: {mean:.2f} "
              f"({len(results)} models)")
