"""Pre-pack weights at load time instead of transposing them on every run.

The NHWC conv/pool rewrite (codegen/schedule.py) and some matmul lowerings transpose a
filter that is an entry-function weight argument (`dnnf.weight`). Such a transpose depends
on nothing but the weight, so it is done once, in numpy, when the weights are bound:
the argument gets the transposed type, the transpose disappears from the code, and the
compiled model records the permutation to apply to that weight.


Matches: a weight argument of the entry function whose only use is either a
`linalg.transpose` (possibly behind single-use `collapse_shape`/`expand_shape` ops, e.g. a
depthwise filter), or one operand of one call to a block function whose matching argument is
used that way.
Sound because: `transpose(w)` with `w` bound to the same array on every call equals the
pre-transposed array; nothing else reads `w`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.block_ir import functions
from dnnfusion_mlir.codegen.pack_matmul import pack, packable

WEIGHT_ATTR = "dnnf.weight"


@dataclass(frozen=True)
class Prepack:
    """Load-time transform of one weight: reshape to `shape` (if set), then transpose."""

    shape: list[int] | None
    perm: list[int]

    def apply(self, weight: np.ndarray) -> np.ndarray:
        """The pre-packed array the entry argument now expects."""
        w = weight.reshape(self.shape) if self.shape is not None else weight
        return np.ascontiguousarray(w.transpose(self.perm))


def _single_use(value: ir.Value) -> tuple[ir.Operation, int] | None:
    uses = list(value.uses)
    if len(uses) != 1:
        return None
    return uses[0].owner.operation, uses[0].operand_number


def _transpose_of(value: ir.Value) -> tuple[list[ir.Operation], ir.Operation] | None:
    """(reshapes, transpose) when `value` flows only through single-use
    `tensor.collapse_shape`/`expand_shape` ops into a `linalg.transpose`."""
    reshapes: list[ir.Operation] = []
    while True:
        use = _single_use(value)
        if not use or use[1] != 0:
            return None
        op = use[0]
        if op.name == "linalg.transpose":
            return reshapes, op
        if op.name not in ("tensor.collapse_shape", "tensor.expand_shape"):
            return None
        reshapes.append(op)
        value = op.results[0]


def _set_arg_type(fn: ir.Operation, index: int, new_type: ir.Type) -> None:
    block = fn.regions[0].blocks[0]
    block.arguments[index].set_type(new_type)
    ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
    fn.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get([a.type for a in block.arguments], ftype.results))


def _fold(chain: tuple[list[ir.Operation], ir.Operation], arg: ir.Value) -> Prepack:
    reshapes, transpose = chain
    perm = [int(p) for p in ir.DenseI64ArrayAttr(transpose.attributes["permutation"])]
    shape = list(ir.RankedTensorType(transpose.operands[0].type).shape)
    transpose.results[0].replace_all_uses_with(arg)
    transpose.erase()
    for op in reversed(reshapes):
        op.erase()
    return Prepack(shape if reshapes else None, perm)


def prepack_weights(module: ir.Module, entry: str = "main",
                    panel: int = 0) -> dict[int, Prepack]:
    """Fold weight transposes into load-time transforms and, when `panel` > 1, pack the
    weights of matmuls into column panels of that width (codegen/pack_matmul.py); returns
    {entry arg index: Prepack}."""
    fns = functions(module)
    main = fns.get(entry)
    if main is None or "arg_attrs" not in main.attributes:
        return {}  # no entry (a test module) or no weight arguments
    perms: dict[int, Prepack] = {}
    args = main.regions[0].blocks[0].arguments
    for i, attrs in enumerate(ir.ArrayAttr(main.attributes["arg_attrs"])):
        if WEIGHT_ATTR not in ir.DictAttr(attrs):
            continue
        fn, index = main, i
        use = _single_use(args[i])
        if use and use[0].name == "func.call":
            callee = fns.get(ir.FlatSymbolRefAttr(use[0].attributes["callee"]).value)
            if callee is None:
                continue
            fn, index = callee, use[1]
        prepack = _prepack(fn, index, panel)
        if prepack is None:
            continue
        new_type = fn.regions[0].blocks[0].arguments[index].type
        if fn != main:
            _set_arg_type(main, i, new_type)
        perms[i] = prepack
    return perms


def _prepack(fn: ir.Operation, index: int, panel: int) -> Prepack | None:
    """Fold the transpose of, or pack the matmul reading, argument `index` of `fn` (whose
    type is updated); None if neither applies."""
    arg = fn.regions[0].blocks[0].arguments[index]
    chain = _transpose_of(arg)
    if chain is not None:
        _set_arg_type(fn, index, chain[1].results[0].type)
        return _fold(chain, arg)
    matmul = packable(arg, panel) if panel > 1 else None
    if matmul is None:
        return None
    shape, perm, packed = pack(matmul, arg, panel)
    _set_arg_type(fn, index, packed)
    return Prepack(shape, perm)
