"""A small ResNet-style CNN, built with onnx.helper from a fixed seed, against onnxruntime.

stem: Conv 7x7/2 (pad 3) + BatchNorm + Relu, MaxPool 3x3/2; two basic residual blocks
(identity skip, then a strided block with a 1x1 projection skip); GlobalAveragePool, Flatten,
Gemm to 10 classes, Softmax. Input 1x3x64x64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model


class _Builder:
    """Collects nodes and initializers of the network under construction."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, np.ndarray] = {}
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}{self._count}"

    def conv_bn(self, x: str, c_in: int, c_out: int, k: int, stride: int, relu: bool) -> str:
        """Conv (He-initialised, no bias) + inference BatchNorm (+ Relu)."""
        w = self._name("w")
        fan_in = c_in * k * k
        self.inits[w] = (self.rng.standard_normal((c_out, c_in, k, k)) *
                         np.sqrt(2.0 / fan_in)).astype(np.float32)
        conv = self._name("conv")
        self.nodes.append(helper.make_node("Conv", [x, w], [conv], name=conv, strides=[stride] * 2,
                                           pads=[k // 2] * 4, kernel_shape=[k, k]))
        params = []
        for part, lo, hi in (("scale", 0.5, 1.5), ("bias", -0.2, 0.2), ("mean", -0.2, 0.2),
                             ("var", 0.5, 1.5)):
            name = self._name(part)
            self.inits[name] = self.rng.uniform(lo, hi, c_out).astype(np.float32)
            params.append(name)
        bn = self._name("bn")
        self.nodes.append(helper.make_node("BatchNormalization", [conv, *params], [bn], name=bn))
        return self.relu(bn) if relu else bn

    def relu(self, x: str) -> str:
        out = self._name("relu")
        self.nodes.append(helper.make_node("Relu", [x], [out], name=out))
        return out

    def basic_block(self, x: str, c_in: int, c_out: int, stride: int) -> str:
        """conv-bn-relu-conv-bn, plus identity or 1x1-projection skip, Add, Relu."""
        h = self.conv_bn(x, c_in, c_out, 3, stride, relu=True)
        h = self.conv_bn(h, c_out, c_out, 3, 1, relu=False)
        skip = x if stride == 1 and c_in == c_out else self.conv_bn(x, c_in, c_out, 1, stride,
                                                                    relu=False)
        add = self._name("add")
        self.nodes.append(helper.make_node("Add", [h, skip], [add], name=add))
        return self.relu(add)

    def add(self, op: str, inputs: list[str], **attributes: Any) -> str:
        out = self._name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out


def resnet_model(seed: int = 0, classes: int = 10) -> tuple[onnx.ModelProto, np.ndarray]:
    """The network and an input for it (both from `seed`)."""
    b = _Builder(seed)
    h = b.conv_bn("x", 3, 16, 7, 2, relu=True)
    h = b.add("MaxPool", [h], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    h = b.basic_block(h, 16, 16, 1)
    h = b.basic_block(h, 16, 32, 2)
    h = b.add("GlobalAveragePool", [h])
    h = b.add("Flatten", [h], axis=1)
    b.inits["fc_w"] = (b.rng.standard_normal((classes, 32)) * 0.3).astype(np.float32)
    b.inits["fc_b"] = b.rng.uniform(-0.1, 0.1, classes).astype(np.float32)
    logits = b.add("Gemm", [h, "fc_w", "fc_b"], transB=1)
    probs = b.add("Softmax", [logits], axis=-1)
    x = b.rng.standard_normal((1, 3, 64, 64)).astype(np.float32)
    # Logits are an output too: softmax alone would hide small errors in peaked classes.
    return make_model(b.nodes, {"x": x}, [logits, probs], b.inits), x


@pytest.mark.parametrize("fuse", [False, True])
def test_resnet_matches_onnxruntime(fuse: bool) -> None:
    model, x = resnet_model()
    logits, probs = assert_matches_onnxruntime(model, {"x": x}, rtol=1e-4, fuse=fuse)
    assert logits.shape == probs.shape == (1, 10)
    assert abs(float(probs.sum()) - 1.0) < 1e-5


def test_resnet_lowers_to_named_ops() -> None:
    model, _ = resnet_model()
    linalg = dnnf.compile(model).mlir("linalg")
    assert linalg.count("linalg.conv_2d_nchw_fchw") == 6
    assert "linalg.pooling_nchw_max" in linalg
    assert "linalg.matmul" in linalg


def test_resnet_fuses_conv_epilogues_into_one_kernel_each() -> None:
    """Every conv block (conv + BN folded + residual add + relu) is one loop nest."""
    model, x = resnet_model()
    cm = dnnf.compile(model)
    unfused = dnnf.compile(model, fuse=False)
    conv_blocks = [b for b in cm.stats["blocks"] if b["ops"][0]["op"] == "dnnf.conv"]
    assert len(conv_blocks) >= 5
    assert all(b["kernels"] == 1 for b in conv_blocks), conv_blocks
    assert cm.stats["kernels"] < unfused.stats["kernels"]
    for a, b in zip(cm(x), unfused(x), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
