"""Kernel templates for the element-wise and data-movement ops added for the model families:
max/min, comparisons and logic (i1 results go through `kernels_elementwise._emit`, which
carries booleans as bytes), gelu, softplus, sin/cos, tile (broadcast over an interleaved
shape, then a collapse), fill (ConstantOfShape) and arg_max (a value/index reduction).
"""

from __future__ import annotations

from collections.abc import Callable

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.kernels_elementwise import _emit
from dnnfusion_mlir.codegen.linalg_text import (
    affine_map,
    fill,
    float_literal,
    generic,
    ret,
)
from dnnfusion_mlir.codegen.nn_text import reshape

Lines = tuple[list[str], str]

_FLOAT_OPS = {"max": "arith.maximumf", "min": "arith.minimumf"}
_INT_OPS = {"max": "arith.maxsi", "min": "arith.minsi"}
_CMP = {"less": ("olt", "slt"), "less_or_equal": ("ole", "sle"), "greater": ("ogt", "sgt"),
        "greater_or_equal": ("oge", "sge")}
_LOGIC = {"and": "arith.andi", "or": "arith.ori", "xor": "arith.xori"}


def _binary(name: str) -> Callable[[KernelOp], str]:
    def template(k: KernelOp) -> str:
        def body(k: KernelOp, a: list[str], t: TType) -> Lines:
            r = k.fresh("r")
            if name in _CMP:
                pred = _CMP[name][0 if t.is_float else 1]
                op = "arith.cmpf" if t.is_float else "arith.cmpi"
                return [f"{r} = {op} {pred}, {a[0]}, {a[1]} : {t.elem}"], r
            op = _LOGIC.get(name) or (_FLOAT_OPS if t.is_float else _INT_OPS)[name]
            return [f"{r} = {op} {a[0]}, {a[1]} : {t.elem}"], r

        return _emit(k, body)

    return template


for _name in (*_FLOAT_OPS, *_CMP, *_LOGIC):
    kernel(_name)(_binary(_name))


@kernel("not")
def logical_not(k: KernelOp) -> str:
    """x xor true."""
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        c, r = k.fresh("c"), k.fresh("r")
        return [f"{c} = arith.constant true", f"{r} = arith.xori {a[0]}, {c} : i1"], r

    return _emit(k, body)


@kernel("sin", "cos")
def trig(k: KernelOp) -> str:
    op = "math.sin" if k.name == "dnnf.sin" else "math.cos"

    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        r = k.fresh("r")
        return [f"{r} = {op} {a[0]} : f32"], r

    return _emit(k, body)


@kernel("softplus")
def softplus(k: KernelOp) -> str:
    """max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|."""
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        z, m, ab, n, e, lg, r = (k.fresh(h) for h in ("z", "m", "ab", "n", "e", "lg", "r"))
        return [f"{z} = arith.constant 0.0 : f32", f"{m} = arith.maximumf {a[0]}, {z} : f32",
                f"{ab} = math.absf {a[0]} : f32", f"{n} = arith.negf {ab} : f32",
                f"{e} = math.exp {n} : f32", f"{lg} = math.log1p {e} : f32",
                f"{r} = arith.addf {m}, {lg} : f32"], r

    return _emit(k, body)


def _gelu_inner(k: KernelOp, x: str, tanh: bool) -> tuple[list[str], str]:
    """The term t of gelu = 0.5 * x * (1 + t): erf(x / sqrt 2), or GPT-2's tanh form."""
    if not tanh:
        c, s, r = k.fresh("c"), k.fresh("s"), k.fresh("r")
        return [f"{c} = arith.constant {float_literal(0.7071067811865476)} : f32",
                f"{s} = arith.mulf {x}, {c} : f32", f"{r} = math.erf {s} : f32"], r
    c1, c2, x2, x3, p, q, u, r = (k.fresh(h) for h in ("ca", "cb", "x", "y", "p", "q", "u", "r"))
    return [f"{c1} = arith.constant {float_literal(0.044715)} : f32",
            f"{c2} = arith.constant {float_literal(0.7978845608028654)} : f32",
            f"{x2} = arith.mulf {x}, {x} : f32", f"{x3} = arith.mulf {x2}, {x} : f32",
            f"{p} = arith.mulf {x3}, {c1} : f32", f"{q} = arith.addf {x}, {p} : f32",
            f"{u} = arith.mulf {q}, {c2} : f32", f"{r} = math.tanh {u} : f32"], r


@kernel("gelu")
def gelu(k: KernelOp) -> str:
    """0.5 * x * (1 + t), t from `_gelu_inner`."""
    tanh = k.attrs["approximate"] == "tanh"

    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        lines, inner = _gelu_inner(k, a[0], tanh)
        one, half, s, h, r = (k.fresh(n) for n in ("one", "half", "s", "h", "r"))
        return [*lines, f"{one} = arith.constant 1.0 : f32",
                f"{half} = arith.constant 0.5 : f32", f"{s} = arith.addf {inner}, {one} : f32",
                f"{h} = arith.mulf {a[0]}, {half} : f32", f"{r} = arith.mulf {h}, {s} : f32"], r

    return _emit(k, body)


@kernel("tile")
def tile(k: KernelOp) -> str:
    """out viewed as [r0, d0, r1, d1, ...] reads in[d0, d1, ...]; then collapsed."""
    src, out = k.in_types[0], k.out
    reps = [o // d for o, d in zip(out.shape, src.shape, strict=True)]
    wide = out.with_shape([v for r, d in zip(reps, src.shape, strict=True) for v in (r, d)])
    loops = 2 * src.rank
    maps = [affine_map(loops, [f"d{2 * i + 1}" for i in range(src.rank)]),
            affine_map(loops, [f"d{i}" for i in range(loops)])]

    def body(a: list[str]) -> Lines:
        return [], a[0]

    lines, res = generic(k, [(k.args[0], src)], maps, wide, ["parallel"] * loops, body)
    more, result = reshape(k, (res, wide), list(out.shape))
    return "\n".join([*lines, *more, ret([result[0]], [out])])


@kernel("fill")
def fill_value(k: KernelOp) -> str:
    """A result-shaped `linalg.fill` of the `value` attribute."""
    lines, name = fill(k, k.out, k.attrs["value"])
    return "\n".join([*lines, ret([name], [k.out])])
