"""Kernel templates for MaxPool, AveragePool and GlobalAveragePool.

Windows are `linalg.pooling_ncw_*` / `linalg.pooling_nchw_*` (1-D/2-D; 3-D as the same
contraction written as a `linalg.generic`) over a `tensor.pad`ded input. The pad covers the
explicit pads plus whatever `ceil_mode` windows run past them (the result shape says how far):
-inf for max, 0 for sums. Averages divide by onnxruntime's per-window element count, which
is a product of per-axis counts, so it is at most one small constant vector per axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import (
    Operand,
    affine_map,
    elementwise,
    empty,
    fill,
    float_literal,
    generic,
    identity_map,
    ret,
)
from dnnfusion_mlir.codegen.nn_text import Lines, dense_i64, pad, reshape

_NAMED = {("max", 1): "pooling_ncw_max", ("max", 2): "pooling_nchw_max",
          ("sum", 1): "pooling_ncw_sum", ("sum", 2): "pooling_nchw_sum"}
_COMBINE = {"max": "arith.maximumf", "sum": "arith.addf"}


def _dilations(k: KernelOp) -> list[int]:
    """Per-axis dilations; absent or [] (average_pool's default) means all 1."""
    return list(k.attrs.get("dilations") or [1] * len(k.attrs["kernel_shape"]))


def window_pads(k: KernelOp) -> tuple[list[int], list[int]]:
    """(low, high) pads of the whole input: explicit pads, ends grown for ceil_mode."""
    rank = k.out.rank - 2
    pads, x = k.attrs["pads"], k.in_types[0]
    low, high = list(pads[:rank]), list(pads[rank:])
    for i, (kk, s, d) in enumerate(zip(k.attrs["kernel_shape"], k.attrs["strides"],
                                       _dilations(k), strict=True)):
        needed = (k.out.shape[2 + i] - 1) * s + (kk - 1) * d + 1
        have = x.shape[2 + i] + low[i] + high[i]
        high[i] += max(0, needed - have)
    return [0, 0, *low], [0, 0, *high]


def _window_generic(k: KernelOp, xp: Operand, window: Operand, init: str, kind: str) -> Lines:
    """An N-d pooling contraction as a generic over (n, c, o..., k...)."""
    rank = k.out.rank - 2
    loops = 2 + 2 * rank
    o = [f"d{2 + i}" for i in range(rank)]
    kk = [f"d{2 + rank + i}" for i in range(rank)]
    win = [f"{oi} * {s} + {ki} * {d}"
           for oi, ki, s, d in zip(o, kk, k.attrs["strides"], _dilations(k), strict=True)]
    maps = [affine_map(loops, ["d0", "d1", *win]), affine_map(loops, kk),
            affine_map(loops, ["d0", "d1", *o])]

    def body(a: list[str]) -> Lines:
        r = k.fresh("r")
        return [f"{r} = {_COMBINE[kind]} {a[2]}, {a[0]} : f32"], r

    iterators = ["parallel"] * (2 + rank) + ["reduction"] * rank
    return generic(k, [xp, window], maps, k.out, iterators, body, init=init)


def _pool(k: KernelOp, kind: str, pad_value: float) -> Lines:
    """Padded input reduced over each window with `kind` (max or sum)."""
    x = (k.args[0], k.in_types[0])
    low, high = window_pads(k)
    lines, xp = pad(k, x, low, high, pad_value)
    win_t = TType(tuple(k.attrs["kernel_shape"]), "f32")
    more, win = empty(k, win_t)
    lines += more
    more, init = fill(k, k.out, pad_value)
    lines += more
    op = _NAMED.get((kind, k.out.rank - 2))
    if op is None:
        more, result = _window_generic(k, xp, (win, win_t), init, kind)
        return lines + more, result
    result = k.fresh("pool")
    attrs = f"{{dilations = {dense_i64(_dilations(k))}, strides = {dense_i64(k.attrs['strides'])}}}"
    lines.append(f"{result} = linalg.{op} {attrs} ins({xp[0]}, {win} : {xp[1].text}, "
                 f"{win_t.text}) outs({init} : {k.out.text}) -> {k.out.text}")
    return lines, result


@kernel("max_pool")
def max_pool(k: KernelOp) -> str:
    lines, result = _pool(k, "max", -math.inf)
    return "\n".join([*lines, ret([result], [k.out])])


def window_counts(size: int, out: int, kernel_size: int, stride: int, pad_begin: int,
                  pad_end: int, include_pad: bool, dilation: int = 1) -> list[int]:
    """Elements each window along one axis averages over (onnxruntime's divisor): taps
    start + j * dilation inside the input, or inside the explicitly padded input with
    count_include_pad (ceil_mode's extra taps past the pads never count)."""
    lo, hi = (-pad_begin, size + pad_end) if include_pad else (0, size)
    counts = []
    for o in range(out):
        start = o * stride - pad_begin
        counts.append(sum(lo <= start + j * dilation < hi for j in range(kernel_size)))
    return counts


def _divide(k: KernelOp, acc: str, counts: Sequence[list[int]]) -> Lines:
    """acc / prod_axis count_axis[o_axis]: a scalar for uniform axes, vectors otherwise."""
    rank = k.out.rank
    uniform = math.prod(c[0] for c in counts if len(set(c)) == 1)
    lines: list[str] = []
    inputs: list[Operand] = [(acc, k.out)]
    maps = [identity_map(rank)]
    for axis, c in enumerate(counts):
        if len(set(c)) > 1:
            name, t = k.fresh("cnt"), TType((len(c),), "f32")
            values = ", ".join(float_literal(float(v)) for v in c)
            lines.append(f"{name} = arith.constant dense<[{values}]> : {t.text}")
            inputs.append((name, t))
            maps.append(affine_map(rank, [f"d{2 + axis}"]))

    def body(a: list[str]) -> Lines:
        c = k.fresh("c")
        out = [f"{c} = arith.constant {float_literal(float(uniform))} : f32"]
        divisor = c
        for extra in a[1:-1]:
            m = k.fresh("m")
            out.append(f"{m} = arith.mulf {divisor}, {extra} : f32")
            divisor = m
        r = k.fresh("r")
        return [*out, f"{r} = arith.divf {a[0]}, {divisor} : f32"], r

    more, result = generic(k, inputs, [*maps, identity_map(rank)], k.out,
                           ["parallel"] * rank, body)
    return lines + more, result


@kernel("average_pool")
def average_pool(k: KernelOp) -> str:
    lines, acc = _pool(k, "sum", 0.0)
    rank, pads, x = k.out.rank - 2, k.attrs["pads"], k.in_types[0]
    include = bool(k.attrs["count_include_pad"])
    dilations = _dilations(k)
    counts = [window_counts(x.shape[2 + i], k.out.shape[2 + i], k.attrs["kernel_shape"][i],
                            k.attrs["strides"][i], pads[i], pads[rank + i], include,
                            dilations[i])
              for i in range(rank)]
    more, result = _divide(k, acc, counts)
    return "\n".join([*lines, *more, ret([result], [k.out])])


@kernel("global_average_pool")
def global_average_pool(k: KernelOp) -> str:
    """Sum over all spatial dims into [N, C], scale by 1/size, reshape to [N, C, 1...]."""
    x = (k.args[0], k.in_types[0])
    rank, (n, c) = x[1].rank, x[1].shape[:2]
    nc = x[1].with_shape([n, c])
    lines, init = fill(k, nc, 0.0)
    maps = [identity_map(rank), affine_map(rank, ["d0", "d1"])]

    def add(a: list[str]) -> Lines:
        r = k.fresh("r")
        return [f"{r} = arith.addf {a[1]}, {a[0]} : f32"], r

    iterators = ["parallel"] * 2 + ["reduction"] * (rank - 2)
    more, total = generic(k, [x], maps, nc, iterators, add, init=init)
    lines += more
    size = float(math.prod(x[1].shape[2:]))

    def scale(a: list[str]) -> Lines:
        cst, r = k.fresh("c"), k.fresh("r")
        return [f"{cst} = arith.constant {float_literal(size)} : f32",
                f"{r} = arith.divf {a[0]}, {cst} : f32"], r

    more, mean = elementwise(k, [(total, nc)], nc, scale)
    again, result = reshape(k, (mean, nc), list(k.out.shape))
    return "\n".join([*lines, *more, *again, ret([result[0]], [k.out])])


@kernel("max_pool_with_indices")
def max_pool_with_indices(k: KernelOp) -> str:
    """Max and its flat row-major input index in one window contraction with two results.

    The index is computed from the loop indices (input position = o * stride + k * dilation
    - pad begin); a strictly greater value replaces the running pair, so the first maximum
    in window order wins, as in onnxruntime. Pads are -inf and never win.
    """
    x, rank = k.in_types[0], k.out.rank - 2
    low, high = window_pads(k)
    lines, xp = pad(k, (k.args[0], x), low, high, -math.inf)
    win_t = TType(tuple(k.attrs["kernel_shape"]), "f32")
    idx_t = k.out_types[1]
    more, win = empty(k, win_t)
    lines += more
    more, init_v = fill(k, k.out, -math.inf)
    lines += more
    more, init_i = fill(k, idx_t, 0)
    lines += more
    loops = 2 + 2 * rank
    o = [f"d{2 + i}" for i in range(rank)]
    kk = [f"d{2 + rank + i}" for i in range(rank)]
    win_exprs = [f"{oi} * {s} + {ki} * {d}"
                 for oi, ki, s, d in zip(o, kk, k.attrs["strides"], _dilations(k), strict=True)]
    out_map = affine_map(loops, ["d0", "d1", *o])
    maps = [affine_map(loops, ["d0", "d1", *win_exprs]), affine_map(loops, kk), out_map,
            out_map]
    its = ", ".join(['"parallel"'] * (2 + rank) + ['"reduction"'] * rank)
    a = [k.fresh("a") for _ in range(4)]
    body, flat = _flat_index(k, rank, low)
    gt, v, i, wide = k.fresh("gt"), k.fresh("v"), k.fresh("ix"), k.fresh("w")
    res_v, res_i = k.fresh("mx"), k.fresh("arg")
    lines += [
        f"{res_v}, {res_i} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
        f"iterator_types = [{its}]}} ins({xp[0]}, {win} : {xp[1].text}, {win_t.text}) "
        f"outs({init_v}, {init_i} : {k.out.text}, {idx_t.text}) {{",
        f"^bb0({a[0]}: f32, {a[1]}: f32, {a[2]}: f32, {a[3]}: i64):",
        *["  " + line for line in body],
        f"  {wide} = arith.index_cast {flat} : index to i64",
        f"  {gt} = arith.cmpf ogt, {a[0]}, {a[2]} : f32",
        f"  {v} = arith.select {gt}, {a[0]}, {a[2]} : f32",
        f"  {i} = arith.select {gt}, {wide}, {a[3]} : i64",
        f"  linalg.yield {v}, {i} : f32, i64",
        f"}} -> ({k.out.text}, {idx_t.text})",
    ]
    return "\n".join([*lines, ret([res_v, res_i], [k.out, idx_t])])


def _flat_index(k: KernelOp, rank: int, low: list[int]) -> tuple[list[str], str]:
    """Body lines computing the flat input index of the current tap: ((n * C + c) * H + h)
    * W + w... row-major; with storage_order 1 the spatial dims are taken in reverse order
    (column-major: (n * C + c) * H * W + w * H + h)."""
    x = k.in_types[0]
    lines: list[str] = []

    def index(d: int) -> str:
        name = k.fresh("i")
        lines.append(f"{name} = linalg.index {d} : index")
        return name

    def const(value: int) -> str:
        name = k.fresh("c")
        lines.append(f"{name} = arith.constant {value} : index")
        return name

    def binop(op: str, lhs: str, rhs: str) -> str:
        name = k.fresh("t")
        lines.append(f"{name} = arith.{op} {lhs}, {rhs} : index")
        return name

    flat = index(0)
    flat = binop("addi", binop("muli", flat, const(x.shape[1])), index(1))
    order = range(rank) if not k.attrs.get("storage_order") else reversed(range(rank))
    for i in order:
        s, d = k.attrs["strides"][i], _dilations(k)[i]
        pos = binop("addi", binop("muli", index(2 + i), const(s)),
                    binop("muli", index(2 + rank + i), const(d)))
        pos = binop("subi", pos, const(low[2 + i]))
        flat = binop("addi", binop("muli", flat, const(x.shape[2 + i])), pos)
    return lines, flat
