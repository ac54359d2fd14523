"""ONNX importer: load and simplify ONNX models, then convert them to MLIR."""
