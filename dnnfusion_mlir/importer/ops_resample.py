"""Converters for Pad (One-to-One) and Resize / Upsample (One-to-Many).

Pad: pads, constant value and axes become attributes; the pads are full-rank in ONNX order
(all begins, then all ends) and may be negative (cropping).
Resize: every mode (nearest, linear, cubic) and coordinate mode, antialias; `scales` becomes a
full-rank attribute (from the scales input, or output/input size when the sizes input is
given, as onnxruntime computes it), and so does `roi` for tf_crop_and_resize.

Resized lengths follow ONNX's reference, the executable spec: given a scales input, the
coordinate formulas' length_resized is length_original x scale, which may be fractional
(2 x 0.6 = 1.2) where the result has floor(1.2) = 1 positions. It matters to align_corners
and tf_crop_and_resize (they divide by length_resized - 1) and to pytorch_half_pixel (its
length-1 case); onnxruntime (and PyTorch, whose importer keeps integer lengths) uses the
integer length. The op's `fractional_length` is set only where it changes the result, and a
warning names the node then. Given sizes, the lengths are the result's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.ops_shape import norm_axis
from dnnfusion_mlir.importer.registry import converter

NUMERIC = (np.float32, np.int64, np.int32)
PAD_MODES = ("constant", "reflect", "edge", "wrap")
RESIZE_MODES = ("nearest", "linear", "cubic")
COORDINATE_MODES = ("half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                    "half_pixel_symmetric", "tf_crop_and_resize")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _pad_inputs(ctx: NodeContext) -> tuple[list[int], float]:
    """Full-rank pads and the constant value, from attributes (opset < 11) or inputs."""
    rank = len(ctx.in_shape(0))
    if ctx.attr("pads") is not None:
        return [int(p) for p in ctx.attr("pads")], float(ctx.attr("value", 0.0))
    given = [int(p) for p in ctx.require_const(1, "pads").reshape(-1)]
    value = ctx.require_const(2, "constant_value") if ctx.has_input(2) else np.zeros(())
    if value.size != 1:
        raise ctx.unsupported("constant_value must be a scalar")
    if not ctx.has_input(3):
        return given, float(value.reshape(()))
    axes = [norm_axis(ctx, int(a), rank) for a in ctx.require_const(3, "axes").reshape(-1)]
    pads = [0] * (2 * rank)
    for i, a in enumerate(axes):
        pads[a], pads[a + rank] = given[i], given[i + len(axes)]
    return pads, float(value.reshape(()))


@converter("Pad")
def convert_pad(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(NUMERIC)
    mode = ctx.attr("mode", "constant")
    if mode not in PAD_MODES:
        raise ctx.unsupported(f"mode '{mode}' is not supported ({', '.join(PAD_MODES)})")
    pads, value = _pad_inputs(ctx)
    shape = ctx.in_shape(0)
    if len(pads) != 2 * len(shape):
        raise ctx.unsupported(f"{len(pads)} pads for a rank-{len(shape)} input")
    for a, dim in enumerate(shape):
        cropped = dim - max(0, -pads[a]) - max(0, -pads[a + len(shape)])
        grows = pads[a] > 0 or pads[a + len(shape)] > 0
        if mode == "reflect" and grows and max(pads[a], pads[a + len(shape)]) >= cropped:
            raise ctx.unsupported(f"reflect pads {pads} need axis {a} longer than the pad")
        if mode in ("edge", "wrap") and grows and cropped <= 0:
            raise ctx.unsupported(f"{mode} padding of the empty axis {a}")
    op = ctx.build(dnnf.PadOp, ctx.input(0), attrs.i64_array(pads), attrs.string(mode),
                   attrs.f32(value), ctx.out_type())
    return [op.out]


def _resize_scales(ctx: NodeContext, scales_at: int, sizes_at: int) -> tuple[list[float], bool]:
    """Full-rank f32 scales: the scales input, or sizes / input dims (keep_aspect_ratio);
    and whether they came from the scales input."""
    shape = ctx.in_shape(0)
    rank = len(shape)
    axes = [norm_axis(ctx, int(a), rank) for a in ctx.attr("axes", range(rank))]
    full = [1.0] * rank
    scales = ctx.const(scales_at)
    if scales is not None and scales.size:
        for a, s in zip(axes, scales.astype(np.float32).reshape(-1).tolist(), strict=True):
            full[a] = s
        return full, True
    if ctx.has_input(scales_at) and scales is None:
        raise ctx.unsupported("scales (input 2) must be a compile-time constant")
    sizes = ctx.require_const(sizes_at, "sizes or scales").reshape(-1).tolist()
    ratios = [float(np.float32(s) / np.float32(shape[a])) for a, s in zip(axes, sizes,
                                                                         strict=True)]
    policy = ctx.attr("keep_aspect_ratio_policy", "stretch")
    if policy != "stretch":
        ratios = [min(ratios) if policy == "not_larger" else max(ratios)] * len(axes)
    for a, r in zip(axes, ratios, strict=True):
        full[a] = r
    return full, False


def _length_matters(coordinate: str, n_in: int, n_out: int, scale: float) -> bool:
    """Whether the fractional length n_in x scale changes an axis's result (module doc)."""
    if n_out == 0 or math.isclose(n_in * scale, n_out, rel_tol=1e-6):
        return False  # the same length, up to the f32 rounding of the scale
    if coordinate == "pytorch_half_pixel":
        return n_out == 1  # only its length-1 case reads the length
    if coordinate == "align_corners":  # a single output reads position 0 whatever the length
        return n_out > 1 and n_in > 1
    return coordinate == "tf_crop_and_resize" and n_in > 1  # (n_in - 1) scales the source


def _fractional_length(ctx: NodeContext, coordinate: str, scales: list[float]) -> bool:
    """Whether ONNX's fractional resized lengths change this node's result; warns then,
    since onnxruntime uses the integer lengths."""
    n_in, n_out = ctx.in_shape(0), ctx.out_shape()
    axes = [d for d, s in enumerate(scales) if _length_matters(coordinate, n_in[d], n_out[d], s)]
    if axes:
        lengths = "; ".join(f"axis {d}: {n_in[d]} x {scales[d]:g} = {n_in[d] * scales[d]:g}, "
                            f"{n_out[d]} outputs" for d in axes)
        warnings.warn(f"Resize node '{ctx.name}' ({coordinate}, scales): following ONNX's "
                      f"reference, the resized length is input length x scale, fractional "
                      f"here ({lengths}); onnxruntime uses the integer output length, so its "
                      f"results differ", stacklevel=2)
    return bool(axes)


def _check_resize_attrs(ctx: NodeContext, mode: str, coordinate: str, nearest: str) -> None:
    if mode not in RESIZE_MODES:
        raise ctx.unsupported(f"mode '{mode}' is not supported ({', '.join(RESIZE_MODES)})")
    if coordinate not in COORDINATE_MODES:
        raise ctx.unsupported(f"coordinate_transformation_mode '{coordinate}' is not supported")
    if nearest not in NEAREST_MODES:
        raise ctx.unsupported(f"nearest_mode '{nearest}' is not supported")
    if int(ctx.attr("antialias", 0)) and mode == "nearest":
        raise ctx.unsupported("antialias=1 needs mode linear or cubic")
    # Tap-table kernels (cubic, antialias, tf_crop_and_resize) weigh values in f32.
    exact = mode == "nearest" and coordinate != "tf_crop_and_resize"
    ctx.require_dtypes(NUMERIC if exact else (np.float32,))


def _resize_roi(ctx: NodeContext, coordinate: str) -> list[float]:
    """Full-rank roi (all starts, then all ends) for tf_crop_and_resize, else []."""
    if coordinate != "tf_crop_and_resize":
        return []
    rank = len(ctx.in_shape(0))
    given = ctx.require_const(1, "roi").astype(np.float32).reshape(-1).tolist()
    axes = [norm_axis(ctx, int(a), rank) for a in ctx.attr("axes", range(rank))]
    if len(given) != 2 * len(axes):
        raise ctx.unsupported(f"roi has {len(given)} values for {len(axes)} axes")
    roi = [0.0] * rank + [1.0] * rank
    for i, a in enumerate(axes):
        roi[a], roi[rank + a] = given[i], given[len(axes) + i]
    return roi


def _build_resize(ctx: NodeContext, mode: str, coordinate: str, nearest: str,
                  scales: list[float], roi: list[float] | None = None,
                  fractional_length: bool = False) -> list[ir.Value]:
    extras = {
        "cubic_coeff_a": attrs.f32(ctx.attr("cubic_coeff_a", -0.75)),
        "exclude_outside": attrs.i64(int(ctx.attr("exclude_outside", 0))),
        "antialias": attrs.i64(int(ctx.attr("antialias", 0))),
        "roi": attrs.f32_array(roi or []),
        "extrapolation_value": attrs.f32(ctx.attr("extrapolation_value", 0.0)),
        "fractional_length": attrs.i64(int(fractional_length)),
    }
    op = ctx.build(dnnf.ResizeOp, ctx.input(0), attrs.string(mode), attrs.string(coordinate),
                   attrs.string(nearest), attrs.f32_array(scales), ctx.out_type(), **extras)
    return [op.out]


@converter("Resize")
def convert_resize(ctx: NodeContext) -> list[ir.Value]:
    mode = ctx.attr("mode", "nearest")
    # Opset 10 Resize is asymmetric with floor rounding; its only other input is scales.
    old = ctx.opset < 11
    coordinate = ctx.attr("coordinate_transformation_mode", "asymmetric" if old else "half_pixel")
    nearest = ctx.attr("nearest_mode", "floor" if old else "round_prefer_floor")
    _check_resize_attrs(ctx, mode, coordinate, nearest)
    scales, given = _resize_scales(ctx, 1, 2) if old else _resize_scales(ctx, 2, 3)
    roi = [] if old else _resize_roi(ctx, coordinate)
    fractional = given and _fractional_length(ctx, coordinate, scales)
    return _build_resize(ctx, mode, coordinate, nearest, scales, roi, fractional)


@converter("Upsample")
def convert_upsample(ctx: NodeContext) -> list[ir.Value]:
    mode = ctx.attr("mode", "nearest")
    _check_resize_attrs(ctx, mode, "asymmetric", "floor")
    given = ctx.attr("scales")
    if given is None:
        given = ctx.require_const(1, "scales").reshape(-1).tolist()
    scales = [float(np.float32(s)) for s in given]
    return _build_resize(ctx, mode, "asymmetric", "floor", scales)
