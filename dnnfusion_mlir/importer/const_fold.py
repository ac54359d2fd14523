"""Shape inference and constant folding of an ONNX graph, run to a fixpoint.

Used by `dnnfusion_mlir.importer.onnx_loader`. The graph is held in a `GraphState`: the
remaining nodes, the (static-shaped) graph inputs, the graph outputs and every value known at
compile time as a numpy array. One round of `simplify` is:

1. ONNX shape inference (strict, with data propagation) on a *skeleton* model in which small
   constants are initializers and large ones (weights) are typed graph inputs, so weights are
   never serialised and models above the 2 GB protobuf limit still work;
2. constant folding in topological order: a node whose inputs are all constants (or, for
   `Shape`/`Size`, whose input has a static shape) is evaluated with
   `onnx.reference.ReferenceEvaluator` and replaced by its outputs;
3. dead-code elimination of nodes (and constants) that no graph output depends on.

Random ops and `Dropout` are never folded, nor are ops with subgraphs, and a fold that would
materialise a large tensor from small inputs (a broadcast, `ConstantOfShape`, `Tile`...) is
skipped so the constant stays a cheap op in the compiled code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from dnnfusion_mlir import errors
from dnnfusion_mlir.importer.empty_fold import fold_empty

MAX_ROUNDS = 5
FOLD_LIMIT = 1 << 20
"""A fold may produce at most this many elements, unless its inputs were at least as big."""
SMALL_EVAL_LIMIT = 4096
"""Inputs this small may be folded even when the output size cannot be predicted."""
SKELETON_LIMIT = 4096
"""Constants above this many elements reach shape inference as typed inputs, not values."""

NO_FOLD_OPS = frozenset(
    {
        "RandomNormal",
        "RandomNormalLike",
        "RandomUniform",
        "RandomUniformLike",
        "Multinomial",
        "Bernoulli",
        "Dropout",
        "If",
        "Loop",
        "Scan",
    }
)
SHAPE_ONLY_OPS = frozenset({"Shape", "Size"})

_DEFAULT_DOMAINS = ("", "ai.onnx")
_INFER_NODE_RE = re.compile(r"op_type:\s*(\w+),\s*node name:\s*([^)]*)\)")
_INFER_NODE_RE2 = re.compile(r"node name\s+(\S+?)[.:]?(?:\s|$)")
_UNSUPPORTED_MARKERS = ("No Op registered", "No opset import", "is not a registered")


@dataclass
class GraphState:
    """The graph being simplified; `shapes`/`types`/`non_tensor` are refreshed by `infer`."""

    nodes: list[onnx.NodeProto]
    inputs: list[onnx.ValueInfoProto]
    outputs: list[onnx.ValueInfoProto]
    consts: dict[str, np.ndarray]
    opset: int
    ir_version: int
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    """ONNX element type (TensorProto.DataType) of each value whose type is known."""
    non_tensor: dict[str, str] = field(default_factory=dict)
    """Values whose type is a sequence / map / optional: name -> type kind."""


def simplify(state: GraphState) -> None:
    """Infer shapes and fold constants until nothing changes (at most MAX_ROUNDS rounds)."""
    for _ in range(MAX_ROUNDS):
        infer(state)
        folded = fold_constants(state)
        removed = remove_dead_nodes(state)
        if not (folded or removed):
            return
    infer(state)


# --------------------------------------------------------------------------- shape inference


def elem_type_of(array: np.ndarray) -> int:
    """The ONNX element type of a numpy array (object arrays are strings)."""
    if array.dtype == np.dtype(object):
        return onnx.TensorProto.STRING
    return int(helper.np_dtype_to_tensor_dtype(array.dtype))


def static_shape(tensor_type: onnx.TypeProto.Tensor) -> tuple[int, ...] | None:
    """The shape of a tensor type if it has one and every dim is a known value."""
    if not tensor_type.HasField("shape"):
        return None
    dims = []
    for dim in tensor_type.shape.dim:
        if not dim.HasField("dim_value") or dim.dim_value < 0:
            return None
        dims.append(int(dim.dim_value))
    return tuple(dims)


def infer(state: GraphState) -> None:
    """Run ONNX shape inference and refresh `state.shapes`, `types` and `non_tensor`."""
    model = _skeleton(state)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except (onnx.shape_inference.InferenceError, RuntimeError) as exc:
        raise _inference_error(exc, state) from exc
    state.shapes.clear()
    state.types.clear()
    state.non_tensor.clear()
    graph = inferred.graph
    for info in [*state.inputs, *graph.value_info, *graph.output]:
        _record_value_info(state, info)
    for name, array in state.consts.items():
        state.shapes[name] = tuple(array.shape)
        state.types[name] = elem_type_of(array)


def _skeleton(state: GraphState) -> onnx.ModelProto:
    """A model with the state's nodes in which only small constants carry values."""
    initializers = []
    const_inputs = []
    for name, array in state.consts.items():
        if array.size <= SKELETON_LIMIT or array.dtype == np.dtype(object):
            initializers.append(numpy_helper.from_array(array, name))
        else:
            const_inputs.append(
                helper.make_tensor_value_info(name, elem_type_of(array), array.shape)
            )
    # Declared output shapes may be stale (dynamic dims the caller has since fixed): drop them.
    outputs = [onnx.ValueInfoProto(name=out.name) for out in state.outputs]
    graph = helper.make_graph(
        state.nodes, "skeleton", [*state.inputs, *const_inputs], outputs, initializers
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", state.opset)], ir_version=state.ir_version
    )


def _record_value_info(state: GraphState, info: onnx.ValueInfoProto) -> None:
    kind = info.type.WhichOneof("value")
    if kind != "tensor_type":
        if kind:
            state.non_tensor[info.name] = kind
        return
    tensor_type = info.type.tensor_type
    if tensor_type.elem_type:
        state.types[info.name] = tensor_type.elem_type
    shape = static_shape(tensor_type)
    if shape is not None:
        state.shapes[info.name] = shape


def _inference_error(exc: Exception, state: GraphState) -> errors.CompileError:
    """Turn an ONNX shape-inference exception into a CompileError naming the node."""
    message = " ".join(str(exc).split())
    node, op_type = "", ""
    match = _INFER_NODE_RE.search(message)
    if match:
        op_type, node = match.group(1), match.group(2).strip()
    elif match2 := _INFER_NODE_RE2.search(message):
        node = match2.group(1)
    if node and not op_type:
        op_type = next((n.op_type for n in state.nodes if n.name == node), "")
    reason = f"shape inference failed: {message}"
    if any(marker in message for marker in _UNSUPPORTED_MARKERS):
        return errors.UnsupportedOpError(reason, node=node, op_type=op_type)
    return errors.MalformedModelError(reason, node=node, op_type=op_type)


# --------------------------------------------------------------------------- folding


def fold_constants(state: GraphState) -> bool:
    """Fold every foldable node (in order, so chains fold in one pass); True if any did."""
    kept: list[onnx.NodeProto] = []
    changed = False
    for node in state.nodes:
        values = _try_fold(node, state)
        if values is None:
            kept.append(node)
            continue
        for name, value in zip(node.output, values, strict=False):
            if name:
                state.consts[name] = value
                state.shapes[name] = tuple(value.shape)
                state.types[name] = elem_type_of(value)
        changed = True
    state.nodes = kept
    return changed


def _try_fold(node: onnx.NodeProto, state: GraphState) -> list[np.ndarray] | None:
    if not _may_fold(node):
        return None
    inputs = [name for name in node.input if name]
    if node.op_type in SHAPE_ONLY_OPS:
        return _fold_shape_op(node, state) if len(inputs) == 1 else None
    empty = fold_empty(node, state.consts, state.shapes, state.types,
                       lambda n, feeds: _evaluate(n, state, feeds))
    if empty is not None:
        return empty
    if not all(name in state.consts for name in inputs):
        return None
    if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
        return [numpy_helper.to_array(node.attribute[0].t)]
    if not _fold_size_ok(node, state):
        return None
    return _evaluate(node, state, {name: state.consts[name] for name in inputs})


def _may_fold(node: onnx.NodeProto) -> bool:
    if node.domain not in _DEFAULT_DOMAINS or node.op_type in NO_FOLD_OPS:
        return False
    graph_kinds = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
    return not any(attr.type in graph_kinds for attr in node.attribute)


def _fold_shape_op(node: onnx.NodeProto, state: GraphState) -> list[np.ndarray] | None:
    """Shape / Size only need the input's static shape, not its value."""
    shape = state.shapes.get(node.input[0])
    if shape is None:
        return None
    if node.op_type == "Size":
        return [np.array(math.prod(shape), dtype=np.int64)]
    attrs = {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}
    start = int(attrs.get("start", 0))
    end = attrs.get("end")
    dims = shape[start : None if end is None else int(end)]  # ONNX clamps like Python slices
    return [np.array(dims, dtype=np.int64)]


def _fold_size_ok(node: onnx.NodeProto, state: GraphState) -> bool:
    """Refuse folds that turn small inputs into a big tensor (broadcasts, fills, tiles)."""
    in_size = sum(state.consts[name].size for name in node.input if name)
    out_size = _predicted_size(node, state)
    if out_size is None:
        return in_size <= SMALL_EVAL_LIMIT
    return out_size <= FOLD_LIMIT or out_size <= in_size


def _predicted_size(node: onnx.NodeProto, state: GraphState) -> int | None:
    outputs = [name for name in node.output if name]
    if outputs and all(name in state.shapes for name in outputs):
        return sum(math.prod(state.shapes[name]) for name in outputs)
    try:
        return _generator_size(node, state.consts)
    except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError):
        return None


def _generator_size(node: onnx.NodeProto, consts: dict[str, np.ndarray]) -> int | None:
    """Output size of the ops that create big tensors from small inputs, from the inputs."""
    args = [consts[name] for name in node.input if name]
    if node.op_type == "ConstantOfShape":
        return _prod(args[0].reshape(-1).tolist()) if args else 1
    if node.op_type == "Expand":
        target = tuple(int(d) for d in args[1].reshape(-1))
        return _prod(np.broadcast_shapes(args[0].shape, target))
    if node.op_type == "Tile":
        repeats = args[1].reshape(-1).tolist()
        return _prod(d * r for d, r in zip(args[0].shape, repeats, strict=False))
    if node.op_type == "Range":
        start, limit, delta = (float(a.reshape(-1)[0]) for a in args[:3])
        return max(math.ceil((limit - start) / delta), 0)
    return None


def _prod(values: Iterable[int]) -> int:
    result = 1
    for value in values:
        result *= int(value)
    return result


def _evaluate(node: onnx.NodeProto, state: GraphState,
              feeds: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    """Evaluate one node on `feeds` with the ONNX reference implementation; None if it
    cannot."""
    try:
        with np.errstate(all="ignore"):  # log(0) of an empty sum is -inf, as ONNX defines
            results = ReferenceEvaluator(node, opsets={"": state.opset}).run(None, feeds)
    except Exception:  # a fold is an optimisation: leave the node for the converter
        return None
    values = []
    for name, result in zip(node.output, results, strict=False):
        if not isinstance(result, (np.ndarray, np.generic)):
            return None  # sequences, optionals: not a tensor constant
        value = np.asarray(result)
        want = state.types.get(name)
        if want and want != onnx.TensorProto.STRING:
            value = value.astype(helper.tensor_dtype_to_np_dtype(want), copy=False)
        values.append(value)
    if len(values) < len([name for name in node.output if name]):
        return None
    return values


# --------------------------------------------------------------------------- dead code


def node_input_names(node: onnx.NodeProto) -> Iterator[str]:
    """Names a node reads, including outer-scope names read inside its subgraphs."""
    yield from (name for name in node.input if name)
    for attr in node.attribute:
        for graph in _subgraphs(attr):
            for inner in graph.node:
                yield from node_input_names(inner)
            yield from (out.name for out in graph.output)


def _subgraphs(attr: onnx.AttributeProto) -> Iterable[onnx.GraphProto]:
    if attr.type == onnx.AttributeProto.GRAPH:
        return [attr.g]
    if attr.type == onnx.AttributeProto.GRAPHS:
        return list(attr.graphs)
    return []


def remove_dead_nodes(state: GraphState) -> bool:
    """Drop nodes and constants no graph output depends on; True if a node was dropped."""
    live = {out.name for out in state.outputs}
    kept: list[onnx.NodeProto] = []
    for node in reversed(state.nodes):
        if any(name in live for name in node.output if name):
            kept.append(node)
            live.update(node_input_names(node))
    changed = len(kept) != len(state.nodes)
    state.nodes = kept[::-1]
    for name in [name for name in state.consts if name not in live]:
        del state.consts[name]
    return changed
