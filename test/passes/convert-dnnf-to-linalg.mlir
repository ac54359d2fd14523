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

// -----

// LRN (size 4: one channel further up than down): a pad of the channel axis only, the
// window sum reading it at channel c + j, and the scale reading x itself.
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d2, d3, d4)>
// CHECK-DAG: #[[TAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2)>
// CHECK-LABEL: func.func @lrn
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x4x5xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 1, 0, 0] high[0, 2, 0, 0]
// CHECK: {dnnf.channel_pad} : tensor<1x6x4x5xf32> to tensor<1x9x4x5xf32>
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[TAP]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]], %{{.*}} : tensor<1x9x4x5xf32>, tensor<4xf32>)
// CHECK-SAME: dnnf.channel_window
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %[[S]] :
// CHECK-SAME: dnnf.channel_scale
// CHECK: math.powf
func.func @lrn(%x: tensor<1x6x4x5xf32>) -> tensor<1x6x4x5xf32> {
  %y = "dnnf.lrn"(%x) {size = 4 : i64, alpha = 1.0e-4 : f32, beta = 7.5e-1 : f32, bias = 2.0 : f32, mapping = "many_to_many"} : (tensor<1x6x4x5xf32>) -> tensor<1x6x4x5xf32>
  return %y : tensor<1x6x4x5xf32>
}
