"""ONNX backend (`onnx.backend.base.Backend`) over `dnnfusion_mlir.compile`.

`DnnfBackend.prepare(model)` compiles the model for the host; `rep.run(inputs)` runs it.
We compile for static shapes, so inputs that decide shapes (a Reshape's target shape,
Slice bounds, Resize scales...) must be known at compile time: pass their values as
`prepare(model, constant_inputs={name: array})`; they become initializers, and `run` still
accepts them (in graph-input order, as ONNX's runner passes them) but checks they did not
change. A `CompileError` raised while compiling propagates out of `prepare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.base import Backend, BackendRep, Device, DeviceType

from dnnfusion_mlir.compiler import CompiledModel, compile


class DnnfBackendRep(BackendRep):
    """A compiled model, runnable with the graph inputs of the original model."""

    def __init__(self, compiled: CompiledModel, graph_inputs: Sequence[str],
                 constants: Mapping[str, np.ndarray]) -> None:
        self.compiled = compiled
        self._graph_inputs = list(graph_inputs)
        self._constants = dict(constants)

    def run(self, inputs: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        """Run on `inputs`: one array, a list in graph-input order, or a name -> array dict."""
        feeds = self._feeds(inputs)
        for name, value in self._constants.items():
            if name in feeds and not np.array_equal(np.asarray(feeds[name]), value):
                raise ValueError(f"input '{name}' was compiled in as a constant and may not "
                                 "change between runs")
        return tuple(self.compiled.run(feeds))

    def _feeds(self, inputs: Any) -> dict[str, np.ndarray]:
        if isinstance(inputs, Mapping):
            return dict(inputs)
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        arrays = list(inputs)
        # Runners pass either every graph input or only the ones left after baking constants.
        names = (self._graph_inputs if len(arrays) == len(self._graph_inputs)
                 else [n for n in self._graph_inputs if n not in self._constants])
        if len(arrays) != len(names):
            raise TypeError(f"expected {len(names)} inputs ({', '.join(names)}), "
                            f"got {len(arrays)}")
        return dict(zip(names, arrays, strict=True))


class DnnfBackend(Backend):
    """The dnnfusion-mlir host backend (CPU only)."""

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU",
                **kwargs: Any) -> DnnfBackendRep:
        """Compile `model`; kwargs: `constant_inputs` (see the module docstring), `fuse`."""
        if not cls.supports_device(device):
            raise ValueError(f"device '{device}' is not supported (only CPU)")
        constants = {k: np.asarray(v) for k, v in (kwargs.get("constant_inputs") or {}).items()}
        initialised = {t.name for t in model.graph.initializer}
        graph_inputs = [i.name for i in model.graph.input if i.name not in initialised]
        compiled = compile(bake_inputs(model, constants), fuse=bool(kwargs.get("fuse", True)))
        return DnnfBackendRep(compiled, graph_inputs, constants)

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU",
                  **kwargs: Any) -> tuple[np.ndarray, ...]:
        """Compile and run once."""
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        """Only the host CPU."""
        return Device(device).type == DeviceType.CPU


def bake_inputs(model: onnx.ModelProto, constants: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """A copy of `model` in which the graph inputs named in `constants` are initializers."""
    if not constants:
        return model
    names = {i.name for i in model.graph.input}
    unknown = sorted(set(constants) - names)
    if unknown:
        raise ValueError(f"constant_inputs names non-inputs: {', '.join(unknown)}")
    baked = onnx.ModelProto()
    baked.CopyFrom(model)
    kept = [i for i in baked.graph.input if i.name not in constants]
    del baked.graph.input[:]
    baked.graph.input.extend(kept)
    for name, value in constants.items():
        elem = next(i.type.tensor_type.elem_type for i in model.graph.input if i.name == name)
        array = np.asarray(value, dtype=onnx.helper.tensor_dtype_to_np_dtype(elem))
        baked.graph.initializer.append(numpy_helper.from_array(array, name))
    return baked


prepare = DnnfBackend.prepare
run_model = DnnfBackend.run_model
supports_device = DnnfBackend.supports_device
