# RUN: %python %s | FileCheck %s
"""Importer tests for the nn family: attributes normalised (defaults, auto_pad -> pads)."""

import numpy as np
from onnx import helper

from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.testing import make_model

F = np.float32


def show(nodes, inputs, outputs, inits=None):
    print(import_onnx(make_model(nodes, inputs, outputs, inits or {})).module)


# Defaults filled in; bias is the third operand; SAME_UPPER puts the odd pad at the end.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.conv"(%{{.*}}, %{{.*}}, %{{.*}}) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>
# CHECK-SAME: (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
show([helper.make_node("Conv", ["x", "w", "b"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2])],
     {"x": ((1, 3, 8, 8), F)}, ["y"],
     {"w": np.ones((4, 3, 3, 3), F), "b": np.ones(4, F)})

# SAME_LOWER puts it at the begin; depthwise keeps its group; no bias operand.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.conv"(%{{[^,]*}}, %{{[^,]*}}) {dilations = array<i64: 1, 1>, group = 6 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 0>, pads = array<i64: 1, 1, 0, 0>
# CHECK-SAME: -> tensor<1x6x4x4xf32>
show([helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_LOWER", strides=[2, 2],
                       kernel_shape=[2, 2], group=6)],
     {"x": ((1, 6, 7, 7), F)}, ["y"], {"w": np.ones((6, 1, 2, 2), F)})

# Inference BatchNorm: five operands, epsilon kept.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {epsilon = 1.000000e-03 : f32, mapping = "one_to_one"}
c = np.ones(3, F)
show([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
     {"x": ((2, 3, 4, 4), F)}, ["y"], {"s": c, "b": c, "m": c, "v": c})

# Training BatchNorm: batch mean and variance by reductions over (0, 2, 3), the affine map
# with them, and running stats blended with momentum.
# CHECK-LABEL: func.func @main
# CHECK: %[[M:.*]] = "dnnf.reduce_mean"(%arg0) {axes = array<i64: 0, 2, 3>, keepdims = 1 : i64
# CHECK: %[[D:.*]] = "dnnf.sub"(%arg0, %[[M]])
# CHECK: %[[SQ:.*]] = "dnnf.mul"(%[[D]], %[[D]])
# CHECK: %[[V:.*]] = "dnnf.reduce_mean"(%[[SQ]])
# CHECK: %[[MC:.*]] = "dnnf.reshape"(%[[M]]) {{.*}} -> tensor<3xf32>
# CHECK: %[[VC:.*]] = "dnnf.reshape"(%[[V]]) {{.*}} -> tensor<3xf32>
# CHECK: %[[Y:.*]] = "dnnf.batch_norm"(%arg0, %{{.*}}, %{{.*}}, %[[MC]], %[[VC]]) {epsilon = 1.000000e-03 : f32
# CHECK: "dnnf.mul"(%[[MC]],
# CHECK: "dnnf.add"
# CHECK: "dnnf.mul"(%[[VC]],
# CHECK: %[[RV:.*]] = "dnnf.add"
# CHECK: return %[[Y]], %{{.*}}, %[[RV]]
print(import_onnx(make_model(
    [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y", "rm", "rv"],
                      epsilon=1e-3, momentum=0.8, training_mode=1)],
    {"x": ((2, 3, 4, 4), F)}, ["y", "rm", "rv"], {"s": c, "b": c, "m": c, "v": c},
    opset=15)).module)

# MatMul keeps numpy shapes (1-D operand here).
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.matmul"(%{{.*}}, %{{.*}}) {mapping = "many_to_many"} : (tensor<2x4x5xf32>, tensor<5xf32>) -> tensor<2x4xf32>
show([helper.make_node("MatMul", ["a", "b"], ["y"])],
     {"a": ((2, 4, 5), F), "b": ((5,), F)}, ["y"])

# Gemm: defaults alpha = beta = 1, transA = 0.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.gemm"(%{{.*}}, %{{.*}}, %{{.*}}) {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, trans_a = 0 : i64, trans_b = 1 : i64}
# CHECK-SAME: -> tensor<2x3xf32>
show([helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1)],
     {"a": ((2, 5), F)}, ["y"], {"b": np.ones((3, 5), F), "c": np.ones(3, F)})

# MaxPool: ceil_mode needs no attribute, the result shape (5x5, not 4x4) carries it.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.max_pool"(%{{.*}}) {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, mapping = "many_to_many", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x10x10xf32>) -> tensor<1x2x5x5xf32>
show([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                       ceil_mode=1)], {"x": ((1, 2, 10, 10), F)}, ["y"])

# MaxPool with its Indices output: the two-result op, storage_order kept.
# CHECK-LABEL: func.func @main
# CHECK: %{{.*}}:2 = "dnnf.max_pool_with_indices"(%arg0) {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, mapping = "many_to_many", pads = array<i64: 0, 0, 0, 0>, storage_order = 1 : i64, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
show([helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2], strides=[2, 2],
                       storage_order=1)], {"x": ((1, 2, 4, 4), F)}, ["y", "i"])

# AveragePool: count_include_pad normalised to 0/1; VALID means zero pads.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.average_pool"(%{{.*}}) {count_include_pad = 1 : i64, dilations = array<i64: 1>, kernel_shape = array<i64: 2>, mapping = "many_to_many", pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x2x7xf32>) -> tensor<1x2x6xf32>
show([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2], auto_pad="VALID",
                       count_include_pad=1)], {"x": ((1, 2, 7), F)}, ["y"])

# Dilations are kept.
# CHECK-LABEL: func.func @main
# CHECK: "dnnf.average_pool"(%{{.*}}) {count_include_pad = 0 : i64, dilations = array<i64: 2, 2>, kernel_shape = array<i64: 2, 2>
print(import_onnx(make_model(
    [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])],
    {"x": ((1, 2, 5, 5), F)}, ["y"], opset=19)).module)

# CHECK-LABEL: func.func @main
# CHECK: "dnnf.global_average_pool"(%{{.*}}) {mapping = "many_to_many"} : (tensor<1x8x5x5xf32>) -> tensor<1x8x1x1xf32>
show([helper.make_node("GlobalAveragePool", ["x"], ["y"])], {"x": ((1, 8, 5, 5), F)}, ["y"])
