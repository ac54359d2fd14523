// RUN: dnnf-opt %s --dnnf-approximate-math | FileCheck %s

// f32 exp on a vector: range reduction with floor, the polynomial, 2^n in two halves
// from exponent bits, +inf above ln(FLT_MAX), NaN passed through. No math.exp is left.
// CHECK-LABEL: func.func @exp_vector
// CHECK-NOT: math.exp
// CHECK: arith.maximumf %[[X:.*]], %{{.*}} : vector<8xf32>
// CHECK: math.floor %{{.*}} : vector<8xf32>
// CHECK: arith.fptosi %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.shrsi
// CHECK: arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: arith.cmpf ogt, %[[X]]
// CHECK: arith.cmpf uno, %[[X]], %[[X]] : vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %y = math.exp %x : vector<8xf32>
  return %y : vector<8xf32>
}

// Scalar f32 exp too; f64 is left to libm.
// CHECK-LABEL: func.func @exp_scalar
// CHECK: math.floor %{{.*}} : f32
// CHECK: math.exp %{{.*}} : f64
func.func @exp_scalar(%x: f32, %d: f64) -> (f32, f64) {
  %y = math.exp %x : f32
  %e = math.exp %d : f64
  return %y, %e : f32, f64
}

// tanh: the odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) with x's sign above.
// CHECK-LABEL: func.func @tanh_vector
// CHECK-NOT: math.tanh
// CHECK: math.absf %[[T:.*]] : vector<4xf32>
// CHECK: math.floor
// CHECK: arith.divf
// CHECK: math.copysign %{{.*}}, %[[T]] : vector<4xf32>
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK-NOT: math.tanh
// CHECK: return
func.func @tanh_vector(%x: vector<4xf32>) -> vector<4xf32> {
  %y = math.tanh %x : vector<4xf32>
  return %y : vector<4xf32>
}

// erf: the series below 0.5, 1 - t exp(-x^2 + r(t)) with x's sign above; the exp inside
// is rewritten too.
// CHECK-LABEL: func.func @erf_vector
// CHECK-NOT: math.erf
// CHECK: math.absf %[[E:.*]] : vector<4xf32>
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: math.copysign %{{.*}}, %[[E]] : vector<4xf32>
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK: return
func.func @erf_vector(%x: vector<4xf32>) -> vector<4xf32> {
  %y = math.erf %x : vector<4xf32>
  return %y : vector<4xf32>
}
