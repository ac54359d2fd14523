"""The dnnf dialect: IRDL definition, mapping types, build -> print -> parse -> verify."""

from __future__ import annotations

import pytest

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.onnx_importer import new_context
from dnnfusion_mlir.importer.registry import supported_op_types

EXPECTED_MAPPING = {
    "relu": MappingType.ONE_TO_ONE, "add": MappingType.ONE_TO_ONE,
    "concat": MappingType.ONE_TO_ONE, "batch_norm": MappingType.ONE_TO_ONE,
    "expand": MappingType.ONE_TO_MANY, "gather": MappingType.ONE_TO_MANY,
    "resize": MappingType.ONE_TO_MANY, "conv": MappingType.MANY_TO_MANY,
    "matmul": MappingType.MANY_TO_MANY, "softmax": MappingType.MANY_TO_MANY,
    "reduce_mean": MappingType.MANY_TO_MANY, "reshape": MappingType.REORGANIZE,
    "flatten": MappingType.REORGANIZE, "squeeze": MappingType.REORGANIZE,
    "transpose": MappingType.SHUFFLE,
}


def _by_name() -> dict[str, type]:
    return {cls.OPERATION_NAME.split(".", 1)[1]: cls for cls in dnnf.all_ops()}


@pytest.mark.parametrize(("name", "mapping"), sorted(EXPECTED_MAPPING.items()))
def test_mapping_types(name: str, mapping: MappingType) -> None:
    assert _by_name()[name].MAPPING is mapping


def test_irdl_definition_lists_every_op() -> None:
    with new_context():
        text = str(dnnf.Dnnf._mlir_module)
    assert text.startswith("module {\n  irdl.dialect @dnnf {")
    for name in _by_name():
        assert f"irdl.operation @{name} {{" in text
    # Every ONNX-mapped op carries a `mapping` attribute in its IRDL definition.
    mapped = [c for c in dnnf.all_ops() if getattr(c, "ONNX", ())]
    assert text.count('"mapping" = ') >= len(mapped)


def test_every_dialect_op_has_a_converter() -> None:
    """Each ONNX op type a dnnf op claims is converted (some converters decompose, e.g. Sum)."""
    supported = set(supported_op_types())
    missing = [t for t in dnnf.ops_by_onnx_type() if t not in supported]
    assert missing == []


def test_build_print_parse_verify() -> None:
    with new_context() as ctx, ir.Location.unknown():
        f32 = ir.F32Type.get()
        t_in = ir.RankedTensorType.get([1, 3, 8, 8], f32)
        t_w = ir.RankedTensorType.get([4, 3, 3, 3], f32)
        t_out = ir.RankedTensorType.get([1, 4, 8, 8], f32)
        module = ir.Module.create()
        from dnnfusion_mlir._mlir import func

        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("f", ir.FunctionType.get([t_in, t_w], [t_out]))
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            conv = dnnf.ConvOp(block.arguments[0], block.arguments[1], attrs.i64_array([1, 1]),
                               attrs.i64_array([1, 1, 1, 1]), attrs.i64_array([1, 1]),
                               attrs.i64(1), t_out)
            relu = dnnf.ReluOp(conv.out, t_out)
            func.ReturnOp([relu.out])
        assert module.operation.verify()
        text = str(module)
        assert 'mapping = "many_to_many"' in text
        assert 'mapping = "one_to_one"' in text
        reparsed = ir.Module.parse(text, ctx)
        assert reparsed.operation.verify()
        assert str(reparsed) == text


def test_wrong_mapping_is_rejected() -> None:
    src = """func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
      %0 = "dnnf.relu"(%a) {mapping = "shuffle"} : (tensor<2xf32>) -> tensor<2xf32>
      return %0 : tensor<2xf32>
    }"""
    with new_context() as ctx, pytest.raises(ir.MLIRError, match="mapping"):
        ir.Module.parse(src, ctx)
