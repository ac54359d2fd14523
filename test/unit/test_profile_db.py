"""The profiling database (fusion/profile_db.py) and the block signature that keys it
(fusion/profiler.py): stored rows survive reopening, concurrent writers all land, and the
signature ignores SSA names, node names and weight values but not shapes or attributes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects import dnnf
from dnnfusion_mlir.ecg import ECG
from dnnfusion_mlir.fusion.plan import Planner
from dnnfusion_mlir.fusion.profile_db import ENV_VAR, Measurement, ProfileDB, default_path
from dnnfusion_mlir.fusion.profiler import canonical_text, extract, signature
from dnnfusion_mlir.importer.onnx_importer import import_onnx
from dnnfusion_mlir.testing import make_model

# ----------------------------------------------------------------------------- database


def test_round_trip_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "profile.sqlite"
    db = ProfileDB(path)
    assert len(db) == 0
    assert db.get("host", "abc") is None
    stored = db.put("host", "abc", fused=1.5e-5, unfused=2.5e-5, repeats=5, measured_at=7.0)
    assert stored == Measurement(1.5e-5, 2.5e-5, 5, 7.0)
    again = ProfileDB(path)
    assert again.get("host", "abc") == stored
    assert again.get("aarch64", "abc") is None  # the target is part of the key
    assert len(again) == 1


def test_put_replaces_a_row_and_stamps_the_time(tmp_path: Path) -> None:
    db = ProfileDB(tmp_path / "p.sqlite")
    db.put("host", "k", 1.0, 2.0, 5, measured_at=1.0)
    latest = db.put("host", "k", 3.0, 2.0, 3)
    assert len(db) == 1
    assert db.get("host", "k") == latest
    assert latest.measured_at > 1.0
    assert latest.fuse is False
    assert db.get("host", "k") == Measurement(3.0, 2.0, 3, latest.measured_at)


def test_verdict_is_fused_faster() -> None:
    assert Measurement(1.0, 2.0, 5, 0.0).fuse
    assert not Measurement(2.0, 2.0, 5, 0.0).fuse


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.sqlite"))
    assert default_path() == tmp_path / "env.sqlite"
    assert ProfileDB().path == tmp_path / "env.sqlite"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".cache" / "dnnfusion-mlir" / "profile.sqlite"


def _writer(path: str, worker: int) -> None:
    db = ProfileDB(path)
    for i in range(5):
        db.put("host", f"{worker}-{i}", 1.0, 2.0, 1)
        db.put("host", "shared", float(worker), 2.0, 1)


def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    # Each call has its own connection, so threads contend for the file lock as
    # pytest-xdist workers do.
    path = str(tmp_path / "shared.sqlite")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(_writer, [path] * 4, range(4)))
    assert len(ProfileDB(path)) == 4 * 5 + 1


# ---------------------------------------------------------------------------- signature


def _conv_model(seed: int, size: int = 8, perm: tuple[int, ...] = (0, 2, 3, 1),
                prefix: str = "", extra: bool = False) -> bytes:
    """x -> Conv(W, b) -> Relu -> Transpose; `extra` adds an unrelated op first."""
    rng = np.random.default_rng(seed)
    n = prefix
    nodes = [helper.make_node("Conv", [f"{n}x", f"{n}w", f"{n}b"], [f"{n}c"], pads=[1] * 4,
                              name=f"{n}conv"),
             helper.make_node("Relu", [f"{n}c"], [f"{n}r"], name=f"{n}relu"),
             helper.make_node("Transpose", [f"{n}r"], [f"{n}y"], perm=list(perm))]
    inputs = {f"{n}x": ((1, 4, size, size), np.float32)}
    outputs = [f"{n}y"]
    if extra:
        nodes.insert(0, helper.make_node("Neg", ["z"], ["nz"]))
        inputs["z"] = ((3,), np.float32)
        outputs.append("nz")
    weights = {f"{n}w": rng.standard_normal((8, 4, 3, 3)).astype(np.float32),
               f"{n}b": rng.standard_normal(8).astype(np.float32)}
    return make_model(nodes, inputs, outputs, weights).SerializeToString()


def _signature_of(model: bytes, ops: tuple[str, ...] = ("conv", "relu", "transpose")) -> str:
    imported = import_onnx(model)
    with imported.module.context:
        main = imported.module.body.operations[0].operation
        planner = Planner(ECG(main))
        members = [n.index for n in planner.nodes if n.name.removeprefix("dnnf.") in ops]
        return signature(extract(planner, members))


def test_signature_ignores_names_and_weight_values() -> None:
    base = _signature_of(_conv_model(seed=0))
    assert _signature_of(_conv_model(seed=1, prefix="other_", extra=True)) == base
    assert len(base) == 64  # a sha256 hex digest
    assert set(base) <= set("0123456789abcdef")


def test_signature_changes_with_shape_attributes_and_members() -> None:
    base = _signature_of(_conv_model(seed=0))
    assert _signature_of(_conv_model(seed=0, size=16)) != base
    assert _signature_of(_conv_model(seed=0, perm=(0, 3, 2, 1))) != base
    assert _signature_of(_conv_model(seed=0), ("conv", "relu")) != base


TEXT = """
func.func @main(%{a}: tensor<4x8xf32>, %{b}: tensor<8x8xf32>) -> tensor<4x8xf32> {{
  %{c} = "dnnf.matmul"(%{a}, %{b}) {{mapping = "many_to_many"}}
      : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("{loc}")
  %{d} = "dnnf.softmax"(%{c}) {{axis = 1 : i64, mapping = "many_to_many"}}
      : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %{d} : tensor<4x8xf32>
}}
"""


def _text_signature(**names: str) -> tuple[str, str]:
    with ir.Context() as ctx, ir.Location.unknown():
        dnnf.load(ctx)
        module = ir.Module.parse(TEXT.format(**names))
        planner = Planner(ECG(module))
        sub = extract(planner, [0, 1])
        return signature(sub), canonical_text(sub)


def test_signature_ignores_ssa_names_and_locations() -> None:
    first, text = _text_signature(a="x", b="w", c="0", d="1", loc="mm")
    second, _ = _text_signature(a="lhs", b="rhs", c="prod", d="out", loc="elsewhere")
    assert first == second
    assert "%in0 = input : tensor<4x8xf32>" in text
    assert "%1.0!out = dnnf.softmax(%0.0)" in text  # the internal edge and the output
