// RUN: dnnf-opt %s --dnnf-algebraic-distribute --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @factor_add
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<3xf32>)
// CHECK: %[[S:.*]] = "dnnf.add"(%[[B]], %[[C]])
// CHECK: %[[R:.*]] = "dnnf.mul"(%[[A]], %[[S]])
// CHECK-NOT: "dnnf.mul"
// CHECK: return %[[R]]
func.func @factor_add(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.mul"(%b, %a) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.mul"(%a, %c) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = "dnnf.add"(%0, %1) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// Do not fire: A*B is also returned, so factoring would not remove it.
// CHECK-LABEL: func.func @factor_add_shared
// CHECK: "dnnf.mul"
// CHECK: "dnnf.mul"
// CHECK: "dnnf.add"
func.func @factor_add_shared(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "dnnf.mul"(%a, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.mul"(%a, %c) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.add"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @factor_sub
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[C:.*]]: tensor<4xf32>)
// CHECK: %[[S:.*]] = "dnnf.sub"(%[[B]], %[[C]])
// CHECK: %[[R:.*]] = "dnnf.mul"(%[[A]], %[[S]])
// CHECK: return %[[R]]
func.func @factor_sub(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.mul"(%a, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.mul"(%c, %a) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.sub"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Do not fire: the products share no operand.
// CHECK-LABEL: func.func @factor_sub_no_common
// CHECK: "dnnf.mul"
// CHECK: "dnnf.mul"
// CHECK: "dnnf.sub"
func.func @factor_sub_no_common(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>, %d: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.mul"(%a, %b) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "dnnf.mul"(%c, %d) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "dnnf.sub"(%0, %1) {mapping = "one_to_one"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// A per-row scale (constant along the reduced axis 1) moves after the reduction, keepdims=0.
// CHECK-LABEL: func.func @reduce_sum_of_scaled
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[R:.*]] = "dnnf.reduce_sum"(%[[X]]) {axes = array<i64: 1>, keepdims = 0 : i64, mapping = "many_to_many"}
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>}
// CHECK: %[[M:.*]] = "dnnf.mul"(%[[R]], %[[C]]) {{.*}} -> tensor<2xf32>
// CHECK: return %[[M]]
func.func @reduce_sum_of_scaled(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %c = "dnnf.constant"() {value = dense<[[2.0], [3.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %0 = "dnnf.mul"(%x, %c) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.reduce_sum"(%0) {axes = array<i64: 1>, keepdims = 0 : i64, mapping = "many_to_many"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

// Do not fire: the scale varies along the reduced axis.
// CHECK-LABEL: func.func @reduce_sum_of_scaled_varying
// CHECK: "dnnf.mul"
// CHECK: "dnnf.reduce_sum"
func.func @reduce_sum_of_scaled_varying(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %c = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.mul"(%x, %c) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.reduce_sum"(%0) {axes = array<i64: 1>, keepdims = 0 : i64, mapping = "many_to_many"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_mean_of_scaled
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[R:.*]] = "dnnf.reduce_mean"(%[[X]]) {{.*}} -> tensor<2x1xf32>
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<5.000000e-01> : tensor<f32>}
// CHECK: %[[M:.*]] = "dnnf.mul"(%[[R]], %[[C]]) {{.*}} -> tensor<2x1xf32>
// CHECK: return %[[M]]
func.func @reduce_mean_of_scaled(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %c = "dnnf.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.mul"(%c, %x) {mapping = "one_to_one"} : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.reduce_mean"(%0) {axes = array<i64: 1>, keepdims = 1 : i64, mapping = "many_to_many"} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %1 : tensor<2x1xf32>
}

// -----

// Do not fire: the scaled tensor is also returned.
// CHECK-LABEL: func.func @reduce_mean_of_scaled_shared
// CHECK: "dnnf.mul"(%{{.*}}, %{{.*}}) {{.*}} -> tensor<2x3xf32>
// CHECK: "dnnf.reduce_mean"
func.func @reduce_mean_of_scaled_shared(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x1xf32>) {
  %c = "dnnf.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.mul"(%c, %x) {mapping = "one_to_one"} : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.reduce_mean"(%0) {axes = array<i64: 1>, keepdims = 1 : i64, mapping = "many_to_many"} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x1xf32>
}
