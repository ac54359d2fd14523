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

// powf by a constant exponent: 0.75 (LRN's beta) is sqrt(x) * sqrt(sqrt(x)), the root
// made +0 at -0 and +inf selected at -inf; -2 on a scalar is 1 / (x * x); a splat
// through vector.broadcast is seen too. A non-constant exponent stays math.powf.
// CHECK-LABEL: func.func @powf_constant_exponents
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>, %[[S:.*]]: f32, %[[Y:.*]]: vector<8xf32>)
// CHECK: %[[R:.*]] = math.sqrt %[[X]] : vector<8xf32>
// CHECK: %[[R0:.*]] = arith.addf %[[R]], %{{.*}} : vector<8xf32>
// CHECK: %[[Q:.*]] = math.sqrt %[[R0]] : vector<8xf32>
// CHECK: %[[P:.*]] = arith.mulf %[[R0]], %[[Q]] : vector<8xf32>
// CHECK: %[[NI:.*]] = arith.cmpf oeq, %[[X]], %{{.*}} : vector<8xf32>
// CHECK: %[[A:.*]] = arith.select %[[NI]], %{{.*}}, %[[P]]
// CHECK: %[[SQ:.*]] = arith.mulf %[[S]], %[[S]] : f32
// CHECK: %[[B:.*]] = arith.divf %{{.*}}, %[[SQ]] : f32
// CHECK: math.sqrt %[[X]] : vector<8xf32>
// CHECK-NOT: math.sqrt
// CHECK: %[[E:.*]] = math.powf %[[X]], %[[Y]] : vector<8xf32>
// CHECK: return %[[A]], %[[B]], %{{.*}}, %[[E]]
func.func @powf_constant_exponents(%x: vector<8xf32>, %s: f32, %y: vector<8xf32>)
    -> (vector<8xf32>, f32, vector<8xf32>, vector<8xf32>) {
  %c = arith.constant dense<0.75> : vector<8xf32>
  %a = math.powf %x, %c : vector<8xf32>
  %cs = arith.constant -2.0 : f32
  %b = math.powf %s, %cs : f32
  %ch = arith.constant 0.5 : f32
  %bh = vector.broadcast %ch : f32 to vector<8xf32>
  %d = math.powf %x, %bh : vector<8xf32>
  %e = math.powf %x, %y : vector<8xf32>
  return %a, %b, %d, %e : vector<8xf32>, f32, vector<8xf32>, vector<8xf32>
}
