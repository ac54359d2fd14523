"""Front half of the ONNX importer: load, validate and simplify a model (no MLIR here).

`load_model` reads a model (path, bytes or `onnx.ModelProto`), checks it, brings its opset
into the range the converters handle, fixes every graph input to a static shape, then runs
shape inference and constant folding to a fixpoint (`const_fold.simplify`). The result is a
`LoadedModel` in which every value the remaining nodes use has a static shape and a known
element type, and every node has a unique non-empty name (used by errors and MLIR locations).

Memory: weights are held once. Right after parsing, every initializer above WEIGHT_LIMIT
elements becomes a numpy array that views the tensor's raw bytes (no conversion copy) and is
removed from the protobuf, which is then rebuilt without it so the parse buffer is freed; the
checker, inliner, version converter and shape inference only ever see the small remainder
(with the weights as typed graph inputs). Peak memory is the file plus one copy of the weights
while parsing, one copy afterwards.

Failures raise `dnnfusion_mlir.errors` exceptions that say what is wrong and, where there is
one, name the node: `MalformedModelError` (unreadable / invalid model), `UnsupportedOpError`
(foreign operator domain, unconvertible opset), `DynamicShapeError` (a dimension with no static
value), `DTypeError` (strings, sequences and other non-numeric values).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import onnx
import onnx.inliner
import onnx.version_converter
from google.protobuf.message import DecodeError, EncodeError
from onnx import helper, numpy_helper

from dnnfusion_mlir import errors
from dnnfusion_mlir.importer import const_fold
from dnnfusion_mlir.importer.const_fold import GraphState

MIN_OPSET = 7
NATIVE_OPSETS = range(13, onnx.defs.onnx_opset_version() + 1)
"""Default-domain opsets used as they are; older ones are converted to TARGET_OPSET. Since
opset 21 the ops we convert changed only by new element types (checked against onnx 1.23's
schemas), and converting down fails for many of them (no adapter), so newer ones stay."""
TARGET_OPSET = 17
_DEFAULT_DOMAINS = ("", "ai.onnx")
_CHECKER_NODE_RE = re.compile(r"Name:\s*(\S*)\s+OpType:\s*(\S+)")

WEIGHT_LIMIT = const_fold.SKELETON_LIMIT
"""Initializers with more elements than this are taken out of the protobuf as numpy arrays."""

_Message = TypeVar("_Message", onnx.NodeProto, onnx.ValueInfoProto)

ModelSource = str | os.PathLike[str] | bytes | onnx.ModelProto


@dataclass
class LoadedModel:
    """A simplified model plus what is known about each of its values.

    `constants`, `shapes` and `dtypes` cover the values of the simplified model: graph
    inputs, outputs of the remaining nodes, and constants (initializers, Constant nodes and
    folded results) that a remaining node or a graph output uses. Graph outputs that folded
    to constants stay graph outputs (and are in `constants`).

    `model` holds the constants of up to WEIGHT_LIMIT elements as initializers; larger ones
    (the weights) are only in `constants`, so they are never copied into the protobuf.
    Arrays in `constants` may be read-only views of the loaded file's bytes.
    """

    model: onnx.ModelProto
    constants: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, np.dtype]
    opset: int


def load_model(
    model: ModelSource, input_shapes: Mapping[str, Sequence[int]] | None = None
) -> LoadedModel:
    """Load, check and simplify an ONNX model; see the module docstring.

    `input_shapes` gives the shape of graph inputs with dynamic dimensions (and may override
    any input's declared shape).
    """
    proto, path, weights = _read(model)
    proto = _prepare(proto, path)
    proto = _normalise_opset(proto)
    name_nodes(proto.graph)
    state = _initial_state(proto, dict(input_shapes or {}), weights)
    del weights
    const_fold.simplify(state)
    dtypes = _validate(state)
    shapes = {name: shape for name, shape in state.shapes.items() if name in dtypes}
    return LoadedModel(
        model=_build_model(proto, state),
        constants=dict(state.consts),
        shapes=shapes,
        dtypes=dtypes,
        opset=state.opset,
    )


# --------------------------------------------------------------------------- reading


def _read(
    model: ModelSource,
) -> tuple[onnx.ModelProto, str | None, dict[str, np.ndarray]]:
    """Parse the model; returns a protobuf owned by the loader with the weights taken out
    (see `_split_weights`), its file path (None when given bytes / a proto) and the weights.

    A caller's ModelProto is not modified and not copied as a whole: only its small part is.
    """
    if isinstance(model, onnx.ModelProto):
        proto, path, label = model, None, "<ModelProto>"
    elif isinstance(model, (bytes, bytearray, memoryview)):
        proto, path, label = _parse_bytes(model), None, "<bytes>"
    else:
        path = os.fspath(model)
        proto, label = _load_file(path), path
    if not proto.HasField("graph") or not (proto.graph.node or proto.graph.output):
        raise errors.MalformedModelError(
            f"'{label}' has an empty graph (file is truncated or not an ONNX model)"
        )
    for tensor in proto.graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise errors.MalformedModelError(
                f"initializer '{tensor.name}' is stored in external data; load the model "
                "from its file path so the data file can be found"
            )
    small, weights = _split_weights(proto)
    return small, path, weights


def _is_weight(tensor: onnx.TensorProto) -> bool:
    """A numeric initializer of more than WEIGHT_LIMIT elements."""
    return (
        tensor.data_type not in (onnx.TensorProto.STRING, onnx.TensorProto.UNDEFINED)
        and not tensor.HasField("segment")
        and math.prod(tensor.dims) > WEIGHT_LIMIT
    )


def _weight_array(tensor: onnx.TensorProto) -> np.ndarray:
    """`tensor` as numpy; raw data is viewed, not converted (a read-only array)."""
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError) as exc:
        raise errors.MalformedModelError(
            f"initializer '{tensor.name}' is malformed (its data does not match its type and "
            f"dims {list(tensor.dims)}): {exc}", node=tensor.name,
        ) from exc


def _split_weights(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """Take the large initializers out of `model` as numpy arrays.

    Returns a new protobuf (sharing no memory with `model`, which is left unchanged) without
    them, in which each becomes a typed graph input unless it already is one (models of IR
    version < 4 list initializers as inputs), so the checker and the version converter see a
    well-formed graph; `_initial_state` treats inputs that are constants as constants.
    """
    weights = {t.name: _weight_array(t) for t in model.graph.initializer if _is_weight(t)}
    graph = onnx.GraphProto()
    _copy_fields(model.graph, graph, skip="initializer")
    graph.initializer.extend(t for t in model.graph.initializer if t.name not in weights)
    listed = {info.name for info in graph.input}
    graph.input.extend(
        helper.make_tensor_value_info(name, const_fold.elem_type_of(array), array.shape)
        for name, array in weights.items()
        if name not in listed
    )
    small = onnx.ModelProto()
    _copy_fields(model, small, skip="graph")
    small.graph.CopyFrom(graph)
    # A round trip through bytes gives the copy its own (small) arena, so nothing of the
    # original parse buffer is kept alive by it.
    return onnx.ModelProto.FromString(small.SerializeToString()), weights


def _copy_fields(source: Any, target: Any, skip: str) -> None:
    """Copy every set field of protobuf message `source` except `skip` into `target`."""
    for descriptor, value in source.ListFields():
        if descriptor.name == skip:
            continue
        if descriptor.is_repeated:
            getattr(target, descriptor.name).extend(value)
        elif descriptor.message_type is not None:
            getattr(target, descriptor.name).CopyFrom(value)
        else:
            setattr(target, descriptor.name, value)


def _parse_bytes(data: bytes | bytearray | memoryview) -> onnx.ModelProto:
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)  # any bytes-like object, without copying it to bytes first
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise errors.MalformedModelError(
            f"cannot parse the model bytes: truncated or not an ONNX protobuf ({exc})"
        ) from exc
    return proto


def _load_file(path: str) -> onnx.ModelProto:
    if not os.path.isfile(path):
        raise errors.MalformedModelError(f"cannot read '{path}': no such file")
    try:
        return onnx.load(path, load_external_data=True)
    except DecodeError as exc:
        raise errors.MalformedModelError(
            f"cannot parse '{path}': file is truncated or not an ONNX protobuf ({exc})"
        ) from exc
    except (OSError, ValueError, RuntimeError, onnx.checker.ValidationError) as exc:
        raise errors.MalformedModelError(
            f"cannot load '{path}' (or its external data): {exc}"
        ) from exc


# --------------------------------------------------------------------------- checking


def _prepare(proto: onnx.ModelProto, path: str | None) -> onnx.ModelProto:
    """Inline model-local functions, name nodes, reject foreign domains, run the checker."""
    if proto.functions:
        try:
            proto = onnx.inliner.inline_local_functions(proto)
        except Exception as exc:  # the inliner raises assorted C++ errors
            raise errors.MalformedModelError(f"cannot inline model functions: {exc}") from exc
    name_nodes(proto.graph)
    _check_domains(proto.graph)
    _run_checker(proto, path)
    return proto


def name_nodes(graph: onnx.GraphProto) -> None:
    """Give every node a unique non-empty name (f"{op_type}_{index}" where it has none)."""
    existing = {node.name for node in graph.node if node.name}
    used: set[str] = set()
    for index, node in enumerate(graph.node):
        if node.name and node.name not in used:
            used.add(node.name)
            continue
        base = f"{node.op_type}_{index}"
        name, suffix = base, 1
        while name in used or name in existing:
            name, suffix = f"{base}_{suffix}", suffix + 1
        node.name = name
        used.add(name)


def _check_domains(graph: onnx.GraphProto) -> None:
    for node in graph.node:
        if node.domain not in _DEFAULT_DOMAINS:
            raise errors.UnsupportedOpError(
                f"operator '{node.op_type}' of domain '{node.domain}' is not supported "
                "(only the default ONNX domain is)",
                node=node.name,
                op_type=node.op_type,
            )
        for attr in node.attribute:
            for sub in [attr.g] if attr.type == onnx.AttributeProto.GRAPH else attr.graphs:
                _check_domains(sub)


def _run_checker(proto: onnx.ModelProto, path: str | None) -> None:
    """`onnx.checker.check_model`, tolerating graph inputs/outputs declared without a shape.

    The checker demands a shape field on them; shapeless outputs are common in hand-built
    models and get their shapes from inference, shapeless inputs need `input_shapes`.
    """
    shapeless = [
        info.type.tensor_type
        for info in [*proto.graph.input, *proto.graph.output]
        if info.type.HasField("tensor_type") and not info.type.tensor_type.HasField("shape")
    ]
    for tensor_type in shapeless:
        tensor_type.shape.SetInParent()
    try:
        _check(proto, path)
    finally:
        for tensor_type in shapeless:
            tensor_type.ClearField("shape")


def _check(proto: onnx.ModelProto, path: str | None) -> None:
    try:
        try:
            onnx.checker.check_model(proto)
        except (ValueError, EncodeError):  # over the 2 GiB protobuf limit: check the file
            if path is not None:
                onnx.checker.check_model(path)
    except onnx.checker.ValidationError as exc:
        message = " ".join(str(exc).split())
        match = _CHECKER_NODE_RE.search(message)
        node, op_type = (match.group(1), match.group(2)) if match else ("", "")
        reason = f"fails the ONNX checker: {message}"
        if "No Op registered" in message:
            raise errors.UnsupportedOpError(reason, node=node, op_type=op_type) from exc
        raise errors.MalformedModelError(reason, node=node, op_type=op_type) from exc


def default_opset(proto: onnx.ModelProto) -> int:
    """The model's default-domain (ai.onnx) opset version."""
    for opset in proto.opset_import:
        if opset.domain in _DEFAULT_DOMAINS:
            return int(opset.version)
    raise errors.MalformedModelError("the model imports no default-domain (ai.onnx) opset")


def _normalise_opset(proto: onnx.ModelProto) -> onnx.ModelProto:
    """Keep opsets 13..21; convert 7..12 and newer ones to TARGET_OPSET."""
    version = default_opset(proto)
    if version < MIN_OPSET:
        version = _lift_old_opset(proto, version)
    if version in NATIVE_OPSETS:
        return proto
    old_resizes = _old_resize_outputs(proto.graph) if version < 11 else {}
    try:
        converted = onnx.version_converter.convert_version(proto, TARGET_OPSET)
    except Exception as exc:  # the converter raises assorted C++ errors
        raise errors.UnsupportedOpError(
            f"cannot convert the model from opset {version} to {TARGET_OPSET}: "
            + " ".join(str(exc).split())
        ) from exc
    min_ir = helper.find_min_ir_version_for([helper.make_opsetid("", TARGET_OPSET)])
    converted.ir_version = max(converted.ir_version, min_ir)
    _restore_old_resize_semantics(converted.graph, old_resizes)
    return converted


def _lift_old_opset(proto: onnx.ModelProto, version: int) -> int:
    """Declare an opset < MIN_OPSET model as MIN_OPSET when no op it uses changed in between.

    An op whose schema at `version` is the one in force at MIN_OPSET (same `since_version`)
    means the same in both, so relabelling the import is exact; any other op is rejected.
    """
    changed = []
    for node in proto.graph.node:
        try:
            same = (onnx.defs.get_schema(node.op_type, version).since_version
                    == onnx.defs.get_schema(node.op_type, MIN_OPSET).since_version)
        except onnx.defs.SchemaError:
            same = False
        if not same:
            changed.append(node)
    if changed:
        raise errors.UnsupportedOpError(
            f"opset {version} is too old (supported: {MIN_OPSET} and newer; older models "
            f"only when their ops did not change by opset {MIN_OPSET})",
            node=changed[0].name, op_type=changed[0].op_type,
        )
    for opset in proto.opset_import:
        if opset.domain in _DEFAULT_DOMAINS:
            opset.version = MIN_OPSET
    return MIN_OPSET


def _old_resize_outputs(graph: onnx.GraphProto) -> dict[str, str]:
    """Output name -> mode of every Upsample / opset-10 Resize node (before conversion)."""
    found = {}
    for node in graph.node:
        if node.op_type in ("Upsample", "Resize") and node.output and node.output[0]:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            found[node.output[0]] = attrs.get("mode", b"nearest").decode()
    return found


def _restore_old_resize_semantics(graph: onnx.GraphProto, old: dict[str, str]) -> None:
    """Give converted Upsample / opset-10 Resize nodes their original coordinate semantics.

    Before opset 11 both map output pixel x to input pixel x / scale (asymmetric) and
    nearest rounds down; the version converter emits a Resize-11+ node without these
    attributes, whose defaults (half_pixel, round_prefer_floor) would change the result.
    Nodes are matched by output name, which the converter keeps.
    """
    for node in graph.node:
        if node.op_type != "Resize" or not node.output or node.output[0] not in old:
            continue
        mode = old[node.output[0]]
        wanted = {"coordinate_transformation_mode": "asymmetric"}
        if mode == "nearest":
            wanted["nearest_mode"] = "floor"
        kept = [a for a in node.attribute if a.name not in wanted]
        del node.attribute[:]
        node.attribute.extend(kept)
        node.attribute.extend(helper.make_attribute(k, v) for k, v in wanted.items())


# --------------------------------------------------------------------------- inputs


def _initial_state(
    proto: onnx.ModelProto,
    input_shapes: dict[str, Sequence[int]],
    weights: dict[str, np.ndarray],
) -> GraphState:
    graph = proto.graph
    consts = {**weights, **_initializers(graph)}
    real_inputs = [info for info in graph.input if info.name not in consts]
    for name in input_shapes:
        if not any(info.name == name for info in real_inputs):
            what = "a constant initializer" if name in consts else "not a graph input"
            known = ", ".join(info.name for info in real_inputs) or "none"
            raise errors.DynamicShapeError(
                f"input_shapes names '{name}', which is {what} (inputs: {known})", node=name
            )
    inputs = [_fix_input(info, input_shapes.get(info.name)) for info in real_inputs]
    return GraphState(
        nodes=[_copy(node) for node in graph.node],
        inputs=inputs,
        outputs=[_copy(info) for info in graph.output],
        consts=consts,
        opset=default_opset(proto),
        ir_version=proto.ir_version,
    )


def _copy(message: _Message) -> _Message:
    """A detached copy of a protobuf message (the graph's own fields are rewritten later)."""
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def _initializers(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    consts = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    for sparse in graph.sparse_initializer:
        values = numpy_helper.to_array(sparse.values)
        indices = numpy_helper.to_array(sparse.indices)
        dense = np.zeros(tuple(sparse.dims), dtype=values.dtype)
        if indices.ndim == 1:
            dense.reshape(-1)[indices] = values
        else:
            dense[tuple(indices.T)] = values
        consts[sparse.values.name] = dense
    return consts


def _fix_input(info: onnx.ValueInfoProto, override: Sequence[int] | None) -> onnx.ValueInfoProto:
    """A copy of a graph input with a fully static shape (from the model or `override`)."""
    kind = info.type.WhichOneof("value")
    if kind != "tensor_type":
        raise errors.DTypeError(
            f"graph input '{info.name}' is a {kind or 'value of unknown type'}, not a tensor",
            node=info.name,
        )
    tensor_type = info.type.tensor_type
    if override is None:
        dims = _declared_dims(info.name, tensor_type)
    else:
        dims = _override_dims(info.name, tensor_type, override)
    return helper.make_tensor_value_info(info.name, tensor_type.elem_type, dims)


def _declared_dims(name: str, tensor_type: onnx.TypeProto.Tensor) -> list[int]:
    if not tensor_type.HasField("shape"):
        raise errors.DynamicShapeError(
            f"input '{name}' has unknown rank; pass input_shapes={{'{name}': [...]}}", node=name
        )
    dims: list[int] = []
    dynamic: list[str] = []
    for index, dim in enumerate(tensor_type.shape.dim):
        if dim.HasField("dim_value") and dim.dim_value >= 0:
            dims.append(int(dim.dim_value))
        else:
            dynamic.append(f"{index} ('{dim.dim_param or '?'}')")
    if dynamic:
        plural = "dimensions" if len(dynamic) > 1 else "dimension"
        raise errors.DynamicShapeError(
            f"input '{name}' has dynamic {plural} {', '.join(dynamic)}; "
            f"pass input_shapes={{'{name}': [...]}}",
            node=name,
        )
    return dims


def _override_dims(
    name: str, tensor_type: onnx.TypeProto.Tensor, override: Sequence[int]
) -> list[int]:
    dims = list(override)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims) or any(
        d < 0 for d in dims
    ):
        raise errors.DynamicShapeError(
            f"input_shapes['{name}'] = {dims!r} must be a list of non-negative integers",
            node=name,
        )
    rank = len(tensor_type.shape.dim) if tensor_type.HasField("shape") else None
    if rank is not None and rank != len(dims):
        raise errors.DynamicShapeError(
            f"input_shapes['{name}'] has rank {len(dims)} but the model declares rank {rank}",
            node=name,
        )
    return [int(d) for d in dims]


# --------------------------------------------------------------------------- result


def _validate(state: GraphState) -> dict[str, np.dtype]:
    """Check every used value has a static shape and a numeric dtype; return the dtypes."""
    producers = {out: node for node in state.nodes for out in node.output if out}
    used = [info.name for info in state.inputs]
    used += [name for node in state.nodes for name in node.input if name]
    used += [info.name for info in state.outputs]
    dtypes: dict[str, np.dtype] = {}
    for name in dict.fromkeys(used):
        dtypes[name] = _checked_value(name, state, producers.get(name))
    for name in producers:  # unused node outputs: record what is known, require nothing
        if name not in dtypes and name in state.shapes:
            dtype = _np_dtype(state.types.get(name, 0))
            if dtype is not None:
                dtypes[name] = dtype
    return dtypes


def _checked_value(name: str, state: GraphState, producer: onnx.NodeProto | None) -> np.dtype:
    node, op_type = (producer.name, producer.op_type) if producer else (name, "")
    what = f"output '{name}' of node '{node}' ({op_type})" if producer else f"value '{name}'"
    if name in state.non_tensor:
        raise errors.DTypeError(
            f"{what} is a {state.non_tensor[name]}, not a tensor", node=node, op_type=op_type
        )
    elem_type = state.types.get(name, 0)
    if not elem_type:
        raise errors.DynamicShapeError(
            f"{what} has no known element type", node=node, op_type=op_type
        )
    dtype = _np_dtype(elem_type)
    if dtype is None:
        type_name = onnx.TensorProto.DataType.Name(elem_type)
        raise errors.DTypeError(
            f"{what} has element type {type_name}, which cannot be compiled",
            node=node,
            op_type=op_type,
        )
    if name not in state.shapes:
        raise errors.DynamicShapeError(f"{what} has no static shape", node=node, op_type=op_type)
    return dtype


def _np_dtype(elem_type: int) -> np.dtype | None:
    """numpy dtype of an ONNX element type; None for strings and unknown types."""
    if elem_type in (0, onnx.TensorProto.STRING):
        return None
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, ValueError, TypeError):
        return None
    return None if dtype == np.dtype(object) else dtype


def _build_model(proto: onnx.ModelProto, state: GraphState) -> onnx.ModelProto:
    """Rewrite `proto` (owned by the loader) into the simplified model, in place.

    Initializers that survive are kept as they are; folded constants of up to WEIGHT_LIMIT
    elements are appended (larger ones stay only in `state.consts`: no copy of big weights).
    """
    graph = proto.graph
    for index in reversed(range(len(graph.initializer))):
        if graph.initializer[index].name not in state.consts:
            del graph.initializer[index]
    kept = {tensor.name for tensor in graph.initializer}
    graph.initializer.extend(
        numpy_helper.from_array(array, name)
        for name, array in state.consts.items()
        if name not in kept and array.size <= WEIGHT_LIMIT
    )
    graph.ClearField("sparse_initializer")  # densified into `initializer` above
    _replace(graph.node, state.nodes)
    _replace(graph.input, state.inputs)
    _replace(graph.output, [_value_info(info.name, state) for info in state.outputs])
    output_names = {info.name for info in state.outputs}
    _replace(
        graph.value_info,
        [
            _value_info(name, state)
            for node in state.nodes
            for name in node.output
            if name and name not in output_names and name in state.shapes and name in state.types
        ],
    )
    for opset in proto.opset_import:
        if opset.domain in _DEFAULT_DOMAINS:
            opset.version = state.opset
    proto.ir_version = state.ir_version
    proto.ClearField("functions")  # inlined by _prepare
    return proto


def _replace(field: Any, items: Sequence[Any]) -> None:
    """Replace the contents of a repeated protobuf message field."""
    del field[:]
    field.extend(items)


def _value_info(name: str, state: GraphState) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, state.types[name], state.shapes[name])
