"""Constant `dnnf` sub-graphs: recognise them, evaluate them with numpy, build new ones.

Rules that fold into weights (`dnnf-fold-into-weights`) emit the folded weight as a small
`dnnf` sub-graph over constants (e.g. `W * reshape(gamma / sqrt(var + eps))`), because a
`dense_resource<...>` blob cannot be read from the IR. `dnnf-fold-weights` then evaluates
such sub-graphs here: `dense<...>` values come from the IR, resource values from the active
weight table (`rewriting.weight_table`), and large results become new table entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer.constants import INLINE_MAX_ELEMENTS, dense_attr, resource_name
from dnnfusion_mlir.rewriting import current_weight_table
from dnnfusion_mlir.types import dtype_of, shape_and_dtype

# Materialising a broadcast is only worth it while the constant stays small.
FOLD_GROWTH_LIMIT = 4096

Evaluator = Callable[[list[np.ndarray], ir.Operation], np.ndarray | None]


def producer(value: ir.Value) -> ir.Operation | None:
    """The op defining `value`, or None for a block argument."""
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    return owner.operation if hasattr(owner, "operation") else owner


def defined_by(value: ir.Value, name: str) -> ir.Operation | None:
    """The defining op of `value` when it is named `name`, else None."""
    op = producer(value)
    return op if op is not None and op.name == name else None


def shape_of(value: ir.Value) -> tuple[int, ...]:
    """Static shape of a ranked tensor value."""
    return tuple(ir.RankedTensorType(value.type).shape)


def is_f32(*values: ir.Value) -> bool:
    """Whether every value is a ranked f32 tensor."""
    return all(str(ir.RankedTensorType(v.type).element_type) == "f32" for v in values)


def has_single_use(value: ir.Value) -> bool:
    """Whether exactly one operand anywhere reads `value`."""
    return sum(1 for _ in value.uses) == 1


def resource_key(attr: ir.Attribute) -> str | None:
    """The blob key of a `dense_resource<key>` attribute, else None."""
    text = str(attr)
    if not text.startswith("dense_resource<"):
        return None
    return text[len("dense_resource<"):].split(">")[0]


def is_constant(value: ir.Value, depth: int = 16) -> bool:
    """Whether `value` is computed by `dnnf` ops from `dnnf.constant` leaves only."""
    op = producer(value)
    if op is None or not op.name.startswith("dnnf.") or op.name == "dnnf.fused" or depth == 0:
        return False
    if op.name == "dnnf.constant":
        return True
    return all(is_constant(v, depth - 1) for v in op.operands)


def constant_array(value: ir.Value) -> np.ndarray | None:
    """The value of a `dnnf.constant` result (resources via the weight table), else None."""
    op = defined_by(value, "dnnf.constant")
    if op is None or str(ir.RankedTensorType(value.type).element_type) == "i1":
        return None
    attr = op.attributes["value"]
    if isinstance(attr, ir.DenseElementsAttr):
        shape, dtype = shape_and_dtype(value.type)
        return np.asarray(np.array(attr), dtype=dtype).reshape(shape)
    key, table = resource_key(attr), current_weight_table()
    if key is None or table is None or key not in table:
        return None
    return np.asarray(table[key])


def _binary(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], float_only: bool = False
            ) -> Evaluator:
    def run(args: list[np.ndarray], op: ir.Operation) -> np.ndarray | None:
        if float_only and args[0].dtype.kind != "f":
            return None
        return fn(args[0], args[1])
    return run


def _unary(fn: Callable[[np.ndarray], np.ndarray]) -> Evaluator:
    def run(args: list[np.ndarray], op: ir.Operation) -> np.ndarray | None:
        return fn(args[0]) if args[0].dtype.kind == "f" else None
    return run


def _reshape(args: list[np.ndarray], op: ir.Operation) -> np.ndarray:
    return args[0].reshape(shape_of(op.results[0]))


def _transpose(args: list[np.ndarray], op: ir.Operation) -> np.ndarray:
    return np.transpose(args[0], list(ir.DenseI64ArrayAttr(op.attributes["perm"])))


def _expand(args: list[np.ndarray], op: ir.Operation) -> np.ndarray:
    return np.broadcast_to(args[0], shape_of(op.results[0]))


def _cast(args: list[np.ndarray], op: ir.Operation) -> np.ndarray:
    return args[0].astype(dtype_of(ir.RankedTensorType(op.results[0].type).element_type))


EVALUATORS: dict[str, Evaluator] = {
    "dnnf.add": _binary(np.add),
    "dnnf.sub": _binary(np.subtract),
    "dnnf.mul": _binary(np.multiply),
    "dnnf.div": _binary(np.divide, float_only=True),
    "dnnf.neg": _unary(np.negative),
    "dnnf.abs": _unary(np.abs),
    "dnnf.sqrt": _unary(np.sqrt),
    "dnnf.exp": _unary(np.exp),
    "dnnf.log": _unary(np.log),
    "dnnf.reciprocal": _unary(np.reciprocal),
    "dnnf.relu": _unary(lambda a: np.maximum(a, np.zeros_like(a))),
    "dnnf.identity": lambda args, op: args[0],
    "dnnf.dropout": lambda args, op: args[0],
    "dnnf.cast": _cast,
    "dnnf.reshape": _reshape,
    "dnnf.flatten": _reshape,
    "dnnf.squeeze": _reshape,
    "dnnf.unsqueeze": _reshape,
    "dnnf.transpose": _transpose,
    "dnnf.expand": _expand,
}


def evaluate(op: ir.Operation) -> np.ndarray | None:
    """The value of `op` when all its operands are readable constants and it is worth it."""
    evaluator = EVALUATORS.get(op.name)
    if evaluator is None or len(op.results) != 1:
        return None
    args = [constant_array(v) for v in op.operands]
    if any(a is None for a in args):
        return None
    arrays = [a for a in args if a is not None]
    shape, dtype = shape_and_dtype(op.results[0].type)
    size = int(np.prod(shape, dtype=np.int64))
    if size > max(sum(a.size for a in arrays), FOLD_GROWTH_LIMIT):
        return None
    with np.errstate(all="ignore"):
        result = evaluator(arrays, op)
    if result is None or tuple(result.shape) != shape:
        return None
    return np.ascontiguousarray(result, dtype=dtype)


def new_constant(array: np.ndarray, ttype: ir.RankedTensorType, hint: str = "folded"
                 ) -> ir.Value:
    """A `dnnf.constant` of `array` at the current insertion point.

    Small values are inline `dense<...>`; larger ones become a new resource in the weight
    table (so the runtime can bind them), or inline when no table is active (dnnf-opt).
    """
    data = np.ascontiguousarray(array).reshape(tuple(ttype.shape))
    table = current_weight_table()
    if data.size <= INLINE_MAX_ELEMENTS or table is None:
        attr = dense_attr(data, ttype)
    else:
        key = resource_name(hint, set(table))
        table[key] = data
        attr = ir.DenseResourceElementsAttr.get_from_buffer(memoryview(data), key, ttype)  # type: ignore[arg-type]
    return dnnf.ConstantOp(attr, ttype).out


# ---------------------------------------------------------------- symbolic builders
def f32_tensor(shape: Sequence[int]) -> ir.RankedTensorType:
    """`tensor<shape x f32>` in the current context."""
    return ir.RankedTensorType.get(list(shape), ir.F32Type.get())


def const_f32(array: np.ndarray | float) -> ir.Value:
    """An f32 `dnnf.constant` holding `array` (inline; used for small parameters)."""
    data = np.asarray(array, dtype=np.float32)
    ttype = f32_tensor(data.shape)
    return dnnf.ConstantOp(dense_attr(data, ttype), ttype).out


def binary(cls: type, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    """`cls(lhs, rhs)` (a dnnf binary op) with the numpy-broadcast f32 result type."""
    shape = np.broadcast_shapes(shape_of(lhs), shape_of(rhs))
    return cls(lhs, rhs, f32_tensor(shape)).out


def unary(cls: type, value: ir.Value) -> ir.Value:
    """`cls(value)` (a dnnf unary op) with the operand's type."""
    return cls(value, value.type).out


def reshape(value: ir.Value, shape: Sequence[int]) -> ir.Value:
    """`value` reshaped to `shape` (no op when it already has that shape)."""
    if shape_of(value) == tuple(shape):
        return value
    return dnnf.ReshapeOp(value, f32_tensor(shape)).out


def splat_f32(value: float, shape: Sequence[int]) -> ir.Value:
    """An f32 `dnnf.constant` with every element `value` (printed as a splat)."""
    ttype = f32_tensor(shape)
    attr = ir.DenseElementsAttr.get_splat(ttype, ir.FloatAttr.get_f32(float(value)))
    return dnnf.ConstantOp(attr, ttype).out
