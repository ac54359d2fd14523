// RUN: dnnf-opt --list-passes | FileCheck %s --check-prefix=LIST
// RUN: dnnf-opt %s --pass-pipeline='builtin.module(convert-dnnf-to-linalg,canonicalize)' | FileCheck %s
// RUN: not dnnf-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=ERR

// LIST: --convert-dnnf-to-linalg
// LIST: --dnnf-hoist-weights
// LIST: --one-shot-bufferize

// CHECK-LABEL: func.func @f
// CHECK: math.tanh
func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "dnnf.tanh"(%a) {mapping = "one_to_one"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// ERR: dnnf-opt: error: {{.*}}no-such-pass
