"""Text helpers shared by the nn kernel templates: padding, reshapes, window ops.

Each helper returns the lines it emits and the (SSA name, type) of its result, so
templates chain them; a helper with nothing to do returns no lines and its input.
"""

from __future__ import annotations

from collections.abc import Sequence

from dnnfusion_mlir.codegen.kernel import KernelOp, TType
from dnnfusion_mlir.codegen.linalg_text import BodyFn, Operand, fill, scalar_const

Lines = tuple[list[str], str]
Emitted = tuple[list[str], Operand]

#: The named ungrouped convolution of each spatial rank (NCHW / FCHW layouts).
CONV_OPS = {1: "conv_1d_ncw_fcw", 2: "conv_2d_nchw_fchw", 3: "conv_3d_ncdhw_fcdhw"}


def dense_i64(values: Sequence[int]) -> str:
    """`dense<[...]> : tensor<Nxi64>`, the attribute form named conv/pool ops take."""
    return f"dense<[{', '.join(str(int(v)) for v in values)}]> : tensor<{len(values)}xi64>"


def conv_attrs(strides: Sequence[int], dilations: Sequence[int]) -> str:
    """The `{dilations, strides}` attribute dictionary of a named conv/pool op."""
    return f"{{dilations = {dense_i64(dilations)}, strides = {dense_i64(strides)}}} "


def named_op(k: KernelOp, op: str, ins: list[Operand], out: TType, extra: str = "") -> Lines:
    """`linalg.<op>` over `ins` into a zero-filled `out` (`extra`: its attributes)."""
    lines, init = fill(k, out, 0.0)
    name = k.fresh("mm")
    names = ", ".join(n for n, _ in ins)
    types = ", ".join(t.text for _, t in ins)
    lines.append(f"{name} = linalg.{op} {extra}ins({names} : {types}) "
                 f"outs({init} : {out.text}) -> {out.text}")
    return lines, name


def _ints(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def pad(k: KernelOp, x: Operand, low: Sequence[int], high: Sequence[int],
        value: float, attrs: Sequence[str] = ()) -> Emitted:
    """`tensor.pad` of `x` with constant `value` (no-op when all pads are zero); `attrs`:
    unit attributes on it."""
    name, t = x
    if not any(low) and not any(high):
        return [], x
    out = t.with_shape([d + lo + hi for d, lo, hi in zip(t.shape, low, high, strict=True)])
    cline, c = scalar_const(k, value, t.elem)
    result = k.fresh("pad")
    idx = ", ".join(f"{k.fresh('i')}: index" for _ in t.shape)
    attr_dict = f" {{{', '.join(attrs)}}}" if attrs else ""
    return [cline,
            f"{result} = tensor.pad {name} low[{_ints(low)}] high[{_ints(high)}] {{",
            f"^bb0({idx}):",
            f"  tensor.yield {c} : {t.elem}",
            f"}}{attr_dict} : {t.text} to {out.text}"], (result, out)


def _groups_text(groups: Sequence[Sequence[int]]) -> str:
    return "[" + ", ".join(f"[{_ints(g)}]" for g in groups) + "]"


def collapse(k: KernelOp, x: Operand, first: int, last: int) -> Emitted:
    """Merge dims first..last (inclusive) of `x` into one."""
    name, t = x
    groups = [[i] for i in range(first)] + [list(range(first, last + 1))]
    groups += [[i] for i in range(last + 1, t.rank)]
    merged = 1
    for d in t.shape[first:last + 1]:
        merged *= d
    out = t.with_shape([*t.shape[:first], merged, *t.shape[last + 1:]])
    result = k.fresh("cl")
    return [f"{result} = tensor.collapse_shape {name} {_groups_text(groups)} : "
            f"{t.text} into {out.text}"], (result, out)


def expand(k: KernelOp, x: Operand, dim: int, shape: Sequence[int]) -> Emitted:
    """Split dim `dim` of `x` into dims `dim`, `dim + 1` of the full target `shape`."""
    name, t = x
    groups = [[i] for i in range(dim)] + [[dim, dim + 1]]
    groups += [[i + 1] for i in range(dim + 1, t.rank)]
    out = t.with_shape(list(shape))
    result = k.fresh("ex")
    return [f"{result} = tensor.expand_shape {name} {_groups_text(groups)} "
            f"output_shape [{_ints(shape)}] : {t.text} into {out.text}"], (result, out)


def reshape(k: KernelOp, x: Operand, shape: Sequence[int]) -> Emitted:
    """`x` with a new static shape of the same size, through a 1-D view (canonicalize
    folds the collapse/expand pair into one op where one suffices)."""
    name, t = x
    if list(t.shape) == list(shape):
        return [], x
    lines: list[str] = []
    flat = t.with_shape([t.numel])
    if t.rank == 0:
        r = k.fresh("ex")
        lines.append(f"{r} = tensor.expand_shape {name} [] output_shape [1] : "
                     f"{t.text} into {flat.text}")
        name = r
    elif t.rank > 1:
        r = k.fresh("cl")
        lines.append(f"{r} = tensor.collapse_shape {name} [{_all(t.rank)}] : "
                     f"{t.text} into {flat.text}")
        name = r
    if len(shape) == 1:
        return lines, (name, flat)
    out = t.with_shape(list(shape))
    r = k.fresh("rs")
    if not shape:
        lines.append(f"{r} = tensor.collapse_shape {name} [] : {flat.text} into {out.text}")
    else:
        lines.append(f"{r} = tensor.expand_shape {name} [{_all(len(shape))}] "
                     f"output_shape [{_ints(shape)}] : {flat.text} into {out.text}")
    return lines, (r, out)


def _all(rank: int) -> str:
    return f"[{_ints(range(rank))}]"


def mul_add_body(k: KernelOp) -> BodyFn:
    """Region body out + in0 * in1 (f32), for contraction generics."""

    def body(a: list[str]) -> tuple[list[str], str]:
        m, s = k.fresh("m"), k.fresh("s")
        return [f"{m} = arith.mulf {a[0]}, {a[1]} : f32",
                f"{s} = arith.addf {a[2]}, {m} : f32"], s

    return body
