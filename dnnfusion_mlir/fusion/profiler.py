"""Profiling-based profitability of Y cells (DESIGN.md §4, `compile(..., profile=...)`).

`Profiler` is a `Profitable`: for a Y cell it takes the candidate sub-graph (the block's
ops plus the candidate), looks its signature up in the profiling database and, on a miss,
measures it: the sub-graph becomes a standalone module (`@main` taking every external
input, weights included, as a plain argument and returning every value read outside the
sub-graph), compiled twice through our pipeline — all ops in one block, and each op in its
own block — and both are timed on the host on random inputs. Fuse when the fused kernel is
faster; both times are stored, so the next compile of the model measures nothing.

The signature is the sha256 of a canonical text of the sub-graph: op names, attributes,
operand/result types, which values leave the sub-graph and the edges between the ops, with
values numbered by position — independent of SSA names, locations and constant values
(weights of the same shape time the same).

A candidate our pipeline cannot compile on its own falls back to the analytic model and
records nothing. Everything runs in the model's MLIR context (a second context would
reload the `dnnf` dialect and release the first, see `importer.new_context`).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import func, ir
from dnnfusion_mlir.codegen.block_ir import functions, inline_blocks
from dnnfusion_mlir.codegen.host_cpu import host_vector_unit
from dnnfusion_mlir.codegen.prepack import Prepack
from dnnfusion_mlir.codegen.schedule import apply_schedule
from dnnfusion_mlir.codegen.to_llvm import lower_to_llvm
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import ECG
from dnnfusion_mlir.fusion.plan import Block, FusionPlan, Planner, Profitable
from dnnfusion_mlir.fusion.profile_db import Measurement, ProfileDB
from dnnfusion_mlir.fusion.profitability import analytic
from dnnfusion_mlir.fusion.table import Cell
from dnnfusion_mlir.passes.dnnf_fusion_plan import outline
from dnnfusion_mlir.passes.dnnf_plan_buffers import WORKSPACE_MARK, workspace_bytes
from dnnfusion_mlir.pipeline import BLOCK_ELEMENTWISE_FUSION, LOWER_PASSES, run_passes
from dnnfusion_mlir.runtime.host import HostRunner
from dnnfusion_mlir.runtime.memref import aligned
from dnnfusion_mlir.types import shape_and_dtype

#: Bump when the signature text, the measurement method or the code generated for a block
#: changes (old rows then miss). v2: matmul weights packed in column panels. v3: feeds on
#: the runner's alignment (before, a misaligned feed's per-call copy was timed too). v4:
#: buffers placed in one arena (`dnnf-plan-buffers`). v5: that arena is a workspace
#: allocated once, so no timed call pays a `malloc` or its page faults (also covers the
#: peeled conv/pool width tiles, the LRN window in its scale's tile and ConvTranspose as a
#: named conv, which came after v4 without a bump).
SIGNATURE_VERSION = 5
REPEATS = 5
#: Timing of one candidate (both variants, all repeats) stops after about this long.
BUDGET_SECONDS = 1.0
#: One timed repeat calls the kernel often enough to last about this long (timer noise).
MIN_REPEAT_SECONDS = 1e-3
MAX_CALLS_PER_REPEAT = 100
WEIGHT_ATTR = "dnnf.weight"
Spec = tuple[tuple[int, ...], np.dtype]


@dataclass
class SubGraph:
    """A candidate block cut out of a function (values still belong to the model)."""

    ops: list[ir.Operation]  # program order
    mappings: list[MappingType]  # each op's own mapping type
    inputs: list[ir.Value]  # external operands, in order of first use
    weights: list[bool]  # per input: a `dense_resource` weight
    constants: list[ir.Value]  # small dense constants, cloned into the module
    outputs: list[ir.Value]  # results read outside the sub-graph (or returned)


def _constant_kind(value: ir.Value) -> str | None:
    """"weight" / "constant" for a `dnnf.constant` result, None for anything else."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "dnnf.constant":
        return None
    text = str(owner.operation.attributes["value"])
    return "weight" if text.startswith("dense_resource<") else "constant"


def extract(planner: Planner, members: list[int]) -> SubGraph:
    """The sub-graph of ECG nodes `members` of `planner`."""
    nodes = [planner.nodes[i] for i in sorted(members)]
    sub = SubGraph([n.op for n in nodes], [n.mapping for n in nodes], [], [], [], [])
    inside = set(sub.ops)
    for op in sub.ops:
        for v in op.operands:
            if not isinstance(v.owner, ir.Block) and v.owner.operation in inside:
                continue
            kind = _constant_kind(v)
            if kind == "constant":
                if v not in sub.constants:
                    sub.constants.append(v)
            elif v not in sub.inputs:
                sub.inputs.append(v)
                sub.weights.append(kind == "weight")
    sub.outputs = [r for op in sub.ops for r in op.results
                   if any(u.owner.operation not in inside for u in r.uses)]
    return sub


def _is_splat(value: ir.Value) -> bool:
    try:
        return bool(ir.DenseElementsAttr(value.owner.operation.attributes["value"]).is_splat)
    except (ValueError, TypeError):
        return False


def canonical_text(sub: SubGraph) -> str:
    """The sub-graph as text with positional value names (what the signature hashes)."""
    names: dict[ir.Value, str] = {}
    lines = [f"signature v{SIGNATURE_VERSION}"]
    for i, (v, weight) in enumerate(zip(sub.inputs, sub.weights, strict=True)):
        names[v] = f"%in{i}"
        lines.append(f"%in{i} = {'weight' if weight else 'input'} : {v.type}")
    for i, v in enumerate(sub.constants):
        names[v] = f"%c{i}"
        lines.append(f"%c{i} = {'splat' if _is_splat(v) else 'dense'} : {v.type}")
    for k, op in enumerate(sub.ops):
        results = []
        for j, r in enumerate(op.results):
            names[r] = f"%{k}.{j}"
            results.append(names[r] + ("!out" if r in sub.outputs else ""))
        attrs = ", ".join(f"{a} = {op.attributes[a]}" for a in sorted(op.attributes))
        operands = ", ".join(names[v] for v in op.operands)
        types = ", ".join(str(v.type) for v in op.operands)
        rtypes = ", ".join(str(r.type) for r in op.results)
        lines.append(f"{', '.join(results)} = {op.name}({operands}) {{{attrs}}} : "
                     f"({types}) -> ({rtypes})")
    return "\n".join(lines)


def signature(sub: SubGraph) -> str:
    """sha256 hex digest of `canonical_text(sub)`."""
    return hashlib.sha256(canonical_text(sub).encode()).hexdigest()


def build_module(sub: SubGraph) -> ir.Module:
    """A new module (in the sub-graph's context) whose public `@main` computes `sub`.

    Weight arguments are tagged `dnnf.weight` (so codegen may pre-pack them as it does in
    the model) and every argument is read-only, as compile() marks the model's.
    """
    with sub.ops[0].context, ir.Location.unknown():
        module = ir.Module.create()
        ftype = ir.FunctionType.get([v.type for v in sub.inputs],
                                    [v.type for v in sub.outputs])
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ftype)
        main.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
        main.attributes[WORKSPACE_MARK] = ir.UnitAttr.get()
        main.attributes["arg_attrs"] = ir.ArrayAttr.get([_arg_attrs(i, w) for i, w in
                                                         enumerate(sub.weights)])
        entry = main.add_entry_block()
        remap = dict(zip(sub.inputs, entry.arguments, strict=True))
        with ir.InsertionPoint(entry):
            for c in sub.constants:
                remap[c] = c.owner.operation.clone().results[0]
            for op in sub.ops:
                new = op.clone()
                for i, v in enumerate(op.operands):
                    new.operands[i] = remap[v]
                remap.update(zip(op.results, new.results, strict=True))
            func.ReturnOp([remap[v] for v in sub.outputs])
    return module


def _arg_attrs(index: int, weight: bool) -> ir.Attribute:
    entries: dict[str, ir.Attribute] = {"bufferization.writable": ir.BoolAttr.get(False)}
    if weight:
        entries[WEIGHT_ATTR] = ir.StringAttr.get(f"w{index}")
    return ir.DictAttr.get(entries)


@dataclass
class Kernel:
    """A compiled standalone module and the shapes/dtypes of its arguments and results."""

    module: ir.Module  # kept alive while the runner exists
    runner: HostRunner
    inputs: list[Spec]
    outputs: list[Spec]
    prepacked: dict[int, Prepack]  # argument -> load-time transform of its weight


def _main_of(module: ir.Module) -> ir.Operation:
    return functions(module)["main"]


def _signature_specs(main: ir.Operation) -> tuple[list[Spec], list[Spec]]:
    ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    try:
        return ([shape_and_dtype(t) for t in ftype.inputs],
                [shape_and_dtype(t) for t in ftype.results])
    except KeyError as exc:
        raise errors.DTypeError(f"cannot profile element type {exc}") from exc


def compile_partitioned(module: ir.Module, partition: list[tuple[list[int], MappingType]],
                        target: str = "host") -> Kernel:
    """Compile a `dnnf` module whose public `@main` is not yet outlined, forcing the fusion
    plan: `partition` lists each block's ECG node indices and mapping type, in an order
    where every block follows its producers. Runs compile()'s stages after the plan."""
    with module.context, ir.Location.unknown():
        main = _main_of(module)
        blocks = [Block(i, nodes, mapping) for i, (nodes, mapping) in enumerate(partition)]
        outline(main, FusionPlan(ECG(main), blocks, []))
        run_passes(module, LOWER_PASSES)
        run_passes(module, BLOCK_ELEMENTWISE_FUSION)
        scheduled = apply_schedule(module, target, fuse_elementwise=False)
        inputs, outputs = _signature_specs(_main_of(module))  # after weight pre-packing
        inline_blocks(module)
        lower_to_llvm(module, target)
    runner = HostRunner(module, [shape for shape, _ in inputs], [], outputs,
                        workspace_bytes(module))
    return Kernel(module, runner, inputs, outputs, scheduled.prepacked)


def _random(spec: Spec, rng: np.random.Generator) -> np.ndarray:
    """A feed for one input, on the runner's alignment: a misaligned feed would be copied
    by every timed call (`HostRunner.run`), and that copy timed with the kernel."""
    shape, dtype = spec
    if dtype.kind == "f":
        return aligned(rng.uniform(0.5, 1.5, shape).astype(dtype))
    # Integer inputs may be indices (gather): zeros are always in range.
    return aligned(np.zeros(shape, dtype))


def _timed(kernel: Kernel, feed: list[np.ndarray], calls: int) -> float:
    """Seconds per call of `calls` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        kernel.runner.run(feed)
    return max(time.perf_counter() - start, 1e-9) / calls


def time_kernels(kernels: list[Kernel], repeats: int = REPEATS,
                 budget: float = BUDGET_SECONDS) -> tuple[list[float], int]:
    """(best seconds per call of each kernel, timed samples per kernel).

    The first call warms up and sizes the rest; then up to `repeats` repeats, fewer when
    they would exceed `budget` seconds in all (slow kernels: the warm-up call is then the
    only sample). Repeats are interleaved so drift in machine load hits all kernels alike.
    """
    rng = np.random.default_rng(0)
    feeds = [[_random(s, rng) for s in k.inputs] for k in kernels]
    best = [_timed(k, feed, 1) for k, feed in zip(kernels, feeds, strict=True)]
    calls = [max(1, min(MAX_CALLS_PER_REPEAT, int(MIN_REPEAT_SECONDS / t))) for t in best]
    per_repeat = sum(t * c for t, c in zip(best, calls, strict=True))
    rounds = max(0, min(repeats, int(budget / per_repeat)))
    for _ in range(rounds):
        for i, (k, feed) in enumerate(zip(kernels, feeds, strict=True)):
            best[i] = min(best[i], _timed(k, feed, calls[i]))
    return best, 1 + rounds


class Profiler:
    """A `Profitable` deciding Y cells by measurement, cached in a `ProfileDB`.

    Per candidate: one warm-up call of each variant, then up to `repeats` timed repeats
    within `budget` seconds. Counters: `measured` (new measurements stored), `hits`
    (answered from the database), `fallbacks` (candidates that did not compile alone,
    answered by `fallback`).
    """

    def __init__(self, db: ProfileDB, target: str = "host", repeats: int = REPEATS,
                 budget: float = BUDGET_SECONDS, fallback: Profitable = analytic) -> None:
        if target != "host":
            raise errors.CompileError(f"profiling needs target 'host' (got '{target}'): "
                                      "blocks are timed on this machine")
        self.db = db
        self.target = target
        # Rows are per vector unit: the tile sizes (and so the timings) follow it.
        self.db_target = f"{target}/{host_vector_unit().bits}-bit"
        self.repeats = repeats
        self.budget = budget
        self.fallback = fallback
        self.measured = self.hits = self.fallbacks = 0

    def __call__(self, planner: Planner, block: list[int], cand: int, cell: Cell) -> bool:
        sub = extract(planner, [*block, cand])
        if cell.result is None or not sub.outputs:
            return self.fallback(planner, block, cand, cell)
        key = signature(sub)
        found = self.db.get(self.db_target, key)
        if found is not None:
            self.hits += 1
            return found.fuse
        measured = self.measure(sub, cell.result, key)
        if measured is None:
            self.fallbacks += 1
            return self.fallback(planner, block, cand, cell)
        self.measured += 1
        return measured.fuse

    def measure(self, sub: SubGraph, fused_mapping: MappingType,
                key: str) -> Measurement | None:
        """Compile `sub` fused and op by op, time both and store them (None: no compile)."""
        ops = list(range(len(sub.ops)))
        try:
            fused = compile_partitioned(build_module(sub), [(ops, fused_mapping)],
                                        self.target)
            unfused = compile_partitioned(build_module(sub),
                                          [([i], m) for i, m in enumerate(sub.mappings)],
                                          self.target)
        except (errors.CompileError, ir.MLIRError):
            return None
        (t_fused, t_unfused), samples = time_kernels([fused, unfused], self.repeats,
                                                     self.budget)
        return self.db.put(self.db_target, key, t_fused, t_unfused, samples)


def profiler_for(profile: bool | str | os.PathLike[str] | ProfileDB | None,
                 target: str = "host") -> Profiler | None:
    """compile()'s `profile` argument: False/None = no profiling, True = the default
    database, a path (or a `ProfileDB`) = that database."""
    if profile is None or profile is False:
        return None
    if isinstance(profile, ProfileDB):
        return Profiler(profile, target)
    return Profiler(ProfileDB(None if profile is True else profile), target)


__all__ = ["Profiler", "SubGraph", "build_module", "canonical_text", "compile_partitioned",
           "extract", "profiler_for", "signature", "time_kernels"]
