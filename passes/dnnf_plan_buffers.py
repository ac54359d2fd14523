"""Static memory plan: a function's intermediate buffers become views of one arena.

Matches: in each `func.func` with a one-block body (bufferized, before loops become
branches), the top-level `memref.alloc`s of static shape, identity layout, a byte-sized
element type and at most 64-byte alignment whose every alias (through `memref.subview`,
`expand_shape`, `collapse_shape`, `cast`, `reinterpret_cast`, `transpose`, `view`, and
the result of an `scf.if` yielding it) is only read or written in place: no use returns,
passes on, frees or yields it out of a loop, and no user other than those view ops has a
memref result.
Rewrites: each such alloc to `memref.view %arena[offset][]`, where `%arena` is one
64-byte-aligned `memref<N x i8>` allocated at the top of the function, or, in a function
marked `dnnf.workspace` (the compiled model's entry), a new trailing argument: the
caller's workspace, allocated once and reused by every call. A buffer's lifetime
is the span of top-level ops from the first to the last one using (or containing a use of)
any of its aliases; buffers are placed greedily, largest first, at the lowest 64-byte
aligned offset not overlapping a placed buffer whose lifetime overlaps its own. N is the
plan's peak. The module records, summed over its functions, the arena bytes
(`dnnf.arena_bytes`), the bytes of the buffers placed in them (`dnnf.buffer_bytes`,
what one allocation per buffer would take) and the bytes of the arenas taken as arguments
(`dnnf.workspace_bytes`).
Sound because: two buffers share bytes only if no top-level op touches both lifetimes, so
in the sequential execution of the block every byte is last written by the buffer that
reads it; the buffers never escape, so nothing touches them outside those spans. Values
are not changed, only where they live (exact). Deallocation runs after this pass and frees
an allocated arena once, after its last view's last use; a workspace argument is the
caller's (its contents on entry are never read: every byte is written before it is read,
as in a fresh allocation, so calls share nothing through it).

Why: without it every block output and tile buffer is a `malloc`/`free` per call, and the
allocator decides reuse and placement. The plan makes reuse the compiler's: one allocation
per call (none with a workspace), the same relative layout in every call and every
process, and a footprint set by which buffers are live together (greedy placement: at
least their peak; `arena_bytes`).
The workspace goes further: a `malloc` of megabytes is an `mmap` whose pages fault in
again on every call (glibc's threshold moves with the process's history, so whether a call
pays hundreds of page faults varied from process to process); a workspace faults once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dnnfusion_mlir._mlir import arith, ir, memref

NAME = "dnnf-plan-buffers"
DESCRIPTION = "Place a function's non-escaping static buffers in one arena by lifetime."

ARENA_ATTR = "dnnf.arena_bytes"
BUFFERS_ATTR = "dnnf.buffer_bytes"
WORKSPACE_ATTR = "dnnf.workspace_bytes"
#: On a function: take the arena as a trailing argument instead of allocating it.
WORKSPACE_MARK = "dnnf.workspace"
ALIGN = 64
VIEW_OPS = ("memref.subview", "memref.expand_shape", "memref.collapse_shape", "memref.cast",
            "memref.reinterpret_cast", "memref.transpose", "memref.view")
#: Users that may hand the buffer itself on (escape), or free it: never planned.
ESCAPES = ("func.return", "func.call", "scf.yield", "scf.condition", "cf.br", "cf.cond_br",
           "memref.dealloc")


@dataclass
class Buffer:
    alloc: ir.Operation
    size: int  # bytes, rounded up to ALIGN
    first: int  # index of the first top-level op using it
    last: int  # index of the last one
    offset: int = 0


def _byte_size(type_: ir.MemRefType) -> int | None:
    """Bytes of a static identity-layout memref of a byte-sized element type, else None."""
    layout = type_.layout
    identity = (isinstance(layout, ir.AffineMapAttr)
                and layout.value == ir.AffineMap.get_identity(type_.rank))
    element = type_.element_type
    if (not type_.has_static_shape or not identity
            or not isinstance(element, ir.FloatType | ir.IntegerType) or element.width % 8):
        return None
    return max(math.prod(type_.shape) * element.width // 8, 1)


def _alignment(alloc: ir.Operation) -> int:
    attributes = alloc.attributes
    return ir.IntegerAttr(attributes["alignment"]).value if "alignment" in attributes else 0


def _top_level(op: ir.Operation, block_ops: dict[ir.Operation, int]) -> int:
    """Index in the function block of the top-level op containing `op`."""
    while op not in block_ops:
        op = op.parent.operation
    return block_ops[op]


def _lifetime(alloc: ir.Operation, block_ops: dict[ir.Operation, int]) -> tuple[int, int] | None:
    """(first, last) top-level index touching any alias of `alloc`; None if it escapes."""
    first = last = None
    pending = [alloc.results[0]]
    while pending:
        value = pending.pop()
        for use in value.uses:
            user = use.owner.operation
            name = user.name
            if name == "scf.yield" and user.parent.name == "scf.if":
                # A padded tile picks one of two buffers: the `scf.if` result aliases both.
                pending.append(user.parent.results[use.operand_number])
            elif name in ESCAPES:
                return None
            elif name in VIEW_OPS:
                pending.append(user.results[0])
            elif any(isinstance(r.type, ir.MemRefType) for r in user.results):
                return None
            index = _top_level(user, block_ops)
            first = index if first is None else min(first, index)
            last = index if last is None else max(last, index)
    if first is None or last is None:
        return None  # never used: leave it to canonicalisation
    return first, last


def place(buffers: list[Buffer]) -> int:
    """Give every buffer an offset (greedy by size); return the arena size in bytes."""
    placed: list[Buffer] = []
    for buf in sorted(buffers, key=lambda b: (-b.size, b.first)):
        clashes = sorted((p for p in placed if p.first <= buf.last and buf.first <= p.last),
                         key=lambda p: p.offset)
        offset = 0
        for p in clashes:
            if offset + buf.size <= p.offset:
                break
            offset = max(offset, p.offset + p.size)
        buf.offset = offset
        placed.append(buf)
    return max((b.offset + b.size for b in placed), default=0)


def plan_function(function: ir.Operation) -> tuple[int, int]:
    """Plan one function in place; returns (arena bytes, bytes of the buffers placed in it),
    (0, 0) when nothing was planned. The arena is a new trailing argument if the function
    is marked `WORKSPACE_MARK`, else an allocation."""
    region = function.regions[0]
    blocks = list(region.blocks)
    if len(blocks) != 1:
        return 0, 0
    ops = [op.operation for op in blocks[0].operations]
    block_ops = {op: i for i, op in enumerate(ops)}
    buffers = []
    for op in ops:
        if op.name != "memref.alloc" or len(op.operands) or _alignment(op) > ALIGN:
            continue
        size = _byte_size(ir.MemRefType(op.results[0].type))
        span = _lifetime(op, block_ops) if size is not None else None
        if size is None or span is None:
            continue
        buffers.append(Buffer(op, -(-size // ALIGN) * ALIGN, *span))
    if not buffers:
        return 0, 0
    total = place(buffers)
    with function.location:
        arena_type = ir.MemRefType.get([total], ir.IntegerType.get_signless(8))
    if WORKSPACE_MARK in function.attributes:
        arena = _workspace_argument(function, arena_type)
    else:
        with ir.InsertionPoint.at_block_begin(blocks[0]), function.location:
            arena = memref.AllocOp(arena_type, [], [], alignment=ALIGN).result
    for buf in buffers:
        with ir.InsertionPoint(buf.alloc), buf.alloc.location:
            shift = arith.ConstantOp(ir.IndexType.get(), buf.offset)
            view = memref.ViewOp(buf.alloc.results[0].type, arena, shift.result, [])
        buf.alloc.results[0].replace_all_uses_with(view.result)
        buf.alloc.erase()
    return total, sum(buf.size for buf in buffers)


def _workspace_argument(function: ir.Operation, arena_type: ir.MemRefType) -> ir.Value:
    """Append a `memref<N x i8>` argument to `function` (body and type) and return it."""
    entry = function.regions[0].blocks[0]
    arena = entry.add_argument(arena_type, function.location)
    ftype = ir.FunctionType(ir.TypeAttr(function.attributes["function_type"]).value)
    function.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get([*ftype.inputs, arena_type], ftype.results))
    if "arg_attrs" in function.attributes:
        attrs = list(ir.ArrayAttr(function.attributes["arg_attrs"]))
        function.attributes["arg_attrs"] = ir.ArrayAttr.get([*attrs, ir.DictAttr.get({})])
    return arena


def run(op: ir.Operation, pass_: object) -> None:
    arena = placed = workspace = 0
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                if child.operation.name == "func.func" and len(child.operation.regions[0].blocks):
                    function_arena, function_buffers = plan_function(child.operation)
                    arena += function_arena
                    placed += function_buffers
                    if WORKSPACE_MARK in child.operation.attributes:
                        workspace += function_arena
    i64 = ir.IntegerType.get_signless(64)
    op.attributes[ARENA_ATTR] = ir.IntegerAttr.get(i64, arena)
    op.attributes[BUFFERS_ATTR] = ir.IntegerAttr.get(i64, placed)
    op.attributes[WORKSPACE_ATTR] = ir.IntegerAttr.get(i64, workspace)


def planned_bytes(module: ir.Module) -> tuple[int, int]:
    """(arena bytes, bytes of the buffers placed in them) this pass recorded on `module`;
    (0, 0) if it has not run."""
    attributes = module.operation.attributes
    if ARENA_ATTR not in attributes:
        return 0, 0
    return (ir.IntegerAttr(attributes[ARENA_ATTR]).value,
            ir.IntegerAttr(attributes[BUFFERS_ATTR]).value)


def workspace_bytes(module: ir.Module) -> int:
    """Bytes of the workspace arguments this pass added (0 if none, or if it has not run)."""
    attributes = module.operation.attributes
    return ir.IntegerAttr(attributes[WORKSPACE_ATTR]).value if WORKSPACE_ATTR in attributes else 0
