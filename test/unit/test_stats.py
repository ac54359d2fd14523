"""`count_loop_nests` counts the loop nests of a called block function once per call site."""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.block_fusion import count_loop_nests

_MODULE = """
func.func private @k(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %z = arith.constant 0.0 : f32
  %p = tensor.pad %a low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %z : f32
  } : tensor<4xf32> to tensor<6xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>)
    -> tensor<4xf32>
  %s = linalg.mul ins(%r, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>)
    -> tensor<4xf32>
  return %s : tensor<4xf32>
}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = func.call @k(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = func.call @k(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %c = linalg.add ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>)
    -> tensor<4xf32>
  return %c : tensor<4xf32>
}
"""


def test_count_loop_nests_counts_call_sites() -> None:
    with ir.Context():
        module = ir.Module.parse(_MODULE)
        assert count_loop_nests(module) == 2 * 3 + 1  # fill is not a kernel; a pad is a copy loop
