"""Project layout: packaged modules match the folders, passes follow the conventions."""

from __future__ import annotations

import importlib
import pathlib

import tomllib

from dnnfusion_mlir.passes import PASSES

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_folder_is_listed() -> None:
    tool = _pyproject()["tool"]["setuptools"]
    listed = set(tool["packages"])
    mapped = tool["package-dir"]
    on_disk = {"dnnfusion_mlir"}
    for folder in (ROOT / "dnnfusion_mlir").iterdir():
        if (folder / "__init__.py").exists():
            on_disk.add(f"dnnfusion_mlir.{folder.name}")
    for package, folder in mapped.items():
        assert (ROOT / folder / "__init__.py").exists(), folder
        on_disk.add(package)
    assert listed == on_disk


def test_passes_registry_conventions() -> None:
    assert list(PASSES) == sorted(PASSES)
    for name, target in PASSES.items():
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        assert module.NAME == name
        assert module_name.rsplit(".", 1)[1] == name.replace("-", "_")
        assert callable(getattr(module, attr))
        assert module.DESCRIPTION
        doc = module.__doc__ or ""
        for heading in ("Matches:", "Rewrites:", "Sound because:"):
            assert heading in doc, f"{name}: docstring lacks '{heading}'"
        assert (ROOT / "test" / "passes" / f"{name}.mlir").exists(), f"no lit test for {name}"


def test_only_mlir_shim_imports_torch_mlir() -> None:
    offenders = []
    for folder in ("dnnfusion_mlir", "dialects", "passes", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "_mlir.py":
                continue
            text = path.read_text()
            if "import torch_mlir" in text or "from torch_mlir" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
