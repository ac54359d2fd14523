"""`compile()`: model in, callable compiled model out (DESIGN.md §5)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import func, ir
from dnnfusion_mlir.codegen.block_ir import functions, inline_blocks
from dnnfusion_mlir.codegen.prepack import Prepack
from dnnfusion_mlir.codegen.schedule import ScheduleResult, apply_schedule
from dnnfusion_mlir.codegen.to_llvm import lower_to_llvm, translate_to_llvm_ir
from dnnfusion_mlir.ecg import estimate_flops
from dnnfusion_mlir.fusion.options import FusionOptions, fusion_options
from dnnfusion_mlir.fusion.profiler import profiler_for
from dnnfusion_mlir.importer.onnx_importer import ImportedModel, TensorSpec, import_onnx
from dnnfusion_mlir.passes.dnnf_plan_buffers import WORKSPACE_MARK, workspace_bytes
from dnnfusion_mlir.pipeline import (
    BLOCK_ELEMENTWISE_FUSION,
    FUSION_PASSES,
    LOWER_PASSES,
    REWRITE_PASSES,
    run_passes,
)
from dnnfusion_mlir.rewriting import rewrite_options, weight_table
from dnnfusion_mlir.runtime.host import HostRunner
from dnnfusion_mlir.stats import dnnf_stats, fusion_stats

TARGETS = ("host", "aarch64")


class CompiledModel:
    """A compiled model: call it with numpy arrays, in graph input order."""

    def __init__(self, imported: ImportedModel, texts: dict[str, str], llvm_module: ir.Module,
                 weights: list[np.ndarray], stats: dict[str, Any],
                 output_map: list[int] | None = None, target: str = "host") -> None:
        self.target = target
        self.inputs: list[TensorSpec] = imported.inputs
        self.outputs: list[TensorSpec] = imported.outputs
        self.stats = stats
        self.weights = weights  # entry-function weight arguments, in order
        #: Bytes of the entry's trailing workspace argument (0: it has none); the runner
        #: allocates it once and every call reuses it (`dnnf-plan-buffers`).
        self.workspace_bytes = int(stats.get("workspace_bytes", 0))
        self._texts = texts
        self._llvm_module = llvm_module
        self._output_map = output_map or list(range(len(self.outputs)))
        self._distinct_outputs = self._output_map == list(range(len(self.outputs)))
        distinct = {j: self.outputs[i] for i, j in enumerate(self._output_map)}
        if target == "aarch64":  # runs under qemu-aarch64, built on the first call
            from dnnfusion_mlir.runtime.qemu import QemuRunner

            self._runner: Any = QemuRunner(self)
            return
        self._runner = HostRunner(llvm_module, [i.shape for i in self.inputs], weights,
                                  [(distinct[j].shape, distinct[j].dtype)
                                   for j in range(len(distinct))], self.workspace_bytes)

    def llvm_ir(self) -> str:
        """LLVM IR text of the compiled module (for llc)."""
        with self._llvm_module.context:
            return translate_to_llvm_ir(self._llvm_module)

    def save(self, directory: str | os.PathLike, cpu: str | None = None,
             mattr: Sequence[str] | str | None = None) -> dict[str, Any]:
        """Write model.h/model.c/weights, model.o and libmodel.so (runtime/c_api.py)."""
        from dnnfusion_mlir.runtime.c_api import save_model

        return save_model(self, directory, cpu=cpu, mattr=mattr)

    def __call__(self, *arrays: np.ndarray) -> list[np.ndarray]:
        if len(arrays) != len(self.inputs):
            names = ", ".join(s.name for s in self.inputs)
            raise TypeError(f"expected {len(self.inputs)} inputs ({names}), got {len(arrays)}")
        results = self._runner.run([self._check(s, a) for s, a in zip(self.inputs, arrays,
                                                                      strict=True)])
        if self._distinct_outputs:
            return results
        # Outputs that were one value get separate arrays, as onnxruntime returns them.
        seen: set[int] = set()
        outs = []
        for j in self._output_map:
            outs.append(results[j] if j not in seen else results[j].copy())
            seen.add(j)
        return outs

    def run(self, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Run with inputs given by name."""
        missing = [s.name for s in self.inputs if s.name not in feeds]
        if missing:
            raise TypeError(f"missing inputs: {', '.join(missing)}")
        return self(*(feeds[s.name] for s in self.inputs))

    def mlir(self, stage: str = "dnnf") -> str:
        """IR text of a stage: dnnf, rewritten, fused, linalg or llvm."""
        if stage not in self._texts:
            raise ValueError(f"unknown stage '{stage}'; one of {', '.join(self._texts)}")
        return self._texts[stage]

    @staticmethod
    def _check(spec: TensorSpec, array: Any) -> np.ndarray:
        arr = np.asarray(array)
        if arr.dtype != spec.dtype:
            if arr.dtype.kind == spec.dtype.kind or np.can_cast(arr.dtype, spec.dtype, "same_kind"):
                arr = arr.astype(spec.dtype)
            else:
                raise TypeError(f"input '{spec.name}': expected {spec.dtype}, got {arr.dtype}")
        if tuple(arr.shape) != spec.shape:
            raise ValueError(f"input '{spec.name}': expected shape {list(spec.shape)}, "
                             f"got {list(arr.shape)}")
        return arr


def _text(module: ir.Module) -> str:
    return module.operation.get_asm(large_elements_limit=16, large_resource_limit=64)


def compile(
    model: str | os.PathLike | bytes | onnx.ModelProto | Any,
    target: str = "host",
    fuse: bool = True,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rewrite: bool = True,
    fast_math: bool = True,
    example_inputs: Sequence[Any] | None = None,
    profile: bool | str | os.PathLike | None = False,
) -> CompiledModel:
    """Compile an ONNX model (path, bytes or ModelProto) or a torch.nn.Module traced on
    `example_inputs` for `target`.

    `rewrite` runs the algebraic graph rewrites (DESIGN.md §3); `fast_math` allows the ones
    that change floating-point rounding (reassociation, exp/log identities). `fuse` runs the
    DNNFusion planner and makes each block one kernel (DESIGN.md §4); `profile` (True or a
    database path) decides its Y cells by timing candidate blocks on this machine, cached
    in an on-disk profiling database, instead of by the analytic cost model alone.
    """
    if target not in TARGETS:
        raise errors.CompileError(f"unknown target '{target}'; supported: {', '.join(TARGETS)}")
    if isinstance(model, str | os.PathLike | bytes | onnx.ModelProto):
        imported = import_onnx(model, input_shapes)
    else:  # a torch.nn.Module; torch stays optional, imported only on this path
        from dnnfusion_mlir.importer.torch_importer import import_torch

        imported = import_torch(model, example_inputs)
    with imported.module.context, ir.Location.unknown():
        return _compile_imported(imported, target, fuse, rewrite, fast_math, profile)


def _compile_imported(imported: ImportedModel, target: str, fuse: bool, rewrite: bool,
                      fast_math: bool, profile: bool | str | os.PathLike | None = False
                      ) -> CompiledModel:
    module = imported.module
    texts = {"dnnf": _text(module)}
    stats: dict[str, Any] = {"onnx_nodes": imported.onnx_nodes}
    stats.update(dnnf_stats(module, "import"))
    stats["flops_before_rewrite"] = estimate_flops(module)
    # The weight table lets rewrites read and create dense_resource weights (BN folding).
    with rewrite_options(fast_math) as counts, weight_table(imported.weights):
        run_passes(module, REWRITE_PASSES if rewrite else ())
    texts["rewritten"] = _text(module)
    stats.update(dnnf_stats(module, "rewrite"))
    stats["flops_after_rewrite"] = estimate_flops(module)
    stats["rewrites"] = dict(sorted(counts.items()))
    stats["blocks"] = []
    if fuse:
        profiler = profiler_for(profile, target)
        with (fusion_options(FusionOptions(profitable=profiler)) as opts,
              weight_table(imported.weights)):
            run_passes(module, FUSION_PASSES)
        stats.update(fusion_stats(opts.plans))
        if profiler is not None:
            stats["profiling"] = {"measured": profiler.measured, "hits": profiler.hits,
                                  "fallbacks": profiler.fallbacks}
    texts["fused"] = _text(module)
    lowered = lower_module(module, target, fuse)
    texts["linalg"] = lowered.linalg_text
    stats["kernels"] = lowered.scheduled.kernels
    stats["arena_bytes"] = lowered.arena_bytes
    stats["buffer_bytes"] = lowered.buffer_bytes
    stats["workspace_bytes"] = lowered.workspace_bytes
    for block in stats["blocks"]:
        block["kernels"] = lowered.scheduled.nests.get(block["name"], 0)
    texts["llvm"] = _text(module)
    weights = lowered.weights(imported.weights, len(imported.inputs))
    return CompiledModel(imported, texts, module, weights, stats, lowered.output_map, target)


@dataclass
class Lowered:
    """What lowering a planned `dnnf` module produced: the weight key of each hoisted
    argument, graph output -> entry result, the schedule result, the linalg text, the
    bytes of the planned buffer arena and of the buffers in it (`dnnf-plan-buffers`), and
    the bytes of the entry's workspace argument (the arena; 0: no such argument)."""

    keys: list[str]
    output_map: list[int]
    scheduled: ScheduleResult
    linalg_text: str
    arena_bytes: int
    buffer_bytes: int
    workspace_bytes: int

    def weights(self, table: Mapping[str, np.ndarray], first: int) -> list[np.ndarray]:
        """Weight arrays in argument order (`first` = number of model inputs), pre-packed."""
        return [_prepacked(table[k], self.scheduled.prepacked.get(first + i))
                for i, k in enumerate(self.keys)]


def lower_module(module: ir.Module, target: str, fuse: bool) -> Lowered:
    """A `dnnf` module (fusion blocks already outlined when `fuse`) to the LLVM dialect, in
    place: hoist weights, lower to linalg, fuse within blocks, schedule, inline, lower."""
    keys = _lower(module, fuse)
    output_map = dedupe_results(_main_func(module))
    linalg_text = _text(module)
    scheduled = apply_schedule(module, target, fuse_elementwise=False)
    inline_blocks(module)
    arena, buffers = lower_to_llvm(module, target)
    return Lowered(keys, output_map, scheduled, linalg_text, arena, buffers,
                   workspace_bytes(module))


def _prepacked(weight: np.ndarray, prepack: Prepack | None) -> np.ndarray:
    return weight if prepack is None else prepack.apply(weight)


def _lower(module: ir.Module, fuse: bool) -> list[str]:
    """dnnf -> linalg; returns the weight key of each hoisted argument, in order."""
    from dnnfusion_mlir.passes.dnnf_hoist_weights import weight_keys

    run_passes(module, LOWER_PASSES)
    if fuse:
        run_passes(module, BLOCK_ELEMENTWISE_FUSION)
    main = _main_func(module)
    main.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
    main.attributes[WORKSPACE_MARK] = ir.UnitAttr.get()
    keys = [k for k in weight_keys(main) if k is not None]
    _mark_read_only(main)
    return keys


def _mark_read_only(main: ir.Operation) -> None:
    """Bufferization must never write into inputs or weights (the caller's buffers)."""
    n = len(ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value).inputs)
    old = list(ir.ArrayAttr(main.attributes["arg_attrs"])) if "arg_attrs" in main.attributes \
        else [ir.DictAttr.get({}) for _ in range(n)]
    new = []
    for d in old:
        entries = {named.name: named.attr for named in ir.DictAttr(d)}
        entries["bufferization.writable"] = ir.BoolAttr.get(False)
        new.append(ir.DictAttr.get(entries))
    main.attributes["arg_attrs"] = ir.ArrayAttr.get(new)


def _main_func(module: ir.Module) -> ir.Operation:
    return functions(module)["main"]


def dedupe_results(main: ir.Operation) -> list[int]:
    """Return each distinct value once; map graph output i -> entry result index.

    Two graph outputs can be one SSA value (after rewrites/canonicalization); returning it
    twice would alias two out-params, which bufferization does not support.
    """
    ret = main.regions[0].blocks[0].operations[-1]
    values = list(ret.operands)
    unique: list[ir.Value] = []
    mapping = []
    for v in values:
        index = next((i for i, u in enumerate(unique) if u == v), None)
        if index is None:
            unique.append(v)
            index = len(unique) - 1
        mapping.append(index)
    if len(unique) < len(values):
        with ir.InsertionPoint(ret), ret.location:
            func.ReturnOp(unique)
        ret.erase()
        ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
        main.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(ftype.inputs, [u.type for u in unique]))
    return mapping
