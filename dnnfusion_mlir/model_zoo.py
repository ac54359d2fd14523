"""The model families of the DNNFusion evaluation, as small PyTorch modules exported to ONNX.

Each `Family` names a factory (in `_zoo_vision`, `_zoo_classic` or `_zoo_text`), the keyword
arguments of the CI-sized model and of the full-size one, and the example input. torch is
optional for the package: it is imported only when a model is built.

    module, args = build("resnet50")            # torch module + example inputs (seed 0)
    model = export("resnet50")                   # onnx.ModelProto, opset 17
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx

OPSET = 17
SEED = 0


@dataclass(frozen=True)
class Family:
    """One model family: where its factory lives, its sizes and its input."""

    name: str
    factory: str  # "module:function"
    input_shape: tuple[int, ...]
    small: dict[str, Any] = field(default_factory=dict)  # CI-sized factory arguments
    full: dict[str, Any] = field(default_factory=dict)  # full-size factory arguments
    tokens: bool = False  # input is int64 token ids rather than a float image
    full_shape: tuple[int, ...] | None = None  # input shape of the full-size model
    note: str = ""  # how the CI model differs from the published one


_V, _C, _T = "dnnfusion_mlir._zoo_vision", "dnnfusion_mlir._zoo_classic", "dnnfusion_mlir._zoo_text"
_SEQ = (1, 128)

FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("mobilenet_v2", f"{_V}:mobilenet_v2", (1, 3, 96, 96), note="width 0.5, 96x96"),
    Family("resnet50", f"{_V}:resnet50", (1, 3, 64, 64), {"width": 16},
           full_shape=(1, 3, 224, 224), note="width 16 (1/4), 64x64"),
    Family("efficientnet_b0", f"{_V}:efficientnet_b0", (1, 3, 96, 96),
           note="width 0.5, 3x3 kernels, 96x96"),
    Family("vgg16", f"{_V}:vgg16", (1, 3, 64, 64), note="width 1/4, 64x64"),
    Family("unet", f"{_V}:unet", (1, 3, 64, 64), note="3 levels, 16 channels"),
    Family("c3d", f"{_V}:c3d", (1, 3, 8, 32, 32), note="width 1/4, 8x32x32 clip"),
    Family("bert", f"{_T}:bert", _SEQ, {"layers": 2}, tokens=True,
           note="BERT-base width, 2 of 12 layers"),
    Family("distilbert", f"{_T}:distilbert", _SEQ, {"layers": 2}, tokens=True,
           note="2 of 6 layers"),
    Family("albert", f"{_T}:albert", _SEQ, {"layers": 4}, tokens=True,
           note="4 of 12 (shared) layers"),
    Family("mobilebert", f"{_T}:mobilebert", _SEQ, {"layers": 2}, tokens=True,
           note="2 of 24 layers"),
    Family("gpt2", f"{_T}:gpt2", _SEQ, {"layers": 2}, tokens=True,
           note="GPT-2 small width, 2 of 12 layers"),
    Family("alexnet", f"{_C}:alexnet", (1, 3, 127, 127), note="width 1/4, 127x127"),
    Family("inception", f"{_C}:inception", (1, 3, 64, 64), note="3 modules, 64x64"),
    Family("densenet", f"{_C}:densenet", (1, 3, 64, 64), note="growth 8, 3x3 layers"),
    Family("shufflenet", f"{_C}:shufflenet", (1, 3, 64, 64), note="8 units, 64x64"),
    Family("squeezenet", f"{_C}:squeezenet", (1, 3, 96, 96), note="SqueezeNet 1.1, 96x96"),
    Family("lrn", f"{_C}:lrn", (1, 16, 12, 12), note="one LocalResponseNorm"),
)}


def _factory(family: Family) -> Any:
    module, fn = family.factory.split(":")
    return getattr(importlib.import_module(module), fn)


def example_input(family: Family, full: bool = False) -> np.ndarray:
    """The family's example input (seeded): token ids or a float image."""
    shape = family.full_shape if full and family.full_shape else family.input_shape
    rng = np.random.default_rng(SEED)
    if family.tokens:
        return rng.integers(0, 1000, size=shape, dtype=np.int64)
    return rng.standard_normal(shape).astype(np.float32)


def build(name: str, full: bool = False) -> tuple[Any, tuple[Any, ...]]:
    """(torch module, example inputs) of family `name`; `full` builds the published size."""
    import torch

    family = FAMILIES[name]
    torch.manual_seed(SEED)
    module = _factory(family)(**(family.full if full else family.small))
    args = (torch.from_numpy(example_input(family, full)),)
    with torch.no_grad():
        module(*args)  # materialise lazy layers before export
    return module, args


def export(name: str, full: bool = False, path: str | None = None) -> onnx.ModelProto:
    """Family `name` exported with `torch.onnx.export` (TorchScript exporter, opset 17)."""
    import torch

    module, args = build(name, full)
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buffer,  # type: ignore[arg-type]
                          dynamo=False, opset_version=OPSET,
                          input_names=["input"], output_names=["output"])
    model = onnx.load_from_string(buffer.getvalue())
    if path is not None:
        onnx.save(model, path)
    return model


def op_histogram(model: onnx.ModelProto) -> dict[str, int]:
    """ONNX op type -> node count in `model`'s main graph."""
    counts: dict[str, int] = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))
