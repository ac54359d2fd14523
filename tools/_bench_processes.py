"""`dnnf-bench --processes N`: the same benchmark in N fresh processes, one after another.

On a noisy host the fused / unfused ratio of one process has a narrow per-round interval
but moves between processes (where code and buffers land, what the neighbours do): one
process cannot tell a 3% gain from that. Each child runs `dnnf-bench` with the same
arguments (`--json` to a temporary file); the parent prints, per model, every process's
per-round fused / unfused ratio and their median, min and max, and with `--json` writes
the children's results and that summary.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from dnnfusion_mlir.bench import FUSED

#: Options of the parent that children must not see.
_PARENT_ONLY = ("--processes", "--json")


def child_argv(argv: list[str]) -> list[str]:
    """`argv` without `--processes N` / `--json PATH` (both spellings: `--x v`, `--x=v`)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _PARENT_ONLY:
            skip = True
            continue
        if arg.startswith(tuple(f"{o}=" for o in _PARENT_ONLY)):
            continue
        out.append(arg)
    return out


def _results(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-model results of one child's `--json` (one model or `--all-families`)."""
    return data["results"] if "results" in data else [data]


def run_processes(argv: list[str], count: int) -> list[dict[str, Any]]:
    """Run `dnnf-bench argv` in `count` fresh processes; their `--json` data, in order.
    A child's own output goes to this process's stdout; a failing child raises."""
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dnnf-bench-") as tmp:
        for i in range(count):
            path = os.path.join(tmp, f"run{i}.json")
            print(f"== process {i + 1} of {count}", flush=True)
            cmd = [sys.executable, "-m", "dnnfusion_mlir.tools.bench", *child_argv(argv),
                   "--json", path]
            done = subprocess.run(cmd, check=False)
            if done.returncode != 0 or not os.path.exists(path):
                raise ValueError(f"process {i + 1} of {count} failed (exit code "
                                 f"{done.returncode}): {' '.join(cmd)}")
            with open(path) as fh:
                runs.append(json.load(fh))
    return runs


def across(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per model: each process's per-round fused / unfused median and fused / onnxruntime
    time, and the median, min and max of the former over processes."""
    models: dict[str, dict[str, Any]] = {}
    for data in runs:
        for r in _results(data):
            entry = models.setdefault(r["model"], {"fused_vs_unfused_paired": [],
                                                   "fused_vs_onnxruntime": []})
            entry["fused_vs_unfused_paired"].append(r["fused_vs_unfused_paired"][0])
            entry["fused_vs_onnxruntime"].append(
                r["variants"][FUSED]["time_vs_onnxruntime"])
    for entry in models.values():
        paired = entry["fused_vs_unfused_paired"]
        entry.update(median=statistics.median(paired), min=min(paired), max=max(paired))
    return models


def format_across(models: dict[str, dict[str, Any]], count: int) -> str:
    """The summary table: one row per model."""
    lines = [f"fused / unfused per round, across {count} processes "
             "(each: that process's median over rounds)",
             f"{'model':<16} {'median':>7} {'min':>6} {'max':>6}  per process"]
    for name, e in models.items():
        each = " ".join(f"{v:.2f}" for v in e["fused_vs_unfused_paired"])
        lines.append(f"{name:<16} {e['median']:>6.2f}x {e['min']:>5.2f}x {e['max']:>5.2f}x"
                     f"  {each}")
    return "\n".join(lines)


def main_processes(argv: list[str], count: int, json_path: str | None) -> int:
    """The `--processes` mode of `dnnf-bench`; exit code 0 (children check errors)."""
    runs = run_processes(argv, count)
    models = across(runs)
    print(format_across(models, count))
    if json_path:
        with open(json_path, "w") as fh:
            json.dump({"processes": runs, "across_processes": models}, fh, indent=2)
            fh.write("\n")
    return 0
