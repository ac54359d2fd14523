// RUN: dnnf-opt %s --dnnf-simplify-identities --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @mul_by_one
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: "dnnf.mul"
// CHECK: return %[[X]]
func.func @mul_by_one(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.mul"(%one, %x) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Do not fire: broadcasting against the ones changes the result shape (3 -> 2x3).
// CHECK-LABEL: func.func @mul_by_one_broadcast
// CHECK: "dnnf.mul"
func.func @mul_by_one_broadcast(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %0 = "dnnf.mul"(%x, %one) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: "dnnf.add"
// CHECK: return %[[X]]
func.func @add_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = "dnnf.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.add"(%x, %zero) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Do not fire: the constant is not all zeros.
// CHECK-LABEL: func.func @add_zero_nonzero
// CHECK: "dnnf.add"
func.func @add_zero_nonzero(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = "dnnf.constant"() {value = dense<[0.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "dnnf.add"(%c, %x) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @sub_zero
// CHECK-SAME: (%[[X:.*]]: tensor<4xi64>)
// CHECK-NOT: "dnnf.sub"
// CHECK: return %[[X]]
func.func @sub_zero(%x: tensor<4xi64>) -> tensor<4xi64> {
  %zero = "dnnf.constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %0 = "dnnf.sub"(%x, %zero) {mapping = "one_to_one"} : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Do not fire: 0 - X is -X, not X.
// CHECK-LABEL: func.func @sub_zero_lhs
// CHECK: "dnnf.sub"
func.func @sub_zero_lhs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = "dnnf.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.sub"(%zero, %x) {mapping = "one_to_one"} : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @div_by_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: "dnnf.div"
// CHECK: return %[[X]]
func.func @div_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %0 = "dnnf.div"(%x, %one) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Do not fire: 1 / X is a reciprocal.
// CHECK-LABEL: func.func @div_by_one_lhs
// CHECK: "dnnf.div"
func.func @div_by_one_lhs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.div"(%one, %x) {mapping = "one_to_one"} : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @pow_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: "dnnf.pow"
// CHECK: return %[[X]]
func.func @pow_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = "dnnf.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.pow"(%x, %one) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Do not fire: the exponent is 2.
// CHECK-LABEL: func.func @pow_one_square
// CHECK: "dnnf.pow"
func.func @pow_one_square(%x: tensor<4xf32>) -> tensor<4xf32> {
  %two = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.pow"(%x, %two) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: "dnnf.identity"
// CHECK: %[[R:.*]] = "dnnf.relu"(%[[X]])
// CHECK: return %[[R]]
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.identity"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.relu"(%0) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Do not fire: operand and result types differ, so forwarding would change the type.
// CHECK-LABEL: func.func @identity_type_change
// CHECK: "dnnf.identity"
func.func @identity_type_change(%x: tensor<4xf32>) -> tensor<1x4xf32> {
  %0 = "dnnf.identity"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: "dnnf.dropout"
// CHECK: return %[[X]]
func.func @dropout(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.dropout"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Do not fire: operand and result types differ.
// CHECK-LABEL: func.func @dropout_type_change
// CHECK: "dnnf.dropout"
func.func @dropout_type_change(%x: tensor<4xf32>) -> tensor<4x1xf32> {
  %0 = "dnnf.dropout"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}
