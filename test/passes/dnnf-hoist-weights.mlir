// RUN: dnnf-opt %s --dnnf-hoist-weights --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @resource_weight
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>, %[[W:.*]]: tensor<4x4xf32> {dnnf.weight = "w0"})
// CHECK-NOT: dnnf.constant
// CHECK: "dnnf.matmul"(%[[X]], %[[W]])
func.func @resource_weight(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = "dnnf.constant"() {value = dense_resource<w0> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %0 = "dnnf.matmul"(%x, %w) {mapping = "many_to_many"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// Do not hoist: small inline constants stay in the body so rewrites and folding can see them.
// CHECK-LABEL: func.func @inline_constant
// CHECK-SAME: (%{{.*}}: tensor<3xf32>) -> tensor<3xf32>
// CHECK: "dnnf.constant"() {value = dense<
func.func @inline_constant(%x: tensor<3xf32>) -> tensor<3xf32> {
  %c = "dnnf.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %0 = "dnnf.add"(%x, %c) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
