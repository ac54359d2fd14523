"""Kernel templates for ConvTranspose and LRN (Many-to-Many ops added for the model families).

conv_transpose is a stride-1 convolution of the zero-stuffed input with the spatially
flipped weight: the input is inserted with stride `s` into a zero tensor that also carries
(k - 1) * d rows of padding on each side, the weight is flipped by a `tensor.generate`, and
one `linalg.generic` contracts the two (the [C_in, C_out/g] weight layout folded into its
indexing maps, groups as a loop),
and a `tensor.extract_slice` applies the ONNX pads.
lrn is two generics and no `tensor.pad` (block fusion never fuses through a pad, so a padded
square would stay a loop nest of its own): a window-sum generic over (n, c, j, spatial...)
reads x itself at channel c + j - (size - 1) // 2 (`linalg.index` + `tensor.extract`, index
clamped into range, out-of-range channels masked to 0), squares and accumulates it; an
element-wise generic divides x by (bias + alpha / size * sum) ** beta. Both tile and fuse
into one loop nest, and the window sum is vectorised along its innermost (spatial) loop,
its reads as contiguous loads (`VECTOR_EXTRACT_ATTR`, codegen/schedule.py).
"""

from __future__ import annotations

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.kernels_shape import index_const
from dnnfusion_mlir.codegen.linalg_text import (
    BodyFn,
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
from dnnfusion_mlir.codegen.nn_text import Emitted, Lines, collapse, expand, mul_add_body, pad
from dnnfusion_mlir.codegen.schedule import VECTOR_EXTRACT_ATTR


def _ints(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


def _stuff(k: KernelOp, x: Operand, strides: list[int], margin: list[int],
           extra: list[int]) -> Emitted:
    """`x` inserted with `strides` into zeros, `margin` before and `margin + extra` after."""
    name, t = x
    sp = t.shape[2:]
    size = [(i - 1) * s + 1 + 2 * m + e for i, s, m, e in zip(sp, strides, margin, extra,
                                                             strict=True)]
    out = t.with_shape([*t.shape[:2], *size])
    lines, zeros = fill(k, out, 0.0)
    result = k.fresh("st")
    offsets, steps = [0, 0, *margin], [1, 1, *strides]
    lines.append(f"{result} = tensor.insert_slice {name} into {zeros}[{_ints(offsets)}] "
                 f"[{_ints(list(t.shape))}] [{_ints(steps)}] : {t.text} into {out.text}")
    return lines, (result, out)


def _flip(k: KernelOp, w: Operand) -> Emitted:
    """`w` [G, Cg, Fg, k...] reversed along its spatial dims, by a `tensor.generate`: a
    generic with a `K-1-i` map would be mis-verified once tiled, and weights are small."""
    name, t = w
    idx = [k.fresh("i") for _ in range(t.rank)]
    lines = [f"^bb0({', '.join(f'{i}: index' for i in idx)}):"]
    src = list(idx[:3])
    for i, n in zip(idx[3:], t.shape[3:], strict=True):
        c, j = k.fresh("c"), k.fresh("j")
        lines += [f"  {c} = arith.constant {n - 1} : index", f"  {j} = arith.subi {c}, {i} : index"]
        src.append(j)
    v, result = k.fresh("v"), k.fresh("flip")
    lines += [f"  {v} = tensor.extract {name}[{', '.join(src)}] : {t.text}",
              f"  tensor.yield {v} : {t.elem}", f"}} : {t.text}"]
    return [f"{result} = tensor.generate {{", *lines], (result, t)


def _contract(k: KernelOp, x: Operand, w: Operand, out: TType) -> Emitted:
    """Grouped stride-1 conv: x [N, G, Cg, sp...], (flipped) w [G, Cg, Fg, k...]
    -> [N, G, Fg, o...]; loops (n, g, f, o..., c, k...)."""
    rank = out.rank - 3
    loops = 4 + 2 * rank
    o = [f"d{3 + i}" for i in range(rank)]
    kk = [f"d{4 + rank + i}" for i in range(rank)]
    c = f"d{3 + rank}"
    win = [f"{oi} + {ki} * {d}" for oi, ki, d in zip(o, kk, k.attrs["dilations"], strict=True)]
    maps = [affine_map(loops, ["d0", "d1", c, *win]),
            affine_map(loops, ["d1", c, "d2", *kk]),
            affine_map(loops, ["d0", "d1", "d2", *o])]
    iterators = ["parallel"] * (3 + rank) + ["reduction"] * (1 + rank)
    lines, init = fill(k, out, 0.0)
    more, result = generic(k, [x, w], maps, out, iterators, mul_add_body(k), init=init)
    return lines + more, (result, out)


def _bias_slice(k: KernelOp, acc: Operand, begins: list[int]) -> Lines:
    """The ONNX window of the full result, plus the per-channel bias if any."""
    name, t = acc
    out = k.out
    lines: list[str] = []
    if list(t.shape) != list(out.shape):
        sliced = k.fresh("sl")
        lines.append(f"{sliced} = tensor.extract_slice {name}[{_ints([0, 0, *begins])}] "
                     f"[{_ints(list(out.shape))}] [{_ints([1] * out.rank)}] : "
                     f"{t.text} to {out.text}")
        name = sliced
    bias = k.operand("bias")
    if bias is None:
        return lines, name
    maps = [identity_map(out.rank), affine_map(out.rank, ["d1"]), identity_map(out.rank)]

    def body(a: list[str]) -> Lines:
        r = k.fresh("r")
        return [f"{r} = arith.addf {a[0]}, {a[1]} : f32"], r

    more, result = generic(k, [(name, out), bias], maps, out, ["parallel"] * out.rank, body)
    return lines + more, result


@kernel("conv_transpose")
def conv_transpose(k: KernelOp) -> str:
    """Zero-stuff + pad, grouped flipped-weight contraction, slice to the ONNX window, bias."""
    x, w = (k.args[0], k.in_types[0]), (k.args[1], k.in_types[1])
    rank, group = k.out.rank - 2, k.attrs["group"]
    strides, dil = k.attrs["strides"], k.attrs["dilations"]
    begins = k.attrs["pads"][:rank]
    kernel_size = list(w[1].shape[2:])
    margin = [(n - 1) * d for n, d in zip(kernel_size, dil, strict=True)]
    full = [(i - 1) * s + m + 1 for i, s, m in zip(x[1].shape[2:], strides, margin,
                                                   strict=True)]
    length = [b + o for b, o in zip(begins, k.out.shape[2:], strict=True)]
    extra = [max(0, n - f) for n, f in zip(length, full, strict=True)]
    lines, xs = _stuff(k, x, strides, margin, extra)
    n, c_in = x[1].shape[:2]
    f_g = w[1].shape[1]
    more, xg = expand(k, xs, 1, [n, group, c_in // group, *xs[1].shape[2:]])
    lines += more
    more, wg = expand(k, w, 0, [group, c_in // group, f_g, *kernel_size])
    lines += more
    more, wg = _flip(k, wg)
    lines += more
    acc_sp = [f + e for f, e in zip(full, extra, strict=True)]
    more, acc = _contract(k, xg, wg, k.out.with_shape([n, group, f_g, *acc_sp]))
    lines += more
    more, merged = collapse(k, acc, 1, 2)
    lines += more
    # Negative begin pads (an output_shape larger than the full result) read zeros before it.
    front = [max(0, -b) for b in begins]
    more, merged = pad(k, merged, [0, 0, *front], [0] * (rank + 2), 0.0)
    lines += more
    more, result = _bias_slice(k, merged, [b + f for b, f in zip(begins, front, strict=True)])
    return "\n".join([*lines, *more, ret([result], [k.out])])


@kernel("lrn")
def lrn(k: KernelOp) -> str:
    """y = x / (bias + alpha / size * window_sum(x^2)) ** beta over channels (dim 1)."""
    x, t = k.args[0], k.in_types[0]
    size = k.attrs["size"]
    # Loops (n, c, j, spatial...): the window offset j before the spatial loops, so the
    # innermost loop (the vector) stays a contiguous spatial one. The unused [size]
    # operand gives j its bound (it appears nowhere else).
    loops = t.rank + 1
    out_dims = ["d0", "d1", *(f"d{i + 1}" for i in range(2, t.rank))]
    maps = [affine_map(loops, ["d2"]), affine_map(loops, out_dims)]
    bound = t.with_shape([size])
    lines, init = fill(k, t, 0.0)
    more, empty_bound = empty(k, bound)
    lines += more
    more, total = generic(k, [(empty_bound, bound)], maps, t,
                          ["parallel", "parallel", "reduction"] + ["parallel"] * (t.rank - 2),
                          _window_square_sum(k, x, t), init=init,
                          attrs=[VECTOR_EXTRACT_ATTR])
    lines += more
    more, result = elementwise(k, [(x, t), (total, t)], t, _lrn_scale(k))
    return "\n".join([*lines, *more, ret([result], [k.out])])


def _window_square_sum(k: KernelOp, x: str, t: TType) -> BodyFn:
    """Region acc + (x[n, c + j - lo, ...] ** 2 if that channel exists else 0).

    The channel is c + j - lo with lo = (size - 1) // 2 (ONNX's window; an even size
    reaches one channel further up than down). One unsigned compare checks both ends
    (a negative index wraps to a huge one), and the read index is clamped into range so
    the masked-off lanes still read in bounds.
    """
    lo = (k.attrs["size"] - 1) // 2

    def body(a: list[str]) -> Lines:
        n, c, j, s, ch, ok, at, v, sq, zero, term, r = (k.fresh(h) for h in (
            "n", "c", "j", "s", "ch", "ok", "at", "v", "sq", "z", "t", "r"))
        spatial = [k.fresh("i") for _ in range(t.rank - 2)]
        lo_l, lo_n = index_const(k, lo)
        count_l, count = index_const(k, t.shape[1])
        last_l, last = index_const(k, t.shape[1] - 1)
        lines = [f"{n} = linalg.index 0 : index",
                 *(f"{i} = linalg.index {d + 3} : index" for d, i in enumerate(spatial)),
                 f"{c} = linalg.index 1 : index", f"{j} = linalg.index 2 : index",
                 lo_l, count_l, last_l,
                 f"{s} = arith.addi {c}, {j} : index",
                 f"{ch} = arith.subi {s}, {lo_n} : index",
                 f"{ok} = arith.cmpi ult, {ch}, {count} : index",
                 f"{at} = arith.minui {ch}, {last} : index",
                 f"{v} = tensor.extract {x}[{', '.join([n, at, *spatial])}] : {t.text}",
                 f"{sq} = arith.mulf {v}, {v} : f32",
                 f"{zero} = arith.constant 0.0 : f32",
                 f"{term} = arith.select {ok}, {sq}, {zero} : f32",
                 f"{r} = arith.addf {a[1]}, {term} : f32"]
        return lines, r

    return body


def _lrn_scale(k: KernelOp) -> BodyFn:
    """Region x / (bias + alpha/size * s) ** beta."""
    coeff = float_literal(k.attrs["alpha"] / k.attrs["size"])
    bias, beta = float_literal(k.attrs["bias"]), float_literal(k.attrs["beta"])

    def body(a: list[str]) -> Lines:
        ca, cb, cp, m, s, p, r = (k.fresh(h) for h in ("ca", "cb", "cp", "m", "s", "p", "r"))
        return [f"{ca} = arith.constant {coeff} : f32", f"{cb} = arith.constant {bias} : f32",
                f"{cp} = arith.constant {beta} : f32", f"{m} = arith.mulf {a[1]}, {ca} : f32",
                f"{s} = arith.addf {m}, {cb} : f32", f"{p} = math.powf {s}, {cp} : f32",
                f"{r} = arith.divf {a[0]}, {p} : f32"], r

    return body
