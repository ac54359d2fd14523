"""AArch64 + NEON code generation: LLVM IR -> assembly / object (``llc-22``) -> shared library.

The MLIR pipeline (schedule with 4 f32 lanes for ``target="aarch64"``, then
`lower_to_llvm`) produces target-independent LLVM IR; this module hands it to

    llc-22 -mtriple=aarch64-linux-gnu -mattr=+neon -O3 -relocation-model=pic [-mcpu=CPU]

and links shared libraries with ``aarch64-linux-gnu-gcc -shared -fPIC``. Extra CPU
features (``+dotprod``, ``+fp16``) and CPUs (``cortex-a76``) pass through to llc.

The entry function of the LLVM IR is renamed from ``@main`` to ``@dnnf_model_main`` so the
object can be linked into a C program that has its own ``main``; the C interface
``_mlir_ciface_main`` keeps its name. A missing tool raises `errors.ToolchainError`
naming the Debian package that provides it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dnnfusion_mlir import errors

LLC = "llc-22"
CROSS_CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64"
SYSROOT = "/usr/aarch64-linux-gnu"
TRIPLE = "aarch64-linux-gnu"

#: Debian package providing each external tool.
PACKAGES = {LLC: "llvm-22", CROSS_CC: "gcc-aarch64-linux-gnu", QEMU: "qemu-user",
            "cc": "gcc"}

#: Name the entry function gets in objects we emit (``main`` would clash with C's).
ENTRY_SYMBOL = "dnnf_model_main"

_MAIN_RE = re.compile(r"@main\(")
_FLOAT_TOKEN_RE = re.compile(r"\b(float|double|half|bfloat)\b|\bf0x([0-9A-Fa-f]+)\b"
                             r"|(?<![\w.%@$])([-+]?\d+\.\d+e[-+]?\d+)\b"
                             r"|(?<![\w.%@$])([-+](?:inf|qnan|nan|snan)(?:\(0x[0-9A-Fa-f]+\))?)")
_FLOAT_HINT_RE = re.compile(r"f0x|\de[-+]\d|[-+](?:inf|qnan|nan|snan)")
_SPECIAL = {"inf": 0x7FF0000000000000, "qnan": 0x7FF8000000000000,
            "nan": 0x7FF8000000000000, "snan": 0x7FF4000000000000}


@dataclass(frozen=True)
class TargetOptions:
    """llc target selection: triple, CPU (``-mcpu``) and features (``-mattr``)."""

    triple: str = TRIPLE
    cpu: str | None = None
    features: tuple[str, ...] = ("+neon",)
    opt_level: int = 3
    extra: tuple[str, ...] = field(default=())

    def llc_flags(self) -> list[str]:
        """The llc command-line flags selecting this target."""
        flags = [f"-O{self.opt_level}", "-relocation-model=pic"]
        if self.triple:  # empty: llc's default (host) triple
            flags.append(f"-mtriple={self.triple}")
        if self.features:
            flags.append("-mattr=" + ",".join(self.features))
        if self.cpu:
            flags.append(f"-mcpu={self.cpu}")
        return [*flags, *self.extra]


def target_options(cpu: str | None = None, mattr: Sequence[str] | str | None = None
                   ) -> TargetOptions:
    """AArch64 options with `cpu` and extra features (``"+dotprod,+fp16"`` or a list)."""
    extra = mattr.split(",") if isinstance(mattr, str) else list(mattr or ())
    features = ["+neon", *(f.strip() for f in extra if f.strip())]
    return TargetOptions(cpu=cpu, features=tuple(dict.fromkeys(features)))


def require(tool: str) -> str:
    """Absolute path of `tool`, or `ToolchainError` naming the package to install."""
    path = shutil.which(tool)
    if path is None:
        package = PACKAGES.get(tool, tool)
        raise errors.ToolchainError(f"'{tool}' not found; install it with: "
                                    f"apt-get install {package}")
    return path


def missing_tools(tools: Sequence[str] = (LLC, CROSS_CC, QEMU)) -> list[str]:
    """The tools of `tools` not on PATH, each as ``tool (package)``."""
    return [f"{t} ({PACKAGES.get(t, t)})" for t in tools if shutil.which(t) is None]


def run_tool(cmd: Sequence[str], cwd: str | os.PathLike | None = None) -> str:
    """Run `cmd`; a non-zero exit raises `ToolchainError` with its stderr. Returns stdout."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False, cwd=cwd)
    if proc.returncode != 0:
        raise errors.ToolchainError(f"{os.path.basename(cmd[0])} failed "
                                    f"(exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def rename_entry(llvm_ir: str, symbol: str = ENTRY_SYMBOL) -> str:
    """`llvm_ir` with the ``@main`` function renamed to `symbol` (definition and calls)."""
    return _MAIN_RE.sub(f"@{symbol}(", llvm_ir)


def _double_hex(value: float) -> str:
    return "0x" + struct.pack(">d", value).hex().upper()


def _special(kind: str, text: str) -> str:
    """``+inf``/``-qnan``/... (payloads dropped) in LLVM 22 hex syntax."""
    name = text[1:].split("(")[0]
    bits = _SPECIAL[name] | (1 << 63 if text[0] == "-" else 0)
    if kind == "half":
        value = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        return "0xH" + np.float16(value).tobytes()[::-1].hex().upper()
    return f"0x{bits:016X}"


def _literal(kind: str, hex_bits: str | None, decimal: str | None) -> str | None:
    """LLVM 22 spelling of one float literal of type `kind`, or None to keep it."""
    if hex_bits is not None:
        if len(hex_bits) == 8 and kind == "float":
            return _double_hex(struct.unpack(">f", bytes.fromhex(hex_bits))[0])
        if len(hex_bits) == 16:
            return "0x" + hex_bits.upper()
        if len(hex_bits) == 4:
            return ("0xR" if kind == "bfloat" else "0xH") + hex_bits.upper()
        return None
    assert decimal is not None
    if kind == "float" and float(np.float32(decimal)) != float(decimal):
        return _double_hex(float(np.float32(decimal)))
    if kind == "half" and float(np.float16(decimal)) != float(decimal):
        return "0xH" + np.float16(decimal).tobytes()[::-1].hex().upper()
    return None


def _legacy_line(line: str) -> str:
    out, pos, kind = [], 0, "double"
    for m in _FLOAT_TOKEN_RE.finditer(line):
        if m.group(1):
            kind = m.group(1)
            continue
        new = (_special(kind, m.group(4)) if m.group(4)
               else _literal(kind, m.group(2), m.group(3)))
        if new is not None:
            out += [line[pos:m.start()], new]
            pos = m.end()
    return "".join(out) + line[pos:]


def legacy_float_literals(llvm_ir: str) -> str:
    """Rewrite float literals of newer LLVM IR into the forms llc-22 parses.

    The MLIR bindings are built from a newer LLVM than the Debian ``llvm-22`` package. It
    prints a ``float`` constant as the shortest decimal that rounds to it (``3.086850e-02``)
    or as its bits (``f0x3DDB3072``); LLVM 22 accepts a decimal only when it is exactly a
    float, and float hex only as the 64-bit pattern of the equal double. Each literal's type
    is the nearest preceding type keyword on its line (LLVM IR always types constants).
    """
    lines = llvm_ir.split("\n")
    return "\n".join(_legacy_line(ln) if _FLOAT_HINT_RE.search(ln) else ln for ln in lines)


def prepare_ir(llvm_ir: str) -> str:
    """`llvm_ir` made ready for llc-22: entry renamed, float literals in LLVM 22 syntax."""
    return legacy_float_literals(rename_entry(llvm_ir))


def compile_llvm_ir(llvm_ir: str, out: str | os.PathLike, emit: str = "obj",
                    options: TargetOptions | None = None) -> Path:
    """LLVM IR text -> AArch64 assembly (``emit="asm"``) or ELF object (``"obj"``) at `out`."""
    if emit not in ("asm", "obj"):
        raise ValueError(f"emit must be 'asm' or 'obj', not {emit!r}")
    llc = require(LLC)
    out = Path(out)
    ll = out.with_name(out.name + ".ll") if str(out) != "/dev/stdout" else None
    if ll is None:
        return _llc_stdin(llc, llvm_ir, emit, options or TargetOptions())
    ll.write_text(prepare_ir(llvm_ir))
    try:
        run_tool([llc, *(options or TargetOptions()).llc_flags(), f"-filetype={emit}",
                  str(ll), "-o", str(out)])
    finally:
        ll.unlink(missing_ok=True)
    return out


def _llc_stdin(llc: str, llvm_ir: str, emit: str, options: TargetOptions) -> Path:
    """Run llc on IR from stdin, writing to stdout (for ``-o -``)."""
    proc = subprocess.run([llc, *options.llc_flags(), f"-filetype={emit}", "-", "-o", "-"],
                          input=prepare_ir(llvm_ir).encode(), capture_output=True,
                          check=False)
    if proc.returncode != 0:
        raise errors.ToolchainError(f"llc-22 failed: {proc.stderr.decode().strip()[-2000:]}")
    os.write(1, proc.stdout)
    return Path("/dev/stdout")


def cross_cc(args: Sequence[str], cwd: str | os.PathLike | None = None) -> None:
    """Run ``aarch64-linux-gnu-gcc`` with `args`."""
    run_tool([require(CROSS_CC), *args], cwd=cwd)


def link_shared(objects: Sequence[str | os.PathLike], out: str | os.PathLike) -> Path:
    """Link AArch64 objects into a shared library (``-shared -fPIC``, with libm)."""
    cross_cc(["-shared", "-fPIC", *map(str, objects), "-o", str(out), "-lm"])
    return Path(out)


def qemu_command(program: str | os.PathLike, *args: str) -> list[str]:
    """The command running an AArch64 Linux `program` under user-mode qemu."""
    return [require(QEMU), "-L", SYSROOT, str(program), *args]
