"""The on-disk profiling database (DESIGN.md §4): measured block times, keyed by
(target, block signature), so the second compile of a model profiles nothing.

One SQLite file (stdlib `sqlite3`). Every call opens its own short-lived connection with a
busy timeout and writes with `INSERT OR REPLACE`, so several processes (pytest-xdist
workers, parallel builds) can share one database: a writer waits for the lock instead of
failing, and two workers measuring the same block just store it twice.

Location: the `path` given, else `$DNNF_PROFILE_DB`, else
`~/.cache/dnnfusion-mlir/profile.sqlite`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "DNNF_PROFILE_DB"
#: Seconds a connection waits for another process's write lock before failing.
TIMEOUT = 30.0

_SCHEMA = """CREATE TABLE IF NOT EXISTS measurements (
    target TEXT NOT NULL,
    signature TEXT NOT NULL,
    fused REAL NOT NULL,
    unfused REAL NOT NULL,
    repeats INTEGER NOT NULL,
    measured_at REAL NOT NULL,
    PRIMARY KEY (target, signature)
)"""


@dataclass(frozen=True)
class Measurement:
    """Times (seconds per run) of one candidate block compiled fused and unfused."""

    fused: float
    unfused: float
    repeats: int  # timed samples of each variant (the best is kept)
    measured_at: float  # Unix time

    @property
    def fuse(self) -> bool:
        """The profiling verdict: fusing is faster."""
        return self.fused < self.unfused


def default_path() -> Path:
    """`$DNNF_PROFILE_DB`, else `~/.cache/dnnfusion-mlir/profile.sqlite`."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "dnnfusion-mlir" / "profile.sqlite"


class ProfileDB:
    """Measurements on disk, keyed by (target, block signature)."""

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one transaction (committed on success), closed afterwards."""
        conn = sqlite3.connect(self.path, timeout=self.timeout)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def get(self, target: str, signature: str) -> Measurement | None:
        """The stored measurement of `signature` on `target`, or None."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT fused, unfused, repeats, measured_at FROM measurements "
                "WHERE target = ? AND signature = ?", (target, signature)).fetchone()
        return None if row is None else Measurement(*row)

    def put(self, target: str, signature: str, fused: float, unfused: float, repeats: int,
            measured_at: float | None = None) -> Measurement:
        """Store (or replace) a measurement; returns what was stored."""
        m = Measurement(float(fused), float(unfused), int(repeats),
                        time.time() if measured_at is None else float(measured_at))
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO measurements VALUES (?, ?, ?, ?, ?, ?)",
                         (target, signature, m.fused, m.unfused, m.repeats, m.measured_at))
        return m

    def __len__(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM measurements").fetchone()[0])

    def __repr__(self) -> str:
        return f"ProfileDB({str(self.path)!r})"


__all__ = ["ENV_VAR", "Measurement", "ProfileDB", "default_path"]
