"""Lower scheduled linalg-on-tensors to the LLVM dialect, and translate to LLVM IR.

`lower_to_llvm` runs the upstream pipeline in place: one-shot bufferization (results
become trailing out-param memrefs), copies to loops, vector/scf/memref/math/arith/func
to LLVM.  The result is ready for ``ExecutionEngine(module, opt_level=3)`` on the host
or for `translate_to_llvm_ir` (then ``llc``) for another target.

The generated code calls no MLIR runtime-library function: every ``memref.copy`` left by
bufferization is rewritten to ``linalg.copy`` (and so to loops) before lowering, and math
ops become LLVM intrinsics or libm calls (``expf``, ``tanhf``, ``erff``, ...).
"""

from __future__ import annotations

import ctypes

from dnnfusion_mlir._mlir import capi_library, ir, linalg, passmanager
from dnnfusion_mlir.passes import dnnf_plan_buffers
from dnnfusion_mlir.pipeline import build_pass_manager

#: Passes before the ``memref.copy`` rewrite: bufferize, results -> out-params.
BUFFERIZE_PASSES: tuple[str, ...] = (
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map}",
    "buffer-results-to-out-params{hoist-static-allocs=true modify-public-functions=true}",
    "cse",
    "canonicalize",
)

#: Passes after the rewrite: loops, the static memory plan, deallocation, conversion to
#: the LLVM dialect. Tile buffers (a fused producer's slice, a padded input window) are
#: allocated inside the tile loops; with the loops sequential, the allocations are hoisted
#: out of them (one buffer reused by every iteration instead of a malloc/free per tile).
#: Then `dnnf-plan-buffers` (ours) places every non-escaping static buffer in one arena by
#: lifetime, so a call makes one allocation and buffers are reused by the compiler's plan.
#: `dnnf-approximate-math` (ours) makes f32 exp, tanh and erf polynomials on vector lanes:
#: LLVM would otherwise call libm's scalar expf / tanhf / erff once per lane.
LOWER_PASSES: tuple[str, ...] = (
    "func.func(scf-forall-to-for)",
    "func.func(buffer-hoisting)",
    "func.func(buffer-loop-hoisting)",
    "dnnf-plan-buffers",
    "func.func(convert-linalg-to-loops)",
    "buffer-deallocation-pipeline",
    "func.func(convert-vector-to-scf{full-unroll=true})",
    "dnnf-approximate-math",
    "lower-affine",
    "convert-scf-to-cf",
    "expand-strided-metadata",
    "lower-affine",
    "finalize-memref-to-llvm",
    "convert-math-to-llvm",
    "convert-math-to-libm",
    "convert-vector-to-llvm{reassociate-fp-reductions=true}",
    "convert-arith-to-llvm",
    "convert-index-to-llvm",
    "convert-func-to-llvm",
    "convert-cf-to-llvm",
    "convert-ub-to-llvm",
    "reconcile-unrealized-casts",
)

TARGETS = ("host", "aarch64")


def _pipeline(passes: tuple[str, ...]) -> str:
    return "builtin.module(" + ",".join(passes) + ")"


def pipeline(target: str = "host") -> str:
    """The whole pass pipeline as text (the copy rewrite shown as a comment-like marker)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r} (expected one of {TARGETS})")
    return _pipeline((*BUFFERIZE_PASSES, "<memref.copy -> linalg.copy>", *LOWER_PASSES))


PIPELINE_HOST = pipeline("host")


def _copies(root: ir.Operation) -> list[ir.Operation]:
    found = []
    for region in root.regions:
        for block in region.blocks:
            for op in block.operations:
                if op.operation.name == "memref.copy":
                    found.append(op.operation)
                found += _copies(op.operation)
    return found


def copies_to_linalg(module: ir.Module) -> int:
    """Rewrite every ``memref.copy`` into ``linalg.copy``; returns how many were rewritten."""
    copies = _copies(module.operation)
    with module.context, ir.Location.unknown():
        for op in copies:
            with ir.InsertionPoint(op):
                linalg.copy(op.operands[0], outs=[op.operands[1]])
            op.erase()
    return len(copies)


def lower_to_llvm(module: ir.Module, target: str = "host") -> tuple[int, int]:
    """Lower a (scheduled) linalg-on-tensors module to the LLVM dialect, in place; returns
    the bytes of the planned buffer arena and of the buffers placed in it
    (`dnnf-plan-buffers`)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r} (expected one of {TARGETS})")
    with module.context:
        passmanager.PassManager.parse(_pipeline(BUFFERIZE_PASSES)).run(module.operation)
        copies_to_linalg(module)
        build_pass_manager(LOWER_PASSES).run(module.operation)
    return dnnf_plan_buffers.planned_bytes(module)


# ------------------------------------------------------------------ LLVM IR text


def _capsule_pointer(capsule: object) -> int:
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    name = api.PyCapsule_GetName(capsule)
    ptr = api.PyCapsule_GetPointer(capsule, name)
    if not ptr:
        raise RuntimeError("null MLIR C API pointer")
    return int(ptr)


def translate_to_llvm_ir(module: ir.Module) -> str:
    """LLVM IR text of a module already in the LLVM dialect (``mlir-translate`` equivalent)."""
    lib = capi_library()
    lib.mlirRegisterAllLLVMTranslations.argtypes = [ctypes.c_void_p]
    lib.mlirRegisterAllLLVMTranslations.restype = None
    lib.mlirTranslateModuleToLLVMIRToString.argtypes = [ctypes.c_void_p]
    lib.mlirTranslateModuleToLLVMIRToString.restype = ctypes.c_void_p
    lib.mlirRegisterAllLLVMTranslations(_capsule_pointer(module.context._CAPIPtr))
    raw = lib.mlirTranslateModuleToLLVMIRToString(_capsule_pointer(module.operation._CAPIPtr))
    if not raw:
        raise RuntimeError("translation to LLVM IR failed (is the module in the LLVM dialect?)")
    try:
        return ctypes.string_at(raw).decode()
    finally:
        libc = ctypes.CDLL(None)
        libc.free.argtypes = [ctypes.c_void_p]
        libc.free(raw)
