"""Kernel templates for element-wise `dnnf` ops: one broadcasting `linalg.generic` each.

Booleans: no generic reads or writes i1 tensors. Vectorised, an i1 access is a
`vector<Nxi1>` load/store, which LLVM bit-packs (N bools in N/8 bytes), while memrefs of i1
and the runtime (numpy bool) use one byte per element. So i1 operands are widened to i8 and
i1 results narrowed from i8 by `tensor.generate` ops, which stay scalar loops.
"""

from __future__ import annotations

from collections.abc import Callable

from dnnfusion_mlir.codegen.kernel import KernelOp, TType, kernel
from dnnfusion_mlir.codegen.linalg_text import elementwise, float_literal, ret

Lines = tuple[list[str], str]
Body = Callable[[KernelOp, list[str], TType], Lines]


def _const(k: KernelOp, value: float, elem: str = "f32") -> tuple[str, str]:
    name = k.fresh("c")
    return f"{name} = arith.constant {float_literal(value)} : {elem}", name


def _emit(k: KernelOp, body: Body) -> str:
    """One generic over the result, inputs broadcast; `body` gets block args + input type."""
    inputs = list(zip(k.args, k.in_types, strict=True))
    data_type = k.in_types[-1]
    if k.out.elem == "i1" or any(t.elem == "i1" for t in k.in_types):
        return _emit_via_bytes(k, inputs, data_type, body)

    def region(args: list[str]) -> Lines:
        return body(k, args, data_type)

    lines, result = elementwise(k, inputs, k.out, region)
    return "\n".join([*lines, ret([result], [k.out])])


def _convert_generate(k: KernelOp, x: str, src: TType, dst: str) -> Lines:
    """`tensor.generate` converting each element of `x` to `dst` (i1 <-> i8).

    Not a linalg op, so the scheduler never vectorises it: it becomes scalar loops, with one
    byte per i1 element in memory, as the runtime (numpy bool) expects. A vectorised
    `vector<Nxi1>` load/store is bit-packed by LLVM instead, so no i1 may reach a generic.
    """
    out = src.with_elem(dst)
    idx = [k.fresh("i") for _ in range(src.rank)]
    v, r, name = k.fresh("v"), k.fresh("r"), k.fresh("gen")
    op = "arith.extui" if dst == "i8" else "arith.trunci"
    label = "^bb0(" + ", ".join(f"{i}: index" for i in idx) + "):" if idx else None
    return [
        f"{name} = tensor.generate {{",
        *([label] if label else []),
        f"  {v} = tensor.extract {x}[{', '.join(idx)}] : {src.text}",
        f"  {r} = {op} {v} : {src.elem} to {dst}",
        f"  tensor.yield {r} : {dst}",
        f"}} : {out.text}",
    ], name


def _emit_via_bytes(k: KernelOp, inputs: list[tuple[str, TType]], data_type: TType,
                    body: Body) -> str:
    """Like `_emit`, with i1 tensors carried as i8 through the generic (see above)."""
    lines: list[str] = []
    byte_inputs = []
    for name, t in inputs:
        if t.elem == "i1":
            more, name = _convert_generate(k, name, t, "i8")
            lines += more
            t = t.with_elem("i8")
        byte_inputs.append((name, t))
    flags = [t.elem == "i1" for _, t in inputs]

    def region(args: list[str]) -> Lines:
        pre: list[str] = []
        vals = list(args)
        for i, is_bool in enumerate(flags):
            if is_bool:
                vals[i] = k.fresh("b")
                pre.append(f"{vals[i]} = arith.trunci {args[i]} : i8 to i1")
        body_lines, r = body(k, vals, data_type)
        if k.out.elem != "i1":
            return pre + body_lines, r
        widened = k.fresh("w")
        return [*pre, *body_lines, f"{widened} = arith.extui {r} : i1 to i8"], widened

    out = k.out.with_elem("i8") if k.out.elem == "i1" else k.out
    more, result = elementwise(k, byte_inputs, out, region)
    lines += more
    if k.out.elem == "i1":
        more, result = _convert_generate(k, result, out, "i1")
        lines += more
    return "\n".join([*lines, ret([result], [k.out])])


def _unary_float(op: str) -> Callable[[KernelOp], str]:
    def template(k: KernelOp) -> str:
        def body(k: KernelOp, a: list[str], t: TType) -> Lines:
            r = k.fresh("r")
            return [f"{r} = {op} {a[0]} : f32"], r

        return _emit(k, body)

    return template


for _name, _op in {
    "tanh": "math.tanh", "erf": "math.erf", "exp": "math.exp", "log": "math.log",
    "sqrt": "math.sqrt",
}.items():
    kernel(_name)(_unary_float(_op))


@kernel("identity", "dropout")
def identity(k: KernelOp) -> str:
    return ret([k.args[0]], [k.out])


@kernel("relu")
def relu(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        c, zero = _const(k, 0.0)
        r = k.fresh("r")
        return [c, f"{r} = arith.maximumf {a[0]}, {zero} : f32"], r

    return _emit(k, body)


@kernel("sigmoid")
def sigmoid(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        c, one = _const(k, 1.0)
        n, e, s, r = k.fresh("n"), k.fresh("e"), k.fresh("s"), k.fresh("r")
        return [c, f"{n} = arith.negf {a[0]} : f32", f"{e} = math.exp {n} : f32",
                f"{s} = arith.addf {one}, {e} : f32", f"{r} = arith.divf {one}, {s} : f32"], r

    return _emit(k, body)


@kernel("reciprocal")
def reciprocal(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        c, one = _const(k, 1.0)
        r = k.fresh("r")
        return [c, f"{r} = arith.divf {one}, {a[0]} : f32"], r

    return _emit(k, body)


def _clamp(k: KernelOp, x: str, lo: float, hi: float) -> Lines:
    c1, lo_n = _const(k, lo)
    c2, hi_n = _const(k, hi)
    m, r = k.fresh("m"), k.fresh("r")
    return [c1, c2, f"{m} = arith.maximumf {x}, {lo_n} : f32",
            f"{r} = arith.minimumf {m}, {hi_n} : f32"], r


@kernel("clip")
def clip(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        return _clamp(k, a[0], k.attrs["min"], k.attrs["max"])

    return _emit(k, body)


def _affine_clamped(k: KernelOp, x: str, alpha: float, beta: float) -> Lines:
    ca, a_n = _const(k, alpha)
    cb, b_n = _const(k, beta)
    m, s = k.fresh("m"), k.fresh("s")
    lines = [ca, cb, f"{m} = arith.mulf {x}, {a_n} : f32", f"{s} = arith.addf {m}, {b_n} : f32"]
    more, r = _clamp(k, s, 0.0, 1.0)
    return lines + more, r


@kernel("hard_sigmoid")
def hard_sigmoid(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        return _affine_clamped(k, a[0], k.attrs["alpha"], k.attrs["beta"])

    return _emit(k, body)


@kernel("hard_swish")
def hard_swish(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        lines, h = _affine_clamped(k, a[0], 1.0 / 6.0, 0.5)
        r = k.fresh("r")
        return [*lines, f"{r} = arith.mulf {a[0]}, {h} : f32"], r

    return _emit(k, body)


@kernel("leaky_relu")
def leaky_relu(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        c0, zero = _const(k, 0.0)
        ca, alpha = _const(k, k.attrs["alpha"])
        p, m, r = k.fresh("p"), k.fresh("m"), k.fresh("r")
        return [c0, ca, f"{p} = arith.cmpf ogt, {a[0]}, {zero} : f32",
                f"{m} = arith.mulf {a[0]}, {alpha} : f32",
                f"{r} = arith.select {p}, {a[0]}, {m} : f32"], r

    return _emit(k, body)


_FLOAT_BINARY = {"add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf",
                 "div": "arith.divf", "pow": "math.powf"}
_INT_BINARY = {"add": "arith.addi", "sub": "arith.subi", "mul": "arith.muli",
               "div": "arith.divsi"}


def _int_pow(k: KernelOp, base: str, exponent: str, elem: str) -> Lines:
    """base ** exponent for integers, by square-and-multiply over every exponent bit
    (unrolled and branch-free: the lowering has no `math.ipowi`). Wraps on overflow like
    numpy; a negative exponent gives trunc(1 / base ** -e): +-1 for base +-1, else 0."""
    bits = int(elem[1:])
    c = {v: k.fresh("c") for v in (0, 1, -1)}
    lines = [f"{c[v]} = arith.constant {v} : {elem}" for v in c]
    neg, mag = k.fresh("neg"), k.fresh("mag")
    lines += [f"{neg} = arith.cmpi slt, {exponent}, {c[0]} : {elem}",
              f"{mag} = math.absi {exponent} : {elem}"]
    acc, sq = c[1], base
    for bit in range(bits - 1):
        b, on, m, pick = k.fresh("b"), k.fresh("on"), k.fresh("m"), k.fresh("acc")
        shift = k.fresh("sh")
        lines += [f"{shift} = arith.constant {bit} : {elem}",
                  f"{b} = arith.shrui {mag}, {shift} : {elem}",
                  f"{on} = arith.trunci {b} : {elem} to i1",
                  f"{m} = arith.muli {acc}, {sq} : {elem}",
                  f"{pick} = arith.select {on}, {m}, {acc} : {elem}"]
        acc = pick
        if bit < bits - 2:
            nsq = k.fresh("sq")
            lines.append(f"{nsq} = arith.muli {sq}, {sq} : {elem}")
            sq = nsq
    one, minus, unit, frac, r = (k.fresh(h) for h in ("one", "mone", "unit", "frac", "r"))
    lines += [f"{one} = arith.cmpi eq, {acc}, {c[1]} : {elem}",
              f"{minus} = arith.cmpi eq, {acc}, {c[-1]} : {elem}",
              f"{unit} = arith.ori {one}, {minus} : i1",
              f"{frac} = arith.select {unit}, {acc}, {c[0]} : {elem}",
              f"{r} = arith.select {neg}, {frac}, {acc} : {elem}"]
    return lines, r


def _binary(name: str) -> Callable[[KernelOp], str]:
    def template(k: KernelOp) -> str:
        def body(k: KernelOp, a: list[str], t: TType) -> Lines:
            if name == "pow" and not t.is_float:
                return _int_pow(k, a[0], a[1], t.elem)
            op = _FLOAT_BINARY[name] if t.is_float else _INT_BINARY[name]
            r = k.fresh("r")
            return [f"{r} = {op} {a[0]}, {a[1]} : {t.elem}"], r

        return _emit(k, body)

    return template


for _name in _FLOAT_BINARY:
    kernel(_name)(_binary(_name))


@kernel("neg")
def neg(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        r = k.fresh("r")
        if t.is_float:
            return [f"{r} = arith.negf {a[0]} : f32"], r
        zero = k.fresh("c")
        return [f"{zero} = arith.constant 0 : {t.elem}",
                f"{r} = arith.subi {zero}, {a[0]} : {t.elem}"], r

    return _emit(k, body)


@kernel("abs")
def abs_(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        r = k.fresh("r")
        op = "math.absf" if t.is_float else "math.absi"
        return [f"{r} = {op} {a[0]} : {t.elem}"], r

    return _emit(k, body)


@kernel("equal")
def equal(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        r = k.fresh("r")
        cmp = "arith.cmpf oeq" if t.is_float else "arith.cmpi eq"
        return [f"{r} = {cmp}, {a[0]}, {a[1]} : {t.elem}"], r

    return _emit(k, body)


@kernel("where")
def where(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        r = k.fresh("r")
        return [f"{r} = arith.select {a[0]}, {a[1]}, {a[2]} : {t.elem}"], r

    return _emit(k, body)


def _cast_line(k: KernelOp, x: str, src: str, dst: str) -> Lines:
    r = k.fresh("r")
    if src == dst:
        return [], x
    src_f, dst_f = src.startswith("f"), dst.startswith("f")
    if src_f and dst_f:
        return [f"{r} = arith.extf {x} : {src} to {dst}"], r
    if src_f:
        if dst == "i1":
            c, zero = _const(k, 0.0, src)
            return [c, f"{r} = arith.cmpf une, {x}, {zero} : {src}"], r
        return [f"{r} = arith.fptosi {x} : {src} to {dst}"], r
    if dst_f:
        op = "arith.uitofp" if src == "i1" else "arith.sitofp"
        return [f"{r} = {op} {x} : {src} to {dst}"], r
    width = {"i1": 1, "i32": 32, "i64": 64}
    if dst == "i1":
        c = k.fresh("c")
        return [f"{c} = arith.constant 0 : {src}", f"{r} = arith.cmpi ne, {x}, {c} : {src}"], r
    if src == "i1":
        op = "arith.extui"
    else:
        op = "arith.extsi" if width[dst] > width[src] else "arith.trunci"
    return [f"{r} = {op} {x} : {src} to {dst}"], r


@kernel("cast")
def cast(k: KernelOp) -> str:
    def body(k: KernelOp, a: list[str], t: TType) -> Lines:
        return _cast_line(k, a[0], t.elem, k.out.elem)

    return _emit(k, body)
