"""Errors raised for bad input: each names the model node, its op type and the reason.

CLIs turn any `CompileError` into one line on stderr and exit 1 (see tools/_cli.py).
"""

from __future__ import annotations


class CompileError(Exception):
    """Base class: a model could not be compiled. `node` and `op_type` may be empty."""

    kind = "compile error"

    def __init__(self, reason: str, *, node: str = "", op_type: str = "") -> None:
        self.reason = reason
        self.node = node
        self.op_type = op_type
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.node:
            where.append(f"node '{self.node}'")
        if self.op_type:
            where.append(f"op {self.op_type}")
        prefix = f"{self.kind}: " + (" ".join(where) + ": " if where else "")
        return prefix + self.reason


class UnsupportedOpError(CompileError):
    """An operator (or an attribute value of it) that we cannot compile."""

    kind = "unsupported op"


class DynamicShapeError(CompileError):
    """A dimension with no static value (give it with input_shapes=...)."""

    kind = "dynamic shape"


class MalformedModelError(CompileError):
    """The file is not a valid ONNX model (truncated, corrupt, fails the checker)."""

    kind = "malformed model"


class DTypeError(CompileError):
    """An element type we do not support where it appears."""

    kind = "unsupported dtype"


class LoweringError(CompileError):
    """An internal failure while lowering or running the MLIR pipeline."""

    kind = "lowering error"


class ToolchainError(CompileError):
    """An external tool (llc, cross gcc, qemu) is missing; the message names the package."""

    kind = "missing toolchain"


class InvalidIRError(CompileError):
    """MLIR input that does not parse or verify (dnnf-opt)."""

    kind = "invalid IR"
