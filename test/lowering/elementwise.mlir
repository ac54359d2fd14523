// RUN: dnnf-opt %s --convert-dnnf-to-linalg --split-input-file | FileCheck %s

// Broadcasting add: one parallel generic; size-1 dims read at index 0, missing dims dropped.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<2x1x4xf32>, tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
func.func @add_broadcast(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = "dnnf.add"(%a, %b) {mapping = "one_to_one"} : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Integer ops use the integer arith ops (signed division).
// CHECK-LABEL: func.func @int_div_neg
// CHECK: %[[Z:.*]] = arith.constant 0 : i64
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i64
// CHECK: arith.subi %[[Z]], %{{.*}} : i64
func.func @int_div_neg(%a: tensor<5xi64>, %b: tensor<5xi64>) -> tensor<5xi64> {
  %0 = "dnnf.div"(%a, %b) {mapping = "one_to_one"} : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %1 = "dnnf.neg"(%0) {mapping = "one_to_one"} : (tensor<5xi64>) -> tensor<5xi64>
  return %1 : tensor<5xi64>
}

// -----

// Clip: max with the lower bound, then min with the upper one; with only a lower bound
// the min with +inf folds away.
// CHECK-LABEL: func.func @clip_min_only
// CHECK: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.*}}, %[[LO]] : f32
// CHECK-NOT: arith.minimumf
// CHECK: return
func.func @clip_min_only(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = "dnnf.clip"(%x) {min = 0.0 : f32, max = 0x7F800000 : f32, mapping = "one_to_one"} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @clip_both
// CHECK-DAG: %[[LO:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 6.000000e+00 : f32
// CHECK: %[[M:.*]] = arith.maximumf %{{.*}}, %[[LO]] : f32
// CHECK: arith.minimumf %[[M]], %[[HI]] : f32
func.func @clip_both(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = "dnnf.clip"(%x) {min = -1.0 : f32, max = 6.0 : f32, mapping = "one_to_one"} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// LeakyRelu: compare, scale, select.
// CHECK-LABEL: func.func @leaky_relu
// CHECK: %[[P:.*]] = arith.cmpf ogt
// CHECK: %[[S:.*]] = arith.mulf
// CHECK: arith.select %[[P]], %{{.*}}, %[[S]] : f32
func.func @leaky_relu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = "dnnf.leaky_relu"(%x) {alpha = 0.1 : f32, mapping = "one_to_one"} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Identity and Dropout lower to nothing.
// CHECK-LABEL: func.func @identity_dropout
// CHECK-NOT: linalg
// CHECK: return %arg0
func.func @identity_dropout(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = "dnnf.identity"(%x) {mapping = "one_to_one"} : (tensor<8xf32>) -> tensor<8xf32>
  %1 = "dnnf.dropout"(%0) {mapping = "one_to_one"} : (tensor<8xf32>) -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// An i1 result never leaves a linalg.generic: the generic writes i8 (vectorised stores of
// vector<Nxi1> are bit-packed by LLVM), and a scalar tensor.generate narrows it to i1.
// CHECK-LABEL: func.func @equal_i64
// CHECK: %[[E:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x8xi64>, tensor<8xi64>) outs(%{{.*}} : tensor<2x8xi8>)
// CHECK: %[[C:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK: %[[W:.*]] = arith.extui %[[C]] : i1 to i8
// CHECK: linalg.yield %[[W]] : i8
// CHECK: %[[G:.*]] = tensor.generate
// CHECK: tensor.extract %[[E]]
// CHECK: arith.trunci %{{.*}} : i8 to i1
// CHECK: } : tensor<2x8xi1>
// CHECK: return %[[G]] : tensor<2x8xi1>
func.func @equal_i64(%a: tensor<2x8xi64>, %b: tensor<8xi64>) -> tensor<2x8xi1> {
  %0 = "dnnf.equal"(%a, %b) {mapping = "one_to_one"} : (tensor<2x8xi64>, tensor<8xi64>) -> tensor<2x8xi1>
  return %0 : tensor<2x8xi1>
}

// -----

// An i1 operand is widened to i8 by a scalar tensor.generate before the generic reads it.
// CHECK-LABEL: func.func @where_bool_condition
// CHECK: %[[C8:.*]] = tensor.generate
// CHECK: arith.extui %{{.*}} : i1 to i8
// CHECK: } : tensor<4xi8>
// CHECK: linalg.generic {{.*}} ins(%[[C8]], %{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xf32>, tensor<f32>)
// CHECK: %[[B:.*]] = arith.trunci %{{.*}} : i8 to i1
// CHECK: arith.select %[[B]], %{{.*}}, %{{.*}} : f32
// CHECK-NOT: xi1>
// CHECK: return
func.func @where_bool_condition(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<f32>) -> tensor<4xf32> {
  %0 = "dnnf.where"(%c, %x, %y) {mapping = "one_to_one"} : (tensor<4xi1>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Rank-0 bool: the tensor.generate has no indices.
// CHECK-LABEL: func.func @cast_bool_scalar
// CHECK: tensor.generate
// CHECK-NEXT: tensor.extract %{{.*}}[] : tensor<i1>
// CHECK: arith.uitofp %{{.*}} : i1 to f32
func.func @cast_bool_scalar(%x: tensor<i1>) -> tensor<f32> {
  %0 = "dnnf.cast"(%x) {mapping = "one_to_one"} : (tensor<i1>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Float to bool: compare with zero (non-zero, NaN included, is true).
// CHECK-LABEL: func.func @cast_f32_to_bool
// CHECK: arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK: arith.extui %{{.*}} : i1 to i8
// CHECK: tensor.generate
// CHECK: } : tensor<3x5xi1>
func.func @cast_f32_to_bool(%x: tensor<3x5xf32>) -> tensor<3x5xi1> {
  %0 = "dnnf.cast"(%x) {mapping = "one_to_one"} : (tensor<3x5xf32>) -> tensor<3x5xi1>
  return %0 : tensor<3x5xi1>
}

// -----

// Integer Pow: square-and-multiply over the 31 low exponent bits (bit 0 needs no shift),
// branch-free; a negative
// exponent keeps only +-1 results (trunc of 1 / base ** -e).
// CHECK-LABEL: func.func @pow_i32
// CHECK-NOT: math.powf
// CHECK: %[[NEG:.*]] = arith.cmpi slt
// CHECK: %[[MAG:.*]] = math.absi
// CHECK: arith.trunci %[[MAG]] : i32 to i1
// CHECK-COUNT-30: arith.shrui %[[MAG]]
// CHECK-NOT: arith.shrui
// CHECK: %[[UNIT:.*]] = arith.ori
// CHECK: %[[FRAC:.*]] = arith.select %[[UNIT]], %{{.*}}, %{{.*}} : i32
// CHECK: arith.select %[[NEG]], %[[FRAC]], %{{.*}} : i32
func.func @pow_i32(%a: tensor<5xi32>, %b: tensor<5xi32>) -> tensor<5xi32> {
  %0 = "dnnf.pow"(%a, %b) {mapping = "one_to_one"} : (tensor<5xi32>, tensor<5xi32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}
