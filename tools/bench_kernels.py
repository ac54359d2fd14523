"""Micro-benchmark: scheduled + JIT-compiled kernels vs onnxruntime (single thread).

Run ``python -m dnnfusion_mlir.tools.bench_kernels`` (or this file directly).  Prints
GFLOP/s for conv 1x64x56x56 * 64x64x3x3 (pad 1), a depthwise 3x3 conv on the same
input, and matmuls 128x768 * 768x768 and 128x768 * 768x3072 (BERT-base's attention
projection and first FFN layer; the right operand is a weight, packed at load time as in
a compiled model; the last one again with it unpacked, a plain argument).  Buffers are
64-byte aligned, as the runtime binds them.  Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnnfusion_mlir._mlir import ExecutionEngine, get_ranked_memref_descriptor, ir
from dnnfusion_mlir.codegen.schedule import apply_schedule
from dnnfusion_mlir.codegen.to_llvm import lower_to_llvm
from dnnfusion_mlir.runtime.memref import aligned, aligned_empty


@dataclass
class Kernel:
    """One benchmark case: MLIR body, ONNX node, inputs and its FLOP count."""

    name: str
    mlir: str
    onnx_op: str
    onnx_attrs: dict[str, Any]
    inputs: list[np.ndarray]
    out_shape: tuple[int, ...]
    flops: float


_ATTRS = "attributes {llvm.emit_c_interface}"


def _ty(shape: tuple[int, ...]) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"


def _conv_mlir(x: tuple[int, ...], w: tuple[int, ...], o: tuple[int, ...], op: str) -> str:
    padded = (x[0], x[1], x[2] + 2, x[3] + 2)
    return f"""func.func @main(%x: {_ty(x)}, %w: {_ty(w)}) -> {_ty(o)} {_ATTRS} {{
  %z = arith.constant 0.0 : f32
  %xp = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %z : f32
  }} : {_ty(x)} to {_ty(padded)}
  %e = tensor.empty() : {_ty(o)}
  %f = linalg.fill ins(%z : f32) outs(%e : {_ty(o)}) -> {_ty(o)}
  %c = linalg.{op} {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
    ins(%xp, %w : {_ty(padded)}, {_ty(w)}) outs(%f : {_ty(o)}) -> {_ty(o)}
  return %c : {_ty(o)}
}}"""


def _matmul_mlir(m: int, k: int, n: int, weight: bool = True) -> str:
    """a @ b; b is a weight (packed in column panels at load time) unless `weight` is
    False."""
    o = _ty((m, n))
    b = f'%b: {_ty((k, n))}' + (' {dnnf.weight = "b"}' if weight else "")
    return f"""func.func @main(%a: {_ty((m, k))}, {b}) -> {o} {_ATTRS} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %f = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %r = linalg.matmul ins(%a, %b : {_ty((m, k))}, {_ty((k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}"""


def kernels() -> list[Kernel]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 64, 56, 56)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    dw = rng.standard_normal((64, 3, 3)).astype(np.float32)
    a = rng.standard_normal((128, 768)).astype(np.float32)
    b = rng.standard_normal((768, 768)).astype(np.float32)
    b4 = rng.standard_normal((768, 3072)).astype(np.float32)
    o = (1, 64, 56, 56)
    pads = {"pads": [1, 1, 1, 1]}
    return [
        Kernel("conv 1x64x56x56 * 64x64x3x3", _conv_mlir(x.shape, w.shape, o, "conv_2d_nchw_fchw"),
               "Conv", pads, [x, w], o, 2.0 * 64 * 56 * 56 * 64 * 9),
        Kernel("depthwise 1x64x56x56 * 64x3x3",
               _conv_mlir(x.shape, dw.shape, o, "depthwise_conv_2d_nchw_chw"),
               "Conv", {**pads, "group": 64}, [x, dw], o, 2.0 * 64 * 56 * 56 * 9),
        Kernel("matmul 128x768 * 768x768", _matmul_mlir(128, 768, 768), "MatMul", {},
               [a, b], (128, 768), 2.0 * 128 * 768 * 768),
        Kernel("matmul 128x768 * 768x3072", _matmul_mlir(128, 768, 3072), "MatMul", {},
               [a, b4], (128, 3072), 2.0 * 128 * 768 * 3072),
        Kernel("  same, b not packed", _matmul_mlir(128, 768, 3072, weight=False), "MatMul",
               {}, [a, b4], (128, 3072), 2.0 * 128 * 768 * 3072),
    ]


def _best(fn: Callable[[], object], reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_mlir(k: Kernel, reps: int) -> tuple[float, np.ndarray]:
    with ir.Context():
        module = ir.Module.parse(k.mlir)
        prepacked = apply_schedule(module).prepacked
        lower_to_llvm(module)
        engine = ExecutionEngine(module, opt_level=3)
        out = aligned_empty(k.out_shape, np.float32)
        # 64-byte aligned, as the compiled model's runtime binds them.
        inputs = [aligned(prepacked[i].apply(a) if i in prepacked else a)
                  for i, a in enumerate(k.inputs)]
        args = [ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a)))
                for a in [*inputs, out]]
        secs = _best(lambda: engine.invoke("main", *args), reps)
    return secs, out


def run_ort(k: Kernel, reps: int) -> tuple[float, np.ndarray]:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    weights = k.inputs[1] if k.onnx_op == "MatMul" else (
        k.inputs[1] if k.inputs[1].ndim == 4 else k.inputs[1][:, None])
    node = helper.make_node(k.onnx_op, ["x", "w"], ["y"], **k.onnx_attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, k.inputs[0].shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [helper.make_tensor("w", TensorProto.FLOAT, weights.shape, weights.ravel())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts)
    feed = {"x": k.inputs[0]}
    secs = _best(lambda: sess.run(None, feed), reps)
    return secs, sess.run(None, feed)[0]


def main() -> None:
    for k in kernels():
        t_mlir, y_mlir = run_mlir(k, 10)
        t_ort, y_ort = run_ort(k, 10)
        err = float(np.abs(y_mlir - y_ort).max() / np.abs(y_ort).max())
        print(f"{k.name:32s} dnnf {k.flops / t_mlir / 1e9:7.1f} GFLOP/s ({t_mlir * 1e3:7.3f} ms)"
              f"  ort {k.flops / t_ort / 1e9:7.1f} GFLOP/s ({t_ort * 1e3:7.3f} ms)"
              f"  rel.err {err:.1e}")


if __name__ == "__main__":
    main()
