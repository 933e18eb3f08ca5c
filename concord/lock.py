"""One writer at a time: an exclusive ``flock`` on ``<db>.lock`` held by every process that writes the warehouse.

Why a file lock and not a Prefect global concurrency limit: the lock must also hold for writers that run
without a Prefect server (``concord report``, ``concord reset``, a flow on Prefect's temporary server, whose
limits are not shared with another process's temporary server), and it must be released when its holder dies.
The kernel drops a ``flock`` when the last descriptor of the holding process closes — on exit, on an exception,
and on SIGKILL — so a crashed writer can never leave the warehouse locked. A concurrency-limit slot, by
contrast, stays taken until it times out. DuckDB's own file lock would also stop a second writer, but it fails
at once with an opaque error, after the second run has already started.

The lock file holds a one-line JSON description of the holder (pid, what, run id, started at), rewritten by
each new holder, so a waiting writer can say who is in the way. It is only a description: the ``flock`` is
the lock, and a description left behind by a killed holder means nothing once the lock is free.

Within one process the lock is re-entrant (``concord run`` takes it before starting the flow, and the flow
takes it again so that a deployment run is protected too): ``flock`` treats two descriptors of one process
as two owners, so a nested ``open`` would wait for itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

POLL_S = 0.2  # how often a waiting writer tries again


class WriterBusy(RuntimeError):
    """Another process holds the warehouse's writer lock and did not release it within the wait."""


@dataclass
class _Held:
    handle: IO[str]
    depth: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def lock_path(db: Path) -> Path:
    """The lock file of a warehouse: ``<db>.lock`` next to it."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def holder(db: Path) -> str:
    """A one-line description of whoever last took the lock (only meaningful while it is held)."""
    try:
        text = lock_path(db).read_text(encoding="utf-8").strip()
        info = json.loads(text) if text else {}
    except (OSError, ValueError):
        return "an unknown process"
    if not isinstance(info, dict):
        return "an unknown process"
    parts = [f"pid {info.get('pid', '?')}"]
    if info.get("what"):
        parts.append(str(info["what"]))
    if info.get("run_id"):
        parts.append(f"run {info['run_id']}")
    if info.get("started_at"):
        parts.append(f"since {info['started_at']}")
    return ", ".join(parts)


def _describe(handle: IO[str], what: str, run_id: str | None) -> None:
    info = {"pid": os.getpid(), "what": what, "run_id": run_id, "started_at": datetime.now(UTC).isoformat()}
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(info) + "\n")
    handle.flush()


@contextmanager
def writer_lock(db: Path, wait_s: float, *, what: str = "", run_id: str | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; wait up to ``wait_s`` seconds for it, then raise WriterBusy.

    ``what`` and ``run_id`` describe the holder to a writer that has to wait. Re-entrant within a process: an
    inner block with a ``run_id`` updates the description.
    """
    path = lock_path(db).resolve()
    with _guard:
        held = _held.get(path)
        if held is not None:
            held.depth += 1
            if run_id:
                _describe(held.handle, what, run_id)
    if held is not None:
        try:
            yield
        finally:
            with _guard:
                held.depth -= 1
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    # "a+": open without truncating, so the description of the current holder survives until we own the lock.
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed below, when the lock is released
    try:
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"another writer holds {path} ({holder(db)}); waited {wait_s:g} s. "
                        "Try again when it finishes, or wait longer with --wait / CONCORD_WRITER_WAIT_S."
                    ) from None
                time.sleep(POLL_S)
        _describe(handle, what, run_id)
        with _guard:
            _held[path] = _Held(handle, 1)
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
