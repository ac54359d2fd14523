#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine (idempotent):
#   - a Python venv in .venv with dnnfusion-mlir (editable) and its test extras,
#   - Debian packages for the native/AArch64 toolchain: llvm-22, gcc-aarch64-linux-gnu, qemu-user.
# Environment: DNNF_SKIP_APT=1 skips apt; PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
APT_PACKAGES="llvm-22 gcc-aarch64-linux-gnu qemu-user"

install_apt() {
  local missing=""
  command -v llc-22 >/dev/null || missing="$missing llvm-22"
  command -v aarch64-linux-gnu-gcc >/dev/null || missing="$missing gcc-aarch64-linux-gnu"
  command -v qemu-aarch64 >/dev/null || missing="$missing qemu-user"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "setup: cannot install$missing (not root, no sudo); native/aarch64 steps will be skipped" >&2
    return 0
  fi
  local SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  echo "setup: apt-get install$missing"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $APT_PACKAGES >/dev/null
}

[ "${DNNF_SKIP_APT:-0}" = 1 ] || install_apt

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.dnnf-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: pip install -e .[test,torch] into .venv"
  .venv/bin/python -m pip install -q --upgrade pip setuptools wheel >/dev/null 2>&1
  if ! .venv/bin/python -m pip install -q -e ".[test,torch]" > .venv/pip-install.log 2>&1; then
    grep -v "^WARNING: Location" .venv/pip-install.log >&2
    exit 1
  fi
  .venv/bin/python -c "import dnnfusion_mlir, onnxruntime, lit" # fail here if the install did
  touch "$stamp"
fi
