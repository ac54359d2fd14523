"""Shared plumbing for console scripts: CompileError -> one stderr line and exit 1.

`--debug` (or DNNF_DEBUG=1) shows the full traceback instead.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable

from dnnfusion_mlir import errors


def run_cli(main: Callable[[list[str]], int], argv: list[str] | None = None) -> int:
    """Run `main(argv)`; report errors as one line unless debugging; return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("DNNF_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    prog = os.path.basename(sys.argv[0]) or "dnnf"
    try:
        return main(args)
    except errors.CompileError as exc:
        if debug:
            traceback.print_exc()
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, TypeError) as exc:
        if debug:
            traceback.print_exc()
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal bug: still one line, unless debugging
        if debug:
            traceback.print_exc()
        print(f"{prog}: internal error: {type(exc).__name__}: {exc} (rerun with --debug for "
              "the traceback)", file=sys.stderr)
        return 2


def parse_shapes(specs: list[str] | None) -> dict[str, list[int]] | None:
    """`name=1x3x224x224` items -> {"name": [1, 3, 224, 224]}."""
    if not specs:
        return None
    shapes: dict[str, list[int]] = {}
    for spec in specs:
        name, _, dims = spec.rpartition("=")
        if not name or not dims:
            raise ValueError(f"bad --input-shape '{spec}': expected name=DxDx...")
        shapes[name] = [int(d) for d in dims.split("x")]
    return shapes


def write_output(text: str | bytes, path: str | None) -> None:
    """Write to `path`, or stdout when path is None or '-'."""
    if path in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as fh:
        fh.write(text)
