"""Element-wise ops (One-to-One) against onnxruntime: activations, arithmetic with numpy
broadcasting, int64 arithmetic, bool Where/Equal/Cast chains, Clip/Pow variants, Dropout."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir import errors
from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model

RNG = np.random.default_rng(1234)


def randn(*shape: int) -> np.ndarray:
    return np.asarray(RNG.standard_normal(shape), np.float32)


def positive(*shape: int) -> np.ndarray:
    return np.asarray(RNG.uniform(0.1, 3.0, shape), np.float32)


def ints(*shape: int, low: int = -50, high: int = 50, dtype: Any = np.int64) -> np.ndarray:
    return np.asarray(RNG.integers(low, high, shape), dtype)


def check(op: str, feeds: dict[str, np.ndarray], inits: dict[str, np.ndarray] | None = None,
          inputs: list[str] | None = None, **attributes: Any) -> list[np.ndarray]:
    """One-node model `op(inputs...) -> y`, compared with onnxruntime."""
    names = inputs if inputs is not None else [*feeds, *(inits or {})]
    node = helper.make_node(op, names, ["y"], name=f"{op}_0", **attributes)
    model = make_model([node], feeds, ["y"], initializers=inits)
    return assert_matches_onnxruntime(model, feeds)


# ------------------------------------------------------------------ unary f32

UNARY = ["Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Neg", "Abs", "HardSwish", "Identity"]


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("shape", [(7,), (2, 3, 17), (1, 4, 1, 5)])
def test_unary(op: str, shape: tuple[int, ...]) -> None:
    check(op, {"x": randn(*shape) * 3})


@pytest.mark.parametrize("op", ["Log", "Sqrt", "Reciprocal"])
@pytest.mark.parametrize("shape", [(5,), (3, 33)])
def test_unary_positive_domain(op: str, shape: tuple[int, ...]) -> None:
    check(op, {"x": positive(*shape)})


@pytest.mark.parametrize("op", ["Neg", "Abs", "Identity"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_unary_int(op: str, dtype: Any) -> None:
    check(op, {"x": ints(3, 11, dtype=dtype)})


def test_sigmoid_saturates() -> None:
    x = np.array([-100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0], np.float32)
    (y,) = check("Sigmoid", {"x": x})
    assert y[0] == 0.0
    assert y[-1] == 1.0


@pytest.mark.parametrize(("alpha", "beta"), [(None, None), (0.5, 0.1), (1.0 / 6.0, 0.5)])
def test_hard_sigmoid(alpha: float | None, beta: float | None) -> None:
    attrs: dict[str, Any] = {k: v for k, v in {"alpha": alpha, "beta": beta}.items()
                             if v is not None}
    check("HardSigmoid", {"x": randn(4, 19) * 4}, **attrs)


@pytest.mark.parametrize("alpha", [None, 0.2, 1.5])
def test_leaky_relu(alpha: float | None) -> None:
    attrs: dict[str, Any] = {} if alpha is None else {"alpha": alpha}
    check("LeakyRelu", {"x": randn(2, 3, 9)}, **attrs)


# ------------------------------------------------------------------ Clip

@pytest.mark.parametrize(("lo", "hi"), [(-0.5, 0.5), (0.0, None), (None, 1.0), (None, None),
                                        (0.0, 6.0)])
def test_clip_inputs(lo: float | None, hi: float | None) -> None:
    inits = {}
    if lo is not None:
        inits["lo"] = np.array(lo, np.float32)
    if hi is not None:
        inits["hi"] = np.array(hi, np.float32)
    names = ["x", "lo" if lo is not None else "", "hi" if hi is not None else ""]
    while names[-1] == "":
        names.pop()
    check("Clip", {"x": randn(3, 21) * 4}, inits, inputs=names)


@pytest.mark.parametrize("attrs", [{"min": -1.0, "max": 2.0}, {"min": 0.0}, {"max": 0.5}, {}])
def test_clip_attributes_opset10(attrs: dict[str, Any]) -> None:
    x = randn(2, 13) * 3
    node = helper.make_node("Clip", ["x"], ["y"], name="clip10", **attrs)
    model = make_model([node], {"x": x}, ["y"], opset=10)
    assert_matches_onnxruntime(model, {"x": x})


def test_clip_run_time_bounds() -> None:
    """Bounds computed at run time become Min(Max(x, lo), hi), as ONNX defines Clip."""
    x, lo, hi = randn(4), np.array(-0.5, np.float32), np.array(0.5, np.float32)
    model = make_model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip_dyn")],
                       {"x": x, "lo": lo, "hi": hi}, ["y"])
    assert_matches_onnxruntime(model, {"x": x, "lo": lo, "hi": hi})


# ------------------------------------------------------------------ binary

BROADCAST_SHAPES = [
    ((2, 3, 4), (2, 3, 4)),      # same shape
    ((2, 3, 4), (4,)),           # rank-changing
    ((2, 1, 4), (3, 1)),         # both sides broadcast
    ((1, 5, 1), (4, 1, 6)),      # size-1 dims on both sides
    ((3, 17), ()),               # scalar
    ((), (2, 5)),                # scalar on the left
    ((6, 1, 1), (1, 1, 1)),      # all unit dims
]


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize(("sa", "sb"), BROADCAST_SHAPES)
def test_binary_f32_broadcast(op: str, sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    b = positive(*sb) if op == "Div" else randn(*sb)
    check(op, {"a": randn(*sa), "b": b})


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize(("sa", "sb"), [((3, 7), (3, 7)), ((2, 3, 5), (1, 5)), ((4,), ())])
def test_binary_int(op: str, dtype: Any, sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    sign = np.where(RNG.random(sb) < 0.5, -1, 1)
    b = np.asarray(ints(*sb, low=1, high=9, dtype=dtype) * sign, dtype)  # no zero divisors
    check(op, {"a": ints(*sa, low=-1000, high=1000, dtype=dtype), "b": b})


def test_binary_with_constant_operand() -> None:
    check("Mul", {"x": randn(2, 8)}, {"w": randn(8)})


def test_int64_large_values() -> None:
    a = np.array([2**40, -(2**41), 3, 2**62 // 3], np.int64)
    b = np.array([3, 2**20, -(2**33), 2], np.int64)
    check("Mul", {"a": a, "b": b})
    check("Add", {"a": a, "b": b})


# ------------------------------------------------------------------ Pow

@pytest.mark.parametrize("exponent", [2.0, 0.5, -1.0, 3.0])
def test_pow_scalar_exponent(exponent: float) -> None:
    x = positive(3, 10) if exponent == 0.5 else randn(3, 10)
    check("Pow", {"x": x}, {"e": np.array(exponent, np.float32)})


def test_pow_int_exponent_constant() -> None:
    check("Pow", {"x": randn(2, 7)}, {"e": np.array(3, np.int64)})


@pytest.mark.parametrize(("sx", "se"), [((2, 6), (2, 6)), ((2, 6), (6,)), ((3, 1), (1, 4))])
def test_pow_tensor_exponent(sx: tuple[int, ...], se: tuple[int, ...]) -> None:
    check("Pow", {"x": positive(*sx), "e": randn(*se)})


def test_pow_runtime_int_exponent() -> None:
    """An int exponent known only at run time is cast to float32 in the compiled code."""
    x, e = randn(4), np.array([1, 2, 3, 4], np.int64)
    model = make_model([helper.make_node("Pow", ["x", "e"], ["y"], name="pow_int")],
                       {"x": x, "e": e}, ["y"])
    assert_matches_onnxruntime(model, {"x": x, "e": e})


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("exp_dtype", [np.int32, np.int64])
def test_pow_integer_base_integer_exponent(dtype: Any, exp_dtype: Any) -> None:
    """Exact integer power (square-and-multiply); negative exponents truncate to 0 / +-1."""
    x = np.array([[1, 2, -3, 5, 0, -1, 7, 2], [-2, 3, 1, -1, 10, 4, -5, 2]], dtype)
    e = np.array([[4, 5, 3, 9, 0, 7, 6, 30], [-2, -1, -4, -3, 9, 15, 5, 0]], exp_dtype)
    check("Pow", {"x": x, "e": e})


def test_pow_integer_is_exact_beyond_double() -> None:
    """3**39 needs 62 bits: exact, as numpy (ONNX's reference) computes it; onnxruntime
    goes through double and is off by 11 here, so numpy is the oracle."""
    x, e = np.array([3, -7, 2], np.int64), np.array([39, 21, 62], np.int64)
    model = make_model([helper.make_node("Pow", ["x", "e"], ["y"])], {"x": x, "e": e}, ["y"])
    (y,) = dnnf.compile(model).run({"x": x, "e": e})
    np.testing.assert_array_equal(y, np.power(x, e))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_pow_integer_base_float_exponent(dtype: Any) -> None:
    """Computed in f32 and truncated to the base's type, like onnxruntime."""
    x = np.array([1, 2, 3, 4, 9, 5], dtype)
    e = np.array([4.0, 5.0, 6.0, 0.5, 1.5, 2.3], np.float32)
    check("Pow", {"x": x, "e": e})


# ------------------------------------------------------------------ bool: Equal / Where / Cast

@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32])
@pytest.mark.parametrize(("sa", "sb"), [((2, 8), (8,)), ((3, 1, 5), (4, 1)), ((37,), (37,))])
def test_equal(dtype: Any, sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = ints(*sa, low=0, high=3).astype(dtype), ints(*sb, low=0, high=3).astype(dtype)
    check("Equal", {"a": a, "b": b})


def test_equal_int64_not_all_true() -> None:
    """Regression: vectorised i1 stores were bit-packed, so most results read back True."""
    a = np.arange(64, dtype=np.int64).reshape(4, 16)
    b = np.where(np.arange(16) % 3 == 0, np.arange(16), -1).astype(np.int64)
    (y,) = check("Equal", {"a": a, "b": b})
    assert y.dtype == np.bool_
    assert 0 < int(y.sum()) < y.size


def test_equal_bool() -> None:
    check("Equal", {"a": RNG.random((3, 9)) < 0.5, "b": RNG.random((9,)) < 0.5})


@pytest.mark.parametrize(("sc", "sx", "sy"), [((2, 9), (2, 9), (2, 9)), ((9,), (3, 9), ()),
                                              ((4, 1), (1, 5), (4, 5))])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_where(sc: tuple[int, ...], sx: tuple[int, ...], sy: tuple[int, ...], dtype: Any) -> None:
    feeds = {"c": RNG.random(sc) < 0.5, "x": ints(*sx).astype(dtype), "y_": ints(*sy).astype(dtype)}
    check("Where", feeds, inputs=["c", "x", "y_"])


def test_where_bool_branches() -> None:
    """onnxruntime has no bool Where kernel: compare with numpy."""
    c, x, z = RNG.random((4, 10)) < 0.5, RNG.random((4, 10)) < 0.5, RNG.random((10,)) < 0.5
    node = helper.make_node("Where", ["c", "x", "z"], ["y"])
    model = make_model([node], {"c": c, "x": x, "z": z}, ["y"])
    (y,) = dnnf.compile(model)(c, x, z)
    np.testing.assert_array_equal(y, np.where(c, x, z))


def test_equal_where_chain() -> None:
    """Equal(int64) -> Where -> Cast(bool) -> Cast(f32): i1 values between kernels."""
    a, b = ints(3, 20, low=0, high=3), ints(20, low=0, high=3)
    x, z = randn(3, 20), randn(3, 20)
    nodes = [helper.make_node("Equal", ["a", "b"], ["m"]),
             helper.make_node("Where", ["m", "x", "z"], ["w"]),
             helper.make_node("Cast", ["w"], ["wb"], to=9),
             helper.make_node("Cast", ["wb"], ["y"], to=1),
             helper.make_node("Cast", ["m"], ["mi"], to=7)]
    feeds = {"a": a, "b": b, "x": x, "z": z}
    model = make_model(nodes, feeds, ["y", "m", "mi", "wb"])
    assert_matches_onnxruntime(model, feeds)


CASTS = [(np.float32, np.int64), (np.float32, np.int32), (np.float32, np.bool_),
         (np.int64, np.float32), (np.int64, np.int32), (np.int32, np.int64),
         (np.int64, np.bool_), (np.bool_, np.float32), (np.bool_, np.int64),
         (np.bool_, np.int32), (np.bool_, np.bool_), (np.float32, np.float32)]
_ONNX_DTYPE = {np.float32: 1, np.int32: 6, np.int64: 7, np.bool_: 9}


@pytest.mark.parametrize(("src", "dst"), CASTS)
def test_cast(src: Any, dst: Any) -> None:
    if src is np.bool_:
        x = RNG.random((3, 19)) < 0.5
    elif src is np.float32:
        x = np.round(randn(3, 19) * 5, 1)
        x[0, :3] = 0.0
    else:
        x = ints(3, 19, low=-3, high=3, dtype=src)
    check("Cast", {"x": x}, to=_ONNX_DTYPE[dst])


def test_cast_to_unsupported_dtype() -> None:
    x = randn(4)
    model = make_model([helper.make_node("Cast", ["x"], ["y"], name="to_f64", to=11)],
                       {"x": x}, ["y"])
    with pytest.raises(errors.DTypeError) as info:
        dnnf.compile(model)
    assert info.value.node == "to_f64"
    assert info.value.op_type == "Cast"


# ------------------------------------------------------------------ Dropout

@pytest.mark.parametrize("opset", [12, 13, 17])
def test_dropout_inference(opset: int) -> None:
    x = randn(2, 3, 5)
    inits = {"ratio": np.array(0.5, np.float32), "train": np.array(False)} if opset >= 12 else {}
    node = helper.make_node("Dropout", ["x", *inits], ["d"], name="drop")
    relu = helper.make_node("Relu", ["d"], ["y"])
    model = make_model([node, relu], {"x": x}, ["y"], initializers=inits, opset=opset)
    assert_matches_onnxruntime(model, {"x": x})


def test_dropout_mask_output() -> None:
    """Inference Dropout: the identity and an all-true mask."""
    x = randn(4)
    model = make_model([helper.make_node("Dropout", ["x"], ["y", "mask"], name="drop_mask")],
                       {"x": x}, ["y", "mask"])
    assert_matches_onnxruntime(model, {"x": x})


def test_dropout_training_without_seed_is_unsupported() -> None:
    x = randn(4)
    node = helper.make_node("Dropout", ["x", "ratio", "train"], ["y"], name="drop_train")
    model = make_model([node], {"x": x}, ["y"], initializers={
        "ratio": np.array(0.5, np.float32), "train": np.array(True)})
    with pytest.raises(errors.UnsupportedOpError) as info:
        dnnf.compile(model)
    assert info.value.node == "drop_train"
    assert "no seed" in str(info.value)


@pytest.mark.parametrize(("ratio", "seed"), [(0.5, 0), (0.75, 3), (0.1, 42)])
def test_dropout_training_seeded(ratio: float, seed: int) -> None:
    """Seeded training Dropout equals ONNX's reference (its mask comes from numpy's RNG;
    onnxruntime draws its own, so the reference evaluator is the oracle here)."""
    from onnx.reference import ReferenceEvaluator

    x = randn(3, 4, 5)
    node = helper.make_node("Dropout", ["x", "ratio", "train"], ["y", "mask"], seed=seed)
    inits = {"ratio": np.array(ratio, np.float32), "train": np.array(True)}
    model = make_model([node], {"x": x}, ["y", "mask"], initializers=inits)
    y, mask = dnnf.compile(model).run({"x": x})
    ref_y, ref_mask = ReferenceEvaluator(model).run(None, {"x": x})
    np.testing.assert_array_equal(mask, ref_mask)
    np.testing.assert_allclose(y, ref_y, rtol=1e-6)
    assert 0 < mask.sum() < mask.size


# ------------------------------------------------------------------ dtype errors

@pytest.mark.parametrize(("op", "x"), [("Relu", ints(4)), ("Sigmoid", ints(4)),
                                       ("Add", RNG.random(4) < 0.5)])
def test_wrong_dtype_is_rejected(op: str, x: np.ndarray) -> None:
    names = ["x", "x"] if op == "Add" else ["x"]
    model = make_model([helper.make_node(op, names, ["y"], name="bad")], {"x": x}, ["y"])
    with pytest.raises(errors.DTypeError) as info:
        dnnf.compile(model)
    assert info.value.node == "bad"
    assert info.value.op_type == op


# ------------------------------------------------------------------ old opsets

def test_opset1_model_whose_ops_are_unchanged() -> None:
    """Not has one schema since opset 1, so an opset-1 model imports as opset 7."""
    x = RNG.random((3, 4)) < 0.5
    model = make_model([helper.make_node("Not", ["x"], ["y"])], {"x": x}, ["y"], opset=1)
    (y,) = dnnf.compile(model).run({"x": x})
    np.testing.assert_array_equal(y, ~x)


def test_opset1_model_with_changed_op_is_rejected() -> None:
    info_x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [4])
    info_y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [4])
    node = helper.make_node("Relu", ["x"], ["y"], name="old_relu")
    graph = helper.make_graph([node], "old", [info_x], [info_y])
    model = helper.make_model(graph, ir_version=3, opset_imports=[helper.make_opsetid("", 1)])
    with pytest.raises(errors.UnsupportedOpError) as info:
        dnnf.compile(model)
    assert info.value.node == "old_relu"
    assert "opset 1 is too old" in str(info.value)


def test_one_value_returned_as_two_outputs_gives_two_arrays() -> None:
    """Graph outputs that are one value come back as separate arrays (as onnxruntime
    returns them); distinct outputs are fresh arrays on every call."""
    x = randn(2, 3)
    model = make_model([helper.make_node("Relu", ["x"], ["a"]),
                        helper.make_node("Identity", ["a"], ["b"]),
                        helper.make_node("Neg", ["x"], ["c"])], {"x": x}, ["a", "b", "c"])
    cm = dnnf.compile(model)
    a, b, c = cm(x)
    assert a is not b
    np.testing.assert_array_equal(a, np.maximum(x, 0))
    np.testing.assert_array_equal(b, np.maximum(x, 0))
    np.testing.assert_array_equal(c, -x)
    a[...] = 7  # the caller owns its arrays: the next call does not see this
    a2, _, c2 = cm(x)
    assert a2 is not a
    assert c2 is not c
    np.testing.assert_array_equal(a2, np.maximum(x, 0))
