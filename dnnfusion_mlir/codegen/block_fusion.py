"""One kernel per fusion block: tile each block's root op and fuse its producers into the tile.

Input: linalg-on-tensors where every fusion block is a private function tagged
`dnnf.fused` (passes/dnnf_fusion_plan.py), after element-wise fusion has merged element-wise
chains (and the reshapes between them) into single `linalg.generic`s.

For each block function with more than one loop nest, the *root* (the op producing the
function's last result) is tiled with `scf.forall` over its outer parallel loops, and every
other tileable op of the block (linalg ops, `tensor.pad`) is fused into that loop, nearest
producer first (`transform.structured.fuse_into_containing_op`, TilingInterface). Fused
producers compute only the slice their consumer's tile reads, into tile-sized
destinations (`_tile_buffers_step`), so block intermediates are never materialised as
whole tensors, in time or in memory. A step that does not apply is skipped (the sequence
suppresses failures) and the op stays its own loop nest, which the kernel count shows.

Root tiles (static sizes, so slices keep static shapes):
* blocks with a convolution or pooling op, 4-D root: `CONV_ROW_TILE` (8) output rows (of
  the outermost spatial dim with two or more) of all channels, fewer on maps of under 16
  rows (at least two tiles per map): ``[1, 0, 8, 0]`` for NCHW, ``[1, 8, 0, 0]`` for an
  NHWC conv root. When that size does not divide the rows (AlexNet's 31-, 15- and 7-row
  maps) and the rows are the only tiled loop, the loop is an `scf.for` whose last, shorter
  tile is peeled off (`transform.loop.peel`): both parts keep static shapes, and the
  remainder is the same loop nest's last iteration (its ops carry `PEELED_ATTR` and are
  not counted as nests of their own). Otherwise the tile is the largest divisor of the
  rows up to that size. The per-op conv schedule then tiles single rows and vectorises;
* otherwise: unit tiles on leading parallel loops, `ROW_TILE` rows on the second-to-last
  parallel loop (matmul M, softmax/layer-norm rows), the last parallel loop whole;
* a root with one row or pixel (a classifier's 1 x N gemm + bias + activation, a
  squeeze-excite 1x1 conv, a global average pool's division) whose block recomputes no
  reduction per column tile (`_no_reduction_over_outputs`): up to `COLUMN_TILE` (64) of
  its largest loop (columns, channels) per tile instead.
"""

from __future__ import annotations

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.codegen.block_ir import (
    ANY,
    MEMBER_ATTR,
    ROOT_ATTR,
    ModuleLike,
    block_functions,
    functions,
    is_heavy,
    run_script,
    strip_marks,
    symbol,
    transform_script,
)
from dnnfusion_mlir.codegen.schedule import (
    CHANNEL_PAD_ATTR,
    CHANNEL_SCALE_ATTR,
    PACKED_MATMUL,
    LoopInfo,
    largest_divisor,
    loop_infos,
)
from dnnfusion_mlir.fusion.profitability import ROW_TILE

INSIDE_ATTR = "dnnf.block_inside"
_NOT_KERNELS = ("linalg.fill", "linalg.yield", "linalg.index")
_WINDOWED = ("conv", "pooling")
_RESHAPES = ("tensor.expand_shape", "tensor.collapse_shape")
#: Ops cheap enough to recompute once per reader inside a tile (generics other than packed
#: matmuls), and how many readers.
_DUPLICABLE = ("linalg.generic", "linalg.fill")
MAX_USES = 3
#: Output rows per tile of a conv/pool block (at most; at least two tiles per map): taller
#: tiles re-read, re-pad and re-transpose fewer input rows ((T + K - 1) / T instead of K).
#: 4 vs 1 row: ResNet-50 fused 0.91x of unfused time instead of 1.04x, Inception 1.10x
#: instead of 1.35x. 8 vs 4 rows (this AVX2 host, in-process A/B): Inception 0.91x of
#: unfused instead of 1.06x in one process (its 5x5 and 7x7/s2 windows on 8-16-row maps;
#: across processes it is at parity, docs/benchmarks.md), DenseNet 0.92x instead of 0.95x,
#: the other conv families within +-1%.
CONV_ROW_TILE = 8
#: Unit attribute on the ops of a peeled last tile (`_peel_step`).
PEELED_ATTR = "dnnf.peeled"
#: Columns (or output channels) per tile of a one-row root (`column_tiles`).
COLUMN_TILE = 64
#: A step list entry ending a phase of the block scripts: the steps after it run in a
#: second interpreter run, after canonicalisation and CSE (`_fuse`).
NEXT_PHASE: list[str] = []


def _is_tileable(op: ir.Operation) -> bool:
    name = op.name
    return (name.startswith("linalg.") and name not in ("linalg.yield", "linalg.index")) \
        or name == "tensor.pad"


def _is_kernel(op: ir.Operation) -> bool:
    name = op.name
    return ((name.startswith("linalg.") and name not in _NOT_KERNELS) or name in (
        "scf.forall", "scf.for", "tensor.pad")) and PEELED_ATTR not in op.attributes


def loop_nests(fn: ir.Operation) -> int:
    """Top-level loop nests of one function body (its kernels)."""
    return sum(1 for op in fn.regions[0].blocks[0].operations if _is_kernel(op.operation))


def count_loop_nests(module: ModuleLike) -> int:
    """Loop nests one run of the entry function executes: its own top-level ones plus,
    for each call of a block function, that block's."""
    fns = functions(module)
    total = 0
    for fn in fns.values():
        if "sym_visibility" in fn.attributes:
            continue
        for op in fn.regions[0].blocks[0].operations:
            if op.operation.name == "func.call":
                callee = fns.get(ir.FlatSymbolRefAttr(op.attributes["callee"]).value)
                total += loop_nests(callee) if callee is not None else 0
        total += loop_nests(fn)
    return total


def _root(fn: ir.Operation) -> ir.Operation | None:
    """The op computing the function's last result, looking through reshapes and through
    a concat's `tensor.insert_slice` chains, nested ones too (to the last inserted value
    this block computes: the concat itself is a copy into the result, not a loop nest to
    tile)."""
    ret = fn.regions[0].blocks[0].operations[len(fn.regions[0].blocks[0].operations) - 1]
    if not len(ret.operands):
        return None
    return _root_of(ret.operands[len(ret.operands) - 1])


def _root_of(value: ir.Value) -> ir.Operation | None:
    while not isinstance(value.owner, ir.Block):
        owner = value.owner.operation
        if _is_tileable(owner) and owner.name != "linalg.fill":
            return owner
        if owner.name == "tensor.insert_slice":
            inner = _root_of(owner.operands[0])  # the inserted value (maybe a concat)
            if inner is not None:
                return inner
            value = owner.operands[1]  # nothing computed there: look at the rest
            continue
        if owner.name not in _RESHAPES:
            return None
        value = owner.operands[0]
    return None


def root_tiles(info: LoopInfo, windowed: bool, peel: bool = True,
               min_parallel: int = 4) -> list[int]:
    """Tile sizes of the block root's loops (0 = not tiled); without `peel`, only sizes
    that divide the rows; row tiles of a windowed root with at least `min_parallel`
    parallel loops."""
    par = [d for d, it in enumerate(info.iterators) if it == "parallel"]
    tiles = [0] * len(info.ranges)
    if _row_tiled(info, windowed, min_parallel):
        nhwc = "_nhwc" in info.name or "_ndhwc" in info.name  # channels last
        spatial = par[1:-1] if nhwc else par[2:]
        # The outermost spatial loop with two or more rows (a 3-D map may have depth 1).
        row = next((d for d in spatial if info.ranges[d] >= 2), spatial[0])
        tiles[par[0]] = 1
        # At least two row tiles: a one-trip loop fuses nothing (small late-stage maps).
        rows = info.ranges[row]
        size = max(1, min(CONV_ROW_TILE, rows // 2))
        tiles[row] = size
        if not (peel and _peelable(info, tiles)):
            tiles[row] = largest_divisor(rows, size)
        return tiles
    if info.name == PACKED_MATMUL:  # loops (m, panel, column in panel, k): rows are m
        tiles[0] = largest_divisor(info.ranges[0], ROW_TILE)
        return tiles
    for d in par[:-2]:
        tiles[d] = 1
    if len(par) >= 2:
        tiles[par[-2]] = largest_divisor(info.ranges[par[-2]], ROW_TILE)
    return tiles


def _row_tiled(info: LoopInfo, windowed: bool, min_parallel: int) -> bool:
    """Whether `root_tiles` tiles the root by output rows, each tile holding every channel."""
    return windowed and info.iterators.count("parallel") >= min_parallel


def _tiled_loops(info: LoopInfo, tiles: list[int]) -> list[int]:
    """The loops `tiles` splits into more than one tile."""
    return [d for d, t in enumerate(tiles) if t and info.ranges[d] > t]


def _peelable(info: LoopInfo, tiles: list[int]) -> bool:
    """Whether `tiles` tile exactly one loop, with a size that leaves a shorter last tile:
    that loop is peeled (`_peel_step`)."""
    loops = _tiled_loops(info, tiles)
    return len(loops) == 1 and info.ranges[loops[0]] % tiles[loops[0]] != 0


def column_tiles(info: LoopInfo) -> list[int]:
    """Tiles of a one-row root (a classifier's `1 x N` gemm + bias + activation, a
    squeeze-excite 1x1 conv on a 1x1 map): up to `COLUMN_TILE` of its largest parallel
    loop (the last one on ties: columns, or output channels), at least two tiles; the
    other loops whole. Each tile reads all of the row and a slice of the weight, so fused
    matmuls and convs recompute nothing."""
    par = [d for d, it in enumerate(info.iterators) if it == "parallel"]
    tiles = [0] * len(info.ranges)
    if not par:
        return tiles
    d = max(reversed(par), key=lambda p: info.ranges[p])
    tiles[d] = largest_divisor(info.ranges[d], max(1, min(COLUMN_TILE, info.ranges[d] // 2)))
    return tiles


#: Ops whose reductions never run over an output loop of theirs (K of a matmul, the
#: window and input channels of a conv or pooling), so tiling their outputs splits no
#: reduction.
_OUTPUT_SAFE = ("linalg.matmul", "linalg.batch_matmul", "linalg.conv", "linalg.depthwise",
                "linalg.pooling", PACKED_MATMUL)


def _no_reduction_over_outputs(fn: ir.Operation, root: ir.Operation,
                               infos: dict[int, LoopInfo],
                               tags: dict[int, ir.Operation]) -> bool:
    """Whether tiling the root's columns recomputes no reduction of the block: every
    reduction is a matmul's, conv's or pooling's, or has the root's result shape and reaches
    the root through element-wise ops only (a global average pool's channel sums under
    their division: a column tile is a slice of that reduction's output too). A softmax or
    norm reduces over the columns into one value per row, and a squeeze-excite block's
    pool feeds a conv that reads every channel: a column tile would redo those reductions
    whole."""
    shape = _result_shape(root)
    for op in fn.regions[0].blocks[0].operations:
        info = _info_of(op.operation, infos, tags)
        if info is None:
            continue
        if "reduction" in info.iterators and not info.name.startswith(_OUTPUT_SAFE) and \
                (_result_shape(op.operation) != shape or
                 not _elementwise_to(op.operation, root, infos, tags)):
            return False
    return True


def _info_of(op: ir.Operation, infos: dict[int, LoopInfo],
             tags: dict[int, ir.Operation]) -> LoopInfo | None:
    """The loop ranges of `op` (a tagged linalg op), None for other ops."""
    tag = next((t for t, o in tags.items() if o == op), None)
    return infos.get(tag) if tag is not None else None


def _result_shape(op: ir.Operation) -> list[int] | None:
    """The static shape of `op`'s first result, leading unit dims dropped."""
    if not len(op.results) or not isinstance(op.results[0].type, ir.RankedTensorType):
        return None
    shape = list(ir.RankedTensorType(op.results[0].type).shape)
    while shape and shape[0] == 1:
        shape.pop(0)
    return shape


def _elementwise_to(op: ir.Operation, root: ir.Operation, infos: dict[int, LoopInfo],
                    tags: dict[int, ir.Operation]) -> bool:
    """Whether every reader of `op`'s results, and of theirs up to `root` (included), is a
    reshape or an all-parallel op."""
    work = [u.owner.operation for r in op.results for u in r.uses]
    while work:
        user = work.pop()
        info = _info_of(user, infos, tags)
        parallel = info is not None and "reduction" not in info.iterators
        if not (parallel or user.name in _RESHAPES):
            return False
        if user != root:
            work.extend(u.owner.operation for r in user.results for u in r.uses)
    return True


def _weight_side(body: list[ir.Operation]) -> set[ir.Operation]:
    """Ops computing the filter/right-hand operand of a conv or matmul: every tile reads
    all of it, so fusing them would recompute them once per tile."""
    found: set[ir.Operation] = set()
    work = [op.operands[1] for op in body if is_heavy(op) and len(op.operands) > 2]
    while work:
        value = work.pop()
        if isinstance(value.owner, ir.Block):
            continue
        owner = value.owner.operation
        if owner not in found:
            found.add(owner)
            work.extend(owner.operands)
    return found


def _fusable(fn: ir.Operation, root: ir.Operation,
             whole_channels: bool = False) -> list[ir.Operation]:
    """Ops to fuse into the root's loop, in program order: tileable, not on the weight side,
    and used once, by an op inside the loop. A cheap op (generic, fill) read by up to
    `MAX_USES` ops inside the loop is first duplicated, one copy per reader, so every copy is
    single-use (recomputed per reader: e.g. a softmax's exp, a layer norm's centred input).
    With `whole_channels` (the root's tiles hold every channel), LRN's input is fused
    through its channel pad (`CHANNEL_PAD_ATTR`), once for the pad and the LRN's scale
    (`_one_lrn_slice`): the fused pad pads a slice holding every channel, so it is a plain
    pad (not an `scf.if`), and its slice of the input is the scale's, which CSE merges
    before the input is fused (`NEXT_PHASE`).
    Block outputs and values read by ops left outside stay loop nests of their own.

    Membership is an attribute on the op (`dnnf.block_inside`): Python wrappers of a cloned
    op are not unique, so sets of `ir.Operation`s would miss clones.
    """
    body = [op.operation for op in fn.regions[0].blocks[0].operations]
    weights = _weight_side(body)
    root.attributes[INSIDE_ATTR] = ir.UnitAttr.get()
    for op in reversed(body):
        if op.name in _RESHAPES:  # transparent: the script bubbles slices above them
            users = [u.owner.operation for r in op.results for u in r.uses]
            if len(users) == 1 and INSIDE_ATTR in users[0].attributes:
                op.attributes[INSIDE_ATTR] = ir.UnitAttr.get()
            continue
        if op == root or not _is_tileable(op) or op in weights:
            continue
        uses = [(u.owner.operation, u.operand_number) for r in op.results for u in r.uses]
        # Never through another pad: its tiled form is an `scf.if`, and fusing the pad's
        # producer into that branch crashes the transform interpreter (seen with LRN).
        if not uses or any(INSIDE_ATTR not in u.attributes or (
                u.name == "tensor.pad" and not (whole_channels and _is_channel_pad(u)))
                for u, _ in uses):
            continue
        if len(uses) > 1 and not (whole_channels and _one_lrn_slice(uses)):
            # `fuse_into_containing_op` tiles a producer for one slice and clones it for
            # the others, leaving a stale original (seen: a matmul feeding a softmax's max
            # and exp lost its accumulator fill): give each reader its own copy instead.
            if len(uses) > MAX_USES or op.name not in _DUPLICABLE or is_heavy(op) or \
                    len(op.results) != 1:
                continue
            op.attributes[INSIDE_ATTR] = ir.UnitAttr.get()  # the clones copy it
            _duplicate(op, uses[1:])
        op.attributes[INSIDE_ATTR] = ir.UnitAttr.get()
    ops = [o.operation for o in fn.regions[0].blocks[0].operations]
    inside = [o for o in ops if INSIDE_ATTR in o.attributes]
    for o in inside:
        del o.attributes[INSIDE_ATTR]
    return [o for o in inside if o != root and o.name not in _RESHAPES]


def _is_channel_pad(op: ir.Operation) -> bool:
    return op.name == "tensor.pad" and CHANNEL_PAD_ATTR in op.attributes


def _one_lrn_slice(uses: list[tuple[ir.Operation, int]]) -> bool:
    """Whether the readers are one LRN's channel pad and its scale (which reads the pad's
    source element-wise, beside the window sum of the pad): in any tile of the scale that
    holds every channel, the two read the same slice of their operand."""
    kinds = sorted(("pad" if _is_channel_pad(u) else
                    "scale" if CHANNEL_SCALE_ATTR in u.attributes else "other")
                   for u, _ in uses)
    return kinds == ["pad", "scale"]


def _duplicate(op: ir.Operation, uses: list[tuple[ir.Operation, int]]) -> None:
    """One clone of `op` (inserted right before it) per use in `uses`, wired to that use."""
    for owner, index in uses:
        with ir.InsertionPoint(op), op.location:
            clone = op.clone()
        owner.operands[index] = clone.results[0]


def _one_trip(info: LoopInfo, tiles: list[int]) -> bool:
    """Whether `tiles` give the root's loop a single iteration (or tile nothing)."""
    return not _tiled_loops(info, tiles)


def _plan_block(fn: ir.Operation, bid: int, infos: dict[int, LoopInfo],
                tags: dict[int, ir.Operation],
                peel: bool = True) -> tuple[list[list[str]], bool] | None:
    """Transform steps for one block: tile the root, one step per member to fuse, maybe a
    step peeling the root's loop (returned: whether there is one), and a last step giving
    the fused producers tile-sized destinations.

    Each step is its own failure-suppressing sequence that finds the block's loop again by
    the `dnnf.block_loop_<id>` annotation, so a producer that cannot be fused only leaves
    itself outside the loop instead of ending the block's fusion.
    """
    root = _root(fn)
    if root is None or loop_nests(fn) <= 1:
        return None
    info = _info_of(root, infos, tags)
    if info is None:
        return None
    body = [op.operation for op in fn.regions[0].blocks[0].operations]
    channel_pad = any(_is_channel_pad(op) for op in body)
    windowed = channel_pad or any(any(w in op.name for w in _WINDOWED) for op in body)
    # An LRN's (N, C, W) root is row-tiled along W too.
    min_parallel = 3 if channel_pad else 4
    tiles = root_tiles(info, windowed, peel, min_parallel)
    # Row tiles of a windowed block keep every channel: an LRN's channel pad then pads a
    # whole-channel slice, the same slice of its input that the LRN's scale reads.
    whole_channels = _row_tiled(info, windowed, min_parallel)
    if _one_trip(info, tiles) and _no_reduction_over_outputs(fn, root, infos, tags):
        tiles = column_tiles(info)  # a one-row map: these tiles split the channels
        whole_channels = False
    # A one-trip loop is folded away again: nothing would be fused (and duplicating
    # producers for it would only add loop nests).
    if _one_trip(info, tiles):
        return None
    members = _fusable(fn, root, whole_channels)
    i64 = ir.IntegerType.get_signless(64)
    root.attributes[ROOT_ATTR] = ir.IntegerAttr.get(i64, bid)
    mark = f"dnnf.block_loop_{bid}"
    peel = peel and _peelable(info, tiles)
    # A loop to peel is an `scf.for` (`transform.loop.peel` takes no `scf.forall`) over the
    # one tiled loop: loops of one tile get size 0, so `tile_using_for` makes one loop.
    loops = _tiled_loops(info, tiles)
    tile = (f"tile_using_for %root tile_sizes "
            f"{[t if d in loops else 0 for d, t in enumerate(tiles)]}" if peel
            else f"tile_using_forall %root tile_sizes {tiles}")
    steps = [[f"%root = transform.structured.match attributes {{{ROOT_ATTR} = {bid} : i64}} "
              f"in %r : ({ANY}) -> {ANY}",
              f"%tiled, %loop = transform.structured.{tile} : ({ANY}) -> ({ANY}, {ANY})",
              f'transform.annotate %loop "{mark}" : {ANY}']]
    for k, op in enumerate(reversed(members)):
        member = bid * 1000 + k
        op.attributes[MEMBER_ATTR] = ir.IntegerAttr.get(i64, member)
        steps.append([
            *_loop_and_function(mark),
            # Slices of a reshaped value become reshapes of a slice: the producer of the
            # reshape is then sliced directly and can be fused.
            f"transform.apply_patterns to %fn {{ transform.apply_patterns.tensor."
            f"bubble_up_extract_slice }} : {ANY}",
            f"%m = transform.structured.match attributes {{{MEMBER_ATTR} = {member} : i64}} "
            f"in %r : ({ANY}) -> {ANY}",
            f"%f, %new = transform.structured.fuse_into_containing_op %m into %loop "
            f": ({ANY}, {ANY}) -> ({ANY}, {ANY})",
            f'transform.annotate %new "{mark}" : {ANY}',
        ])
        if _is_channel_pad(op):
            steps.append(NEXT_PHASE)
    if peel:
        steps.append(_peel_step(mark))
    steps.append(_tile_buffers_step(mark))
    return steps, peel


def _tile_buffers_step(mark: str) -> list[str]:
    """Fold each `tensor.extract_slice` of a `tensor.empty` in the block into an empty of
    the slice's shape. A fused producer's destination is such a slice of an empty of its
    whole result; folded, bufferization allocates one tile-sized buffer (hoisted out of the
    loop) instead of a whole-size one that each tile writes a part of. Sound: an empty has
    no contents, so a slice of it is an empty of the slice's shape; the loop's own result
    (a slice of its iteration argument, not of an empty) is untouched."""
    return [*_loop_and_function(mark),
            f"transform.apply_patterns to %fn {{ "
            f"transform.apply_patterns.tensor.fold_tensor_empty }} : {ANY}"]


def _match_loop(mark: str) -> str:
    """The script line binding `%loop` to the block's marked loop."""
    return f"%loop = transform.structured.match attributes {{{mark}}} in %r : ({ANY}) -> {ANY}"


def _loop_and_function(mark: str) -> list[str]:
    """Script lines binding `%loop` to the block's marked loop and `%fn` to its function."""
    return [_match_loop(mark),
            f'%fn = transform.get_parent_op %loop {{op_name = "func.func"}} '
            f": ({ANY}) -> {ANY}"]


def _peel_step(mark: str) -> list[str]:
    """Split the marked `scf.for` into its full tiles and the shorter last one, whose ops
    (straight-line code once canonicalisation folds its one-trip loop) get `PEELED_ATTR`.
    Sound: peeling only splits the iteration range; each part computes the same tiles."""
    loop = '!transform.op<"scf.for">'
    return [_match_loop(mark),
            f"%for = transform.cast %loop : {ANY} to {loop}",
            f"%main, %rest = transform.loop.peel %for : ({loop}) -> ({ANY}, {ANY})",
            f"%last = transform.structured.match interface{{TilingInterface}} in %rest "
            f": ({ANY}) -> {ANY}",
            f'transform.annotate %last "{PEELED_ATTR}" : {ANY}']


def _unshare_empties(fn: ir.Operation) -> None:
    """Give every use of a `tensor.empty` its own copy.

    CSE merges identical empties, so a fused producer's destination can be the root's;
    `fuse_into_containing_op` then writes the producer's tile into the loop's shared output,
    over results of other iterations (seen: two transposes sharing one empty).
    """
    for op in list(fn.regions[0].blocks[0].operations):
        if op.operation.name != "tensor.empty":
            continue
        uses = [(u.owner.operation, u.operand_number) for u in op.results[0].uses]
        _duplicate(op.operation, uses[1:])


def fuse_blocks(module: ModuleLike) -> dict[str, int]:
    """Tile-and-fuse every block function in place; returns loop nests per block function.

    Fusion is first tried on a copy of the module; a block whose loop nests would grow
    (a producer that did not fuse after its readers were duplicated) is left as it was,
    and a block whose row loop was to be peeled but was not (its partial last tile would
    keep dynamic shapes, which are not vectorised) gets dividing row tiles instead.
    """
    names = [symbol(fn) for fn in block_functions(module)]
    before = {symbol(fn): loop_nests(fn) for fn in block_functions(module)}
    trial = ir.Module.parse(str(module))
    tried, unpeeled = _fuse(trial, skip=set(), unpeeled=set())
    worse = {n for n in names if tried.get(n, 0) > before[n]}
    return _fuse(module, skip=worse, unpeeled=unpeeled)[0]


def _add_phases(phases: list[list[list[str]]], steps: list[list[str]]) -> None:
    """Append `steps`, cut at each `NEXT_PHASE` entry, to `phases` (the k-th part to the
    k-th phase)."""
    k = 0
    for step in steps:
        if step is NEXT_PHASE:
            k += 1
            continue
        while len(phases) <= k:
            phases.append([])
        phases[k].append(step)


def _has_peeled(fn: ir.Operation) -> bool:
    """Whether an op of `fn` carries `PEELED_ATTR` (a peel step did its work)."""
    found = False

    def visit(op: ir.Operation) -> ir.WalkResult:
        nonlocal found
        found = found or PEELED_ATTR in op.attributes
        return ir.WalkResult.INTERRUPT if found else ir.WalkResult.ADVANCE

    fn.walk(visit)
    return found


def _fuse(module: ModuleLike, skip: set[str],
          unpeeled: set[str]) -> tuple[dict[str, int], set[str]]:
    """One tile-and-fuse run over the block functions not in `skip`, peeling no loop of
    those in `unpeeled`: loop nests per block function, and the blocks whose planned
    peeling did not happen."""
    fns = block_functions(module)
    for fn in fns:
        _unshare_empties(fn)
    ops = [op for fn in fns for op in fn.regions[0].blocks[0].operations
           if _is_tileable(op.operation) and op.operation.name != "tensor.pad"]
    infos = loop_infos(module, [op.operation for op in ops])
    tags = {i: op.operation for i, op in enumerate(ops)}
    phases: list[list[list[str]]] = []
    peeling = set()
    for fn in fns:
        name = symbol(fn)
        if name in skip:
            continue
        bid = ir.IntegerAttr(fn.attributes["dnnf.block"]).value
        plan = _plan_block(fn, bid, infos, tags, peel=name not in unpeeled)
        if plan:
            _add_phases(phases, plan[0])
            if plan[1]:
                peeling.add(name)
    for i, scripts in enumerate(phases):
        if i:  # CSE merged identical empties: one per use again
            for fn in fns:
                _unshare_empties(fn)
        run_script(module, transform_script(scripts))
    strip_marks(module)
    failed = {symbol(fn) for fn in fns if symbol(fn) in peeling and not _has_peeled(fn)}
    return {symbol(fn): loop_nests(fn) for fn in fns}, failed


