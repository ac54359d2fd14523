"""HTML and SVG text of the `dnnf-report` page (the layout is in `dnnfusion_mlir.report`).

Everything here is string building: every piece of model text goes through `html.escape`.
Block colours are pastels spaced by the golden angle, so neighbouring block ids differ.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.ecg import SHORT
from dnnfusion_mlir.fusion import table as fusion_table

if TYPE_CHECKING:
    from dnnfusion_mlir.report import Box

ARROW = ('<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" '
         'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L8,4 L0,8 z" '
         'fill="#546e7a"/></marker></defs>')
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header,section{padding:12px 24px}header{background:#263238;color:#eceff1}
h1{margin:0 0 4px;font-size:22px}h2{font-size:17px;margin:8px 0}
.sub{color:#b0bec5;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#37474f;border-radius:8px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px;color:#fff}.card span{font-size:12px;color:#b0bec5}
.card small{display:block;font-size:11px;color:#90a4ae}
.graph{overflow:auto;max-height:85vh;border:1px solid #cfd8dc;background:#fff;border-radius:6px}
.legend span{display:inline-block;margin-right:14px}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #cfd8dc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eceff1}.sw{display:inline-block;width:12px;height:12px;border-radius:3px;
border:1px solid #546e7a;margin-right:6px;vertical-align:middle}
.ops code{white-space:nowrap}.node{color:#607d8b;font-size:12px}
td.G{background:#c8e6c9}td.Y{background:#fff59d}td.X{background:#ffcdd2}
"""


def colours(block: int | None) -> tuple[str, str]:
    """(fill, stroke) of a block's boxes; grey when the op is in no block."""
    if block is None:
        return "#f5f5f5", "#9e9e9e"
    hue = (block * 137.508) % 360
    return f"hsl({hue:.0f},75%,86%)", f"hsl({hue:.0f},45%,38%)"


def short_mapping(value: str) -> str:
    """`many_to_many` -> `M:M` (the ECG's short names)."""
    return SHORT[MappingType.parse(value)]


def _text(lines: tuple[str, ...], x: float, y: float, step: float) -> str:
    head = ' font-weight="bold"'
    return "".join(f'<text x="{x:.1f}" y="{y + i * step:.1f}"{head if i == 0 else ""} '
                   f'xml:space="preserve">{escape(line)}</text>' for i, line in enumerate(lines))


def _box(box: Box) -> str:
    """One `<g>`: a rect with its label lines and a tooltip."""
    left, top = box.x - box.width / 2, box.top
    title = f"<title>{escape(box.title)}</title>"
    rect = f'<rect x="{left:.1f}" y="{top:.1f}" width="{box.width:.0f}" ' \
           f'height="{box.height:.0f}" '
    if box.kind == "op":
        fill, stroke = colours(box.block)
        block = box.block if box.block is not None else ""
        return (f'<g class="op" data-index="{box.key[1:]}" data-block="{block}">{title}'
                f'{rect}rx="6" fill="{fill}" stroke="{stroke}"/>'
                f"{_text(box.lines, left + 7, top + 15, 14)}</g>")
    if box.kind == "input":
        return (f'<g class="io input">{title}{rect}rx="15" fill="#e8f5e9" stroke="#2e7d32"/>'
                f"{_text(box.lines, left + 10, top + 12, 13)}</g>")
    return (f'<g class="io output">{title}{rect}rx="15" fill="#37474f" stroke="#263238"/>'
            f"{_text(box.lines, left + 10, top + 19, 13)}</g>")


def _edge(boxes: dict[str, Box], route: list[str]) -> str:
    """A polyline from the bottom of the first box through routing points to the target."""
    src, dst = boxes[route[0]], boxes[route[-1]]
    points = [(src.x, src.top + src.height)]
    for key in route[1:-1]:
        top, bottom = boxes[key].band
        points += [(boxes[key].x, top), (boxes[key].x, bottom)]
    points.append((dst.x, dst.top - 1))
    path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    inside = src.kind == dst.kind == "op" and src.block is not None and src.block == dst.block
    stroke, width = (colours(src.block)[1], 2.0) if inside else ("#90a4ae", 1.2)
    return (f'<path class="edge" d="{path}" fill="none" stroke="{stroke}" '
            f'stroke-width="{width}" marker-end="url(#arrow)"/>')


def _outline(boxes: dict[str, Box], block: dict[str, Any]) -> str:
    """A rounded rectangle around the boxes of a block of two or more ops."""
    members = [boxes[f"n{op['index']}"] for op in block["ops"]]
    if len(members) < 2:
        return ""
    pad = 7.0
    left = min(b.x - b.width / 2 for b in members) - pad
    right = max(b.x + b.width / 2 for b in members) + pad
    top = min(b.top for b in members) - pad
    bottom = max(b.top + b.height for b in members) + pad
    fill, stroke = colours(block["id"])
    return (f'<rect class="block" data-block="{block["id"]}" x="{left:.1f}" y="{top:.1f}" '
            f'width="{right - left:.1f}" height="{bottom - top:.1f}" rx="12" fill="{fill}" '
            f'fill-opacity="0.35" stroke="{stroke}" stroke-dasharray="5 3"/>')


def svg(boxes: dict[str, Box], layers: list[list[str]], routes: list[list[str]],
        blocks: list[dict[str, Any]]) -> str:
    """The ECG drawing: block outlines behind edges behind boxes."""
    width = max(b.x + b.width / 2 for b in boxes.values()) + 16
    height = max(b.top + b.height for b in boxes.values()) + 16
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ecg" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             f'font-family="monospace" font-size="11" '
             f'aria-label="extended computational graph, {len(layers)} layers">', ARROW]
    parts += [_outline(boxes, b) for b in blocks]
    parts += [_edge(boxes, r) for r in routes]
    parts += [_box(b) for b in boxes.values() if b.kind != "dummy"]
    parts.append("</svg>")
    return "\n".join(p for p in parts if p)


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _card(label: str, value: object, detail: str = "") -> str:
    small = f"<small>{escape(detail)}</small>" if detail else ""
    return f'<div class="card"><b>{escape(str(value))}</b><span>{escape(label)}</span>' \
           f"{small}</div>"


def cards(stats: dict[str, Any], fuse: bool) -> str:
    """The summary numbers of the header."""
    before = stats.get("intermediate_bytes", 0)
    after = stats.get("intermediate_bytes_fused")
    saved = f"{100 * (1 - after / before):.0f}% less" if after is not None and before else ""
    rewrites = stats.get("rewrites", {})
    fired = ", ".join(f"{rule} x{count}" for rule, count in rewrites.items())
    items = [
        _card("ONNX nodes", stats.get("onnx_nodes", "-")),
        _card("ops after import", stats.get("ops_after_import", "-")),
        _card("ops after rewrite", stats.get("ops_after_rewrite", "-")),
        _card("kernels" + (" (fused)" if fuse else " (unfused)"), stats.get("kernels", "-")),
        _card("fusion blocks", len(stats.get("blocks", [])) if fuse else "-"),
        _card("intermediate bytes before fusion", human_bytes(before), f"{before} B"),
        _card("intermediate bytes after fusion",
              human_bytes(after) if after is not None else "-",
              f"{after} B, {saved}" if after is not None else "not fused"),
        _card("peak intermediate bytes", human_bytes(stats.get("peak_intermediate_bytes", 0))
              if fuse else "-"),
        _card("buffer arena (workspace)", human_bytes(stats.get("arena_bytes", 0)),
              f"{human_bytes(stats.get('buffer_bytes', 0))} of intermediate and tile "
              "buffers, placed by lifetime; allocated once, reused by every call"),
        _card("rewrites fired", sum(rewrites.values()), fired or "none"),
    ]
    return '<div class="cards">\n' + "\n".join(items) + "\n</div>"


def block_table(stats: dict[str, Any], node_bytes: dict[int, int]) -> str:
    """One row per fusion block: mapping, ops with their ONNX nodes, kernels, output bytes."""
    blocks = stats.get("blocks", [])
    if not blocks:
        return "<p>No fusion blocks (compiled with <code>--no-fuse</code>): every op is " \
               "lowered on its own.</p>"
    rows = ["<tr><th>block</th><th>mapping</th><th>ops (ONNX node)</th><th>kernels</th>"
            "<th>output bytes</th></tr>"]
    for block in blocks:
        fill, stroke = colours(block["id"])
        ops = ", ".join(f'<code>{escape(op["op"].removeprefix("dnnf."))}</code> '
                        f'<span class="node">{escape(op["node"])}</span>'
                        for op in block["ops"])
        out = sum(node_bytes.get(n, 0) for n in block["outputs"])
        rows.append(
            f'<tr id="block-{block["id"]}"><td><span class="sw" style="background:{fill};'
            f'border-color:{stroke}"></span>B{block["id"]}</td>'
            f"<td>{escape(short_mapping(block['mapping']))} "
            f"<span class=\"node\">{escape(block['mapping'])}</span></td>"
            f'<td class="ops">{ops}</td><td>{escape(str(block.get("kernels", "-")))}</td>'
            f'<td title="{out} B">{human_bytes(out)}</td></tr>')
    return "<table>" + "\n".join(rows) + "</table>"


def markdown_table(text: str) -> str:
    """A Markdown pipe table as HTML; a cell ending in ' · G'/'Y' or being 'X' gets that class."""
    rows = [[c.strip().replace("\\\\", "\\") for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.strip().startswith("|")]
    body = [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]
    html_rows = ["<tr>" + "".join(f"<th>{escape(c)}</th>" for c in rows[0]) + "</tr>"]
    for row in body:
        cells = [f"<th>{escape(row[0])}</th>"]
        for cell in row[1:]:
            colour = cell.rsplit(" ", 1)[-1]
            cls = f' class="{colour}"' if colour in ("G", "Y", "X") else ""
            cells.append(f"<td{cls}>{escape(cell)}</td>")
        html_rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table class="fusion-table">' + "\n".join(html_rows) + "</table>"


def page(name: str, stats: dict[str, Any], fuse: bool, drawing: str,
         node_bytes: dict[int, int]) -> str:
    """The whole HTML document."""
    name = escape(name)
    legend = ('<p class="legend"><span>box: op · mapping (1:1, 1:M, M:M, reorg, shuffle), '
              "ONNX node, first result shape, block (B<i>n</i>)</span><span>colour and dashed "
              "outline: fusion block</span><span>▶ graph input</span><span>dark: graph "
              "output</span><span>hover a box for details</span></p>")
    mode = "fused (DNNFusion plan)" if fuse else "not fused (--no-fuse)"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>dnnf-report: {name}</title><style>{STYLE}</style></head><body>",
        f'<header><h1>{name}</h1><p class="sub">dnnf-report · host · {mode}</p>',
        cards(stats, fuse), "</header>",
        "<section><h2>Extended computational graph</h2>", legend,
        f'<div class="graph">{drawing}</div></section>',
        "<section><h2>Fusion blocks</h2>", block_table(stats, node_bytes), "</section>",
        "<section><h2>Fusion table (producer row, consumer column: result · G always, "
        "Y if profitable, X never)</h2>", markdown_table(fusion_table.render()), "</section>",
        "</body></html>", ""])
