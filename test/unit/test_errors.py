"""Bad input gives a CompileError naming node, op type and reason; CLIs exit non-zero."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import helper

import dnnfusion_mlir as dnnf
from dnnfusion_mlir import errors
from dnnfusion_mlir.testing import make_model

X = np.zeros((2, 3), np.float32)


def _cli(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = pathlib.Path(sys.executable).parent / tool
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


def test_unsupported_op_names_node_and_type() -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["r"], name="ok"),
                        helper.make_node("Det", ["r"], ["y"], name="the_det")],
                       {"x": ((3, 3), np.float32)}, ["y"])
    with pytest.raises(errors.UnsupportedOpError) as info:
        dnnf.compile(model)
    assert info.value.node == "the_det"
    assert info.value.op_type == "Det"
    assert "no converter" in str(info.value)


def test_unsupported_dtype_names_node() -> None:
    model = make_model([helper.make_node("Cast", ["x"], ["h"], to=onnx.TensorProto.DOUBLE,
                                         name="to_double"),
                        helper.make_node("Relu", ["h"], ["y"], name="relu64")],
                       {"x": X}, ["y"])
    with pytest.raises(errors.DTypeError) as info:
        dnnf.compile(model)
    assert info.value.node in ("to_double", "relu64")
    assert "float64" in str(info.value) or "double" in str(info.value).lower()


def test_dynamic_dimension_names_input() -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], {"x": ((2, 3), np.float32)},
                       ["y"])
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    with pytest.raises(errors.DynamicShapeError) as info:
        dnnf.compile(model)
    assert "'x'" in str(info.value)
    assert "batch" in str(info.value)
    compiled = dnnf.compile(model, input_shapes={"x": [4, 3]})
    assert compiled(np.ones((4, 3), np.float32))[0].shape == (4, 3)


def test_truncated_and_garbage_files(tmp_path: pathlib.Path) -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], {"x": X}, ["y"])
    data = model.SerializeToString()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x00\xffnot a model" * 10)
    for path in (truncated, garbage, tmp_path / "missing.onnx"):
        with pytest.raises(errors.MalformedModelError):
            dnnf.compile(str(path))


@pytest.mark.parametrize("tool", ["dnnf-run", "dnnf-compile", "dnnf-import"])
def test_cli_reports_one_line_and_fails(tmp_path: pathlib.Path, tool: str) -> None:
    model = make_model([helper.make_node("Det", ["x"], ["y"], name="bad_node")],
                       {"x": ((3, 3), np.float32)}, ["y"])
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    proc = _cli(tool, str(path))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "bad_node" in lines[0]
    assert "Det" in lines[0]
    assert "Traceback" not in proc.stderr


def test_cli_debug_shows_traceback(tmp_path: pathlib.Path) -> None:
    proc = _cli("dnnf-import", str(tmp_path / "missing.onnx"), "--debug")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


def test_wrong_input_shape_at_call_time() -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], {"x": X}, ["y"])
    compiled = dnnf.compile(model)
    with pytest.raises(ValueError, match="expected shape"):
        compiled(np.ones((3, 3), np.float32))
