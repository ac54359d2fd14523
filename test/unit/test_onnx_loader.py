"""Unit tests for dnnfusion_mlir.importer.onnx_loader (ONNX loading, checks and folding)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from dnnfusion_mlir import errors
from dnnfusion_mlir.importer.onnx_loader import LoadedModel, load_model

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def make(
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[onnx.ValueInfoProto],
    outputs: Sequence[onnx.ValueInfoProto],
    initializers: Sequence[onnx.TensorProto] = (),
    opset: int = 17,
    ir_version: int = 8,
) -> onnx.ModelProto:
    graph = helper.make_graph(list(nodes), "g", list(inputs), list(outputs), list(initializers))
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version
    )


def vi(name: str, shape: Sequence[int | str] | None, elem: int = F) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def const(name: str, value: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(value, name)


def op_types(loaded: LoadedModel) -> list[str]:
    return [node.op_type for node in loaded.model.graph.node]


def reshape_chain_model(batch: int | str = 2) -> onnx.ModelProto:
    """y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])) followed by Relu."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["b"], axis=0),
        helper.make_node("Unsqueeze", ["b", "axes0"], ["b1"]),
        helper.make_node("Concat", ["b1", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"]),
        helper.make_node("Relu", ["r"], ["y"]),
    ]
    inits = [
        const("zero", np.array(0, np.int64)),
        const("axes0", np.array([0], np.int64)),
        const("minus1", np.array([-1], np.int64)),
    ]
    return make(nodes, [vi("x", [batch, 3, 4])], [vi("y", None)], inits)


# --------------------------------------------------------------------------- folding


def test_shape_gather_concat_reshape_folds_to_static_reshape() -> None:
    loaded = load_model(reshape_chain_model())
    assert op_types(loaded) == ["Reshape", "Relu"]
    reshape = loaded.model.graph.node[0]
    np.testing.assert_array_equal(loaded.constants[reshape.input[1]], [2, -1])
    assert loaded.shapes["r"] == (2, 12)
    assert loaded.shapes["y"] == (2, 12)
    assert loaded.dtypes["y"] == np.dtype(np.float32)
    assert loaded.shapes["x"] == (2, 3, 4)
    assert loaded.opset == 17
    onnx.checker.check_model(loaded.model)


def test_constant_of_shape_and_range_fold() -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node(
            "ConstantOfShape", ["s"], ["ones"], value=helper.make_tensor("v", F, [1], [1.0])
        ),
        helper.make_node("Range", ["start", "limit", "delta"], ["rng"]),
        helper.make_node("Cast", ["rng"], ["rngf"], to=F),
        helper.make_node("Add", ["x", "ones"], ["a"]),
        helper.make_node("Add", ["a", "rngf"], ["y"]),
    ]
    inits = [
        const("start", np.array(0, np.int64)),
        const("limit", np.array(4, np.int64)),
        const("delta", np.array(1, np.int64)),
    ]
    loaded = load_model(make(nodes, [vi("x", [3, 4])], [vi("y", [3, 4])], inits))
    assert op_types(loaded) == ["Add", "Add"]
    np.testing.assert_array_equal(loaded.constants["ones"], np.ones((3, 4), np.float32))
    np.testing.assert_array_equal(loaded.constants["rngf"], np.arange(4, dtype=np.float32))
    assert loaded.constants["rngf"].dtype == np.float32
    assert "rng" not in loaded.constants  # only feeds a folded node
    assert loaded.dtypes["ones"] == np.dtype(np.float32)


def test_constant_nodes_become_constants() -> None:
    nodes = [
        helper.make_node("Constant", [], ["c"], value=const("t", np.full((2,), 3.0, np.float32))),
        helper.make_node("Constant", [], ["k"], value_float=2.0),
        helper.make_node("Mul", ["c", "k"], ["ck"]),
        helper.make_node("Add", ["x", "ck"], ["y"]),
    ]
    loaded = load_model(make(nodes, [vi("x", [2])], [vi("y", [2])]))
    assert op_types(loaded) == ["Add"]
    np.testing.assert_array_equal(loaded.constants["ck"], [6.0, 6.0])
    assert [t.name for t in loaded.model.graph.initializer] == ["ck"]


def test_big_broadcast_is_not_materialised() -> None:
    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["big"]),
        helper.make_node("Add", ["x", "big"], ["y"]),
    ]
    inits = [const("shape", np.array([2048, 1024], np.int64))]
    loaded = load_model(make(nodes, [vi("x", [2048, 1024])], [vi("y", None)], inits))
    assert op_types(loaded) == ["ConstantOfShape", "Add"]
    assert loaded.shapes["big"] == (2048, 1024)
    assert "big" not in loaded.constants


def test_transpose_of_weight_folds_and_random_ops_do_not() -> None:
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)
    nodes = [
        helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]),
        helper.make_node("MatMul", ["x", "wt"], ["m"]),
        helper.make_node("RandomNormal", [], ["noise"], shape=[2, 3], dtype=F),
        helper.make_node("Add", ["m", "noise"], ["y"]),
    ]
    model = make(nodes, [vi("x", [2, 4])], [vi("y", None)], [const("w", weight)])
    loaded = load_model(model)
    assert op_types(loaded) == ["MatMul", "RandomNormal", "Add"]
    np.testing.assert_array_equal(loaded.constants["wt"], weight.T)
    assert "w" not in loaded.constants


def test_dead_nodes_are_removed_graph_outputs_kept() -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["y"]),
        helper.make_node("Sigmoid", ["x"], ["unused"]),
        helper.make_node("Tanh", ["unused"], ["unused2"]),
    ]
    loaded = load_model(make(nodes, [vi("x", [2])], [vi("y", [2])]))
    assert op_types(loaded) == ["Relu"]
    assert "unused" not in loaded.shapes


def test_constant_graph_output_is_kept() -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Relu", ["x"], ["y"]),
    ]
    loaded = load_model(make(nodes, [vi("x", [2, 5])], [vi("y", None), vi("s", None, I64)]))
    assert [o.name for o in loaded.model.graph.output] == ["y", "s"]
    np.testing.assert_array_equal(loaded.constants["s"], [2, 5])
    assert loaded.shapes["s"] == (2,)
    assert loaded.dtypes["s"] == np.dtype(np.int64)


def test_initializer_listed_as_input_is_constant() -> None:
    weight = np.ones((2,), np.float32)
    nodes = [helper.make_node("Add", ["x", "w"], ["y"])]
    model = make(nodes, [vi("x", [2]), vi("w", [2])], [vi("y", [2])], [const("w", weight)])
    loaded = load_model(model)
    assert [i.name for i in loaded.model.graph.input] == ["x"]
    np.testing.assert_array_equal(loaded.constants["w"], weight)
    assert loaded.shapes["w"] == (2,)


def test_unnamed_nodes_get_unique_names() -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"], name="Relu_0"),
        helper.make_node("Neg", ["b"], ["c"], name="dup"),
        helper.make_node("Neg", ["c"], ["y"], name="dup"),
    ]
    loaded = load_model(make(nodes, [vi("x", [2])], [vi("y", [2])]))
    names = [node.name for node in loaded.model.graph.node]
    assert all(names)
    assert len(set(names)) == 4
    assert "Relu_0" in names
    assert "dup" in names


# --------------------------------------------------------------------------- shapes


def test_dynamic_batch_without_input_shapes_names_the_input() -> None:
    with pytest.raises(errors.DynamicShapeError, match=r"'x'.*dimension 0 \('batch'\)") as info:
        load_model(reshape_chain_model("batch"))
    assert info.value.node == "x"


def test_dynamic_batch_with_input_shapes() -> None:
    loaded = load_model(reshape_chain_model("batch"), input_shapes={"x": [5, 3, 4]})
    assert op_types(loaded) == ["Reshape", "Relu"]
    assert loaded.shapes["y"] == (5, 12)
    assert loaded.model.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 5


def test_input_shapes_rank_mismatch_and_unknown_name() -> None:
    with pytest.raises(errors.DynamicShapeError, match="rank 2"):
        load_model(reshape_chain_model("batch"), input_shapes={"x": [5, 12]})
    with pytest.raises(errors.DynamicShapeError, match="'nope'"):
        load_model(reshape_chain_model(), input_shapes={"nope": [1]})


def test_value_without_static_shape_names_the_node() -> None:
    nodes = [helper.make_node("NonZero", ["x"], ["nz"], name="nz_node")]
    model = make(nodes, [vi("x", [4])], [vi("nz", None, I64)])
    with pytest.raises(errors.DynamicShapeError, match="no static shape") as info:
        load_model(model)
    assert (info.value.node, info.value.op_type) == ("nz_node", "NonZero")


def test_string_value_raises_dtype_error() -> None:
    nodes = [helper.make_node("Identity", ["x"], ["y"], name="id")]
    model = make(nodes, [vi("x", [2], TensorProto.STRING)], [vi("y", [2], TensorProto.STRING)])
    with pytest.raises(errors.DTypeError, match="STRING"):
        load_model(model)


# --------------------------------------------------------------------------- reading


def test_bytes_and_path_inputs(tmp_path: Path) -> None:
    model = reshape_chain_model()
    assert op_types(load_model(model.SerializeToString())) == ["Reshape", "Relu"]
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    assert op_types(load_model(path)) == ["Reshape", "Relu"]
    assert op_types(load_model(str(path))) == ["Reshape", "Relu"]


def test_external_data_model(tmp_path: Path) -> None:
    weight = np.arange(4096, dtype=np.float32)
    nodes = [helper.make_node("Add", ["x", "w"], ["y"])]
    model = make(nodes, [vi("x", [4096])], [vi("y", [4096])], [const("w", weight)])
    path = tmp_path / "ext.onnx"
    onnx.save(model, str(path), save_as_external_data=True, size_threshold=0, location="w.bin")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.constants["w"], weight)


def test_truncated_bytes_raise_malformed() -> None:
    data = reshape_chain_model().SerializeToString()
    with pytest.raises(errors.MalformedModelError, match="truncated"):
        load_model(data[: len(data) // 2])


def test_garbage_file_raises_malformed(tmp_path: Path) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"this is not an onnx model\x00\xff\xfe" * 10)
    with pytest.raises(errors.MalformedModelError, match=r"garbage\.onnx"):
        load_model(path)


def test_missing_file_raises_malformed(tmp_path: Path) -> None:
    with pytest.raises(errors.MalformedModelError, match="no such file"):
        load_model(tmp_path / "missing.onnx")


def test_checker_failure_raises_malformed() -> None:
    nodes = [helper.make_node("Relu", ["undefined"], ["y"], name="r")]
    with pytest.raises(errors.MalformedModelError, match="checker"):
        load_model(make(nodes, [vi("x", [2])], [vi("y", [2])]))


# --------------------------------------------------------------------------- opsets and ops


def test_opset_11_model_is_converted() -> None:
    nodes = [
        helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0]),
        helper.make_node("ReduceSum", ["u"], ["y"], axes=[2], keepdims=0),
    ]
    model = make(nodes, [vi("x", [3, 4])], [vi("y", None)], opset=11, ir_version=6)
    loaded = load_model(model)
    assert loaded.opset == 17
    assert op_types(loaded) == ["Unsqueeze", "ReduceSum"]
    assert loaded.shapes["y"] == (1, 3)
    assert all(node.name for node in loaded.model.graph.node)


def test_opset_21_model_loads_as_is() -> None:
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    loaded = load_model(make(nodes, [vi("x", [2])], [vi("y", [2])], opset=21, ir_version=10))
    assert loaded.opset == 21
    assert op_types(loaded) == ["Relu"]


def test_too_old_opset_is_rejected() -> None:
    """Add changed at opset 7 (numpy broadcasting), so an opset-6 Add is not imported."""
    nodes = [helper.make_node("Add", ["x", "x"], ["y"], name="old_add")]
    with pytest.raises(errors.UnsupportedOpError, match="opset 6") as info:
        load_model(make(nodes, [vi("x", [2])], [vi("y", [2])], opset=6, ir_version=3))
    assert info.value.node == "old_add"


def test_old_opset_with_unchanged_ops_is_lifted() -> None:
    """Relu's opset-6 schema is still in force at opset 7: the model imports unchanged."""
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    loaded = load_model(make(nodes, [vi("x", [2])], [vi("y", [2])], opset=6, ir_version=3))
    assert [n.op_type for n in loaded.model.graph.node] == ["Relu"]


def test_unknown_domain_node_raises_unsupported() -> None:
    nodes = [helper.make_node("FusedGemm", ["x"], ["y"], name="fg", domain="com.microsoft")]
    graph = helper.make_graph(nodes, "g", [vi("x", [2])], [vi("y", [2])])
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        ir_version=8,
    )
    with pytest.raises(errors.UnsupportedOpError, match=r"com\.microsoft") as info:
        load_model(model)
    assert (info.value.node, info.value.op_type) == ("fg", "FusedGemm")


def test_unregistered_default_domain_op_raises_unsupported() -> None:
    nodes = [helper.make_node("NoSuchOp", ["x"], ["y"], name="n")]
    with pytest.raises(errors.UnsupportedOpError) as info:
        load_model(make(nodes, [vi("x", [2])], [vi("y", [2])]))
    assert (info.value.node, info.value.op_type) == ("n", "NoSuchOp")


def test_shape_inference_error_names_the_node() -> None:
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="bad_add")]
    model = make(nodes, [vi("x", [3])], [vi("y", None)], [const("w", np.ones((4,), np.float32))])
    with pytest.raises(errors.MalformedModelError) as info:
        load_model(model)
    assert info.value.node == "bad_add"
    assert info.value.op_type == "Add"


def test_caller_model_is_not_modified() -> None:
    model = reshape_chain_model("batch")
    before = model.SerializeToString()
    load_model(model, input_shapes={"x": [1, 3, 4]})
    assert model.SerializeToString() == before


def _weight_model(ir_version: int = 8) -> tuple[onnx.ModelProto, np.ndarray]:
    """x[8, 1024] @ w[1024, 1024] + y: one weight above WEIGHT_LIMIT."""
    weight = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    inputs = [vi("x", [8, 1024])] + ([vi("w", [1024, 1024])] if ir_version < 4 else [])
    model = make(nodes, inputs, [vi("y", None)], [const("w", weight)], ir_version=ir_version)
    return model, weight


@pytest.mark.parametrize("ir_version", [3, 8])
def test_weights_leave_the_protobuf(ir_version: int) -> None:
    model, weight = _weight_model(ir_version)
    before = model.SerializeToString()
    loaded = load_model(model)
    assert model.SerializeToString() == before
    np.testing.assert_array_equal(loaded.constants["w"], weight)
    assert [t.name for t in loaded.model.graph.initializer] == []
    assert [i.name for i in loaded.model.graph.input] == ["x"]
    assert loaded.shapes["y"] == (8, 1024)


def test_weights_from_bytes_view_the_raw_data() -> None:
    model, weight = _weight_model()
    loaded = load_model(model.SerializeToString())
    array = loaded.constants["w"]
    np.testing.assert_array_equal(array, weight)
    assert not array.flags.writeable  # a view of the tensor's bytes, not a converted copy


def test_malformed_weight_is_reported() -> None:
    model, _ = _weight_model()
    tensor = model.graph.initializer[0]
    tensor.raw_data = tensor.raw_data[:-4]
    with pytest.raises(errors.MalformedModelError, match="'w'"):
        load_model(model)
