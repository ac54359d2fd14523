"""Aten converters added for the model families on the PyTorch path: transposed
convolution, padding (constant / reflect / replicate), up-sampling (nearest 1-d/2-d,
bilinear) as `dnnf.resize`, channel shuffle, flip, element-wise min/max,
sin/cos, softplus, `ne` and the logical ops.

Attributes follow the ONNX importer's conventions (see torch_ops_nn.py): pads explicit as
[begins..., ends...] over every axis, Resize scales full-rank.

Up-sampling keeps PyTorch's index arithmetic, spelled as ONNX coordinate modes:
  nearest:               src = floor(dst * in/out)                 -> asymmetric + floor
  linear, corners False: src = max(0, (dst + 0.5) * in/out - 0.5)  -> half_pixel
  linear, corners True:  src = dst * (in - 1) / (out - 1)          -> align_corners
where in/out is 1/scale_factor when torch was given scale factors, else the size ratio.
The lengths are the integer sizes even then (`fractional_length` 0 on the dnnf.resize, unlike
an ONNX Resize given fractional scales: see importer/ops_resample.py).
Eager PyTorch applies the half-pixel formula to size-1 outputs too (ONNX's
pytorch_half_pixel would read index 0 there), so half_pixel is the faithful mode; the
dnnf.resize kernel clamps linear source coordinates into [0, in - 1] as torch does.
torch-mlir has no op for `nearest-exact`, linear 1-d, trilinear or nearest 3-d up-sampling:
torch.export keeps them whole and torch-mlir rejects them, an UnsupportedOpError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.torch_node import AtenContext, aten
from dnnfusion_mlir.importer.torch_ops import BOOL, binary, cast_to, unary
from dnnfusion_mlir.importer.torch_ops_shape import transpose

F32 = np.dtype(np.float32)


# ------------------------------------------------------------------ transposed convolution
def _ints_per_dim(ctx: AtenContext, i: int, rank: int, default: int) -> list[int]:
    """A per-spatial-dim list operand (one value broadcast; missing or empty: `default`)."""
    value = ctx.arg(i)
    values = ctx.ints(i) if value not in (None, []) else [default]
    values = values * rank if len(values) == 1 else values
    if len(values) != rank:
        raise ctx.unsupported(f"operand {i} has {len(values)} values for {rank} spatial dims")
    return values


@aten("aten.conv_transpose1d", "aten.conv_transpose2d.input", "aten.conv_transpose3d.input")
def convert_conv_transpose(ctx: AtenContext) -> list[Any]:
    """`aten.convolution(transposed=True)` and `aten.conv_transposeNd` -> dnnf.conv_transpose.

    Operand order: convolution (x, w, b, stride, padding, dilation, transposed,
    output_padding, groups); conv_transposeNd (x, w, b, stride, padding, output_padding,
    groups, dilation). The end pads come from the result shape, which holds output_padding.
    """
    rank = ctx.rank(0) - 2
    if not 1 <= rank <= 3:
        raise ctx.unsupported(f"{rank} spatial dimensions (supported: 1 to 3)")
    full_form = ctx.name in ("aten.convolution", "aten._convolution")
    strides = _ints_per_dim(ctx, 3, rank, 1)
    begins = _ints_per_dim(ctx, 4, rank, 0)
    dilations = _ints_per_dim(ctx, 5 if full_form else 7, rank, 1)
    group = int(ctx.arg(8 if full_form else 6, 1) or 1)
    x_shape, kernel = ctx.shape(0), ctx.shape(1)[2:]
    out = ctx.out_shape()[2:]
    full = [(i - 1) * s + (k - 1) * d + 1
            for i, s, k, d in zip(x_shape[2:], strides, kernel, dilations, strict=True)]
    ends = [f - b - o for f, b, o in zip(full, begins, out, strict=True)]
    bias = ctx.tensor(2) if ctx.arg(2) is not None else None
    op = ctx.build(dnnf.ConvTransposeOp, ctx.tensor(0), ctx.tensor(1), attrs.i64_array(strides),
                   attrs.i64_array(begins + ends), attrs.i64_array(dilations),
                   attrs.i64(group), ctx.out_type(), bias=bias)
    return [op.out]


# ------------------------------------------------------------------ padding
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}
_PAD_OPS = {"aten.reflection_pad1d": "reflect", "aten.reflection_pad2d": "reflect",
            "aten.reflection_pad3d": "reflect", "aten.replication_pad1d": "edge",
            "aten.replication_pad2d": "edge", "aten.replication_pad3d": "edge"}


def onnx_pads(torch_pads: Sequence[int], rank: int) -> list[int]:
    """torch's (last dim first) (left, right) pairs -> full-rank [begins..., ends...]."""
    if len(torch_pads) % 2 or len(torch_pads) > 2 * rank:
        raise ValueError(f"{len(torch_pads)} pad values for a rank-{rank} tensor")
    begins, ends = [0] * rank, [0] * rank
    for j in range(len(torch_pads) // 2):
        begins[rank - 1 - j], ends[rank - 1 - j] = torch_pads[2 * j], torch_pads[2 * j + 1]
    return begins + ends


@aten("aten.constant_pad_nd", "aten.pad", *_PAD_OPS)
def convert_pad(ctx: AtenContext) -> list[Any]:
    """constant_pad_nd(x, pad, value), pad(x, pad, mode, value) and the reflection /
    replication pads -> dnnf.pad."""
    value = 0.0
    if ctx.name == "aten.pad":
        mode = _PAD_MODES.get(str(ctx.arg(2, "constant")))
        if mode is None:
            raise ctx.unsupported(f"padding mode '{ctx.arg(2)}' (supported: "
                                  f"{', '.join(_PAD_MODES)})")
        value = ctx.number(3) if mode == "constant" and ctx.arg(3) is not None else 0.0
    elif ctx.name == "aten.constant_pad_nd":
        mode, value = "constant", ctx.number(2, 0.0)
    else:
        mode = _PAD_OPS[ctx.name]
    try:
        pads = onnx_pads(ctx.ints(1), ctx.rank(0))
    except ValueError as exc:
        raise ctx.unsupported(str(exc)) from exc
    if not any(pads):
        return [ctx.arg(0)]
    op = ctx.build(dnnf.PadOp, ctx.tensor(0), attrs.i64_array(pads), attrs.string(mode),
                   attrs.f32(float(value)), ctx.out_type())
    return [op.out]


# ------------------------------------------------------------------ up-sampling
# name -> (mode, index of align_corners or None, index of the first per-dim scale or None)
# (torch-mlir's torch dialect has only these three; the 3-d and linear-1d forms, and
# nearest-exact, reach us as `torch.operator`s it rejects before we see them.)
_UPSAMPLE = {
    "aten.upsample_nearest1d": ("nearest", None, 2),
    "aten.upsample_nearest2d": ("nearest", None, 2),
    "aten.upsample_bilinear2d": ("linear", 2, 3),
}
_UPSAMPLE_VEC = {f"{name}.vec": (mode, corners, 3 if corners else 2)
                 for name, (mode, corners, _) in _UPSAMPLE.items()}


def _upsample_scales(ctx: AtenContext, first: int, vec: bool) -> list[float]:
    """Full-rank out/in factors: torch's scale factors when given, else the size ratio."""
    in_sp, out_sp = ctx.shape(0)[2:], ctx.out_shape()[2:]
    if vec:
        given = ctx.arg(first)
        given = list(given) if isinstance(given, list | tuple) else []
    else:
        given = [ctx.arg(first + d) for d in range(len(in_sp))]
    if len(given) != len(in_sp) or any(g is None for g in given):
        given = [o / i for i, o in zip(in_sp, out_sp, strict=True)]
    return [1.0, 1.0] + [float(np.float32(g)) for g in given]


@aten(*_UPSAMPLE, *_UPSAMPLE_VEC)
def convert_upsample(ctx: AtenContext) -> list[Any]:
    """upsample_nearest{1,2}d and upsample_bilinear2d (and .vec) -> dnnf.resize."""
    vec = ctx.name.endswith(".vec")
    mode, corners_at, first = (_UPSAMPLE_VEC if vec else _UPSAMPLE)[ctx.name]
    if mode == "nearest" and ctx.out_dtype() not in (F32, np.int64, np.int32):
        raise ctx.unsupported(f"nearest up-sampling of {ctx.out_dtype()} tensors")
    if mode == "linear" and ctx.out_dtype() != F32:
        raise ctx.unsupported(f"linear up-sampling of {ctx.out_dtype()} tensors")
    corners = bool(ctx.arg(corners_at)) if corners_at is not None else False
    if mode == "nearest":
        coordinate, nearest = "asymmetric", "floor"
    else:  # nearest_mode is unused by linear
        coordinate, nearest = ("align_corners" if corners else "half_pixel"), "floor"
    scales = _upsample_scales(ctx, first, vec)
    op = ctx.build(dnnf.ResizeOp, ctx.tensor(0), attrs.string(mode), attrs.string(coordinate),
                   attrs.string(nearest), attrs.f32_array(scales), ctx.out_type(),
                   fractional_length=attrs.i64(0))
    return [op.out]


# ------------------------------------------------------------------ channel shuffle
@aten("aten.channel_shuffle", "aten.native_channel_shuffle")
def convert_channel_shuffle(ctx: AtenContext) -> list[Any]:
    """(N, C, ...) -> view (N, g, C/g, ...) -> swap axes 1, 2 -> view (N, C, ...)."""
    shape = ctx.shape(0)
    groups = ctx.ints(1)[0]
    if len(shape) < 3 or groups < 1 or shape[1] % groups:
        raise ctx.unsupported(f"{groups} groups for input shape {list(shape)}")
    split = (shape[0], groups, shape[1] // groups, *shape[2:])
    grouped = ctx.build(dnnf.ReshapeOp, ctx.tensor(0), ctx.type_like(split)).out
    perm = list(range(len(split)))
    perm[1], perm[2] = 2, 1
    swapped = transpose(ctx, grouped, perm)
    return [ctx.build(dnnf.ReshapeOp, swapped, ctx.out_type()).out]


@aten("aten.flip")
def convert_flip(ctx: AtenContext) -> list[Any]:
    """Reverse the given dims: a dnnf.slice starting at the last index with step -1."""
    shape = ctx.shape(0)
    dims = {ctx.axis(d, len(shape)) for d in ctx.ints(1)}
    dims = {d for d in dims if shape[d] > 1}
    if not dims:
        return [ctx.arg(0)]
    starts = [shape[d] - 1 if d in dims else 0 for d in range(len(shape))]
    steps = [-1 if d in dims else 1 for d in range(len(shape))]
    op = ctx.build(dnnf.SliceOp, ctx.tensor(0), attrs.i64_array(starts), attrs.i64_array(steps),
                   ctx.out_type())
    return [op.out]


# ------------------------------------------------------------------ element-wise
_UNARY_EXTRA = {"aten.sin": dnnf.SinOp, "aten.cos": dnnf.CosOp}
_MIN_MAX = {"aten.minimum": dnnf.MinOp, "aten.maximum": dnnf.MaxOp,
            "aten.fmin": dnnf.MinOp, "aten.fmax": dnnf.MaxOp}
_LOGICAL = {"aten.logical_and": dnnf.AndOp, "aten.logical_or": dnnf.OrOp,
            "aten.logical_xor": dnnf.XorOp, "aten.bitwise_and.Tensor": dnnf.AndOp,
            "aten.bitwise_or.Tensor": dnnf.OrOp, "aten.bitwise_xor.Tensor": dnnf.XorOp}


@aten(*_UNARY_EXTRA)
def convert_trig(ctx: AtenContext) -> list[Any]:
    """sin / cos of a float tensor (integer inputs are cast first, as torch promotes)."""
    return [unary(ctx, _UNARY_EXTRA[ctx.name], cast_to(ctx, 0, ctx.out_dtype()))]


@aten(*_MIN_MAX)
def convert_min_max(ctx: AtenContext) -> list[Any]:
    """Element-wise minimum / maximum with torch's type promotion."""
    dtype = ctx.out_dtype()
    return [binary(ctx, _MIN_MAX[ctx.name], cast_to(ctx, 0, dtype), cast_to(ctx, 1, dtype))]


@aten("aten.softplus")
def convert_softplus(ctx: AtenContext) -> list[Any]:
    """softplus(x, beta, threshold) = log(1 + exp(beta x)) / beta, x where beta x > threshold.

    dnnf.softplus is the stable max(x, 0) + log1p(exp(-|x|)); above the threshold it differs
    from x by less than exp(-threshold), so the linear branch needs no select.
    """
    if ctx.out_dtype() != F32:
        raise ctx.unsupported(f"softplus of {ctx.out_dtype()} tensors")
    beta = float(ctx.number(1, 1.0))
    x = ctx.tensor(0)
    if beta == 1.0:
        return [unary(ctx, dnnf.SoftplusOp, x)]
    scaled = unary(ctx, dnnf.SoftplusOp, binary(ctx, dnnf.MulOp, x, ctx.scalar(beta)))
    return [binary(ctx, dnnf.DivOp, scaled, ctx.scalar(beta))]


@aten("aten.ne.Tensor", "aten.ne.Scalar")
def convert_ne(ctx: AtenContext) -> list[Any]:
    """x != y as not(x == y), compared in the promoted type."""
    dtypes = [ctx.dtype(i) if ctx.is_tensor(i) else np.asarray(ctx.arg(i)).dtype
              for i in (0, 1)]
    common = np.result_type(*dtypes)
    common = F32 if common == np.float64 else common
    equal = binary(ctx, dnnf.EqualOp, cast_to(ctx, 0, common), cast_to(ctx, 1, common), BOOL)
    return [unary(ctx, dnnf.NotOp, equal)]


@aten("aten.logical_not", "aten.bitwise_not")
def convert_not(ctx: AtenContext) -> list[Any]:
    """Logical negation (bitwise_not of a bool tensor is the same)."""
    if ctx.name == "aten.bitwise_not" and ctx.dtype(0) != BOOL:
        raise ctx.unsupported("bitwise_not of integer tensors")
    return [unary(ctx, dnnf.NotOp, cast_to(ctx, 0, BOOL))]


@aten(*_LOGICAL)
def convert_logical(ctx: AtenContext) -> list[Any]:
    """and / or / xor of (bool-cast) operands; bitwise forms only on bool tensors."""
    if ctx.name.startswith("aten.bitwise") and ctx.out_dtype() != BOOL:
        raise ctx.unsupported("bitwise ops on integer tensors")
    lhs, rhs = cast_to(ctx, 0, BOOL), cast_to(ctx, 1, BOOL)
    return [binary(ctx, _LOGICAL[ctx.name], lhs, rhs, BOOL)]
