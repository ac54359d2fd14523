"""`dnnf-approximate-math`: compiled Exp / Tanh / Erf / Sigmoid against numpy (`math.erf`) in float64 over
their whole f32 range, including the overflow and underflow ends, infinities and NaN, on
vector lanes and on a scalar remainder; Pow by the constant exponents it rewrites (and one
it leaves to libm) over signed zeros, negatives, infinities and NaN; LRN (beta 0.75) against
onnxruntime; and no libm call left for them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import make_model

SPECIAL = [0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.6249, 0.6251, -0.6251, 9.0, -9.0,
           88.0, 88.37, 88.38, 88.4, 88.72, 88.73, 89.0, -87.0, -87.4, -88.37, -88.4,
           -95.0, -103.0, -103.97, -104.0, -110.0,
           1e30, -1e30, np.inf, -np.inf]


def _inputs() -> np.ndarray:
    """Dense over [-100, 100] and near 0, then the special points; 4099: not a multiple
    of any vector width, so a remainder is computed too."""
    dense = np.concatenate([np.linspace(-100, 100, 3001), np.geomspace(1e-6, 2, 500),
                            -np.geomspace(1e-6, 2, 500)])
    x = np.concatenate([dense, SPECIAL]).astype(np.float32)
    x = np.concatenate([x, np.zeros(4098 - x.size, np.float32), [np.nan]]).astype(np.float32)
    return x


def _reference(op: str, x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    with np.errstate(over="ignore"):
        if op == "Exp":
            return np.exp(x64)
        if op == "Tanh":
            return np.tanh(x64)
        if op == "Erf":
            return np.vectorize(math.erf, otypes=[np.float64])(x64)
        return 1.0 / (1.0 + np.exp(-x64))


@pytest.mark.parametrize("op", ["Exp", "Tanh", "Erf", "Sigmoid"])
def test_matches_numpy_over_the_f32_range(op: str) -> None:
    x = _inputs()
    model = make_model([helper.make_node(op, ["x"], ["y"])], {"x": x}, ["y"])
    cm = dnnf.compile(model)
    (got,) = cm.run({"x": x})
    ref = _reference(op, x)
    with np.errstate(over="ignore"):
        ref32 = ref.astype(np.float32)  # inf where f32 overflows
    finite = np.isfinite(ref32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_array_equal(got[np.isinf(ref32)], ref32[np.isinf(ref32)])
    # Relative where the result is a normal float (1.2e-38), absolute below it.
    normal = finite & (np.abs(ref) >= np.finfo(np.float32).tiny)
    rel = np.abs(got[normal] - ref[normal]) / np.abs(ref[normal])
    assert float(rel.max()) < 5e-7, (op, x[normal][np.argmax(rel)])
    tiny = finite & ~normal
    # Exp scales into the subnormals exactly (2 subnormal steps); Sigmoid is lowered as
    # 1 / (1 + exp(-x)), which is 0 once exp(-x) overflows (x < -88.7), below 1.2e-38.
    tiny_error = 3e-45 if op != "Sigmoid" else np.finfo(np.float32).tiny
    assert float(np.abs(got[tiny] - ref[tiny]).max(initial=0.0)) < tiny_error
    if op in ("Tanh", "Erf"):  # odd, and exactly +-1 where float rounds it there
        np.testing.assert_array_equal(got[x > 9], 1.0)
        np.testing.assert_array_equal(got[x < -9], -1.0)


def test_no_libm_call_is_left() -> None:
    x = np.linspace(-5, 5, 64, dtype=np.float32)
    nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Tanh", ["e"], ["t"]),
             helper.make_node("Erf", ["t"], ["y"])]
    cm = dnnf.compile(make_model(nodes, {"x": x}, ["y"]))
    llvm_ir = cm.llvm_ir()
    for name in ("@expf", "@tanhf", "@erff"):
        assert name not in llvm_ir
    ref = np.vectorize(math.erf)(np.tanh(np.exp(x.astype(np.float64))))
    np.testing.assert_allclose(cm.run({"x": x})[0], ref, rtol=1e-6)


POWER_INPUTS = np.concatenate([
    np.geomspace(1e-30, 1e30, 2001), -np.geomspace(1e-30, 1e30, 2001), np.linspace(-4, 4, 81),
    [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan]]).astype(np.float32)


@pytest.mark.parametrize("exponent", [0.75, 0.5, 0.25, -0.75, -0.5, 2.0, 3.0, -1.0, -2.0,
                                      1.5])
def test_pow_by_a_constant_matches_numpy(exponent: float) -> None:
    """Signs of zero, NaN for a negative base and a non-integer exponent, +inf at -inf for
    a root, within 5e-7 relative on normal results (about 4 ulp: up to two roots, a
    product and a reciprocal, each rounded)."""
    x = POWER_INPUTS
    model = make_model([helper.make_node("Pow", ["x", "e"], ["y"])], {"x": x}, ["y"],
                       {"e": np.array(exponent, np.float32)})
    cm = dnnf.compile(model)
    (got,) = cm.run({"x": x})
    with np.errstate(all="ignore"):  # an array exponent: C's pow (a scalar 0.5 is sqrt)
        ref = np.power(x.astype(np.float64), np.full(x.shape, exponent))
        ref32 = ref.astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_array_equal(got[np.isinf(ref32)], ref32[np.isinf(ref32)])
    np.testing.assert_array_equal(np.signbit(got[ref == 0]), np.signbit(ref[ref == 0]))
    normal = np.isfinite(ref32) & (np.abs(ref) >= np.finfo(np.float32).tiny)
    rel = np.abs(got[normal] - ref[normal]) / np.abs(ref[normal])
    assert float(rel.max()) < 5e-7, x[normal][np.argmax(rel)]
    tiny = np.isfinite(ref32) & ~normal
    assert float(np.abs(got[tiny] - ref[tiny]).max(initial=0.0)) < np.finfo(np.float32).tiny
    assert ("@powf" in cm.llvm_ir() or "llvm.pow." in cm.llvm_ir()) == (exponent == 1.5)


def test_lrn_matches_onnxruntime_without_pow_calls() -> None:
    """AlexNet's LRN (beta 0.75): its power is two square roots, not a powf per lane."""
    ort = pytest.importorskip("onnxruntime")
    x = np.random.default_rng(0).normal(0, 3, (1, 12, 9, 11)).astype(np.float32)
    node = helper.make_node("LRN", ["x"], ["y"], size=5, alpha=1e-2, beta=0.75, bias=1.0)
    model = make_model([node], {"x": x}, ["y"])
    cm = dnnf.compile(model)
    llvm_ir = cm.llvm_ir()
    assert "@powf" not in llvm_ir
    assert "llvm.pow." not in llvm_ir
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(cm.run({"x": x})[0], session.run(None, {"x": x})[0],
                               rtol=1e-5, atol=1e-6)
