"""Tiling / vectorisation schedule + lowering to LLVM, checked by JIT against numpy."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from dnnfusion_mlir._mlir import ExecutionEngine, get_ranked_memref_descriptor, ir
from dnnfusion_mlir.codegen import host_cpu, schedule
from dnnfusion_mlir.codegen.schedule import (
    CHANNEL_WINDOW_ATTR,
    LoopInfo,
    apply_schedule,
    choose_schedule,
    largest_divisor,
)
from dnnfusion_mlir.codegen.to_llvm import PIPELINE_HOST, lower_to_llvm, translate_to_llvm_ir

RNG = np.random.default_rng(0)


def _ty(shape: tuple[int, ...], elt: str = "f32") -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def run(body: str, inputs: list[np.ndarray], outs: list[tuple[tuple[int, ...], type]],
        target: str = "host") -> tuple[list[np.ndarray], str]:
    """Wrap `body` in @main, schedule, lower, JIT; returns (outputs, scheduled IR)."""
    dt = {np.float32: "f32", np.int64: "i64"}
    args = ", ".join(f"%a{i}: {_ty(a.shape, dt[a.dtype.type])}" for i, a in enumerate(inputs))
    res = ", ".join(_ty(s, dt[t]) for s, t in outs)
    src = (f"func.func @main({args}) -> ({res}) attributes {{llvm.emit_c_interface}} {{\n"
           f"{body}\n}}")
    with ir.Context():
        module = ir.Module.parse(src)
        apply_schedule(module, target)
        scheduled = str(module)
        lower_to_llvm(module, target)
        engine = ExecutionEngine(module, opt_level=3)
        results = [np.zeros(s, t) for s, t in outs]
        ptrs = [ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a)))
                for a in [*inputs, *results]]
        engine.invoke("main", *ptrs)
    return results, scheduled


def close(got: np.ndarray, ref: np.ndarray) -> None:
    scale = max(float(np.abs(ref).max()), 1e-6)
    assert float(np.abs(got - ref).max()) / scale <= 1e-4


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def assert_vectorised(ir_text: str, op: str) -> None:
    assert "vector.fma" in ir_text or "vector.contract" in ir_text or "vector.outerproduct" in ir_text
    assert f"linalg.{op}" not in ir_text  # no leftover op -> no scalar loop nest for it


# ------------------------------------------------------------------- conv / pool


def conv_ref(x: np.ndarray, w: np.ndarray, s: int, d: int, groups: int = 1) -> np.ndarray:
    n, _, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh, ow = (h - d * (kh - 1) - 1) // s + 1, (wd - d * (kw - 1) - 1) // s + 1
    out = np.zeros((n, f, oh, ow), np.float32)
    fg = f // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * d: i * d + s * (oh - 1) + 1: s, j * d: j * d + s * (ow - 1) + 1: s]
                out[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, w[g * fg:(g + 1) * fg, :, i, j])
    return out


CONV_CASES = [  # (n, c, h, w, f, k, stride, dilation, pad)
    (1, 16, 18, 18, 32, 3, 1, 1, 1),
    (1, 3, 13, 13, 8, 3, 2, 1, 1),
    (2, 5, 7, 7, 7, 1, 1, 1, 0),
    (1, 4, 11, 9, 13, 3, 1, 2, 0),
    (1, 24, 7, 7, 32, 3, 1, 1, 1),  # width 7: a 4-column tile, then a peeled 3-column one
    (1, 8, 19, 23, 24, 3, 1, 1, 1),  # prime width 23: register tiles, the last one peeled
    (1, 3, 71, 71, 16, 11, 4, 1, 2),  # AlexNet's 11x11/4 stem on a 17-wide map
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_nchw(case: tuple[int, ...]) -> None:
    n, c, h, w, f, k, s, d, p = case
    x, wt, b = rand(n, c, h, w), rand(f, c, k, k), rand(f)
    hp, wp = h + 2 * p, w + 2 * p
    oh, ow = (hp - d * (k - 1) - 1) // s + 1, (wp - d * (k - 1) - 1) // s + 1
    o = _ty((n, f, oh, ow))
    body = f"""
  %z = arith.constant 0.0 : f32
  %xp = tensor.pad %a0 low[0, 0, {p}, {p}] high[0, 0, {p}, {p}] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %z : f32
  }} : {_ty(x.shape)} to {_ty((n, c, hp, wp))}
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %cv = linalg.conv_2d_nchw_fchw {{dilations = dense<{d}> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}}
     ins(%xp, %a1 : {_ty((n, c, hp, wp))}, {_ty(wt.shape)}) outs(%fl : {o}) -> {o}
  %r = linalg.generic {{indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (b)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
     iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} ins(%cv, %a2 : {o}, {_ty((f,))}) outs(%e : {o}) {{
  ^bb0(%u: f32, %v: f32, %out: f32):
    %t = arith.addf %u, %v : f32
    %m = arith.maximumf %t, %z : f32
    linalg.yield %m : f32
  }} -> {o}
  return %r : {o}"""
    (got,), sched = run(body, [x, wt, b], [((n, f, oh, ow), np.float32)])
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    close(got, np.maximum(conv_ref(xpad, wt, s, d) + b[None, :, None, None], 0))
    assert_vectorised(sched, "conv_2d")


def conv3d_ref(x: np.ndarray, w: np.ndarray, s: tuple[int, int, int],
               d: tuple[int, int, int]) -> np.ndarray:
    out_shape = [(x.shape[2 + i] - d[i] * (w.shape[2 + i] - 1) - 1) // s[i] + 1 for i in range(3)]
    out = np.zeros((x.shape[0], w.shape[0], *out_shape), np.float32)
    for i, j, k in np.ndindex(*w.shape[2:]):
        patch = x[:, :, i * d[0]: i * d[0] + s[0] * (out_shape[0] - 1) + 1: s[0],
                  j * d[1]: j * d[1] + s[1] * (out_shape[1] - 1) + 1: s[1],
                  k * d[2]: k * d[2] + s[2] * (out_shape[2] - 1) + 1: s[2]]
        out += np.einsum("ncdhw,fc->nfdhw", patch, w[:, :, i, j, k])
    return out


@pytest.mark.parametrize(("shape", "f", "strides", "dilations", "vectorised"), [
    ((1, 16, 6, 10, 10), 32, (1, 1, 1), (1, 1, 1), True),
    ((2, 3, 5, 7, 9), 12, (2, 2, 1), (1, 2, 1), True),  # depth/row strides: unit tiles
    ((1, 4, 5, 9, 9), 8, (1, 1, 2), (1, 1, 1), False),  # width stride: scalar, still right
    ((1, 4, 3, 5, 21), 8, (1, 1, 1), (1, 1, 1), True),  # prime width 19: last tile peeled
])
def test_conv3d(shape: tuple[int, ...], f: int, strides: tuple[int, int, int],
                dilations: tuple[int, int, int], vectorised: bool) -> None:
    """NCDHW conv: channels-last rewrite, one kernel tap per tile, unit loops folded away,
    the tile a contraction lowered to FMAs over output channels (width stride 1)."""
    x, wt = rand(*shape), rand(f, shape[1], 3, 3, 3)
    ref = conv3d_ref(x, wt, strides, dilations)
    o = _ty(ref.shape)
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %cv = linalg.conv_3d_ncdhw_fcdhw {{dilations = dense<{list(dilations)}> : tensor<3xi64>,
     strides = dense<{list(strides)}> : tensor<3xi64>}}
     ins(%a0, %a1 : {_ty(x.shape)}, {_ty(wt.shape)}) outs(%fl : {o}) -> {o}
  return %cv : {o}"""
    (got,), sched = run(body, [x, wt], [(ref.shape, np.float32)])
    close(got, ref)
    assert "linalg.conv_3d_ndhwc_dhwcf" not in sched
    assert ("vector.fma" in sched) == vectorised


@pytest.mark.parametrize(("c", "h", "k", "s"),
                         [(8, 14, 3, 1), (13, 9, 3, 2), (1, 6, 5, 1), (40, 9, 3, 1),
                          (16, 21, 3, 1)])  # the last: prime width 19, last tile peeled
def test_depthwise_conv(c: int, h: int, k: int, s: int) -> None:
    x, wt = rand(1, c, h, h), rand(c, k, k)
    oh = (h - k) // s + 1
    o = _ty((1, c, oh, oh))
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %cv = linalg.depthwise_conv_2d_nchw_chw {{dilations = dense<1> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}}
     ins(%a0, %a1 : {_ty(x.shape)}, {_ty(wt.shape)}) outs(%fl : {o}) -> {o}
  return %cv : {o}"""
    (got,), sched = run(body, [x, wt], [((1, c, oh, oh), np.float32)])
    close(got, conv_ref(x, wt[:, None], s, 1, groups=c))
    assert "vector.fma" in sched
    assert "linalg.depthwise" not in sched


def test_grouped_conv_falls_back_correctly() -> None:
    n, g, cg, fg, h, k = 1, 2, 3, 4, 7, 3
    x, wt = rand(n, g, cg, h, h), rand(g, fg, cg, k, k)
    oh = h - k + 1
    o = _ty((n, g, fg, oh, oh))
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %cv = linalg.conv_2d_ngchw_gfchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
     ins(%a0, %a1 : {_ty(x.shape)}, {_ty(wt.shape)}) outs(%fl : {o}) -> {o}
  return %cv : {o}"""
    (got,), _ = run(body, [x, wt], [((n, g, fg, oh, oh), np.float32)])
    ref = conv_ref(x.reshape(n, g * cg, h, h), wt.reshape(g * fg, cg, k, k), 1, 1, groups=g)
    close(got, ref.reshape(n, g, fg, oh, oh))


@pytest.mark.parametrize(("kind", "k", "s", "h"), [("max", 2, 2, 11), ("sum", 3, 1, 11),
                                                  ("max", 3, 2, 11), ("max", 3, 1, 21)])
def test_pooling(kind: str, k: int, s: int, h: int) -> None:
    c = 6
    x = rand(1, c, h, h)
    oh = (h - k) // s + 1
    o = _ty((1, c, oh, oh))
    init = "0xFF800000" if kind == "max" else "0.0"
    body = f"""
  %z = arith.constant {init} : f32
  %e = tensor.empty() : {o}
  %win = tensor.empty() : {_ty((k, k))}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %p = linalg.pooling_nchw_{kind} {{dilations = dense<1> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}}
     ins(%a0, %win : {_ty(x.shape)}, {_ty((k, k))}) outs(%fl : {o}) -> {o}
  return %p : {o}"""
    (got,), sched = run(body, [x], [((1, c, oh, oh), np.float32)])
    assert "linalg.pooling" not in sched  # vectorised, also a peeled last tile
    win = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    close(got, win.max(axis=(4, 5)) if kind == "max" else win.sum(axis=(4, 5)))


# --------------------------------------------------------------------- matmul


@pytest.mark.parametrize(("m", "k", "n"), [(33, 17, 65), (8, 16, 32), (1, 7, 13), (64, 96, 128)])
def test_matmul(m: int, k: int, n: int) -> None:
    a, b = rand(m, k), rand(k, n)
    o = _ty((m, n))
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %r = linalg.matmul ins(%a0, %a1 : {_ty(a.shape)}, {_ty(b.shape)}) outs(%fl : {o}) -> {o}
  return %r : {o}"""
    (got,), sched = run(body, [a, b], [((m, n), np.float32)])
    close(got, a @ b)
    assert_vectorised(sched, "matmul")


@pytest.mark.parametrize("target", ["host", "aarch64"])
def test_batch_matmul(target: str) -> None:
    bt, m, k, n = 3, 13, 9, 20
    a, b = rand(bt, m, k), rand(bt, k, n)
    o = _ty((bt, m, n))
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %fl = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %r = linalg.batch_matmul ins(%a0, %a1 : {_ty(a.shape)}, {_ty(b.shape)}) outs(%fl : {o}) -> {o}
  return %r : {o}"""
    (got,), sched = run(body, [a, b], [((bt, m, n), np.float32)], target)
    close(got, a @ b)
    assert_vectorised(sched, "batch_matmul")


# ---------------------------------------------------------- elementwise / reduce

MAP4 = "affine_map<(a, b, c, d) -> (a, b, c, d)>"


@pytest.mark.parametrize("shape", [(2, 13, 7, 9), (1, 64, 54, 54), (1, 1, 1, 1000)])
def test_elementwise_math_broadcast(shape: tuple[int, ...]) -> None:
    x, y = rand(*shape), rand(1, shape[1], 1, 1)
    o = _ty(shape)
    body = f"""
  %e = tensor.empty() : {o}
  %half = arith.constant 0.5 : f32
  %r = linalg.generic {{indexing_maps = [{MAP4}, affine_map<(a, b, c, d) -> (0, b, 0, 0)>, {MAP4}],
     iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} ins(%a0, %a1 : {o}, {_ty(y.shape)}) outs(%e : {o}) {{
  ^bb0(%u: f32, %v: f32, %out: f32):
    %ab = math.absf %u : f32
    %sq = math.sqrt %ab : f32
    %ex = math.exp %v : f32
    %lg = math.log %ex : f32
    %th = math.tanh %u : f32
    %er = math.erf %th : f32
    %pw = math.powf %sq, %half : f32
    %s1 = arith.addf %pw, %lg : f32
    %s2 = arith.mulf %s1, %er : f32
    linalg.yield %s2 : f32
  }} -> {o}
  return %r : {o}"""
    (got,), sched = run(body, [x, y], [(shape, np.float32)])
    from math import erf

    er = np.vectorize(erf)(np.tanh(x.astype(np.float64))).astype(np.float32)
    ref = (np.sqrt(np.sqrt(np.abs(x))) + y) * er
    close(got, ref)
    assert "vector<" in sched
    assert "vector<1x64x54x54" not in sched


@pytest.mark.parametrize(("shape", "dims"), [((4, 1000), (1,)), ((2, 8, 7, 7), (2, 3)), ((3, 13, 5), (1,))])
def test_reductions(shape: tuple[int, ...], dims: tuple[int, ...]) -> None:
    x = rand(*shape)
    rank = len(shape)
    names = [f"d{i}" for i in range(rank)]
    keep = [i for i in range(rank) if i not in dims]
    oshape = tuple(shape[i] for i in keep)
    imap = f"affine_map<({', '.join(names)}) -> ({', '.join(names)})>"
    omap = f"affine_map<({', '.join(names)}) -> ({', '.join(names[i] for i in keep)})>"
    iters = ", ".join('"reduction"' if i in dims else '"parallel"' for i in range(rank))
    o = _ty(oshape)
    body = f"""
  %z = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : {o}
  %f0 = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %f1 = linalg.fill ins(%ninf : f32) outs(%e : {o}) -> {o}
  %s = linalg.generic {{indexing_maps = [{imap}, {omap}], iterator_types = [{iters}]}} ins(%a0 : {_ty(shape)}) outs(%f0 : {o}) {{
  ^bb0(%u: f32, %acc: f32):
    %t = arith.addf %u, %acc : f32
    linalg.yield %t : f32
  }} -> {o}
  %m = linalg.generic {{indexing_maps = [{imap}, {omap}], iterator_types = [{iters}]}} ins(%a0 : {_ty(shape)}) outs(%f1 : {o}) {{
  ^bb0(%u: f32, %acc: f32):
    %t = arith.maximumf %u, %acc : f32
    linalg.yield %t : f32
  }} -> {o}
  return %s, %m : {o}, {o}"""
    (s, m), sched = run(body, [x], [(oshape, np.float32), (oshape, np.float32)])
    close(s, x.sum(axis=dims))
    close(m, x.max(axis=dims))
    assert "vector.reduction" in sched or "vector.multi_reduction" in sched or "arith.maximumf" in sched


@pytest.mark.parametrize("hint", [True, False])
def test_channel_window_along_innermost_loop(hint: bool) -> None:
    """A window sum reading a padded input at row i + j, along its innermost loop (LRN's):
    with `CHANNEL_WINDOW_ATTR` its unit loops are folded away and it is vectorised; without
    it the vectoriser rejects the i + j map and the op stays a scalar loop nest; both are
    correct."""
    x = rand(7, 70)
    o = _ty((5, 70))
    attr = f", {CHANNEL_WINDOW_ATTR}" if hint else ""
    body = f"""
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %f = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %b = tensor.empty() : tensor<3xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j, w) -> (i + j, w)>,
     affine_map<(i, j, w) -> (j)>, affine_map<(i, j, w) -> (i, w)>],
     iterator_types = ["parallel", "reduction", "parallel"]{attr}}}
     ins(%a0, %b : {_ty((7, 70))}, tensor<3xf32>) outs(%f : {o}) {{
  ^bb0(%u: f32, %unused: f32, %acc: f32):
    %sq = arith.mulf %u, %u : f32
    %n = arith.addf %acc, %sq : f32
    linalg.yield %n : f32
  }} -> {o}
  return %r : {o}"""
    (got,), sched = run(body, [x], [((5, 70), np.float32)])
    close(got, x[:-2] ** 2 + x[1:-1] ** 2 + x[2:] ** 2)
    assert ("linalg.generic" in sched) != hint


def test_int_and_bool_ops() -> None:
    x = RNG.integers(-50, 50, size=(5, 37)).astype(np.int64)
    o = _ty((5, 37), "i64")
    body = f"""
  %e = tensor.empty() : {o}
  %c3 = arith.constant 3 : i64
  %r = linalg.generic {{indexing_maps = [affine_map<(a, b) -> (a, b)>, affine_map<(a, b) -> (a, b)>],
     iterator_types = ["parallel", "parallel"]}} ins(%a0 : {o}) outs(%e : {o}) {{
  ^bb0(%u: i64, %out: i64):
    %p = arith.cmpi sgt, %u, %c3 : i64
    %q = arith.muli %u, %c3 : i64
    %n = arith.xori %p, %p : i1
    %pp = arith.ori %p, %n : i1
    %s = arith.select %pp, %q, %u : i64
    linalg.yield %s : i64
  }} -> {o}
  return %r : {o}"""
    (got,), _ = run(body, [x], [((5, 37), np.int64)])
    np.testing.assert_array_equal(got, np.where(x > 3, x * 3, x))


def test_tensor_ops_transpose_slices_reshape_concat() -> None:
    x = rand(2, 6, 10)
    body = f"""
  %e = tensor.empty() : {_ty((10, 2, 6))}
  %t = linalg.transpose ins(%a0 : {_ty((2, 6, 10))}) outs(%e : {_ty((10, 2, 6))}) permutation = [2, 0, 1]
  %s = tensor.extract_slice %t[1, 0, 2] [7, 2, 3] [1, 1, 1] : {_ty((10, 2, 6))} to {_ty((7, 2, 3))}
  %c = tensor.collapse_shape %s [[0], [1, 2]] : {_ty((7, 2, 3))} into {_ty((7, 6))}
  %x = tensor.expand_shape %c [[0], [1, 2]] output_shape [7, 3, 2] : {_ty((7, 6))} into {_ty((7, 3, 2))}
  %cc = tensor.concat dim(1) %x, %x : ({_ty((7, 3, 2))}, {_ty((7, 3, 2))}) -> {_ty((7, 6, 2))}
  %z = arith.constant 1.5 : f32
  %b = tensor.empty() : {_ty((9, 6, 2))}
  %bf = linalg.fill ins(%z : f32) outs(%b : {_ty((9, 6, 2))}) -> {_ty((9, 6, 2))}
  %ins = tensor.insert_slice %cc into %bf[1, 0, 0] [7, 6, 2] [1, 1, 1] : {_ty((7, 6, 2))} into {_ty((9, 6, 2))}
  return %ins : {_ty((9, 6, 2))}"""
    (got,), _ = run(body, [x], [((9, 6, 2), np.float32)])
    t = x.transpose(2, 0, 1)[1:8, 0:2, 2:5].reshape(7, 6).reshape(7, 3, 2)
    ref = np.full((9, 6, 2), 1.5, np.float32)
    ref[1:8] = np.concatenate([t, t], axis=1)
    close(got, ref)


# ----------------------------------------------------------------- unit pieces


def test_tile_choices_are_static_divisors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(schedule.UNITS, "host", host_cpu.X86[512])  # AVX-512
    assert largest_divisor(1000, 64) == 50
    assert largest_divisor(13, 8) == 1
    info = LoopInfo("linalg.generic", (1, 64, 54, 54), ("parallel",) * 4)
    sched = choose_schedule(0, info)
    assert sched.outer == (0, 1, 1, 0)  # 54-wide vectors, never the whole tensor
    mm = choose_schedule(1, LoopInfo("linalg.matmul", (128, 768, 768), ("parallel", "parallel", "reduction")))
    assert all(t == 0 or r % t == 0 for t, r in zip(mm.outer, (128, 768, 768), strict=True))


@pytest.mark.parametrize(("bits", "rows", "cols"), [(512, 8, 32), (256, 4, 16), (128, 4, 8)])
def test_matmul_register_tile_fits_the_host_vector_unit(
        monkeypatch: pytest.MonkeyPatch, bits: int, rows: int, cols: int) -> None:
    """Accumulators (rows x 2 registers) stay within the register file: 16 of AVX-512's
    32 zmm, 8 of AVX2's 16 ymm (8 x 2 ymm would spill)."""
    unit = host_cpu.X86[bits]
    monkeypatch.setitem(schedule.UNITS, "host", unit)
    mm = choose_schedule(0, LoopInfo("linalg.matmul", (128, 768, 768),
                                     ("parallel", "parallel", "reduction")))
    assert mm.outer == (rows, cols, 0)
    assert rows * cols // unit.lanes <= unit.registers // 2


_UNITS = {"avx512": host_cpu.X86[512], "avx2": host_cpu.X86[256], "sse": host_cpu.X86[128],
          "neon": schedule.UNITS["aarch64"]}


@pytest.mark.parametrize("unit", sorted(_UNITS))
@pytest.mark.parametrize("ow", [56, 53, 31, 28, 15, 13, 7, 5])
def test_conv_register_tiles_fit_the_vector_unit(
        monkeypatch: pytest.MonkeyPatch, unit: str, ow: int) -> None:
    """A conv register tile's accumulators (columns x lane vectors), its weight vectors and
    one broadcast input fit the register file at every width, and a width the tile does
    not divide (53, 31, 15, 13, 7) gets full tiles with the last one peeled, never one
    column per tile (a chain of dependent FMAs). The tile holds one kernel tap (the taps of
    a row shared broadcast inputs, all live at once). Depthwise: accumulators plus an input
    and a weight vector each."""
    vu = _UNITS[unit]
    monkeypatch.setitem(schedule.UNITS, "host", vu)
    conv = choose_schedule(0, LoopInfo("linalg.conv_2d_nhwc_hwcf", (1, ow, ow, 64, 3, 3, 64),
                                       ("parallel",) * 4 + ("reduction",) * 3))
    tow, vectors = _columns_per_tile(conv), conv.outer[3] // vu.lanes
    assert 1 < tow <= (8 if vu.registers >= 32 and vu.lanes >= 8 else 4)
    assert (conv.peel is not None) == (ow % tow != 0)
    assert conv.outer[3] % vu.lanes == 0
    assert tow * vectors + vectors + 1 <= vu.registers
    assert conv.inner[4:6] == (1, 1)
    dw = choose_schedule(1, LoopInfo("linalg.depthwise_conv_2d_nhwc_hwc", (1, ow, ow, 64, 3, 3),
                                     ("parallel",) * 4 + ("reduction",) * 2))
    tow, vectors = _columns_per_tile(dw), dw.outer[3] // vu.lanes
    assert 1 < tow <= (8 if vu.registers >= 32 else 4)
    assert (dw.peel is not None) == (ow % tow != 0)
    assert tow * vectors + 2 * vectors <= vu.registers


@pytest.mark.parametrize(("ow", "tow"), [(3, 3), (6, 3), (7, 4), (9, 3), (13, 4), (15, 4),
                                          (31, 4), (48, 4), (53, 4)])
def test_conv_width_tiles_on_avx2(ow: int, tow: int) -> None:
    """Four columns per tile, the last tile peeled, except where a divisor of three
    avoids a last tile of one or two columns (6 = 3 + 3, 9 = 3 x 3)."""
    assert schedule._width_tile(ow, 4) == tow


def _columns_per_tile(s: schedule.OpSchedule) -> int:
    """Output columns per register tile of a conv/depthwise schedule: its outer tile, or
    the size of its peeled width loop (whose last tile is then shorter)."""
    if s.peel is None:
        assert s.outer[2] > 0
        return s.outer[2]
    assert s.peel[0] == 2
    assert s.outer[2] == 0
    return s.peel[1]


def test_host_vector_unit_from_cpu_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host_cpu.vector_bits({"sse2", "avx", "avx2", "fma", "avx512f"}) == 512
    assert host_cpu.vector_bits({"sse2", "avx", "avx2", "fma"}) == 256
    assert host_cpu.vector_bits({"sse2"}) == 128
    assert host_cpu.vector_bits(set()) == 256  # unknown: assume AVX2
    host_cpu.host_vector_unit.cache_clear()
    monkeypatch.setenv(host_cpu.ENV, "512")
    try:
        assert host_cpu.host_vector_unit() == host_cpu.VectorUnit(16, 32)
        monkeypatch.setenv(host_cpu.ENV, "300")
        host_cpu.host_vector_unit.cache_clear()
        with pytest.raises(ValueError, match="expected one of"):
            host_cpu.host_vector_unit()
    finally:
        host_cpu.host_vector_unit.cache_clear()


def test_translate_to_llvm_ir_and_pipeline_text() -> None:
    src = """func.func @main(%a: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {llvm.emit_c_interface} {
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, b) -> (a, b)>, affine_map<(a, b) -> (a, b)>],
     iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%u: f32, %o: f32):
    %t = math.tanh %u : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}"""
    with ir.Context():
        module = ir.Module.parse(src)
        apply_schedule(module, "aarch64")
        lower_to_llvm(module, "aarch64")
        text = translate_to_llvm_ir(module)
    assert "define" in text
    assert "_mlir_ciface_main" in text
    assert "memrefCopy" not in text
    assert "one-shot-bufferize" in PIPELINE_HOST
