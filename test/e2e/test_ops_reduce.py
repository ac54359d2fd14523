"""Reductions (Many-to-Many) against onnxruntime: Softmax, LayerNormalization, ReduceMean,
ReduceSum, ReduceMax (axes as attribute and as input, keepdims, empty axes, negative axes)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir import errors
from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model, run_onnxruntime

RNG = np.random.default_rng(7)


def randn(*shape: int, scale: float = 1.0) -> np.ndarray:
    return np.asarray(RNG.standard_normal(shape) * scale, np.float32)


def run(node: Any, feeds: dict[str, np.ndarray], inits: dict[str, np.ndarray] | None = None,
        opset: int = 17) -> list[np.ndarray]:
    model = make_model([node], feeds, ["y"], initializers=inits, opset=opset)
    return assert_matches_onnxruntime(model, feeds)


def compile_error(node: Any, feeds: dict[str, np.ndarray], outputs: tuple[str, ...] = ("y",),
                  inits: dict[str, np.ndarray] | None = None,
                  opset: int = 17) -> errors.CompileError:
    model = make_model([node], feeds, list(outputs), initializers=inits, opset=opset)
    with pytest.raises(errors.CompileError) as info:
        dnnf.compile(model)
    return info.value


# ------------------------------------------------------------------ Softmax

@pytest.mark.parametrize(("shape", "axis"), [
    ((2, 3, 5), -1), ((2, 3, 5), 1), ((2, 3, 5), 0), ((4, 37), 1), ((1, 1, 8), -3),
    ((6,), 0), ((3, 1, 4), 1), ((2, 2, 3, 20), -2),
])
def test_softmax(shape: tuple[int, ...], axis: int) -> None:
    (y,) = run(helper.make_node("Softmax", ["x"], ["y"], axis=axis), {"x": randn(*shape)})
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-5)


def test_softmax_default_axis() -> None:
    run(helper.make_node("Softmax", ["x"], ["y"]), {"x": randn(3, 4, 6)})


def test_softmax_is_numerically_stable() -> None:
    x = np.array([[1000.0, 1001.0, 999.0, -1000.0], [-1e4, -1e4 + 1, -1e4, 88.0]], np.float32)
    (y,) = run(helper.make_node("Softmax", ["x"], ["y"]), {"x": x})
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize(("shape", "axis"), [((2, 3, 4), 1), ((2, 3, 4), 2), ((3, 1, 5), 1)])
def test_softmax_before_opset13_flattens(shape: tuple[int, ...], axis: int) -> None:
    """Opset 11: softmax over the whole block of dims >= axis."""
    x = randn(*shape)
    (y,) = run(helper.make_node("Softmax", ["x"], ["y"], axis=axis), {"x": x}, opset=11)
    block = tuple(range(axis, len(shape)))
    np.testing.assert_allclose(y.sum(axis=block), 1.0, rtol=1e-5)


def test_softmax_int_is_rejected() -> None:
    x = np.arange(6, dtype=np.int64)
    err = compile_error(helper.make_node("Softmax", ["x"], ["y"], name="sm_int"), {"x": x})
    assert isinstance(err, errors.DTypeError)
    assert err.node == "sm_int"
    assert err.op_type == "Softmax"


# ------------------------------------------------------------------ LayerNormalization

@pytest.mark.parametrize(("shape", "axis", "pshape"), [
    ((2, 5, 16), -1, (16,)), ((2, 5, 16), 1, (5, 16)), ((3, 7), -1, (7,)),
    ((4, 6), 0, (4, 6)), ((2, 3, 4, 5), 2, (4, 5)), ((2, 3, 4, 5), -2, (1, 5)),
])
@pytest.mark.parametrize("with_bias", [True, False])
def test_layer_norm(shape: tuple[int, ...], axis: int, pshape: tuple[int, ...],
                    with_bias: bool) -> None:
    inits = {"s": randn(*pshape)}
    if with_bias:
        inits["b"] = randn(*pshape)
    node = helper.make_node("LayerNormalization", ["x", *inits], ["y"], axis=axis)
    run(node, {"x": randn(*shape, scale=3.0) + 2.0}, inits)


@pytest.mark.parametrize("epsilon", [1e-5, 1e-2, 0.5])
def test_layer_norm_epsilon(epsilon: float) -> None:
    inits = {"s": randn(8), "b": randn(8)}
    node = helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], epsilon=epsilon)
    run(node, {"x": randn(3, 8, scale=0.1)}, inits)


def test_layer_norm_default_epsilon_and_runtime_scale() -> None:
    node = helper.make_node("LayerNormalization", ["x", "s"], ["y"])
    run(node, {"x": randn(2, 4, 12), "s": randn(12)})


def test_layer_norm_large_mean_two_pass() -> None:
    """Two-pass variance: a large common offset must not destroy precision."""
    x = (randn(2, 64) + 1000.0).astype(np.float32)
    node = helper.make_node("LayerNormalization", ["x", "s"], ["y"])
    run(node, {"x": x}, {"s": np.ones(64, np.float32)})


@pytest.mark.parametrize("outputs", [("y", "mean"), ("y", "", "inv_std")])
def test_layer_norm_statistics_outputs(outputs: tuple[str, ...]) -> None:
    """The optional Mean / InvStdDev outputs match onnxruntime."""
    node = helper.make_node("LayerNormalization", ["x", "s"], list(outputs), name="ln_stats")
    feeds = {"x": randn(2, 4)}
    model = make_model([node], feeds, [o for o in outputs if o], initializers={"s": randn(4)})
    assert_matches_onnxruntime(model, feeds)


# ------------------------------------------------------------------ Reduce*

REDUCE_CASES = [
    ((2, 3, 5), [1], 1), ((2, 3, 5), [1], 0), ((2, 3, 5), [-1], 1), ((2, 3, 5), [0, 2], 0),
    ((2, 3, 5), [2, 0], 1), ((4, 33), [1], 0), ((4, 33), [0], 1), ((2, 3, 5), [0, 1, 2], 0),
    ((2, 3, 5), [-3, -2, -1], 1), ((1, 6, 1, 7), [1, 3], 1), ((7,), [0], 0),
]


def _reduce_node(op: str, axes: list[int] | None, keepdims: int, opset: int,
                 **extra: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """A Reduce node with `axes` where the opset wants them (attribute or input)."""
    axes_as_input = opset >= (13 if op == "ReduceSum" else 18)
    if axes is None:
        return helper.make_node(op, ["x"], ["y"], keepdims=keepdims, **extra), {}
    if axes_as_input:
        inits = {"axes": np.array(axes, np.int64)}
        return helper.make_node(op, ["x", "axes"], ["y"], keepdims=keepdims, **extra), inits
    return helper.make_node(op, ["x"], ["y"], axes=axes, keepdims=keepdims, **extra), {}


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceSum", "ReduceMax"])
@pytest.mark.parametrize(("shape", "axes", "keepdims"), REDUCE_CASES)
def test_reduce(op: str, shape: tuple[int, ...], axes: list[int], keepdims: int) -> None:
    node, inits = _reduce_node(op, axes, keepdims, opset=13)
    run(node, {"x": randn(*shape)}, inits, opset=13)


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceSum", "ReduceMax"])
@pytest.mark.parametrize("opset", [11, 13, 18])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_opsets(op: str, opset: int, keepdims: int) -> None:
    node, inits = _reduce_node(op, [-2], keepdims, opset=opset)
    run(node, {"x": randn(3, 4, 6)}, inits, opset=opset)


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceSum", "ReduceMax"])
@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_no_axes_reduces_all(op: str, opset: int, keepdims: int) -> None:
    node, inits = _reduce_node(op, None, keepdims, opset=opset)
    (y,) = run(node, {"x": randn(3, 4, 5)}, inits, opset=opset)
    assert y.shape == ((1, 1, 1) if keepdims else ())


@pytest.mark.parametrize(("op", "opset"), [("ReduceSum", 13), ("ReduceMean", 18),
                                           ("ReduceMax", 18)])
def test_reduce_empty_axes_noop(op: str, opset: int) -> None:
    x = randn(2, 3)
    node = helper.make_node(op, ["x"], ["y"], noop_with_empty_axes=1)
    (y,) = run(node, {"x": x}, opset=opset)
    np.testing.assert_array_equal(y, x)


def test_reduce_sum_empty_axes_input_reduces_all() -> None:
    node = helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)
    run(node, {"x": randn(3, 4)}, {"axes": np.zeros((0,), np.int64)}, opset=13)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceSum"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize(("axes", "keepdims"), [([1], 0), ([0, 2], 1), ([-1], 1)])
def test_reduce_int(op: str, dtype: Any, axes: list[int], keepdims: int) -> None:
    x = np.asarray(RNG.integers(-(2**40), 2**40, (3, 5, 4)), np.int64)
    if dtype is np.int32:
        x = np.asarray(RNG.integers(-1000, 1000, (3, 5, 4)), np.int32)
    if op == "ReduceMax":
        x[0, 0, 0] = np.iinfo(dtype).min // 2  # far below the rest: max must not start at 0
    else:
        x //= 4  # onnxruntime sums int64 inexactly near 2**62 (we are exact)
    node, inits = _reduce_node(op, axes, keepdims, opset=13)
    run(node, {"x": x}, inits, opset=13)


@pytest.mark.parametrize(("axes", "keepdims"), [([1], 0), ([0, 2], 1), (None, 0)])
def test_reduce_max_bool(axes: list[int] | None, keepdims: int) -> None:
    """ReduceMax of bools (opset 20) is a logical or; numpy is the oracle."""
    x = RNG.random((3, 5, 4)) < 0.15
    x[1] = False  # one all-false slab
    node, inits = _reduce_node("ReduceMax", axes, keepdims, opset=20)
    model = make_model([node], {"x": x}, ["y"], initializers=inits, opset=20)
    (y,) = dnnf.compile(model).run({"x": x})
    expected = np.any(x, axis=None if axes is None else tuple(axes), keepdims=bool(keepdims))
    assert y.dtype == np.bool_
    np.testing.assert_array_equal(y, expected)


def test_reduce_max_all_negative() -> None:
    x = -np.abs(randn(3, 9)) - 5.0
    run(helper.make_node("ReduceMax", ["x"], ["y"], axes=[1], keepdims=0), {"x": x}, opset=13)


def test_reduce_sum_runtime_axes_is_rejected() -> None:
    """Axes only known at run time leave the result shape unknown: rejected at load."""
    node = helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="rs_dyn")
    err = compile_error(node, {"x": randn(2, 3), "axes": np.array([1], np.int64)}, opset=13)
    assert isinstance(err, errors.DynamicShapeError)
    assert err.node == "rs_dyn"
    assert err.op_type == "ReduceSum"


def test_reduce_mean_int_is_rejected() -> None:
    node = helper.make_node("ReduceMean", ["x"], ["y"], name="rm_int", axes=[0])
    err = compile_error(node, {"x": np.arange(6, dtype=np.int64)}, opset=13)
    assert isinstance(err, errors.DTypeError)
    assert err.node == "rm_int"
    assert err.op_type == "ReduceMean"


def test_softmax_layer_norm_chain() -> None:
    """Reductions feeding each other (attention-style block)."""
    x = randn(2, 6, 16)
    nodes = [helper.make_node("LayerNormalization", ["x", "s", "b"], ["n"]),
             helper.make_node("Softmax", ["n"], ["p"], axis=-1),
             helper.make_node("ReduceSum", ["p", "axes"], ["y"], keepdims=1)]
    inits = {"s": randn(16), "b": randn(16), "axes": np.array([1], np.int64)}
    model = make_model(nodes, {"x": x}, ["y", "p"], initializers=inits)
    assert_matches_onnxruntime(model, {"x": x})


# ------------------------------------------------------------------ zero-size inputs

@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax"])
@pytest.mark.parametrize(("shape", "axes"), [((2, 0, 4), [1]), ((0, 3), [1]), ((3, 0), [0, 1])])
def test_reduce_zero_size_input(op: str, shape: tuple[int, ...], axes: list[int]) -> None:
    """A zero-size input has one value, so the result is a folded constant (ReduceSum's 0,
    ReduceMax's -inf over an empty axis), not a kernel. (ReduceMean of an empty set is
    undefined in ONNX: the reference gives NaN, onnxruntime 0.)"""
    node, inits = _reduce_node(op, axes, 1, opset=18)
    feeds = {"x": randn(*shape)}
    model = make_model([node], feeds, ["y"], initializers=inits, opset=18)
    compiled = dnnf.compile(model)
    assert compiled.stats["kernels"] == 0
    (ours,), (expected,) = compiled.run(feeds), run_onnxruntime(model, feeds)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)  # equal infinities and NaNs
