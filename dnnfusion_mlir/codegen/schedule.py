"""Tile and vectorise the linalg-on-tensors ops of a module (in place).

`apply_schedule` picks static tile sizes in Python for every linalg op from its loop
ranges (read off a generalised clone of the module), tags each op with a discardable
``dnnf.sched = N`` attribute, emits a transform-dialect script that tiles, decomposes
and vectorises each tagged op, and runs it with the ``transform-interpreter`` pass.

* conv2d (nchw/fchw), depthwise conv and pooling are tiled to one output row and one
  kernel row, decomposed to their 1-D form and vectorised (output channels, resp.
  channels, in vector lanes); matmul / batch_matmul become register-tile
  ``vector.contract`` ops lowered to outer products; the ``linalg.fill`` that
  initialises their accumulator is fused into the tile.
* every other op (elementwise / broadcasting / reduction generics, fill, transpose)
  is tiled to unit size except along its innermost loop, which becomes the vector.
* in a fusion block, an LRN's window sum is fused into its scale's vector tile
  (`FusedProducer`), so the sum of one vector never goes through memory.

Each op's script runs inside ``transform.sequence ... failures(suppress)``: if a step is
not applicable (e.g. a generic with non-projected indexing maps cannot be vectorised)
the op is left tiled or untouched and later lowers to correct scalar loops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from dnnfusion_mlir._mlir import ir, linalg, passmanager, tensor
from dnnfusion_mlir.codegen.block_ir import FUSED_ATTR, PACKED_ATTR, fill_of
from dnnfusion_mlir.codegen.host_cpu import VectorUnit, host_vector_unit

SCHED_ATTR = "dnnf.sched"
#: LRN's ops (codegen/kernels_extra_nn.py): a `tensor.pad` of the channel axis only, the
#: window sum reading it at channel c + j (unit loops folded before vectorising,
#: `_channel_window_schedule`), and the scale reading the pad's source and the sum
#: element-wise (block_fusion.py fuses the source once for both).
CHANNEL_PAD_ATTR = "dnnf.channel_pad"
CHANNEL_WINDOW_ATTR = "dnnf.channel_window"
CHANNEL_SCALE_ATTR = "dnnf.channel_scale"

#: Vector unit per target: f32 lanes per register and register count (register tiles keep
#: their accumulators within them); host: this machine's, see host_cpu.py.
UNITS = {"host": host_vector_unit(), "aarch64": VectorUnit(lanes=4, registers=32)}

#: `LoopInfo.name` of a packed matmul (codegen/pack_matmul.py), a generic.
PACKED_MATMUL = "linalg.packed_matmul"
_ANY = "!transform.any_op"
_NOT_OPS = ("linalg.yield", "linalg.index")


@dataclass(frozen=True)
class LoopInfo:
    """Static iteration domain of one linalg op (in the op's own loop order)."""

    name: str
    ranges: tuple[int, ...]
    iterators: tuple[str, ...]  # "parallel" / "reduction"


@dataclass(frozen=True)
class OpSchedule:
    """What the transform script does to one tagged op.

    `outer` tiles parallel loops with ``scf.forall`` (later turned into ``scf.for``),
    `inner` tiles the remaining (reduction) loops with ``scf.for``; all-zero lists mean
    "do not tile at this level".  `fuse_init` fuses the producer of operand
    `init_operand` (a ``linalg.fill``; -1 = last operand) into the outer tile.
    `unit_dims`: after tiling, generalise the tile and fold its unit loops away
    (`fold_unit_extent_dims_via_slices`) before vectorising it: a 3-D conv tile with one
    output row and one kernel tap per loop is then a plain contraction, and an LRN tile's
    channel offset c + j (a map the vectoriser rejects) a constant.
    `producer`: after the outer tiling, fuse the producer of one operand into the tile
    loop and schedule the fused slice with its own `OpSchedule` (inner tiles and on; its
    outer tiles are the consumer's).
    `peel` = (loop, size): after the outer tiling, tile that parallel loop (left whole by
    `outer`) by `size` with an ``scf.for`` and peel the shorter last tile, so that both
    parts have static sizes and vectorise (a conv output width the register tile does not
    divide: full register tiles, then one narrower tile).
    """

    tag: int
    outer: tuple[int, ...]
    inner: tuple[int, ...] = ()
    decompose: bool = False
    fuse_init: bool = False
    init_operand: int = 0
    vectorize: bool = True
    unit_dims: bool = False
    producer: FusedProducer | None = None
    peel: tuple[int, int] | None = None


@dataclass(frozen=True)
class FusedProducer:
    """The producer of operand `operand`, fused into its consumer's outer tile loop."""

    operand: int
    schedule: OpSchedule


# --------------------------------------------------------------------------- helpers


def largest_divisor(n: int, cap: int) -> int:
    """Largest divisor of `n` that is <= `cap` (at least 1)."""
    for d in range(min(n, max(cap, 1)), 0, -1):
        if n % d == 0:
            return d
    return 1


def _tile(n: int, cap: int) -> int:
    """Static tile size for a loop of range `n`: `n` itself when small, else a divisor.

    A poor divisor (e.g. 1 for a prime) is replaced by the whole range if that stays
    within 4x the cap, so prime sizes such as 13 or 17 still get real vectors.
    """
    if n <= cap:
        return n
    d = largest_divisor(n, cap)
    return n if d < max(cap // 4, 2) and n <= 4 * cap else d


def _linalg_ops(root: ir.Operation) -> Iterator[ir.Operation]:
    """All linalg structured ops below `root`, in pre-order."""
    for region in root.regions:
        for block in region.blocks:
            for op in block.operations:
                opv = op.operation
                if opv.name.startswith("linalg.") and opv.name not in _NOT_OPS:
                    yield opv
                yield from _linalg_ops(opv)


def _attr_int(op: ir.Operation, name: str) -> int | None:
    if name not in op.attributes:
        return None
    return ir.IntegerAttr(op.attributes[name]).value


def _static_shape(value: ir.Value) -> list[int] | None:
    ty = value.type
    if not isinstance(ty, ir.RankedTensorType):
        return [] if isinstance(ty, (ir.FloatType, ir.IntegerType, ir.IndexType)) else None
    return list(ty.shape) if ty.has_static_shape else None


def _domain(generic: ir.Operation) -> LoopInfo | None:
    """Loop ranges of a generalised op from its indexing maps and operand shapes."""
    maps = [ir.AffineMapAttr(a).value for a in ir.ArrayAttr(generic.attributes["indexing_maps"])]
    iters = [str(a).split("<")[-1].rstrip(">") for a in ir.ArrayAttr(
        generic.attributes["iterator_types"])]
    ranges: list[int | None] = [None] * len(iters)
    for amap, operand in zip(maps, generic.operands, strict=False):
        shape = _static_shape(operand)
        if shape is None:
            return None
        for expr, size in zip(amap.results, shape, strict=False):
            if isinstance(expr, ir.AffineDimExpr):
                ranges[expr.position] = size
    if any(r is None for r in ranges):
        return None
    return LoopInfo("", tuple(int(r) for r in ranges), tuple(iters))  # type: ignore[arg-type]


def loop_infos(module: ir.Module, ops: list[ir.Operation]) -> dict[int, LoopInfo]:
    """Tag `ops` with their index and read loop ranges off a generalised clone."""
    for i, op in enumerate(ops):
        op.attributes[SCHED_ATTR] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), i)
    clone = ir.Module.parse(str(module))
    pm = passmanager.PassManager.parse("builtin.module(func.func(linalg-generalize-named-ops))")
    pm.run(clone.operation)
    infos: dict[int, LoopInfo] = {}
    for gen in _linalg_ops(clone.operation):
        tag = _attr_int(gen, SCHED_ATTR)
        if gen.name != "linalg.generic" or tag is None:
            continue
        dom = _domain(gen)
        if dom is not None:
            name = PACKED_MATMUL if PACKED_ATTR in ops[tag].attributes else ops[tag].name
            infos[tag] = LoopInfo(name, dom.ranges, dom.iterators)
    return infos


def _init_is_fill(op: ir.Operation, operand: int) -> bool:
    """True if operand `operand` of `op` is a single-use ``linalg.fill`` result."""
    fill = fill_of(op.operands[operand])
    return fill is not None and sum(1 for _ in fill.results[0].uses) == 1


# ------------------------------------------------------------------ tile size choice


def _lane_vectors(tow: int, unit: VectorUnit) -> int:
    """Vectors of output channels beside `tow` output columns in a conv / depthwise register
    tile: two when the tow x 2 accumulators fit in half the registers, else one (when a
    prime width of 7 was tiled whole, 7 x 2 ymm accumulators plus the FMA operands
    overflowed AVX2's 16 and every step spilled: AlexNet's 7x7 convs ran 1.2-1.5x
    longer)."""
    return 2 if 2 * tow <= unit.registers // 2 else 1


def _conv_register_tile(ow: int, f: int, c: int, unit: VectorUnit) -> tuple[int, int, int]:
    """(ow, f, c) tile of a channels-last conv: f in lanes, ow x f registers: 8 x 1 with
    AVX-512, 4 x 2 with AVX2 (8 of 16 ymm; on the 64->64 3x3 conv of bench_kernels 76
    GFLOP/s, 8 x 1 gave 41), 4 x 1 on NEON; fewer columns only on a narrower map
    (`_width_tile`; `_lane_vectors`); input channels by 16."""
    lanes = unit.lanes
    avx2 = lanes >= 8 and unit.registers < 32
    tow = _width_tile(ow, _conv_width_cap(unit))
    tf = _tile(f, _lane_vectors(tow, unit) * lanes if avx2 else lanes)
    return tow, tf, _tile(c, 16)


def _conv_width_cap(unit: VectorUnit) -> int:
    """Output columns of a conv register tile: 8 with AVX-512, else 4."""
    return 8 if unit.lanes >= 8 and unit.registers >= 32 else 4


def _width_tile(ow: int, cap: int) -> int:
    """Output columns per register tile: `cap`, the last tile peeled where it does not
    divide the width (`_peeled_width`), unless a divisor of one column less avoids a
    last tile of fewer: 6 columns as 3 + 3, not 4 + 2. Against the largest divisor up to
    `cap`, or the whole of a prime width (one lane vector), on this AVX2 host (3x3 and 5x5
    convs, unfused, in-process): width 7: 0.93x and 0.89x of the time, 13: 0.95x, 15
    (tiles of 3 before): 0.78x; AlexNet's 11x11/4 conv on 31 columns (one per tile
    before): 0.39x; SqueezeNet (47, 23 and 11 columns) 0.79x. MobileNetV2 and
    EfficientNet-B0 were 1.01x with 4 + 2 on their 6-wide maps."""
    if ow <= cap:
        return ow
    rest, divisor = ow % cap, largest_divisor(ow, cap)
    if rest and divisor >= cap - 1 and rest < cap - 1:
        return divisor
    return cap


def _peeled_width(outer: tuple[int, ...], d: int,
                  ow: int) -> tuple[tuple[int, ...], tuple[int, int] | None]:
    """`outer` as it is, or, where loop `d`'s tile (an output width) leaves a shorter last
    tile, `outer` without it and the (loop, tile) to tile and peel (`OpSchedule.peel`)."""
    tow = outer[d]
    if ow % tow == 0:
        return outer, None
    return (*outer[:d], 0, *outer[d + 1:]), (d, tow)


def _conv_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """conv_2d_nhwc_hwcf: loops (n, oh, ow, f, kh, kw, c); `_conv_register_tile`, one
    output row and one kernel tap per tile, decomposed to the 1-D conv. With the kernel
    row's taps in one tile, the input columns they share were broadcast once and held
    across taps: (ow + kw - 1) x 16 broadcasts live at once, spilled on every step."""
    _, _, ow, f, _, _, c = info.ranges
    tow, tf, tc = _conv_register_tile(ow, f, c, unit)
    outer, peel = _peeled_width((1, 1, tow, tf, 0, 0, 0), 2, ow)
    return OpSchedule(tag, outer, (0, 0, 0, 0, 1, 1, tc), decompose=True, init_operand=2,
                      peel=peel)


def _depthwise_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """depthwise_conv_2d_nhwc_hwc / pooling_nhwc_*: loops (n, oh, ow, c, kh, kw); ow x 2
    registers of accumulators (8 x 2 needs 32 registers, 4 x 2 fits 16; `_lane_vectors`)."""
    _, _, ow, c, _, _ = info.ranges
    cap = 8 if unit.registers >= 32 else 4
    tow = _width_tile(ow, cap)
    outer, peel = _peeled_width((1, 1, tow, _tile(c, _lane_vectors(tow, unit) * unit.lanes),
                                 0, 0), 2, ow)
    return OpSchedule(tag, outer, (0, 0, 0, 0, 1, 0), decompose=True, init_operand=2,
                      peel=peel)


def _conv3d_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """conv_3d_ndhwc_dhwcf: loops (n, od, oh, ow, f, kd, kh, kw, c). The 2-D conv's
    register tile (`_conv_register_tile`) on one output row; each kernel tap (kd, kh, kw)
    by one. With the unit loops folded away the tile is the contraction out[ow, f] +=
    x[ow + kw, c] * w[c, f], lowered to FMAs with output channels in lanes (a width stride
    other than 1 leaves a strided index: that tile stays scalar)."""
    _, _, _, ow, f, _, _, _, c = info.ranges
    tow, tf, tc = _conv_register_tile(ow, f, c, unit)
    outer, peel = _peeled_width((1, 1, 1, tow, tf), 3, ow)
    return OpSchedule(tag, outer, (0, 0, 0, 0, 0, 1, 1, 1, tc), init_operand=2,
                      unit_dims=True, peel=peel)


def _matmul_rows(unit: VectorUnit) -> int:
    """Rows of a matmul register tile: 8 with AVX-512 (8 x 2 = 16 of 32 registers), else 4
    (AVX2: 8 of 16; NEON: 8 of 32)."""
    return 8 if unit.lanes >= 8 and unit.registers >= 32 else 4


def _matmul_k_tile(k: int, unit: VectorUnit) -> int:
    return _tile(k, 64 if unit.lanes >= 8 else 16)


def _matmul_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """matmul (m, n, k) and batch_matmul (b, m, n, k): `_matmul_rows` x 2 registers of
    accumulators."""
    *batch, m, n, k = info.ranges
    par = (*([1] * len(batch)), _tile(m, _matmul_rows(unit)), _tile(n, 2 * unit.lanes), 0)
    red = (*([0] * len(batch)), 0, 0, _matmul_k_tile(k, unit))
    return OpSchedule(tag, par, red, init_operand=2)


def _packed_matmul_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """Packed matmul (m, nb, j, k) (codegen/pack_matmul.py): the matmul's register tile
    over one panel (j is the tile's 2 registers, `panel_width`), panels inside rows (m
    outer): in an ad-hoc comparison on the AVX2 host (code not kept), 128x768 * 768x3072
    ran at 72 GFLOP/s this way and at 60 with rows inside panels."""
    m, _, j, k = info.ranges
    return OpSchedule(tag, (_tile(m, _matmul_rows(unit)), 1, j, 0),
                      (0, 0, 0, _matmul_k_tile(k, unit)), init_operand=2)


def panel_width(target: str = "host") -> int:
    """Columns per panel of a packed matmul weight: the matmul register tile's 2 registers."""
    return 2 * UNITS.get(target, UNITS["host"]).lanes


def _generic_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """Default: unit tiles except the innermost loop (vector of up to 4 registers)."""
    vec_cap = 4 * unit.lanes
    last = len(info.ranges) - 1
    outer, inner = [], []
    for d, (size, it) in enumerate(zip(info.ranges, info.iterators, strict=True)):
        t = _tile(size, vec_cap) if d == last else 1
        t = 0 if t == size else t
        outer.append(t if it == "parallel" else 0)
        inner.append(t if it != "parallel" else 0)
    return OpSchedule(tag, tuple(outer), tuple(inner), init_operand=-1)


def _channel_window_schedule(tag: int, info: LoopInfo, unit: VectorUnit) -> OpSchedule:
    """LRN's window sum (`CHANNEL_WINDOW_ATTR`): the default tiles, with the unit loops
    folded away so its channel offset c + j (a map the vectoriser rejects) disappears and
    the tile is a 1-D element-wise op."""
    return replace(_generic_schedule(tag, info, unit), unit_dims=True)


_SPECIAL = {
    "linalg.conv_2d_nhwc_hwcf": _conv_schedule,
    "linalg.conv_3d_ndhwc_dhwcf": _conv3d_schedule,
    "linalg.depthwise_conv_2d_nhwc_hwc": _depthwise_schedule,
    "linalg.pooling_nhwc_max": _depthwise_schedule,
    "linalg.pooling_nhwc_sum": _depthwise_schedule,
    "linalg.matmul": _matmul_schedule,
    "linalg.batch_matmul": _matmul_schedule,
    PACKED_MATMUL: _packed_matmul_schedule,
}


def choose_schedule(tag: int, info: LoopInfo, target: str = "host") -> OpSchedule:
    """Tile sizes / steps for one op (pure function of its name and loop ranges)."""
    unit = UNITS.get(target, UNITS["host"])
    rule = _SPECIAL.get(info.name, _generic_schedule)
    return rule(tag, info, unit)


# ------------------------------------------------------------- transform script text


def _tile_for(handle: str, sizes: tuple[int, ...], name: str) -> tuple[list[str], str, str]:
    """``tile_using_for`` line; returns (lines, tiled handle, innermost loop handle)."""
    nloops = sum(1 for s in sizes if s)
    res = ", ".join([_ANY] * (nloops + 1))
    loops = f"%{name}_l" + (f":{nloops}" if nloops > 1 else "")
    line = (f"%{name}_t, {loops} = transform.structured.tile_using_for {handle} "
            f"tile_sizes {list(sizes)} : ({_ANY}) -> ({res})")
    innermost = f"%{name}_l" + (f"#{nloops - 1}" if nloops > 1 else "")
    return [line], f"%{name}_t", innermost


def _op_script(s: OpSchedule) -> list[str]:
    """Transform ops (inside a suppressing sequence with root %r) for one schedule."""
    lines = [f"%op = transform.structured.match attributes {{{SCHED_ATTR} = {s.tag} : i64}} "
             f"in %r : ({_ANY}) -> {_ANY}"]
    cur, fill, loop = "%op", None, ""
    if s.fuse_init:
        fill = "%fill"
        lines.append(f"%fill = transform.get_producer_of_operand %op[{s.init_operand}] "
                     f": ({_ANY}) -> {_ANY}")
    if s.producer:
        lines.append(f"%prod = transform.get_producer_of_operand %op[{s.producer.operand}] "
                     f": ({_ANY}) -> {_ANY}")
        if s.producer.schedule.fuse_init:
            lines.append(f"%prod_fill = transform.get_producer_of_operand "
                         f"%prod[{s.producer.schedule.init_operand}] : ({_ANY}) -> {_ANY}")
    if any(s.outer):
        lines.append(f"%par_t, %forall = transform.structured.tile_using_forall {cur} "
                     f"tile_sizes {list(s.outer)} : ({_ANY}) -> ({_ANY}, {_ANY})")
        cur, loop = "%par_t", "%forall"
        if fill:
            more, fill, loop = _fuse_into(fill, loop, "fill")
            lines += more
        if s.producer:
            more, prod, loop = _fuse_into("%prod", loop, "prod")
            lines += more
            p = s.producer.schedule
            prod_fill = None
            if p.fuse_init:
                more, prod_fill, loop = _fuse_into("%prod_fill", loop, "prod_fill")
                lines += more
            lines += _tile_body(p, prod, prod_fill, loop, "prod_")
        if s.peel:
            more, cur = _peel_script(s.tag, s.peel, len(s.outer), cur, loop)
            lines += more
    return lines + _tile_body(s, cur, fill, loop, "")


def _peel_script(tag: int, peel: tuple[int, int], loops: int, cur: str,
                 loop: str) -> tuple[list[str], str]:
    """Tile loop `peel[0]` of `cur` (op `tag`, `loops` loops, inside the outer tile loop
    `loop`) by `peel[1]` and peel its last tile; canonicalising the outer tile's body makes
    the peeled tile's sizes static. Returns the lines and a handle to both tiles (matched
    again by tag: canonicalisation recreates them with static types). Sound: peeling only
    splits the loop's iteration range."""
    d, size = peel
    sizes = [0] * loops
    sizes[d] = size
    for_type = '!transform.op<"scf.for">'
    return [f"%peel_t, %peel_loop = transform.structured.tile_using_for {cur} "
            f"tile_sizes {sizes} : ({_ANY}) -> ({_ANY}, {_ANY})",
            f"%peel_for = transform.cast %peel_loop : {_ANY} to {for_type}",
            f"%peel_main, %peel_rest = transform.loop.peel %peel_for "
            f": ({for_type}) -> ({_ANY}, {_ANY})",
            f"transform.apply_patterns to {loop} {{",
            "  transform.apply_patterns.canonicalization",
            f"}} : {_ANY}",
            f"%peeled = transform.structured.match attributes {{{SCHED_ATTR} = {tag} : i64}} "
            f"in {loop} : ({_ANY}) -> {_ANY}"], "%peeled"


def _fuse_into(handle: str, loop: str, name: str) -> tuple[list[str], str, str]:
    """Fuse the producer `handle` into the tile loop `loop`: (lines, fused, new loop)."""
    line = (f"%{name}_t, %{name}_loop = transform.structured.fuse_into_containing_op "
            f"{handle} into {loop} : ({_ANY}, {_ANY}) -> ({_ANY}, {_ANY})")
    return [line], f"%{name}_t", f"%{name}_loop"


def _tile_body(s: OpSchedule, cur: str, fill: str | None, outer_loop: str,
               p: str) -> list[str]:
    """The steps after the outer tiling: inner tiles, unit-loop folding, decomposition and
    vectorisation of `cur` (handle names prefixed by `p`)."""
    lines: list[str] = []
    innermost = ""  # the innermost tile loop of a `unit_dims` schedule
    if any(s.inner):
        more, cur, loop = _tile_for(cur, s.inner, f"{p}red")
        lines += more
    if s.unit_dims:
        # A peeled schedule has two innermost loops (full tiles, last tile): their
        # common outer tile loop then holds the patterns.
        innermost = loop if any(s.inner) and not s.peel else outer_loop
        lines += [f"%{p}gen = transform.structured.generalize {cur} : ({_ANY}) -> {_ANY}",
                  f"transform.apply_patterns to {innermost} {{",
                  "  transform.apply_patterns.linalg.fold_unit_extent_dims_via_slices",
                  f"}} : {_ANY}",
                  f"%{p}folded = transform.structured.match ops{{[\"linalg.generic\"]}} in "
                  f"{innermost} : ({_ANY}) -> {_ANY}"]
        cur = f"%{p}folded"
    if s.decompose:
        lines.append(f"%{p}dec = transform.structured.decompose {cur} : ({_ANY}) -> {_ANY}")
        cur = f"%{p}dec"
    if s.vectorize:
        lines.append(f"transform.structured.vectorize {cur} : {_ANY}")
        if fill:
            lines.append(f"transform.structured.vectorize {fill} : {_ANY}")
        if innermost:
            # Form the contraction while the tile's reads are still of its rank-reduced
            # slices: once the slices fold into the reads (first lowering stage), their
            # permutation maps are no longer lowered to broadcasts and transposes.
            lines += [f"transform.apply_patterns to {innermost} {{",
                      "  transform.apply_patterns.vector.transfer_permutation_patterns",
                      "  transform.apply_patterns.vector.reduction_to_contract",
                      f"}} : {_ANY}"]
    return lines


#: Cleanup and vector lowering, applied to every function in separate greedy stages
#: (mixing contraction lowering with the transfer patterns can fail to converge).
_LOWERING_STAGES: tuple[tuple[str, ...], ...] = (
    ("linalg.tiling_canonicalization", "scf.for_loop_canonicalization", "canonicalization",
     "tensor.fold_tensor_subset_ops_into_vector_transfers"),
    ("vector.reduction_to_contract", "vector.transfer_permutation_patterns"),
    ('vector.lower_contraction lowering_strategy = "outerproduct"',
     "vector.lower_outerproduct"),
    ('vector.reorder_multi_reduction_dims lowering_strategy = "innerreduction"',
     'vector.multi_reduction_flattening lowering_strategy = "innerreduction"',
     'vector.multi_reduction_unrolling lowering_strategy = "innerreduction"'),
    ("vector.transfer_permutation_patterns",),
    ('vector.lower_transpose lowering_strategy = "shuffle_1d"',),
    ("vector.lower_transfer max_transfer_rank = 1", "vector.lower_shape_cast",
     "vector.lower_broadcast"),
    ("canonicalization",),
)


def _lowering_script() -> list[str]:
    lines = [f"%funcs = transform.structured.match ops{{[\"func.func\"]}} in %root "
             f": ({_ANY}) -> {_ANY}"]
    for stage in _LOWERING_STAGES:
        pats = "\n".join(f"  transform.apply_patterns.{p}" for p in stage)
        lines.append(f"transform.apply_patterns to %funcs {{\n{pats}\n}} : {_ANY}")
    lines.append(f"transform.apply_cse to %funcs : {_ANY}")
    return lines


def _hoist_script(name: str) -> list[str]:
    """Keep accumulators in registers across reduction loops."""
    return [
        f"%{name} = transform.structured.match ops{{[\"scf.for\"]}} in %root "
        f": ({_ANY}) -> {_ANY}",
        f"transform.foreach %{name} : {_ANY} {{",
        f"^bb0(%loop: {_ANY}):",
        f"  transform.loop.hoist_loop_invariant_subsets %loop : {_ANY}",
        "}",
    ]


def build_script(schedules: list[OpSchedule]) -> str:
    """The ``@__transform_main`` named sequence for `schedules` (MLIR text)."""
    body: list[str] = []
    for s in schedules:
        body.append(f"transform.sequence %root : {_ANY} failures(suppress) {{")
        body.append(f"^bb0(%r: {_ANY}):")
        body += ["  " + line for line in _op_script(s)]
        body.append("}")
    body += _hoist_script("loops0")
    body += _lowering_script()
    body.append("transform.yield")
    inner = "\n  ".join(body)
    return (f"transform.named_sequence @__transform_main(%root: {_ANY} {{transform.readonly}}) "
            f"{{\n  {inner}\n}}")


# ------------------------------------------------------------ NCHW -> NHWC rewrite

#: NCHW op -> (NHWC op builder name, weight permutation or None for pooling windows).
_NHWC = {
    "linalg.conv_2d_nchw_fchw": ("conv_2d_nhwc_hwcf", [2, 3, 1, 0]),
    "linalg.conv_3d_ncdhw_fcdhw": ("conv_3d_ndhwc_dhwcf", [2, 3, 4, 1, 0]),
    "linalg.depthwise_conv_2d_nchw_chw": ("depthwise_conv_2d_nhwc_hwc", [1, 2, 0]),
    "linalg.pooling_nchw_max": ("pooling_nhwc_max", None),
    "linalg.pooling_nchw_sum": ("pooling_nhwc_sum", None),
}


def _to_last(rank: int) -> list[int]:
    """Channels (dim 1) last: [0, 2, ..., rank - 1, 1]."""
    return [0, *range(2, rank), 1]


def _to_second(rank: int) -> list[int]:
    """Channels back to dim 1 (the inverse of `_to_last`)."""
    return [0, rank - 1, *range(1, rank - 1)]


def _transpose(value: ir.Value, perm: list[int]) -> ir.Value:
    ty = value.type
    empty = tensor.empty([ty.shape[p] for p in perm], ty.element_type)
    return _as_value(linalg.transpose(value, outs=[empty], permutation=perm))


def _as_value(built: ir.Value | ir.OpView | ir.Operation | ir.OpResultList) -> ir.Value:
    """Single result of a builder that may return a value or an op."""
    if isinstance(built, ir.Value):
        return built
    if isinstance(built, ir.OpResultList):
        return built[0]
    return built.results[0]


def _nhwc_init(init: ir.Value) -> ir.Value:
    """NHWC accumulator: a fresh fill if `init` is a fill, else the transposed tensor."""
    fill = fill_of(init)
    perm = _to_last(ir.ShapedType(init.type).rank)
    if fill is not None:
        ty = init.type
        empty = tensor.empty([ty.shape[p] for p in perm], ty.element_type)
        return _as_value(linalg.fill(fill.operands[0], outs=[empty]))
    return _transpose(init, perm)


def _to_nhwc(op: ir.Operation) -> None:
    """Replace one NCHW conv/pool op by transposes around its NHWC counterpart."""
    builder, wperm = _NHWC[op.name]
    x, w, init = op.operands[0], op.operands[1], op.operands[2]
    kwargs = {k: [int(v) for v in op.attributes[k]] for k in ("strides", "dilations")
              if k in op.attributes}
    rank = ir.ShapedType(x.type).rank
    with ir.InsertionPoint(op), op.location:
        xi = _transpose(x, _to_last(rank))
        wi = _transpose(w, wperm) if wperm else w
        res = _as_value(getattr(linalg, builder)(xi, wi, outs=[_nhwc_init(init)], **kwargs))
        out = _transpose(res, _to_second(rank))
    op.results[0].replace_all_uses_with(out)
    op.erase()


def convert_to_nhwc(module: ir.Module) -> int:
    """Rewrite NCHW convs / depthwise convs / pools (and NCDHW convs) to channels-last
    (vectorisable layout)."""
    ops = [op for op in _linalg_ops(module.operation) if op.name in _NHWC]
    with module.context:
        for op in ops:
            _to_nhwc(op)
        if ops:
            passmanager.PassManager.parse("builtin.module(canonicalize)").run(module.operation)
    return len(ops)


# ------------------------------------------------------------------------- driver


@dataclass
class ScheduleResult:
    """`prepacked`: entry argument index -> load-time transform of that weight (Prepack);
    `nests`: loop nests left in each fusion-block function; `kernels`: loop nests of the
    whole module one run executes (counted the same way with and without fusion: after
    the NHWC rewrite, weight pre-packing and block fusion, before per-op tiling)."""

    prepacked: dict[int, Any]
    nests: dict[str, int]
    kernels: int = 0



def plan(module: ir.Module, target: str = "host") -> list[OpSchedule]:
    """Tag every linalg op of `module` and return the schedules (conv/matmul first)."""
    ops = list(_linalg_ops(module.operation))
    infos = loop_infos(module, ops)
    unit = UNITS.get(target, UNITS["host"])
    scheds: dict[int, OpSchedule] = {}
    for tag, info in sorted(infos.items()):
        window = CHANNEL_WINDOW_ATTR in ops[tag].attributes
        sched = (_channel_window_schedule(tag, info, unit)
                 if window else choose_schedule(tag, info, target))
        init = sched.init_operand % len(ops[tag].operands) if ops[tag].operands else 0
        fuse = init > 0 and _init_is_fill(ops[tag], init) and any(sched.outer)
        scheds[tag] = replace(sched, fuse_init=fuse, init_operand=init,
                              vectorize=sched.vectorize and not _touches_i1(ops[tag]))
    for tag in _window_into_scale(ops, scheds):
        del scheds[tag]
    heavy: list[OpSchedule] = []
    light: list[OpSchedule] = []
    for tag, sched in scheds.items():
        # First, so their zero fills are still whole and fuse into their tiles.
        special = infos[tag].name in _SPECIAL or CHANNEL_WINDOW_ATTR in ops[tag].attributes \
            or sched.producer is not None
        (heavy if special else light).append(sched)
    return heavy + light


def _window_into_scale(ops: list[ir.Operation], scheds: dict[int, OpSchedule]) -> list[int]:
    """In fusion blocks, give each LRN scale (`CHANNEL_SCALE_ATTR`) whose window sum has
    no other reader the window sum as a `FusedProducer`: the sum of one vector of
    channel c then stays in registers for the scale instead of being stored whole and read
    back (the per-op lowering keeps the three loop nests). Returns the window sums' tags,
    whose own schedules this replaces."""
    windows = {tag: op for tag, op in enumerate(ops) if CHANNEL_WINDOW_ATTR in op.attributes}
    fused = []
    for tag, op in enumerate(ops):
        if CHANNEL_SCALE_ATTR not in op.attributes or tag not in scheds \
                or not any(scheds[tag].outer) or not _in_fusion_block(op):
            continue
        total = op.operands[1]
        wtag = next((t for t, w in windows.items() if w.results[0] == total), None)
        if wtag is None or wtag not in scheds or sum(1 for _ in total.uses) != 1:
            continue
        w = scheds[wtag]
        inner = OpSchedule(wtag, (), w.inner, fuse_init=w.fuse_init,
                           init_operand=w.init_operand, vectorize=w.vectorize, unit_dims=True)
        scheds[tag] = replace(scheds[tag], producer=FusedProducer(1, inner))
        fused.append(wtag)
    return fused


def _in_fusion_block(op: ir.Operation) -> bool:
    parent = op.parent
    while parent is not None and parent.name != "func.func":
        parent = parent.parent
    return parent is not None and FUSED_ATTR in parent.attributes


def _touches_i1(op: ir.Operation) -> bool:
    """Whether `op` reads or writes an i1 tensor: LLVM stores vector<Nxi1> bit-packed,
    while i1 buffers (and numpy bools) hold one byte per element, so keep it scalar."""
    values = [*op.operands, *op.results]
    return any(isinstance(v.type, ir.ShapedType) and str(ir.ShapedType(v.type).element_type)
               == "i1" for v in values)


def _strip_tags(module: ir.Module) -> None:
    for op in _linalg_ops(module.operation):
        for attr in (SCHED_ATTR, PACKED_ATTR):
            if attr in op.attributes:
                del op.attributes[attr]


def apply_schedule(module: ir.Module, target: str = "host", *,
                   fuse_elementwise: bool = True) -> ScheduleResult:
    """Tile and vectorise the linalg ops of `module` in place (see module docstring).

    Fusion blocks (functions tagged `dnnf.fused`) are first made one loop nest each
    (codegen/block_fusion.py); weight transposes become load-time permutations
    (codegen/prepack.py).
    """
    from dnnfusion_mlir.codegen.block_fusion import count_loop_nests, fuse_blocks
    from dnnfusion_mlir.codegen.block_ir import fuse_block_elementwise
    from dnnfusion_mlir.codegen.prepack import prepack_weights

    if target not in UNITS:
        raise ValueError(f"unknown target {target!r} (expected one of {sorted(UNITS)})")
    with module.context:
        if fuse_elementwise:
            passmanager.PassManager.parse(
                "builtin.module(func.func(linalg-fuse-elementwise-ops))").run(module.operation)
        convert_to_nhwc(module)
        result = ScheduleResult(prepack_weights(module, panel=panel_width(target)), {})
        # The NCHW <-> NHWC transposes just added around convs and pools of fusion blocks
        # merge into the neighbouring element-wise generics (an epilogue then reads the
        # conv's NHWC result directly): one pass over each tile instead of two.
        fuse_block_elementwise(module)
        result.nests.update(fuse_blocks(module))
        result.kernels = count_loop_nests(module)
        schedules = plan(module, target)
        script = ir.Module.parse(
            "module attributes {transform.with_named_sequence} {\n"
            + build_script(schedules) + "\n}")
        module.operation.attributes["transform.with_named_sequence"] = ir.UnitAttr.get()
        seq = script.body.operations[0].operation
        module.body.append(seq)
        try:
            passmanager.PassManager.parse(
                "builtin.module(transform-interpreter,scf-forall-to-for,canonicalize,cse)"
            ).run(module.operation)
        finally:
            seq.erase()
            del module.operation.attributes["transform.with_named_sequence"]
            _strip_tags(module)
    return result
