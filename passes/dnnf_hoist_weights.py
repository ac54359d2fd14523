"""Turn large constants into arguments of the entry function, bound at load time.

Matches: `dnnf.constant` ops holding a `dense_resource<...>` (the importer's form for every
tensor above a few elements) inside a public `func.func`.
Rewrites: each into a new trailing argument of that function, tagged with the argument
attribute `dnnf.weight = "<resource key>"`; the runtime passes the weight buffer there.
Sound because: the argument carries exactly the constant's value at every call, and the
function body never writes its inputs (tensors are immutable values).
Why: compile time must not grow with weight bytes; weights never go through LLVM as globals.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir

NAME = "dnnf-hoist-weights"
DESCRIPTION = "Hoist dense_resource constants into entry-function arguments (dnnf.weight)."

WEIGHT_ATTR = "dnnf.weight"


def run(op: ir.Operation, pass_: object) -> None:
    """Pass entry point (module)."""
    for fn_op in op.regions[0].blocks[0].operations:
        if fn_op.operation.name == "func.func" and "sym_visibility" not in fn_op.attributes:
            hoist_function(fn_op.operation)


def _resource_key(attr: ir.Attribute) -> str | None:
    text = str(attr)
    if not text.startswith("dense_resource<"):
        return None
    return text[len("dense_resource<"):].split(">")[0]


def hoist_function(fn_op: ir.Operation) -> list[str]:
    """Hoist the resource constants of one function; returns the keys in argument order."""
    fn = fn_op.opview
    entry = fn.regions[0].blocks[0]
    keys: list[str] = []
    for const in list(entry.operations):
        if const.operation.name != "dnnf.constant":
            continue
        key = _resource_key(const.attributes["value"])
        if key is None:
            continue
        arg = entry.add_argument(const.results[0].type, const.location)
        const.results[0].replace_all_uses_with(arg)
        const.operation.erase()
        keys.append(key)
    if keys:
        _update_signature(fn, entry, keys)
    return keys


def _update_signature(fn: ir.OpView, entry: ir.Block, keys: list[str]) -> None:
    ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
    new_inputs = [a.type for a in entry.arguments]
    fn.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get(new_inputs, ftype.results)
    )
    old = len(ftype.inputs)
    existing = list(ir.ArrayAttr(fn.attributes["arg_attrs"])) if "arg_attrs" in fn.attributes \
        else [ir.DictAttr.get({}) for _ in range(old)]
    tagged = [ir.DictAttr.get({WEIGHT_ATTR: ir.StringAttr.get(k)}) for k in keys]
    fn.attributes["arg_attrs"] = ir.ArrayAttr.get(existing + tagged)


def weight_keys(fn_op: ir.Operation) -> list[str | None]:
    """For each argument of `fn_op`: its weight key, or None for a model input."""
    if "arg_attrs" not in fn_op.attributes:
        n = len(ir.FunctionType(ir.TypeAttr(fn_op.attributes["function_type"]).value).inputs)
        return [None] * n
    keys: list[str | None] = []
    for d in ir.ArrayAttr(fn_op.attributes["arg_attrs"]):
        dct = ir.DictAttr(d)
        keys.append(ir.StringAttr(dct[WEIGHT_ATTR]).value if WEIGHT_ATTR in dct else None)
    return keys
