// RUN: not dnnf-opt %s --split-input-file 2>&1 | FileCheck %s

// A relu claiming the wrong mapping type is rejected by the verifier.
// CHECK: 'mapping' must be "one_to_one", got "shuffle"
func.func @wrong_mapping(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "dnnf.relu"(%a) {mapping = "shuffle"} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
