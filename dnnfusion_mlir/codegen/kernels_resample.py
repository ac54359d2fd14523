"""Kernel templates for `dnnf.pad` and `dnnf.resize`.

Constant padding is `tensor.pad` (after a `tensor.extract_slice` for negative pads); reflect
and edge padding, and nearest / linear resize, are `linalg.generic`s over the result that
compute each source index with `linalg.index` + arith and read it with `tensor.extract`.
Resize evaluates the source coordinate with onnxruntime's f32 formulas in the same order, so
nearest rounding ties land on the same pixel; with `fractional_length` the formulas take
ONNX's fractional resized length instead of the result's (resize_taps.resized_length).
Cubic, antialias and tf_crop_and_resize go through tap tables (resize_taps.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.kernels_shape import index_const
from dnnfusion_mlir.codegen.linalg_text import (
    empty,
    fill,
    float_literal,
    generic,
    identity_map,
    ret,
    scalar_const,
)
from dnnfusion_mlir.codegen.resize_taps import needs_taps, resize_taps, resized_length

Lines = tuple[list[str], str]


def _ints(values: Sequence[int]) -> str:
    return ", ".join(str(v) for v in values)


def _crop(k: KernelOp, pads: Sequence[int]) -> tuple[list[str], str, TType]:
    """Drop the negative part of `pads` from the input: (lines, value, its type)."""
    src, r = k.in_types[0], k.in_types[0].rank
    if all(p >= 0 for p in pads):
        return [], k.args[0], src
    offsets = [max(0, -p) for p in pads[:r]]
    sizes = [d - max(0, -lo) - max(0, -hi) for d, lo, hi in zip(src.shape, pads[:r], pads[r:],
                                                                 strict=True)]
    cropped = src.with_shape(sizes)
    name = k.fresh("crop")
    line = (f"{name} = tensor.extract_slice {k.args[0]}[{_ints(offsets)}][{_ints(sizes)}]"
            f"[{_ints([1] * r)}] : {src.text} to {cropped.text}")
    return [line], name, cropped


def _typed(value: float, elem: str) -> float | int:
    """The pad value as a Python number of the element kind."""
    return value if elem.startswith("f") else int(value)


@kernel("pad")
def pad(k: KernelOp) -> str:
    pads, mode = list(k.attrs["pads"]), k.attrs["mode"]
    lines, x, src = _crop(k, pads)
    r = src.rank
    low, high = [max(0, p) for p in pads[:r]], [max(0, p) for p in pads[r:]]
    if k.out.numel == 0:
        more, name = empty(k, k.out)
    elif src.shape == k.out.shape:
        more, name = [], x
    elif mode == "constant" and src.numel == 0:
        more, name = fill(k, k.out, _typed(k.attrs["value"], k.out.elem))
    elif mode == "constant":
        more, name = _constant_pad(k, x, src, low, high)
    else:
        more, name = _index_pad(k, x, src, low, mode)
    return "\n".join([*lines, *more, ret([name], [k.out])])


def _constant_pad(k: KernelOp, x: str, src: TType, low: list[int], high: list[int]) -> Lines:
    cline, c = scalar_const(k, _typed(k.attrs["value"], src.elem), src.elem)
    name = k.fresh("pad")
    idx = ", ".join(f"{k.fresh('p')}: index" for _ in range(src.rank))
    return [cline,
            f"{name} = tensor.pad {x} low[{_ints(low)}] high[{_ints(high)}] {{",
            f"^bb0({idx}):",
            f"  tensor.yield {c} : {src.elem}",
            f"}} : {src.text} to {k.out.text}"], name


def _pad_source(k: KernelOp, d: int, low: int, size: int, mode: str) -> Lines:
    """Source index along dim `d` of a reflect/edge/wrap pad: index - low, mirrored,
    clamped or taken modulo the size."""
    i, s = k.fresh("i"), k.fresh("s")
    low_l, low_n = index_const(k, low)
    zero_l, zero = index_const(k, 0)
    last_l, last = index_const(k, size - 1)
    lines = [f"{i} = linalg.index {d} : index", low_l, zero_l, last_l,
             f"{s} = arith.subi {i}, {low_n} : index"]
    a, b = k.fresh("a"), k.fresh("b")
    if mode == "wrap":  # remainder with the sign of the divisor: rem < 0 ? rem + size : rem
        size_l, size_n = index_const(k, size)
        neg, up = k.fresh("neg"), k.fresh("up")
        lines += [size_l, f"{a} = arith.remsi {s}, {size_n} : index",
                  f"{neg} = arith.cmpi slt, {a}, {zero} : index",
                  f"{up} = arith.addi {a}, {size_n} : index",
                  f"{b} = arith.select {neg}, {up}, {a} : index"]
        return lines, b
    if mode == "edge":
        lines += [f"{a} = arith.maxsi {s}, {zero} : index",
                  f"{b} = arith.minsi {a}, {last} : index"]
        return lines, b
    # reflect: |s|, then mirror at size-1: min(|s|, 2(size-1) - |s|)
    n, m = k.fresh("n"), k.fresh("m")
    twice_l, twice = index_const(k, 2 * (size - 1))
    lines += [f"{n} = arith.subi {zero}, {s} : index", f"{a} = arith.maxsi {s}, {n} : index",
              twice_l, f"{m} = arith.subi {twice}, {a} : index",
              f"{b} = arith.minsi {a}, {m} : index"]
    return lines, b


def _index_pad(k: KernelOp, x: str, src: TType, low: list[int], mode: str) -> Lines:
    def body(args: list[str]) -> Lines:
        lines: list[str] = []
        coords = []
        for d in range(src.rank):
            if src.shape[d] == k.out.shape[d]:
                c = k.fresh("i")
                lines.append(f"{c} = linalg.index {d} : index")
            else:
                more, c = _pad_source(k, d, low[d], src.shape[d], mode)
                lines += more
            coords.append(c)
        v = k.fresh("x")
        lines.append(f"{v} = tensor.extract {x}[{', '.join(coords)}] : {src.text}")
        return lines, v

    return generic(k, [], [identity_map(k.out.rank)], k.out, ["parallel"] * k.out.rank, body)


# ------------------------------------------------------------------------------- resize
def _fconst(k: KernelOp, value: float) -> tuple[str, str]:
    name = k.fresh("cf")
    return f"{name} = arith.constant {float_literal(value)} : f32", name


def _binop(k: KernelOp, op: str, a: str, b: str, lines: list[str]) -> str:
    name = k.fresh("f")
    lines.append(f"{name} = arith.{op} {a}, {b} : f32")
    return name


def _source_coord(k: KernelOp, xf: str, mode: str, scale: float, n_in: int,
                  n_out: int, length: float) -> Lines:
    """onnxruntime's get_original_coordinate for one axis, as f32 ops on `xf`, with
    `length` as the resized length (n_out unless fractional_length)."""
    lines: list[str] = []

    def const(value: float) -> str:
        line, name = _fconst(k, value)
        lines.append(line)
        return name

    if mode in ("pytorch_half_pixel", "align_corners") and length == 1:
        return lines, const(0.0)
    if mode == "asymmetric":
        return lines, _binop(k, "divf", xf, const(scale), lines)
    if mode == "align_corners":
        t = _binop(k, "mulf", xf, const(n_in - 1), lines)
        return lines, _binop(k, "divf", t, const(length - 1), lines)
    half = const(0.5)
    t = _binop(k, "divf", _binop(k, "addf", xf, half, lines), const(scale), lines)
    if mode == "half_pixel_symmetric":
        s32 = np.float32(scale)
        adjustment = np.float32(n_out) / (s32 * np.float32(n_in))
        offset = np.float32(n_in) / np.float32(2.0) * (np.float32(1.0) - adjustment)
        t = _binop(k, "addf", const(float(offset)), t, lines)
    return lines, _binop(k, "subf", t, half, lines)


def _index_to_f32(k: KernelOp, d: int) -> Lines:
    i, w, f = k.fresh("i"), k.fresh("w"), k.fresh("xf")
    return [f"{i} = linalg.index {d} : index", f"{w} = arith.index_cast {i} : index to i64",
            f"{f} = arith.sitofp {w} : i64 to f32"], f


def _f32_to_index(k: KernelOp, f: str, n_in: int, lines: list[str]) -> str:
    """Truncate `f` to an index clamped into [0, n_in)."""
    w, i, lo, hi = k.fresh("w"), k.fresh("ix"), k.fresh("lo"), k.fresh("hi")
    zero_l, zero = index_const(k, 0)
    last_l, last = index_const(k, n_in - 1)
    lines += [f"{w} = arith.fptosi {f} : f32 to i64", f"{i} = arith.index_cast {w} : i64 to index",
              zero_l, last_l, f"{lo} = arith.maxsi {i}, {zero} : index",
              f"{hi} = arith.minsi {lo}, {last} : index"]
    return hi


_ROUNDING = {  # nearest_mode -> (offset added before rounding, math op)
    "round_prefer_floor": (-0.5, "ceil"), "round_prefer_ceil": (0.5, "floor"),
    "floor": (0.0, "floor"), "ceil": (0.0, "ceil"),
}


def _nearest_index(k: KernelOp, x: str, n_in: int, lines: list[str]) -> str:
    offset, op = _ROUNDING[k.attrs["nearest_mode"]]
    if offset:
        line, c = _fconst(k, offset)
        lines.append(line)
        x = _binop(k, "addf", x, c, lines)
    r = k.fresh("rd")
    lines.append(f"{r} = math.{op} {x} : f32")
    return _f32_to_index(k, r, n_in, lines)


def _linear_corners(k: KernelOp, x: str, n_in: int, lines: list[str]) -> tuple[str, str, str]:
    """(low index, high index, fraction) of a clamped linear source coordinate."""
    zero_l, zero = _fconst(k, 0.0)
    last_l, last = _fconst(k, float(n_in - 1))
    lines += [zero_l, last_l]
    c = _binop(k, "minimumf", _binop(k, "maximumf", x, zero, lines), last, lines)
    lo = _f32_to_index(k, c, n_in, lines)
    w, lo_f, up, hi = k.fresh("w"), k.fresh("lf"), k.fresh("up"), k.fresh("hi")
    one_l, one = index_const(k, 1)
    lim_l, lim = index_const(k, n_in - 1)
    lines += [f"{w} = arith.index_cast {lo} : index to i64",
              f"{lo_f} = arith.sitofp {w} : i64 to f32", one_l, lim_l,
              f"{up} = arith.addi {lo}, {one} : index",
              f"{hi} = arith.minsi {up}, {lim} : index"]
    return lo, hi, _binop(k, "subf", c, lo_f, lines)


def _interpolate(k: KernelOp, coords: list[str], corners: dict[int, tuple[str, str, str]],
                 axes: list[int], lines: list[str]) -> str:
    """Multilinear interpolation over `axes`: lerp of the two sub-results along axes[0]."""
    src = k.in_types[0]
    if not axes:
        v = k.fresh("x")
        lines.append(f"{v} = tensor.extract {k.args[0]}[{', '.join(coords)}] : {src.text}")
        return v
    a, rest = axes[0], axes[1:]
    lo, hi, frac = corners[a]
    v0 = _interpolate(k, [lo if d == a else c for d, c in enumerate(coords)], corners, rest,
                      lines)
    v1 = _interpolate(k, [hi if d == a else c for d, c in enumerate(coords)], corners, rest,
                      lines)
    diff = _binop(k, "subf", v1, v0, lines)
    return _binop(k, "addf", v0, _binop(k, "mulf", diff, frac, lines), lines)


@kernel("resize")
def resize(k: KernelOp) -> str:
    src, scales = k.in_types[0], list(k.attrs["scales"])
    linear = k.attrs["mode"] == "linear"

    def body(args: list[str]) -> Lines:
        lines: list[str] = []
        coords: list[str] = []
        corners: dict[int, tuple[str, str, str]] = {}
        for d, (n_in, n_out) in enumerate(zip(src.shape, k.out.shape, strict=True)):
            if n_in == n_out and scales[d] == 1.0:
                c = k.fresh("i")
                lines.append(f"{c} = linalg.index {d} : index")
                coords.append(c)
                continue
            more, xf = _index_to_f32(k, d)
            more2, x = _source_coord(k, xf, k.attrs["coordinate_transformation_mode"],
                                     scales[d], n_in, n_out, resized_length(k, d))
            lines += more + more2
            if linear:
                corners[d] = _linear_corners(k, x, n_in, lines)
                coords.append(corners[d][0])
            else:
                coords.append(_nearest_index(k, x, n_in, lines))
        return lines, _interpolate(k, coords, corners, sorted(corners), lines)

    if k.out.numel == 0 or src.numel == 0:
        lines, name = empty(k, k.out)
    elif needs_taps(k):
        lines, name = resize_taps(k)
    else:
        lines, name = generic(k, [], [identity_map(k.out.rank)], k.out,
                              ["parallel"] * k.out.rank, body)
    return "\n".join([*lines, ret([name], [k.out])])
