// AArch64 + NEON code for a Conv+BN+Relu -> MatMul+Add model (test/tools/Inputs/make_conv_matmul.py).
// REQUIRES: llc-22
// RUN: %python %S/Inputs/make_conv_matmul.py %t.onnx
// RUN: dnnf-compile %t.onnx --target aarch64 --emit asm -o %t.s
// RUN: FileCheck %s --check-prefix=NEON < %t.s
// RUN: FileCheck %s --check-prefix=LOOP < %t.s
// RUN: FileCheck %s --check-prefix=NOSCALAR < %t.s
// RUN: dnnf-compile %t.onnx --target aarch64 --cpu cortex-a76 --mattr +dotprod,+fp16 --emit asm | FileCheck %s --check-prefix=NEON

// The entry is renamed so the object links into C programs with their own main().
// NEON: .globl dnnf_model_main
// NEON: dnnf_model_main:
// NEON-DAG: fmla v{{[0-9]+}}.4s, v{{[0-9]+}}.4s
// NEON-DAG: {{ldr|ld1}} {{q[0-9]+|\{ ?v[0-9]+\.4s}}
// NEON-DAG: {{str|st1}} {{q[0-9]+|\{ ?v[0-9]+\.4s}}
// NEON: _mlir_ciface_main:

// The conv/matmul FMAs sit in loop bodies: a loop header, then a nested loop with a
// 128-bit load feeding a by-element fmla.
// LOOP: dnnf_model_main:
// LOOP: This Loop Header: Depth=1
// LOOP: Parent Loop
// LOOP: ldr q{{[0-9]+}}
// LOOP: fmla v{{[0-9]+}}.4s, v{{[0-9]+}}.4s, v{{[0-9]+}}.s[{{[0-3]}}]

// No scalar-only inner loops: every FP multiply/add of the kernels is a NEON vector op.
// NOSCALAR: dnnf_model_main:
// NOSCALAR-NOT: {{fmadd|fmsub|fmul|fadd}} s{{[0-9]+}}
// NOSCALAR: .Lfunc_end0:
