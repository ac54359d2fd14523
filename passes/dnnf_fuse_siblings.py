"""Horizontal fusion: sibling convs / matmuls that read one input become one op.

Matches: two or more `dnnf.conv` ops (group 1) reading the same input value, with constant
f32 weights (and biases) that agree in every dim but the output channels, and equal
strides, pads and dilations; or two or more `dnnf.matmul` ops with the same lhs and a
constant 2-D f32 rhs. Then, over the `dnnf.slice` ops that split such a result: element-wise
ops applied to every slice alike (one user each, same op and attributes; for binary ops a
constant other operand whose extent along the split axis is the slice's, or 1 and equal).
Rewrites: the siblings into one op whose weight concatenates theirs along the output axis
(conv: dim 0 of W, biases with zeros where absent; matmul: dim 1 of B) followed by one
`dnnf.slice` per sibling; the element-wise ops into one op on the whole result (constants
concatenated in slice order) followed by the slices.
Sound because: output channel c of a conv (column j of a matmul) depends only on the
shared input and weight row c (column j), so each slice of the merged result is exactly
the sibling's result; element-wise ops commute with slicing, and the concatenated constant
gives every slice its own operand.
Why in fusion and not among the rewrites: this is horizontal fusion (one kernel reads the
input once instead of once per sibling, and converts it to NHWC once); unfused compiles
keep one kernel per model op. Inception modules (three 1x1 convs on one input) and
attention (the Q, K and V projections) are the cases it is for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dnnfusion_mlir._mlir import ir, rewrite
from dnnfusion_mlir.constant_values import (
    constant_array,
    defined_by,
    f32_tensor,
    is_f32,
    new_constant,
    shape_of,
)
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.importer.attrs import i64_array
from dnnfusion_mlir.rewriting import Rule, apply_rules

NAME = "dnnf-fuse-siblings"
DESCRIPTION = "Merge convs/matmuls sharing an input into one op (horizontal fusion)."

#: Element-wise ops that may move above the slices of a merged result.
UNARY = ("relu", "sigmoid", "tanh", "erf", "exp", "log", "sqrt", "reciprocal", "neg", "abs",
         "hard_swish", "identity", "dropout", "leaky_relu", "hard_sigmoid", "clip", "gelu")
BINARY = ("add", "sub", "mul", "div", "pow")
COMMUTATIVE = ("dnnf.add", "dnnf.mul")


def _op(owner: object) -> ir.Operation:
    return owner.operation if hasattr(owner, "operation") else owner  # type: ignore[return-value]


def _users(value: ir.Value) -> list[ir.Operation]:
    return [_op(u.owner) for u in value.uses]


def _first(ops: Sequence[ir.Operation]) -> ir.Operation:
    """The op of `ops` (all in one block) that comes first."""
    first = ops[0]
    for op in ops[1:]:
        if op.is_before_in_block(first):
            first = op
    return first


def _readable(*values: ir.Value) -> list[np.ndarray] | None:
    """The f32 arrays of constant `values` (None when one is not readable)."""
    arrays = [constant_array(v) if is_f32(v) else None for v in values]
    return None if any(a is None for a in arrays) else arrays  # type: ignore[return-value]


# ------------------------------------------------------------------ sibling convs / matmuls
def _conv_key(op: ir.Operation) -> tuple[str, ...] | None:
    """What conv siblings must share to merge (None: this conv cannot merge)."""
    if op.name != "dnnf.conv" or ir.IntegerAttr(op.attributes["group"]).value != 1:
        return None
    if _readable(*list(op.operands)[1:]) is None:
        return None
    out = list(shape_of(op.results[0]))
    a = op.attributes
    return (str(a["strides"]), str(a["pads"]), str(a["dilations"]),
            str(shape_of(op.operands[1])[1:]), str(out[:1] + out[2:]))


def _matmul_key(op: ir.Operation) -> tuple[str, ...] | None:
    """What matmul siblings (same lhs, constant 2-D rhs) must share to merge."""
    if op.name != "dnnf.matmul" or op.operands[0] == op.operands[1]:
        return None
    if len(shape_of(op.operands[1])) != 2 or _readable(op.operands[1]) is None:
        return None
    return (str(shape_of(op.operands[1])[0]), str(shape_of(op.results[0])[:-1]))


def _siblings(op: ir.Operation, key: Callable[[ir.Operation], tuple[str, ...] | None]
              ) -> list[ir.Operation]:
    """`op` and the other users of its operand 0 with the same merge key, in block order."""
    mine = key(op)
    if mine is None:
        return []
    found: list[ir.Operation] = []
    for user in _users(op.operands[0]):
        if (user not in found and user.block == op.block and user.operands[0] == op.operands[0]
                and key(user) == mine):
            found.append(user)
    return sorted(found, key=lambda o: sum(1 for x in found if x.is_before_in_block(o)))


def _slice_all(merged: ir.Value, sibs: list[ir.Operation], axis: int,
               rewriter: rewrite.PatternRewriter) -> None:
    """Replace each sibling by its slice of `merged` along `axis` (consecutive ranges)."""
    rank, offset, parts = len(shape_of(merged)), 0, []
    for sib in sibs:
        starts = [0] * rank
        starts[axis] = offset
        offset += shape_of(sib.results[0])[axis]
        with sib.location:
            parts.append(dnnf.SliceOp(merged, i64_array(starts), i64_array([1] * rank),
                                      sib.results[0].type).out)
    # Only now: the insertion point sits before the first sibling.
    for sib, part in zip(sibs, parts, strict=True):
        rewriter.replace_op(sib, [part])


def _fused_location(ops: Sequence[ir.Operation]) -> ir.Location:
    return ir.Location.fused([op.location for op in ops])


def merge_convs(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """conv(x, W1, b1), conv(x, W2, b2), ... -> slices of conv(x, [W1; W2; ...], [b1; b2; ...]).

    Precondition: group 1, constant f32 weights/biases, equal windows (see module doc).
    """
    sibs = _siblings(op, _conv_key)
    if len(sibs) < 2:
        return False
    weights, biases = [], []
    for sib in sibs:
        w, *b = _readable(*list(sib.operands)[1:]) or []
        weights.append(w)
        biases.append(b[0].reshape(-1) if b else np.zeros(w.shape[0], np.float32))
    has_bias = any(len(sib.operands) > 2 for sib in sibs)
    weight = np.concatenate(weights)
    shape = list(shape_of(op.results[0]))
    shape[1] = weight.shape[0]
    a = op.attributes
    with ir.InsertionPoint(_first(sibs)), _fused_location(sibs):
        w_val = new_constant(weight, f32_tensor(weight.shape), "merged_weight")
        b_val = (new_constant(np.concatenate(biases), f32_tensor([weight.shape[0]]),
                              "merged_bias") if has_bias else None)
        merged = dnnf.ConvOp(op.operands[0], w_val, a["strides"], a["pads"], a["dilations"],
                             a["group"], f32_tensor(shape), bias=b_val).out
        _slice_all(merged, sibs, 1, rewriter)
    return True


def merge_matmuls(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """matmul(x, B1), matmul(x, B2), ... -> slices of matmul(x, [B1 B2 ...]) (columns).

    Precondition: constant 2-D f32 rhs with equal rows (see module doc).
    """
    sibs = _siblings(op, _matmul_key)
    if len(sibs) < 2:
        return False
    weight = np.concatenate([(_readable(s.operands[1]) or [])[0] for s in sibs], axis=1)
    shape = list(shape_of(op.results[0]))
    shape[-1] = weight.shape[1]
    with ir.InsertionPoint(_first(sibs)), _fused_location(sibs):
        w_val = new_constant(weight, f32_tensor(weight.shape), "merged_weight")
        merged = dnnf.MatMulOp(op.operands[0], w_val, f32_tensor(shape)).out
        _slice_all(merged, sibs, len(shape) - 1, rewriter)
    return True


# ------------------------------------------------- element-wise ops above a partition
def _partition(value: ir.Value) -> tuple[int, list[ir.Operation]] | None:
    """(axis, slices in order) when the users of `value` are unit-step slices along one
    axis that tile it exactly; else None."""
    users, full = _users(value), shape_of(value)
    if len(users) < 2 or any(u.name != "dnnf.slice" for u in users):
        return None
    axes = {k for u in users for k, (a, b) in enumerate(zip(shape_of(u.results[0]), full,
                                                            strict=True)) if a != b}
    if len(axes) != 1:
        return None
    axis = axes.pop()
    spans = []
    for u in users:
        steps = list(ir.DenseI64ArrayAttr(u.attributes["steps"]))
        starts = list(ir.DenseI64ArrayAttr(u.attributes["starts"]))
        if any(s != 1 for s in steps) or any(v for k, v in enumerate(starts) if k != axis):
            return None
        spans.append((starts[axis], shape_of(u.results[0])[axis], u))
    spans.sort(key=lambda t: t[0])
    ends = [0] + [start + size for start, size, _ in spans]
    if any(start != end for (start, _, _), end in zip(spans, ends, strict=False)):
        return None
    return (axis, [u for _, _, u in spans]) if ends[-1] == full[axis] else None


def _same_attrs(ops: Sequence[ir.Operation]) -> bool:
    def text(op: ir.Operation) -> list[str]:
        return sorted(f"{name}={op.attributes[name]}" for name in op.attributes)

    return all(text(op) == text(ops[0]) for op in ops[1:])


def _stacked_operand(parts: list[ir.Operation], others: list[ir.Value], axis: int,
                     rank: int) -> np.ndarray | None:
    """The constants `others` (one per slice) as one array for the whole value."""
    arrays = _readable(*others)
    if arrays is None or any(a.ndim > rank for a in arrays):
        return None
    ndim = max(a.ndim for a in arrays)  # the result keeps the constants' rank
    arrays = [a.reshape((1,) * (rank - a.ndim) + a.shape) for a in arrays]
    rest = {tuple(d for k, d in enumerate(a.shape) if k != axis) for a in arrays}
    if len(rest) != 1:
        return None
    if all(a.shape[axis] == 1 for a in arrays) and all(np.array_equal(a, arrays[0])
                                                      for a in arrays):
        stacked = arrays[0]
    else:
        sizes = [shape_of(p.results[0])[axis] for p in parts]
        if rank - axis > ndim or any(a.shape[axis] != n
                                     for a, n in zip(arrays, sizes, strict=True)):
            return None
        stacked = np.concatenate(arrays, axis=axis)
    return stacked.reshape(stacked.shape[rank - ndim:])


def hoist_elementwise(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
    """u(slice_1(v)), u(slice_2(v)), ... -> slice_k(u(v)) when the slices tile v.

    Precondition: see module doc (every slice read once, by the same element-wise op).
    """
    operand = 0 if defined_by(op.operands[0], "dnnf.slice") is not None else 1
    part = defined_by(op.operands[operand], "dnnf.slice") if operand < len(op.operands) else None
    if part is None:
        return False
    whole = part.operands[0]
    found = _partition(whole)
    if found is None or not is_f32(whole):
        return False
    axis, parts = found
    users = [_users(p.results[0]) for p in parts]
    if any(len(u) != 1 or u[0].name != op.name for u in users):
        return False
    ops = [u[0] for u in users]
    if not _same_attrs(ops) or any(len(o.operands) != len(op.operands) or
                                   o.results[0].type != p.results[0].type
                                   for o, p in zip(ops, parts, strict=True)):
        return False
    where = [[v == p.results[0] for v in o.operands].index(True)
             for o, p in zip(ops, parts, strict=True)]
    if len(set(where)) != 1 and op.name not in COMMUTATIVE:
        return False
    rank = len(shape_of(whole))
    other = None
    if len(op.operands) == 2:
        others = [o.operands[1 - k] for o, k in zip(ops, where, strict=True)]
        other = _stacked_operand(parts, others, axis, rank)
        if other is None:
            return False
    # Before the first slice: the slices read the new op's result.
    with ir.InsertionPoint(_first(parts)), _fused_location(ops):
        stacked = None if other is None else new_constant(other, f32_tensor(other.shape),
                                                          "merged")
        new = op.clone()
        new.operands[operand] = whole
        if stacked is not None:
            new.operands[1 - operand] = stacked
        new.results[0].set_type(whole.type)
        for o, p in zip(ops, parts, strict=True):
            p.operands[0] = new.results[0]
            rewriter.replace_op(o, [p.results[0]])
    return True


RULES = [
    Rule("merge_sibling_convs", "dnnf.conv", merge_convs),
    Rule("merge_sibling_matmuls", "dnnf.matmul", merge_matmuls),
    *(Rule("hoist_elementwise_over_slices", f"dnnf.{n}", hoist_elementwise)
      for n in (*UNARY, *BINARY)),
]


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    apply_rules(op, RULES)
