"""Partition each entry function into fusion blocks and outline every block.

Matches: the `dnnf` ops of every public `func.func` (the model's entry function).
Rewrites: runs the DNNFusion planner (`fusion.plan`, decisions from `fusion.table`, Y cells
by `fusion.profitability` or the profiling database) and moves each block's ops into a
private function `@dnnf_block_<id>` tagged `dnnf.fused = "<block mapping type>"`, called
once from the entry function with `no_inline` (the block stays one unit until codegen).
Block inputs (values from other blocks, function arguments, weights) become arguments;
results read outside the block (or returned) become its results. Small `dense` constants
are cloned into the block so later folding still sees them; `dense_resource` weights stay
in the entry function (and are hoisted there).
Why a function and not a `dnnf.fused` region: IRDL (which defines our dialect) requires all
values of a variadic operand/result group to share one type, so a region op cannot carry a
block's differently-typed inputs and outputs; `func.func`/`func.call` can, and every
upstream pass already understands them.
Sound because: blocks are convex (no path leaves a block and re-enters it), so calls in a
topological order of the block graph compute every value after its producers, each op once.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import func, ir
from dnnfusion_mlir.ecg import ECG
from dnnfusion_mlir.fusion import options as fusion_options
from dnnfusion_mlir.fusion.plan import Block, FusionPlan, plan_fusion
from dnnfusion_mlir.fusion.profitability import analytic

NAME = "dnnf-fusion-plan"
DESCRIPTION = "Plan DNNFusion blocks by mapping type and outline each into a function."

FUSED_ATTR = "dnnf.fused"
BLOCK_ATTR = "dnnf.block"


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    opts = fusion_options.current()
    offset = 0
    for fn_op in list(op.regions[0].blocks[0].operations):
        fn = fn_op.operation
        if fn.name != "func.func" or "sym_visibility" in fn.attributes:
            continue
        plan = plan_fusion(ECG(fn), opts.profitable or analytic, corf=opts.corf)
        for block in plan.blocks:  # block symbols stay unique across functions
            block.id += offset
        offset += len(plan.blocks)
        outline(fn, plan)
        opts.plans.append(plan)


def block_name(block: Block) -> str:
    """Symbol of the function a block is outlined into."""
    return f"dnnf_block_{block.id}"


def outline(fn: ir.Operation, plan: FusionPlan) -> None:
    """Move every block of `plan` into its own function, called in block order."""
    entry = fn.regions[0].blocks[0]
    ret = entry.operations[len(entry.operations) - 1]
    for block in plan.blocks:
        _outline_block(fn, ret, plan, block)
    for const in list(entry.operations):
        if const.operation.name == "dnnf.constant" and not _has_uses(const.operation):
            const.operation.erase()


def _has_uses(op: ir.Operation) -> bool:
    return any(True for r in op.results for _ in r.uses)


def _is_small_constant(value: ir.Value) -> bool:
    owner = value.owner
    if isinstance(owner, ir.Block):
        return False
    return (owner.operation.name == "dnnf.constant"
            and not str(owner.operation.attributes["value"]).startswith("dense_resource<"))


def _outline_block(fn: ir.Operation, ret: ir.OpView, plan: FusionPlan, block: Block) -> None:
    ops = [plan.ecg.nodes[n].op for n in block.nodes]
    inside = set(ops)
    inputs: list[ir.Value] = []
    constants: list[ir.Value] = []
    for op in ops:
        for v in op.operands:
            if not isinstance(v.owner, ir.Block) and v.owner.operation in inside:
                continue
            target = constants if _is_small_constant(v) else inputs
            if v not in target:
                target.append(v)
    outputs = [r for op in ops for r in op.results
               if any(u.owner.operation not in inside for u in r.uses)]
    ftype = ir.FunctionType.get([v.type for v in inputs], [r.type for r in outputs])
    with ir.InsertionPoint(fn), ret.location:
        callee = func.FuncOp(block_name(block), ftype, visibility="private")
    callee.attributes[FUSED_ATTR] = ir.StringAttr.get(block.mapping.value)
    callee.attributes[BLOCK_ATTR] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64),
                                                       block.id)
    body = callee.add_entry_block()
    with ir.InsertionPoint(ret), ops[-1].location:
        call = func.CallOp(ftype.results, block_name(block), inputs)
    call.attributes["no_inline"] = ir.UnitAttr.get()
    for old, new in zip(outputs, call.results, strict=True):
        old.replace_all_uses_except(new, [*ops])
    remap = dict(zip(inputs, body.arguments, strict=True))
    with ir.InsertionPoint(body), ops[-1].location:
        for c in constants:
            remap[c] = c.owner.operation.clone().results[0]
        end = func.ReturnOp(outputs)
    for op in ops:
        op.move_before(end.operation)
        for i, v in enumerate(op.operands):
            if v in remap:
                op.operands[i] = remap[v]
