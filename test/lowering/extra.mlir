// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s

// ConvTranspose: zero-stuffed input (stride 2, margin k-1 = 1), the weight flipped and
// transposed to FCHW, a stride-1 named conv (channels-last register tiles later), slice to
// the ONNX window (pads 1/0), bias generic.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: %[[ST:.*]] = tensor.insert_slice %{{.*}} into %[[Z]][0, 0, 1, 1] [1, 4, 3, 3] [1, 1, 2, 2] : tensor<1x4x3x3xf32> into tensor<1x4x7x7xf32>
// CHECK: %[[W:.*]] = tensor.generate
// CHECK: arith.subi
// CHECK: tensor.extract %{{.*}} : tensor<4x2x2x2xf32>
// CHECK: } : tensor<2x4x2x2xf32>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[ST]], %[[W]] : tensor<1x4x7x7xf32>, tensor<2x4x2x2xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1] : tensor<1x2x6x6xf32> to tensor<1x2x5x5xf32>
// CHECK: arith.addf
func.func @conv_transpose(%x: tensor<1x4x3x3xf32>, %w: tensor<4x2x2x2xf32>, %b: tensor<2xf32>) -> tensor<1x2x5x5xf32> {
  %0 = "dnnf.conv_transpose"(%x, %w, %b) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x4x3x3xf32>, tensor<4x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// Grouped (2 groups): the stuffed input and the flipped weight split by group, one generic
// contracting both (loops n, g, f, oh, ow, c, kh, kw).
// CHECK-LABEL: func.func @conv_transpose_grouped
// CHECK: tensor.insert_slice {{.*}} [1, 1, 2, 2] : tensor<1x4x3x3xf32> into tensor<1x4x7x7xf32>
// CHECK: tensor.expand_shape {{.*}} into tensor<1x2x2x7x7xf32>
// CHECK: tensor.generate
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-NOT: linalg.conv
// CHECK: return
func.func @conv_transpose_grouped(%x: tensor<1x4x3x3xf32>, %w: tensor<4x1x2x2xf32>) -> tensor<1x2x6x6xf32> {
  %0 = "dnnf.conv_transpose"(%x, %w) {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x3x3xf32>, tensor<4x1x2x2xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// LRN (size 5): a pad of the channel axis only (2 below, 2 above), the window sum over
// (n, c, j, h, w) reading it at channel c + j and adding its square, and the scale reading
// x itself and the sum, with the powf.
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d2, d3, d4)>
// CHECK-DAG: #[[TAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2)>
// CHECK-LABEL: func.func @lrn
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x4x4xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 2, 0, 0] high[0, 2, 0, 0]
// CHECK: {dnnf.channel_pad} : tensor<1x8x4x4xf32> to tensor<1x12x4x4xf32>
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[TAP]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]], %{{.*}} : tensor<1x12x4x4xf32>, tensor<5xf32>)
// CHECK-SAME: dnnf.channel_window
// CHECK: %[[SQ:.*]] = arith.mulf %[[V:.*]], %[[V]] : f32
// CHECK: arith.addf %{{.*}}, %[[SQ]] : f32
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %[[S]] :
// CHECK-SAME: dnnf.channel_scale
// CHECK: math.powf
func.func @lrn(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %0 = "dnnf.lrn"(%x) {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 2.0 : f32, mapping = "many_to_many"} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

// Gelu (tanh form): one element-wise generic.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK-NOT: math.erf
func.func @gelu_tanh(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "dnnf.gelu"(%x) {approximate = "tanh", mapping = "one_to_one"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Less on f32: an ordered compare, the i1 result narrowed from bytes by tensor.generate.
// CHECK-LABEL: func.func @less
// CHECK: arith.cmpf olt
// CHECK: tensor.generate
// CHECK: arith.trunci
func.func @less(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xi1> {
  %0 = "dnnf.less"(%a, %b) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// Tile: a broadcast over the interleaved [r0, d0, r1, d1] shape, then one reshape.
// CHECK: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func.func @tile
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}} outs(%{{.*}} : tensor<2x2x3x3xf32>)
// CHECK: tensor.collapse_shape
func.func @tile(%x: tensor<2x3xf32>) -> tensor<4x9xf32> {
  %0 = "dnnf.tile"(%x) {mapping = "one_to_many"} : (tensor<2x3xf32>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

// ConstantOfShape: a linalg.fill of the value.
// CHECK-LABEL: func.func @fill
// CHECK: %[[C:.*]] = arith.constant 7 : i64
// CHECK: linalg.fill ins(%[[C]] : i64) outs(%{{.*}} : tensor<2x3xi64>)
func.func @fill() -> tensor<2x3xi64> {
  %0 = "dnnf.fill"() {value = 7 : i64, mapping = "one_to_many"} : () -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}
