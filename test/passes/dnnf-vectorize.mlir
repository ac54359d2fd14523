// RUN: env DNNF_HOST_VECTOR_BITS=256 dnnf-opt %s --dnnf-fusion-plan --convert-dnnf-to-linalg --dnnf-fuse-elementwise --dnnf-vectorize --split-input-file | FileCheck %s

// A conv whose output width (31, prime) the AVX2 register tile (4 columns x 16 output
// channels) does not divide. Its block is tiled by 8 output rows (the last tile peeled);
// per output row, 7 full tiles of 4 columns in a loop, then the peeled last tile of 3
// columns; both are register tiles of FMAs (no linalg conv left).
// CHECK-LABEL: func.func private @dnnf_block_0(%{{.*}}: tensor<1x3x127x127xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c8
// CHECK: scf.forall ({{.*}}) in (8)
// CHECK: scf.for %{{.*}} = %c0 to %c28 step %c4
// CHECK: vector.transfer_read {{.*}} : tensor<1x4x16xf32>, vector<1x4x16xf32>
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK: tensor.extract_slice {{.*}}[0, 0, 28, 0] [1, 1, 3, 16]
// CHECK: vector.transfer_read {{.*}} : tensor<1x3x16xf32>, vector<1x3x16xf32>
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: linalg.conv
// CHECK: return
func.func @conv_31_wide(%x: tensor<1x3x127x127xf32>, %w: tensor<16x3x11x11xf32>, %b: tensor<16xf32>) -> tensor<1x16x31x31xf32> {
  %y = "dnnf.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 4, 4>} : (tensor<1x3x127x127xf32>, tensor<16x3x11x11xf32>, tensor<16xf32>) -> tensor<1x16x31x31xf32>
  return %y : tensor<1x16x31x31xf32>
}

// -----

// An LRN block: row tiles holding every channel; inside one, per channel and row, the
// window sum's loop over the 5 channels of the window (square, add) and then the scale
// (power, divide) in the same vector tile: the sum reaches the division without a loop
// nest of its own.
// CHECK-LABEL: func.func private @dnnf_block_0(%{{.*}}: tensor<1x6x8x16xf32>)
// CHECK: scf.forall ({{.*}}) in (2)
// CHECK: tensor.pad {{.*}} low[0, 2, 0, 0] high[0, 2, 0, 0]
// CHECK: scf.forall ({{.*}}) in (6, 4)
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c5 step %c1
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: scf.yield
// CHECK-NOT: scf.forall
// CHECK: math.powf
// CHECK: arith.divf {{.*}} : vector<1x1x1x16xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @lrn(%x: tensor<1x6x8x16xf32>) -> tensor<1x6x8x16xf32> {
  %y = "dnnf.lrn"(%x) {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 7.5e-1 : f32, bias = 2.0 : f32, mapping = "many_to_many"} : (tensor<1x6x8x16xf32>) -> tensor<1x6x8x16xf32>
  return %y : tensor<1x6x8x16xf32>
}
