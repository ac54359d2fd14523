"""Column-panel packing of a matmul's weight operand (a load-time layout, like prepack.py).

Matches: a `linalg.matmul` (B plain `[K, N]` or transposed `[N, K]` through its indexing
maps, A not transposed) whose B is a weight argument read by nothing else, with N a
multiple of the panel width P (the matmul schedule's register-tile columns, 2 vector
registers) and more than one panel.

Rewrites it into a `linalg.generic` over (m, nb, j, k) reading A[m, k] and the packed
weight Bp[nb, k, j], accumulating into an `[M, N/P, P]` fill of the matmul's initial value
(kernels accumulate matmuls into a fill; other matmuls are left alone) that a
`collapse_shape` turns back into `[M, N]`. The weight argument takes Bp's type; the
compiled model packs the weight once when it binds it (codegen/prepack.py: reshape, then
transpose).

Sound because Bp[nb, k, j] = B[k, nb * P + j] by construction of the packed array, so the
generic computes C[m, nb * P + j] = sum_k A[m, k] * B[k, nb * P + j], the matmul's sums
over the same k in the same order.

Why: a register tile reads P consecutive floats of B per k step. In `[K, N]` those rows of
a panel lie N floats apart (a 768 x 3072 weight: 768 strided rows per panel, a new page
every few rows); packed, a panel is K * P consecutive floats. `python -m
dnnfusion_mlir.tools.bench_kernels` on the AVX2 EPYC, 128x768 * 768x3072: 61-78 GFLOP/s
packed, 35 unpacked in the same runs (onnxruntime 76-88).
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import arith, ir, linalg, tensor
from dnnfusion_mlir.codegen.block_ir import PACKED_ATTR, fill_of

_PLAIN_B = "(d0, d1, d2) -> (d2, d1)"
_TRANSPOSED_B = "(d0, d1, d2) -> (d1, d2)"
_PLAIN_A = "(d0, d1, d2) -> (d0, d2)"


def _maps(op: ir.Operation) -> list[str]:
    """The matmul's indexing maps as text (the default ones when it has none)."""
    if "indexing_maps" not in op.attributes:
        return [_PLAIN_A, _PLAIN_B, "(d0, d1, d2) -> (d0, d1)"]
    return [str(ir.AffineMapAttr(a).value).removeprefix("affine_map<").removesuffix(">")
            for a in ir.ArrayAttr(op.attributes["indexing_maps"])]


def packable(value: ir.Value, panel: int) -> ir.Operation | None:
    """The matmul reading `value` (its only use) as a packable B, else None."""
    uses = list(value.uses)
    if len(uses) != 1 or uses[0].operand_number != 1:
        return None
    op = uses[0].owner.operation
    if op.name != "linalg.matmul" or len(op.operands) != 3:
        return None
    maps = _maps(op)
    if maps[0] != _PLAIN_A or maps[1] not in (_PLAIN_B, _TRANSPOSED_B):
        return None
    n = ir.RankedTensorType(op.results[0].type).shape[1]
    ty = ir.RankedTensorType(op.operands[2].type)
    if not ty.has_static_shape or str(ty.element_type) != "f32" or \
            fill_of(op.operands[2]) is None:
        return None
    return op if n % panel == 0 and n > panel else None


def pack(op: ir.Operation, value: ir.Value, panel: int
         ) -> tuple[list[int], list[int], ir.Type]:
    """Rewrite matmul `op` (from `packable`) to read B, block argument `value`, packed.
    Returns the load-time transform of the weight (reshape to a shape, then transpose by a
    permutation) and the packed type, which the caller gives the argument (and its
    function's type)."""
    transposed = _maps(op)[1] == _TRANSPOSED_B
    a, fill = op.operands[0], fill_of(op.operands[2])
    assert fill is not None  # packable() checked it
    m, n = ir.RankedTensorType(op.results[0].type).shape
    k = ir.RankedTensorType(a.type).shape[1]
    with ir.InsertionPoint(op), op.location:
        f32 = ir.F32Type.get()
        packed = ir.RankedTensorType.get([n // panel, k, panel], f32)
        acc = linalg.fill(fill.operands[0], outs=[tensor.empty([m, n // panel, panel], f32)])
        generic = _packed_generic(a, value, acc)
        out = tensor.collapse_shape(op.results[0].type, generic.results[0], [[0], [1, 2]])
    op.results[0].replace_all_uses_with(out)
    op.erase()
    if not list(fill.results[0].uses):
        fill.erase()
    if transposed:  # B [N, K] -> [N/P, P, K] -> [N/P, K, P]
        return [n // panel, panel, k], [0, 2, 1], packed
    return [k, n // panel, panel], [1, 0, 2], packed  # B [K, N] -> [K, N/P, P] -> ...


def _packed_generic(a: ir.Value, b: ir.Value, acc: ir.Value) -> ir.Operation:
    """C[m, nb, j] += A[m, k] * Bp[nb, k, j] over loops (m, nb, j, k)."""
    maps = ["(m, b, j, k) -> (m, k)", "(m, b, j, k) -> (b, k, j)", "(m, b, j, k) -> (m, b, j)"]
    iters = ["parallel"] * 3 + ["reduction"]
    attrs = {
        "indexing_maps": ir.ArrayAttr.get([ir.Attribute.parse(f"affine_map<{m}>")
                                           for m in maps]),
        "iterator_types": ir.ArrayAttr.get([ir.Attribute.parse(f"#linalg.iterator_type<{i}>")
                                            for i in iters]),
        "operandSegmentSizes": ir.DenseI32ArrayAttr.get([2, 1]),
        PACKED_ATTR: ir.UnitAttr.get(),
    }
    generic = ir.Operation.create("linalg.generic", results=[acc.type], operands=[a, b, acc],
                                  attributes=attrs, regions=1)
    f32 = ir.F32Type.get()
    body = generic.regions[0].blocks.append(f32, f32, f32)
    with ir.InsertionPoint(body):
        product = arith.mulf(body.arguments[0], body.arguments[1])
        linalg.YieldOp([arith.addf(body.arguments[2], product)])
    return generic
