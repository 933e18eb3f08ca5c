"""Recompute the coordination marts from staging: the only transform module that touches DuckDB.

Reads ``staging.cases``, ``staging.platform_actions`` and ``staging.referrals``, runs the pure
Polars transforms, and replaces ``marts.case_facts`` and ``marts.kpi_daily`` in one transaction,
so a reader sees either the old marts or the new ones, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import duckdb
import polars as pl

from transforms.case_facts import case_facts
from transforms.kpi_daily import kpi_daily

CASES_SQL = """
SELECT agency_code, case_id, detected_at, url_key, platform, category, severity, status, triaged_at, closed_at
FROM staging.cases
"""
PLATFORM_ACTIONS_SQL = "SELECT case_agency, case_id, action, responded_at FROM staging.platform_actions"
REFERRALS_SQL = "SELECT case_agency, case_id, from_agency, to_agency, sent_at FROM staging.referrals"


def read_staging(con: duckdb.DuckDBPyConnection, sql: str) -> pl.LazyFrame:
    """The rows of one staging query as a LazyFrame."""
    rows: pl.DataFrame = con.sql(sql).pl()
    return rows.lazy()


def replace_mart(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """Replace every row of ``table`` with ``rows`` (matched by column name); the caller holds the transaction."""
    view = f"_concord_new_{table.replace('.', '_')}"
    con.register(view, rows.to_arrow())
    try:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
    finally:
        con.unregister(view)


def build_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> dict[str, int]:
    """Recompute marts.case_facts and marts.kpi_daily from staging; return row counts per mart."""
    facts = case_facts(
        read_staging(con, CASES_SQL),
        read_staging(con, PLATFORM_ACTIONS_SQL),
        read_staging(con, REFERRALS_SQL),
        as_of=as_of,
        sla_hours=sla_hours,
        duplicate_window_h=duplicate_window_h,
    ).collect()
    daily = kpi_daily(facts.lazy(), as_of=as_of, local_tz=local_tz).collect()
    con.begin()
    try:
        replace_mart(con, "marts.case_facts", facts)
        replace_mart(con, "marts.kpi_daily", daily)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return {"marts.case_facts": facts.height, "marts.kpi_daily": daily.height}
