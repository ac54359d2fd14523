"""Build the bundled example: a small ResNet-style CNN (random weights, fixed seed).

    python examples/make_tiny_resnet.py examples/tiny_resnet.onnx

Stem conv 7x7/2 + BN + ReLU, max-pool 3x3/2, two basic residual blocks (the second with a
strided 1x1 projection), global average pool, flatten, Gemm to 10 classes, softmax.
"""

from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

RNG = np.random.default_rng(0)


class Builder:
    """Collects nodes and initializers with generated names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def weight(self, *shape: int, scale: float = 0.1) -> str:
        self.count += 1
        name = f"w{self.count}"
        data = (RNG.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(data, name))
        return name

    def node(self, op: str, inputs: list[str], **attrs: object) -> str:
        self.count += 1
        out = f"{op.lower()}{self.count}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv_bn(self, x: str, cin: int, cout: int, k: int, stride: int, relu: bool) -> str:
        w = self.weight(cout, cin, k, k, scale=(2.0 / (cin * k * k)) ** 0.5)
        y = self.node("Conv", [x, w], kernel_shape=[k, k], strides=[stride, stride],
                      pads=[k // 2] * 4)
        gamma = self.weight(cout, scale=0.1)
        bn_inputs = [y, gamma, self.weight(cout), self.weight(cout), self.weight(cout)]
        self.inits[-4] = numpy_helper.from_array(
            (1.0 + numpy_helper.to_array(self.inits[-4])).astype(np.float32), gamma)
        self.inits[-1] = numpy_helper.from_array(
            np.abs(numpy_helper.to_array(self.inits[-1])) + 1.0, bn_inputs[-1])
        y = self.node("BatchNormalization", bn_inputs, epsilon=1e-5)
        return self.node("Relu", [y]) if relu else y

    def block(self, x: str, cin: int, cout: int, stride: int) -> str:
        y = self.conv_bn(x, cin, cout, 3, stride, relu=True)
        y = self.conv_bn(y, cout, cout, 3, 1, relu=False)
        skip = x if (cin == cout and stride == 1) else self.conv_bn(x, cin, cout, 1, stride, False)
        return self.node("Relu", [self.node("Add", [y, skip])])


def build(image: int = 64) -> onnx.ModelProto:
    """The example model for a 1x3ximagexnimage input."""
    b = Builder()
    x = b.conv_bn("input", 3, 16, 7, 2, relu=True)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    x = b.block(x, 16, 16, 1)
    x = b.block(x, 16, 32, 2)
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    x = b.node("Gemm", [x, b.weight(10, 32), b.weight(10)], transB=1)
    b.nodes.append(helper.make_node("Softmax", [x], ["probs"], name="softmax", axis=1))
    graph = helper.make_graph(
        b.nodes, "tiny_resnet",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 3, image, image])],
        [helper.make_tensor_value_info("probs", onnx.TensorProto.FLOAT, [1, 10])], b.inits)
    model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1] if len(sys.argv) > 1 else "examples/tiny_resnet.onnx")
