"""The one module that imports the MLIR Python bindings.

Everything else in dnnfusion-mlir gets `ir`, `passmanager`, the dialect builders and the
execution engine from here, so the provider (today the `torch-mlir` wheel, which bundles
upstream MLIR's Python package as `torch_mlir`) can be swapped in one place.
"""

import ctypes
import importlib
import os
from types import ModuleType

from torch_mlir import ir, passmanager, rewrite
from torch_mlir.dialects import arith, func, irdl, linalg, memref, tensor
from torch_mlir.dialects import ext as dialect_ext
from torch_mlir.dialects import math as math_dialect
from torch_mlir.execution_engine import ExecutionEngine
from torch_mlir.runtime import get_ranked_memref_descriptor

__all__ = [
    "ExecutionEngine",
    "arith",
    "capi_library",
    "dialect_ext",
    "func",
    "get_ranked_memref_descriptor",
    "ir",
    "irdl",
    "linalg",
    "math_dialect",
    "memref",
    "passmanager",
    "rewrite",
    "tensor",
    "tool_path",
    "torch_fx",
    "torch_fx_importer",
]

_LIBS_DIR = os.path.join(os.path.dirname(ir.__file__), "_mlir_libs")


def tool_path(name: str) -> str:
    """Path of a binary shipped with the bindings (e.g. ``torch-mlir-opt``)."""
    return os.path.join(_LIBS_DIR, name)


def capi_library() -> ctypes.CDLL:
    """The aggregate C API library (exports ``mlirTranslateModuleToLLVMIRToString``)."""
    return ctypes.CDLL(os.path.join(_LIBS_DIR, "libTorchMLIRAggregateCAPI.so"))


def torch_fx() -> ModuleType:
    """`torch_mlir.fx` (export_and_import), imported on first use: it imports torch,
    which is an optional dependency (ImportError when it is missing)."""
    return importlib.import_module("torch_mlir.fx")


def torch_fx_importer() -> ModuleType:
    """`torch_mlir.extras.fx_importer` (FxImporter, its hooks), imported on first use."""
    return importlib.import_module("torch_mlir.extras.fx_importer")
