"""`dnnf-bench model.onnx | --family NAME | --all-families [--threads N] [--processes N]
[--copies N] [--json out.json]`.

Compiles the model with fusion and without, builds an onnxruntime session (ORT_ENABLE_ALL,
N intra-op threads, 1 inter-op thread), checks both of ours against onnxruntime on seeded
random inputs, times all three in the same process and prints kernels, median/min times,
time ratios and compile times (dnnfusion_mlir/bench.py). Exit 1 when an error exceeds
--rtol (unless --no-check). dnnf's JIT code is single-threaded whatever --threads says.
With --processes N, all of that runs in N fresh processes in turn, then a table of each
process's per-round fused / unfused ratio and their median, min and max. With --copies N,
each of ours is compiled N times and a round's time is the median over its copies, so no
single compiled instance's placement in memory decides the comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import onnx

from dnnfusion_mlir import errors, model_zoo
from dnnfusion_mlir.bench import BenchResult, bench, format_result, format_summary, geometric_mean
from dnnfusion_mlir.tools._bench_processes import main_processes
from dnnfusion_mlir.tools._cli import parse_shapes, run_cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dnnf-bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="model-zoo families: " + ", ".join(model_zoo.FAMILIES))
    parser.add_argument("model", nargs="?", help="an .onnx file")
    parser.add_argument("--family", metavar="NAME", help="a model-zoo family (needs torch)")
    parser.add_argument("--all-families", action="store_true",
                        help="every model-zoo family, then one summary table")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each variant")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    parser.add_argument("--input-shape", action="append", metavar="NAME=DxD...",
                        help="static shape of a dynamic input")
    parser.add_argument("--rtol", type=float, default=1e-4,
                        help="largest max relative error vs onnxruntime accepted")
    parser.add_argument("--no-check", action="store_true", help="exit 0 whatever the error")
    parser.add_argument("--json", metavar="PATH", help="write every number to this file")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="run the benchmark in N fresh processes, one after another")
    parser.add_argument("--copies", type=int, default=1, metavar="N",
                        help="compile each of ours N times; a round takes the median copy")
    return parser


def family_model(name: str) -> onnx.ModelProto:
    """The CI-sized model of model-zoo family `name`, exported to ONNX."""
    if name not in model_zoo.FAMILIES:
        raise ValueError(f"unknown model family '{name}'; one of: "
                         + ", ".join(model_zoo.FAMILIES))
    try:
        return model_zoo.export(name)
    except ImportError as exc:
        raise ValueError(f"model-zoo families need torch (pip install -e .[torch]): "
                         f"{exc}") from exc


def _bench_one(args: argparse.Namespace, source: str | onnx.ModelProto, name: str) -> BenchResult:
    return bench(source, name=name, threads=args.threads, repeat=args.repeat,
                 warmup=args.warmup, seed=args.seed,
                 input_shapes=parse_shapes(args.input_shape), copies=args.copies)


def _check_failures(results: list[BenchResult], rtol: float) -> list[str]:
    """One message per model whose fused or unfused error exceeds `rtol`."""
    return [f"{r.model}: max relative error {r.max_rel_error:.3g} > {rtol}"
            for r in results if not r.max_rel_error <= rtol]


def _all_families(args: argparse.Namespace) -> tuple[list[BenchResult], dict[str, str]]:
    """Bench every family; a family that fails to compile is reported and skipped."""
    results: list[BenchResult] = []
    failed: dict[str, str] = {}
    for name in model_zoo.FAMILIES:
        try:
            results.append(_bench_one(args, family_model(name), name))
        except errors.CompileError as exc:
            failed[name] = str(exc)
            print(f"{name}: error: {exc}\n", flush=True)
            continue
        print(format_result(results[-1]) + "\n", flush=True)
    print(format_summary(results))
    for name, reason in failed.items():
        print(f"failed: {name}: {reason}")
    return results, failed


def _write_json(path: str, results: list[BenchResult], failed: dict[str, str],
                single: bool) -> None:
    data: dict[str, Any]
    if single:
        data = results[0].to_dict()
    else:
        data = {"results": [r.to_dict() for r in results], "failed": failed,
                "geomean_kernel_ratio_fused_vs_onnxruntime":
                    geometric_mean([r.kernel_ratio for r in results])}
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")


def _main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if sum((args.model is not None, args.family is not None, args.all_families)) != 1:
        parser.error("give exactly one of: a model file, --family NAME, --all-families")
    if args.processes < 1:
        parser.error(f"--processes must be at least 1 (got {args.processes})")
    if args.copies < 1:
        parser.error(f"--copies must be at least 1 (got {args.copies})")
    if args.processes > 1:
        return main_processes(argv, args.processes, args.json)
    failed: dict[str, str] = {}
    if args.all_families:
        results, failed = _all_families(args)
    else:
        source = family_model(args.family) if args.family else args.model
        results = [_bench_one(args, source, args.family or args.model)]
        print(format_result(results[0]))
    if args.json:
        _write_json(args.json, results, failed, single=not args.all_families)
    problems = [] if args.no_check else _check_failures(results, args.rtol)
    for problem in problems:
        print(f"dnnf-bench: check failed: {problem}", file=sys.stderr)
    return 1 if problems or failed else 0


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
