"""Options of the fusion-plan pass, set around a pass-manager run (like rewrite options).

The pass itself takes no textual options (`dnnf-opt --dnnf-fusion-plan`); compile() sets
these for its run and the defaults are what a plain `dnnf-opt` run uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from dnnfusion_mlir.fusion.plan import FusionPlan, Profitable


@dataclass
class FusionOptions:
    """`corf`: allow Many-to-Many -> Many-to-Many fusion (CORF), decided by profitability.
    `profitable`: the Y-cell decision (None = the analytic model).
    `plans`: every plan the pass made during the run (compile() reports them)."""

    corf: bool = True
    profitable: Profitable | None = None
    plans: list[FusionPlan] = field(default_factory=list)


_current = FusionOptions()


def current() -> FusionOptions:
    """The options of the running compile (or the defaults)."""
    return _current


@contextlib.contextmanager
def fusion_options(options: FusionOptions) -> Iterator[FusionOptions]:
    """Use `options` for fusion-plan passes run inside the `with` block."""
    global _current
    saved, _current = _current, options
    try:
        yield options
    finally:
        _current = saved
