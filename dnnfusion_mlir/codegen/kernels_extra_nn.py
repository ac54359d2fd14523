"""Kernel templates for ConvTranspose and LRN (Many-to-Many ops added for the model families).

conv_transpose is a stride-1 convolution of the zero-stuffed input with the spatially
flipped weight: the input is inserted with stride `s` into a zero tensor that also carries
(k - 1) * d rows of padding on each side, the weight is flipped by a `tensor.generate`, and
the two are contracted: ungrouped 2-D and 3-D ones by the named conv op (weight transposed
to [C_out, C_in] by the same generate), which the schedule vectorises with the conv
register tiles; grouped and 1-D ones by one `linalg.generic` (the [C_in, C_out/g] weight
layout folded into its indexing maps, groups as a loop). A `tensor.extract_slice` applies
the ONNX pads.
lrn is a `tensor.pad` of the channel axis only (`CHANNEL_PAD_ATTR`), a window-sum generic
over (n, c, j, spatial...) reading the padded x at channel c + j and accumulating its
square (`CHANNEL_WINDOW_ATTR`: its unit loops are folded away before it is vectorised, so
the c + j map, which the vectoriser rejects, disappears), and an element-wise generic
dividing x by (bias + alpha / size * sum) ** beta (`CHANNEL_SCALE_ATTR`). A row tile
holding every channel (block_fusion.py) fuses all three, and through the pad the LRN's
producer, computed once for the pad and the scale: a conv + ReLU + LRN block is one loop
nest, in which the window sum is fused into the scale's vector tile (schedule.py).
"""

from __future__ import annotations

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import (
    BodyFn,
    Operand,
    affine_map,
    empty,
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
)
from dnnfusion_mlir.codegen.schedule import (
    CHANNEL_PAD_ATTR,
    CHANNEL_SCALE_ATTR,
    CHANNEL_WINDOW_ATTR,
)


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


def _flip(k: KernelOp, w: Operand, lead: int, swap: bool = False) -> Emitted:
    """`w` reversed along its spatial dims (those after the first `lead`), and with `swap`
    its first two dims exchanged (ONNX's ungrouped [C, F, k...] as a conv's [F, C, k...]),
    by a `tensor.generate`: a generic with a `K-1-i` map would be mis-verified once tiled,
    and weights are small."""
    name, t = w
    shape = list(t.shape)
    if swap:
        shape[:2] = shape[1::-1]
    out = t.with_shape(shape)
    idx = [k.fresh("i") for _ in range(t.rank)]
    lines = [f"^bb0({', '.join(f'{i}: index' for i in idx)}):"]
    src = [idx[1], idx[0], *idx[2:lead]] if swap else list(idx[:lead])
    for i, n in zip(idx[lead:], t.shape[lead:], strict=True):
        c, j = k.fresh("c"), k.fresh("j")
        lines += [f"  {c} = arith.constant {n - 1} : index", f"  {j} = arith.subi {c}, {i} : index"]
        src.append(j)
    v, result = k.fresh("v"), k.fresh("flip")
    lines += [f"  {v} = tensor.extract {name}[{', '.join(src)}] : {t.text}",
              f"  tensor.yield {v} : {t.elem}", f"}} : {out.text}"]
    return [f"{result} = tensor.generate {{", *lines], (result, out)


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
    acc_sp = [f + e for f, e in zip(full, extra, strict=True)]
    if group == 1 and rank in (2, 3):
        more, wf = _flip(k, w, 2, swap=True)
        lines += more
        # Stride 1 over the stuffed input: the schedule's conv register tiles apply.
        acc_t = k.out.with_shape([n, f_g, *acc_sp])
        more, name = named_op(k, CONV_OPS[rank], [xs, wf], acc_t,
                              conv_attrs([1] * rank, k.attrs["dilations"]))
        lines += more
        merged = (name, acc_t)
    else:
        more, xg = expand(k, xs, 1, [n, group, c_in // group, *xs[1].shape[2:]])
        lines += more
        more, wg = expand(k, w, 0, [group, c_in // group, f_g, *kernel_size])
        lines += more
        more, wg = _flip(k, wg, 3)
        lines += more
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
    lo = (size - 1) // 2  # ONNX's window: an even size reaches one channel further up
    spatial = [0] * (t.rank - 2)
    lines, (xp, tp) = pad(k, (x, t), [0, lo, *spatial], [0, size - 1 - lo, *spatial], 0.0,
                          attrs=[CHANNEL_PAD_ATTR])
    # Loops (n, c, j, spatial...): the window offset j before the spatial loops, so the
    # innermost loop (the vector) stays a contiguous spatial one. The unused [size]
    # operand gives j its bound (it appears nowhere else).
    loops = t.rank + 1
    inner = [f"d{i + 1}" for i in range(2, t.rank)]
    maps = [affine_map(loops, ["d0", "d1 + d2", *inner]), affine_map(loops, ["d2"]),
            affine_map(loops, ["d0", "d1", *inner])]
    bound = t.with_shape([size])
    more, init = fill(k, t, 0.0)
    lines += more
    more, empty_bound = empty(k, bound)
    lines += more
    more, total = generic(k, [(xp, tp), (empty_bound, bound)], maps, t,
                          ["parallel", "parallel", "reduction"] + ["parallel"] * (t.rank - 2),
                          _square_sum(k), init=init, attrs=[CHANNEL_WINDOW_ATTR])
    lines += more
    more, result = generic(k, [(x, t), (total, t)], [identity_map(t.rank)] * 3, t,
                           ["parallel"] * t.rank, _lrn_scale(k), attrs=[CHANNEL_SCALE_ATTR])
    return "\n".join([*lines, *more, ret([result], [k.out])])


def _square_sum(k: KernelOp) -> BodyFn:
    """Region acc + x * x."""

    def body(a: list[str]) -> Lines:
        sq, r = k.fresh("sq"), k.fresh("r")
        return [f"{sq} = arith.mulf {a[0]}, {a[0]} : f32",
                f"{r} = arith.addf {a[2]}, {sq} : f32"], r

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
