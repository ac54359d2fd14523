// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-run %t.onnx --check --repeat 1 | FileCheck %s
// RUN: dnnf-run %t.onnx --no-fuse --repeat 1 | FileCheck %s --check-prefix=UNFUSED

// Fused by default: the three element-wise ops are one block, one loop nest.
// CHECK: compiled in {{.*}}: 3 ops, 1 kernels
// UNFUSED: compiled in {{.*}}: 3 ops, 3 kernels
// CHECK: y: shape [2, 32] float32
// CHECK: check vs onnxruntime: max relative error {{.*}} OK
