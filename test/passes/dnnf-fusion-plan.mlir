// RUN: dnnf-opt %s --dnnf-fusion-plan --split-input-file | FileCheck %s

// One case per cell of the fusion table (fusion/table.py): producer row -> consumer column.
// Fused cases become one block function with the cell's result type; the rest two blocks.

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_one"
// CHECK: dnnf.relu
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func @o2o_to_o2o
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2o_to_o2o(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.sigmoid"(%p) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.relu
// CHECK: dnnf.expand
// CHECK-LABEL: func.func @o2o_to_o2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2o_to_o2m(%x: tensor<8x16xf32>) -> tensor<2x8x16xf32> {
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.expand"(%p) {mapping = "one_to_many"} : (tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %c : tensor<2x8x16xf32>
}

// -----

// Fuse (Y: softmax reads each row once, nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.relu
// CHECK: dnnf.softmax
// CHECK-LABEL: func.func @o2o_to_m2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2o_to_m2m(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.softmax"(%p) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "reorganize"
// CHECK: dnnf.relu
// CHECK: dnnf.reshape
// CHECK-LABEL: func.func @o2o_to_reorg
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2o_to_reorg(%x: tensor<8x16xf32>) -> tensor<128xf32> {
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.reshape"(%p) {mapping = "reorganize"} : (tensor<8x16xf32>) -> tensor<128xf32>
  return %c : tensor<128xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "shuffle"
// CHECK: dnnf.relu
// CHECK: dnnf.transpose
// CHECK-LABEL: func.func @o2o_to_shuffle
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2o_to_shuffle(%x: tensor<8x16xf32>) -> tensor<16x8xf32> {
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.transpose"(%p) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.expand
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func @o2m_to_o2o
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2m_to_o2o(%x: tensor<1x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<1x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.sigmoid"(%p) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (Y: 2x recompute of a copy (576 B) < 1024 B saved).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.expand
// CHECK: dnnf.expand
// CHECK-LABEL: func.func @o2m_to_o2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2m_to_o2m(%x: tensor<1x16xf32>) -> tensor<2x8x16xf32> {
  %p = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<1x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.expand"(%p) {mapping = "one_to_many"} : (tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %c : tensor<2x8x16xf32>
}

// -----

// Do not fuse: X.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.expand
// CHECK-NOT: dnnf.softmax
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK-LABEL: func.func @o2m_to_m2m
// CHECK: call @dnnf_block_0
// CHECK: call @dnnf_block_1
func.func @o2m_to_m2m(%x: tensor<1x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<1x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.softmax"(%p) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.expand
// CHECK: dnnf.reshape
// CHECK-LABEL: func.func @o2m_to_reorg
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2m_to_reorg(%x: tensor<1x16xf32>) -> tensor<128xf32> {
  %p = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<1x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.reshape"(%p) {mapping = "reorganize"} : (tensor<8x16xf32>) -> tensor<128xf32>
  return %c : tensor<128xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.expand
// CHECK: dnnf.transpose
// CHECK-LABEL: func.func @o2m_to_shuffle
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @o2m_to_shuffle(%x: tensor<1x16xf32>) -> tensor<16x8xf32> {
  %p = "dnnf.expand"(%x) {mapping = "one_to_many"} : (tensor<1x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.transpose"(%p) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.softmax
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func @m2m_to_o2o
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @m2m_to_o2o(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.sigmoid"(%p) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Do not fuse: Y: 2x recompute of softmax (1280) > 1024 B saved.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.softmax
// CHECK-NOT: dnnf.expand
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK-LABEL: func.func @m2m_to_o2m
// CHECK: call @dnnf_block_0
// CHECK: call @dnnf_block_1
func.func @m2m_to_o2m(%x: tensor<8x16xf32>) -> tensor<2x8x16xf32> {
  %p = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.expand"(%p) {mapping = "one_to_many"} : (tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %c : tensor<2x8x16xf32>
}

// -----

// Do not fuse: X (softmax -> softmax is no CORF pair).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.softmax
// CHECK-NOT: dnnf.softmax
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK-LABEL: func.func @m2m_to_m2m
// CHECK: call @dnnf_block_0
// CHECK: call @dnnf_block_1
func.func @m2m_to_m2m(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.softmax"(%p) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.softmax
// CHECK: dnnf.reshape
// CHECK-LABEL: func.func @m2m_to_reorg
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @m2m_to_reorg(%x: tensor<8x16xf32>) -> tensor<128xf32> {
  %p = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.reshape"(%p) {mapping = "reorganize"} : (tensor<8x16xf32>) -> tensor<128xf32>
  return %c : tensor<128xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.softmax
// CHECK: dnnf.transpose
// CHECK-LABEL: func.func @m2m_to_shuffle
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @m2m_to_shuffle(%x: tensor<8x16xf32>) -> tensor<16x8xf32> {
  %p = "dnnf.softmax"(%x) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %c = "dnnf.transpose"(%p) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "reorganize"
// CHECK: dnnf.reshape
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func @reorg_to_o2o
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @reorg_to_o2o(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.sigmoid"(%p) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (Y: 2x recompute of a copy (1024) = 1024 B saved).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.reshape
// CHECK: dnnf.expand
// CHECK-LABEL: func.func @reorg_to_o2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @reorg_to_o2m(%x: tensor<16x8xf32>) -> tensor<2x8x16xf32> {
  %p = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.expand"(%p) {mapping = "one_to_many"} : (tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %c : tensor<2x8x16xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.reshape
// CHECK: dnnf.softmax
// CHECK-LABEL: func.func @reorg_to_m2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @reorg_to_m2m(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.softmax"(%p) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "reorganize"
// CHECK: dnnf.reshape
// CHECK: dnnf.reshape
// CHECK-LABEL: func.func @reorg_to_reorg
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @reorg_to_reorg(%x: tensor<16x8xf32>) -> tensor<128xf32> {
  %p = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.reshape"(%p) {mapping = "reorganize"} : (tensor<8x16xf32>) -> tensor<128xf32>
  return %c : tensor<128xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "reorganize"
// CHECK: dnnf.reshape
// CHECK: dnnf.transpose
// CHECK-LABEL: func.func @reorg_to_shuffle
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @reorg_to_shuffle(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %p = "dnnf.reshape"(%x) {mapping = "reorganize"} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.transpose"(%p) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "shuffle"
// CHECK: dnnf.transpose
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func @shuffle_to_o2o
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @shuffle_to_o2o(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.sigmoid"(%p) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (Y: 2x recompute of a copy (1024) = 1024 B saved).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: dnnf.transpose
// CHECK: dnnf.expand
// CHECK-LABEL: func.func @shuffle_to_o2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @shuffle_to_o2m(%x: tensor<16x8xf32>) -> tensor<2x8x16xf32> {
  %p = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.expand"(%p) {mapping = "one_to_many"} : (tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %c : tensor<2x8x16xf32>
}

// -----

// Fuse (Y: nothing recomputed).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: dnnf.transpose
// CHECK: dnnf.softmax
// CHECK-LABEL: func.func @shuffle_to_m2m
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @shuffle_to_m2m(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  %p = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.softmax"(%p) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "reorganize"
// CHECK: dnnf.transpose
// CHECK: dnnf.reshape
// CHECK-LABEL: func.func @shuffle_to_reorg
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @shuffle_to_reorg(%x: tensor<16x8xf32>) -> tensor<128xf32> {
  %p = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.reshape"(%p) {mapping = "reorganize"} : (tensor<8x16xf32>) -> tensor<128xf32>
  return %c : tensor<128xf32>
}

// -----

// Fuse (G).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "shuffle"
// CHECK: dnnf.transpose
// CHECK: dnnf.transpose
// CHECK-LABEL: func.func @shuffle_to_shuffle
// CHECK-NEXT: call @dnnf_block_0
// CHECK-NOT: call
func.func @shuffle_to_shuffle(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %p = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %c = "dnnf.transpose"(%p) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// A fused producer that is also returned stays a block output (two results).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: -> (tensor<8x16xf32>, tensor<8x16xf32>)
// CHECK: %[[R:.*]] = "dnnf.relu"
// CHECK: %[[S:.*]] = "dnnf.sigmoid"(%[[R]])
// CHECK: return %[[R]], %[[S]]
// CHECK-LABEL: func.func @output_inside_block
// CHECK: %[[C:.*]]:2 = call @dnnf_block_0
// CHECK: return %[[C]]#1, %[[C]]#0
func.func @output_inside_block(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %r = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %s = "dnnf.sigmoid"(%r) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return %s, %r : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// Do not fuse relu with the add: the path relu -> softmax -> softmax -> add leaves the block
// and comes back (a cycle between blocks). relu takes the first softmax (Y, profitable);
// the add becomes the second softmax's epilogue (G); relu's result is an output of block 0.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: -> (tensor<8x16xf32>, tensor<8x16xf32>)
// CHECK: "dnnf.relu"
// CHECK: "dnnf.softmax"
// CHECK-NOT: "dnnf.add"
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: "dnnf.softmax"
// CHECK: "dnnf.add"
// CHECK-LABEL: func.func @residual_around_blocks
// CHECK: %[[A:.*]]:2 = call @dnnf_block_0
// CHECK: call @dnnf_block_1(%[[A]]#1, %[[A]]#0)
func.func @residual_around_blocks(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %r = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %s1 = "dnnf.softmax"(%r) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %s2 = "dnnf.softmax"(%s1) {axis = 1 : i64, mapping = "many_to_many"} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = "dnnf.add"(%r, %s2) {mapping = "one_to_one"} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Small constants are cloned into the block; dense_resource weights stay in the entry
// function and are passed in (so they can be hoisted to load-time arguments).
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: (%[[X:.*]]: tensor<8x16xf32>, %[[W:.*]]: tensor<8x16xf32>)
// CHECK: %[[C:.*]] = "dnnf.constant"() {value = dense<2.000000e+00>
// CHECK: "dnnf.mul"(%[[X]], %[[C]])
// CHECK: "dnnf.add"({{.*}}, %[[W]])
// CHECK-LABEL: func.func @constants
// CHECK: %[[WT:.*]] = "dnnf.constant"() {value = dense_resource<w>
// CHECK-NOT: dense<2.0
// CHECK: call @dnnf_block_0(%{{.*}}, %[[WT]])
func.func @constants(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %c = "dnnf.constant"() {value = dense<2.0> : tensor<8x16xf32>} : () -> tensor<8x16xf32>
  %w = "dnnf.constant"() {value = dense_resource<w> : tensor<8x16xf32>} : () -> tensor<8x16xf32>
  %m = "dnnf.mul"(%x, %c) {mapping = "one_to_one"} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = "dnnf.add"(%m, %w) {mapping = "one_to_one"} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// A conv keeps its epilogue (G cells first): the relu joins the conv, not the next conv
// as a prologue; the two convs are no CORF pair (3x3 -> 3x3), so two blocks.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.conv"
// CHECK-NEXT: return
func.func @conv_relu_conv(%x: tensor<1x4x8x8xf32>, %w1: tensor<4x4x3x3xf32>, %w2: tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %a = "dnnf.conv"(%x, %w1) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b = "dnnf.conv"(%r, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %b : tensor<1x4x8x8xf32>
}

// -----

// CORF, halo-free: a conv into a pointwise (1x1, stride 1, unpadded) conv reads each row
// of the first conv's result once, so the pair (with the ReLU between) is one block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "many_to_many"
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: "dnnf.conv"
// CHECK-NEXT: return
// CHECK-LABEL: func.func @conv_then_pointwise
// CHECK-NOT: dnnf_block_1
func.func @conv_then_pointwise(%x: tensor<1x4x8x8xf32>, %w1: tensor<4x4x3x3xf32>, %w2: tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %a = "dnnf.conv"(%x, %w1) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b = "dnnf.conv"(%r, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %b : tensor<1x8x8x8xf32>
}

// -----

// No CORF when the value between the two convs is also read outside the block (a residual
// branch): it would have to be stored whole anyway, so the pointwise conv is a block of
// its own.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.conv"
// CHECK-NEXT: return
func.func @pointwise_of_shared_value(%x: tensor<1x4x8x8xf32>, %w1: tensor<4x4x3x3xf32>, %w2: tensor<8x4x1x1xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x4x8x8xf32>) {
  %a = "dnnf.conv"(%x, %w1) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b = "dnnf.conv"(%r, %w2) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %b, %r : tensor<1x8x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// CORF, conv -> unpadded max pool (2x2, stride 2): one block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: "dnnf.max_pool"
// CHECK-NEXT: return
// CHECK-LABEL: func.func @conv_then_pool
// CHECK-NOT: dnnf_block_1
func.func @conv_then_pool(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p = "dnnf.max_pool"(%r) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

// A padded pool would read a `tensor.pad` of the conv's result (a barrier for the code
// generator): two blocks.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.max_pool"
// CHECK-NEXT: return
func.func @conv_then_padded_pool(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p = "dnnf.max_pool"(%r) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

// A concat between the conv and the pool (SqueezeNet's fire module output) is no
// element-wise path: the pool's tile cannot reach the conv's rows through the concat's
// inserts, so the pool is a block of its own.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK: "dnnf.concat_pair"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.max_pool"
// CHECK-NEXT: return
func.func @conv_concat_pool(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %z: tensor<1x2x8x8xf32>) -> tensor<1x6x4x4xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c = "dnnf.concat_pair"(%r, %z) {axis = 1 : i64, mapping = "one_to_one"} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  %p = "dnnf.max_pool"(%c) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x4x4xf32>
  return %p : tensor<1x6x4x4xf32>
}

// -----

// An overlapping pool (3x3, stride 2) re-reads each conv row twice: the whole conv block
// would be recomputed per re-read, which the analytic model finds unprofitable.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.max_pool"
// CHECK-NEXT: return
func.func @conv_then_overlapping_pool(%x: tensor<1x4x9x9xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x9x9xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x9x9xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x4x9x9xf32>) -> tensor<1x4x9x9xf32>
  %p = "dnnf.max_pool"(%r) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x9x9xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

// One-to-One -> One-to-Many is G, except for a transcendental producer (a squeeze-excite
// sigmoid under the per-channel scale): the broadcast would evaluate it once per output
// element, so it is a Y cell and the cost model keeps it apart.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.sigmoid"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.mul"
// CHECK-NEXT: return
func.func @sigmoid_under_broadcast(%s: tensor<1x8x1x1xf32>, %x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %g = "dnnf.sigmoid"(%s) {mapping = "one_to_one"} : (tensor<1x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %y = "dnnf.mul"(%x, %g) {mapping = "one_to_one"} : (tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x16x16xf32>
  return %y : tensor<1x8x16x16xf32>
}

// -----

// A cheap One-to-One producer under the same broadcast stays a G cell: one block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK-SAME: dnnf.fused = "one_to_many"
// CHECK: "dnnf.neg"
// CHECK-NEXT: "dnnf.mul"
// CHECK-NEXT: return
func.func @neg_under_broadcast(%s: tensor<1x8x1x1xf32>, %x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %g = "dnnf.neg"(%s) {mapping = "one_to_one"} : (tensor<1x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %y = "dnnf.mul"(%x, %g) {mapping = "one_to_one"} : (tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x16x16xf32>
  return %y : tensor<1x8x16x16xf32>
}

// -----

// The parts of a merged conv (dnnf-fuse-siblings): each slice joins the block of its
// reader (there it is an offset in the reader's indexing), not the block of the conv and
// its ReLU (there it would be one more loop nest copying the part out). The slices are the
// smallest One-to-One seeds, so without that rule the first one would pull the ReLU and
// the conv into its block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: dnnf.conv
// CHECK: dnnf.relu
// CHECK-NOT: dnnf.slice
// CHECK: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: dnnf.slice
// CHECK: dnnf.sigmoid
// CHECK-LABEL: func.func private @dnnf_block_2
// CHECK: dnnf.slice
// CHECK: dnnf.tanh
// CHECK-LABEL: func.func @slices_join_readers
// CHECK-COUNT-3: call @dnnf_block_
func.func @slices_join_readers(%x: tensor<1x3x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = "dnnf.constant"() {value = dense<1.0> : tensor<6x3x1x1xf32>} : () -> tensor<6x3x1x1xf32>
  %c = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x3x8x8xf32>, tensor<6x3x1x1xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%c) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %a = "dnnf.slice"(%r) {mapping = "one_to_one", starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x6x8x8xf32>) -> tensor<1x2x8x8xf32>
  %b = "dnnf.slice"(%r) {mapping = "one_to_one", starts = array<i64: 0, 2, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x6x8x8xf32>) -> tensor<1x4x8x8xf32>
  %sa = "dnnf.sigmoid"(%a) {mapping = "one_to_one"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %tb = "dnnf.tanh"(%b) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %sa, %tb : tensor<1x2x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// Do not separate: the parts of a data-movement chain (ShuffleNet's channel split after
// its shuffle) stay in that block, which is a copy anyway.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: dnnf.transpose
// CHECK: dnnf.slice
// CHECK: dnnf.slice
// CHECK-LABEL: func.func @data_movement_parts
func.func @data_movement_parts(%x: tensor<1x6x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x4x8x8xf32>) {
  %t = "dnnf.transpose"(%x) {mapping = "shuffle", perm = array<i64: 0, 1, 3, 2>} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %a = "dnnf.slice"(%t) {mapping = "one_to_one", starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x6x8x8xf32>) -> tensor<1x2x8x8xf32>
  %b = "dnnf.slice"(%t) {mapping = "one_to_one", starts = array<i64: 0, 2, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x6x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %a, %b : tensor<1x2x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// A DenseNet layer in miniature. The stem's ReLU output %x is read by the concat and by
// the layer's pre-activation (%p): stored whole for the concat anyway, so %p is the
// prologue of the 1x1 conv, not a second output of the stem's block. The concat joins
// its producer conv (an offset in that conv's tile), and the next pre-activation (%q)
// reads the concat from the next 1x1 conv's block. Four blocks, none with two outputs.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.relu"
// CHECK-NEXT: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_2
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.concat_pair"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_3
// CHECK: "dnnf.relu"
// CHECK-NEXT: "dnnf.conv"
// CHECK-NEXT: return
// CHECK-LABEL: func.func @dense_layer
// CHECK-COUNT-4: call @dnnf_block_
func.func @dense_layer(%in: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %ws = "dnnf.constant"() {value = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %w1 = "dnnf.constant"() {value = dense<0.25> : tensor<8x4x1x1xf32>} : () -> tensor<8x4x1x1xf32>
  %w3 = "dnnf.constant"() {value = dense<0.125> : tensor<2x8x3x3xf32>} : () -> tensor<2x8x3x3xf32>
  %wn = "dnnf.constant"() {value = dense<0.5> : tensor<4x6x1x1xf32>} : () -> tensor<4x6x1x1xf32>
  %s = "dnnf.conv"(%in, %ws) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %x = "dnnf.relu"(%s) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p = "dnnf.relu"(%x) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = "dnnf.conv"(%p, %w1) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %g = "dnnf.conv"(%r, %w3) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x8x8x8xf32>, tensor<2x8x3x3xf32>) -> tensor<1x2x8x8xf32>
  %c = "dnnf.concat_pair"(%x, %g) {axis = 1 : i64, mapping = "one_to_one"} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  %q = "dnnf.relu"(%c) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %n = "dnnf.conv"(%q, %wn) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x6x8x8xf32>, tensor<4x6x1x1xf32>) -> tensor<1x4x8x8xf32>
  return %n : tensor<1x4x8x8xf32>
}

// -----

// CORF, conv -> LRN: the LRN's window runs over channels, which a conv block's row tile
// holds all of, so it reads no halo of the conv's result: one block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: "dnnf.lrn"
// CHECK-NEXT: return
// CHECK-LABEL: func.func @conv_then_lrn
// CHECK-NOT: dnnf_block_1
func.func @conv_then_lrn(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32> {
  %a = "dnnf.conv"(%x, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %y = "dnnf.lrn"(%r) {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 7.5e-1 : f32, bias = 2.0 : f32, mapping = "many_to_many"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %y : tensor<1x6x8x8xf32>
}

// -----

// CORF, pool -> pointwise conv (Inception's pool branch): a row tile of the 1x1 conv reads
// the same rows of the pool's result, so the pool is its prologue: one block.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.max_pool"
// CHECK-NEXT: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
// CHECK-LABEL: func.func @pool_then_pointwise
// CHECK-NOT: dnnf_block_1
func.func @pool_then_pointwise(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x1x1xf32>) -> tensor<1x6x8x8xf32> {
  %p = "dnnf.max_pool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = "dnnf.conv"(%p, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x4x1x1xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %r : tensor<1x6x8x8xf32>
}

// -----

// A pool into a 3x3 conv is no CORF pair (the conv's row tile would recompute the pool's
// halo rows): two blocks.
// CHECK-LABEL: func.func private @dnnf_block_0
// CHECK: "dnnf.max_pool"
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @dnnf_block_1
// CHECK: "dnnf.conv"
// CHECK-NEXT: "dnnf.relu"
// CHECK-NEXT: return
func.func @pool_then_3x3(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32> {
  %p = "dnnf.max_pool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, mapping = "many_to_many"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = "dnnf.conv"(%p, %w) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32>
  %r = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %r : tensor<1x6x8x8xf32>
}
