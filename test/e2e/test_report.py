"""`dnnf-report`: the HTML page parses, draws one box per ECG node, names every block.

The model: conv -> relu -> add (residual from the input) -> matmul; the relu's ONNX name has
markup characters, so the page must escape them.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf as dnnf_dialect
from dnnfusion_mlir.ecg import ECG
from dnnfusion_mlir.report import Box, build_report, layout, node_names
from dnnfusion_mlir.testing import make_model
from dnnfusion_mlir.tools import report as report_tool

RELU = "relu<&>\"1\""
VOID = {"meta", "br", "img", "input", "link", "hr"}


def residual_model() -> onnx.ModelProto:
    """conv -> relu -> add(x) -> matmul on a 1x4x8x8 input."""
    rng = np.random.default_rng(0)
    return make_model(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
         helper.make_node("Relu", ["c"], ["r"], name=RELU),
         helper.make_node("Add", ["r", "x"], ["a"], name="residual"),
         helper.make_node("MatMul", ["a", "mm"], ["y"], name="matmul")],
        {"x": ((1, 4, 8, 8), np.float32)}, ["y"],
        initializers={"w": rng.standard_normal((4, 4, 3, 3)).astype(np.float32),
                      "mm": rng.standard_normal((8, 8)).astype(np.float32)})


class Page(HTMLParser):
    """Collects the SVG groups and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.groups: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "g":
            self.groups.append(found)
        if "id" in found:
            self.ids.add(found["id"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")

    def boxes(self, kind: str) -> list[dict[str, str]]:
        return [g for g in self.groups if kind in g.get("class", "").split()]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert not page.errors
    assert not page.stack
    return page


@pytest.fixture(scope="module")
def model() -> onnx.ModelProto:
    return residual_model()


@pytest.fixture(scope="module")
def fused(model: onnx.ModelProto) -> tuple[str, dict]:
    report = build_report(model, fuse=True, name="residual <model>")
    return report.html, report.stats


def test_ecg_indices_match_the_fusion_plan(model: onnx.ModelProto) -> None:
    # The report labels ECG nodes of the re-parsed rewritten IR with the plan's ONNX names.
    cm = dnnf.compile(model, fuse=True)
    ctx = ir.Context()
    dnnf_dialect.load(ctx)
    with ctx:
        ecg = ECG(ir.Module.parse(cm.mlir("rewritten")))
        assert len(ecg.nodes) == cm.stats["ops_after_rewrite"]
        planned = {op["index"]: op["op"] for b in cm.stats["blocks"] for op in b["ops"]}
        assert planned == {n.index: n.name for n in ecg.nodes}
        assert node_names(cm.stats, ecg) == ["conv", RELU, "residual", "matmul"]
        bad = {"blocks": [{"id": 0, "ops": [{"index": 0, "op": "dnnf.add", "node": "x"}]}]}
        with pytest.raises(RuntimeError, match=r"not the dnnf\.add of fusion block 0"):
            node_names(bad, ecg)


def test_page_has_one_box_per_op_and_every_block(fused: tuple[str, dict]) -> None:
    text, stats = fused
    page = parse(text)
    ops = page.boxes("op")
    assert len(ops) == stats["ops_after_rewrite"] == 4
    assert sorted(int(g["data-index"]) for g in ops) == list(range(len(ops)))
    block_ids = {b["id"] for b in stats["blocks"]}
    assert {int(g["data-block"]) for g in ops} == block_ids
    assert {f"block-{i}" for i in block_ids} <= page.ids
    assert len(page.boxes("input")) == 1
    assert len(page.boxes("output")) == 1
    assert text.count("<svg") == 1
    assert "<script" not in text
    assert "http://" not in \
        text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_page_escapes_names_and_shows_the_numbers(fused: tuple[str, dict]) -> None:
    text, stats = fused
    assert RELU not in text
    assert "relu&lt;&amp;&gt;&quot;1&quot;" in text
    assert "<h1>residual &lt;model&gt;</h1>" in text
    assert f"<b>{stats['kernels']}</b><span>kernels (fused)</span>" in text
    assert f"{stats['intermediate_bytes_fused']} B" in text
    assert '<td class="X">X</td>' in text  # the fusion table, as HTML


def test_unfused_report_keeps_onnx_names(model: onnx.ModelProto) -> None:
    report = build_report(model, fuse=False)
    page = parse(report.html)
    assert len(page.boxes("op")) == report.stats["ops_after_rewrite"]
    assert {g["data-block"] for g in page.boxes("op")} == {""}
    assert [b.lines[1] for b in report.boxes.values() if b.kind == "op"] == \
        ["conv", RELU, "residual", "matmul"]
    assert "No fusion blocks" in report.html


def test_layout_layers_are_longest_paths_without_overlap() -> None:
    # a -> b -> c and a -> c: the skip edge gets a routing point in b's layer.
    boxes = {"in0": Box("in0", "input"), "n0": Box("n0", "op", preds=["in0"]),
             "n1": Box("n1", "op", preds=["n0"]), "n2": Box("n2", "op", preds=["n1", "n0"])}
    layers, routes = layout(boxes)
    assert [boxes[k].layer for k in ("in0", "n0", "n1", "n2")] == [0, 1, 2, 3]
    assert sorted(len(r) for r in routes) == [2, 2, 2, 3]
    for layer in layers:
        xs = [(boxes[k].x - boxes[k].width / 2, boxes[k].x + boxes[k].width / 2) for k in layer]
        assert all(a[1] < b[0] for a, b in itertools.pairwise(xs))
    assert boxes["n2"].x == boxes["n1"].x  # the chain stays straight


def test_cli_writes_the_page_and_fails_in_one_line(
        model: onnx.ModelProto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "m.html"
    assert report_tool.run_cli(report_tool._main, [str(path), "-o", str(out),
                                                   "--input-shape", "x=1,4,8,8"]) == 0
    parse(out.read_text())
    assert "wrote" in capsys.readouterr().out
    assert report_tool.run_cli(report_tool._main, [str(tmp_path / "missing.onnx")]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "error:" in err
