// RUN: dnnf-opt %s --dnnf-algebraic-constants --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reassociate_add_constants
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<[3.000000e+00, 4.000000e+00, 5.000000e+00]> : tensor<3xf32>}
// CHECK: %[[R:.*]] = "dnnf.add"(%[[X]], %[[C]])
// CHECK-NOT: "dnnf.add"
// CHECK: return %[[R]]
func.func @reassociate_add_constants(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c1 = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c2 = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.add"(%c1, %x) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.add"(%c2, %0) {mapping = "one_to_one"} : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Do not fire: the inner add has a second use, merging would not remove it.
// CHECK-LABEL: func.func @reassociate_add_constants_shared
// CHECK: "dnnf.add"(%{{.*}}, %{{.*}})
// CHECK: "dnnf.add"(%{{.*}}, %{{.*}})
func.func @reassociate_add_constants_shared(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %c1 = "dnnf.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %c2 = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.add"(%x, %c1) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %1 = "dnnf.add"(%0, %c2) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @reassociate_mul_constants
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<6.000000e+00> : tensor<f32>}
// CHECK: %[[R:.*]] = "dnnf.mul"(%[[X]], %[[C]])
// CHECK-NOT: "dnnf.mul"
// CHECK: return %[[R]]
func.func @reassociate_mul_constants(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %c2 = "dnnf.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.mul"(%x, %c1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.mul"(%0, %c2) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Do not fire: the folded constant (4x1 times 1x5 = 20 elements) would not stay inline.
// CHECK-LABEL: func.func @reassociate_mul_constants_large
// CHECK: "dnnf.mul"
// CHECK: "dnnf.mul"
func.func @reassociate_mul_constants_large(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %c1 = "dnnf.constant"() {value = dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %c2 = "dnnf.constant"() {value = dense<[[1.0, 2.0, 3.0, 4.0, 5.0]]> : tensor<1x5xf32>} : () -> tensor<1x5xf32>
  %0 = "dnnf.mul"(%x, %c1) {mapping = "one_to_one"} : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  %1 = "dnnf.mul"(%0, %c2) {mapping = "one_to_one"} : (tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func.func @div_by_constant
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<{{\[}}[2.500000e-01], [5.000000e-01]]> : tensor<2x1xf32>}
// CHECK-NOT: "dnnf.div"
// CHECK: "dnnf.mul"(%{{.*}}, %[[C]])
func.func @div_by_constant(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %c = "dnnf.constant"() {value = dense<[[4.0], [2.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %0 = "dnnf.div"(%x, %c) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Do not fire: the divisor has a zero element (X/0 is ±inf or NaN, X*(1/0) is not defined).
// CHECK-LABEL: func.func @div_by_constant_zero
// CHECK: "dnnf.div"
// CHECK-NOT: "dnnf.mul"
func.func @div_by_constant_zero(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = "dnnf.constant"() {value = dense<[2.0, 0.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "dnnf.div"(%x, %c) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// X - c next to an add of a constant becomes X + (-c) and merges: (X - 3) + 1 -> X + (-2).
// CHECK-LABEL: func.func @sub_constant_to_add
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<-2.000000e+00> : tensor<f32>}
// CHECK-NOT: "dnnf.sub"
// CHECK: %[[R:.*]] = "dnnf.add"(%[[X]], %[[C]])
// CHECK-NOT: "dnnf.add"
// CHECK: return %[[R]]
func.func @sub_constant_to_add(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c3 = "dnnf.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c1 = "dnnf.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.sub"(%x, %c3) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.add"(%0, %c1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Do not fire: no neighbouring constant add/sub to merge with, so X - c stays a sub.
// CHECK-LABEL: func.func @sub_constant_to_add_alone
// CHECK: "dnnf.sub"
// CHECK-NOT: "dnnf.add"
func.func @sub_constant_to_add_alone(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c3 = "dnnf.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.sub"(%x, %c3) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.relu"(%0) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
