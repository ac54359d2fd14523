"""Shared machinery for rewrite-rule passes (DESIGN.md §3).

A rule is one function `fn(op, rewriter) -> bool` that returns True when it rewrote `op`.
`@rule(root)` registers it with a stable name; `apply_rules` runs a list of rules with the
upstream greedy driver (`rewrite.RewritePatternSet`). The bindings count a match as
successful when the callback returns a *falsy* value, so the flip happens here, once,
together with counting every application in the active `RewriteStats` (cm.stats["rewrites"]).

Rules that change floating-point results (reassociation, exp/log identities) are marked
`fast_math=True` and only run while fast-math is enabled (the default, see `rewrite_options`).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dnnfusion_mlir._mlir import ir, rewrite

RuleFn = Callable[[ir.Operation, rewrite.PatternRewriter], bool]


@dataclass(frozen=True)
class Rule:
    """A named rewrite rule rooted at one op name."""

    name: str
    root: str
    fn: RuleFn
    fast_math: bool = False


@dataclass
class _State:
    counts: Counter
    fast_math: bool = True


_STATE = _State(Counter())


@contextlib.contextmanager
def rewrite_options(fast_math: bool = True) -> Iterator[Counter]:
    """Collect rule counts (yielded) and set fast-math for rewrites run inside the block."""
    saved = (_STATE.counts, _STATE.fast_math)
    _STATE.counts, _STATE.fast_math = Counter(), fast_math
    try:
        yield _STATE.counts
    finally:
        _STATE.counts, _STATE.fast_math = saved


def rule(root: str, *, fast_math: bool = False, name: str | None = None
         ) -> Callable[[RuleFn], Rule]:
    """Decorator: make `fn` a Rule on ops named `root` (e.g. "dnnf.mul")."""

    def wrap(fn: RuleFn) -> Rule:
        return Rule(name or fn.__name__.removeprefix("rule_"), root, fn, fast_math)

    return wrap


def _callback(r: Rule) -> Callable[[ir.Operation, rewrite.PatternRewriter], bool]:
    def matched(op: ir.Operation, rewriter: rewrite.PatternRewriter) -> bool:
        if r.fast_math and not _STATE.fast_math:
            return True
        if r.fn(op.operation if hasattr(op, "operation") else op, rewriter):
            _STATE.counts[r.name] += 1
            return False  # falsy == success for the bindings' pattern driver
        return True

    return matched


def apply_rules(root: ir.Operation, rules: list[Rule]) -> None:
    """Apply `rules` greedily to everything nested under `root` until a fixpoint."""
    patterns = rewrite.RewritePatternSet()
    for r in rules:
        patterns.add(r.root, _callback(r))
    rewrite.apply_patterns_and_fold_greedily(root, patterns.freeze())


# Weight table: resource key -> numpy array, so rules and `dnnf-fold-weights` can read (and
# add) `dense_resource<...>` constants, whose bytes are not reachable from the IR. The compiler
# installs `ImportedModel.weights`; without a table (plain dnnf-opt), resources stay opaque.
_WEIGHTS: list[dict[str, Any]] = []


@contextlib.contextmanager
def weight_table(table: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Make `table` (resource key -> np.ndarray) readable and extendable by rewrites."""
    _WEIGHTS.append(table)
    try:
        yield table
    finally:
        _WEIGHTS.pop()


def current_weight_table() -> dict[str, Any] | None:
    """The innermost active weight table, or None outside `weight_table(...)`."""
    return _WEIGHTS[-1] if _WEIGHTS else None
