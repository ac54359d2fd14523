// RUN: not dnnf-opt %s 2>&1 | FileCheck %s

// CHECK: dnnf-opt: error: invalid IR
// CHECK: requires attribute 'mapping' ("shuffle")
func.func @no_mapping(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = "dnnf.transpose"(%a) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
