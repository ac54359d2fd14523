// RUN: dnnf-opt %s --dnnf-print-ecg | FileCheck %s
// RUN: dnnf-opt %s --dnnf-print-ecg | FileCheck %s --check-prefix=IR

// One line per dnnf op: index, op, @location, mapping (per operand where a broadcast operand is
// One-to-Many), result shape, bytes, FLOPs, bytes moved, producers -> consumers.
// CHECK-LABEL: ecg @block
// CHECK-NEXT: #0 dnnf.conv @conv0 M:M 1x4x8x8xf32 bytes=1024 flops=13824 moved=2224 [%arg0, const] -> [#1]
// CHECK-NEXT: #1 dnnf.add @add0 1:1(1:1,1:M) 1x4x8x8xf32 bytes=1024 flops=256 moved=2064 [#0, const] -> [#2, #3]
// CHECK-NEXT: #2 dnnf.sigmoid @- 1:1 1x4x8x8xf32 bytes=1024 flops=1024 moved=2048 [#1] -> [#3]
// CHECK-NEXT: #3 dnnf.mul @- 1:1 1x4x8x8xf32 bytes=1024 flops=256 moved=3072 [#1, #2] -> [#4]
// CHECK-NEXT: #4 dnnf.reshape @flat reorg 4x64xf32 bytes=1024 flops=0 moved=2048 [#3] -> [#5, return]
// CHECK-NEXT: #5 dnnf.reduce_sum @- M:M 4xf32 bytes=16 flops=256 moved=1040 [#4] -> [return]
// CHECK-LABEL: ecg @second
// CHECK-NEXT: #6 dnnf.transpose @- shuffle 3x2xf32 bytes=24 flops=0 moved=48 [%arg0] -> [#7]
// CHECK-NEXT: #7 dnnf.matmul @mm M:M 3x3xf32 bytes=36 flops=36 moved=84 [#6, %arg0] -> [return]
// CHECK-NEXT: total: nodes=8 flops=15652 bytes=12628

// The IR is left unchanged.
// IR-LABEL: func.func @block
// IR: "dnnf.conv"
// IR: "dnnf.add"
// IR: "dnnf.sigmoid"
// IR: "dnnf.mul"
// IR: "dnnf.reshape"
// IR: "dnnf.reduce_sum"
// IR-LABEL: func.func @second
// IR: "dnnf.transpose"
// IR: "dnnf.matmul"
func.func @block(%x: tensor<1x3x8x8xf32>) -> (tensor<4x64xf32>, tensor<4xf32>) {
  %w = "dnnf.constant"() {value = dense<1.0> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "dnnf.constant"() {value = dense<[[[0.1]], [[0.2]], [[0.3]], [[0.4]]]> : tensor<4x1x1xf32>} : () -> tensor<4x1x1xf32>
  %0 = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> loc("conv0")
  %1 = "dnnf.add"(%0, %b) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32> loc("add0")
  %2 = "dnnf.sigmoid"(%1) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %3 = "dnnf.mul"(%1, %2) {mapping = "one_to_one"} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %4 = "dnnf.reshape"(%3) {mapping = "reorganize"} : (tensor<1x4x8x8xf32>) -> tensor<4x64xf32> loc("flat")
  %5 = "dnnf.reduce_sum"(%4) {axes = array<i64: 1>, keepdims = 0 : i64, mapping = "many_to_many"} : (tensor<4x64xf32>) -> tensor<4xf32>
  return %4, %5 : tensor<4x64xf32>, tensor<4xf32>
}

func.func @second(%a: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = "dnnf.transpose"(%a) {mapping = "shuffle", perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "dnnf.matmul"(%0, %a) {mapping = "many_to_many"} : (tensor<3x2xf32>, tensor<2x3xf32>) -> tensor<3x3xf32> loc("mm")
  return %1 : tensor<3x3xf32>
}
