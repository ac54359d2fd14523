"""dnnfusion-mlir code generation: kernel templates, scheduling, lowering to LLVM."""
