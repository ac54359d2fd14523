"""`count_kernels` counts the loop nests of a called kernel function once per call site."""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.stats import count_kernels

_MODULE = """
func.func private @k(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %z = arith.constant 0.0 : f32
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


def test_count_kernels_counts_call_sites() -> None:
    with ir.Context():
        module = ir.Module.parse(_MODULE)
        assert count_kernels(module) == 2 * 2 + 1  # fill is not a kernel
