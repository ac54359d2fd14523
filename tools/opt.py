"""`dnnf-opt`: an mlir-opt-style driver with the `dnnf` dialect and our Python passes.

    dnnf-opt in.mlir --dnnf-hoist-weights --convert-dnnf-to-linalg --canonicalize
    dnnf-opt in.mlir --pass-pipeline='builtin.module(convert-dnnf-to-linalg,cse)'

Passes run in the order given. Our passes (passes.PASSES) are added as Python passes; every
other `--name[=...]`/`--name{opts}` is handed to upstream MLIR's pipeline parser, since a
Python pass cannot be registered into that parser.
"""

from __future__ import annotations

import argparse
import sys

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.to_llvm import pipeline as llvm_pipeline
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.passes import PASSES, pass_module
from dnnfusion_mlir.pipeline import build_pass_manager
from dnnfusion_mlir.tools._cli import run_cli, write_output

SPLIT_MARKER = "// -----"


def _split_pipeline(text: str) -> list[str]:
    """Top-level elements of `builtin.module(a,b{x=1},c)` (or of a bare `a,b`)."""
    body = text.strip()
    if body.startswith("builtin.module(") and body.endswith(")"):
        body = body[len("builtin.module("):-1]
    items, depth, cur = [], 0, ""
    for ch in body:
        depth += ch in "({"
        depth -= ch in ")}"
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return items


def _pass_names(unknown: list[str]) -> list[str]:
    names = []
    for arg in unknown:
        if not arg.startswith("--"):
            raise ValueError(f"unexpected argument '{arg}'")
        name = arg[2:]
        if "=" in name and "{" not in name:
            key, _, opts = name.partition("=")
            name = f"{key}{{{opts}}}"
        names.append(name)
    return names


def list_passes() -> str:
    """Our passes with descriptions, then the upstream passes our pipelines use."""
    lines = ["dnnfusion-mlir passes:"]
    for name in sorted(PASSES):
        lines.append(f"  --{name:32s} {pass_module(name).DESCRIPTION}")
    lines.append("upstream MLIR passes used by the host pipeline (any registered pass works):")
    for item in sorted(set(_split_pipeline(llvm_pipeline("host")))):
        if not item.startswith("<"):
            lines.append(f"  --{item}")
    return "\n".join(lines)


def _process(source: str, names: list[str], debug_info: bool) -> str:
    with ir.Context() as ctx, ir.Location.unknown():
        dnnf.load(ctx)
        try:
            module = ir.Module.parse(source)
        except ir.MLIRError as exc:
            raise errors.InvalidIRError(f"cannot parse input: {exc}") from exc
        if names:
            try:
                build_pass_manager(names).run(module.operation)
            except ir.MLIRError as exc:
                raise errors.LoweringError(str(exc)) from exc
        return module.operation.get_asm(enable_debug_info=debug_info)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dnnf-opt", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", default="-", help="input .mlir (default: stdin)")
    parser.add_argument("-o", "--output", help="output file (default: stdout)")
    parser.add_argument("--pass-pipeline", help="textual pipeline, e.g. builtin.module(...)")
    parser.add_argument("--split-input-file", action="store_true",
                        help="process each '// -----' chunk separately")
    parser.add_argument("--mlir-print-debuginfo", action="store_true")
    parser.add_argument("--list-passes", action="store_true")
    args, unknown = parser.parse_known_args(argv)
    if args.list_passes:
        write_output(list_passes(), args.output)
        return 0
    names = _pass_names(unknown)
    if args.pass_pipeline:
        names += _split_pipeline(args.pass_pipeline)
    source = sys.stdin.read() if args.input == "-" else open(args.input).read()
    chunks = source.split(SPLIT_MARKER) if args.split_input_file else [source]
    outputs = [_process(chunk, names, args.mlir_print_debuginfo) for chunk in chunks]
    write_output(f"\n{SPLIT_MARKER}\n".join(outputs), args.output)
    return 0


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
