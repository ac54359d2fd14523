"""PyTorch -> `dnnf` dialect, through torch-mlir's FX importer.

`torch.export` traces the module; torch-mlir's `export_and_import(..., output_type="torch")`
turns the program into the torch dialect (`torch.aten.*` ops on static `!torch.vtensor`s),
keeping the high-level ops we convert whole (conv, linear, layer norm, softmax, attention)
out of its decompositions. This module then walks that function op by op into a fresh
`func.func @main` of `dnnf` ops, the same dialect the ONNX path produces.

Weights never go through text: a literal hook hands torch-mlir a `dense_resource` backed by
the parameter's own memory (`Tensor.numpy()` shares it) and records the array, which becomes
a `dnnf.constant` in the ConstantPool. Ops whose tensor operands are all constants are
evaluated at import time with torch itself (constant folding of masks, arange, weight
transposes). Each `dnnf` op is located at `aten.<op>@file:line`, so diagnostics name both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import func, ir, torch_fx, torch_fx_importer
from dnnfusion_mlir.importer import (  # noqa: F401  (registers the aten converters)
    torch_ops,
    torch_ops_extra,
    torch_ops_nn,
    torch_ops_shape,
)
from dnnfusion_mlir.importer.constants import ConstantPool, resource_name
from dnnfusion_mlir.importer.onnx_importer import ImportedModel, TensorSpec, new_context
from dnnfusion_mlir.importer.torch_node import ATEN_CONVERTERS, AtenContext, parse_vtensor
from dnnfusion_mlir.types import is_supported, tensor_type

_FRAME = re.compile(r'"([^"]+)":(\d+)')
_RESOURCE = re.compile(r"dense_resource<([^>]+)>")
# Ops that produce compile-time values rather than tensors.
_SCALAR_CONSTANTS = ("torch.constant.int", "torch.constant.float", "torch.constant.bool",
                     "torch.constant.str", "torch.constant.device", "torch.constant.number")


def _require_torch() -> Any:
    """The torch module, or a CompileError saying how to get it."""
    try:
        import torch
    except ImportError as exc:
        raise errors.CompileError("importing a torch.nn.Module needs PyTorch "
                                  "(pip install torch)") from exc
    return torch


def import_torch(module: Any, example_inputs: Sequence[Any] | None,
                 context: ir.Context | None = None) -> ImportedModel:
    """Import `module` traced on `example_inputs` into a new `dnnf` module.

    `onnx_nodes` of the result counts the aten ops of the torch-dialect function.
    """
    torch = _require_torch()
    if not isinstance(module, torch.nn.Module):
        raise errors.CompileError(f"expected an ONNX model or a torch.nn.Module, got "
                                  f"{type(module).__name__}")
    if example_inputs is None:
        raise errors.CompileError("compiling a torch.nn.Module needs example_inputs=(...)")
    inputs = tuple(example_inputs)
    torch_module, literals, names = _export(torch, module, inputs)
    ctx = context or new_context()
    with ctx, ir.Location.unknown():
        return _Converter(literals).run(torch_module, names)


def _decompositions(torch: Any) -> dict:
    """The one decomposition torch-mlir needs from us: inference batch norm, which it does
    not know, into `native_batch_norm` (which it does); everything else stays whole."""
    def batch_norm(x: Any, w: Any, b: Any, mean: Any, var: Any, momentum: float,
                   eps: float) -> Any:
        return torch.ops.aten.native_batch_norm.default(x, w, b, mean, var, False, momentum,
                                                        eps)
    return {torch.ops.aten._native_batch_norm_legit_no_training.default: batch_norm}


def _literal_hooks(torch: Any, literals: dict[str, np.ndarray], names: dict[int, str]) -> Any:
    """FxImporterHooks that back weight literals by the parameters' memory, recording them
    under their state-dict names (`names`: id(tensor) -> name)."""
    fxi = torch_fx_importer()

    class Hooks(fxi.FxImporterHooks):  # type: ignore[misc, name-defined]
        def resolve_literal(self, gni: Any, literal: Any, info: Any) -> Any:
            if not isinstance(literal, torch.Tensor) or literal.numel() <= 1:
                return None
            try:
                array = literal.detach().cpu().contiguous().numpy()
            except (RuntimeError, TypeError):
                return None  # fake or exotic tensors: torch-mlir's own path
            if not is_supported(array.dtype) and array.dtype != np.uint8:  # uint8: bool masks
                return None
            hint = names.get(id(literal)) or getattr(
                getattr(info, "input_spec", None), "target", None) or "literal"
            key = resource_name(str(hint), set(literals))
            literals[key] = array
            attr = ir.DenseResourceElementsAttr.get_from_buffer(
                memoryview(array), key, fxi.create_mlir_tensor_type(literal))  # type: ignore[arg-type]
            vtype = gni._cc.tensor_to_vtensor_type(literal)
            op = ir.Operation.create("torch.vtensor.literal", results=[vtype],
                                     attributes={"value": attr})
            return op.result

    return Hooks()


def _export(torch: Any, module: Any, inputs: tuple) -> tuple[ir.Module, dict, list[str]]:
    """(torch-dialect module, literal arrays by resource key, user input names)."""
    fx = torch_fx()
    module.eval()
    try:
        with torch.no_grad():
            prog = torch.export.export(module, inputs, strict=False)
        prog = prog.run_decompositions(_decompositions(torch))
    except Exception as exc:  # torch.export raises many types; report them as one
        raise errors.CompileError(f"torch.export failed: {type(exc).__name__}: "
                                  f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
    literals: dict[str, np.ndarray] = {}
    mlir_ctx = ir.Context()
    fx.torch_d.register_dialect(mlir_ctx)
    tensors = {**prog.state_dict, **getattr(prog, "constants", {})}
    names = {id(t): name for name, t in tensors.items()}
    importer = fx.FxImporter(context=mlir_ctx, hooks=_literal_hooks(torch, literals, names))
    legal = sorted(n for n in ATEN_CONVERTERS if n.startswith("aten."))
    diagnostics: list[str] = []  # torch-mlir reports the op it rejects as a diagnostic

    def collect(diagnostic: Any) -> bool:
        diagnostics.append(str(diagnostic))
        return True  # handled: shown in the error, not printed

    handler = mlir_ctx.attach_diagnostic_handler(collect)
    try:
        torch_module = fx.export_and_import(prog, output_type="torch", fx_importer=importer,
                                            decomposition_table={}, backend_legal_ops=legal)
    except Exception as exc:  # TorchMlirCompilerError: name the op it could not legalise
        raise _rejected_op(exc, diagnostics) from exc
    finally:
        handler.detach()
    return torch_module, literals, [str(n) for n in prog.graph_signature.user_inputs]


def _rejected_op(exc: Exception, diagnostics: list[str]) -> errors.CompileError:
    """An UnsupportedOpError naming the op torch-mlir failed on (from its diagnostics)."""
    text = "\n".join([str(exc), *diagnostics])
    match = (re.search(r"name = \"torch\.([\w.]+)\"", text)
             or re.search(r"operation 'torch\.([\w.]+)'", text))
    detail = next((d.splitlines()[0] for d in diagnostics if d.strip()), "")
    return errors.UnsupportedOpError(
        "torch-mlir could not convert this op to the torch dialect"
        + (f" ({detail[:200]})" if detail else ""), op_type=match.group(1) if match else "?")


def describe_location(loc: ir.Location) -> str:
    """`file:line` of the innermost frame outside torch itself (or of the first frame)."""
    frames = _FRAME.findall(str(loc))
    if not frames:
        return "unknown"
    user = [f for f in frames if f"{os.sep}torch{os.sep}" not in f[0]]
    path, line = (user or frames)[0]
    return f"{os.path.basename(path)}:{line}"


class _Converter:
    """Walks one torch-dialect `func.func` and emits the equivalent `dnnf` function."""

    def __init__(self, literals: dict[str, np.ndarray]) -> None:
        self._literals = literals
        self._env: dict[Any, Any] = {}
        self._names: dict[int, tuple[str, np.ndarray]] = {}
        self._pool: ConstantPool | None = None
        self.aten_ops = 0

    def run(self, torch_module: ir.Module, input_names: Sequence[str]) -> ImportedModel:
        """Convert `torch_module`'s main function into an ImportedModel."""
        body = next(op for op in torch_module.body.operations
                    if op.operation.name == "func.func")
        block = body.regions[0].blocks[0]
        inputs = [self._spec(str(a.type), input_names[i] if i < len(input_names) else f"in{i}")
                  for i, a in enumerate(block.arguments)]
        ret = next(op.operation for op in block.operations
                   if op.operation.name == "func.return")
        outputs = [self._spec(str(v.type), f"output_{i}") for i, v in enumerate(ret.operands)]
        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get(
                [tensor_type(s.shape, s.dtype) for s in inputs],
                [tensor_type(s.shape, s.dtype) for s in outputs]))
        entry = main.add_entry_block()
        self._pool = ConstantPool(entry)
        self._env = {arg: entry.arguments[i] for i, arg in enumerate(block.arguments)}
        with ir.InsertionPoint(entry):
            for view in block.operations:
                op = view.operation
                if op.name == "func.return":
                    func.ReturnOp([self._result(v, s) for v, s in zip(
                        op.operands, outputs, strict=True)])
                else:
                    self._convert(op)
        return ImportedModel(module, inputs, outputs, self._pool.weights, self.aten_ops)

    @staticmethod
    def _spec(type_text: str, name: str) -> TensorSpec:
        parsed = parse_vtensor(type_text)
        if parsed is None or not is_supported(parsed[1]):
            raise errors.DTypeError(f"model input/output '{name}' has type {type_text} "
                                    "(supported: float32, int64, int32, bool tensors)",
                                    node=name)
        return TensorSpec(name, parsed[0], parsed[1])

    def _result(self, value: Any, spec: TensorSpec) -> ir.Value:
        out = self._env[value]
        if isinstance(out, ir.Value):
            return out
        array = np.asarray(out, dtype=spec.dtype).reshape(spec.shape)
        assert self._pool is not None
        return self._pool.get(f"{spec.name}_const", array)

    def _convert(self, op: Any) -> None:
        name = op.name
        if name in _SCALAR_CONSTANTS:
            self._env[op.result] = _attr_value(op.attributes["value"].maybe_downcast())
        elif name == "torch.constant.none":
            self._env[op.result] = None
        elif name == "torch.prim.ListConstruct":
            self._env[op.result] = [self._env[v] for v in op.operands]
        elif name == "torch.prim.ListUnpack":
            for result, item in zip(op.results, self._env[op.operands[0]], strict=False):
                self._env[result] = item
        elif name == "torch.vtensor.literal":
            self._env[op.result] = self._literal(op)
        else:
            self._convert_aten(op)

    def _literal(self, op: Any) -> np.ndarray:
        attr = op.attributes["value"]
        match = _RESOURCE.match(str(attr))
        if match:
            if match.group(1) not in self._literals:
                raise errors.DTypeError(f"weight literal {match.group(1)} has an unsupported "
                                        "element type", op_type="torch.vtensor.literal")
            array = self._literals[match.group(1)]
            self._names.setdefault(id(array), (match.group(1), array))
            return array
        parsed = parse_vtensor(str(op.result.type))
        elements = ir.DenseElementsAttr(attr)
        if elements.is_splat:
            value = _attr_value(elements.get_splat_value())
            return np.full(parsed[0] if parsed else (), value,
                           dtype=parsed[1] if parsed else None)
        return np.array(elements).reshape(parsed[0] if parsed else -1)

    def _convert_aten(self, op: Any) -> None:
        name = op.name.removeprefix("torch.")
        if op.name == "torch.operator":
            name = ir.StringAttr(op.attributes["name"]).value.removeprefix("torch.")
        where = describe_location(op.location)
        self.aten_ops += name.startswith("aten.")
        args = [self._env[v] for v in op.operands]
        folded = _fold(name, args)
        if folded is not None:
            self._env[op.results[0]] = folded
            return
        fn = ATEN_CONVERTERS.get(name)
        if fn is None:
            raise errors.UnsupportedOpError(f"no converter for torch op '{name}'",
                                            node=where, op_type=name)
        assert self._pool is not None
        results = [parse_vtensor(str(r.type)) for r in op.results]
        produced = fn(AtenContext(name, where, args, results, self._pool, self._names))
        for result, value in zip(op.results, produced, strict=False):
            self._env[result] = value


def _attr_value(attr: ir.Attribute) -> Any:
    """Python value of a scalar attribute (int, float, bool or string)."""
    for cls in (ir.BoolAttr, ir.IntegerAttr, ir.FloatAttr, ir.StringAttr):
        if isinstance(attr, cls):
            return attr.value
    raise errors.CompileError(f"unexpected constant attribute {attr}")


# Creation ops take dtype codes and devices; they are converted, not folded by torch.
_NO_FOLD = ("aten.to.", "aten._to_copy", "aten.arange", "aten.full", "aten.zeros",
            "aten.ones", "aten.empty", "aten.scalar_tensor", "aten.dropout")


def _fold(name: str, args: list[Any]) -> np.ndarray | None:
    """Evaluate `name` with torch when every tensor operand is a constant, else None."""
    flat = [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]
    if any(isinstance(a, ir.Value) for a in flat) or not any(
            isinstance(a, np.ndarray) for a in flat) or name.startswith(_NO_FOLD):
        return None
    import torch

    def to_torch(a: Any) -> Any:
        if isinstance(a, list):
            return [to_torch(x) for x in a]
        return torch.from_numpy(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a

    parts = name.split(".")
    try:
        packet = getattr(torch.ops.aten, parts[1])
        fn = getattr(packet, parts[2] if len(parts) > 2 else "default")
        result = fn(*[to_torch(a) for a in args])
    except Exception:  # not foldable this way: the converter handles it
        return None
    if isinstance(result, tuple | list):
        return None
    return result.numpy() if isinstance(result, torch.Tensor) else None


def import_torch_factory(spec: str, context: ir.Context | None = None) -> ImportedModel:
    """Import the model made by `file.py:factory`, a function returning
    (torch.nn.Module, example_inputs) -- the `dnnf-import --torch` entry point."""
    import importlib.util

    path, _, factory = spec.rpartition(":")
    if not path or not factory:
        raise errors.CompileError(f"bad torch model '{spec}': expected file.py:factory")
    if not os.path.isfile(path):
        raise errors.CompileError(f"no such file: {path}")
    loader = importlib.util.spec_from_file_location(f"_dnnf_torch_{factory}", path)
    if loader is None or loader.loader is None:
        raise errors.CompileError(f"cannot load {path} as a Python module")
    _require_torch()
    pymod = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(pymod)
    fn = getattr(pymod, factory, None)
    if not callable(fn):
        raise errors.CompileError(f"{path} has no function '{factory}'")
    made = fn()
    if not isinstance(made, tuple) or len(made) != 2:
        raise errors.CompileError(f"{factory}() must return (module, example_inputs)")
    return import_torch(made[0], made[1], context)
