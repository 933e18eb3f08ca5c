"""Recompute the coordination marts from staging: the only transform module that touches DuckDB.

Reads the staged cases, referrals, platform actions and public responses, runs the pure Polars
transforms, and replaces every mart in one transaction, so a reader sees either the old marts or
the new ones, never a mix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import duckdb
import polars as pl

from transforms.backlog import backlog_daily
from transforms.case_facts import case_facts
from transforms.handoffs import handoffs
from transforms.hotspots import hotspots
from transforms.kpi_daily import kpi_daily
from transforms.platforms import platform_requests
from transforms.public_responses import public_response_coverage
from transforms.recurrence import recurrence

CASES_SQL = """
SELECT agency_code, case_id, detected_at, url_key, platform, category, severity, reach, status, triaged_at, closed_at
FROM staging.cases
"""
PLATFORM_ACTIONS_SQL = """
SELECT request_id, case_agency, case_id, platform, requested_at, responded_at, action
FROM staging.platform_actions
"""
REFERRALS_SQL = """
SELECT referral_id, case_agency, case_id, from_agency, to_agency, sent_at, acknowledged_at, outcome
FROM staging.referrals
"""
PUBLIC_RESPONSES_SQL = "SELECT response_id, published_at FROM staging.public_responses"
PUBLIC_RESPONSE_TARGETS_SQL = "SELECT response_id, url_key FROM staging.public_response_targets"

# The feed metrics (detection lag vs public feeds, feed takedown time; docs/metrics.md) land here as
# two more marts once the URLhaus and PhishTank sources are staged: read their staging tables
# above, add one transforms module for the feed family, and add its marts to the dict below.


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


def mart_plans(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> tuple[pl.DataFrame, dict[str, pl.LazyFrame]]:
    """The collected case facts and the plan of every other mart, all from the current staging tables."""
    referrals = read_staging(con, REFERRALS_SQL)
    platform_actions = read_staging(con, PLATFORM_ACTIONS_SQL)
    facts = case_facts(
        read_staging(con, CASES_SQL),
        platform_actions,
        referrals,
        as_of=as_of,
        sla_hours=sla_hours,
        duplicate_window_h=duplicate_window_h,
    ).collect()
    plans = {
        # The two largest first, so that their computation overlaps the largest writes.
        "marts.kpi_daily": kpi_daily(facts.lazy(), as_of=as_of, local_tz=local_tz),
        "marts.backlog_daily": backlog_daily(facts.lazy(), as_of=as_of, local_tz=local_tz),
        "marts.handoffs": handoffs(referrals, facts.lazy(), as_of=as_of),
        "marts.platform_requests": platform_requests(platform_actions, facts.lazy(), as_of=as_of),
        "marts.public_response_coverage": public_response_coverage(
            facts.lazy(),
            read_staging(con, PUBLIC_RESPONSES_SQL),
            read_staging(con, PUBLIC_RESPONSE_TARGETS_SQL),
            as_of=as_of,
        ),
        "marts.recurrence": recurrence(facts.lazy(), as_of=as_of),
        "marts.hotspots": hotspots(facts.lazy(), as_of=as_of, local_tz=local_tz),
    }
    return facts, plans


def write_marts(
    con: duckdb.DuckDBPyConnection,
    facts: pl.DataFrame,
    plans: Mapping[str, pl.LazyFrame],
    write: Callable[[duckdb.DuckDBPyConnection, str, pl.DataFrame], int],
) -> dict[str, int]:
    """Write case facts and every planned mart with ``write`` in one transaction; return what ``write`` counted.

    Each mart is computed, written and dropped in turn, so at most two marts are held in memory at a time:
    while DuckDB writes one (mostly on one core), Polars computes the next in a worker thread (both release
    the GIL).
    """
    tables = list(plans)
    counts = {}
    with ThreadPoolExecutor(max_workers=1) as worker:
        upcoming = worker.submit(plans[tables[0]].collect)
        con.begin()
        try:
            counts["marts.case_facts"] = write(con, "marts.case_facts", facts)
            for table, following in zip(tables, [*tables[1:], None], strict=True):
                rows = upcoming.result()
                if following is not None:
                    upcoming = worker.submit(plans[following].collect)
                counts[table] = write(con, table, rows)
                del rows  # freed while the next mart is still computing: at most two in memory
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return counts


def build_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> dict[str, int]:
    """Recompute every mart from staging in one transaction; return row counts per mart."""
    facts, plans = mart_plans(con, as_of, sla_hours, duplicate_window_h, local_tz)

    def replace_all(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> int:
        replace_mart(con, table, rows)
        return rows.height

    return write_marts(con, facts, plans, replace_all)


# How a backfill decides which rows of a mart belong to its local-date range (docs/operations.md):
# - day-grained marts: the row's local day;
# - case-grained marts: the row's case is one of the backfill's cases (below), keyed by these two columns;
# - recurrence: the local day of the item's first enforcement.
DAY_GRAINED = ("marts.kpi_daily", "marts.backlog_daily", "marts.hotspots")
CASE_KEYS = {
    "marts.case_facts": ("agency_code", "case_id"),
    "marts.public_response_coverage": ("agency_code", "case_id"),
    "marts.handoffs": ("case_agency", "case_id"),
    "marts.platform_requests": ("case_agency", "case_id"),
}
BACKFILL_CASES = "_concord_backfill_cases"


def _in_range(table: str, alias: str) -> str:
    """SQL that is true for a row (``alias``) of ``table`` that belongs to the backfill range ($from, $to, $tz)."""
    if table in DAY_GRAINED:
        return f"{alias}.day BETWEEN $from AND $to"
    if table == "marts.recurrence":
        return f"timezone($tz, {alias}.first_enforcement_at)::DATE BETWEEN $from AND $to"
    agency, case = CASE_KEYS[table]
    return f"EXISTS (SELECT 1 FROM {BACKFILL_CASES} k WHERE k.agency_code = {alias}.{agency} AND k.case_id = {alias}.{case})"


def _used(params: Mapping[str, object], sql: str) -> dict[str, object]:
    """The named parameters that ``sql`` uses (DuckDB refuses unused ones)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def replace_range(
    con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame, date_from: date, date_to: date, local_tz: str
) -> int:
    """Replace the rows of ``table`` in the backfill range by the in-range ``rows``; the caller holds the transaction.

    Returns the number of rows inserted. Rows of ``table`` outside the range are not touched.
    """
    view = f"_concord_new_{table.replace('.', '_')}"
    params = {"from": date_from, "to": date_to, "tz": local_tz}
    con.register(view, rows.to_arrow())
    try:
        if table == "marts.case_facts":
            # The backfill's cases: detected in the range now, or in the range in the mart being replaced (a
            # correction that moved a case's detection out of the range replaces its old row too).
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {BACKFILL_CASES} AS
                    SELECT agency_code, case_id FROM {view} WHERE timezone($tz, detected_at)::DATE BETWEEN $from AND $to
                    UNION
                    SELECT agency_code, case_id FROM marts.case_facts
                    WHERE timezone($tz, detected_at)::DATE BETWEEN $from AND $to""",
                params,
            )
        delete = f"DELETE FROM {table} t WHERE {_in_range(table, 't')}"
        con.execute(delete, _used(params, delete))
        insert = f"INSERT INTO {table} BY NAME SELECT * FROM {view} t WHERE {_in_range(table, 't')}"
        inserted = con.execute(insert, _used(params, insert)).fetchall()
    finally:
        con.unregister(view)
    return int(inserted[0][0])


def backfill_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    date_from: date,
    date_to: date,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
    on_mart: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Recompute the marts from staging as of ``as_of`` and replace only the rows of [date_from, date_to].

    All marts change in one transaction. Returns the rows inserted per mart; ``on_mart`` is told each mart
    once it is written (for a progress bar).
    """
    if date_from > date_to:
        raise ValueError(f"backfill range is empty: {date_from} is after {date_to}")
    facts, plans = mart_plans(con, as_of, sla_hours, duplicate_window_h, local_tz)

    def replace_in_range(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> int:
        inserted = replace_range(con, table, rows, date_from, date_to, local_tz)
        if on_mart is not None:
            on_mart(table)
        return inserted

    try:
        return write_marts(con, facts, plans, replace_in_range)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {BACKFILL_CASES}")
