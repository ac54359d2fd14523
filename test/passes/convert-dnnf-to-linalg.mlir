// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s
// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// Each op becomes its kernel, inlined: no call and no kernel function is left behind.
// CHECK-LABEL: func.func @chain
// CHECK-NOT: func.call
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: dnnf.
// CHECK-NOT: func.func private
func.func @chain(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.add"(%a, %b) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "dnnf.relu"(%0) {mapping = "one_to_one"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Constants become arith.constant with the same value.
// CHECK-LABEL: func.func @constant
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant(%a: tensor<2xf32>) -> tensor<2xf32> {
  %c = "dnnf.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "dnnf.mul"(%a, %c) {mapping = "one_to_one"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// The ONNX node name (the op's location) survives lowering as the call-site location.
// CHECK-LABEL: func.func @locations
// CHECK: linalg.generic
// LOC: #[[NODE:loc[0-9]*]] = loc("my_sigmoid")
// LOC: = loc(callsite(#{{loc[0-9]*}} at #[[NODE]]))
func.func @locations(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.sigmoid"(%a) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32> loc("my_sigmoid")
  return %0 : tensor<4xf32>
}
