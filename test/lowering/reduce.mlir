// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s

// Softmax along dim 1: max (fill -inf) -> exp(x - max) -> sum (fill 0) -> divide.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax_mid_axis
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x5xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}} : tensor<2x3x5xf32>) outs(%[[MAXINIT]] : tensor<2x5xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}}, %[[MAX]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUMINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x5xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[EXP]] : tensor<2x3x5xf32>) outs(%[[SUMINIT]] : tensor<2x5xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK: arith.divf
func.func @softmax_mid_axis(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %0 = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// ReduceMean with keepdims: sum over the kept-dims tensor, divide by the count, re-insert
// the unit dims with expand_shape (the reduction itself writes a projected map).
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK-DAG: %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[KEPT]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: arith.addf
// CHECK: %[[M:.*]] = linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]] : f32
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1, 2]] output_shape [1, 3, 1] : tensor<3xf32> into tensor<1x3x1xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<1x3x1xf32> {
  %0 = "dnnf.reduce_mean"(%x) {axes = array<i64: 0, 2>, keepdims = 1 : i64, mapping = "many_to_many"} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// -----

// ReduceSum without keepdims: one reduction generic, no reshape, no division.
// CHECK-LABEL: func.func @reduce_sum_no_keepdims
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK-NOT: arith.divf
// CHECK-NOT: tensor.expand_shape
// CHECK: return %{{.*}} : tensor<4xf32>
func.func @reduce_sum_no_keepdims(%x: tensor<4x33xf32>) -> tensor<4xf32> {
  %0 = "dnnf.reduce_sum"(%x) {axes = array<i64: 1>, keepdims = 0 : i64, mapping = "many_to_many"} : (tensor<4x33xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// ReduceMax on int64 over every dim: starts from INT64_MIN, signed max, rank-0 result.
// CHECK-LABEL: func.func @reduce_max_i64_all
// CHECK: %[[MIN:.*]] = arith.constant -9223372036854775808 : i64
// CHECK: linalg.fill ins(%[[MIN]] : i64) outs(%{{.*}} : tensor<i64>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.maxsi
// CHECK: return %{{.*}} : tensor<i64>
func.func @reduce_max_i64_all(%x: tensor<2x3xi64>) -> tensor<i64> {
  %0 = "dnnf.reduce_max"(%x) {axes = array<i64: 0, 1>, keepdims = 0 : i64, mapping = "many_to_many"} : (tensor<2x3xi64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// ReduceMax keepdims on f32: -inf init, maximumf, unit dim re-inserted at the front.
// CHECK-LABEL: func.func @reduce_max_keepdims
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, 3, 5] : tensor<3x5xf32> into tensor<1x3x5xf32>
func.func @reduce_max_keepdims(%x: tensor<2x3x5xf32>) -> tensor<1x3x5xf32> {
  %0 = "dnnf.reduce_max"(%x) {axes = array<i64: 0>, keepdims = 1 : i64, mapping = "many_to_many"} : (tensor<2x3x5xf32>) -> tensor<1x3x5xf32>
  return %0 : tensor<1x3x5xf32>
}

// -----

// LayerNorm, two-pass: sum -> mean, sum of squared deviations -> 1/sqrt(var + eps),
// then (x - mean) * inv * scale + bias with scale/bias broadcast over the normalised dims.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm_bias
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}}ins(%[[SUM]] : tensor<2x4xf32>)
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}}ins(%{{.*}}, %[[MEAN]] : tensor<2x4x8xf32>, tensor<2x4xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: %[[SS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SQ]] :
// CHECK: %[[INV:.*]] = linalg.generic {{.*}}ins(%[[SS]] : tensor<2x4xf32>)
// CHECK: arith.addf %{{.*}}, %[[EPS]]
// CHECK: math.sqrt
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROWS]], #[[ROWS]], #[[LAST]], #[[LAST]], #{{.*}}]{{.*}}ins(%{{.*}}, %[[MEAN]], %[[INV]], %{{.*}}, %{{.*}} :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @layer_norm_bias(%x: tensor<2x4x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %0 = "dnnf.layer_norm"(%x, %s, %b) {axis = 2 : i64, epsilon = 1.0e-05 : f32, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// LayerNorm over every dim, no bias: rank-0 statistics, no final addf.
// CHECK-LABEL: func.func @layer_norm_all_dims_no_bias
// CHECK: linalg.fill {{.*}} -> tensor<f32>
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<f32>, tensor<f32>, tensor<3x4xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK-NEXT: linalg.yield
// CHECK: return %[[Y]]
func.func @layer_norm_all_dims_no_bias(%x: tensor<3x4xf32>, %s: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = "dnnf.layer_norm"(%x, %s) {axis = 0 : i64, epsilon = 1.0e-05 : f32, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
