"""ONNX op type -> converter function, filled by the `ops_*` modules via `@converter`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

Converter = "Callable[[NodeContext], list[ir.Value]]"
CONVERTERS: dict[str, Callable[..., list]] = {}

# Modules holding converters; imported on first lookup so that registration is complete.
_FAMILIES = (
    "dnnfusion_mlir.importer.ops_elementwise",
    "dnnfusion_mlir.importer.ops_nn",
    "dnnfusion_mlir.importer.ops_shape",
    "dnnfusion_mlir.importer.ops_resample",
    "dnnfusion_mlir.importer.ops_reduce",
    "dnnfusion_mlir.importer.ops_extra",
)


def converter(*op_types: str) -> Callable[[Callable[..., list]], Callable[..., list]]:
    """Register the decorated function as the converter of `op_types`."""

    def register(fn: Callable[..., list]) -> Callable[..., list]:
        for op_type in op_types:
            if op_type in CONVERTERS:
                raise RuntimeError(f"two converters for ONNX op {op_type}")
            CONVERTERS[op_type] = fn
        return fn

    return register


def load_all() -> dict[str, Callable[..., list]]:
    """Import every converter family and return the table."""
    import importlib

    for module in _FAMILIES:
        importlib.import_module(module)
    return CONVERTERS


def supported_op_types() -> list[str]:
    """Sorted ONNX op types the importer converts."""
    return sorted(load_all())
