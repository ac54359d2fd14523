"""Time the ONNX import of full-size ResNet-50 and BERT-base (random weights) and its peak RSS.

    python -m dnnfusion_mlir.tools.bench_import [--dir DIR] [--repeat N] [-o docs/benchmarks.md]

The models are exported once from `dnnfusion_mlir.model_zoo` (full size) into DIR; each import
then runs in a fresh child process, so the peak RSS it reports (VmHWM) is the importer's
own, not the exporter's. With `-o` the "## Import time" section of the file is (re)written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MODELS = ("resnet50", "bert")

# Peak RSS from /proc's VmHWM: ru_maxrss survives execve, so a child forked from a large
# parent would report the parent's peak.
_CHILD = """
import json, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from dnnfusion_mlir.importer.onnx_importer import import_onnx
rss0 = hwm()
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    imported = import_onnx(sys.argv[1])
    times.append(time.perf_counter() - start)
    del imported
rss = hwm()
print(json.dumps({"seconds": min(times), "peak_rss_mb": rss / 1024,
                  "baseline_rss_mb": rss0 / 1024}))
"""


def export_models(directory: Path) -> dict[str, Path]:
    """Full-size ONNX files of MODELS in `directory` (exported only if missing)."""
    from dnnfusion_mlir import model_zoo

    paths = {}
    for name in MODELS:
        path = directory / f"{name}_full.onnx"
        if not path.exists():
            model_zoo.export(name, full=True, path=str(path))
        paths[name] = path
    return paths


def time_import(path: Path, repeat: int) -> dict[str, float]:
    """Best-of-`repeat` import time and peak RSS, measured in a child process."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(repeat)],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["file_mb"] = path.stat().st_size / 2**20
    return result


def render(results: dict[str, dict[str, float]], command: str) -> str:
    """The "## Import time" markdown section."""
    lines = ["## Import time", "",
             f"`{command}` — `import_onnx` (load, shape folding, `dnnf` module with weights as "
             "resources), best of the repeats, each model in a fresh process; peak RSS is the "
             "child's VmHWM (baseline = interpreter + bindings before the import). BERT-base has a "
             "1000-token vocabulary here (the published 30522 would add 90 MB of embedding). "
             "\"copies\" is (peak - baseline) / file size: how many copies of the weights the "
             "import held at its peak (the file's bytes and the parsed protobuf while reading, "
             "then the protobuf and the numpy views of its tensors; afterwards one copy, shared "
             "by the numpy arrays and the `dense_resource` attributes).",
             "",
             "| model | ONNX file MB | import s | peak RSS MB | baseline RSS MB | copies |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        copies = (r["peak_rss_mb"] - r["baseline_rss_mb"]) / r["file_mb"]
        lines.append(f"| {name} (full size) | {r['file_mb']:.0f} | {r['seconds']:.2f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['baseline_rss_mb']:.0f} | {copies:.1f} |")
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the "## Import time" section of `path`, keeping other sections."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    head, sep, rest = text.partition("## Import time")
    if sep:
        following = rest.find("\n## ")
        tail = rest[following + 1:] if following >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Export (if needed), time each import, print and optionally write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "dnnf-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--output", help="markdown file to update (docs/benchmarks.md)")
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    results = {name: time_import(path, args.repeat)
               for name, path in export_models(directory).items()}
    command = "python -m dnnfusion_mlir.tools.bench_import" + (
        f" -o {args.output}" if args.output else "")
    section = render(results, command)
    print(section)
    if args.output:
        write_section(Path(args.output), section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
