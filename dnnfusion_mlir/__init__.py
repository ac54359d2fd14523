"""dnnfusion-mlir: a DNNFusion-style operator-fusion compiler for DNN inference on MLIR.

    import dnnfusion_mlir as dnnf
    cm = dnnf.compile("model.onnx")
    outputs = cm(*inputs)
"""

from dnnfusion_mlir.compiler import CompiledModel, compile
from dnnfusion_mlir.errors import (
    CompileError,
    DTypeError,
    DynamicShapeError,
    LoweringError,
    MalformedModelError,
    UnsupportedOpError,
)

__all__ = [
    "CompileError",
    "CompiledModel",
    "DTypeError",
    "DynamicShapeError",
    "LoweringError",
    "MalformedModelError",
    "UnsupportedOpError",
    "compile",
]
__version__ = "0.1.0"
