// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s

// A reshape that only merges dims is one collapse_shape: no copy.
// CHECK-LABEL: func.func @reshape_collapse
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2, 3]] : tensor<2x3x4x5xf32> into tensor<6x20xf32>
// CHECK-NOT: tensor.expand_shape
// CHECK-NOT: linalg.
func.func @reshape_collapse(%x: tensor<2x3x4x5xf32>) -> tensor<6x20xf32> {
  %0 = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<2x3x4x5xf32>) -> tensor<6x20xf32>
  return %0 : tensor<6x20xf32>
}

// -----

// Unsqueeze is a pure expand_shape.
// CHECK-LABEL: func.func @unsqueeze_expand
// CHECK-NOT: tensor.collapse_shape
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0, 1], [2, 3]] output_shape [1, 2, 3, 1] : tensor<2x3xf32> into tensor<1x2x3x1xf32>
func.func @unsqueeze_expand(%x: tensor<2x3xf32>) -> tensor<1x2x3x1xf32> {
  %0 = "dnnf.unsqueeze"(%x) {axes = array<i64: 0, 3>, mapping = "reorganize"} : (tensor<2x3xf32>) -> tensor<1x2x3x1xf32>
  return %0 : tensor<1x2x3x1xf32>
}

// -----

// A mixed reshape collapses to the coarsest common shape, then expands.
// CHECK-LABEL: func.func @reshape_mixed
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2]] output_shape [6, 2, 2] : tensor<6x4xf32> into tensor<6x2x2xf32>
func.func @reshape_mixed(%x: tensor<2x3x4xf32>) -> tensor<6x2x2xf32> {
  %0 = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<2x3x4xf32>) -> tensor<6x2x2xf32>
  return %0 : tensor<6x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @squeeze_to_scalar
// CHECK: tensor.collapse_shape %arg0 [] : tensor<1x1xf32> into tensor<f32>
func.func @squeeze_to_scalar(%x: tensor<1x1xf32>) -> tensor<f32> {
  %0 = "dnnf.squeeze"(%x) {axes = array<i64: 0, 1>, mapping = "reorganize"} : (tensor<1x1xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Concat: each input inserted at its running offset along the axis; concat_pair likewise.
// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x6xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x6xf32>
// CHECK: %[[B:.*]] = tensor.insert_slice %arg1 into %[[A]][0, 3] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x6xf32>
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<2x7xf32>
// CHECK: %[[C:.*]] = tensor.insert_slice %[[B]] into %[[E2]][0, 0] [2, 6] [1, 1]
// CHECK: tensor.insert_slice %arg2 into %[[C]][0, 6] [2, 1] [1, 1] : tensor<2x1xf32> into tensor<2x7xf32>
func.func @concat(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %z: tensor<2x1xf32>) -> tensor<2x7xf32> {
  %0 = "dnnf.concat"(%x, %y) {axis = 1 : i64, mapping = "one_to_one", operandSegmentSizes = array<i32: 2>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  %1 = "dnnf.concat_pair"(%0, %z) {axis = 1 : i64, mapping = "one_to_one"} : (tensor<2x6xf32>, tensor<2x1xf32>) -> tensor<2x7xf32>
  return %1 : tensor<2x7xf32>
}

// -----

// CHECK-LABEL: func.func @split
// CHECK: tensor.extract_slice %arg0[0, 0] [2, 3] [1, 1] : tensor<6x3xf32> to tensor<2x3xf32>
// CHECK: tensor.extract_slice %arg0[2, 0] [2, 3] [1, 1] : tensor<6x3xf32> to tensor<2x3xf32>
// CHECK: tensor.extract_slice %arg0[4, 0] [2, 3] [1, 1] : tensor<6x3xf32> to tensor<2x3xf32>
func.func @split(%x: tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0:3 = "dnnf.split"(%x) {axis = 0 : i64, mapping = "one_to_one", resultSegmentSizes = array<i32: 3>} : (tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Positive steps: one strided extract_slice.
// CHECK-LABEL: func.func @slice_strided
// CHECK: tensor.extract_slice %arg0[1, 0] [2, 3] [2, 2] : tensor<5x6xf32> to tensor<2x3xf32>
// CHECK-NOT: linalg.generic
func.func @slice_strided(%x: tensor<5x6xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.slice"(%x) {starts = array<i64: 1, 0>, steps = array<i64: 2, 2>, mapping = "one_to_one"} : (tensor<5x6xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Negative step: a generic reading x[i, 5 - 2*j].
// CHECK-LABEL: func.func @slice_reversed
// CHECK-DAG: %[[FIVE:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[STEP:.*]] = arith.constant -2 : index
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[M:.*]] = arith.muli %[[J]], %[[STEP]] : index
// CHECK: %[[S:.*]] = arith.addi %[[M]], %[[FIVE]] : index
// CHECK: tensor.extract %arg0[%[[I]], %[[S]]] : tensor<5x6xf32>
func.func @slice_reversed(%x: tensor<5x6xf32>) -> tensor<5x3xf32> {
  %0 = "dnnf.slice"(%x) {starts = array<i64: 0, 5>, steps = array<i64: 1, -2>, mapping = "one_to_one"} : (tensor<5x6xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// Gather: indices read through the indexing map, wrapped if negative, clamped, then extracted.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #[[OUT]]]{{.*}} ins(%arg1 : tensor<2x3xi32>)
// CHECK: ^bb0(%[[RAW:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.index_cast %[[RAW]] : i32 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[C]]
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]]
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]]
// CHECK: %[[D0:.*]] = linalg.index 0 : index
// CHECK: tensor.extract %arg0[%[[D0]], %[[HI]]] : tensor<4x5xf32>
func.func @gather(%x: tensor<4x5xf32>, %i: tensor<2x3xi32>) -> tensor<4x2x3xf32> {
  %0 = "dnnf.gather"(%x, %i) {axis = 1 : i64, mapping = "one_to_many"} : (tensor<4x5xf32>, tensor<2x3xi32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Expand: identity body, broadcast input map.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]{{.*}} ins(%arg0 : tensor<3x1xf32>)
// CHECK-NEXT: ^bb0(%[[IN_ARG:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN_ARG]] : f32
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Constant pad with negative pads: crop with extract_slice, then tensor.pad.
// CHECK-LABEL: func.func @pad_constant_crop
// CHECK-DAG: %[[V:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: %[[CROP:.*]] = tensor.extract_slice %arg0[0, 1] [3, 3] [1, 1] : tensor<3x4xf32> to tensor<3x3xf32>
// CHECK: tensor.pad %[[CROP]] low[1, 0] high[0, 2]
// CHECK: tensor.yield %[[V]] : f32
// CHECK: } : tensor<3x3xf32> to tensor<4x5xf32>
func.func @pad_constant_crop(%x: tensor<3x4xf32>) -> tensor<4x5xf32> {
  %0 = "dnnf.pad"(%x) {pads = array<i64: 1, -1, 0, 2>, mode = "constant", value = 1.5 : f32, mapping = "one_to_one"} : (tensor<3x4xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Reflect: s = j - 2, |s| = max(s, 2 - j), mirrored at size-1 = 3: min(|s|, 6 - |s|).
// CHECK-LABEL: func.func @pad_reflect
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[S:.*]] = arith.subi %[[J]], %[[C2]] : index
// CHECK: %[[N:.*]] = arith.subi %[[C2]], %[[J]] : index
// CHECK: %[[A:.*]] = arith.maxsi %[[S]], %[[N]] : index
// CHECK: %[[M:.*]] = arith.subi %[[C6]], %[[A]] : index
// CHECK: %[[R:.*]] = arith.minsi %[[A]], %[[M]] : index
// CHECK: tensor.extract %arg0[%{{.*}}, %[[R]]] : tensor<2x4xf32>
func.func @pad_reflect(%x: tensor<2x4xf32>) -> tensor<2x7xf32> {
  %0 = "dnnf.pad"(%x) {pads = array<i64: 0, 2, 0, 1>, mode = "reflect", value = 0.0 : f32, mapping = "one_to_one"} : (tensor<2x4xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

// Edge: index - low clamped into [0, size-1].
// CHECK-LABEL: func.func @pad_edge
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[S:.*]] = arith.subi %[[I]], %c1 : index
// CHECK: %[[A:.*]] = arith.maxsi %[[S]], %c0 : index
// CHECK: %[[B:.*]] = arith.minsi %[[A]], %c1 : index
// CHECK: tensor.extract %arg0[%[[B]], %{{.*}}] : tensor<2x4xi64>
func.func @pad_edge(%x: tensor<2x4xi64>) -> tensor<5x4xi64> {
  %0 = "dnnf.pad"(%x) {pads = array<i64: 1, 0, 2, 0>, mode = "edge", value = 0.0 : f32, mapping = "one_to_one"} : (tensor<2x4xi64>) -> tensor<5x4xi64>
  return %0 : tensor<5x4xi64>
}

// -----

// Wrap pad: source index (i - low) mod size, made non-negative (remsi keeps the sign).
// CHECK-LABEL: func.func @pad_wrap
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[S:.*]] = arith.subi %[[I]], %{{.*}} : index
// CHECK: %[[R:.*]] = arith.remsi %[[S]], %[[N:.*]] : index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[R]], %{{.*}} : index
// CHECK: %[[UP:.*]] = arith.addi %[[R]], %[[N]] : index
// CHECK: %[[J:.*]] = arith.select %[[NEG]], %[[UP]], %[[R]] : index
// CHECK: tensor.extract %arg0[%{{.*}}, %[[J]]] : tensor<2x3xf32>
func.func @pad_wrap(%x: tensor<2x3xf32>) -> tensor<2x10xf32> {
  %0 = "dnnf.pad"(%x) {pads = array<i64: 0, 4, 0, 3>, mode = "wrap", value = 0.0 : f32, mapping = "one_to_one"} : (tensor<2x3xf32>) -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

// Nearest, half_pixel, round_prefer_floor: ceil((x + 0.5) / 2 - 0.5 - 0.5), clamped.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: linalg.generic
// CHECK-NOT: linalg.index 0
// CHECK: %[[H:.*]] = linalg.index 2 : index
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[HF:.*]] = arith.sitofp %[[HI]] : i64 to f32
// CHECK: %[[T0:.*]] = arith.addf %[[HF]], %[[HALF:.*]] : f32
// CHECK: %[[T1:.*]] = arith.divf %[[T0]], %[[TWO:.*]] : f32
// CHECK: %[[T2:.*]] = arith.subf %[[T1]], %[[HALF]] : f32
// CHECK: %[[T3:.*]] = arith.addf %[[T2]], %{{.*}} : f32
// CHECK: math.ceil %[[T3]] : f32
// CHECK: arith.fptosi
// CHECK: tensor.extract %arg0
// CHECK-NOT: tensor.extract
func.func @resize_nearest(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x6x4xf32> {
  %0 = "dnnf.resize"(%x) {mode = "nearest", coordinate_transformation_mode = "half_pixel", nearest_mode = "round_prefer_floor", scales = array<f32: 1.0, 1.0, 2.0, 1.0>, cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, antialias = 0 : i64, roi = array<f32>, extrapolation_value = 0.000000e+00 : f32, fractional_length = 0 : i64, mapping = "one_to_many"} : (tensor<1x2x3x4xf32>) -> tensor<1x2x6x4xf32>
  return %0 : tensor<1x2x6x4xf32>
}

// -----

// Bilinear, align_corners: four corner reads, three lerps.
// CHECK-LABEL: func.func @resize_bilinear
// CHECK: linalg.generic
// CHECK-COUNT-2: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK-NOT: tensor.extract
func.func @resize_bilinear(%x: tensor<1x1x3x4xf32>) -> tensor<1x1x5x7xf32> {
  %0 = "dnnf.resize"(%x) {mode = "linear", coordinate_transformation_mode = "align_corners", nearest_mode = "round_prefer_floor", scales = array<f32: 1.0, 1.0, 1.6666666, 1.75>, cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, antialias = 0 : i64, roi = array<f32>, extrapolation_value = 0.000000e+00 : f32, fractional_length = 0 : i64, mapping = "one_to_many"} : (tensor<1x1x3x4xf32>) -> tensor<1x1x5x7xf32>
  return %0 : tensor<1x1x5x7xf32>
}

// -----

// Cubic along W (2 -> 3, align_corners): one generic over (n, c, h, w, tap) reading the index
// and weight tables; the weights are the reference's cubic coefficients (A = -0.75) in
// float64, rounded once; exact rows [0, 0, 1, 0] at integer source positions.
// CHECK-LABEL: func.func @resize_cubic_taps
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{\[\[}}0, 0, 0, 1], [0, 0, 1, 1], [0, 0, 1, 1]]> : tensor<3x4xi64>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00], [-9.375000e-02, 5.937500e-01, 5.937500e-01, -9.375000e-02], [0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<3x4xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[IDX]], %[[W]] : tensor<3x4xi64>, tensor<3x4xf32>)
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.extract %arg0
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @resize_cubic_taps(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x3xf32> {
  %0 = "dnnf.resize"(%x) {mode = "cubic", coordinate_transformation_mode = "align_corners", nearest_mode = "round_prefer_floor", scales = array<f32: 1.0, 1.0, 1.0, 1.5>, cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, antialias = 0 : i64, roi = array<f32>, extrapolation_value = 0.000000e+00 : f32, fractional_length = 0 : i64, mapping = "one_to_many"} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x3xf32>
  return %0 : tensor<1x1x2x3xf32>
}

// -----

// tf_crop_and_resize, linear, roi -0.5..1.5 along H only (W is left alone): rows whose
// source lies outside the input take the extrapolation value in a second generic (mask 1.0).
// CHECK-LABEL: func.func @resize_tf_crop
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<[1.000000e+00, 0.000000e+00, 0.000000e+00, 1.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{\[\[}}0, 0], [0, 1], [1, 2], [2, 2]]> : tensor<4x2xi64>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}"parallel", "reduction"]} ins(%[[IDX]], %{{.*}} : tensor<4x2xi64>, tensor<4x2xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[MASK]] :
// CHECK: arith.cmpf ogt
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
func.func @resize_tf_crop(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x4x3xf32> {
  %0 = "dnnf.resize"(%x) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", nearest_mode = "round_prefer_floor", scales = array<f32: 1.0, 1.0, 1.3333334, 1.0>, cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, antialias = 0 : i64, roi = array<f32: 0.0, 0.0, -0.5, 0.0, 1.0, 1.0, 1.5, 1.0>, extrapolation_value = 5.000000e+00 : f32, fractional_length = 0 : i64, mapping = "one_to_many"} : (tensor<1x1x3x3xf32>) -> tensor<1x1x4x3xf32>
  return %0 : tensor<1x1x4x3xf32>
}

// -----

// Linear, align_corners, scales 0.6 with fractional_length (an ONNX Resize given scales): W
// divides by ONNX's fractional resized length 4 x 0.6 - 1 = 1.4, not by the result's 2 - 1;
// H (2 x 0.6 = 1.2, one output) reads row 0.
// CHECK-LABEL: func.func @resize_fractional_length
// CHECK-DAG: %[[L:.*]] = arith.constant 1.4000001 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: %[[T:.*]] = arith.mulf %{{.*}}, %[[N]] : f32
// CHECK: arith.divf %[[T]], %[[L]] : f32
func.func @resize_fractional_length(%x: tensor<1x1x2x4xf32>) -> tensor<1x1x1x2xf32> {
  %0 = "dnnf.resize"(%x) {mode = "linear", coordinate_transformation_mode = "align_corners", nearest_mode = "round_prefer_floor", scales = array<f32: 1.0, 1.0, 0.6, 0.6>, cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, antialias = 0 : i64, roi = array<f32>, extrapolation_value = 0.000000e+00 : f32, fractional_length = 1 : i64, mapping = "one_to_many"} : (tensor<1x1x2x4xf32>) -> tensor<1x1x1x2xf32>
  return %0 : tensor<1x1x1x2xf32>
}
