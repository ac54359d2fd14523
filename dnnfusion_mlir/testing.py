"""Test helpers: build small ONNX models in code and compare us with onnxruntime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # onnx 1.23 writes IR 14 by default, which onnxruntime rejects

_ONNX_TYPES = {
    np.dtype(np.float32): onnx.TensorProto.FLOAT,
    np.dtype(np.int64): onnx.TensorProto.INT64,
    np.dtype(np.int32): onnx.TensorProto.INT32,
    np.dtype(np.bool_): onnx.TensorProto.BOOL,
}


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, np.ndarray | tuple[Sequence[int], Any]],
    outputs: Sequence[str],
    initializers: Mapping[str, np.ndarray] | None = None,
    opset: int = OPSET,
) -> onnx.ModelProto:
    """A model of `nodes`; inputs give an example array or (shape, dtype); outputs untyped."""
    in_infos = []
    for name, spec in inputs.items():
        shape, dtype = (spec.shape, spec.dtype) if isinstance(spec, np.ndarray) else spec
        in_infos.append(helper.make_tensor_value_info(name, _ONNX_TYPES[np.dtype(dtype)],
                                                      list(shape)))
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in (initializers or {}).items()]
    graph = helper.make_graph(list(nodes), "test", in_infos, [], inits)
    model = helper.make_model(graph, ir_version=IR_VERSION,
                              opset_imports=[helper.make_opsetid("", opset)])
    # Output types come from ONNX shape inference, so tests only name the outputs.
    inferred = onnx.shape_inference.infer_shapes(model).graph.value_info
    infos = {vi.name: vi for vi in inferred}
    for name in outputs:
        model.graph.output.append(infos.get(name) or helper.make_empty_tensor_value_info(name))
    return model


def run_onnxruntime(model: onnx.ModelProto, feeds: Mapping[str, np.ndarray],
                    threads: int = 1) -> list[np.ndarray]:
    """Reference outputs from onnxruntime (CPU, `threads` intra-op threads)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return list(session.run(None, dict(feeds)))


def max_rel_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |a - e| / max(1, |e|) elementwise: relative for large values, absolute near 0."""
    a, e = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - e) / np.maximum(1.0, np.abs(e))))


def assert_matches_onnxruntime(
    model: onnx.ModelProto, feeds: Mapping[str, np.ndarray], rtol: float = 1e-4,
    fuse: bool = True, **compile_args: Any,
) -> list[np.ndarray]:
    """Compile `model`, run it on `feeds`, compare every output with onnxruntime."""
    import dnnfusion_mlir as dnnf

    compiled = dnnf.compile(model, fuse=fuse, **compile_args)
    ours = compiled.run(feeds)
    expected = run_onnxruntime(model, feeds)
    assert len(ours) == len(expected)
    for i, (a, e) in enumerate(zip(ours, expected, strict=True)):
        assert a.shape == e.shape, f"output {i}: shape {a.shape} != {e.shape}"
        if e.dtype.kind in "biu":
            np.testing.assert_array_equal(a, e, err_msg=f"output {i}")
        else:
            err = max_rel_error(a, e)
            assert err <= rtol, f"output {i}: max relative error {err:.3g} > {rtol}"
    return ours
