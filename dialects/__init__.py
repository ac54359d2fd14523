"""Dialects of dnnfusion-mlir: `dnnf` (dnnf.py) and the mapping-type enum (mapping.py)."""
