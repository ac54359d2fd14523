"""ONNX -> `dnnf` dialect.

The loader (onnx_loader.py) fixes input shapes, folds shape sub-graphs and infers a static
shape for every value; this module then emits one `func.func @main` whose arguments are the
graph inputs and whose results are the graph outputs, converting node by node through the
converter table (registry.py). Each op is built under `Location.name(node.name)` so every
later diagnostic names the ONNX node.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import onnx

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import func, ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import registry
from dnnfusion_mlir.importer.constants import ConstantPool
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.onnx_loader import LoadedModel, load_model
from dnnfusion_mlir.types import is_supported, tensor_type

ModelLike = str | os.PathLike | bytes | onnx.ModelProto


@dataclass
class TensorSpec:
    """Name, static shape and dtype of a model input or output."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class ImportedModel:
    """A `dnnf` module plus what the runtime needs to call it."""

    module: ir.Module
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    onnx_nodes: int = 0


def new_context() -> ir.Context:
    """An MLIR context with the `dnnf` dialect loaded."""
    ctx = ir.Context()
    dnnf.load(ctx)
    return ctx


def import_onnx(
    model: ModelLike,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    context: ir.Context | None = None,
) -> ImportedModel:
    """Import an ONNX model (path, bytes or ModelProto) into a new `dnnf` module.

    The context is made before the model is loaded: loading the `dnnf` dialect into a new
    context releases the previous one (the dialect class keeps its last context's dialect
    module), and with it the weights a previous import left there, before this model's
    weights are read.
    """
    ctx = context or new_context()
    loaded = load_model(model, input_shapes)
    with ctx, ir.Location.unknown():
        return _build(loaded)


def _specs(names: Sequence[str], loaded: LoadedModel) -> list[TensorSpec]:
    producers = {out: n for n in loaded.model.graph.node for out in n.output}
    specs = []
    for name in names:
        dtype = np.dtype(loaded.dtypes[name])
        if not is_supported(dtype):
            node = producers.get(name)
            raise errors.DTypeError(
                f"value '{name}' has element type {dtype} (supported: float32, int64, int32, "
                "bool)", node=node.name if node else name, op_type=node.op_type if node else "")
        specs.append(TensorSpec(name, tuple(loaded.shapes[name]), dtype))
    return specs


def _build(loaded: LoadedModel) -> ImportedModel:
    graph = loaded.model.graph
    input_names = [i.name for i in graph.input if i.name not in loaded.constants]
    inputs = _specs(input_names, loaded)
    outputs = _specs([o.name for o in graph.output], loaded)
    module = ir.Module.create()
    arg_types = [tensor_type(s.shape, s.dtype) for s in inputs]
    res_types = [tensor_type(s.shape, s.dtype) for s in outputs]
    with ir.InsertionPoint(module.body):
        main = func.FuncOp("main", ir.FunctionType.get(arg_types, res_types))
    entry = main.add_entry_block()
    values: dict[str, ir.Value] = {s.name: entry.arguments[i] for i, s in enumerate(inputs)}
    pool = ConstantPool(entry)
    table = registry.load_all()
    with ir.InsertionPoint(entry):
        for node in graph.node:
            _convert_node(node, table, values, pool, loaded)
        results = []
        for spec in outputs:
            if spec.name in values:
                results.append(values[spec.name])
            else:
                results.append(pool.get(spec.name, loaded.constants[spec.name]))
        func.ReturnOp(results)
    return ImportedModel(module, inputs, outputs, pool.weights, len(graph.node))


def _convert_node(
    node: onnx.NodeProto,
    table: dict,
    values: dict[str, ir.Value],
    pool: ConstantPool,
    loaded: LoadedModel,
) -> None:
    fn = table.get(node.op_type)
    if fn is None:
        raise errors.UnsupportedOpError(
            f"no converter for ONNX op type '{node.op_type}'", node=node.name,
            op_type=node.op_type,
        )
    _reject_empty(node, loaded)
    ctx = NodeContext(node, values, loaded.constants, loaded.shapes, loaded.dtypes, pool,
                      loaded.opset)
    produced = fn(ctx)
    for name, value in zip(node.output, produced, strict=False):
        if name:
            values[name] = value


_EMPTY_OPERANDS_DROPPED = frozenset({"Concat"})
"""Converters of these op types leave zero-size operands out of the op they build."""


def _reject_empty(node: onnx.NodeProto, loaded: LoadedModel) -> None:
    """Zero-size run-time inputs (a 0 in the shape) are not compiled: the schedule crashes
    on kernels reading them. Empty constants (`axes`) and empty results (a Slice) are fine;
    most zero-size values were folded to constants by the loader (empty_fold.py)."""
    if node.op_type in _EMPTY_OPERANDS_DROPPED:
        return
    for name in node.input:
        shape = loaded.shapes.get(name) if name and name not in loaded.constants else None
        if shape is not None and 0 in shape:
            raise errors.UnsupportedOpError(
                f"value '{name}' has shape {list(shape)}: zero-size tensors are not supported",
                node=node.name, op_type=node.op_type)
