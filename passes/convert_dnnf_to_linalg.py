"""Lower every `dnnf` op to linalg/tensor/arith/math.

Matches: each `dnnf.*` op (except `dnnf.fused`/`dnnf.yield`, whose bodies are lowered in place
by flattening them first) inside `func.func` bodies.
Rewrites: the op into a call of a private kernel function instantiated from its template
(codegen/kernel.py; one instance per distinct body text), then inlines all kernels, so each
op becomes a few linalg ops at its own location. `dnnf.constant` becomes `arith.constant`.
Sound because: each template implements the ONNX semantics of its op on static shapes
(checked against onnxruntime by test/e2e), and inlining preserves semantics.
"""

from __future__ import annotations

import hashlib

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import arith, func, ir, passmanager
from dnnfusion_mlir.codegen.kernel import KernelOp, load_all
from dnnfusion_mlir.codegen.linalg_text import ret

NAME = "convert-dnnf-to-linalg"
DESCRIPTION = "Lower dnnf ops to linalg/tensor/arith/math via per-op kernel templates."

_STRUCTURAL = {"dnnf.fused", "dnnf.yield"}


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    try:
        lower_module(op)
    except errors.CompileError as exc:
        op.location.emit_error(str(exc))
        pass_.signal_pass_failure()  # type: ignore[attr-defined]


def lower_module(module_op: ir.Operation) -> None:
    """Lower in place; raises LoweringError naming the op on failure."""
    table = load_all()
    body = module_op.regions[0].blocks[0]
    instances: dict[str, str] = {}
    targets = [o for o in _walk_dnnf(module_op) if o.name not in _STRUCTURAL]
    for target in targets:
        _lower_one(target, table, instances, body)
    pm = passmanager.PassManager.parse("builtin.module(inline,symbol-dce,canonicalize,cse)")
    pm.run(module_op)


def _walk_dnnf(module_op: ir.Operation) -> list[ir.Operation]:
    found: list[ir.Operation] = []

    def visit(o: ir.Operation) -> ir.WalkResult:
        if o.name.startswith("dnnf."):
            found.append(o)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    return found


def _lower_one(
    target: ir.Operation, table: dict, instances: dict[str, str], body: ir.Block
) -> None:
    opview = target.opview
    if target.name == "dnnf.constant":
        _lower_constant(target)
        return
    template = table.get(target.name)
    if template is None:
        raise errors.LoweringError(f"no lowering for {target.name}", node=_loc_name(target),
                                   op_type=target.name)
    kop = KernelOp(opview)
    try:
        text = template(kop)
    except errors.CompileError:
        raise
    except Exception as exc:
        raise errors.LoweringError(f"{type(exc).__name__}: {exc}", node=_loc_name(target),
                                   op_type=target.name) from exc
    callee = _instantiate(kop, text, instances, body, target)
    with ir.InsertionPoint(target), target.location:
        call = func.CallOp([r.type for r in target.results], callee, list(target.operands))
    for old, new in zip(target.results, call.results, strict=True):
        old.replace_all_uses_with(new)
    target.erase()


def _lower_constant(target: ir.Operation) -> None:
    with ir.InsertionPoint(target), target.location:
        new = arith.ConstantOp(target.results[0].type, target.attributes["value"])
    target.results[0].replace_all_uses_with(new.result)
    target.erase()


def _instantiate(
    kop: KernelOp, text: str, instances: dict[str, str], body: ir.Block, target: ir.Operation
) -> str:
    args = ", ".join(f"{a}: {t.text}" for a, t in zip(kop.args, kop.in_types, strict=True))
    results = ", ".join(t.text for t in kop.out_types)
    sig_body = f"({args}) -> ({results}) {{\n{text}\n}}"
    if sig_body in instances:
        return instances[sig_body]
    digest = hashlib.sha1(sig_body.encode()).hexdigest()[:10]
    name = f"__dnnf_{kop.name.split('.')[1]}_{digest}"
    source = f"func.func private @{name}{sig_body}"
    try:
        parsed = ir.Module.parse(source)
    except ir.MLIRError as exc:
        raise errors.LoweringError(f"kernel template produced invalid IR: {exc}\n{source}",
                                   node=_loc_name(target), op_type=kop.name) from exc
    # Kernel-internal locations carry no information: the call site (the ONNX node) does.
    passmanager.PassManager.parse("builtin.module(strip-debuginfo)").run(parsed.operation)
    for fn in list(parsed.body.operations):
        fn.detach_from_parent()
        body.append(fn)
    instances[sig_body] = name
    return name


def _loc_name(op: ir.Operation) -> str:
    text = str(op.location)
    if text.startswith('loc("'):
        return text[5:].split('"')[0]
    return ""


__all__ = ["DESCRIPTION", "NAME", "lower_module", "ret", "run"]
