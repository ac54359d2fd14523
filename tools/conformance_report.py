"""`python -m dnnfusion_mlir.tools.conformance_report [-o docs/onnx-conformance.md]`.

Runs ONNX's node conformance cases that use only op types we support (see
`dnnfusion_mlir.conformance`) and writes a markdown report: per op type the cases, passes
and failures (with each failure's reason), then the op types with ONNX node test cases
that we do not support.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence

import onnx

from dnnfusion_mlir import conformance
from dnnfusion_mlir.conformance import Outcome
from dnnfusion_mlir.importer.registry import supported_op_types
from dnnfusion_mlir.tools._cli import run_cli


def run_all(progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Outcome of every candidate case, in ONNX's order."""
    outcomes = []
    for case in conformance.candidate_cases():
        outcome = conformance.run_case(case)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def _rate(passed: int, run: int) -> str:
    return f"{100.0 * passed / run:.0f}%" if run else "n/a"


def _table(groups: dict[str, list[Outcome]]) -> list[str]:
    lines = ["| op type | cases run | passed | failed | skipped (element type) | pass rate |",
             "|---|---:|---:|---:|---:|---:|"]
    for op in sorted(groups):
        counts = {s: sum(o.status == s for o in groups[op]) for s in ("pass", "fail", "skip")}
        run = counts["pass"] + counts["fail"]
        lines.append(f"| {op} | {run} | {counts['pass']} | {counts['fail']} | "
                     f"{counts['skip']} | {_rate(counts['pass'], run)} |")
    return lines


def _failures(outcomes: Sequence[Outcome]) -> list[str]:
    lines = []
    for o in sorted(outcomes, key=lambda o: (o.op_type, o.name)):
        if o.status == "fail":
            why = conformance.KNOWN_FAILURES.get(o.name)
            note = f". Why: {why}." if why else ""
            lines.append(f"- {o.op_type} · `{o.name}`: {o.reason}{note}")
    return lines or ["None."]


def _unsupported() -> list[str]:
    supported = set(supported_op_types())
    tested = set(conformance.case_op_types().values())
    return sorted(tested - supported - {"Constant"})


def render(outcomes: Sequence[Outcome]) -> str:
    """The markdown report of `outcomes`."""
    supported = set(supported_op_types()) | {"Constant"}
    direct: dict[str, list[Outcome]] = defaultdict(list)
    expanded: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        (direct if o.op_type in supported else expanded)[o.op_type].append(o)
    ran = [o for o in outcomes if o.status != "skip"]
    passed = sum(o.status == "pass" for o in ran)
    lines = [
        "# ONNX conformance", "",
        f"ONNX's node test cases (onnx {onnx.__version__}, generated in memory by "
        "`onnx.backend.test.case.node.collect_testcases`) run through "
        "`dnnfusion_mlir.backend`; written by `python -m dnnfusion_mlir.tools."
        "conformance_report`, tested by `test/e2e/test_onnx_conformance.py`.", "",
        "A case is run when every op of its model is one we convert (or fold) and its tensors "
        "are float32 (int64/int32/bool where the op needs them); other element types are "
        "counted as skipped. Outputs are compared as ONNX's runner does (the case's "
        "rtol/atol, default rtol=1e-3, atol=1e-7). Inputs that decide shapes (Reshape "
        "shape, Slice bounds, Resize scales, reduction axes...) are compiled in as "
        "constants: we compile for static shapes.", "",
        f"**{passed} of {len(ran)} cases pass ({_rate(passed, len(ran))}).**", "",
        "## Supported op types", "", *_table(direct), "",
        "## Function-expanded cases of op types we do not convert directly", "",
        "The `*_expanded` cases of these ops use only ops we support.", "",
        *_table(expanded), "",
        "## Failing cases", "", *_failures(outcomes), "",
        "## ONNX op types with node test cases that we do not support", "",
        ", ".join(_unsupported()), "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the cases and write the report."""
    parser = argparse.ArgumentParser(prog="conformance_report", description=__doc__)
    parser.add_argument("-o", "--output", default="-", help="markdown file (default: stdout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failure")
    args = parser.parse_args(argv)

    def progress(o: Outcome) -> None:
        if args.verbose and o.status == "fail":
            print(f"FAIL {o.name}: {o.reason}", file=sys.stderr)

    text = render(run_all(progress))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
