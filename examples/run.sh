#!/usr/bin/env bash
# The main job: set up, compile the bundled example model with fusion (the default), run
# it, check it against onnxruntime, and print the compile report (fusion blocks, kernels,
# intermediate bytes) and timing (ours vs onnxruntime, 1 thread).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
model=examples/tiny_resnet.onnx
[ -f "$model" ] || python examples/make_tiny_resnet.py "$model"
dnnf-run "$model" --check --report "$@"
