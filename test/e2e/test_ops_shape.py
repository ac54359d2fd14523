"""Data-movement ops (Reshape ... Resize) against onnxruntime, plus their rejections; Resize
against ONNX's reference where that departs from onnxruntime (fractional resized lengths)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator

import dnnfusion_mlir as dnnf
from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import func, ir
from dnnfusion_mlir.importer import registry
from dnnfusion_mlir.importer.constants import ConstantPool
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.onnx_importer import new_context
from dnnfusion_mlir.testing import (
    assert_matches_onnxruntime,
    make_model,
    max_rel_error,
    run_onnxruntime,
)

RNG = np.random.default_rng(1234)
BIG = 2**62


def rand(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    if np.dtype(dtype) == np.float32:
        return RNG.standard_normal(shape).astype(np.float32)
    return RNG.integers(-50, 50, size=shape).astype(dtype)


def i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def check(op: str, x: np.ndarray, consts: dict[str, np.ndarray] | None = None,
          opset: int = 17, n_out: int = 1, **attributes: Any) -> None:
    """One `op` node on input `x` and constant inputs `consts` (in order; "" = omitted)."""
    consts = consts or {}
    names = ["x", *consts]
    inits = {k: v for k, v in consts.items() if k}
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, names, outs, **attributes)
    assert_matches_onnxruntime(make_model([node], {"x": x}, outs, inits, opset=opset), {"x": x})


# ------------------------------------------------------------------ Reorganize
@pytest.mark.parametrize(("shape", "target", "allowzero"), [
    ((2, 3, 4), (6, -1), 0),
    ((2, 3, 4), (0, -1), 0),
    ((2, 3, 4), (4, 3, 2), 0),
    ((2, 3, 4), (3, 8), 0),
    ((1, 6), (6,), 0),
    ((6,), (1, 6, 1), 0),
    ((2, 3, 4), (-1,), 0),
    ((1, 1), (), 0),
    ((2, 3, 4), (2, 0, 4), 0),
    ((2, 3, 4), (2, 3, 2, 2), 1),
])
def test_reshape(shape: tuple[int, ...], target: tuple[int, ...], allowzero: int) -> None:
    check("Reshape", rand(*shape), {"s": i64(*target)}, allowzero=allowzero)


def test_reshape_int64() -> None:
    check("Reshape", rand(4, 6, dtype=np.int64), {"s": i64(2, 2, -1)})


@pytest.mark.parametrize("axis", [0, 1, 2, 4, -1, -3])
def test_flatten(axis: int) -> None:
    check("Flatten", rand(2, 3, 4, 5), axis=axis)


@pytest.mark.parametrize(("shape", "axes"), [
    ((2, 1, 3, 1), [1]), ((2, 1, 3, 1), [-1, 1]), ((1, 3, 1, 1), None), ((1,), [0]),
])
def test_squeeze(shape: tuple[int, ...], axes: list[int] | None) -> None:
    check("Squeeze", rand(*shape), {"a": i64(*axes)} if axes is not None else {})


@pytest.mark.parametrize(("shape", "axes"), [
    ((3, 4), [0]), ((3, 4), [-1]), ((3, 4), [1, 3]), ((), [0]), ((2, 3), [-1, 0]),
])
def test_unsqueeze(shape: tuple[int, ...], axes: list[int]) -> None:
    check("Unsqueeze", rand(*shape), {"a": i64(*axes)})


def test_unsqueeze_axes_attribute_opset11() -> None:
    check("Unsqueeze", rand(3, 4), opset=11, axes=[0, 3])


def test_squeeze_axes_attribute_opset11() -> None:
    check("Squeeze", rand(3, 1, 4), opset=11, axes=[-2])


# ------------------------------------------------------------------ Shuffle
@pytest.mark.parametrize(("shape", "perm", "dtype"), [
    ((2, 3, 4, 5), None, np.float32),
    ((2, 3, 4, 5), [0, 2, 3, 1], np.float32),
    ((3, 5, 7), [2, 0, 1], np.float32),
    ((4, 6), [1, 0], np.int64),
    ((2, 3, 4), [0, 1, 2], np.float32),
    ((1, 16, 4, 16), [0, 2, 1, 3], np.float32),
])
def test_transpose(shape: tuple[int, ...], perm: list[int] | None, dtype: Any) -> None:
    attributes: dict[str, Any] = {"perm": perm} if perm is not None else {}
    check("Transpose", rand(*shape, dtype=dtype), **attributes)


# ------------------------------------------------------------------ One-to-One
@pytest.mark.parametrize(("shapes", "axis"), [
    ([(2, 3), (2, 3)], 0),
    ([(2, 3, 4), (2, 3, 2)], -1),
    ([(1, 2, 3), (1, 5, 3), (1, 1, 3)], 1),
    ([(2, 3), (2, 3), (2, 3), (2, 3)], 1),
])
def test_concat(shapes: list[tuple[int, ...]], axis: int) -> None:
    feeds = {f"x{i}": rand(*s) for i, s in enumerate(shapes)}
    node = helper.make_node("Concat", list(feeds), ["y"], axis=axis)
    assert_matches_onnxruntime(make_model([node], feeds, ["y"]), feeds)


def test_concat_with_constant_int64() -> None:
    x = rand(2, 3, dtype=np.int64)
    node = helper.make_node("Concat", ["x", "c"], ["y"], axis=1)
    model = make_model([node], {"x": x}, ["y"], {"c": rand(2, 4, dtype=np.int64)})
    assert_matches_onnxruntime(model, {"x": x})


@pytest.mark.parametrize(("shape", "axis", "split", "n_out", "opset", "extra"), [
    ((4, 6), 1, None, 2, 17, {}),
    ((4, 6), 1, [1, 5], 2, 17, {}),
    ((2, 9, 3), -2, [2, 3, 4], 3, 17, {}),
    ((7, 2), 0, None, 3, 18, {"num_outputs": 3}),
    ((6, 4), 0, None, 3, 13, {}),
])
def test_split(shape: tuple[int, ...], axis: int, split: list[int] | None, n_out: int,
               opset: int, extra: dict[str, int]) -> None:
    consts = {"s": i64(*split)} if split else {}
    check("Split", rand(*shape), consts, opset=opset, n_out=n_out, axis=axis, **extra)


@pytest.mark.parametrize(("shape", "starts", "ends", "axes", "steps"), [
    ((5, 6), [1, 2], [4, 5], None, None),
    ((5, 6), [-3], [BIG], [1], None),
    ((4, 5, 6), [0, 1], [4, 6], [-1, 0], [2, 2]),
    ((5, 6), [-1], [-BIG], [1], [-1]),
    ((5, 6), [4, -2], [0, -6], [0, 1], [-2, -3]),
    ((5, 6), [-10, 2], [100, 3], [0, 1], None),
    ((5, 6), [3], [3], [0], None),
    ((2, 3, 8), [7, 1], [-BIG, 3], [2, 1], [-3, 1]),
])
def test_slice(shape: tuple[int, ...], starts: list[int], ends: list[int],
               axes: list[int] | None, steps: list[int] | None) -> None:
    consts = {"st": i64(*starts), "en": i64(*ends)}
    if axes is not None or steps is not None:
        consts["ax"] = i64(*(axes if axes is not None else range(len(starts))))
    if steps is not None:
        consts["sp"] = i64(*steps)
    check("Slice", rand(*shape), consts)


def test_slice_int64_data() -> None:
    check("Slice", rand(6, 4, dtype=np.int64), {"st": i64(1), "en": i64(5), "ax": i64(0)})


@pytest.mark.parametrize(("pads", "mode", "value", "shape"), [
    ([0, 0, 1, 2, 0, 0, 2, 1], "constant", 1.5, (1, 2, 4, 5)),
    ([1, 0, 0, 2], "constant", None, (3, 4)),
    ([0, 0, 2, 3, 0, 0, 1, 3], "reflect", None, (1, 2, 4, 5)),
    ([0, 1, 2, 0, 2, 3], "edge", None, (2, 3, 4)),
    ([0, -1, 2, 0, 1, -2], "constant", 0.0, (2, 4, 5)),
    ([0, -1, 1, 0, 2, -2], "edge", None, (2, 4, 5)),
    ([2, 1, 1, 2], "reflect", None, (3, 3)),
])
def test_pad(pads: list[int], mode: str, value: float | None, shape: tuple[int, ...]) -> None:
    consts = {"p": i64(*pads)}
    if value is not None:
        consts["v"] = np.array(value, dtype=np.float32)
    check("Pad", rand(*shape), consts, mode=mode)


@pytest.mark.parametrize(("pads", "shape"), [
    ([0, 0, 1, 1, 0, 0, 1, 1], (1, 2, 3, 4)),
    ([0, 2, 7, 3], (3, 4)),
    ([1, -1, 2, 0, 2, -1], (2, 4, 5)),
    ([0, 9, 0, 5], (2, 3)),
])
def test_pad_wrap(pads: list[int], shape: tuple[int, ...]) -> None:
    """Wrap padding (opset 19) reads index - low modulo the axis size, pads longer than it too."""
    check("Pad", rand(*shape), {"p": i64(*pads)}, opset=19, mode="wrap")


def test_pad_int64_constant_value() -> None:
    check("Pad", rand(3, 4, dtype=np.int64), {"p": i64(1, 1, 0, 2), "v": i64(7)})


def test_pad_axes_opset18() -> None:
    check("Pad", rand(2, 3, 4), {"p": i64(1, 2, 3, 0), "v": np.array(-1.0, np.float32),
                                 "a": i64(-1, 1)}, opset=18)


def test_pad_attribute_form_opset7() -> None:
    check("Pad", rand(2, 3), opset=7, pads=[1, 0, 0, 2], value=2.0, mode="constant")


# ------------------------------------------------------------------ One-to-Many
@pytest.mark.parametrize(("shape", "indices", "axis"), [
    ((5, 4), i64(0, -1, 3), 0),
    ((2, 3, 4), i64(3, -4, 1, 1), 2),
    ((2, 3, 4), np.array(-2, dtype=np.int64), 1),
    ((2, 3, 4), np.array([[0, 2], [-1, 1]], dtype=np.int32), -1),
    ((10, 8), np.array([[1, 9, -10], [0, 5, 4]], dtype=np.int64), 0),
])
def test_gather_constant_indices(shape: tuple[int, ...], indices: np.ndarray, axis: int) -> None:
    check("Gather", rand(*shape), {"i": indices}, axis=axis)


@pytest.mark.parametrize(("dtype", "idx_dtype", "axis"), [
    (np.float32, np.int64, 0), (np.float32, np.int32, 1), (np.int64, np.int64, 2),
])
def test_gather_dynamic_indices(dtype: Any, idx_dtype: Any, axis: int) -> None:
    x = rand(3, 4, 5, dtype=dtype)
    dim = x.shape[axis]
    idx = RNG.integers(-dim, dim, size=(2, 3)).astype(idx_dtype)
    node = helper.make_node("Gather", ["x", "i"], ["y"], axis=axis)
    model = make_model([node], {"x": x, "i": idx}, ["y"])
    assert_matches_onnxruntime(model, {"x": x, "i": idx})


@pytest.mark.parametrize(("shape", "target", "dtype"), [
    ((3, 1), (2, 3, 4), np.float32),
    ((1,), (3, 4), np.float32),
    ((3, 1), (4,), np.float32),
    ((2, 1, 4), (1, 3, 1), np.int64),
    ((), (2, 2), np.float32),
])
def test_expand(shape: tuple[int, ...], target: tuple[int, ...], dtype: Any) -> None:
    check("Expand", rand(*shape, dtype=dtype), {"s": i64(*target)})


_F = np.float32


@pytest.mark.parametrize(("mode", "coord", "nearest", "scales"), [
    ("nearest", "half_pixel", "round_prefer_floor", [1, 1, 2, 1.5]),
    ("nearest", "asymmetric", "floor", [1, 1, 2, 3]),
    ("nearest", "align_corners", "round_prefer_ceil", [1, 1, 1.5, 2]),
    ("nearest", "pytorch_half_pixel", "ceil", [1, 1, 0.5, 1.75]),
    ("nearest", "half_pixel_symmetric", "round_prefer_floor", [1, 1, 2.5, 0.75]),
    ("linear", "half_pixel", "round_prefer_floor", [1, 1, 2, 1.5]),
    ("linear", "asymmetric", "round_prefer_floor", [1, 1, 3, 2]),
    ("linear", "align_corners", "round_prefer_floor", [1, 1, 1.75, 2]),
    ("linear", "pytorch_half_pixel", "round_prefer_floor", [1, 1, 0.5, 0.6]),
    ("linear", "half_pixel_symmetric", "round_prefer_floor", [1, 1, 2, 1.5]),
])
def test_resize_scales(mode: str, coord: str, nearest: str, scales: list[float]) -> None:
    check("Resize", rand(2, 3, 4, 5), {"": np.zeros(0), "s": np.array(scales, _F)}, mode=mode,
          coordinate_transformation_mode=coord, nearest_mode=nearest)


@pytest.mark.parametrize(("mode", "coord", "sizes"), [
    ("nearest", "half_pixel", [1, 2, 7, 3]),
    ("linear", "align_corners", [1, 2, 9, 1]),
    ("linear", "pytorch_half_pixel", [1, 2, 1, 11]),
    ("nearest", "asymmetric", [1, 2, 5, 5]),
])
def test_resize_sizes(mode: str, coord: str, sizes: list[int]) -> None:
    x = rand(1, 2, 5, 6)
    node = helper.make_node("Resize", ["x", "", "", "sz"], ["y"], mode=mode,
                            coordinate_transformation_mode=coord)
    model = make_model([node], {"x": x}, ["y"], {"sz": i64(*sizes)})
    assert_matches_onnxruntime(model, {"x": x})


@pytest.mark.parametrize(("coord", "scales", "extra"), [
    ("half_pixel", [1, 1, 2, 1.5], {}),
    ("half_pixel", [1, 1, 0.6, 0.8], {}),
    ("align_corners", [1, 1, 2, 1.5], {}),
    ("asymmetric", [1, 1, 1.5, 2], {"cubic_coeff_a": -0.5}),
    ("pytorch_half_pixel", [1, 1, 1.25, 0.5], {"exclude_outside": 1}),
    ("half_pixel", [1, 1, 3, 0.7], {"cubic_coeff_a": -0.5, "exclude_outside": 1}),
    ("half_pixel_symmetric", [1, 1, 2.5, 1.6], {}),
])
def test_resize_cubic(coord: str, scales: list[float], extra: dict[str, Any]) -> None:
    """Cubic through per-axis tap tables (4 taps per resized axis)."""
    check("Resize", rand(2, 3, 5, 6), {"": np.zeros(0), "s": np.array(scales, _F)},
          mode="cubic", coordinate_transformation_mode=coord, **extra)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("sizes", [[1, 2, 3, 5], [1, 2, 4, 2], [1, 2, 15, 4]])
def test_resize_antialias(mode: str, sizes: list[int]) -> None:
    """Antialias widens the filter by 1/scale when downsampling (opset 18)."""
    x = rand(1, 2, 9, 8)
    node = helper.make_node("Resize", ["x", "", "", "sz"], ["y"], mode=mode, antialias=1)
    model = make_model([node], {"x": x}, ["y"], {"sz": i64(*sizes)}, opset=18)
    assert_matches_onnxruntime(model, {"x": x})


@pytest.mark.parametrize(("mode", "roi", "extrapolation"), [
    ("linear", [0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8], None),
    ("linear", [0, 0, -0.2, 0.1, 1, 1, 1.3, 0.9], 10.0),
    ("cubic", [0, 0, 0.1, -0.3, 1, 1, 0.9, 1.2], -1.5),
    ("nearest", [0, 0, 0.25, 0.0, 1, 1, 0.75, 1.4], 2.0),
])
def test_resize_tf_crop_and_resize(mode: str, roi: list[float],
                                   extrapolation: float | None) -> None:
    """Crop boxes in normalised coordinates; positions outside the input take
    extrapolation_value."""
    extra = {} if extrapolation is None else {"extrapolation_value": extrapolation}
    check("Resize", rand(1, 2, 6, 7), {"r": np.array(roi, _F), "": np.zeros(0),
          "sz": i64(1, 2, 5, 4)}, mode=mode, coordinate_transformation_mode="tf_crop_and_resize",
          **extra)


_CROP = [0, 0, 0.1, 0.2, 1, 1, 0.9, 1.1]


@pytest.mark.parametrize(("mode", "coord", "shape", "scales", "roi"), [
    ("linear", "align_corners", (1, 2, 2, 4), [1, 1, 0.6, 0.6], None),
    ("linear", "align_corners", (1, 2, 4, 5), [1, 1, 0.6, 0.7], None),
    ("nearest", "align_corners", (1, 2, 4, 5), [1, 1, 0.6, 1.3], None),
    ("cubic", "align_corners", (1, 2, 4, 4), [1, 1, 0.8, 0.8], None),
    ("cubic", "align_corners", (2, 3, 5, 6), [1, 1, 2, 1.4], None),
    ("linear", "pytorch_half_pixel", (1, 2, 4, 5), [1, 1, 0.3, 0.7], None),
    ("cubic", "pytorch_half_pixel", (1, 2, 4, 5), [1, 1, 0.3, 0.7], None),
    ("linear", "tf_crop_and_resize", (1, 2, 6, 7), [1, 1, 0.6, 0.7], _CROP),
    ("cubic", "tf_crop_and_resize", (1, 2, 6, 7), [1, 1, 0.3, 0.7], _CROP),
])
def test_resize_fractional_length_follows_reference(
        mode: str, coord: str, shape: tuple[int, ...], scales: list[float],
        roi: list[float] | None) -> None:
    """Given scales with a fractional input length x scale (4 x 0.6 = 2.4 -> 2 outputs), ONNX's
    reference takes that length in the coordinate formulas where onnxruntime takes the
    integer one: we follow the reference, and warn naming the node."""
    x = rand(*shape)
    inits = {"s": np.array(scales, _F), **({"r": np.array(roi, _F)} if roi else {})}
    node = helper.make_node("Resize", ["x", "r" if roi else "", "s"], ["y"], name="rz",
                            mode=mode, coordinate_transformation_mode=coord)
    model = make_model([node], {"x": x}, ["y"], inits)
    with pytest.warns(UserWarning, match=r"Resize node 'rz' .*onnxruntime uses the integer"):
        compiled = dnnf.compile(model)
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    assert max_rel_error(compiled.run({"x": x})[0], expected) <= 1e-5
    assert max_rel_error(run_onnxruntime(model, {"x": x})[0], expected) > 1e-2


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize(("shape", "sizes", "scales"), [
    ((1, 2, 4, 5), [1, 2, 2, 3], None),  # sizes: the result's lengths
    ((1, 2, 4, 5), [1, 2, 7, 9], None),
    ((1, 2, 3, 4), None, [1, 1, 2, 2]),  # scales with integer lengths
    ((1, 2, 4, 5), None, [1, 1, 0.5, 1.6]),
])
def test_resize_align_corners_integer_lengths(mode: str, shape: tuple[int, ...],
                                              sizes: list[int] | None,
                                              scales: list[float] | None) -> None:
    """Sizes, or scales whose lengths are integers, agree with onnxruntime, silently."""
    x = rand(*shape)
    names, inits = (["x", "", "", "sz"], {"sz": i64(*sizes)}) if sizes else \
        (["x", "", "s"], {"s": np.array(scales, _F)})
    node = helper.make_node("Resize", names, ["y"], mode=mode,
                            coordinate_transformation_mode="align_corners")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_matches_onnxruntime(make_model([node], {"x": x}, ["y"], inits), {"x": x})


def test_resize_tf_crop_and_resize_int_is_dtype_error() -> None:
    x = rand(1, 1, 4, 4, dtype=np.int32)
    node = helper.make_node("Resize", ["x", "r", "", "sz"], ["y"], name="crop",
                            coordinate_transformation_mode="tf_crop_and_resize")
    model = make_model([node], {"x": x}, ["y"], {"r": np.array([0, 0, 0, 0, 1, 1, 1, 1], _F),
                                                 "sz": i64(1, 1, 3, 3)})
    with pytest.raises(errors.DTypeError) as info:
        dnnf.compile(model)
    assert (info.value.node, info.value.op_type) == ("crop", "Resize")


def test_resize_linear_2d() -> None:
    check("Resize", rand(4, 6), {"": np.zeros(0), "s": np.array([2, 0.5], _F)}, mode="linear")


def test_resize_nearest_int32() -> None:
    check("Resize", rand(1, 1, 3, 3, dtype=np.int32), {"": np.zeros(0),
          "s": np.array([1, 1, 2, 2], _F)})


def test_upsample_opset9_nearest() -> None:
    check("Upsample", rand(1, 2, 3, 4), {"s": np.array([1, 1, 2, 3], _F)}, opset=9)


# ------------------------------------------------------------------ whole chain
def test_chain_of_shape_ops() -> None:
    x = rand(1, 16, 64)
    nodes = [
        helper.make_node("Reshape", ["x", "s1"], ["a"]),
        helper.make_node("Transpose", ["a"], ["b"], perm=[0, 2, 1, 3]),
        helper.make_node("Slice", ["b", "st", "en", "ax"], ["c"]),
        helper.make_node("Transpose", ["c"], ["d"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["d", "s2"], ["y"]),
    ]
    inits = {"s1": i64(1, 16, 4, 16), "st": i64(1), "en": i64(3), "ax": i64(1),
             "s2": i64(1, 16, -1)}
    assert_matches_onnxruntime(make_model(nodes, {"x": x}, ["y"], inits), {"x": x})


# ------------------------------------------------------------------ rejections
def _compile_error(node: onnx.NodeProto, x: np.ndarray, inits: dict[str, np.ndarray],
                   opset: int = 17) -> errors.CompileError:
    model = make_model([node], {"x": x}, ["y"], inits, opset=opset)
    with pytest.raises(errors.CompileError) as info:
        dnnf.compile(model)
    return info.value


@pytest.mark.parametrize(("node", "inits", "opset", "words"), [
    (helper.make_node("Resize", ["x", "", "s"], ["y"], mode="nearest", antialias=1, name="rz"),
     {"s": np.array([1, 1, 0.5, 0.5], _F)}, 18, "antialias"),
    (helper.make_node("Resize", ["x", "r", "s"], ["y"], name="rz",
                      coordinate_transformation_mode="tf_crop_and_resize"),
     {"r": np.array([0, 0, 1, 1], _F), "s": np.array([1, 1, 2, 2], _F)}, 17, "roi has 4"),
    (helper.make_node("Pad", ["x", "p"], ["y"], mode="wrap", name="pd"),
     {"p": i64(0, 0, -4, 0, 0, 0, 1, 0)}, 19, "wrap padding of the empty axis 2"),
    (helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect", name="pd"),
     {"p": i64(0, 0, 4, 0, 0, 0, 0, 0)}, 17, "reflect"),
])
def test_unsupported_variants(node: onnx.NodeProto, inits: dict[str, np.ndarray], opset: int,
                              words: str) -> None:
    err = _compile_error(node, rand(1, 2, 4, 4), inits, opset)
    assert isinstance(err, errors.UnsupportedOpError)
    assert err.node == node.name
    assert err.op_type == node.op_type
    assert words in str(err)


def test_pad_dynamic_constant_value_unsupported() -> None:
    x, v = rand(4, 5), np.array(1.0, np.float32)
    node = helper.make_node("Pad", ["x", "p", "v"], ["y"], name="pv")
    model = make_model([node], {"x": x, "v": v}, ["y"], {"p": i64(1, 0, 0, 1)})
    with pytest.raises(errors.UnsupportedOpError) as info:
        dnnf.compile(model)
    assert (info.value.node, info.value.op_type) == ("pv", "Pad")
    assert "constant_value" in str(info.value)


def test_pad_bool_is_dtype_error() -> None:
    x = np.zeros((2, 3), dtype=np.bool_)
    node = helper.make_node("Pad", ["x", "p"], ["y"], name="pb")
    model = make_model([node], {"x": x}, ["y"], {"p": i64(1, 0, 0, 1)})
    with pytest.raises(errors.DTypeError) as info:
        dnnf.compile(model)
    assert (info.value.node, info.value.op_type) == ("pb", "Pad")


# ------------------------------------------------------------------ unfolded leftovers
def _convert(node: onnx.NodeProto, shapes: dict[str, tuple[int, ...]], opset: int = 17) -> str:
    """Run one converter outside the loader (which normally folds these nodes)."""
    dtypes = {name: np.dtype(np.float32) for name in shapes}
    with new_context(), ir.Location.unknown():
        module = ir.Module.create()
        arg_types = [ir.RankedTensorType.get(list(s), ir.F32Type.get()) for s in shapes.values()]
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("main", ir.FunctionType.get(arg_types, []))
        entry = fn.add_entry_block()
        values = dict(zip(shapes, entry.arguments, strict=False))
        with ir.InsertionPoint(entry):
            node_ctx = NodeContext(node, values, {}, shapes, dtypes, ConstantPool(entry), opset)
            registry.load_all()[node.op_type](node_ctx)
        return str(module)


def test_constant_shape_size_unfolded() -> None:
    tensor = onnx.numpy_helper.from_array(np.array([1.5, -2.0], np.float32))
    text = _convert(helper.make_node("Constant", [], ["c"], value=tensor), {})
    assert "dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>" in text
    text = _convert(helper.make_node("Constant", [], ["c"], value_ints=[3, 4]), {})
    assert "dense<[3, 4]> : tensor<2xi64>" in text
    text = _convert(helper.make_node("Shape", ["x"], ["s"], start=1), {"x": (2, 3, 4)})
    assert "dense<[3, 4]> : tensor<2xi64>" in text
    text = _convert(helper.make_node("Size", ["x"], ["s"]), {"x": (2, 3, 4)})
    assert "dense<24> : tensor<i64>" in text


def test_upsample_attribute_form() -> None:
    node = helper.make_node("Upsample", ["x"], ["y"], mode="linear", scales=[1.0, 1.0, 2.0, 2.0])
    shapes: dict[str, tuple[int, ...]] = {"x": (1, 1, 2, 2), "y": (1, 1, 4, 4)}
    text = _convert(node, shapes, opset=8)
    assert 'coordinate_transformation_mode = "asymmetric"' in text
    assert 'mode = "linear"' in text
    assert "scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>" in text


# ------------------------------------------------------------------ zero-size tensors

def test_split_with_empty_part_then_concat() -> None:
    """A zero-size Split output is a constant and Concat leaves it out (RotaryEmbedding's
    expanded body splits off an empty "not rotated" part like this)."""
    x = rand(2, 6)
    split = helper.make_node("Split", ["x", "sizes"], ["a", "b"], axis=1)
    relu = helper.make_node("Relu", ["a"], ["r"])
    cat = helper.make_node("Concat", ["b", "r", "b"], ["y"], axis=1)
    model = make_model([split, relu, cat], {"x": x}, ["y", "b"], {"sizes": i64(6, 0)})
    assert_matches_onnxruntime(model, {"x": x})


@pytest.mark.parametrize(("op", "consts", "attributes"), [
    ("Reshape", {"shape": i64(3, 0, 2)}, {"allowzero": 1}),
    ("Transpose", {}, {"perm": [1, 0, 2]}),
    ("Slice", {"starts": i64(1), "ends": i64(1), "axes": i64(2)}, {}),
])
def test_zero_size_results(op: str, consts: dict[str, np.ndarray], attributes: Any) -> None:
    """Ops on a zero-size input, or with a zero-size result, fold to empty constants."""
    shape = (0, 3, 2) if op != "Slice" else (2, 3, 4)
    check(op, rand(*shape), consts, opset=18, **attributes)


def test_empty_constant_output_ir() -> None:
    """An empty folded output is a `dnnf.constant` with a `dense<>` value."""
    x = rand(0, 3)
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], {"x": x}, ["y"])
    text = dnnf.compile(model).mlir("dnnf")
    assert "dense<> : tensor<0x3xf32>" in text
