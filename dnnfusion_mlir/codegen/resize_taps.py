"""`dnnf.resize` as a weighted sum over per-axis tap tables: cubic, antialias and
tf_crop_and_resize.

With static shapes, every Resize mode is separable: along each resized axis, output
position o reads K input positions idx[o, t] with weights w[o, t], and the result is the
sum over all tap combinations of the product of the axes' weights times the input there.
The tables depend only on the shapes and attributes, so they are computed here, in float64
exactly as ONNX's reference (onnx/reference/ops/op_resize.py, `_interpolate_1d_along_axis`)
does, and embedded as constants. The kernel is one `linalg.generic` whose extra reduction
dims walk the taps; tf_crop_and_resize positions whose source lies outside the input take
`extrapolation_value` in a second, element-wise generic.

The nearest and plain linear modes keep their closed-form kernel (kernels_resample.py).
Both read the resized length of the coordinate formulas from `resized_length`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dnnfusion_mlir.codegen.kernel import KernelOp, TType
from dnnfusion_mlir.codegen.linalg_text import affine_map, fill, float_literal, generic

Lines = tuple[list[str], str]


def needs_taps(k: KernelOp) -> bool:
    """Whether this resize goes through tap tables (see the module doc)."""
    return (k.attrs["mode"] == "cubic" or bool(k.attrs.get("antialias", 0))
            or k.attrs["coordinate_transformation_mode"] == "tf_crop_and_resize")


@dataclass
class AxisTaps:
    """Tap table of one resized axis: indices and weights [n_out, K], extrapolated rows."""

    index: np.ndarray
    weight: np.ndarray
    outside: np.ndarray


def resized_length(k: KernelOp, axis: int) -> float:
    """length_resized of the coordinate formulas along `axis`: the result's length, or with
    `fractional_length` input length x scale (ONNX's reference for a scales input)."""
    if k.attrs.get("fractional_length"):
        return k.in_types[0].shape[axis] * float(k.attrs["scales"][axis])
    return float(k.out.shape[axis])


def _source(mode: str, n_in: int, n_out: int, scale: float, length: float,
            roi: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Source coordinate of each of the `n_out` output positions (`length` is the formulas'
    resized length), and which lie outside (tf_crop only)."""
    y = np.arange(n_out, dtype=np.float64)
    outside = np.zeros(n_out, dtype=bool)
    if mode == "align_corners":
        x = np.zeros(n_out) if length == 1 else y * (n_in - 1) / (length - 1)
    elif mode == "asymmetric":
        x = y / scale
    elif mode == "tf_crop_and_resize":
        lo, hi = roi or (0.0, 1.0)
        x = (np.full(n_out, (hi - lo) * (n_in - 1) / 2) if length == 1
             else y * (hi - lo) * (n_in - 1) / (length - 1))
        x = x + lo * (n_in - 1)
        outside = (x < 0) | (x > n_in - 1)
    elif mode == "pytorch_half_pixel":
        x = np.full(n_out, -0.5) if length == 1 else (y + 0.5) / scale - 0.5
    elif mode == "half_pixel_symmetric":
        offset = n_in / 2 * (1 - n_out / (scale * n_in))
        x = offset + (y + 0.5) / scale - 0.5
    else:  # half_pixel
        x = (y + 0.5) / scale - 0.5
    return x, outside


def _cubic(ratio: float, a: float) -> list[float]:
    r, s = ratio, 1 - ratio
    return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a]


def _cubic_weight(x: float, a: float) -> float:
    x = abs(x)
    if x <= 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a if x < 2 else 0.0


_NEAREST = {  # nearest_mode -> picks the upper of the two neighbours at this ratio
    "round_prefer_floor": lambda r: r > 0.5, "round_prefer_ceil": lambda r: r >= 0.5,
    "floor": lambda r: False, "ceil": lambda r: True,
}


def _coeffs(k: KernelOp, ratio: float, scale: float) -> np.ndarray:
    """Weights of the K taps around a source coordinate with fractional part `ratio`."""
    mode, antialias = k.attrs["mode"], bool(k.attrs.get("antialias"))
    a = float(k.attrs.get("cubic_coeff_a", -0.75))
    if mode == "nearest":
        upper = ratio == 1.0 or _NEAREST[k.attrs["nearest_mode"]](ratio)
        return np.array([0.0, 1.0] if upper else [1.0, 0.0])
    if not antialias:
        return np.array(_cubic(ratio, a) if mode == "cubic" else [1 - ratio, ratio])
    scale = min(scale, 1.0)
    if mode == "cubic":
        start = int(np.floor(-2 / scale) + 1)
        c = np.array([_cubic_weight(scale * (i - ratio), a) for i in range(start, 2 - start)])
    else:
        start = int(np.floor(-1 / scale) + 1)
        args = (np.arange(start, 2 - start) - ratio) * scale
        c = np.clip(1 - np.abs(args), 0, 1)
    return c / c.sum()


def axis_taps(k: KernelOp, axis: int) -> AxisTaps:
    """The tap table of `axis` (reference: `_interpolate_1d_along_axis`)."""
    n_in, n_out = k.in_types[0].shape[axis], k.out.shape[axis]
    scale, rank = float(k.attrs["scales"][axis]), k.out.rank
    roi = list(k.attrs.get("roi") or [])
    x, outside = _source(k.attrs["coordinate_transformation_mode"], n_in, n_out, scale,
                         resized_length(k, axis),
                         (roi[axis], roi[rank + axis]) if roi else None)
    floor = np.floor(x)
    ratios = np.where(x == floor, 1.0, x - floor)
    weight = np.stack([_coeffs(k, r, scale) for r in ratios])
    n = weight.shape[1]
    pad = math.ceil(n / 2)
    p = np.floor(x + pad)
    frac = x + pad - p
    if n % 2 == 0:
        offset = np.where(frac == 0, -(n // 2), -(n // 2) + 1)
    else:
        offset = np.where(frac <= 0.5, -((n - 1) // 2), -((n - 1) // 2) + 1)
    index = (p + offset).astype(np.int64)[:, None] + np.arange(n)[None, :] - pad
    if k.attrs.get("exclude_outside"):
        weight = np.where((index < 0) | (index >= n_in), 0.0, weight)
        total = weight.sum(axis=1, keepdims=True)
        weight = weight / np.where(total == 0, 1.0, total)
    return AxisTaps(np.clip(index, 0, n_in - 1), weight.astype(np.float32), outside)


def _dense(k: KernelOp, values: np.ndarray, elem: str) -> tuple[str, str, TType]:
    """An `arith.constant dense<...>` table: (line, name, type)."""
    t = TType(tuple(values.shape), elem)
    text = (", ".join(float_literal(float(v)) for v in values.reshape(-1)) if elem == "f32"
            else ", ".join(str(int(v)) for v in values.reshape(-1)))
    rows = "[" + text + "]" if values.ndim == 1 else _nest(text.split(", "), values.shape)
    name = k.fresh("tab")
    return f"{name} = arith.constant dense<{rows}> : {t.text}", name, t


def _nest(items: list[str], shape: tuple[int, ...]) -> str:
    """Nested `[[...], ...]` literal of a 2-D table."""
    cols = shape[1]
    return "[" + ", ".join("[" + ", ".join(items[r * cols:(r + 1) * cols]) + "]"
                           for r in range(shape[0])) + "]"


def _resized_axes(k: KernelOp) -> list[int]:
    """Axes the reference interpolates (it skips unchanged axes with a trivial roi)."""
    src, roi, rank = k.in_types[0], list(k.attrs.get("roi") or []), k.out.rank
    axes = []
    for d in range(rank):
        trivial_roi = not roi or (roi[d], roi[rank + d]) == (0.0, 1.0)
        if not (src.shape[d] == k.out.shape[d] and k.attrs["scales"][d] == 1.0 and trivial_roi):
            axes.append(d)
    return axes


def _weighted_sum(k: KernelOp, axes: list[int], taps: list[AxisTaps]) -> Lines:
    """The generic summing weight products times input values over every tap combination."""
    rank, m = k.out.rank, len(axes)
    lines: list[str] = []
    inputs, maps = [], []
    for j, (axis, tab) in enumerate(zip(axes, taps, strict=True)):
        for values, elem in ((tab.index, "i64"), (tab.weight, "f32")):
            line, name, t = _dense(k, values, elem)
            lines.append(line)
            inputs.append((name, t))
            maps.append(affine_map(rank + m, [f"d{axis}", f"d{rank + j}"]))
    maps.append(affine_map(rank + m, [f"d{d}" for d in range(rank)]))
    more, init = fill(k, k.out, 0.0)
    lines += more

    def body(args: list[str]) -> Lines:
        out: list[str] = []
        coords = []
        for d in range(rank):
            c = k.fresh("i")
            if d in axes:
                out.append(f"{c} = arith.index_cast {args[2 * axes.index(d)]} : i64 to index")
            else:
                out.append(f"{c} = linalg.index {d} : index")
            coords.append(c)
        v, weight = k.fresh("x"), args[1]
        out.append(f"{v} = tensor.extract {k.args[0]}[{', '.join(coords)}] : "
                   f"{k.in_types[0].text}")
        for j in range(1, m):
            w = k.fresh("w")
            out.append(f"{w} = arith.mulf {weight}, {args[2 * j + 1]} : f32")
            weight = w
        t, r = k.fresh("t"), k.fresh("r")
        out += [f"{t} = arith.mulf {v}, {weight} : f32",
                f"{r} = arith.addf {args[-1]}, {t} : f32"]
        return out, r

    iterators = ["parallel"] * rank + ["reduction"] * m
    more, result = generic(k, inputs, maps, k.out, iterators, body, init=init)
    return lines + more, result


def _extrapolate(k: KernelOp, value: str, axes: list[int], taps: list[AxisTaps]) -> Lines:
    """Positions whose source lies outside the input (on any axis) take extrapolation_value."""
    lines: list[str] = []
    inputs, maps = [(value, k.out)], [affine_map(k.out.rank, [f"d{d}" for d in range(k.out.rank)])]
    for axis, tab in zip(axes, taps, strict=True):
        if tab.outside.any():
            line, name, t = _dense(k, tab.outside.astype(np.float32), "f32")
            lines.append(line)
            inputs.append((name, t))
            maps.append(affine_map(k.out.rank, [f"d{axis}"]))
    maps.append(maps[0])

    def body(args: list[str]) -> Lines:
        c, zero, fill_value = k.fresh("c"), k.fresh("z"), k.fresh("ev")
        out = [f"{zero} = arith.constant 0.0 : f32",
               f"{fill_value} = arith.constant "
               f"{float_literal(float(k.attrs.get('extrapolation_value', 0.0)))} : f32"]
        flag = None
        for mask in args[1:-1]:
            b = k.fresh("out")
            out.append(f"{b} = arith.cmpf ogt, {mask}, {zero} : f32")
            if flag is not None:
                either = k.fresh("any")
                out.append(f"{either} = arith.ori {flag}, {b} : i1")
                b = either
            flag = b
        out.append(f"{c} = arith.select {flag}, {fill_value}, {args[0]} : f32")
        return out, c

    more, result = generic(k, inputs, maps, k.out, ["parallel"] * k.out.rank, body)
    return lines + more, result


def resize_taps(k: KernelOp) -> Lines:
    """The resize as (lines, result name); see the module doc."""
    axes = _resized_axes(k)
    taps = [axis_taps(k, axis) for axis in axes]
    lines, result = _weighted_sum(k, axes, taps)
    if any(tab.outside.any() for tab in taps):
        more, result = _extrapolate(k, result, axes, taps)
        lines += more
    return lines, result
