// RUN: dnnf-opt %s --dnnf-fusion-plan --convert-dnnf-to-linalg --dnnf-fuse-elementwise --split-input-file | FileCheck %s

// Bias add, head split (reshape) and transpose: one generic writing the transposed layout;
// the transpose is an indexing map, not a copy kernel.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @bias_split_heads(%q: tensor<1x16x32xf32>, %b: tensor<32xf32>) -> tensor<1x2x16x16xf32> {
  %a = "dnnf.add"(%q, %b) {mapping = "one_to_one"} : (tensor<1x16x32xf32>, tensor<32xf32>) -> tensor<1x16x32xf32>
  %r = "dnnf.reshape"(%a) {mapping = "reorganize"} : (tensor<1x16x32xf32>) -> tensor<1x16x2x16xf32>
  %t = "dnnf.transpose"(%r) {mapping = "shuffle", perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x16xf32>) -> tensor<1x2x16x16xf32>
  return %t : tensor<1x2x16x16xf32>
}

// -----

// A reshape in front of a matmul: the matmul stays a named linalg.matmul (shielded from the
// reshape propagation, which would turn it into a generic with unit reduction loops).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: tensor.collapse_shape
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK-NOT: dnnf_shield
// CHECK-LABEL: func.func @flatten_gemm
func.func @flatten_gemm(%x: tensor<1x8x1x1xf32>, %w: tensor<10x8xf32>, %b: tensor<10xf32>) -> tensor<1x10xf32> {
  %f = "dnnf.flatten"(%x) {axis = 1 : i64, mapping = "reorganize"} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  %y = "dnnf.gemm"(%f, %w, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
