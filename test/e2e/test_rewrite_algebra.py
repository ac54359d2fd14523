"""Element-wise algebra rewrites (DESIGN.md §3): numbers with rewriting on vs off vs
onnxruntime, which rules fired (cm.stats["rewrites"]), and that ops were removed."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime

RNG = np.random.default_rng(44)
RTOL = 1e-4


def randn(*shape: int) -> np.ndarray:
    return np.asarray(RNG.standard_normal(shape), np.float32)


def f32(value: Any) -> np.ndarray:
    return np.asarray(value, np.float32)


def node(op: str, inputs: list[str], output: str, **attrs: Any) -> onnx.NodeProto:
    return helper.make_node(op, inputs, [output], name=f"{op}_{output}", **attrs)


def check(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, Any]:
    """Rewrite on and off both match onnxruntime; returns the rewritten model's stats."""
    expected = run_onnxruntime(model, feeds)
    stats: dict[str, Any] = {}
    for rewrite in (False, True):
        cm = dnnf.compile(model, rewrite=rewrite)
        for i, (ours, ref) in enumerate(zip(cm.run(feeds), expected, strict=True)):
            assert ours.shape == ref.shape
            err = max_rel_error(ours, ref)
            assert err <= RTOL, f"rewrite={rewrite} output {i}: error {err:.3g}"
        stats = cm.stats
    return stats


def assert_fired(stats: dict[str, Any], *rules: str, fewer_ops: bool = True) -> None:
    for r in rules:
        assert stats["rewrites"].get(r, 0) >= 1, f"{r} did not fire: {stats['rewrites']}"
    if fewer_ops:
        assert stats["ops_after_rewrite"] < stats["ops_after_import"]


def test_identities() -> None:
    nodes = [node("Mul", ["x", "one"], "a"), node("Add", ["zero", "a"], "b"),
             node("Sub", ["b", "zero"], "c"), node("Div", ["c", "one"], "d"),
             node("Pow", ["d", "one"], "e"), node("Identity", ["e"], "f"),
             node("Dropout", ["f"], "g"), node("Relu", ["g"], "y")]
    model = make_model(nodes, {"x": ((3, 5), np.float32)}, ["y"],
                       initializers={"one": f32(1.0), "zero": f32([0.0] * 5)})
    stats = check(model, {"x": randn(3, 5)})
    assert_fired(stats, "mul_by_one", "add_zero", "sub_zero", "div_by_one", "pow_one",
                 "identity", "dropout")
    assert stats["ops_after_rewrite"] == 1


def test_identity_broadcast_is_kept() -> None:
    """X*1 with ones of a bigger shape broadcasts X: must stay, numbers unchanged."""
    model = make_model([node("Mul", ["x", "one"], "y")], {"x": ((3,), np.float32)}, ["y"],
                       initializers={"one": np.ones((2, 3), np.float32)})
    stats = check(model, {"x": randn(3)})
    assert "mul_by_one" not in stats["rewrites"]


def test_constant_chains() -> None:
    nodes = [node("Add", ["x", "c1"], "a"), node("Add", ["c2", "a"], "b"),
             node("Mul", ["b", "c3"], "m"), node("Mul", ["c4", "m"], "n"),
             node("Sub", ["n", "c5"], "s"), node("Add", ["s", "c6"], "t"),
             node("Div", ["t", "c7"], "y")]
    inits = {"c1": f32([1.0, 2.0, 3.0, 4.0]), "c2": f32(0.5), "c3": f32(2.0),
             "c4": f32([[1.5], [-2.0]]), "c5": f32(3.0), "c6": f32(0.25), "c7": f32(4.0)}
    model = make_model(nodes, {"x": ((2, 4), np.float32)}, ["y"], initializers=inits)
    stats = check(model, {"x": randn(2, 4)})
    assert_fired(stats, "reassociate_add_constants", "reassociate_mul_constants",
                 "sub_constant_to_add", "div_by_constant")
    assert stats["ops_after_rewrite"] == 4  # add, mul, add, mul (was 7)


def test_factor_add_and_sub_then_fold() -> None:
    """x*c1 + x*c2 -> x*(c1+c2), and the constant sum folds; a*b - a*c -> a*(b-c)."""
    nodes = [node("Mul", ["x", "c1"], "p"), node("Mul", ["c2", "x"], "q"),
             node("Add", ["p", "q"], "y"),
             node("Mul", ["a", "b"], "u"), node("Mul", ["c", "a"], "v"),
             node("Sub", ["u", "v"], "z")]
    inits = {"c1": f32([1.0, -2.0, 0.5]), "c2": f32(3.0)}
    feeds = {"x": randn(4, 3), "a": randn(2, 3), "b": randn(2, 3), "c": randn(3)}
    model = make_model(nodes, {k: (v.shape, np.float32) for k, v in feeds.items()},
                       ["y", "z"], initializers=inits)
    stats = check(model, feeds)
    assert_fired(stats, "factor_add", "factor_sub", "fold_constants")
    assert stats["ops_after_rewrite"] == 3


@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_of_scaled(keepdims: int) -> None:
    nodes = [node("Mul", ["x", "s"], "a"), node("ReduceSum", ["a", "axes"], "y",
                                                 keepdims=keepdims),
             node("Mul", ["w", "x"], "b"), node("ReduceMean", ["b"], "z", axes=[2],
                                                 keepdims=keepdims)]
    inits = {"s": f32(0.25), "w": f32([[2.0], [-1.0], [0.5]]),
             "axes": np.asarray([1], np.int64)}
    model = make_model(nodes, {"x": ((2, 3, 5), np.float32)}, ["y", "z"], initializers=inits)
    stats = check(model, {"x": randn(2, 3, 5)})
    assert_fired(stats, "reduce_sum_of_scaled", "reduce_mean_of_scaled", fewer_ops=False)
    assert stats["ops_after_rewrite"] == stats["ops_after_import"]


def test_reduce_of_scaled_varying_is_kept() -> None:
    nodes = [node("Mul", ["x", "s"], "a"), node("ReduceSum", ["a", "axes"], "y")]
    inits = {"s": f32([1.0, 2.0, 3.0]), "axes": np.asarray([1], np.int64)}
    model = make_model(nodes, {"x": ((2, 3), np.float32)}, ["y"], initializers=inits)
    stats = check(model, {"x": randn(2, 3)})
    assert "reduce_sum_of_scaled" not in stats["rewrites"]


def test_exp_sqrt_pow() -> None:
    nodes = [node("Exp", ["a"], "ea"), node("Exp", ["b"], "eb"), node("Mul", ["ea", "eb"], "y"),
             node("Relu", ["a"], "r"), node("Sqrt", ["r"], "s1"), node("Sqrt", ["r"], "s2"),
             node("Mul", ["s1", "s2"], "z"),
             node("Abs", ["b"], "ab"), node("Pow", ["ab", "half"], "p1"),
             node("Pow", ["p1", "three"], "w"),
             node("Pow", ["a", "three"], "q1"), node("Pow", ["q1", "two"], "v")]
    inits = {"half": f32(0.5), "three": f32(3.0), "two": f32(2.0)}
    feeds = {"a": randn(3, 4), "b": randn(3, 4)}
    model = make_model(nodes, {k: (v.shape, np.float32) for k, v in feeds.items()},
                       ["y", "z", "w", "v"], initializers=inits)
    stats = check(model, feeds)
    assert_fired(stats, "exp_product", "sqrt_square", "pow_of_pow")
    assert stats["rewrites"]["pow_of_pow"] == 2


def test_unsound_cases_are_kept() -> None:
    """sqrt(x)^2 with x of unknown sign and (x^2)^0.5 stay: they differ for x < 0."""
    nodes = [node("Sqrt", ["a"], "s"), node("Mul", ["s", "s"], "y"),
             node("Pow", ["a", "two"], "p"), node("Pow", ["p", "half"], "z")]
    inits = {"half": f32(0.5), "two": f32(2.0)}
    model = make_model(nodes, {"a": ((6,), np.float32)}, ["y", "z"], initializers=inits)
    a = f32([4.0, 0.25, 9.0, 1.0, 2.0, 16.0])  # y is NaN for a < 0: keep the feed positive
    stats = check(model, {"a": a})
    assert "sqrt_square" not in stats["rewrites"]
    assert "pow_of_pow" not in stats["rewrites"]
    cm = dnnf.compile(model)
    _, z = cm.run({"a": -a})
    np.testing.assert_allclose(z, a, rtol=1e-5)  # (x^2)^0.5 = |x|, not x


def test_fast_math_off_keeps_reassociation() -> None:
    nodes = [node("Mul", ["x", "c1"], "a"), node("Mul", ["a", "c2"], "y")]
    model = make_model(nodes, {"x": ((4,), np.float32)}, ["y"],
                       initializers={"c1": f32(3.0), "c2": f32(7.0)})
    cm = dnnf.compile(model, fast_math=False)
    assert "reassociate_mul_constants" not in cm.stats["rewrites"]
    x = randn(4)
    np.testing.assert_allclose(cm.run({"x": x})[0], x * 3 * 7, rtol=1e-6)
