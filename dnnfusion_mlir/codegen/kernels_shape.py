"""Kernel templates for data-movement `dnnf` ops.

Reorganize ops (reshape, flatten, squeeze, unsqueeze) become `tensor.collapse_shape` to the
coarsest shape both sides refine, then `tensor.expand_shape` (either may be skipped), so a
pure collapse or expand is one op and no copy. Transpose is `linalg.transpose`; concat a chain
of `tensor.insert_slice`; slice (positive steps) and split are strided `tensor.extract_slice`;
a slice with a negative step, gather and (in kernels_resample.py) pad/resize are
`linalg.generic`s that compute source indices with `linalg.index` and read with
`tensor.extract`. Expand is a broadcasting identity `linalg.generic`.
"""

from __future__ import annotations

from collections.abc import Sequence

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import (
    affine_map,
    elementwise,
    empty,
    generic,
    identity_map,
    ret,
)

Lines = tuple[list[str], str]


def _ints(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _prefix_products(shape: Sequence[int]) -> list[int]:
    out, p = [], 1
    for d in shape:
        p *= d
        out.append(p)
    return out


def _groups(shape: Sequence[int], bounds: Sequence[int]) -> list[list[int]]:
    """Reassociation of `shape` onto dims ending at the prefix products `bounds`."""
    groups: list[list[int]] = []
    current: list[int] = []
    p, b = 1, 0
    for i, d in enumerate(shape):
        current.append(i)
        p *= d
        if b < len(bounds) and p == bounds[b]:
            groups.append(current)
            current, b = [], b + 1
    if current and groups:  # trailing size-1 dims join the last group
        groups[-1].extend(current)
    return groups


def reorganize(k: KernelOp, x: str, src: TType, dst: TType) -> Lines:
    """`x` of type `src` viewed as `dst` (same elements, same order)."""
    if src.shape == dst.shape:
        return [], x
    if dst.numel == 0:
        return empty(k, dst)
    common = sorted(set(_prefix_products(src.shape)) & set(_prefix_products(dst.shape)))
    mid = src.with_shape([b // a for a, b in zip([1, *common], common, strict=False)])
    lines: list[str] = []
    if mid.shape != src.shape:
        name = k.fresh("col")
        groups = _groups(src.shape, common)
        lines.append(f"{name} = tensor.collapse_shape {x} {_ints_nested(groups)} "
                     f": {src.text} into {mid.text}")
        x = name
    if mid.shape != dst.shape:
        name = k.fresh("exp")
        groups = _groups(dst.shape, common)
        lines.append(f"{name} = tensor.expand_shape {x} {_ints_nested(groups)} output_shape "
                     f"{_ints(dst.shape)} : {mid.text} into {dst.text}")
        x = name
    return lines, x


def _ints_nested(groups: Sequence[Sequence[int]]) -> str:
    return "[" + ", ".join(_ints(g) for g in groups) + "]"


@kernel("reshape", "flatten", "squeeze", "unsqueeze")
def reshape(k: KernelOp) -> str:
    lines, result = reorganize(k, k.args[0], k.in_types[0], k.out)
    return "\n".join([*lines, ret([result], [k.out])])


@kernel("transpose")
def transpose(k: KernelOp) -> str:
    perm = list(k.attrs["perm"])
    if perm == sorted(perm):
        return ret([k.args[0]], [k.out])
    lines, init = empty(k, k.out)
    name = k.fresh("t")
    lines.append(f"{name} = linalg.transpose ins({k.args[0]} : {k.in_types[0].text}) "
                 f"outs({init} : {k.out.text}) permutation = {_ints(perm)}")
    return "\n".join([*lines, ret([name], [k.out])])


def _slice_text(name: str, src: str, src_t: TType, dst_t: TType, offsets: Sequence[int],
                steps: Sequence[int]) -> str:
    return (f"{name} = tensor.extract_slice {src}{_ints(offsets)}{_ints(dst_t.shape)}"
            f"{_ints(steps)} : {src_t.text} to {dst_t.text}")


@kernel("concat", "concat_pair")
def concat(k: KernelOp) -> str:
    axis = k.attrs["axis"]
    lines, acc = empty(k, k.out)
    offset = 0
    for arg, t in zip(k.args, k.in_types, strict=True):
        if t.numel == 0:
            continue
        offsets = [offset if d == axis else 0 for d in range(t.rank)]
        name = k.fresh("ins")
        lines.append(f"{name} = tensor.insert_slice {arg} into {acc}{_ints(offsets)}"
                     f"{_ints(t.shape)}{_ints([1] * t.rank)} : {t.text} into {k.out.text}")
        acc, offset = name, offset + t.shape[axis]
    return "\n".join([*lines, ret([acc], [k.out])])


@kernel("split")
def split(k: KernelOp) -> str:
    axis, src = k.attrs["axis"], k.in_types[0]
    lines: list[str] = []
    names: list[str] = []
    offset = 0
    for t in k.out_types:
        offsets = [offset if d == axis else 0 for d in range(src.rank)]
        name = k.fresh("part")
        lines.append(_slice_text(name, k.args[0], src, t, offsets, [1] * src.rank))
        names.append(name)
        offset += t.shape[axis]
    return "\n".join([*lines, ret(names, k.out_types)])


def index_const(k: KernelOp, value: int) -> tuple[str, str]:
    """An `arith.constant` of type index: (line, name)."""
    name = k.fresh("ci")
    return f"{name} = arith.constant {value} : index", name


def _strided_index(k: KernelOp, dim: int, start: int, step: int) -> Lines:
    """start + step * linalg.index(dim), as an index value."""
    i = k.fresh("i")
    lines = [f"{i} = linalg.index {dim} : index"]
    if step == 1 and start == 0:
        return lines, i
    c_step, step_n = index_const(k, step)
    c_start, start_n = index_const(k, start)
    m, s = k.fresh("m"), k.fresh("s")
    lines += [c_step, c_start, f"{m} = arith.muli {i}, {step_n} : index",
              f"{s} = arith.addi {m}, {start_n} : index"]
    return lines, s


@kernel("slice")
def slice_(k: KernelOp) -> str:
    starts, steps, src = list(k.attrs["starts"]), list(k.attrs["steps"]), k.in_types[0]
    if k.out.numel == 0:
        lines, name = empty(k, k.out)
    elif all(s > 0 for s in steps):
        name = k.fresh("sl")
        lines = [_slice_text(name, k.args[0], src, k.out, starts, steps)]
    else:
        lines, name = _reverse_slice(k, starts, steps)
    return "\n".join([*lines, ret([name], [k.out])])


def _reverse_slice(k: KernelOp, starts: Sequence[int], steps: Sequence[int]) -> Lines:
    """A slice with negative steps: each output element reads start + step * index."""

    def body(args: list[str]) -> Lines:
        lines: list[str] = []
        coords = []
        for d in range(k.out.rank):
            more, c = _strided_index(k, d, starts[d], steps[d])
            lines += more
            coords.append(c)
        v = k.fresh("x")
        lines.append(f"{v} = tensor.extract {k.args[0]}[{', '.join(coords)}] "
                     f": {k.in_types[0].text}")
        return lines, v

    return generic(k, [], [identity_map(k.out.rank)], k.out, ["parallel"] * k.out.rank, body)


@kernel("expand")
def expand(k: KernelOp) -> str:
    lines, name = elementwise(k, [(k.args[0], k.in_types[0])], k.out,
                              lambda args: ([], args[0]))
    return "\n".join([*lines, ret([name], [k.out])])


def _normalised_index(k: KernelOp, raw: str, elem: str, dim: int) -> Lines:
    """A gathered index as `index`: negative ones wrap once, then clamp into [0, dim)."""
    c, w, n, s, lo, hi = (k.fresh(h) for h in ("ix", "w", "n", "s", "lo", "hi"))
    zero_l, zero = index_const(k, 0)
    dim_l, dim_n = index_const(k, dim)
    last_l, last = index_const(k, dim - 1)
    return [f"{c} = arith.index_cast {raw} : {elem} to index", zero_l, dim_l, last_l,
            f"{n} = arith.cmpi slt, {c}, {zero} : index",
            f"{w} = arith.addi {c}, {dim_n} : index",
            f"{s} = arith.select {n}, {w}, {c} : index",
            # Out-of-range indices are invalid ONNX; clamping keeps the read in bounds.
            f"{lo} = arith.maxsi {s}, {zero} : index",
            f"{hi} = arith.minsi {lo}, {last} : index"], hi


@kernel("gather")
def gather(k: KernelOp) -> str:
    axis = k.attrs["axis"]
    data, indices = k.in_types
    q, n = indices.rank, k.out.rank
    idx_map = affine_map(n, [f"d{axis + j}" for j in range(q)])
    if k.out.numel == 0:
        lines, name = empty(k, k.out)
        return "\n".join([*lines, ret([name], [k.out])])

    def body(args: list[str]) -> Lines:
        lines, picked = _normalised_index(k, args[0], indices.elem, data.shape[axis])
        coords = []
        for d in range(data.rank):
            if d == axis:
                coords.append(picked)
                continue
            c = k.fresh("i")
            lines.append(f"{c} = linalg.index {d if d < axis else d + q - 1} : index")
            coords.append(c)
        v = k.fresh("x")
        lines.append(f"{v} = tensor.extract {k.args[0]}[{', '.join(coords)}] : {data.text}")
        return lines, v

    lines, name = generic(k, [(k.args[1], indices)], [idx_map, identity_map(n)], k.out,
                          ["parallel"] * n, body)
    return "\n".join([*lines, ret([name], [k.out])])
