# RUN: %python %s | FileCheck %s
"""Importer tests for element-wise ops: default attributes, constant bounds, dtypes."""

import numpy as np
from onnx import helper

from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.testing import make_model

F = np.float32


def show(nodes, inputs, outputs, inits=None, opset=17):
    print(import_onnx(make_model(nodes, inputs, outputs, inits or {}, opset=opset)).module)


# Unary activation: one op, same type.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.relu"(%{{.*}}) {mapping = "one_to_one"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
show([helper.make_node("Relu", ["x"], ["y"])], {"x": ((2, 3), F)}, ["y"])

# Broadcasting binary op keeps the operand shapes; the result has the broadcast shape.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.add"(%{{.*}}, %{{.*}}) {mapping = "one_to_one"} : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
show([helper.make_node("Add", ["a", "b"], ["y"])], {"a": ((2, 1, 4), F), "b": ((3, 1), F)},
     ["y"])

# int64 arithmetic stays int64.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.div"(%{{.*}}, %{{.*}}) {mapping = "one_to_one"} : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
show([helper.make_node("Div", ["a", "b"], ["y"])], {"a": ((5,), np.int64), "b": ((5,), np.int64)},
     ["y"])

# Clip with only a max input: min becomes -inf.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.clip"(%{{.*}}) {mapping = "one_to_one", max = 6.000000e+00 : f32, min = 0xFF800000 : f32}
show([helper.make_node("Clip", ["x", "", "hi"], ["y"])], {"x": ((4,), F)}, ["y"],
     {"hi": np.array(6.0, F)})

# Clip-6 (opset 10, attributes) reaches us as Clip-11 with constant inputs.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.clip"(%{{.*}}) {mapping = "one_to_one", max = 0x7F800000 : f32, min = -1.000000e+00 : f32}
show([helper.make_node("Clip", ["x"], ["y"], min=-1.0)], {"x": ((4,), F)}, ["y"], opset=10)

# Default attributes are filled in.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.leaky_relu"(%{{.*}}) {alpha = 0.00999999977 : f32, mapping = "one_to_one"}
# CHECK: "dnnf.hard_sigmoid"(%{{.*}}) {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32, mapping = "one_to_one"}
show([helper.make_node("LeakyRelu", ["x"], ["t"]), helper.make_node("HardSigmoid", ["t"], ["y"])],
     {"x": ((4,), F)}, ["y"])

# Pow with a constant int64 exponent: the exponent is turned into an f32 constant.
# CHECK-LABEL: func.func @main
# CHECK: %[[E:.*]] = "dnnf.constant"() {value = dense<3.000000e+00> : tensor<f32>} : () -> tensor<f32>
# CHECK: "dnnf.pow"(%{{.*}}, %[[E]]) {mapping = "one_to_one"} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
show([helper.make_node("Pow", ["x", "e"], ["y"])], {"x": ((2, 3), F)}, ["y"],
     {"e": np.array(3, np.int64)})

# Equal gives i1; Where takes it as its condition; Cast's target type is the result's.
# CHECK-LABEL: func.func @main
# CHECK: %[[EQ:.*]] = "dnnf.equal"(%{{.*}}, %{{.*}}) {mapping = "one_to_one"} : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi1>
# CHECK: %[[W:.*]] = "dnnf.where"(%[[EQ]], %{{.*}}, %{{.*}}) {mapping = "one_to_one"} : (tensor<2x4xi1>, tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
# CHECK: "dnnf.cast"(%[[W]]) {mapping = "one_to_one"} : (tensor<2x4xf32>) -> tensor<2x4xi32>
show([helper.make_node("Equal", ["a", "b"], ["m"]),
      helper.make_node("Where", ["m", "x", "z"], ["w"]),
      helper.make_node("Cast", ["w"], ["y"], to=6)],
     {"a": ((2, 4), np.int64), "b": ((4,), np.int64), "x": ((2, 4), F), "z": ((), F)}, ["y"])

# Dropout in inference mode: a dnnf.dropout with one result.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.dropout"(%{{.*}}) {mapping = "one_to_one"} : (tensor<3xf32>) -> tensor<3xf32>
show([helper.make_node("Dropout", ["x", "r"], ["y"])], {"x": ((3,), F)}, ["y"],
     {"r": np.array(0.3, F)})
