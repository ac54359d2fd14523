"""Kernel templates for reductions: reduce_sum/mean/max, softmax, layer_norm.

Every reduction is a `linalg.generic` over the input's loops with "reduction" iterators on
the reduced dims, writing a `linalg.fill`-initialised tensor of the kept dims through a
projected-permutation map (so it vectorises); `keepdims` is a `tensor.expand_shape` after.
Softmax is max -> exp(x - max) -> sum -> divide (numerically stable); layer_norm is two-pass:
mean, then mean of squared deviations, then the affine normalisation.
"""

from __future__ import annotations

from collections.abc import Sequence

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import (
    Operand,
    affine_map,
    broadcast_map,
    fill,
    float_literal,
    generic,
    identity_map,
    ret,
)

Lines = tuple[list[str], str]
_INT_MIN = {"i64": -(2**63), "i32": -(2**31)}


def _kept(shape: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _proj_map(rank: int, axes: Sequence[int]) -> str:
    """Map from the full loop nest to the kept dims (reduced dims dropped)."""
    return affine_map(rank, [f"d{i}" for i in range(rank) if i not in axes])


def _iterators(rank: int, axes: Sequence[int]) -> list[str]:
    return ["reduction" if i in axes else "parallel" for i in range(rank)]


def _reduce(k: KernelOp, x: Operand, axes: Sequence[int], combine: str,
            init: float | int) -> Lines:
    """acc = combine(acc, x) over `axes`, acc starting at `init`; result has the kept dims."""
    t = x[1]
    out = t.with_shape(_kept(t.shape, axes))
    lines, acc = fill(k, out, init)

    def body(a: list[str]) -> Lines:
        r = k.fresh("r")
        return [f"{r} = {combine} {a[0]}, {a[1]} : {t.elem}"], r

    more, result = generic(k, [x], [identity_map(t.rank), _proj_map(t.rank, axes)], out,
                           _iterators(t.rank, axes), body, init=acc)
    return lines + more, result


def _map(k: KernelOp, inputs: Sequence[Operand], maps: Sequence[str], out: TType,
         ops: list[str]) -> Lines:
    """Parallel generic over `out`; `ops` are body lines with {0}.. = block args, {r} = result."""
    def body(a: list[str]) -> Lines:
        names = {f"t{i}": k.fresh("t") for i in range(len(ops))}
        lines = [op.format(*a, **names) for op in ops]
        return lines, names[f"t{len(ops) - 1}"]

    return generic(k, inputs, [*maps, identity_map(out.rank)], out, ["parallel"] * out.rank,
                   body)


def _expand(k: KernelOp, value: str, src: TType, dst: TType, axes: Sequence[int]) -> Lines:
    """`tensor.expand_shape` re-inserting the unit dims `axes` (keepdims=1)."""
    groups: list[list[int]] = []
    pending: list[int] = []
    for i in range(dst.rank):
        if i in axes:
            pending.append(i)
        else:
            groups.append([*pending, i])
            pending = []
    if pending and groups:
        groups[-1] += pending
    name = k.fresh("x")
    reassoc = ", ".join("[" + ", ".join(map(str, g)) + "]" for g in groups)
    shape = ", ".join(map(str, dst.shape))
    return [f"{name} = tensor.expand_shape {value} [{reassoc}] output_shape [{shape}] "
            f": {src.text} into {dst.text}"], name


def _finish(k: KernelOp, lines: list[str], value: str, value_type: TType) -> str:
    """Reshape the kept-dims result to the op's result type (keepdims) and return it."""
    if value_type.shape != k.out.shape:
        more, value = _expand(k, value, value_type, k.out, k.attrs["axes"])
        lines = lines + more
    return "\n".join([*lines, ret([value], [k.out])])


@kernel("reduce_sum", "reduce_max")
def reduce_sum_max(k: KernelOp) -> str:
    t, axes = k.in_types[0], list(k.attrs["axes"])
    if k.name == "dnnf.reduce_sum":
        combine = "arith.addf" if t.is_float else "arith.addi"
        init: float | int = 0.0 if t.is_float else 0
    else:
        combine = "arith.maximumf" if t.is_float else "arith.maxsi"
        init = float("-inf") if t.is_float else _INT_MIN[t.elem]
    lines, acc = _reduce(k, (k.args[0], t), axes, combine, init)
    return _finish(k, lines, acc, t.with_shape(_kept(t.shape, axes)))


@kernel("reduce_mean")
def reduce_mean(k: KernelOp) -> str:
    t, axes = k.in_types[0], list(k.attrs["axes"])
    kept = t.with_shape(_kept(t.shape, axes))
    lines, acc = _reduce(k, (k.args[0], t), axes, "arith.addf", 0.0)
    count = t.numel // max(kept.numel, 1)
    c = k.fresh("c")
    lines.append(f"{c} = arith.constant {float_literal(count)} : f32")
    more, mean = _map(k, [(acc, kept)], [identity_map(kept.rank)], kept,
                      [f"{{t0}} = arith.divf {{0}}, {c} : f32"])
    return _finish(k, lines + more, mean, kept)


@kernel("softmax")
def softmax(k: KernelOp) -> str:
    t, axis = k.in_types[0], int(k.attrs["axis"])
    x: Operand = (k.args[0], t)
    full, proj = identity_map(t.rank), _proj_map(t.rank, [axis])
    lines, mx = _reduce(k, x, [axis], "arith.maximumf", float("-inf"))
    rows = t.with_shape(_kept(t.shape, [axis]))
    more, e = _map(k, [x, (mx, rows)], [full, proj], t,
                   ["{t0} = arith.subf {0}, {1} : f32", "{t1} = math.exp {t0} : f32"])
    lines += more
    more, s = _reduce(k, (e, t), [axis], "arith.addf", 0.0)
    lines += more
    more, y = _map(k, [(e, t), (s, rows)], [full, proj], t, ["{t0} = arith.divf {0}, {1} : f32"])
    return "\n".join([*lines, *more, ret([y], [k.out])])


@kernel("layer_norm")
def layer_norm(k: KernelOp) -> str:
    t, axis = k.in_types[0], int(k.attrs["axis"])
    axes = list(range(axis, t.rank))
    x: Operand = (k.args[0], t)
    rows = t.with_shape(t.shape[:axis])
    full, proj, row_id = identity_map(t.rank), _proj_map(t.rank, axes), identity_map(rows.rank)
    n = k.fresh("n")
    lines = [f"{n} = arith.constant {float_literal(t.numel // max(rows.numel, 1))} : f32"]
    more, s = _reduce(k, x, axes, "arith.addf", 0.0)
    lines += more
    more, mean = _map(k, [(s, rows)], [row_id], rows, [f"{{t0}} = arith.divf {{0}}, {n} : f32"])
    lines += more
    more, sq = _map(k, [x, (mean, rows)], [full, proj], t,
                    ["{t0} = arith.subf {0}, {1} : f32", "{t1} = arith.mulf {t0}, {t0} : f32"])
    lines += more
    more, ss = _reduce(k, (sq, t), axes, "arith.addf", 0.0)
    lines += more
    eps, one = k.fresh("eps"), k.fresh("one")
    lines += [f"{eps} = arith.constant {float_literal(k.attrs['epsilon'])} : f32",
              f"{one} = arith.constant 1.0 : f32"]
    more, inv = _map(k, [(ss, rows)], [row_id], rows,
                     [f"{{t0}} = arith.divf {{0}}, {n} : f32",
                      f"{{t1}} = arith.addf {{t0}}, {eps} : f32",
                      "{t2} = math.sqrt {t1} : f32",
                      f"{{t3}} = arith.divf {one}, {{t2}} : f32"])
    lines += more
    more, y = _affine(k, x, (mean, rows), (inv, rows), axes)
    return "\n".join([*lines, *more, ret([y], [k.out])])


def _affine(k: KernelOp, x: Operand, mean: Operand, inv: Operand, axes: list[int]) -> Lines:
    """y = (x - mean) * inv * scale (+ bias), scale/bias numpy-broadcast to x."""
    t = x[1]
    proj = _proj_map(t.rank, axes)
    inputs = [x, mean, inv]
    maps = [identity_map(t.rank), proj, proj]
    ops = ["{t0} = arith.subf {0}, {1} : f32", "{t1} = arith.mulf {t0}, {2} : f32"]
    for field in ("scale", "bias"):
        operand = k.operand(field)
        if operand is None:
            continue
        inputs.append(operand)
        maps.append(broadcast_map(operand[1].shape, t.shape))
        op = "arith.mulf" if field == "scale" else "arith.addf"
        ops.append(f"{{t{len(ops)}}} = {op} {{t{len(ops) - 1}}}, {{{len(inputs) - 1}}} : f32")
    return _map(k, inputs, maps, t, ops)
