"""A BERT-style encoder layer (batch 1, seq 16, hidden 64, 4 heads) against onnxruntime.

Exercises the shape family inside a real network (Reshape / Transpose into and out of heads)
together with MatMul, Softmax, LayerNormalization and an Erf-based GELU.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest
from onnx import helper

from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model

SEQ, HIDDEN, HEADS, FFN = 16, 64, 4, 256
HEAD = HIDDEN // HEADS


def _linear(name: str, x: str, n_in: int, n_out: int, rng: np.random.Generator,
            inits: dict[str, np.ndarray]) -> list[onnx.NodeProto]:
    """x @ W + b, output named `name`."""
    inits[f"{name}_w"] = (rng.standard_normal((n_in, n_out)) / math.sqrt(n_in)).astype(np.float32)
    inits[f"{name}_b"] = (0.1 * rng.standard_normal(n_out)).astype(np.float32)
    return [helper.make_node("MatMul", [x, f"{name}_w"], [f"{name}_mm"]),
            helper.make_node("Add", [f"{name}_mm", f"{name}_b"], [name])]


def _heads(name: str, perm: list[int]) -> list[onnx.NodeProto]:
    """[1, SEQ, HIDDEN] -> [1, SEQ, HEADS, HEAD] -> transposed by `perm`."""
    return [helper.make_node("Reshape", [name, "heads_shape"], [f"{name}_4d"]),
            helper.make_node("Transpose", [f"{name}_4d"], [f"{name}_h"], perm=perm)]


def _layer_norm(name: str, x: str, inits: dict[str, np.ndarray],
                rng: np.random.Generator) -> onnx.NodeProto:
    inits[f"{name}_g"] = (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)
    inits[f"{name}_b"] = (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)
    return helper.make_node("LayerNormalization", [x, f"{name}_g", f"{name}_b"], [name],
                            axis=-1, epsilon=1e-12)


def _attention(rng: np.random.Generator, inits: dict[str, np.ndarray]) -> list[onnx.NodeProto]:
    nodes = []
    for name in ("q", "k", "v"):
        nodes += _linear(name, "x", HIDDEN, HIDDEN, rng, inits)
    nodes += _heads("q", [0, 2, 1, 3]) + _heads("k", [0, 2, 3, 1]) + _heads("v", [0, 2, 1, 3])
    inits["heads_shape"] = np.array([1, SEQ, HEADS, HEAD], np.int64)
    inits["scale"] = np.array(math.sqrt(HEAD), np.float32)
    inits["ctx_shape"] = np.array([1, SEQ, HIDDEN], np.int64)
    nodes += [
        helper.make_node("MatMul", ["q_h", "k_h"], ["scores"]),
        helper.make_node("Div", ["scores", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "mask"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["probs"], axis=-1),
        helper.make_node("MatMul", ["probs", "v_h"], ["ctx_h"]),
        helper.make_node("Transpose", ["ctx_h"], ["ctx_t"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ctx_t", "ctx_shape"], ["ctx"]),
    ]
    nodes += _linear("attn_out", "ctx", HIDDEN, HIDDEN, rng, inits)
    nodes.append(helper.make_node("Add", ["attn_out", "x"], ["res1"]))
    nodes.append(_layer_norm("ln1", "res1", inits, rng))
    return nodes


def _feed_forward(rng: np.random.Generator, inits: dict[str, np.ndarray]) -> list[onnx.NodeProto]:
    nodes = _linear("ff1", "ln1", HIDDEN, FFN, rng, inits)
    inits["sqrt2"] = np.array(math.sqrt(2.0), np.float32)
    inits["half"] = np.array(0.5, np.float32)
    inits["one"] = np.array(1.0, np.float32)
    nodes += [  # GELU: x * 0.5 * (1 + erf(x / sqrt(2)))
        helper.make_node("Div", ["ff1", "sqrt2"], ["g_div"]),
        helper.make_node("Erf", ["g_div"], ["g_erf"]),
        helper.make_node("Add", ["g_erf", "one"], ["g_add"]),
        helper.make_node("Mul", ["ff1", "half"], ["g_half"]),
        helper.make_node("Mul", ["g_half", "g_add"], ["gelu"]),
    ]
    nodes += _linear("ff2", "gelu", FFN, HIDDEN, rng, inits)
    nodes.append(helper.make_node("Add", ["ff2", "ln1"], ["res2"]))
    nodes.append(_layer_norm("y", "res2", inits, rng))
    return nodes


def bert_layer(seed: int = 0) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """The model and a matching set of inputs (hidden states + additive attention mask)."""
    rng = np.random.default_rng(seed)
    inits: dict[str, np.ndarray] = {}
    nodes = _attention(rng, inits) + _feed_forward(rng, inits)
    x = rng.standard_normal((1, SEQ, HIDDEN)).astype(np.float32)
    mask = np.zeros((1, 1, 1, SEQ), np.float32)
    mask[..., SEQ - 3:] = -10000.0  # the last three tokens are padding
    feeds = {"x": x, "mask": mask}
    return make_model(nodes, feeds, ["y"], inits), feeds


@pytest.mark.slow
@pytest.mark.parametrize("fuse", [False, True])
def test_bert_encoder_layer(fuse: bool) -> None:
    model, feeds = bert_layer()
    (out,) = assert_matches_onnxruntime(model, feeds, rtol=1e-4, fuse=fuse)
    assert out.shape == (1, SEQ, HIDDEN)
    # Guards against a degenerate (all-zero) output matching a degenerate reference.
    assert float(np.abs(out).mean()) > 0.1
