"""Converters for data-movement ONNX ops: Reorganize (Reshape, Flatten, Squeeze, Unsqueeze),
Shuffle (Transpose), One-to-One (Concat, Split, Slice), One-to-Many (Gather, Expand), plus
Constant / Shape / Size for the rare case that the loader did not fold them.

Every result already has its final static shape (the loader ran shape inference), so the
converters mostly normalise attributes: axes made non-negative, constant inputs (axes, starts,
ends, steps) turned into attributes, Slice reduced to full-rank `starts`/`steps`.
Pad and Resize live in ops_resample.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import numpy_helper

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer import attrs
from dnnfusion_mlir.importer.node import NodeContext
from dnnfusion_mlir.importer.registry import converter

ANY = (np.float32, np.int64, np.int32, np.bool_)
INDICES = (np.int64, np.int32)


def norm_axis(ctx: NodeContext, axis: int, rank: int) -> int:
    """`axis` in [0, rank), from ONNX's [-rank, rank)."""
    if not -rank <= axis < rank:
        raise ctx.unsupported(f"axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def axes_of(ctx: NodeContext, input_index: int) -> list[int] | None:
    """Axes from the `axes` attribute (older opsets) or a constant input; None if absent."""
    if ctx.attr("axes") is not None:
        return [int(a) for a in ctx.attr("axes")]
    if not ctx.has_input(input_index):
        return None
    return [int(a) for a in ctx.require_const(input_index, "axes").reshape(-1)]


def reshape_target(ctx: NodeContext, shape: Sequence[int], allowzero: bool) -> list[int]:
    """ONNX Reshape's output shape: 0 copies the input dim (unless allowzero), -1 is inferred."""
    in_shape = ctx.in_shape(0)
    dims = [in_shape[i] if d == 0 and not allowzero else int(d) for i, d in enumerate(shape)]
    if dims.count(-1) > 1:
        raise ctx.unsupported("the target shape has more than one -1")
    if -1 in dims:
        known = int(np.prod([d for d in dims if d != -1]))
        total = int(np.prod(in_shape))
        if known == 0 or total % known:
            raise ctx.unsupported(f"cannot reshape {list(in_shape)} to {list(shape)}")
        dims[dims.index(-1)] = total // known
    return dims


@converter("Reshape")
def convert_reshape(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    shape = ctx.const(1)
    if shape is not None:
        target = reshape_target(ctx, shape.tolist(), bool(ctx.attr("allowzero", 0)))
        if tuple(target) != ctx.out_shape():
            raise ctx.unsupported(f"target shape {target} does not match the inferred result "
                                  f"shape {list(ctx.out_shape())}")
    return [ctx.build(dnnf.ReshapeOp, ctx.input(0), ctx.out_type()).out]


@converter("Flatten")
def convert_flatten(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    rank = len(ctx.in_shape(0))
    axis = int(ctx.attr("axis", 1))
    if not -rank <= axis <= rank:
        raise ctx.unsupported(f"axis {axis} is out of range for rank {rank}")
    axis = axis + rank if axis < 0 else axis
    return [ctx.build(dnnf.FlattenOp, ctx.input(0), attrs.i64(axis), ctx.out_type()).out]


@converter("Squeeze")
def convert_squeeze(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    shape = ctx.in_shape(0)
    given = axes_of(ctx, 1)
    if given is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = sorted({norm_axis(ctx, a, len(shape)) for a in given})
    if any(shape[a] != 1 for a in axes):
        raise ctx.unsupported(f"cannot squeeze axes {axes} of shape {list(shape)}")
    op = ctx.build(dnnf.SqueezeOp, ctx.input(0), attrs.i64_array(axes), ctx.out_type())
    return [op.out]


@converter("Unsqueeze")
def convert_unsqueeze(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    given = axes_of(ctx, 1)
    if not given:
        raise ctx.unsupported("Unsqueeze needs axes")
    out_rank = len(ctx.in_shape(0)) + len(given)
    axes = sorted({norm_axis(ctx, a, out_rank) for a in given})
    if len(axes) != len(given):
        raise ctx.unsupported(f"repeated axes {given}")
    op = ctx.build(dnnf.UnsqueezeOp, ctx.input(0), attrs.i64_array(axes), ctx.out_type())
    return [op.out]


@converter("Transpose")
def convert_transpose(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    rank = len(ctx.in_shape(0))
    perm = [int(p) for p in ctx.attr("perm", list(reversed(range(rank))))]
    perm = [norm_axis(ctx, p, rank) for p in perm]
    if sorted(perm) != list(range(rank)):
        raise ctx.unsupported(f"perm {perm} is not a permutation of {rank} axes")
    op = ctx.build(dnnf.TransposeOp, ctx.input(0), attrs.i64_array(perm), ctx.out_type())
    return [op.out]


@converter("Concat")
def convert_concat(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY, inputs=range(ctx.num_inputs))
    axis = norm_axis(ctx, int(ctx.attr("axis", 0)), len(ctx.out_shape()))
    present = [i for i in range(ctx.num_inputs) if ctx.has_input(i)]
    # Zero-size operands contribute nothing (and are constants: see empty_fold.py).
    inputs = [ctx.input(i) for i in present if 0 not in ctx.in_shape(i)]
    return [attrs.concat(ctx.build, inputs, axis, ctx.out_type())]


@converter("Split")
def convert_split(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    shape = ctx.in_shape(0)
    axis = norm_axis(ctx, int(ctx.attr("axis", 0)), len(shape))
    types = [ctx.out_type(i) for i in range(len(ctx.node.output))]
    sizes = [ir.RankedTensorType(t).shape[axis] for t in types]
    if sum(sizes) != shape[axis]:
        raise ctx.unsupported(f"split sizes {sizes} do not add up to dim {shape[axis]}")
    if len(set(sizes)) == 1:
        return list(ctx.build(dnnf.SplitOp, ctx.input(0), attrs.i64(axis), types).outs)
    # IRDL makes a variadic result homogeneous: unequal parts become one slice each.
    x, starts, results = ctx.input(0), [0] * len(shape), []
    for i, (t, size) in enumerate(zip(types, sizes, strict=True)):
        if size == 0:  # an empty part is a constant: no kernel for it
            results.append(ctx.constant(f"{ctx.node.output[i]}__empty",
                                        np.zeros(ctx.out_shape(i), ctx.out_dtype(i))))
            continue
        op = ctx.build(dnnf.SliceOp, x, attrs.i64_array(starts),
                       attrs.i64_array([1] * len(shape)), t)
        results.append(op.out)
        starts[axis] += size
    return results


def _slice_params(ctx: NodeContext) -> tuple[list[int], list[int], list[int], list[int]]:
    """(starts, ends, axes, steps) of a Slice node, from attributes or constant inputs."""
    if ctx.attr("starts") is not None:  # opset < 10
        starts, ends = list(ctx.attr("starts")), list(ctx.attr("ends"))
        axes = ctx.attr("axes", list(range(len(starts))))
        return starts, ends, list(axes), [1] * len(starts)
    starts = ctx.require_const(1, "starts").tolist()
    ends = ctx.require_const(2, "ends").tolist()
    axes = ctx.require_const(3, "axes").tolist() if ctx.has_input(3) else range(len(starts))
    steps = ctx.require_const(4, "steps").tolist() if ctx.has_input(4) else [1] * len(starts)
    return starts, ends, list(axes), steps


@converter("Slice")
def convert_slice(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    shape = ctx.in_shape(0)
    starts, ends, axes, steps = _slice_params(ctx)
    full_starts, full_steps, sizes = [0] * len(shape), [1] * len(shape), list(shape)
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        a = norm_axis(ctx, int(axis), len(shape))
        if step == 0:
            raise ctx.unsupported("steps must be non-zero")
        # Python's slice semantics are ONNX's: negatives wrap once, then clamp.
        picked = range(*slice(int(start), int(end), int(step)).indices(shape[a]))
        full_starts[a] = picked.start if len(picked) else 0
        full_steps[a], sizes[a] = int(step), len(picked)
    if tuple(sizes) != ctx.out_shape():
        raise ctx.unsupported(f"slice sizes {sizes} do not match the inferred result shape")
    op = ctx.build(dnnf.SliceOp, ctx.input(0), attrs.i64_array(full_starts),
                   attrs.i64_array(full_steps), ctx.out_type())
    return [op.out]


@converter("Gather")
def convert_gather(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    ctx.require_dtypes(INDICES, inputs=(1,))
    axis = norm_axis(ctx, int(ctx.attr("axis", 0)), len(ctx.in_shape(0)))
    op = ctx.build(dnnf.GatherOp, ctx.input(0), ctx.input(1), attrs.i64(axis), ctx.out_type())
    return [op.out]


@converter("Expand")
def convert_expand(ctx: NodeContext) -> list[ir.Value]:
    ctx.require_dtypes(ANY)
    return [ctx.build(dnnf.ExpandOp, ctx.input(0), ctx.out_type()).out]


def _constant_value(ctx: NodeContext) -> np.ndarray:
    """The tensor a Constant node defines, from whichever `value*` attribute it has."""
    if ctx.attr("value") is not None:
        return numpy_helper.to_array(ctx.attr("value"))
    for name, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                        ("value_int", np.int64), ("value_ints", np.int64)):
        if ctx.attr(name) is not None:
            return np.asarray(ctx.attr(name), dtype=dtype)
    raise ctx.unsupported("Constant without a numeric value attribute")


@converter("Constant")
def convert_constant(ctx: NodeContext) -> list[ir.Value]:
    return [ctx.constant(ctx.node.output[0], _constant_value(ctx))]


@converter("Shape")
def convert_shape(ctx: NodeContext) -> list[ir.Value]:
    shape = list(ctx.in_shape(0))
    start, end = int(ctx.attr("start", 0)), ctx.attr("end")
    picked = shape[start:] if end is None else shape[start:int(end)]
    return [ctx.constant(ctx.node.output[0], np.asarray(picked, dtype=np.int64))]


@converter("Size")
def convert_size(ctx: NodeContext) -> list[ir.Value]:
    size = np.asarray(int(np.prod(ctx.in_shape(0))), dtype=np.int64)
    return [ctx.constant(ctx.node.output[0], size)]
