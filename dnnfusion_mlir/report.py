"""`dnnf-report`: one self-contained HTML page showing what fusion did to a model.

The page has the summary numbers of `cm.stats`, the ECG of the rewritten IR drawn as an
inline SVG (one box per op, coloured by fusion block, outlined per block), a table of the
blocks and the fusion table (`fusion.table.render()`). No scripts, no network: inline CSS,
and tooltips are SVG `<title>`s.

The drawing is a small layered layout (Graphviz is not needed): an op's layer is the longest
path from the graph inputs, layers run top to bottom, edges spanning several layers get a
routing point in every layer they cross, and each layer is ordered by the barycentre of its
neighbours over a few down/up sweeps. A box sits under its median predecessor when there is
room, so chains stay straight.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import onnx

from dnnfusion_mlir import report_page
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf as dnnf_dialect
from dnnfusion_mlir.ecg import CONST, ECG, SHORT, EcgNode

OP_W, IO_W, DUMMY_W = 200.0, 150.0, 8.0  # box widths
OP_H, IO_H = 50.0, 30.0  # box heights
ROW, GAP, MARGIN = 86.0, 22.0, 16.0  # layer pitch, gap between boxes, page margin
LABEL_CHARS = 28  # characters of monospace 11px text that fit in an op box


@dataclass
class Box:
    """One thing drawn: an op, a graph input or output, or a routing point of a long edge."""

    key: str  # "n<ECG index>", "in<i>", "out<j>" or "d<k>"
    kind: str  # "op", "input", "output" or "dummy"
    lines: tuple[str, ...] = ()
    title: str = ""
    block: int | None = None
    preds: list[str] = field(default_factory=list)  # drawn predecessors (graph edges)
    up: list[str] = field(default_factory=list)  # neighbours in the layer above (routing)
    layer: int = 0
    x: float = 0.0  # centre
    bytes: int = 0  # of an op's results

    @property
    def width(self) -> float:
        """Drawn width in pixels."""
        return {"op": OP_W, "dummy": DUMMY_W}.get(self.kind, IO_W)

    @property
    def height(self) -> float:
        """Drawn height in pixels."""
        return {"op": OP_H, "dummy": 0.0}.get(self.kind, IO_H)

    @property
    def top(self) -> float:
        """y of the box's top edge (boxes are centred vertically in their layer)."""
        return self.band[0] + (OP_H - self.height) / 2

    @property
    def band(self) -> tuple[float, float]:
        """y range of the box's layer (a routing point's edge passes straight through it)."""
        top = MARGIN + self.layer * ROW
        return top, top + OP_H


@dataclass
class Report:
    """A rendered report: the HTML page and the statistics it shows."""

    html: str
    stats: dict[str, Any]
    boxes: dict[str, Box]


def clip(text: str, limit: int = LABEL_CHARS) -> str:
    """`text` shortened to `limit` characters, keeping its (most specific) tail."""
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def node_names(stats: dict[str, Any], ecg: ECG) -> list[str]:
    """ONNX node name per ECG node, from the fusion blocks; checks the ECG matches them.

    Printed IR carries no locations, so the names come from the plan the compiler made on
    the same IR; node indices agree because both ECGs list ops in program order.
    """
    names = ["-"] * len(ecg.nodes)
    for block in stats.get("blocks", []):
        for op in block["ops"]:
            index = op["index"]
            if index >= len(ecg.nodes) or ecg.nodes[index].name != op["op"]:
                raise RuntimeError(f"ECG node {index} of the rewritten IR is not the "
                                   f"{op['op']} of fusion block {block['id']}")
            names[index] = op["node"]
    return names


def _op_box(node: EcgNode, name: str, block: int | None) -> Box:
    shape = "x".join([*map(str, node.shapes[0]), node.element_types[0]]) if node.shapes \
        else "-"
    more = f" +{len(node.shapes) - 1}" if len(node.shapes) > 1 else ""
    tag = f"B{block}" if block is not None else ""
    op = node.name.removeprefix("dnnf.")
    lines = (f"{op} · {SHORT[node.mapping]}", clip(name),
             f"{clip(shape + more, LABEL_CHARS - len(tag) - 1):{LABEL_CHARS - len(tag)}}{tag}")
    consts = sum(1 for p in node.producers if p == CONST)
    title = "\n".join([
        f"#{node.index} {node.name}  (ONNX node {name})",
        f"mapping {node.mapping.value}; block {block if block is not None else '-'}",
        "results " + ", ".join("x".join([*map(str, s), t])
                               for s, t in zip(node.shapes, node.element_types, strict=True)),
        f"{sum(node.bytes)} bytes out, {node.flops} flops, {consts} constant operand(s)"])
    preds = [f"n{p}" if isinstance(p, int) else f"in{p.removeprefix('%arg')}"
             for p in node.producers if isinstance(p, int) or p.startswith("%arg")]
    return Box(f"n{node.index}", "op", lines, title, block, list(dict.fromkeys(preds)),
               bytes=sum(node.bytes))


def _return_preds(module: ir.Module, ecg: ECG) -> list[list[str]]:
    """Per returned value of @main: the drawn box producing it (none for a constant)."""
    main = next(op.operation for op in module.body.operations
                if str(op.operation.name) == "func.func")
    ret = main.regions[0].blocks[0].operations[-1]
    preds: list[list[str]] = []
    for value in ret.operands:
        if isinstance(value, ir.BlockArgument):
            preds.append([f"in{value.arg_number}"])
            continue
        node = ecg.node(value.owner)  # type: ignore[arg-type]
        preds.append([f"n{node.index}"] if node else [])
    return preds


def graph_boxes(cm: Any, located: list[tuple[str, str]] | None = None) -> dict[str, Box]:
    """The boxes of `cm`'s rewritten IR: inputs, ops (program order), outputs.

    ONNX node names come from `cm.stats["blocks"]`, or from `located` ((op, ONNX node) per
    op, see `unfused_names`) when they name the same ops.
    """
    boxes: dict[str, Box] = {}
    for i, spec in enumerate(cm.inputs):
        shape = "x".join(map(str, spec.shape)) or "scalar"
        boxes[f"in{i}"] = Box(f"in{i}", "input", (f"▶ {clip(spec.name, 20)}", shape),
                              f"graph input {spec.name}: {shape} {spec.dtype}")
    ctx = ir.Context()
    dnnf_dialect.load(ctx)
    with ctx:
        module = ir.Module.parse(cm.mlir("rewritten"))
        ecg = ECG(module)
        names = node_names(cm.stats, ecg)
        if located and [op for op, _ in located] == [n.name for n in ecg.nodes]:
            names = [loc for _, loc in located]
        owner = {op["index"]: b["id"] for b in cm.stats.get("blocks", []) for op in b["ops"]}
        for node in ecg.nodes:
            boxes[f"n{node.index}"] = _op_box(node, names[node.index], owner.get(node.index))
        returned = _return_preds(module, ecg)
    for j, preds in enumerate(returned):
        label = cm.outputs[j].name if j < len(cm.outputs) else f"result {j}"
        boxes[f"out{j}"] = Box(f"out{j}", "output", (f"{clip(label, 20)} ▶",),
                               f"graph output {label}", preds=preds)
    return boxes


def layout(boxes: dict[str, Box], sweeps: int = 3) -> tuple[list[list[str]], list[list[str]]]:
    """Assign layers, add routing points, order layers and place boxes.

    Returns the layers (keys, left to right) and the edges as routes of box keys.
    """
    for box in list(boxes.values()):  # program order: producers come first
        box.layer = 0 if box.kind == "input" else \
            1 + max((boxes[p].layer for p in box.preds), default=0)
    routes = []
    for box in list(boxes.values()):
        for pred in box.preds:
            route = [pred]
            for layer in range(boxes[pred].layer + 1, box.layer):
                key = f"d{len(boxes)}"
                boxes[key] = Box(key, "dummy", up=[route[-1]], layer=layer)
                route.append(key)
            box.up.append(route[-1])
            routes.append([*route, box.key])
    layers = _order(boxes, sweeps)
    _place(boxes, layers)
    return layers, routes


def _order(boxes: dict[str, Box], sweeps: int) -> list[list[str]]:
    layers: list[list[str]] = [[] for _ in range(max(b.layer for b in boxes.values()) + 1)]
    down: dict[str, list[str]] = defaultdict(list)
    for box in boxes.values():
        layers[box.layer].append(box.key)
        for u in box.up:
            down[u].append(box.key)

    def sort(i: int, fixed: int, neighbours: Callable[[str], list[str]]) -> None:
        pos = {k: p for p, k in enumerate(layers[fixed])}

        def bary(item: tuple[int, str]) -> float:
            near = [pos[n] for n in neighbours(item[1])]
            return sum(near) / len(near) if near else float(item[0])
        layers[i] = [k for _, k in sorted(enumerate(layers[i]), key=bary)]

    for _ in range(sweeps):
        for i in range(1, len(layers)):
            sort(i, i - 1, lambda k: boxes[k].up)
        for i in range(len(layers) - 2, -1, -1):
            sort(i, i + 1, lambda k: down[k])
    for i in range(1, len(layers)):
        sort(i, i - 1, lambda k: boxes[k].up)
    return layers


def _place(boxes: dict[str, Box], layers: list[list[str]]) -> None:
    """x of every box: under its (median) predecessor when there is room, else to the right."""
    for layer in layers:
        left = MARGIN
        for key in layer:
            box = boxes[key]
            # The lower median keeps a chain straight where a skip edge rejoins it.
            above = sorted(boxes[u].x for u in box.up)
            want = above[(len(above) - 1) // 2] if above else 0.0
            box.x = max(want, left + box.width / 2, MARGIN + OP_W / 2)
            left = box.x + box.width / 2 + GAP


def build_report(model: str | os.PathLike | onnx.ModelProto, fuse: bool = True,
                 input_shapes: dict[str, list[int]] | None = None,
                 name: str | None = None) -> Report:
    """Compile `model` for the host and render its fusion report."""
    import dnnfusion_mlir as dnnf

    cm = dnnf.compile(model, fuse=fuse, input_shapes=input_shapes)
    boxes = graph_boxes(cm, None if fuse else unfused_names(model, input_shapes))
    layers, routes = layout(boxes)
    if name is None:
        name = model.graph.name if isinstance(model, onnx.ModelProto) else Path(model).name
    svg = report_page.svg(boxes, layers, routes, cm.stats.get("blocks", []))
    node_bytes = {int(k[1:]): b.bytes for k, b in boxes.items() if b.kind == "op"}
    page = report_page.page(name, cm.stats, fuse, svg, node_bytes)
    return Report(page, cm.stats, boxes)


def unfused_names(model: str | os.PathLike | onnx.ModelProto,
                  input_shapes: dict[str, list[int]] | None) -> list[tuple[str, str]]:
    """(op, ONNX node name) of the rewritten ops when there is no fusion plan to read.

    Printed IR has no locations, so this imports and rewrites the model again as `compile`
    does; `graph_boxes` uses the names only when the op sequence is the compiled one.
    """
    from dnnfusion_mlir.importer.onnx_importer import import_onnx
    from dnnfusion_mlir.pipeline import REWRITE_PASSES, run_passes
    from dnnfusion_mlir.rewriting import rewrite_options, weight_table

    imported = import_onnx(model, input_shapes)
    with imported.module.context, ir.Location.unknown():
        with rewrite_options(True), weight_table(imported.weights):
            run_passes(imported.module, REWRITE_PASSES)
        return [(n.name, n.location) for n in ECG(imported.module)]
