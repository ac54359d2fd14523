// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-run %t.onnx --check --repeat 1 | FileCheck %s

// CHECK: compiled in {{.*}}: 3 ops, 3 kernels
// CHECK: y: shape [2, 32] float32
// CHECK: check vs onnxruntime: max relative error {{.*}} OK
