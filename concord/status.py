"""What ``concord status`` reports: the last run, freshness per source, validation failures, failed runs, and
Prefect's recent and scheduled flow runs.

Everything is read from the serving copy (never the warehouse, which a running writer may hold) through a
connection passed in; Prefect is asked over its REST API with a short timeout, so a server that is down makes
the report say so rather than hang. No Prefect import: the command stays fast.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from concord.freshness import freshness, newest_loaded
from concord.warehouse import connect

PREFECT_TIMEOUT_S = 3.0
RECENT = 5  # failed runs, Prefect runs and scheduled runs listed


@dataclass
class Status:
    """The health of the platform as the serving copy and Prefect see it."""

    last_run: dict[str, Any] | None
    freshness: pl.DataFrame
    validation_failures: pl.DataFrame
    failed_runs: pl.DataFrame
    prefect: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """No failed last run and no stale source (exit code 0 of ``concord status``)."""
        last_ok = self.last_run is not None and self.last_run["status"] != "failed"
        return last_ok and not self.freshness["stale"].any()


def open_serving(path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with the serving copy attached read-only (as the dashboard reads it)."""
    con = connect(":memory:")
    escaped = str(path).replace("'", "''")
    con.execute(f"ATTACH '{escaped}' AS serving (READ_ONLY)")
    con.execute("USE serving")
    return con


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?",
        [schema, name, column],
    ).fetchall()
    return rows == [(1,)]


def _flow(con: duckdb.DuckDBPyConnection, prefix: str = "") -> str:
    """The run's flow; a serving copy published before audit.runs had the column holds pipeline runs only."""
    if _has_column(con, "audit.runs", "flow"):
        return f"coalesce({prefix}flow, 'concord-pipeline')"
    return "'concord-pipeline'"


def last_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest run of ``audit.runs`` with its duration and file/row totals (None when there is none)."""
    result = con.sql(
        f"""
        SELECT r.run_id, {_flow(con, "r.")} AS flow, r.status, r.started_at, r.finished_at,
               date_diff('millisecond', r.started_at, r.finished_at) / 1000.0 AS duration_s, r.as_of,
               count(b.batch_id) FILTER (WHERE b.status = 'loaded') AS files_loaded,
               count(b.batch_id) FILTER (WHERE b.status = 'rejected') AS files_rejected,
               count(b.batch_id) FILTER (WHERE b.status = 'skipped') AS files_skipped,
               coalesce(sum(b.rows_in), 0)::BIGINT AS rows_in,
               coalesce(sum(b.rows_loaded), 0)::BIGINT AS rows_loaded,
               coalesce(sum(b.rows_quarantined), 0)::BIGINT AS rows_quarantined
        FROM (SELECT * FROM audit.runs ORDER BY started_at DESC, run_id DESC LIMIT 1) r
        LEFT JOIN audit.batches b USING (run_id)
        GROUP BY ALL
        """
    ).pl()
    return result.row(0, named=True) if result.height else None


def validation_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The failed expectations of the newest validation run."""
    return con.sql(
        """
        SELECT run_id, suite_name, table_name, expectation_type, column_name, unexpected_count
        FROM audit.validations
        WHERE run_id = (SELECT run_id FROM audit.validations ORDER BY validated_at DESC, run_id DESC LIMIT 1)
          AND NOT success
        ORDER BY suite_name, expectation_type, column_name
        """
    ).pl()


def failed_runs(con: duckdb.DuckDBPyConnection, limit: int = RECENT) -> pl.DataFrame:
    """The most recent failed runs, newest first."""
    return con.sql(
        f"SELECT run_id, {_flow(con)} AS flow, started_at, finished_at FROM audit.runs WHERE status = 'failed' "
        f"ORDER BY started_at DESC LIMIT {int(limit)}"
    ).pl()


def read_status(con: duckdb.DuckDBPyConnection, now: datetime) -> Status:
    """Everything ``concord status`` reports from the serving copy, freshness judged at ``now``."""
    return Status(
        last_run=last_run(con),
        freshness=freshness(newest_loaded(con), now),
        validation_failures=validation_failures(con),
        failed_runs=failed_runs(con),
    )


# --- Prefect (REST API, short timeout) ----------------------------------------------------------------


def _post(api_url: str, path: str, body: dict[str, Any], timeout_s: float) -> Any:
    request = urllib.request.Request(
        f"{api_url.rstrip('/')}/{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.loads(response.read())


def prefect_runs(api_url: str, timeout_s: float = PREFECT_TIMEOUT_S, limit: int = RECENT) -> dict[str, Any]:
    """The last flow runs and the next scheduled ones from a Prefect server, or ``{"error": …}`` if unreachable."""
    try:
        recent = _post(
            api_url,
            "flow_runs/filter",
            {"flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}, "sort": "START_TIME_DESC", "limit": limit},
            timeout_s,
        )
        scheduled = _post(
            api_url,
            "flow_runs/filter",
            {
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": limit,
            },
            timeout_s,
        )
        flow_ids = sorted({r["flow_id"] for r in [*recent, *scheduled]})
        flows = _post(api_url, "flows/filter", {"flows": {"id": {"any_": flow_ids}}}, timeout_s) if flow_ids else []
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return {"error": f"Prefect server at {api_url} unreachable ({reason})"}
    names = {f["id"]: f["name"] for f in flows}

    def shape(run: dict[str, Any]) -> dict[str, Any]:
        return {
            "flow": names.get(run["flow_id"], run["flow_id"]),
            "name": run["name"],
            "state": run.get("state_name") or (run.get("state") or {}).get("name"),
            "start": run.get("start_time") or run.get("expected_start_time"),
            "duration_s": run.get("total_run_time"),
        }

    return {"recent": [shape(r) for r in recent], "scheduled": [shape(r) for r in scheduled]}
