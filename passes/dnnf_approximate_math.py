"""Vectorisable f32 exp, tanh, erf and powers: `math.exp` / `math.tanh` / `math.erf` as
polynomials on vector lanes, `math.powf` by a constant as roots and products.

Matches: every `math.exp`, `math.tanh` and `math.erf` whose operand is f32 or a vector of
f32 (softmax, sigmoid, SiLU and Mish; GPT-2's tanh GELU, BERT's erf GELU), and every f32
`math.powf` whose exponent is a scalar or splat constant in `_POWERS` (0, +-1/4, +-1/2,
+-3/4, +-1, +-2, +-3: LRN's usual beta 0.75, Pow nodes).
Rewrites: each into Cephes' single-precision function, in arith/math ops of the same type.
exp: with n = floor(x * log2(e) + 1/2) and r = x - n * ln 2 (ln 2 in two parts, so r is
exact), exp(x) = p(r) * 2^a * 2^b, p the degree-6 polynomial of expf on |r| <= ln(2)/2,
a = n >> 1 and b = n - a each a normal power of two made from its exponent bits
((a + 127) << 23), so results near the largest float and down into the subnormals are
exact scalings; x is clamped to [-104, ln(FLT_MAX)], above which the result is +inf
(below -104 it rounds to 0 anyway); NaN stays NaN. tanh: for |x| < 0.625 the odd polynomial
x + x^3 q(x^2) (no cancellation near 0); else sign(x) * (1 - 2 / (exp(2|x|) + 1)), which
reaches +-1 as exp overflows. erf: for |x| < 0.5 its Maclaurin series to x^13; else
sign(x) * (1 - erfc(|x|)) with Numerical Recipes' erfc (t exp(-x^2 + r(t)), t = 1 /
(1 + |x|/2), r of degree 9), whose exp is the one above. powf: x^(1/2) = sqrt(x) + 0,
x^(1/4) its square root, x^(3/4) their product (+inf selected at x = -inf); integer
exponents as products of x; a negative exponent as 1 / x^|e|.
Sound because: these are the same functions to within a few units in the last place over
the whole range (Cephes' bounds: exp and tanh 2e-7 relative on normal results; erfc's
fractional error is under 1.2e-7; measured against float64 over [-6, 6]: exp 7.7e-8, tanh
1.3e-7, erf 2.8e-7 relative; `test/e2e/test_approximate_math.py` checks all three against
numpy from the underflow to the overflow ends, at infinities and NaN). The powers are
correctly rounded roots and at most three products (under 5e-7 relative on normal results,
the same test); C's pow special cases agree: NaN for a negative base under a root (sqrt of
a negative), +0 at -0 (the + 0), +inf at -inf (the select), 1 / +-0 = +-inf. Where x^|e|
overflows, 1 / x^|e| is 0 although the true value may be a subnormal (under 1.2e-38).
Why: LLVM lowers these ops on a vector to one scalar libm call (`expf`, `tanhf`, `erff`,
`powf`) per lane (the JIT and our AArch64 objects have no vector math library): a softmax,
SiLU or GELU spent most of its time in those calls, AlexNet's LRNs most of theirs in
`powf` (whole model 0.81x of the libm version's time). The polynomials are a few FMAs per
vector on both targets, the roots one `sqrt` instruction each.
"""

from __future__ import annotations

from collections.abc import Callable

from dnnfusion_mlir._mlir import arith, ir, math_dialect

#: Builds the replacement of a matched op from its (first) operand.
Rewrite = Callable[[ir.Value], ir.Value]

NAME = "dnnf-approximate-math"
DESCRIPTION = ("Rewrite f32 math.exp / tanh / erf into vectorisable polynomials and "
               "math.powf by a constant into roots and products.")

#: Cephes expf: the clamp, ln 2 split in a high part (exact in float) and a low part, and
#: p(r) = 1 + r + r^2 * (((((P0 r + P1) r + P2) r + P3) r + P4) r + P5).
_EXP_MAX = 88.72283905206835  # ln(FLT_MAX)
_EXP_MIN = -104.0  # exp(-104) is below half the smallest subnormal
_LOG2E = 1.44269504088896341
_LN2_HI = 0.693359375
_LN2_LO = -2.12194440e-4
_EXP_P = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
          1.6666665459e-1, 5.0000001201e-1)
#: Cephes tanhf: below 0.625, x + x^3 * q(x^2).
_TANH_SMALL = 0.625
_TANH_Q = (-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1,
           -3.33332819422e-1)
#: erf below 0.5: 2/sqrt(pi) * x * (its Maclaurin series in x^2, to x^12: the next term is
#: under 1e-8 relative there); above: 1 - erfc, erfc(z) = t exp(-z^2 + r(t)) with t = 1 /
#: (1 + z/2) (Numerical Recipes' erfcc, fractional error under 1.2e-7 for every z >= 0).
_ERF_SMALL = 0.5
_TWO_OVER_SQRT_PI = 1.1283791670955126
_ERF_SERIES = (1 / 9360, -1 / 1320, 1 / 216, -1 / 42, 1 / 10, -1 / 3, 1.0)
_ERFC_R = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
           0.09678418, 0.37409196, 1.00002368, -1.26551223)


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    for found, rewrite in _matches(op):
        with ir.InsertionPoint(found), found.location:
            y = rewrite(found.operands[0])
        found.results[0].replace_all_uses_with(y)
        found.erase()


def _matches(root: ir.Operation) -> list[tuple[ir.Operation, Rewrite]]:
    """Each matched op with the function building its replacement from its operand."""
    found: list[tuple[ir.Operation, Rewrite]] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        rewrite = _rewrite_of(op)
        if rewrite is not None and _is_f32(op.operands[0].type):
            found.append((op, rewrite))
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    return found


def _rewrite_of(op: ir.Operation) -> Rewrite | None:
    """The rewrite of `op` (for `math.powf`: by its constant exponent), None if none."""
    if op.name != "math.powf":
        return _REWRITES.get(op.name)
    exponent = _constant(op.operands[1])
    if exponent is None or exponent not in _POWERS:
        return None
    return lambda x: _power(x, exponent)


def _is_f32(type_: ir.Type) -> bool:
    element = type_.element_type if isinstance(type_, ir.VectorType) else type_
    return isinstance(element, ir.F32Type)


def _int_type(type_: ir.Type) -> ir.Type:
    """i32, or a vector of i32 of `type_`'s shape."""
    i32 = ir.IntegerType.get_signless(32)
    return ir.VectorType.get(type_.shape, i32) if isinstance(type_, ir.VectorType) else i32


def _const(type_: ir.Type, value: float) -> ir.Value:
    """A scalar or splat constant of `type_` (f32 or i32 elements)."""
    element = type_.element_type if isinstance(type_, ir.VectorType) else type_
    scalar = (ir.FloatAttr.get(element, value) if isinstance(element, ir.F32Type)
              else ir.IntegerAttr.get(element, int(value)))
    if isinstance(type_, ir.VectorType):
        return arith.constant(type_, ir.DenseElementsAttr.get_splat(type_, scalar))
    return arith.constant(type_, scalar)


def _poly(x: ir.Value, coefficients: tuple[float, ...]) -> ir.Value:
    """Horner: ((c0 x + c1) x + ...) + c_last."""
    acc = _const(x.type, coefficients[0])
    for c in coefficients[1:]:
        acc = arith.addf(arith.mulf(acc, x), _const(x.type, c))
    return acc


def _exp(x: ir.Value) -> ir.Value:
    ty = x.type
    ity = _int_type(ty)
    xc = arith.minimumf(arith.maximumf(x, _const(ty, _EXP_MIN)), _const(ty, _EXP_MAX))
    n = math_dialect.floor(arith.addf(arith.mulf(xc, _const(ty, _LOG2E)), _const(ty, 0.5)))
    r = arith.subf(xc, arith.mulf(n, _const(ty, _LN2_HI)))
    r = arith.subf(r, arith.mulf(n, _const(ty, _LN2_LO)))
    p = arith.addf(arith.addf(arith.mulf(_poly(r, _EXP_P), arith.mulf(r, r)), r),
                   _const(ty, 1.0))
    ni = arith.fptosi(ity, n)
    half = arith.shrsi(ni, _const(ity, 1))
    y = arith.mulf(arith.mulf(p, _pow2(half)), _pow2(arith.subi(ni, half)))
    y = arith.select(arith.cmpf(arith.CmpFPredicate.OGT, x, _const(ty, _EXP_MAX)),
                     _const(ty, float("inf")), y)
    return arith.select(arith.cmpf(arith.CmpFPredicate.UNO, x, x), x, y)


def _pow2(k: ir.Value) -> ir.Value:
    """2^k as f32 for integer k in [-126, 127]: the exponent field (k + 127) << 23."""
    ity = k.type
    fty = (ir.VectorType.get(ity.shape, ir.F32Type.get()) if isinstance(ity, ir.VectorType)
           else ir.F32Type.get())
    return arith.bitcast(fty, arith.shli(arith.addi(k, _const(ity, 127)), _const(ity, 23)))


def _tanh(x: ir.Value) -> ir.Value:
    ty = x.type
    ax = math_dialect.absf(x)
    x2 = arith.mulf(x, x)
    small = arith.addf(arith.mulf(arith.mulf(_poly(x2, _TANH_Q), x2), x), x)
    e = _exp(arith.addf(ax, ax))
    large = arith.subf(_const(ty, 1.0),
                       arith.divf(_const(ty, 2.0), arith.addf(e, _const(ty, 1.0))))
    large = math_dialect.copysign(large, x)
    is_small = arith.cmpf(arith.CmpFPredicate.OLT, ax, _const(ty, _TANH_SMALL))
    return arith.select(is_small, small, large)


def _erf(x: ir.Value) -> ir.Value:
    ty = x.type
    ax = math_dialect.absf(x)
    x2 = arith.mulf(x, x)
    small = arith.mulf(arith.mulf(x, _const(ty, _TWO_OVER_SQRT_PI)), _poly(x2, _ERF_SERIES))
    t = arith.divf(_const(ty, 1.0),
                   arith.addf(_const(ty, 1.0), arith.mulf(ax, _const(ty, 0.5))))
    erfc = arith.mulf(t, _exp(arith.subf(_poly(t, _ERFC_R), x2)))
    large = math_dialect.copysign(arith.subf(_const(ty, 1.0), erfc), x)
    is_small = arith.cmpf(arith.CmpFPredicate.OLT, ax, _const(ty, _ERF_SMALL))
    return arith.select(is_small, small, large)


def _power(x: ir.Value, e: float) -> ir.Value:
    """x ** e for e in `_POWERS`: products of x and its square roots, a reciprocal for e < 0.

    A square root returns -0 at -0 and NaN at -inf where pow returns +0 and +inf for a
    non-integer exponent: adding +0 and selecting +inf at -inf makes them agree.
    """
    ty = x.type
    if e < 0:
        return arith.divf(_const(ty, 1.0), _power(x, -e))
    if e == 0:
        return _const(ty, 1.0)
    if e == int(e):
        y = x
        for _ in range(int(e) - 1):
            y = arith.mulf(y, x)
        return y
    root = arith.addf(math_dialect.sqrt(x), _const(ty, 0.0))
    if e == 0.5:
        y = root
    else:
        fourth = math_dialect.sqrt(root)
        y = fourth if e == 0.25 else arith.mulf(root, fourth)
    minus_inf = arith.cmpf(arith.CmpFPredicate.OEQ, x, _const(ty, float("-inf")))
    return arith.select(minus_inf, _const(ty, float("inf")), y)


def _constant(value: ir.Value) -> float | None:
    """The f32 value of a scalar or splat constant (through `vector.broadcast`), else None."""
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    op = owner.operation
    if op.name == "vector.broadcast":
        return _constant(op.operands[0])
    if op.name != "arith.constant":
        return None
    attr = op.attributes["value"]
    if isinstance(attr, ir.FloatAttr):
        return float(attr.value)
    if isinstance(attr, ir.DenseFPElementsAttr) and attr.is_splat:
        return float(attr.get_splat_value().value)
    return None


_REWRITES: dict[str, Rewrite] = {"math.exp": _exp, "math.tanh": _tanh, "math.erf": _erf}
#: Constant exponents `math.powf` is rewritten for (`_power`); 0.75 is LRN's usual beta.
_POWERS = (-3.0, -2.0, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 2.0, 3.0)
