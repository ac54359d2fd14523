"""`dnnf-report model.onnx [-o report.html] [--no-fuse] [--input-shape NAME=1,3,224,224]`.

Compiles the model for the host and writes one self-contained HTML page: the summary numbers
of the compile statistics, the extended computational graph drawn as an SVG with every op
coloured by its fusion block, a table of the blocks and the fusion table
(dnnfusion_mlir/report.py). `-o -` writes the page to stdout.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dnnfusion_mlir.report import build_report
from dnnfusion_mlir.tools._cli import parse_shapes, run_cli, write_output


def _shape_specs(specs: list[str] | None) -> list[str] | None:
    """Accept `name=1,3,224,224` as well as `name=1x3x224x224`."""
    if not specs:
        return None
    out = []
    for spec in specs:
        name, eq, dims = spec.rpartition("=")
        out.append(f"{name}{eq}{dims.replace(',', 'x')}")
    return out


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dnnf-report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="an .onnx file")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="the HTML file (default: MODEL's stem + .report.html here)")
    parser.add_argument("--fuse", dest="fuse", action="store_true", default=True)
    parser.add_argument("--no-fuse", dest="fuse", action="store_false",
                        help="report the unfused compile (no blocks)")
    parser.add_argument("--input-shape", action="append", metavar="NAME=D,D,...",
                        help="static shape of a dynamic input (commas or x between dims)")
    args = parser.parse_args(argv)
    report = build_report(args.model, fuse=args.fuse,
                          input_shapes=parse_shapes(_shape_specs(args.input_shape)))
    output = args.output or f"{Path(args.model).stem}.report.html"
    write_output(report.html, output)
    if output != "-":
        stats = report.stats
        print(f"dnnf-report: wrote {output}: {stats['ops_after_rewrite']} ops, "
              f"{len(stats['blocks'])} blocks, {stats['kernels']} kernels")
    return 0


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
