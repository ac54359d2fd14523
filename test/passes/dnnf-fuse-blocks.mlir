// RUN: dnnf-opt %s --dnnf-fusion-plan --convert-dnnf-to-linalg --dnnf-fuse-elementwise --dnnf-fuse-blocks --split-input-file | FileCheck %s

// Conv + bias + residual add + relu: one block, one loop nest (4 output rows per tile: at
// least two tiles per map); the conv and the element-wise epilogue are computed per row
// tile inside it, the conv into a tile-sized destination (no empty of its whole 1x4x8x8
// result is sliced).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.conv
// CHECK: scf.forall
// CHECK: tensor.pad
// CHECK: %[[TILE:.*]] = tensor.empty() : tensor<1x4x4x8xf32>
// CHECK: linalg.fill {{.*}} outs(%[[TILE]]
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: tensor<1x4x4x8xf32>
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
// CHECK-LABEL: func.func @conv_add_relu
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NEXT: return
func.func @conv_add_relu(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %b: tensor<4xf32>, %r: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %a = "dnnf.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %s = "dnnf.add"(%a, %r) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %y = "dnnf.relu"(%s) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Attention heads: bias add, reshape and transpose fold into one generic's indexing (no
// copy kernel for the reshape/transpose), and the scores matmul and softmax follow in the
// same loop over rows of the scores.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.copy
// CHECK: scf.forall
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @heads_scores(%q: tensor<1x16x32xf32>, %bq: tensor<32xf32>, %kt: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %a = "dnnf.add"(%q, %bq) {mapping = "one_to_one"} : (tensor<1x16x32xf32>, tensor<32xf32>) -> tensor<1x16x32xf32>
  %r = "dnnf.reshape"(%a) {mapping = "reorganize"} : (tensor<1x16x32xf32>) -> tensor<1x16x2x16xf32>
  %t = "dnnf.transpose"(%r) {mapping = "shuffle", perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x16xf32>) -> tensor<1x2x16x16xf32>
  %s = "dnnf.matmul"(%t, %kt) {mapping = "many_to_many"} : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  %p = "dnnf.softmax"(%s) {axis = 3 : i64, mapping = "many_to_many"} : (tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  return %p : tensor<1x2x16x16xf32>
}

// -----

// CORF conv -> ReLU -> 2x2 max pool: the pool is the root (2 output rows per tile), the
// conv computes the 4 rows of its result those windows read, inside the same loop.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.conv
// CHECK: scf.forall
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: -> tensor<1x4x4x8xf32>
// CHECK: linalg.pooling_nchw_max
// CHECK-SAME: -> tensor<1x4x2x4xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @conv_relu_pool(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p = "dnnf.max_pool"(%r) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

// Conv + ReLU on a 7-row map: 7 has no divisor between 1 and 3, so the rows are tiled by 3
// in an `scf.for` (tiles 0-2, 3-5) and its last, one-row tile is peeled: static shapes in
// both parts, and the peeled ops (the loop's last iteration, not nests of their own) carry
// `dnnf.peeled`. No op of the block stays outside the two.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.conv
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c3
// CHECK: tensor.pad
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: -> tensor<1x4x3x7xf32>
// CHECK: arith.maximumf
// CHECK: scf.yield
// CHECK: tensor.pad
// CHECK: {dnnf.peeled} : tensor<1x4x2x7xf32> to tensor<1x4x3x9xf32>
// CHECK: linalg.fill {dnnf.peeled}
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}dnnf.peeled
// CHECK-SAME: -> tensor<1x4x1x7xf32>
// CHECK: linalg.generic
// CHECK-SAME: {dnnf.peeled}
// CHECK: arith.maximumf
// CHECK-NEXT: linalg.yield
// CHECK-NOT: linalg.
// CHECK: return
func.func @conv_relu_prime_rows(%x: tensor<1x4x7x7xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x7x7xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x7x7xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x7x7xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32>
  return %r : tensor<1x4x7x7xf32>
}

// -----

// A classifier's one-row gemm + bias + ReLU: rows give one tile, so columns are tiled
// (64 of 256 per tile) and the matmul computes its column slice inside the loop.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.matmul
// CHECK: scf.forall
// CHECK: linalg.matmul
// CHECK-SAME: -> tensor<1x64xf32>
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @row_gemm_relu(%x: tensor<1x32xf32>, %w: tensor<256x32xf32>, %b: tensor<256xf32>) -> tensor<1x256xf32> {
  %g = "dnnf.gemm"(%x, %w, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x32xf32>, tensor<256x32xf32>, tensor<256xf32>) -> tensor<1x256xf32>
  %y = "dnnf.relu"(%g) {mapping = "one_to_one"} : (tensor<1x256xf32>) -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// An Inception branch: conv + ReLU whose result is inserted into a concat of concats. The
// root is found through both insert chains (the inserts are copies, not loop nests), so
// the conv and its epilogue are one tiled loop nest.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.conv
// CHECK: scf.forall
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK: linalg.generic
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: tensor.insert_slice
// CHECK: return
func.func @conv_into_nested_concat(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %y: tensor<1x2x8x8xf32>, %z: tensor<1x2x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c = "dnnf.concat_pair"(%y, %r) {axis = 1 : i64, mapping = "one_to_one"} : (tensor<1x2x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x6x8x8xf32>
  %d = "dnnf.concat_pair"(%c, %z) {axis = 1 : i64, mapping = "one_to_one"} : (tensor<1x6x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %d : tensor<1x8x8x8xf32>
}

// -----

// A squeeze-excite 1x1 conv on a 1x1 map has one row: its output channels are tiled
// instead (16 of 32 per tile), with the conv and its sigmoid epilogue inside the loop.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.conv
// CHECK: scf.forall
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: -> tensor<1x16x1x1xf32>
// CHECK: linalg.generic
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @excite_conv(%x: tensor<1x8x1x1xf32>, %w: tensor<32x8x1x1xf32>, %b: tensor<32xf32>) -> tensor<1x32x1x1xf32> {
  %a = "dnnf.conv"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x1x1xf32>, tensor<32x8x1x1xf32>, tensor<32xf32>) -> tensor<1x32x1x1xf32>
  %y = "dnnf.sigmoid"(%a) {mapping = "one_to_one"} : (tensor<1x32x1x1xf32>) -> tensor<1x32x1x1xf32>
  return %y : tensor<1x32x1x1xf32>
}

// -----

// A global average pool + flatten (a classifier head): the channel sums and their division
// are one row, so channels are tiled (64 of 128 per tile); the sums have the root's shape,
// so a channel tile sums only its channels and recomputes nothing.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK-SAME: "reduction", "reduction"
// CHECK: -> tensor<1x64xf32>
// CHECK: arith.divf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @pool_head(%x: tensor<1x128x5x5xf32>) -> tensor<1x128xf32> {
  %p = "dnnf.global_average_pool"(%x) {mapping = "many_to_many"} : (tensor<1x128x5x5xf32>) -> tensor<1x128x1x1xf32>
  %f = "dnnf.flatten"(%p) {axis = 1 : i64, mapping = "reorganize"} : (tensor<1x128x1x1xf32>) -> tensor<1x128xf32>
  return %f : tensor<1x128xf32>
}

// -----

// Not a one-row softmax: its max and sum reduce over the columns into one value per row,
// so a column tile would redo them; the block is left as it is (several loop nests).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: scf.forall
// CHECK: return
func.func @row_softmax(%x: tensor<1x256xf32>) -> tensor<1x256xf32> {
  %s = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<1x256xf32>) -> tensor<1x256xf32>
  return %s : tensor<1x256xf32>
}

// -----

// A reduction with the root's shape that reaches the root through a matmul (which reads
// all of it per column): a column tile would recompute the whole reduction, so the block
// keeps its loop nests. (Written in linalg: the planner never puts such a pair in one
// block; the guard does not rely on that.)
// RUN: dnnf-opt %s --split-input-file --dnnf-fuse-blocks | FileCheck %s --check-prefix=GUARD
// GUARD-LABEL: func.func private @dnnf_block_7
// GUARD-NOT: scf.forall
// GUARD: linalg.matmul
// GUARD: return
func.func private @dnnf_block_7(%x: tensor<1x64x5x5xf32>, %w: tensor<64x64xf32>) -> tensor<1x64xf32> attributes {dnnf.block = 7 : i64, dnnf.fused = "many_to_many"} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : tensor<1x64x5x5xf32>) outs(%f : tensor<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %out, %in : f32
    linalg.yield %a : f32
  } -> tensor<1x64xf32>
  %e2 = tensor.empty() : tensor<1x64xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %m = linalg.matmul ins(%s, %w : tensor<1x64xf32>, tensor<64x64xf32>) outs(%f2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %m : tensor<1x64xf32>
}

// -----

// Conv + ReLU -> LRN: one loop nest. The LRN's channel pad is fused into the row tile
// (which holds every channel, so the tiled pad pads the channel axis only, no `scf.if`),
// and the ReLU result is computed once per tile for both the pad and the LRN's scale.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.
// CHECK: scf.forall
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[P:.*]] = tensor.pad %[[R]] low[0, 2, 0, 0] high[0, 2, 0, 0]
// CHECK: {dnnf.channel_pad} : tensor<1x6x4x8xf32> to tensor<1x10x4x8xf32>
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[P]],
// CHECK: linalg.generic {{.*}} ins(%[[R]], %[[S]] :
// CHECK: math.powf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @conv_relu_lrn(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %y = "dnnf.lrn"(%r) {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 7.5e-1 : f32, bias = 2.0 : f32, mapping = "many_to_many"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %y : tensor<1x6x8x8xf32>
}

// -----

// Max pool (3x3, stride 1, padded) -> 1x1 conv + ReLU: one loop nest. Each row tile pools
// the rows its 1x1 conv reads (from a padded tile of the input) into a tile-sized buffer.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-NOT: linalg.
// CHECK: scf.forall
// CHECK: tensor.pad
// CHECK: %[[P:.*]] = linalg.pooling_nchw_max
// CHECK-SAME: -> tensor<1x4x4x8xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[P]],
// CHECK: arith.maximumf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @pool_conv_relu(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x1x1xf32>) -> tensor<1x6x8x8xf32> {
  %p = "dnnf.max_pool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = "dnnf.conv"(%p, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x4x1x1xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %r : tensor<1x6x8x8xf32>
}
