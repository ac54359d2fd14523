"""Numerics of the ops added for the model families (ops_extra / kernels_extra*) vs onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model, max_rel_error

RNG = np.random.default_rng(0)


def _f32(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _check(op: str, inputs: dict[str, np.ndarray], inits: dict | None = None,
           opset: int = 17, **attrs: object) -> None:
    names = list(inputs) + list(inits or {})
    node = helper.make_node(op, names, ["y"], **attrs)
    model = make_model([node], inputs, ["y"], inits, opset=opset)
    assert_matches_onnxruntime(model, inputs)


@pytest.mark.parametrize(("x", "w", "attrs"), [
    ((1, 4, 5, 5), (4, 3, 2, 2), {"strides": [2, 2]}),
    ((1, 4, 5, 6), (4, 3, 3, 3), {"strides": [2, 1], "pads": [1, 0, 1, 1]}),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"strides": [2, 2], "group": 2, "output_padding": [1, 1]}),
    ((1, 2, 6, 6), (2, 3, 3, 3), {"dilations": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 3, 7), (3, 2, 4), {"strides": [3]}),
    ((1, 2, 3, 4, 4), (2, 2, 2, 2, 2), {"strides": [2, 2, 2]}),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_transpose(x: tuple, w: tuple, attrs: dict, bias: bool) -> None:
    inits = {"w": _f32(*w)}
    if bias:
        inits["b"] = _f32(w[1] * attrs.get("group", 1))
    _check("ConvTranspose", {"x": _f32(*x)}, inits, **attrs)


@pytest.mark.parametrize(("shape", "size", "attrs"), [
    ((1, 8, 5, 5), 5, {"alpha": 1e-4, "beta": 0.75, "bias": 2.0}),
    ((2, 6, 4, 3), 3, {}),
    ((1, 7, 4, 2), 7, {"alpha": 0.5, "beta": 0.5, "bias": 1.5}),
])
def test_lrn(shape: tuple, size: int, attrs: dict) -> None:
    _check("LRN", {"x": _f32(*shape)}, size=size, **attrs)


def _lrn_reference(x: np.ndarray, size: int, alpha: float, beta: float,
                   bias: float) -> np.ndarray:
    """ONNX LRN: channels c - (size - 1) // 2 .. c + size // 2, clipped to the tensor."""
    lo = (size - 1) // 2
    sq = np.pad(x.astype(np.float64) ** 2, [(0, 0), (lo, size - 1 - lo)] + [(0, 0)] * (x.ndim - 2))
    total = sum(sq[:, j:j + x.shape[1]] for j in range(size))
    return x / (bias + alpha / size * total) ** beta


# onnxruntime's LRN takes only 4-D inputs and odd sizes: these compare with the ONNX formula.
@pytest.mark.parametrize(("shape", "size"), [
    ((2, 6, 4, 3), 4),  # even size: one more channel above than below
    ((1, 3, 5, 7), 5),  # window wider than the channels
    ((2, 5, 9), 3),  # rank 3
    ((1, 4, 3, 130), 4),  # innermost loop longer than one vector tile
    ((1, 4, 2, 3, 5), 5),  # rank 5
    ((1, 4, 3, 3, 4), 2),  # rank 5, even size
])
@pytest.mark.parametrize("fuse", [True, False])
def test_lrn_formula(shape: tuple, size: int, fuse: bool) -> None:
    import dnnfusion_mlir as dnnf

    x = _f32(*shape) * 3
    model = make_model([helper.make_node("LRN", ["x"], ["y"], size=size, alpha=0.3, beta=0.75,
                                         bias=1.5)], {"x": x}, ["y"])
    compiled = dnnf.compile(model, fuse=fuse)
    # Unfused: the channel pad, the window sum and the scale; fused: one loop nest.
    assert compiled.stats["kernels"] == (1 if fuse else 3)
    expected = _lrn_reference(x, size, 0.3, 0.75, 1.5)
    assert max_rel_error(compiled.run({"x": x})[0], expected) <= 1e-5


@pytest.mark.parametrize(("shape", "size"), [((1, 8, 6, 20), 5), ((1, 6, 4, 3, 10), 4)])
def test_fused_lrn_sums_its_window_in_the_scale_tile(shape: tuple, size: int) -> None:
    """In a fusion block the window sum is fused into the scale's vector tile: the loop
    over the window (size trips) sits in the same tile loop as the division, so one vector
    of sums goes from the window to the scale in registers, never through memory."""
    import dnnfusion_mlir as dnnf
    from dnnfusion_mlir._mlir import ir
    from dnnfusion_mlir.codegen.schedule import apply_schedule

    x = _f32(*shape) * 3
    model = make_model([helper.make_node("LRN", ["x"], ["y"], size=size, alpha=0.3, beta=0.75,
                                         bias=1.5)], {"x": x}, ["y"])
    compiled = dnnf.compile(model)
    assert max_rel_error(compiled.run({"x": x})[0],
                         _lrn_reference(x, size, 0.3, 0.75, 1.5)) <= 1e-5
    with ir.Context():
        module = ir.Module.parse(compiled.mlir("linalg"))
        apply_schedule(module)
        divisions: list[ir.Operation] = []

        def visit(op: ir.Operation) -> ir.WalkResult:
            if op.name == "arith.divf":
                divisions.append(op)
            return ir.WalkResult.ADVANCE

        module.operation.walk(visit)
        assert divisions
        for div in divisions:
            tile = div.parent
            assert tile.name in ("scf.for", "scf.forall")
            siblings = [o.operation.name for o in tile.regions[0].blocks[0].operations]
            assert "scf.for" in siblings, siblings


@pytest.mark.parametrize("shape", [(1, 130, 1, 1), (1, 200, 1)])
def test_lrn_after_relu_on_a_one_row_map(shape: tuple) -> None:
    """A one-row map is tiled by channels (column tiles), not rows: the ReLU under the LRN's
    channel pad must then not be fused through it (that crashed the transform
    interpreter); the block keeps the pad as a loop nest of its own."""
    import dnnfusion_mlir as dnnf

    x = _f32(*shape) * 3
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("LRN", ["r"], ["y"], size=5, alpha=0.3, beta=0.75, bias=1.5)]
    compiled = dnnf.compile(make_model(nodes, {"x": x}, ["y"]))
    expected = _lrn_reference(np.maximum(x, 0), 5, 0.3, 0.75, 1.5)
    assert max_rel_error(compiled.run({"x": x})[0], expected) <= 1e-5


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4)])
def test_gelu(approximate: str, shape: tuple) -> None:
    _check("Gelu", {"x": _f32(*shape) * 3}, opset=20, approximate=approximate)


@pytest.mark.parametrize("op", ["Softplus", "Sin", "Cos"])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_unary(op: str, scale: float) -> None:
    _check(op, {"x": _f32(4, 6) * scale})


@pytest.mark.parametrize("op", ["Max", "Min", "Sum", "Mean"])
@pytest.mark.parametrize("shapes", [[(3, 4)], [(3, 4), (3, 4)], [(2, 3, 4), (4,), (3, 1)]])
def test_variadic(op: str, shapes: list[tuple]) -> None:
    _check(op, {f"x{i}": _f32(*s) for i, s in enumerate(shapes)})


@pytest.mark.parametrize("op", ["Max", "Min"])
def test_variadic_int(op: str) -> None:
    _check(op, {"a": RNG.integers(-9, 9, (3, 4)), "b": RNG.integers(-9, 9, (4,))})


@pytest.mark.parametrize("op", ["Less", "LessOrEqual", "Greater", "GreaterOrEqual"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_compare(op: str, dtype: type) -> None:
    a = RNG.integers(-3, 3, (3, 4)).astype(dtype)
    b = RNG.integers(-3, 3, (4,)).astype(dtype)
    _check(op, {"a": a, "b": b})


@pytest.mark.parametrize("op", ["And", "Or", "Xor"])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (3, 1))])
def test_logic(op: str, shapes: tuple) -> None:
    _check(op, {"a": RNG.random(shapes[0]) < 0.5, "b": RNG.random(shapes[1]) < 0.5})


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_not(shape: tuple) -> None:
    _check("Not", {"a": RNG.random(shape) < 0.5})


@pytest.mark.parametrize(("shape", "repeats", "dtype"), [
    ((3,), [4], np.float32), ((2, 3), [2, 3], np.float32), ((2, 1, 3), [1, 4, 2], np.int64),
])
def test_tile(shape: tuple, repeats: list, dtype: type) -> None:
    x = (RNG.standard_normal(shape) * 5).astype(dtype)
    _check("Tile", {"x": x}, {"r": np.array(repeats, np.int64)})


@pytest.mark.parametrize(("value", "shape"), [
    (np.array([1.5], np.float32), [3, 4]), (np.array([7], np.int64), [2, 2, 3]), (None, [5]),
])
def test_constant_of_shape_feeds_add(value: np.ndarray | None, shape: list) -> None:
    """ConstantOfShape (kept as a runtime fill: the loader folds only small ones) + Add."""
    kwargs = {"value": numpy_helper.from_array(value)} if value is not None else {}
    dtype = value.dtype if value is not None else np.float32
    x = (RNG.standard_normal(shape) * 3).astype(dtype)
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["c"], **kwargs),
             helper.make_node("Add", ["x", "c"], ["y"])]
    model = make_model(nodes, {"x": x}, ["y"], {"s": np.array(shape, np.int64)})
    assert_matches_onnxruntime(model, {"x": x})
