"""Run an LLVM-dialect module on the host through MLIR's ExecutionEngine.

The entry function takes, in order: model inputs, weights (bound once here, at load time),
one out-parameter per model output (`buffer-results-to-out-params`) and, when the model
has intermediate buffers, the workspace they live in (`dnnf-plan-buffers`; allocated once
here and reused by every call), all as ranked memref descriptors through the
`_mlir_ciface_` C interface. Calls are serialised by a lock: they share the descriptors
and the workspace.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ExecutionEngine, ir
from dnnfusion_mlir.runtime.memref import (
    ArgumentPack,
    aligned,
    aligned_at,
    aligned_empty,
    aligned_empty_at,
)


class HostRunner:
    """A JIT-compiled entry point with its weights bound."""

    def __init__(
        self,
        llvm_module: ir.Module,
        input_shapes: Sequence[tuple[int, ...]],
        weights: Sequence[np.ndarray],
        output_specs: Sequence[tuple[tuple[int, ...], np.dtype]],
        workspace_bytes: int = 0,
        entry: str = "main",
        opt_level: int = 2,
    ) -> None:
        try:
            self._engine = ExecutionEngine(llvm_module, opt_level=opt_level)
            self._func = self._engine.lookup(entry)
        except Exception as exc:  # the engine reports LLVM failures as generic errors
            raise errors.LoweringError(f"JIT compilation failed: {exc}") from exc
        # Keep the weight arrays alive: descriptors point into their buffers.
        self._weights = [aligned(np.asarray(w)) for w in weights]
        self._outputs = [(tuple(shape), np.dtype(dtype)) for shape, dtype in output_specs]
        self._first_out = len(input_shapes) + len(self._weights)
        # The kernels' scratch memory, faulted in once instead of on every call.
        self._workspace = [aligned_empty((workspace_bytes,), np.uint8)] if workspace_bytes else []
        shapes = [*input_shapes, *(w.shape for w in self._weights),
                  *(shape for shape, _ in self._outputs), *(w.shape for w in self._workspace)]
        self._pack = ArgumentPack(shapes)
        for i, w in enumerate(self._weights, len(input_shapes)):
            self._pack.bind(i, w)
        for i, w in enumerate(self._workspace, self._first_out + len(self._outputs)):
            self._pack.bind(i, w)
        self._lock = threading.Lock()

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Call the kernel; inputs must already have the right shapes and dtypes."""
        # Aligned buffers (copies of misaligned inputs): the vectorised kernels' loads
        # then never straddle cache lines, whatever numpy's allocator returned.
        bind = self._pack.bind
        # The copies are kept alive (`arrays`) until the call returns.
        arrays = [aligned_at(np.asarray(a)) for a in inputs]
        outs = [aligned_empty_at(shape, dtype) for shape, dtype in self._outputs]
        with self._lock:
            for i, (a, address) in enumerate(arrays):
                bind(i, a, address)
            for i, (out, address) in enumerate(outs, self._first_out):
                bind(i, out, address)
            self._func(self._pack.packed)
        return [out for out, _ in outs]
