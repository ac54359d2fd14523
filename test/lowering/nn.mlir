// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s

// Conv: zero pad, zero-filled accumulator, the named NCHW conv, then a bias generic.
// CHECK-LABEL: func.func @conv2d_bias
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x10x9xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x4x4x8xf32>)
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<1x3x10x9xf32>, tensor<4x3x3x2xf32>) outs(%[[ACC]] : tensor<1x4x4x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[CONV]], %{{.*}} : tensor<1x4x4x8xf32>, tensor<4xf32>)
// CHECK: arith.addf
func.func @conv2d_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x2xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x8xf32> {
  %0 = "dnnf.conv"(%x, %w, %b) {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x2xf32>, tensor<4xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// Depthwise (group == C_in == C_out): the weight drops its unit dim.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: tensor.pad
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<6x1x3x3xf32> into tensor<6x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %[[W]] : tensor<1x6x9x9xf32>, tensor<6x3x3xf32>)
// CHECK-NOT: linalg.generic
func.func @depthwise(%x: tensor<1x6x9x9xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x5x5xf32> {
  %0 = "dnnf.conv"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, group = 6 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x6x9x9xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x5x5xf32>
  return %0 : tensor<1x6x5x5xf32>
}

// -----

// General groups: channels split into (group, channels / group) around conv_2d_ngchw_gfchw.
// CHECK-LABEL: func.func @grouped
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 3, 6, 6] : tensor<1x6x6x6xf32> into tensor<1x2x3x6x6xf32>
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3] : tensor<4x3x3x3xf32> into tensor<2x2x3x3x3xf32>
// CHECK: linalg.conv_2d_ngchw_gfchw
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x2x4x4xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x2x4x4xf32> into tensor<1x4x4x4xf32>
func.func @grouped(%x: tensor<1x6x6x6xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %0 = "dnnf.conv"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x6x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// 1-D conv uses the NCW named op.
// CHECK-LABEL: func.func @conv1d
// CHECK: linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>}
func.func @conv1d(%x: tensor<1x4x16xf32>, %w: tensor<5x4x3xf32>) -> tensor<1x5x7xf32> {
  %0 = "dnnf.conv"(%x, %w) {strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x16xf32>, tensor<5x4x3xf32>) -> tensor<1x5x7xf32>
  return %0 : tensor<1x5x7xf32>
}

// -----

// Inference BatchNorm: one element-wise generic, parameters indexed by the channel.
// CHECK-LABEL: func.func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH:[a-z0-9]+]], #[[CH]], #[[CH]], #[[CH]], #{{.*}}]
// CHECK: math.sqrt
// CHECK: arith.divf
func.func @batch_norm(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  %0 = "dnnf.batch_norm"(%x, %s, %b, %m, %v) {epsilon = 1.0e-05 : f32, mapping = "one_to_one"} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

// Plain 2-D MatMul: linalg.matmul into a zero fill, nothing else.
// CHECK-LABEL: func.func @matmul2d
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<5x3xf32>) outs(%[[ACC]] : tensor<4x3xf32>)
// CHECK-NOT: linalg.generic
func.func @matmul2d(%a: tensor<4x5xf32>, %b: tensor<5x3xf32>) -> tensor<4x3xf32> {
  %0 = "dnnf.matmul"(%a, %b) {mapping = "many_to_many"} : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// A shared 2-D right operand: batch dims folded into the rows of one linalg.matmul.
// CHECK-LABEL: func.func @matmul_shared_rhs
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x4x5xf32> into tensor<8x5xf32>
// CHECK: linalg.matmul {{.*}} outs(%{{.*}} : tensor<8x3xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 4, 3] : tensor<8x3xf32> into tensor<2x4x3xf32>
func.func @matmul_shared_rhs(%a: tensor<2x4x5xf32>, %b: tensor<5x3xf32>) -> tensor<2x4x3xf32> {
  %0 = "dnnf.matmul"(%a, %b) {mapping = "many_to_many"} : (tensor<2x4x5xf32>, tensor<5x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// Broadcast batch dims: the size-1 batch dim of %a is materialised, then batch_matmul.
// CHECK-LABEL: func.func @matmul_broadcast
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x1x4x5xf32>) outs(%{{.*}} : tensor<2x3x4x5xf32>)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<6x4x5xf32>, tensor<6x5x2xf32>) outs(%{{.*}} : tensor<6x4x2xf32>)
// CHECK: tensor.expand_shape %{{.*}} : tensor<6x4x2xf32> into tensor<2x3x4x2xf32>
func.func @matmul_broadcast(%a: tensor<2x1x4x5xf32>, %b: tensor<3x5x2xf32>) -> tensor<2x3x4x2xf32> {
  %0 = "dnnf.matmul"(%a, %b) {mapping = "many_to_many"} : (tensor<2x1x4x5xf32>, tensor<3x5x2xf32>) -> tensor<2x3x4x2xf32>
  return %0 : tensor<2x3x4x2xf32>
}

// -----

// Gemm with transB: the transpose lives in the matmul's indexing maps; alpha/beta epilogue.
// CHECK: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK-DAG: %[[BETA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[ALPHA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: linalg.matmul indexing_maps = [#[[A]], #[[B]], #[[C]]] ins(%{{.*}}, %{{.*}} : tensor<2x5xf32>, tensor<3x5xf32>)
// CHECK: linalg.generic
// CHECK-DAG: arith.mulf %{{.*}}, %[[ALPHA]]
// CHECK-DAG: arith.mulf %{{.*}}, %[[BETA]]
func.func @gemm_trans_b(%a: tensor<2x5xf32>, %b: tensor<3x5xf32>, %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x5xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Gemm with alpha = 1 and no C: the matmul alone.
// CHECK-LABEL: func.func @gemm_plain
// CHECK: linalg.matmul ins
// CHECK-NOT: linalg.generic
func.func @gemm_plain(%a: tensor<2x5xf32>, %b: tensor<5x3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.gemm"(%a, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<2x5xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// MaxPool with ceil_mode (5 outputs from 10): the end pad grows by one, filled with -inf.
// CHECK-LABEL: func.func @max_pool_ceil
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]]
// CHECK: linalg.fill ins(%[[NINF]] : f32)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x2x11x11xf32>, tensor<3x3xf32>)
func.func @max_pool_ceil(%x: tensor<1x2x10x10xf32>) -> tensor<1x2x5x5xf32> {
  %0 = "dnnf.max_pool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x2x10x10xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// MaxPool with Indices: one contraction with two results; the flat index is built from the
// loop indices (n * 2 + c) * 4 + h, then * 4 + w, and replaces the running one only when the
// value is strictly greater (first maximum wins).
// CHECK-LABEL: func.func @max_pool_with_indices
// CHECK: %[[V:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins({{.*}} : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs({{.*}} : tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32, %[[IDX:.*]]: i64):
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[X]], %[[ACC]] : f32
// CHECK: arith.select %[[GT]], %[[X]], %[[ACC]] : f32
// CHECK: arith.select %[[GT]], %{{.*}}, %[[IDX]] : i64
// CHECK: return %[[V]]#0, %[[V]]#1
func.func @max_pool_with_indices(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>) {
  %0, %1 = "dnnf.max_pool_with_indices"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, storage_order = 0 : i64, mapping = "many_to_many"} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
  return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>
}

// -----

// AveragePool without padding: sum pooling, then one division by the window size.
// CHECK-LABEL: func.func @average_pool_uniform
// CHECK: %[[SIZE:.*]] = arith.constant 4.000000e+00 : f32
// CHECK-NOT: tensor.pad
// CHECK: linalg.pooling_nchw_sum
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}}, %[[SIZE]]
func.func @average_pool_uniform(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "dnnf.average_pool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64, dilations = array<i64>, mapping = "many_to_many"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// AveragePool excluding pads: border windows divide by fewer elements (per-axis counts).
// CHECK-LABEL: func.func @average_pool_exclude_pad
// CHECK: %[[CNT:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[CNT]], %[[CNT]] :
// CHECK: arith.mulf
// CHECK: arith.divf
func.func @average_pool_exclude_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "dnnf.average_pool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 0 : i64, dilations = array<i64>, mapping = "many_to_many"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Dilated AveragePool excluding pads: the named op takes the dilations; each window counts
// only its taps inside the input (1, 2, 1 along W: taps -1/1, 0/2, 1/3 of a 3-wide row).
// CHECK-LABEL: func.func @average_pool_dilated
// CHECK: %[[CNT:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<3xf32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 1] high[0, 0, 0, 1]
// CHECK: linalg.pooling_nchw_sum {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[CNT]] :
func.func @average_pool_dilated(%x: tensor<1x1x2x3xf32>) -> tensor<1x1x1x3xf32> {
  %0 = "dnnf.average_pool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, count_include_pad = 0 : i64, dilations = array<i64: 1, 2>, mapping = "many_to_many"} : (tensor<1x1x2x3xf32>) -> tensor<1x1x1x3xf32>
  return %0 : tensor<1x1x1x3xf32>
}

// -----

// GlobalAveragePool: a reduction generic into [N, C], a scale, and a reshape.
// CHECK-LABEL: func.func @global_average_pool
// CHECK: %[[SIZE:.*]] = arith.constant 2.500000e+01 : f32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.divf %{{.*}}, %[[SIZE]]
// CHECK: tensor.expand_shape %{{.*}} : tensor<1x8xf32> into tensor<1x8x1x1xf32>
func.func @global_average_pool(%x: tensor<1x8x5x5xf32>) -> tensor<1x8x1x1xf32> {
  %0 = "dnnf.global_average_pool"(%x) {mapping = "many_to_many"} : (tensor<1x8x5x5xf32>) -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}
