# RUN: %python %s | FileCheck %s
"""Shape-family converters: attributes normalised, constant inputs turned into attributes."""

import numpy as np
from onnx import helper

from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.testing import make_model


def show(case, nodes, shape, inits, outputs=("y",), opset=17, dtype=np.float32):
    print(f"// case: {case}")
    model = make_model(nodes, {"x": (shape, dtype)}, list(outputs), inits, opset=opset)
    print(import_onnx(model).module)


def i64(*values):
    return np.array(values, dtype=np.int64)


# CHECK-LABEL: // case: reshape
# CHECK: "dnnf.reshape"(%{{.*}}) {mapping = "reorganize"} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
show("reshape", [helper.make_node("Reshape", ["x", "s"], ["y"])], (2, 3, 4), {"s": i64(0, -1)})

# CHECK-LABEL: // case: flatten
# CHECK: "dnnf.flatten"(%{{.*}}) {axis = 2 : i64, mapping = "reorganize"} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
show("flatten", [helper.make_node("Flatten", ["x"], ["y"], axis=-1)], (2, 3, 4), {})

# CHECK-LABEL: // case: squeeze
# CHECK: "dnnf.squeeze"(%{{.*}}) {axes = array<i64: 0, 2>, mapping = "reorganize"} : (tensor<1x3x1xf32>) -> tensor<3xf32>
show("squeeze", [helper.make_node("Squeeze", ["x"], ["y"])], (1, 3, 1), {})

# CHECK-LABEL: // case: unsqueeze
# CHECK: "dnnf.unsqueeze"(%{{.*}}) {axes = array<i64: 0, 3>, {{.*}}} : (tensor<2x3xf32>) -> tensor<1x2x3x1xf32>
show("unsqueeze", [helper.make_node("Unsqueeze", ["x", "a"], ["y"])], (2, 3), {"a": i64(-1, 0)})

# CHECK-LABEL: // case: transpose
# CHECK: "dnnf.transpose"(%{{.*}}) {mapping = "shuffle", perm = array<i64: 2, 1, 0>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
show("transpose", [helper.make_node("Transpose", ["x"], ["y"])], (2, 3, 4), {})

# CHECK-LABEL: // case: concat_same
# CHECK: "dnnf.concat"(%{{.*}}, %{{.*}}) {axis = 1 : i64, mapping = "one_to_one"{{.*}}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
show("concat_same", [helper.make_node("Concat", ["x", "x"], ["y"], axis=-1)], (2, 3), {})

# Mixed operand types cannot share one variadic operand: pairwise concat_pair chain.
# CHECK-LABEL: // case: concat_mixed
# CHECK: %[[A:.*]] = "dnnf.concat_pair"(%arg0, %{{.*}}) {axis = 0 : i64{{.*}}} : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>
# CHECK: "dnnf.concat_pair"(%[[A]], %arg0) {axis = 0 : i64{{.*}}} : (tensor<3x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
show("concat_mixed", [helper.make_node("Concat", ["x", "c", "x"], ["y"], axis=0)], (2, 3),
     {"c": np.ones((1, 3), np.float32)})

# CHECK-LABEL: // case: split_equal
# CHECK: "dnnf.split"(%{{.*}}) {axis = 1 : i64, mapping = "one_to_one"{{.*}}} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
show("split_equal", [helper.make_node("Split", ["x"], ["y", "z"], axis=-1)], (2, 6), {},
     outputs=("y", "z"))

# CHECK-LABEL: // case: split_unequal
# CHECK: "dnnf.slice"(%arg0) {{{.*}}starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x6xf32>) -> tensor<2x1xf32>
# CHECK: "dnnf.slice"(%arg0) {{{.*}}starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<2x6xf32>) -> tensor<2x5xf32>
show("split_unequal", [helper.make_node("Split", ["x", "s"], ["y", "z"], axis=1)], (2, 6),
     {"s": i64(1, 5)}, outputs=("y", "z"))

# Negative starts wrap, huge ends clamp, omitted axes keep start 0 / step 1.
# CHECK-LABEL: // case: slice
# CHECK: "dnnf.slice"(%arg0) {mapping = "one_to_one", starts = array<i64: 0, 1, 7>, steps = array<i64: 1, 2, -3>} : (tensor<2x6x8xf32>) -> tensor<2x3x3xf32>
show("slice", [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], (2, 6, 8),
     {"st": i64(-5, -1), "en": i64(2**62, -2**62), "ax": i64(1, -1), "sp": i64(2, -3)})

# CHECK-LABEL: // case: gather
# CHECK: %[[I:.*]] = "dnnf.constant"() {value = dense<[0, -1]> : tensor<2xi64>}
# CHECK: "dnnf.gather"(%arg0, %[[I]]) {axis = 2 : i64, mapping = "one_to_many"} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x2xf32>
show("gather", [helper.make_node("Gather", ["x", "i"], ["y"], axis=-1)], (2, 3, 4),
     {"i": i64(0, -1)})

# CHECK-LABEL: // case: gather_scalar
# CHECK: "dnnf.gather"(%arg0, %{{.*}}) {axis = 0 : i64{{.*}}} : (tensor<5x4xf32>, tensor<i64>) -> tensor<4xf32>
show("gather_scalar", [helper.make_node("Gather", ["x", "i"], ["y"])], (5, 4),
     {"i": np.array(3, np.int64)})

# CHECK-LABEL: // case: expand
# CHECK: "dnnf.expand"(%arg0) {mapping = "one_to_many"} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
show("expand", [helper.make_node("Expand", ["x", "s"], ["y"])], (3, 1), {"s": i64(2, 1, 4)})

# Pads over `axes` (opset 18) become full-rank ONNX-order pads.
# CHECK-LABEL: // case: pad
# CHECK: "dnnf.pad"(%arg0) {mapping = "one_to_one", mode = "constant", pads = array<i64: 0, 0, 2, 0, 0, 1>, value = -1.000000e+00 : f32} : (tensor<2x3x4xf32>) -> tensor<2x3x7xf32>
show("pad", [helper.make_node("Pad", ["x", "p", "v", "a"], ["y"])], (2, 3, 4),
     {"p": i64(2, 1), "v": np.array(-1.0, np.float32), "a": i64(-1)}, opset=18)

# CHECK-LABEL: // case: pad_reflect
# CHECK: "dnnf.pad"(%arg0) {mapping = "one_to_one", mode = "reflect", pads = array<i64: 1, -1, 2, 0>, value = 0.000000e+00 : f32}
show("pad_reflect", [helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect")], (3, 4),
     {"p": i64(1, -1, 2, 0)})

# Sizes give scales out/in; defaults filled in.
# CHECK-LABEL: // case: resize_sizes
# CHECK: "dnnf.resize"(%arg0) {antialias = 0 : i64, coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f32, exclude_outside = 0 : i64, extrapolation_value = 0.000000e+00 : f32, fractional_length = 0 : i64, mapping = "one_to_many", mode = "linear", nearest_mode = "round_prefer_floor", roi = array<f32>, scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 1.500000e+00>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x6x6xf32>
show("resize_sizes", [helper.make_node("Resize", ["x", "", "", "sz"], ["y"], mode="linear")],
     (1, 2, 3, 4), {"sz": i64(1, 2, 6, 6)})

# CHECK-LABEL: // case: resize_scales
# CHECK: "dnnf.resize"(%arg0) {{{.*}}coordinate_transformation_mode = "asymmetric", {{.*}}fractional_length = 0 : i64, {{.*}}mode = "nearest", nearest_mode = "floor", roi = array<f32>, scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00>}
show("resize_scales", [helper.make_node("Resize", ["x", "", "s"], ["y"], nearest_mode="floor",
                                        coordinate_transformation_mode="asymmetric")],
     (1, 2, 3, 4), {"s": np.array([1, 1, 2, 3], np.float32)})

# align_corners given scales whose lengths are fractional (4 x 0.7 = 2.8): ONNX's reference
# divides by 2.8 - 1, not 2 - 1 (a warning says so, on stderr). Integer lengths do not set it.
# CHECK-LABEL: // case: resize_scales_fractional
# CHECK: "dnnf.resize"(%arg0) {{{.*}}coordinate_transformation_mode = "align_corners", {{.*}}fractional_length = 1 : i64, {{.*}} -> tensor<1x2x2x6xf32>
show("resize_scales_fractional", [helper.make_node(
    "Resize", ["x", "", "s"], ["y"], mode="linear", coordinate_transformation_mode="align_corners")],
     (1, 2, 4, 4), {"s": np.array([1, 1, 0.7, 1.5], np.float32)})
# CHECK-LABEL: // case: resize_scales_integer_corners
# CHECK: "dnnf.resize"(%arg0) {{{.*}}coordinate_transformation_mode = "align_corners", {{.*}}fractional_length = 0 : i64, {{.*}} -> tensor<1x2x8x6xf32>
show("resize_scales_integer_corners", [helper.make_node(
    "Resize", ["x", "", "s"], ["y"], mode="linear", coordinate_transformation_mode="align_corners")],
     (1, 2, 4, 4), {"s": np.array([1, 1, 2, 1.5], np.float32)})

# Cubic attributes kept; tf_crop_and_resize's roi for axes [3, 2] becomes full rank.
# CHECK-LABEL: // case: resize_cubic_crop
# CHECK: "dnnf.resize"(%arg0) {antialias = 0 : i64, coordinate_transformation_mode = "tf_crop_and_resize", cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64, extrapolation_value = 2.500000e+00 : f32, {{.*}}mode = "cubic", {{.*}}roi = array<f32: 0.000000e+00, 0.000000e+00, 2.000000e-01, 4.000000e-01, 1.000000e+00, 1.000000e+00, 8.000000e-01, 6.000000e-01>
show("resize_cubic_crop", [helper.make_node(
    "Resize", ["x", "r", "", "sz"], ["y"], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1,
    coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=2.5, axes=[3, 2])],
     (1, 2, 3, 4), {"r": np.array([0.4, 0.2, 0.6, 0.8], np.float32), "sz": i64(3, 5)}, opset=18)

# A zero-size Split part is an empty constant, and Concat leaves it out.
# CHECK-LABEL: // case: split_empty_part
# CHECK-DAG: %[[E:.*]] = "dnnf.constant"() {value = dense<> : tensor<2x0xf32>}
# CHECK-DAG: %[[A:.*]] = "dnnf.slice"(%arg0) {{.*}} -> tensor<2x4xf32>
# CHECK: "dnnf.relu"(%[[A]])
# CHECK-NOT: dnnf.concat
# CHECK: return %{{.*}}, %[[E]] : tensor<2x4xf32>, tensor<2x0xf32>
show("split_empty_part", [helper.make_node("Split", ["x", "s"], ["a", "b"], axis=1),
                          helper.make_node("Relu", ["a"], ["r"]),
                          helper.make_node("Concat", ["b", "r"], ["y"], axis=1)],
     (2, 4), {"s": i64(4, 0)}, outputs=("y", "b"))

# Reducing a zero-size input folds to a constant: no op is left.
# CHECK-LABEL: // case: reduce_empty
# CHECK-NOT: dnnf.reduce_sum
# CHECK: "dnnf.constant"() {value = dense<0.000000e+00> : tensor<2x1xf32>}
show("reduce_empty", [helper.make_node("ReduceSum", ["x", "a"], ["y"])], (2, 0), {"a": i64(1)})
