// RUN: dnnf-opt %s | dnnf-opt | FileCheck %s

// CHECK-LABEL: func.func @ops
func.func @ops(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> (tensor<1x4x8x8xf32>, tensor<2x1x4x8x8xf32>) {
  // CHECK: "dnnf.conv"(%{{.*}}, %{{.*}}, %{{.*}}) {{.*}}mapping = "many_to_many"
  %0 = "dnnf.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: "dnnf.relu"{{.*}}mapping = "one_to_one"
  %1 = "dnnf.relu"(%0) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: "dnnf.concat"{{.*}}axis = 0 : i64
  %2 = "dnnf.concat"(%1, %0) {axis = 0 : i64, mapping = "one_to_one", operandSegmentSizes = array<i32: 2>} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // CHECK: "dnnf.unsqueeze"{{.*}}mapping = "reorganize"
  %3 = "dnnf.unsqueeze"(%2) {axes = array<i64: 1>, mapping = "reorganize"} : (tensor<2x4x8x8xf32>) -> tensor<2x1x4x8x8xf32>
  // CHECK: "dnnf.fused"
  // CHECK: "dnnf.yield"
  %4 = "dnnf.fused"(%1) ({
  ^bb0(%a: tensor<1x4x8x8xf32>):
    %r = "dnnf.sigmoid"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    "dnnf.yield"(%r) {operandSegmentSizes = array<i32: 1>} : (tensor<1x4x8x8xf32>) -> ()
  }) {mapping = "one_to_one", operandSegmentSizes = array<i32: 1>, resultSegmentSizes = array<i32: 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %4, %3 : tensor<1x4x8x8xf32>, tensor<2x1x4x8x8xf32>
}
