"""`dnnf-import model.onnx [-o out.mlir]`: ONNX -> `dnnf` dialect MLIR text.

`dnnf-import --torch model.py:factory` imports a PyTorch model instead: `factory()` returns
(torch.nn.Module, example_inputs) and the module goes through torch-mlir's FX importer."""

from __future__ import annotations

import argparse

from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.tools._cli import parse_shapes, run_cli, write_output


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dnnf-import", description=__doc__)
    parser.add_argument("model", help="ONNX model file (with --torch: file.py:factory)")
    parser.add_argument("--torch", action="store_true",
                        help="MODEL is file.py:factory returning (torch.nn.Module, inputs)")
    parser.add_argument("-o", "--output", help="output .mlir file (default: stdout)")
    parser.add_argument("--input-shape", action="append", metavar="NAME=DxD...",
                        help="static shape for an input with dynamic dimensions")
    parser.add_argument("--debug-info", action="store_true", help="print locations")
    parser.add_argument("--elide-weights", action="store_true",
                        help="do not print weight blobs (the output will not re-parse)")
    args = parser.parse_args(argv)
    if args.torch:  # torch is optional: imported only on this path
        from dnnfusion_mlir.importer.torch_importer import import_torch_factory

        imported = import_torch_factory(args.model)
    else:
        imported = import_onnx(args.model, parse_shapes(args.input_shape))
    limit = 64 if args.elide_weights else None
    with imported.module.context:
        text = imported.module.operation.get_asm(enable_debug_info=args.debug_info,
                                                 large_resource_limit=limit)
    write_output(text, args.output)
    return 0


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
