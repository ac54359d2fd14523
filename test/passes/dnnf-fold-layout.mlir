// RUN: dnnf-opt %s --dnnf-fold-layout --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = "dnnf.transpose"(%[[X]]) {mapping = "shuffle", perm = array<i64: 2, 1, 0>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = "dnnf.transpose"(%0) {mapping = "shuffle", perm = array<i64: 2, 0, 1>} : (tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
  return %1 : tensor<4x3x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_transpose_to_none
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: dnnf.transpose
// CHECK: return %[[X]]
func.func @transpose_transpose_to_none(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = "dnnf.transpose"(%0) {mapping = "shuffle", perm = array<i64: 2, 0, 1>} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// Do not fire: the transposes are separated by an element-wise op.
// CHECK-LABEL: func.func @transpose_relu_transpose
// CHECK: "dnnf.transpose"
// CHECK-SAME: perm = array<i64: 1, 0>
// CHECK: "dnnf.relu"
// CHECK: "dnnf.transpose"
// CHECK-SAME: perm = array<i64: 1, 0>
func.func @transpose_relu_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "dnnf.relu"(%0) {mapping = "one_to_one"} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %2 = "dnnf.transpose"(%1) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @identity_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: dnnf.transpose
// CHECK: return %[[X]]
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Do not fire: a 2x2 transpose keeps the type but is not the identity permutation.
// CHECK-LABEL: func.func @square_transpose
// CHECK: "dnnf.transpose"
// CHECK-SAME: perm = array<i64: 1, 0>
func.func @square_transpose(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x1xf32>)
// CHECK-NEXT: %[[R:.*]] = "dnnf.reshape"(%[[X]]) {mapping = "reorganize"} : (tensor<1x6x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<1x6x1xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.squeeze"(%x) {mapping = "reorganize", axes = array<i64: 0, 2>} : (tensor<1x6x1xf32>) -> tensor<6xf32>
  %1 = "dnnf.unsqueeze"(%0) {mapping = "reorganize", axes = array<i64: 0>} : (tensor<6xf32>) -> tensor<1x6xf32>
  %2 = "dnnf.flatten"(%1) {mapping = "reorganize", axis = 1 : i64} : (tensor<1x6xf32>) -> tensor<1x6xf32>
  %3 = "dnnf.reshape"(%2) {mapping = "reorganize"} : (tensor<1x6xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// A chain that restores its input's shape disappears.
// CHECK-LABEL: func.func @reshape_chain_restores_shape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: dnnf.reshape
// CHECK-NOT: dnnf.unsqueeze
// CHECK: return %[[X]]
func.func @reshape_chain_restores_shape(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = "dnnf.unsqueeze"(%0) {mapping = "reorganize", axes = array<i64: 1>} : (tensor<6xf32>) -> tensor<6x1xf32>
  %2 = "dnnf.reshape"(%1) {mapping = "reorganize"} : (tensor<6x1xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// Do not fire: a transpose (Shuffle, reorders elements) sits between the reshapes.
// CHECK-LABEL: func.func @reshape_transpose_reshape
// CHECK: "dnnf.reshape"
// CHECK: "dnnf.transpose"
// CHECK: "dnnf.reshape"
func.func @reshape_transpose_reshape(%x: tensor<6xf32>) -> tensor<6xf32> {
  %0 = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<6xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.transpose"(%0) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = "dnnf.reshape"(%1) {mapping = "reorganize"} : (tensor<3x2xf32>) -> tensor<6xf32>
  return %2 : tensor<6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_identity
// CHECK-SAME: (%[[X:.*]]: tensor<1x6xf32>)
// CHECK-NOT: dnnf.flatten
// CHECK: return %[[X]]
func.func @reshape_identity(%x: tensor<1x6xf32>) -> tensor<1x6xf32> {
  %0 = "dnnf.flatten"(%x) {mapping = "reorganize", axis = 1 : i64} : (tensor<1x6xf32>) -> tensor<1x6xf32>
  return %0 : tensor<1x6xf32>
}

// -----

// Do not fire: the reshape changes the shape.
// CHECK-LABEL: func.func @reshape_not_identity
// CHECK: "dnnf.reshape"
// CHECK-SAME: -> tensor<3x2xf32>
func.func @reshape_not_identity(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_into_matmul
// CHECK-SAME: (%[[A:.*]]: tensor<4x2xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK-NOT: dnnf.transpose
// CHECK: %[[G:.*]] = "dnnf.gemm"(%[[A]], %[[B]])
// CHECK-SAME: trans_a = 1 : i64, trans_b = 1 : i64
// CHECK: return %[[G]]
func.func @transpose_into_matmul(%a: tensor<4x2xf32>, %b: tensor<3x4xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.transpose"(%a) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %1 = "dnnf.transpose"(%b) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<3x4xf32>) -> tensor<4x3xf32>
  %2 = "dnnf.matmul"(%0, %1) {mapping = "many_to_many"} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// Do not fire: batched (3-D) operands have no Gemm form.
// CHECK-LABEL: func.func @transpose_into_batched_matmul
// CHECK: "dnnf.transpose"
// CHECK: "dnnf.matmul"
// CHECK-NOT: dnnf.gemm
func.func @transpose_into_batched_matmul(%a: tensor<2x4x3xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = "dnnf.transpose"(%a) {mapping = "shuffle", perm = array<i64: 0, 2, 1>} : (tensor<2x4x3xf32>) -> tensor<2x3x4xf32>
  %1 = "dnnf.matmul"(%0, %b) {mapping = "many_to_many"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %1 : tensor<2x3x5xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_into_gemm
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<4x3xf32>, %[[C:.*]]: tensor<3xf32>)
// CHECK-NOT: dnnf.transpose
// CHECK: "dnnf.gemm"(%[[A]], %[[B]], %[[C]])
// CHECK-SAME: alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32
// CHECK-SAME: trans_a = 0 : i64, trans_b = 0 : i64
func.func @transpose_into_gemm(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>, %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.transpose"(%b) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<4x3xf32>) -> tensor<3x4xf32>
  %1 = "dnnf.gemm"(%a, %0, %c) {mapping = "many_to_many", alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = 0 : i64, trans_b = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Do not fire: no operand is produced by a transpose.
// CHECK-LABEL: func.func @gemm_without_transpose
// CHECK: "dnnf.relu"
// CHECK: "dnnf.gemm"
// CHECK-SAME: trans_a = 0 : i64, trans_b = 1 : i64
func.func @gemm_without_transpose(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.relu"(%b) {mapping = "one_to_one"} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  %1 = "dnnf.gemm"(%a, %0) {mapping = "many_to_many", alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}
