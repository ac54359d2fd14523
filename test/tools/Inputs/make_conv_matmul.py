"""Write a Conv(8->16, 3x3) + BatchNorm + Relu -> MatMul(x16) + Add model to argv[1].

Sizes are multiples of the 4 NEON f32 lanes, so the AArch64 kernels need no scalar tails.
"""

import sys

import numpy as np
import onnx
from onnx import helper

from dnnfusion_mlir.testing import make_model

rng = np.random.default_rng(0)
model = make_model(
    [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
     helper.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["n"], name="bn"),
     helper.make_node("Relu", ["n"], ["r"], name="relu"),
     helper.make_node("MatMul", ["r", "mm"], ["p"], name="matmul"),
     helper.make_node("Add", ["p", "bias"], ["y"], name="add")],
    {"x": ((1, 8, 16, 16), np.float32)}, ["y"],
    initializers={"w": rng.standard_normal((16, 8, 3, 3)).astype(np.float32),
                  "g": rng.random(16).astype(np.float32) + 0.5,
                  "b": rng.standard_normal(16).astype(np.float32),
                  "m": rng.standard_normal(16).astype(np.float32),
                  "v": rng.random(16).astype(np.float32) + 0.5,
                  "mm": rng.standard_normal((16, 32)).astype(np.float32),
                  "bias": rng.standard_normal(32).astype(np.float32)},
)
onnx.save(model, sys.argv[1])
