// RUN: dnnf-opt %s --dnnf-algebraic-powers --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @exp_product
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[S:.*]] = "dnnf.add"(%[[A]], %[[B]])
// CHECK: %[[E:.*]] = "dnnf.exp"(%[[S]])
// CHECK-NOT: "dnnf.exp"
// CHECK-NOT: "dnnf.mul"
// CHECK: return %[[E]]
func.func @exp_product(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.exp"(%a) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.exp"(%b) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.mul"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Do not fire: exp(a) is also returned, the rewrite would add an exp instead of removing one.
// CHECK-LABEL: func.func @exp_product_shared
// CHECK: "dnnf.exp"
// CHECK: "dnnf.exp"
// CHECK: "dnnf.mul"
func.func @exp_product_shared(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "dnnf.exp"(%a) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.exp"(%b) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.mul"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// x = relu(y) >= 0, so sqrt(x)*sqrt(x) = x.
// CHECK-LABEL: func.func @sqrt_square
// CHECK: %[[X:.*]] = "dnnf.relu"
// CHECK-NOT: "dnnf.sqrt"
// CHECK-NOT: "dnnf.mul"
// CHECK: return %[[X]]
func.func @sqrt_square(%y: tensor<4xf32>) -> tensor<4xf32> {
  %x = "dnnf.relu"(%y) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %0 = "dnnf.sqrt"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.sqrt"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.mul"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Do not fire: x is a function argument, x >= 0 is not provable (sqrt of x < 0 is NaN).
// CHECK-LABEL: func.func @sqrt_square_unknown_sign
// CHECK: "dnnf.sqrt"
// CHECK: "dnnf.mul"
func.func @sqrt_square_unknown_sign(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.sqrt"(%x) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.mul"(%0, %0) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// x = abs(y) >= 0: (x^0.5)^3 -> x^1.5.
// CHECK-LABEL: func.func @pow_of_pow
// CHECK: %[[X:.*]] = "dnnf.abs"
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<1.500000e+00> : tensor<f32>}
// CHECK: %[[R:.*]] = "dnnf.pow"(%[[X]], %[[C]])
// CHECK-NOT: "dnnf.pow"
// CHECK: return %[[R]]
func.func @pow_of_pow(%y: tensor<4xf32>) -> tensor<4xf32> {
  %x = "dnnf.abs"(%y) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  %a = "dnnf.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %b = "dnnf.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.pow"(%x, %a) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.pow"(%0, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Integer exponents: (x^3)^2 = x^6 for every real x.
// CHECK-LABEL: func.func @pow_of_pow_integer
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<6.000000e+00> : tensor<f32>}
// CHECK: "dnnf.pow"(%[[X]], %[[C]])
// CHECK-NOT: "dnnf.pow"
func.func @pow_of_pow_integer(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "dnnf.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %b = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.pow"(%x, %a) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.pow"(%0, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Do not fire: x may be negative and b = 0.5 is not an integer: (x^2)^0.5 = |x| != x^1.
// CHECK-LABEL: func.func @pow_of_pow_unsound
// CHECK: "dnnf.pow"
// CHECK: "dnnf.pow"
func.func @pow_of_pow_unsound(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %b = "dnnf.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.pow"(%x, %a) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "dnnf.pow"(%0, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
