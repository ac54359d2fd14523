"""`dnnf-run model.onnx [--inputs a.npy ...] [--check]`: compile, run, optionally compare.

Without --inputs, inputs are random (seeded). `--check` runs onnxruntime on the same inputs
and fails (exit 1) when any output differs by more than --rtol (max relative error).
`--target aarch64` cross-compiles and runs the model under qemu-aarch64 (runtime/qemu.py);
its times are emulated, and --repeat defaults to 1 there.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import onnx

import dnnfusion_mlir as dnnf
from dnnfusion_mlir.importer.onnx_importer import TensorSpec
from dnnfusion_mlir.testing import max_rel_error, run_onnxruntime
from dnnfusion_mlir.tools._cli import parse_shapes, run_cli


def random_inputs(specs: Sequence[TensorSpec], seed: int) -> list[np.ndarray]:
    """Seeded random arrays matching `specs` (floats ~ N(0,1), ints in [0, 4), bools)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for s in specs:
        if s.dtype == np.bool_:
            arrays.append(rng.random(s.shape) < 0.5)
        elif s.dtype.kind in "iu":
            arrays.append(rng.integers(0, 4, s.shape).astype(s.dtype))
        else:
            arrays.append(rng.standard_normal(s.shape).astype(s.dtype))
    return arrays


def _timed(fn: object, arrays: list[np.ndarray], repeat: int) -> tuple[list, float]:
    outs = fn(*arrays)  # type: ignore[operator]
    start = time.perf_counter()
    for _ in range(repeat):
        fn(*arrays)  # type: ignore[operator]
    return outs, (time.perf_counter() - start) / max(repeat, 1)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dnnf-run", description=__doc__)
    parser.add_argument("model")
    parser.add_argument("--target", default="host", choices=["host", "aarch64"])
    parser.add_argument("--inputs", nargs="*", default=[], help=".npy files in input order")
    parser.add_argument("--input-shape", action="append", metavar="NAME=DxD...")
    parser.add_argument("--fuse", dest="fuse", action="store_true", default=True)
    parser.add_argument("--no-fuse", dest="fuse", action="store_false")
    parser.add_argument("--profile", metavar="DB", nargs="?", const=True, default=False,
                        help="decide fusion Y cells by timing candidate blocks here, cached in "
                             "DB (default $DNNF_PROFILE_DB or "
                             "~/.cache/dnnfusion-mlir/profile.sqlite); write --profile=DB")
    parser.add_argument("--check", action="store_true", help="compare with onnxruntime")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs (default 10; 1 for aarch64)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", action="store_true",
                        help="print compile statistics and onnxruntime timing (1 thread)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    cm = dnnf.compile(args.model, target=args.target, fuse=args.fuse, profile=args.profile,
                      input_shapes=parse_shapes(args.input_shape))
    print(f"compiled in {time.perf_counter() - start:.2f} s: {cm.stats['ops_after_import']} ops, "
          f"{cm.stats['kernels']} kernels")
    arrays = [np.load(p) for p in args.inputs] or random_inputs(cm.inputs, args.seed)
    if args.repeat is None:
        args.repeat = 1 if args.target == "aarch64" else 10
    outs, seconds = _timed(cm, arrays, args.repeat)
    where = " (aarch64 under qemu)" if args.target == "aarch64" else ""
    print(f"dnnf: {seconds * 1e3:.3f} ms per run{where}")
    for spec, out in zip(cm.outputs, outs, strict=True):
        print(f"  {spec.name}: shape {list(out.shape)} {out.dtype}")
    feeds = {s.name: a for s, a in zip(cm.inputs, arrays, strict=True)}
    if args.report:
        print_report(cm.stats)
        ort_seconds = time_onnxruntime(args.model, feeds, args.repeat)
        print(f"onnxruntime (1 thread): {ort_seconds * 1e3:.3f} ms per run; "
              f"dnnf / onnxruntime time = {seconds / ort_seconds:.2f}x")
    if not args.check:
        return 0
    expected = run_onnxruntime(_load(args.model), feeds)
    worst = max((max_rel_error(a, e) for a, e in zip(outs, expected, strict=True)), default=0.0)
    status = "OK" if worst <= args.rtol else "MISMATCH"
    print(f"check vs onnxruntime: max relative error {worst:.3g} (rtol {args.rtol}) {status}")
    return 0 if worst <= args.rtol else 1


def print_report(stats: dict) -> None:
    """The compile statistics, one per line."""
    print("compile report:")
    for key in ("onnx_nodes", "ops_after_import", "ops_after_rewrite", "flops_before_rewrite",
                "flops_after_rewrite", "kernels", "intermediate_bytes",
                "intermediate_bytes_fused", "peak_intermediate_bytes", "buffer_bytes",
                "arena_bytes"):
        if key in stats:
            print(f"  {key:24s} {stats[key]}")
    for rule, count in stats.get("rewrites", {}).items():
        print(f"  rewrite {rule:26s} x{count}")
    blocks = stats.get("blocks", [])
    if blocks:
        print(f"  fusion blocks ({len(blocks)}; loop nests, mapping type, ops):")
    for block in blocks:
        ops = " ".join(f"{o['op'].removeprefix('dnnf.')}({o['node']})" for o in block["ops"])
        print(f"    {block['name']:14s} {block.get('kernels', '?'):>2} "
              f"{block['mapping']:13s} {ops}")


def time_onnxruntime(path: str, feeds: dict, repeat: int) -> float:
    """Seconds per onnxruntime run with one intra-op thread."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    session.run(None, feeds)
    start = time.perf_counter()
    for _ in range(repeat):
        session.run(None, feeds)
    return (time.perf_counter() - start) / max(repeat, 1)


def _load(path: str) -> onnx.ModelProto:
    return onnx.load(path)


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
