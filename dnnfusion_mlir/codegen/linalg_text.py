"""Helpers that write linalg/tensor text for kernel templates (see kernel.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dnnfusion_mlir.codegen.kernel import KernelOp, TType

Operand = tuple[str, TType]
# A region body: given block-argument names (inputs..., output), return (lines, yielded name).
BodyFn = Callable[[list[str]], tuple[list[str], str]]


def dims(rank: int) -> str:
    return ", ".join(f"d{i}" for i in range(rank))


def affine_map(rank: int, exprs: Sequence[str]) -> str:
    return f"affine_map<({dims(rank)}) -> ({', '.join(exprs)})>"


def identity_map(rank: int) -> str:
    return affine_map(rank, [f"d{i}" for i in range(rank)])


def broadcast_map(in_shape: Sequence[int], out_shape: Sequence[int]) -> str:
    """Indexing map reading an operand numpy-broadcast to `out_shape`."""
    n, r = len(out_shape), len(in_shape)
    exprs = []
    for j in range(r):
        d = n - r + j
        exprs.append("0" if in_shape[j] == 1 and out_shape[d] != 1 else f"d{d}")
    return affine_map(n, exprs)


def empty(k: KernelOp, t: TType) -> tuple[list[str], str]:
    """`tensor.empty` of type `t`."""
    name = k.fresh("e")
    return [f"{name} = tensor.empty() : {t.text}"], name


def scalar_const(k: KernelOp, value: float | int | bool, elem: str) -> tuple[str, str]:
    """An `arith.constant` scalar line and its name (floats printed exactly)."""
    name = k.fresh("c")
    if elem.startswith("f"):
        literal = float_literal(float(value))
    elif elem == "i1":
        literal = "true" if value else "false"
    else:
        literal = str(int(value))
    return f"{name} = arith.constant {literal} : {elem}", name


def float_literal(value: float) -> str:
    """An exact f32 literal (hex for inf/nan and for values text would round)."""
    import struct

    import numpy as np

    f = np.float32(value)
    if np.isfinite(f) and float(np.float32(repr(float(f)))) == float(f):
        text = repr(float(f))
        return text if ("e" in text or "." in text) else text + ".0"
    bits = struct.unpack("<I", struct.pack("<f", f))[0]
    return f"0x{bits:08X}"


def generic(
    k: KernelOp,
    inputs: Sequence[Operand],
    maps: Sequence[str],
    out: TType,
    iterators: Sequence[str],
    body: BodyFn,
    init: str | None = None,
    attrs: Sequence[str] = (),
) -> tuple[list[str], str]:
    """A `linalg.generic` with one output; `init` defaults to a fresh `tensor.empty`;
    `attrs` are extra unit attributes (e.g. schedule hints)."""
    lines: list[str] = []
    if init is None:
        init_lines, init = empty(k, out)
        lines += init_lines
    result = k.fresh("g")
    block_args = [k.fresh("a") for _ in range(len(inputs) + 1)]
    elems = [t.elem for _, t in inputs] + [out.elem]
    body_lines, yielded = body(block_args)
    ins = ", ".join(n for n, _ in inputs)
    in_types = ", ".join(t.text for _, t in inputs)
    its = ", ".join(f'"{i}"' for i in iterators)
    ins_clause = f"ins({ins} : {in_types}) " if inputs else ""
    lines.append(
        f"{result} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
        f"iterator_types = [{its}]{''.join(f', {a}' for a in attrs)}}} "
        f"{ins_clause}outs({init} : {out.text}) {{"
    )
    args = ", ".join(f"{a}: {e}" for a, e in zip(block_args, elems, strict=True))
    lines.append(f"^bb0({args}):")
    lines += ["  " + line for line in body_lines]
    lines.append(f"  linalg.yield {yielded} : {out.elem}")
    lines.append(f"}} -> {out.text}")
    return lines, result


def elementwise(
    k: KernelOp, inputs: Sequence[Operand], out: TType, body: BodyFn
) -> tuple[list[str], str]:
    """Element-wise `linalg.generic` over `out`, broadcasting inputs numpy-style."""
    maps = [broadcast_map(t.shape, out.shape) for _, t in inputs] + [identity_map(out.rank)]
    return generic(k, inputs, maps, out, ["parallel"] * out.rank, body)


def ret(names: Sequence[str], types: Sequence[TType]) -> str:
    """The kernel's `return` line."""
    return f"return {', '.join(names)} : {', '.join(t.text for t in types)}"


def fill(k: KernelOp, t: TType, value: float | int) -> tuple[list[str], str]:
    """A tensor of type `t` filled with `value`."""
    lines, e = empty(k, t)
    cline, c = scalar_const(k, value, t.elem)
    name = k.fresh("f")
    lines += [cline, f"{name} = linalg.fill ins({c} : {t.elem}) outs({e} : {t.text}) -> {t.text}"]
    return lines, name
