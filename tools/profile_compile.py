"""Time the stages of `dnnf.compile` on a model-zoo family (a profiling aid, not a test).

    python -m dnnfusion_mlir.tools.profile_compile resnet50

Prints the seconds spent in import, the pass pipelines, scheduling, LLVM lowering and the
JIT, by wrapping the stage functions that `dnnfusion_mlir.compiler` calls.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any

import dnnfusion_mlir.compiler as compiler
from dnnfusion_mlir import model_zoo

STAGES = ("import_onnx", "run_passes", "apply_schedule", "lower_to_llvm", "HostRunner")


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        print(f"  {name:16s} {time.perf_counter() - start:7.2f} s", flush=True)
        return result

    return wrapper


def main(argv: list[str] | None = None) -> int:
    """Compile family argv[0] (default resnet50) with every stage timed."""
    name = (argv if argv is not None else sys.argv[1:] or ["resnet50"])[0]
    model = model_zoo.export(name)
    for stage in STAGES:
        setattr(compiler, stage, _timed(stage, getattr(compiler, stage)))
    start = time.perf_counter()
    cm = compiler.compile(model)
    print(f"total {time.perf_counter() - start:.2f} s, {cm.stats['kernels']} kernels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
