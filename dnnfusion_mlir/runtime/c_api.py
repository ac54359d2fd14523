"""A small, stable C API for a compiled model: ``model.h`` + ``model.c`` + embedded weights.

`save_model(cm, directory)` writes, for ``target="aarch64"`` (cross tools) or ``"host"``:

* ``model.h``       -- the C API (below) and per-tensor metadata macros;
* ``model.c``       -- the wrapper: builds the memref descriptors, calls ``_mlir_ciface_main``;
* ``model_weights.S`` + ``model_weights.bin`` -- the weights, embedded by the assembler;
* ``model_kernels.o`` -- the generated code (``llc-22``);
* ``model.o``       -- one relocatable object holding all of the above (``gcc -r``);
* ``libmodel.so``   -- the same as a shared library.

Link ``model.o`` (or ``-lmodel``) with ``-lm``; nothing else, and no Python, is needed at
run time.  The C API::

    dnnf_model *dnnf_init(void);                  /* NULL when out of memory */
    int  dnnf_run(dnnf_model *m, const void *const *inputs, void *const *outputs);
    void dnnf_free(dnnf_model *m);
    int  dnnf_num_inputs(void), dnnf_num_outputs(void);
    const dnnf_tensor_info *dnnf_input_info(int i), *dnnf_output_info(int i);
    size_t dnnf_workspace_bytes(void);            /* scratch memory of one instance */

``inputs[i]`` / ``outputs[i]`` point to C-contiguous buffers of graph input/output ``i``
(``DNNF_INPUT_<i>_DTYPE``/``_SHAPE``/``_NUMEL``/``_NBYTES``; float32 is ``float``, int64 is
``int64_t``, bool is one byte per element). One `dnnf_model` must not be run by two threads
at once; separate instances may, since the weights are one shared read-only copy. Each
instance owns its workspace (the intermediate buffers' arena, `dnnf-plan-buffers`),
allocated by `dnnf_init` and reused by every `dnnf_run`: a run allocates nothing.

Weights: the weight arrays are concatenated (each at a 64-byte aligned offset, native
little-endian layout) into ``model_weights.bin``, and ``model_weights.S`` embeds that file
into a data section with the assembler's ``.incbin`` directive under the symbol
``dnnf_weights_blob``. We chose ``.incbin`` over a generated C array because it assembles
in milliseconds for any model size (a multi-megabyte C initialiser takes the C compiler
minutes) and over a sidecar file because the object is then self-contained. ``.incbin``
needs the GNU assembler (or clang's) on an ELF target and the ``.bin`` next to the ``.S``
(or ``-Wa,-I<dir>``) when assembling.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dnnfusion_mlir.codegen import aarch64

#: C API version, bumped on incompatible changes of `model.h`.
API_VERSION = 1
ALIGN = 64

_DTYPES = {"float32": "DNNF_FLOAT32", "float64": "DNNF_FLOAT64", "int64": "DNNF_INT64",
           "int32": "DNNF_INT32", "int8": "DNNF_INT8", "uint8": "DNNF_UINT8",
           "bool": "DNNF_BOOL"}


@dataclass(frozen=True)
class Tensor:
    """Name, static shape and dtype of one graph input/output."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def numel(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """Bytes of a C-contiguous buffer."""
        return self.numel * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class ModelSpec:
    """What the C wrapper needs from a compiled model.

    `output_map[i]` is the entry-function result that graph output `i` reads (two graph
    outputs may be one value; the wrapper then copies it).
    """

    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    weights: tuple[np.ndarray, ...]
    output_map: tuple[int, ...]
    workspace_bytes: int = 0  # the entry's trailing workspace argument (0: none)

    @classmethod
    def from_compiled(cls, cm: Any) -> ModelSpec:
        """The spec of a `CompiledModel`."""
        def tensors(specs: Sequence[Any]) -> tuple[Tensor, ...]:
            return tuple(Tensor(s.name, tuple(s.shape), np.dtype(s.dtype)) for s in specs)

        return cls(tensors(cm.inputs), tensors(cm.outputs), tuple(cm.weights),
                   tuple(cm._output_map), int(getattr(cm, "workspace_bytes", 0)))

    @property
    def distinct_outputs(self) -> list[int]:
        """For each entry result j, the first graph output reading it."""
        return [self.output_map.index(j) for j in range(max(self.output_map, default=-1) + 1)]


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dtype_enum(dtype: np.dtype) -> str:
    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise ValueError(f"dtype {name} has no C API type")
    return _DTYPES[name]


def _tensor_macros(kind: str, i: int, t: Tensor) -> list[str]:
    p = f"DNNF_{kind}_{i}"
    shape = ", ".join(str(d) for d in t.shape) or "0"
    return [f"#define {p}_NAME {_c_string(t.name)}", f"#define {p}_DTYPE {_dtype_enum(t.dtype)}",
            f"#define {p}_RANK {len(t.shape)}", f"#define {p}_SHAPE {{{shape}}}",
            f"#define {p}_NUMEL {t.numel}", f"#define {p}_NBYTES {t.nbytes}"]


_HEADER_TOP = """\
/* Generated by dnnfusion-mlir: C API of one compiled model. See runtime/c_api.py. */
#ifndef DNNF_MODEL_H
#define DNNF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNNF_API_VERSION %(version)d

typedef enum {
  DNNF_FLOAT32 = 1, DNNF_FLOAT64 = 2, DNNF_INT64 = 3, DNNF_INT32 = 4,
  DNNF_INT8 = 5, DNNF_UINT8 = 6, DNNF_BOOL = 7 /* one byte per element */
} dnnf_dtype;

typedef struct {
  const char *name;
  dnnf_dtype dtype;
  int rank;
  const int64_t *shape; /* rank entries */
  size_t numel;
  size_t nbytes;
} dnnf_tensor_info;

typedef struct dnnf_model dnnf_model;

"""

_HEADER_BOTTOM = """
/* Create a model instance (weights are embedded and shared); NULL when out of memory. */
dnnf_model *dnnf_init(void);
/* Run once. inputs[i] / outputs[i]: C-contiguous buffers of graph input / output i.
   Returns 0 on success, nonzero on a NULL argument. */
int dnnf_run(dnnf_model *model, const void *const *inputs, void *const *outputs);
void dnnf_free(dnnf_model *model);

int dnnf_num_inputs(void);
int dnnf_num_outputs(void);
const dnnf_tensor_info *dnnf_input_info(int i);  /* NULL when out of range */
const dnnf_tensor_info *dnnf_output_info(int i);
/* Bytes of scratch memory each instance allocates in dnnf_init (0: none). */
size_t dnnf_workspace_bytes(void);

#ifdef __cplusplus
}
#endif
#endif /* DNNF_MODEL_H */
"""


def header(spec: ModelSpec) -> str:
    """Text of ``model.h``."""
    lines = [f"#define DNNF_NUM_INPUTS {len(spec.inputs)}",
             f"#define DNNF_NUM_OUTPUTS {len(spec.outputs)}"]
    for i, t in enumerate(spec.inputs):
        lines += _tensor_macros("INPUT", i, t)
    for i, t in enumerate(spec.outputs):
        lines += _tensor_macros("OUTPUT", i, t)
    return _HEADER_TOP % {"version": API_VERSION} + "\n".join(lines) + "\n" + _HEADER_BOTTOM


def weight_layout(weights: Sequence[np.ndarray]) -> tuple[bytes, list[int]]:
    """The weight blob (each array 64-byte aligned, native layout) and each array's offset."""
    chunks: list[bytes] = []
    offsets: list[int] = []
    size = 0
    for w in weights:
        data = np.ascontiguousarray(w).tobytes()
        offsets.append(size)
        pad = -len(data) % ALIGN
        chunks += [data, b"\0" * pad]
        size += len(data) + pad
    return b"".join(chunks), offsets


def weights_asm(bin_name: str = "model_weights.bin") -> str:
    """Text of ``model_weights.S``: the blob in a read-only section via ``.incbin``.

    Safe because the entry function's arguments are bufferized read-only
    (``bufferization.writable = false``, compiler.py): no kernel stores into a weight.
    """
    return (f"/* Generated by dnnfusion-mlir: the model weights, see runtime/c_api.py. */\n"
            f'\t.section .rodata.dnnf_weights,"a"\n\t.balign {ALIGN}\n'
            f"\t.globl dnnf_weights_blob\n\t.type dnnf_weights_blob, %object\n"
            f"dnnf_weights_blob:\n\t.incbin \"{bin_name}\"\n\t.byte 0\n"
            f"\t.size dnnf_weights_blob, . - dnnf_weights_blob\n"
            f'\t.section .note.GNU-stack,"",%progbits\n')


def _int_array(name: str, values: Sequence[int], ctype: str = "int64_t") -> str:
    body = ", ".join(str(v) for v in values) or "0"
    return f"static const {ctype} {name}[] = {{{body}}};"


def _info_table(kind: str, tensors: Sequence[Tensor]) -> list[str]:
    lines = [_int_array(f"{kind}_shape_{i}", t.shape) for i, t in enumerate(tensors)]
    rows = [f"  {{{_c_string(t.name)}, {_dtype_enum(t.dtype)}, {len(t.shape)}, "
            f"{kind}_shape_{i}, {t.numel}u, {t.nbytes}u}}" for i, t in enumerate(tensors)]
    count = max(len(tensors), 1)
    filler = ["  {0, DNNF_FLOAT32, 0, 0, 0u, 0u}"] if not tensors else []
    lines.append(f"static const dnnf_tensor_info {kind}_info[{count}] = {{\n"
                 + ",\n".join(rows + filler) + "\n};")
    return lines


def _arg_shapes(spec: ModelSpec) -> list[tuple[int, ...]]:
    """Shape of every entry argument, in order: inputs, weights, results, workspace."""
    return ([t.shape for t in spec.inputs] + [w.shape for w in spec.weights]
            + [spec.outputs[i].shape for i in spec.distinct_outputs]
            + ([(spec.workspace_bytes,)] if spec.workspace_bytes else []))


def _arg_tables(spec: ModelSpec, offsets: Sequence[int]) -> list[str]:
    """Rank/shape of every entry argument, weight offsets and the output tables."""
    distinct = spec.distinct_outputs
    shapes = _arg_shapes(spec)
    lines = [_int_array(f"arg_shape_{k}", s) for k, s in enumerate(shapes)]
    lines.append(_int_array("arg_rank", [len(s) for s in shapes], "int"))
    lines.append("static const int64_t *const arg_shape[] = {"
                 + ", ".join(f"arg_shape_{k}" for k in range(len(shapes))) + "};")
    lines.append(_int_array("weight_offset", offsets, "size_t"))
    lines.append(_int_array("result_output", distinct, "int"))
    first = [spec.output_map.index(j) for j in spec.output_map]
    lines.append(_int_array("output_source", first, "int"))
    return lines


_SOURCE_BODY = """
typedef struct { void *allocated; void *aligned; int64_t offset; int64_t dims[]; } dnnf_memref;
struct dnnf_model { dnnf_memref *args[NUM_ARGS > 0 ? NUM_ARGS : 1]; void *workspace; };

static dnnf_memref *make_desc(int rank, const int64_t *shape) {
  dnnf_memref *d = calloc(1, sizeof(dnnf_memref) + 2 * (size_t)rank * sizeof(int64_t));
  int64_t stride = 1;
  if (!d) return NULL;
  for (int i = rank - 1; i >= 0; --i) {
    d->dims[i] = shape[i];
    d->dims[rank + i] = stride;
    stride *= shape[i];
  }
  return d;
}

dnnf_model *dnnf_init(void) {
  dnnf_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  for (int k = 0; k < NUM_ARGS; ++k) {
    if (!(m->args[k] = make_desc(arg_rank[k], arg_shape[k]))) { dnnf_free(m); return NULL; }
  }
  for (int w = 0; w < NUM_WEIGHTS; ++w) {
    void *p = (void *)(dnnf_weights_blob + weight_offset[w]);
    m->args[NUM_INPUTS + w]->allocated = m->args[NUM_INPUTS + w]->aligned = p;
  }
  if (WORKSPACE_BYTES) {
    void *w = NULL;
    if (posix_memalign(&w, 64, WORKSPACE_BYTES)) { dnnf_free(m); return NULL; }
    m->workspace = w;
    m->args[NUM_ARGS - 1]->allocated = m->args[NUM_ARGS - 1]->aligned = w;
  }
  return m;
}

void dnnf_free(dnnf_model *m) {
  if (!m) return;
  for (int k = 0; k < NUM_ARGS; ++k) free(m->args[k]);
  free(m->workspace);
  free(m);
}

int dnnf_run(dnnf_model *m, const void *const *inputs, void *const *outputs) {
  if (!m || (NUM_INPUTS && !inputs) || !outputs) return 1;
  for (int i = 0; i < NUM_INPUTS; ++i)
    m->args[i]->allocated = m->args[i]->aligned = (void *)inputs[i];
  for (int j = 0; j < NUM_RESULTS; ++j) {
    dnnf_memref *d = m->args[NUM_INPUTS + NUM_WEIGHTS + j];
    d->allocated = d->aligned = outputs[result_output[j]];
  }
  CALL_ENTRY;
  for (int i = 0; i < DNNF_NUM_OUTPUTS; ++i)
    if (output_source[i] != i)
      memcpy(outputs[i], outputs[output_source[i]], output_info[i].nbytes);
  return 0;
}

size_t dnnf_workspace_bytes(void) { return WORKSPACE_BYTES; }
int dnnf_num_inputs(void) { return DNNF_NUM_INPUTS; }
int dnnf_num_outputs(void) { return DNNF_NUM_OUTPUTS; }
const dnnf_tensor_info *dnnf_input_info(int i) {
  return i >= 0 && i < DNNF_NUM_INPUTS ? &input_info[i] : NULL;
}
const dnnf_tensor_info *dnnf_output_info(int i) {
  return i >= 0 && i < DNNF_NUM_OUTPUTS ? &output_info[i] : NULL;
}
"""


def source(spec: ModelSpec, offsets: Sequence[int]) -> str:
    """Text of ``model.c``: metadata tables and the `dnnf_*` functions."""
    n_args = len(_arg_shapes(spec))
    params = ", ".join(["void *"] * n_args) or "void"
    call = "_mlir_ciface_main(" + ", ".join(f"m->args[{k}]" for k in range(n_args)) + ")"
    lines = ["/* Generated by dnnfusion-mlir: C API wrapper, see runtime/c_api.py. */",
             "#define _POSIX_C_SOURCE 200112L /* posix_memalign */",
             "#include <stdlib.h>", "#include <string.h>", '#include "model.h"', "",
             f"#define NUM_INPUTS {len(spec.inputs)}", f"#define NUM_WEIGHTS {len(spec.weights)}",
             f"#define NUM_RESULTS {len(spec.distinct_outputs)}", f"#define NUM_ARGS {n_args}",
             f"#define WORKSPACE_BYTES {spec.workspace_bytes}u",
             f"#define CALL_ENTRY {call}", "",
             f"extern void _mlir_ciface_main({params});",
             "extern const unsigned char dnnf_weights_blob[];", ""]
    lines += _info_table("input", spec.inputs) + _info_table("output", spec.outputs)
    lines += _arg_tables(spec, offsets)
    return "\n".join(lines) + "\n" + _SOURCE_BODY


def write_sources(spec: ModelSpec, directory: str | os.PathLike) -> dict[str, Path]:
    """Write ``model.h``, ``model.c``, ``model_weights.S`` and ``.bin`` into `directory`."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    blob, offsets = weight_layout(spec.weights)
    files = {"header": out / "model.h", "source": out / "model.c",
             "weights_asm": out / "model_weights.S", "weights_bin": out / "model_weights.bin"}
    files["header"].write_text(header(spec))
    files["source"].write_text(source(spec, offsets))
    files["weights_asm"].write_text(weights_asm(files["weights_bin"].name))
    files["weights_bin"].write_bytes(blob)
    return files


def _host_options() -> aarch64.TargetOptions:
    return aarch64.TargetOptions(triple="", features=())


def save_model(cm: Any, directory: str | os.PathLike, cpu: str | None = None,
               mattr: Sequence[str] | str | None = None, target: str | None = None,
               shared: bool = True) -> dict[str, Path]:
    """Write the C API sources and build ``model.o`` (+ ``libmodel.so``) into `directory`.

    `target` defaults to the model's own (``cm.target``); ``"aarch64"`` uses llc-22 with
    `cpu`/`mattr` and ``aarch64-linux-gnu-gcc``, ``"host"`` llc-22's default triple and ``cc``.
    """
    target = target or getattr(cm, "target", "aarch64")
    files = write_sources(ModelSpec.from_compiled(cm), directory)
    out = Path(directory)
    options = (aarch64.target_options(cpu, mattr) if target == "aarch64"
               else _host_options())
    cc = aarch64.require(aarch64.CROSS_CC if target == "aarch64" else "cc")
    files["kernels"] = aarch64.compile_llvm_ir(cm.llvm_ir(), out / "model_kernels.o", "obj",
                                               options)
    for name in ("model.c", "model_weights.S"):
        aarch64.run_tool([cc, "-O2", "-fPIC", "-c", name, "-o", name + ".o"], cwd=out)
    parts = ["model_kernels.o", "model.c.o", "model_weights.S.o"]
    aarch64.run_tool([cc, "-r", "-nostdlib", *parts, "-o", "model.o"], cwd=out)
    files["object"] = out / "model.o"
    if shared:
        aarch64.run_tool([cc, "-shared", "-fPIC", "model.o", "-o", "libmodel.so", "-lm"],
                         cwd=out)
        files["shared"] = out / "libmodel.so"
    for name in parts[1:]:
        (out / name).unlink(missing_ok=True)
    return files
