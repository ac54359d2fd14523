"""Column-panel packing of matmul weights (codegen/pack_matmul.py via prepack_weights):
which matmuls are packed, the load-time transform, and JIT results against numpy."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from dnnfusion_mlir._mlir import ExecutionEngine, get_ranked_memref_descriptor, ir
from dnnfusion_mlir.codegen.block_fusion import root_tiles
from dnnfusion_mlir.codegen.prepack import Prepack
from dnnfusion_mlir.codegen.schedule import PACKED_MATMUL, LoopInfo, apply_schedule, panel_width
from dnnfusion_mlir.codegen.to_llvm import lower_to_llvm
from dnnfusion_mlir.fusion.profitability import ROW_TILE

RNG = np.random.default_rng(0)
TRANSPOSED_MAPS = ('indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, '
                   'affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ')


def _ty(*shape: int) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"


def _source(m: int, k: int, n: int, transposed: bool = False, weight: bool = True,
            twice: bool = False) -> str:
    """@main(a [m, k], b) -> a @ b (b [k, n], or [n, k] read transposed); `twice` also
    returns b @ ... so b has two readers."""
    b = _ty(n, k) if transposed else _ty(k, n)
    attr = ' {dnnf.weight = "b"}' if weight else ""
    o = _ty(m, n)
    maps = TRANSPOSED_MAPS if transposed else ""
    extra = f"""
  %r2 = linalg.matmul {maps}ins(%a, %b : {_ty(m, k)}, {b}) outs(%f : {o}) -> {o}""" if twice \
        else ""
    results = "%r, %r2" if twice else "%r"
    types = f"{o}, {o}" if twice else o
    return f"""func.func @main(%a: {_ty(m, k)}, %b: {b}{attr}) -> ({types})
    attributes {{llvm.emit_c_interface}} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {o}
  %f = linalg.fill ins(%z : f32) outs(%e : {o}) -> {o}
  %r = linalg.matmul {maps}ins(%a, %b : {_ty(m, k)}, {b}) outs(%f : {o}) -> {o}{extra}
  return {results} : {types}
}}"""


def _schedule(src: str, target: str = "host") -> tuple[ir.Module, dict[int, Prepack], str]:
    module = ir.Module.parse(src)
    result = apply_schedule(module, target)
    return module, result.prepacked, str(module)


@pytest.mark.parametrize("transposed", [False, True])
def test_packed_matmul_matches_numpy(transposed: bool) -> None:
    p = panel_width()
    m, k, n = 10, 24, 3 * p
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((n, k) if transposed else (k, n)).astype(np.float32)
    with ir.Context():
        module, prepacked, text = _schedule(_source(m, k, n, transposed))
        assert list(prepacked) == [1]
        assert "linalg.matmul" not in text
        assert "linalg.generic" not in text  # vectorised
        assert "vector.fma" in text or "vector.outerproduct" in text
        assert f"memref<{n // p}x{k}x{p}xf32>" in text or f"tensor<{n // p}x{k}x{p}xf32>" in text
        lower_to_llvm(module)
        engine = ExecutionEngine(module, opt_level=3)
        packed = prepacked[1].apply(b)
        out = np.zeros((m, n), np.float32)
        engine.invoke("main", *[ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(x)))
                                for x in (a, packed, out)])
    ref = a @ (b.T if transposed else b)
    assert np.abs(out - ref).max() <= 1e-4 * np.abs(ref).max()


def test_packed_layout_is_column_panels() -> None:
    p = panel_width()
    k, n = 5, 2 * p
    b = np.arange(k * n, dtype=np.float32).reshape(k, n)
    with ir.Context():
        _, prepacked, _ = _schedule(_source(3, k, n))
    packed = prepacked[1].apply(b)
    assert packed.shape == (2, k, p)
    for nb in range(2):
        np.testing.assert_array_equal(packed[nb], b[:, nb * p:(nb + 1) * p])
    assert packed.flags.c_contiguous


def test_aarch64_panels_are_two_neon_registers() -> None:
    with ir.Context():
        _, prepacked, _ = _schedule(_source(4, 8, 24), "aarch64")
    assert prepacked[1] == Prepack([8, 3, 8], [1, 0, 2])


@pytest.mark.parametrize(("n", "kwargs"), [
    (1, {}),  # one panel: nothing to gain (n = panel width, set below)
    (-1, {}),  # not a multiple of the panel width
    (2, {"weight": False}),  # an activation, not a weight bound at load time
    (2, {"twice": True}),  # a weight with two readers
])
def test_not_packed(n: int, kwargs: dict[str, bool]) -> None:
    p = panel_width()
    cols = n * p if n > 0 else p + 4
    with ir.Context():
        _, prepacked, text = _schedule(_source(4, 8, cols, **kwargs))
    assert prepacked == {}
    assert "dnnf.packed_matmul" not in text


def test_packed_matmul_root_is_tiled_by_rows() -> None:
    """A block whose last op is a packed matmul (attention's probs . v with a constant v,
    after the softmax) is tiled by `ROW_TILE` rows of its m loop; its [M, N/P, P] result
    once made that a tile of one row per panel group, which ran the matmul one row at a
    time (bench_corf's attention: 1.5x the time of the unfused ops)."""
    info = LoopInfo(PACKED_MATMUL, (128, 4, 16, 128), ("parallel",) * 3 + ("reduction",))
    assert root_tiles(info, windowed=False) == [ROW_TILE, 0, 0, 0]
