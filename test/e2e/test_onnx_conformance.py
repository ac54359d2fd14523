"""ONNX's own node conformance cases, run through `dnnfusion_mlir.backend`.

Every case whose op types we support is a test (see `dnnfusion_mlir.conformance` for the
selection and the comparison, which follows ONNX's runner: the case's rtol/atol, by default
rtol=1e-3, atol=1e-7). Cases of supported ops with element types we do not compile are
explicit skips with that reason; a case that fails for a known, documented reason is listed
in `conformance.KNOWN_FAILURES` (the report prints the reason too) and is a strict xfail, so
fixing it is noticed too.
"""

from __future__ import annotations

import pytest
from onnx.backend.test.case.test_case import TestCase

from dnnfusion_mlir import conformance

pytestmark = pytest.mark.slow

KNOWN_FAILURES = conformance.KNOWN_FAILURES


def _params() -> list:
    params = []
    for case in conformance.candidate_cases():
        marks = []
        skip = conformance.skip_reason(case)
        if skip:
            marks.append(pytest.mark.skip(reason=skip))
        elif case.name in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[case.name], strict=True))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_onnx_node_case(case: TestCase) -> None:
    outcome = conformance.run_case(case)
    assert outcome.status == "pass", f"{outcome.op_type}: {outcome.reason}"


def test_known_failures_are_cases() -> None:
    """Every KNOWN_FAILURES entry names a selected case (no stale entries)."""
    names = {case.name for case in conformance.candidate_cases()}
    assert set(KNOWN_FAILURES) <= names
