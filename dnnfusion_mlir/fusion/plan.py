"""Fusion-plan generation on the ECG (DESIGN.md §4, DNNFusion §4.3).

Seeds are One-to-One ops, smallest intermediate result first. From a seed the block grows
into successors recursively while the table (`fusion.table`) allows it, then into
predecessors one candidate at a time; both repeat until nothing changes. Then the next
seed is taken from the ops still unfused (One-to-One first, then any op, smallest result
first), so every op ends in exactly one block.

Legality beyond the table: a block must stay convex in the graph of blocks — no path may
leave the block and come back (through unfused ops or through other blocks), or the block
could not run as one kernel. Results a block produces that are read outside it (or returned
by the function) are block outputs; everything else is internal to the block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import (
    DATA_MOVEMENT,
    ECG,
    RETURN,
    TRANSCENDENTAL,
    EcgNode,
    attr_ints,
    window,
)
from dnnfusion_mlir.fusion.table import Cell, Colour, lookup

#: Element-wise ops whose per-element cost makes recomputing them under a broadcast
#: consumer a loss (`fusion.table.COSTLY_BROADCAST_CELL`).
EXPENSIVE = TRANSCENDENTAL | {"gelu", "softplus", "elu", "selu", "hard_sigmoid", "hard_swish"}

#: Decides a Y cell: (plan, block node indices, candidate node index, cell) -> fuse?
Profitable = Callable[["Planner", list[int], int, Cell], bool]


@dataclass
class Block:
    """One fusion block: ECG node indices in program order and the block's mapping type."""

    id: int
    nodes: list[int]
    mapping: MappingType
    outputs: list[int] = field(default_factory=list)  # nodes with a result read outside


@dataclass
class Decision:
    """One table lookup the planner made (for reports and tests)."""

    producer: str
    consumer: str
    cell: Cell
    fused: bool
    reason: str


@dataclass
class FusionPlan:
    """The blocks of one function, in an order where every block follows its producers."""

    ecg: ECG
    blocks: list[Block]
    decisions: list[Decision]

    def block_of(self) -> dict[int, int]:
        """ECG node index -> block id."""
        return {n: b.id for b in self.blocks for n in b.nodes}


def _always(_planner: Planner, _block: list[int], _cand: int, _cell: Cell) -> bool:
    return True


class Planner:
    """Runs the DNNFusion algorithm over the nodes of one ECG."""

    def __init__(self, ecg: ECG, profitable: Profitable = _always, corf: bool = False) -> None:
        self.ecg = ecg
        self.nodes = ecg.nodes
        self.profitable = profitable
        self.corf = corf
        self.group: dict[int, int] = {}  # node -> block id of fused nodes
        self.members: dict[int, list[int]] = {}
        self.decisions: list[Decision] = []
        self._types: dict[int, MappingType] = {}
        self.green_only = False

    # ------------------------------------------------------------------ graph helpers

    def succ(self, n: int) -> list[int]:
        return [c for c in self.nodes[n].consumers if isinstance(c, int)]

    def pred(self, n: int) -> list[int]:
        return [p for p in self.nodes[n].producers if isinstance(p, int)]

    def _unit(self, n: int, current: set[int]) -> set[int]:
        """The nodes that move together with `n`: its block, or itself."""
        if n in current:
            return current
        g = self.group.get(n)
        return set(self.members[g]) if g is not None else {n}

    def convex(self, merged: set[int]) -> bool:
        """No path leaves `merged` and re-enters it (blocks count as single nodes)."""
        frontier = [s for n in merged for s in self.succ(n) if s not in merged]
        seen: set[int] = set()
        while frontier:
            n = frontier.pop()
            if n in seen:
                continue
            unit = self._unit(n, merged)
            seen |= unit
            for m in unit:
                for s in self.succ(m):
                    if s in merged:
                        return False
                    if s not in seen:
                        frontier.append(s)
        return True

    # --------------------------------------------------------------------- decisions

    def _edge_type(self, producers: set[int], consumers: set[int],
                   otherwise: MappingType) -> MappingType:
        """The consumer side's mapping on the edges `producers` -> `consumers`: One-to-Many
        when every such edge is a broadcast operand, else `otherwise` (the table cell is
        about those edges)."""
        kinds = {self.nodes[c].operand_mappings[i] for c in consumers
                 for i, p in enumerate(self.nodes[c].producers) if p in producers}
        return MappingType.ONE_TO_MANY if kinds == {MappingType.ONE_TO_MANY} else otherwise

    def _transcendental(self, producers: list[int]) -> bool:
        """Whether the producer side of a decision has a transcendental op (the table's
        One-to-One -> One-to-Many cell is then Y: a broadcast recomputes it per element)."""
        return any(self.nodes[p].name.removeprefix("dnnf.") in EXPENSIVE for p in producers)

    def _try(self, block: list[int], mapping: MappingType, cand: int,
             as_producer: bool) -> MappingType | None:
        """The new block type if `cand` may join `block`, else None.

        While `self.green_only` is set, Y cells are deferred (not decided, not logged).
        """
        members = set(block)
        if as_producer:
            cell = lookup(self.nodes[cand].mapping, self._edge_type({cand}, members, mapping),
                          self.corf, self._transcendental([cand]))
        else:
            cell = lookup(mapping, self._edge_type(members, {cand}, self.nodes[cand].mapping),
                          self.corf, self._transcendental(block))
        if self.green_only and cell.colour != Colour.GREEN:
            return None
        fused, reason = self._decide(block, cand, cell, members)
        names = (self.nodes[cand].name, "block") if as_producer else ("block",
                                                                      self.nodes[cand].name)
        self.decisions.append(Decision(names[0], names[1], cell, fused, reason))
        return cell.result if fused else None

    def _decide(self, block: list[int], cand: int, cell: Cell,
                members: set[int]) -> tuple[bool, str]:
        if cell.colour == Colour.RED or cell.result is None:
            return False, "table: X"
        if self._meets_contraction_part(cand, members):
            return False, "a part of a contraction joins its reader"
        if self._concat_meets_reader(cand, members):
            return False, "a concat stays with its producers"
        if self._is_corf(block, cand, cell) and not corf_pattern(self, block, cand):
            return False, "CORF: not a supported Many-to-Many pair"
        if not self.convex(members | {cand}):
            return False, "would create a cycle"
        if cell.colour == Colour.YELLOW and not self.profitable(self, block, cand, cell):
            return False, "not profitable"
        return True, "table: G" if cell.colour == Colour.GREEN else "profitable"

    def _meets_contraction_part(self, cand: int, members: set[int]) -> bool:
        """Whether `cand` and the block meet on an edge p -> slice where p is split into
        parts of a contraction (a horizontally merged conv/matmul, or its element-wise
        epilogue) read only by slices: in p's block, whose loop nest is the contraction's
        tiles, each slice would be one more nest copying its part out; in its reader's
        block it is only an offset in the reader's indexing. (Parts of a data-movement
        chain, ShuffleNet's channel split, stay with it: that block is a copy anyway.)"""
        return any(self.nodes[s].name == "dnnf.slice" and self._split_contraction(p)
                   for p, s in self._edges(cand, members))

    def _concat_meets_reader(self, cand: int, members: set[int]) -> bool:
        """Whether `cand` and the block meet on an edge p -> r that keeps a concat apart
        from a computing (not data-movement) reader r:

        * p is a concat. The code generator writes a concat as inserts of its parts: in its
          producers' block each part is an offset in the producer's tile, but a reader's
          tiles cannot be fused through the inserts, so in its reader's block the concat's
          producers would stay whole loop nests of their own (DenseNet: 5 nests per layer
          instead of 1).
        * p's result is also read by a concat outside the union, and r is element-wise: p
          is then stored whole anyway, and r in p's block would make p a second block
          output whose producers cannot be fused into the root's tiles either.

        Such an element-wise r becomes the prologue of its own consumer instead."""
        union = members | {cand}
        return any((_is_concat(self.nodes[p]) and not _is_data_movement(self.nodes[r]))
                   or (_is_elementwise(self.nodes[r]) and self._read_by_concat(p, union))
                   for p, r in self._edges(cand, members))

    def _edges(self, cand: int, members: set[int]) -> list[tuple[int, int]]:
        """The (producer, consumer) edges between `cand` and the block's `members`."""
        return ([(p, cand) for p in self.pred(cand) if p in members]
                + [(cand, m) for m in members if cand in self.pred(m)])

    def _read_by_concat(self, p: int, inside: set[int]) -> bool:
        """Whether a concat outside `inside` reads `p`'s result."""
        return any(_is_concat(self.nodes[c]) and c not in inside for c in self.succ(p))

    def _split_contraction(self, n: int) -> bool:
        """Whether node `n` is read only by (two or more) slices and is a conv/matmul, or
        its element-wise epilogue reached through single-reader ops."""
        readers = self.succ(n)
        if len(readers) < 2 or any(self.nodes[r].name != "dnnf.slice" for r in readers):
            return False
        while self.nodes[n].name not in CONTRACTIONS:
            preds = self.pred(n)
            if not _is_elementwise(self.nodes[n]) or len(preds) != 1 or \
                    len(self.succ(preds[0])) != 1:
                return False
            n = preds[0]
        return True

    def _is_corf(self, block: list[int], cand: int, cell: Cell) -> bool:
        """Whether the decision joins two Many-to-Many ops (only CORF allows it)."""
        cand_m2m = self.nodes[cand].mapping == MappingType.MANY_TO_MANY
        return self.corf and cand_m2m and any(
            self.nodes[b].mapping == MappingType.MANY_TO_MANY for b in block)

    # --------------------------------------------------------------------- growth

    def _grow_successors(self, block: list[int], mapping: MappingType) -> MappingType:
        work = [s for n in block for s in self.succ(n)]
        while work:
            cand = work.pop(0)
            if cand in self.group or cand in block:
                continue
            new = self._try(block, mapping, cand, as_producer=False)
            if new is not None:
                block.append(cand)
                mapping = new
                work.extend(self.succ(cand))  # recursive growth from the new member
        return mapping

    def _grow_predecessors(self, block: list[int], mapping: MappingType
                           ) -> tuple[MappingType, bool]:
        cands = sorted({p for n in block for p in self.pred(n)
                        if p not in self.group and p not in block},
                       key=lambda p: (sum(self.nodes[p].bytes), p))
        for cand in cands:
            if not self.green_only and self._reserved_epilogue(cand):
                continue
            new = self._try(block, mapping, cand, as_producer=True)
            if new is not None:
                block.append(cand)
                return new, True  # one at a time: successors get another chance
        return mapping, False

    def _reserved_epilogue(self, cand: int) -> bool:
        """A One-to-One op with a still-unfused producer that will take it: it will join
        that producer as its epilogue (a G cell) when the producer's turn comes, so no Y
        cell takes it as the prologue of a consumer (which would recompute it, or leave it
        a block output)."""
        if self.nodes[cand].mapping != MappingType.ONE_TO_ONE:
            return False
        return any(self._takes_epilogue(p) for p in self.pred(cand))

    def _takes_epilogue(self, p: int) -> bool:
        """Whether unfused producer `p` will take a One-to-One reader into its block: not a
        concat or an op a concat reads (`_concat_meets_reader`), nor a One-to-One op fed
        only by concats (DenseNet's BatchNorm before ReLU: that block would have nothing
        left to join, so the pair is better the next conv's prologue)."""
        node = self.nodes[p]
        if p in self.group or _is_concat(node) or self._read_by_concat(p, set()):
            return False
        preds = self.pred(p)
        if node.mapping == MappingType.ONE_TO_ONE and preds and \
                all(_is_concat(self.nodes[q]) for q in preds):
            return False
        return True

    def _seed_order(self) -> list[int]:
        def key(n: EcgNode) -> tuple[int, int, int]:
            return (n.mapping != MappingType.ONE_TO_ONE, sum(n.bytes), n.index)
        return [n.index for n in sorted(self.nodes, key=key)]

    def run(self) -> FusionPlan:
        """Partition every node into blocks."""
        for seed in self._seed_order():
            if seed in self.group:
                continue
            block = [seed]
            mapping = self.nodes[seed].mapping
            # G cells first (successors, then predecessors, until stable), then Y cells:
            # a conv keeps its epilogue rather than handing it to a consumer as a prologue.
            for green_only in (True, False):
                self.green_only = green_only
                grown = True
                while grown:
                    mapping = self._grow_successors(block, mapping)
                    mapping, grown = self._grow_predecessors(block, mapping)
            bid = len(self.members)
            block.sort()
            self.members[bid] = block
            for n in block:
                self.group[n] = bid
            self._types[bid] = mapping
        return FusionPlan(self.ecg, self._ordered_blocks(), self.decisions)

    def _ordered_blocks(self) -> list[Block]:
        """Blocks in a topological order of the block graph (ties: first node)."""
        deps = {b: {self.group[p] for n in ns for p in self.pred(n)} - {b}
                for b, ns in self.members.items()}
        done: list[int] = []
        ready = sorted((b for b, d in deps.items() if not d), key=lambda b: self.members[b][0])
        while ready:
            b = ready.pop(0)
            done.append(b)
            for o, d in deps.items():
                if b in d:
                    d.discard(b)
                    if not d and o not in done and o not in ready:
                        ready.append(o)
            ready.sort(key=lambda x: self.members[x][0])
        if len(done) != len(self.members):
            raise RuntimeError("fusion plan has a cycle between blocks")  # convex() prevents it
        blocks = []
        for new_id, b in enumerate(done):
            nodes = self.members[b]
            outputs = [n for n in nodes if any(not isinstance(c, int) or c not in nodes
                                               for c in self.nodes[n].consumers)]
            blocks.append(Block(new_id, nodes, self._types[b], outputs))
        return blocks


#: Ops a horizontally merged op can be (passes/dnnf_fuse_siblings.py).
CONTRACTIONS = frozenset({"dnnf.conv", "dnnf.matmul"})

#: CORF pairs (producer op, consumer op) our code generator makes one loop nest, each with
#: the shape condition under which a row tile of the pair needs no halo the code generator
#: cannot fuse (`_PAIR_RULES`).
CORF_PAIRS = frozenset({("dnnf.conv", "dnnf.conv"), ("dnnf.conv", "dnnf.max_pool"),
                        ("dnnf.conv", "dnnf.average_pool"), ("dnnf.conv", "dnnf.lrn"),
                        ("dnnf.max_pool", "dnnf.conv"), ("dnnf.average_pool", "dnnf.conv"),
                        ("dnnf.matmul", "dnnf.matmul"),
                        ("dnnf.matmul", "dnnf.softmax"), ("dnnf.softmax", "dnnf.matmul")})


def corf_pattern(planner: Planner, block: list[int], cand: int) -> bool:
    """CORF fusion is limited to chains of `CORF_PAIRS` — a conv into a pointwise conv, into
    an unpadded pooling or into an LRN (its window runs over channels, and a conv block's
    row tile holds every channel), a pointwise conv into a depthwise conv, attention's
    matmul -> softmax -> matmul — possibly with One-to-One/Reorganize/Shuffle ops of the
    block between the two: the nearest Many-to-Many op of the block upstream and downstream
    of `cand` must each form an allowed pair with it."""
    nodes = planner.nodes
    members = set(block)
    ups = _nearest_m2m(planner, cand, members, planner.pred)
    downs = _nearest_m2m(planner, cand, members, planner.succ)
    if not ups and not downs:
        return False  # unrelated Many-to-Many ops: not a consecutive pair
    pairs = [(nodes[u], nodes[cand]) for u in ups] + [(nodes[cand], nodes[d]) for d in downs]
    for first, second in pairs:
        if (first.name, second.name) not in CORF_PAIRS:
            return False
        rule = _PAIR_RULES.get((first.name, second.name))
        if rule is not None and not rule(first, second):
            return False
        # Between two convs (or a conv and a pool) only element-wise ops: a concat's
        # insert chain or a reshape would stand between the second op's tile and the conv.
        elementwise = first.name == "dnnf.conv"
        if not _private_path(planner, first.index, second.index, members | {cand},
                             elementwise):
            return False
    return True


def _is_elementwise(node: EcgNode) -> bool:
    """One-to-One and computing (not a concat, slice or other data movement)."""
    return node.mapping == MappingType.ONE_TO_ONE and not _is_data_movement(node)


def _is_data_movement(node: EcgNode) -> bool:
    return node.name.removeprefix("dnnf.") in DATA_MOVEMENT


def _is_concat(node: EcgNode) -> bool:
    return node.name in ("dnnf.concat", "dnnf.concat_pair")


def _private_path(planner: Planner, first: int, second: int, members: set[int],
                  elementwise: bool = False) -> bool:
    """Whether every value from `first` up to `second` (through block members) has exactly
    one reader (and, if `elementwise`, every op between is element-wise): the pair then
    shares a tile without an intermediate that must also be stored whole for a reader
    outside (a residual branch, the next layer)."""
    work, seen = [first], set()
    while work:
        n = work.pop()
        if n == second or n in seen:
            continue
        seen.add(n)
        if n != first and elementwise and not _is_elementwise(planner.nodes[n]):
            return False
        consumers = planner.nodes[n].consumers
        if len(consumers) != 1 or not isinstance(consumers[0], int):
            return False
        if consumers[0] in members:
            work.append(consumers[0])
    return True


def _nearest_m2m(planner: Planner, start: int, members: set[int],
                 step: Callable[[int], list[int]]) -> set[int]:
    """Many-to-Many members of the block reached from `start` through other members only."""
    found: set[int] = set()
    work = [n for n in step(start) if n in members]
    seen: set[int] = set()
    while work:
        n = work.pop()
        if n in seen:
            continue
        seen.add(n)
        if planner.nodes[n].mapping == MappingType.MANY_TO_MANY:
            found.add(n)
        else:
            work.extend(m for m in step(n) if m in members)
    return found


def _pointwise(node: EcgNode) -> bool:
    """A 1x1 (any rank), stride-1, unpadded, ungrouped conv: each output row reads exactly
    the same input row, so it adds no halo to a tile."""
    return (all(k == 1 for k in window(node.op))
            and all(s == 1 for s in attr_ints(node.op, "strides"))
            and not any(attr_ints(node.op, "pads"))
            and ir.IntegerAttr(node.op.attributes["group"]).value == 1)


def _conv_then_conv(first: EcgNode, second: EcgNode) -> bool:
    """Any conv into a pointwise conv (no recomputation), or a pointwise conv into a
    depthwise conv (recomputes the pointwise conv's halo rows; the cost model decides)."""
    if _pointwise(second):
        return True
    group = ir.IntegerAttr(second.op.attributes["group"]).value
    channels = ir.RankedTensorType(second.op.operands[1].type).shape[0]
    return all(k == 1 for k in window(first.op)) and group == channels and group > 1


def _conv_then_pool(_first: EcgNode, second: EcgNode) -> bool:
    """A pooling op whose windows stay inside its input (no explicit pads, no ceil_mode
    overhang): padding would be a `tensor.pad` between the two, which the code generator
    does not fuse through."""
    if any(attr_ints(second.op, "pads")) or len(second.op.results) != 1:
        return False
    kernel, strides = window(second.op), attr_ints(second.op, "strides")
    dilations = attr_ints(second.op, "dilations") or [1] * len(kernel)
    x = ir.RankedTensorType(second.op.operands[0].type).shape[2:]
    y = ir.RankedTensorType(second.op.results[0].type).shape[2:]
    return all((o - 1) * s + (k - 1) * d + 1 <= i
               for i, o, k, s, d in zip(x, y, kernel, strides, dilations, strict=True))


def _pool_then_conv(_first: EcgNode, second: EcgNode) -> bool:
    """A pooling op into a pointwise conv (Inception's pool branch): a row tile of the 1x1
    conv reads the same rows of the pool's result, so the pool is the conv's prologue and
    nothing is recomputed."""
    return _pointwise(second)


_PAIR_RULES: dict[tuple[str, str], Callable[[EcgNode, EcgNode], bool]] = {
    ("dnnf.conv", "dnnf.conv"): _conv_then_conv,
    ("dnnf.conv", "dnnf.max_pool"): _conv_then_pool,
    ("dnnf.conv", "dnnf.average_pool"): _conv_then_pool,
    ("dnnf.max_pool", "dnnf.conv"): _pool_then_conv,
    ("dnnf.average_pool", "dnnf.conv"): _pool_then_conv,
}


def plan_fusion(ecg: ECG, profitable: Profitable = _always, corf: bool = False) -> FusionPlan:
    """Run the planner over `ecg` (one function's nodes)."""
    return Planner(ecg, profitable, corf).run()


__all__ = ["RETURN", "Block", "Decision", "FusionPlan", "Planner", "plan_fusion"]
