# RUN: %python %s | FileCheck %s
"""Importer tests for the reduce family: axes normalised (sorted, non-negative, from inputs)."""

import numpy as np
from onnx import helper

from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.testing import make_model

F = np.float32


def show(nodes, inputs, outputs, inits=None, opset=17):
    print(import_onnx(make_model(nodes, inputs, outputs, inits or {}, opset=opset)).module)


# Softmax: default axis -1 becomes the last dim.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.softmax"(%{{.*}}) {axis = 2 : i64, mapping = "many_to_many"} : (tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
show([helper.make_node("Softmax", ["x"], ["y"])], {"x": ((2, 3, 5), F)}, ["y"])

# Negative axis normalised.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.softmax"(%{{.*}}) {axis = 1 : i64
show([helper.make_node("Softmax", ["x"], ["y"], axis=-2)], {"x": ((2, 3, 5), F)}, ["y"])

# Opset 11 Softmax (block of dims >= axis) arrives as flatten -> softmax(last) -> reshape.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.flatten"
# CHECK-SAME: -> tensor<2x15xf32>
# CHECK: "dnnf.softmax"(%{{.*}}) {axis = 1 : i64{{.*}} : (tensor<2x15xf32>) -> tensor<2x15xf32>
# CHECK: "dnnf.reshape"
# CHECK-SAME: -> tensor<2x3x5xf32>
show([helper.make_node("Softmax", ["x"], ["y"], axis=1)], {"x": ((2, 3, 5), F)}, ["y"],
     opset=11)

# LayerNorm: axis normalised, epsilon default 1e-5, bias as the optional operand.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.layer_norm"(%{{.*}}, %{{.*}}, %{{.*}}) {axis = 1 : i64, epsilon = 9.99999974E-6 : f32, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>}
# CHECK-SAME: (tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
show([helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-2)],
     {"x": ((2, 4, 8), F)}, ["y"], {"s": np.ones((4, 8), F), "b": np.ones(8, F)})

# LayerNorm without bias.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.layer_norm"(%{{[^,]*}}, %{{[^,]*}}) {axis = 2 : i64, epsilon = 1.000000e-03 : f32{{.*}}operandSegmentSizes = array<i32: 1, 1, 0>}
show([helper.make_node("LayerNormalization", ["x", "s"], ["y"], epsilon=1e-3)],
     {"x": ((2, 4, 8), F)}, ["y"], {"s": np.ones(8, F)})

# ReduceMean (opset 13, attribute axes): negatives normalised and sorted, keepdims default 1.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.reduce_mean"(%{{.*}}) {axes = array<i64: 0, 2>, keepdims = 1 : i64, mapping = "many_to_many"} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
show([helper.make_node("ReduceMean", ["x"], ["y"], axes=[-1, 0])], {"x": ((2, 3, 4), F)},
     ["y"], opset=13)

# ReduceSum (opset 13, axes input) with keepdims = 0.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.reduce_sum"(%{{.*}}) {axes = array<i64: 1>, keepdims = 0 : i64{{.*}} -> tensor<2x4xf32>
show([helper.make_node("ReduceSum", ["x", "a"], ["y"], keepdims=0)], {"x": ((2, 3, 4), F)},
     ["y"], {"a": np.array([-2], np.int64)}, opset=13)

# ReduceMax (opset 18) without axes reduces everything; int64 is accepted.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.reduce_max"(%{{.*}}) {axes = array<i64: 0, 1, 2>, keepdims = 0 : i64{{.*}} : (tensor<2x3x4xi64>) -> tensor<i64>
show([helper.make_node("ReduceMax", ["x"], ["y"], keepdims=0)], {"x": ((2, 3, 4), np.int64)},
     ["y"], opset=18)

# noop_with_empty_axes = 1 and no axes: the input passes through.
# CHECK-LABEL: func.func @main
# CHECK-NOT: dnnf.reduce
# CHECK: "dnnf.identity"(%{{.*}}) {mapping = "one_to_one"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
show([helper.make_node("ReduceSum", ["x"], ["y"], noop_with_empty_axes=1)],
     {"x": ((2, 3), F)}, ["y"], opset=13)

# ReduceMax of bools: an i32 max between two casts.
# CHECK-LABEL: func.func @main
# CHECK: %[[W:.*]] = "dnnf.cast"(%arg0) {{.*}} : (tensor<2x3xi1>) -> tensor<2x3xi32>
# CHECK: %[[M:.*]] = "dnnf.reduce_max"(%[[W]]) {axes = array<i64: 1>, keepdims = 0 : i64{{.*}} : (tensor<2x3xi32>) -> tensor<2xi32>
# CHECK: "dnnf.cast"(%[[M]]) {{.*}} : (tensor<2xi32>) -> tensor<2xi1>
show([helper.make_node("ReduceMax", ["x", "a"], ["y"], keepdims=0)],
     {"x": ((2, 3), np.bool_)}, ["y"], {"a": np.array([1], np.int64)}, opset=20)
