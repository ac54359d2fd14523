#!/usr/bin/env bash
# The one test command (README, .ci/run and CMake's `check` target call it):
# set-up, static checks (ruff, mypy), the lit suite, then pytest (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
echo "== mypy"
rm -rf build/typecheck
python -m pip install -q --no-deps --no-build-isolation --target build/typecheck . >/dev/null
(cd build/typecheck && python -m mypy -p dnnfusion_mlir --no-error-summary \
  --config-file ../../pyproject.toml)
echo "== lit"
lit -sv test
echo "== pytest"
python -m pytest -q -n "${DNNF_TEST_JOBS:-auto}" "$@"
