// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-compile %t.onnx --emit mlir --stage linalg | FileCheck %s --check-prefix=LINALG
// RUN: dnnf-compile %t.onnx --emit llvm | FileCheck %s --check-prefix=LLVM

// The bias is bound at load time: it is an argument, not a constant in the code.
// LINALG: func.func @main(%{{.*}}: tensor<2x32xf32> {bufferization.writable = false}, %{{.*}}: tensor<1x32xf32> {bufferization.writable = false, dnnf.weight = "b"})
// LINALG-COUNT-3: linalg.generic

// LLVM: define void @_mlir_ciface_main(
