"""DNNFusion's fusion table (DESIGN.md §2, the paper's Table 3) as data.

`TABLE[(producer, consumer)]` gives the mapping type of the fused result and a colour:
G = always fuse (legal and profitable), Y = legal, decided by the profitability check,
X = never fuse. The planner looks every decision up here; nothing else encodes it.

Deviations from the reconstructed paper table, each decided by a measurement or by what
our code generator can emit as one kernel (see docs/fusion.md):

* One-to-One -> Many-to-Many is Y, not G: fusing an element-wise producer into a conv or
  matmul recomputes it once per reuse of each input element (KxK windows, every column
  tile of a GEMM); the cost model charges that recomputation.
* Many-to-Many -> Many-to-Many is X unless CORF fusion is enabled (then Y).
* One-to-One -> One-to-Many is Y, not G, when the producer is transcendental (exp, sigmoid,
  tanh, erf, GELU, ...): the broadcast evaluates it once per output element (EfficientNet's
  squeeze-excite sigmoid under the per-channel scale: fused 7% slower than unfused as G).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dnnfusion_mlir.dialects.mapping import MappingType

O2O = MappingType.ONE_TO_ONE
O2M = MappingType.ONE_TO_MANY
M2M = MappingType.MANY_TO_MANY
REO = MappingType.REORGANIZE
SHU = MappingType.SHUFFLE


class Colour(str, Enum):
    """Fusion decision class of a table cell."""

    GREEN = "G"
    YELLOW = "Y"
    RED = "X"


@dataclass(frozen=True)
class Cell:
    """Result mapping type of fusing producer into consumer, and the decision class."""

    result: MappingType | None
    colour: Colour


def _c(result: MappingType | None, colour: str) -> Cell:
    return Cell(result, Colour(colour))


#: (producer, consumer) -> Cell. Rows: producer; columns: consumer.
TABLE: dict[tuple[MappingType, MappingType], Cell] = {
    (O2O, O2O): _c(O2O, "G"), (O2O, O2M): _c(O2M, "G"), (O2O, M2M): _c(M2M, "Y"),
    (O2O, REO): _c(REO, "G"), (O2O, SHU): _c(SHU, "G"),
    (O2M, O2O): _c(O2M, "G"), (O2M, O2M): _c(O2M, "Y"), (O2M, M2M): _c(None, "X"),
    (O2M, REO): _c(O2M, "Y"), (O2M, SHU): _c(O2M, "Y"),
    (M2M, O2O): _c(M2M, "G"), (M2M, O2M): _c(M2M, "Y"), (M2M, M2M): _c(None, "X"),
    (M2M, REO): _c(M2M, "Y"), (M2M, SHU): _c(M2M, "Y"),
    (REO, O2O): _c(REO, "G"), (REO, O2M): _c(O2M, "Y"), (REO, M2M): _c(M2M, "Y"),
    (REO, REO): _c(REO, "G"), (REO, SHU): _c(REO, "G"),
    (SHU, O2O): _c(SHU, "G"), (SHU, O2M): _c(O2M, "Y"), (SHU, M2M): _c(M2M, "Y"),
    (SHU, REO): _c(REO, "G"), (SHU, SHU): _c(SHU, "G"),
}

#: The CORF extension: consecutive Many-to-Many ops may fuse, when profitable.
CORF_CELL = _c(M2M, "Y")
#: One-to-One -> One-to-Many when the producer side is transcendental.
COSTLY_BROADCAST_CELL = _c(O2M, "Y")


def lookup(producer: MappingType, consumer: MappingType, corf: bool = False,
           transcendental: bool = False) -> Cell:
    """The table cell for fusing a `producer`-typed op (or block) into a `consumer`;
    `transcendental`: the producer side contains a transcendental op."""
    if corf and producer == M2M and consumer == M2M:
        return CORF_CELL
    if transcendental and (producer, consumer) == (O2O, O2M):
        return COSTLY_BROADCAST_CELL
    return TABLE[(producer, consumer)]


def render() -> str:
    """The table as Markdown (docs and `dnnf-report`)."""
    order = [O2O, O2M, M2M, REO, SHU]
    short = {O2O: "1:1", O2M: "1:M", M2M: "M:M", REO: "Reorg", SHU: "Shuffle"}
    lines = ["| producer \\ consumer | " + " | ".join(short[c] for c in order) + " |",
             "|---" * (len(order) + 1) + "|"]
    for p in order:
        cells = []
        for c in order:
            cell = TABLE[(p, c)]
            cells.append("X" if cell.result is None else f"{short[cell.result]} · "
                         f"{cell.colour.value}")
        lines.append(f"| {short[p]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
