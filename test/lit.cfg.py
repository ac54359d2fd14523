"""lit configuration: FileCheck tests for the dialect, importer, passes, lowerings and tools.

Tools come from the active environment (the venv that `test/run.sh` creates): `dnnf-opt`,
`dnnf-import`, `dnnf-compile`, `dnnf-run`, and `filecheck` (the Python port) as FileCheck.
"""

import os
import shutil
import sys

import lit.formats

config.name = "dnnfusion-mlir"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "conftest.py", "unit", "e2e", "__pycache__", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.test_source_root, "..", "build", "lit")

bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
for var in ("HOME", "TMPDIR", "PYTHONPATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

# Native/AArch64 toolchain (scripts/setup.sh installs it; CI always has it).
for tool in ("llc-22", "aarch64-linux-gnu-gcc", "qemu-aarch64"):
    if shutil.which(tool):
        config.available_features.add(tool)

filecheck = shutil.which("filecheck", path=bin_dir) or shutil.which("filecheck")
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("FileCheck", filecheck or "filecheck"))
for tool in ("dnnf-opt", "dnnf-import", "dnnf-compile", "dnnf-run"):
    path = shutil.which(tool, path=bin_dir)
    if path:
        config.substitutions.append((f" {tool} ", f" {path} "))
