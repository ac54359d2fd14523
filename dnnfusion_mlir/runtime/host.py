"""Run an LLVM-dialect module on the host through MLIR's ExecutionEngine.

The entry function takes, in order: model inputs, weights (bound once here, at load time),
then one out-parameter per model output (`buffer-results-to-out-params`), all as ranked
memref descriptors through the `_mlir_ciface_` C interface.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ExecutionEngine, get_ranked_memref_descriptor, ir


def _descriptor_ptr(array: np.ndarray) -> ctypes._Pointer:
    return ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(array)))


class HostRunner:
    """A JIT-compiled entry point with its weights bound."""

    def __init__(
        self,
        llvm_module: ir.Module,
        weights: Sequence[np.ndarray],
        output_specs: Sequence[tuple[tuple[int, ...], np.dtype]],
        entry: str = "main",
        opt_level: int = 3,
    ) -> None:
        try:
            self._engine = ExecutionEngine(llvm_module, opt_level=opt_level)
        except Exception as exc:  # the engine reports LLVM failures as generic errors
            raise errors.LoweringError(f"JIT compilation failed: {exc}") from exc
        self._func = self._engine.lookup(entry)
        # Keep the weight arrays alive: descriptors point into their buffers.
        self._weights = [np.ascontiguousarray(w) for w in weights]
        self._weight_ptrs = [_descriptor_ptr(w) for w in self._weights]
        self._outputs = list(output_specs)

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Call the kernel; inputs must already have the right shapes and dtypes."""
        arrays = [np.ascontiguousarray(a) for a in inputs]
        outs = [np.empty(shape, dtype=dtype) for shape, dtype in self._outputs]
        ptrs = [_descriptor_ptr(a) for a in arrays] + self._weight_ptrs
        ptrs += [_descriptor_ptr(o) for o in outs]
        packed = (ctypes.c_void_p * len(ptrs))()
        for i, p in enumerate(ptrs):
            packed[i] = ctypes.cast(p, ctypes.c_void_p)
        self._func(packed)
        return outs
