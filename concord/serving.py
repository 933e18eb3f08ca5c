"""The serving copy: what the dashboard reads, published atomically so readers and the writer never block.

DuckDB allows one read-write process or many read-only ones, never both. The pipeline therefore writes
the marts into a fresh file next to the warehouse and renames it over the previous copy; the dashboard
opens the copy read-only for one query at a time. A reader that still has the old file open keeps
reading it (POSIX rename semantics); the next query sees the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# Tables copied into the serving file, under the same qualified names as in the warehouse.
SERVED_TABLES = (
    "marts.case_facts",
    "marts.kpi_daily",
    "marts.handoffs",
    "marts.platform_requests",
    "marts.backlog_daily",
    "marts.public_response_coverage",
    "marts.recurrence",
    "marts.hotspots",
    "staging.agencies",
    "audit.runs",
    "audit.batches",
    "audit.validations",
    "audit.evidence",
    "audit.volume_checks",
    "quarantine.rows",
)


def publish(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Copy the served tables from the warehouse on ``con`` into ``target``, replacing it atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute(f"ATTACH '{tmp}' AS serving_tmp")
    try:
        for table in SERVED_TABLES:
            schema = table.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS serving_tmp.{schema}")
            con.execute(f"CREATE TABLE serving_tmp.{table} AS SELECT * FROM {table}")
    finally:
        con.execute("DETACH serving_tmp")
    os.replace(tmp, target)
    return target
