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
BROADCASTING = frozenset({"add", "sub", "mul", "div", "pow", "equal", "where"})
SHORT = {MappingType.ONE_TO_ONE: "1:1", MappingType.ONE_TO_MANY: "1:M",
         MappingType.MANY_TO_MANY: "M:M", MappingType.REORGANIZE: "reorg",
         MappingType.SHUFFLE: "shuffle"}

_MAPPINGS: dict[str, MappingType] = {
    cls.OPERATION_NAME: cls.MAPPING for cls in dnnf.all_ops() if hasattr(cls, "MAPPING")
}


def element_bytes(element: ir.Type) -> int:
    """Storage size of one element (i1 is stored as one byte)."""
    for kind in (ir.FloatType, ir.IntegerType):
        if kind.isinstance(element):
            return max(1, kind(element).width // 8)  # type: ignore[attr-defined]
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
