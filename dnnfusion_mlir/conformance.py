"""ONNX node conformance cases against our backend: selection, running, classification.

Shared by `test/e2e/test_onnx_conformance.py` and `tools/conformance_report.py`. The cases
come from `onnx.backend.test.case.node.collect_testcases`, generated in memory. A case is
*selected* when every op type of its model is one we convert (or fold away) and every graph
input/output has an element type we compile (float32; int64/int32/bool where the op needs
them). Cases of supported op types with other element types are listed as skipped, with
the type as the reason. Each case is attributed to one ONNX op type: the op it tests, so an
`*_expanded` case (the op's function body) counts for that op, not for the ops it expands to.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx.backend.test.case.test_case import TestCase

from dnnfusion_mlir.backend import DnnfBackend
from dnnfusion_mlir.errors import CompileError
from dnnfusion_mlir.importer.registry import supported_op_types

DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-7
"""ONNX's own runner defaults, used where a case does not set its tolerances."""

SUPPORTED_ELEM_TYPES = frozenset({onnx.TensorProto.FLOAT, onnx.TensorProto.INT64,
                                  onnx.TensorProto.INT32, onnx.TensorProto.BOOL})

_REDUCE_OPS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
               "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare")
PARAMETER_INPUTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Expand": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3),
    "Resize": (1, 2, 3), "Upsample": (1,), "Split": (1,), "Squeeze": (1,),
    "Unsqueeze": (1,), "Tile": (1,), "Dropout": (1, 2), "ConstantOfShape": (0,),
    "CenterCropPad": (1,),
    **{op: (1,) for op in _REDUCE_OPS},
}
"""Inputs that decide output shapes (or are attributes in disguise): compiled in as
constants when a case feeds them as graph inputs, since we compile for static shapes. For an
`*_expanded` case, the tested op's own parameter inputs count too, wherever its function body
reads them (CenterCropPad's `shape` feeds Max/Sub/Add there)."""

KNOWN_FAILURES: dict[str, str] = {}
"""Selected cases that fail for a known reason (strict xfails in the test; explained in the
report)."""

_EXPANDED_RE = re.compile(r"_expanded(_ver\d+)?$")


@dataclass
class Outcome:
    """Result of one case: status is 'pass', 'fail' or 'skip'; reason says why not 'pass'."""

    name: str
    op_type: str
    status: str
    reason: str = ""


@functools.cache
def all_cases() -> tuple[TestCase, ...]:
    """Every ONNX node test case (generated once per process)."""
    from onnx.backend.test.case import node

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return tuple(node.collect_testcases(None))


def known_op_types() -> frozenset[str]:
    """Op types a model may contain: converted ones plus those the loader always folds."""
    return frozenset(supported_op_types()) | {"Constant", "Shape", "Size"}


def model_op_types(model: onnx.ModelProto) -> set[str]:
    """Op types of the nodes of `model` (top-level graph)."""
    return {node.op_type for node in model.graph.node}


def _model(case: TestCase) -> onnx.ModelProto:
    """The case's model (node cases always have one)."""
    if case.model is None:
        raise ValueError(f"case {case.name} has no model")
    return case.model


@functools.cache
def case_op_types() -> dict[str, str]:
    """Case name -> the ONNX op type the case tests."""
    by_name = {case.name: case for case in all_cases()}
    result = {}
    for case in all_cases():
        base = by_name.get(_EXPANDED_RE.sub("", case.name), case)
        nodes = [n.op_type for n in _model(base).graph.node if n.op_type != "Constant"]
        result[case.name] = nodes[-1] if nodes else "Constant"
    return result


def unsupported_elem_types(case: TestCase) -> list[str]:
    """Names of the element types of the case's graph inputs/outputs that we do not compile."""
    bad = set()
    for info in [*_model(case).graph.input, *_model(case).graph.output]:
        kind = info.type.WhichOneof("value")
        elem = info.type.tensor_type.elem_type if kind == "tensor_type" else None
        if elem not in SUPPORTED_ELEM_TYPES:
            bad.add(onnx.TensorProto.DataType.Name(elem) if elem else str(kind))
    return sorted(bad)


def candidate_cases() -> list[TestCase]:
    """Cases whose model uses only op types we support (whatever their element types)."""
    known = known_op_types()
    return [c for c in all_cases() if c.kind == "node" and model_op_types(_model(c)) <= known]


def constant_inputs(case: TestCase, inputs: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The case's graph inputs that only feed PARAMETER_INPUTS positions, with their values."""
    uses: dict[str, list[bool]] = {}
    for node in _model(case).graph.node:
        params = PARAMETER_INPUTS.get(node.op_type, ())
        for index, name in enumerate(node.input):
            uses.setdefault(name, []).append(index in params)
    names = [i.name for i in _model(case).graph.input]
    tested = _tested_op_parameters(case)
    return {name: np.asarray(value) for name, value in zip(names, inputs, strict=False)
            if name in tested or (uses.get(name) and all(uses[name]))}


def _tested_op_parameters(case: TestCase) -> set[str]:
    """Names the tested op takes at PARAMETER_INPUTS positions, for an `*_expanded` case
    (whose graph inputs are the tested op's inputs)."""
    base_name = _EXPANDED_RE.sub("", case.name)
    if base_name == case.name:
        return set()
    base = next((c for c in all_cases() if c.name == base_name), None)
    if base is None:
        return set()
    names: set[str] = set()
    for node in _model(base).graph.node:
        params = PARAMETER_INPUTS.get(node.op_type, ())
        names.update(name for i, name in enumerate(node.input) if i in params and name)
    return names


def skip_reason(case: TestCase) -> str | None:
    """Why a candidate case is not run (an element type we do not compile), or None."""
    bad = unsupported_elem_types(case)
    return f"element type {', '.join(bad)} is not compiled" if bad else None


def run_case(case: TestCase) -> Outcome:
    """Compile and run every data set of `case`; compare with its reference outputs."""
    op_type = case_op_types()[case.name]
    reason = skip_reason(case)
    if reason:
        return Outcome(case.name, op_type, "skip", reason)
    try:
        for inputs, expected in case.data_sets or ():
            constants = constant_inputs(case, inputs)
            rep = DnnfBackend.prepare(_model(case), "CPU", constant_inputs=constants)
            outputs = rep.run(list(inputs))
            mismatch = compare(outputs, expected, case.rtol or DEFAULT_RTOL,
                               case.atol or DEFAULT_ATOL)
            if mismatch:
                return Outcome(case.name, op_type, "fail", mismatch)
    except Exception as exc:  # CompileError, or an internal error: both are the case's result
        first = str(exc).splitlines()[0] if str(exc) else ""
        kind = type(exc).__name__ if isinstance(exc, CompileError) else \
            f"internal error {type(exc).__name__}"
        return Outcome(case.name, op_type, "fail", f"{kind}: {first}")
    return Outcome(case.name, op_type, "pass")


def compare(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray], rtol: float,
            atol: float) -> str | None:
    """None when `actual` matches `expected` as ONNX's runner checks it, else the reason."""
    if len(actual) != len(expected):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            return f"output {i}: shape {list(a.shape)}, expected {list(e.shape)}"
        if a.dtype != e.dtype:
            return f"output {i}: dtype {a.dtype}, expected {e.dtype}"
        if e.dtype.kind != "f":
            if not np.array_equal(a, e):
                return f"output {i}: {int(np.sum(a != e))} of {e.size} elements differ"
            continue
        if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
            err = np.abs(a.astype(np.float64) - e)
            worst = float(np.nanmax(np.where(np.isnan(err), np.inf, err)))
            return f"output {i}: max abs error {worst:.3g} (rtol={rtol:g}, atol={atol:g})"
    return None
