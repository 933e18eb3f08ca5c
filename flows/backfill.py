"""The backfill flow: recompute the marts for a local-date range from the current staging tables, idempotently.

Semantics (docs/operations.md): the marts are recomputed from staging as of ``as_of`` (default now); in each mart
only the rows of the range are replaced — day-grained marts by local day, case-grained marts by the cases
detected in the range, recurrence by the local day of the first enforcement — in one transaction; rows outside
the range are not touched. Nothing is ingested. The run is recorded like any other: a row of ``audit.runs``
(flow ``concord-backfill``, with its range), an evidence record, a new serving copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from concord.lock import writer_lock
from concord.notify import notify_failure
from concord.settings import Settings
from concord.warehouse import connect, ensure_schema
from flows.pipeline import code_version, finish_run

# Steps a progress bar can count: one per mart, then evidence and publish.
STEPS = (
    "marts.case_facts",
    "marts.kpi_daily",
    "marts.backlog_daily",
    "marts.handoffs",
    "marts.platform_requests",
    "marts.public_response_coverage",
    "marts.recurrence",
    "marts.hotspots",
    "evidence",
    "publish",
)

_progress: Callable[[str], None] | None = None


@contextmanager
def reporting_progress(callback: Callable[[str], None]) -> Iterator[None]:
    """Call ``callback(step)`` as each of ``STEPS`` finishes in a backfill run in this process (the CLI's bar)."""
    global _progress
    previous, _progress = _progress, callback
    try:
        yield
    finally:
        _progress = previous


def _step(name: str) -> None:
    if _progress is not None:
        _progress(name)


@dataclass
class BackfillSummary:
    """What one backfill did: its run id, range, as-of and the rows written per mart."""

    run_id: str
    date_from: date
    date_to: date
    as_of: datetime
    marts: dict[str, int] = field(default_factory=dict)
    serving: str = ""
    evidence_sha256: str = ""


@task(name="backfill-marts", cache_policy=NONE)
def backfill_marts_task(
    con: duckdb.DuckDBPyConnection, as_of: datetime, date_from: date, date_to: date, settings: Settings
) -> dict[str, int]:
    """Recompute the marts as of ``as_of`` and replace the rows of the range (pure compute: no retries)."""
    from transforms.build import backfill_marts

    return backfill_marts(
        con,
        as_of,
        date_from,
        date_to,
        settings.sla_hours,
        settings.duplicate_window_h,
        settings.local_tz,
        on_mart=_step,
    )


@flow(name="concord-backfill", log_prints=True, on_failure=[notify_failure])
def backfill(
    date_from: date, date_to: date, db: Path | None = None, as_of: datetime | None = None, wait_s: float | None = None
) -> BackfillSummary:
    """Recompute the marts for the local days [date_from, date_to] from the current staging tables.

    ``db`` defaults to the settings' warehouse. ``as_of`` (default: now) is the time SLA status and backlog are
    judged at. Running it twice with the same
    ``as_of`` leaves the same marts. ``wait_s`` (default: the writer_wait_s setting) is how long to wait for
    another writer.
    """
    settings = Settings()
    if date_from > date_to:
        raise ValueError(f"backfill range is empty: --from {date_from} is after --to {date_to}")
    db = Path(db or settings.db_path).resolve()
    if not db.is_file():
        raise FileNotFoundError(f"no warehouse at {db}: run the pipeline first")
    started = datetime.now(UTC)
    as_of = (as_of or started).astimezone(UTC)
    run_id = f"backfill-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    summary = BackfillSummary(run_id=run_id, date_from=date_from, date_to=date_to, as_of=as_of)
    logger = get_run_logger()
    wait = settings.writer_wait_s if wait_s is None else wait_s
    with writer_lock(db, wait, what="concord-backfill", run_id=run_id):
        logger.info("backfill %s: local days %s to %s of %s, as of %s", run_id, date_from, date_to, db, as_of)
        con = connect(db)
        try:
            con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
            ensure_schema(con)
            version = code_version()
            con.execute(
                "INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox, flow,"
                " date_from, date_to) VALUES (?, ?, NULL, ?, 'running', ?, NULL, 'concord-backfill', ?, ?)",
                [run_id, started, as_of, version, date_from, date_to],
            )
            try:
                summary.marts = backfill_marts_task(con, as_of, date_from, date_to, settings)
                logger.info("marts: %s", ", ".join(f"{k} {v:,} rows replaced" for k, v in summary.marts.items()))
                summary.evidence_sha256, summary.serving = finish_run(
                    con,
                    settings,
                    db,
                    run_id=run_id,
                    as_of=as_of,
                    started=started,
                    version=version,
                    validation=[],
                    marts=summary.marts,
                    volume=[],
                    on_step=_step,
                )
            except BaseException:
                con.execute(
                    "UPDATE audit.runs SET status = 'failed', finished_at = ? WHERE run_id = ?",
                    [datetime.now(UTC), run_id],
                )
                raise
        finally:
            con.close()
    logger.info("backfill %s done: %s to %s", run_id, date_from, date_to)
    return summary
