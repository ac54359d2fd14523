// RUN: dnnf-opt %s --dnnf-fold-weights --split-input-file | FileCheck %s

// The folded-weight sub-graph dnnf-fold-into-weights emits for a BN collapses into constants.
// CHECK-LABEL: func.func @fold_weights
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense<[2.000000e+00, 1.000000e+00, 5.000000e-01]> : tensor<3xf32>}
// CHECK-DAG: %[[W:.*]] = "dnnf.constant"() {value = dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}5.000000e-01]], {{\[\[}}5.000000e-01]]]]> : tensor<3x2x1x1xf32>}
// CHECK-NOT: "dnnf.sqrt"
// CHECK-NOT: "dnnf.mul"
// CHECK: "dnnf.conv"(%[[X]], %[[W]], %[[B]])
func.func @fold_weights(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense<1.0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %v = "dnnf.constant"() {value = dense<[0.25, 1.0, 4.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %sq = "dnnf.sqrt"(%v) {mapping = "one_to_one"} : (tensor<3xf32>) -> tensor<3xf32>
  %s = "dnnf.div"(%one, %sq) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %s4 = "dnnf.reshape"(%s) {mapping = "reorganize"} : (tensor<3xf32>) -> tensor<3x1x1x1xf32>
  %w2 = "dnnf.mul"(%w, %s4) {mapping = "one_to_one"} : (tensor<3x2x1x1xf32>, tensor<3x1x1x1xf32>) -> tensor<3x2x1x1xf32>
  %b2 = "dnnf.sub"(%s, %one) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %b3 = "dnnf.add"(%b2, %one) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %0 = "dnnf.conv"(%x, %w2, %b3) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// Without a weight table (plain dnnf-opt) a resource's bytes are unknown: only the inline
// operand sub-graph folds, the product with the resource stays.
// CHECK-LABEL: func.func @fold_weights_resource_without_table
// CHECK: %[[W:.*]] = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>}
// CHECK: %[[S:.*]] = "dnnf.constant"() {value = dense<{{.*}}> : tensor<3x1x1x1xf32>}
// CHECK: "dnnf.mul"(%[[W]], %[[S]])
func.func @fold_weights_resource_without_table(%x: tensor<1x2x4x4xf32>) -> tensor<3x2x1x1xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %s = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %s4 = "dnnf.reshape"(%s) {mapping = "reorganize"} : (tensor<3xf32>) -> tensor<3x1x1x1xf32>
  %w2 = "dnnf.mul"(%w, %s4) {mapping = "one_to_one"} : (tensor<3x2x1x1xf32>, tensor<3x1x1x1xf32>) -> tensor<3x2x1x1xf32>
  return %w2 : tensor<3x2x1x1xf32>
}

// -----

// Do not fire: materialising the broadcast would grow a 1-element constant to 8192 elements.
// CHECK-LABEL: func.func @fold_weights_large_broadcast
// CHECK: "dnnf.expand"
func.func @fold_weights_large_broadcast() -> tensor<8192xf32> {
  %c = "dnnf.constant"() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %0 = "dnnf.expand"(%c) {mapping = "one_to_many"} : (tensor<1xf32>) -> tensor<8192xf32>
  return %0 : tensor<8192xf32>
}

// -----

// Do not fire: integer division rounds differently from numpy's true division.
// CHECK-LABEL: func.func @fold_weights_integer_div
// CHECK: "dnnf.div"
func.func @fold_weights_integer_div() -> tensor<2xi64> {
  %a = "dnnf.constant"() {value = dense<[7, -7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = "dnnf.constant"() {value = dense<2> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "dnnf.div"(%a, %b) {mapping = "one_to_one"} : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
