"""Kernel templates for convolution, inference BatchNorm, MatMul and Gemm.

Contractions become upstream's named linalg ops (`linalg.conv_2d_nchw_fchw`,
`linalg.depthwise_conv_2d_nchw_chw`, `linalg.conv_2d_ngchw_gfchw`, `linalg.matmul`,
`linalg.batch_matmul`, ...) accumulating into a zero `linalg.fill`, so the scheduler can tile
and vectorise them; padding is a `tensor.pad`, epilogues (bias, alpha/beta) one
element-wise `linalg.generic`. Shape glue (`nn_text.py`) is expand/collapse_shape only.
"""

from __future__ import annotations

import math

import numpy as np

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import (
    Operand,
    affine_map,
    broadcast_map,
    elementwise,
    fill,
    float_literal,
    generic,
    identity_map,
    ret,
)
from dnnfusion_mlir.codegen.nn_text import (
    CONV_OPS,
    Emitted,
    Lines,
    collapse,
    conv_attrs,
    expand,
    mul_add_body,
    named_op,
    pad,
    reshape,
)

_DEPTHWISE = {1: "depthwise_conv_1d_ncw_cw", 2: "depthwise_conv_2d_nchw_chw",
              3: "depthwise_conv_3d_ncdhw_cdhw"}


def _conv_attrs(k: KernelOp) -> str:
    return conv_attrs(k.attrs["strides"], k.attrs["dilations"])


def _grouped_generic(k: KernelOp, x: Operand, w: Operand, out: TType) -> Lines:
    """Grouped conv of any rank as a generic over (n, g, f, o..., c, k...)."""
    rank = out.rank - 3
    n_loops = 4 + 2 * rank
    o = [f"d{3 + i}" for i in range(rank)]
    kk = [f"d{4 + rank + i}" for i in range(rank)]
    c = f"d{3 + rank}"
    win = [f"{oi} * {s} + {ki} * {d}"
           for oi, ki, s, d in zip(o, kk, k.attrs["strides"], k.attrs["dilations"], strict=True)]
    maps = [affine_map(n_loops, ["d0", "d1", c, *win]),
            affine_map(n_loops, ["d1", "d2", c, *kk]),
            affine_map(n_loops, ["d0", "d1", "d2", *o])]
    iterators = ["parallel"] * (3 + rank) + ["reduction"] * (1 + rank)
    lines, init = fill(k, out, 0.0)
    more, result = generic(k, [x, w], maps, out, iterators, mul_add_body(k), init=init)
    return lines + more, result


def _grouped(k: KernelOp, x: Operand, w: Operand) -> Lines:
    """Grouped conv: split channels into (group, channels/group), convolve, merge back."""
    group, out = k.attrs["group"], k.out
    xt, wt = x[1], w[1]
    x_shape = [xt.shape[0], group, xt.shape[1] // group, *xt.shape[2:]]
    w_shape = [group, wt.shape[0] // group, *wt.shape[1:]]
    o_shape = [out.shape[0], group, out.shape[1] // group, *out.shape[2:]]
    lines, xg = expand(k, x, 1, x_shape)
    more, wg = expand(k, w, 0, w_shape)
    lines += more
    o_t = out.with_shape(o_shape)
    if out.rank == 4:
        more, res = named_op(k, "conv_2d_ngchw_gfchw", [xg, wg], o_t, _conv_attrs(k))
    else:
        more, res = _grouped_generic(k, xg, wg, o_t)
    lines += more
    more, merged = collapse(k, (res, o_t), 1, 2)
    return lines + more, merged[0]


def _add_bias(k: KernelOp, acc: str) -> Lines:
    bias = k.operand("bias")
    if bias is None:
        return [], acc
    maps = [identity_map(k.out.rank), affine_map(k.out.rank, ["d1"]), identity_map(k.out.rank)]

    def body(a: list[str]) -> Lines:
        r = k.fresh("r")
        return [f"{r} = arith.addf {a[0]}, {a[1]} : f32"], r

    return generic(k, [(acc, k.out), bias], maps, k.out, ["parallel"] * k.out.rank, body)


@kernel("conv")
def conv(k: KernelOp) -> str:
    """Zero-padded input, then the named conv op matching the rank and grouping."""
    x, w = (k.args[0], k.in_types[0]), (k.args[1], k.in_types[1])
    rank, group = k.out.rank - 2, k.attrs["group"]
    pads = k.attrs["pads"]
    lines, xp = pad(k, x, [0, 0, *pads[:rank]], [0, 0, *pads[rank:]], 0.0)
    c_in, c_out = x[1].shape[1], k.out.shape[1]
    if group == 1:
        more, acc = named_op(k, CONV_OPS[rank], [xp, w], k.out, _conv_attrs(k))
    elif group == c_in == c_out:
        w_flat_lines, wf = collapse(k, w, 0, 1)
        more, acc = named_op(k, _DEPTHWISE[rank], [xp, wf], k.out, _conv_attrs(k))
        more = w_flat_lines + more
    else:
        more, acc = _grouped(k, xp, w)
    lines += more
    more, result = _add_bias(k, acc)
    return "\n".join([*lines, *more, ret([result], [k.out])])


@kernel("batch_norm")
def batch_norm(k: KernelOp) -> str:
    """(x - mean) * scale / sqrt(var + eps) + bias, per channel (dim 1)."""
    rank = k.out.rank
    maps = [identity_map(rank)] + [affine_map(rank, ["d1"])] * 4 + [identity_map(rank)]
    eps = float_literal(k.attrs["epsilon"])

    def body(a: list[str]) -> Lines:
        x, scale, bias, mean, var = a[:5]
        c, v, s, t, u, q, r = (k.fresh(h) for h in "cvstuqr")
        return [f"{c} = arith.constant {eps} : f32", f"{v} = arith.addf {var}, {c} : f32",
                f"{s} = math.sqrt {v} : f32", f"{t} = arith.subf {x}, {mean} : f32",
                f"{u} = arith.mulf {t}, {scale} : f32", f"{q} = arith.divf {u}, {s} : f32",
                f"{r} = arith.addf {q}, {bias} : f32"], r

    inputs = list(zip(k.args, k.in_types, strict=True))
    lines, result = generic(k, inputs, maps, k.out, ["parallel"] * rank, body)
    return "\n".join([*lines, ret([result], [k.out])])


def _broadcast_to(k: KernelOp, x: Operand, shape: list[int]) -> tuple[list[str], Operand]:
    """`x` materialised at `shape` (numpy broadcasting), or `x` itself if it already is."""
    if list(x[1].shape) == shape:
        return [], x
    out = x[1].with_shape(shape)

    def body(a: list[str]) -> Lines:
        return [], a[0]

    lines, name = elementwise(k, [x], out, body)
    return lines, (name, out)


def _batched(k: KernelOp, a: Operand, b: Operand) -> Emitted:
    """a [..., M, K] @ b [..., K, N] with broadcast batch dims, batch folded into one dim."""
    (m, kk), n = a[1].shape[-2:], b[1].shape[-1]
    batch = list(np.broadcast_shapes(a[1].shape[:-2], b[1].shape[:-2]))
    count = math.prod(batch)
    if not batch:
        out = a[1].with_shape([m, n])
        lines, res = named_op(k, "matmul", [a, b], out)
        return lines, (res, out)
    if b[1].rank == 2:
        # Shared right operand: one plain matmul over the batch-folded rows of `a`.
        lines, a2 = reshape(k, a, [count * m, kk])
        out = a[1].with_shape([count * m, n])
        more, res = named_op(k, "matmul", [a2, b], out)
        return lines + more, (res, out)
    glue: list[str] = []
    flat: list[Operand] = []
    for x, rows, cols in ((a, m, kk), (b, kk, n)):
        more, full = _broadcast_to(k, x, [*batch, rows, cols])
        again, x3 = reshape(k, full, [count, rows, cols])
        glue += more + again
        flat.append(x3)
    out = a[1].with_shape([count, m, n])
    more, res = named_op(k, "batch_matmul", flat, out)
    return glue + more, (res, out)


@kernel("matmul")
def matmul(k: KernelOp) -> str:
    """numpy matmul: 1-D operands get a unit dim, batch dims are broadcast and folded."""
    a, b = (k.args[0], k.in_types[0]), (k.args[1], k.in_types[1])
    lines: list[str] = []
    if a[1].rank == 1:
        lines, a = reshape(k, a, [1, a[1].shape[0]])
    if b[1].rank == 1:
        more, b = reshape(k, b, [b[1].shape[0], 1])
        lines += more
    more, res = _batched(k, a, b)
    final, result = reshape(k, res, list(k.out.shape))
    return "\n".join([*lines, *more, *final, ret([result[0]], [k.out])])


def _gemm_product(k: KernelOp) -> Lines:
    """op(A) @ op(B) as one `linalg.matmul`, transposes folded into its indexing maps."""
    a, b = (k.args[0], k.in_types[0]), (k.args[1], k.in_types[1])
    a_map = ["d2", "d0"] if k.attrs["trans_a"] else ["d0", "d2"]
    b_map = ["d1", "d2"] if k.attrs["trans_b"] else ["d2", "d1"]
    if not (k.attrs["trans_a"] or k.attrs["trans_b"]):
        return named_op(k, "matmul", [a, b], k.out)
    maps = [affine_map(3, a_map), affine_map(3, b_map), affine_map(3, ["d0", "d1"])]
    return named_op(k, "matmul", [a, b], k.out, f"indexing_maps = [{', '.join(maps)}] ")


@kernel("gemm")
def gemm(k: KernelOp) -> str:
    """alpha * op(A) @ op(B) + beta * C, C broadcast to [M, N]."""
    lines, acc = _gemm_product(k)
    alpha, beta, bias = k.attrs["alpha"], k.attrs["beta"], k.operand("bias")
    if bias is not None and beta == 0.0:
        bias = None
    if alpha == 1.0 and bias is None:
        return "\n".join([*lines, ret([acc], [k.out])])
    inputs = [(acc, k.out)] + ([bias] if bias is not None else [])
    maps = [identity_map(2)] + ([broadcast_map(bias[1].shape, k.out.shape)] if bias else [])

    def body(a: list[str]) -> Lines:
        ca, cb, s, t, r = (k.fresh(h) for h in "cbstr")
        out = [f"{ca} = arith.constant {float_literal(alpha)} : f32",
               f"{s} = arith.mulf {a[0]}, {ca} : f32"]
        if bias is None:
            return out, s
        return [*out, f"{cb} = arith.constant {float_literal(beta)} : f32",
                f"{t} = arith.mulf {a[1]}, {cb} : f32", f"{r} = arith.addf {s}, {t} : f32"], r

    more, result = generic(k, inputs, [*maps, identity_map(2)], k.out, ["parallel"] * 2, body)
    return "\n".join([*lines, *more, ret([result], [k.out])])
