"""Print the Extended Computational Graph of each function (an analysis; for lit tests).

Matches: every `dnnf` op of every `func.func` (constants are shown as `const` inputs).
Rewrites: nothing; prints one line per op to stdout: index, op name, `@`location name,
mapping type (per-operand types in parentheses where a broadcast operand is One-to-Many),
result shape, result bytes, estimated FLOPs, bytes moved, producers -> consumers.
Sound because: the IR is left unchanged.
"""

from __future__ import annotations

import sys

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.ecg import ECG

NAME = "dnnf-print-ecg"
DESCRIPTION = "Print the ECG (mapping types, shapes, bytes, FLOPs, edges) of each function."


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    sys.stdout.write(ECG(op).text() + "\n")
    sys.stdout.flush()
