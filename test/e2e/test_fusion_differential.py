"""Differential test of fusion: hypothesis-generated ONNX graphs (convs with epilogues and
residuals, pooling, softmax, layer norm, matmul, reshapes/transposes, reductions, element-wise
chains, sibling convs/matmuls on one input, intermediates that are also graph outputs) compiled with fuse=True and fuse=False
agree with each other and with onnxruntime, and fusion never adds kernels."""

from __future__ import annotations

import numpy as np
import onnx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rewrite_differential import _BUILDERS, _Graph

from dnnfusion_mlir import compile as dnnf_compile
from dnnfusion_mlir.testing import make_model, max_rel_error, run_onnxruntime

RTOL = 1e-3


def _conv(g: _Graph, data: st.DataObject) -> None:
    if len(g.shape) != 4:
        return _BUILDERS["unary"](g, data)
    n, c, h, w = g.shape
    k = data.draw(st.sampled_from([1, 3]))
    stride = data.draw(st.sampled_from([1, 2])) if min(h, w) >= 2 else 1
    cout = data.draw(st.integers(1, 6))
    group = c if data.draw(st.booleans()) and cout == c else 1
    weight = g.const([cout, c // group, k, k], 0.2, 1.0)
    inputs = [g.current, weight] + ([g.const([cout])] if data.draw(st.booleans()) else [])
    pad = k // 2
    out = [n, cout, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1]
    g.add("Conv", inputs, out, kernel_shape=[k, k], pads=[pad] * 4, strides=[stride] * 2,
          group=group)
    if data.draw(st.booleans()):
        g.add(data.draw(st.sampled_from(["Relu", "Sigmoid"])), [g.current], out)
    return None


def _pool(g: _Graph, data: st.DataObject) -> None:
    if len(g.shape) != 4 or min(g.shape[2:]) < 2:
        return _BUILDERS["reduce"](g, data)
    op = data.draw(st.sampled_from(["MaxPool", "AveragePool", "GlobalAveragePool"]))
    n, c, h, w = g.shape
    if op == "GlobalAveragePool":
        g.add(op, [g.current], [n, c, 1, 1])
    else:
        g.add(op, [g.current], [n, c, h // 2, w // 2], kernel_shape=[2, 2], strides=[2, 2])
    return None


def _siblings(g: _Graph, data: st.DataObject) -> None:
    """Two or three convs (4-D) or matmuls with constant weights reading the current value
    (horizontal fusion merges them), each with an optional activation or bias, joined by a
    Concat on the channel / last axis."""
    x, shape = g.current, list(g.shape)
    image = len(shape) == 4
    k = data.draw(st.sampled_from([1, 3])) if image else 0
    axis = 1 if image else len(shape) - 1
    parts = []
    for _ in range(data.draw(st.integers(2, 3))):
        n = data.draw(st.integers(1, 4))
        out = [*shape[:axis], n, *shape[axis + 1:]]
        if image:
            bias = [g.const([n])] if data.draw(st.booleans()) else []
            g.add("Conv", [x, g.const([n, shape[1], k, k], 0.2, 1.0), *bias], out,
                  kernel_shape=[k, k], pads=[k // 2] * 4)
        else:
            g.add("MatMul", [x, g.const([shape[-1], n], 0.2, 1.0)], out)
            if data.draw(st.booleans()):
                g.add("Add", [g.current, g.const([n])], out)
        act = data.draw(st.sampled_from(["", "Relu", "Sigmoid"]))
        if act:
            g.add(act, [g.current], out)
        parts.append((g.current, n))
    total = [*shape[:axis], sum(n for _, n in parts), *shape[axis + 1:]]
    g.add("Concat", [name for name, _ in parts], total, axis=axis)


def _softmax(g: _Graph, data: st.DataObject) -> None:
    g.add("Softmax", [g.current], g.shape, axis=-1)


def _layer_norm(g: _Graph, data: st.DataObject) -> None:
    d = g.shape[-1]
    scale, bias = g.const([d]), g.const([d])
    g.add("LayerNormalization", [g.current, scale, bias], g.shape, axis=-1, epsilon=1e-5)


_STEPS = {
    "conv": _conv, "pool": _pool, "softmax": _softmax, "layer_norm": _layer_norm,
    "siblings": _siblings,
    **{k: _BUILDERS[k] for k in ("unary", "binary_const", "transpose", "reshape_regroup",
                                  "reduce", "matmul", "combine", "distribute")},
}


def _build(data: st.DataObject, first: tuple[str, ...] = ()
           ) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    image = data.draw(st.booleans(), label="image")
    shape = ([1, data.draw(st.integers(1, 4)), data.draw(st.integers(2, 6)),
              data.draw(st.integers(2, 6))] if image else
             data.draw(st.lists(st.integers(1, 5), min_size=2, max_size=3), label="shape"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    g = _Graph(rng, list(shape))
    steps = data.draw(st.lists(st.sampled_from(sorted(_STEPS)), min_size=2, max_size=8),
                      label="steps")
    for step in [*first, *steps]:
        _STEPS[step](g, data)
    outputs = [g.current]
    extra = [n for n, _ in g.pool[:-1]]
    if extra and data.draw(st.booleans(), label="second output"):
        outputs.append(data.draw(st.sampled_from(extra)))  # an intermediate read twice
    feeds = {"x": rng.standard_normal(shape).astype(np.float32)}
    return make_model(g.nodes, feeds, outputs, g.inits), feeds


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_fused_unfused_and_onnxruntime_agree(data: st.DataObject) -> None:
    _check(*_build(data))


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_sibling_merging_agrees(data: st.DataObject) -> None:
    """Graphs that start with sibling convs/matmuls (merged by dnnf-fuse-siblings)."""
    _check(*_build(data, first=("siblings",)))


def _check(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> None:
    expected = run_onnxruntime(model, feeds)
    fused = dnnf_compile(model, fuse=True)
    unfused = dnnf_compile(model, fuse=False)
    assert fused.stats["kernels"] <= unfused.stats["kernels"]
    for got_f, got_u, want in zip(fused.run(feeds), unfused.run(feeds), expected, strict=True):
        assert got_f.shape == got_u.shape == want.shape
        assert max_rel_error(got_u, want) <= RTOL
        assert max_rel_error(got_f, want) <= RTOL
        assert max_rel_error(got_f, got_u) <= RTOL
