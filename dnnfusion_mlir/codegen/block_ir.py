"""Helpers over outlined fusion-block functions (`dnnf.fused`): finding them, running
transform-dialect scripts on them, shielding named contractions from element-wise fusion,
turning transposes into generics, and inlining blocks back into the entry function.
"""

from __future__ import annotations

from typing import Any

from dnnfusion_mlir._mlir import func, ir, passmanager

#: An `ir.Module` or a `builtin.module` op view (what a pass receives): `.body`,
#: `.operation` and `str()` are all these helpers use.
ModuleLike = Any

FUSED_ATTR = "dnnf.fused"
ROOT_ATTR = "dnnf.block_root"
MEMBER_ATTR = "dnnf.block_member"
SHIELD_ATTR = "dnnf.shield"
ANY = "!transform.any_op"
#: Named ops element-wise fusion must not rewrite (they keep their own schedules).
HEAVY = ("linalg.conv", "linalg.depthwise", "linalg.matmul", "linalg.batch_matmul")
#: Unit attribute of a matmul rewritten to read its weight in column panels
#: (codegen/pack_matmul.py): a generic that is scheduled and fused like a matmul.
PACKED_ATTR = "dnnf.packed_matmul"


def is_heavy(op: ir.Operation) -> bool:
    """A conv or matmul: a `HEAVY` named op or a packed matmul."""
    return op.name.startswith(HEAVY) or PACKED_ATTR in op.attributes


def fill_of(value: ir.Value) -> ir.Operation | None:
    """The `linalg.fill` producing `value`, if it is one."""
    owner = value.owner
    owner = owner.operation if isinstance(owner, ir.OpView) else owner
    return owner if isinstance(owner, ir.Operation) and owner.name == "linalg.fill" else None


def symbol(fn: ir.Operation) -> str:
    """The symbol name of a function."""
    return ir.StringAttr(fn.attributes["sym_name"]).value


def functions(module: ModuleLike) -> dict[str, ir.Operation]:
    """Every `func.func` of `module` by symbol name."""
    return {symbol(op.operation): op.operation for op in module.body.operations
            if op.operation.name == "func.func"}


def block_functions(module: ModuleLike) -> list[ir.Operation]:
    """The outlined block functions of `module`, in module order."""
    return [op.operation for op in module.body.operations
            if op.operation.name == "func.func" and FUSED_ATTR in op.operation.attributes]


def transform_script(steps: list[list[str]]) -> str:
    """A `@__transform_main` running each step as its own failure-suppressing sequence."""
    body: list[str] = []
    for lines in steps:
        body.append(f"transform.sequence %root0 : {ANY} failures(suppress) {{")
        body.append(f"^bb0(%r: {ANY}):")
        body += ["  " + line for line in lines]
        body.append("}")
    body.append("transform.yield")
    inner = "\n  ".join(body)
    return ("module attributes {transform.with_named_sequence} {\n"
            f"transform.named_sequence @__transform_main(%root0: {ANY} "
            f"{{transform.readonly}}) {{\n  {inner}\n}}\n}}")


def run_script(module: ModuleLike, text: str) -> None:
    """Run a transform script (module text) on `module`, then canonicalize and CSE."""
    script = ir.Module.parse(text)
    module.operation.attributes["transform.with_named_sequence"] = ir.UnitAttr.get()
    seq = script.body.operations[0].operation
    module.body.append(seq)
    try:
        passmanager.PassManager.parse(
            "builtin.module(transform-interpreter,canonicalize,cse)").run(module.operation)
    finally:
        seq.erase()
        del module.operation.attributes["transform.with_named_sequence"]


def strip_marks(module: ModuleLike) -> None:
    """Remove the attributes block fusion uses to address ops from transform scripts."""

    def visit(op: ir.Operation) -> ir.WalkResult:
        names = [a if isinstance(a, str) else a.name for a in op.attributes]
        for name in names:
            if name in (ROOT_ATTR, MEMBER_ATTR, "dnnf.sched") or name.startswith(
                    "dnnf.block_loop_"):
                del op.attributes[name]
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)


def generalize_transposes(module: ModuleLike) -> None:
    """Rewrite `linalg.transpose` ops of block functions into generics (see the pass
    `dnnf-fuse-elementwise`)."""
    i64 = ir.IntegerType.get_signless(64)
    found = 0
    for fn in block_functions(module):
        for op in fn.regions[0].blocks[0].operations:
            if op.operation.name == "linalg.transpose":
                op.operation.attributes[MEMBER_ATTR] = ir.IntegerAttr.get(i64, 0)
                found += 1
    if not found:
        return
    lines = [f"%t = transform.structured.match attributes {{{MEMBER_ATTR} = 0 : i64}} "
             f"in %r : ({ANY}) -> {ANY}",
             f"transform.structured.generalize %t : ({ANY}) -> {ANY}"]
    run_script(module, transform_script([lines]))
    strip_marks(module)


def shield_contractions(module: ModuleLike) -> int:
    """Move each named conv/pool/matmul op of a block function into a private function
    called in its place, so element-wise fusion (which would rewrite it into a generic to
    propagate a neighbouring reshape, losing its vectorising schedule) cannot touch it.
    A packed matmul moves with the `collapse_shape` back to `[M, N]` that reads it: its
    readers must not be reshaped to its `[M, N/P, P]` panels (their row tiles would then
    be one row). `unshield` inlines them back. Returns how many were shielded."""
    count = 0
    for fn in block_functions(module):
        for op in list(fn.regions[0].blocks[0].operations):
            op = op.operation
            if not (is_heavy(op) or op.name.startswith("linalg.pooling")):
                continue
            moved = [op, *_packed_collapse(op)]
            name = f"__dnnf_shield_{count}"
            count += 1
            results = list(moved[-1].results)
            ftype = ir.FunctionType.get([v.type for v in op.operands],
                                        [r.type for r in results])
            with ir.InsertionPoint(fn), op.location:
                callee = func.FuncOp(name, ftype, visibility="private")
            callee.attributes[SHIELD_ATTR] = ir.UnitAttr.get()
            body = callee.add_entry_block()
            with ir.InsertionPoint(op), op.location:
                call = func.CallOp(ftype.results, name, list(op.operands))
            for old, new in zip(results, call.results, strict=True):
                old.replace_all_uses_with(new)
            with ir.InsertionPoint(body):
                ret = func.ReturnOp(results)
            for moving in moved:
                moving.move_before(ret.operation)
            for i, arg in enumerate(body.arguments):
                op.operands[i] = arg
    return count


def _packed_collapse(op: ir.Operation) -> list[ir.Operation]:
    """The `collapse_shape` that is the only reader of packed matmul `op`, if any."""
    if PACKED_ATTR not in op.attributes:
        return []
    uses = list(op.results[0].uses)
    if len(uses) != 1 or uses[0].owner.operation.name != "tensor.collapse_shape":
        return []
    return [uses[0].owner.operation]


#: Inline every call not marked `no_inline`, drop the emptied private functions.
_INLINE = "builtin.module(inline,symbol-dce,cse)"


def unshield(module: ModuleLike) -> None:
    """Inline the shielded ops back (block calls keep `no_inline`)."""
    passmanager.PassManager.parse(_INLINE).run(module.operation)


_ELEMENTWISE_FUSION = "builtin.module(func.func(linalg-fuse-elementwise-ops),canonicalize,cse)"


def fuse_block_elementwise(module: ModuleLike) -> None:
    """Merge each block function's element-wise chains, transposes and reshapes into single
    generics (the pass `dnnf-fuse-elementwise`): transposes become generics, named
    conv/pool/matmul ops are shielded, upstream element-wise fusion runs, the shielded ops
    are inlined back. Does nothing to a module without block functions (an unfused module
    stays op by op); with them, the entry function holds only block calls."""
    if not block_functions(module):
        return
    generalize_transposes(module)
    shielded = shield_contractions(module)
    passmanager.PassManager.parse(_ELEMENTWISE_FUSION).run(module.operation)
    if shielded:
        unshield(module)


def inline_blocks(module: ModuleLike) -> None:
    """Inline every block call into the entry function (after scheduling)."""
    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == "func.call" and "no_inline" in op.attributes:
            del op.attributes["no_inline"]
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    passmanager.PassManager.parse(_INLINE).run(module.operation)
