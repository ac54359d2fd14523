"""The ECG analysis: mapping types, shapes, bytes, edges and cost estimates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import CONST, ECG, RETURN, estimate_flops

SOURCE = """
func.func @main(%x: tensor<2x3x8x8xf32>, %m: tensor<4x5xf32>, %i: tensor<6xi64>)
    -> (tensor<2x4x4x4xf32>, tensor<4x7xf32>, tensor<6xi64>, tensor<4x7xf32>) {
  %w = "dnnf.constant"() {value = dense<1.0> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "dnnf.constant"() {value = dense<0.5> : tensor<4x1x1xf32>} : () -> tensor<4x1x1xf32>
  %r = "dnnf.constant"() {value = dense<1.0> : tensor<5x7xf32>} : () -> tensor<5x7xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 2, 2>,
      pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x4x4xf32> loc("conv")
  %1 = "dnnf.add"(%0, %b) {mapping = "one_to_one"}
      : (tensor<2x4x4x4xf32>, tensor<4x1x1xf32>) -> tensor<2x4x4x4xf32> loc("bias")
  %2 = "dnnf.exp"(%1) {mapping = "one_to_one"} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %3 = "dnnf.matmul"(%m, %r) {mapping = "many_to_many"}
      : (tensor<4x5xf32>, tensor<5x7xf32>) -> tensor<4x7xf32>
  %4 = "dnnf.neg"(%i) {mapping = "one_to_one"} : (tensor<6xi64>) -> tensor<6xi64>
  %5 = "dnnf.reduce_sum"(%3) {axes = array<i64: 1>, keepdims = 1 : i64, mapping = "many_to_many"}
      : (tensor<4x7xf32>) -> tensor<4x1xf32>
  %6 = "dnnf.transpose"(%3) {mapping = "shuffle", perm = array<i64: 0, 1>}
      : (tensor<4x7xf32>) -> tensor<4x7xf32>
  %7 = "dnnf.sub"(%6, %5) {mapping = "one_to_one"}
      : (tensor<4x7xf32>, tensor<4x1xf32>) -> tensor<4x7xf32>
  return %2, %3, %4, %7 : tensor<2x4x4x4xf32>, tensor<4x7xf32>, tensor<6xi64>, tensor<4x7xf32>
}
"""


@pytest.fixture
def module() -> Iterator[ir.Module]:
    with ir.Context() as ctx, ir.Location.unknown():
        dnnf.load(ctx)
        yield ir.Module.parse(SOURCE)


def test_nodes_skip_constants_and_keep_program_order(module: ir.Module) -> None:
    ecg = ECG(module)
    assert [n.name for n in ecg] == ["dnnf.conv", "dnnf.add", "dnnf.exp", "dnnf.matmul",
                                     "dnnf.neg", "dnnf.reduce_sum", "dnnf.transpose",
                                     "dnnf.sub"]
    assert [n.index for n in ecg] == list(range(8))
    assert {n.function for n in ecg} == {"main"}


def test_mapping_types_and_broadcast_operands(module: ir.Module) -> None:
    conv, add, _, mm, _, red, tr, sub = ECG(module).nodes
    assert conv.mapping is MappingType.MANY_TO_MANY
    assert mm.mapping is red.mapping is MappingType.MANY_TO_MANY
    assert tr.mapping is MappingType.SHUFFLE
    assert add.mapping is MappingType.ONE_TO_ONE
    assert add.operand_mappings == [MappingType.ONE_TO_ONE, MappingType.ONE_TO_MANY]
    assert sub.operand_mappings == [MappingType.ONE_TO_ONE, MappingType.ONE_TO_MANY]
    assert conv.operand_mappings == [MappingType.MANY_TO_MANY] * 2


def test_shapes_elements_bytes(module: ir.Module) -> None:
    ecg = ECG(module)
    conv, neg = ecg.nodes[0], ecg.nodes[4]
    assert conv.shapes == [(2, 4, 4, 4)]
    assert conv.elements == [128]
    assert conv.bytes == [512]
    assert neg.element_types == ["i64"]
    assert neg.bytes == [48]
    assert conv.location == "conv"
    assert ecg.nodes[1].location == "bias"
    assert ecg.nodes[2].location == "-"


def test_producers_and_consumers(module: ir.Module) -> None:
    conv, add, exp, mm, neg, red, tr, sub = ECG(module).nodes
    assert conv.producers == ["%arg0", CONST]
    assert conv.constant_inputs == [1]
    assert conv.consumers == [1]
    assert add.producers == [0, CONST]
    assert add.consumers == [2]
    assert exp.consumers == [RETURN]
    assert mm.producers == ["%arg1", CONST]
    assert mm.consumers == [5, 6, RETURN]
    assert neg.producers == ["%arg2"]
    assert neg.consumers == [RETURN]
    assert sub.producers == [6, 5]
    assert red.consumers == [7]
    assert tr.consumers == [7]


def test_flops_estimates(module: ir.Module) -> None:
    conv, add, exp, mm, neg, red, tr, sub = ECG(module).nodes
    # conv: 2 * N*Cout*OH*OW * Cin*KH*KW
    assert conv.flops == 2 * (2 * 4 * 4 * 4) * (3 * 3 * 3)
    assert mm.flops == 2 * 4 * 7 * 5
    assert add.flops == 128
    assert neg.flops == 6
    assert sub.flops == 28
    assert exp.flops == 4 * 128  # transcendental
    assert red.flops == 28  # input elements
    assert tr.flops == 0  # pure data movement


def test_bytes_moved_and_totals(module: ir.Module) -> None:
    ecg = ECG(module)
    conv, add = ecg.nodes[0], ecg.nodes[1]
    assert conv.bytes_moved == 2 * 3 * 8 * 8 * 4 + 4 * 3 * 3 * 3 * 4 + 512
    assert add.bytes_moved == 512 + 16 + 512
    assert ecg.total_flops == sum(n.flops for n in ecg)
    assert ecg.total_bytes == sum(n.bytes_moved for n in ecg)
    assert estimate_flops(module) == ecg.total_flops
    assert estimate_flops(module.body.operations[0]) == ecg.total_flops


def test_node_lookup_and_text(module: ir.Module) -> None:
    ecg = ECG(module)
    ops = list(module.body.operations[0].regions[0].blocks[0].operations)
    assert ecg.node(ops[0]) is None  # a constant
    node = ecg.node(ops[3])
    assert node is not None
    assert node.name == "dnnf.conv"
    lines = ecg.text().splitlines()
    assert lines[0] == "ecg @main"
    assert lines[2].startswith("  #1 dnnf.add @bias 1:1(1:1,1:M) 2x4x4x4xf32 bytes=512")
    assert lines[-1] == f"total: nodes=8 flops={ecg.total_flops} bytes={ecg.total_bytes}"


def test_flops_drop_when_ops_are_removed(module: ir.Module) -> None:
    before = estimate_flops(module)
    ops = list(module.body.operations[0].regions[0].blocks[0].operations)
    exp = ops[5]
    exp.results[0].replace_all_uses_with(exp.operands[0])
    exp.erase()
    assert estimate_flops(module) == before - 4 * 128
