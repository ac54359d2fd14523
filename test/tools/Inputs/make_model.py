"""Write a small ONNX model (Add -> Relu -> Tanh with a 32-element bias) to argv[1]."""

import sys

import numpy as np
import onnx
from onnx import helper

from dnnfusion_mlir.testing import make_model

bias = np.linspace(-1, 1, 32, dtype=np.float32)
model = make_model(
    [helper.make_node("Add", ["x", "b"], ["t"], name="add_bias"),
     helper.make_node("Relu", ["t"], ["u"], name="relu"),
     helper.make_node("Tanh", ["u"], ["y"], name="tanh")],
    {"x": ((2, 32), np.float32)}, ["y"], initializers={"b": bias.reshape(1, 32)},
)
onnx.save(model, sys.argv[1])
