// dnnf-run --target aarch64: cross-compiled, run under qemu-aarch64, checked against onnxruntime.
// REQUIRES: llc-22, aarch64-linux-gnu-gcc, qemu-aarch64
// RUN: %python %S/Inputs/make_conv_matmul.py %t.onnx
// RUN: dnnf-run %t.onnx --target aarch64 --check | FileCheck %s
// RUN: dnnf-compile %t.onnx --target aarch64 --emit so -o %t.so
// RUN: FileCheck %s --check-prefix=HEADER < %t.h

// CHECK: compiled in {{.*}}: 5 ops
// CHECK: dnnf: {{.*}} ms per run (aarch64 under qemu)
// CHECK: y: shape [1, 16, 16, 32] float32
// CHECK: check vs onnxruntime: max relative error {{.*}} OK

// HEADER: #define DNNF_INPUT_0_SHAPE {1, 8, 16, 16}
// HEADER: dnnf_model *dnnf_init(void);
// HEADER: int dnnf_run(dnnf_model *model, const void *const *inputs, void *const *outputs);
