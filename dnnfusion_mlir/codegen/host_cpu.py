"""The host CPU's vector registers, for the tile sizes of the `host` target.

The JIT compiles for the machine it runs on, so register tiles must fit *its* vector
unit: with AVX-512 a matmul tile of 8 rows x 2 registers keeps 16 of 32 zmm registers as
accumulators; the same tile on an AVX2-only CPU needs 32 ymm registers of 16 and spills
(`python -m dnnfusion_mlir.tools.bench_kernels` on an AVX2 EPYC: matmul 18 GFLOP/s with
that tile, 43 with 4 rows; docs/benchmarks.md).
Read from /proc/cpuinfo's flags (Linux); elsewhere AVX2 is assumed. `DNNF_HOST_VECTOR_BITS`
(512, 256 or 128) overrides the detection, e.g. to build for another x86 machine.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

ENV = "DNNF_HOST_VECTOR_BITS"


@dataclass(frozen=True)
class VectorUnit:
    """f32 lanes of one vector register and the number of vector registers."""

    lanes: int
    registers: int

    @property
    def bits(self) -> int:
        """Width of one vector register."""
        return self.lanes * 32


#: Vector width in bits -> the x86 vector unit (AVX-512: 32 zmm; AVX/AVX2: 16 ymm; SSE).
X86 = {512: VectorUnit(16, 32), 256: VectorUnit(8, 16), 128: VectorUnit(4, 16)}


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def vector_bits(flags: set[str]) -> int:
    """Widest f32 vector the flags allow (256 when unknown)."""
    if not flags:
        return 256
    if "avx512f" in flags:
        return 512
    return 256 if "avx" in flags else 128


@functools.cache
def host_vector_unit() -> VectorUnit:
    """The vector unit the `host` target's tiles are sized for."""
    override = os.environ.get(ENV)
    if override:
        if int(override) not in X86:
            raise ValueError(f"{ENV}={override}: expected one of {sorted(X86)}")
        return X86[int(override)]
    return X86[vector_bits(_cpu_flags())]
