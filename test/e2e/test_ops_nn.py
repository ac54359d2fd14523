"""Numerics of the nn family (Conv, BatchNormalization, MatMul, Gemm, MaxPool, AveragePool,
GlobalAveragePool) against onnxruntime, and the variants we reject."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper

from dnnfusion_mlir import compile as dnnf_compile
from dnnfusion_mlir import errors
from dnnfusion_mlir.testing import (
    assert_matches_onnxruntime,
    make_model,
    max_rel_error,
    run_onnxruntime,
)

RNG = np.random.default_rng(1234)


def _rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _check(op: str, inputs: dict[str, np.ndarray], inits: dict[str, np.ndarray] | None = None,
           opset: int = 17, **attributes: Any) -> None:
    names = list(inputs) + list(inits or {})
    node = helper.make_node(op, names, ["y"], name="n0", **attributes)
    model = make_model([node], inputs, ["y"], inits or {}, opset=opset)
    assert_matches_onnxruntime(model, inputs)


# ------------------------------------------------------------------------- Conv
CONV_CASES = [
    # (x shape, w shape, bias, attributes)
    ((1, 3, 8, 8), (4, 3, 3, 3), False, {}),
    ((2, 3, 9, 7), (5, 3, 3, 2), True, {"pads": [1, 0, 1, 1], "strides": [2, 1]}),
    ((1, 4, 10, 10), (4, 4, 3, 3), True, {"dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ((1, 3, 11, 11), (6, 3, 3, 3), True, {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 3, 10, 10), (6, 3, 4, 4), False, {"auto_pad": "SAME_LOWER", "strides": [3, 3]}),
    ((1, 3, 10, 10), (6, 3, 3, 3), False, {"auto_pad": "VALID", "strides": [2, 2]}),
    ((1, 8, 7, 7), (16, 8, 1, 1), True, {}),
    ((1, 6, 9, 9), (6, 1, 3, 3), True, {"group": 6, "pads": [1, 1, 1, 1], "strides": [2, 2]}),
    ((1, 6, 8, 8), (4, 3, 3, 3), True, {"group": 2, "pads": [1, 1, 1, 1]}),
    ((2, 8, 6, 5), (12, 2, 2, 3), False, {"group": 4, "dilations": [2, 1]}),
    ((1, 3, 8, 8), (6, 1, 3, 3), True, {"group": 3, "pads": [1, 1, 1, 1]}),
    ((1, 4, 16), (5, 4, 3), True, {"pads": [1, 2], "strides": [2]}),
    ((1, 4, 12), (4, 1, 5), False, {"group": 4, "auto_pad": "SAME_UPPER"}),
    ((1, 4, 12), (6, 2, 3), True, {"group": 2, "dilations": [2]}),
    ((1, 2, 5, 6, 6), (3, 2, 3, 3, 3), True, {"pads": [1, 1, 1, 1, 1, 1], "strides": [1, 2, 2]}),
    # 3-D, unit width stride: vectorised as a contraction per kernel tap (schedule.py);
    # batch 2, 20 output channels (tiles of 10), 9 columns (4 + 4 + 1), 18 input channels.
    ((2, 18, 4, 6, 9), (20, 18, 3, 3, 3), True, {"pads": [1, 1, 1, 1, 1, 1]}),
    ((1, 3, 5, 7, 7), (8, 3, 3, 2, 3), False, {"dilations": [2, 1, 2],
                                               "pads": [2, 0, 2, 2, 1, 2]}),
    ((1, 4, 4, 5, 5), (4, 1, 2, 2, 2), False, {"group": 4}),
    ((1, 4, 4, 5, 5), (6, 2, 1, 3, 3), True, {"group": 2, "pads": [0, 1, 1, 0, 1, 1]}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "attributes"), CONV_CASES)
def test_conv(x_shape: tuple[int, ...], w_shape: tuple[int, ...], bias: bool,
              attributes: dict[str, Any]) -> None:
    inits = {"w": _rand(*w_shape)}
    if bias:
        inits["b"] = _rand(w_shape[0])
    _check("Conv", {"x": _rand(*x_shape)}, inits, **attributes)


def test_conv_weight_is_runtime_input() -> None:
    _check("Conv", {"x": _rand(1, 2, 6, 6), "w": _rand(3, 2, 3, 3)}, pads=[1, 1, 1, 1])


@pytest.mark.parametrize(("auto_pad", "pads"), [("SAME_UPPER", [1, 1, 2, 2]),
                                                ("SAME_LOWER", [2, 2, 1, 1])])
def test_conv_same_with_dilation(auto_pad: str, pads: list[int]) -> None:
    """onnxruntime rejects auto_pad SAME with dilations: compare with the explicit pads."""
    x, w = _rand(1, 2, 9, 9), _rand(3, 2, 2, 2)

    def model(**attributes: Any) -> Any:
        node = helper.make_node("Conv", ["x", "w"], ["y"], dilations=[3, 3], **attributes)
        return make_model([node], {"x": x}, ["y"], {"w": w})

    (ours,) = dnnf_compile(model(auto_pad=auto_pad))(x)
    (expected,) = run_onnxruntime(model(pads=pads), {"x": x})
    assert ours.shape == expected.shape == (1, 3, 9, 9)
    assert max_rel_error(ours, expected) <= 1e-4


# ------------------------------------------------------------------ BatchNorm
@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (4, 6), (1, 5, 7), (1, 2, 3, 2, 2)])
def test_batch_norm(shape: tuple[int, ...]) -> None:
    c = shape[1]
    inits = {"scale": _rand(c), "bias": _rand(c), "mean": _rand(c),
             "var": np.abs(_rand(c)) + 0.1}
    _check("BatchNormalization", {"x": _rand(*shape)}, inits, epsilon=1e-3)


# ---------------------------------------------------------------------- MatMul
MATMUL_CASES = [
    ((4, 5), (5, 3)), ((5,), (5, 3)), ((4, 5), (5,)), ((7,), (7,)),
    ((2, 4, 5), (5, 3)), ((4, 5), (2, 5, 3)), ((2, 1, 4, 5), (3, 5, 6)),
    ((3, 2, 4, 5), (3, 2, 5, 1)), ((1, 1), (1, 9)), ((6,), (2, 6, 3)), ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize(("a_shape", "b_shape"), MATMUL_CASES)
def test_matmul(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> None:
    _check("MatMul", {"a": _rand(*a_shape), "b": _rand(*b_shape)})


def test_matmul_constant_weight() -> None:
    _check("MatMul", {"a": _rand(2, 3, 8)}, {"w": _rand(8, 5)})


# ------------------------------------------------------------------------ Gemm
GEMM_CASES = [
    # (A shape, B shape, C shape or None, attributes)
    ((4, 5), (5, 3), None, {}),
    ((5, 4), (5, 3), (3,), {"transA": 1}),
    ((4, 5), (3, 5), (4, 3), {"transB": 1, "alpha": 0.5, "beta": 2.0}),
    ((5, 4), (3, 5), (4, 1), {"transA": 1, "transB": 1}),
    ((1, 7), (7, 2), (1, 2), {"alpha": -1.5}),
    ((3, 6), (6, 4), (), {"beta": 0.25}),
    ((3, 6), (6, 4), (1, 4), {"beta": 0.0}),
]


@pytest.mark.parametrize(("a_shape", "b_shape", "c_shape", "attributes"), GEMM_CASES)
def test_gemm(a_shape: tuple[int, ...], b_shape: tuple[int, ...],
              c_shape: tuple[int, ...] | None, attributes: dict[str, Any]) -> None:
    inits = {"b": _rand(*b_shape)}
    if c_shape is not None:
        inits["c"] = _rand(*c_shape) if c_shape else np.asarray(0.7, np.float32)
    _check("Gemm", {"a": _rand(*a_shape)}, inits, **attributes)


# --------------------------------------------------------------------- MaxPool
POOL_CASES = [
    ((1, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    ((2, 2, 9, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 9, 9), {"kernel_shape": [3, 2], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 10, 10), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 0, 1],
                      "ceil_mode": 1}),
    ((1, 2, 11, 11), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 10, 10), {"kernel_shape": [2, 2], "strides": [3, 3], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 16), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 2], "strides": [1, 2, 2], "pads": [0, 1, 0, 0, 1, 1]}),
]


@pytest.mark.parametrize(("shape", "attributes"), [
    *POOL_CASES,
    ((1, 2, 10, 10), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ((1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 1], "strides": [2, 2],
                    "ceil_mode": 1}),
    ((1, 1, 7, 6, 8), {"kernel_shape": [2, 2, 3], "dilations": [2, 1, 2], "strides": [2, 2, 2],
                       "ceil_mode": 1}),
    ((1, 2, 13), {"kernel_shape": [4], "dilations": [2], "strides": [3], "ceil_mode": 1}),
])
def test_max_pool(shape: tuple[int, ...], attributes: dict[str, Any]) -> None:
    # All-negative inputs: a zero pad value instead of -inf would show up as 0.
    _check("MaxPool", {"x": -np.abs(_rand(*shape)) - 1.0}, **attributes)


@pytest.mark.parametrize(("shape", "attributes"), POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_average_pool(shape: tuple[int, ...], attributes: dict[str, Any],
                      count_include_pad: int) -> None:
    _check("AveragePool", {"x": _rand(*shape)}, count_include_pad=count_include_pad,
           **attributes)


@pytest.mark.parametrize(("shape", "attributes"), [
    ((1, 2, 10, 10), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ((1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 1], "strides": [2, 2],
                    "pads": [1, 0, 1, 1]}),
    ((1, 1, 7, 6, 8), {"kernel_shape": [2, 2, 3], "dilations": [2, 1, 2], "strides": [2, 2, 2],
                       "pads": [1, 1, 1, 0, 1, 2]}),
    ((1, 2, 13), {"kernel_shape": [4], "dilations": [3], "strides": [1], "pads": [2, 3]}),
])
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_average_pool_dilations(shape: tuple[int, ...], attributes: dict[str, Any],
                                count_include_pad: int) -> None:
    """Dilated windows (opset 19): the divisor counts only the window's taps."""
    _check("AveragePool", {"x": _rand(*shape)}, opset=19, count_include_pad=count_include_pad,
           **attributes)


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 4, 9), (1, 2, 3, 4, 5), (1, 1, 1, 1)])
def test_global_average_pool(shape: tuple[int, ...]) -> None:
    _check("GlobalAveragePool", {"x": _rand(*shape)})


# ----------------------------------------------------------------- rejections
def _compile_error(node: Any, inputs: dict[str, np.ndarray], outputs: list[str],
                   inits: dict[str, np.ndarray] | None = None,
                   opset: int = 17) -> errors.CompileError:
    model = make_model([node], inputs, outputs, inits or {}, opset=opset)
    with pytest.raises(errors.CompileError) as info:
        dnnf_compile(model)
    return info.value


@pytest.mark.parametrize(("shape", "attributes"), [
    ((1, 1, 5, 5), {"kernel_shape": [2, 2]}),
    ((2, 3, 7, 6), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 9, 9), {"kernel_shape": [2, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 10, 10), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [2, 1, 2, 1]}),
    ((2, 2, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    ((1, 2, 4, 5, 6), {"kernel_shape": [2, 2, 3], "strides": [2, 1, 2]}),
])
@pytest.mark.parametrize("storage_order", [0, 1])
def test_max_pool_indices(shape: tuple[int, ...], attributes: dict[str, Any],
                          storage_order: int) -> None:
    """The Indices output: flat input positions of each window's (first) maximum."""
    x = _rand(*shape)
    x.reshape(-1)[::7] = 1.5  # ties inside windows: the first one wins
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], storage_order=storage_order,
                            **attributes)
    model = make_model([node], {"x": x}, ["y", "i"])
    assert_matches_onnxruntime(model, {"x": x})


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (5, 3), (2, 3, 7)])
@pytest.mark.parametrize(("outputs", "attributes"), [
    (["y", "rm", "rv"], {}),
    (["y", "rm", "rv"], {"momentum": 0.6, "epsilon": 1e-2}),
    (["y", "rm", "rv"], {"momentum": 0.99}),
])
def test_batch_norm_training_mode(shape: tuple[int, ...], outputs: list[str],
                                  attributes: dict[str, Any]) -> None:
    """Batch statistics normalise y; the running mean/var outputs blend in the inputs."""
    c = shape[1]
    inits = {"s": _rand(c), "b": _rand(c), "m": _rand(c), "v": np.abs(_rand(c)) + 1}
    node = helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], outputs,
                            name="bn", training_mode=1, **attributes)
    x = _rand(*shape) * 2 + 1
    model = make_model([node], {"x": x}, [o for o in outputs if o], inits, opset=15)
    assert_matches_onnxruntime(model, {"x": x})


def test_conv_four_spatial_dims_rejected() -> None:
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c4")
    err = _compile_error(node, {"x": _rand(1, 1, 2, 2, 2, 2)}, ["y"],
                         {"w": _rand(1, 1, 1, 1, 1, 1)})
    assert isinstance(err, errors.UnsupportedOpError)
    assert (err.node, err.op_type) == ("c4", "Conv")


def test_integer_matmul_rejected() -> None:
    a = RNG.integers(0, 5, (2, 3)).astype(np.int32)
    b = RNG.integers(0, 5, (3, 2)).astype(np.int32)
    node = helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    err = _compile_error(node, {"a": a, "b": b}, ["y"])
    assert isinstance(err, errors.DTypeError)
    assert (err.node, err.op_type) == ("mm", "MatMul")
