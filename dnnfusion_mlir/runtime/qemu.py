"""Run an AArch64 build of a compiled model under user-mode qemu, numpy in and out.

`QemuRunner` saves the model with the C API (`runtime.c_api.save_model`), links it with a
generic C test harness (``harness.c``, below) using ``aarch64-linux-gnu-gcc`` and runs

    qemu-aarch64 -L /usr/aarch64-linux-gnu harness IN_DIR OUT_DIR [REPEAT]

The harness reads graph input ``i`` from ``IN_DIR/input_<i>.bin`` (raw C-contiguous bytes),
runs the model, and writes output ``i`` to ``OUT_DIR/output_<i>.bin``; sizes come from the
C API metadata, so the harness source is the same for every model. The build happens once,
on the first run, in a temporary directory owned by the runner.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir.codegen import aarch64
from dnnfusion_mlir.runtime.c_api import ModelSpec, save_model

HARNESS_C = r"""/* dnnfusion-mlir test harness: harness IN_DIR OUT_DIR [REPEAT] (runtime/qemu.py) */
#include <stdio.h>
#include <stdlib.h>
#include "model.h"

static void *buffer(size_t n) { return aligned_alloc(64, (n + 63) / 64 * 64 + 64); }

static int transfer(const char *dir, const char *kind, int i, void *data, size_t n, int out) {
  char path[4096];
  FILE *f;
  size_t done;
  snprintf(path, sizeof path, "%s/%s_%d.bin", dir, kind, i);
  if (!(f = fopen(path, out ? "wb" : "rb"))) { perror(path); return 1; }
  done = out ? fwrite(data, 1, n, f) : fread(data, 1, n, f);
  fclose(f);
  if (done != n) { fprintf(stderr, "%s: %zu of %zu bytes\n", path, done, n); return 1; }
  return 0;
}

int main(int argc, char **argv) {
  void *in[DNNF_NUM_INPUTS + 1], *out[DNNF_NUM_OUTPUTS + 1];
  int repeat = argc > 3 ? atoi(argv[3]) : 1;
  dnnf_model *m;
  if (argc < 3) { fprintf(stderr, "usage: %s IN_DIR OUT_DIR [REPEAT]\n", argv[0]); return 2; }
  for (int i = 0; i < dnnf_num_inputs(); ++i) {
    size_t n = dnnf_input_info(i)->nbytes;
    if (!(in[i] = buffer(n)) || transfer(argv[1], "input", i, in[i], n, 0)) return 3;
  }
  for (int i = 0; i < dnnf_num_outputs(); ++i)
    if (!(out[i] = buffer(dnnf_output_info(i)->nbytes))) return 3;
  if (!(m = dnnf_init())) return 4;
  for (int r = 0; r < repeat; ++r)
    if (dnnf_run(m, (const void *const *)in, out)) return 5;
  for (int i = 0; i < dnnf_num_outputs(); ++i)
    if (transfer(argv[2], "output", i, out[i], dnnf_output_info(i)->nbytes, 1)) return 6;
  dnnf_free(m);
  return 0;
}
"""


def build_harness(cm: Any, directory: str | Path, cpu: str | None = None,
                  mattr: Sequence[str] | str | None = None) -> Path:
    """Save `cm` for AArch64 into `directory` and link the harness; returns its path."""
    out = Path(directory)
    save_model(cm, out, cpu=cpu, mattr=mattr, target="aarch64", shared=False)
    (out / "harness.c").write_text(HARNESS_C)
    aarch64.cross_cc(["-O2", "-std=c11", "harness.c", "model.o", "-o", "harness", "-lm"],
                     cwd=out)
    return out / "harness"


def run_harness(harness: str | Path, spec: ModelSpec, inputs: Sequence[np.ndarray],
                workdir: str | Path, timeout: float | None = None) -> list[np.ndarray]:
    """Run `harness` under qemu on `inputs`; returns every graph output, in order."""
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    for i, (t, a) in enumerate(zip(spec.inputs, inputs, strict=True)):
        np.ascontiguousarray(a, dtype=t.dtype).tofile(work / f"input_{i}.bin")
    cmd = aarch64.qemu_command(harness, str(work), str(work))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise errors.ToolchainError(f"qemu-aarch64 timed out after {timeout} s") from exc
    if proc.returncode != 0:
        raise errors.ToolchainError(f"harness under qemu-aarch64 failed (exit "
                                    f"{proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return [np.fromfile(work / f"output_{i}.bin", dtype=t.dtype).reshape(t.shape)
            for i, t in enumerate(spec.outputs)]


class QemuRunner:
    """The `HostRunner` interface (``run(inputs) -> results``) for an AArch64 build.

    Returns one array per distinct entry-function result (what `CompiledModel` expects).
    """

    def __init__(self, cm: Any, cpu: str | None = None,
                 mattr: Sequence[str] | str | None = None, timeout: float | None = 600) -> None:
        self._cm = cm
        self._cpu, self._mattr, self._timeout = cpu, mattr, timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._harness: Path | None = None

    def _build(self) -> Path:
        missing = aarch64.missing_tools()
        if missing:
            raise errors.ToolchainError("running an aarch64 model needs " + ", ".join(missing)
                                        + "; install with: apt-get install "
                                        + " ".join(aarch64.PACKAGES[m.split()[0]]
                                                   for m in missing))
        self._tmp = tempfile.TemporaryDirectory(prefix="dnnf-aarch64-")
        return build_harness(self._cm, self._tmp.name, self._cpu, self._mattr)

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run the model under qemu; inputs must have the right shapes and dtypes."""
        if self._harness is None:
            self._harness = self._build()
        spec = ModelSpec.from_compiled(self._cm)
        assert self._tmp is not None
        outs = run_harness(self._harness, spec, inputs, Path(self._tmp.name) / "io",
                           self._timeout)
        return [outs[i] for i in spec.distinct_outputs]
