// RUN: dnnf-opt %s --dnnf-fuse-siblings --split-input-file | FileCheck %s

// Three 1x1 convs on one input (an Inception module's branches): one conv with the weights
// stacked on the output channels (zero bias where a sibling had none), the ReLUs moved
// above the slices, one slice per original conv.
// CHECK-LABEL: func.func @inception_branches
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x8x8xf32>)
// CHECK-DAG: %[[W:.*]] = "dnnf.constant"() {value = dense<{{.*}}> : tensor<6x4x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = "dnnf.constant"() {value = dense<[0.000000e+00, 0.000000e+00, 5.000000e-01, 5.000000e-01, 5.000000e-01, 0.000000e+00]> : tensor<6xf32>}
// CHECK: %[[C:.*]] = "dnnf.conv"(%[[X]], %[[W]], %[[B]]) {{.*}} -> tensor<1x6x8x8xf32>
// CHECK-NOT: dnnf.conv
// CHECK: %[[R:.*]] = "dnnf.relu"(%[[C]]) {{.*}} -> tensor<1x6x8x8xf32>
// CHECK-NOT: dnnf.relu
// CHECK-DAG: %[[S0:.*]] = "dnnf.slice"(%[[R]]) {{.*}}starts = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x2x8x8xf32>
// CHECK-DAG: %[[S1:.*]] = "dnnf.slice"(%[[R]]) {{.*}}starts = array<i64: 0, 2, 0, 0>{{.*}} -> tensor<1x3x8x8xf32>
// CHECK-DAG: %[[S2:.*]] = "dnnf.slice"(%[[R]]) {{.*}}starts = array<i64: 0, 5, 0, 0>{{.*}} -> tensor<1x1x8x8xf32>
// CHECK: return %[[S0]], %[[S1]], %[[S2]]
func.func @inception_branches(%x: tensor<1x4x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x1x8x8xf32>) {
  %w1 = "dnnf.constant"() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %w2 = "dnnf.constant"() {value = dense<2.0> : tensor<3x4x1x1xf32>} : () -> tensor<3x4x1x1xf32>
  %b2 = "dnnf.constant"() {value = dense<0.5> : tensor<3xf32>} : () -> tensor<3xf32>
  %w3 = "dnnf.constant"() {value = dense<3.0> : tensor<1x4x1x1xf32>} : () -> tensor<1x4x1x1xf32>
  %a = "dnnf.conv"(%x, %w1) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  %b = "dnnf.conv"(%x, %w2, %b2) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<3x4x1x1xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  %c = "dnnf.conv"(%x, %w3) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x8x8xf32>
  %ra = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %rb = "dnnf.relu"(%b) {mapping = "one_to_one"} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %rc = "dnnf.relu"(%c) {mapping = "one_to_one"} : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  return %ra, %rb, %rc : tensor<1x2x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x1x8x8xf32>
}

// -----

// Q, K and V projections: one matmul with the weights side by side; the bias adds become
// one add of the concatenated biases.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x4xf32>)
// CHECK: %[[W:.*]] = "dnnf.constant"() {value = dense<{{.*}}> : tensor<4x6xf32>}
// CHECK: %[[M:.*]] = "dnnf.matmul"(%[[X]], %[[W]]) {{.*}} -> tensor<2x5x6xf32>
// CHECK: %[[B:.*]] = "dnnf.constant"() {value = dense<[1.000000e+00, 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<6xf32>}
// CHECK: %[[A:.*]] = "dnnf.add"(%[[B]], %[[M]]) {{.*}} -> tensor<2x5x6xf32>
// CHECK-DAG: %[[Q:.*]] = "dnnf.slice"(%[[A]]) {{.*}}starts = array<i64: 0, 0, 0>{{.*}} -> tensor<2x5x3xf32>
// CHECK-DAG: %[[K:.*]] = "dnnf.slice"(%[[A]]) {{.*}}starts = array<i64: 0, 0, 3>{{.*}} -> tensor<2x5x3xf32>
// CHECK: return %[[Q]], %[[K]]
func.func @qkv(%x: tensor<2x5x4xf32>) -> (tensor<2x5x3xf32>, tensor<2x5x3xf32>) {
  %wq = "dnnf.constant"() {value = dense<1.0> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %wk = "dnnf.constant"() {value = dense<2.0> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %bq = "dnnf.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %bk = "dnnf.constant"() {value = dense<2.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %q = "dnnf.matmul"(%x, %wq) {mapping = "many_to_many"} : (tensor<2x5x4xf32>, tensor<4x3xf32>) -> tensor<2x5x3xf32>
  %k = "dnnf.matmul"(%x, %wk) {mapping = "many_to_many"} : (tensor<2x5x4xf32>, tensor<4x3xf32>) -> tensor<2x5x3xf32>
  %qb = "dnnf.add"(%q, %bq) {mapping = "one_to_one"} : (tensor<2x5x3xf32>, tensor<3xf32>) -> tensor<2x5x3xf32>
  %kb = "dnnf.add"(%bk, %k) {mapping = "one_to_one"} : (tensor<3xf32>, tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  return %qb, %kb : tensor<2x5x3xf32>, tensor<2x5x3xf32>
}

// -----

// Do not merge: different strides (the results do not line up), and a conv whose weight
// is not a constant. Do not move the ReLU: only one of the two parts has one.
// CHECK-LABEL: func.func @not_siblings
// CHECK-COUNT-3: "dnnf.conv"
// CHECK-NOT: "dnnf.slice"
func.func @not_siblings(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x1x1xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>) {
  %w1 = "dnnf.constant"() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %a = "dnnf.conv"(%x, %w1) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  %b = "dnnf.conv"(%x, %w1) {mapping = "many_to_many", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %c = "dnnf.conv"(%x, %w) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  return %a, %b, %c : tensor<1x2x8x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>
}

// -----

// Merge, but keep the element-wise ops below the slices: ReLU on one part, sigmoid on
// the other.
// CHECK-LABEL: func.func @different_activations
// CHECK: %[[C:.*]] = "dnnf.conv"{{.*}} -> tensor<1x4x8x8xf32>
// CHECK: %[[S0:.*]] = "dnnf.slice"(%[[C]])
// CHECK: %[[S1:.*]] = "dnnf.slice"(%[[C]])
// CHECK: "dnnf.relu"(%[[S0]])
// CHECK: "dnnf.sigmoid"(%[[S1]])
func.func @different_activations(%x: tensor<1x4x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %w1 = "dnnf.constant"() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %w2 = "dnnf.constant"() {value = dense<2.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %a = "dnnf.conv"(%x, %w1) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  %b = "dnnf.conv"(%x, %w2) {mapping = "many_to_many", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  %ra = "dnnf.relu"(%a) {mapping = "one_to_one"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %rb = "dnnf.sigmoid"(%b) {mapping = "one_to_one"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %ra, %rb : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}
