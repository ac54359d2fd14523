"""`dnnf-compile model.onnx --target host|aarch64 --emit mlir|llvm|asm|obj|so -o OUT`.

`mlir` prints one stage (`--stage dnnf|rewritten|fused|linalg|llvm`, default llvm); `llvm`
is LLVM IR text; `asm`/`obj` run `llc-22`, `so` also links with `cc -shared`. The entry
point `_mlir_ciface_main` takes inputs, then weights, then outputs as memref descriptors;
for `obj`/`so` the weights are written beside OUT as OUT.weights.npz, in argument order.

`--target aarch64` (AArch64 + NEON; `--cpu cortex-a76`, `--mattr +dotprod,+fp16` pass through
to llc): `asm` is the kernels' assembly; `obj`/`so` are self-contained, with the C API
wrapper and the weights embedded (runtime/c_api.py), and `model.h` is written beside OUT
(OUT's stem + `.h`). `--emit dir -o DIR` writes everything `CompiledModel.save` does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile

import numpy as np

import dnnfusion_mlir as dnnf
from dnnfusion_mlir import errors
from dnnfusion_mlir.codegen.aarch64 import legacy_float_literals
from dnnfusion_mlir.compiler import TARGETS
from dnnfusion_mlir.tools._cli import parse_shapes, run_cli, write_output

LLC = "llc-22"


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise errors.ToolchainError(f"'{tool}' not found; install it with: apt-get install "
                                    f"{package}")
    return path


def native(llvm_ir: str, emit: str, out: str) -> None:
    """LLVM IR -> host asm/obj (llc-22) or shared library (llc-22 + cc)."""
    llc = _require(LLC, "llvm-22")
    with tempfile.TemporaryDirectory() as tmp:
        ll = os.path.join(tmp, "model.ll")
        with open(ll, "w") as fh:  # newer-LLVM float literals -> llc-22 syntax
            fh.write(legacy_float_literals(llvm_ir))
        kind = "asm" if emit == "asm" else "obj"
        obj = out if emit != "so" else os.path.join(tmp, "model.o")
        _run([llc, "-O3", "-relocation-model=pic", f"-filetype={kind}", ll, "-o", obj])
        if emit == "so":
            _run([_require("cc", "gcc"), "-shared", obj, "-o", out, "-lm"])


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise errors.ToolchainError(f"{os.path.basename(cmd[0])} failed: {proc.stderr.strip()}")


def emit_artifact(cm: dnnf.CompiledModel, emit: str, output: str | None, cpu: str | None,
                  mattr: str | None) -> None:
    """`--emit asm|obj|so|dir` through the C API builder (any target for `dir`)."""
    from dnnfusion_mlir.codegen import aarch64

    if emit == "asm":
        options = aarch64.target_options(cpu, mattr)
        out = output if output not in (None, "-") else "/dev/stdout"
        aarch64.compile_llvm_ir(cm.llvm_ir(), out, "asm", options)
        return
    assert output is not None
    if emit == "dir":
        cm.save(output, cpu=cpu, mattr=mattr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = cm.save(tmp, cpu=cpu, mattr=mattr)
        shutil.copyfile(files["object" if emit == "obj" else "shared"], output)
        stem = os.path.splitext(output)[0]
        shutil.copyfile(files["header"], stem + ".h")


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dnnf-compile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--target", default="host", choices=list(TARGETS))
    parser.add_argument("--cpu", help="aarch64: llc -mcpu (e.g. cortex-a76)")
    parser.add_argument("--mattr", help="aarch64: extra llc features (e.g. +dotprod,+fp16)")
    parser.add_argument("--fuse", dest="fuse", action="store_true", default=True)
    parser.add_argument("--no-fuse", dest="fuse", action="store_false")
    parser.add_argument("--profile", metavar="DB", nargs="?", const=True, default=False,
                        help="decide fusion Y cells by timing candidate blocks here, cached in "
                             "DB (default $DNNF_PROFILE_DB or "
                             "~/.cache/dnnfusion-mlir/profile.sqlite); write --profile=DB")
    parser.add_argument("--emit", default="mlir", choices=["mlir", "llvm", "asm", "obj", "so",
                                                         "dir"])
    parser.add_argument("--stage", default="llvm", choices=["dnnf", "rewritten", "fused",
                                                            "linalg", "llvm"])
    parser.add_argument("--input-shape", action="append", metavar="NAME=DxD...")
    parser.add_argument("-o", "--output", help="output file (default: stdout for text)")
    args = parser.parse_args(argv)
    if args.emit in ("obj", "so", "dir") and args.output in (None, "-"):
        raise ValueError(f"--emit {args.emit} needs -o OUT")
    cm = dnnf.compile(args.model, target=args.target, fuse=args.fuse, profile=args.profile,
                      input_shapes=parse_shapes(args.input_shape))
    if args.emit == "mlir":
        write_output(cm.mlir(args.stage), args.output)
    elif args.emit == "llvm":
        write_output(cm.llvm_ir(), args.output)
    elif args.target == "aarch64" or args.emit == "dir":
        emit_artifact(cm, args.emit, args.output, args.cpu, args.mattr)
    else:
        out = args.output if args.output not in (None, "-") else "/dev/stdout"
        native(cm.llvm_ir(), args.emit, out)
        if args.emit in ("obj", "so"):
            np.savez(out + ".weights.npz", *cm.weights)
    return 0


def main() -> None:
    raise SystemExit(run_cli(_main))


if __name__ == "__main__":
    main()
