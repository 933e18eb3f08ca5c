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

from concord.catalogue import BATCH_PARENT

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
# Computed at publish time rather than copied: which batches the rows of each staged table came from, so that the
# lineage page can trace a KPI to files without the serving copy holding the staging tables themselves.
LINEAGE_TABLE = "audit.lineage"


def lineage_sql(con: duckdb.DuckDBPyConnection) -> str:
    """A query for ``audit.lineage`` (table_name, batch_id, rows) over the staged tables of ``con``'s database.

    Every staged table with a ``batch_id`` column counts its rows per batch; a table listed in
    ``catalogue.BATCH_PARENT`` counts its rows per batch of the parent row it joins. One ``GROUP BY`` per table:
    on 1 M cases it costs tens of milliseconds.
    """
    rows = con.execute(
        """
        SELECT table_name, bool_or(column_name = 'batch_id') FROM information_schema.columns
        WHERE table_catalog = current_database() AND table_schema = 'staging'
        GROUP BY table_name ORDER BY table_name
        """
    ).fetchall()
    parts = []
    for name, has_batch in rows:
        table = f"staging.{name}"
        if has_batch:
            parts.append(f"SELECT '{table}' AS table_name, batch_id, count(*) AS rows FROM {table} GROUP BY batch_id")
        elif table in BATCH_PARENT:
            parent, key = BATCH_PARENT[table]
            parts.append(
                f"SELECT '{table}' AS table_name, p.batch_id, count(*) AS rows "
                f"FROM {table} t JOIN {parent} p USING ({key}) GROUP BY p.batch_id"
            )
    if not parts:
        return "SELECT NULL::VARCHAR AS table_name, NULL::VARCHAR AS batch_id, NULL::BIGINT AS rows WHERE false"
    return " UNION ALL ".join(parts)


def publish(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Copy the served tables from the warehouse on ``con`` into ``target``, replacing it atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    lineage = lineage_sql(con)  # before the attach: only the warehouse's own staging tables
    con.execute(f"ATTACH '{tmp}' AS serving_tmp")
    try:
        for table in SERVED_TABLES:
            schema = table.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS serving_tmp.{schema}")
            con.execute(f"CREATE TABLE serving_tmp.{table} AS SELECT * FROM {table}")
        con.execute(f"CREATE TABLE serving_tmp.{LINEAGE_TABLE} AS {lineage}")
    finally:
        con.execute("DETACH serving_tmp")
    os.replace(tmp, target)
    return target
