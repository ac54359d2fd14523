// RUN: dnnf-opt %s --dnnf-fold-into-weights --split-input-file | FileCheck %s

// The folded weights are dnnf ops over the constants (dnnf-fold-weights evaluates them).
// CHECK-LABEL: func.func @bn_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-DAG: %[[W:.*]] = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: %[[G:.*]] = "dnnf.constant"() {value = dense<2.000000e+00> : tensor<3xf32>}
// CHECK-DAG: %[[BETA:.*]] = "dnnf.constant"() {value = dense<[5.000000e-01, 2.500000e-01, 0.000000e+00]>
// CHECK-DAG: %[[MEAN:.*]] = "dnnf.constant"() {value = dense<[1.000000e-01, 2.000000e-01, 3.000000e-01]>
// CHECK-DAG: %[[VAR:.*]] = "dnnf.constant"() {value = dense<[1.000000e+00, 4.000000e+00, 9.000000e+00]>
// CHECK-DAG: %[[EPS:.*]] = "dnnf.constant"() {value = dense<9.99999974E-6> : tensor<3xf32>}
// CHECK: %[[VE:.*]] = "dnnf.add"(%[[VAR]], %[[EPS]])
// CHECK: %[[STD:.*]] = "dnnf.sqrt"(%[[VE]])
// CHECK: %[[S:.*]] = "dnnf.div"(%[[G]], %[[STD]])
// CHECK: %[[MS:.*]] = "dnnf.mul"(%[[MEAN]], %[[S]])
// CHECK: %[[T:.*]] = "dnnf.sub"(%[[BETA]], %[[MS]])
// CHECK: %[[S4:.*]] = "dnnf.reshape"(%[[S]]) {{.*}} -> tensor<3x1x1x1xf32>
// CHECK: %[[W2:.*]] = "dnnf.mul"(%[[W]], %[[S4]])
// CHECK: %[[BS:.*]] = "dnnf.mul"(%[[B]], %[[S]])
// CHECK: %[[B2:.*]] = "dnnf.add"(%[[BS]], %[[T]])
// CHECK: %[[C:.*]] = "dnnf.conv"(%[[X]], %[[W2]], %[[B2]])
// CHECK-NOT: dnnf.batch_norm
// CHECK: return %[[C]]
func.func @bn_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %b = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %g = "dnnf.constant"() {value = dense<[2.0, 2.0, 2.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %be = "dnnf.constant"() {value = dense<[0.5, 0.25, 0.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %m = "dnnf.constant"() {value = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>} : () -> tensor<3xf32>
  %v = "dnnf.constant"() {value = dense<[1.0, 4.0, 9.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.conv"(%x, %w, %b) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.batch_norm"(%0, %g, %be, %m, %v) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}

// -----

// Do not fire: the conv result has a second use, which needs the unscaled values.
// CHECK-LABEL: func.func @bn_into_conv_two_uses
// CHECK: %[[C:.*]] = "dnnf.conv"
// CHECK: "dnnf.batch_norm"(%[[C]],
// CHECK: "dnnf.add"(%[[C]],
func.func @bn_into_conv_two_uses(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %2 = "dnnf.add"(%0, %1) {mapping = "one_to_one"} : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %2 : tensor<1x3x4x4xf32>
}

// -----

// ConvTranspose weights are [C_in, C_out/g, k...]: s is laid along axis 2 of the grouped view.
// CHECK-LABEL: func.func @bn_into_conv_transpose
// CHECK: %[[WG:.*]] = "dnnf.reshape"(%{{.*}}) {{.*}} -> tensor<2x1x2x3x3xf32>
// CHECK: %[[SV:.*]] = "dnnf.reshape"(%{{.*}}) {{.*}} -> tensor<2x1x2x1x1xf32>
// CHECK: %[[M:.*]] = "dnnf.mul"(%[[WG]], %[[SV]])
// CHECK: %[[W2:.*]] = "dnnf.reshape"(%[[M]]) {{.*}} -> tensor<2x2x3x3xf32>
// CHECK: "dnnf.conv_transpose"(%{{.*}}, %[[W2]], %{{.*}}) {{.*}}group = 2 : i64
// CHECK-NOT: dnnf.batch_norm
func.func @bn_into_conv_transpose(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x6x6xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "dnnf.conv_transpose"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// Do not fire: the BN parameters are not constant (they come in as arguments).
// CHECK-LABEL: func.func @bn_into_conv_transpose_variable_params
// CHECK: %[[C:.*]] = "dnnf.conv_transpose"
// CHECK: "dnnf.batch_norm"(%[[C]],
func.func @bn_into_conv_transpose_variable_params(%x: tensor<1x2x4x4xf32>, %p: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %0 = "dnnf.conv_transpose"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// Gemm with transB: the scale runs along B's rows, C becomes beta * C * s + t and beta = 1.
// CHECK-LABEL: func.func @bn_into_gemm
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>)
// CHECK: %[[S:.*]] = "dnnf.div"
// CHECK: %[[T:.*]] = "dnnf.sub"
// CHECK: %[[BETA:.*]] = "dnnf.constant"() {value = dense<5.000000e-01> : tensor<1xf32>}
// CHECK: %[[BC:.*]] = "dnnf.mul"(%{{.*}}, %[[BETA]])
// CHECK: %[[S2:.*]] = "dnnf.reshape"(%[[S]]) {{.*}} -> tensor<3x1xf32>
// CHECK: %[[W:.*]] = "dnnf.mul"(%{{.*}}, %[[S2]]) {{.*}} -> tensor<3x4xf32>
// CHECK: %[[CS:.*]] = "dnnf.mul"(%[[BC]], %[[S]])
// CHECK: %[[C2:.*]] = "dnnf.add"(%[[CS]], %[[T]])
// CHECK: %[[G:.*]] = "dnnf.gemm"(%[[A]], %[[W]], %[[C2]])
// CHECK-SAME: alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32
// CHECK-SAME: trans_a = 0 : i64, trans_b = 1 : i64
// CHECK: return %[[G]]
func.func @bn_into_gemm(%a: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %b = "dnnf.constant"() {value = dense<1.0> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.gemm"(%a, %b, %c) {mapping = "many_to_many", alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = 0 : i64, trans_b = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Do not fire: B is a function argument, not a constant weight.
// CHECK-LABEL: func.func @bn_into_gemm_variable_weight
// CHECK: %[[G:.*]] = "dnnf.gemm"
// CHECK: "dnnf.batch_norm"(%[[G]],
func.func @bn_into_gemm_variable_weight(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.gemm"(%a, %b) {mapping = "many_to_many", alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @bn_into_matmul
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>)
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense_resource<w1> : tensor<4x3xf32>}
// CHECK: %[[S:.*]] = "dnnf.div"
// CHECK: %[[T:.*]] = "dnnf.sub"
// CHECK: %[[W:.*]] = "dnnf.mul"(%[[B]], %[[S]]) {{.*}} -> tensor<4x3xf32>
// CHECK: %[[G:.*]] = "dnnf.gemm"(%[[A]], %[[W]], %[[T]])
// CHECK-NOT: dnnf.matmul
// CHECK-NOT: dnnf.batch_norm
// CHECK: return %[[G]]
func.func @bn_into_matmul(%a: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %b = "dnnf.constant"() {value = dense_resource<w1> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.matmul"(%a, %b) {mapping = "many_to_many"} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Do not fire: batched matmul, BN's channel (dim 1) indexes rows of A, not columns of B.
// CHECK-LABEL: func.func @bn_into_batched_matmul
// CHECK: %[[M:.*]] = "dnnf.matmul"
// CHECK: "dnnf.batch_norm"(%[[M]],
func.func @bn_into_batched_matmul(%a: tensor<1x3x4xf32>) -> tensor<1x3x3xf32> {
  %b = "dnnf.constant"() {value = dense_resource<w1> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %p = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.matmul"(%a, %b) {mapping = "many_to_many"} : (tensor<1x3x4xf32>, tensor<4x3xf32>) -> tensor<1x3x3xf32>
  %1 = "dnnf.batch_norm"(%0, %p, %p, %p, %p) {mapping = "one_to_one", epsilon = 1.0e-5 : f32} : (tensor<1x3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x3xf32>
  return %1 : tensor<1x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @mul_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-DAG: %[[W:.*]] = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: %[[K:.*]] = "dnnf.constant"() {value = dense<{{.*}}> : tensor<1x3x1x1xf32>}
// CHECK: %[[KV:.*]] = "dnnf.reshape"(%[[K]]) {{.*}} -> tensor<3xf32>
// CHECK: %[[KW:.*]] = "dnnf.reshape"(%[[KV]]) {{.*}} -> tensor<3x1x1x1xf32>
// CHECK: %[[W2:.*]] = "dnnf.mul"(%[[W]], %[[KW]])
// CHECK: %[[B2:.*]] = "dnnf.mul"(%[[B]], %[[KV]])
// CHECK: %[[C:.*]] = "dnnf.conv"(%[[X]], %[[W2]], %[[B2]])
// CHECK: return %[[C]]
func.func @mul_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %b = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %k = "dnnf.constant"() {value = dense<[[[[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x3x1x1xf32>} : () -> tensor<1x3x1x1xf32>
  %0 = "dnnf.conv"(%x, %w, %b) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.mul"(%k, %0) {mapping = "one_to_one"} : (tensor<1x3x1x1xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}

// -----

// Do not fire: the constant varies along the width, not only per channel.
// CHECK-LABEL: func.func @mul_into_conv_spatial_constant
// CHECK: %[[C:.*]] = "dnnf.conv"
// CHECK: "dnnf.mul"(%[[C]],
func.func @mul_into_conv_spatial_constant(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %k = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.mul"(%0, %k) {mapping = "one_to_one"} : (tensor<1x3x4x4xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}

// -----

// A scalar-like constant on a bias-less conv: the new bias is broadcast to [C].
// CHECK-LABEL: func.func @add_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK: %[[K:.*]] = "dnnf.constant"() {value = dense<5.000000e-01> : tensor<1x1x1x1xf32>}
// CHECK: %[[KV:.*]] = "dnnf.reshape"(%[[K]]) {{.*}} -> tensor<1xf32>
// CHECK: %[[B:.*]] = "dnnf.expand"(%[[KV]]) {{.*}} -> tensor<3xf32>
// CHECK: %[[C:.*]] = "dnnf.conv"(%[[X]], %{{.*}}, %[[B]])
// CHECK-NOT: dnnf.add
// CHECK: return %[[C]]
func.func @add_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %k = "dnnf.constant"() {value = dense<0.5> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.add"(%0, %k) {mapping = "one_to_one"} : (tensor<1x3x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}

// -----

// Do not fire: the constant broadcasts the conv result along the batch dim.
// CHECK-LABEL: func.func @add_into_conv_broadcasting
// CHECK: %[[C:.*]] = "dnnf.conv"
// CHECK: "dnnf.add"(%[[C]],
func.func @add_into_conv_broadcasting(%x: tensor<1x2x4x4xf32>) -> tensor<2x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %k = "dnnf.constant"() {value = dense<0.5> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.add"(%0, %k) {mapping = "one_to_one"} : (tensor<1x3x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<2x3x4x4xf32>
  return %1 : tensor<2x3x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @sub_into_conv
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: %[[K:.*]] = "dnnf.constant"() {value = dense<{{.*}}4.000000e+00{{.*}}6.000000e+00{{.*}}> : tensor<3x1x1xf32>}
// CHECK: %[[KV:.*]] = "dnnf.reshape"(%[[K]]) {{.*}} -> tensor<3xf32>
// CHECK: %[[NK:.*]] = "dnnf.neg"(%[[KV]])
// CHECK: %[[B2:.*]] = "dnnf.add"(%[[B]], %[[NK]])
// CHECK: %[[C:.*]] = "dnnf.conv"(%{{.*}}, %{{.*}}, %[[B2]])
// CHECK-NOT: dnnf.sub
// CHECK: return %[[C]]
func.func @sub_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %b = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %k = "dnnf.constant"() {value = dense<[[[4.0]], [[5.0]], [[6.0]]]> : tensor<3x1x1xf32>} : () -> tensor<3x1x1xf32>
  %0 = "dnnf.conv"(%x, %w, %b) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.sub"(%0, %k) {mapping = "one_to_one"} : (tensor<1x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}

// -----

// Do not fire: c - conv would negate the weights; only conv - c is folded.
// CHECK-LABEL: func.func @sub_from_constant
// CHECK: %[[C:.*]] = "dnnf.conv"
// CHECK: "dnnf.sub"(%{{.*}}, %[[C]])
func.func @sub_from_constant(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<3x2x1x1xf32>} : () -> tensor<3x2x1x1xf32>
  %k = "dnnf.constant"() {value = dense<[[[4.0]], [[5.0]], [[6.0]]]> : tensor<3x1x1xf32>} : () -> tensor<3x1x1xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %1 = "dnnf.sub"(%k, %0) {mapping = "one_to_one"} : (tensor<3x1x1xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %1 : tensor<1x3x4x4xf32>
}
