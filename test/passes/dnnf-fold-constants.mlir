// RUN: dnnf-opt %s --dnnf-fold-constants --split-input-file | FileCheck %s

// An all-constant sub-graph (add, then neg) becomes one constant.
// CHECK-LABEL: func.func @fold_constants
// CHECK-NOT: "dnnf.neg"
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<[-3.000000e+00, -4.000000e+00]> : tensor<2xf32>}
// CHECK-NOT: "dnnf.add"(%{{.*}}, %{{.*}}) {{.*}} (tensor<2xf32>, tensor<f32>)
// CHECK: "dnnf.add"(%{{.*}}, %[[C]])
func.func @fold_constants(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = "dnnf.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "dnnf.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.add"(%a, %b) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  %1 = "dnnf.neg"(%0) {mapping = "one_to_one"} : (tensor<2xf32>) -> tensor<2xf32>
  %2 = "dnnf.add"(%x, %1) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// Shape arithmetic on i64: concat + mul fold to one constant.
// CHECK-LABEL: func.func @fold_constants_i64
// CHECK: "dnnf.constant"() {value = dense<[2, 4, 6, 8]> : tensor<4xi64>}
// CHECK-NOT: "dnnf.concat"
// CHECK-NOT: "dnnf.mul"
func.func @fold_constants_i64() -> tensor<4xi64> {
  %a = "dnnf.constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = "dnnf.constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %two = "dnnf.constant"() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %0 = "dnnf.concat"(%a, %b) {axis = 0 : i64, mapping = "one_to_one"} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %1 = "dnnf.mul"(%0, %two) {mapping = "one_to_one"} : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  return %1 : tensor<4xi64>
}

// -----

// Do not fold: the weight is a dense_resource, whose bytes are not readable in the IR.
// CHECK-LABEL: func.func @fold_constants_resource
// CHECK: "dnnf.neg"
func.func @fold_constants_resource() -> tensor<2xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "dnnf.neg"(%w) {mapping = "one_to_one"} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Do not fold: the result (4x8 = 32 elements) would not stay inline.
// CHECK-LABEL: func.func @fold_constants_large
// CHECK: "dnnf.expand"
func.func @fold_constants_large() -> tensor<4x8xf32> {
  %a = "dnnf.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "dnnf.expand"(%a) {mapping = "one_to_many"} : (tensor<f32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Do not fold: integer division rounds differently in numpy (floor) and the lowering.
// CHECK-LABEL: func.func @fold_constants_int_div
// CHECK: "dnnf.div"
func.func @fold_constants_int_div() -> tensor<2xi64> {
  %a = "dnnf.constant"() {value = dense<[-7, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = "dnnf.constant"() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %0 = "dnnf.div"(%a, %b) {mapping = "one_to_one"} : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Do not fold: an operand is a function argument.
// CHECK-LABEL: func.func @fold_constants_not_constant
// CHECK: "dnnf.add"
func.func @fold_constants_not_constant(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = "dnnf.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "dnnf.add"(%a, %x) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
