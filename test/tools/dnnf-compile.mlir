// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-compile %t.onnx --no-fuse --emit mlir --stage linalg | FileCheck %s --check-prefix=LINALG
// RUN: dnnf-compile %t.onnx --emit mlir --stage linalg | FileCheck %s --check-prefix=FUSED
// RUN: dnnf-compile %t.onnx --emit llvm | FileCheck %s --check-prefix=LLVM

// The bias is bound at load time: it is an argument, not a constant in the code.
// LINALG: func.func @main(%{{.*}}: tensor<2x32xf32> {bufferization.writable = false}, %{{.*}}: tensor<1x32xf32> {bufferization.writable = false, dnnf.weight = "b"})
// LINALG-COUNT-3: linalg.generic

// Fused (the default): one block function, its three element-wise ops one generic.
// FUSED: func.func private @dnnf_block_0
// FUSED-COUNT-1: linalg.generic
// FUSED-NOT: linalg.generic
// FUSED: call @dnnf_block_0

// LLVM: define void @_mlir_ciface_main(
