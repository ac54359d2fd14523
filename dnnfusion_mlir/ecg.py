"""The Extended Computational Graph: an analysis over `dnnf` IR (DESIGN.md §2).

For every `dnnf` op of a function (constants excluded: they are recorded as constant
inputs) the ECG records its mapping type, the mapping per operand (a broadcasting
element-wise operand is One-to-Many), each result's static shape, element count and bytes,
its producers and consumers (other nodes, function arguments, constants, the return), and an
estimated cost: FLOPs and bytes moved (all operand bytes + all result bytes).

FLOP estimates: conv 2*N*Cout*OH*OW*(Cin/group)*KH*KW, matmul/gemm 2*M*N*K per batch,
element-wise ops 1 per output element (transcendental ones 4), reductions 1 per input
element, pure data movement 0. They are a cost model for rewriting and fusion, not a count
of machine instructions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.dialects.mapping import MappingType

# Producer/consumer endpoints that are not ECG nodes.
CONST = "const"
RETURN = "return"
Endpoint = int | str  # node index, "%argN", CONST or RETURN

TRANSCENDENTAL = frozenset({"exp", "log", "sqrt", "tanh", "sigmoid", "erf", "pow"})
DATA_MOVEMENT = frozenset({
    "identity", "dropout", "reshape", "flatten", "squeeze", "unsqueeze", "transpose",
    "expand", "gather", "slice", "split", "concat", "concat_pair", "pad",
})
# Per-element FLOPs of composite ops (e.g. softmax: max, sub, exp (4), sum, div).
PER_ELEMENT = {"softmax": 8, "layer_norm": 7, "batch_norm": 4, "hard_swish": 4,
               "hard_sigmoid": 3, "leaky_relu": 2, "clip": 2}
SHORT = {MappingType.ONE_TO_ONE: "1:1", MappingType.ONE_TO_MANY: "1:M",
         MappingType.MANY_TO_MANY: "M:M", MappingType.REORGANIZE: "reorg",
         MappingType.SHUFFLE: "shuffle"}

_MAPPINGS: dict[str, MappingType] = {
    cls.OPERATION_NAME: cls.MAPPING  # type: ignore[attr-defined]
    for cls in dnnf.all_ops() if hasattr(cls, "MAPPING")
}
# Ops with numpy broadcasting: a broadcast operand is One-to-Many.
BROADCASTING = frozenset(
    {cls.OPERATION_NAME for cls in dnnf.all_ops()  # type: ignore[attr-defined]
     if issubclass(cls, dnnf.Binary)}
    | {"dnnf.where"}
)


def element_bytes(element: ir.Type) -> int:
    """Storage size of one element (i1 is stored as one byte)."""
    if isinstance(element, ir.FloatType | ir.IntegerType):
        return max(1, element.width // 8)
    return 4


def shape_of(value_type: ir.Type) -> tuple[int, ...]:
    """Static shape of a ranked tensor type."""
    return tuple(ir.RankedTensorType(value_type).shape)


def value_bytes(value_type: ir.Type) -> int:
    """Bytes of a statically shaped tensor."""
    ranked = ir.RankedTensorType(value_type)
    return math.prod(ranked.shape) * element_bytes(ranked.element_type)


@dataclass
class EcgNode:
    """One `dnnf` op in the graph."""

    index: int
    op: ir.Operation
    function: str
    location: str
    mapping: MappingType
    operand_mappings: list[MappingType]
    shapes: list[tuple[int, ...]]
    element_types: list[str]
    elements: list[int]
    bytes: list[int]
    producers: list[Endpoint] = field(default_factory=list)
    consumers: list[Endpoint] = field(default_factory=list)
    flops: int = 0
    bytes_moved: int = 0

    @property
    def name(self) -> str:
        """The op name, e.g. `dnnf.add`."""
        return str(self.op.name)

    @property
    def constant_inputs(self) -> list[int]:
        """Operand positions fed by a `dnnf.constant`."""
        return [i for i, p in enumerate(self.producers) if p == CONST]

    def line(self) -> str:
        """One readable line (the `dnnf-print-ecg` format)."""
        maps = SHORT[self.mapping]
        if any(m != self.mapping for m in self.operand_mappings):
            maps += "(" + ",".join(SHORT[m] for m in self.operand_mappings) + ")"
        shapes = ",".join(_shape_text(s, t) for s, t in zip(self.shapes, self.element_types,
                                                             strict=True))
        ins = ", ".join(_endpoint_text(p) for p in self.producers)
        outs = ", ".join(_endpoint_text(c) for c in self.consumers)
        return (f"#{self.index} {self.name} @{self.location} {maps} {shapes} "
                f"bytes={sum(self.bytes)} flops={self.flops} moved={self.bytes_moved} "
                f"[{ins}] -> [{outs}]")


def _shape_text(shape: tuple[int, ...], element: str) -> str:
    return "x".join([*map(str, shape), element])


def _endpoint_text(e: Endpoint) -> str:
    return f"#{e}" if isinstance(e, int) else e


def location_name(loc: ir.Location) -> str:
    """The ONNX node name of a `loc("name")` (names of a fused location joined by '+')."""
    if isinstance(loc, ir.NameLoc):
        return str(loc.name_str)
    if isinstance(loc, ir.FusedLoc):
        names = [location_name(child) for child in loc.locations]
        return "+".join(n for n in names if n != "-") or "-"
    return "-"


def _operand_mappings(op: ir.Operation, mapping: MappingType) -> list[MappingType]:
    if str(op.name) not in BROADCASTING:
        return [mapping] * len(op.operands)
    out = shape_of(op.results[0].type)
    # A broadcast operand's elements each feed several output elements.
    return [MappingType.ONE_TO_MANY if shape_of(v.type) != out else mapping
            for v in op.operands]


def _int_attr(op: ir.Operation, name: str) -> int:
    return int(ir.IntegerAttr(op.attributes[name]).value)


def _matmul_flops(op: ir.Operation) -> int:
    lhs = shape_of(op.operands[0].type)
    out = math.prod(shape_of(op.results[0].type))
    if str(op.name) == "dnnf.gemm":
        k = lhs[0] if _int_attr(op, "trans_a") else lhs[-1]
        bias = out if len(op.operands) > 2 else 0
        return 2 * out * k + bias
    return 2 * out * lhs[-1]


def _conv_flops(op: ir.Operation) -> int:
    out = math.prod(shape_of(op.results[0].type))
    # weight [Cout, Cin/group, *kernel]: each output element reads Cin/group * prod(kernel).
    per_output = math.prod(shape_of(op.operands[1].type)[1:])
    return 2 * out * per_output + (out if len(op.operands) > 2 else 0)


def attr_ints(op: ir.Operation, name: str) -> list[int]:
    """An op's integer-array attribute (strides, pads, ...) as a list; [] when absent."""
    if name not in op.attributes:
        return []
    return [int(v) for v in ir.DenseI64ArrayAttr(op.attributes[name])]


def window(op: ir.Operation) -> list[int]:
    """Spatial window of a windowed op: a conv's / conv-transpose's filter dims (its weight
    operand's trailing dims), else a pooling op's `kernel_shape`."""
    if len(op.operands) < 2:
        return attr_ints(op, "kernel_shape")
    return list(ir.RankedTensorType(op.operands[1].type).shape[2:])


def op_flops(op: ir.Operation) -> int:
    """Estimated FLOPs of one `dnnf` op (see the module docstring)."""
    kind = str(op.name).removeprefix("dnnf.")
    out = sum(math.prod(shape_of(r.type)) for r in op.results)
    if kind == "fused":
        return sum(op_flops(inner) for inner in op.regions[0].blocks[0].operations
                   if str(inner.name) not in ("dnnf.constant", "dnnf.yield"))
    if kind == "conv":
        return _conv_flops(op)
    if kind in ("matmul", "gemm"):
        return _matmul_flops(op)
    if kind in ("max_pool", "average_pool"):
        return out * math.prod(ir.DenseI64ArrayAttr(op.attributes["kernel_shape"]))
    if kind.startswith("reduce_") or kind == "global_average_pool":
        return math.prod(shape_of(op.operands[0].type))
    if kind in DATA_MOVEMENT:
        return 0
    if kind in PER_ELEMENT:
        return PER_ELEMENT[kind] * out
    return (4 if kind in TRANSCENDENTAL else 1) * out


class ECG:
    """The extended computational graph of a module's (or one function's) `dnnf` ops.

    `nodes` are in program order, indexed from 0 across functions; `node(op)` finds the
    node of an op. Nested regions (a `dnnf.fused` body) are summarised by their parent op.
    """

    def __init__(self, root: ir.Operation | ir.OpView | ir.Module) -> None:
        self.nodes: list[EcgNode] = []
        self._by_op: dict[ir.Operation, EcgNode] = {}
        for fn in _functions(root):
            self._add_function(fn)

    def node(self, op: ir.Operation | ir.OpView) -> EcgNode | None:
        """The node of `op`, or None (constants, ops outside the analysed functions)."""
        return self._by_op.get(op.operation)

    @property
    def total_flops(self) -> int:
        """Sum of the nodes' estimated FLOPs."""
        return sum(n.flops for n in self.nodes)

    @property
    def total_bytes(self) -> int:
        """Sum of the nodes' bytes moved (operands read + results written)."""
        return sum(n.bytes_moved for n in self.nodes)

    def __iter__(self) -> Iterator[EcgNode]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def text(self) -> str:
        """The readable form printed by `dnnf-opt --dnnf-print-ecg`."""
        lines: list[str] = []
        current = None
        for n in self.nodes:
            if n.function != current:
                current = n.function
                lines.append(f"ecg @{current}")
            lines.append("  " + n.line())
        lines.append(f"total: nodes={len(self.nodes)} flops={self.total_flops} "
                     f"bytes={self.total_bytes}")
        return "\n".join(lines)

    def _add_function(self, fn: ir.Operation) -> None:
        name = ir.StringAttr(fn.attributes["sym_name"]).value
        added: list[EcgNode] = []
        for op in fn.regions[0].blocks[0].operations:
            op = op.operation
            if not str(op.name).startswith("dnnf.") or str(op.name) == "dnnf.constant":
                continue
            node = self._make_node(op, name)
            self.nodes.append(node)
            self._by_op[op] = node
            added.append(node)
        for node in added:
            node.producers = [self._producer(v) for v in node.op.operands]
            uses = {self._consumer(u.owner) for r in node.op.results for u in r.uses}
            node.consumers = sorted(uses, key=lambda e: (isinstance(e, str), str(e).zfill(9)))

    def _make_node(self, op: ir.Operation, function: str) -> EcgNode:
        if "mapping" in op.attributes and str(op.name) not in _MAPPINGS:
            mapping = MappingType.parse(ir.StringAttr(op.attributes["mapping"]).value)
        else:
            mapping = _MAPPINGS[str(op.name)]
        types = [ir.RankedTensorType(r.type) for r in op.results]
        out_bytes = [value_bytes(t) for t in types]
        return EcgNode(
            index=len(self.nodes), op=op, function=function,
            location=location_name(op.location), mapping=mapping,
            operand_mappings=_operand_mappings(op, mapping),
            shapes=[tuple(t.shape) for t in types],
            element_types=[str(t.element_type) for t in types],
            elements=[math.prod(t.shape) for t in types], bytes=out_bytes,
            flops=op_flops(op),
            bytes_moved=sum(value_bytes(v.type) for v in op.operands) + sum(out_bytes),
        )

    def _producer(self, value: ir.Value) -> Endpoint:
        if isinstance(value, ir.BlockArgument):
            return f"%arg{value.arg_number}"
        owner = value.owner.operation  # type: ignore[union-attr]
        if str(owner.name) == "dnnf.constant":
            return CONST
        node = self._by_op.get(owner)
        return node.index if node else str(owner.name)

    def _consumer(self, owner: ir.Operation | ir.OpView) -> Endpoint:
        op = owner.operation
        if str(op.name) == "func.return":
            return RETURN
        node = self._by_op.get(op)
        return node.index if node else str(op.name)


def _functions(root: ir.Operation | ir.OpView | ir.Module) -> list[ir.Operation]:
    op = root.operation
    if str(op.name) == "func.func":
        return [op]
    return [f.operation for f in op.regions[0].blocks[0].operations
            if str(f.operation.name) == "func.func"]


def estimate_flops(module: ir.Operation | ir.OpView | ir.Module) -> int:
    """Total estimated FLOPs of a module's `dnnf` ops (cm.stats `flops_after_*`)."""
    return ECG(module).total_flops
